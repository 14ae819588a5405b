//! The scripted model, and the mockall mock behind the `mock` feature.

use std::sync::Arc;

use llm_client::{
    ChatMessage, ChatModel, ChatReply, ChatRequest, LlmError, Role, ScriptedModel, ScriptedReply,
    Usage,
};

fn ask(text: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::new(Role::System, "rules"),
            ChatMessage::new(Role::User, text),
        ],
        stop: vec!["OBSERVATION:".into()],
        max_output_tokens: None,
    }
}

#[tokio::test]
async fn replies_in_order_then_runs_out() {
    let model = ScriptedModel::from_replies(["first", "second"]);
    assert_eq!(model.remaining(), 2);
    assert_eq!(model.complete(&ask("a")).await.unwrap().content, "first");
    assert_eq!(model.complete(&ask("b")).await.unwrap().content, "second");
    let err = model.complete(&ask("c")).await.unwrap_err();
    assert!(
        matches!(err, LlmError::ScriptExhausted { request_number: 3 }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the scripted model has no reply left for request #3"
    );
    let asked: Vec<String> = model
        .requests()
        .iter()
        .map(|r| r.messages[1].content.clone())
        .collect();
    assert_eq!(asked, ["a", "b", "c"]);
    assert_eq!(model.calls(), 3);
}

#[tokio::test]
async fn rules_match_the_last_message_before_the_queue() {
    let model = ScriptedModel::new()
        .then("THOUGHT: plan\nACTION: {\"method\": \"crm.deal.list\"}")
        .when_last_message_contains("OBSERVATION: []", "ASSISTANT: Сделок нет.")
        .when_last_message_contains("OBSERVATION:", "ASSISTANT: Есть сделки.");
    let first = model.complete(&ask("какие сделки?")).await.unwrap();
    assert!(first.content.starts_with("THOUGHT"));
    let empty = model.complete(&ask("OBSERVATION: []")).await.unwrap();
    assert_eq!(empty.content, "ASSISTANT: Сделок нет.");
    // Rules stay and match again; the first added wins.
    let again = model.complete(&ask("OBSERVATION: []")).await.unwrap();
    assert_eq!(again.content, "ASSISTANT: Сделок нет.");
    let some = model
        .complete(&ask("OBSERVATION: [{\"ID\": 1}]"))
        .await
        .unwrap();
    assert_eq!(some.content, "ASSISTANT: Есть сделки.");
    // Only the last message counts.
    let mut earlier = ask("no match here");
    earlier
        .messages
        .insert(1, ChatMessage::new(Role::User, "OBSERVATION: []"));
    assert!(model.complete(&earlier).await.is_err());
    assert_eq!(model.last_request().unwrap(), earlier);
}

#[tokio::test]
async fn scripted_errors_and_full_replies() {
    let reply = ChatReply {
        content: "ASSISTANT: ok".into(),
        finish_reason: Some("stop".into()),
        usage: Usage {
            prompt_tokens: 100,
            completion_tokens: 5,
            reasoning_tokens: 0,
        },
        latency: std::time::Duration::from_millis(40),
    };
    let model = Arc::new(
        ScriptedModel::new()
            .named("gpt-test")
            .then(LlmError::unreachable("127.0.0.1:1: connection refused"))
            .then(reply.clone()),
    );
    let dynamic: Arc<dyn ChatModel> = model.clone();
    assert_eq!(dynamic.model_name(), "gpt-test");
    let err = dynamic.complete(&ask("x")).await.unwrap_err();
    assert!(err.availability().is_some());
    assert_eq!(dynamic.complete(&ask("x")).await.unwrap(), reply);
    model.push(ScriptedReply::text("pushed later"));
    assert_eq!(
        dynamic.complete(&ask("x")).await.unwrap().content,
        "pushed later"
    );
}

#[tokio::test]
async fn replies_are_verbatim_unless_stop_is_emulated() {
    let text = "ACTION: {}\nOBSERVATION: invented";
    let verbatim = ScriptedModel::from_replies([text]);
    assert_eq!(verbatim.complete(&ask("x")).await.unwrap().content, text);
    let stopping = ScriptedModel::from_replies([text]).with_stop_emulation();
    assert_eq!(
        stopping.complete(&ask("x")).await.unwrap().content,
        "ACTION: {}\n"
    );
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn the_mock_implements_the_trait() {
    let mut mock = llm_client::MockChatModel::new();
    mock.expect_model_name().return_const("mocked".to_owned());
    mock.expect_complete()
        .withf(|req| req.messages.len() == 2)
        .times(1)
        .returning(|_| Err(LlmError::NoKey));
    let model: Box<dyn ChatModel> = Box::new(mock);
    assert_eq!(model.model_name(), "mocked");
    assert!(model.complete(&ask("x")).await.unwrap_err().is_auth());
}
