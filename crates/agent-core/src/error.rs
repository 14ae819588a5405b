//! Errors of a turn that has no reply to give.

use state_store::StoreError;

use crate::record::TurnOutcome;

/// Why [`crate::Agent::turn`] returned no outcome (or an outcome that could not be saved).
///
/// Portal, model and protocol failures are not errors: they end the turn with a reply that
/// explains them. What remains is about the input and the state store.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The message is empty.
    #[error("the message is empty")]
    EmptyMessage,
    /// Another turn of the same user is running.
    #[error("another turn of user {user_id} is running; try again shortly")]
    Busy {
        /// The user.
        user_id: String,
    },
    /// The user's state could not be locked or loaded; nothing ran.
    #[error("cannot open the state of user {user_id}: {source}")]
    State {
        /// The user.
        user_id: String,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The turn ran but its state could not be saved. The outcome (reply and record) is
    /// kept here so that nothing that happened is lost; actions may have run.
    #[error("the turn ran but its state could not be saved: {source}")]
    SaveFailed {
        /// The turn's outcome.
        outcome: Box<TurnOutcome>,
        /// The store's error.
        #[source]
        source: StoreError,
    },
}

impl AgentError {
    /// Whether another turn of the same user holds the lock (retry later).
    pub fn is_busy(&self) -> bool {
        matches!(self, AgentError::Busy { .. })
    }

    /// Whether the turn ran but could not be saved.
    pub fn is_save_failed(&self) -> bool {
        matches!(self, AgentError::SaveFailed { .. })
    }

    /// The outcome of a turn that ran but could not be saved.
    pub fn outcome(&self) -> Option<&TurnOutcome> {
        match self {
            AgentError::SaveFailed { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// The store's error behind this one, if any.
    pub fn store_error(&self) -> Option<&StoreError> {
        match self {
            AgentError::State { source, .. } | AgentError::SaveFailed { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}
