//! Every consent path: accept, refuse, ignore, expire, self-confirmation, changed params.

mod common;

use agent_core::consent::Resolution;
use agent_core::{Decision, EndReason, Mode, Reason};
use chrono::TimeDelta;
use common::{FakePortal, ScriptModel, World, decisions};

const DELETE_5: &str = r#"THOUGHT: the user wants deal 5 gone
ACTION: {"method": "crm.deal.delete", "params": {"id": 5}}"#;

/// Turn 1 of every path: the model asks to delete deal 5; the policy holds it.
async fn held_world() -> World {
    let model = ScriptModel::new([DELETE_5]);
    let world = World::new(Mode::Full, FakePortal::new(), model);
    let outcome = world.agent.turn("ivan", "удали сделку 5").await.unwrap();
    assert_eq!(outcome.record.end, EndReason::ConsentRequested);
    assert!(
        world.portal.sent().is_empty(),
        "nothing runs before consent"
    );
    let pending = outcome.pending_action().expect("a pending action");
    assert_eq!(pending.method, "crm.deal.delete");
    assert_eq!(
        pending.expires_at - pending.created_at,
        TimeDelta::minutes(15)
    );
    assert!(
        outcome.reply.contains("crm.deal.delete {\"id\":5}"),
        "{}",
        outcome.reply
    );
    assert!(outcome.reply.contains("«да»"), "{}", outcome.reply);
    assert_record!("held_turn", &outcome.record);
    world
}

#[tokio::test]
async fn accept_runs_exactly_the_held_action_once_and_tells_the_model() {
    let world = held_world().await;
    world
        .model
        .push(["THOUGHT: it ran\nASSISTANT: Сделка 5 удалена."]);
    let outcome = world.agent.turn("ivan", "да").await.unwrap();
    assert_eq!(world.portal.sent(), ["crm.deal.delete"]);
    assert_eq!(
        world.portal.calls.lock().unwrap()[0].1,
        serde_json::json!({"id": 5})
    );
    assert!(matches!(
        outcome.record.consent,
        Some(Resolution::Consented(_))
    ));
    assert_eq!(
        decisions(&outcome.record),
        [(
            "crm.deal.delete".into(),
            Decision::Execute,
            Reason::ConsentGiven
        )]
    );
    // The model saw the user's "да" followed by the observation of the released action.
    let last = world.model.last_message_of(1);
    assert!(
        last.starts_with("OBSERVATION: ") && last.contains("\"status\":\"ok\""),
        "{last}"
    );
    assert!(world.model.system_prompt_of(1).contains("consented"));
    assert_eq!(outcome.reply, "Сделка 5 удалена.");
    assert!(world.state("ivan").await.pending_action.is_none());
    assert_record!("consent_accepted", &outcome.record);

    // A second "да" has nothing to release.
    world.model.push(["ASSISTANT: Нечего подтверждать."]);
    world.agent.turn("ivan", "да").await.unwrap();
    assert_eq!(world.portal.sent().len(), 1);
}

#[tokio::test]
async fn refuse_drops_the_action_without_calling_the_model() {
    let world = held_world().await;
    let before = world.model.request_count();
    let outcome = world.agent.turn("ivan", "нет").await.unwrap();
    assert_eq!(outcome.record.end, EndReason::ConsentRefused);
    assert_eq!(world.model.request_count(), before);
    assert!(world.portal.sent().is_empty());
    assert!(outcome.reply.starts_with("Отменено"), "{}", outcome.reply);
    assert!(world.state("ivan").await.pending_action.is_none());
}

#[tokio::test]
async fn ignoring_drops_the_action_and_the_model_is_told() {
    let world = held_world().await;
    world.model.push(["ASSISTANT: Задач на сегодня нет."]);
    let outcome = world
        .agent
        .turn("ivan", "а какие у меня задачи?")
        .await
        .unwrap();
    assert!(matches!(
        outcome.record.consent,
        Some(Resolution::Lapsed(_))
    ));
    assert!(world.portal.sent().is_empty());
    assert!(world.model.system_prompt_of(1).contains("NOT confirmed"));
    assert!(world.state("ivan").await.pending_action.is_none());
    // "да" afterwards releases nothing.
    world
        .model
        .push(["ASSISTANT: Не понимаю, что подтвердить."]);
    world.agent.turn("ivan", "да").await.unwrap();
    assert!(world.portal.sent().is_empty());
}

#[tokio::test]
async fn consent_after_expiry_runs_nothing() {
    let world = held_world().await;
    world.clock.advance(TimeDelta::minutes(16));
    let outcome = world.agent.turn("ivan", "да").await.unwrap();
    assert_eq!(outcome.record.end, EndReason::ConsentExpired);
    assert!(world.portal.sent().is_empty());
    assert!(outcome.reply.contains("истёк"), "{}", outcome.reply);
    assert_eq!(world.model.request_count(), 1);
}

#[tokio::test]
async fn a_model_that_claims_consent_on_its_own_is_refused() {
    let model = ScriptModel::new([
        r#"THOUGHT: the user surely agrees
ACTION: {"method": "crm.deal.delete", "params": {"id": 5}, "confirmed": true}"#,
        "ASSISTANT: Не могу удалить без вашего подтверждения.",
    ]);
    let world = World::new(Mode::Full, FakePortal::new(), model.clone());
    let outcome = world
        .agent
        .turn("ivan", "удали сделку 5, я разрешаю")
        .await
        .unwrap();
    assert!(world.portal.sent().is_empty());
    assert_eq!(
        decisions(&outcome.record),
        [(
            "crm.deal.delete".into(),
            Decision::Refuse,
            Reason::SelfClaimedConsent
        )]
    );
    assert!(
        outcome.record.calls[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("consent comes only from the user")
    );
    assert!(model.last_message_of(1).contains("\"status\":\"refused\""));
    assert!(outcome.pending_action().is_none());
}

#[tokio::test]
async fn a_model_that_changes_params_after_consent_is_refused() {
    let world = held_world().await;
    world.model.push([
        r#"ACTION: {"method": "crm.deal.delete", "params": {"id": 6}, "confirmed": true}"#,
        r#"ACTION: {"method": "crm.deal.delete", "params": {"id": 5}, "confirmed": true}"#,
        "ASSISTANT: Удалена только сделка 5.",
    ]);
    let outcome = world.agent.turn("ivan", "да").await.unwrap();
    assert_eq!(world.portal.sent(), ["crm.deal.delete"]);
    assert_eq!(
        decisions(&outcome.record),
        [
            (
                "crm.deal.delete".into(),
                Decision::Execute,
                Reason::ConsentGiven
            ),
            (
                "crm.deal.delete".into(),
                Decision::Refuse,
                Reason::ChangedAfterConsent
            ),
            (
                "crm.deal.delete".into(),
                Decision::Refuse,
                Reason::ConsentAlreadyUsed
            ),
        ]
    );
}

#[tokio::test]
async fn a_claim_after_expiry_is_refused_as_expired() {
    let world = held_world().await;
    world.clock.advance(TimeDelta::minutes(20));
    world.model.push([
        r#"ACTION: {"method": "crm.deal.delete", "params": {"id": 5}, "confirmed": true}"#,
        "ASSISTANT: Нужно подтвердить заново.",
    ]);
    let outcome = world.agent.turn("ivan", "ну что, удалил?").await.unwrap();
    assert!(world.portal.sent().is_empty());
    assert_eq!(outcome.record.calls[0].reason, Reason::ConsentExpired);
}

#[tokio::test]
async fn several_risky_actions_are_held_together_and_released_together() {
    let model = ScriptModel::new([
        r#"ACTION: [{"method": "crm.deal.get", "params": {"id": 5}}, {"method": "crm.deal.delete", "params": {"id": 5}}, {"method": "crm.deal.delete", "params": {"id": 6}}, {"method": "crm.timeline.comment.add", "params": {"fields": {"ENTITY_ID": 7, "ENTITY_TYPE": "deal", "COMMENT": "Дубли удалены"}}}]"#,
    ]);
    let world = World::new(Mode::Full, FakePortal::new(), model);
    let outcome = world
        .agent
        .turn("ivan", "удали дубли 5 и 6 и отметь в 7")
        .await
        .unwrap();
    // The read ran; all three writes wait together.
    assert_eq!(world.portal.sent(), ["crm.deal.get"]);
    let pending = outcome.pending_action().unwrap();
    assert_eq!(pending.method, "batch");
    assert!(
        outcome.reply.contains("1. ") && outcome.reply.contains("3. "),
        "{}",
        outcome.reply
    );

    world.model.push(["ASSISTANT: Готово."]);
    let outcome = world.agent.turn("ivan", "/confirm").await.unwrap();
    assert_eq!(
        world.portal.sent(),
        [
            "crm.deal.get",
            "crm.deal.delete",
            "crm.deal.delete",
            "crm.timeline.comment.add"
        ]
    );
    assert_eq!(world.portal.batch_count(), 1);
    assert!(
        outcome
            .record
            .calls
            .iter()
            .all(|c| c.decision == Decision::Execute)
    );
}

#[tokio::test]
async fn bulk_writes_need_consent() {
    let comments: Vec<String> = (1..=6)
        .map(|i| format!(r#"{{"method": "crm.timeline.comment.add", "params": {{"fields": {{"ENTITY_ID": {i}, "ENTITY_TYPE": "deal", "COMMENT": "x"}}}}}}"#))
        .collect();
    let model = ScriptModel::new([format!("ACTION: [{}]", comments.join(","))]);
    let world = World::new(Mode::Full, FakePortal::new(), model);
    let outcome = world
        .agent
        .turn("ivan", "прокомментируй шесть сделок")
        .await
        .unwrap();
    assert!(world.portal.sent().is_empty());
    assert_eq!(outcome.record.end, EndReason::ConsentRequested);
    assert!(
        outcome.reply.contains("массовое изменение: 6"),
        "{}",
        outcome.reply
    );
}

#[tokio::test]
async fn an_edited_pending_action_is_never_run() {
    let world = held_world().await;
    let mut state = world.state("ivan").await;
    let pending = state.pending_action.as_mut().unwrap();
    pending.params = serde_json::json!({"id": 999});
    state_store::StateStore::save(&*world.store, &state)
        .await
        .unwrap();
    let outcome = world.agent.turn("ivan", "да").await.unwrap();
    assert_eq!(outcome.record.end, EndReason::ConsentDamaged);
    assert!(world.portal.sent().is_empty());
}
