//! A Bitrix24 REST client.
//!
//! The boundary that the agent sees is the object-safe [`BitrixApi`] trait: one REST call,
//! and one `batch` of calls. Everything else in this crate (webhook auth, throttle, retries,
//! paging) sits behind it.

mod api;

#[cfg(feature = "mock")]
pub use api::MockBitrixApi;
pub use api::{BatchCall, BatchItem, BatchOutcome, BitrixApi, CallOutput, TimeInfo};

/// Errors of the Bitrix24 client.
///
/// Placeholder; the full taxonomy lands with the client itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The portal answered with an error envelope.
    #[error("Bitrix24 error {code}: {description} (HTTP {status})")]
    Api {
        /// HTTP status of the answer.
        status: u16,
        /// Bitrix's own `error` code.
        code: String,
        /// Bitrix's own `error_description`.
        description: String,
    },
}
