//! Scenario tests of the three modes.

mod common;

use agent_core::{Decision, EndReason, Mode, Reason};
use common::{FakePortal, ScriptModel, World, decisions};

const UPDATE: &str = r#"THOUGHT: rename the deal
ACTION: {"method": "crm.deal.update", "params": {"id": 4512, "fields": {"TITLE": "Склад, 2 очередь"}}}"#;

#[tokio::test]
async fn shadow_reads_execute_and_writes_are_only_planned() {
    let model = ScriptModel::new([
        r#"THOUGHT: find the deal first
ACTION: {"method": "crm.deal.list", "params": {"filter": {"%TITLE": "Ромашка"}}}"#,
        UPDATE,
        "THOUGHT: it was only planned\nASSISTANT: Я в режиме shadow: переименование сделки только запланировано, ничего не изменено.",
    ]);
    let world = World::new(Mode::Shadow, FakePortal::new(), model.clone());
    let outcome = world
        .agent
        .turn("ivan", "переименуй сделку Ромашка в «Склад, 2 очередь»")
        .await
        .unwrap();

    assert_eq!(world.portal.sent(), ["crm.deal.list"]);
    assert_eq!(outcome.record.end, EndReason::Answered);
    assert_eq!(
        decisions(&outcome.record),
        [
            ("crm.deal.list".into(), Decision::Execute, Reason::Read),
            ("crm.deal.update".into(), Decision::Plan, Reason::ShadowMode)
        ]
    );
    // The model was told it was not executed.
    let observation = model.last_message_of(2);
    assert!(observation.starts_with("OBSERVATION: "), "{observation}");
    assert!(
        observation.contains("\"status\":\"planned\""),
        "{observation}"
    );
    assert!(observation.contains("NOT executed"), "{observation}");
    // The stop sequence is always sent.
    assert!(
        model
            .requests
            .lock()
            .unwrap()
            .iter()
            .all(|r| r.stop.contains(&"OBSERVATION:".to_owned()))
    );
    let state = world.state("ivan").await;
    assert_eq!(state.counters.actions_planned, 1);
    assert_eq!(state.counters.actions_executed, 1);
    assert_eq!(state.history.len(), 2);
    assert_eq!(state.history[1].actions[1].decision, "planned");
    assert_record!("shadow_turn", &outcome.record);
}

#[tokio::test]
async fn canary_runs_allowlisted_writes_within_the_budget_as_one_batch() {
    let comments: Vec<String> = (1..=4)
        .map(|i| format!(r#"{{"method": "crm.timeline.comment.add", "params": {{"fields": {{"ENTITY_ID": {i}, "ENTITY_TYPE": "deal", "COMMENT": "Позвонить"}}}}}}"#))
        .collect();
    let model = ScriptModel::new([
        format!(
            "THOUGHT: comment on four deals\nACTION: [{}]",
            comments.join(", ")
        ),
        UPDATE.to_owned(),
        "ASSISTANT: Три комментария добавлены, четвёртый и переименование только запланированы."
            .to_owned(),
    ]);
    let world = World::new(Mode::Canary, FakePortal::new(), model);
    let outcome = world
        .agent
        .turn("ivan", "добавь комментарии и переименуй сделку")
        .await
        .unwrap();

    // Three comments went out as ONE batch; the fourth and the update were planned.
    assert_eq!(world.portal.batch_count(), 1);
    assert_eq!(world.portal.sent(), vec!["crm.timeline.comment.add"; 3]);
    let reasons: Vec<Reason> = outcome.record.calls.iter().map(|c| c.reason).collect();
    assert_eq!(
        reasons,
        [
            Reason::CanaryAllowlisted,
            Reason::CanaryAllowlisted,
            Reason::CanaryAllowlisted,
            Reason::CanaryBudgetSpent,
            Reason::NotInCanaryAllowlist
        ]
    );
    assert!(outcome.record.calls[..3].iter().all(|c| c.batched));
    // Memory learned which deals were touched.
    let state = world.state("ivan").await;
    let ids: Vec<u64> = state.memory.entities.iter().map(|e| e.id).collect();
    assert_eq!(ids, [3, 2, 1]);
}

#[tokio::test]
async fn full_mode_executes_writes_and_batches_several_reads() {
    let model = ScriptModel::new([
        r#"THOUGHT: two reads at once
ACTION: [{"method": "crm.deal.get", "params": {"id": 4512}}, {"method": "crm.contact.get", "params": {"id": 84}}]"#,
        UPDATE,
        "ASSISTANT: Готово: сделка #4512 переименована.",
    ]);
    let world = World::new(Mode::Full, FakePortal::new(), model);
    let outcome = world
        .agent
        .turn("ivan", "переименуй сделку 4512")
        .await
        .unwrap();
    assert_eq!(world.portal.batch_count(), 1);
    assert_eq!(world.portal.calls.lock().unwrap().len(), 1);
    assert_eq!(
        world.portal.sent(),
        ["crm.deal.update", "crm.deal.get", "crm.contact.get"]
    );
    assert_eq!(outcome.reply, "Готово: сделка #4512 переименована.");
    let state = world.state("ivan").await;
    assert_eq!(state.memory.entities[0].id, 4512);
    assert_eq!(
        state.memory.entities[0].title.as_deref(),
        Some("Склад, 2 очередь")
    );
}

#[tokio::test]
async fn methods_outside_the_catalog_are_refused_in_every_mode() {
    for mode in [Mode::Shadow, Mode::Canary, Mode::Full] {
        let model = ScriptModel::new([
            r#"ACTION: {"method": "crm.deal.userfield.delete", "params": {"id": 1}}"#,
            r#"ACTION: {"method": "batch", "params": {"cmd": {"a": "crm.contact.delete?id=1"}}}"#,
            "ASSISTANT: Это недоступно.",
        ]);
        let world = World::new(mode, FakePortal::new(), model.clone());
        let outcome = world.agent.turn("ivan", "удали поле").await.unwrap();
        assert!(world.portal.sent().is_empty(), "{mode}");
        assert!(
            outcome
                .record
                .calls
                .iter()
                .all(|c| c.reason == Reason::NotInCatalog)
        );
        assert!(model.last_message_of(1).contains("not in the catalog"));
    }
}

#[tokio::test]
async fn deal_moved_to_won_is_risky_even_via_crm_item() {
    let model = ScriptModel::new([
        r#"ACTION: {"method": "crm.item.update", "params": {"entityTypeId": 2, "id": 4512, "fields": {"stageId": "C1:WON"}}}"#,
    ]);
    let world = World::new(Mode::Full, FakePortal::new(), model);
    let outcome = world
        .agent
        .turn("ivan", "закрой сделку 4512 как выигранную")
        .await
        .unwrap();
    assert!(world.portal.sent().is_empty());
    assert_eq!(outcome.record.end, EndReason::ConsentRequested);
    assert!(outcome.reply.contains("C1:WON"), "{}", outcome.reply);
    assert!(outcome.reply.contains("подтвержд"), "{}", outcome.reply);
}
