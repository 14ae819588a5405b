//! Streaming replies (server-sent events), behind the `stream` feature.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::LlmError;
use crate::api_error::redact;
use crate::client::OpenAiClient;
use crate::model::{ChatReply, ChatRequest, Usage};
use crate::retry::run_with_retries;
use crate::wire::{self, ParsedReply};

impl OpenAiClient {
    /// Like [`crate::ChatModel::complete`], but hands each piece of text to `on_text` as
    /// it arrives, so a frontend can show it at once.
    ///
    /// Opening the stream gets the same retries and parameter fallback as `complete`;
    /// once text has been handed out, a failure is returned rather than retried. Stop
    /// sequences the server was not sent are applied as text arrives: nothing past one
    /// is ever handed out. A server that ignores `stream` and answers with one JSON body
    /// works too. The returned reply holds the whole text.
    pub async fn complete_streaming(
        &self,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        self.check_request(request)?;
        let config = self.config();
        let started = Instant::now();
        let deadline = started + config.retry.max_elapsed;
        let response = self
            .with_refusal_fallback(request, deadline, |mut body| async move {
                body["stream"] = json!(true);
                body["stream_options"] = json!({"include_usage": true});
                let body = &body;
                run_with_retries(&config.retry, config.request_timeout, deadline, |timeout| {
                    let opening = self.open(Method::POST, "chat/completions", Some(body));
                    async move {
                        tokio::time::timeout(timeout, opening)
                            .await
                            .unwrap_or(Err(LlmError::Timeout { after: timeout }))
                    }
                })
                .await
            })
            .await?;

        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let stops = wire::stop_sequences(config, request)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut reader = SseReader::new(stops, self.key_text());
        let timeout = config.request_timeout;
        let reading = async {
            let mut response = response;
            let mut whole = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.transport_error(e))?
            {
                if is_json {
                    whole.extend_from_slice(&chunk);
                } else if reader.push(&chunk, on_text)? {
                    break;
                }
            }
            if is_json {
                let parsed = wire::parse_response(&whole, self.key_text())?;
                reader.push_text(parsed.content.as_deref().unwrap_or_default(), on_text);
                reader.finish_reason = parsed.finish_reason;
                reader.refusal = parsed.refusal;
                reader.usage = parsed.usage;
                reader.done = true;
            }
            reader.finish(on_text)
        };
        let parsed = tokio::time::timeout(timeout, reading)
            .await
            .unwrap_or(Err(LlmError::Timeout { after: timeout }))?;
        self.finish(parsed, request, started.elapsed())
    }
}

/// Reads `data:` lines of a chat-completion event stream and hands out text that is
/// safe to show: never anything at or past a stop sequence.
struct SseReader<'a> {
    pending: Vec<u8>,
    content: String,
    handed_out: usize,
    stops: Vec<String>,
    /// Bytes to hold back: one less than the longest stop sequence.
    hold_back: usize,
    finish_reason: Option<String>,
    refusal: Option<String>,
    usage: Usage,
    done: bool,
    secret: Option<&'a str>,
}

impl<'a> SseReader<'a> {
    fn new(stops: Vec<String>, secret: Option<&'a str>) -> Self {
        let hold_back = stops.iter().map(String::len).max().unwrap_or(1).max(1) - 1;
        Self {
            pending: Vec::new(),
            content: String::new(),
            handed_out: 0,
            stops,
            hold_back,
            finish_reason: None,
            refusal: None,
            usage: Usage::default(),
            done: false,
            secret,
        }
    }

    /// Takes the next bytes of the stream; returns true when the reply is complete.
    fn push(
        &mut self,
        chunk: &[u8],
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<bool, LlmError> {
        self.pending.extend_from_slice(chunk);
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim_end_matches(['\r', '\n']).strip_prefix("data:") else {
                continue; // Blank lines, comments, `event:` and `id:` carry nothing we use.
            };
            let data = data.trim();
            if data == "[DONE]" {
                self.done = true;
            } else {
                self.event(data, on_text)?;
            }
            if self.done {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn event(
        &mut self,
        data: &str,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), LlmError> {
        let value: Value = serde_json::from_str(data).map_err(|e| LlmError::InvalidResponse {
            detail: format!(
                "a stream event is not valid JSON ({e}): {}",
                redact(data, self.secret)
            ),
        })?;
        if let Some(error) = wire::error_in_body(&value, self.secret) {
            return Err(error);
        }
        if let Some(usage) = value.get("usage").filter(|u| u.is_object()) {
            self.usage = wire::usage_from_value(usage);
        }
        let Some(choice) = value.get("choices").and_then(|c| c.get(0)) else {
            return Ok(());
        };
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish_reason = Some(reason.to_owned());
        }
        let delta = &choice["delta"];
        if let Some(refusal) = delta.get("refusal").and_then(Value::as_str) {
            self.refusal
                .get_or_insert_with(String::new)
                .push_str(refusal);
        }
        if let Some(text) = delta.get("content").cloned().and_then(wire::content_text) {
            self.push_text(&text, on_text);
        }
        Ok(())
    }

    /// Adds text and hands out what can no longer turn into a stop sequence.
    fn push_text(&mut self, text: &str, on_text: &mut (dyn FnMut(&str) + Send)) {
        self.content.push_str(text);
        let stops: Vec<&str> = self.stops.iter().map(String::as_str).collect();
        if let Some(cut) = wire::earliest_stop(&self.content, &stops) {
            self.content.truncate(cut);
            self.finish_reason = Some("stop".to_owned());
            self.done = true;
            self.hand_out(cut, on_text);
            return;
        }
        let mut safe = self.content.len().saturating_sub(self.hold_back);
        while !self.content.is_char_boundary(safe) {
            safe -= 1;
        }
        self.hand_out(safe, on_text);
    }

    fn hand_out(&mut self, up_to: usize, on_text: &mut (dyn FnMut(&str) + Send)) {
        if up_to > self.handed_out {
            on_text(&self.content[self.handed_out..up_to]);
            self.handed_out = up_to;
        }
    }

    /// Hands out the rest and returns the whole reply.
    fn finish(mut self, on_text: &mut (dyn FnMut(&str) + Send)) -> Result<ParsedReply, LlmError> {
        if !self.done && self.finish_reason.is_none() {
            return Err(LlmError::ConnectionLost {
                detail: "the stream ended before the reply was complete".to_owned(),
            });
        }
        self.hand_out(self.content.len(), on_text);
        Ok(ParsedReply {
            content: Some(self.content),
            refusal: self.refusal,
            finish_reason: self.finish_reason,
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(
        stream: &str,
        stops: &[&str],
        chunk_size: usize,
    ) -> (Vec<String>, Result<ParsedReply, LlmError>) {
        let mut pieces = Vec::new();
        let mut on_text = |t: &str| pieces.push(t.to_owned());
        let mut reader = SseReader::new(
            stops.iter().map(|s| (*s).to_owned()).collect(),
            Some("sk-secret-key-0000"),
        );
        let mut result = Ok(false);
        for chunk in stream.as_bytes().chunks(chunk_size) {
            result = reader.push(chunk, &mut on_text);
            if !matches!(result, Ok(false)) {
                break;
            }
        }
        let parsed = result.and_then(|_| reader.finish(&mut on_text));
        (pieces, parsed)
    }

    fn event(content: &str) -> String {
        format!(
            "data: {}\n\n",
            json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        )
    }

    const END: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
        data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":1}}}\n\n\
        data: [DONE]\n\n";

    #[test]
    fn assembles_text_across_any_chunking() {
        let stream = format!(
            ": keep-alive\n{}{}{}{END}",
            event("При"),
            event("вет, "),
            event("мир")
        );
        for chunk_size in [1, 2, 3, 7, 1000] {
            let (pieces, parsed) = feed(&stream, &[], chunk_size);
            let parsed = parsed.unwrap();
            assert_eq!(pieces.concat(), "Привет, мир", "chunks of {chunk_size}");
            assert_eq!(parsed.content.as_deref(), Some("Привет, мир"));
            assert_eq!(parsed.finish_reason.as_deref(), Some("stop"));
            assert_eq!(
                parsed.usage,
                Usage {
                    prompt_tokens: 9,
                    completion_tokens: 3,
                    reasoning_tokens: 1
                }
            );
        }
    }

    #[test]
    fn never_hands_out_text_past_a_stop_sequence() {
        let stream = format!(
            "{}{}{}{END}",
            event("ACTION: {}\nOBSER"),
            event("VATION: made up"),
            event(" more")
        );
        let (pieces, parsed) = feed(&stream, &["OBSERVATION:"], 5);
        assert_eq!(pieces.concat(), "ACTION: {}\n");
        assert!(pieces.iter().all(|p| !p.contains("OBSER")), "{pieces:?}");
        assert_eq!(parsed.unwrap().finish_reason.as_deref(), Some("stop"));

        // A near miss is handed out in the end.
        let stream = format!("{}{END}", event("OBSERVE carefully"));
        let (pieces, _) = feed(&stream, &["OBSERVATION:"], 4);
        assert_eq!(pieces.concat(), "OBSERVE carefully");
    }

    #[test]
    fn errors_in_the_stream_are_classified_and_scrubbed() {
        let stream = format!(
            "{}data: {{\"error\":{{\"message\":\"overloaded for sk-secret-key-0000\",\"type\":\"server_error\",\"code\":null}}}}\n\n",
            event("half")
        );
        let (_, parsed) = feed(&stream, &[], 1000);
        let err = parsed.unwrap_err();
        assert_eq!(err.status(), Some(502));
        assert!(!err.to_string().contains("sk-secret"), "{err}");

        let (_, parsed) = feed("data: {not json\n\n", &[], 1000);
        assert!(matches!(parsed, Err(LlmError::InvalidResponse { .. })));

        let (pieces, parsed) = feed(&event("cut short"), &[], 1000);
        assert_eq!(pieces.concat(), "cut short");
        assert!(matches!(parsed, Err(LlmError::ConnectionLost { .. })));
    }
}
