//! The data file: locked for one sandbox at a time, loaded once, refused (and never
//! overwritten) when damaged, and rewritten atomically (temporary file, fsync, rename) after
//! every change.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::SandboxError;
use crate::store::PortalData;

/// Takes the OS lock on `<data file>.lock`, polling for up to `wait`; the lock lasts as long
/// as the returned file is open (and dies with the process).
///
/// Each sandbox keeps its data in memory and rewrites the whole file, so two sandboxes on one
/// file would silently undo each other's changes; the lock makes the second one wait or fail.
pub(crate) async fn lock_data_file(path: &Path, wait: Duration) -> Result<File, SandboxError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data.json".into());
    let lock_path = path.with_file_name(format!("{name}.lock"));
    let fail = |source| SandboxError::WriteDataFile {
        path: lock_path.clone(),
        source,
    };
    if let Some(dir) = lock_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(fail)?;
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(10);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(fail(e)),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SandboxError::DataFileInUse {
                path: path.to_owned(),
            });
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Reads the data file: `Ok(None)` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<PortalData>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SandboxError::ReadDataFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    let damaged = |reason: String| SandboxError::DamagedDataFile {
        path: path.to_owned(),
        reason,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(damaged("it is empty".into()));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(format!("it is not valid JSON ({e})")))?;
    PortalData::from_json(&value).map(Some).map_err(damaged)
}

/// Writes bytes to `path` atomically: a temporary file in the same folder, fsync, rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let fail = |source| SandboxError::WriteDataFile {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data.json".into());
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            // Makes the rename itself durable; not every platform allows it.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_sandbox_per_data_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/portal.json");
        let held = lock_data_file(&path, Duration::ZERO).await.unwrap();
        let err = lock_data_file(&path, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(err.is_data_file_in_use(), "{err}");
        assert!(err.to_string().contains("portal.json"), "{err}");
        drop(held);
        lock_data_file(&path, Duration::ZERO).await.unwrap();
    }

    #[test]
    fn missing_file_is_none_and_damaged_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.json");
        assert!(load(&path).unwrap().is_none());
        for text in ["", "{not json", r#"{"format":"other"}"#] {
            std::fs::write(&path, text).unwrap();
            let err = load(&path).unwrap_err();
            assert!(err.is_damaged_data_file(), "{text}: {err}");
            assert!(err.to_string().contains("portal.json"));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/portal.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
