//! Encoding a state as JSON, and decoding it back: version check, migrations, type check.
//!
//! Backend-neutral: a database backend stores the same JSON and reuses this.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::{AgentState, SCHEMA_VERSION, StoreError};

/// Upgrades a JSON object of one schema version to the next.
type Migration = fn(Map<String, Value>) -> Result<Map<String, Value>, String>;

/// `MIGRATIONS[v]` upgrades version `v` to `v + 1`. The array length is tied to
/// [`SCHEMA_VERSION`], so raising the version without adding a migration does not compile.
const MIGRATIONS: [Migration; SCHEMA_VERSION as usize] = [v0_to_v1];

/// A decoded state and the version its record had.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The state, in the current schema.
    pub state: AgentState,
    /// The schema version of the record as stored (lower than current when migrated).
    pub stored_version: u32,
}

/// Encodes `state` as pretty-printed JSON stamped with the current schema version.
///
/// The Rust type *is* the current layout, so the stamp is always right.
pub(crate) fn encode(state: &AgentState) -> Result<Vec<u8>, StoreError> {
    let encode_err = |source| StoreError::Encode {
        user_id: state.user_id.clone(),
        source,
    };
    let mut bytes = if state.schema_version == SCHEMA_VERSION {
        serde_json::to_vec_pretty(state).map_err(encode_err)?
    } else {
        let mut stamped = state.clone();
        stamped.schema_version = SCHEMA_VERSION;
        serde_json::to_vec_pretty(&stamped).map_err(encode_err)?
    };
    bytes.push(b'\n');
    Ok(bytes)
}

/// Decodes the record stored at `path` for `user_id`, migrating older versions.
///
/// Errors: [`StoreError::FutureVersion`] for a newer version, [`StoreError::Corrupt`] for
/// anything else that is not a valid state of this user.
pub(crate) fn decode(bytes: &[u8], path: &Path, user_id: &str) -> Result<Decoded, StoreError> {
    let corrupt = |detail: String| StoreError::corrupt(path, detail);
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(corrupt("the top level is not a JSON object".into()));
    };
    let stored_version = match object.get("schema_version") {
        // The pre-release layout (v0) carried no version field.
        None => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            corrupt(format!(
                "schema_version is {}, not a whole number",
                describe(v)
            ))
        })?,
    };
    if stored_version > u64::from(SCHEMA_VERSION) {
        return Err(StoreError::FutureVersion {
            path: path.to_path_buf(),
            found: stored_version,
            supported: SCHEMA_VERSION,
        });
    }
    let stored_version = stored_version as u32; // <= SCHEMA_VERSION, so it fits.

    let state: AgentState = if stored_version == SCHEMA_VERSION {
        // Straight from the bytes, so errors carry line and column.
        serde_json::from_slice(bytes).map_err(|e| corrupt(format!("wrong field types: {e}")))?
    } else {
        let migrated = migrate(object, stored_version).map_err(corrupt)?;
        serde_json::from_value(Value::Object(migrated)).map_err(|e| {
            corrupt(format!(
                "after migration from schema version {stored_version}: {e}"
            ))
        })?
    };
    if state.user_id != user_id {
        return Err(corrupt(format!(
            "it holds the state of user {:?}, not {user_id:?}",
            state.user_id
        )));
    }
    Ok(Decoded {
        state,
        stored_version,
    })
}

/// Runs the migrations from `from` up to the current version.
fn migrate(mut object: Map<String, Value>, from: u32) -> Result<Map<String, Value>, String> {
    for (version, step) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        object = step(object).map_err(|e| {
            format!(
                "cannot migrate from schema version {version} to {}: {e}",
                version + 1
            )
        })?;
    }
    Ok(object)
}

/// v0 (the pre-release layout, no `schema_version`) to v1.
///
/// v0: `user`, `created`, `updated`, `messages` (`ts`, `from` = `user`|`bot`, `text`,
/// optional `calls`: method names), optional `summary`, `last_deal` (`id`, `title`),
/// `lang`, `turns`. See `spec/04_state_and_memory.md`.
fn v0_to_v1(v0: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let text = |key: &str| -> Result<Value, String> {
        match v0.get(key) {
            Some(Value::String(s)) => Ok(Value::String(s.clone())),
            Some(other) => Err(format!("`{key}` is {}, not a string", describe(other))),
            None => Err(format!("`{key}` is missing")),
        }
    };
    let updated = text("updated")?;

    let mut history = Vec::new();
    for (i, message) in array(&v0, "messages")?.iter().enumerate() {
        let field = |key: &str| {
            message
                .get(key)
                .cloned()
                .ok_or_else(|| format!("messages[{i}].{key} is missing"))
        };
        let role = match message.get("from").and_then(Value::as_str) {
            Some("user") => "user",
            Some("bot") => "assistant",
            _ => return Err(format!("messages[{i}].from is not \"user\" or \"bot\"")),
        };
        let actions: Vec<Value> = match message.get("calls") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(calls)) => calls
                .iter()
                .map(|method| {
                    json!({
                        "method": method,
                        "decision": "executed",
                        "outcome": "unknown (recorded before schema version 1)",
                    })
                })
                .collect(),
            Some(other) => {
                return Err(format!(
                    "messages[{i}].calls is {}, not a list",
                    describe(other)
                ));
            }
        };
        history.push(json!({
            "at": field("ts")?,
            "role": role,
            "text": field("text")?,
            "actions": actions,
        }));
    }

    let entities: Vec<Value> = match v0.get("last_deal") {
        None | Some(Value::Null) => Vec::new(),
        Some(deal) => vec![json!({
            "kind": "deal",
            "id": deal.get("id").cloned().ok_or("last_deal.id is missing")?,
            "title": deal.get("title").cloned().unwrap_or(Value::Null),
            "touched_at": updated,
        })],
    };

    let v1 = json!({
        "schema_version": 1,
        "user_id": text("user")?,
        "created_at": text("created")?,
        "updated_at": updated,
        "history": history,
        "summary": v0.get("summary").cloned().unwrap_or_else(|| json!("")),
        "memory": {
            "entities": entities,
            "language": v0.get("lang").cloned().unwrap_or(Value::Null),
        },
        "pending_action": null,
        "counters": {
            "turns": v0.get("turns").cloned().unwrap_or_else(|| json!(0)),
            "actions_executed": 0,
            "actions_planned": 0,
            "actions_refused": 0,
        },
        "portal_context": null,
    });
    let Value::Object(map) = v1 else {
        unreachable!("json! of an object literal is an object")
    };
    Ok(map)
}

/// A short description of a JSON value for error messages (never a whole string or list).
fn describe(value: &Value) -> String {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The array at `key`, empty when absent or null.
fn array<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("`{key}` is {}, not a list", describe(other))),
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
