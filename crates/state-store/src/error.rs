//! The errors of a state store.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::user_id::InvalidUserIdReason;

/// Errors of a state store.
///
/// Every error about a file names that file; user ids in messages are quoted and shortened,
/// so a hostile id cannot forge log lines.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another turn for this user holds the lock.
    #[error("user {user_id} is busy: another turn is running")]
    Busy {
        /// The user.
        user_id: String,
    },

    /// The user id cannot name a state (it would be unsafe or ambiguous as a file name).
    #[error("invalid user id {}: {reason}", QuotedId(.user_id))]
    InvalidUserId {
        /// The rejected id, shortened to at most 64 characters.
        user_id: String,
        /// What is wrong with it.
        reason: InvalidUserIdReason,
    },

    /// The state file exists but cannot be read as a state: bad JSON, wrong types, a failed
    /// migration, or another user's state. The file is left untouched.
    #[error(
        "state file {} is damaged: {detail}; it was left untouched \
         (move it aside with JsonFileStore::quarantine to start afresh)",
        .path.display()
    )]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong, with line and column when known.
        detail: String,
    },

    /// The state file was written by a newer build; this build refuses to read or replace it.
    #[error(
        "state file {} has schema version {found}, newer than {supported} which this build \
         supports; upgrade b24-agent (the file was left untouched)",
        .path.display()
    )]
    FutureVersion {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: u64,
        /// The newest version this build knows.
        supported: u32,
    },

    /// The state cannot be encoded as JSON (should not happen with well-formed values).
    #[error("cannot encode the state of user {}: {source}", QuotedId(.user_id))]
    Encode {
        /// The user.
        user_id: String,
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },

    /// An I/O operation on a file or directory failed.
    #[error("cannot {op} {}: {source}", .path.display())]
    Io {
        /// What was being done, e.g. `read`, `rename into place`.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl StoreError {
    /// Whether another turn holds the user's lock (retry later).
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }

    /// Whether the user id was rejected.
    pub fn is_invalid_user_id(&self) -> bool {
        matches!(self, Self::InvalidUserId { .. })
    }

    /// Whether the stored state is damaged (see [`StoreError::Corrupt`]).
    pub fn is_corrupt(&self) -> bool {
        matches!(self, Self::Corrupt { .. })
    }

    /// Whether the stored state comes from a newer schema version.
    pub fn is_future_version(&self) -> bool {
        matches!(self, Self::FutureVersion { .. })
    }

    /// Whether an I/O operation failed.
    pub fn is_io(&self) -> bool {
        matches!(self, Self::Io { .. })
    }

    /// Whether the same call may succeed later without anyone fixing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Busy { .. } => true,
            Self::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            _ => false,
        }
    }

    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Corrupt { path, .. }
            | Self::FutureVersion { path, .. }
            | Self::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.into(),
            detail: detail.into(),
        }
    }
}

/// Displays a user id quoted and escaped (`"ivan"`), so control characters stay visible.
struct QuotedId<'a>(&'a str);

impl fmt::Display for QuotedId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_queries_agree() {
        let corrupt = StoreError::corrupt("/s/ivan.json", "expected value at line 1 column 1");
        let text = corrupt.to_string();
        assert!(text.contains("/s/ivan.json"), "{text}");
        assert!(text.contains("line 1 column 1"), "{text}");
        assert!(corrupt.is_corrupt() && !corrupt.is_busy() && !corrupt.is_retryable());
        assert_eq!(corrupt.path(), Some(Path::new("/s/ivan.json")));

        let future = StoreError::FutureVersion {
            path: "/s/ivan.json".into(),
            found: 7,
            supported: 1,
        };
        assert!(future.to_string().contains("schema version 7"));
        assert!(future.is_future_version());

        let busy = StoreError::Busy {
            user_id: "ivan".into(),
        };
        assert!(busy.is_busy() && busy.is_retryable());
        assert_eq!(busy.path(), None);

        let io = StoreError::io(
            "read",
            "/s/x.json",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        assert!(io.to_string().starts_with("cannot read /s/x.json"));
        assert!(io.is_io() && !io.is_retryable());
    }

    #[test]
    fn invalid_id_is_escaped_in_messages() {
        let err = StoreError::InvalidUserId {
            user_id: "a\nb".into(),
            reason: InvalidUserIdReason::ControlCharacter,
        };
        let text = err.to_string();
        assert!(text.contains(r#""a\nb""#), "{text}");
        assert!(!text.contains('\n'));
        assert!(err.is_invalid_user_id());
    }
}
