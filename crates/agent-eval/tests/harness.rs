//! Tests of the harness itself: a wrong expectation of any kind fails the scenario, scripts
//! that do not fit the agent's requests are reported, live runs check only what they should,
//! and bad scenario files are refused with a clear message.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agent_core::{Decision, EndReason};
use agent_eval::scenario::{CallExpect, PortalExpect, ScriptStep};
use agent_eval::{ModelChoice, Scenario, ScenarioReport, Status, run_scenario};
use llm_client::ScriptedModel;
use serde_json::json;

fn load(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../evals")
        .join(format!("{name}.yaml"));
    Scenario::load(&path).expect("the scenario loads")
}

async fn run(scenario: &Scenario) -> ScenarioReport {
    run_scenario(scenario, Path::new("test.yaml"), &ModelChoice::Scripted).await
}

/// Runs a mutated scenario and asserts it fails with a problem containing `needle`.
async fn fails_with(scenario: &Scenario, needle: &str) {
    let report = run(scenario).await;
    assert_eq!(report.status, Status::Failed, "{:?}", report.problems);
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "expected a problem with {needle:?}, got {:?}",
        report.problems
    );
}

#[tokio::test]
async fn the_unchanged_scenario_passes() {
    let report = run(&load("write_update_deal_amount")).await;
    assert_eq!(report.status, Status::Passed, "{:?}", report.problems);
    assert_eq!((report.turns, report.model_calls), (1, 2));
    assert_eq!(report.portal_requests, 3, "context (2) plus the update");
    assert!(report.tokens() > 0 && report.tokens_estimated);
}

#[tokio::test]
async fn wrong_reply_words_fail() {
    let mut s = load("write_update_deal_amount");
    s.turns[0]
        .expect
        .reply_contains
        .push("миллион долларов".into());
    fails_with(&s, "reply lacks \"миллион долларов\"").await;

    let mut s = load("write_update_deal_amount");
    s.turns[0]
        .expect
        .reply_not_contains
        .push("1 200 000".into());
    fails_with(&s, "reply contains \"1 200 000\"").await;
}

#[tokio::test]
async fn wrong_portal_state_fails() {
    let mut s = load("write_update_deal_amount");
    s.expect.portal[0]
        .fields
        .insert("OPPORTUNITY".into(), json!(1_200_001));
    fails_with(&s, "deals #44 OPPORTUNITY is").await;

    let mut s = load("write_update_deal_amount");
    s.expect.portal.push(PortalExpect {
        table: "deals".into(),
        id: Some(44),
        unchanged: true,
        ..PortalExpect::default()
    });
    fails_with(&s, "deals #44 changed: OPPORTUNITY").await;

    let mut s = load("write_create_deal");
    s.expect.portal[0].created = Some(2);
    fails_with(&s, "expected 2 new row(s) in deals").await;

    let mut s = load("consent_refused");
    s.expect.portal = vec![PortalExpect {
        table: "deals".into(),
        id: Some(10),
        deleted: true,
        ..PortalExpect::default()
    }];
    fails_with(&s, "deals #10 still exists").await;
}

#[tokio::test]
async fn wrong_policy_decisions_fail() {
    let mut s = load("consent_delete_yes");
    let calls = s.turns[0].expect.calls.as_mut().expect("calls are listed");
    calls[0].decision = Some(Decision::Execute);
    fails_with(&s, "actions: expected [crm.lead.delete decision=execute").await;

    let mut s = load("consent_delete_yes");
    s.turns[0].expect.never.push(CallExpect {
        method: "crm.lead.delete".into(),
        decision: Some(Decision::Hold),
        ..CallExpect::default()
    });
    fails_with(&s, "forbidden action happened: crm.lead.delete hold").await;

    let mut s = load("consent_delete_yes");
    s.turns[0].expect.pending = Some(false);
    fails_with(&s, "pending action: expected none, found crm.lead.delete").await;

    let mut s = load("consent_delete_yes");
    s.turns[1].expect.end = Some(EndReason::ConsentRefused);
    fails_with(&s, "end: expected consent_refused, found answered").await;
}

#[tokio::test]
async fn wrong_call_counts_prompts_and_memory_fail() {
    let mut s = load("consent_delete_yes");
    s.expect
        .portal_calls
        .made
        .insert("crm.lead.delete".into(), 2);
    fails_with(&s, "served crm.lead.delete 1 time(s), expected 2").await;

    let mut s = load("consent_delete_yes");
    s.expect
        .portal_calls
        .not_made
        .push("crm.lead.delete".into());
    fails_with(&s, "the portal served crm.lead.delete 1 time(s)").await;

    let mut s = load("memory_it_reference");
    s.turns[1].expect.prompt_contains.push("deal #33".into());
    fails_with(&s, "the model was never shown \"deal #33\"").await;

    let mut s = load("memory_it_reference");
    s.expect.remembers.push("deal #1".into());
    fails_with(&s, "memory lacks deal #1 (remembers: deal #32)").await;

    let mut s = load("malformed_json_recovers");
    s.turns[0].expect.parse_errors = Some(Vec::new());
    fails_with(&s, "parse errors: expected [], found [\"invalid_json\"").await;
}

#[tokio::test]
async fn scripts_that_do_not_fit_are_reported() {
    let mut s = load("write_update_deal_amount");
    s.turns[0]
        .script
        .push(ScriptStep::Reply("ASSISTANT: лишний ответ".into()));
    fails_with(&s, "1 scripted reply was never requested").await;

    let mut s = load("write_update_deal_amount");
    s.turns[0].script.pop();
    fails_with(&s, "asked the model more often than the script answers").await;
}

#[tokio::test]
async fn live_runs_check_state_and_policy_only() {
    let s = load("consent_delete_yes");
    // A "live" model that answers exactly like the script, but with different wording.
    let model = ScriptedModel::from_replies([
        "ACTION: {\"method\": \"crm.lead.delete\", \"params\": {\"id\": 5}}",
        "ASSISTANT: Done.",
    ]);
    let live = ModelChoice::Live(Arc::new(model));
    let report = run_scenario(&s, Path::new("x.yaml"), &live).await;
    assert_eq!(report.status, Status::Passed, "{:?}", report.problems);
    assert!(!report.tokens_estimated);

    let mut wrong = s.clone();
    wrong.expect.portal[0].deleted = false;
    wrong.expect.portal[0].unchanged = true;
    let model = ScriptedModel::from_replies([
        "ACTION: {\"method\": \"crm.lead.delete\", \"params\": {\"id\": 5}}",
        "ASSISTANT: Done.",
    ]);
    let report = run_scenario(
        &wrong,
        Path::new("x.yaml"),
        &ModelChoice::Live(Arc::new(model)),
    )
    .await;
    assert_eq!(
        report.status,
        Status::Failed,
        "portal state is checked live"
    );

    let scripted_only = load("malformed_gives_up");
    let model = Arc::new(ScriptedModel::new());
    let report = run_scenario(
        &scripted_only,
        Path::new("x.yaml"),
        &ModelChoice::Live(model),
    )
    .await;
    assert_eq!(report.status, Status::Skipped);
}

#[tokio::test]
async fn setup_failures_are_errors_without_secrets() {
    let text = r#"
name: bad_setup
portal:
  setup:
    - {method: crm.nothing.here, params: {}}
turns:
  - user: привет
    script: ["ASSISTANT: привет"]
"#;
    let s = Scenario::parse(text, false).expect("valid file");
    let report = run(&s).await;
    assert_eq!(report.status, Status::Error);
    let problem = report.problems.join("\n");
    assert!(
        problem.contains("setup call #1 (crm.nothing.here) failed"),
        "{problem}"
    );
    assert!(
        !problem.contains("/rest/"),
        "the webhook must not leak: {problem}"
    );
}

#[test]
fn bad_scenario_files_are_refused_clearly() {
    let unknown_key =
        "name: x\nturns:\n  - user: hi\n    script: []\n    expect: {reply_contain: [a]}\n";
    let err = Scenario::parse(unknown_key, false).unwrap_err();
    assert!(err.contains("unknown field `reply_contain`"), "{err}");

    let no_turns = "name: x\nturns: []\n";
    assert!(
        Scenario::parse(no_turns, false)
            .unwrap_err()
            .contains("at least one turn")
    );

    let script_without_model =
        "name: x\nmodel: no_key\nturns:\n  - user: hi\n    script: [\"ASSISTANT: a\"]\n";
    assert!(
        Scenario::parse(script_without_model, false)
            .unwrap_err()
            .contains("model is unavailable")
    );

    let vague = "name: x\nturns:\n  - user: hi\nexpect:\n  portal:\n    - {table: deals}\n";
    assert!(
        Scenario::parse(vague, false)
            .unwrap_err()
            .contains("nothing to check")
    );

    let both = "name: x\nturns:\n  - user: hi\nexpect:\n  portal:\n    - {table: deals, id: 1, created: 1}\n";
    assert!(
        Scenario::parse(both, false)
            .unwrap_err()
            .contains("either `id` or `created`")
    );

    let json = r#"{"name": "j", "turns": [{"user": "hi", "script": ["ASSISTANT: a"]}]}"#;
    assert_eq!(Scenario::parse(json, true).unwrap().name, "j");
}

#[test]
fn duplicate_names_in_a_directory_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let body = "name: same\nturns:\n  - user: hi\n    script: [\"ASSISTANT: a\"]\n";
    std::fs::write(dir.path().join("a.yaml"), body).unwrap();
    std::fs::write(dir.path().join("b.yml"), body).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let err = agent_eval::load_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("already used"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    assert!(
        agent_eval::load_dir(empty.path())
            .unwrap_err()
            .to_string()
            .contains("no scenario files")
    );
}
