//! The b24-agent core: protocol, tool catalog, safety policy and the turn loop.
//!
//! `agent-core` turns a person's message into Bitrix24 REST calls planned by a chat model, under
//! a safety policy, and returns the reply with a full record of the turn. It does no I/O of its
//! own: it reaches the portal through [`bitrix_client::BitrixApi`], the model through
//! [`llm_client::ChatModel`] and the user's state through [`state_store::StateStore`], so it can
//! be embedded anywhere and tested with mocks.
//!
//! - [`protocol`]: the THOUGHT / ACTION / ASSISTANT text protocol (parser, observation renderer).
//! - [`catalog`]: every method the agent may call, with its risk class.
//! - [`policy`] and [`consent`]: modes (shadow, canary, full) and consent bound to the exact action.
//! - [`context`]: pipelines, stages and users of the portal, cached in the state.
//! - [`Agent`]: the turn loop.
//!
//! ```no_run
//! use std::sync::Arc;
//! use agent_core::{Agent, AgentConfig, ModelAccess, Mode};
//! # async fn demo(
//! #     portal: Arc<dyn bitrix_client::BitrixApi>,
//! #     model: Arc<dyn llm_client::ChatModel>,
//! #     store: Arc<dyn state_store::StateStore>,
//! # ) -> Result<(), agent_core::AgentError> {
//! let agent = Agent::new(portal, ModelAccess::Ready(model), store, AgentConfig::default().with_mode(Mode::Canary));
//! let outcome = agent.turn("ivan", "какие сделки в работе?").await?;
//! println!("{}", outcome.reply);
//! let log_line = serde_json::to_string(&outcome.record).expect("records serialize");
//! # let _ = log_line;
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod clock;
pub mod consent;
pub mod context;
mod error;
pub mod language;
pub mod messages;
pub mod policy;
pub mod prompt;
pub mod protocol;
pub mod record;
mod turn;
mod util;

pub use catalog::{Catalog, Risk, RiskReason};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::PortalContext;
pub use error::AgentError;
pub use language::Lang;
pub use policy::{Decision, Mode, PolicyConfig, Reason};
pub use protocol::{ActionCall, ParseError, ParsedReply, parse_reply};
pub use record::{CallRecord, EndReason, StepRecord, TurnOutcome, TurnRecord};
pub use turn::{Agent, AgentConfig, ModelAccess, TurnInput, parse_command};
