//! Value coercion: form strings and JSON values into each field type's canonical form,
//! dates in the formats the cloud accepts, and PHP's lenient number parsing.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::{Number, Value};

use crate::clock::portal_offset;
use crate::schema::Ty;

/// Formats a date-time the way the portal shows it: `2024-08-30T14:29:00+03:00`.
pub(crate) fn format_iso(dt: &DateTime<FixedOffset>) -> String {
    dt.with_timezone(&portal_offset())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parses a date or date-time as the cloud accepts it: ISO 8601 with or without an
/// offset, `YYYY-MM-DD`, `YYYY-MM-DD hh:mm:ss`, or the portal's `DD.MM.YYYY[ hh:mm:ss]`.
/// Times without an offset are in the portal's zone; the result is in the portal's zone.
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&portal_offset()));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(text, format) {
            return Some(dt.with_timezone(&portal_offset()));
        }
    }
    const NAIVE: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ];
    for format in NAIVE {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return portal_offset().from_local_datetime(&naive).single();
        }
    }
    for format in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            let naive = date.and_hms_opt(0, 0, 0)?;
            return portal_offset().from_local_datetime(&naive).single();
        }
    }
    None
}

/// Normalises a date or date-time text into the stored ISO form.
pub(crate) fn normalize_date(text: &str, date_only: bool) -> Option<String> {
    let dt = parse_datetime(text)?;
    if date_only {
        let naive = dt.date_naive().and_hms_opt(0, 0, 0)?;
        let midnight = portal_offset().from_local_datetime(&naive).single()?;
        return Some(format_iso(&midnight));
    }
    Some(format_iso(&dt))
}

/// PHP's `intval` of a string: leading digits with an optional sign, else 0.
pub(crate) fn php_intval(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

/// PHP's `floatval` of a string: the longest numeric prefix, else 0.
pub(crate) fn php_floatval(text: &str) -> f64 {
    // Only a short prefix can be a number; this keeps the scan cheap on long texts.
    let t: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .replace(',', ".");
    let mut end = 0;
    for i in (1..=t.len()).rev() {
        if t.is_char_boundary(i) && t[..i].parse::<f64>().is_ok() {
            end = i;
            break;
        }
    }
    t[..end].parse::<f64>().unwrap_or(0.0)
}

/// A JSON number for a float, shown without `.0` when whole (as PHP prints it).
pub(crate) fn php_number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// The text of a scalar value (numbers and booleans as PHP would cast them).
pub(crate) fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) => Some(String::new()),
        _ => None,
    }
}

/// A positive integer id from a number or a numeric string.
pub(crate) fn as_id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
}

/// An integer from a number or string, PHP-style (`"12abc"` is 12).
pub(crate) fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(php_intval(s)),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// A yes/no flag from `Y`/`N`, `1`/`0`, `true`/`false`.
pub(crate) fn as_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::String(s) => match s.trim().to_ascii_uppercase().as_str() {
            "Y" | "1" | "TRUE" | "YES" => Some(true),
            "N" | "0" | "FALSE" | "NO" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The items of a list parameter: an array, the values of an object, or one scalar.
pub(crate) fn as_items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Coerces an input value into the canonical stored form of a field type.
///
/// `Err(())` means the value cannot be read as that type (a date that is not a date);
/// legacy CRM ignores such values, tasks report them. Multi-fields are handled by the
/// CRM module because they merge with the stored value.
pub(crate) fn coerce_input(ty: Ty, value: &Value) -> Result<Value, ()> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let empty_text = matches!(value, Value::String(s) if s.trim().is_empty());
    Ok(match ty {
        Ty::Int | Ty::IntNum => match as_int(value) {
            Some(n) => Value::from(n),
            None if empty_text => Value::Null,
            None => return Err(()),
        },
        Ty::Double => match value {
            Value::Number(n) => php_number(n.as_f64().unwrap_or_default()),
            Value::String(s) if s.trim().is_empty() => Value::Null,
            Value::String(s) => php_number(php_floatval(s)),
            Value::Bool(b) => Value::from(i64::from(*b)),
            _ => return Err(()),
        },
        Ty::Char => Value::String(if as_flag(value).ok_or(())? { "Y" } else { "N" }.into()),
        Ty::Bool => Value::Bool(as_flag(value).ok_or(())?),
        Ty::Str => match as_text(value) {
            Some(text) => Value::String(text),
            None => return Err(()),
        },
        Ty::Date | Ty::DateTime | Ty::PortalDateTime | Ty::SqlDateTime => {
            let text = as_text(value).ok_or(())?;
            if text.trim().is_empty() {
                Value::Null
            } else {
                Value::String(normalize_date(&text, ty == Ty::Date).ok_or(())?)
            }
        }
        Ty::IntList => Value::Array(
            as_items(value)
                .into_iter()
                .filter_map(as_int)
                .map(Value::from)
                .collect(),
        ),
        Ty::StrList => Value::Array(
            as_items(value)
                .into_iter()
                .filter_map(as_text)
                .filter(|s| !s.is_empty())
                .map(Value::String)
                .collect(),
        ),
        Ty::Multi => return Err(()),
    })
}

/// Whether a stored value has the canonical JSON shape of its type (data-file check).
pub(crate) fn is_canonical(ty: Ty, value: &Value) -> bool {
    match (ty, value) {
        (_, Value::Null) => true,
        (Ty::Int | Ty::IntNum, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Ty::Double, Value::Number(_)) => true,
        (Ty::Char, Value::String(s)) => s == "Y" || s == "N",
        (Ty::Bool, Value::Bool(_)) => true,
        (Ty::Str, Value::String(_)) => true,
        (Ty::Date | Ty::DateTime | Ty::PortalDateTime | Ty::SqlDateTime, Value::String(s)) => {
            DateTime::parse_from_rfc3339(s).is_ok()
        }
        (Ty::IntList, Value::Array(items)) => items.iter().all(|v| v.is_i64() || v.is_u64()),
        (Ty::StrList, Value::Array(items)) => items.iter().all(Value::is_string),
        (Ty::Multi, Value::Array(items)) => items.iter().all(|v| {
            v.get("ID").is_some_and(|id| id.is_u64())
                && v.get("VALUE").is_some_and(Value::is_string)
                && v.get("TYPE_ID").is_some_and(Value::is_string)
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_in_every_accepted_format() {
        let expect = "2025-12-31T23:59:59+03:00";
        for input in [
            "2025-12-31T23:59:59",
            "2025-12-31T23:59:59+03:00",
            "2025-12-31T20:59:59Z",
            "2025-12-31T21:59:59+01:00",
            "2025-12-31 23:59:59",
            "31.12.2025 23:59:59",
        ] {
            assert_eq!(
                normalize_date(input, false).as_deref(),
                Some(expect),
                "{input}"
            );
        }
        assert_eq!(
            normalize_date("2025-12-31", false).as_deref(),
            Some("2025-12-31T00:00:00+03:00")
        );
        assert_eq!(
            normalize_date("2025-12-31T18:00:00", true).as_deref(),
            Some("2025-12-31T00:00:00+03:00")
        );
        assert_eq!(normalize_date("tomorrow", false), None);
    }

    #[test]
    fn php_number_parsing_is_lenient() {
        assert_eq!(php_intval("12abc"), 12);
        assert_eq!(php_intval("-7"), -7);
        assert_eq!(php_intval("abc"), 0);
        assert_eq!(php_floatval("1500.50 руб"), 1500.5);
        assert_eq!(php_floatval("1500,5"), 1500.5);
        assert_eq!(php_floatval("x"), 0.0);
        assert_eq!(php_number(19000.0), json!(19000));
        assert_eq!(php_number(0.5), json!(0.5));
    }

    #[test]
    fn coercion_per_type() {
        assert_eq!(coerce_input(Ty::Int, &json!("42")), Ok(json!(42)));
        assert_eq!(coerce_input(Ty::Int, &json!("")), Ok(Value::Null));
        assert_eq!(coerce_input(Ty::Double, &json!("15000")), Ok(json!(15000)));
        assert_eq!(coerce_input(Ty::Char, &json!(true)), Ok(json!("Y")));
        assert_eq!(coerce_input(Ty::Char, &json!("N")), Ok(json!("N")));
        assert_eq!(coerce_input(Ty::Str, &json!(5)), Ok(json!("5")));
        assert_eq!(
            coerce_input(Ty::IntList, &json!(["1", 2])),
            Ok(json!([1, 2]))
        );
        assert_eq!(coerce_input(Ty::DateTime, &json!("nope")), Err(()));
        assert!(is_canonical(
            Ty::DateTime,
            &json!("2025-01-01T00:00:00+03:00")
        ));
        assert!(!is_canonical(Ty::Int, &json!("1")));
    }

    #[test]
    fn ids_must_be_positive() {
        assert_eq!(as_id(&json!("15")), Some(15));
        assert_eq!(as_id(&json!(15)), Some(15));
        assert_eq!(as_id(&json!(0)), None);
        assert_eq!(as_id(&json!("abc")), None);
        assert_eq!(as_id(&json!(-3)), None);
    }
}
