//! A Bitrix24 REST client.
//!
//! The boundary that the agent sees is the object-safe [`BitrixApi`] trait: one REST call,
//! and one `batch` of calls. [`Client`] implements it over HTTP for an incoming [`Webhook`],
//! with a leaky-bucket throttle shared by its clones, per-method operating-time tracking,
//! retries that never repeat an ambiguous write, and errors that keep Bitrix's code,
//! description and HTTP status. [`BitrixApiExt`] adds typed calls, paging streams (offset
//! and the fast scan by ID) and batching of any number of calls to every `BitrixApi`.
//!
//! ```no_run
//! use bitrix_client::{BitrixApiExt, Client, ListQuery, Webhook, model::Deal};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), bitrix_client::Error> {
//! let client = Client::new(Webhook::parse("https://example.bitrix24.ru/rest/1/TOKEN/")?)?;
//! let query = ListQuery::fast_scan("crm.deal.list", serde_json::json!({"select": ["ID", "TITLE"]}));
//! let deals: Vec<Deal> = client.list_as(query).try_collect().await?;
//! # let _ = deals; Ok(()) }
//! ```
//!
//! Guarantees: the webhook token never appears in `Debug`, `Display`, errors or tracing
//! fields; a write is never sent twice after a timeout or server error (the caller gets
//! [`Error::WriteOutcomeUnknown`]); the library reads no environment variables and prints
//! nothing.

mod api;
mod auth;
mod batch;
mod client;
mod config;
mod envelope;
mod error;
mod ext;
mod methods;
pub mod model;
mod paging;
mod query;
mod throttle;

#[cfg(feature = "mock")]
pub use api::MockBitrixApi;
pub use api::{BatchCall, BatchItem, BatchOutcome, BitrixApi, CallOutput, TimeInfo};
pub use auth::{Auth, REDACTED, SecretToken, Webhook, WebhookError};
pub use batch::{MAX_BATCH_COMMANDS, PartialBatchFailure, call_many, result_ref};
pub use client::{Client, ClientBuilder};
pub use config::{OperatingBudget, RateLimit, RetryPolicy, Timeouts};
pub use envelope::decode_value;
pub use error::{ApiFailure, Error, Language, TransportKind};
pub use ext::BitrixApiExt;
pub use methods::{MethodKind, MethodRules};
pub use model::lenient;
pub use paging::{IdKeys, ListQuery, PAGE_SIZE, ScanMode, list, list_as, list_rows};
pub use query::build_query;
pub use throttle::{OperatingUsage, RateLimiter};

impl From<WebhookError> for Error {
    fn from(err: WebhookError) -> Self {
        Error::InvalidConfig(err.to_string())
    }
}
