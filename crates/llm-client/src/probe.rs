//! The start-up availability check: is the model usable, and if not, why.

use reqwest::Method;

use crate::LlmError;
use crate::client::OpenAiClient;
use crate::family::ModelFamily;
use crate::model::{Availability, ChatMessage, ChatRequest, Role};
use crate::retry::RetryPolicy;

impl OpenAiClient {
    /// Checks quickly, without retries, whether the model can be used.
    ///
    /// With no key (and a key required) it answers [`Availability::NoKey`] without any
    /// request. Otherwise it lists models (`GET /models`) with the probe timeout; a server
    /// without that endpoint (404, 405, 501) gets a one-token completion instead, as does
    /// every server when [`crate::OpenAiConfig::probe_with_completion`] is set. Failures
    /// map to what a person can act on: a rejected key, an exhausted quota, an unreachable
    /// or silent server.
    pub async fn probe(&self) -> Availability {
        if self.config().key_required && self.key().is_none() {
            return Availability::NoKey;
        }
        let timeout = self.config().probe_timeout;
        let listing = self.send(Method::GET, "models", None, timeout).await;
        let availability = match listing {
            Ok(body) if serde_json::from_slice::<serde_json::Value>(&body).is_err() => {
                Availability::Failed {
                    detail: "GET /models did not answer JSON: the API base may not be an \
                             OpenAI-compatible API"
                        .to_owned(),
                }
            }
            Ok(_) if self.config().probe_with_completion => self.probe_completion().await,
            Ok(_) => Availability::Ready,
            Err(error) if matches!(error.status(), Some(404 | 405 | 501)) => {
                self.probe_completion().await
            }
            Err(error) => self.availability_of(&error),
        };
        tracing::info!(model = %self.config().model, api_base = self.api_base(), ?availability, "model probe");
        availability
    }

    /// Sends a one-token completion; any answer from the model means it is usable.
    async fn probe_completion(&self) -> Availability {
        // Reasoning models may spend a few tokens before any output: leave them some room.
        let tokens = match self.family() {
            ModelFamily::Standard => 1,
            ModelFamily::Reasoning => 16,
        };
        let request = ChatRequest {
            messages: vec![ChatMessage::new(Role::User, "ping")],
            stop: Vec::new(),
            max_output_tokens: Some(tokens),
        };
        let timeout = self.config().probe_timeout;
        match self
            .chat(&request, &RetryPolicy::none(timeout), timeout)
            .await
        {
            Ok(_) | Err(LlmError::Truncated { .. } | LlmError::EmptyReply { .. }) => {
                Availability::Ready
            }
            Err(error) => self.availability_of(&error),
        }
    }

    fn availability_of(&self, error: &LlmError) -> Availability {
        match error {
            LlmError::Unauthorized { .. } if self.key().is_none() => Availability::NoKey,
            LlmError::Timeout { after } => Availability::Unreachable {
                detail: format!("no answer within {:.1}s", after.as_secs_f64()),
            },
            other => other
                .availability()
                .unwrap_or_else(|| Availability::Failed {
                    detail: other.to_string(),
                }),
        }
    }
}
