//! Embeds the agent in a program of its own: a scripted model, an in-memory state store and
//! the sandbox portal, with one consent round trip. Prints each turn's reply and record.
//!
//! Run with `cargo run -p b24-examples --example embed_agent`.
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use agent_core::{Agent, AgentConfig, Mode, ModelAccess};
use bitrix_client::{BitrixApi, Client, Webhook};
use bitrix_sandbox::{Limits, Sandbox, Seed};
use llm_client::ScriptedModel;
use serde_json::json;
use state_store::MemoryStore;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A local portal with demo data, in memory.
    let sandbox = Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Off)
        .in_memory()
        .start("127.0.0.1:0")
        .await?;
    let portal = Arc::new(Client::new(Webhook::parse(
        sandbox.webhook_url().expose(),
    )?)?);

    // The model's replies, in order: first it proposes a risky delete, then it reports.
    let model = Arc::new(ScriptedModel::from_replies([
        "THOUGHT: the user wants deal 3 gone; deleting is risky\n\
         ACTION: {\"method\": \"crm.deal.delete\", \"params\": {\"id\": 3}}",
        "ASSISTANT: Сделка 3 удалена.",
    ]));

    let agent = Agent::new(
        portal.clone(),
        ModelAccess::Ready(model),
        Arc::new(MemoryStore::new()),
        AgentConfig::default().with_mode(Mode::Full),
    );

    for message in ["удали сделку 3", "да"] {
        let outcome = agent.turn("demo", message).await?;
        println!("> {message}\n{}\n", outcome.reply);
        println!("{}\n", serde_json::to_string_pretty(&outcome.record)?);
    }

    let gone = portal.call("crm.deal.get", json!({"id": 3})).await;
    println!(
        "deal 3 after consent: {}",
        if gone.is_err() {
            "deleted"
        } else {
            "still there"
        }
    );
    sandbox.shutdown().await;
    Ok(())
}
