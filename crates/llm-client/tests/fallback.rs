//! Model families and the refused-parameter fallback.

mod common;

use common::{CHAT, Canned, FakeApi, RefusalStyle};
use llm_client::{
    ChatMessage, ChatModel, ChatRequest, LlmError, ModelFamily, OpenAiClient, ReasoningEffort,
    ResponseFormat, Role,
};
use serde_json::json;

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::new(Role::User, "сколько сделок?")],
        stop: vec!["OBSERVATION:".into()],
        max_output_tokens: Some(300),
    }
}

#[tokio::test]
async fn reasoning_models_get_what_they_accept_first_time() {
    let api = FakeApi::start().await;
    // The server behaves like o3: it refuses these outright.
    api.refuse_params(&["temperature", "max_tokens", "stop"], RefusalStyle::OpenAi);
    api.set_default(CHAT, Canned::fixture(200, "chat_completion_reasoning.json"));
    let config = api
        .config("o3-mini")
        .with_temperature(0.2)
        .with_reasoning_effort(ReasoningEffort::High);
    let client = OpenAiClient::new(config).unwrap();
    assert_eq!(client.family(), ModelFamily::Reasoning);
    let reply = client.complete(&request()).await.unwrap();
    assert_eq!(reply.usage.reasoning_tokens, 384);

    let sent = api.received_on(CHAT);
    assert_eq!(sent.len(), 1, "no refused round trip");
    assert_eq!(
        sent[0].body,
        json!({
            "model": "o3-mini",
            "messages": [{"role": "user", "content": "сколько сделок?"}],
            "max_completion_tokens": 300,
            "reasoning_effort": "high"
        })
    );
    assert!(client.refused_parameters().is_empty());
}

#[tokio::test]
async fn a_refused_parameter_is_dropped_retried_once_and_remembered() {
    let api = FakeApi::start().await;
    // An unknown model name with o-series rules: detected as standard, so it learns.
    api.refuse_params(&["temperature"], RefusalStyle::OpenAi);
    let client = OpenAiClient::new(api.config("my-gateway/thinker").with_temperature(0.2)).unwrap();
    assert_eq!(client.family(), ModelFamily::Standard);

    client.complete(&request()).await.unwrap();
    let sent = api.received_on(CHAT);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body["temperature"], 0.2);
    assert!(sent[1].body.get("temperature").is_none());
    assert_eq!(sent[1].body["max_tokens"], 300, "everything else is kept");
    assert_eq!(client.refused_parameters(), ["temperature"]);

    // The next call goes straight to the accepted form.
    client.complete(&request()).await.unwrap();
    assert_eq!(api.count(CHAT), 3);
}

#[tokio::test]
async fn refused_max_tokens_switches_to_max_completion_tokens() {
    let api = FakeApi::start().await;
    api.refuse_params(&["max_tokens"], RefusalStyle::OpenAi);
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    client.complete(&request()).await.unwrap();
    let sent = api.received_on(CHAT);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body["max_tokens"], 300);
    assert!(sent[1].body.get("max_tokens").is_none());
    assert_eq!(
        sent[1].body["max_completion_tokens"], 300,
        "the bound is kept"
    );
}

#[tokio::test]
async fn several_refusals_in_a_row_each_get_one_retry() {
    let api = FakeApi::start().await;
    api.refuse_params(
        &["temperature", "stop", "response_format"],
        RefusalStyle::MessageOnly,
    );
    let config = api
        .config("local-model")
        .with_temperature(0.7)
        .with_response_format(ResponseFormat::JsonObject);
    let client = OpenAiClient::new(config).unwrap();
    let mut req = request();
    req.stop = vec!["OBSERVATION:".into()];
    api.set_default(
        CHAT,
        Canned::json(
            200,
            common::completion("ASSISTANT: 3 сделки\nOBSERVATION: лишнее"),
        ),
    );
    let reply = client.complete(&req).await.unwrap();
    // `stop` was dropped, so the client applied it itself.
    assert_eq!(reply.content, "ASSISTANT: 3 сделки\n");
    assert_eq!(api.count(CHAT), 4);
    let mut refused = client.refused_parameters();
    refused.sort_unstable();
    assert_eq!(refused, ["response_format", "stop", "temperature"]);
    let last = api.received_on(CHAT).pop().unwrap().body;
    assert_eq!(last["max_tokens"], 300);
}

#[tokio::test]
async fn a_refusal_that_cannot_be_fixed_is_returned() {
    let api = FakeApi::start().await;
    // The same parameter refused again after it was dropped means something else is wrong.
    let refusal = Canned::fixture(400, "error_unsupported_temperature.json");
    api.set_default(CHAT, refusal);
    let client = OpenAiClient::new(api.config("gpt-4o-mini").with_temperature(0.2)).unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(err, LlmError::BadRequest { status: 400, .. }),
        "{err}"
    );
    assert_eq!(api.count(CHAT), 2, "dropped once, then given up");

    // A refused parameter we never sent is not guessed at.
    let api = FakeApi::start().await;
    api.set_default(
        CHAT,
        Canned::fixture(400, "error_unsupported_temperature.json"),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert_eq!(
        err.api_error().unwrap().param.as_deref(),
        Some("temperature")
    );
    assert_eq!(api.count(CHAT), 1);
}

#[tokio::test]
async fn forced_family_overrides_detection() {
    let api = FakeApi::start().await;
    api.refuse_params(&["temperature", "max_tokens"], RefusalStyle::OpenAi);
    let config = api
        .config("deepseek-reasoner")
        .with_temperature(0.2)
        .with_family(ModelFamily::Reasoning);
    let client = OpenAiClient::new(config).unwrap();
    client.complete(&request()).await.unwrap();
    assert_eq!(api.count(CHAT), 1);
    assert_eq!(api.received_on(CHAT)[0].body["max_completion_tokens"], 300);
}
