//! Consent bound to the exact action (`spec/05_safety_modes.md`): holding a risky action as the
//! user's pending action, reading the user's answer, and checking the model's consent claims.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use state_store::PendingAction;

use crate::protocol::ActionCall;

/// The `method` of a pending action that holds several actions at once.
pub const BUNDLE_METHOD: &str = "batch";

/// Words that are an explicit consent, when they are the whole message.
const CONSENT_WORDS: &[&str] = &[
    "да",
    "подтверждаю",
    "да, подтверждаю",
    "да подтверждаю",
    "yes",
    "yes, confirm",
    "confirm",
    "/confirm",
];

/// Words that are an explicit refusal, when they are the whole message.
const REFUSAL_WORDS: &[&str] = &[
    "нет",
    "отмена",
    "отменить",
    "отменяю",
    "не надо",
    "no",
    "cancel",
    "/cancel",
];

/// What a user's message says about a pending action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// An explicit consent (`да`, `подтверждаю`, `yes`, `/confirm`).
    Consent,
    /// An explicit refusal (`нет`, `отмена`, `no`, `/cancel`).
    Refusal,
    /// Anything else: not an answer.
    Other,
}

/// Reads a message as an answer. Only a whole message made of a consent or refusal phrase
/// counts ("да, и ещё..." is not a consent); case, spaces and final punctuation do not matter.
pub fn classify_answer(message: &str) -> Answer {
    let normal: String = message
        .trim()
        .trim_end_matches(['.', '!', ' ', '\u{a0}'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if CONSENT_WORDS.contains(&normal.as_str()) {
        Answer::Consent
    } else if REFUSAL_WORDS.contains(&normal.as_str()) {
        Answer::Refusal
    } else {
        Answer::Other
    }
}

/// Holds `actions` (one, or several as a bundle) as a pending action until `now + ttl`.
pub fn hold(
    actions: &[ActionCall],
    reason: impl Into<String>,
    now: DateTime<Utc>,
    ttl: TimeDelta,
) -> PendingAction {
    match actions {
        [one] => PendingAction::new(&one.method, one.params.clone(), reason, now, ttl),
        many => {
            let list: Vec<Value> = many
                .iter()
                .map(|a| json!({"method": a.method, "params": a.params}))
                .collect();
            PendingAction::new(BUNDLE_METHOD, json!({ "actions": list }), reason, now, ttl)
        }
    }
}

/// The actions a pending action holds, in order; `None` when a bundle is malformed.
pub fn held_actions(pending: &PendingAction) -> Option<Vec<ActionCall>> {
    if pending.method != BUNDLE_METHOD {
        return Some(vec![ActionCall::new(
            &pending.method,
            pending.params.clone(),
        )]);
    }
    pending
        .params
        .get("actions")?
        .as_array()?
        .iter()
        .map(|item| {
            let method = item.get("method")?.as_str()?;
            let params = item.get("params")?.clone();
            params.is_object().then(|| ActionCall::new(method, params))
        })
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
}

/// What became of the pending action at the start of a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "pending", rename_all = "snake_case")]
pub enum Resolution {
    /// The user consented in time: the action executes now, once.
    Consented(PendingAction),
    /// The user refused: the action is dropped.
    Refused(PendingAction),
    /// The user consented after the offer expired: nothing executes.
    Expired(PendingAction),
    /// The message is not an answer: the action is dropped and the turn goes on.
    Lapsed(PendingAction),
    /// The stored record does not match its hash (edited or damaged): nothing executes.
    Damaged(PendingAction),
}

impl Resolution {
    /// The pending action concerned.
    pub fn pending(&self) -> &PendingAction {
        match self {
            Resolution::Consented(p)
            | Resolution::Refused(p)
            | Resolution::Expired(p)
            | Resolution::Lapsed(p)
            | Resolution::Damaged(p) => p,
        }
    }

    /// Whether the message only answered the pending action (the turn needs no model to
    /// interpret it further, except to report a consented action's result).
    pub fn answered(&self) -> bool {
        !matches!(self, Resolution::Lapsed(_))
    }
}

/// Resolves a pending action against the user's message at `now`; `None` without one.
pub fn resolve(
    pending: Option<PendingAction>,
    message: &str,
    now: DateTime<Utc>,
) -> Option<Resolution> {
    let pending = pending?;
    let answer = classify_answer(message);
    let intact = pending.is_intact() && held_actions(&pending).is_some();
    Some(match answer {
        _ if !intact && answer != Answer::Other => Resolution::Damaged(pending),
        Answer::Consent if pending.is_expired(now) => Resolution::Expired(pending),
        Answer::Consent => Resolution::Consented(pending),
        Answer::Refusal => Resolution::Refused(pending),
        Answer::Other => Resolution::Lapsed(pending),
    })
}

/// Why a consent claim from the model is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimProblem {
    /// No consent was given for any action.
    SelfClaimed,
    /// Consent was given for a different action (other method or params).
    ChangedAction,
    /// Consent was given, but the offer had expired.
    Expired,
    /// The user refused that action.
    Refused,
    /// The consented action already ran once this turn.
    AlreadyUsed,
}

impl ClaimProblem {
    /// A sentence for the log and the model.
    pub fn explain(self) -> &'static str {
        match self {
            ClaimProblem::SelfClaimed => {
                "\"confirmed\": true was claimed, but the user gave no consent; consent comes only from the user"
            }
            ClaimProblem::ChangedAction => {
                "the user consented to a different action; consent is bound to the exact method and params"
            }
            ClaimProblem::Expired => "the consent offer for this action expired",
            ClaimProblem::Refused => "the user refused this action",
            ClaimProblem::AlreadyUsed => {
                "this consented action already ran once; it is never repeated"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
    method: String,
    hash: String,
    used: bool,
}

/// Consent state of one turn: actions the user consented to (each usable once) and the
/// pending action that lapsed, to explain refused claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnConsent {
    grants: Vec<Grant>,
    lapsed: Vec<(String, String)>,
    lapse: Option<ClaimProblem>,
}

impl TurnConsent {
    /// Starts a turn's consent state from the resolution of its pending action at `now`.
    pub fn from_resolution(resolution: Option<&Resolution>, now: DateTime<Utc>) -> Self {
        let mut out = Self::default();
        let Some(resolution) = resolution else {
            return out;
        };
        let entries: Vec<(String, String)> = held_actions(resolution.pending())
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let hash = PendingAction::hash_of(&a.method, &a.params);
                (a.method, hash)
            })
            .collect();
        match resolution {
            Resolution::Consented(_) => {
                out.grants = entries
                    .into_iter()
                    .map(|(method, hash)| Grant {
                        method,
                        hash,
                        used: false,
                    })
                    .collect();
            }
            Resolution::Refused(_) => {
                out.lapsed = entries;
                out.lapse = Some(ClaimProblem::Refused);
            }
            Resolution::Expired(_) => {
                out.lapsed = entries;
                out.lapse = Some(ClaimProblem::Expired);
            }
            Resolution::Lapsed(p) => {
                out.lapsed = entries;
                out.lapse = Some(if p.is_expired(now) {
                    ClaimProblem::Expired
                } else {
                    ClaimProblem::SelfClaimed
                });
            }
            Resolution::Damaged(_) => {}
        }
        out
    }

    /// Checks a consent claim for `action`; on success the grant is used up.
    pub fn claim(&mut self, action: &ActionCall) -> Result<(), ClaimProblem> {
        let hash = PendingAction::hash_of(&action.method, &action.params);
        if let Some(grant) = self.grants.iter_mut().find(|g| g.hash == hash && !g.used) {
            grant.used = true;
            return Ok(());
        }
        if self.grants.iter().any(|g| g.hash == hash) {
            return Err(ClaimProblem::AlreadyUsed);
        }
        if self.lapsed.iter().any(|(_, h)| *h == hash) {
            return Err(self.lapse.unwrap_or(ClaimProblem::SelfClaimed));
        }
        let same_method = self
            .grants
            .iter()
            .map(|g| &g.method)
            .chain(self.lapsed.iter().map(|(m, _)| m))
            .any(|m| *m == action.method);
        if same_method {
            Err(ClaimProblem::ChangedAction)
        } else {
            Err(ClaimProblem::SelfClaimed)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()
    }

    #[test]
    fn answers_are_whole_messages() {
        for m in [
            "да",
            "Да!",
            " ДА. ",
            "подтверждаю",
            "yes",
            "/confirm",
            "Да, подтверждаю",
        ] {
            assert_eq!(classify_answer(m), Answer::Consent, "{m}");
        }
        for m in ["нет", "Отмена", "no.", "/cancel", "не  надо"] {
            assert_eq!(classify_answer(m), Answer::Refusal, "{m}");
        }
        for m in [
            "да нет, не надо",
            "да, и добавь комментарий",
            "yes please delete all",
            "ok",
            "",
        ] {
            assert_eq!(classify_answer(m), Answer::Other, "{m}");
        }
    }

    #[test]
    fn bundles_round_trip() {
        let actions = vec![
            ActionCall::new("crm.deal.delete", json!({"id": 1})),
            ActionCall::new("crm.deal.delete", json!({"id": 2})),
        ];
        let p = hold(&actions, "bulk", now(), TimeDelta::minutes(15));
        assert_eq!(p.method, BUNDLE_METHOD);
        assert_eq!(held_actions(&p), Some(actions.clone()));
        let single = hold(&actions[..1], "delete", now(), TimeDelta::minutes(15));
        assert_eq!(single.method, "crm.deal.delete");
        assert_eq!(held_actions(&single), Some(actions[..1].to_vec()));
    }

    #[test]
    fn resolution_paths() {
        let p = hold(
            &[ActionCall::new("crm.deal.delete", json!({"id": 5}))],
            "deletes a record",
            now(),
            TimeDelta::minutes(15),
        );
        let later = now() + TimeDelta::minutes(16);
        assert!(matches!(
            resolve(Some(p.clone()), "да", now()),
            Some(Resolution::Consented(_))
        ));
        assert!(matches!(
            resolve(Some(p.clone()), "да", later),
            Some(Resolution::Expired(_))
        ));
        assert!(matches!(
            resolve(Some(p.clone()), "нет", later),
            Some(Resolution::Refused(_))
        ));
        assert!(matches!(
            resolve(Some(p.clone()), "а что с задачами?", now()),
            Some(Resolution::Lapsed(_))
        ));
        let mut edited = p.clone();
        edited.params = json!({"id": 6});
        assert!(matches!(
            resolve(Some(edited), "да", now()),
            Some(Resolution::Damaged(_))
        ));
        assert_eq!(resolve(None, "да", now()), None);
    }

    #[test]
    fn claims_bind_to_the_exact_action_once() {
        let action = ActionCall::new("crm.deal.delete", json!({"id": 5}));
        let p = hold(
            std::slice::from_ref(&action),
            "r",
            now(),
            TimeDelta::minutes(15),
        );
        let mut consent =
            TurnConsent::from_resolution(Some(&Resolution::Consented(p.clone())), now());
        let changed = ActionCall::new("crm.deal.delete", json!({"id": 6}));
        assert_eq!(consent.claim(&changed), Err(ClaimProblem::ChangedAction));
        assert_eq!(consent.claim(&action), Ok(()));
        assert_eq!(consent.claim(&action), Err(ClaimProblem::AlreadyUsed));
        let other = ActionCall::new("crm.contact.delete", json!({"id": 6}));
        assert_eq!(consent.claim(&other), Err(ClaimProblem::SelfClaimed));

        let mut none = TurnConsent::default();
        assert_eq!(none.claim(&action), Err(ClaimProblem::SelfClaimed));
        let mut refused =
            TurnConsent::from_resolution(Some(&Resolution::Refused(p.clone())), now());
        assert_eq!(refused.claim(&action), Err(ClaimProblem::Refused));
        let mut expired =
            TurnConsent::from_resolution(Some(&Resolution::Expired(p.clone())), now());
        assert_eq!(expired.claim(&action), Err(ClaimProblem::Expired));
        let lapsed = Resolution::Lapsed(p);
        let mut fresh = TurnConsent::from_resolution(Some(&lapsed), now());
        assert_eq!(fresh.claim(&action), Err(ClaimProblem::SelfClaimed));
        let mut stale = TurnConsent::from_resolution(Some(&lapsed), now() + TimeDelta::hours(1));
        assert_eq!(stale.claim(&action), Err(ClaimProblem::Expired));
    }
}
