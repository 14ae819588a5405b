//! `b24-sandbox`: serves the local Bitrix24 portal.

fn main() {}
