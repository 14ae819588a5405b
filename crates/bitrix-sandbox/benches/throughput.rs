//! Sandbox throughput: `crm.deal.get` calls per second on loopback with limits off, and a
//! 10,000-deal `crm.deal.list` scan timed per page (first and last page), by offset paging
//! and by the `start=-1` ID-window scan.
//!
//! `cargo bench -p bitrix-sandbox` runs the full sizes. Under `cargo test` (no `--bench`
//! argument) it runs small sizes as a smoke test. It prints figures and asserts nothing
//! about speed.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use bitrix_sandbox::{Limits, RunningSandbox, Sandbox, Seed};
use serde_json::{Value, json};

struct Sizes {
    gets: usize,
    concurrency: usize,
    deals: u32,
}

async fn post(client: &reqwest::Client, url: &str, body: &Value) -> Value {
    client
        .post(url)
        .json(body)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

async fn gets_per_second(sandbox: &RunningSandbox, sizes: &Sizes) -> (f64, f64) {
    let url = format!("{}crm.deal.get", sandbox.webhook_url().expose());
    let client = reqwest::Client::new();
    // One connection, one call after another: latency-bound.
    let sequential = sizes.gets / 4;
    let started = Instant::now();
    for i in 0..sequential {
        let body = post(&client, &url, &json!({"id": i % 60 + 1})).await;
        assert!(body["result"]["ID"].is_string(), "{body}");
    }
    let one = sequential as f64 / started.elapsed().as_secs_f64();
    // Several connections at once: throughput-bound.
    let started = Instant::now();
    let per_task = sizes.gets / sizes.concurrency;
    let mut tasks = Vec::new();
    for t in 0..sizes.concurrency {
        let (client, url) = (reqwest::Client::new(), url.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_task {
                let body = post(&client, &url, &json!({"id": (t + i) % 60 + 1})).await;
                assert!(body["result"]["ID"].is_string());
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let many = (per_task * sizes.concurrency) as f64 / started.elapsed().as_secs_f64();
    (one, many)
}

/// Scans every deal page by page; returns the time of each page.
async fn scan(sandbox: &RunningSandbox, fast: bool) -> (Vec<Duration>, usize) {
    let url = format!("{}crm.deal.list", sandbox.webhook_url().expose());
    let client = reqwest::Client::new();
    // Open the connection first, so the first page is timed like the others.
    post(
        &client,
        &url.replace("crm.deal.list", "server.time"),
        &json!({}),
    )
    .await;
    let (mut times, mut rows, mut start, mut last_id) = (Vec::new(), 0, 0u64, 0u64);
    loop {
        let body = if fast {
            json!({"order": {"ID": "ASC"}, "filter": {">ID": last_id}, "start": -1, "select": ["ID", "TITLE", "OPPORTUNITY"]})
        } else {
            json!({"order": {"ID": "ASC"}, "start": start, "select": ["ID", "TITLE", "OPPORTUNITY"]})
        };
        let started = Instant::now();
        let page = post(&client, &url, &body).await;
        times.push(started.elapsed());
        let result = page["result"].as_array().expect("a page");
        rows += result.len();
        if let Some(last) = result.last() {
            last_id = last["ID"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        }
        match page["next"].as_u64() {
            Some(next) if !fast => start = next,
            _ if fast && result.len() == 50 => {}
            _ => break,
        }
    }
    (times, rows)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            gets: 40_000,
            concurrency: 16,
            deals: 10_000,
        }
    } else {
        Sizes {
            gets: 800,
            concurrency: 4,
            deals: 1_000,
        }
    };
    let sandbox = Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Off)
        .start("127.0.0.1:0")
        .await
        .expect("sandbox");
    let (one, many) = gets_per_second(&sandbox, &sizes).await;
    sandbox.shutdown().await;

    let big = Sandbox::builder()
        .seed(Seed::Empty)
        .extra_deals(sizes.deals)
        .limits(Limits::Off)
        .start("127.0.0.1:0")
        .await
        .expect("sandbox");
    let (offset, offset_rows) = scan(&big, false).await;
    let (fast, fast_rows) = scan(&big, true).await;
    big.shutdown().await;
    assert_eq!(offset_rows, sizes.deals as usize);
    assert_eq!(fast_rows, sizes.deals as usize);

    let mode = if full {
        "full"
    } else {
        "smoke (run `cargo bench` for full sizes)"
    };
    println!("## bitrix-sandbox throughput ({mode})\n");
    println!("| measure | value |");
    println!("| --- | --- |");
    println!("| crm.deal.get, 1 connection | {one:.0} calls/s |");
    println!(
        "| crm.deal.get, {} connections | {many:.0} calls/s |",
        sizes.concurrency
    );
    for (name, times) in [("offset paging", &offset), ("start=-1 ID scan", &fast)] {
        let total: Duration = times.iter().sum();
        println!(
            "| {} deals, {name}: {} pages | first {:.2} ms, last {:.2} ms, median {:.2} ms, total {:.0} ms |",
            sizes.deals,
            times.len(),
            ms(times[0]),
            ms(times[times.len() - 1]),
            ms(median(times)),
            ms(total)
        );
    }
}
