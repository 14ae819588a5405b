//! Answer envelopes exactly as the cloud sends them, and PHP's shapes for maps.

use serde_json::{Map, Value, json};

use crate::clock::portal_time;
use crate::coerce::format_iso;

/// The `time` block of an answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CallTime {
    /// UNIX time the call started.
    pub start: f64,
    /// UNIX time the call finished.
    pub finish: f64,
    /// Seconds spent running the method.
    pub processing: f64,
    /// `operating` and `operating_reset_at`; absent for the batch envelope itself.
    pub operating: Option<(f64, i64)>,
}

impl CallTime {
    /// The JSON `time` object.
    pub(crate) fn to_json(self) -> Value {
        let mut t = Map::new();
        t.insert("start".into(), json!(self.start));
        t.insert("finish".into(), json!(self.finish));
        t.insert("duration".into(), json!(self.finish - self.start));
        t.insert("processing".into(), json!(self.processing));
        t.insert(
            "date_start".into(),
            json!(format_iso(&portal_time(self.start))),
        );
        t.insert(
            "date_finish".into(),
            json!(format_iso(&portal_time(self.finish))),
        );
        if let Some((operating, reset_at)) = self.operating {
            t.insert("operating_reset_at".into(), json!(reset_at));
            t.insert("operating".into(), json!(operating));
        }
        Value::Object(t)
    }
}

/// A successful answer: `result`, then `next` and `total` for lists, then `time`.
pub(crate) fn success_body(
    result: Value,
    total: Option<u64>,
    next: Option<u64>,
    time: CallTime,
) -> Value {
    let mut body = Map::new();
    body.insert("result".into(), result);
    if let Some(next) = next {
        body.insert("next".into(), json!(next));
    }
    if let Some(total) = total {
        body.insert("total".into(), json!(total));
    }
    body.insert("time".into(), time.to_json());
    Value::Object(body)
}

/// A PHP associative array as `json_encode` shows it: `[]` when empty, a list when the
/// keys are exactly `0..n` in order, an object otherwise.
pub(crate) fn php_map(entries: Vec<(String, Value)>) -> Value {
    let is_list = entries
        .iter()
        .enumerate()
        .all(|(i, (k, _))| *k == i.to_string());
    if is_list {
        Value::Array(entries.into_iter().map(|(_, v)| v).collect())
    } else {
        Value::Object(entries.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_maps() {
        assert_eq!(php_map(vec![]), json!([]));
        assert_eq!(
            php_map(vec![("0".into(), json!(1)), ("1".into(), json!(2))]),
            json!([1, 2])
        );
        assert_eq!(php_map(vec![("1".into(), json!(2))]), json!({"1": 2}));
        assert_eq!(php_map(vec![("a".into(), json!(2))]), json!({"a": 2}));
    }

    #[test]
    fn envelope_order_and_time_fields() {
        let time = CallTime {
            start: 1_705_764_932.5,
            finish: 1_705_764_933.0,
            processing: 0.25,
            operating: Some((0.25, 1_705_765_533)),
        };
        let body = success_body(json!([]), Some(654), Some(50), time);
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["result", "next", "total", "time"]);
        let t = &body["time"];
        assert_eq!(t["duration"], json!(0.5));
        assert_eq!(t["date_start"], json!("2024-01-20T18:35:32+03:00"));
        assert_eq!(t["operating_reset_at"], json!(1_705_765_533));
    }
}
