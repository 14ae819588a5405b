//! An OpenAI-compatible chat-completions client that knows when the model is unavailable.
//!
//! The boundary the agent sees is the object-safe [`ChatModel`] trait. Two models
//! implement it here:
//!
//! - [`OpenAiClient`], built from an [`OpenAiConfig`], talks to OpenAI or any compatible
//!   server (vLLM, Ollama, LM Studio, llama.cpp, gateways). It sends only the parameters
//!   the model family accepts (reasoning models get no `temperature` and use
//!   `max_completion_tokens`), drops a parameter a server refuses and retries once,
//!   retries rate limits, server failures and network errors with jittered backoff
//!   bounded in count and time, and reports failures as a classified [`LlmError`].
//!   [`OpenAiClient::probe`] tells at start-up whether the model can be used at all.
//! - [`ScriptedModel`] plays prepared replies and records the requests it gets.
//!
//! With the `mock` feature, `MockChatModel` (mockall) is exported as well; with the
//! `stream` feature, `OpenAiClient::complete_streaming` hands out text as it arrives.
//!
//! The library reads no environment variables and never prints or logs the API key:
//! keys live in [`Secret`], and error messages from servers are scrubbed of it.
//!
//! ```no_run
//! use llm_client::{ChatMessage, ChatModel, ChatRequest, OpenAiClient, OpenAiConfig, Role};
//!
//! # async fn run() -> Result<(), llm_client::LlmError> {
//! let config = OpenAiConfig::new("gpt-4o-mini")
//!     .with_api_key("sk-...")
//!     .with_temperature(0.2);
//! let client = OpenAiClient::new(config)?;
//! if !client.probe().await.is_ready() {
//!     // degraded mode
//! }
//! let reply = client
//!     .complete(&ChatRequest {
//!         messages: vec![ChatMessage::new(Role::User, "Привет!")],
//!         ..ChatRequest::default()
//!     })
//!     .await?;
//! println!("{} ({} tokens)", reply.content, reply.usage.completion_tokens);
//! # Ok(())
//! # }
//! ```

mod api_error;
mod client;
mod config;
mod error;
mod family;
mod model;
mod probe;
mod retry;
mod scripted;
#[cfg(feature = "stream")]
mod stream;
mod wire;

pub use api_error::ApiErrorBody;
pub use client::OpenAiClient;
pub use config::{
    DEFAULT_API_BASE, JsonSchemaFormat, OpenAiConfig, ReasoningEffort, ResponseFormat, Secret,
    normalize_api_base,
};
pub use error::LlmError;
pub use family::ModelFamily;
#[cfg(feature = "mock")]
pub use model::MockChatModel;
pub use model::{Availability, ChatMessage, ChatModel, ChatReply, ChatRequest, Role, Usage};
pub use retry::RetryPolicy;
pub use scripted::{ScriptedModel, ScriptedReply};
