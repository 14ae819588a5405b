//! Errors of the harness itself (as opposed to failed expectations, which are results).

use std::path::PathBuf;

/// Why a scenario could not be loaded or run at all.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A scenario file is not valid.
    #[error("{}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position when the parser knows it.
        problem: String,
    },
    /// The sandbox portal could not start.
    #[error("cannot start the sandbox portal: {0}")]
    Sandbox(String),
    /// A setup call of the scenario failed.
    #[error("setup call #{index} ({method}) failed: {detail}")]
    Setup {
        /// 1-based position in `portal.setup`.
        index: usize,
        /// The method.
        method: String,
        /// The portal's error (never holds the webhook code).
        detail: String,
    },
}

impl EvalError {
    /// Whether the scenario file itself is at fault (as opposed to the environment).
    pub fn is_invalid_scenario(&self) -> bool {
        matches!(self, EvalError::Invalid { .. } | EvalError::Setup { .. })
    }
}
