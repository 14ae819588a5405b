//! Turning a portal's HTTP answer into a [`CallOutput`] or an [`Error`], and typed decoding
//! with the failing JSON path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{CallOutput, TimeInfo};
use crate::error::{ApiFailure, Error, bounded};
use crate::model::lenient;

/// Longest excerpt of a body or value kept in a decode error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 300;

/// Methods whose "not found" is an empty `result` with HTTP 200.
const EMPTY_RESULT_IS_NOT_FOUND: &[&str] = &["tasks.task.get"];

/// Parses one HTTP answer of `method`. `redact` removes secrets from excerpts.
pub(crate) fn parse_response(
    method: &str,
    status: u16,
    body: &[u8],
    redact: &dyn Fn(&str) -> String,
) -> Result<CallOutput, Error> {
    let excerpt = || redact(&bounded(&String::from_utf8_lossy(body), EXCERPT_CHARS));
    let value: Value =
        match serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(body)) {
            Ok(value) => value,
            Err(err) if status == 200 => {
                return Err(Error::Decode {
                    context: format!("the answer to `{method}`"),
                    path: path_text(err.path()),
                    message: err.into_inner().to_string(),
                    excerpt: excerpt(),
                });
            }
            // A proxy's HTML page or an empty body: keep the status, show what came.
            Err(_) => {
                let text = if body.is_empty() {
                    "empty response body".to_owned()
                } else {
                    format!("non-JSON response: {}", excerpt())
                };
                return Err(Error::from_failure(ApiFailure::new(Some(status), "", text)));
            }
        };
    let Value::Object(mut envelope) = value else {
        return Err(shape_error(
            method,
            ".",
            "the answer is not a JSON object",
            excerpt(),
        ));
    };
    if let Some(error) = envelope.get("error").filter(|e| !e.is_null()) {
        let (code, description) = error_fields(error, envelope.get("error_description"));
        return Err(Error::from_failure(ApiFailure::new(
            Some(status),
            code,
            redact(&description),
        )));
    }
    if status != 200 {
        return Err(Error::from_failure(ApiFailure::new(
            Some(status),
            "",
            format!("unexpected answer: {}", excerpt()),
        )));
    }
    let Some(result) = envelope.remove("result") else {
        return Err(shape_error(
            method,
            ".",
            "the answer has neither `result` nor `error`",
            excerpt(),
        ));
    };
    let total = count_field(method, &envelope, "total", &excerpt)?;
    let next = count_field(method, &envelope, "next", &excerpt)?;
    let time = match envelope.remove("time") {
        None | Some(Value::Null) => None,
        // PHP's empty map, or anything else odd: timing is advisory, never fatal.
        Some(Value::Array(_)) => None,
        Some(time) => serde_json::from_value::<TimeInfo>(time).ok(),
    };
    let output = CallOutput {
        result,
        total,
        next,
        time,
    };
    not_found_if_empty(method, Some(status), &output.result)?;
    Ok(output)
}

/// `tasks.task.get` answers a missing task with an empty `result` and HTTP 200.
pub(crate) fn not_found_if_empty(
    method: &str,
    status: Option<u16>,
    result: &Value,
) -> Result<(), Error> {
    let lower = method.to_ascii_lowercase();
    if !EMPTY_RESULT_IS_NOT_FOUND.contains(&lower.as_str()) {
        return Ok(());
    }
    let empty = |v: &Value| match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Number(_) | Value::Bool(true) => false,
    };
    let task_missing = match result {
        Value::Object(map) => map.get("task").is_none_or(empty) && map.len() <= 1,
        other => empty(other),
    };
    if task_missing {
        return Err(Error::from_failure(ApiFailure::new(
            status,
            "NOT_FOUND",
            "the task does not exist or is not accessible (empty result)",
        )));
    }
    Ok(())
}

/// Bitrix's `error` and `error_description`, whatever their JSON types (REST 3 nests them).
pub(crate) fn error_fields(error: &Value, description: Option<&Value>) -> (String, String) {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    match error {
        Value::Object(inner) => (text(inner.get("code")), text(inner.get("message"))),
        other => (text(Some(other)), text(description)),
    }
}

fn count_field(
    method: &str,
    envelope: &serde_json::Map<String, Value>,
    key: &str,
    excerpt: &dyn Fn() -> String,
) -> Result<Option<u64>, Error> {
    match envelope.get(key) {
        None => Ok(None),
        Some(value) => match lenient::value_to_i64(value) {
            Ok(n) => Ok(n.map(|n| n.max(0).unsigned_abs())),
            Err(message) => Err(shape_error(method, key, &message, excerpt())),
        },
    }
}

fn shape_error(method: &str, path: &str, message: &str, excerpt: String) -> Error {
    Error::Decode {
        context: format!("the answer to `{method}`"),
        path: path.to_owned(),
        message: message.to_owned(),
        excerpt,
    }
}

/// Decodes `value` into `T`, naming the JSON path that failed and quoting the value there.
pub fn decode_value<T: DeserializeOwned>(value: &Value, context: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().clone();
        let at = locate(value, &path).unwrap_or(value);
        Error::Decode {
            context: context.to_owned(),
            path: path_text(&path),
            message: err.into_inner().to_string(),
            excerpt: bounded(&at.to_string(), EXCERPT_CHARS),
        }
    })
}

fn path_text(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}

/// The value at `path` (or its nearest existing ancestor's child), for the excerpt.
fn locate<'v>(mut value: &'v Value, path: &serde_path_to_error::Path) -> Option<&'v Value> {
    use serde_path_to_error::Segment;
    for segment in path.iter() {
        let next = match (segment, value) {
            (Segment::Seq { index }, Value::Array(items)) => items.get(*index),
            (Segment::Map { key }, Value::Object(map)) => map.get(key),
            _ => None,
        };
        match next {
            Some(child) => value = child,
            None => break,
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(status: u16, body: &str) -> Result<CallOutput, Error> {
        parse_response("crm.deal.list", status, body.as_bytes(), &|s: &str| {
            s.replace("SECRET", "<redacted>")
        })
    }

    #[test]
    fn success_envelope_with_paging_and_odd_time() {
        let out = parse(
            200,
            r#"{"result":[{"ID":"1"}],"next":50,"total":"654","time":{"start":1761054322,"operating":"0.5","operating_reset_at":1705765533.0}}"#,
        )
        .unwrap();
        assert_eq!(out.total, Some(654));
        assert_eq!(out.next, Some(50));
        let time = out.time.unwrap();
        assert_eq!(time.operating, Some(0.5));
        assert_eq!(time.operating_reset_at, Some(1705765533));
        assert_eq!(time.start, Some(1761054322.0));
    }

    #[test]
    fn error_envelopes_keep_code_description_and_status() {
        let err = parse(
            503,
            r#"{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}"#,
        )
        .unwrap_err();
        assert!(err.is_rate_limited());
        assert_eq!(
            (err.code(), err.http_status()),
            (Some("QUERY_LIMIT_EXCEEDED"), Some(503))
        );
        let rest3 = parse(
            403,
            r#"{"error":{"code":"BITRIX_REST_V3_EXCEPTION_ACCESSDENIEDEXCEPTION","message":"no"}}"#,
        )
        .unwrap_err();
        assert!(rest3.is_access_denied());
        let html = parse(502, "<html>Bad gateway SECRET</html>").unwrap_err();
        assert!(html.is_server());
        assert!(!html.to_string().contains("SECRET"));
    }

    #[test]
    fn broken_json_names_the_path_and_quotes_the_body() {
        let err = parse(200, r#"{"result":[{"ID":"1"},{"ID": tru}]}"#).unwrap_err();
        match &err {
            Error::Decode { path, excerpt, .. } => {
                assert_eq!(path, "result[1].ID");
                assert!(excerpt.starts_with(r#"{"result""#));
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(200, r#"{"total":1}"#).unwrap_err().is_decode());
    }

    #[test]
    fn empty_task_is_not_found() {
        let err = parse_response("tasks.task.get", 200, br#"{"result":[]}"#, &|s: &str| {
            s.to_owned()
        })
        .unwrap_err();
        assert!(err.is_not_found());
        assert!(
            parse_response(
                "tasks.task.get",
                200,
                br#"{"result":{"task":{"id":"1"}}}"#,
                &|s: &str| s.to_owned()
            )
            .is_ok()
        );
    }

    #[test]
    fn typed_decode_names_the_failing_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            id: u32,
        }
        let value = json!({"items": [{"id": 1}, {"id": "x"}]});
        let err =
            decode_value::<std::collections::HashMap<String, Vec<Row>>>(&value, "crm.item.list")
                .unwrap_err();
        match err {
            Error::Decode { path, excerpt, .. } => {
                assert_eq!(path, "items[1].id");
                assert_eq!(excerpt, "\"x\"");
            }
            other => panic!("{other:?}"),
        }
    }
}
