//! The portal's data before and after a run, and the checks on it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::scenario::PortalExpect;

/// Whether `actual` matches `expected`, loosely typed: numbers and numeric strings compare
/// as numbers, `true`/`false` match `Y`/`N`, `null` matches a missing or empty value,
/// objects match when every expected key matches (extra keys are fine), arrays match
/// element by element.
pub fn matches(expected: &Value, actual: Option<&Value>) -> bool {
    let actual = actual.unwrap_or(&Value::Null);
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::Null, Value::String(s)) => s.is_empty(),
        (Value::Null, Value::Array(a)) => a.is_empty(),
        (Value::Bool(b), Value::Bool(a)) => a == b,
        (Value::Bool(b), Value::String(s)) => s == if *b { "Y" } else { "N" },
        (Value::String(s), Value::Bool(a)) => s == if *a { "Y" } else { "N" },
        (Value::Object(want), Value::Object(_)) => {
            want.iter().all(|(k, v)| matches(v, get_key(actual, k)))
        }
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| matches(w, Some(h)))
        }
        (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_)) => {
            let (w, h) = (scalar_text(expected), scalar_text(actual));
            match (w.parse::<f64>(), h.parse::<f64>()) {
                (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
                _ => w == h,
            }
        }
        _ => false,
    }
}

/// A key of an object: exact, else case-insensitive.
pub fn get_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let map = value.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

/// The text of a value, for substring checks (arrays and objects as JSON).
fn text_of(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The rows of every table of a sandbox snapshot, keyed by table name and row ID.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortalData {
    tables: BTreeMap<String, BTreeMap<u64, Value>>,
}

impl PortalData {
    /// Reads the `data_json()` snapshot of a sandbox.
    pub fn from_snapshot(snapshot: &Value) -> Self {
        let mut tables = BTreeMap::new();
        if let Some(map) = snapshot.get("tables").and_then(Value::as_object) {
            for (name, table) in map {
                let rows = table
                    .get("rows")
                    .and_then(Value::as_array)
                    .map(|rows| {
                        rows.iter()
                            .filter_map(|row| Some((row_id(row)?, row.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                tables.insert(name.clone(), rows);
            }
        }
        Self { tables }
    }

    /// The rows of `table`, if the portal has such a table.
    pub fn table(&self, table: &str) -> Option<&BTreeMap<u64, Value>> {
        self.tables.get(table)
    }
}

fn row_id(row: &Value) -> Option<u64> {
    match get_key(row, "ID")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn row_matches(row: &Value, filter: &BTreeMap<String, Value>) -> bool {
    filter.iter().all(|(k, v)| matches(v, get_key(row, k)))
}

/// Checks one expectation against the data before and after the run; returns the problems.
pub fn check(expect: &PortalExpect, before: &PortalData, after: &PortalData) -> Vec<String> {
    let name = &expect.table;
    let (Some(old), Some(new)) = (before.table(name), after.table(name)) else {
        return vec![format!("portal: there is no table `{name}`")];
    };
    let mut problems = Vec::new();
    let selected: Vec<(u64, &Value)> = if let Some(id) = expect.id {
        let row = new.get(&id);
        if expect.deleted {
            if row.is_some() {
                problems.push(format!("portal: {name} #{id} still exists"));
            } else if !old.contains_key(&id) {
                problems.push(format!("portal: {name} #{id} did not exist before the run"));
            }
            return problems;
        }
        let Some(row) = row else {
            return vec![format!("portal: {name} #{id} does not exist")];
        };
        if expect.unchanged && old.get(&id) != Some(row) {
            problems.push(format!(
                "portal: {name} #{id} changed: {}",
                diff(old.get(&id), row)
            ));
        }
        vec![(id, row)]
    } else if let Some(count) = expect.created {
        let created: Vec<(u64, &Value)> = new
            .iter()
            .filter(|(id, row)| !old.contains_key(id) && row_matches(row, &expect.filter))
            .map(|(id, row)| (*id, row))
            .collect();
        if created.len() != count {
            let ids: Vec<String> = created.iter().map(|(id, _)| format!("#{id}")).collect();
            problems.push(format!(
                "portal: expected {count} new row(s) in {name}{}, found {} {}",
                describe_filter(&expect.filter),
                created.len(),
                ids.join(" ")
            ));
        }
        created
    } else if expect.filter.is_empty() {
        if expect.unchanged && old != new {
            let changed: Vec<String> = old
                .keys()
                .chain(new.keys())
                .filter(|id| old.get(id) != new.get(id))
                .map(|id| format!("#{id}"))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            problems.push(format!(
                "portal: {name} changed (rows {})",
                changed.join(" ")
            ));
        }
        Vec::new()
    } else {
        let found: Vec<(u64, &Value)> = new
            .iter()
            .filter(|(_, row)| row_matches(row, &expect.filter))
            .map(|(id, row)| (*id, row))
            .collect();
        if found.is_empty() {
            problems.push(format!(
                "portal: no row in {name}{}",
                describe_filter(&expect.filter)
            ));
        }
        if expect.unchanged {
            for (id, row) in &found {
                if old.get(id) != Some(*row) {
                    problems.push(format!("portal: {name} #{id} changed"));
                }
            }
        }
        found
    };
    for (id, row) in selected {
        for (field, want) in &expect.fields {
            let have = get_key(row, field);
            if !matches(want, have) {
                problems.push(format!(
                    "portal: {name} #{id} {field} is {}, expected {want}",
                    have.map_or("missing".to_owned(), Value::to_string)
                ));
            }
        }
        for (field, needle) in &expect.contains {
            let have = text_of(get_key(row, field));
            if !have.to_lowercase().contains(&needle.to_lowercase()) {
                problems.push(format!(
                    "portal: {name} #{id} {field} {:?} does not contain {needle:?}",
                    shorten(&have, 120)
                ));
            }
        }
    }
    problems
}

fn describe_filter(filter: &BTreeMap<String, Value>) -> String {
    if filter.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = filter.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" where {}", parts.join(", "))
}

/// The fields that differ between two versions of a row.
fn diff(old: Option<&Value>, new: &Value) -> String {
    let Some(old) = old else {
        return "it is new".into();
    };
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return "its shape changed".into();
    };
    let fields: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}={}", shorten(&v.to_string(), 120)))
        .collect();
    fields.join(", ")
}

/// `text` on one line, cut to `max` characters with an ellipsis.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let flat = text.replace('\n', " ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn loose_matching() {
        assert!(matches(&json!(3), Some(&json!("3"))));
        assert!(matches(&json!("500000"), Some(&json!(500000.0))));
        assert!(!matches(&json!(3), Some(&json!(4))));
        assert!(matches(&json!(true), Some(&json!("Y"))));
        assert!(matches(&json!(null), None));
        assert!(matches(&json!(null), Some(&json!(""))));
        assert!(!matches(&json!("x"), None));
        assert!(matches(
            &json!({"fields": {"STAGE_ID": "C1:WON"}}),
            Some(&json!({"id": 9, "fields": {"STAGE_ID": "C1:WON", "X": 1}}))
        ));
        assert!(matches(
            &json!([{"VALUE": "+7 900"}]),
            Some(&json!([{"ID": 1, "VALUE": "+7 900"}]))
        ));
        assert!(!matches(&json!(["a"]), Some(&json!(["a", "b"]))));
        assert!(matches(
            &json!({"title": "a"}),
            Some(&json!({"TITLE": "a"}))
        ));
    }

    fn data(rows: Value) -> PortalData {
        PortalData::from_snapshot(&json!({"tables": {"deals": {"next_id": 9, "rows": rows}}}))
    }

    fn expect(yaml: &str) -> PortalExpect {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn portal_checks_find_problems() {
        let before = data(json!([{"ID": 1, "TITLE": "a"}, {"ID": 2, "TITLE": "b"}]));
        let after = data(json!([{"ID": 1, "TITLE": "A"}, {"ID": 3, "TITLE": "new"}]));
        let ok = |y: &str| check(&expect(y), &before, &after);
        assert!(ok("{table: deals, id: 1, fields: {TITLE: A}}").is_empty());
        assert!(ok("{table: deals, id: 2, deleted: true}").is_empty());
        assert!(ok("{table: deals, created: 1, fields: {TITLE: new}}").is_empty());
        assert!(ok("{table: deals, where: {TITLE: new}, contains: {TITLE: NE}}").is_empty());
        assert_eq!(ok("{table: deals, id: 1, unchanged: true}").len(), 1);
        assert_eq!(ok("{table: deals, unchanged: true}").len(), 1);
        assert_eq!(ok("{table: deals, id: 1, fields: {TITLE: a}}").len(), 1);
        assert_eq!(ok("{table: deals, created: 2}").len(), 1);
        assert_eq!(ok("{table: deals, id: 3, deleted: true}").len(), 1);
        assert_eq!(ok("{table: deals, id: 9, fields: {TITLE: x}}").len(), 1);
        assert_eq!(ok("{table: nope, unchanged: true}").len(), 1);
        assert!(check(&expect("{table: deals, unchanged: true}"), &before, &before).is_empty());
    }
}
