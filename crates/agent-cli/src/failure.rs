//! A failure that ends the program with a documented exit code.

use std::fmt;

use crate::cli::exit;

/// An error message for stderr plus the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The exit code (see [`crate::cli::exit`]).
    pub code: u8,
    /// The message; never holds a secret.
    pub message: String,
}

impl Failure {
    /// A usage or configuration error.
    pub fn config(message: impl fmt::Display) -> Self {
        Self {
            code: exit::USAGE,
            message: message.to_string(),
        }
    }

    /// The portal could not be reached or rejected the webhook.
    pub fn portal(message: impl fmt::Display) -> Self {
        Self {
            code: exit::PORTAL,
            message: message.to_string(),
        }
    }

    /// Another turn of the user is running.
    pub fn busy(message: impl fmt::Display) -> Self {
        Self {
            code: exit::BUSY,
            message: message.to_string(),
        }
    }

    /// Anything else.
    pub fn internal(message: impl fmt::Display) -> Self {
        Self {
            code: exit::INTERNAL,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<agent_core::AgentError> for Failure {
    fn from(err: agent_core::AgentError) -> Self {
        if let agent_core::AgentError::State {
            user_id,
            source: state_store::StoreError::Corrupt { path, detail },
        } = &err
        {
            return Failure::internal(format!(
                "the state file {path} is damaged ({detail}) and was left untouched. Fix it by \
                 hand, or run `b24-agent reset-state {user_id}` to move it aside and start \
                 afresh. / Файл состояния {path} повреждён ({detail}) и не изменён: исправьте его \
                 вручную или выполните `b24-agent reset-state {user_id}`, чтобы отложить его и \
                 начать с чистого листа.",
                path = path.display()
            ));
        }
        if err.is_busy() || err.store_error().is_some_and(|e| e.is_busy()) {
            Failure::busy(err)
        } else if matches!(err, agent_core::AgentError::EmptyMessage)
            || err.store_error().is_some_and(|e| e.is_invalid_user_id())
        {
            Failure::config(err)
        } else {
            Failure::internal(err)
        }
    }
}

impl From<state_store::StoreError> for Failure {
    fn from(err: state_store::StoreError) -> Self {
        if err.is_busy() {
            Failure::busy(err)
        } else if err.is_invalid_user_id() {
            Failure::config(err)
        } else {
            Failure::internal(err)
        }
    }
}
