//! `batch`: building the request, reading per-command results, and running any number of
//! calls in batches of 50.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::api::{BatchCall, BatchItem, BatchOutcome, BitrixApi, CallOutput, TimeInfo};
use crate::envelope::{error_fields, not_found_if_empty};
use crate::error::Error;
use crate::model::lenient;
use crate::query::build_query;

/// The most commands one `batch` request may carry.
pub const MAX_BATCH_COMMANDS: usize = 50;

/// A `$result[key][path]...` reference to an earlier command's result, for a later command's
/// parameters in the same batch: `result_ref("deals", ["0", "ID"])` is `$result[deals][0][ID]`.
pub fn result_ref<I, S>(key: &str, path: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = format!("$result[{key}]");
    for segment in path {
        out.push('[');
        out.push_str(segment.as_ref());
        out.push(']');
    }
    out
}

/// Checks the commands and builds the JSON body of a `batch` request.
pub(crate) fn build_body(calls: &[BatchCall], halt: bool) -> Result<Value, Error> {
    if calls.len() > MAX_BATCH_COMMANDS {
        return Err(Error::InvalidRequest(format!(
            "a batch holds at most {MAX_BATCH_COMMANDS} commands, got {}; use call_many to split them",
            calls.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut cmd = Map::new();
    for call in calls {
        check_key(&call.key)?;
        if !seen.insert(call.key.as_str()) {
            return Err(Error::InvalidRequest(format!(
                "batch key `{}` is used twice",
                call.key
            )));
        }
        crate::client::check_method_name(&call.method)?;
        if call.method.eq_ignore_ascii_case("batch") {
            return Err(Error::InvalidRequest(
                "a batch cannot contain another batch".to_owned(),
            ));
        }
        let query = build_query(&call.params)?;
        let command = if query.is_empty() {
            call.method.clone()
        } else {
            format!("{}?{query}", call.method)
        };
        cmd.insert(call.key.clone(), Value::String(command));
    }
    Ok(json!({ "halt": u8::from(halt), "cmd": cmd }))
}

fn check_key(key: &str) -> Result<(), Error> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "batch key {key:?} must be 1-64 letters, digits, `_`, `-` or `.`"
        )))
    }
}

/// Reads a batch's `result` into one item per command, in the order given.
pub(crate) fn parse_outcome(
    calls: &[BatchCall],
    output: CallOutput,
) -> Result<BatchOutcome, Error> {
    let decode_error = |path: String, message: String, excerpt: &Value| Error::Decode {
        context: "the answer to `batch`".to_owned(),
        path,
        message,
        excerpt: crate::error::bounded(&excerpt.to_string(), crate::envelope::EXCERPT_CHARS),
    };
    let mut body = match output.result {
        Value::Object(map) => map,
        // Everything failed and PHP sent empty maps as `[]`.
        Value::Array(items) if items.is_empty() => Map::new(),
        other => {
            let message = "a batch result must be an object".to_owned();
            return Err(decode_error("result".to_owned(), message, &other));
        }
    };
    let mut section = |name: &str| -> Result<Map<String, Value>, Error> {
        let value = body.remove(name).unwrap_or(Value::Null);
        match value {
            Value::Object(map) => Ok(map),
            other => lenient::map(&other)
                .map_err(|e| decode_error(format!("result.{name}"), e.to_string(), &other)),
        }
    };
    let mut results = section("result")?;
    let errors = section("result_error")?;
    let totals = section("result_total")?;
    let nexts = section("result_next")?;
    let mut times = section("result_time")?;

    let count = |map: &Map<String, Value>, key: &str| {
        map.get(key)
            .and_then(|v| lenient::value_to_i64(v).ok().flatten())
            .map(|n| n.max(0).unsigned_abs())
    };
    let mut items = Vec::with_capacity(calls.len());
    for call in calls {
        let key = call.key.as_str();
        let item = if let Some(error) = errors.get(key) {
            let (code, description) = match error {
                Value::Object(obj) => error_fields(
                    obj.get("error").unwrap_or(&Value::Null),
                    obj.get("error_description"),
                ),
                other => (String::new(), error_fields(other, None).0),
            };
            BatchItem::Err { code, description }
        } else if let Some(result) = results.remove(key) {
            match not_found_if_empty(&call.method, None, &result) {
                Err(err) => BatchItem::Err {
                    code: err.code().unwrap_or_default().to_owned(),
                    description: err.description().unwrap_or_default().to_owned(),
                },
                Ok(()) => BatchItem::Ok(CallOutput {
                    result,
                    total: count(&totals, key),
                    next: count(&nexts, key),
                    time: times
                        .remove(key)
                        .and_then(|t| serde_json::from_value::<TimeInfo>(t).ok()),
                }),
            }
        } else {
            BatchItem::Skipped
        };
        items.push((call.key.clone(), item));
    }
    Ok(BatchOutcome {
        items,
        time: output.time,
    })
}

/// Calls that completed before a batch failed as a whole, and that failure.
///
/// The calls after `completed` were not sent, unless `error` is
/// [`Error::WriteOutcomeUnknown`]: then the batch that failed may have run.
#[derive(Debug)]
pub struct PartialBatchFailure {
    /// Results of the batches that completed, in input order.
    pub completed: Vec<(String, BatchItem)>,
    /// Why the next batch failed.
    pub error: Error,
}

impl fmt::Display for PartialBatchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (after {} command(s) completed)",
            self.error,
            self.completed.len()
        )
    }
}

impl std::error::Error for PartialBatchFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<PartialBatchFailure> for Error {
    fn from(failure: PartialBatchFailure) -> Self {
        failure.error
    }
}

/// Runs any number of calls as consecutive batches of up to 50 and returns one item per call
/// in input order.
///
/// Keys must be unique; `$result[...]` references work between calls of the same batch of 50
/// (calls `0..50`, `50..100`, ...). With `halt`, the first failed command stops the run and the
/// calls after it come back as [`BatchItem::Skipped`].
pub async fn call_many<A: BitrixApi + ?Sized>(
    api: &A,
    calls: Vec<BatchCall>,
    halt: bool,
) -> Result<Vec<(String, BatchItem)>, PartialBatchFailure> {
    let mut seen = HashSet::new();
    if let Some(dup) = calls.iter().find(|c| !seen.insert(c.key.as_str())) {
        return Err(PartialBatchFailure {
            completed: Vec::new(),
            error: Error::InvalidRequest(format!("batch key `{}` is used twice", dup.key)),
        });
    }
    let mut completed: Vec<(String, BatchItem)> = Vec::with_capacity(calls.len());
    let mut halted = false;
    let mut rest = calls.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<BatchCall> = rest.by_ref().take(MAX_BATCH_COMMANDS).collect();
        if halted {
            completed.extend(chunk.into_iter().map(|c| (c.key, BatchItem::Skipped)));
            continue;
        }
        match api.batch(chunk, halt).await {
            Ok(outcome) => {
                halted = halt
                    && outcome
                        .items
                        .iter()
                        .any(|(_, item)| !matches!(item, BatchItem::Ok(_)));
                completed.extend(outcome.items);
            }
            Err(error) => return Err(PartialBatchFailure { completed, error }),
        }
    }
    Ok(completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(key: &str, method: &str, params: Value) -> BatchCall {
        BatchCall {
            key: key.to_owned(),
            method: method.to_owned(),
            params,
        }
    }

    #[test]
    fn builds_commands_and_rejects_bad_batches() {
        let body = build_body(
            &[
                call("user", "user.current", Value::Null),
                call(
                    "dep",
                    "department.get",
                    json!({"ID": result_ref("user", ["UF_DEPARTMENT", "0"])}),
                ),
            ],
            true,
        )
        .unwrap();
        assert_eq!(body["halt"], 1);
        assert_eq!(body["cmd"]["user"], "user.current");
        assert_eq!(
            body["cmd"]["dep"],
            "department.get?ID=%24result%5Buser%5D%5BUF_DEPARTMENT%5D%5B0%5D"
        );
        let many: Vec<_> = (0..51)
            .map(|i| call(&format!("c{i}"), "profile", Value::Null))
            .collect();
        assert!(build_body(&many, false).unwrap_err().is_bad_argument());
        let dup = [
            call("a", "profile", Value::Null),
            call("a", "profile", Value::Null),
        ];
        assert!(build_body(&dup, false).is_err());
        assert!(build_body(&[call("a[0]", "profile", Value::Null)], false).is_err());
        assert!(build_body(&[call("a", "batch", Value::Null)], false).is_err());
        assert!(build_body(&[call("a", "../x", Value::Null)], false).is_err());
    }

    #[test]
    fn reads_all_failed_batch_with_php_empty_maps() {
        let calls = [
            call("a", "crm.deal.get", json!({"id": 1})),
            call("b", "crm.deal.get", json!({"id": 2})),
        ];
        let output = CallOutput {
            result: json!({"result": [], "result_error": {
                "a": {"error": "", "error_description": "Not found"},
                "b": {"error": "ACCESS_DENIED", "error_description": "Access denied!"}},
                "result_total": [], "result_next": [], "result_time": []}),
            total: None,
            next: None,
            time: None,
        };
        let outcome = parse_outcome(&calls, output).unwrap();
        assert_eq!(
            outcome.items[0].1,
            BatchItem::Err {
                code: String::new(),
                description: "Not found".to_owned()
            }
        );
        assert!(
            matches!(&outcome.items[1].1, BatchItem::Err { code, .. } if code == "ACCESS_DENIED")
        );
    }
}
