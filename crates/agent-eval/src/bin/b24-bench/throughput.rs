//! Sandbox throughput as the agent sees it: calls per second through bitrix-client (HTTP on
//! loopback, JSON both ways, limits off).

use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use bitrix_client::{BatchCall, BitrixApi, Client, RateLimit, Webhook};
use bitrix_sandbox::{Limits, Sandbox, Seed};
use serde_json::json;

use crate::Section;

async fn gets(client: Arc<Client>, calls: usize, offset: usize) -> anyhow::Result<()> {
    for i in 0..calls {
        let out = client
            .call("crm.deal.get", json!({"id": (i + offset) % 60 + 1}))
            .await?;
        if !out.result["ID"].is_string() {
            bail!("unexpected answer: {}", out.result);
        }
    }
    Ok(())
}

/// Calls per second: one task, several tasks, and commands inside batches.
pub async fn run(quick: bool) -> anyhow::Result<Section> {
    let calls = if quick { 1_000 } else { 10_000 };
    let tasks = 8;
    let sandbox = Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Off)
        .in_memory()
        .start("127.0.0.1:0")
        .await?;
    let client = Arc::new(
        Client::builder(Webhook::parse(sandbox.webhook_url().expose())?)
            .rate_limit(RateLimit::new(10_000_000, 10_000_000.0))
            .build()?,
    );
    gets(client.clone(), calls / 10, 0).await?;

    let started = Instant::now();
    gets(client.clone(), calls, 0).await?;
    let sequential = calls as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        handles.push(tokio::spawn(gets(client.clone(), calls / tasks, t)));
    }
    for handle in handles {
        handle.await??;
    }
    let parallel = (calls / tasks * tasks) as f64 / started.elapsed().as_secs_f64();

    let batches = calls / 50;
    let started = Instant::now();
    for b in 0..batches {
        let cmds: Vec<BatchCall> = (0..50)
            .map(|i| BatchCall {
                key: format!("g{i}"),
                method: "crm.deal.get".into(),
                params: json!({"id": (b + i) % 60 + 1}),
            })
            .collect();
        let outcome = client.batch(cmds, false).await?;
        if outcome.items.len() != 50 {
            bail!("a batch lost commands");
        }
    }
    let batched = (batches * 50) as f64 / started.elapsed().as_secs_f64();
    sandbox.shutdown().await;

    let body = format!(
        "## Sandbox throughput\n\n\
`crm.deal.get` on the demo portal through `bitrix-client` (HTTP/1.1 on loopback, JSON request \
and envelope decoding, the client's throttle lifted, the sandbox's limits off), {calls} calls \
per measure.\n\n\
| measure | calls per second |\n| --- | --- |\n\
| 1 task, one call after another | {sequential:.0} |\n\
| {tasks} tasks sharing one client | {parallel:.0} |\n\
| 50 commands per `batch` request (commands per second) | {batched:.0} |\n"
    );
    let summary = vec![[
        "sandbox throughput via bitrix-client (1 task / 8 tasks / batched)".into(),
        format!("{sequential:.0} / {parallel:.0} / {batched:.0} calls/s"),
        "-".into(),
    ]];
    Ok(Section { summary, body })
}
