//! [`ScriptedModel`]: a [`ChatModel`] that plays prepared replies, for tests, examples
//! and evaluations.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use crate::LlmError;
use crate::model::{ChatModel, ChatReply, ChatRequest, Usage};
use crate::wire;

/// One prepared answer: a reply or an error.
#[derive(Debug, Clone)]
pub enum ScriptedReply {
    /// The model answers with this reply.
    Reply(ChatReply),
    /// The call fails with this error.
    Error(LlmError),
}

impl ScriptedReply {
    /// A reply with the given text, `finish_reason: stop`, no usage and no latency.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Reply(ChatReply {
            content: content.into(),
            finish_reason: Some("stop".to_owned()),
            usage: Usage::default(),
            latency: Duration::ZERO,
        })
    }
}

impl From<&str> for ScriptedReply {
    fn from(content: &str) -> Self {
        Self::text(content)
    }
}

impl From<String> for ScriptedReply {
    fn from(content: String) -> Self {
        Self::text(content)
    }
}

impl From<ChatReply> for ScriptedReply {
    fn from(reply: ChatReply) -> Self {
        Self::Reply(reply)
    }
}

impl From<LlmError> for ScriptedReply {
    fn from(error: LlmError) -> Self {
        Self::Error(error)
    }
}

#[derive(Debug, Default)]
struct Script {
    queue: VecDeque<ScriptedReply>,
    rules: Vec<(String, ScriptedReply)>,
    requests: Vec<ChatRequest>,
}

/// A [`ChatModel`] that answers from a script instead of a server.
///
/// For each request it first looks for a rule whose text occurs in the last message
/// (rules are kept and may match again, the first added wins); otherwise it takes the
/// next reply of the queue; when the queue is empty the call fails with
/// [`LlmError::ScriptExhausted`]. Every request is recorded, so tests can inspect the
/// prompts. Replies are returned verbatim unless stop emulation is switched on.
///
/// ```
/// use llm_client::{ChatMessage, ChatModel, ChatRequest, Role, ScriptedModel};
/// # tokio_test_block(async {
/// let model = ScriptedModel::new()
///     .then("THOUGHT: look up the deal\nACTION: {\"method\": \"crm.deal.get\", \"params\": {\"id\": 1}}")
///     .when_last_message_contains("OBSERVATION:", "ASSISTANT: done");
/// let request = ChatRequest {
///     messages: vec![ChatMessage::new(Role::User, "what is deal 1?")],
///     ..ChatRequest::default()
/// };
/// assert!(model.complete(&request).await.unwrap().content.starts_with("THOUGHT"));
/// assert_eq!(model.requests().len(), 1);
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct ScriptedModel {
    name: String,
    emulate_stop: bool,
    script: Mutex<Script>,
}

impl Default for ScriptedModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedModel {
    /// An empty script, named `scripted`.
    pub fn new() -> Self {
        Self {
            name: "scripted".to_owned(),
            emulate_stop: false,
            script: Mutex::new(Script::default()),
        }
    }

    /// A script that answers with these texts, in order.
    pub fn from_replies<R: Into<ScriptedReply>>(replies: impl IntoIterator<Item = R>) -> Self {
        let model = Self::new();
        model
            .lock()
            .queue
            .extend(replies.into_iter().map(Into::into));
        model
    }

    /// Sets the name [`ChatModel::model_name`] reports.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Cuts each reply at the first of the request's stop sequences, as a server would.
    pub fn with_stop_emulation(mut self) -> Self {
        self.emulate_stop = true;
        self
    }

    /// Appends a reply (or error) to the queue.
    pub fn then(self, reply: impl Into<ScriptedReply>) -> Self {
        self.push(reply);
        self
    }

    /// Adds a rule: when the last message contains `needle`, answer with `reply`.
    pub fn when_last_message_contains(
        self,
        needle: impl Into<String>,
        reply: impl Into<ScriptedReply>,
    ) -> Self {
        self.lock().rules.push((needle.into(), reply.into()));
        self
    }

    /// Appends a reply (or error) to the queue of a model already in use.
    pub fn push(&self, reply: impl Into<ScriptedReply>) {
        self.lock().queue.push_back(reply.into());
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.lock().requests.clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<ChatRequest> {
        self.lock().requests.last().cloned()
    }

    /// How many requests were received.
    pub fn calls(&self) -> usize {
        self.lock().requests.len()
    }

    /// How many queued replies are left (rules not counted).
    pub fn remaining(&self) -> usize {
        self.lock().queue.len()
    }

    fn lock(&self) -> MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stop(&self, mut reply: ChatReply, request: &ChatRequest) -> ChatReply {
        let stops: Vec<&str> = request.stop.iter().map(String::as_str).collect();
        if let Some(cut) = wire::earliest_stop(&reply.content, &stops) {
            reply.content.truncate(cut);
            reply.finish_reason = Some("stop".to_owned());
        }
        reply
    }
}

#[async_trait]
impl ChatModel for ScriptedModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let next = {
            let mut script = self.lock();
            script.requests.push(request.clone());
            let request_number = script.requests.len();
            let last = request
                .messages
                .last()
                .map(|m| m.content.as_str())
                .unwrap_or("");
            let matched = script
                .rules
                .iter()
                .find(|(needle, _)| last.contains(needle.as_str()))
                .map(|(_, reply)| reply.clone());
            matched
                .or_else(|| script.queue.pop_front())
                .ok_or(LlmError::ScriptExhausted { request_number })?
        };
        match next {
            ScriptedReply::Reply(reply) if self.emulate_stop => Ok(self.stop(reply, request)),
            ScriptedReply::Reply(reply) => Ok(reply),
            ScriptedReply::Error(error) => Err(error),
        }
    }

    fn model_name(&self) -> String {
        self.name.clone()
    }
}
