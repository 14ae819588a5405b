//! The JSON-file backend: one pretty-printed file per user, atomic writes, OS file locks.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;

use crate::codec;
use crate::fs_ops::{self, Existing};
use crate::{AgentState, SCHEMA_VERSION, StateStore, StoreError, TurnGuard, validate_user_id};

/// Where [`JsonFileStore::default`] keeps state files.
pub const DEFAULT_STATE_DIR: &str = "./data/state";

/// The first pause between attempts to take a busy lock; it doubles up to the maximum.
const LOCK_POLL_START: Duration = Duration::from_millis(2);
/// The longest pause between attempts to take a busy lock.
const LOCK_POLL_MAX: Duration = Duration::from_millis(50);

/// Stores each user's state as `<dir>/<user_id>.json`.
///
/// - Writes are atomic and durable: temp file in the same directory, fsync, rename, fsync
///   of the directory. A crash leaves the old or the new file, never a mix.
/// - [`StateStore::lock_user`] takes an OS lock on the sidecar `<user_id>.lock`, so one turn
///   per user runs at a time across tasks and processes; waiting polls until the timeout,
///   then fails with [`StoreError::Busy`]. The lock dies with its process.
/// - A damaged file is never overwritten: loading and saving fail with
///   [`StoreError::Corrupt`] naming it until [`JsonFileStore::quarantine`] moves it aside.
///   A file of a newer schema is refused the same way ([`StoreError::FutureVersion`]).
/// - An older schema is migrated on load; the first save keeps the original as
///   `<user_id>.json.v<N>.bak`.
///
/// All file I/O runs on tokio's blocking threads.
#[derive(Debug, Clone)]
pub struct JsonFileStore {
    dir: PathBuf,
}

impl Default for JsonFileStore {
    /// A store in [`DEFAULT_STATE_DIR`].
    fn default() -> Self {
        Self::new(DEFAULT_STATE_DIR)
    }
}

impl JsonFileStore {
    /// A store in `dir`; the directory is created on first use.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory the files live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the user's state file (which may not exist).
    pub fn state_path(&self, user_id: &str) -> Result<PathBuf, StoreError> {
        validate_user_id(user_id)?;
        Ok(self.dir.join(state_file_name(user_id)))
    }

    /// Recovery for a damaged (or unwanted future-version) file: renames the user's state
    /// file to `<user_id>.json.corrupt-<UTC timestamp>` in the same directory, so the next
    /// load starts afresh and the old content stays for inspection. Returns the new path,
    /// or `None` when the user has no state file. Hold the user's turn lock while calling.
    pub async fn quarantine(&self, user_id: &str) -> Result<Option<PathBuf>, StoreError> {
        validate_user_id(user_id)?;
        let (dir, user) = (self.dir.clone(), user_id.to_owned());
        blocking(&self.dir, move || quarantine_blocking(&dir, &user)).await
    }
}

fn state_file_name(user_id: &str) -> String {
    format!("{user_id}.json")
}

fn lock_file_name(user_id: &str) -> String {
    format!("{user_id}.lock")
}

fn backup_file_name(user_id: &str, version: u32) -> String {
    format!("{user_id}.json.v{version}.bak")
}

/// Whether `name` is one of the files the store writes atomically for `user_id`.
fn is_written_for(name: &str, user_id: &str) -> bool {
    let Some(rest) = name.strip_prefix(user_id) else {
        return false;
    };
    rest == ".json"
        || rest
            .strip_prefix(".json.v")
            .and_then(|r| r.strip_suffix(".bak"))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

/// Runs blocking file work off the async runtime.
async fn blocking<T, F>(dir: &Path, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::io(
            "finish file work in",
            dir,
            io::Error::other(e),
        )),
    }
}

/// The held lock: the open lock file; closing it (on drop) releases the lock.
struct FileTurnGuard {
    user_id: String,
    _lock: File,
}

impl TurnGuard for FileTurnGuard {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

fn open_lock_file(dir: &Path, user_id: &str) -> Result<(File, PathBuf), StoreError> {
    fs_ops::ensure_dir(dir)?;
    let path = dir.join(lock_file_name(user_id));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| StoreError::io("open lock file", &path, e))?;
    Ok((file, path))
}

fn load_blocking(dir: &Path, user_id: &str) -> Result<AgentState, StoreError> {
    let path = dir.join(state_file_name(user_id));
    match fs_ops::read_optional(&path)? {
        None => Ok(AgentState::new(user_id, Utc::now())),
        Some(bytes) => {
            let decoded = codec::decode(&bytes, &path, user_id)?;
            if decoded.stored_version < SCHEMA_VERSION {
                tracing::info!(
                    path = %path.display(),
                    from = decoded.stored_version,
                    to = SCHEMA_VERSION,
                    "migrated state file on load"
                );
            }
            Ok(decoded.state)
        }
    }
}

fn save_blocking(dir: &Path, user_id: &str, bytes: &[u8]) -> Result<(), StoreError> {
    fs_ops::ensure_dir(dir)?;
    let name = state_file_name(user_id);
    let path = dir.join(&name);
    if let Some(existing) = fs_ops::read_optional(&path)? {
        // Refuses to replace a damaged or future-version file.
        let decoded = codec::decode(&existing, &path, user_id)?;
        if decoded.stored_version < SCHEMA_VERSION {
            let backup = backup_file_name(user_id, decoded.stored_version);
            fs_ops::write_atomic(dir, &backup, &existing, Existing::Keep)?;
        }
    }
    fs_ops::write_atomic(dir, &name, bytes, Existing::Replace)?;
    Ok(())
}

fn list_blocking(dir: &Path) -> Result<Vec<String>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", dir, e)),
    };
    let mut users = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let name = entry.file_name();
        let Some(user) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        let is_file = entry
            .file_type()
            .map_err(|e| StoreError::io("inspect", entry.path(), e))?
            .is_file();
        if is_file && validate_user_id(user).is_ok() {
            users.push(user.to_owned());
        }
    }
    users.sort();
    Ok(users)
}

fn delete_blocking(dir: &Path, user_id: &str) -> Result<(), StoreError> {
    if fs_ops::remove_optional(&dir.join(state_file_name(user_id)))? {
        fs_ops::sync_dir(dir)?;
    }
    Ok(())
}

fn quarantine_blocking(dir: &Path, user_id: &str) -> Result<Option<PathBuf>, StoreError> {
    let path = dir.join(state_file_name(user_id));
    if !path
        .try_exists()
        .map_err(|e| StoreError::io("check", &path, e))?
    {
        return Ok(None);
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut target = dir.join(format!("{user_id}.json.corrupt-{stamp}"));
    let mut n = 1;
    while target
        .try_exists()
        .map_err(|e| StoreError::io("check", &target, e))?
    {
        target = dir.join(format!("{user_id}.json.corrupt-{stamp}-{n}"));
        n += 1;
    }
    fs::rename(&path, &target).map_err(|e| StoreError::io("move aside", &path, e))?;
    fs_ops::sync_dir(dir)?;
    tracing::warn!(from = %path.display(), to = %target.display(), "state file quarantined");
    Ok(Some(target))
}

#[async_trait]
impl StateStore for JsonFileStore {
    async fn lock_user(
        &self,
        user_id: &str,
        timeout: Duration,
    ) -> Result<Box<dyn TurnGuard>, StoreError> {
        validate_user_id(user_id)?;
        let (dir, user) = (self.dir.clone(), user_id.to_owned());
        let (file, lock_path) = blocking(&self.dir, move || open_lock_file(&dir, &user)).await?;

        let deadline = Instant::now() + timeout;
        let mut pause = LOCK_POLL_START;
        loop {
            // A non-blocking flock/LockFileEx: cheap enough for the async thread.
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    return Err(StoreError::io("lock", lock_path, e));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Busy {
                    user_id: user_id.to_owned(),
                });
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = (pause * 2).min(LOCK_POLL_MAX);
        }

        // Writers of this user hold this lock, so temp files left now are from a crash.
        let (dir, user) = (self.dir.clone(), user_id.to_owned());
        let cleanup = blocking(&self.dir, move || {
            fs_ops::remove_stale_temps(&dir, |target| is_written_for(target, &user))
        })
        .await;
        match cleanup {
            Ok(removed) if !removed.is_empty() => {
                tracing::info!(user_id, count = removed.len(), "removed stale temp files");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(user_id, error = %e, "cannot remove stale temp files"),
        }
        Ok(Box::new(FileTurnGuard {
            user_id: user_id.to_owned(),
            _lock: file,
        }))
    }

    async fn load_or_create(&self, user_id: &str) -> Result<AgentState, StoreError> {
        validate_user_id(user_id)?;
        let (dir, user) = (self.dir.clone(), user_id.to_owned());
        blocking(&self.dir, move || load_blocking(&dir, &user)).await
    }

    async fn save(&self, state: &AgentState) -> Result<(), StoreError> {
        validate_user_id(&state.user_id)?;
        let bytes = codec::encode(state)?;
        let (dir, user) = (self.dir.clone(), state.user_id.clone());
        blocking(&self.dir, move || save_blocking(&dir, &user, &bytes)).await
    }

    async fn list_users(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.dir.clone();
        blocking(&self.dir, move || list_blocking(&dir)).await
    }

    async fn delete(&self, user_id: &str) -> Result<(), StoreError> {
        validate_user_id(user_id)?;
        let (dir, user) = (self.dir.clone(), user_id.to_owned());
        blocking(&self.dir, move || delete_blocking(&dir, &user)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_are_attributed_to_the_right_user() {
        assert!(is_written_for("ivan.json", "ivan"));
        assert!(is_written_for("ivan.json.v0.bak", "ivan"));
        assert!(!is_written_for("ivan.json.v.bak", "ivan"));
        assert!(!is_written_for("ivan.json.v0.bak", "iva"));
        assert!(!is_written_for("ivan.json.v0.json", "ivan"));
        assert!(!is_written_for("ivan.json.v0.json", "ivan.json.v0.json"));
        assert!(is_written_for("ivan.json.v0.json", "ivan.json.v0"));
        assert!(!is_written_for("ivan.lock", "ivan"));
    }
}
