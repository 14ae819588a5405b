//! End-to-end tests of the subcommands: `chat`, `api`, `sandbox` and `reset-state`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{World, run_with_input};
use tokio::io::AsyncBufReadExt;

#[tokio::test(flavor = "multi_thread")]
async fn chat_runs_one_turn_per_line_and_remembers() {
    let world = World::new(&["ASSISTANT: Привет!", "ASSISTANT: Вы написали дважды."]).await;
    let run = run_with_input(
        world.dir.path(),
        &world.env(),
        &["chat", "ivan"],
        Some("привет\nещё раз\n\nне дойдёт\n"),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Привет!") && run.stdout.contains("Вы написали дважды."),
        "{}",
        run.stdout
    );
    assert_eq!(
        world.log_records().len(),
        2,
        "the empty line ends the session"
    );
    // The second turn's prompt carries the first turn's history.
    let second = world.model.requests()[1]["messages"].to_string();
    assert!(second.contains("Привет!"), "{second}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_prints_the_raw_envelope_and_streams_all_pages() {
    let world = World::new(&[]).await;
    let env = vec![("BITRIX_WEBHOOK_URL".to_owned(), world.webhook())];
    let run = world
        .run(&env, &["api", "crm.deal.get", "{\"id\": 1}"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["result"]["ID"], "1");

    let run = world
        .run(
            &env,
            &["api", "crm.deal.list", "{\"select\": [\"ID\"]}", "--all"],
        )
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let total = world.portal_total("crm.deal.list").await;
    assert!(total > 50, "the demo has more than one page");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, total);

    let run = world.run(&env, &["api", "crm.deal.get", "[1]"]).await;
    assert_eq!(run.code, 2, "params must be an object");
    let run = world
        .run(&env, &["api", "crm.deal.get", "{\"id\": 999999}"])
        .await;
    assert_eq!(run.code, 1, "a portal error in `api` is exit code 1");
    assert!(
        run.stderr.to_lowercase().contains("not found"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_subcommand_prints_the_webhook_first_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_b24-agent"))
        .args(["sandbox", "--limits", "off", "--data"])
        .arg(dir.path().join("portal.json"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/rest/1/"),
        "{url}"
    );
    let body: Value = get_profile(&format!("{url}profile.json")).await;
    assert_eq!(body["result"]["ID"], json!("1"), "{body}");
    child.kill().await.unwrap();
}

/// Calls `profile` through our client on the printed webhook.
async fn get_profile(url: &str) -> Value {
    let base = url.trim_end_matches("profile.json");
    let client = bitrix_client::Client::new(bitrix_client::Webhook::parse(base).unwrap()).unwrap();
    let out = bitrix_client::BitrixApi::call(&client, "profile", json!({}))
        .await
        .unwrap();
    json!({"result": out.result})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_state_is_kept_until_reset_state_moves_it_aside() {
    let world = World::new(&["ASSISTANT: Начнём заново."]).await;
    let state_dir = world.dir.path().join("data/state");
    std::fs::create_dir_all(&state_dir).unwrap();
    let damaged = "{\"user_id\": \"ivan\", broken";
    std::fs::write(state_dir.join("ivan.json"), damaged).unwrap();

    let refused = world.turn(&["ivan", "привет"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("b24-agent reset-state ivan")
            && refused.stderr.contains("повреждён"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(state_dir.join("ivan.json")).unwrap(),
        damaged,
        "left untouched"
    );

    let reset = world.run(&world.env(), &["reset-state", "ivan"]).await;
    assert_eq!(reset.code, 0, "{}", reset.stderr);
    assert!(
        reset.stdout.contains("ivan.json.corrupt-"),
        "{}",
        reset.stdout
    );
    let kept: Vec<_> = std::fs::read_dir(&state_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("ivan.json.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&kept[0]).unwrap(),
        damaged,
        "kept for salvage"
    );

    let fresh = world.turn(&["ivan", "привет"]).await;
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert!(fresh.stdout.contains("Начнём заново."), "{}", fresh.stdout);

    let nothing = world.run(&world.env(), &["reset-state", "maria"]).await;
    assert_eq!(nothing.code, 0, "{}", nothing.stderr);
    assert!(
        nothing.stdout.contains("no saved state"),
        "{}",
        nothing.stdout
    );
    let bad = world.run(&world.env(), &["reset-state", "../x"]).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
