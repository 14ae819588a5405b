//! Integration tests of the Bitrix24 client against local portals on 127.0.0.1.

#[path = "../support/mod.rs"]
mod support;

mod batch;
mod errors;
#[cfg(feature = "mock")]
mod mock;
mod models;
mod paging;
mod redaction;
mod retry;
mod throttle;
mod tls;
