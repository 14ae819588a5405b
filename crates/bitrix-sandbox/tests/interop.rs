//! Interop with the official SDKs, which were written against the real cloud: the Python
//! SDK (`b24pysdk`) and the JS SDK (`@bitrix24/b24jssdk`) run their checks against two
//! sandboxes in TLS mode (one without limits, one with a tiny leaky bucket). The runtimes
//! trust the sandbox certificates through `REQUESTS_CA_BUNDLE` / `NODE_EXTRA_CA_CERTS`.
//!
//! When an SDK is not installed the test is skipped with a message (install them with
//! `.ci/install-interop`); under CI (`CI=true`) a missing SDK is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bitrix_sandbox::{LimitConfig, Limits, RateLimit, RunningSandbox, Sandbox, Seed};
use tokio::process::Command;

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Reports a missing SDK: a skip for developers, a failure in CI.
fn unavailable(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is not installed, and CI must run the interop tests (.ci/install-interop)");
    }
    // Written straight to stderr so that the note shows even when output is captured.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {what} is not installed, so this interop test did not run \
         (install it with .ci/install-interop)"
    );
}

struct Pair {
    functional: RunningSandbox,
    limited: RunningSandbox,
    ca_bundle: PathBuf,
    _dir: tempfile::TempDir,
}

async fn sandboxes() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let functional = Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Off)
        .tls(dir.path().join("functional.pem"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let tiny_bucket = Limits::Custom(LimitConfig {
        rate: Some(RateLimit {
            burst: 3,
            drain_per_second: 1.0,
        }),
        operating: None,
    });
    let limited = Sandbox::builder()
        .seed(Seed::Empty)
        .limits(tiny_bucket)
        .tls(dir.path().join("limited.pem"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let ca_bundle = dir.path().join("bundle.pem");
    let bundle = format!(
        "{}{}",
        functional.certificate_pem().unwrap(),
        limited.certificate_pem().unwrap()
    );
    std::fs::write(&ca_bundle, bundle).unwrap();
    Pair {
        functional,
        limited,
        ca_bundle,
        _dir: dir,
    }
}

async fn run(mut command: Command, pair: &Pair) -> String {
    command
        .current_dir(interop_dir())
        .env("B24_WEBHOOK", pair.functional.webhook_url().expose())
        .env("B24_LIMITED_WEBHOOK", pair.limited.webhook_url().expose())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(240), command.output())
        .await
        .expect("the SDK checks finish within 4 minutes")
        .expect("the runtime starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "SDK checks failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// What every SDK run must leave behind on the sandboxes.
fn check_portals(pair: &Pair, leftover_title: &str) {
    let limited = pair.limited.stats();
    assert!(
        limited.rate_limited >= 2,
        "the bucket rejected calls: {limited:?}"
    );
    let functional = pair.functional.stats();
    assert!(functional.calls("batch") >= 1, "{functional:?}");
    assert!(functional.calls("crm.deal.add") >= 1, "{functional:?}");
    let data = pair.functional.data_json().to_string();
    assert!(!data.contains(leftover_title), "the test deal was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_works_against_the_sandbox() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import b24pysdk"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        unavailable("the Python SDK b24pysdk");
        return;
    }
    let pair = sandboxes().await;
    let mut command = Command::new("python3");
    command
        .arg("python_sdk.py")
        .env("REQUESTS_CA_BUNDLE", &pair.ca_bundle)
        .env("SSL_CERT_FILE", &pair.ca_bundle);
    let stdout = run(command, &pair).await;
    assert!(stdout.contains("5 of 5 checks passed"), "{stdout}");
    check_portals(&pair, "Interop: Python SDK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_sdk_works_against_the_sandbox() {
    let installed = interop_dir().join("node_modules/@bitrix24/b24jssdk/package.json");
    let node = std::process::Command::new("node").arg("--version").output();
    if !installed.exists() || !node.is_ok_and(|o| o.status.success()) {
        unavailable("Node.js with the JS SDK @bitrix24/b24jssdk");
        return;
    }
    let pair = sandboxes().await;
    let mut command = Command::new("node");
    command
        .arg("js_sdk.mjs")
        .env("NODE_EXTRA_CA_CERTS", &pair.ca_bundle);
    let stdout = run(command, &pair).await;
    assert!(stdout.contains("5 of 5 checks passed"), "{stdout}");
    check_portals(&pair, "Interop: JS SDK");
}
