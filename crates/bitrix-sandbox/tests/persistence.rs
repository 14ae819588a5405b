//! The data file: created from the seed, rewritten after writes, reloaded, and a damaged
//! file refused without being touched.

mod common;

use bitrix_sandbox::{Sandbox, Seed};
use serde_json::json;

#[tokio::test]
async fn writes_survive_a_restart_and_keep_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.json");
    let p = common::start_with(common::demo().data_file(&file)).await;
    assert!(file.exists(), "a new portal is written at once");
    let url = p.url.clone();
    let id = p
        .ok("crm.deal.add", json!({"fields": {"TITLE": "Сохранится"}}))
        .await["result"]
        .as_u64()
        .unwrap();
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let rows = on_disk["tables"]["deals"]["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["TITLE"] == "Сохранится"),
        "written right after the change"
    );
    let mut leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        ["portal.json", "portal.json.lock"],
        "no temporary files stay behind"
    );
    let second = Sandbox::builder()
        .data_file(&file)
        .start("127.0.0.1:0")
        .await;
    assert!(
        second.unwrap_err().is_data_file_in_use(),
        "one sandbox per data file"
    );
    p.sandbox.shutdown().await;

    let again = common::start_with(Sandbox::builder().seed(Seed::Empty).data_file(&file)).await;
    let token = |u: &str| {
        u.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(token(&again.url), token(&url), "the webhook code is kept");
    let deal = again.ok("crm.deal.get", json!({"id": id})).await;
    assert_eq!(deal["result"]["TITLE"], "Сохранится");
    assert_eq!(
        again.ok("crm.company.list", json!({})).await["total"],
        20,
        "the seed is not applied again"
    );
}

#[tokio::test]
async fn a_damaged_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.json");
    let damaged = "{\"format\": \"b24-sandbox\", \"version\": 1, \"tables\": {";
    std::fs::write(&file, damaged).unwrap();
    let err = Sandbox::builder()
        .data_file(&file)
        .start("127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(err.is_damaged_data_file());
    let text = err.to_string();
    assert!(
        text.contains("portal.json") && text.contains("not valid JSON"),
        "{text}"
    );
    assert!(
        text.contains("повреждён"),
        "the message is also in Russian: {text}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), damaged);
}
