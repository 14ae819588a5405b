//! One agent session: runs turns, shows replies, asks for consent, writes the audit log.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::sync::Arc;

use agent_core::{Agent, AgentConfig, EndReason, Lang, Mode, TurnOutcome};
use chrono::Utc;
use serde_json::{Value, json};
use state_store::JsonFileStore;

use crate::audit_log::AuditLog;
use crate::cli::{AgentArgs, ModeArg, exit};
use crate::config::Settings;
use crate::failure::Failure;
use crate::output::Ui;
use crate::portal::Portal;

/// A connected agent with its log and terminal.
pub struct Session {
    agent: Agent,
    log: AuditLog,
    ui: Ui,
    json: bool,
}

impl Session {
    /// Wires the agent to the portal, the model, the state directory and the log.
    pub async fn open(
        args: &AgentArgs,
        settings: &Settings,
        portal: &Portal,
        ui: Ui,
    ) -> Result<Self, Failure> {
        let model = ui
            .spin(
                "проверяю модель / checking the model",
                crate::model::connect(&settings.model),
            )
            .await?;
        let mode = match args.mode {
            ModeArg::Shadow => Mode::Shadow,
            ModeArg::Canary => Mode::Canary,
            ModeArg::Full => Mode::Full,
        };
        let mut config = AgentConfig::default().with_mode(mode);
        config.max_steps = args.max_steps as usize;
        config.lock_timeout = settings.lock_timeout;
        let store = Arc::new(JsonFileStore::new(&args.state_dir));
        let agent = Agent::new(portal.client.clone(), model, store, config);
        let mut secrets = vec![portal.token.clone()];
        secrets.extend(
            settings
                .model
                .api_key
                .as_ref()
                .map(|k| k.expose().to_owned()),
        );
        secrets.extend(settings.webhook_url.as_ref().map(|u| u.expose().to_owned()));
        let log = AuditLog::new(&args.log_dir, settings.log_retention_days, secrets);
        Ok(Self {
            agent,
            log,
            ui,
            json: args.json,
        })
    }

    /// Runs one turn, logs it and shows the reply; returns the exit code it maps to.
    pub async fn turn(&self, user_id: &str, message: &str) -> Result<u8, Failure> {
        let outcome = self.run_logged(user_id, message).await?;
        self.show(&outcome);
        let mut code = exit_code(&outcome);
        if outcome.pending_action().is_some() && self.ui.interactive && !self.json {
            let answer = if self.ask_consent(outcome.record.language)? {
                "/confirm"
            } else {
                "/cancel"
            };
            let second = self.run_logged(user_id, answer).await?;
            self.show(&second);
            code = exit_code(&second);
        }
        Ok(code)
    }

    /// An interactive session: one turn per input line, until an empty line or end of input.
    pub async fn chat(&self, user_id: &str) -> Result<u8, Failure> {
        self.ui.notice(
            "Пустая строка или Ctrl-D завершают сеанс. / An empty line or Ctrl-D ends the session.",
        );
        let mut code = exit::OK;
        while let Some(line) = read_line("> ")? {
            if line.trim().is_empty() {
                break;
            }
            let outcome = self.run_logged(user_id, &line).await?;
            self.show(&outcome);
            code = exit_code(&outcome);
        }
        Ok(code)
    }

    async fn run_logged(&self, user_id: &str, message: &str) -> Result<TurnOutcome, Failure> {
        let result = self
            .ui
            .spin(
                "думаю / thinking",
                Box::pin(self.agent.turn(user_id, message)),
            )
            .await;
        let outcome = match &result {
            Ok(outcome) => Some(outcome),
            Err(err) => err.outcome(),
        };
        if let Some(outcome) = outcome {
            let record = serde_json::to_value(&outcome.record).map_err(Failure::internal)?;
            self.log
                .append(&record, Utc::now())
                .map_err(|e| Failure::internal(format!("cannot write the audit log: {e}")))?;
        }
        result.map_err(Failure::from)
    }

    fn show(&self, outcome: &TurnOutcome) {
        if self.json {
            println!("{}", json_output(outcome));
            return;
        }
        println!("{}", outcome.reply.trim_end());
        for call in &outcome.record.calls {
            let decision = serde_json::to_value(call.decision).unwrap_or(Value::Null);
            let status = serde_json::to_value(call.status).unwrap_or(Value::Null);
            self.ui.notice(&format!(
                "  · {} — {} ({})",
                call.method,
                decision.as_str().unwrap_or("?"),
                status.as_str().unwrap_or("?")
            ));
        }
    }

    fn ask_consent(&self, lang: Lang) -> Result<bool, Failure> {
        let prompt = match lang {
            Lang::Ru => "Подтвердить? [y/N] ",
            Lang::En => "Confirm? [y/N] ",
        };
        let answer = read_line(prompt)?.unwrap_or_default();
        let answer = answer.trim().to_lowercase();
        Ok(matches!(answer.as_str(), "y" | "yes" | "д" | "да"))
    }
}

fn read_line(prompt: &str) -> Result<Option<String>, Failure> {
    print!("{prompt}");
    std::io::stdout().flush().map_err(Failure::internal)?;
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(Failure::internal)?;
    Ok((read > 0).then_some(line))
}

/// The exit code a finished turn maps to.
pub fn exit_code(outcome: &TurnOutcome) -> u8 {
    match outcome.record.end {
        EndReason::PortalUnavailable => exit::PORTAL,
        _ => exit::OK,
    }
}

/// The `--json` object of one turn.
pub fn json_output(outcome: &TurnOutcome) -> Value {
    let record = &outcome.record;
    json!({
        "turn_id": record.turn_id,
        "user_id": record.user_id,
        "reply": outcome.reply,
        "mode": record.mode,
        "degraded": outcome.is_degraded(),
        "model_status": record.degraded,
        "end": record.end,
        "pending_action": record.pending_action,
        "actions": record.calls,
        "model": record.model,
        "usage": record.usage,
        "duration_ms": record.duration_ms,
    })
}
