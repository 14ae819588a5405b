//! Per-user agent state.
//!
//! [`AgentState`] is what the agent remembers about one user between runs; [`StateStore`]
//! is the object-safe storage boundary. The format is specified in
//! `spec/04_state_and_memory.md`.

mod state;
mod store;

pub use state::{
    ActionRecord, AgentState, CachedContext, Counters, EntityRef, HistoryEntry, HistoryRole,
    Memory, PendingAction, SCHEMA_VERSION,
};
#[cfg(feature = "mock")]
pub use store::MockStateStore;
pub use store::{StateStore, StoreError, TurnGuard};
