//! The agent and its turn loop.

mod act;
mod degraded;
mod execute;
mod memory;
mod run;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bitrix_client::BitrixApi;
use llm_client::{Availability, ChatModel};
use state_store::{HistoryLimits, StateStore};

use crate::catalog::Catalog;
use crate::clock::{Clock, SystemClock};
use crate::error::AgentError;
use crate::policy::{Mode, PolicyConfig};
use crate::record::TurnOutcome;

pub use degraded::parse_command;

/// The model the agent talks to, or why there is none (degraded mode).
#[derive(Clone)]
pub enum ModelAccess {
    /// A usable model.
    Ready(Arc<dyn ChatModel>),
    /// No usable model: turns run in degraded mode and say why.
    Unavailable(Availability),
}

impl ModelAccess {
    /// A model if the probe said it is ready, degraded mode otherwise.
    pub fn from_probe(model: Arc<dyn ChatModel>, availability: Availability) -> Self {
        if availability.is_ready() {
            ModelAccess::Ready(model)
        } else {
            ModelAccess::Unavailable(availability)
        }
    }
}

impl fmt::Debug for ModelAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelAccess::Ready(model) => f.debug_tuple("Ready").field(&model.model_name()).finish(),
            ModelAccess::Unavailable(a) => f.debug_tuple("Unavailable").field(a).finish(),
        }
    }
}

/// Settings of the agent.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The policy: mode (default shadow), canary budget (3), bulk threshold (5).
    pub policy: PolicyConfig,
    /// Model replies per turn at most (default 6).
    pub max_steps: usize,
    /// Unparseable replies sent back to the model per turn before giving up (default 2).
    pub max_parse_retries: usize,
    /// How long to wait for the user's lock (default 10 s).
    pub lock_timeout: Duration,
    /// How long a held action waits for consent (default 15 min).
    pub consent_ttl: Duration,
    /// Characters of one observation at most (default 6000).
    pub observation_budget: usize,
    /// Characters of one call's result kept in the turn record (default 2000).
    pub record_result_budget: usize,
    /// Bounds of the history kept in the state.
    pub history: HistoryLimits,
    /// Entities remembered at most (default 20).
    pub max_entities: usize,
    /// Whether to fetch pipelines, stages and users for the prompt (default true).
    pub portal_context: bool,
    /// How long the portal context stays cached (default 1 h).
    pub context_ttl: Duration,
    /// Users fetched into the context at most (default 200).
    pub max_context_users: usize,
    /// Output token cap per model step, if any.
    pub max_output_tokens: Option<u32>,
    /// The clock (tests inject a [`crate::ManualClock`]).
    pub clock: Arc<dyn Clock>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            policy: PolicyConfig::default(),
            max_steps: 6,
            max_parse_retries: 2,
            lock_timeout: Duration::from_secs(10),
            consent_ttl: Duration::from_secs(15 * 60),
            observation_budget: 6000,
            record_result_budget: 2000,
            history: HistoryLimits::default(),
            max_entities: state_store::DEFAULT_MAX_ENTITIES,
            portal_context: true,
            context_ttl: Duration::from_secs(3600),
            max_context_users: 200,
            max_output_tokens: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl AgentConfig {
    /// The same settings with another mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.policy.mode = mode;
        self
    }

    /// The same settings with another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// One turn's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnInput {
    /// The user (validated by the store).
    pub user_id: String,
    /// The message.
    pub message: String,
    /// The user's own Bitrix24 user id, when the frontend knows it (remembered in the state;
    /// notifications to this id are ordinary writes).
    pub bitrix_user_id: Option<u64>,
}

impl TurnInput {
    /// A turn of `user_id` with `message`.
    pub fn new(user_id: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            message: message.into(),
            bitrix_user_id: None,
        }
    }
}

/// The agent: a portal, a model (or degraded mode), a state store and settings.
pub struct Agent {
    bitrix: Arc<dyn BitrixApi>,
    model: ModelAccess,
    store: Arc<dyn StateStore>,
    config: AgentConfig,
    catalog: Catalog,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("model", &self.model)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// An agent over the given portal, model and store.
    pub fn new(
        bitrix: Arc<dyn BitrixApi>,
        model: ModelAccess,
        store: Arc<dyn StateStore>,
        config: AgentConfig,
    ) -> Self {
        Self {
            bitrix,
            model,
            store,
            config,
            catalog: Catalog::standard(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// The tool catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Runs one turn of `user_id` with `message`.
    pub async fn turn(&self, user_id: &str, message: &str) -> Result<TurnOutcome, AgentError> {
        self.run_turn(TurnInput::new(user_id, message)).await
    }

    /// Runs one turn: lock and load the user's state, resolve a pending action, loop
    /// model → parse → policy → execute → observe, save the state, return the outcome.
    pub async fn run_turn(&self, input: TurnInput) -> Result<TurnOutcome, AgentError> {
        if input.message.trim().is_empty() {
            return Err(AgentError::EmptyMessage);
        }
        let user_id = input.user_id.clone();
        let state_error = |source: state_store::StoreError| {
            if source.is_busy() {
                AgentError::Busy {
                    user_id: user_id.clone(),
                }
            } else {
                AgentError::State {
                    user_id: user_id.clone(),
                    source,
                }
            }
        };
        let _guard = self
            .store
            .lock_user(&input.user_id, self.config.lock_timeout)
            .await
            .map_err(state_error)?;
        let mut state = self
            .store
            .load_or_create(&input.user_id)
            .await
            .map_err(state_error)?;
        let outcome = run::TurnRun::new(self, &mut state, input).run().await;
        match self.store.save(&state).await {
            Ok(()) => Ok(outcome),
            Err(source) => Err(AgentError::SaveFailed {
                outcome: Box::new(outcome),
                source,
            }),
        }
    }
}
