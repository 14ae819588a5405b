//! A local OpenAI-compatible server that answers chat completions from a script.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The key the fake server accepts.
pub const API_KEY: &str = "sk-test-0123456789abcdef";

#[derive(Default)]
struct Script {
    replies: Vec<String>,
    requests: Vec<Value>,
}

/// A running fake server; dropped with the test's runtime.
#[derive(Clone)]
pub struct FakeOpenAi {
    /// The base URL to put in `OPENAI_API_BASE`.
    pub base: String,
    script: Arc<Mutex<Script>>,
}

impl FakeOpenAi {
    /// Starts a server on 127.0.0.1 that replies with `replies` in order.
    pub async fn start(replies: &[&str]) -> Self {
        let script = Arc::new(Mutex::new(Script {
            replies: replies.iter().rev().map(|s| (*s).to_owned()).collect(),
            requests: Vec::new(),
        }));
        let app = Router::new()
            .route("/v1/models", get(models))
            .route("/v1/chat/completions", post(completions))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}/v1"),
            script,
        }
    }

    /// Adds replies to the end of the script.
    pub fn push_replies(&self, replies: &[&str]) {
        let mut script = self.script.lock().unwrap();
        let mut rest: Vec<String> = replies.iter().rev().map(|s| (*s).to_owned()).collect();
        rest.append(&mut script.replies);
        script.replies = rest;
    }

    /// The chat-completion requests received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.script.lock().unwrap().requests.clone()
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {API_KEY}"))
}

fn unauthorized() -> (StatusCode, Json<Value>) {
    let body = json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
    (StatusCode::UNAUTHORIZED, Json(body))
}

async fn models(headers: HeaderMap) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return unauthorized();
    }
    (
        StatusCode::OK,
        Json(
            json!({"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "test"}]}),
        ),
    )
}

async fn completions(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut script = script.lock().unwrap();
    script.requests.push(request);
    let Some(content) = script.replies.pop() else {
        let body = json!({"error": {"message": "the test script has no more replies", "type": "server_error", "param": null, "code": null}});
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body));
    };
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    });
    (StatusCode::OK, Json(body))
}
