//! The consent question in a terminal, run under a pseudo-terminal made by `script(1)`.

mod support;

use std::process::Stdio;

use support::World;
use tokio::io::AsyncWriteExt;

/// Runs the binary under `script` so its stdin and stdout are a terminal; `None` when
/// `script` is not installed (outside CI, where `.ci/run` installs it).
#[allow(clippy::print_stderr)]
async fn run_in_terminal(world: &World, args: &str, input: &str) -> Option<(i32, String)> {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "script(1) is missing; .ci/run installs it (Debian package bsdutils)"
        );
        eprintln!("skipped: script(1) from util-linux is not installed");
        return None;
    }
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_b24-agent"));
    let mut child = tokio::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(world.dir.path())
        .envs(world.env())
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    drop(stdin);
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_user_confirms_at_once() {
    let world = World::new(&[
        "ACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 8}}",
        "ASSISTANT: Сделка 8 удалена.",
    ])
    .await;
    let Some((code, screen)) =
        run_in_terminal(&world, "ivan 'удали сделку 8' --mode full", "y\n").await
    else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Подтвердить? [y/N]"), "{screen}");
    assert!(screen.contains("Сделка 8 удалена."), "{screen}");
    assert!(world.deal(8).await.is_none());
    assert_eq!(
        world.sandbox.stats().by_method.get("crm.deal.delete"),
        Some(&1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_user_declines_and_nothing_runs() {
    let world =
        World::new(&["ACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 9}}"]).await;
    let Some((code, screen)) =
        run_in_terminal(&world, "ivan 'удали сделку 9' --mode full", "n\n").await
    else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(world.deal(9).await.is_some());
    let state = std::fs::read_to_string(world.dir.path().join("data/state/ivan.json")).unwrap();
    assert!(state.contains("\"pending_action\": null"), "{state}");
}
