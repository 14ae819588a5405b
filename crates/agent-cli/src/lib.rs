//! The `b24-agent` command-line orchestrator, kept in a library so tests can drive its parts.
//!
//! `main` lives in [`app::main`]; the binary only calls it.

pub mod app;
pub mod audit_log;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dotenv;
pub mod failure;
pub mod model;
pub mod output;
pub mod portal;
pub mod session;
