//! Tidiness checks that run as ordinary tests.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every tracked source and doc file under the given folders.
fn files_under(dirs: &[&str], exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| workspace_root().join(d)).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "target" | "node_modules" | "snapshots" | ".git"
                ) {
                    stack.push(path);
                }
            } else if exts.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_rust_file_is_too_long() {
    // Files that have a reason to be long say so on their first line.
    const LIMIT: usize = 700;
    let mut long = Vec::new();
    for path in files_under(&["crates", "xtask", "examples"], &[".rs"]) {
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap_or_default();
        if text.lines().count() > LIMIT && !first.contains("tidy: long-file") {
            long.push(format!(
                "{} ({} lines)",
                path.display(),
                text.lines().count()
            ));
        }
    }
    assert!(
        long.is_empty(),
        "files over {LIMIT} lines (split them):\n{}",
        long.join("\n")
    );
}

#[test]
fn no_real_looking_webhook_is_committed() {
    // A webhook URL's path holds its token; only loopback and example hosts may appear.
    let mut hits = Vec::new();
    for path in files_under(
        &["crates", "xtask", "examples", "spec", "evals"],
        &[".rs", ".md", ".json", ".yaml", ".toml"],
    )
    .into_iter()
    .chain(
        ["README.md", "ARCHITECTURE.md"]
            .iter()
            .map(|f| workspace_root().join(f)),
    ) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let Some(at) = line.find("/rest/") else {
                continue;
            };
            let before = &line[..at];
            let host_ok = [
                "127.0.0.1",
                "localhost",
                "example.com",
                "example.bitrix24",
                "PORTAL",
                "your-portal",
                "[::1]",
                "{",
                "portal.test",
            ]
            .iter()
            .any(|h| before.contains(h));
            if before.contains("://") && !host_ok {
                hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "webhook-like URLs with a real-looking host:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_crate_root_starts_with_crate_docs() {
    for dir in std::fs::read_dir(workspace_root().join("crates"))
        .unwrap()
        .flatten()
    {
        let path = dir.path();
        let lib = path.join("src/lib.rs");
        let main = path.join("src/main.rs");
        let root = if lib.exists() { lib } else { main };
        let text = std::fs::read_to_string(&root).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with crate docs (//!)",
            root.display()
        );
    }
}
