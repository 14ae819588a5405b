//! `b24-bench`: the cross-crate benchmarks of b24-agent, printed as Markdown.
//!
//! `cargo xtask bench` builds it in release mode, runs `b24-bench all`, adds the per-crate
//! benches and the machine description, and writes `BENCHMARKS.md`. Figures are printed,
//! never asserted: targets are shown next to them.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cold_start;
mod export;
mod mock_portal;
mod store;
mod throughput;
mod turn;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

/// Cross-crate benchmarks of b24-agent.
#[derive(Debug, Parser)]
#[command(name = "b24-bench", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
    /// Fewer iterations (a smoke run; figures are noisier).
    #[arg(long, global = true)]
    quick: bool,
}

/// The rate-limit preset of the export benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Cloud plans: a burst of 50, then 2 requests per second.
    Cloud,
    /// Enterprise plans: a burst of 250, then 5 requests per second.
    Enterprise,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every benchmark, with a summary table first.
    All {
        /// The release `b24-agent` binary, for the cold-start benchmark.
        #[arg(long, value_name = "PATH")]
        cli: PathBuf,
        /// Rate limits of the export benchmark.
        #[arg(long, value_enum, default_value_t = Preset::Cloud)]
        limits: Preset,
    },
    /// Export of 10,000 deals from the sandbox: fast scan, offset paging, one call per page.
    Export {
        /// Rate limits of the sandbox and the client.
        #[arg(long, value_enum, default_value_t = Preset::Cloud)]
        limits: Preset,
    },
    /// Agent overhead per turn with a scripted model and an in-process portal.
    Turn,
    /// Cold start of the CLI in degraded mode: time to first byte and peak memory.
    ColdStart {
        /// The release `b24-agent` binary.
        #[arg(long, value_name = "PATH")]
        cli: PathBuf,
    },
    /// Sandbox throughput through bitrix-client.
    Throughput,
    /// State store: a full state file, and many users in parallel.
    Store,
}

/// One benchmark's output: rows for the summary table and its detailed Markdown.
pub struct Section {
    /// `(measure, result, target)` rows.
    pub summary: Vec<[String; 3]>,
    /// The detailed section, Markdown.
    pub body: String,
}

/// Sorted samples with percentiles.
pub struct Samples(Vec<Duration>);

impl Samples {
    /// Sorts the samples.
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self(samples)
    }

    /// The `q` quantile (0.0 to 1.0), nearest rank.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.0.len() as f64) * q).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    /// The median.
    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    /// How many samples.
    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// A duration in milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// A duration in seconds with one or two decimals.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

fn summary_table(sections: &[&Section]) -> String {
    let mut out = String::from("| measure | result | target |\n| --- | --- | --- |\n");
    for row in sections.iter().flat_map(|s| s.summary.iter()) {
        out.push_str(&format!("| {} | {} | {} |\n", row[0], row[1], row[2]));
    }
    out
}

fn print_sections(sections: &[Section]) {
    let refs: Vec<&Section> = sections.iter().collect();
    println!("## Summary\n\n{}", summary_table(&refs));
    for s in sections {
        println!("{}", s.body);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.quick;
    let sections = match args.command {
        Command::All { cli, limits } => vec![
            turn::run(quick).await?,
            cold_start::run(&cli, quick)?,
            export::run(limits).await?,
            throughput::run(quick).await?,
            store::run(quick).await?,
        ],
        Command::Export { limits } => vec![export::run(limits).await?],
        Command::Turn => vec![turn::run(quick).await?],
        Command::ColdStart { cli } => vec![cold_start::run(&cli, quick)?],
        Command::Throughput => vec![throughput::run(quick).await?],
        Command::Store => vec![store::run(quick).await?],
    };
    print_sections(&sections);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("b24-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let s = Samples::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(s.median(), Duration::from_millis(50));
        assert_eq!(s.quantile(0.99), Duration::from_millis(99));
        assert_eq!(s.quantile(1.0), Duration::from_millis(100));
        assert_eq!(s.quantile(0.0), Duration::from_millis(1));
        assert_eq!(Samples::new(Vec::new()).median(), Duration::ZERO);
        assert_eq!(ms(Duration::from_micros(1500)), "1.500 ms");
        assert_eq!(secs(Duration::from_millis(75_040)), "75.0 s");
    }
}
