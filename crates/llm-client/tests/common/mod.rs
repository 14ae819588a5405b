//! A local OpenAI-compatible server for the tests, on 127.0.0.1.
//!
//! It records every request, checks what a real server checks (the key, JSON body,
//! `model`, non-empty `messages` with known roles, parameters the "model" does not
//! support) and answers with canned, real-shaped replies, errors, slow replies or
//! broken bodies.
#![allow(dead_code)] // Each test file uses a different part of this module.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, Uri};
use llm_client::{OpenAiConfig, RetryPolicy};
use serde_json::{Value, json};

/// The key the tests configure; no output may ever contain it.
pub const TEST_KEY: &str = "sk-test-0123456789abcdefSECRET7890";

pub const CHAT: &str = "POST /v1/chat/completions";
pub const MODELS: &str = "GET /v1/models";

/// A prepared HTTP answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Self {
        Self::raw(status, &body.to_string()).header("content-type", "application/json")
    }

    pub fn fixture(status: u16, name: &str) -> Self {
        Self::json(status, fixture(name))
    }

    pub fn raw(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A fixture from `tests/fixtures`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A real-shaped chat completion with the given content and finish reason.
pub fn completion_with(content: Option<&str>, finish_reason: &str) -> Value {
    let mut value = fixture("chat_completion.json");
    value["choices"][0]["message"]["content"] = content.map_or(Value::Null, Value::from);
    value["choices"][0]["finish_reason"] = json!(finish_reason);
    value
}

/// A real-shaped chat completion with the given content.
pub fn completion(content: &str) -> Value {
    completion_with(Some(content), "stop")
}

/// How the server words its refusal of an unsupported parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalStyle {
    /// OpenAI: `param` and `code: unsupported_parameter`.
    OpenAi,
    /// Older OpenAI and some gateways: only the message names the parameter.
    MessageOnly,
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub route: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

#[derive(Default)]
struct Shared {
    queues: HashMap<String, VecDeque<Canned>>,
    defaults: HashMap<String, Canned>,
    received: Vec<Received>,
    expected_key: Option<String>,
    refused_params: Vec<String>,
    refusal_style: Option<RefusalStyle>,
}

/// The running server; stops when dropped.
pub struct FakeApi {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeApi {
    /// Starts a server that lists models and answers chats with the standard fixture.
    pub async fn start() -> Self {
        let mut shared = Shared {
            expected_key: Some(TEST_KEY.to_owned()),
            ..Shared::default()
        };
        shared
            .defaults
            .insert(MODELS.into(), Canned::fixture(200, "models.json"));
        shared
            .defaults
            .insert(CHAT.into(), Canned::fixture(200, "chat_completion.json"));
        let shared = Arc::new(Mutex::new(shared));
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, shared, task }
    }

    /// The API base with `/v1`.
    pub fn base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// A config for this server with the test key and fast retries.
    pub fn config(&self, model: &str) -> OpenAiConfig {
        OpenAiConfig::new(model)
            .with_api_base(self.base())
            .with_api_key(TEST_KEY)
            .with_request_timeout(Duration::from_secs(5))
            .with_probe_timeout(Duration::from_secs(2))
            .with_retry(fast_retry(3))
    }

    /// Answers the next request to `route` with `canned` (queued before the default).
    pub fn enqueue(&self, route: &str, canned: Canned) {
        let mut shared = self.shared.lock().unwrap();
        shared
            .queues
            .entry(route.to_owned())
            .or_default()
            .push_back(canned);
    }

    /// Answers every request to `route` with `canned` once the queue is empty.
    pub fn set_default(&self, route: &str, canned: Canned) {
        let mut shared = self.shared.lock().unwrap();
        shared.defaults.insert(route.to_owned(), canned);
    }

    /// Makes `route` unknown (404), as on servers without that endpoint.
    pub fn remove_route(&self, route: &str) {
        self.shared.lock().unwrap().defaults.remove(route);
    }

    /// Accepts any key, or none (a local server).
    pub fn accept_any_key(&self) {
        self.shared.lock().unwrap().expected_key = None;
    }

    /// Refuses chat requests carrying any of these parameters, like a reasoning model.
    pub fn refuse_params(&self, params: &[&str], style: RefusalStyle) {
        let mut shared = self.shared.lock().unwrap();
        shared.refused_params = params.iter().map(|p| (*p).to_owned()).collect();
        shared.refusal_style = Some(style);
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Requests received on `route`.
    pub fn received_on(&self, route: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.route == route)
            .collect()
    }

    pub fn count(&self, route: &str) -> usize {
        self.received_on(route).len()
    }
}

/// Retries fast enough for tests: 3 ms doubling up to 20 ms, 5 s in all.
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(3),
        max_backoff: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(5),
    }
}

/// A local address nothing listens on.
pub async fn closed_port_base() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/v1")
}

fn error_body(message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let route = format!("{method} {}", uri.path());
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let canned = {
        let mut shared = shared.lock().unwrap();
        shared.received.push(Received {
            route: route.clone(),
            headers: headers.clone(),
            body: parsed.clone(),
        });
        check_request(&shared, &route, &headers, &body, &parsed).unwrap_or_else(|| {
            let queued = shared.queues.get_mut(&route).and_then(VecDeque::pop_front);
            queued
                .or_else(|| shared.defaults.get(&route).cloned())
                .unwrap_or_else(|| {
                    Canned::json(
                        404,
                        error_body(
                            &format!("Invalid URL ({route})"),
                            "invalid_request_error",
                            None,
                            None,
                        ),
                    )
                })
        })
    };
    tokio::time::sleep(canned.delay).await;
    let mut response = Response::builder().status(canned.status);
    for (name, value) in &canned.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(canned.body)).unwrap()
}

/// What a real server would refuse, as the answer it would give.
fn check_request(
    shared: &Shared,
    route: &str,
    headers: &HeaderMap,
    raw: &[u8],
    body: &Value,
) -> Option<Canned> {
    if let Some(key) = &shared.expected_key {
        let given = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(key.as_str()) {
            // Worse than OpenAI, which masks the key: echo it whole to test redaction.
            let message = match given {
                Some(given) => format!("Incorrect API key provided: {given}."),
                None => "You didn't provide an API key.".to_owned(),
            };
            return Some(Canned::json(
                401,
                error_body(
                    &message,
                    "invalid_request_error",
                    None,
                    Some("invalid_api_key"),
                ),
            ));
        }
    }
    if route != CHAT {
        return None;
    }
    let invalid = |message: &str, param: Option<&str>| {
        Some(Canned::json(
            400,
            error_body(message, "invalid_request_error", param, None),
        ))
    };
    let is_json = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json || serde_json::from_slice::<Value>(raw).is_err() {
        return invalid("We could not parse the JSON body of your request.", None);
    }
    if !body["model"].is_string() {
        return invalid("you must provide a model parameter", Some("model"));
    }
    let Some(messages) = body["messages"].as_array().filter(|m| !m.is_empty()) else {
        return invalid("[] is too short - 'messages'", Some("messages"));
    };
    for message in messages {
        let role_ok = matches!(
            message["role"].as_str(),
            Some("system" | "user" | "assistant" | "developer")
        );
        if !role_ok || !message["content"].is_string() {
            return invalid("Invalid message in 'messages'", Some("messages"));
        }
    }
    let refused = shared
        .refused_params
        .iter()
        .find(|p| body.get(p.as_str()).is_some())?;
    let answer = match shared.refusal_style {
        Some(RefusalStyle::MessageOnly) => error_body(
            &format!("Unrecognized request argument supplied: {refused}"),
            "invalid_request_error",
            None,
            None,
        ),
        _ => error_body(
            &format!("Unsupported parameter: '{refused}' is not supported with this model."),
            "invalid_request_error",
            Some(refused),
            Some("unsupported_parameter"),
        ),
    };
    Some(Canned::json(400, answer))
}
