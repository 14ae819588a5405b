//! End-to-end tests: the real binary, a sandbox portal on 127.0.0.1 and a scripted
//! OpenAI-compatible server, so HTTP to the model, HTTP to the portal and files all run.

mod support;

use serde_json::{Value, json};
use support::{API_KEY, World, run_in};

fn decisions(record: &Value) -> Vec<(String, String)> {
    record["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["method"].as_str().unwrap().to_owned(),
                c["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn json_of(run: &support::Run) -> Value {
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output: {e}\n{}", run.stdout))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_request_is_answered_from_portal_data() {
    let world = World::new(&[
        "THOUGHT: нужно найти сделки на первой стадии\nACTION: {\"method\": \"crm.deal.list\", \"params\": {\"filter\": {\"STAGE_ID\": \"NEW\"}, \"select\": [\"ID\", \"TITLE\"]}}",
        "ASSISTANT: Нашёл сделки на стадии «Новая».",
    ])
    .await;
    let run = world.turn(&["ivan", "какие сделки на стадии новая?"]).await;
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout.trim(), "Нашёл сделки на стадии «Новая».");
    assert!(
        !run.stderr.contains("Песочница"),
        "a configured webhook is not the sandbox"
    );

    // The model saw real portal data in its observation.
    let requests = world.model.requests();
    assert_eq!(requests.len(), 2);
    let last = requests[1]["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(last.starts_with("OBSERVATION:"), "{last}");
    let deals = world
        .call(
            "crm.deal.list",
            json!({"filter": {"STAGE_ID": "NEW"}, "select": ["TITLE"]}),
        )
        .await;
    let title = deals[0]["TITLE"].as_str().unwrap();
    assert!(
        last.contains(title),
        "the observation holds {title:?}: {last}"
    );
    assert!(
        requests[0]["stop"].to_string().contains("OBSERVATION:"),
        "the model is stopped before it writes an observation"
    );

    let records = world.log_records();
    assert_eq!(records.len(), 1);
    assert_eq!(
        decisions(&records[0]),
        vec![("crm.deal.list".to_owned(), "execute".to_owned())]
    );
}

const ADD_DEAL: &str = "ACTION: {\"method\": \"crm.deal.add\", \"params\": {\"fields\": {\"TITLE\": \"E2E сделка\", \"OPPORTUNITY\": 1000}}}";
const ADD_TASK: &str = "ACTION: {\"method\": \"tasks.task.add\", \"params\": {\"fields\": {\"TITLE\": \"E2E задача\", \"RESPONSIBLE_ID\": 1}}}";

async fn titled(world: &World, method: &str, title: &str) -> usize {
    let params = if method == "tasks.task.list" {
        json!({"filter": {"TITLE": title}, "select": ["ID", "TITLE"]})
    } else {
        json!({"filter": {"TITLE": title}, "select": ["ID"]})
    };
    let result = world.call(method, params).await;
    let list = if method == "tasks.task.list" {
        result["tasks"].clone()
    } else {
        result
    };
    list.as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_follow_the_mode() {
    // shadow: planned, nothing changes.
    let world = World::new(&[ADD_DEAL, "ASSISTANT: Запланировал создание сделки."]).await;
    let run = world.turn(&["ivan", "создай сделку", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json_of(&run);
    assert_eq!(out["mode"], "shadow");
    assert_eq!(out["actions"][0]["decision"], "plan");
    assert_eq!(titled(&world, "crm.deal.list", "E2E сделка").await, 0);

    // canary: a deal is not on the allowlist (planned), a task is (executed).
    world
        .model
        .push_replies(&[ADD_DEAL, ADD_TASK, "ASSISTANT: Готово."]);
    let run = world
        .turn(&[
            "ivan",
            "создай сделку и задачу",
            "--mode",
            "canary",
            "--json",
        ])
        .await;
    let out = json_of(&run);
    let got: Vec<&str> = out["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["decision"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["plan", "execute"], "{out:#}");
    assert_eq!(titled(&world, "crm.deal.list", "E2E сделка").await, 0);
    assert_eq!(titled(&world, "tasks.task.list", "E2E задача").await, 1);

    // full: the deal is created.
    world
        .model
        .push_replies(&[ADD_DEAL, "ASSISTANT: Сделка создана."]);
    let run = world
        .turn(&["ivan", "создай сделку", "--mode", "full"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(titled(&world, "crm.deal.list", "E2E сделка").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_risky_action_is_held_then_executed_once_after_consent() {
    let delete =
        "THOUGHT: удаляю\nACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 5}}";
    let world = World::new(&[delete, "ASSISTANT: Сделка 5 удалена."]).await;
    assert!(world.deal(5).await.is_some());

    let first = world
        .turn(&["ivan", "удали сделку 5", "--mode", "full", "--json"])
        .await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let out = json_of(&first);
    assert_eq!(out["pending_action"]["method"], "crm.deal.delete");
    assert_eq!(out["actions"][0]["decision"], "hold");
    assert!(world.deal(5).await.is_some(), "nothing runs before consent");

    let second = world.turn(&["ivan", "да", "--mode", "full"]).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(world.deal(5).await.is_none(), "consent executed the delete");
    assert_eq!(
        world.sandbox.stats().by_method.get("crm.deal.delete"),
        Some(&1),
        "executed exactly once"
    );

    // A second "да" has nothing left to release.
    world
        .model
        .push_replies(&["ASSISTANT: Нечего подтверждать."]);
    let third = world.turn(&["ivan", "да", "--mode", "full"]).await;
    assert_eq!(third.code, 0);
    assert_eq!(
        world.sandbox.stats().by_method.get("crm.deal.delete"),
        Some(&1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_drops_the_pending_action() {
    let delete = "ACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 6}}";
    let world = World::new(&[delete]).await;
    world
        .turn(&["ivan", "удали сделку 6", "--mode", "full"])
        .await;
    let run = world
        .turn(&["ivan", "нет", "--mode", "full", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json_of(&run)["pending_action"], Value::Null);
    assert!(world.deal(6).await.is_some());
    assert_eq!(world.sandbox.stats().by_method.get("crm.deal.delete"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_confirms_on_its_own_is_refused() {
    let delete =
        "ACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 7}, \"confirmed\": true}";
    let world = World::new(&[delete, "ASSISTANT: Не удалось удалить."]).await;
    let run = world
        .turn(&["ivan", "удали сделку 7", "--mode", "full", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json_of(&run);
    assert_ne!(out["actions"][0]["decision"], "execute", "{out:#}");
    assert!(world.deal(7).await.is_some());
    assert_eq!(world.sandbox.stats().by_method.get("crm.deal.delete"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn degraded_mode_without_a_key_or_with_an_unreachable_api() {
    let world = World::new(&[]).await;
    let env = vec![("BITRIX_WEBHOOK_URL".to_owned(), world.webhook())];
    let run = world.run(&env, &["ivan", "покажи сделки", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json_of(&run);
    assert_eq!(out["degraded"], true);
    assert!(
        out["reply"].as_str().unwrap().contains("OPENAI_API_KEY"),
        "{out:#}"
    );

    // An explicit command still runs, under the same policy.
    let run = world
        .run(&env, &["ivan", "/call crm.deal.get {\"id\": 1}"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("crm.deal.get"), "{}", run.stdout);

    // A key but a closed port: unreachable, degraded, English reply to an English message.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let env = vec![
        ("BITRIX_WEBHOOK_URL".to_owned(), world.webhook()),
        ("OPENAI_API_KEY".to_owned(), API_KEY.to_owned()),
        ("OPENAI_API_BASE".to_owned(), format!("http://{closed}/v1")),
    ];
    let run = world.run(&env, &["ivan", "show my deals", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json_of(&run);
    assert_eq!(out["degraded"], true);
    assert_eq!(out["model_status"]["status"], "unreachable");
    assert!(
        out["reply"].as_str().unwrap().contains("OPENAI_API_BASE"),
        "{out:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_env_file_names_the_line_and_not_the_value() {
    let world = World::new(&[]).await;
    std::fs::write(
        world.dir.path().join(".env"),
        "OPENAI_MODEL=x\nsk-secret-in-a-broken-line\n",
    )
    .unwrap();
    let run = world.run(&[], &["ivan", "привет"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".env line 2"), "{}", run.stderr);
    assert!(!run.stderr.contains("sk-secret"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_webhook_is_a_config_error() {
    let world = World::new(&[]).await;
    let env = vec![(
        "BITRIX_WEBHOOK_URL".to_owned(),
        "https://portal.test/rest/abc/s3cr3t-token-value/".to_owned(),
    )];
    let run = world.run(&env, &["ivan", "привет"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("BITRIX_WEBHOOK_URL"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t-token-value"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_user_gets_exit_code_4() {
    let world = World::new(&[]).await;
    let store = state_store::JsonFileStore::new(world.dir.path().join("data/state"));
    let guard =
        state_store::StateStore::lock_user(&store, "ivan", std::time::Duration::from_secs(1))
            .await
            .unwrap();
    let mut env = world.env();
    env.push(("B24_LOCK_TIMEOUT_SECS".into(), "1".into()));
    let run = world.run(&env, &["ivan", "привет"]).await;
    drop(guard);
    assert_eq!(run.code, 4, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_runs_for_one_user_take_turns() {
    let world = World::new(&["ASSISTANT: первый", "ASSISTANT: второй"]).await;
    let (a, b) = tokio::join!(world.turn(&["ivan", "раз"]), world.turn(&["ivan", "два"]));
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(world.dir.path().join("data/state/ivan.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["counters"]["turns"], 2, "no lost update");
    assert_eq!(state["history"].as_array().unwrap().len(), 4);
    assert_eq!(world.log_records().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_output_state_or_logs() {
    let world = World::new(&[
        "ACTION: {\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}",
        "ASSISTANT: Вот сделка.",
    ])
    .await;
    let run = world.turn(&["ivan", "покажи сделку 1", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = world.written_files();
    assert!(!written.is_empty());
    for secret in [world.token(), API_KEY.to_owned()] {
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("data/", &written),
        ] {
            assert!(!text.contains(&secret), "{what} holds a secret");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_webhook_the_bundled_sandbox_is_used_and_announced() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &[],
        &["ivan", "/call crm.deal.list {\"select\": [\"ID\"]}"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("Песочница") && run.stderr.contains("Sandbox"),
        "{}",
        run.stderr
    );
    assert!(dir.path().join("data/sandbox.json").exists());
    // The next run reuses the same data file and says it again.
    let again = run_in(dir.path(), &[], &["ivan", "привет"]).await;
    assert!(
        again.stderr.contains("BITRIX_WEBHOOK_URL"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_runs_on_the_bundled_sandbox_keep_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let add =
        |title: &str| format!("/call crm.lead.add {{\"fields\": {{\"TITLE\": \"{title}\"}}}}");
    let (first, second) = (add("Лид от Ивана"), add("Лид от Марии"));
    let (ivan, maria) = (
        ["ivan", first.as_str(), "--mode", "full"],
        ["maria", second.as_str(), "--mode", "full"],
    );
    let (a, b) = tokio::join!(
        run_in(dir.path(), &[], &ivan),
        run_in(dir.path(), &[], &maria),
    );
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    let data = std::fs::read_to_string(dir.path().join("data/sandbox.json")).unwrap();
    for title in ["Лид от Ивана", "Лид от Марии"] {
        assert!(data.contains(title), "{title} was lost");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sandbox_held_by_another_run_is_busy_after_the_lock_timeout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let lock = std::fs::File::create(dir.path().join("data/sandbox.json.lock")).unwrap();
    lock.lock().unwrap();
    let env = [("B24_LOCK_TIMEOUT_SECS".to_owned(), "1".to_owned())];
    let run = run_in(dir.path(), &env, &["ivan", "привет"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("in use") && run.stderr.contains("занят"),
        "{}",
        run.stderr
    );
    drop(lock);
    let run = run_in(dir.path(), &env, &["ivan", "привет"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
}
