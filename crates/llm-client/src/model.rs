//! The boundary trait and the data that crosses it.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::LlmError;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions from the application.
    System,
    /// The person (or, in our protocol, observations fed back by the agent).
    User,
    /// The model.
    Assistant,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role and text.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// What the agent asks of the model for one step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Stop sequences (the agent stops the model before it writes `OBSERVATION:`).
    #[serde(default)]
    pub stop: Vec<String>,
    /// An upper bound on output tokens, overriding the client's configured one.
    #[serde(default)]
    pub max_output_tokens: Option<u32>,
}

/// Token counts of one model call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens in the completion (reasoning included).
    pub completion_tokens: u64,
    /// Of the completion tokens, those spent on hidden reasoning.
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Adds another call's counts to these.
    pub fn add(&mut self, other: &Usage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
    }
}

/// The model's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatReply {
    /// The text of the first choice.
    pub content: String,
    /// Why the model stopped (`stop`, `length`, ...), as the server said.
    pub finish_reason: Option<String>,
    /// Token counts.
    pub usage: Usage,
    /// Wall time of the call, retries included.
    pub latency: Duration,
}

/// Whether the model can be used, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Availability {
    /// The API answered and the key was accepted.
    Ready,
    /// No API key is configured.
    NoKey,
    /// The API rejected the key (HTTP 401/403).
    KeyRejected,
    /// The API could not be reached (DNS, connect, timeout).
    Unreachable {
        /// A short, secret-free description of what failed.
        detail: String,
    },
    /// The account has no quota left.
    QuotaExhausted,
    /// Some other failure.
    Failed {
        /// A short, secret-free description of what failed.
        detail: String,
    },
}

impl Availability {
    /// True when the model can be called.
    pub fn is_ready(&self) -> bool {
        matches!(self, Availability::Ready)
    }
}

/// The object-safe boundary through which the agent reaches a chat model.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Sends the conversation and returns the model's reply.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatReply, LlmError>;

    /// The model's name, for logs and usage records.
    fn model_name(&self) -> String;
}
