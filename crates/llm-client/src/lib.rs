//! An OpenAI-compatible chat-completions client.
//!
//! The boundary that the agent sees is the object-safe [`ChatModel`] trait.

mod model;

#[cfg(feature = "mock")]
pub use model::MockChatModel;
pub use model::{Availability, ChatMessage, ChatModel, ChatReply, ChatRequest, Role, Usage};

/// Errors of the LLM client.
///
/// Placeholder; the full taxonomy lands with the client itself.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The API answered with an error object.
    #[error("model API error (HTTP {status}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The error object's `message`.
        message: String,
    },
}
