//! The turn record (`spec/06_logging.md`): everything that happened in one turn, for the audit
//! log. The CLI appends one record per turn as one JSON line.

use chrono::{DateTime, Utc};
use llm_client::{Availability, Usage};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use state_store::{EntityRef, PendingAction};

use crate::catalog::Risk;
use crate::consent::Resolution;
use crate::language::Lang;
use crate::policy::{Decision, Mode, Reason};
use crate::protocol::render::{ObservedError, ObservedStatus};
use crate::protocol::{ActionCall, Block, Discarded, ParseError, ParsedReply, ReplyStep};

/// The version of the record format; bumped on incompatible changes.
pub const RECORD_VERSION: u32 = 1;

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The model answered (`ASSISTANT:`).
    Answered,
    /// A risky action is held; the reply asks the user to confirm it.
    ConsentRequested,
    /// The user refused the pending action.
    ConsentRefused,
    /// The user consented after the offer expired.
    ConsentExpired,
    /// The stored pending action was damaged; nothing ran.
    ConsentDamaged,
    /// A consented action ran and no model was available to report it.
    ConsentExecuted,
    /// The step limit was reached without an answer.
    StepLimit,
    /// The model's replies could not be parsed, too many times.
    ProtocolErrors,
    /// The portal could not be reached, rejected the credentials or is rate limiting.
    PortalUnavailable,
    /// The model failed in the middle of the turn.
    ModelFailed,
    /// The model is unavailable; the turn ran in degraded mode.
    Degraded,
    /// The state could not be saved before running a consented action; nothing ran.
    StateUnavailable,
}

/// Where the portal context of the turn came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ContextStatus {
    /// The turn did not need it.
    NotNeeded,
    /// From the state's cache.
    Cached,
    /// Fetched from the portal in this turn.
    Fetched,
    /// Fetching failed; the turn went on without it.
    Failed {
        /// What failed.
        error: String,
    },
}

/// Who asked for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOrigin {
    /// The model, in an `ACTION:` block.
    Model,
    /// The user's consent released a held action.
    Consent,
    /// The user typed the command (degraded mode).
    User,
}

/// One action, its decision and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The 1-based model step that asked for it; `None` for consent and user commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// Who asked for it.
    pub origin: CallOrigin,
    /// The REST method.
    pub method: String,
    /// The params, as asked.
    pub params: Value,
    /// Whether the asker claimed consent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
    /// The risk class; `None` outside the catalog.
    pub risk: Option<Risk>,
    /// The policy's decision.
    pub decision: Decision,
    /// Why.
    pub reason: Reason,
    /// Details of the decision (why risky, why a claim failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What became of it.
    pub status: ObservedStatus,
    /// The portal's error, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ObservedError>,
    /// The portal's result, shortened to a log budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Wall time of the request that carried it (the whole batch when batched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Whether it went out inside a `batch`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub batched: bool,
}

/// One model step: the request's reply and how it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// 1-based step number.
    pub index: usize,
    /// The model's latency for this step.
    pub latency_ms: u64,
    /// Why the model stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Tokens of this step.
    pub usage: Usage,
    /// The reply exactly as received.
    pub reply: String,
    /// Text before the first label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preamble: Option<String>,
    /// Every labelled block (THOUGHT, ACTION, ASSISTANT).
    pub blocks: Vec<Block>,
    /// What was ignored and why (fake observations, text around JSON, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discarded: Vec<Discarded>,
    /// The actions it asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionCall>,
    /// Its answer to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Why it could not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<ParseError>,
    /// The observation sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation: Option<String>,
}

impl StepRecord {
    /// A step record from a parsed reply.
    pub fn from_reply(index: usize, raw: &str, parsed: &ParsedReply) -> Self {
        let (actions, answer, parse_error) = match &parsed.step {
            Ok(ReplyStep::Act(a)) => (a.clone(), None, None),
            Ok(ReplyStep::Answer(text)) => (Vec::new(), Some(text.clone()), None),
            Err(e) => (Vec::new(), None, Some(e.clone())),
        };
        Self {
            index,
            latency_ms: 0,
            finish_reason: None,
            usage: Usage::default(),
            reply: raw.to_owned(),
            preamble: parsed.preamble.clone(),
            blocks: parsed.blocks.clone(),
            discarded: parsed.discarded.clone(),
            actions,
            answer,
            parse_error,
            observation: None,
        }
    }
}

/// Everything that happened in one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// [`RECORD_VERSION`].
    pub record_version: u32,
    /// A unique id of the turn.
    pub turn_id: String,
    /// The user.
    pub user_id: String,
    /// When the turn started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Wall time of the turn.
    pub duration_ms: u64,
    /// The policy mode.
    pub mode: Mode,
    /// The language of the reply.
    pub language: Lang,
    /// The model's name, when one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why the turn ran without a model, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degraded: Option<Availability>,
    /// The user's message.
    pub message: String,
    /// What became of the pending action found at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Resolution>,
    /// Where the portal context came from.
    pub context: ContextStatus,
    /// Each model step.
    pub steps: Vec<StepRecord>,
    /// Each action with its decision and result, in order.
    pub calls: Vec<CallRecord>,
    /// The reply given to the user.
    pub reply: String,
    /// How the turn ended.
    pub end: EndReason,
    /// Details of a failure that ended the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Total model tokens.
    pub usage: Usage,
    /// The pending action stored at the end of the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_action: Option<PendingAction>,
    /// Entities created or touched in the turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityRef>,
}

/// The result of a turn: the reply for the user and the record for the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnOutcome {
    /// The reply to show the user.
    pub reply: String,
    /// The full record of the turn.
    pub record: TurnRecord,
}

impl TurnOutcome {
    /// The action waiting for the user's consent after this turn, if any.
    pub fn pending_action(&self) -> Option<&PendingAction> {
        self.record.pending_action.as_ref()
    }

    /// Whether the turn ran without a model.
    pub fn is_degraded(&self) -> bool {
        self.record.degraded.is_some()
    }
}
