//! The model side of a run: scripted replies, and a wrapper that counts calls, keeps the
//! prompts of the current turn and estimates tokens when the model reports none.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use llm_client::{
    ApiErrorBody, Availability, ChatModel, ChatReply, ChatRequest, LlmError, ScriptedReply, Usage,
};

use crate::scenario::{ModelFailure, ModelSetup, ScriptStep};

/// Estimated tokens of a text: one token per four characters, rounded up. Scripted replies
/// carry no usage, so the table shows this estimate for them (marked `~`).
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// A scripted step as the scripted model's reply.
pub fn scripted_reply(step: &ScriptStep) -> ScriptedReply {
    match step {
        ScriptStep::Reply(text) => ScriptedReply::text(text.clone()),
        ScriptStep::Error { error } => ScriptedReply::Error(model_error(*error)),
    }
}

fn api(message: &str) -> ApiErrorBody {
    ApiErrorBody {
        message: message.to_owned(),
        ..ApiErrorBody::default()
    }
}

fn model_error(failure: ModelFailure) -> LlmError {
    match failure {
        ModelFailure::Unreachable => LlmError::unreachable("connection refused (scripted)"),
        ModelFailure::KeyRejected => LlmError::Unauthorized {
            status: 401,
            api: api("Incorrect API key provided (scripted)"),
        },
        ModelFailure::Timeout => LlmError::Timeout {
            after: Duration::from_secs(120),
        },
        ModelFailure::Server => LlmError::Server {
            status: 500,
            api: api("The server had an error (scripted)"),
        },
        ModelFailure::RateLimited => LlmError::RateLimited {
            status: 429,
            api: api("Rate limit reached (scripted)"),
            retry_after: None,
        },
        ModelFailure::Empty => LlmError::EmptyReply {
            finish_reason: Some("stop".to_owned()),
            refusal: None,
            usage: Usage::default(),
        },
    }
}

/// Why the model is unavailable in a degraded scenario; `None` for a scripted one.
pub fn unavailability(setup: ModelSetup) -> Option<Availability> {
    match setup {
        ModelSetup::Scripted => None,
        ModelSetup::NoKey => Some(Availability::NoKey),
        ModelSetup::KeyRejected => Some(Availability::KeyRejected),
        ModelSetup::Unreachable => Some(Availability::Unreachable {
            detail: "connection refused (scenario)".to_owned(),
        }),
        ModelSetup::QuotaExhausted => Some(Availability::QuotaExhausted),
    }
}

#[derive(Debug, Default)]
struct Meter {
    calls: usize,
    turn_prompts: Vec<String>,
}

/// A [`ChatModel`] around another one: counts requests, keeps the text of the requests of
/// the current turn, and fills in estimated usage when the inner model reports none.
pub struct MeteredModel {
    inner: Arc<dyn ChatModel>,
    estimate: bool,
    meter: Mutex<Meter>,
}

impl std::fmt::Debug for MeteredModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredModel")
            .field("model", &self.inner.model_name())
            .field("estimate", &self.estimate)
            .field("calls", &self.calls())
            .finish()
    }
}

impl MeteredModel {
    /// Wraps `inner`; with `estimate`, replies without usage get estimated token counts.
    pub fn new(inner: Arc<dyn ChatModel>, estimate: bool) -> Self {
        Self {
            inner,
            estimate,
            meter: Mutex::new(Meter::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Meter> {
        self.meter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Requests sent so far.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    /// Takes the text of every request since the last call (one string per request: every
    /// message of it, joined by blank lines).
    pub fn take_turn_prompts(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().turn_prompts)
    }
}

#[async_trait]
impl ChatModel for MeteredModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let prompt: Vec<&str> = request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect();
        let prompt = prompt.join("\n\n");
        let prompt_tokens = estimate_tokens(&prompt);
        {
            let mut meter = self.lock();
            meter.calls += 1;
            meter.turn_prompts.push(prompt);
        }
        let mut reply = self.inner.complete(request).await?;
        if self.estimate && reply.usage == Usage::default() {
            reply.usage = Usage {
                prompt_tokens,
                completion_tokens: estimate_tokens(&reply.content),
                reasoning_tokens: 0,
            };
        }
        Ok(reply)
    }

    fn model_name(&self) -> String {
        self.inner.model_name()
    }
}

#[cfg(test)]
mod tests {
    use llm_client::{ChatMessage, Role, ScriptedModel};

    use super::*;

    #[tokio::test]
    async fn counts_and_estimates() {
        let inner = Arc::new(ScriptedModel::from_replies(["ASSISTANT: привет"]));
        let model = MeteredModel::new(inner, true);
        let request = ChatRequest {
            messages: vec![ChatMessage::new(Role::User, "12345678")],
            ..ChatRequest::default()
        };
        let reply = model.complete(&request).await.unwrap();
        assert_eq!(reply.usage.prompt_tokens, 2);
        assert_eq!(reply.usage.completion_tokens, 5);
        assert_eq!(model.calls(), 1);
        assert_eq!(model.take_turn_prompts(), ["12345678"]);
        assert!(model.take_turn_prompts().is_empty());
        assert!(model.complete(&request).await.is_err(), "script exhausted");
    }

    #[test]
    fn scripted_errors_classify_like_real_ones() {
        let down = model_error(ModelFailure::Unreachable);
        assert!(down.availability().is_some());
        assert!(model_error(ModelFailure::Timeout).availability().is_none());
        assert!(matches!(
            scripted_reply(&ScriptStep::Reply("x".into())),
            ScriptedReply::Reply(_)
        ));
    }
}
