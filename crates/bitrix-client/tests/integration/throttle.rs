//! The client-side leaky bucket: shared by clones, and it keeps a strict portal from rejecting.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bitrix_client::{BitrixApi, RateLimit, RetryPolicy};
use futures::future::join_all;
use serde_json::json;

use crate::support::{Reply, ScriptedPortal, TOKEN, builder};

#[tokio::test]
async fn clones_and_shared_limiters_use_one_bucket() {
    let portal = ScriptedPortal::new().on("profile", [Reply::result(json!({"ID": "1"}))]);
    let url = portal.start().await;
    // A drain so slow that nothing leaks out during the test: the level counts requests.
    let client = builder(&url)
        .rate_limit(RateLimit::new(100, 0.0001))
        .build()
        .unwrap();
    let clone = client.clone();
    let sibling = builder(&url)
        .rate_limiter(client.rate_limiter().clone())
        .build()
        .unwrap();
    for api in [&client, &clone, &clone, &sibling, &sibling] {
        api.call("profile", json!({})).await.unwrap();
    }
    let level = client.rate_limiter().level();
    assert!((4.9..=5.0).contains(&level), "{level}");
    assert!(
        client
            .rate_limiter()
            .shares_bucket_with(sibling.rate_limiter())
    );
    let separate = builder(&url)
        .rate_limit(RateLimit::new(100, 0.0001))
        .build()
        .unwrap();
    assert!(
        !client
            .rate_limiter()
            .shares_bucket_with(separate.rate_limiter())
    );
}

/// A portal with its own leaky bucket that answers 503 `QUERY_LIMIT_EXCEEDED` when full.
struct StrictPortal {
    burst: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

async fn strict(State(portal): State<Arc<StrictPortal>>) -> impl IntoResponse {
    let mut state = portal.state.lock().unwrap();
    let now = Instant::now();
    let level = (state.0 - now.duration_since(state.1).as_secs_f64() * portal.per_second).max(0.0);
    if level + 1.0 > portal.burst {
        *state = (level, now);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}),
            ),
        );
    }
    *state = (level + 1.0, now);
    (StatusCode::OK, Json(json!({"result": true})))
}

async fn start_strict(burst: f64, per_second: f64) -> String {
    let portal = Arc::new(StrictPortal {
        burst,
        per_second,
        state: Mutex::new((0.0, Instant::now())),
    });
    let app = axum::Router::new()
        .route("/rest/{user}/{token}/{method}", axum::routing::post(strict))
        .with_state(portal);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/rest/1/{TOKEN}/")
}

#[tokio::test]
async fn throttled_client_stays_under_a_strict_portal_limit() {
    // The portal allows 4 at once and 10 per second; the client is set one below it.
    let url = start_strict(4.0, 10.0).await;
    let unthrottled = builder(&url)
        .rate_limit(RateLimit::new(1000, 1000.0))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let flood = join_all((0..12).map(|_| unthrottled.call("crm.deal.add", json!({})))).await;
    assert!(
        flood
            .iter()
            .any(|r| matches!(r, Err(e) if e.is_rate_limited())),
        "the portal must reject a flood, or this test proves nothing"
    );

    let url = start_strict(4.0, 10.0).await;
    let throttled = builder(&url)
        .rate_limit(RateLimit::new(3, 10.0))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let results = join_all((0..12).map(|_| throttled.call("crm.deal.add", json!({})))).await;
    for result in results {
        result.unwrap();
    }
}
