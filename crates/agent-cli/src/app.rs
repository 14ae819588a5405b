//! The program: parse arguments, read configuration, dispatch.

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, exit};
use crate::commands;
use crate::config::{Settings, Sources};
use crate::failure::Failure;
use crate::output::Ui;
use crate::portal::Portal;
use crate::session::Session;

/// Runs `b24-agent` with the process's arguments and environment.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let ui = Ui::detect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            ui.error(&format!("cannot start the async runtime: {err}"));
            return ExitCode::from(exit::INTERNAL);
        }
    };
    match runtime.block_on(run(cli, ui)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            ui.error(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("B24_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

fn settings() -> Result<Settings, Failure> {
    let dotenv = crate::dotenv::read(std::path::Path::new(".env")).map_err(Failure::config)?;
    Settings::resolve(&Sources::from_process(dotenv)).map_err(Failure::config)
}

async fn run(cli: Cli, ui: Ui) -> Result<u8, Failure> {
    if let Some(Command::Sandbox(args)) = &cli.command {
        return commands::sandbox(args).await;
    }
    let settings = settings()?;
    if let Some(Command::ResetState { user_id }) = &cli.command {
        return commands::reset_state(&cli.agent.state_dir, user_id, settings.lock_timeout).await;
    }
    let portal = Portal::connect(&settings, &ui).await?;
    let result = match &cli.command {
        Some(Command::Api {
            method,
            params,
            all,
        }) => commands::api(&portal, method, params.as_deref(), *all).await,
        Some(Command::Chat { user_id }) => {
            let session = Session::open(&cli.agent, &settings, &portal, ui).await?;
            session.chat(user_id).await
        }
        Some(Command::Sandbox(_) | Command::ResetState { .. }) => unreachable!("handled above"),
        None => {
            let user_id = cli.user_id.as_deref().unwrap_or_default();
            let message = cli.message.join(" ");
            let session = Session::open(&cli.agent, &settings, &portal, ui).await?;
            session.turn(user_id, &message).await
        }
    };
    portal.close().await;
    result
}
