//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Process exit codes (documented in README).
pub mod exit {
    /// The turn ran (a degraded reply or a pending consent is a success too).
    pub const OK: u8 = 0;
    /// An internal error: a bug, or a file the agent could not write.
    pub const INTERNAL: u8 = 1;
    /// Bad flags, a malformed `.env`, URL or other configuration.
    pub const USAGE: u8 = 2;
    /// The portal could not be reached, or it rejected the webhook.
    pub const PORTAL: u8 = 3;
    /// Another turn for this user holds the lock.
    pub const BUSY: u8 = 4;
}

const AFTER_HELP: &str = "\
Environment (flags win over the environment, which wins over ./.env):
  BITRIX_WEBHOOK_URL      incoming webhook https://PORTAL/rest/USER_ID/TOKEN/ (secret);
                          unset: the bundled sandbox portal in ./data/sandbox.json
  BITRIX_CA_CERT          PEM file with extra root certificates (on-premise portals)
  OPENAI_API_KEY          key of the model server (secret); unset: degraded mode
  OPENAI_API_BASE         any OpenAI-compatible API (default https://api.openai.com/v1)
  OPENAI_MODEL            model name (default gpt-4o-mini)
  OPENAI_TIMEOUT_SECS     timeout of one model request (default 120)
  B24_SANDBOX_DATA        data file of the bundled sandbox (default ./data/sandbox.json)
  B24_LOG_RETENTION_DAYS  days of audit logs to keep (default 30; 0 keeps all)
  B24_LOCK_TIMEOUT_SECS   wait for a busy user or bundled sandbox (default 10)
  B24_LOG                 diagnostics on stderr, e.g. B24_LOG=debug (default warn)

Exit codes: 0 ok (degraded or waiting for consent included), 1 internal error,
2 usage or configuration error, 3 portal unreachable or webhook rejected, 4 busy (user or sandbox).

Examples:
  b24-agent ivan \"какие сделки на стадии переговоров?\"
  b24-agent ivan да
  b24-agent chat ivan
  b24-agent api crm.deal.list '{\"select\":[\"ID\",\"TITLE\"]}' --all
  b24-agent reset-state ivan";

/// `b24-agent`: an AI manager for Bitrix24.
#[derive(Debug, Parser)]
#[command(
    name = "b24-agent",
    version,
    about = "An AI manager for Bitrix24: plain-language requests in, safe REST calls out.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// A subcommand; without one, runs one turn.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The user the turn is for (Bitrix24, Telegram or any stable id).
    #[arg(value_name = "USER_ID", required = true)]
    pub user_id: Option<String>,

    /// The request, in plain words (several arguments are joined with spaces).
    #[arg(value_name = "MESSAGE", required = true, num_args = 1..)]
    pub message: Vec<String>,

    /// Options of an agent turn.
    #[command(flatten)]
    pub agent: AgentArgs,
}

/// Options shared by one-shot turns and `chat`.
#[derive(Debug, Clone, Args)]
pub struct AgentArgs {
    /// Safety mode: shadow plans every write, canary executes a small allowlist, full executes the catalog.
    #[arg(long, value_enum, default_value_t = ModeArg::Shadow, global = true)]
    pub mode: ModeArg,

    /// Directory of per-user state files.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "./data/state",
        global = true
    )]
    pub state_dir: PathBuf,

    /// Directory of the JSONL audit logs.
    #[arg(long, value_name = "DIR", default_value = "./data/logs", global = true)]
    pub log_dir: PathBuf,

    /// The most model steps in one turn.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=50), global = true)]
    pub max_steps: u32,

    /// Print one JSON object per turn instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The safety mode, as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Reads execute; every write is only planned.
    Shadow,
    /// Reads execute; a small allowlist of writes executes, at most 3 per turn.
    Canary,
    /// Everything in the catalog may execute; risky actions still need consent.
    Full,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// An interactive session: one turn per line, until an empty line or end of input.
    Chat {
        /// The user the session is for.
        user_id: String,
    },
    /// A direct REST call through the client, printing raw JSON (like `gh api`).
    Api {
        /// The REST method, e.g. crm.deal.list.
        method: String,
        /// The parameters as a JSON object.
        #[arg(value_name = "PARAMS_JSON")]
        params: Option<String>,
        /// Stream every item of a list method as JSON lines (fast ID scan).
        #[arg(long)]
        all: bool,
    },
    /// Serve the bundled sandbox portal standalone (as b24-sandbox does).
    Sandbox(SandboxArgs),
    /// Move a user's state file aside so the next turn starts afresh
    ///
    /// The way out of a damaged state file: the file is renamed to USER.json.corrupt-TIME in
    /// the same directory (kept for inspection), under the user's lock.
    ResetState {
        /// The user whose state to move aside.
        user_id: String,
    },
}

/// Options of `b24-agent sandbox`.
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Data file (created and demo-seeded when missing).
    #[arg(long, value_name = "FILE", default_value = "./data/sandbox.json")]
    pub data: PathBuf,
    /// Seed of a new data file.
    #[arg(long, default_value = "demo", value_parser = ["demo", "empty"])]
    pub seed: String,
    /// Generated deals to add for load tests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub deals: u32,
    /// Rate limits to emulate.
    #[arg(long, default_value = "cloud", value_parser = ["cloud", "enterprise", "off"])]
    pub limits: String,
}
