//! A local Bitrix24 portal that speaks the cloud's wire format.
//!
//! `bitrix-sandbox` serves the Bitrix24 REST API on a loopback port: the same webhook URLs
//! (`/rest/{user}/{code}/{method}`), request encodings (query strings and form bodies with
//! PHP bracket keys, JSON), envelopes (`result`, `total`, `next`, `time`), error codes and
//! HTTP statuses, list paging, `batch` rules, limits (leaky bucket and operating budget)
//! and type quirks as the cloud. Data lives in memory and, optionally, in one JSON file
//! written atomically after every change. Faults can be injected for tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bitrix_sandbox::SandboxError> {
//! use bitrix_sandbox::{Limits, Sandbox, Seed};
//!
//! let sandbox = Sandbox::builder()
//!     .seed(Seed::Demo)
//!     .limits(Limits::Off)
//!     .start("127.0.0.1:0")
//!     .await?;
//! let url = sandbox.webhook_url().expose(); // http://127.0.0.1:PORT/rest/1/TOKEN/
//! # let _ = url;
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod batch;
mod clock;
mod coerce;
mod decode;
mod envelope;
mod error;
mod errors;
mod faults;
mod filter;
mod limits;
mod listing;
mod methods;
mod persist;
mod portal;
mod render;
mod running;
mod schema;
mod seed;
mod select;
mod server;
mod stats;
mod store;
mod tls;

pub use clock::Clock;
pub use error::SandboxError;
pub use errors::ApiError;
pub use faults::{Fault, FaultId};
pub use limits::{LimitConfig, Limits, OperatingLimit, RateLimit};
pub use running::{RunningSandbox, Sandbox, SandboxBuilder, WebhookUrl};
pub use seed::Seed;
pub use stats::StatsSnapshot;

/// The portal's data as JSON with the webhook code removed (for inspection endpoints).
pub(crate) fn redacted_snapshot(portal: &portal::Portal) -> serde_json::Value {
    let mut snapshot = portal.snapshot();
    if let Some(object) = snapshot.as_object_mut() {
        object.remove("token");
    }
    snapshot
}
