//! The JSONL audit log: one record per turn, daily files, bounded retention.
//!
//! See `spec/06_logging.md`. Each record is appended with one `write` while the file is
//! locked, so concurrent runs never interleave their lines.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

/// Appends turn records to `<dir>/turns-YYYY-MM-DD.jsonl` (UTC dates).
#[derive(Debug)]
pub struct AuditLog {
    dir: PathBuf,
    retention_days: u32,
    /// Values that must never reach the log, replaced by `[redacted]` as a last line of defence.
    secrets: Vec<String>,
}

impl AuditLog {
    /// A log in `dir`, keeping `retention_days` days of files (0 keeps all).
    pub fn new(dir: impl Into<PathBuf>, retention_days: u32, secrets: Vec<String>) -> Self {
        let secrets = secrets.into_iter().filter(|s| s.len() >= 6).collect();
        Self {
            dir: dir.into(),
            retention_days,
            secrets,
        }
    }

    /// The file that records written at `now` go to.
    pub fn file_for(&self, now: DateTime<Utc>) -> PathBuf {
        self.dir
            .join(format!("turns-{}.jsonl", now.format("%Y-%m-%d")))
    }

    /// Appends one record and prunes files past the retention period.
    pub fn append(
        &self,
        record: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> std::io::Result<PathBuf> {
        fs::create_dir_all(&self.dir)?;
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        for secret in &self.secrets {
            if line.contains(secret.as_str()) {
                line = line.replace(secret.as_str(), "[redacted]");
            }
        }
        line.push('\n');
        let path = self.file_for(now);
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        file.lock()?;
        let written = file.write_all(line.as_bytes()).and_then(|()| file.flush());
        file.unlock()?;
        written?;
        self.prune(now.date_naive());
        Ok(path)
    }

    /// Removes daily files older than the retention period; failures are ignored.
    fn prune(&self, today: NaiveDate) {
        if self.retention_days == 0 {
            return;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(date) = date_of(Path::new(&name)) else {
                continue;
            };
            if (today - date).num_days() >= i64::from(self.retention_days) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn date_of(name: &Path) -> Option<NaiveDate> {
    let name = name.to_str()?;
    let date = name.strip_prefix("turns-")?.strip_suffix(".jsonl")?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn appends_lines_redacts_secrets_and_prunes_old_days() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 2, vec!["tok3n-secret".into()]);
        let day = |d| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
        log.append(
            &serde_json::json!({"n": 1, "url": "x/tok3n-secret/"}),
            day(20),
        )
        .unwrap();
        log.append(&serde_json::json!({"n": 2}), day(21)).unwrap();
        let path = log.append(&serde_json::json!({"n": 3}), day(21)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(log.file_for(day(20)).exists());
        log.append(&serde_json::json!({"n": 4}), day(22)).unwrap();
        assert!(
            !log.file_for(day(20)).exists(),
            "a file 2 days old is pruned"
        );
        assert!(log.file_for(day(21)).exists());
        let all: String = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert!(!all.contains("tok3n-secret"));
    }

    #[test]
    fn concurrent_writers_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let dir = dir.path().to_path_buf();
                scope.spawn(move || {
                    let log = AuditLog::new(dir, 0, vec![]);
                    let big = "я".repeat(20_000);
                    for i in 0..20 {
                        log.append(&serde_json::json!({"t": t, "i": i, "pad": big}), now)
                            .unwrap();
                    }
                });
            }
        });
        let text = fs::read_to_string(AuditLog::new(dir.path(), 0, vec![]).file_for(now)).unwrap();
        assert_eq!(text.lines().count(), 160);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("every line is whole JSON");
        }
    }
}
