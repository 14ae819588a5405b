//! `cargo xtask bench [--quick]`: release builds of the benchmarks, a Markdown report printed
//! and written to `BENCHMARKS.md` with a description of the machine.
//!
//! `--quick` is the smoke run CI makes: smaller inputs, enterprise limits, no per-crate benches
//! (`cargo test --all-targets` already runs those once in their short form), and the report goes
//! to `target/BENCHMARKS-quick.md` so the committed figures stay those of a full run.
//!
//! The cross-crate figures come from `b24-bench` (crate `agent-eval`); the per-crate benches
//! of `bitrix-sandbox`, `state-store` and `bitrix-client` are run with `cargo bench` and
//! appended as they print. Nothing here asserts a timing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// Per-crate benches appended to the report: (package, bench target).
const CRATE_BENCHES: &[(&str, &str)] = &[
    ("bitrix-sandbox", "throughput"),
    ("state-store", "store"),
    ("bitrix-client", "export"),
];

/// Runs every benchmark and writes `BENCHMARKS.md` at the workspace root.
pub fn run(args: &[String]) -> Result<()> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .canonicalize()
        .context("cannot find the workspace root")?;
    let root = root.as_path();
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            other => bail!("unknown option `{other}` for bench (expected --quick)"),
        }
    }
    super::cargo(&[
        "build",
        "--release",
        "-p",
        "agent-cli",
        "-p",
        "agent-eval",
        "--bins",
    ])?;
    let release = target_dir(root).join("release");
    let cli = release.join("b24-agent");
    let mut bench_args = vec![
        "all".to_owned(),
        "--cli".to_owned(),
        cli.display().to_string(),
        "--limits".to_owned(),
        if quick { "enterprise" } else { "cloud" }.to_owned(),
    ];
    if quick {
        bench_args.push("--quick".to_owned());
    }
    println!("$ b24-bench {}", bench_args.join(" "));
    let main = capture(
        Command::new(release.join("b24-bench")).args(&bench_args),
        root,
    )?;
    let mut report = header(root, quick);
    report.push_str(&main);
    if !quick {
        report.push_str("\n## Per-crate benches\n");
        for (package, bench) in CRATE_BENCHES {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            println!("$ cargo bench -p {package} --bench {bench}");
            let out = capture(
                Command::new(cargo).args(["bench", "-p", package, "--bench", bench]),
                root,
            )?;
            report.push_str(&format!(
                "\n### `cargo bench -p {package} --bench {bench}`\n\n```text\n{}\n```\n",
                out.trim_end()
            ));
        }
    }
    // A smoke run must not replace the committed figures of a full one.
    let path = if quick {
        target_dir(root).join("BENCHMARKS-quick.md")
    } else {
        root.join("BENCHMARKS.md")
    };
    std::fs::write(&path, &report).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{report}");
    println!("written to {}", path.display());
    Ok(())
}

/// Runs a command in `root`, passing stderr through, and returns its stdout.
fn capture(command: &mut Command, root: &Path) -> Result<String> {
    let output = command
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start {command:?}"))?;
    if !output.status.success() {
        bail!("{command:?} failed ({})", output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where cargo puts build output: `CARGO_TARGET_DIR`, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The report's title, how it was made, and the machine.
fn header(root: &Path, quick: bool) -> String {
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = field(&cpuinfo, "model name").unwrap_or("unknown");
    let logical = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = field(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.1} GiB", kib / 1_048_576.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".to_owned(), |k| k.trim().to_owned());
    format!(
        "# Benchmarks\n\n\
Written by `cargo xtask bench{}` on {} (commit {}). Release builds; figures are printed, never \
asserted, and vary between runs and machines. Targets are from issue 8.\n\n\
## Machine\n\n\
- CPU: {cpu} ({logical} logical CPUs in /proc/cpuinfo)\n\
- nproc (CPUs available to the process): {nproc}\n\
- Memory: {memory}\n\
- Linux kernel: {kernel}\n\
- Toolchain: {}\n\n",
        if quick { " --quick" } else { "" },
        today(),
        run("git", &["describe", "--always", "--dirty"]),
        run("rustc", &["--version"]),
    )
}

/// The value of `key: value` in a /proc file.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim())
}

/// Today's UTC date as `YYYY-MM-DD`.
fn today() -> String {
    date_of(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// The UTC date of a UNIX time (civil-from-days, proleptic Gregorian).
fn date_of(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_and_dates() {
        let info = "processor\t: 0\nmodel name\t: Test CPU @ 1GHz\nMemTotal:  2048 kB\n";
        assert_eq!(field(info, "model name"), Some("Test CPU @ 1GHz"));
        assert_eq!(field(info, "MemTotal"), Some("2048 kB"));
        assert_eq!(field(info, "missing"), None);
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(1_709_164_800), "2024-02-29");
        assert_eq!(date_of(951_868_800 + 86_399), "2000-03-01");
        assert_eq!(today().len(), 10);
    }
}
