//! Successful chats against the local server: what is sent, what is read back.

mod common;

use std::time::Duration;

use common::{CHAT, Canned, FakeApi, TEST_KEY, completion, completion_with, fixture};
use llm_client::{
    ChatMessage, ChatModel, ChatRequest, LlmError, OpenAiClient, ReasoningEffort, ResponseFormat,
    Role, Usage,
};
use serde_json::json;

fn request(text: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::new(Role::System, "Ты менеджер Bitrix24."),
            ChatMessage::new(Role::User, text),
        ],
        stop: vec!["OBSERVATION:".into()],
        max_output_tokens: None,
    }
}

#[tokio::test]
async fn sends_a_complete_request_and_reads_the_reply() {
    let api = FakeApi::start().await;
    let config = api
        .config("gpt-4o-mini")
        .with_organization("org-test")
        .with_project("proj_test")
        .with_temperature(0.2)
        .with_max_output_tokens(512);
    let client = OpenAiClient::new(config).unwrap();
    let reply = client.complete(&request("привет")).await.unwrap();

    assert_eq!(reply.content, "ASSISTANT: Здравствуйте! Чем могу помочь?");
    assert_eq!(reply.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        reply.usage,
        Usage {
            prompt_tokens: 19,
            completion_tokens: 10,
            reasoning_tokens: 0
        }
    );
    assert!(reply.latency > Duration::ZERO);

    let received = api.received_on(CHAT);
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {TEST_KEY}"))
    );
    assert_eq!(
        sent.header("openai-organization").as_deref(),
        Some("org-test")
    );
    assert_eq!(sent.header("openai-project").as_deref(), Some("proj_test"));
    assert!(
        sent.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        sent.body,
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Ты менеджер Bitrix24."},
                {"role": "user", "content": "привет"}
            ],
            "temperature": 0.2,
            "max_tokens": 512,
            "stop": ["OBSERVATION:"]
        })
    );
}

#[tokio::test]
async fn request_bound_overrides_config_and_options_are_sent() {
    let api = FakeApi::start().await;
    let config = api
        .config("gpt-4o-mini")
        .with_max_output_tokens(512)
        .with_stop(["END"])
        .with_reasoning_effort(ReasoningEffort::Low)
        .with_response_format(ResponseFormat::JsonObject);
    let client = OpenAiClient::new(config).unwrap();
    let mut req = request("x");
    req.max_output_tokens = Some(64);
    client.complete(&req).await.unwrap();
    let body = &api.received_on(CHAT)[0].body;
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["stop"], json!(["END", "OBSERVATION:"]));
    assert_eq!(body["reasoning_effort"], "low");
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
}

#[tokio::test]
async fn accepts_the_api_base_as_people_paste_it() {
    let api = FakeApi::start().await;
    let bases = [
        format!("http://{}", api.addr),
        format!("http://{}/", api.addr),
        format!("http://{}/v1/", api.addr),
        format!("http://{}/v1/chat/completions", api.addr),
    ];
    for base in &bases {
        let client = OpenAiClient::new(api.config("gpt-4o-mini").with_api_base(base)).unwrap();
        assert_eq!(client.api_base(), api.base());
        client.complete(&request("x")).await.unwrap();
    }
    assert_eq!(api.count(CHAT), bases.len());
}

#[tokio::test]
async fn reads_reasoning_usage() {
    let api = FakeApi::start().await;
    api.set_default(CHAT, Canned::fixture(200, "chat_completion_reasoning.json"));
    let client = OpenAiClient::new(api.config("o3-mini")).unwrap();
    let reply = client.complete(&request("сделка 4512")).await.unwrap();
    assert!(reply.content.starts_with("THOUGHT: нужно найти сделку"));
    assert_eq!(
        reply.usage,
        Usage {
            prompt_tokens: 812,
            completion_tokens: 410,
            reasoning_tokens: 384
        }
    );
}

#[tokio::test]
async fn tolerates_fields_of_other_servers() {
    let api = FakeApi::start().await;
    api.set_default(CHAT, Canned::fixture(200, "chat_completion_vllm.json"));
    api.accept_any_key();
    let config = api
        .config("Qwen/Qwen2.5-7B-Instruct")
        .with_key_required(false);
    let mut config = config;
    config.api_key = None;
    let client = OpenAiClient::new(config).unwrap();
    let reply = client.complete(&request("x")).await.unwrap();
    assert_eq!(reply.content, "ASSISTANT: Готово.");
    assert_eq!(reply.usage.completion_tokens, 5);
    assert_eq!(api.received_on(CHAT)[0].header("authorization"), None);

    // A minimal answer with no usage at all still works.
    api.set_default(
        CHAT,
        Canned::json(200, json!({"choices": [{"message": {"content": "ok"}}]})),
    );
    let reply = client.complete(&request("x")).await.unwrap();
    assert_eq!(
        (reply.content.as_str(), reply.usage),
        ("ok", Usage::default())
    );
    assert_eq!(reply.finish_reason, None);
}

#[tokio::test]
async fn applies_stop_sequences_the_server_ignored() {
    let api = FakeApi::start().await;
    api.set_default(
        CHAT,
        Canned::json(
            200,
            completion("ACTION: {\"method\": \"crm.deal.list\"}\nOBSERVATION: {\"made\": \"up\"}"),
        ),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let reply = client.complete(&request("x")).await.unwrap();
    assert_eq!(reply.content, "ACTION: {\"method\": \"crm.deal.list\"}\n");
    assert_eq!(reply.finish_reason.as_deref(), Some("stop"));
}

#[tokio::test]
async fn truncated_and_empty_replies_are_errors() {
    let api = FakeApi::start().await;
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();

    api.enqueue(
        CHAT,
        Canned::json(200, completion_with(Some("THOUGHT: half a"), "length")),
    );
    match client.complete(&request("x")).await.unwrap_err() {
        LlmError::Truncated { partial, usage } => {
            assert_eq!(partial, "THOUGHT: half a");
            assert_eq!(usage.completion_tokens, 10);
        }
        other => panic!("{other}"),
    }

    api.enqueue(
        CHAT,
        Canned::json(200, completion_with(Some("  \n"), "stop")),
    );
    let err = client.complete(&request("x")).await.unwrap_err();
    assert!(matches!(err, LlmError::EmptyReply { .. }), "{err}");
    assert!(err.is_empty_or_truncated());

    api.enqueue(
        CHAT,
        Canned::json(200, completion_with(None, "content_filter")),
    );
    let err = client.complete(&request("x")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the model returned an empty reply (finish_reason: content_filter)"
    );

    let mut refusal = completion_with(None, "stop");
    refusal["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
    api.enqueue(CHAT, Canned::json(200, refusal));
    match client.complete(&request("x")).await.unwrap_err() {
        LlmError::EmptyReply { refusal, .. } => {
            assert_eq!(refusal.as_deref(), Some("I can't help with that."));
        }
        other => panic!("{other}"),
    }

    api.enqueue(
        CHAT,
        Canned::json(200, json!({"object": "chat.completion", "choices": []})),
    );
    let err = client.complete(&request("x")).await.unwrap_err();
    assert!(matches!(err, LlmError::EmptyReply { .. }), "{err}");
    // None of these is worth an automatic retry.
    assert_eq!(api.count(CHAT), 5);
}

#[tokio::test]
async fn broken_bodies_are_invalid_responses_without_retry() {
    let api = FakeApi::start().await;
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let bodies = [
        Canned::raw(200, "{\"id\": \"chatcmpl-1\", \"choi")
            .header("content-type", "application/json"),
        Canned::raw(200, "<html><body>Welcome to nginx!</body></html>")
            .header("content-type", "text/html"),
        Canned::raw(200, ""),
        Canned::json(200, json!({"data": []})),
        Canned::json(
            200,
            json!({"choices": [{"message": {"content": 42}, "finish_reason": 7}]}),
        ),
    ];
    let count = bodies.len();
    for canned in bodies {
        api.enqueue(CHAT, canned);
        let err = client.complete(&request("x")).await.unwrap_err();
        assert!(matches!(err, LlmError::InvalidResponse { .. }), "{err}");
        assert!(!err.is_retryable());
    }
    assert_eq!(api.count(CHAT), count);
}

#[tokio::test]
async fn an_empty_conversation_is_refused_before_sending() {
    let api = FakeApi::start().await;
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let err = client.complete(&ChatRequest::default()).await.unwrap_err();
    assert!(matches!(err, LlmError::InvalidRequest { .. }), "{err}");
    assert_eq!(api.count(CHAT), 0);
}

#[tokio::test]
async fn request_body_snapshot_for_each_family() {
    let api = FakeApi::start().await;
    let options = |model: &str| {
        api.config(model)
            .with_temperature(0.3)
            .with_max_output_tokens(800)
            .with_reasoning_effort(ReasoningEffort::Medium)
    };
    let standard = OpenAiClient::new(options("gpt-4o-mini")).unwrap();
    let reasoning = OpenAiClient::new(options("o4-mini")).unwrap();
    let req = request("переведи сделку 4512 в «Выиграна»");
    insta::assert_json_snapshot!("standard_request", standard.request_body(&req));
    insta::assert_json_snapshot!("reasoning_request", reasoning.request_body(&req));
    assert_eq!(fixture("models.json")["object"], "list");
}
