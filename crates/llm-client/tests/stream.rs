//! Streaming replies (the `stream` feature) against the local server.
#![cfg(feature = "stream")]

mod common;

use common::{CHAT, Canned, FakeApi, completion};
use llm_client::{ChatMessage, ChatRequest, LlmError, OpenAiClient, Role};
use serde_json::json;

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::new(Role::User, "сделки?")],
        stop: vec!["OBSERVATION:".into()],
        max_output_tokens: Some(200),
    }
}

fn sse(pieces: &[&str]) -> Canned {
    let mut body = String::new();
    for piece in pieces {
        let chunk = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": piece}, "logprobs": null, "finish_reason": null}]});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    body.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    body.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}\n\n");
    body.push_str("data: [DONE]\n\n");
    Canned::raw(200, &body).header("content-type", "text/event-stream")
}

#[tokio::test]
async fn streams_text_and_returns_the_whole_reply() {
    let api = FakeApi::start().await;
    api.set_default(CHAT, sse(&["ASSISTANT: ", "Три ", "сделки."]));
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let mut shown = String::new();
    let reply = client
        .complete_streaming(&request(), &mut |text| shown.push_str(text))
        .await
        .unwrap();
    assert_eq!(shown, "ASSISTANT: Три сделки.");
    assert_eq!(reply.content, shown);
    assert_eq!(reply.usage.completion_tokens, 4);
    let body = &api.received_on(CHAT)[0].body;
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(body["stop"], json!(["OBSERVATION:"]));
}

#[tokio::test]
async fn stops_even_when_the_server_does_not() {
    let api = FakeApi::start().await;
    api.set_default(CHAT, sse(&["ACTION: {}\nOBS", "ERVATION: invented"]));
    let client = OpenAiClient::new(api.config("o4-mini")).unwrap();
    let mut shown = String::new();
    let reply = client
        .complete_streaming(&request(), &mut |text| shown.push_str(text))
        .await
        .unwrap();
    assert_eq!(shown, "ACTION: {}\n");
    assert_eq!(reply.finish_reason.as_deref(), Some("stop"));
}

#[tokio::test]
async fn opening_failures_are_retried_and_json_answers_accepted() {
    let api = FakeApi::start().await;
    api.enqueue(
        CHAT,
        Canned::fixture(429, "error_rate_limit.json").header("retry-after-ms", "10"),
    );
    api.set_default(CHAT, Canned::json(200, completion("ASSISTANT: без потока")));
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let mut shown = String::new();
    let reply = client
        .complete_streaming(&request(), &mut |text| shown.push_str(text))
        .await
        .unwrap();
    assert_eq!(shown, "ASSISTANT: без потока");
    assert_eq!(reply.usage.prompt_tokens, 19);
    assert_eq!(api.count(CHAT), 2);

    api.set_default(CHAT, Canned::fixture(401, "error_invalid_key.json"));
    let err = client
        .complete_streaming(&request(), &mut |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Unauthorized { .. }), "{err}");
}
