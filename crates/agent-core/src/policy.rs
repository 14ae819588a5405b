//! The safety policy (`spec/05_safety_modes.md`): per action, execute, plan, hold for consent,
//! or refuse. Pure functions of the mode, the catalog, the action and the turn's counters; portal
//! data never relaxes a decision.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use state_store::PendingAction;

use crate::catalog::{Catalog, Risk, RiskContext, RiskReason};
use crate::consent::{ClaimProblem, TurnConsent};
use crate::protocol::ActionCall;

/// How much the agent may change on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Reads execute; every write is only planned.
    #[default]
    Shadow,
    /// Reads execute; allowlisted writes execute up to a per-turn budget; the rest is planned.
    Canary,
    /// Every catalogued method may execute; risky ones after the user's consent.
    Full,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Shadow => "shadow",
            Mode::Canary => "canary",
            Mode::Full => "full",
        })
    }
}

/// A mode name that is not `shadow`, `canary` or `full`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode \"{0}\": use shadow, canary or full")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shadow" => Ok(Mode::Shadow),
            "canary" => Ok(Mode::Canary),
            "full" => Ok(Mode::Full),
            _ => Err(UnknownMode(s.to_owned())),
        }
    }
}

/// What the policy does with an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Run it on the portal.
    Execute,
    /// Do not run it; tell the model what would have been done.
    Plan,
    /// Do not run it; store it as the pending action and ask the user.
    Hold,
    /// Do not run it, ever, as written.
    Refuse,
}

impl Decision {
    /// The decision word stored in history (`executed`, `planned`, `held`, `refused`).
    pub fn as_history_word(self) -> &'static str {
        match self {
            Decision::Execute => state_store::ActionRecord::EXECUTED,
            Decision::Plan => state_store::ActionRecord::PLANNED,
            Decision::Hold => state_store::ActionRecord::HELD,
            Decision::Refuse => state_store::ActionRecord::REFUSED,
        }
    }
}

/// Why the policy decided as it did; stable names for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A read.
    Read,
    /// A write in full mode.
    Write,
    /// A write on the canary allowlist, within the turn's budget.
    CanaryAllowlisted,
    /// A risky action the user consented to, exactly as held.
    ConsentGiven,
    /// Shadow mode plans every write.
    ShadowMode,
    /// Canary mode plans writes outside its allowlist.
    NotInCanaryAllowlist,
    /// Canary mode's per-turn budget of writes is spent.
    CanaryBudgetSpent,
    /// Canary mode plans risky actions.
    RiskyInCanary,
    /// A risky action needs the user's consent.
    NeedsConsent,
    /// A write held together with a risky action of the same ACTION.
    HeldWithRisky,
    /// The method is not in the catalog.
    NotInCatalog,
    /// Params refer to other results (`$result[...]`), so the effect cannot be checked.
    BatchReference,
    /// The model claimed consent the user never gave.
    SelfClaimedConsent,
    /// The model claimed consent for a changed action.
    ChangedAfterConsent,
    /// The model claimed consent that expired.
    ConsentExpired,
    /// The model claimed consent for an action the user refused.
    ConsentRefused,
    /// The consented action already ran once.
    ConsentAlreadyUsed,
    /// The same write had an unknown outcome this turn; it is not repeated.
    OutcomeUnknown,
}

impl From<ClaimProblem> for Reason {
    fn from(p: ClaimProblem) -> Self {
        match p {
            ClaimProblem::SelfClaimed => Reason::SelfClaimedConsent,
            ClaimProblem::ChangedAction => Reason::ChangedAfterConsent,
            ClaimProblem::Expired => Reason::ConsentExpired,
            ClaimProblem::Refused => Reason::ConsentRefused,
            ClaimProblem::AlreadyUsed => Reason::ConsentAlreadyUsed,
        }
    }
}

/// The policy's verdict on one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// What to do.
    pub decision: Decision,
    /// Why.
    pub reason: Reason,
    /// The action's risk class; `None` for a method outside the catalog.
    pub risk: Option<Risk>,
    /// Why the action is risky, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_risky: Option<RiskReason>,
    /// Why a consent claim failed, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Verdict {
    fn new(decision: Decision, reason: Reason, risk: Option<Risk>) -> Self {
        Self {
            decision,
            reason,
            risk,
            why_risky: None,
            detail: None,
        }
    }
}

/// The policy's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyConfig {
    /// The mode.
    pub mode: Mode,
    /// Canary mode: writes executed per turn at most (default 3).
    pub canary_budget: usize,
    /// An ACTION with more writes than this is risky as a whole (default 5).
    pub bulk_threshold: usize,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Shadow,
            canary_budget: 3,
            bulk_threshold: 5,
        }
    }
}

/// Counters the policy keeps over one turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnCounters {
    /// Writes executed in canary mode this turn.
    pub canary_used: usize,
    /// Hashes of writes whose outcome was unknown this turn.
    pub unknown_outcomes: Vec<String>,
}

fn has_batch_reference(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("$result"),
        Value::Array(items) => items.iter().any(has_batch_reference),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("$result") || has_batch_reference(v)),
        _ => false,
    }
}

/// Decides every action of one ACTION block, in order.
///
/// When one action is held for consent in full mode, every other write of the same ACTION is
/// held with it (consent covers the ACTION as written); reads still execute.
pub fn decide(
    config: &PolicyConfig,
    catalog: &Catalog,
    risk_ctx: &RiskContext<'_>,
    actions: &[ActionCall],
    counters: &mut TurnCounters,
    consent: &mut TurnConsent,
) -> Vec<Verdict> {
    let classes: Vec<_> = actions
        .iter()
        .map(|a| catalog.classify(a, risk_ctx))
        .collect();
    let writes = classes
        .iter()
        .flatten()
        .filter(|c| c.risk.is_write())
        .count();
    let bulk = writes > config.bulk_threshold;

    let mut verdicts: Vec<Verdict> = actions
        .iter()
        .zip(classes)
        .map(|(action, class)| {
            let Some(mut class) = class else {
                return Verdict::new(Decision::Refuse, Reason::NotInCatalog, None);
            };
            if bulk && class.risk.is_write() {
                class.risk = Risk::Risky;
                class.canary = false;
                class.reason.get_or_insert(RiskReason::Bulk { writes });
            }
            let risk = Some(class.risk);
            if has_batch_reference(&action.params) {
                return Verdict::new(Decision::Refuse, Reason::BatchReference, risk);
            }
            if class.risk == Risk::Read {
                return Verdict::new(Decision::Execute, Reason::Read, risk);
            }
            let hash = PendingAction::hash_of(&action.method, &action.params);
            if counters.unknown_outcomes.contains(&hash) {
                return Verdict::new(Decision::Refuse, Reason::OutcomeUnknown, risk);
            }
            let mut consented = false;
            if class.risk == Risk::Risky && action.confirmed {
                match consent.claim(action) {
                    Ok(()) => consented = true,
                    Err(problem) => {
                        let mut verdict = Verdict::new(Decision::Refuse, problem.into(), risk);
                        verdict.why_risky = class.reason;
                        verdict.detail = Some(problem.explain().to_owned());
                        return verdict;
                    }
                }
            }
            let mut verdict = match config.mode {
                Mode::Shadow => Verdict::new(Decision::Plan, Reason::ShadowMode, risk),
                Mode::Canary if class.risk == Risk::Risky => {
                    Verdict::new(Decision::Plan, Reason::RiskyInCanary, risk)
                }
                Mode::Canary if !class.canary => {
                    Verdict::new(Decision::Plan, Reason::NotInCanaryAllowlist, risk)
                }
                Mode::Canary if counters.canary_used >= config.canary_budget => {
                    Verdict::new(Decision::Plan, Reason::CanaryBudgetSpent, risk)
                }
                Mode::Canary => {
                    counters.canary_used += 1;
                    Verdict::new(Decision::Execute, Reason::CanaryAllowlisted, risk)
                }
                Mode::Full if class.risk == Risk::Risky && consented => {
                    Verdict::new(Decision::Execute, Reason::ConsentGiven, risk)
                }
                Mode::Full if class.risk == Risk::Risky => {
                    Verdict::new(Decision::Hold, Reason::NeedsConsent, risk)
                }
                Mode::Full => Verdict::new(Decision::Execute, Reason::Write, risk),
            };
            verdict.why_risky = class.reason;
            verdict
        })
        .collect();

    if verdicts.iter().any(|v| v.decision == Decision::Hold) {
        for v in &mut verdicts {
            if v.decision == Decision::Execute && v.risk.is_some_and(Risk::is_write) {
                v.decision = Decision::Hold;
                v.reason = Reason::HeldWithRisky;
            }
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(mode: Mode, actions: &[ActionCall]) -> Vec<(Decision, Reason)> {
        let config = PolicyConfig {
            mode,
            ..PolicyConfig::default()
        };
        let ctx = RiskContext {
            own_user_id: Some(7),
            portal: None,
        };
        decide(
            &config,
            &Catalog::standard(),
            &ctx,
            actions,
            &mut TurnCounters::default(),
            &mut TurnConsent::default(),
        )
        .into_iter()
        .map(|v| (v.decision, v.reason))
        .collect()
    }

    fn a(method: &str, params: Value) -> ActionCall {
        ActionCall::new(method, params)
    }

    fn comment(i: u64) -> ActionCall {
        a(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": i, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        )
    }

    #[test]
    fn modes() {
        let read = a("crm.deal.get", json!({"id": 1}));
        let write = a(
            "crm.deal.update",
            json!({"id": 1, "fields": {"TITLE": "x"}}),
        );
        let delete = a("crm.deal.delete", json!({"id": 1}));
        let all = [read, write, comment(1), delete];
        use Decision::*;
        assert_eq!(
            run(Mode::Shadow, &all),
            [
                (Execute, Reason::Read),
                (Plan, Reason::ShadowMode),
                (Plan, Reason::ShadowMode),
                (Plan, Reason::ShadowMode)
            ]
        );
        assert_eq!(
            run(Mode::Canary, &all),
            [
                (Execute, Reason::Read),
                (Plan, Reason::NotInCanaryAllowlist),
                (Execute, Reason::CanaryAllowlisted),
                (Plan, Reason::RiskyInCanary)
            ]
        );
        assert_eq!(
            run(Mode::Full, &all),
            [
                (Execute, Reason::Read),
                (Hold, Reason::HeldWithRisky),
                (Hold, Reason::HeldWithRisky),
                (Hold, Reason::NeedsConsent)
            ]
        );
        assert_eq!(
            run(Mode::Full, &all[..3])
                .iter()
                .filter(|d| d.0 == Execute)
                .count(),
            3
        );
    }

    #[test]
    fn canary_budget_and_bulk() {
        let four: Vec<ActionCall> = (1..=4).map(comment).collect();
        let out = run(Mode::Canary, &four);
        assert_eq!(out.iter().filter(|d| d.0 == Decision::Execute).count(), 3);
        assert_eq!(out[3], (Decision::Plan, Reason::CanaryBudgetSpent));
        let six: Vec<ActionCall> = (1..=6).map(comment).collect();
        assert!(run(Mode::Full, &six).iter().all(|d| d.0 == Decision::Hold));
        assert!(
            run(Mode::Canary, &six)
                .iter()
                .all(|d| d.1 == Reason::RiskyInCanary)
        );
        assert!(
            run(Mode::Full, &six[..5])
                .iter()
                .all(|d| d.0 == Decision::Execute)
        );
    }

    #[test]
    fn refusals() {
        let mut claim = a("crm.deal.delete", json!({"id": 1}));
        claim.confirmed = true;
        for mode in [Mode::Shadow, Mode::Canary, Mode::Full] {
            assert_eq!(
                run(mode, std::slice::from_ref(&claim)),
                [(Decision::Refuse, Reason::SelfClaimedConsent)]
            );
            assert_eq!(
                run(mode, &[a("batch", json!({}))]),
                [(Decision::Refuse, Reason::NotInCatalog)]
            );
        }
        let reference = a(
            "crm.deal.update",
            json!({"id": "$result[a0][ID]", "fields": {"TITLE": "x"}}),
        );
        assert_eq!(
            run(Mode::Full, &[reference]),
            [(Decision::Refuse, Reason::BatchReference)]
        );
        let mut harmless = a(
            "crm.deal.update",
            json!({"id": 1, "fields": {"TITLE": "x"}}),
        );
        harmless.confirmed = true;
        assert_eq!(
            run(Mode::Full, &[harmless]),
            [(Decision::Execute, Reason::Write)]
        );
    }

    #[test]
    fn mode_names() {
        for mode in [Mode::Shadow, Mode::Canary, Mode::Full] {
            assert_eq!(mode.to_string().parse::<Mode>(), Ok(mode));
        }
        assert_eq!(" FULL ".parse::<Mode>(), Ok(Mode::Full));
        assert!("yolo".parse::<Mode>().is_err());
    }
}
