//! Serde helpers for Bitrix24's loose JSON: numbers as strings, `""` for "no value", `[]` for
//! an empty map, `"Y"`/`"N"` booleans and several date formats.
//!
//! Use them on your own types with `#[serde(default, deserialize_with = "...")]`, e.g.
//! `#[serde(default, deserialize_with = "bitrix_client::lenient::opt_i64")]`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

fn number_from_str<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

/// Reads a whole number from a JSON number or a numeric string; `null` and `""` give `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    value_to_i64(&Value::deserialize(deserializer)?).map_err(de::Error::custom)
}

/// The conversion behind [`opt_i64`], for values already parsed.
pub fn value_to_i64(value: &Value) -> Result<Option<i64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => number_from_str::<i64>(s)
            .or_else(|| {
                number_from_str::<f64>(s)
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("expected a whole number, found the string {s:?}")),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("expected a whole number, found {n}")),
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        other => Err(format!("expected a whole number, found {}", kind(other))),
    }
}

/// Reads a number from a JSON number or a numeric string (`"15000.00"`); `null`/`""` give `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => number_from_str::<f64>(&s)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a number, found the string {s:?}"))),
        Value::Number(n) => Ok(n.as_f64()),
        other => Err(de::Error::custom(format!(
            "expected a number, found {}",
            kind(&other)
        ))),
    }
}

/// Reads text; numbers and booleans are turned into their text, `null` gives `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(if b { "Y" } else { "N" }.to_owned())),
        other => Err(de::Error::custom(format!(
            "expected text, found {}",
            kind(&other)
        ))),
    }
}

/// Reads a flag from `"Y"`/`"N"`, `"1"`/`"0"`, `"true"`/`"false"`, booleans or 0/1;
/// `null` and `""` give `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) => Ok(Some(n.as_f64().is_some_and(|f| f != 0.0))),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "y" | "yes" | "1" | "true" => Ok(Some(true)),
            "n" | "no" | "0" | "false" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!("expected Y or N, found {s:?}"))),
        },
        other => Err(de::Error::custom(format!(
            "expected Y or N, found {}",
            kind(&other)
        ))),
    }
}

/// Reads a list of IDs from an array of numbers or numeric strings; `null`, `""`, `false` and
/// `{}` give an empty list, a single value a list of one, and an object its values.
pub fn id_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    let items = loose_list(Value::deserialize(deserializer)?);
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match value_to_i64(item) {
            Ok(Some(id)) => out.push(id),
            Ok(None) => {}
            Err(e) => return Err(de::Error::custom(format!("[{index}]: {e}"))),
        }
    }
    Ok(out)
}

/// Reads a list of strings (numbers are turned into text), as loosely as [`id_list`].
pub fn string_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    loose_list(Value::deserialize(deserializer)?)
        .into_iter()
        .filter_map(|item| match item {
            Value::Null => None,
            Value::String(s) => Some(Ok(s)),
            Value::Number(n) => Some(Ok(n.to_string())),
            other => Some(Err(de::Error::custom(format!(
                "expected text, found {}",
                kind(&other)
            )))),
        })
        .collect()
}

/// Reads a list of `T`, as loosely as [`id_list`].
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    loose_list(Value::deserialize(deserializer)?)
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(de::Error::custom))
        .collect()
}

fn loose_list(value: Value) -> Vec<Value> {
    match value {
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::Array(items) => items,
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        single => vec![single],
    }
}

/// Reads a JSON object, accepting PHP's `[]` (and `null`, `""`) for an empty one.
pub fn map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Map<String, Value>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        Value::String(s) if s.is_empty() => Ok(Map::new()),
        Value::Array(items) if items.is_empty() => Ok(Map::new()),
        // A PHP list where a map was expected: keep it, keyed by position.
        Value::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect()),
        other => Err(de::Error::custom(format!(
            "expected an object, found {}",
            kind(&other)
        ))),
    }
}

/// Reads a map of `T` keyed by name, accepting `[]` for an empty one.
pub fn typed_map<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<BTreeMap<String, T>, D::Error> {
    map(deserializer)?
        .into_iter()
        .map(|(k, v)| {
            serde_json::from_value(v)
                .map(|t| (k.clone(), t))
                .map_err(|e| de::Error::custom(format!("{k}: {e}")))
        })
        .collect()
}

/// Reads an optional [`PortalDateTime`]; `null`, `""` and `false` give `None`.
pub fn opt_datetime<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<PortalDateTime>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(PortalDateTime::parse(&s))),
        Value::Number(n) => Ok(Some(PortalDateTime::Text(n.to_string()))),
        other => Err(de::Error::custom(format!(
            "expected a date, found {}",
            kind(&other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A date or time as a portal sends it: ISO 8601 with an offset, or a portal-local format.
///
/// Portals mix formats (`2024-08-30T14:29:00+02:00`, `2024-07-23 08:08:50`,
/// `24.08.2023 13:19:39`, `2024-08-30`); a text that none of them matches is kept as
/// [`PortalDateTime::Text`] instead of failing the whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalDateTime {
    /// A moment with a UTC offset.
    Zoned(DateTime<FixedOffset>),
    /// A date and time in the portal's time zone, offset not given.
    Local(NaiveDateTime),
    /// A date without a time.
    Date(NaiveDate),
    /// Text that is not a recognised date format, kept as sent.
    Text(String),
}

impl PortalDateTime {
    /// Parses a portal date; never fails (unknown formats become [`PortalDateTime::Text`]).
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Self::Zoned(at);
        }
        if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z") {
            return Self::Zoned(at);
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%d.%m.%Y %H:%M:%S",
        ] {
            if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
                return Self::Local(at);
            }
        }
        for format in ["%Y-%m-%d", "%d.%m.%Y"] {
            if let Ok(day) = NaiveDate::parse_from_str(text, format) {
                return Self::Date(day);
            }
        }
        Self::Text(text.to_owned())
    }

    /// The moment, when the portal gave an offset.
    pub fn zoned(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            Self::Zoned(at) => Some(*at),
            _ => None,
        }
    }

    /// The calendar date, for every recognised format.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::Zoned(at) => Some(at.date_naive()),
            Self::Local(at) => Some(at.date()),
            Self::Date(day) => Some(*day),
            Self::Text(_) => None,
        }
    }
}

impl fmt::Display for PortalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zoned(at) => write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%S%:z")),
            Self::Local(at) => write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%S")),
            Self::Date(day) => write!(f, "{}", day.format("%Y-%m-%d")),
            Self::Text(text) => f.write_str(text),
        }
    }
}

impl Serialize for PortalDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortalDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        opt_datetime(deserializer)?.ok_or_else(|| de::Error::custom("expected a date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_i64")]
        int: Option<i64>,
        #[serde(default, deserialize_with = "opt_f64")]
        float: Option<f64>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "id_list")]
        ids: Vec<i64>,
        #[serde(default, deserialize_with = "map")]
        settings: Map<String, Value>,
        #[serde(default, deserialize_with = "opt_datetime")]
        at: Option<PortalDateTime>,
    }

    fn probe(value: Value) -> Probe {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn accepts_the_quirks() {
        let p = probe(
            json!({"int": "5", "float": "15000.00", "flag": "Y", "ids": ["1", 2],
                             "settings": [], "at": ""}),
        );
        assert_eq!(p.int, Some(5));
        assert_eq!(p.float, Some(15000.0));
        assert_eq!(p.flag, Some(true));
        assert_eq!(p.ids, vec![1, 2]);
        assert!(p.settings.is_empty());
        assert_eq!(p.at, None);

        let p = probe(json!({"int": "", "float": 19000, "flag": false, "ids": null, "at": null}));
        assert_eq!(
            (p.int, p.float, p.flag, p.ids.len()),
            (None, Some(19000.0), Some(false), 0)
        );
        let p = probe(json!({}));
        assert_eq!((p.int, p.flag), (None, None));
    }

    #[test]
    fn rejects_what_is_not_a_quirk() {
        let err = serde_json::from_value::<Probe>(json!({"int": "five"}))
            .err()
            .unwrap();
        assert!(err.to_string().contains("whole number"), "{err}");
    }

    #[test]
    fn parses_portal_dates() {
        let cases = [
            ("2024-08-30T14:29:00+02:00", "2024-08-30T14:29:00+02:00"),
            ("2024-07-23 08:08:50", "2024-07-23T08:08:50"),
            ("24.08.2023 13:19:39", "2023-08-24T13:19:39"),
            ("2024-08-30", "2024-08-30"),
            ("tomorrow", "tomorrow"),
        ];
        for (input, shown) in cases {
            assert_eq!(PortalDateTime::parse(input).to_string(), shown);
        }
        assert!(
            PortalDateTime::parse("2024-08-30T14:29:00+02:00")
                .zoned()
                .is_some()
        );
        assert_eq!(
            PortalDateTime::parse("24.08.2023 13:19:39").date(),
            NaiveDate::from_ymd_opt(2023, 8, 24)
        );
    }
}
