//! Rate limit (leaky bucket) and operating-time budget, on a manual clock.

mod common;

use std::time::Duration;

use bitrix_sandbox::{Clock, Fault, LimitConfig, Limits, OperatingLimit, RateLimit};
use serde_json::json;

fn limited(burst: u32, budget_ms: u64) -> Limits {
    Limits::Custom(LimitConfig {
        rate: Some(RateLimit {
            burst,
            drain_per_second: 2.0,
        }),
        operating: Some(OperatingLimit {
            budget: Duration::from_millis(budget_ms),
            window: Duration::from_secs(600),
            bucket: Duration::from_secs(60),
        }),
    })
}

#[tokio::test]
async fn leaky_bucket_rejects_with_503_and_drains() {
    let clock = Clock::manual();
    let p = common::start_with(
        common::demo()
            .limits(limited(5, 480_000))
            .clock(clock.clone()),
    )
    .await;
    for _ in 0..5 {
        p.ok("user.current", json!({})).await;
    }
    let (status, body) = p.call("user.current", json!({})).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
    );
    clock.advance(Duration::from_millis(500));
    p.ok("user.current", json!({})).await;
    let (status, _) = p.call("user.current", json!({})).await;
    assert_eq!(status, 503);
    let stats = p.sandbox.stats();
    assert_eq!((stats.rate_limited, stats.requests), (2, 8));
}

#[tokio::test]
async fn a_batch_counts_as_one_request() {
    let clock = Clock::manual();
    let p = common::start_with(common::demo().limits(limited(2, 480_000)).clock(clock)).await;
    let cmd: serde_json::Map<String, serde_json::Value> = (0..50)
        .map(|i| (format!("c{i}"), json!("user.current")))
        .collect();
    let body = p.ok("batch", json!({"cmd": cmd})).await;
    assert_eq!(body["result"]["result"].as_object().unwrap().len(), 50);
    p.ok("user.current", json!({})).await;
    assert_eq!(p.call("user.current", json!({})).await.0, 503);
}

#[tokio::test]
async fn enterprise_and_cloud_buckets_have_their_sizes() {
    for (limits, burst) in [(Limits::Cloud, 50), (Limits::Enterprise, 250)] {
        let p = common::start_with(common::demo().limits(limits).clock(Clock::manual())).await;
        let mut accepted = 0;
        for _ in 0..burst + 10 {
            if p.get("server.time").await.0 == 200 {
                accepted += 1;
            }
        }
        assert_eq!(accepted, burst, "{limits:?}");
    }
}

#[tokio::test]
async fn operating_budget_blocks_the_next_call_of_that_method_only() {
    let p = common::start_with(common::demo().limits(limited(1000, 60))).await;
    p.sandbox
        .add_fault(Fault::latency("crm.deal.list", Duration::from_millis(40)));
    let first = p.ok("crm.deal.list", json!({"select": ["ID"]})).await;
    let operating = first["time"]["operating"].as_f64().unwrap();
    assert!(operating >= 0.04, "injected latency counts: {operating}");
    p.ok("crm.deal.list", json!({"select": ["ID"]})).await;
    let (status, body) = p.call("crm.deal.list", json!({"select": ["ID"]})).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"], "OPERATION_TIME_LIMIT");
    assert_eq!(
        body["error_description"],
        "Method is blocked due to operation time limit."
    );
    p.ok("crm.deal.get", json!({"id": 1})).await;
    let inside = p
        .ok(
            "batch",
            json!({"cmd": {"a": "crm.deal.list", "b": "crm.deal.get?id=2"}}),
        )
        .await;
    assert_eq!(
        inside["result"]["result_error"]["a"]["error"],
        "OPERATION_TIME_LIMIT"
    );
    assert!(inside["result"]["result"].get("b").is_some());
    assert_eq!(p.sandbox.stats().operation_limited, 2);
}

#[tokio::test]
async fn operating_budget_resets_after_the_window() {
    let clock = Clock::manual();
    let p = common::start_with(
        common::demo()
            .limits(limited(1000, 30))
            .clock(clock.clone()),
    )
    .await;
    p.sandbox
        .add_fault(Fault::latency("crm.deal.list", Duration::from_millis(40)).times(1));
    let first = p.ok("crm.deal.list", json!({})).await;
    let reset_at = first["time"]["operating_reset_at"].as_i64().unwrap();
    let now = clock.unix_now() as i64;
    assert!(
        (reset_at - now - 600).abs() <= 1,
        "reset {reset_at} vs now {now}"
    );
    assert_eq!(p.call("crm.deal.list", json!({})).await.0, 429);
    clock.advance(Duration::from_secs(601));
    assert_eq!(p.call("crm.deal.list", json!({})).await.0, 200);
}
