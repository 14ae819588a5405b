//! Validates the requests the client builds (and the fixtures the tests reply with)
//! against the official OpenAI OpenAPI schema, using the hand-written validator in
//! `validator.rs`: the `jsonschema` crate does not read OpenAPI's `nullable` and
//! `discriminator` dialect, and a small validator keeps the rules visible.
//!
//! The schemas come from `tests/fixtures/openapi-chat-subset.json`, the chat-completion
//! part of OpenAI's `openapi.yaml` (MIT License, Copyright (c) OpenAI), so the test runs
//! anywhere. Where the full document is present (`../shared/reference/openai/` next to
//! the repository), a test checks that the extract is current; regenerate it with
//! `UPDATE_OPENAPI_SUBSET=1 cargo test -p llm-client --test schema_validation`.

#[path = "../common/mod.rs"]
mod common;
mod validator;

use std::path::Path;
use std::sync::OnceLock;

use common::{CHAT, FakeApi, fixture};
use llm_client::{
    ChatMessage, ChatModel, ChatRequest, JsonSchemaFormat, OpenAiClient, OpenAiConfig,
    ReasoningEffort, ResponseFormat, Role,
};
use serde_json::{Value, json};
use validator::Spec;

const FULL_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/openai/openapi.yaml"
);
const SUBSET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/openapi-chat-subset.json"
);
const ROOTS: [&str; 3] = [
    "CreateChatCompletionRequest",
    "CreateChatCompletionResponse",
    "ErrorResponse",
];

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::load(SUBSET))
}

#[test]
fn the_schema_extract_is_complete_and_current() {
    if Path::new(FULL_SPEC).exists() {
        check_extract_against_full_spec();
    }
    assert_eq!(spec().dangling_refs(), Vec::<String>::new());
}

fn check_extract_against_full_spec() {
    let mut fresh = Spec::load(FULL_SPEC).extract(&ROOTS);
    fresh["x-source"] = json!(
        "The chat-completion schemas of OpenAI's openapi.yaml (MIT License, Copyright (c) OpenAI), \
         extracted by crates/llm-client/tests/schema_validation. Do not edit by hand."
    );
    if std::env::var_os("UPDATE_OPENAPI_SUBSET").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(SUBSET, text).unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(SUBSET).unwrap()).unwrap();
    assert!(
        committed == fresh,
        "{SUBSET} is out of date with {FULL_SPEC}; rerun with UPDATE_OPENAPI_SUBSET=1"
    );
}

fn conversation() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::new(
                Role::System,
                "Ты менеджер Bitrix24. Отвечай блоками THOUGHT/ACTION/ASSISTANT.",
            ),
            ChatMessage::new(
                Role::User,
                "создай задачу Ивану позвонить ООО Ромашка завтра в 10",
            ),
            ChatMessage::new(
                Role::Assistant,
                "THOUGHT: найти Ивана\nACTION: {\"method\": \"user.search\", \"params\": {\"NAME\": \"Иван\"}}",
            ),
            ChatMessage::new(Role::User, "OBSERVATION: [{\"ID\": \"7\"}]"),
        ],
        stop: vec!["OBSERVATION:".into()],
        max_output_tokens: Some(700),
    }
}

/// Client configurations covering every option the client can send.
fn configurations() -> Vec<OpenAiConfig> {
    let schema_format = ResponseFormat::JsonSchema {
        json_schema: JsonSchemaFormat {
            name: "agent_step".into(),
            description: Some("One step of the agent protocol".into()),
            schema: Some(json!({"type": "object", "properties": {"thought": {"type": "string"}}})),
            strict: Some(false),
        },
    };
    vec![
        OpenAiConfig::new("gpt-4o-mini"),
        OpenAiConfig::new("gpt-4o-mini")
            .with_temperature(0.2)
            .with_max_output_tokens(1000)
            .with_stop(["END", "Observation:", "OBSERVATION:"])
            .with_response_format(ResponseFormat::JsonObject),
        OpenAiConfig::new("gpt-4.1").with_response_format(schema_format.clone()),
        OpenAiConfig::new("gpt-4.1").with_response_format(ResponseFormat::Text),
        OpenAiConfig::new("o3-mini")
            .with_temperature(0.2)
            .with_reasoning_effort(ReasoningEffort::Low)
            .with_stop(["END"]),
        OpenAiConfig::new("gpt-5-mini")
            .with_reasoning_effort(ReasoningEffort::Minimal)
            .with_response_format(schema_format),
        OpenAiConfig::new("qwen2.5:7b").with_stop(["a", "b", "c", "d", "e", "f"]),
    ]
}

#[test]
fn the_extract_has_the_schemas_we_rely_on() {
    for name in ROOTS
        .into_iter()
        .chain(["ChatCompletionRequestMessage", "CompletionUsage"])
    {
        spec().schema(name);
    }
}

#[test]
fn every_request_we_build_matches_the_schema() {
    for config in configurations() {
        let model = config.model.clone();
        let client = OpenAiClient::new(config.with_api_key("sk-x")).unwrap();
        let body = client.request_body(&conversation());
        let report = spec().validate("CreateChatCompletionRequest", &body);
        assert!(
            report.errors.is_empty(),
            "{model}: {body}\n{:#?}",
            report.errors
        );
        // `max_tokens` is deprecated but is what most compatible servers understand; it is
        // sent to standard models only. Nothing else we send is deprecated.
        let expected: &[&str] = if body.get("max_tokens").is_some() {
            &["$.max_tokens"]
        } else {
            &[]
        };
        assert_eq!(report.deprecated, expected, "{model}");
    }
}

#[tokio::test]
async fn what_the_server_receives_matches_the_schema() {
    let api = FakeApi::start().await;
    for config in configurations() {
        let config = config
            .with_api_base(api.base())
            .with_api_key(common::TEST_KEY);
        OpenAiClient::new(config)
            .unwrap()
            .complete(&conversation())
            .await
            .unwrap();
    }
    let received = api.received_on(CHAT);
    assert_eq!(received.len(), configurations().len());
    for request in received {
        let report = spec().validate("CreateChatCompletionRequest", &request.body);
        assert!(
            report.errors.is_empty(),
            "{}\n{:#?}",
            request.body,
            report.errors
        );
    }
}

#[test]
fn the_validator_catches_bad_requests() {
    let good = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    assert!(
        spec()
            .validate("CreateChatCompletionRequest", &good)
            .errors
            .is_empty()
    );

    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let mut no_model = good.clone();
    no_model.as_object_mut().unwrap().remove("model");
    let cases = [
        (no_model, "missing required property `model`"),
        (
            with("max_tokenz", json!(5)),
            "property `max_tokenz` is not in the schema",
        ),
        (with("temperature", json!("hot")), "$.temperature"),
        (with("temperature", json!(3.0)), "above the maximum"),
        (
            with("max_completion_tokens", json!(1.5)),
            "expected type integer",
        ),
        (with("messages", json!([])), "fewer than minItems"),
        (
            with("messages", json!([{"role": "robot", "content": "x"}])),
            "0 of 6 oneOf branches",
        ),
        (
            with("messages", json!([{"role": "user"}])),
            "missing required property `content`",
        ),
        (with("stop", json!(["a", "b", "c", "d", "e"])), "$.stop"),
        (
            with("reasoning_effort", json!("extreme")),
            "$.reasoning_effort",
        ),
        (
            with("response_format", json!({"type": "json_schema"})),
            "$.response_format",
        ),
    ];
    for (body, expected) in cases {
        let report = spec().validate("CreateChatCompletionRequest", &body);
        let all = report.errors.join("\n");
        assert!(
            all.contains(expected),
            "expected {expected:?} for {body}, got:\n{all}"
        );
    }
}

#[test]
fn reply_fixtures_are_real_shaped() {
    for name in ["chat_completion.json", "chat_completion_reasoning.json"] {
        let report = spec().validate("CreateChatCompletionResponse", &fixture(name));
        assert!(report.errors.is_empty(), "{name}: {:#?}", report.errors);
    }
    for name in [
        "error_invalid_key.json",
        "error_insufficient_quota.json",
        "error_rate_limit.json",
        "error_context_length.json",
        "error_unsupported_max_tokens.json",
        "error_unsupported_temperature.json",
        "error_server.json",
    ] {
        let report = spec().validate("ErrorResponse", &fixture(name));
        assert!(report.errors.is_empty(), "{name}: {:#?}", report.errors);
    }
    // vLLM's reply carries fields the schema lacks; the client reads it anyway (see chat.rs).
    let report = spec().validate(
        "CreateChatCompletionResponse",
        &fixture("chat_completion_vllm.json"),
    );
    let all = report.errors.join("\n");
    assert!(
        all.contains("property `kv_transfer_params` is not in the schema"),
        "{all}"
    );
    assert!(
        all.contains("property `reasoning_content` is not in the schema"),
        "{all}"
    );
}

#[cfg(feature = "stream")]
#[tokio::test]
async fn streaming_requests_match_the_schema() {
    let api = FakeApi::start().await;
    for config in configurations() {
        let config = config
            .with_api_base(api.base())
            .with_api_key(common::TEST_KEY);
        OpenAiClient::new(config)
            .unwrap()
            .complete_streaming(&conversation(), &mut |_| {})
            .await
            .unwrap();
    }
    for request in api.received_on(CHAT) {
        assert_eq!(request.body["stream"], true);
        let report = spec().validate("CreateChatCompletionRequest", &request.body);
        assert!(
            report.errors.is_empty(),
            "{}\n{:#?}",
            request.body,
            report.errors
        );
    }
}
