//! `cargo xtask eval [--live] [b24-eval options]`: runs the scenario suite under `evals/`.
//!
//! The harness lives in `crates/agent-eval` (binary `b24-eval`); this only builds and runs it
//! in release mode from the workspace root, passing every option through.

use anyhow::Result;

/// Runs `b24-eval` with `args` (e.g. `--live`, `--only consent`, `--trace`).
pub fn run(args: &[String]) -> Result<()> {
    let mut cargo_args = vec![
        "run",
        "--release",
        "-p",
        "agent-eval",
        "--bin",
        "b24-eval",
        "--",
    ];
    cargo_args.extend(args.iter().map(String::as_str));
    super::cargo(&cargo_args)
}
