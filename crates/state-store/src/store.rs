//! The storage boundary.

use std::time::Duration;

use async_trait::async_trait;

use crate::{AgentState, StoreError};

/// Holds one user's exclusive turn lock; dropping it releases the lock.
pub trait TurnGuard: Send + Sync {
    /// The user whose lock this is.
    fn user_id(&self) -> &str;
}

/// Object-safe storage of per-user agent state.
///
/// A turn takes the user's lock, loads, changes and saves the state, then drops the guard:
///
/// ```
/// # use std::time::Duration;
/// # use state_store::{MemoryStore, StateStore};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), state_store::StoreError> {
/// let store = MemoryStore::new();
/// let guard = store.lock_user("ivan", Duration::from_secs(5)).await?;
/// let mut state = store.load_or_create(guard.user_id()).await?;
/// state.counters.count_turn();
/// store.save(&state).await?;
/// drop(guard);
/// # Ok(()) }
/// ```
///
/// Backends validate user ids (see [`crate::validate_user_id`]) and never replace a stored
/// state they cannot read. The trait does not assume files, so a database backend fits.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Takes the user's exclusive turn lock, waiting up to `timeout`; then
    /// [`StoreError::Busy`]. Hold the guard across load and save to avoid lost updates.
    async fn lock_user(
        &self,
        user_id: &str,
        timeout: Duration,
    ) -> Result<Box<dyn TurnGuard>, StoreError>;

    /// Loads the user's state, or creates a fresh one (not yet saved) when there is none.
    ///
    /// Older schema versions are migrated; a damaged or newer-version record is an error
    /// and is left as it is.
    async fn load_or_create(&self, user_id: &str) -> Result<AgentState, StoreError>;

    /// Saves the state atomically, under `state.user_id`, in the current schema version.
    ///
    /// Refuses to replace a stored record that is damaged or of a newer version.
    async fn save(&self, state: &AgentState) -> Result<(), StoreError>;

    /// Lists the users that have a saved state.
    async fn list_users(&self) -> Result<Vec<String>, StoreError>;

    /// Deletes the user's state; deleting a missing state is not an error.
    async fn delete(&self, user_id: &str) -> Result<(), StoreError>;
}
