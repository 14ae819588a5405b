//! Blocking file operations of the JSON-file backend: atomic writes, directory sync,
//! temp-file housekeeping. Run them on a blocking thread.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::StoreError;

/// Marks temp files: `.<final name>.tmp-<pid>-<sequence>`.
const TEMP_MARK: &str = ".tmp-";

/// Makes temp names unique within the process.
static TEMP_SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// What to do when the target of [`write_atomic`] exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it atomically.
    Replace,
    /// Keep it and write nothing.
    Keep,
}

/// Writes `bytes` to `dir/name` so that a reader (or a crash) sees either the old file or
/// the complete new one: temp file in the same directory, fsync, rename, fsync of the
/// directory. Returns whether the file was written.
pub(crate) fn write_atomic(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    existing: Existing,
) -> Result<bool, StoreError> {
    let target = dir.join(name);
    if existing == Existing::Keep && exists(&target)? {
        return Ok(false);
    }
    let temp = dir.join(format!(
        ".{name}{TEMP_MARK}{}-{}",
        std::process::id(),
        TEMP_SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_and_rename(&temp, &target, bytes);
    if result.is_err() {
        // Best effort: the temp file is garbage now; the target is untouched.
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_dir(dir)?;
    Ok(true)
}

fn write_and_rename(temp: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    // State files hold private conversations: readable by the owner only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(temp)
        .map_err(|e| StoreError::io("create", temp, e))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io("write", temp, e))?;
    file.sync_all()
        .map_err(|e| StoreError::io("fsync", temp, e))?;
    drop(file);
    fs::rename(temp, target).map_err(|e| StoreError::io("rename into place", target, e))
}

/// Makes a directory's entries (a rename, a removal) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("fsync directory", dir, e))?;
    // Elsewhere a directory cannot be opened as a file; the rename is still atomic.
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates the state directory (and parents) when missing.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| StoreError::io("create directory", dir, e))
}

/// Reads a file; `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("read", path, e)),
    }
}

/// Removes a file; `false` when it did not exist.
pub(crate) fn remove_optional(path: &Path) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io("remove", path, e)),
    }
}

fn exists(path: &Path) -> Result<bool, StoreError> {
    path.try_exists()
        .map_err(|e| StoreError::io("check", path, e))
}

/// Removes temp files that `write_atomic` left behind for the files named by `owns`
/// (a writer that crashed between creating and renaming its temp file). Call it only while
/// holding the lock that all writers of those files take. Returns the removed paths.
pub(crate) fn remove_stale_temps(
    dir: &Path,
    owns: impl Fn(&str) -> bool,
) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("list", dir, e)),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
        let name = entry.file_name();
        let Some(target) = name.to_str().and_then(temp_target) else {
            continue;
        };
        if owns(target) && remove_optional(&entry.path())? {
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// The final name a temp file was meant for, if `name` is a temp file name.
fn temp_target(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?;
    let (target, suffix) = rest.rsplit_once(TEMP_MARK)?;
    let (pid, seq) = suffix.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(seq)).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_exactly() {
        assert_eq!(temp_target(".ivan.json.tmp-12-3"), Some("ivan.json"));
        assert_eq!(
            temp_target(".a.json.tmp-1-2.json.tmp-5-6"),
            Some("a.json.tmp-1-2.json")
        );
        assert_eq!(temp_target(".ivan.json.tmp-12"), None);
        assert_eq!(temp_target(".ivan.json.tmp-x-1"), None);
        assert_eq!(temp_target("ivan.json.tmp-1-2"), None);
        assert_eq!(temp_target("ivan.json"), None);
    }

    #[test]
    fn atomic_write_replaces_or_keeps_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomic(dir.path(), "f.json", b"one", Existing::Replace).unwrap());
        assert!(write_atomic(dir.path(), "f.json", b"two", Existing::Replace).unwrap());
        assert!(!write_atomic(dir.path(), "f.json", b"three", Existing::Keep).unwrap());
        assert_eq!(fs::read(dir.path().join("f.json")).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("f.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f.json"]);
    }

    #[test]
    fn failed_write_keeps_the_target() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("f.json"), b"old").unwrap();
        let missing = dir.path().join("no-such-dir");
        let err = write_atomic(&missing, "f.json", b"new", Existing::Replace).unwrap_err();
        assert!(err.is_io(), "{err}");
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        assert_eq!(fs::read(dir.path().join("f.json")).unwrap(), b"old");
    }

    #[test]
    fn stale_temps_are_removed_only_for_their_owner() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".ivan.json.tmp-1-1",
            ".ivan.json.v0.bak.tmp-1-2",
            ".petr.json.tmp-1-3",
            "ivan.json",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        let removed = remove_stale_temps(dir.path(), |t| t.starts_with("ivan.json")).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(dir.path().join(".petr.json.tmp-1-3").exists());
        assert!(dir.path().join("ivan.json").exists());
        let none = remove_stale_temps(&dir.path().join("missing"), |_| true).unwrap();
        assert!(none.is_empty());
    }
}
