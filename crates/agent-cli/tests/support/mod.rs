//! Shared pieces of the end-to-end tests: a portal, a model and a way to run the binary.
#![allow(dead_code)]

pub mod fake_openai;

use std::path::{Path, PathBuf};
use std::process::Output;

use bitrix_client::{BitrixApi, Client, Webhook};
use bitrix_sandbox::{Limits, RunningSandbox, Sandbox, Seed};
use serde_json::{Value, json};

pub use fake_openai::{API_KEY, FakeOpenAi};

/// A sandbox portal, a fake model and a working directory for the binary.
pub struct World {
    /// The portal.
    pub sandbox: RunningSandbox,
    /// A client of the portal, for checking its state.
    pub portal: Client,
    /// The model server.
    pub model: FakeOpenAi,
    /// The binary's working directory (state and logs go under `data/`).
    pub dir: tempfile::TempDir,
}

/// What one run of the binary printed.
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl World {
    /// A demo-seeded sandbox and a model that replies with `replies` in order.
    pub async fn new(replies: &[&str]) -> Self {
        let sandbox = Sandbox::builder()
            .seed(Seed::Demo)
            .limits(Limits::Off)
            .in_memory()
            .start("127.0.0.1:0")
            .await
            .expect("the sandbox starts");
        let webhook = Webhook::parse(sandbox.webhook_url().expose()).unwrap();
        let portal = Client::builder(webhook).build().unwrap();
        let model = FakeOpenAi::start(replies).await;
        Self {
            sandbox,
            portal,
            model,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The webhook URL of the sandbox (a secret in real life).
    pub fn webhook(&self) -> String {
        self.sandbox.webhook_url().expose().to_owned()
    }

    /// The webhook's token.
    pub fn token(&self) -> String {
        self.webhook()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    }

    /// The environment of a run with both portal and model configured.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("BITRIX_WEBHOOK_URL".into(), self.webhook()),
            ("OPENAI_API_KEY".into(), API_KEY.into()),
            ("OPENAI_API_BASE".into(), self.model.base.clone()),
            ("OPENAI_MODEL".into(), "test-model".into()),
        ]
    }

    /// Runs `b24-agent args...` in the working directory with `env` only.
    pub async fn run(&self, env: &[(String, String)], args: &[&str]) -> Run {
        run_in(self.dir.path(), env, args).await
    }

    /// Runs one turn with the full environment.
    pub async fn turn(&self, args: &[&str]) -> Run {
        self.run(&self.env(), args).await
    }

    /// Calls the portal directly and returns `result`.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        self.portal
            .call(method, params)
            .await
            .expect("the portal answers")
            .result
    }

    /// `total` of a list method.
    pub async fn portal_total(&self, method: &str) -> u64 {
        self.portal
            .call(method, json!({"select": ["ID"]}))
            .await
            .unwrap()
            .total
            .unwrap()
    }

    /// The deal with `id`, or `None` when it does not exist.
    pub async fn deal(&self, id: u64) -> Option<Value> {
        match self.portal.call("crm.deal.get", json!({"id": id})).await {
            Ok(out) => Some(out.result),
            Err(err) if err.is_not_found() => None,
            Err(err) => panic!("crm.deal.get failed: {err}"),
        }
    }

    /// Every file the binary wrote under `data/`, concatenated.
    pub fn written_files(&self) -> String {
        let mut all = String::new();
        let mut stack = vec![self.dir.path().join("data")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    all.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        all
    }

    /// The audit log records, oldest first.
    pub fn log_records(&self) -> Vec<Value> {
        let dir = self.dir.path().join("data/logs");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
                    .collect::<Vec<Value>>()
            })
            .collect()
    }
}

/// Runs the binary in `dir` with exactly `env` (plus PATH and HOME).
pub async fn run_in(dir: &Path, env: &[(String, String)], args: &[&str]) -> Run {
    run_with_input(dir, env, args, None).await
}

/// Runs the binary in `dir` with exactly `env` (plus PATH and HOME), feeding `input` to stdin.
pub async fn run_with_input(
    dir: &Path,
    env: &[(String, String)],
    args: &[&str],
    input: Option<&str>,
) -> Run {
    use std::process::Stdio;
    use tokio::io::AsyncWriteExt;

    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_b24-agent"));
    let stdin = if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    command.args(args).current_dir(dir).env_clear().stdin(stdin);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    for key in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(key) {
            command.env(key, value);
        }
    }
    command.env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().await.expect("the binary runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}
