//! A small data portal on 127.0.0.1 for paging, batch and benchmark runs: list methods over
//! generated rows (offset paging, `start=-1`, `>ID` filters, wrapped results), `batch` with
//! PHP-style query parsing and `$result[...]` references, and fault switches.
//!
//! Shared by the integration tests and the export benchmark (`#[path]` include).

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The webhook token every test portal accepts.
pub const TOKEN: &str = "t0ps3cr3tT0k3n42";
const PAGE: usize = 50;

/// Fault switches and counters of a [`DataPortal`].
#[derive(Default)]
pub struct DataPortal {
    /// How many rows each list method has; row `i` (1-based) has ID `2 * i`.
    pub rows: usize,
    /// HTTP requests received.
    pub requests: AtomicUsize,
    /// Ignore `>ID` filters (a portal whose cursor never advances).
    pub ignore_id_filter: AtomicBool,
    /// Answer every offset page with `next` equal to its own `start`.
    pub stall_next: AtomicBool,
    /// Answer the n-th request (1-based) with HTTP 500.
    pub fail_request: AtomicUsize,
    /// Every batch command string received, in order.
    pub commands: std::sync::Mutex<Vec<String>>,
}

impl DataPortal {
    /// A portal with `rows` rows per list method.
    pub fn new(rows: usize) -> Arc<Self> {
        Arc::new(Self {
            rows,
            ..Self::default()
        })
    }

    /// Requests received so far.
    pub fn request_count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts the portal; returns the webhook URL (`http://127.0.0.1:PORT/rest/1/TOKEN/`).
pub async fn start(portal: Arc<DataPortal>) -> String {
    let app = axum::Router::new()
        .route("/rest/{user}/{token}/{method}", axum::routing::post(handle))
        .with_state(portal);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/rest/1/{TOKEN}/")
}

async fn handle(
    State(portal): State<Arc<DataPortal>>,
    Path((_user, token, method)): Path<(String, String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    let n = portal.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if token != TOKEN {
        return error(401, "NO_AUTH_FOUND", "Wrong authorization data");
    }
    if portal.fail_request.load(Ordering::SeqCst) == n {
        return error(500, "INTERNAL_SERVER_ERROR", "Internal server error");
    }
    let params = body.map(|Json(v)| v).unwrap_or(Value::Null);
    let method = method.trim_end_matches(".json").to_ascii_lowercase();
    if method == "batch" {
        return (StatusCode::OK, Json(run_batch(&portal, &params))).into_response();
    }
    match run_method(&portal, &method, &params) {
        Ok(envelope) => (StatusCode::OK, Json(envelope)).into_response(),
        Err((status, code, text)) => error(status, code, &text),
    }
}

fn error(status: u16, code: &str, description: &str) -> Response {
    (
        StatusCode::from_u16(status).expect("status"),
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

fn time() -> Value {
    json!({"start": 1705764932.99, "finish": 1705764933.01, "duration": 0.02,
           "operating": 0.01, "operating_reset_at": 1705765533})
}

type MethodError = (u16, &'static str, String);

/// Runs one method; returns the full envelope (`result`, `total`, `next`, `time`).
fn run_method(portal: &DataPortal, method: &str, params: &Value) -> Result<Value, MethodError> {
    if method == "test.echo" {
        return Ok(json!({"result": params, "time": time()}));
    }
    if !(method.ends_with(".list") || method == "user.get") {
        return Err((
            404,
            "ERROR_METHOD_NOT_FOUND",
            "Method not found!".to_owned(),
        ));
    }
    let (id_key, wrapper) = match method {
        "crm.item.list" => ("id", Some("items")),
        "tasks.task.list" => ("id", Some("tasks")),
        _ => ("ID", None),
    };
    let start = int(params.get("start")).unwrap_or(0);
    let filter = params
        .get("filter")
        .or_else(|| params.get("FILTER"))
        .and_then(Value::as_object);
    let above = filter
        .and_then(|f| f.get(">ID").or_else(|| f.get(">id")))
        .filter(|_| !portal.ignore_id_filter.load(Ordering::SeqCst))
        .map(|v| int(Some(v)).unwrap_or(0))
        .unwrap_or(0);
    // Row i has ID 2*i; rows with ID > above start at index above/2 (0-based).
    let first_index = usize::try_from(above.max(0) / 2)
        .unwrap_or(usize::MAX)
        .min(portal.rows);
    let matching = portal.rows - first_index;
    let (offset, total, next) = if start < 0 {
        (0, 0, None)
    } else {
        let offset = usize::try_from(start).unwrap_or(0);
        let next = if portal.stall_next.load(Ordering::SeqCst) {
            Some(offset)
        } else {
            Some(offset + PAGE).filter(|n| *n < matching)
        };
        (offset, matching, next)
    };
    let rows: Vec<Value> = (first_index + offset..(first_index + offset + PAGE).min(portal.rows))
        .map(|i| row(method, id_key, 2 * (i as i64 + 1)))
        .collect();
    let result = match wrapper {
        Some(key) => json!({ key: rows }),
        None => Value::Array(rows),
    };
    let mut envelope = json!({"result": result, "total": total, "time": time()});
    if let Some(next) = next {
        envelope["next"] = json!(next);
    }
    Ok(envelope)
}

fn row(method: &str, id_key: &str, id: i64) -> Value {
    match method {
        "crm.item.list" => json!({"id": id, "title": format!("Item {id}"), "opportunity": 1000}),
        "tasks.task.list" => {
            json!({"id": id.to_string(), "title": format!("Task {id}"), "status": "2"})
        }
        _ => {
            json!({ id_key: id.to_string(), "TITLE": format!("Deal #{id}"), "OPPORTUNITY": "1000.00",
                     "DATE_CREATE": "2024-08-30T14:29:00+02:00", "CLOSEDATE": "" })
        }
    }
}

fn int(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Runs a `batch` the way the portal does: commands in order, `$result` references, `halt`.
fn run_batch(portal: &DataPortal, body: &Value) -> Value {
    let halt =
        matches!(body.get("halt"), Some(Value::Bool(true))) || int(body.get("halt")) == Some(1);
    let commands = body
        .get("cmd")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut results = Map::new();
    let mut errors = Map::new();
    let mut totals = Map::new();
    let mut nexts = Map::new();
    let mut times = Map::new();
    for (index, (key, command)) in commands.iter().enumerate() {
        let command = command.as_str().unwrap_or_default();
        portal.commands.lock().unwrap().push(command.to_owned());
        if index >= PAGE {
            errors.insert(key.clone(), json!({"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}));
            continue;
        }
        let (method, query) = command.split_once('?').unwrap_or((command, ""));
        let params = substitute(parse_str(query), &results);
        match run_method(portal, &method.to_ascii_lowercase(), &params) {
            Ok(envelope) => {
                results.insert(key.clone(), envelope["result"].clone());
                if let Some(total) = envelope.get("total") {
                    totals.insert(key.clone(), total.clone());
                }
                if let Some(next) = envelope.get("next") {
                    nexts.insert(key.clone(), next.clone());
                }
                times.insert(key.clone(), time());
            }
            Err((_, code, text)) => {
                errors.insert(
                    key.clone(),
                    json!({"error": code, "error_description": text}),
                );
                if halt {
                    break;
                }
            }
        }
    }
    let php = |map: Map<String, Value>| {
        if map.is_empty() {
            json!([])
        } else {
            Value::Object(map)
        }
    };
    json!({"result": {"result": php(results), "result_error": php(errors), "result_total": php(totals),
                      "result_next": php(nexts), "result_time": php(times)}, "time": time()})
}

/// PHP's `parse_str`: `a[b][c]=1&a[d][]=2` into nested objects (every leaf a string).
pub fn parse_str(query: &str) -> Value {
    let mut root = Map::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let (head, rest) = key
            .split_once('[')
            .map_or((key.as_ref(), ""), |(h, r)| (h, r));
        let mut path = vec![head.to_owned()];
        path.extend(
            rest.split('[')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_end_matches(']').to_owned()),
        );
        let mut node = &mut root;
        for (depth, segment) in path.iter().enumerate() {
            let segment = if segment.is_empty() {
                node.len().to_string()
            } else {
                segment.clone()
            };
            if depth + 1 == path.len() {
                node.insert(segment, Value::String(value.clone().into_owned()));
                break;
            }
            let child = node.entry(segment).or_insert_with(|| json!({}));
            if !child.is_object() {
                *child = json!({});
            }
            node = child.as_object_mut().expect("object");
        }
    }
    Value::Object(root)
}

/// Replaces `$result[key][path]...` values with what earlier commands returned ("" if absent).
fn substitute(value: Value, results: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) if s.starts_with("$result[") => {
            let segments: Vec<&str> = s["$result".len()..]
                .split(']')
                .filter_map(|part| part.strip_prefix('['))
                .collect();
            let mut node = results.get(segments[0]);
            for segment in &segments[1..] {
                node = node.and_then(|n| match n {
                    Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                    Value::Object(map) => map.get(*segment),
                    _ => None,
                });
            }
            match node {
                Some(Value::String(text)) => Value::String(text.clone()),
                Some(Value::Number(n)) => Value::String(n.to_string()),
                _ => Value::String(String::new()),
            }
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, substitute(v, results)))
                .collect(),
        ),
        other => other,
    }
}

/// Counts per method, for assertions on what the portal saw.
pub fn count_by_method(commands: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for command in commands {
        let method = command.split('?').next().unwrap_or_default().to_owned();
        *counts.entry(method).or_insert(0) += 1;
    }
    counts
}
