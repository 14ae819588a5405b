//! CLI cold start in degraded mode: spawn the release `b24-agent` many times with no model
//! key and the bundled sandbox's data file in a temporary directory.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::{Samples, Section, ms};

const MESSAGE: &str = "какие сделки сейчас в работе?";

/// One run of the CLI.
struct Run {
    /// First byte on stdout or stderr.
    first_byte: Duration,
    /// First byte on stdout (the reply).
    first_stdout: Duration,
    /// Process exit.
    exit: Duration,
}

/// Reads a pipe to its end; returns when its first byte came and everything read.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<(Option<Instant>, Vec<u8>)> {
    thread::spawn(move || {
        let mut first = None;
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            first.get_or_insert_with(Instant::now);
            all.extend_from_slice(&buf[..n]);
        }
        (first, all)
    })
}

/// The CLI command for one degraded turn in `dir`, with an empty environment (so no model
/// key and no webhook can leak in from the caller).
fn command(program: &Path, args: &[&std::ffi::OsStr], dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn spawn_once(cli: &Path, dir: &Path) -> anyhow::Result<Run> {
    let args = ["bench-user".as_ref(), MESSAGE.as_ref()];
    let started = Instant::now();
    let mut child = command(cli, &args, dir)
        .spawn()
        .with_context(|| format!("cannot start {}", cli.display()))?;
    let out = drain(child.stdout.take().context("stdout")?);
    let err = drain(child.stderr.take().context("stderr")?);
    let status = child.wait()?;
    let exit = started.elapsed();
    let (out_first, stdout) = out.join().map_err(|_| anyhow::anyhow!("stdout reader"))?;
    let (err_first, stderr) = err.join().map_err(|_| anyhow::anyhow!("stderr reader"))?;
    let stdout = String::from_utf8_lossy(&stdout);
    if !status.success() || !stdout.contains("Модель недоступна") {
        bail!(
            "the CLI did not answer in degraded mode ({status}):\n{stdout}\n{}",
            String::from_utf8_lossy(&stderr)
        );
    }
    let since = |t: Option<Instant>| t.map_or(exit, |t| t.duration_since(started));
    Ok(Run {
        first_byte: since(match (out_first, err_first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }),
        first_stdout: since(out_first),
        exit,
    })
}

/// Peak resident memory of the CLI in KiB, measured by GNU time (`%M`), over `runs` runs.
fn peak_rss_kib(cli: &Path, dir: &Path, runs: usize) -> anyhow::Result<Option<u64>> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return Ok(None);
    }
    let report = dir.join("time.txt");
    let mut peak = 0;
    for _ in 0..runs {
        let args = [
            "-f".as_ref(),
            "%M".as_ref(),
            "-o".as_ref(),
            report.as_os_str(),
            cli.as_os_str(),
            "bench-user".as_ref(),
            MESSAGE.as_ref(),
        ];
        let status = command(time, &args, dir).output()?.status;
        if !status.success() {
            bail!("/usr/bin/time {} failed: {status}", cli.display());
        }
        let text = std::fs::read_to_string(&report)?;
        let kib: u64 = text
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .with_context(|| format!("cannot read /usr/bin/time's output: {text:?}"))?;
        peak = peak.max(kib);
    }
    Ok(Some(peak))
}

/// Spawns the CLI `runs` times (after one run that creates the data file).
pub fn run(cli: &Path, quick: bool) -> anyhow::Result<Section> {
    if !cli.is_file() {
        bail!(
            "{} is not a file: build it with `cargo build --release -p agent-cli`",
            cli.display()
        );
    }
    // The CLI runs in a temporary directory, so a relative path would no longer point at it.
    let cli = &cli.canonicalize()?;
    let runs = if quick { 10 } else { 50 };
    let dir = tempfile::tempdir()?;
    let first = spawn_once(cli, dir.path())?;
    let data_bytes = std::fs::metadata(dir.path().join("data/sandbox.json"))
        .map(|m| m.len())
        .unwrap_or(0);
    let mut first_byte = Vec::new();
    let mut first_stdout = Vec::new();
    let mut exit = Vec::new();
    for _ in 0..runs {
        let r = spawn_once(cli, dir.path())?;
        first_byte.push(r.first_byte);
        first_stdout.push(r.first_stdout);
        exit.push(r.exit);
    }
    let (first_byte, first_stdout, exit) = (
        Samples::new(first_byte),
        Samples::new(first_stdout),
        Samples::new(exit),
    );
    let peak = peak_rss_kib(cli, dir.path(), if quick { 3 } else { 10 })?;
    let peak_text = peak.map_or("n/a (no /usr/bin/time)".to_owned(), |k| {
        format!("{:.1} MB", k as f64 / 1024.0)
    });
    let binary_mb = std::fs::metadata(cli).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0;
    let line = |name: &str, s: &Samples| {
        format!(
            "| {name} | {} | {} | {} | {} |",
            ms(s.median()),
            ms(s.quantile(0.9)),
            ms(s.quantile(0.99)),
            ms(s.quantile(1.0))
        )
    };
    let body = format!(
        "## CLI cold start (degraded mode)\n\n\
`b24-agent bench-user \"{MESSAGE}\"` spawned {runs} times in a temporary directory with an \
empty environment: no `OPENAI_API_KEY` (degraded mode), no `BITRIX_WEBHOOK_URL`, so the CLI \
starts the bundled sandbox from `./data/sandbox.json` ({data_bytes} bytes, created by one \
earlier run that took {}), runs one turn, saves the state, appends the audit log and exits. \
The first byte is the sandbox notice on stderr; the reply is the first byte on stdout. \
Binary: {binary_mb:.1} MB.\n\n\
| measure | median | p90 | p99 | max |\n| --- | --- | --- | --- | --- |\n{}\n{}\n{}\n\n\
Peak resident memory (GNU time `%M`, worst of the runs): **{peak_text}**.\n",
        ms(first.exit),
        line("first byte (stderr or stdout)", &first_byte),
        line("first byte of the reply (stdout)", &first_stdout),
        line("process exit", &exit),
    );
    let summary = vec![
        [
            "CLI cold start to first byte, degraded mode (median / p99)".into(),
            format!(
                "{} / {}",
                ms(first_byte.median()),
                ms(first_byte.quantile(0.99))
            ),
            "< 50 ms".into(),
        ],
        [
            "CLI cold start to the reply on stdout (median)".into(),
            ms(first_stdout.median()),
            "-".into(),
        ],
        ["CLI peak memory".into(), peak_text, "< 30 MB".into()],
    ];
    Ok(Section { summary, body })
}
