//! Acting on one ACTION: policy decisions, execution, observation, holding for consent.

use chrono::TimeDelta;
use state_store::{ActionRecord, EntityRef, PendingAction};

use super::execute::{CallResult, Executed, Fatal, error_hint, execute};
use super::memory::{outcome_line, touches};
use super::run::{TurnRun, millis};
use crate::catalog::{Risk, RiskContext};
use crate::consent;
use crate::language::Lang;
use crate::messages;
use crate::policy::{self, Decision, Reason, Verdict};
use crate::protocol::ActionCall;
use crate::protocol::render::{ObservedAction, ObservedStatus, fit_to_budget, render_observation};
use crate::record::{CallOrigin, CallRecord};

/// What acting on one ACTION led to.
pub(super) enum Processed {
    /// Go on: send this observation to the model.
    Observed(String),
    /// Actions are held for consent: end the turn with the question.
    Held {
        /// The question for the user.
        question: String,
        /// The observation (for the log).
        observation: String,
    },
    /// The portal cannot be used: end the turn.
    Fatal {
        /// The reply for the user.
        reply: String,
        /// The observation (for the log).
        observation: String,
        /// What failed.
        detail: String,
    },
}

impl Processed {
    /// The observation of the actions, whatever came of them.
    pub(super) fn observation(&self) -> &str {
        match self {
            Processed::Observed(o)
            | Processed::Held { observation: o, .. }
            | Processed::Fatal { observation: o, .. } => o,
        }
    }
}

/// Instructions for the model about an action that did not run.
fn unexecuted_note(verdict: &Verdict, canary_budget: usize) -> (ObservedStatus, String) {
    let planned = |why: &str| {
        (
            ObservedStatus::Planned,
            format!("NOT executed, planned only: {why}"),
        )
    };
    let refused = |why: &str| (ObservedStatus::Refused, format!("refused: {why}"));
    match verdict.reason {
        Reason::ShadowMode if verdict.risk == Some(Risk::Risky) => {
            planned("shadow mode; it would also need the user's consent")
        }
        Reason::ShadowMode => planned("shadow mode"),
        Reason::NotInCanaryAllowlist => planned(
            "canary mode runs only comments, to-dos, tasks, task comments and notifications to the user",
        ),
        Reason::CanaryBudgetSpent => planned(&format!(
            "canary mode runs at most {canary_budget} writes per turn"
        )),
        Reason::RiskyInCanary => {
            planned("risky actions run only in full mode, after the user's consent")
        }
        Reason::NeedsConsent | Reason::HeldWithRisky => (
            ObservedStatus::Held,
            "waiting for the user's explicit consent".into(),
        ),
        Reason::NotInCatalog => refused("this method is not in the catalog"),
        Reason::BatchReference => {
            refused("$result references cannot be checked in advance; use literal values")
        }
        Reason::OutcomeUnknown => refused(
            "the same write already had an unknown outcome this turn; check with a read instead",
        ),
        _ => refused(verdict.detail.as_deref().unwrap_or("not allowed")),
    }
}

impl TurnRun<'_> {
    /// Decides, executes and observes the actions of one ACTION block.
    pub(super) async fn process(
        &mut self,
        actions: Vec<ActionCall>,
        origin: CallOrigin,
        step: Option<usize>,
    ) -> Processed {
        let agent = self.agent;
        let risk_ctx = RiskContext {
            own_user_id: self.state.memory.bitrix_user_id,
            portal: self.portal.as_ref(),
        };
        let verdicts = policy::decide(
            &agent.config.policy,
            &agent.catalog,
            &risk_ctx,
            &actions,
            &mut self.counters,
            &mut self.consent,
        );
        let to_run: Vec<&ActionCall> = actions
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| v.decision == Decision::Execute)
            .map(|(a, _)| a)
            .collect();
        let executed = if to_run.is_empty() {
            None
        } else {
            Some(execute(&*agent.bitrix, &to_run).await)
        };
        let (mut results, timing, fatal) = match executed {
            Some(Ok(Executed {
                results,
                duration,
                batched,
            })) => (results.into_iter(), Some((millis(duration), batched)), None),
            Some(Err(f)) => (Vec::new().into_iter(), None, Some(f)),
            None => (Vec::new().into_iter(), None, None),
        };
        let mut entries = Vec::with_capacity(actions.len());
        let mut held = Vec::new();
        for (action, verdict) in actions.iter().zip(&verdicts) {
            let mut call = CallRecord {
                step,
                origin,
                method: action.method.clone(),
                params: action.params.clone(),
                confirmed: action.confirmed,
                risk: verdict.risk,
                decision: verdict.decision,
                reason: verdict.reason,
                detail: verdict
                    .detail
                    .clone()
                    .or_else(|| verdict.why_risky.as_ref().map(|r| r.describe(Lang::En))),
                status: ObservedStatus::Skipped,
                error: None,
                result: None,
                duration_ms: None,
                batched: false,
            };
            let (entry, outcome) = if verdict.decision == Decision::Execute {
                if let Some((ms, batched)) = timing {
                    call.duration_ms = Some(ms);
                    call.batched = batched;
                }
                self.observe_executed(action, results.next(), fatal.as_ref(), &mut call)
            } else {
                if verdict.decision == Decision::Hold {
                    held.push((action.clone(), verdict.clone()));
                }
                let (status, note) = unexecuted_note(verdict, agent.config.policy.canary_budget);
                call.status = status;
                let reason = serde_json::to_value(verdict.reason).unwrap_or_default();
                let outcome = reason.as_str().unwrap_or_default().to_owned();
                (ObservedAction::noted(&action.method, status, note), outcome)
            };
            self.history_actions.push(ActionRecord {
                method: action.method.clone(),
                decision: verdict.decision.as_history_word().to_owned(),
                outcome,
            });
            self.record.calls.push(call);
            entries.push(entry);
        }
        let observation = render_observation(&entries, agent.config.observation_budget).text;
        if let Some(f) = fatal {
            let reply = self.with_summary(messages::portal_unavailable(&f.detail, self.lang));
            return Processed::Fatal {
                reply,
                observation,
                detail: format!("{}: {}", f.kind, f.detail),
            };
        }
        if !held.is_empty() {
            let question = self.hold(&held);
            return Processed::Held {
                question,
                observation,
            };
        }
        Processed::Observed(observation)
    }

    /// The observation and history outcome of an executed action; fills in its call record.
    fn observe_executed(
        &mut self,
        action: &ActionCall,
        result: Option<CallResult>,
        fatal: Option<&Fatal>,
        call: &mut CallRecord,
    ) -> (ObservedAction, String) {
        let mut entry = ObservedAction::new(&action.method, ObservedStatus::Skipped);
        let outcome = match (result, fatal) {
            (_, Some(f)) => {
                entry.note = Some(format!("not run: the portal is unavailable ({})", f.kind));
                format!("not run: {}", f.kind)
            }
            (Some(CallResult::Ok(out)), None) => {
                let mut logged = out.result.clone();
                fit_to_budget(&mut logged, self.agent.config.record_result_budget);
                call.result = Some(logged);
                entry.status = ObservedStatus::Ok;
                entry.total = out.total;
                entry.next = out.next;
                self.remember(action, &out);
                let line = outcome_line(&out);
                entry.result = Some(out.result);
                line
            }
            (Some(CallResult::Failed(err)), None) => {
                entry.status = ObservedStatus::Error;
                entry.note = Some(error_hint(&err.kind).to_owned());
                call.error = Some(err.clone());
                let line = format!("error: {} {}", err.kind, err.code);
                entry.error = Some(err);
                line
            }
            (Some(CallResult::Unknown(detail)), None) => {
                entry.status = ObservedStatus::OutcomeUnknown;
                entry.note = Some(format!(
                    "the request was sent but its outcome is unknown ({detail}); do NOT repeat it; check with a read and tell the user"
                ));
                self.counters
                    .unknown_outcomes
                    .push(PendingAction::hash_of(&action.method, &action.params));
                "outcome unknown".into()
            }
            (Some(CallResult::Skipped) | None, None) => {
                entry.note = Some("not run: skipped by the portal".into());
                "skipped".into()
            }
        };
        call.status = entry.status;
        (entry, outcome)
    }

    /// Stores held actions as the pending action and writes the question for the user.
    fn hold(&mut self, held: &[(ActionCall, Verdict)]) -> String {
        let actions: Vec<ActionCall> = held
            .iter()
            .map(|(a, _)| ActionCall::new(&a.method, a.params.clone()))
            .collect();
        let mut reasons: Vec<String> = held
            .iter()
            .filter_map(|(_, v)| v.why_risky.as_ref().map(|r| r.describe(self.lang)))
            .collect();
        reasons.dedup();
        let reason = reasons.join("; ");
        let ttl =
            TimeDelta::from_std(self.agent.config.consent_ttl).unwrap_or(TimeDelta::minutes(15));
        let pending = consent::hold(&actions, &reason, self.now, ttl);
        let question = messages::consent_question(
            &self.describe_all(&actions),
            &reason,
            pending.expires_at,
            self.lang,
        );
        self.state.pending_action = Some(pending);
        question
    }

    /// Remembers the records an executed call touched.
    fn remember(&mut self, action: &ActionCall, out: &bitrix_client::CallOutput) {
        for t in touches(action, out) {
            let memory = &mut self.state.memory;
            if t.removed {
                memory
                    .entities
                    .retain(|e| !(e.kind == t.kind && e.id == t.id));
                continue;
            }
            let entity = EntityRef {
                kind: t.kind,
                id: t.id,
                title: t.title,
                touched_at: self.now,
            };
            self.record
                .entities
                .retain(|e| !(e.kind == entity.kind && e.id == entity.id));
            self.record.entities.push(entity.clone());
            memory.remember_entity(entity, self.agent.config.max_entities);
        }
    }
}
