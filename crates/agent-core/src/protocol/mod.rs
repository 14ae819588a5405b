//! The text protocol between the agent and the model (`spec/02_protocol.md`).
//!
//! The model writes labelled blocks (`THOUGHT:`, `ACTION:`, `ASSISTANT:`); [`parse_reply`] turns
//! such a reply into blocks and either a list of [`ActionCall`]s or a final answer, and
//! [`render`] builds the `OBSERVATION:` messages that go back.

mod parse;
pub mod render;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use parse::{MAX_ACTIONS_PER_REPLY, parse_action_json, parse_reply};

/// The prefix of every message the agent sends back with results.
pub const OBSERVATION_PREFIX: &str = "OBSERVATION:";

/// Stop sequences sent with every model request, so the model stops before inventing a result.
pub const STOP_SEQUENCES: [&str; 3] = ["OBSERVATION:", "Observation:", "НАБЛЮДЕНИЕ:"];

/// The label of a block in a model reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Private reasoning: logged, never shown to the user.
    Thought,
    /// One JSON action or an array of them.
    Action,
    /// The reply to the user; ends the turn.
    Assistant,
    /// A result the model wrote itself: never trusted, always discarded.
    Observation,
}

/// One labelled block of a reply, as the model wrote it (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The block's label.
    pub label: Label,
    /// The text after the label, up to the next label.
    pub text: String,
}

/// Why a part of a reply was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// The model wrote an `OBSERVATION:` itself; it and everything after it is dropped.
    FakeObservation,
    /// An `ASSISTANT:` block in a reply that also has an `ACTION:`; the action runs first.
    AssistantWithAction,
    /// Text around the JSON of an `ACTION:` block (outside the fence, or after the value).
    TextAroundJson,
}

/// A part of a reply that was ignored, kept for the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discarded {
    /// Why it was ignored.
    pub reason: DiscardReason,
    /// The ignored text.
    pub text: String,
}

/// One action the model asked for: a Bitrix24 method with parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionCall {
    /// The REST method, lower-cased (e.g. `crm.deal.update`).
    pub method: String,
    /// The parameters: always a JSON object (`{}` when the model gave none).
    pub params: Value,
    /// The model's claim that the user consented to exactly this action.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
}

impl ActionCall {
    /// An unconfirmed action.
    pub fn new(method: impl Into<String>, params: Value) -> Self {
        Self {
            method: method.into(),
            params,
            confirmed: false,
        }
    }
}

/// What a well-formed reply asks the agent to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ReplyStep {
    /// Run these actions (in order; one batch) and send back an observation.
    Act(Vec<ActionCall>),
    /// Give this answer to the user and end the turn.
    Answer(String),
}

/// The kind of a protocol error, stable for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorKind {
    /// The reply is empty.
    Empty,
    /// The reply has no `THOUGHT:`/`ACTION:`/`ASSISTANT:` label at all.
    NoLabel,
    /// The reply has labels but neither an `ACTION:` nor an `ASSISTANT:` block.
    NoActionOrAnswer,
    /// An `ACTION:` block with nothing in it.
    EmptyAction,
    /// An `ACTION:` block that does not start with JSON.
    ActionNotJson,
    /// The JSON of an `ACTION:` block does not parse.
    InvalidJson,
    /// Several JSON values one after another instead of one array.
    SeveralJsonValues,
    /// The JSON is neither an object nor an array of objects.
    NotAnAction,
    /// An empty JSON array.
    EmptyActionList,
    /// More actions in one reply than allowed.
    TooManyActions,
    /// An action without a `method` string.
    MissingMethod,
    /// A `method` that is not a plausible REST method name.
    InvalidMethod,
    /// `params` that is not a JSON object.
    InvalidParams,
    /// `confirmed` that is not `true` or `false`.
    InvalidConfirmed,
    /// A key other than `method`, `params`, `confirmed`.
    UnknownKey,
    /// An `ASSISTANT:` block with no text.
    EmptyAnswer,
}

/// Why a model reply could not be used; goes back to the model as an observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// The kind of error.
    pub kind: ParseErrorKind,
    /// What is wrong, in words the model can act on.
    pub message: String,
    /// The position of a JSON error inside the ACTION's JSON text (1-based line, column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<(usize, usize)>,
}

impl ParseError {
    /// An error of `kind` with a message.
    pub fn new(kind: ParseErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            position: None,
        }
    }

    /// A one-line instruction on how to write the reply correctly.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Empty
            | ParseErrorKind::NoLabel
            | ParseErrorKind::NoActionOrAnswer
            | ParseErrorKind::EmptyAnswer => {
                "Start every block with its label: THOUGHT: ..., then either ACTION: {json} or ASSISTANT: your reply to the user."
            }
            ParseErrorKind::SeveralJsonValues | ParseErrorKind::TooManyActions => {
                "Send several actions as ONE JSON array: ACTION: [{\"method\": ...}, {\"method\": ...}] (at most 20)."
            }
            _ => {
                "Write ACTION: followed by one JSON object {\"method\": \"crm.deal.get\", \"params\": {...}} or an array of them; strict JSON, double quotes, no comments."
            }
        }
    }
}

/// A model reply split into blocks, with what it asks for or why it cannot be used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedReply {
    /// Text before the first label (kept for the log, otherwise ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preamble: Option<String>,
    /// The labelled blocks in order, up to the first `OBSERVATION:`.
    pub blocks: Vec<Block>,
    /// What was ignored and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discarded: Vec<Discarded>,
    /// The reply's request, or why there is none.
    pub step: Result<ReplyStep, ParseError>,
    /// The reply as the conversation keeps it: the original text up to a fake observation.
    #[serde(skip)]
    pub kept_text: String,
}

impl ParsedReply {
    /// The text of all `THOUGHT:` blocks, joined.
    pub fn thoughts(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter(|b| b.label == Label::Thought)
            .map(|b| b.text.as_str())
            .collect()
    }
}
