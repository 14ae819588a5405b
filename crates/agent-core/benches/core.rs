//! Prints how long the pure parts of a turn take: parsing replies, rendering observations,
//! policy decisions. Run with `cargo bench -p agent-core`; figures, not assertions.
#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use agent_core::catalog::{Catalog, RiskContext};
use agent_core::consent::TurnConsent;
use agent_core::policy::{PolicyConfig, TurnCounters, decide};
use agent_core::protocol::render::{ObservedAction, ObservedStatus, render_observation};
use agent_core::protocol::{ActionCall, parse_reply};
use agent_core::{Mode, PortalContext};
use serde_json::{Value, json};

fn time<T>(name: &str, iterations: u32, mut f: impl FnMut() -> T) {
    for _ in 0..iterations.min(100) {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..iterations {
        black_box(f());
    }
    let per = start.elapsed() / iterations;
    println!("{name:<48} {:>10.2} µs", per.as_secs_f64() * 1e6);
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let corpus: Vec<String> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("utf-8"))
        .collect();
    let bytes: usize = corpus.iter().map(String::len).sum();
    time(
        &format!(
            "parse the whole corpus ({} replies, {bytes} B)",
            corpus.len()
        ),
        2000,
        || corpus.iter().map(|t| parse_reply(t)).collect::<Vec<_>>(),
    );

    let rows: Vec<Value> = (0..50)
        .map(|i| json!({"ID": i.to_string(), "TITLE": format!("Сделка №{i} для ООО «Ромашка»"), "STAGE_ID": "C1:PREPARATION", "OPPORTUNITY": "150000.00", "COMMENTS": "x".repeat(200)}))
        .collect();
    let list = ObservedAction {
        result: Some(Value::Array(rows)),
        total: Some(654),
        next: Some(50),
        ..ObservedAction::new("crm.deal.list", ObservedStatus::Ok)
    };
    let size = serde_json::to_string(&list).map_or(0, |s| s.chars().count());
    time(
        &format!("render a 50-row list ({size} chars) into 6000"),
        2000,
        || render_observation(std::slice::from_ref(&list), 6000),
    );
    time(
        "render the same list without cutting (budget 1M)",
        2000,
        || render_observation(std::slice::from_ref(&list), 1_000_000),
    );

    let actions: Vec<ActionCall> = (0..20)
        .map(|i| {
            ActionCall::new(
                "crm.deal.update",
                json!({"id": i, "fields": {"STAGE_ID": if i % 2 == 0 { "C1:WON" } else { "NEW" }, "TITLE": "x"}}),
            )
        })
        .collect();
    let portal = PortalContext::default();
    let ctx = RiskContext {
        own_user_id: Some(1),
        portal: Some(&portal),
    };
    let config = PolicyConfig {
        mode: Mode::Full,
        ..PolicyConfig::default()
    };
    let catalog = Catalog::standard();
    time("policy decisions for a 20-action ACTION", 2000, || {
        decide(
            &config,
            &catalog,
            &ctx,
            &actions,
            &mut TurnCounters::default(),
            &mut TurnConsent::default(),
        )
    });
    time("render the catalog for the prompt", 2000, || {
        catalog.render()
    });
}
