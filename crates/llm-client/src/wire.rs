//! The JSON bodies of `POST /chat/completions`, after the official OpenAPI schema
//! (`CreateChatCompletionRequest`, `CreateChatCompletionResponse`, `CompletionUsage`).
//!
//! Requests carry only the fields the model family and the server accept; responses are
//! read tolerantly: unknown fields are ignored and missing optional ones default.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::LlmError;
use crate::api_error::{ApiErrorBody, excerpt, redact};
use crate::config::{OpenAiConfig, ReasoningEffort, ResponseFormat};
use crate::family::{Param, ParamRules};
use crate::model::{ChatMessage, ChatRequest, Usage};

/// The most stop sequences the API takes; further ones are applied by the client.
pub(crate) const MAX_STOP_SEQUENCES: usize = 4;

/// The body of a chat-completions request.
#[derive(Debug, Serialize)]
pub(crate) struct ChatCompletionRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<&'a ResponseFormat>,
}

/// Builds the request body for `request` under `config`, sending only what `rules` allow.
pub(crate) fn build_request<'a>(
    config: &'a OpenAiConfig,
    rules: &ParamRules,
    request: &'a ChatRequest,
) -> ChatCompletionRequest<'a> {
    let token_limit = request.max_output_tokens.or(config.max_output_tokens);
    let token_field = rules.token_limit_field();
    let stop: Vec<&str> = stop_sequences(config, request)
        .into_iter()
        .take(MAX_STOP_SEQUENCES)
        .collect();
    ChatCompletionRequest {
        model: &config.model,
        messages: &request.messages,
        temperature: config
            .temperature
            .filter(|_| rules.allows(Param::Temperature)),
        max_tokens: token_limit.filter(|_| token_field == Some(Param::MaxTokens)),
        max_completion_tokens: token_limit
            .filter(|_| token_field == Some(Param::MaxCompletionTokens)),
        stop: (!stop.is_empty() && rules.allows(Param::Stop)).then_some(stop),
        reasoning_effort: config
            .reasoning_effort
            .filter(|_| rules.allows(Param::ReasoningEffort)),
        response_format: config
            .response_format
            .as_ref()
            .filter(|_| rules.allows(Param::ResponseFormat)),
    }
}

/// All stop sequences for `request`: the configured ones, then the request's, without
/// duplicates or empty strings.
pub(crate) fn stop_sequences<'a>(
    config: &'a OpenAiConfig,
    request: &'a ChatRequest,
) -> Vec<&'a str> {
    let mut all: Vec<&str> = Vec::new();
    for s in config.stop.iter().chain(&request.stop) {
        if !s.is_empty() && !all.contains(&s.as_str()) {
            all.push(s);
        }
    }
    all
}

/// Where the first stop sequence starts in `text`, if any occurs.
pub(crate) fn earliest_stop(text: &str, stops: &[&str]) -> Option<usize> {
    stops.iter().filter_map(|s| text.find(s)).min()
}

/// The body of a chat-completions response (the parts this client uses).
#[derive(Debug, Deserialize)]
struct ChatCompletionResponse {
    choices: Option<Vec<Choice>>,
    usage: Option<CompletionUsage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Option<ResponseMessage>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ResponseMessage {
    /// A string per the schema; some servers send an array of text parts.
    content: Option<Value>,
    refusal: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CompletionUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    completion_tokens_details: Option<CompletionTokensDetails>,
}

impl CompletionUsage {
    fn into_usage(self) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.unwrap_or(0),
            completion_tokens: self.completion_tokens.unwrap_or(0),
            reasoning_tokens: self
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

/// Reads a `usage` object; anything unreadable counts as no usage.
#[cfg(feature = "stream")]
pub(crate) fn usage_from_value(value: &Value) -> Usage {
    CompletionUsage::deserialize(value)
        .map(CompletionUsage::into_usage)
        .unwrap_or_default()
}

#[derive(Debug, Default, Deserialize)]
struct CompletionTokensDetails {
    reasoning_tokens: Option<u64>,
}

/// What the client takes from a successful response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedReply {
    pub content: Option<String>,
    pub refusal: Option<String>,
    pub finish_reason: Option<String>,
    pub usage: Usage,
}

/// Reads a 2xx response body; `secret` is redacted from any text quoted in errors.
pub(crate) fn parse_response(body: &[u8], secret: Option<&str>) -> Result<ParsedReply, LlmError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| LlmError::InvalidResponse {
        detail: format!(
            "not valid JSON ({e}); the body starts with: {}",
            redact(&excerpt(body, 120), secret)
        ),
    })?;
    if let Some(error) = error_in_body(&value, secret) {
        return Err(error);
    }
    let response: ChatCompletionResponse =
        serde_json::from_value(value).map_err(|e| LlmError::InvalidResponse {
            detail: format!("not a chat completion: {e}"),
        })?;
    let choices = response.choices.ok_or_else(|| LlmError::InvalidResponse {
        detail: "the response has no `choices` field".to_owned(),
    })?;
    let usage = response
        .usage
        .map(CompletionUsage::into_usage)
        .unwrap_or_default();
    let Some(choice) = choices.into_iter().next() else {
        return Ok(ParsedReply {
            content: None,
            refusal: None,
            finish_reason: None,
            usage,
        });
    };
    let (content, refusal) = match choice.message {
        Some(message) => (message.content.and_then(content_text), message.refusal),
        None => (None, None),
    };
    Ok(ParsedReply {
        content,
        refusal,
        finish_reason: choice.finish_reason,
        usage,
    })
}

/// The error object some gateways send with status 200 (or inside a stream), classified
/// by its code, which is often the real HTTP status (502 otherwise).
pub(crate) fn error_in_body(value: &Value, secret: Option<&str>) -> Option<LlmError> {
    if value.get("choices").is_some() || value.get("error").is_none() {
        return None;
    }
    let mut api = ApiErrorBody::from_json(value)?;
    api.redact(secret);
    let status = api
        .code
        .as_deref()
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|s| (400..=599).contains(s))
        .unwrap_or(502);
    Some(LlmError::from_api(status, api, None))
}

/// The text of a message's content: a string, or the `text` of each part of an array.
pub(crate) fn content_text(content: Value) -> Option<String> {
    match content {
        Value::String(text) => Some(text),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::ModelFamily;
    use crate::model::Role;

    fn request() -> ChatRequest {
        ChatRequest {
            messages: vec![ChatMessage::new(Role::User, "hi")],
            stop: vec!["OBSERVATION:".into(), "".into(), "END".into()],
            max_output_tokens: None,
        }
    }

    #[test]
    fn standard_and_reasoning_bodies_differ() {
        let config = OpenAiConfig::new("gpt-4o")
            .with_temperature(0.2)
            .with_max_output_tokens(100)
            .with_stop(["END", "STOP"]);
        let req = request();
        let standard = serde_json::to_value(build_request(
            &config,
            &ParamRules::new(ModelFamily::Standard),
            &req,
        ))
        .unwrap();
        assert_eq!(
            standard,
            serde_json::json!({
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "hi"}],
                "temperature": 0.2,
                "max_tokens": 100,
                "stop": ["END", "STOP", "OBSERVATION:"]
            })
        );
        let reasoning = serde_json::to_value(build_request(
            &config,
            &ParamRules::new(ModelFamily::Reasoning),
            &req,
        ))
        .unwrap();
        assert_eq!(reasoning["max_completion_tokens"], 100);
        for absent in ["temperature", "max_tokens", "stop"] {
            assert!(reasoning.get(absent).is_none(), "{absent} in {reasoning}");
        }
    }

    #[test]
    fn at_most_four_stop_sequences_are_sent() {
        let config = OpenAiConfig::new("m").with_stop(["a", "b", "c", "d", "e"]);
        let req = request();
        let all = stop_sequences(&config, &req);
        assert_eq!(all, ["a", "b", "c", "d", "e", "OBSERVATION:", "END"]);
        let body = build_request(&config, &ParamRules::new(ModelFamily::Standard), &req);
        assert_eq!(body.stop.unwrap(), ["a", "b", "c", "d"]);
        assert_eq!(earliest_stop("xx END yy OBSERVATION:", &all), Some(3));
        assert_eq!(earliest_stop("nothing", &["z"]), None);
    }

    #[test]
    fn tolerant_parsing() {
        let parsed = parse_response(
            br#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"stop","extra":1}],"usage":{"prompt_tokens":3,"completion_tokens":null},"x_vendor":{}}"#,
            None,
        )
        .unwrap();
        assert_eq!(parsed.content.as_deref(), Some("ab"));
        assert_eq!(
            parsed.usage,
            Usage {
                prompt_tokens: 3,
                completion_tokens: 0,
                reasoning_tokens: 0
            }
        );

        let empty = parse_response(br#"{"choices":[]}"#, None).unwrap();
        assert_eq!(empty.content, None);

        let no_choices = parse_response(br#"{"id":"x"}"#, None).unwrap_err();
        assert!(
            matches!(no_choices, LlmError::InvalidResponse { .. }),
            "{no_choices}"
        );

        let wrong_type = parse_response(br#"{"choices":"many"}"#, None).unwrap_err();
        assert!(
            matches!(wrong_type, LlmError::InvalidResponse { .. }),
            "{wrong_type}"
        );

        let broken =
            parse_response(b"{\"choices\": [ {\"mess", Some("sk-secret-value")).unwrap_err();
        assert!(broken.to_string().contains("not valid JSON"), "{broken}");
    }

    #[test]
    fn error_object_in_a_200_is_classified() {
        let err =
            parse_response(br#"{"error":{"message":"slow down","code":429}}"#, None).unwrap_err();
        assert!(err.is_rate_limited(), "{err}");
        let err = parse_response(br#"{"error":{"message":"upstream died"}}"#, None).unwrap_err();
        assert_eq!(err.status(), Some(502));
    }
}
