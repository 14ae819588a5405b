//! Test helpers: JSON fixtures, a scripted portal on 127.0.0.1 that records what it receives,
//! and clients with fast retry settings.

#![allow(dead_code)]

pub mod portal;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bitrix_client::{Client, ClientBuilder, RateLimit, RetryPolicy, Timeouts, Webhook};
use serde_json::Value;

pub use portal::TOKEN;

/// Reads `tests/fixtures/NAME` as JSON.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Raw body.
    pub body: String,
    /// Pause before answering.
    pub delay: Duration,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::raw(status, &body.to_string())
    }

    /// A raw answer.
    pub fn raw(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    /// `{"result": result}` with 200.
    pub fn result(result: Value) -> Self {
        Self::json(200, &serde_json::json!({ "result": result }))
    }

    /// A Bitrix error envelope.
    pub fn error(status: u16, code: &str, description: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({"error": code, "error_description": description}),
        )
    }

    /// The same answer after a pause.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same answer with an extra header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// What the scripted portal received.
#[derive(Clone, Debug)]
pub struct Received {
    /// Method from the URL path.
    pub method: String,
    /// JSON body.
    pub body: Value,
}

/// A portal that answers each method from a script (the last reply repeats) and records
/// every request. Unknown methods get 404 `ERROR_METHOD_NOT_FOUND`.
#[derive(Default)]
pub struct ScriptedPortal {
    script: Mutex<HashMap<String, VecDeque<Reply>>>,
    received: Mutex<Vec<Received>>,
}

impl ScriptedPortal {
    /// An empty script.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Queues answers for a method.
    pub fn on(
        self: &Arc<Self>,
        method: &str,
        replies: impl IntoIterator<Item = Reply>,
    ) -> Arc<Self> {
        self.script
            .lock()
            .unwrap()
            .entry(method.to_owned())
            .or_default()
            .extend(replies);
        Arc::clone(self)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many requests reached `method`.
    pub fn count(&self, method: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.method == method)
            .count()
    }

    /// Starts serving on 127.0.0.1; returns the webhook URL.
    pub async fn start(self: &Arc<Self>) -> String {
        let app = axum::Router::new()
            .route("/rest/{user}/{token}/{method}", axum::routing::post(answer))
            .with_state(Arc::clone(self));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}/rest/1/{TOKEN}/")
    }
}

async fn answer(
    State(portal): State<Arc<ScriptedPortal>>,
    Path((_user, token, method)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    portal.received.lock().unwrap().push(Received {
        method: method.clone(),
        body,
    });
    if token != TOKEN {
        return reply(Reply::error(
            401,
            "NO_AUTH_FOUND",
            "Wrong authorization data",
        ));
    }
    let next = {
        let mut script = portal.script.lock().unwrap();
        script.get_mut(&method).and_then(|queue| {
            if queue.len() > 1 {
                queue.pop_front()
            } else {
                queue.front().cloned()
            }
        })
    };
    let next =
        next.unwrap_or_else(|| Reply::error(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"));
    if !next.delay.is_zero() {
        tokio::time::sleep(next.delay).await;
    }
    reply(next)
}

fn reply(reply: Reply) -> Response {
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
        .into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Retries with tiny pauses, so tests stay fast.
pub fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_wait: Duration::from_secs(5),
    }
}

/// A builder for `url` with fast retries, no practical rate limit and short timeouts.
pub fn builder(url: &str) -> ClientBuilder {
    Client::builder(Webhook::parse(url).unwrap())
        .retry_policy(fast_retries(3))
        .rate_limit(RateLimit::new(10_000, 10_000.0))
        .timeouts(Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(5),
        })
}

/// A client for `url` with the test settings.
pub fn client(url: &str) -> Client {
    builder(url).build().unwrap()
}

/// A URL on a loopback port nothing listens on.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/rest/1/{TOKEN}/")
}
