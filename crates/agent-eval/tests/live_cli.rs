//! `b24-eval --live` end to end: the real binary, configured as the CLI is, talks to a local
//! OpenAI-compatible server over HTTP, and the pass rate follows what the "model" did.

#[path = "../../agent-cli/tests/support/fake_openai.rs"]
#[allow(dead_code)]
mod fake_openai;

use fake_openai::{API_KEY, FakeOpenAi};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `b24-eval` in an empty directory (no `.env`) with exactly `env` plus PATH and HOME.
async fn b24_eval(env: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_b24-eval"));
    command.args(args).current_dir(dir.path()).env_clear();
    for name in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    let out = command.envs(env.iter().copied()).output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const SCENARIO: &str = "write_update_deal_amount";

async fn live_run(model: &FakeOpenAi) -> Run {
    let env = [
        ("OPENAI_API_KEY", API_KEY),
        ("OPENAI_API_BASE", model.base.as_str()),
        ("OPENAI_MODEL", "test-model"),
    ];
    b24_eval(
        &env,
        &["--live", "--only", SCENARIO, "--min-pass-rate", "1"],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_model_that_does_the_job_passes() {
    // Worded unlike the scenario's script: live runs judge the portal and the policy only.
    let model = FakeOpenAi::start(&[
        "THOUGHT: меняю сумму\nACTION: {\"method\": \"crm.deal.update\", \"params\": {\"id\": 44, \"fields\": {\"OPPORTUNITY\": 1200000}}}",
        "ASSISTANT: Готово, сумма обновлена.",
    ])
    .await;
    let run = live_run(&model).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 of 1 passed"), "{}", run.stdout);
    assert!(run.stderr.contains("test-model"), "{}", run.stderr);
    let requests = model.requests();
    assert_eq!(requests.len(), 2, "one request per model step");
    assert_eq!(requests[0]["model"], "test-model");
    assert!(
        requests[0].to_string().contains("измени сумму сделки 44"),
        "the user's message reaches the model"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_model_that_changes_nothing_fails_the_pass_rate() {
    let model = FakeOpenAi::start(&["ASSISTANT: Готово, сумма обновлена."]).await;
    let run = live_run(&model).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("0 of 1 passed"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn live_without_a_key_says_what_to_set() {
    let run = b24_eval(&[], &["--live", "--only", SCENARIO]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("OPENAI_API_KEY"), "{}", run.stderr);
    assert!(
        !run.stdout.contains("passed"),
        "nothing ran: {}",
        run.stdout
    );
}
