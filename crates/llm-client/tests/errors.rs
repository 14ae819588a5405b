//! Every error class, what is retried and what is not, and that the key never shows.

mod common;

use std::time::{Duration, Instant};

use common::{CHAT, Canned, FakeApi, TEST_KEY, closed_port_base, completion, fast_retry};
use llm_client::{Availability, ChatMessage, ChatModel, ChatRequest, LlmError, OpenAiClient, Role};
use serde_json::json;

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::new(Role::User, "какие сделки в работе?")],
        ..ChatRequest::default()
    }
}

/// Asserts that neither the message nor the Debug form of `err` shows the key.
fn assert_secret_free(err: &LlmError) {
    for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!shown.contains(TEST_KEY), "key leaked: {shown}");
        assert!(!shown.contains("SECRET7890"), "key part leaked: {shown}");
    }
}

async fn failing_call(api: &FakeApi, canned: Canned) -> LlmError {
    api.set_default(CHAT, canned);
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert_secret_free(&err);
    err
}

#[tokio::test]
async fn rejected_key_keeps_the_error_object_but_not_the_key() {
    let api = FakeApi::start().await;
    let client = OpenAiClient::new(
        api.config("gpt-4o-mini")
            .with_api_key("sk-wrong-key-0000000000000000"),
    )
    .unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(err, LlmError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    assert!(err.is_auth() && !err.is_retryable());
    assert_eq!(err.availability(), Some(Availability::KeyRejected));
    let api_error = err.api_error().unwrap();
    assert_eq!(api_error.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(api_error.kind.as_deref(), Some("invalid_request_error"));
    // The server echoed the key it got; the client scrubbed it.
    assert_eq!(api_error.message, "Incorrect API key provided: [redacted].");
    assert!(!format!("{err} {err:?}").contains("sk-wrong-key"));
    assert_eq!(api.count(CHAT), 1);
}

#[tokio::test]
async fn a_key_echoed_anywhere_is_redacted() {
    let api = FakeApi::start().await;
    let echo = json!({"error": {"message": format!("bad key {TEST_KEY}"), "type": "x", "code": "y", "param": TEST_KEY}});
    let bodies = [
        Canned::json(401, echo.clone()),
        Canned::json(400, echo),
        Canned::raw(
            502,
            &format!("<html>upstream saw Authorization: Bearer {TEST_KEY}</html>"),
        ),
        Canned::raw(200, &format!("{{\"broken\": \"{TEST_KEY}")),
    ];
    for canned in bodies {
        let err = failing_call(&api, canned).await;
        if let Some(api_error) = err.api_error() {
            assert!(api_error.message.contains("[redacted]"), "{api_error:?}");
            assert!(api_error.param.as_deref().is_none_or(|p| p == "[redacted]"));
        }
    }
}

#[tokio::test]
async fn no_key_fails_before_sending() {
    let api = FakeApi::start().await;
    let mut config = api.config("gpt-4o-mini");
    config.api_key = None;
    let client = OpenAiClient::new(config).unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::NoKey));
    assert_eq!(err.availability(), Some(Availability::NoKey));
    assert_eq!(api.received().len(), 0);
}

#[tokio::test]
async fn exhausted_quota_is_not_retried() {
    let api = FakeApi::start().await;
    let err = failing_call(&api, Canned::fixture(429, "error_insufficient_quota.json")).await;
    assert!(
        matches!(err, LlmError::QuotaExhausted { status: 429, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(err.availability(), Some(Availability::QuotaExhausted));
    assert_eq!(api.count(CHAT), 1);
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let api = FakeApi::start().await;
    api.enqueue(
        CHAT,
        Canned::fixture(429, "error_rate_limit.json").header("retry-after-ms", "150"),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let started = Instant::now();
    let reply = client.complete(&request()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert!(reply.latency >= Duration::from_millis(150));
    assert_eq!(api.count(CHAT), 2);
}

#[tokio::test]
async fn rate_limit_longer_than_the_budget_is_returned_at_once() {
    let api = FakeApi::start().await;
    api.set_default(
        CHAT,
        Canned::fixture(429, "error_rate_limit.json").header("retry-after", "20"),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    let started = Instant::now();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(20)));
    assert!(err.to_string().contains("retry after 20.0s"), "{err}");
    assert_eq!(api.count(CHAT), 1);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_count() {
    let api = FakeApi::start().await;
    api.enqueue(CHAT, Canned::fixture(500, "error_server.json"));
    api.enqueue(CHAT, Canned::raw(502, "<html>Bad Gateway</html>"));
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    assert!(client.complete(&request()).await.is_ok());
    assert_eq!(api.count(CHAT), 3);

    let api = FakeApi::start().await;
    let err = failing_call(&api, Canned::fixture(503, "error_server.json")).await;
    assert!(matches!(err, LlmError::Server { status: 503, .. }), "{err}");
    assert_eq!(
        err.api_error().unwrap().message,
        "The server had an error while processing your request. Sorry about that!"
    );
    assert_eq!(api.count(CHAT), 4, "one attempt and three retries");

    let api = FakeApi::start().await;
    let err = failing_call(&api, Canned::json(501, json!({"error": "not implemented"}))).await;
    assert_eq!(err.status(), Some(501));
    assert_eq!(api.count(CHAT), 1, "501 is not retried");
}

#[tokio::test]
async fn context_too_long_in_openai_and_vllm_shapes() {
    let api = FakeApi::start().await;
    let err = failing_call(&api, Canned::fixture(400, "error_context_length.json")).await;
    assert!(err.is_context_too_long(), "{err}");
    assert_eq!(err.api_error().unwrap().param.as_deref(), Some("messages"));

    let err = failing_call(&api, Canned::fixture(400, "error_vllm_context.json")).await;
    assert!(err.is_context_too_long(), "{err}");
    assert_eq!(err.api_error().unwrap().code.as_deref(), Some("400"));
    assert!(!err.is_retryable());
    assert_eq!(api.count(CHAT), 2);
}

#[tokio::test]
async fn bad_request_and_unknown_model() {
    let api = FakeApi::start().await;
    let err = failing_call(
        &api,
        Canned::json(
            400,
            json!({"error": {"message": "Invalid value for 'messages[0].role'", "type": "invalid_request_error", "param": "messages[0].role", "code": "invalid_value"}}),
        ),
    )
    .await;
    assert!(
        matches!(err, LlmError::BadRequest { status: 400, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the model API refused the request (HTTP 400): Invalid value for 'messages[0].role' \
         (type: invalid_request_error, code: invalid_value, param: messages[0].role)"
    );

    let err = failing_call(
        &api,
        Canned::json(
            404,
            json!({"error": {"message": "The model `gpt-9` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}}),
        ),
    )
    .await;
    assert!(matches!(err, LlmError::NotFound { .. }), "{err}");
    assert_eq!(api.count(CHAT), 2);
}

#[tokio::test]
async fn slow_replies_time_out_and_are_retried_within_the_budget() {
    let api = FakeApi::start().await;
    api.enqueue(
        CHAT,
        Canned::json(200, completion("late")).delayed(Duration::from_secs(3)),
    );
    let config = api
        .config("gpt-4o-mini")
        .with_request_timeout(Duration::from_millis(200));
    let client = OpenAiClient::new(config.clone()).unwrap();
    let reply = client.complete(&request()).await.unwrap();
    assert_eq!(reply.content, "ASSISTANT: Здравствуйте! Чем могу помочь?");
    assert_eq!(api.count(CHAT), 2);

    // Always slow: gives up after the retries, well before the server would answer.
    api.set_default(
        CHAT,
        Canned::json(200, completion("late")).delayed(Duration::from_secs(3)),
    );
    let started = Instant::now();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(api.count(CHAT), 2 + 4);

    // The total budget bounds the call even with many retries allowed.
    let mut retry = fast_retry(100);
    retry.max_elapsed = Duration::from_millis(500);
    let client = OpenAiClient::new(config.with_retry(retry)).unwrap();
    let started = Instant::now();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unreachable_server_is_reported_after_retries() {
    let base = closed_port_base().await;
    let config = llm_client::OpenAiConfig::new("gpt-4o-mini")
        .with_api_base(&base)
        .with_api_key(TEST_KEY)
        .with_retry(fast_retry(2));
    let client = OpenAiClient::new(config).unwrap();
    let err = client.complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Unreachable { .. }), "{err}");
    assert!(err.is_network() && err.is_retryable());
    let port = base
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/v1");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(matches!(
        err.availability(),
        Some(Availability::Unreachable { .. })
    ));
    assert_secret_free(&err);
}

#[tokio::test]
async fn error_object_inside_a_200_is_classified() {
    let api = FakeApi::start().await;
    let err = failing_call(
        &api,
        Canned::json(
            200,
            json!({"error": {"message": "Provider returned error", "code": 429}}),
        ),
    )
    .await;
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(api.count(CHAT), 4, "rate limits are retried");
}
