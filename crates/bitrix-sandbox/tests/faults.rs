//! Fault injection: errors, latency and dropped connections, through the library API
//! and the HTTP control endpoint.

mod common;

use std::time::{Duration, Instant};

use bitrix_sandbox::{ApiError, Fault};
use serde_json::json;

#[tokio::test]
async fn injected_errors_answer_instead_of_the_method() {
    let p = common::start().await;
    p.sandbox.add_fault(
        Fault::error("crm.deal.add", ApiError::from_code("INTERNAL_SERVER_ERROR")).times(1),
    );
    let (status, body) = p
        .call("crm.deal.add", json!({"fields": {"TITLE": "x"}}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (500, Some("INTERNAL_SERVER_ERROR"))
    );
    assert_eq!(
        p.ok("crm.deal.list", json!({})).await["total"],
        60,
        "nothing was written"
    );
    p.ok("crm.deal.add", json!({"fields": {"TITLE": "x"}}))
        .await;
    assert_eq!(p.sandbox.stats().faults_injected, 1);
}

#[tokio::test]
async fn faults_through_the_control_endpoint_apply_inside_batches() {
    let p = common::start().await;
    let control = format!("{}/sandbox/faults", p.sandbox.base_url());
    let added: serde_json::Value = p
        .client
        .post(&control)
        .json(&json!({"method": "crm.deal.get", "error": {"code": "", "description": "Access denied.", "status": 400}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(added["id"].is_u64());
    let body = p
        .ok(
            "batch",
            json!({"cmd": {"a": "crm.deal.get?id=1", "b": "user.current"}}),
        )
        .await;
    assert_eq!(
        body["result"]["result_error"]["a"],
        json!({"error": "", "error_description": "Access denied."})
    );
    let listed = p.control("/sandbox/faults").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let cleared = p.client.delete(&control).send().await.unwrap();
    assert_eq!(cleared.status().as_u16(), 200);
    assert_eq!(p.call("crm.deal.get", json!({"id": 1})).await.0, 200);
    let bad = p
        .client
        .post(&control)
        .body("{\"oops\"")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let p = common::start().await;
    p.sandbox
        .add_fault(Fault::latency("user.current", Duration::from_millis(150)));
    let started = Instant::now();
    p.ok("user.current", json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn a_dropped_connection_still_applies_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.json");
    let p = common::start_with(common::demo().data_file(&file)).await;
    p.sandbox
        .add_fault(Fault::drop_connection("crm.deal.add").times(1));
    let outcome = p
        .client
        .post(format!("{}crm.deal.add", p.url))
        .json(&json!({"fields": {"TITLE": "Может быть создана"}}))
        .send()
        .await;
    let failed = match outcome {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(failed, "the client gets no answer");
    let found = p
        .ok(
            "crm.deal.list",
            json!({"filter": {"TITLE": "Может быть создана"}}),
        )
        .await;
    assert_eq!(found["total"], 1, "the write happened");
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert!(
        on_disk.contains("Может быть создана"),
        "and was saved before the drop"
    );
    assert_eq!(p.sandbox.stats().connections_dropped, 1);
}

#[tokio::test]
async fn stats_endpoint_counts_requests_methods_and_rejections() {
    let p = common::start().await;
    p.ok("crm.deal.get", json!({"id": 1})).await;
    p.ok(
        "batch",
        json!({"cmd": {"a": "crm.deal.get?id=2", "b": "crm.deal.get?id=3"}}),
    )
    .await;
    let stats = p.control("/sandbox/stats").await;
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["by_method"], json!({"batch": 1, "crm.deal.get": 1}));
    assert_eq!(stats["batch_commands"], json!({"crm.deal.get": 2}));
    assert_eq!(stats["rate_limited"], 0);
    p.client
        .delete(format!("{}/sandbox/stats", p.sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(p.sandbox.stats().requests, 0);
}
