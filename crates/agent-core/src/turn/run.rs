//! One turn, step by step.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use llm_client::{Availability, ChatMessage, ChatModel, ChatRequest, Role, Usage};
use state_store::{ActionRecord, AgentState, HistoryEntry, append_to_summary};

use super::act::Processed;
use super::{Agent, ModelAccess, TurnInput, degraded};
use crate::consent::{self, Resolution, TurnConsent};
use crate::context::PortalContext;
use crate::language::{self, Lang};
use crate::messages;
use crate::policy::TurnCounters;
use crate::prompt::{self, PromptInput};
use crate::protocol::render::render_parse_error;
use crate::protocol::{self, ActionCall, ReplyStep, STOP_SEQUENCES};
use crate::record::{
    CallOrigin, ContextStatus, EndReason, RECORD_VERSION, StepRecord, TurnOutcome, TurnRecord,
};

/// Told to the model after the user's consent released the held action.
const RELEASED_NOTE: &str = "The user just consented to the action held earlier; it ran exactly once (its OBSERVATION follows the user's message). Report the result; do not run it again.";

/// Wall time in whole milliseconds.
pub(super) fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The state of one running turn.
pub(super) struct TurnRun<'a> {
    pub(super) agent: &'a Agent,
    pub(super) state: &'a mut AgentState,
    pub(super) message: String,
    pub(super) now: DateTime<Utc>,
    pub(super) started: Instant,
    pub(super) lang: Lang,
    pub(super) record: TurnRecord,
    pub(super) consent: TurnConsent,
    pub(super) counters: TurnCounters,
    pub(super) portal: Option<PortalContext>,
    pub(super) history_actions: Vec<ActionRecord>,
    pub(super) notes: Vec<String>,
}

impl<'a> TurnRun<'a> {
    pub(super) fn new(agent: &'a Agent, state: &'a mut AgentState, input: TurnInput) -> Self {
        let now = agent.config.clock.now();
        if let Some(id) = input.bitrix_user_id {
            state.memory.bitrix_user_id = Some(id);
        }
        let remembered = state.memory.language.as_deref().and_then(Lang::from_code);
        let lang = language::detect_for_user(&input.message, remembered);
        let record = TurnRecord {
            record_version: RECORD_VERSION,
            turn_id: uuid::Uuid::new_v4().to_string(),
            user_id: input.user_id,
            started_at: now,
            finished_at: now,
            duration_ms: 0,
            mode: agent.config.policy.mode,
            language: lang,
            model: None,
            degraded: None,
            message: input.message.clone(),
            consent: None,
            context: ContextStatus::NotNeeded,
            steps: Vec::new(),
            calls: Vec::new(),
            reply: String::new(),
            end: EndReason::Answered,
            error: None,
            usage: Usage::default(),
            pending_action: None,
            entities: Vec::new(),
        };
        Self {
            agent,
            state,
            message: input.message,
            now,
            started: Instant::now(),
            lang,
            record,
            consent: TurnConsent::default(),
            counters: TurnCounters::default(),
            portal: None,
            history_actions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Runs the turn to its end; every failure becomes part of the outcome.
    pub(super) async fn run(mut self) -> TurnOutcome {
        let pending = self.state.pending_action.take();
        let resolution = consent::resolve(pending, &self.message, self.now);
        self.consent = TurnConsent::from_resolution(resolution.as_ref(), self.now);
        self.record.consent = resolution.clone();
        let mut released = None;
        if let Some(resolution) = resolution {
            let held = consent::held_actions(resolution.pending()).unwrap_or_default();
            let descriptions = self.describe_all(&held);
            match resolution {
                Resolution::Consented(_) => {
                    // Consume the pending action durably before it runs, so that it runs at
                    // most once even if the save at the end of the turn fails.
                    if let Err(e) = self.agent.store.save(self.state).await {
                        let reply = messages::state_not_saved(&e.to_string(), self.lang);
                        return self.finish(reply, EndReason::StateUnavailable, Some(e.to_string()));
                    }
                    let confirmed: Vec<ActionCall> = held
                        .into_iter()
                        .map(|a| ActionCall { confirmed: true, ..a })
                        .collect();
                    let processed = self.process(confirmed, CallOrigin::Consent, None).await;
                    let (run, observation) = match self.settle(processed, "") {
                        Ok(next) => next,
                        Err(outcome) => return *outcome,
                    };
                    self = run;
                    released = Some(observation);
                    self.notes.push(RELEASED_NOTE.into());
                }
                Resolution::Refused(_) => {
                    let reply = messages::consent_refused(&descriptions, self.lang);
                    return self.finish(reply, EndReason::ConsentRefused, None);
                }
                Resolution::Expired(_) => {
                    let reply = messages::consent_expired(&descriptions, self.lang);
                    return self.finish(reply, EndReason::ConsentExpired, None);
                }
                Resolution::Damaged(_) => {
                    let reply = messages::consent_damaged(self.lang).to_owned();
                    let detail = Some("pending action hash mismatch".to_owned());
                    return self.finish(reply, EndReason::ConsentDamaged, detail);
                }
                Resolution::Lapsed(p) => self.notes.push(format!(
                    "An action proposed earlier was NOT confirmed by the user and has been dropped; it did not run: {} {}",
                    p.method, p.params
                )),
            }
        }
        match &self.agent.model {
            ModelAccess::Ready(model) => {
                let model = Arc::clone(model);
                self.model_loop(model, released).await
            }
            ModelAccess::Unavailable(availability) => {
                let availability = availability.clone();
                self.degraded(availability, released).await
            }
        }
    }

    /// The model loop: reply → parse → act → observe, up to the step limit.
    async fn model_loop(
        mut self,
        model: Arc<dyn ChatModel>,
        released: Option<String>,
    ) -> TurnOutcome {
        self.ensure_context().await;
        let config = &self.agent.config;
        let system = prompt::system_prompt(&PromptInput {
            policy: &config.policy,
            catalog: &self.agent.catalog,
            portal: self.portal.as_ref(),
            state: self.state,
            lang: self.lang,
            now: self.now,
            max_steps: config.max_steps,
            notes: &self.notes,
        });
        let mut conversation = prompt::initial_messages(system, self.state, &self.message);
        if let Some(observation) = &released {
            conversation.push(ChatMessage::new(Role::User, observation.clone()));
        }
        self.record.model = Some(model.model_name());
        let mut parse_failures = 0usize;
        for step in 1..=config.max_steps {
            let request = ChatRequest {
                messages: conversation.clone(),
                stop: STOP_SEQUENCES.iter().map(|s| (*s).to_owned()).collect(),
                max_output_tokens: config.max_output_tokens,
            };
            let reply = match model.complete(&request).await {
                Ok(reply) => reply,
                Err(e) => {
                    let unavailable = e.availability().filter(|a| !a.is_ready());
                    if let (1, Some(availability)) = (step, unavailable) {
                        self.record.model = None;
                        return self.degraded(availability, released).await;
                    }
                    let text = self.with_summary(messages::model_failed(&e.to_string(), self.lang));
                    return self.finish(text, EndReason::ModelFailed, Some(e.to_string()));
                }
            };
            self.record.usage.add(&reply.usage);
            let parsed = protocol::parse_reply(&reply.content);
            let mut step_record = StepRecord::from_reply(step, &reply.content, &parsed);
            step_record.latency_ms = millis(reply.latency);
            step_record.finish_reason = reply.finish_reason.clone();
            step_record.usage = reply.usage;
            self.record.steps.push(step_record);
            let kept = match parsed.kept_text.as_str() {
                "" => "(empty reply)".to_owned(),
                text => text.to_owned(),
            };
            conversation.push(ChatMessage::new(Role::Assistant, kept));
            let observation = match parsed.step {
                Ok(ReplyStep::Answer(answer)) => {
                    return self.finish(answer, EndReason::Answered, None);
                }
                Err(error) => {
                    parse_failures += 1;
                    if parse_failures > config.max_parse_retries {
                        let text = messages::protocol_errors(self.lang).to_owned();
                        let text = self.with_summary(text);
                        return self.finish(text, EndReason::ProtocolErrors, Some(error.message));
                    }
                    render_parse_error(&error, config.max_parse_retries - parse_failures)
                }
                Ok(ReplyStep::Act(actions)) => {
                    let processed = self.process(actions, CallOrigin::Model, Some(step)).await;
                    self.set_last_observation(processed.observation());
                    match self.settle(processed, "") {
                        Ok((run, observation)) => {
                            self = run;
                            observation
                        }
                        Err(outcome) => return *outcome,
                    }
                }
            };
            self.set_last_observation(&observation);
            conversation.push(ChatMessage::new(Role::User, observation));
        }
        let text = self.with_summary(messages::step_limit(config.max_steps, self.lang));
        self.finish(text, EndReason::StepLimit, None)
    }

    /// A turn without a model: explain why, and run an explicit command if the user typed one.
    async fn degraded(
        mut self,
        availability: Availability,
        released: Option<String>,
    ) -> TurnOutcome {
        let notice = messages::degraded(&availability, self.lang);
        self.record.degraded = Some(availability);
        if released.is_some() {
            let text = self.with_summary(notice);
            return self.finish(text, EndReason::ConsentExecuted, None);
        }
        let help = messages::degraded_help(self.lang);
        let actions = match degraded::parse_command(&self.message) {
            None => return self.finish(format!("{notice}\n\n{help}"), EndReason::Degraded, None),
            Some(Err(e)) => {
                let bad = messages::bad_command(&e.message, self.lang);
                let text = format!("{notice}\n\n{bad}\n{help}");
                return self.finish(text, EndReason::Degraded, Some(e.message));
            }
            Some(Ok(actions)) => actions,
        };
        self.ensure_context().await;
        let processed = self.process(actions, CallOrigin::User, None).await;
        match self.settle(processed, &notice) {
            Ok((run, _)) => {
                let text = run.with_summary(notice);
                run.finish(text, EndReason::Degraded, None)
            }
            Err(outcome) => *outcome,
        }
    }

    /// Goes on with an observation, or ends the turn for a hold or an unusable portal (the
    /// reply prefixed with `prefix` when it is not empty).
    fn settle(
        self,
        processed: Processed,
        prefix: &str,
    ) -> Result<(Self, String), Box<TurnOutcome>> {
        let join = |text: String| match prefix {
            "" => text,
            p => format!("{p}\n\n{text}"),
        };
        match processed {
            Processed::Observed(observation) => Ok((self, observation)),
            Processed::Held { question, .. } => Err(Box::new(self.finish(
                join(question),
                EndReason::ConsentRequested,
                None,
            ))),
            Processed::Fatal { reply, detail, .. } => Err(Box::new(self.finish(
                join(reply),
                EndReason::PortalUnavailable,
                Some(detail),
            ))),
        }
    }

    fn set_last_observation(&mut self, observation: &str) {
        if let Some(step) = self.record.steps.last_mut() {
            step.observation = Some(observation.to_owned());
        }
    }

    /// Loads the portal context from the cache, or fetches it once.
    async fn ensure_context(&mut self) {
        let config = &self.agent.config;
        if !config.portal_context || self.portal.is_some() {
            return;
        }
        let cached = self.state.portal_context.as_ref();
        if let Some(ctx) = cached.and_then(|c| PortalContext::from_cache(c, self.now)) {
            self.portal = Some(ctx);
            self.record.context = ContextStatus::Cached;
            return;
        }
        match PortalContext::fetch(&*self.agent.bitrix, config.max_context_users).await {
            Ok(ctx) => {
                self.state.portal_context = Some(ctx.to_cache(self.now, config.context_ttl));
                self.portal = Some(ctx);
                self.record.context = ContextStatus::Fetched;
            }
            Err(e) => {
                let error = e.to_string();
                self.record.context = ContextStatus::Failed { error };
            }
        }
    }

    /// Describes actions for the user (what will change, on which record).
    pub(super) fn describe_all(&self, actions: &[ActionCall]) -> Vec<String> {
        let portal = self.portal.as_ref();
        actions
            .iter()
            .map(|a| messages::describe_action(a, portal, &self.state.memory, self.lang))
            .collect()
    }

    /// Appends what the turn's calls did to a fixed reply.
    pub(super) fn with_summary(&self, text: String) -> String {
        match messages::calls_summary(&self.record.calls, self.lang) {
            summary if summary.is_empty() => text,
            summary => format!("{text}\n\n{summary}"),
        }
    }

    /// Ends the turn: updates history, memory and counters, and builds the outcome.
    fn finish(self, reply: String, end: EndReason, error: Option<String>) -> TurnOutcome {
        let config = &self.agent.config;
        let now = config.clock.now();
        let state = self.state;
        state.memory.language = Some(self.lang.code().to_owned());
        let asked = HistoryEntry::user(self.now, self.message);
        state.push_history(asked, &config.history, append_to_summary);
        let answered = HistoryEntry::assistant(now, reply.clone(), self.history_actions);
        state.push_history(answered, &config.history, append_to_summary);
        state.counters.count_turn();
        for call in &self.record.calls {
            state.counters.count_action(call.decision.as_history_word());
        }
        state.updated_at = now;
        let mut record = self.record;
        record.pending_action = state.pending_action.clone();
        record.finished_at = now;
        record.duration_ms = millis(self.started.elapsed());
        record.reply = reply.clone();
        record.end = end;
        record.error = error;
        TurnOutcome { reply, record }
    }
}
