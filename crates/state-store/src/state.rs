//! The state of one user, schema version 1.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything the agent remembers about one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    /// The schema version of this record.
    pub schema_version: u32,
    /// The user this state belongs to (validated, usable as a file name).
    pub user_id: String,
    /// When the state was first created.
    pub created_at: DateTime<Utc>,
    /// When the state was last changed; the caller sets it before saving (the store
    /// saves exactly what it is given).
    pub updated_at: DateTime<Utc>,
    /// Recent history, oldest first, bounded.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    /// A running summary of history that fell off the bounded list.
    #[serde(default)]
    pub summary: String,
    /// Facts the agent keeps about the user and their work.
    #[serde(default)]
    pub memory: Memory,
    /// A risky action waiting for the user's explicit consent.
    #[serde(default)]
    pub pending_action: Option<PendingAction>,
    /// Counters over the user's whole life with the agent.
    #[serde(default)]
    pub counters: Counters,
    /// Portal context (pipelines, stages, users) cached with an expiry.
    #[serde(default)]
    pub portal_context: Option<CachedContext>,
}

impl AgentState {
    /// A fresh state for `user_id`, created at `now`.
    pub fn new(user_id: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            user_id: user_id.into(),
            created_at: now,
            updated_at: now,
            history: Vec::new(),
            summary: String::new(),
            memory: Memory::default(),
            pending_action: None,
            counters: Counters::default(),
            portal_context: None,
        }
    }
}

/// Who spoke in a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryRole {
    /// The person.
    User,
    /// The agent's reply.
    Assistant,
}

/// One message of the recent history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When it was said.
    pub at: DateTime<Utc>,
    /// Who said it.
    pub role: HistoryRole,
    /// The text.
    pub text: String,
    /// For assistant entries: a compact record of the actions of that turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionRecord>,
}

/// A compact record of one action and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// The REST method.
    pub method: String,
    /// The policy's decision: `executed`, `planned`, `held`, `refused`.
    pub decision: String,
    /// A one-line outcome, e.g. `ok: id 4512` or `error: NOT_FOUND`.
    pub outcome: String,
}

impl ActionRecord {
    /// The decision of an action that ran on the portal.
    pub const EXECUTED: &'static str = "executed";
    /// The decision of an action that was only planned (shadow/canary).
    pub const PLANNED: &'static str = "planned";
    /// The decision of a risky action held for the user's consent.
    pub const HELD: &'static str = "held";
    /// The decision of an action the policy refused.
    pub const REFUSED: &'static str = "refused";
}

/// An entity the user worked with, for references like "it" across turns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRef {
    /// The kind: `deal`, `lead`, `contact`, `company`, `task`, `item:<entityTypeId>`, ...
    pub kind: String,
    /// The portal's id of the entity.
    pub id: u64,
    /// Its title or name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When the agent last touched it.
    pub touched_at: DateTime<Utc>,
}

/// Facts the agent keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Entities worked with, most recent first, bounded.
    #[serde(default)]
    pub entities: Vec<EntityRef>,
    /// The user's own Bitrix24 user id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrix_user_id: Option<u64>,
    /// The user's language (`ru`, `en`), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Free-form preferences.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub preferences: BTreeMap<String, String>,
}

/// A risky action held until the user consents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAction {
    /// The REST method.
    pub method: String,
    /// Its parameters, exactly as they will be sent.
    pub params: Value,
    /// SHA-256 (hex) over the method and the canonical JSON of the params.
    pub hash: String,
    /// Why it needs consent, for the user and the log.
    pub reason: String,
    /// When it was held.
    pub created_at: DateTime<Utc>,
    /// When the consent offer lapses.
    pub expires_at: DateTime<Utc>,
}

/// Lifetime counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Turns run.
    pub turns: u64,
    /// Actions executed on the portal.
    pub actions_executed: u64,
    /// Actions only planned (shadow/canary).
    pub actions_planned: u64,
    /// Actions refused by the policy.
    pub actions_refused: u64,
}

/// Portal context cached in state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedContext {
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
    /// When it must be fetched again.
    pub expires_at: DateTime<Utc>,
    /// The context itself, as `agent-core` shapes it.
    pub data: Value,
}
