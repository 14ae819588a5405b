//! Degraded mode: no model, the reply says why and what to set; explicit commands still run
//! under the same policy.

mod common;

use std::sync::Arc;

use agent_core::{Agent, Decision, EndReason, ManualClock, Mode, ModelAccess, Reason};
use common::{FakePortal, config, t0};
use llm_client::{Availability, LlmError, MockChatModel};
use state_store::MemoryStore;

fn degraded_agent(mode: Mode, availability: Availability) -> (Agent, Arc<FakePortal>) {
    let portal = FakePortal::new();
    let clock = Arc::new(ManualClock::new(t0()));
    let agent = Agent::new(
        portal.clone(),
        ModelAccess::Unavailable(availability),
        Arc::new(MemoryStore::new()),
        config(mode, &clock),
    );
    (agent, portal)
}

#[tokio::test]
async fn the_reply_explains_what_to_set_in_the_users_language() {
    let (agent, portal) = degraded_agent(Mode::Full, Availability::NoKey);
    let ru = agent.turn("ivan", "какие сделки в работе?").await.unwrap();
    assert!(ru.is_degraded());
    assert_eq!(ru.record.end, EndReason::Degraded);
    assert!(
        ru.reply.contains("OPENAI_API_KEY") && ru.reply.contains("Модель недоступна"),
        "{}",
        ru.reply
    );
    assert!(ru.reply.contains("/call"), "{}", ru.reply);
    let en = agent.turn("john", "which deals are open?").await.unwrap();
    assert!(
        en.reply.starts_with("The model is unavailable"),
        "{}",
        en.reply
    );
    assert!(portal.sent().is_empty());
    insta::assert_snapshot!("degraded_reply_ru", ru.reply);

    let (agent, _) = degraded_agent(
        Mode::Full,
        Availability::Unreachable {
            detail: "connection refused".into(),
        },
    );
    let reply = agent.turn("ivan", "привет").await.unwrap().reply;
    assert!(
        reply.contains("OPENAI_API_BASE") && reply.contains("connection refused"),
        "{reply}"
    );
    let (agent, _) = degraded_agent(Mode::Full, Availability::QuotaExhausted);
    assert!(
        agent
            .turn("ivan", "привет")
            .await
            .unwrap()
            .reply
            .contains("квота")
    );
}

#[tokio::test]
async fn explicit_commands_run_under_the_same_policy() {
    let (agent, portal) = degraded_agent(Mode::Shadow, Availability::NoKey);
    let read = agent
        .turn("ivan", r#"/call crm.deal.get {"id": 4512}"#)
        .await
        .unwrap();
    assert_eq!(portal.sent(), ["crm.deal.get"]);
    assert_eq!(
        read.record.calls[0].origin,
        agent_core::record::CallOrigin::User
    );
    assert!(read.reply.contains("ООО Ромашка"), "{}", read.reply);

    let write = agent
        .turn("ivan", r#"ACTION: {"method": "crm.deal.update", "params": {"id": 4512, "fields": {"TITLE": "x"}}}"#)
        .await
        .unwrap();
    assert_eq!(
        portal.sent().len(),
        1,
        "shadow mode plans writes, commands included"
    );
    assert_eq!(write.record.calls[0].reason, Reason::ShadowMode);
    assert!(
        write.reply.contains("planned only, not run"),
        "{}",
        write.reply
    );

    let refused = agent.turn("ivan", "/call batch {}").await.unwrap();
    assert_eq!(refused.record.calls[0].reason, Reason::NotInCatalog);
    let bad = agent
        .turn("ivan", "/call crm.deal.get {id: 1}")
        .await
        .unwrap();
    // Only commands so far: the reply language stays English (nothing Cyrillic was typed).
    assert!(
        bad.reply.contains("Could not read the command"),
        "{}",
        bad.reply
    );
}

#[tokio::test]
async fn risky_commands_need_consent_even_without_a_model() {
    let (agent, portal) = degraded_agent(Mode::Full, Availability::NoKey);
    let held = agent
        .turn("ivan", r#"/call crm.deal.delete {"id": 5}"#)
        .await
        .unwrap();
    assert_eq!(held.record.end, EndReason::ConsentRequested);
    assert!(portal.sent().is_empty());
    // Typing "confirmed": true is not consent either.
    let claimed = agent
        .turn(
            "ivan",
            r#"ACTION: {"method": "crm.deal.delete", "params": {"id": 5}, "confirmed": true}"#,
        )
        .await
        .unwrap();
    assert_eq!(claimed.record.calls[0].decision, Decision::Refuse);
    assert!(portal.sent().is_empty());
    // The pending action lapsed with that message; hold it again and consent.
    agent
        .turn("ivan", r#"/call crm.deal.delete {"id": 5}"#)
        .await
        .unwrap();
    let done = agent.turn("ivan", "да").await.unwrap();
    assert_eq!(done.record.end, EndReason::ConsentExecuted);
    assert_eq!(portal.sent(), ["crm.deal.delete"]);
    assert!(done.reply.contains("выполнено"), "{}", done.reply);
}

#[tokio::test]
async fn a_model_that_turns_out_unreachable_degrades_the_turn() {
    let mut model = MockChatModel::new();
    model
        .expect_model_name()
        .return_const("gpt-test".to_owned());
    model
        .expect_complete()
        .times(1)
        .returning(|_| Err(LlmError::unreachable("dns error")));
    let portal = FakePortal::new();
    let clock = Arc::new(ManualClock::new(t0()));
    let agent = Agent::new(
        portal.clone(),
        ModelAccess::Ready(Arc::new(model)),
        Arc::new(MemoryStore::new()),
        config(Mode::Full, &clock),
    );
    let outcome = agent
        .turn("ivan", r#"/call crm.deal.get {"id": 1}"#)
        .await
        .unwrap();
    assert!(outcome.is_degraded());
    assert!(matches!(
        outcome.record.degraded,
        Some(Availability::Unreachable { .. })
    ));
    assert_eq!(portal.sent(), ["crm.deal.get"]);
}

#[test]
fn from_probe_picks_degraded_mode_for_anything_but_ready() {
    let model: Arc<dyn llm_client::ChatModel> = Arc::new(MockChatModel::new());
    assert!(matches!(
        ModelAccess::from_probe(model.clone(), Availability::Ready),
        ModelAccess::Ready(_)
    ));
    assert!(matches!(
        ModelAccess::from_probe(model, Availability::KeyRejected),
        ModelAccess::Unavailable(Availability::KeyRejected)
    ));
}

#[test]
fn turns_can_run_on_a_multithreaded_runtime() {
    fn is_send<T: Send>(_: &T) {}
    let (agent, _) = degraded_agent(Mode::Full, Availability::NoKey);
    let turn = agent.turn("ivan", "привет");
    is_send(&turn);
    fn is_sync<T: Send + Sync>(_: &T) {}
    is_sync(&agent);
}
