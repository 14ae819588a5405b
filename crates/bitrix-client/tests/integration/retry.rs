//! Retry rules: what is repeated, and that an ambiguous write is never sent twice.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bitrix_client::{BitrixApi, Error, MethodKind, MethodRules, Timeouts, TransportKind};
use serde_json::json;

use crate::support::{Reply, ScriptedPortal, builder, fast_retries};

fn short_timeout(url: &str) -> bitrix_client::Client {
    builder(url)
        .timeouts(Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_millis(200),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_write_that_timed_out_is_received_exactly_once() {
    let portal = ScriptedPortal::new().on(
        "crm.deal.add",
        [Reply::result(json!(11)).after(Duration::from_millis(800))],
    );
    let client = short_timeout(&portal.start().await);
    let err = client
        .call("crm.deal.add", json!({"fields": {"TITLE": "Once"}}))
        .await
        .unwrap_err();
    assert!(err.is_write_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("may or may not have happened"));
    // Give a (wrong) delayed retry every chance to arrive before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(portal.count("crm.deal.add"), 1);
}

#[tokio::test]
async fn a_read_that_timed_out_is_retried() {
    let portal = ScriptedPortal::new().on(
        "crm.deal.get",
        [Reply::result(json!({})).after(Duration::from_millis(800))],
    );
    let client = short_timeout(&portal.start().await);
    let err = client
        .call("crm.deal.get", json!({"id": 1}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(portal.count("crm.deal.get"), 3, "three attempts");
}

#[tokio::test]
async fn server_errors_repeat_reads_but_not_writes() {
    let portal = ScriptedPortal::new()
        .on(
            "crm.deal.list",
            [
                Reply::error(500, "INTERNAL_SERVER_ERROR", "Internal server error"),
                Reply::result(json!([])),
            ],
        )
        .on(
            "crm.deal.update",
            [
                Reply::error(500, "INTERNAL_SERVER_ERROR", "Internal server error"),
                Reply::result(json!(true)),
            ],
        )
        .on("batch", [Reply::raw(502, "<html>Bad Gateway</html>")]);
    let client = builder(&portal.start().await).build().unwrap();
    assert!(client.call("crm.deal.list", json!({})).await.is_ok());
    assert_eq!(portal.count("crm.deal.list"), 2);

    let err = client
        .call("crm.deal.update", json!({"id": 1, "fields": {}}))
        .await
        .unwrap_err();
    assert!(err.is_write_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("INTERNAL_SERVER_ERROR"));
    assert_eq!(portal.count("crm.deal.update"), 1);

    // A batch with one write in it is a write.
    let calls = vec![
        bitrix_client::BatchCall {
            key: "a".into(),
            method: "crm.deal.get".into(),
            params: json!({"id": 1}),
        },
        bitrix_client::BatchCall {
            key: "b".into(),
            method: "crm.deal.delete".into(),
            params: json!({"id": 1}),
        },
    ];
    assert!(
        client
            .batch(calls, false)
            .await
            .unwrap_err()
            .is_write_outcome_unknown()
    );
    assert_eq!(portal.count("batch"), 1);
}

#[tokio::test]
async fn rejected_before_execution_is_repeated_even_for_writes() {
    let limit = Reply::error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
    let portal = ScriptedPortal::new()
        .on(
            "crm.deal.add",
            [limit.clone(), limit.clone(), Reply::result(json!(12))],
        )
        .on("im.message.add", [limit]);
    let client = builder(&portal.start().await).build().unwrap();
    let output = client
        .call("crm.deal.add", json!({"fields": {}}))
        .await
        .unwrap();
    assert_eq!(output.result, json!(12));
    assert_eq!(portal.count("crm.deal.add"), 3);

    let err = client.call("im.message.add", json!({})).await.unwrap_err();
    assert!(
        err.is_rate_limited() && err.retry_after().is_some(),
        "{err:?}"
    );
    assert_eq!(
        portal.count("im.message.add"),
        3,
        "gives up after max_attempts"
    );
}

#[tokio::test]
async fn override_table_decides_what_is_a_read() {
    let portal = ScriptedPortal::new().on(
        "custom.report.build",
        [
            Reply::error(500, "INTERNAL_SERVER_ERROR", ""),
            Reply::result(json!("ok")),
        ],
    );
    let url = portal.start().await;
    let as_write = builder(&url).build().unwrap();
    assert!(
        as_write
            .call("custom.report.build", json!({}))
            .await
            .unwrap_err()
            .is_write_outcome_unknown()
    );
    let as_read = builder(&url)
        .method_rules(MethodRules::new().with_override("custom.report.build", MethodKind::Read))
        .build()
        .unwrap();
    assert_eq!(as_read.method_kind("CUSTOM.REPORT.BUILD"), MethodKind::Read);
    assert!(as_read.call("custom.report.build", json!({})).await.is_ok());
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn operating_limit_waits_for_the_reset_then_repeats() {
    let portal = ScriptedPortal::new().on(
        "crm.deal.list",
        [
            Reply::json(200, &json!({"result": [], "time": {"operating": 12.5, "operating_reset_at": unix_now() + 2}})),
            Reply::error(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."),
            Reply::result(json!([{"ID": "1"}])),
        ],
    );
    let client = builder(&portal.start().await).build().unwrap();
    client.call("crm.deal.list", json!({})).await.unwrap();
    let output = client.call("crm.deal.list", json!({})).await.unwrap();
    assert_eq!(output.result, json!([{"ID": "1"}]));
    assert_eq!(portal.count("crm.deal.list"), 3);
}

#[tokio::test]
async fn exhausted_budget_is_refused_without_sending_and_spares_other_methods() {
    let portal = ScriptedPortal::new()
        .on(
            "crm.deal.list",
            [Reply::json(200, &json!({"result": [], "time": {"operating": 479.0, "operating_reset_at": unix_now() + 500}}))],
        )
        .on("crm.deal.get", [Reply::result(json!({"ID": "1"}))]);
    let client = builder(&portal.start().await)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    client.call("crm.deal.list", json!({})).await.unwrap();
    let err = client.call("crm.deal.list", json!({})).await.unwrap_err();
    assert!(err.is_operation_time_limit(), "{err:?}");
    let wait = err.retry_after().unwrap();
    assert!(wait > Duration::from_secs(400), "{wait:?}");
    assert_eq!(portal.count("crm.deal.list"), 1, "refused client-side");
    assert!(client.call("crm.deal.get", json!({"id": 1})).await.is_ok());
}

#[tokio::test]
async fn a_429_without_known_reset_is_returned_with_a_wait() {
    let portal = ScriptedPortal::new().on(
        "tasks.task.list",
        [Reply::error(
            429,
            "OPERATION_TIME_LIMIT",
            "Method is blocked due to operation time limit.",
        )],
    );
    let client = builder(&portal.start().await).build().unwrap();
    let err = client.call("tasks.task.list", json!({})).await.unwrap_err();
    assert!(
        err.is_operation_time_limit() && err.retry_after().is_some(),
        "{err:?}"
    );
    assert_eq!(portal.count("tasks.task.list"), 1);
    assert!(
        client
            .operating_usage("tasks.task.list")
            .unwrap()
            .blocked_until
            .is_some()
    );
}
