//! Runnable examples of the b24-agent libraries; run one with
//! `cargo run -p b24-examples --example NAME`.
