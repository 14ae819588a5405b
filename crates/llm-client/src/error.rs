//! Errors of the client, classified the way a caller needs to act on them.

use std::time::Duration;

use crate::api_error::ApiErrorBody;
use crate::model::{Availability, Usage};

/// An error of the model client.
///
/// Messages never contain the API key. Use the query methods (`is_retryable()`,
/// `availability()`, ...) rather than matching on message text.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// No API key is configured and the configuration requires one.
    #[error("no API key is configured for the model API")]
    NoKey,
    /// The configuration cannot be used.
    #[error("invalid model client configuration: {detail}")]
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
    /// The request cannot be sent as it is (no messages, say); nothing was sent.
    #[error("the chat request cannot be sent: {detail}")]
    InvalidRequest {
        /// What is wrong.
        detail: String,
    },
    /// The API rejected the key or refused access (HTTP 401/403).
    #[error("the model API rejected the API key (HTTP {status}): {api}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// The account has no quota or credit left (`insufficient_quota`, HTTP 402).
    #[error("the model API account has no quota left (HTTP {status}): {api}")]
    QuotaExhausted {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// Too many requests (HTTP 429); try again after `retry_after` if given.
    #[error("the model API is rate limiting requests{}: {api}", retry_after_text(*.retry_after))]
    RateLimited {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
        /// How long the server asked to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// The prompt does not fit the model's context window.
    #[error("the conversation is too long for the model's context window (HTTP {status}): {api}")]
    ContextTooLong {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// The model or the endpoint does not exist (HTTP 404): a wrong model name or API base.
    #[error("model or endpoint not found (HTTP {status}): {api}")]
    NotFound {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// The API refused the request as invalid (other 4xx).
    #[error("the model API refused the request (HTTP {status}): {api}")]
    BadRequest {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// The server failed (5xx, or 408 when it gave up waiting).
    #[error("the model API failed (HTTP {status}): {api}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The API's error object.
        api: ApiErrorBody,
    },
    /// No complete answer within the time allowed.
    #[error("the model API did not answer within {}", seconds(*.after))]
    Timeout {
        /// The time allowed.
        after: Duration,
    },
    /// The server could not be reached (DNS, connection refused, TLS).
    #[error("cannot reach the model API: {detail}")]
    Unreachable {
        /// What failed, without secrets.
        detail: String,
    },
    /// The connection broke after the request was sent.
    #[error("the connection to the model API broke: {detail}")]
    ConnectionLost {
        /// What failed, without secrets.
        detail: String,
    },
    /// The server answered with something that is not a chat completion.
    #[error("the model API sent a response this client cannot read: {detail}")]
    InvalidResponse {
        /// What was wrong with it.
        detail: String,
    },
    /// The model answered with no text.
    #[error("the model returned an empty reply{}{}",
        finish_reason.as_ref().map(|r| format!(" (finish_reason: {r})")).unwrap_or_default(),
        refusal.as_ref().map(|r| format!("; it refused: {r}")).unwrap_or_default())]
    EmptyReply {
        /// Why the model stopped, as the server said.
        finish_reason: Option<String>,
        /// The model's refusal text, if it refused.
        refusal: Option<String>,
        /// Tokens spent anyway.
        usage: Usage,
    },
    /// The reply was cut off at the output token limit (`finish_reason: length`).
    #[error("the model's reply was cut off at the output token limit after {} characters", partial.chars().count())]
    Truncated {
        /// The text received before the cut.
        partial: String,
        /// Tokens spent.
        usage: Usage,
    },
    /// A [`crate::ScriptedModel`] has no reply left for this request.
    #[error("the scripted model has no reply left for request #{request_number}")]
    ScriptExhausted {
        /// The 1-based number of the request that found the script empty.
        request_number: usize,
    },
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (retry after {})", seconds(d)))
        .unwrap_or_default()
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl LlmError {
    /// An "unreachable" error with the given secret-free detail.
    pub fn unreachable(detail: impl Into<String>) -> Self {
        Self::Unreachable {
            detail: detail.into(),
        }
    }

    /// Classifies an HTTP error answer by its status and error object.
    pub fn from_api(status: u16, api: ApiErrorBody, retry_after: Option<Duration>) -> Self {
        if api.has_code("insufficient_quota")
            || status == 402
            || api.mentions(&["exceeded your current quota"])
        {
            return Self::QuotaExhausted { status, api };
        }
        match status {
            401 | 403 => Self::Unauthorized { status, api },
            429 => Self::RateLimited {
                status,
                api,
                retry_after,
            },
            404 => Self::NotFound { status, api },
            408 | 500..=599 => Self::Server { status, api },
            413 => Self::ContextTooLong { status, api },
            400..=499 if is_context_error(&api) => Self::ContextTooLong { status, api },
            400..=499 => Self::BadRequest { status, api },
            _ => Self::InvalidResponse {
                detail: format!("unexpected HTTP status {status}: {api}"),
            },
        }
    }

    /// Whether the same request may succeed if sent again after a pause.
    ///
    /// True for rate limits, server failures (except 501), timeouts and network
    /// failures; false for an exhausted quota, a rejected key and invalid requests.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Timeout { .. }
            | Self::Unreachable { .. }
            | Self::ConnectionLost { .. } => true,
            Self::Server { status, .. } => *status != 501,
            _ => false,
        }
    }

    /// What this error says about the model being usable at all, if anything.
    ///
    /// A missing or rejected key, an unreachable server and an exhausted quota make the
    /// model unusable until a person acts; other errors concern one request.
    pub fn availability(&self) -> Option<Availability> {
        match self {
            Self::NoKey => Some(Availability::NoKey),
            Self::Unauthorized { .. } => Some(Availability::KeyRejected),
            Self::Unreachable { detail } => Some(Availability::Unreachable {
                detail: detail.clone(),
            }),
            Self::QuotaExhausted { .. } => Some(Availability::QuotaExhausted),
            _ => None,
        }
    }

    /// The HTTP status of an API error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::QuotaExhausted { status, .. }
            | Self::RateLimited { status, .. }
            | Self::ContextTooLong { status, .. }
            | Self::NotFound { status, .. }
            | Self::BadRequest { status, .. }
            | Self::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error object, for errors that carry one.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            Self::Unauthorized { api, .. }
            | Self::QuotaExhausted { api, .. }
            | Self::RateLimited { api, .. }
            | Self::ContextTooLong { api, .. }
            | Self::NotFound { api, .. }
            | Self::BadRequest { api, .. }
            | Self::Server { api, .. } => Some(api),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Tokens spent by a call that still failed (empty or truncated reply).
    pub fn usage(&self) -> Option<Usage> {
        match self {
            Self::EmptyReply { usage, .. } | Self::Truncated { usage, .. } => Some(*usage),
            _ => None,
        }
    }

    /// True when no key is configured or the API rejected it.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::NoKey | Self::Unauthorized { .. })
    }

    /// True when the account has no quota left.
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(self, Self::QuotaExhausted { .. })
    }

    /// True when the API is rate limiting.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Self::RateLimited { .. })
    }

    /// True when the prompt is too long for the model.
    pub fn is_context_too_long(&self) -> bool {
        matches!(self, Self::ContextTooLong { .. })
    }

    /// True when the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// True when the server could not be reached or the connection broke.
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::ConnectionLost { .. })
    }

    /// True when the model answered but with no usable or only partial text.
    pub fn is_empty_or_truncated(&self) -> bool {
        matches!(self, Self::EmptyReply { .. } | Self::Truncated { .. })
    }
}

fn is_context_error(api: &ApiErrorBody) -> bool {
    api.has_code("context_length_exceeded")
        || api.has_code("exceed_context_size_error")
        || api.mentions(&[
            "context length",
            "context_length",
            "context window",
            "context size",
            "maximum context",
            "prompt is too long",
        ])
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_status_and_code() {
        let api = |code: &str, message: &str| ApiErrorBody {
            message: message.into(),
            code: (!code.is_empty()).then(|| code.into()),
            ..ApiErrorBody::default()
        };
        assert!(LlmError::from_api(429, api("insufficient_quota", "q"), None).is_quota_exhausted());
        assert!(LlmError::from_api(402, api("", "no credits"), None).is_quota_exhausted());
        let limited = LlmError::from_api(
            429,
            api("rate_limit_exceeded", "slow"),
            Some(Duration::from_secs(2)),
        );
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
        assert!(limited.is_retryable());
        assert!(LlmError::from_api(401, api("invalid_api_key", "no"), None).is_auth());
        assert!(LlmError::from_api(403, api("", "region"), None).is_auth());
        assert!(
            LlmError::from_api(400, api("context_length_exceeded", "x"), None)
                .is_context_too_long()
        );
        assert!(
            LlmError::from_api(
                400,
                api("", "This model's maximum context length is 4096 tokens"),
                None
            )
            .is_context_too_long()
        );
        assert!(matches!(
            LlmError::from_api(404, api("model_not_found", "m"), None),
            LlmError::NotFound { .. }
        ));
        assert!(matches!(
            LlmError::from_api(422, api("", "bad"), None),
            LlmError::BadRequest { .. }
        ));
        assert!(LlmError::from_api(503, api("", "busy"), None).is_retryable());
        assert!(LlmError::from_api(408, api("", "slow"), None).is_retryable());
        assert!(!LlmError::from_api(501, api("", "no"), None).is_retryable());
        assert!(!LlmError::from_api(400, api("", "bad"), None).is_retryable());
        assert!(!LlmError::from_api(429, api("insufficient_quota", "q"), None).is_retryable());
    }

    #[test]
    fn availability_follows_the_contract() {
        let api = ApiErrorBody::default();
        assert_eq!(
            LlmError::from_api(401, api.clone(), None).availability(),
            Some(Availability::KeyRejected)
        );
        assert_eq!(
            LlmError::unreachable("refused").availability(),
            Some(Availability::Unreachable {
                detail: "refused".into()
            })
        );
        assert_eq!(
            LlmError::from_api(
                429,
                ApiErrorBody {
                    code: Some("insufficient_quota".into()),
                    ..api.clone()
                },
                None
            )
            .availability(),
            Some(Availability::QuotaExhausted)
        );
        assert_eq!(LlmError::NoKey.availability(), Some(Availability::NoKey));
        assert_eq!(LlmError::from_api(500, api, None).availability(), None);
        assert_eq!(
            LlmError::Timeout {
                after: Duration::from_secs(1)
            }
            .availability(),
            None
        );
    }

    #[test]
    fn messages_read_well() {
        let err = LlmError::RateLimited {
            status: 429,
            api: ApiErrorBody {
                message: "Rate limit reached".into(),
                kind: Some("requests".into()),
                code: Some("rate_limit_exceeded".into()),
                param: None,
            },
            retry_after: Some(Duration::from_millis(1500)),
        };
        assert_eq!(
            err.to_string(),
            "the model API is rate limiting requests (retry after 1.5s): Rate limit reached (type: requests, code: rate_limit_exceeded)"
        );
        let empty = LlmError::EmptyReply {
            finish_reason: Some("content_filter".into()),
            refusal: None,
            usage: Usage::default(),
        };
        assert_eq!(
            empty.to_string(),
            "the model returned an empty reply (finish_reason: content_filter)"
        );
    }
}
