//! The in-memory backend, for tests and embedding.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::OwnedMutexGuard;

use crate::{AgentState, StateStore, StoreError, TurnGuard, validate_user_id};

/// Keeps states in memory; clones share the same data and locks.
///
/// Same rules as [`crate::JsonFileStore`] within one process: user ids are validated, and
/// [`StateStore::lock_user`] gives one turn per user at a time (waiters are served in
/// order) or [`StoreError::Busy`] after the timeout. Nothing survives the process.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    states: Mutex<BTreeMap<String, AgentState>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn states(&self) -> MutexGuard<'_, BTreeMap<String, AgentState>> {
        // A panic elsewhere cannot leave a half-written state: values are replaced whole.
        self.inner
            .states
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn user_lock(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(user_id.to_owned()).or_default())
    }
}

struct MemoryTurnGuard {
    user_id: String,
    _held: OwnedMutexGuard<()>,
}

impl TurnGuard for MemoryTurnGuard {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

#[async_trait]
impl StateStore for MemoryStore {
    async fn lock_user(
        &self,
        user_id: &str,
        timeout: Duration,
    ) -> Result<Box<dyn TurnGuard>, StoreError> {
        validate_user_id(user_id)?;
        let lock = self.user_lock(user_id);
        let busy = || StoreError::Busy {
            user_id: user_id.to_owned(),
        };
        let held = match lock.clone().try_lock_owned() {
            Ok(held) => held,
            Err(_) => tokio::time::timeout(timeout, lock.lock_owned())
                .await
                .map_err(|_| busy())?,
        };
        Ok(Box::new(MemoryTurnGuard {
            user_id: user_id.to_owned(),
            _held: held,
        }))
    }

    async fn load_or_create(&self, user_id: &str) -> Result<AgentState, StoreError> {
        validate_user_id(user_id)?;
        Ok(self
            .states()
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| AgentState::new(user_id, Utc::now())))
    }

    async fn save(&self, state: &AgentState) -> Result<(), StoreError> {
        validate_user_id(&state.user_id)?;
        let mut stored = state.clone();
        stored.schema_version = crate::SCHEMA_VERSION;
        self.states().insert(state.user_id.clone(), stored);
        Ok(())
    }

    async fn list_users(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.states().keys().cloned().collect())
    }

    async fn delete(&self, user_id: &str) -> Result<(), StoreError> {
        validate_user_id(user_id)?;
        self.states().remove(user_id);
        Ok(())
    }
}
