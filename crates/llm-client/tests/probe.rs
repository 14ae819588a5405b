//! The availability probe in each state.

mod common;

use std::time::{Duration, Instant};

use common::{CHAT, Canned, FakeApi, MODELS, TEST_KEY, closed_port_base};
use llm_client::{Availability, OpenAiClient, OpenAiConfig};
use serde_json::json;

#[tokio::test]
async fn ready_when_models_list() {
    let api = FakeApi::start().await;
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    assert_eq!(client.probe().await, Availability::Ready);
    assert_eq!(api.count(MODELS), 1);
    assert_eq!(api.count(CHAT), 0, "a listing is enough by default");
    let sent = &api.received_on(MODELS)[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {TEST_KEY}"))
    );
}

#[tokio::test]
async fn no_key_answers_without_a_request() {
    let api = FakeApi::start().await;
    let mut config = api.config("gpt-4o-mini");
    config.api_key = None;
    let client = OpenAiClient::new(config).unwrap();
    assert_eq!(client.probe().await, Availability::NoKey);
    assert!(api.received().is_empty());
}

#[tokio::test]
async fn keyless_local_servers_are_ready() {
    let api = FakeApi::start().await;
    api.accept_any_key();
    let mut config = api.config("llama3.1:8b").with_key_required(false);
    config.api_key = None;
    let client = OpenAiClient::new(config).unwrap();
    assert_eq!(client.probe().await, Availability::Ready);
    assert_eq!(api.received_on(MODELS)[0].header("authorization"), None);

    // A server that wants a key after all says so as "no key", not "key rejected".
    let api = FakeApi::start().await;
    let mut config = api.config("llama3.1:8b").with_key_required(false);
    config.api_key = None;
    let client = OpenAiClient::new(config).unwrap();
    assert_eq!(client.probe().await, Availability::NoKey);
}

#[tokio::test]
async fn rejected_key() {
    let api = FakeApi::start().await;
    let config = api
        .config("gpt-4o-mini")
        .with_api_key("sk-revoked-1111111111111111");
    let client = OpenAiClient::new(config).unwrap();
    assert_eq!(client.probe().await, Availability::KeyRejected);
}

#[tokio::test]
async fn unreachable_closed_port() {
    let config = OpenAiConfig::new("gpt-4o-mini")
        .with_api_base(closed_port_base().await)
        .with_api_key(TEST_KEY);
    let client = OpenAiClient::new(config).unwrap();
    match client.probe().await {
        Availability::Unreachable { detail } => {
            assert!(detail.contains("127.0.0.1"), "{detail}");
            assert!(!detail.contains(TEST_KEY));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn silent_server_is_unreachable_within_the_probe_timeout() {
    let api = FakeApi::start().await;
    api.set_default(
        MODELS,
        Canned::fixture(200, "models.json").delayed(Duration::from_secs(5)),
    );
    let config = api
        .config("gpt-4o-mini")
        .with_probe_timeout(Duration::from_millis(200));
    let client = OpenAiClient::new(config).unwrap();
    let started = Instant::now();
    let availability = client.probe().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        availability,
        Availability::Unreachable {
            detail: "no answer within 0.2s".into()
        }
    );
    assert_eq!(api.count(MODELS), 1, "the probe does not retry");
}

#[tokio::test]
async fn quota_exhausted() {
    let api = FakeApi::start().await;
    api.set_default(
        MODELS,
        Canned::fixture(429, "error_insufficient_quota.json"),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    assert_eq!(client.probe().await, Availability::QuotaExhausted);

    // OpenAI lists models for an account without credit: only a completion tells.
    let api = FakeApi::start().await;
    api.set_default(CHAT, Canned::fixture(429, "error_insufficient_quota.json"));
    let client = OpenAiClient::new(api.config("gpt-4o-mini").with_probe_completion(true)).unwrap();
    assert_eq!(client.probe().await, Availability::QuotaExhausted);
    assert_eq!((api.count(MODELS), api.count(CHAT)), (1, 1));
}

#[tokio::test]
async fn missing_models_endpoint_falls_back_to_a_one_token_completion() {
    let api = FakeApi::start().await;
    api.remove_route(MODELS);
    api.set_default(
        CHAT,
        Canned::json(200, common::completion_with(Some("Pong"), "length")),
    );
    let client = OpenAiClient::new(api.config("gpt-4o-mini").with_temperature(0.1)).unwrap();
    assert_eq!(client.probe().await, Availability::Ready);
    let chats = api.received_on(CHAT);
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].body["max_tokens"], 1);
    assert_eq!(
        chats[0].body["messages"],
        json!([{"role": "user", "content": "ping"}])
    );

    // The fallback reports what the completion says.
    api.set_default(CHAT, Canned::fixture(500, "error_server.json"));
    match client.probe().await {
        Availability::Failed { detail } => assert!(detail.contains("HTTP 500"), "{detail}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(api.count(CHAT), 2, "the probe does not retry");

    let revoked = OpenAiClient::new(
        api.config("gpt-4o-mini")
            .with_api_key("sk-revoked-2222222222222222"),
    )
    .unwrap();
    assert_eq!(revoked.probe().await, Availability::KeyRejected);
}

#[tokio::test]
async fn other_failures_are_explained() {
    let api = FakeApi::start().await;
    api.set_default(MODELS, Canned::raw(503, "<html>Service Unavailable</html>"));
    let client = OpenAiClient::new(api.config("gpt-4o-mini")).unwrap();
    match client.probe().await {
        Availability::Failed { detail } => {
            assert!(
                detail.contains("HTTP 503") && detail.contains("Service Unavailable"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }

    // A website instead of an API.
    api.set_default(
        MODELS,
        Canned::raw(200, "<!doctype html><title>Portal</title>"),
    );
    match client.probe().await {
        Availability::Failed { detail } => {
            assert!(detail.contains("OpenAI-compatible"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}
