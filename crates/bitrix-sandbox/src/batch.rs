//! `batch`: up to 50 commands given as `method?query`, run in order, with `$result[...]`
//! references, `halt`, and the cloud's result shape (PHP's `[]` for empty maps).

use serde_json::{Value, json};

use crate::coerce::{as_flag, as_text};
use crate::decode::{Params, parse_query};
use crate::envelope::php_map;
use crate::errors::ApiError;
use crate::methods::{Output, any_case};
use crate::portal::Portal;

/// The most commands one batch runs.
pub(crate) const MAX_COMMANDS: usize = 50;

/// What earlier commands produced, for `$result[...]` references.
#[derive(Default)]
struct Earlier {
    result: Vec<(String, Value)>,
    error: Vec<(String, Value)>,
    total: Vec<(String, Value)>,
    next: Vec<(String, Value)>,
    time: Vec<(String, Value)>,
}

/// Runs a batch; the flag asks to drop the connection afterwards (an injected fault).
pub(crate) async fn execute(portal: &Portal, params: Params) -> (Output, bool) {
    let halt = any_case(&params, "halt").and_then(as_flag).unwrap_or(false);
    let commands: Vec<(String, Option<String>)> = match any_case(&params, "cmd") {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), as_text(v))).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), as_text(v)))
            .collect(),
        _ => Vec::new(),
    };
    let mut done = Earlier::default();
    let mut drop_connection = false;
    for (position, (key, command)) in commands.into_iter().enumerate() {
        if position >= MAX_COMMANDS {
            done.error
                .push((key, ApiError::batch_length_exceeded().body()));
            continue;
        }
        let Some(command) = command else {
            done.error.push((
                key,
                ApiError::new(400, "INVALID_REQUEST", "Command must be a string").body(),
            ));
            if halt {
                break;
            }
            continue;
        };
        let (method, query) = command.split_once('?').unwrap_or((command.as_str(), ""));
        let method = normalize_method(method);
        let mut inner = parse_query(query);
        for value in inner.values_mut() {
            substitute(value, &done);
        }
        let outcome = portal.run_command(&method, inner).await;
        drop_connection |= outcome.drop_connection;
        done.time.push((key.clone(), outcome.time.to_json()));
        match outcome.result {
            Ok(output) => {
                if let Some(total) = output.total {
                    done.total.push((key.clone(), json!(total)));
                }
                if let Some(next) = output.next {
                    done.next.push((key.clone(), json!(next)));
                }
                done.result.push((key, output.result));
            }
            Err(error) => {
                done.error.push((key, error.body()));
                if halt {
                    break;
                }
            }
        }
    }
    let result = json!({
        "result": php_map(done.result),
        "result_error": php_map(done.error),
        "result_total": php_map(done.total),
        "result_next": php_map(done.next),
        "result_time": php_map(done.time),
    });
    (Output::value(result), drop_connection)
}

/// A method name as the router sees it: lowercase, without `.json` or a trailing slash.
pub(crate) fn normalize_method(raw: &str) -> String {
    let mut method = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    if let Some(stripped) = method.strip_suffix(".json") {
        method = stripped.to_owned();
    }
    method
}

/// Replaces `$result[key][path]...` (and `$result_total`, `$result_next`) in a value.
/// A value that is exactly one reference takes the referenced JSON value; a reference
/// inside text is replaced by its text. A reference to nothing becomes an empty string.
fn substitute(value: &mut Value, done: &Earlier) {
    match value {
        Value::String(text) if text.contains("$result") => {
            if let Some((referenced, rest)) = parse_reference(text, done)
                && rest.is_empty()
                && text.starts_with("$result")
            {
                *value = referenced.unwrap_or_else(|| Value::String(String::new()));
                return;
            }
            *value = Value::String(substitute_text(text, done));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, done)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, done)),
        _ => {}
    }
}

fn substitute_text(text: &str, done: &Earlier) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("$result") {
        out.push_str(&rest[..at]);
        match parse_reference(&rest[at..], done) {
            Some((referenced, after)) => {
                out.push_str(&referenced.as_ref().map(value_text).unwrap_or_default());
                rest = after;
            }
            None => {
                out.push_str("$result");
                rest = &rest[at + "$result".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => as_text(other).unwrap_or_else(|| other.to_string()),
    }
}

/// Parses one reference at the start of `text`: the referenced value (if any) and the
/// text after the reference; `None` when `text` does not start with a reference.
fn parse_reference<'t>(text: &'t str, done: &Earlier) -> Option<(Option<Value>, &'t str)> {
    let (source, mut rest) = [
        ("$result_total", &done.total),
        ("$result_next", &done.next),
        ("$result_error", &done.error),
        ("$result", &done.result),
    ]
    .into_iter()
    .find_map(|(prefix, source)| text.strip_prefix(prefix).map(|rest| (source, rest)))?;
    let mut path = Vec::new();
    while let Some(stripped) = rest.strip_prefix('[') {
        let close = stripped.find(']')?;
        path.push(&stripped[..close]);
        rest = &stripped[close + 1..];
    }
    let (first, tail) = path.split_first()?;
    let mut current = source.iter().find(|(k, _)| k == first).map(|(_, v)| v);
    for segment in tail {
        current = current.and_then(|v| match v {
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(*segment),
            _ => None,
        });
    }
    Some((current.cloned(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier() -> Earlier {
        Earlier {
            result: vec![
                ("get_user".into(), json!({"ID": "1", "UF_DEPARTMENT": [3]})),
                ("list".into(), json!({"items": [{"id": 7}, {"id": 9}]})),
            ],
            total: vec![("list".into(), json!(2))],
            ..Earlier::default()
        }
    }

    #[test]
    fn whole_value_references_keep_their_type() {
        let mut v = json!("$result[get_user][UF_DEPARTMENT][0]");
        substitute(&mut v, &earlier());
        assert_eq!(v, json!(3));
        let mut v = json!("$result[list][items][1][id]");
        substitute(&mut v, &earlier());
        assert_eq!(v, json!(9));
        let mut v = json!("$result_total[list]");
        substitute(&mut v, &earlier());
        assert_eq!(v, json!(2));
    }

    #[test]
    fn references_in_text_and_missing_references() {
        let mut v = json!({"a": "user $result[get_user][ID] of $result_total[list]"});
        substitute(&mut v, &earlier());
        assert_eq!(v, json!({"a": "user 1 of 2"}));
        let mut v = json!("$result[list][items][49][id]");
        substitute(&mut v, &earlier());
        assert_eq!(v, json!(""));
        let mut v = json!("costs $result alone");
        substitute(&mut v, &earlier());
        assert_eq!(v, json!("costs $result alone"));
    }

    #[test]
    fn method_names_are_normalized() {
        assert_eq!(normalize_method("CRM.Deal.Get.json/"), "crm.deal.get");
        assert_eq!(normalize_method("user.current"), "user.current");
    }
}
