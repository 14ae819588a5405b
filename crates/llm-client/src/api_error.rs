//! The error object of an OpenAI-compatible API, read leniently and scrubbed of secrets.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The error object an OpenAI-compatible API returns (`{"error": {...}}`).
///
/// Parsed leniently: OpenAI nests it under `error`; vLLM and others put it at the top
/// level with a numeric `code`; some servers send only a string or plain text. Any
/// copy of the API key in the message is redacted before it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Human-readable message.
    pub message: String,
    /// Error type, such as `invalid_request_error`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Machine-readable code, such as `insufficient_quota` (numbers become strings).
    pub code: Option<String>,
    /// The request parameter the error is about, such as `temperature`.
    pub param: Option<String>,
}

/// Longest message kept from a body that is not an error object (an HTML page, say).
const MAX_TEXT_MESSAGE: usize = 300;

impl ApiErrorBody {
    /// Reads an error body, redacting `secret` (the API key) wherever it appears.
    pub(crate) fn from_body(body: &[u8], secret: Option<&str>) -> Self {
        let mut parsed = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| Self::from_json(&v))
            .unwrap_or_else(|| Self {
                message: excerpt(body, MAX_TEXT_MESSAGE),
                ..Self::default()
            });
        parsed.redact(secret);
        parsed
    }

    /// Removes the secret (and key-shaped text) from every field.
    pub(crate) fn redact(&mut self, secret: Option<&str>) {
        self.message = redact(&self.message, secret);
        for value in [&mut self.kind, &mut self.code, &mut self.param]
            .into_iter()
            .flatten()
        {
            *value = redact(value, secret);
        }
    }

    /// Finds the error object in a JSON body, if there is one.
    pub(crate) fn from_json(value: &Value) -> Option<Self> {
        let object = match value.get("error") {
            Some(Value::String(message)) => {
                return Some(Self {
                    message: message.clone(),
                    ..Self::default()
                });
            }
            Some(inner @ Value::Object(_)) => inner,
            _ if value.get("message").is_some() || value.get("detail").is_some() => value,
            _ => return None,
        };
        let field = |name: &str| match object.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let message = match object.get("message").or_else(|| object.get("detail")) {
            Some(Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => String::new(),
        };
        Some(Self {
            message,
            kind: field("type"),
            code: field("code"),
            param: field("param"),
        })
    }

    pub(crate) fn mentions(&self, needles: &[&str]) -> bool {
        let message = self.message.to_ascii_lowercase();
        needles.iter().any(|n| message.contains(n))
    }

    pub(crate) fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code) || self.kind.as_deref() == Some(code)
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str("no message")?;
        } else {
            f.write_str(&self.message)?;
        }
        let details: Vec<String> = [
            ("type", &self.kind),
            ("code", &self.code),
            ("param", &self.param),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
        .collect();
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// A body as one line of text, whitespace collapsed, cut after `max_chars` characters.
pub(crate) fn excerpt(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "empty response body".to_owned();
    }
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// Removes the secret and anything shaped like an OpenAI key (`sk-` + 16 or more key
/// characters, masked or not) from a message.
pub(crate) fn redact(message: &str, secret: Option<&str>) -> String {
    let mut text = message.to_owned();
    if let Some(secret) = secret.filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let is_key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*');
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("sk-") {
        let after = &rest[at + 3..];
        let key_len = after.find(|c: char| !is_key_char(c)).unwrap_or(after.len());
        let starts_word = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_key_char(c));
        out.push_str(&rest[..at]);
        if starts_word && key_len >= 16 {
            out.push_str("sk-[redacted]");
        } else {
            out.push_str(&rest[at..at + 3 + key_len]);
        }
        rest = &after[key_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> ApiErrorBody {
        ApiErrorBody::from_body(json.as_bytes(), None)
    }

    #[test]
    fn parses_the_error_object_in_its_common_shapes() {
        let openai = body(
            r#"{"error":{"message":"Bad temp","type":"invalid_request_error","param":"temperature","code":"unsupported_value"}}"#,
        );
        assert_eq!(openai.message, "Bad temp");
        assert_eq!(openai.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(openai.param.as_deref(), Some("temperature"));
        assert_eq!(openai.code.as_deref(), Some("unsupported_value"));

        let vllm = body(
            r#"{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}"#,
        );
        assert_eq!(vllm.code.as_deref(), Some("400"));
        assert_eq!(vllm.param, None);

        assert_eq!(
            body(r#"{"error":"model not loaded"}"#).message,
            "model not loaded"
        );
        assert_eq!(body(r#"{"detail":"Not Found"}"#).message, "Not Found");
        let html = body("<html>\n<body>502 Bad Gateway</body></html>");
        assert_eq!(html.message, "<html> <body>502 Bad Gateway</body></html>");
        assert_eq!(body("").message, "empty response body");
        assert!(body(&"x".repeat(5000)).message.len() < 400);
    }

    #[test]
    fn redacts_keys_in_messages() {
        let masked =
            "Incorrect API key provided: sk-proj-abcd************************wxyz. See docs.";
        assert_eq!(
            redact(masked, None),
            "Incorrect API key provided: sk-[redacted]. See docs."
        );
        assert_eq!(
            redact("key my-local-key here", Some("my-local-key")),
            "key [redacted] here"
        );
        assert_eq!(
            redact("task-list and sk-short", None),
            "task-list and sk-short"
        );
        assert_eq!(
            redact("ask-abcdefghijklmnopqrstuvwxyz", None),
            "ask-abcdefghijklmnopqrstuvwxyz"
        );
    }
}
