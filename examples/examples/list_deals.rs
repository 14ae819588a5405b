//! Lists deals with the stream API of `bitrix-client`.
//!
//! `cargo run -p b24-examples --example list_deals` reads the portal of `BITRIX_WEBHOOK_URL`
//! (read-only: only `crm.deal.list` is called). Without it, the example starts the bundled
//! sandbox portal with demo data and 500 extra deals.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;

use bitrix_client::{BitrixApiExt, Client, ListQuery, Webhook, model::Deal};
use bitrix_sandbox::{Limits, Sandbox, Seed};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let configured = std::env::var("BITRIX_WEBHOOK_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    let sandbox = match configured {
        Some(_) => None,
        None => Some(
            Sandbox::builder()
                .seed(Seed::Demo)
                .extra_deals(500)
                .limits(Limits::Off)
                .start("127.0.0.1:0")
                .await?,
        ),
    };
    let url = match (&configured, &sandbox) {
        (Some(url), _) => url.clone(),
        (None, Some(sandbox)) => sandbox.webhook_url().expose().to_owned(),
        (None, None) => unreachable!("a sandbox starts when no webhook is configured"),
    };
    // The webhook's Display hides the token: safe to print.
    let webhook = Webhook::parse(&url)?;
    println!("portal: {webhook}");
    let client = Client::new(webhook)?;

    // A listing in the caller's order: offset paging follows `next`. The stream is lazy,
    // so taking five rows fetches only the first page.
    let biggest = ListQuery::offset(
        "crm.deal.list",
        json!({
            "order": {"OPPORTUNITY": "DESC"},
            "filter": {"STAGE_SEMANTIC_ID": "P"},
            "select": ["ID", "TITLE", "STAGE_ID", "OPPORTUNITY", "CURRENCY_ID"],
        }),
    );
    let top: Vec<Deal> = client.list_as(biggest).take(5).try_collect().await?;
    println!("\nbiggest open deals:");
    for deal in &top {
        println!(
            "  #{:<6} {:<40} {:>14.2} {}  ({})",
            deal.id.unwrap_or_default(),
            deal.title.as_deref().unwrap_or("(no title)"),
            deal.opportunity.unwrap_or_default(),
            deal.currency_id.as_deref().unwrap_or(""),
            deal.stage_id.as_deref().unwrap_or("?"),
        );
    }

    // An export of every deal: the fast scan by ID, up to 2,500 deals per request.
    let everything = ListQuery::fast_scan(
        "crm.deal.list",
        json!({"select": ["ID", "OPPORTUNITY", "CURRENCY_ID", "STAGE_SEMANTIC_ID"]}),
    );
    let mut deals = client.list_as::<Deal>(everything);
    let mut count = 0usize;
    let mut by_stage_group: BTreeMap<String, (usize, BTreeMap<String, f64>)> = BTreeMap::new();
    while let Some(deal) = deals.try_next().await? {
        count += 1;
        let group = match deal.stage_semantic_id.as_deref() {
            Some("S") => "won",
            Some("F") => "lost",
            _ => "open",
        };
        let entry = by_stage_group.entry(group.to_owned()).or_default();
        entry.0 += 1;
        *entry
            .1
            .entry(deal.currency_id.clone().unwrap_or_default())
            .or_default() += deal.opportunity.unwrap_or_default();
    }
    println!("\n{count} deals in total:");
    for (group, (n, sums)) in &by_stage_group {
        let sums: Vec<String> = sums
            .iter()
            .map(|(currency, sum)| format!("{sum:.2} {currency}"))
            .collect();
        println!("  {group:<5} {n:>6}  {}", sums.join(", "));
    }

    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    Ok(())
}
