//! The storage boundary.

use std::time::Duration;

use async_trait::async_trait;

use crate::AgentState;

/// Errors of a state store.
///
/// Placeholder; the full taxonomy lands with the JSON-file backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another turn for this user holds the lock.
    #[error("user {user_id} is busy: another turn is running")]
    Busy {
        /// The user.
        user_id: String,
    },
}

/// Holds one user's exclusive turn lock; dropping it releases the lock.
pub trait TurnGuard: Send + Sync {
    /// The user whose lock this is.
    fn user_id(&self) -> &str;
}

/// Object-safe storage of per-user agent state.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Takes the user's exclusive turn lock, waiting up to `timeout`.
    async fn lock_user(
        &self,
        user_id: &str,
        timeout: Duration,
    ) -> Result<Box<dyn TurnGuard>, StoreError>;

    /// Loads the user's state, or creates a fresh one (not yet saved) when there is none.
    async fn load_or_create(&self, user_id: &str) -> Result<AgentState, StoreError>;

    /// Saves the state atomically.
    async fn save(&self, state: &AgentState) -> Result<(), StoreError>;

    /// Lists the users that have a saved state.
    async fn list_users(&self) -> Result<Vec<String>, StoreError>;

    /// Deletes the user's state; deleting a missing state is not an error.
    async fn delete(&self, user_id: &str) -> Result<(), StoreError>;
}
