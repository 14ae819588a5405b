//! Test doubles shared by the scenario tests: a scripted model, a fake portal, an agent builder.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_core::{Agent, AgentConfig, ManualClock, Mode, ModelAccess, TurnRecord};
use async_trait::async_trait;
use bitrix_client::{BatchCall, BatchItem, BatchOutcome, BitrixApi, CallOutput};
use chrono::{DateTime, TimeZone, Utc};
use llm_client::{ChatModel, ChatReply, ChatRequest, LlmError, Usage};
use serde_json::{Value, json};
use state_store::{AgentState, MemoryStore, StateStore};

/// The fixed start time of every scenario.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()
}

/// A chat model that replies from a script, in order, and records every request.
#[derive(Default)]
pub struct ScriptModel {
    replies: Mutex<VecDeque<Result<String, LlmError>>>,
    pub requests: Mutex<Vec<ChatRequest>>,
}

impl ScriptModel {
    pub fn new<S: Into<String>>(replies: impl IntoIterator<Item = S>) -> Arc<Self> {
        let model = Self::default();
        model.push(replies);
        Arc::new(model)
    }

    pub fn push<S: Into<String>>(&self, replies: impl IntoIterator<Item = S>) {
        self.replies
            .lock()
            .unwrap()
            .extend(replies.into_iter().map(|r| Ok(r.into())));
    }

    pub fn push_error(&self, error: LlmError) {
        self.replies.lock().unwrap().push_back(Err(error));
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// The text of the last message of request `n` (0-based).
    pub fn last_message_of(&self, n: usize) -> String {
        let requests = self.requests.lock().unwrap();
        requests[n].messages.last().unwrap().content.clone()
    }

    pub fn system_prompt_of(&self, n: usize) -> String {
        self.requests.lock().unwrap()[n].messages[0].content.clone()
    }
}

#[async_trait]
impl ChatModel for ScriptModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        self.requests.lock().unwrap().push(request.clone());
        let next = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("the scripted model ran out of replies");
        next.map(|content| ChatReply {
            content,
            finish_reason: Some("stop".into()),
            usage: Usage {
                prompt_tokens: 100,
                completion_tokens: 20,
                reasoning_tokens: 0,
            },
            latency: Duration::from_millis(5),
        })
    }

    fn model_name(&self) -> String {
        "scripted".into()
    }
}

type Handler = dyn Fn(&str, &Value) -> Result<CallOutput, bitrix_client::Error> + Send + Sync;

/// A portal that answers from a handler and records what was sent.
pub struct FakePortal {
    handler: Box<Handler>,
    /// Every single call, as (method, params).
    pub calls: Mutex<Vec<(String, Value)>>,
    /// Every batch, as its commands.
    pub batches: Mutex<Vec<Vec<BatchCall>>>,
}

pub fn out(result: Value) -> CallOutput {
    CallOutput {
        result,
        total: None,
        next: None,
        time: None,
    }
}

/// Canned answers of a small portal.
pub fn default_answer(method: &str, params: &Value) -> Result<CallOutput, bitrix_client::Error> {
    let op = method.rsplit('.').next().unwrap_or("");
    Ok(match (method, op) {
        ("crm.deal.list", _) => CallOutput {
            result: json!([
                {"ID": "4512", "TITLE": "ООО Ромашка, склад", "STAGE_ID": "PREPARATION"},
                {"ID": "4513", "TITLE": "Поставка бумаги", "STAGE_ID": "PREPARATION"}
            ]),
            total: Some(2),
            next: None,
            time: None,
        },
        ("crm.deal.get", _) => out(json!({
            "ID": params.get("id").cloned().unwrap_or(json!(0)).to_string().trim_matches('"'),
            "TITLE": "ООО Ромашка, склад",
            "STAGE_ID": "PREPARATION"
        })),
        ("tasks.task.add", _) => out(json!({"task": {"id": "91", "title": "Позвонить"}})),
        (_, "add") => out(json!(101)),
        (_, "update" | "delete") => out(json!(true)),
        ("user.current", _) => out(json!({"ID": "7", "NAME": "Иван", "LAST_NAME": "Петров"})),
        _ => out(json!({})),
    })
}

impl FakePortal {
    pub fn new() -> Arc<Self> {
        Self::with(default_answer)
    }

    pub fn with(
        handler: impl Fn(&str, &Value) -> Result<CallOutput, bitrix_client::Error>
        + Send
        + Sync
        + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            handler: Box::new(handler),
            calls: Mutex::new(Vec::new()),
            batches: Mutex::new(Vec::new()),
        })
    }

    /// Every method sent to the portal, single calls and batch commands, in order.
    pub fn sent(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .calls
            .lock()
            .unwrap()
            .iter()
            .map(|(m, _)| m.clone())
            .collect();
        for batch in self.batches.lock().unwrap().iter() {
            out.extend(batch.iter().map(|c| c.method.clone()));
        }
        out
    }

    pub fn batch_count(&self) -> usize {
        self.batches.lock().unwrap().len()
    }
}

#[async_trait]
impl BitrixApi for FakePortal {
    async fn call(&self, method: &str, params: Value) -> Result<CallOutput, bitrix_client::Error> {
        self.calls
            .lock()
            .unwrap()
            .push((method.to_owned(), params.clone()));
        (self.handler)(method, &params)
    }

    async fn batch(
        &self,
        calls: Vec<BatchCall>,
        _halt: bool,
    ) -> Result<BatchOutcome, bitrix_client::Error> {
        self.batches.lock().unwrap().push(calls.clone());
        let items = calls
            .into_iter()
            .map(|c| {
                let item = BatchItem::from_result((self.handler)(&c.method, &c.params));
                (c.key, item)
            })
            .collect();
        Ok(BatchOutcome { items, time: None })
    }
}

/// Everything a scenario needs.
pub struct World {
    pub portal: Arc<FakePortal>,
    pub model: Arc<ScriptModel>,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub agent: Agent,
}

pub fn config(mode: Mode, clock: &Arc<ManualClock>) -> AgentConfig {
    let mut config = AgentConfig::default()
        .with_mode(mode)
        .with_clock(clock.clone());
    config.portal_context = false;
    config
}

impl World {
    pub fn new(mode: Mode, portal: Arc<FakePortal>, model: Arc<ScriptModel>) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        Self::with_config(config(mode, &clock), clock, portal, model)
    }

    pub fn with_config(
        config: AgentConfig,
        clock: Arc<ManualClock>,
        portal: Arc<FakePortal>,
        model: Arc<ScriptModel>,
    ) -> Self {
        let store = Arc::new(MemoryStore::new());
        let agent = Agent::new(
            portal.clone(),
            ModelAccess::Ready(model.clone()),
            store.clone(),
            config,
        );
        Self {
            portal,
            model,
            store,
            clock,
            agent,
        }
    }

    pub async fn state(&self, user: &str) -> AgentState {
        self.store.load_or_create(user).await.unwrap()
    }
}

/// Snapshots a turn record with the run-dependent fields normalised.
#[macro_export]
macro_rules! assert_record {
    ($name:expr, $record:expr) => {
        insta::assert_yaml_snapshot!($name, $record, {
            ".turn_id" => "[turn_id]",
            ".duration_ms" => "[ms]",
            ".calls[].duration_ms" => "[ms]",
        })
    };
}

pub fn decisions(record: &TurnRecord) -> Vec<(String, agent_core::Decision, agent_core::Reason)> {
    record
        .calls
        .iter()
        .map(|c| (c.method.clone(), c.decision, c.reason))
        .collect()
}
