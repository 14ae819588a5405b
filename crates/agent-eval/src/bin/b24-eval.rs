//! `b24-eval`: runs the scenario suite and prints the table.
//!
//! Exit codes: 0 every scripted scenario passed (a live run exits 0 whatever its pass rate,
//! unless `--min-pass-rate` is given or a scenario could not run at all), 1 some scenario
//! failed, 2 bad scenario files or no usable model for `--live`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use agent_cli::config::{Settings, Sources};
use agent_core::ModelAccess;
use agent_eval::{ModelChoice, SuiteReport, load_dir, run_suite};
use clap::Parser;

/// Runs b24-agent's eval scenarios against a fresh sandbox portal each.
#[derive(Debug, Parser)]
#[command(name = "b24-eval", version)]
struct Args {
    /// Use the configured model (OPENAI_API_KEY, OPENAI_API_BASE, OPENAI_MODEL, as the CLI
    /// reads them, `.env` included) instead of the scripted replies; checks only portal
    /// state and policy decisions, and reports the pass rate.
    #[arg(long)]
    live: bool,
    /// The directory of scenario files (default: ./evals, else the workspace's evals/).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Run only scenarios whose name contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    only: Vec<String>,
    /// With --live: exit 1 when the pass rate is below this share (0.0 to 1.0).
    #[arg(long, value_name = "RATE")]
    min_pass_rate: Option<f64>,
    /// Also print every turn: model replies, observations, actions and replies.
    #[arg(long)]
    trace: bool,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn default_dir() -> PathBuf {
    let local = Path::new("evals");
    if local.is_dir() {
        return local.to_owned();
    }
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../evals");
    bundled.canonicalize().unwrap_or(bundled)
}

async fn live_model() -> Result<ModelChoice, String> {
    let dotenv = agent_cli::dotenv::read(Path::new(".env")).map_err(|e| e.to_string())?;
    let settings = Settings::resolve(&Sources::from_process(dotenv)).map_err(|e| e.to_string())?;
    let access = agent_cli::model::connect(&settings.model)
        .await
        .map_err(|f| f.message)?;
    match access {
        ModelAccess::Ready(model) => {
            eprintln!(
                "live model: {} at {}",
                settings.model.model, settings.model.api_base
            );
            Ok(ModelChoice::Live(model))
        }
        ModelAccess::Unavailable(why) => Err(format!(
            "--live needs a usable model. {}",
            agent_core::messages::degraded(&why, agent_core::Lang::En)
        )),
    }
}

fn write_json(path: &Path, report: &SuiteReport) -> Result<(), String> {
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

async fn run(args: Args) -> Result<bool, String> {
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    let mut scenarios = load_dir(&dir).map_err(|e| e.to_string())?;
    if !args.only.is_empty() {
        scenarios.retain(|(_, s)| args.only.iter().any(|o| s.name.contains(o.as_str())));
        if scenarios.is_empty() {
            return Err(format!("no scenario name contains any of {:?}", args.only));
        }
    }
    let model = if args.live {
        live_model().await?
    } else {
        ModelChoice::Scripted
    };
    let report = run_suite(&scenarios, &model).await;
    if args.trace {
        print!("{}", report.render_trace());
    }
    print!("{}", report.render());
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    Ok(match (args.live, args.min_pass_rate) {
        (false, _) => report.all_passed(),
        (true, Some(min)) => report.pass_rate() >= min,
        (true, None) => report
            .failures()
            .all(|r| r.status != agent_eval::Status::Error),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("b24-eval: {message}");
            ExitCode::from(2)
        }
    }
}
