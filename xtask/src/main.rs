//! `cargo xtask`: project chores that need more than one cargo command.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

mod bench;
mod eval;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci     fmt check, clippy -D warnings, doc, the whole test suite, the scripted evals and
         a quick benchmark run (what CI runs)
  fmt    cargo fmt --all -- --check
  lint   cargo clippy --workspace --all-targets -- -D warnings
  doc    cargo doc --workspace --no-deps with rustdoc warnings (broken links) as errors
  test   cargo test --workspace --all-targets, then the doc tests
  eval   run the eval scenarios in evals/ (--live: the configured model; see b24-eval --help)
  bench  release benchmarks, printed and written to BENCHMARKS.md (--quick: a smoke run)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("ci") => {
            fmt()?;
            lint()?;
            doc()?;
            test()?;
            // The deterministic forms of the evals and the benchmarks (issue 8).
            cargo(&["run", "-q", "-p", "agent-eval", "--bin", "b24-eval"])?;
            bench::run(&["--quick".to_owned()])
        }
        Some("fmt") => fmt(),
        Some("lint") => lint(),
        Some("doc") => doc(),
        Some("test") => test(),
        Some("eval") => eval::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("-h" | "--help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{USAGE}"),
    }
}

fn fmt() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])
}

fn lint() -> Result<()> {
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])
}

fn doc() -> Result<()> {
    // Keeps the caller's flags; the variable is set for the child cargo only.
    let flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    cargo_with_env(
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", &format!("{flags} -D warnings"))],
    )
}

fn test() -> Result<()> {
    cargo(&["test", "--workspace", "--all-targets", "--all-features"])?;
    cargo(&["test", "--workspace", "--doc", "--all-features"])
}

/// Runs `cargo` with `args` in the workspace root and fails when it fails.
fn cargo(args: &[&str]) -> Result<()> {
    cargo_with_env(args, &[])
}

/// Runs `cargo` with `args` and extra environment variables in the workspace root.
fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}
