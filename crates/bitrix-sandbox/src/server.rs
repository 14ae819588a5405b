//! HTTP routing: `/rest/{user}/{code}/{method}` with the cloud's auth, limits and
//! envelopes, and the control endpoints under `/sandbox/`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get};
use serde_json::{Value, json};

use crate::batch::normalize_method;
use crate::decode::decode_request;
use crate::envelope::success_body;
use crate::errors::ApiError;
use crate::faults::Fault;
use crate::portal::{CallOutcome, Portal};

/// The largest request body accepted.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The portal's routes.
pub(crate) fn router(portal: Arc<Portal>) -> Router {
    Router::new()
        .route("/rest/{*path}", any(rest))
        .route("/sandbox/stats", get(stats).delete(reset_stats))
        .route(
            "/sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/sandbox/faults/{id}", delete(remove_fault))
        .route("/sandbox/data", get(data))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(portal)
}

fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn error_response(error: &ApiError) -> Response {
    json_response(error.status, &error.body())
}

/// A response whose body fails at once, so the connection closes without an answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by a fault"))
    });
    Response::new(Body::from_stream(stream))
}

/// Where a `/rest/...` path points.
enum Target {
    Webhook {
        user: String,
        code: String,
        method: String,
    },
    /// `/rest/{method}` (OAuth applications; the sandbox has no application tokens).
    Application,
    /// A webhook path without a method, or with extra segments.
    NoMethod,
}

fn parse_path(path: &str) -> Target {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [_method] => Target::Application,
        [user, code] => Target::Webhook {
            user: (*user).to_owned(),
            code: (*code).to_owned(),
            method: String::new(),
        },
        [user, code, method] => Target::Webhook {
            user: (*user).to_owned(),
            code: (*code).to_owned(),
            method: normalize_method(method),
        },
        _ => Target::NoMethod,
    }
}

async fn rest(
    State(portal): State<Arc<Portal>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(path): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    portal.stats.update(|s| s.requests += 1);
    let (user, code, method) = match parse_path(&path) {
        Target::Webhook { user, code, method } => (user, code, method),
        Target::Application => {
            portal.stats.update(|s| s.auth_failures += 1);
            return error_response(&ApiError::no_auth());
        }
        Target::NoMethod => return error_response(&ApiError::method_not_found()),
    };
    if let Err(error) = portal.check_auth(&user, &code) {
        portal.stats.update(|s| s.auth_failures += 1);
        return error_response(&error);
    }
    if !portal.limiter.admit(peer.ip(), portal.clock.elapsed()) {
        portal.stats.update(|s| s.rate_limited += 1);
        return error_response(&ApiError::query_limit());
    }
    if method.is_empty() {
        return error_response(&ApiError::method_not_found());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = match decode_request(uri.query(), content_type, &body) {
        Ok(params) => params,
        Err(error) => return error_response(&error),
    };
    let outcome = portal.run_method(&method, params).await;
    portal.persist().await;
    respond(&portal, outcome)
}

fn respond(portal: &Portal, outcome: CallOutcome) -> Response {
    if outcome.drop_connection {
        portal.stats.update(|s| s.connections_dropped += 1);
        return dropped_connection();
    }
    match outcome.result {
        Ok(output) => json_response(
            200,
            &success_body(output.result, output.total, output.next, outcome.time),
        ),
        Err(error) => error_response(&error),
    }
}

async fn stats(State(portal): State<Arc<Portal>>) -> Response {
    json_response(200, &json!(portal.stats.snapshot()))
}

async fn reset_stats(State(portal): State<Arc<Portal>>) -> Response {
    portal.stats.reset();
    json_response(200, &json!({"ok": true}))
}

async fn list_faults(State(portal): State<Arc<Portal>>) -> Response {
    let faults: Vec<Value> = portal
        .faults
        .list()
        .into_iter()
        .map(|(id, fault)| json!({"id": id, "fault": fault}))
        .collect();
    json_response(200, &Value::Array(faults))
}

async fn add_fault(State(portal): State<Arc<Portal>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => json_response(200, &json!({"id": portal.faults.add(fault)})),
        Err(e) => json_response(
            400,
            &json!({"error": "INVALID_FAULT", "error_description": format!("cannot read the fault: {e}")}),
        ),
    }
}

async fn clear_faults(State(portal): State<Arc<Portal>>) -> Response {
    portal.faults.clear();
    json_response(200, &json!({"ok": true}))
}

async fn remove_fault(State(portal): State<Arc<Portal>>, Path(id): Path<u64>) -> Response {
    if portal.faults.remove(id) {
        json_response(200, &json!({"ok": true}))
    } else {
        (StatusCode::NOT_FOUND, "no such fault").into_response()
    }
}

async fn data(State(portal): State<Arc<Portal>>) -> Response {
    json_response(200, &crate::redacted_snapshot(&portal))
}
