//! The whole scripted suite under `evals/` passes, through the real agent and a real sandbox.

use std::path::PathBuf;

use agent_eval::{ModelChoice, Status, load_dir, run_suite};

fn evals_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../evals")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scripted_scenario_passes() {
    let scenarios = load_dir(&evals_dir()).expect("the scenario files load");
    assert!(scenarios.len() >= 30, "only {} scenarios", scenarios.len());
    let report = run_suite(&scenarios, &ModelChoice::Scripted).await;
    assert!(report.all_passed(), "\n{}", report.render());
    assert!(report.scenarios.iter().all(|r| r.status == Status::Passed));
    let calls: usize = report.scenarios.iter().map(|r| r.model_calls).sum();
    assert!(
        calls > scenarios.len(),
        "the model was barely used: {calls} calls"
    );
}

#[test]
fn the_suite_covers_what_issue_8_asks_for() {
    let scenarios = load_dir(&evals_dir()).expect("the scenario files load");
    let tagged = |tag: &str| {
        scenarios
            .iter()
            .filter(|(_, s)| s.tags.iter().any(|t| t == tag))
            .count()
    };
    for (tag, at_least) in [
        ("read", 6),
        ("write", 10),
        ("memory", 2),
        ("consent", 8),
        ("injection", 2),
        ("malformed", 8),
        ("portal_error", 4),
        ("degraded", 4),
        ("shadow", 1),
        ("canary", 3),
        ("full", 3),
    ] {
        assert!(
            tagged(tag) >= at_least,
            "{tag}: {} < {at_least}",
            tagged(tag)
        );
    }
    let russian = scenarios
        .iter()
        .filter(|(_, s)| {
            s.turns.iter().any(|t| {
                t.user
                    .chars()
                    .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
            })
        })
        .count();
    assert!(
        russian * 4 >= scenarios.len() * 3,
        "most scenarios are in Russian: {russian}"
    );
    let kinds: std::collections::BTreeSet<String> = scenarios
        .iter()
        .flat_map(|(_, s)| s.turns.iter())
        .flat_map(|t| t.expect.parse_errors.iter().flatten())
        .map(|k| format!("{k:?}"))
        .collect();
    assert_eq!(kinds.len(), 16, "every class of malformed reply: {kinds:?}");
}
