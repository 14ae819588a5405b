//! Client configuration: where the API is, the key, the model and its options.
//!
//! The library reads no environment variables: the caller fills an [`OpenAiConfig`].

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::LlmError;
use crate::family::ModelFamily;
use crate::retry::RetryPolicy;

/// The API base used when the caller gives none.
pub const DEFAULT_API_BASE: &str = "https://api.openai.com/v1";

/// A secret string (an API key, a proxy URL with credentials) that never prints.
///
/// `Debug` shows a redaction and there is no `Display`; [`Secret::expose`] is the only way
/// to read the value, so every place that uses it is easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// How much hidden reasoning a reasoning model may do (`reasoning_effort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// No reasoning (`none`), where the model allows it.
    #[serde(rename = "none")]
    NoReasoning,
    /// As little as possible.
    Minimal,
    /// Low effort.
    Low,
    /// The API's default.
    Medium,
    /// High effort.
    High,
    /// Higher than high (`xhigh`).
    Xhigh,
    /// The most the model offers.
    Max,
}

/// The shape the model must give its output (`response_format`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    /// Plain text (the API's default).
    Text,
    /// Any valid JSON object (the older JSON mode).
    JsonObject,
    /// JSON matching a schema (Structured Outputs).
    JsonSchema {
        /// The schema and its name.
        json_schema: JsonSchemaFormat,
    },
}

/// A named JSON Schema for [`ResponseFormat::JsonSchema`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    /// Name of the format: letters, digits, `_` and `-`, at most 64 characters.
    pub name: String,
    /// What the format is for, shown to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// Whether the model must follow the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// Everything [`crate::OpenAiClient`] needs, filled by the caller.
///
/// Start from [`OpenAiConfig::new`] and adjust with the `with_*` methods or the public fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiConfig {
    /// API base URL, with or without the trailing `/v1` (see [`normalize_api_base`]).
    pub api_base: String,
    /// The API key, sent as `Authorization: Bearer ...`.
    pub api_key: Option<Secret>,
    /// Whether a key is needed at all; local servers (Ollama, llama.cpp) often need none.
    pub key_required: bool,
    /// Model name, such as `gpt-4o-mini`, `o3-mini` or `qwen2.5:7b`.
    pub model: String,
    /// The model family; `None` detects it from the model name.
    pub family: Option<ModelFamily>,
    /// Upper bound on one HTTP attempt, from connecting to the last byte of the body.
    pub request_timeout: Duration,
    /// Upper bound on opening a connection.
    pub connect_timeout: Duration,
    /// Upper bound on each request of [`crate::OpenAiClient::probe`].
    pub probe_timeout: Duration,
    /// When true, a probe whose model listing succeeds also sends a one-token completion,
    /// which is the only way to see an exhausted quota or an unknown model on some servers.
    pub probe_with_completion: bool,
    /// `OpenAI-Organization` header.
    pub organization: Option<String>,
    /// `OpenAI-Project` header.
    pub project: Option<String>,
    /// Sampling temperature (not sent to reasoning models).
    pub temperature: Option<f64>,
    /// Default upper bound on output tokens; a request's own bound wins.
    pub max_output_tokens: Option<u32>,
    /// Stop sequences sent with every request, in addition to the request's own.
    pub stop: Vec<String>,
    /// Reasoning effort for reasoning models.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Output format.
    pub response_format: Option<ResponseFormat>,
    /// Retries of rate-limited, failed or unreachable calls.
    pub retry: RetryPolicy,
    /// An HTTP(S) proxy URL; without one, no proxy is used (environment proxies are ignored).
    pub proxy: Option<Secret>,
}

impl OpenAiConfig {
    /// A configuration for the given model on the default API base, with no key yet.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            api_key: None,
            key_required: true,
            model: model.into(),
            family: None,
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            probe_timeout: Duration::from_secs(5),
            probe_with_completion: false,
            organization: None,
            project: None,
            temperature: None,
            max_output_tokens: None,
            stop: Vec::new(),
            reasoning_effort: None,
            response_format: None,
            retry: RetryPolicy::default(),
            proxy: None,
        }
    }

    /// Sets the API base URL.
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }

    /// Sets the API key; a blank value (as from an empty variable) means no key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into().trim().to_owned();
        self.api_key = (!key.is_empty()).then(|| Secret::new(key));
        self
    }

    /// Sets whether a key is required (default true); false suits local servers.
    pub fn with_key_required(mut self, required: bool) -> Self {
        self.key_required = required;
        self
    }

    /// Forces a model family instead of detecting it from the name.
    pub fn with_family(mut self, family: ModelFamily) -> Self {
        self.family = Some(family);
        self
    }

    /// Sets the per-attempt request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of each probe request.
    pub fn with_probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Makes the probe also send a one-token completion after a successful model listing.
    pub fn with_probe_completion(mut self, enabled: bool) -> Self {
        self.probe_with_completion = enabled;
        self
    }

    /// Sets the `OpenAI-Organization` header.
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sets the `OpenAI-Project` header.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Sets the sampling temperature.
    pub fn with_temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets the default upper bound on output tokens.
    pub fn with_max_output_tokens(mut self, tokens: u32) -> Self {
        self.max_output_tokens = Some(tokens);
        self
    }

    /// Sets the stop sequences sent with every request.
    pub fn with_stop<S: Into<String>>(mut self, stop: impl IntoIterator<Item = S>) -> Self {
        self.stop = stop.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the reasoning effort.
    pub fn with_reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// Sets the output format.
    pub fn with_response_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = Some(format);
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends all requests through this HTTP(S) proxy.
    pub fn with_proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(Secret::new(proxy));
        self
    }

    /// The model family: the configured one, or the one detected from the model name.
    pub fn effective_family(&self) -> ModelFamily {
        self.family
            .unwrap_or_else(|| ModelFamily::detect(&self.model))
    }

    /// Checks the configuration and returns the normalised API base.
    pub fn validate(&self) -> Result<String, LlmError> {
        if self.model.trim().is_empty() {
            return Err(invalid("the model name is empty"));
        }
        if let Some(t) = self.temperature
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(invalid(
                "the temperature must be a finite number, 0 or more",
            ));
        }
        for (name, value) in [
            ("request timeout", self.request_timeout),
            ("connect timeout", self.connect_timeout),
            ("probe timeout", self.probe_timeout),
            ("retry time budget", self.retry.max_elapsed),
        ] {
            if value.is_zero() {
                return Err(invalid(format!("the {name} must be above zero")));
            }
        }
        normalize_api_base(&self.api_base)
    }
}

/// An [`LlmError::InvalidConfig`] with the given detail.
pub(crate) fn invalid(detail: impl Into<String>) -> LlmError {
    LlmError::InvalidConfig {
        detail: detail.into(),
    }
}

/// Normalises an API base as people paste it into the form the client joins paths to.
///
/// Trailing slashes and a pasted `/chat/completions` endpoint are removed; a bare host
/// (`http://localhost:11434`) gets `/v1`; any other path (`/v1`, `/api/v1`, `/openai`,
/// `/v1beta/openai`) is kept as it is. Empty input means [`DEFAULT_API_BASE`]. The result
/// has no trailing slash. Query strings and user names in the URL are refused: credentials
/// belong in the API key.
pub fn normalize_api_base(raw: &str) -> Result<String, LlmError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(DEFAULT_API_BASE.to_owned());
    }
    if !(raw.starts_with("http://") || raw.starts_with("https://")) {
        return Err(invalid("the API base must start with http:// or https://"));
    }
    let mut url =
        Url::parse(raw).map_err(|e| invalid(format!("the API base is not a URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the API base has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the API base must not contain a user name or password; put the key in api_key",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the API base must not contain a query string or fragment",
        ));
    }
    let mut path = url.path().trim_end_matches('/').to_owned();
    for endpoint in ["/chat/completions", "/models"] {
        if let Some(stripped) = path.strip_suffix(endpoint) {
            path = stripped.trim_end_matches('/').to_owned();
            break;
        }
    }
    if path.is_empty() {
        path = "/v1".to_owned();
    }
    url.set_path(&path);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_variants_normalise_to_one_form() {
        let cases = [
            ("", "https://api.openai.com/v1"),
            ("https://api.openai.com", "https://api.openai.com/v1"),
            ("https://api.openai.com/", "https://api.openai.com/v1"),
            ("https://api.openai.com/v1", "https://api.openai.com/v1"),
            ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
            (
                " https://api.openai.com/v1/chat/completions ",
                "https://api.openai.com/v1",
            ),
            ("http://localhost:11434", "http://localhost:11434/v1"),
            ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
            (
                "https://openrouter.ai/api/v1",
                "https://openrouter.ai/api/v1",
            ),
            (
                "https://generativelanguage.googleapis.com/v1beta/openai/",
                "https://generativelanguage.googleapis.com/v1beta/openai",
            ),
            (
                "https://gw.example.com/v1/models",
                "https://gw.example.com/v1",
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalize_api_base(raw).unwrap(), expected, "input {raw:?}");
        }
    }

    #[test]
    fn api_base_refuses_what_it_cannot_use() {
        for raw in [
            "api.openai.com/v1",
            "ftp://example.com",
            "https://user:pw@example.com/v1",
            "https://example.com/v1?api-version=1",
            "http://",
        ] {
            let err = normalize_api_base(raw).unwrap_err();
            assert!(
                matches!(err, LlmError::InvalidConfig { .. }),
                "{raw}: {err}"
            );
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    #[test]
    fn blank_key_means_no_key() {
        assert!(OpenAiConfig::new("m").with_api_key("  ").api_key.is_none());
        let cfg = OpenAiConfig::new("m").with_api_key(" sk-abc ");
        assert_eq!(cfg.api_key.unwrap().expose(), "sk-abc");
    }

    #[test]
    fn secrets_never_print() {
        let cfg = OpenAiConfig::new("gpt-4o")
            .with_api_key("sk-test-very-secret-1234567890")
            .with_proxy("http://user:proxy-password@proxy:3128");
        let shown = format!("{cfg:?} {:?}", cfg.api_key);
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains("proxy-password"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }

    #[test]
    fn validate_catches_bad_values() {
        assert!(OpenAiConfig::new(" ").validate().is_err());
        assert!(
            OpenAiConfig::new("m")
                .with_temperature(f64::NAN)
                .validate()
                .is_err()
        );
        assert!(
            OpenAiConfig::new("m")
                .with_temperature(-1.0)
                .validate()
                .is_err()
        );
        assert!(
            OpenAiConfig::new("m")
                .with_request_timeout(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert_eq!(
            OpenAiConfig::new("m").validate().unwrap(),
            "https://api.openai.com/v1"
        );
    }

    #[test]
    fn response_format_serialises_like_the_schema() {
        let format = ResponseFormat::JsonSchema {
            json_schema: JsonSchemaFormat {
                name: "plan".into(),
                description: None,
                schema: Some(serde_json::json!({"type": "object"})),
                strict: Some(true),
            },
        };
        assert_eq!(
            serde_json::to_value(&format).unwrap(),
            serde_json::json!({"type": "json_schema", "json_schema": {"name": "plan", "schema": {"type": "object"}, "strict": true}})
        );
        assert_eq!(
            serde_json::to_value(ResponseFormat::JsonObject).unwrap(),
            serde_json::json!({"type": "json_object"})
        );
        assert_eq!(
            serde_json::to_value(ReasoningEffort::NoReasoning).unwrap(),
            serde_json::json!("none")
        );
    }
}
