//! `b24-sandbox`: serves a local Bitrix24 portal and prints its webhook URL.
//!
//! The first line of standard output is the webhook URL alone
//! (`http://127.0.0.1:PORT/rest/1/CODE/`); everything else goes to standard error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bitrix_sandbox::{Limits, Sandbox, Seed};
use clap::Parser;

/// A local Bitrix24 portal with the cloud's URLs, answers, errors and limits.
#[derive(Debug, Parser)]
#[command(name = "b24-sandbox", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// JSON data file: loaded if it exists, created from the seed otherwise, rewritten
    /// after every change. Without it the data lives in memory only.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// What a new portal starts with: demo or empty.
    #[arg(long, default_value = "demo")]
    seed: Seed,
    /// Adds N generated deals to a new portal (load tests).
    #[arg(long, value_name = "N", default_value_t = 0)]
    deals: u32,
    /// Limits to enforce: cloud (2 req/s, burst 50), enterprise (5 req/s, burst 250), off.
    #[arg(long, default_value = "cloud")]
    limits: Limits,
    /// Serve HTTPS with a self-signed certificate for localhost and 127.0.0.1, written
    /// as PEM to CERT_OUT.
    #[arg(long, value_name = "CERT_OUT")]
    tls: Option<PathBuf>,
    /// Webhook code to use instead of the stored or a random one.
    #[arg(long, value_name = "CODE")]
    token: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("b24-sandbox: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut builder = Sandbox::builder()
        .seed(args.seed)
        .extra_deals(args.deals)
        .limits(args.limits);
    if let Some(data) = &args.data {
        builder = builder.data_file(data);
    }
    if let Some(cert) = &args.tls {
        builder = builder.tls(cert);
    }
    if let Some(token) = args.token {
        builder = builder.token(token);
    }
    let sandbox = builder.start(&args.listen).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", sandbox.webhook_url().expose())?;
    stdout.flush()?;
    drop(stdout);
    let storage = args
        .data
        .as_ref()
        .map_or_else(|| "in memory".to_owned(), |p| p.display().to_string());
    eprintln!(
        "b24-sandbox: serving on {addr} (data: {storage}; limits: {limits:?}); stats at {base}/sandbox/stats. Stop with Ctrl+C.\n\
         b24-sandbox: портал работает на {addr} (данные: {storage}; лимиты: {limits:?}); статистика: {base}/sandbox/stats. Остановка: Ctrl+C.",
        addr = sandbox.local_addr(),
        limits = args.limits,
        base = sandbox.base_url(),
    );
    wait_for_stop().await;
    eprintln!("b24-sandbox: stopping / останавливаюсь");
    sandbox.shutdown().await;
    Ok(())
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
