//! [`OpenAiClient`]: the HTTP implementation of [`ChatModel`].

use std::fmt;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;

use crate::LlmError;
use crate::api_error::ApiErrorBody;
use crate::config::{OpenAiConfig, Secret, invalid};
use crate::family::{ModelFamily, Param, ParamRules};
use crate::model::{ChatModel, ChatReply, ChatRequest};
use crate::retry::{RetryPolicy, run_with_retries};
use crate::wire::{self, ParsedReply};

/// Error codes that mean "this parameter is not supported here".
const REFUSAL_CODES: [&str; 3] = [
    "unsupported_parameter",
    "unsupported_value",
    "unknown_parameter",
];

/// Phrases servers use when they refuse a parameter they do not support.
const REFUSAL_PHRASES: [&str; 9] = [
    "unsupported",
    "not supported",
    "unrecognized",
    "unknown",
    "extra inputs",
    "extra_forbidden",
    "not permitted",
    "not allowed",
    "does not support",
];

/// A chat client for OpenAI's API and any OpenAI-compatible server.
///
/// Cheap to share behind an `Arc`; calls may run concurrently. Parameters a server
/// refuses are remembered for the client's lifetime, so only the first call pays for
/// the extra round trip.
pub struct OpenAiClient {
    config: OpenAiConfig,
    api_base: String,
    /// `host:port` of the API, for error messages.
    endpoint: String,
    http: reqwest::Client,
    rules: Mutex<ParamRules>,
}

impl fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("api_base", &self.api_base)
            .field("model", &self.config.model)
            .field("family", &self.family())
            .field("api_key", &self.config.api_key)
            .finish_non_exhaustive()
    }
}

impl OpenAiClient {
    /// Builds a client; fails when the configuration is invalid. Nothing is sent yet.
    pub fn new(config: OpenAiConfig) -> Result<Self, LlmError> {
        let api_base = config.validate()?;
        let endpoint = url::Url::parse(&api_base)
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_else(|| "the API host".to_owned());
        if let Some(key) = &config.api_key {
            bearer(key)?;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("openai-organization", &config.organization),
            ("openai-project", &config.project),
        ] {
            if let Some(value) = value {
                let value = HeaderValue::from_str(value)
                    .map_err(|_| invalid(format!("the {name} header value is not valid")))?;
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        let builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .default_headers(headers)
            .user_agent(concat!("b24-agent-llm-client/", env!("CARGO_PKG_VERSION")));
        let builder = match &config.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy.expose())
                    .map_err(|_| invalid("the proxy URL is not valid"))?,
            ),
            None => builder.no_proxy(),
        };
        let http = builder
            .build()
            .map_err(|e| invalid(format!("cannot set up HTTP: {e}")))?;
        let rules = Mutex::new(ParamRules::new(config.effective_family()));
        Ok(Self {
            config,
            api_base,
            endpoint,
            http,
            rules,
        })
    }

    /// The configuration the client was built from.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The normalised API base that endpoint paths are appended to.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The model family whose parameter rules the client follows.
    pub fn family(&self) -> ModelFamily {
        self.config.effective_family()
    }

    /// Names of the parameters the server refused so far (and that are no longer sent).
    pub fn refused_parameters(&self) -> Vec<&'static str> {
        self.lock_rules().rejected_names()
    }

    /// The JSON body [`ChatModel::complete`] would send for `request` right now.
    pub fn request_body(&self, request: &ChatRequest) -> Value {
        let rules = self.lock_rules().clone();
        serde_json::to_value(wire::build_request(&self.config, &rules, request))
            .unwrap_or(Value::Null)
    }

    fn lock_rules(&self) -> std::sync::MutexGuard<'_, ParamRules> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn key(&self) -> Option<&Secret> {
        self.config.api_key.as_ref()
    }

    pub(crate) fn key_text(&self) -> Option<&str> {
        self.key().map(Secret::expose)
    }

    /// Sends one HTTP request; returns the response when it is a 2xx answer.
    pub(crate) async fn open(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, LlmError> {
        let mut request = self
            .http
            .request(method, format!("{}/{path}", self.api_base));
        if let Some(key) = self.key() {
            request = request.header(AUTHORIZATION, bearer(key)?);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        Err(self.status_error(status, &bytes, retry_after))
    }

    /// Sends one HTTP request and returns the body of a 2xx answer, all within `timeout`.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Vec<u8>, LlmError> {
        let exchange = async {
            let response = self.open(method, path, body).await?;
            let bytes = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(e))?;
            Ok(bytes.to_vec())
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(LlmError::Timeout { after: timeout }))
    }

    fn status_error(
        &self,
        status: StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> LlmError {
        LlmError::from_api(
            status.as_u16(),
            ApiErrorBody::from_body(body, self.key_text()),
            retry_after,
        )
    }

    pub(crate) fn transport_error(&self, error: reqwest::Error) -> LlmError {
        let error = error.without_url();
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        causes.dedup();
        let cause = if causes.is_empty() {
            error.to_string()
        } else {
            causes.join(": ")
        };
        let detail =
            crate::api_error::redact(&format!("{}: {cause}", self.endpoint), self.key_text());
        if error.is_connect() {
            LlmError::Unreachable { detail }
        } else if error.is_builder() {
            LlmError::InvalidRequest { detail }
        } else {
            LlmError::ConnectionLost { detail }
        }
    }

    /// One chat call: family rules, retries and the refused-parameter fallback.
    pub(crate) async fn chat(
        &self,
        request: &ChatRequest,
        retry: &RetryPolicy,
        request_timeout: Duration,
    ) -> Result<ChatReply, LlmError> {
        self.check_request(request)?;
        let started = Instant::now();
        let deadline = started + retry.max_elapsed;
        let parsed = self
            .with_refusal_fallback(request, deadline, |body| async move {
                let body = &body;
                run_with_retries(retry, request_timeout, deadline, |timeout| async move {
                    let bytes = self
                        .send(Method::POST, "chat/completions", Some(body), timeout)
                        .await?;
                    // Parsed inside the attempt: an error object in a 200 may be retryable.
                    wire::parse_response(&bytes, self.key_text())
                })
                .await
            })
            .await?;
        self.finish(parsed, request, started.elapsed())
    }

    /// Refuses, before sending anything, a call that cannot succeed.
    pub(crate) fn check_request(&self, request: &ChatRequest) -> Result<(), LlmError> {
        if self.config.key_required && self.key().is_none() {
            return Err(LlmError::NoKey);
        }
        if request.messages.is_empty() {
            return Err(LlmError::InvalidRequest {
                detail: "the request has no messages".to_owned(),
            });
        }
        Ok(())
    }

    /// Runs `call` with the request body; when the server refuses an optional parameter
    /// that was sent, drops it (once per parameter) and calls again.
    pub(crate) async fn with_refusal_fallback<T, F, Fut>(
        &self,
        request: &ChatRequest,
        deadline: Instant,
        mut call: F,
    ) -> Result<T, LlmError>
    where
        F: FnMut(Value) -> Fut,
        Fut: Future<Output = Result<T, LlmError>>,
    {
        let mut dropped: Vec<Param> = Vec::new();
        loop {
            let body = self.request_body(request);
            let sent: Vec<Param> = Param::ALL
                .into_iter()
                .filter(|p| body.get(p.name()).is_some())
                .collect();
            let error = match call(body).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            match refused_parameter(&error, &sent) {
                Some(param) if !dropped.contains(&param) && Instant::now() < deadline => {
                    tracing::warn!(
                        model = %self.config.model,
                        parameter = param.name(),
                        error = %error,
                        "the server refused a parameter; retrying without it"
                    );
                    dropped.push(param);
                    self.lock_rules().reject(param);
                }
                _ => return Err(error),
            }
        }
    }

    /// Turns a parsed response into a reply: applies stop sequences the server was not
    /// sent (or ignored), and reports truncated or empty replies as errors.
    pub(crate) fn finish(
        &self,
        parsed: ParsedReply,
        request: &ChatRequest,
        latency: Duration,
    ) -> Result<ChatReply, LlmError> {
        let ParsedReply {
            content,
            refusal,
            mut finish_reason,
            usage,
        } = parsed;
        let mut content = content.unwrap_or_default();
        let stops = wire::stop_sequences(&self.config, request);
        if let Some(cut) = wire::earliest_stop(&content, &stops) {
            content.truncate(cut);
            finish_reason = Some("stop".to_owned());
        }
        if finish_reason.as_deref() == Some("length") {
            return Err(LlmError::Truncated {
                partial: content,
                usage,
            });
        }
        if content.trim().is_empty() {
            return Err(LlmError::EmptyReply {
                finish_reason,
                refusal,
                usage,
            });
        }
        tracing::debug!(
            model = %self.config.model,
            prompt_tokens = usage.prompt_tokens,
            completion_tokens = usage.completion_tokens,
            reasoning_tokens = usage.reasoning_tokens,
            latency_ms = latency.as_millis(),
            "model call done"
        );
        Ok(ChatReply {
            content,
            finish_reason,
            usage,
            latency,
        })
    }
}

#[async_trait]
impl ChatModel for OpenAiClient {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        self.chat(request, &self.config.retry, self.config.request_timeout)
            .await
    }

    fn model_name(&self) -> String {
        self.config.model.clone()
    }
}

/// The `Authorization` header for `key`, marked sensitive so HTTP layers do not log it.
fn bearer(key: &Secret) -> Result<HeaderValue, LlmError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
        .map_err(|_| invalid("the API key contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The wait a server asked for: `retry-after-ms`, else `retry-after` in seconds or as an
/// HTTP date (a date in the past means at once).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    number("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| number("retry-after").map(Duration::from_secs_f64))
        .or_else(|| {
            let date = httpdate::parse_http_date(headers.get("retry-after")?.to_str().ok()?);
            Some(
                date.ok()?
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            )
        })
}

/// The optional parameter a 400/422 answer refuses, if it names one that was sent.
///
/// The error must say the parameter is unsupported (by its `code` or its message), and
/// name it in `param` or, when `param` is empty, in the message.
fn refused_parameter(error: &LlmError, sent: &[Param]) -> Option<Param> {
    let LlmError::BadRequest { api, .. } = error else {
        return None;
    };
    let message = api.message.to_ascii_lowercase();
    let signalled = api
        .code
        .as_deref()
        .is_some_and(|c| REFUSAL_CODES.contains(&c))
        || REFUSAL_PHRASES.iter().any(|p| message.contains(p));
    if !signalled {
        return None;
    }
    let sent = |p: &Param| sent.contains(p);
    match api.param.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => Param::from_name(name).filter(sent),
        None => Param::ALL
            .into_iter()
            .filter(sent)
            .find(|p| mentions_word(&message, p.name())),
    }
}

/// Whether `word` occurs in `text` with no identifier character right before or after.
fn mentions_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad_request(message: &str, code: Option<&str>, param: Option<&str>) -> LlmError {
        LlmError::from_api(
            400,
            ApiErrorBody {
                message: message.into(),
                kind: Some("invalid_request_error".into()),
                code: code.map(Into::into),
                param: param.map(Into::into),
            },
            None,
        )
    }

    #[test]
    fn finds_the_refused_parameter() {
        let body = [
            Param::MaxTokens,
            Param::Temperature,
            Param::Stop,
            Param::ReasoningEffort,
        ];
        let cases = [
            (
                bad_request(
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                    Some("unsupported_parameter"),
                    Some("max_tokens"),
                ),
                Some(Param::MaxTokens),
            ),
            (
                bad_request(
                    "Unsupported value: 'temperature' does not support 0.3 with this model.",
                    Some("unsupported_value"),
                    Some("temperature"),
                ),
                Some(Param::Temperature),
            ),
            (
                bad_request(
                    "Unrecognized request argument supplied: reasoning_effort",
                    None,
                    None,
                ),
                Some(Param::ReasoningEffort),
            ),
            (
                bad_request(
                    "[{'type': 'extra_forbidden', 'loc': ('body', 'stop'), 'msg': 'Extra inputs are not permitted'}]",
                    None,
                    None,
                ),
                Some(Param::Stop),
            ),
            // Refusing a value that was not sent, or a parameter that cannot be dropped.
            (
                bad_request(
                    "Unsupported parameter: 'response_format'",
                    Some("unsupported_parameter"),
                    Some("response_format"),
                ),
                None,
            ),
            (
                bad_request(
                    "Unsupported value: 'messages[0].role' does not support 'system'",
                    Some("unsupported_value"),
                    Some("messages[0].role"),
                ),
                None,
            ),
            // An invalid value is the caller's mistake, not a missing feature.
            (
                bad_request(
                    "Invalid 'temperature': decimal above maximum value.",
                    Some("decimal_above_max_value"),
                    Some("temperature"),
                ),
                None,
            ),
            (bad_request("unknown field max_tokens_x", None, None), None),
        ];
        for (error, expected) in cases {
            assert_eq!(refused_parameter(&error, &body), expected, "{error}");
        }
        let server = LlmError::from_api(
            500,
            ApiErrorBody {
                message: "unsupported temperature".into(),
                ..Default::default()
            },
            None,
        );
        assert_eq!(refused_parameter(&server, &body), None);
    }

    #[test]
    fn reads_retry_after_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs_f64(0.2505)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&dated), Some(Duration::ZERO), "past: at once");
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        dated.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let wait = retry_after(&dated).unwrap();
        assert!(
            wait > Duration::from_secs(27) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        dated.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn a_key_that_cannot_be_sent_is_refused_up_front() {
        let err =
            OpenAiClient::new(OpenAiConfig::new("m").with_api_key("sk-abc\ndef")).unwrap_err();
        assert!(matches!(err, LlmError::InvalidConfig { .. }), "{err}");
        assert!(!err.to_string().contains("sk-abc"));
    }

    #[test]
    fn debug_output_hides_the_key() {
        let client =
            OpenAiClient::new(OpenAiConfig::new("gpt-4o").with_api_key("sk-do-not-show-me-123456"))
                .unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("do-not-show"), "{shown}");
        assert!(shown.contains("https://api.openai.com/v1"));
    }
}
