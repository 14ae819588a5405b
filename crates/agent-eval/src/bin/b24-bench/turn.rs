//! Agent overhead per turn: the real turn loop with a scripted model and an in-process
//! portal, so neither the model nor the network is in the figure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agent_core::{Agent, AgentConfig, EndReason, ModelAccess};
use anyhow::{Context, bail};
use bitrix_client::BitrixApi;
use llm_client::{ChatModel, ScriptedModel};
use state_store::{MemoryStore, StateStore};

use crate::mock_portal::MockPortal;
use crate::{Samples, Section, ms};

/// The model's two replies of every measured turn: one list call, then an answer.
pub const ACTION: &str = "THOUGHT: Нужны сделки в работе.\nACTION: {\"method\": \"crm.deal.list\", \"params\": {\"filter\": {\"STAGE_ID\": \"EXECUTING\"}, \"select\": [\"ID\", \"TITLE\", \"OPPORTUNITY\", \"ASSIGNED_BY_ID\"]}}";
/// The final answer of every measured turn (long enough to fill the history quickly).
pub fn answer(i: usize) -> String {
    format!(
        "ASSISTANT: В работе 10 000 сделок, показаны первые 50 (ответ {i}). {}",
        "Крупнейшие — поставки оборудования для ООО «Ромашка» на суммы от 100 до 150 тысяч рублей. ".repeat(8)
    )
}

/// Runs one measured turn of `user`; returns its wall time and the size of its first prompt.
pub async fn timed_turn(
    portal: &Arc<dyn BitrixApi>,
    store: &Arc<dyn StateStore>,
    user: &str,
    i: usize,
) -> anyhow::Result<(Duration, usize)> {
    let model = Arc::new(ScriptedModel::from_replies([ACTION.to_owned(), answer(i)]));
    let chat: Arc<dyn ChatModel> = model.clone();
    let agent = Agent::new(
        portal.clone(),
        ModelAccess::Ready(chat),
        store.clone(),
        AgentConfig::default(),
    );
    let started = Instant::now();
    let outcome = agent
        .turn(user, "какие сделки сейчас в работе? покажи крупные")
        .await
        .context("a benchmark turn failed")?;
    let took = started.elapsed();
    if outcome.record.end != EndReason::Answered || outcome.record.calls.len() != 1 {
        bail!("unexpected turn: {:?}", outcome.record.end);
    }
    let prompt = model
        .requests()
        .first()
        .map(|r| r.messages.iter().map(|m| m.content.chars().count()).sum())
        .unwrap_or(0);
    Ok((took, prompt))
}

struct Case {
    name: &'static str,
    samples: Samples,
    prompt_chars: usize,
}

fn row(case: &Case) -> String {
    let s = &case.samples;
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        case.name,
        s.count(),
        ms(s.median()),
        ms(s.quantile(0.9)),
        ms(s.quantile(0.99)),
        ms(s.quantile(1.0)),
        case.prompt_chars
    )
}

/// Measures turns with an empty history (a new user each turn) and with a full one.
pub async fn run(quick: bool) -> anyhow::Result<Section> {
    let turns = if quick { 300 } else { 3000 };
    let warmup = turns / 10;
    let portal: Arc<dyn BitrixApi> = Arc::new(MockPortal::new());
    let store: Arc<dyn StateStore> = Arc::new(MemoryStore::new());

    for i in 0..warmup {
        timed_turn(&portal, &store, &format!("warm-{i}"), i).await?;
    }
    let mut empty = Vec::with_capacity(turns);
    let mut empty_prompt = 0;
    for i in 0..turns {
        let (took, prompt) = timed_turn(&portal, &store, &format!("new-{i}"), i).await?;
        empty.push(took);
        empty_prompt = prompt;
    }

    // Fill one user's history to its bounds (40 entries / 32 KiB, 8 KiB summary).
    for i in 0..120 {
        timed_turn(&portal, &store, "full", i).await?;
    }
    let state = store.load_or_create("full").await?;
    let state_bytes = serde_json::to_vec(&state)?.len();
    let mut full = Vec::with_capacity(turns);
    let mut full_prompt = 0;
    for i in 0..turns {
        let (took, prompt) = timed_turn(&portal, &store, "full", i).await?;
        full.push(took);
        full_prompt = prompt;
    }

    let empty = Case {
        name: "empty history (new user: context fetched, state created)",
        samples: Samples::new(empty),
        prompt_chars: empty_prompt,
    };
    let full = Case {
        name: "full history (context cached)",
        samples: Samples::new(full),
        prompt_chars: full_prompt,
    };
    let body = format!(
        "## Agent overhead per turn\n\n\
One turn = lock and load the state, build the prompt, two model steps (an ACTION with \
`crm.deal.list` answered by a 50-row page, then ASSISTANT), policy, observation rendering, \
history folding, save. The model is `ScriptedModel` and the portal an in-process mock, so \
neither network nor model time is included; the state store is `MemoryStore`. A full \
history holds {} entries and a {}-byte summary ({} bytes of state JSON).\n\n\
| history | turns | median | p90 | p99 | max | first prompt (chars) |\n\
| --- | --- | --- | --- | --- | --- | --- |\n{}\n{}\n",
        state.history.len(),
        state.summary.len(),
        state_bytes,
        row(&empty),
        row(&full)
    );
    let summary = vec![
        [
            "agent overhead per turn, empty history (median / p99)".into(),
            format!(
                "{} / {}",
                ms(empty.samples.median()),
                ms(empty.samples.quantile(0.99))
            ),
            "< 1 ms median".into(),
        ],
        [
            "agent overhead per turn, full history (median / p99)".into(),
            format!(
                "{} / {}",
                ms(full.samples.median()),
                ms(full.samples.quantile(0.99))
            ),
            "< 1 ms median".into(),
        ],
    ];
    Ok(Section { summary, body })
}
