//! The `b24-sandbox` binary: the first stdout line is the webhook URL alone.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_b24-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    (Running(child), first)
}

#[tokio::test]
async fn prints_the_webhook_url_first_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("portal.json");
    let (_child, first) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
        "--seed",
        "demo",
        "--deals",
        "40",
        "--limits",
        "off",
    ]);
    let url = first.trim_end_matches('\n');
    assert!(url.starts_with("http://127.0.0.1:"), "{first:?}");
    assert!(url.ends_with('/') && url.contains("/rest/1/"), "{first:?}");
    let body: serde_json::Value = reqwest::get(format!("{url}crm.deal.list?start=-1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["result"].as_array().unwrap().len(), 50);
    let on_disk = std::fs::read_to_string(&data).unwrap();
    assert!(
        on_disk.contains("Сделка №40"),
        "the generated deals are there"
    );
}

#[test]
fn a_damaged_data_file_stops_the_binary_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("portal.json");
    std::fs::write(&data, "not json").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_b24-sandbox"))
        .args(["--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no URL is printed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("damaged") && stderr.contains("portal.json"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&data).unwrap(), "not json");
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["--limits", "fast"][..],
        &["--seed", "full"],
        &["--listen", "nowhere"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_b24-sandbox"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty());
    }
}
