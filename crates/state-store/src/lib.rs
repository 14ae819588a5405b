//! Per-user agent state.
//!
//! [`AgentState`] is what the agent remembers about one user between runs; [`StateStore`]
//! is the object-safe storage boundary, with two backends: [`JsonFileStore`] (one
//! pretty-printed JSON file per user, atomic writes, OS file locks, migrations) and
//! [`MemoryStore`] (tests and embedding). The format is specified in
//! `spec/04_state_and_memory.md`.
//!
//! ```no_run
//! use std::time::Duration;
//! use state_store::{append_to_summary, HistoryEntry, HistoryLimits, JsonFileStore, StateStore};
//!
//! # async fn turn() -> Result<(), state_store::StoreError> {
//! let store = JsonFileStore::new("./data/state");
//! let guard = store.lock_user("ivan", Duration::from_secs(10)).await?;
//! let mut state = store.load_or_create("ivan").await?;
//! let now = chrono::Utc::now();
//! state.push_history(HistoryEntry::user(now, "Покажи мои сделки"), &HistoryLimits::default(), append_to_summary);
//! state.counters.count_turn();
//! state.updated_at = now;
//! store.save(&state).await?;
//! drop(guard);
//! # Ok(()) }
//! ```

mod codec;
mod error;
mod file_store;
mod fs_ops;
mod history;
mod memory;
mod memory_store;
mod pending;
mod state;
mod store;
mod user_id;

pub use error::StoreError;
pub use file_store::{DEFAULT_STATE_DIR, JsonFileStore};
pub use history::{HistoryLimits, SUMMARY_CUT_MARK, append_to_summary};
pub use memory::DEFAULT_MAX_ENTITIES;
pub use memory_store::MemoryStore;
pub use state::{
    ActionRecord, AgentState, CachedContext, Counters, EntityRef, HistoryEntry, HistoryRole,
    Memory, PendingAction, SCHEMA_VERSION,
};
#[cfg(feature = "mock")]
pub use store::MockStateStore;
pub use store::{StateStore, TurnGuard};
pub use user_id::{InvalidUserIdReason, MAX_USER_ID_BYTES, validate_user_id};

/// Compiles the README's example.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
