//! Small JSON helpers shared by the modules.

use serde_json::Value;

/// The value of the first key of `value` (an object) equal to one of `names`, ignoring case.
pub(crate) fn get_ci<'a>(value: &'a Value, names: &[&str]) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
        .map(|(_, v)| v)
}

/// A non-negative integer written as a JSON number or a numeric string (Bitrix24 uses both).
pub(crate) fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A trimmed string field, or empty.
pub(crate) fn text_of(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Shortens text to `max` characters, marking the cut with `…`.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    text.chars().take(max).collect::<String>() + "…"
}
