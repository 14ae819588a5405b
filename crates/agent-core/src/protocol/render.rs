//! Rendering of `OBSERVATION:` messages, sized to a budget.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{OBSERVATION_PREFIX, ParseError};

/// What became of one action, as the model is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedStatus {
    /// Executed; `result` holds the portal's answer.
    Ok,
    /// Executed; the portal answered with an error.
    Error,
    /// Not executed: planned only (shadow mode, or a write outside the canary allowlist).
    Planned,
    /// Not executed: waiting for the user's explicit consent.
    Held,
    /// Not executed: the policy refused it.
    Refused,
    /// A write was sent but its fate is unknown; it must not be repeated blindly.
    OutcomeUnknown,
    /// Not executed: an earlier failure stopped it.
    Skipped,
}

/// An error the portal returned, as the model is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedError {
    /// Bitrix24's error code (may be empty for legacy CRM methods).
    pub code: String,
    /// A stable classification: `not_found`, `access_denied`, `bad_argument`, ...
    pub kind: String,
    /// The portal's description.
    pub description: String,
}

/// One action's entry in an observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedAction {
    /// The REST method.
    pub method: String,
    /// What became of it.
    pub status: ObservedStatus,
    /// The portal's `result`, when executed successfully.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// `total` of a list method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// `next` of a list method: the `start` of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
    /// The portal's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ObservedError>,
    /// A sentence for the model: why it was not executed, what to do next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ObservedAction {
    /// An entry with a status only.
    pub fn new(method: impl Into<String>, status: ObservedStatus) -> Self {
        Self {
            method: method.into(),
            status,
            result: None,
            total: None,
            next: None,
            error: None,
            note: None,
        }
    }

    /// An entry with a status and a note, without result or error.
    pub fn noted(
        method: impl Into<String>,
        status: ObservedStatus,
        note: impl Into<String>,
    ) -> Self {
        Self {
            note: Some(note.into()),
            ..Self::new(method, status)
        }
    }
}

/// One list or string shortened to fit the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    /// Where in the entry, e.g. `result.items`.
    pub path: String,
    /// Rows (or characters, for text) kept.
    pub shown: usize,
    /// Rows (or characters) there were.
    pub of: usize,
}

/// An observation message and what was cut to fit it into the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The full message text, starting with `OBSERVATION:`.
    pub text: String,
    /// Whether anything was cut.
    pub truncated: bool,
}

/// Characters kept at least from a long string.
const MIN_STRING_CHARS: usize = 60;
/// Objects with more keys than this may lose keys when nothing else is left to cut.
const MIN_OBJECT_KEYS: usize = 8;

/// Renders the entries of one step as an `OBSERVATION:` message of at most about `budget`
/// characters. Long lists are cut (each cut entry says how many rows it shows of how many and
/// how to get more), then long strings, then objects with many fields.
pub fn render_observation(entries: &[ObservedAction], budget: usize) -> Observation {
    // The notes added after fitting (what was cut, how to get more) need room too: start with
    // a reserve and grow it by the overflow, a few times at most.
    let mut reserve = (budget / 5).min(400);
    let mut rendered = render_with_reserve(entries, budget, reserve);
    for _ in 0..3 {
        let len = rendered.text.chars().count();
        if len <= budget || reserve >= budget {
            break;
        }
        reserve = (reserve + len - budget).min(budget);
        rendered = render_with_reserve(entries, budget, reserve);
    }
    rendered
}

fn render_with_reserve(entries: &[ObservedAction], budget: usize, reserve: usize) -> Observation {
    let values: Vec<Value> = entries
        .iter()
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    let mut whole = Value::Array(values);
    let cuts = fit_to_budget(&mut whole, budget.saturating_sub(reserve));
    if let Value::Array(items) = &mut whole {
        for ((i, item), entry) in items.iter_mut().enumerate().zip(entries) {
            let prefix = format!("[{i}]");
            let mine: Vec<&Cut> = cuts
                .iter()
                .filter(|c| c.path.starts_with(&prefix))
                .collect();
            let Value::Object(map) = item else { continue };
            let page = entry
                .next
                .map(|next| format!("the next page starts at \"start\": {next}"));
            if mine.is_empty() {
                if let Some(page) = page {
                    map.insert("more".into(), json!(format!("more rows exist: {page}")));
                }
                continue;
            }
            let list: Vec<Value> = mine
                .iter()
                .map(|c| {
                    json!({
                        "path": c.path[prefix.len()..].trim_start_matches('.'),
                        "shown": c.shown,
                        "of": c.of,
                    })
                })
                .collect();
            map.insert("truncated".into(), Value::Array(list));
            let mut more = String::from(
                "shortened to fit: only the rows shown were seen; narrow the request with filter or select fewer fields to see the rest",
            );
            if let Some(page) = page {
                more.push_str("; after this page, ");
                more.push_str(&page);
            }
            map.insert("more".into(), json!(more));
        }
    }
    let body = match whole {
        Value::Array(mut items) if items.len() == 1 => items.remove(0),
        other => other,
    };
    Observation {
        text: format!("{OBSERVATION_PREFIX} {body}"),
        truncated: !cuts.is_empty(),
    }
}

/// Renders a protocol error as the observation that sends it back to the model.
pub fn render_parse_error(error: &ParseError, retries_left: usize) -> String {
    let mut body = json!({
        "status": "protocol_error",
        "kind": error.kind,
        "error": error.message,
    });
    if let (Some((line, column)), Value::Object(map)) = (error.position, &mut body) {
        map.insert("position".into(), json!({"line": line, "column": column}));
    }
    if let Value::Object(map) = &mut body {
        map.insert("hint".into(), json!(error.hint()));
        map.insert("retries_left".into(), json!(retries_left));
        map.insert(
            "executed".into(),
            json!("nothing from that reply was executed"),
        );
    }
    format!("{OBSERVATION_PREFIX} {body}")
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Index(usize),
    Key(String),
}

/// A path as shown to the model: `[0].result.items`.
fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
        }
    }
    out
}

/// The characters serde_json writes for a string's content (without the quotes).
fn escaped_len(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum()
}

/// The largest node of each kind that can still be shortened.
#[derive(Default)]
struct Candidates {
    array: Option<(usize, Vec<Seg>)>,
    string: Option<(usize, Vec<Seg>)>,
    object: Option<(usize, Vec<Seg>)>,
}

fn offer(slot: &mut Option<(usize, Vec<Seg>)>, size: usize, path: &[Seg]) {
    if slot.as_ref().is_none_or(|(s, _)| size > *s) {
        *slot = Some((size, path.to_vec()));
    }
}

/// Measures the compact JSON length (in characters) of `value` in one pass, noting the
/// largest shortenable array, string and object.
fn scan(value: &Value, path: &mut Vec<Seg>, found: &mut Candidates) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => {
            let len = escaped_len(s) + 2;
            if s.chars().count() > MIN_STRING_CHARS * 2 {
                offer(&mut found.string, len, path);
            }
            len
        }
        Value::Array(items) => {
            let mut size = 2 + items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                size += scan(item, path, found);
                path.pop();
            }
            if items.len() >= 2 {
                offer(&mut found.array, size, path);
            }
            size
        }
        Value::Object(map) => {
            let mut size = 2 + map.len().saturating_sub(1);
            for (key, item) in map {
                path.push(Seg::Key(key.clone()));
                size += escaped_len(key) + 3 + scan(item, path, found);
                path.pop();
            }
            if map.len() > MIN_OBJECT_KEYS {
                offer(&mut found.object, size, path);
            }
            size
        }
    }
}

/// How many of `len` parts to keep of a node of `size` characters when the whole value is
/// `excess` characters over budget: enough to remove the excess, but never less than half.
fn keep_count(len: usize, size: usize, excess: usize, floor: usize) -> usize {
    let per_part = (size / len.max(1)).max(1);
    let remove = excess.div_ceil(per_part).clamp(1, len / 2);
    (len - remove).max(floor).min(len - 1)
}

/// Shrinks `value` until its compact JSON has at most `budget` characters (or nothing more can
/// be cut) and returns the cuts made: lists first (largest first, at most half per round), then
/// long strings, then objects with many keys. Always terminates: every round removes something.
pub fn fit_to_budget(value: &mut Value, budget: usize) -> Vec<Cut> {
    let mut cuts: Vec<Cut> = Vec::new();
    let mut previous = usize::MAX;
    loop {
        let mut found = Candidates::default();
        let total = scan(value, &mut Vec::new(), &mut found);
        // Every round shrinks the value; stop if one did not (a safety net, not a rule).
        if total <= budget || total >= previous {
            break;
        }
        previous = total;
        let excess = total - budget;
        if let Some((size, path)) = found.array {
            if let Some(Value::Array(items)) = lookup_mut(value, &path) {
                let before = items.len();
                items.truncate(keep_count(before, size, excess, 1));
                record_cut(&mut cuts, path_text(&path), items.len(), before);
            }
        } else if let Some((_, path)) = found.string {
            if let Some(Value::String(s)) = lookup_mut(value, &path) {
                let before = s.chars().count();
                // The `…` mark takes a character, so keep at most `before - 2`.
                let keep = before
                    .saturating_sub(excess + 1)
                    .max(before / 2)
                    .max(MIN_STRING_CHARS)
                    .min(before - 2);
                *s = s.chars().take(keep).collect::<String>() + "…";
                record_cut(&mut cuts, path_text(&path), keep, before);
            }
        } else if let Some((size, path)) = found.object {
            if let Some(Value::Object(map)) = lookup_mut(value, &path) {
                let before = map.len();
                let keep = keep_count(before, size, excess, MIN_OBJECT_KEYS);
                let drop: Vec<String> = map.keys().skip(keep).cloned().collect();
                for key in drop {
                    map.remove(&key);
                }
                record_cut(&mut cuts, path_text(&path) + "{fields}", keep, before);
            }
        } else {
            break;
        }
    }
    cuts
}

fn record_cut(cuts: &mut Vec<Cut>, path: String, shown: usize, before: usize) {
    match cuts.iter_mut().find(|c| c.path == path) {
        Some(cut) => cut.shown = shown,
        None => cuts.push(Cut {
            path,
            shown,
            of: before,
        }),
    }
}

fn lookup_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |current, seg| match seg {
        Seg::Index(i) => current.as_array_mut()?.get_mut(*i),
        Seg::Key(k) => current.as_object_mut()?.get_mut(k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_halves_lists_until_under_budget() {
        let rows: Vec<Value> = (0..50)
            .map(|i| json!({"ID": i.to_string(), "TITLE": format!("Сделка {i}")}))
            .collect();
        let mut value = json!([{"method": "crm.deal.list", "result": rows}]);
        let cuts = fit_to_budget(&mut value, 600);
        assert!(json_len(&value) <= 600);
        assert_eq!(cuts.len(), 1);
        assert_eq!(cuts[0].path, "[0].result");
        assert_eq!(cuts[0].of, 50);
        assert!(cuts[0].shown < 50 && cuts[0].shown > 0);
    }

    fn json_len(value: &Value) -> usize {
        serde_json::to_string(value).unwrap().chars().count()
    }

    #[test]
    fn keys_with_dots_are_still_found() {
        let mut value = json!({"a.b": ["x".repeat(50), "y".repeat(50), "z".repeat(50)]});
        let cuts = fit_to_budget(&mut value, 80);
        assert_eq!(cuts[0].path, ".a.b");
        assert!(json_len(&value) <= 80);
    }

    proptest::proptest! {
        #[test]
        fn scan_measures_like_serde_json_for_any_text(text in "\\PC{0,40}|[\\x00-\\x1f\"\\\\]{0,10}", n in proptest::num::f64::NORMAL) {
            let value = json!({ text.clone(): [text, n] });
            let size = scan(&value, &mut Vec::new(), &mut Candidates::default());
            proptest::prop_assert_eq!(size, json_len(&value));
        }
    }

    #[test]
    fn scan_measures_like_serde_json() {
        let value =
            json!({"a\"b": ["x\n\u{1}", null, true, false, -1.5, {"ключ": "значение"}], "e": {}});
        let size = scan(&value, &mut Vec::new(), &mut Candidates::default());
        assert_eq!(size, json_len(&value));
    }

    #[test]
    fn a_string_one_character_over_still_shrinks() {
        let mut value = json!("я".repeat(200));
        let cuts = fit_to_budget(&mut value, 201);
        assert!(json_len(&value) <= 201);
        assert_eq!(cuts.len(), 1);
    }

    #[test]
    fn fit_terminates_on_irreducible_values() {
        let mut value = json!({"a": {"b": {"c": 1}}});
        assert!(fit_to_budget(&mut value, 1).is_empty());
    }
}
