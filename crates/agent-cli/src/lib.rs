//! The `b24-agent` command-line orchestrator, kept in a library so tests can drive its parts.

pub mod audit_log;
pub mod cli;
pub mod config;
pub mod dotenv;
