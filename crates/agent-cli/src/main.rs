//! `b24-agent`: the console orchestrator.

fn main() {}
