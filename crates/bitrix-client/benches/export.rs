//! Export benchmark: N records through each paging mode against a local portal, printing the
//! HTTP requests used and the wall time, and checking the request budget of issue 2:
//! fast scan <= ceil(N / 2500) + 1 requests, offset paging without batching <= N / 50 + 1.
//!
//! Run: `cargo bench -p bitrix-client --bench export` (optionally `-- --rows 25000`).
//! The client's throttle is lifted here so the figure is the client's own cost; the table
//! also shows the least time the same number of requests takes at the portal's standard
//! limit (50 at once, then 2 per second).

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/portal.rs"]
mod portal;

use std::time::{Duration, Instant};

use bitrix_client::{BitrixApiExt, Client, ListQuery, RateLimit, Webhook};
use futures::TryStreamExt;
use serde_json::{Value, json};

const RUNS: usize = 3;

struct Scenario {
    name: &'static str,
    query: fn() -> ListQuery,
    budget: fn(usize) -> Option<usize>,
}

fn select() -> Value {
    json!({"select": ["ID", "TITLE", "OPPORTUNITY", "DATE_CREATE"]})
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "fast scan, 50 pages per batch",
            query: || ListQuery::fast_scan("crm.deal.list", select()),
            budget: |n| Some(n.div_ceil(2500) + 1),
        },
        Scenario {
            name: "fast scan, 1 page per request",
            query: || ListQuery::fast_scan("crm.deal.list", select()).pages_per_request(1),
            budget: |n| Some(n / 50 + 1),
        },
        Scenario {
            name: "offset paging, no batching",
            query: || ListQuery::offset("crm.deal.list", select()),
            budget: |n| Some(n / 50 + 1),
        },
        Scenario {
            name: "offset paging, 50 pages per batch",
            query: || ListQuery::offset("crm.deal.list", select()).pages_per_request(50),
            budget: |_| None,
        },
    ]
}

/// The least wall time `requests` take under the standard limit: a burst of 50, then 2/s.
fn at_standard_limit(requests: usize) -> Duration {
    Duration::from_secs_f64(requests.saturating_sub(50) as f64 / 2.0)
}

async fn export(rows: usize, query: ListQuery) -> (usize, usize, Duration) {
    let data = portal::DataPortal::new(rows);
    let url = portal::start(data.clone()).await;
    let client = Client::builder(Webhook::parse(&url).expect("webhook"))
        .rate_limit(RateLimit::new(1_000_000, 1_000_000.0))
        .build()
        .expect("client");
    let started = Instant::now();
    let exported: Vec<Value> = client.list(query).try_collect().await.expect("export");
    let elapsed = started.elapsed();
    let mut last = 0;
    for row in &exported {
        let id: i64 = row["ID"].as_str().and_then(|s| s.parse().ok()).expect("ID");
        assert!(
            id > last,
            "rows come in ascending ID order, without repeats"
        );
        last = id;
    }
    (exported.len(), data.request_count(), elapsed)
}

fn rows_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn main() {
    let rows = rows_from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("export of N = {rows} records from a local portal ({RUNS} runs each)\n");
    println!(
        "{:<36} {:>8} {:>8} {:>8} {:>12} {:>12} {:>16}",
        "mode", "rows", "requests", "budget", "best wall", "mean wall", "at 2 req/s"
    );
    let mut failed = false;
    for scenario in scenarios() {
        let mut walls = Vec::new();
        let mut requests = 0;
        for _ in 0..RUNS {
            let (exported, used, wall) = runtime.block_on(export(rows, (scenario.query)()));
            assert_eq!(exported, rows, "{}: every row exported", scenario.name);
            requests = used;
            walls.push(wall);
        }
        let best = walls.iter().min().copied().unwrap_or_default();
        let mean = walls.iter().sum::<Duration>() / RUNS as u32;
        let budget = (scenario.budget)(rows);
        let within = budget.is_none_or(|b| requests <= b);
        failed |= !within;
        println!(
            "{:<36} {:>8} {:>8} {:>8} {:>10.1}ms {:>10.1}ms {:>15.0}s{}",
            scenario.name,
            rows,
            requests,
            budget.map_or("-".to_owned(), |b| b.to_string()),
            best.as_secs_f64() * 1000.0,
            mean.as_secs_f64() * 1000.0,
            at_standard_limit(requests).as_secs_f64(),
            if within { "" } else { "  OVER BUDGET" }
        );
    }
    if failed {
        eprintln!("\nsome mode used more requests than its budget");
        std::process::exit(1);
    }
}
