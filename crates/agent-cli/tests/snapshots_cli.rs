//! insta snapshots of what the CLI prints: `--help`, a reply and `--json` output.

mod support;

use serde_json::Value;
use support::World;

#[tokio::test]
async fn help_lists_every_option_and_variable_but_no_value() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "sk-help-must-not-show-this";
    let env = vec![("OPENAI_API_KEY".to_owned(), secret.to_owned())];
    let run = support::run_in(dir.path(), &env, &["--help"]).await;
    assert_eq!(run.code, 0);
    assert!(!run.stdout.contains(secret));
    for variable in agent_cli::config::VARIABLES {
        assert!(run.stdout.contains(variable), "--help describes {variable}");
    }
    insta::assert_snapshot!("help", run.stdout);
}

#[test]
fn readme_documents_every_variable() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for variable in agent_cli::config::VARIABLES {
        assert!(
            readme.contains(&format!("`{variable}`")),
            "README.md documents {variable}"
        );
    }
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = support::run_in(dir.path(), &[], &["ivan"]).await;
    assert_eq!(run.code, 2);
    let run = support::run_in(dir.path(), &[], &["ivan", "hi", "--mode", "reckless"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("shadow"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn reply_and_json_output() {
    let world = World::new(&[
        "THOUGHT: ищу сделку\nACTION: {\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}",
        "ASSISTANT: Сделка 1 найдена.",
        "ACTION: {\"method\": \"crm.deal.update\", \"params\": {\"id\": 1, \"fields\": {\"COMMENTS\": \"перезвонить\"}}}",
        "ASSISTANT: Комментарий запланирован: в режиме shadow изменения не выполняются.",
    ])
    .await;
    let run = world.turn(&["ivan", "найди сделку 1"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("reply_stdout", run.stdout);

    let run = world
        .turn(&["ivan", "добавь к ней комментарий", "--json"])
        .await;
    let mut out: Value = serde_json::from_str(&run.stdout).unwrap();
    normalise(&mut out);
    insta::assert_json_snapshot!("json_output", out);
}

/// Replaces values that change between runs.
fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    "turn_id" => *v = "[turn-id]".into(),
                    "duration_ms" => *v = "[ms]".into(),
                    "created_at" | "expires_at" | "started_at" | "finished_at" | "touched_at"
                    | "at" => *v = "[time]".into(),
                    _ => normalise(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}
