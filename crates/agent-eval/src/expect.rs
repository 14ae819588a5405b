//! Checking a turn's outcome and the run's side effects against the scenario's expectations.
//!
//! Each check returns the problems it found, in words; an empty list means it passed. Checks
//! marked "scripted runs only" in [`crate::scenario`] are skipped when `scripted` is false.

use agent_core::{CallRecord, TurnOutcome};
use bitrix_sandbox::StatsSnapshot;
use serde_json::Value;
use state_store::AgentState;

use crate::portal::{matches, shorten};
use crate::scenario::{CallExpect, FinalExpect, TurnExpect};

/// What a turn produced, as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct TurnFacts<'a> {
    /// The agent's outcome.
    pub outcome: &'a TurnOutcome,
    /// The text of each model request in the turn.
    pub prompts: &'a [String],
    /// Model requests in the turn.
    pub model_calls: usize,
}

/// A value's JSON form as a bare word (`answered`, `execute`).
pub(crate) fn json_word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// One action record in words: `crm.deal.update execute/write ok`.
pub fn describe_call(call: &CallRecord) -> String {
    format!(
        "{} {}/{} {}{}",
        call.method,
        json_word(&call.decision),
        json_word(&call.reason),
        json_word(&call.status),
        if call.batched { " (batched)" } else { "" }
    )
}

fn describe_expect(e: &CallExpect) -> String {
    let mut parts = vec![e.method.clone()];
    if let Some(d) = e.decision {
        parts.push(format!("decision={}", json_word(&d)));
    }
    if let Some(r) = e.reason {
        parts.push(format!("reason={}", json_word(&r)));
    }
    if let Some(s) = e.status {
        parts.push(format!("status={}", json_word(&s)));
    }
    if let Some(o) = e.origin {
        parts.push(format!("origin={}", json_word(&o)));
    }
    if let Some(b) = e.batched {
        parts.push(format!("batched={b}"));
    }
    if let Some(p) = &e.params {
        parts.push(format!("params⊇{p}"));
    }
    parts.join(" ")
}

/// Whether an action record fits a pattern.
pub fn call_matches(expect: &CallExpect, call: &CallRecord) -> bool {
    call.method.eq_ignore_ascii_case(&expect.method)
        && expect.decision.is_none_or(|d| d == call.decision)
        && expect.reason.is_none_or(|r| r == call.reason)
        && expect.status.is_none_or(|s| s == call.status)
        && expect.origin.is_none_or(|o| o == call.origin)
        && expect.batched.is_none_or(|b| b == call.batched)
        && expect
            .params
            .as_ref()
            .is_none_or(|p| matches(p, Some(&call.params)))
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Checks one turn; `scripted` enables the checks that need a deterministic model.
pub fn check_turn(expect: &TurnExpect, facts: &TurnFacts<'_>, scripted: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let record = &facts.outcome.record;
    let calls = &record.calls;
    let listed = || {
        let all: Vec<String> = calls.iter().map(describe_call).collect();
        if all.is_empty() {
            "none".to_owned()
        } else {
            all.join("; ")
        }
    };
    for want in &expect.decisions {
        if !calls.iter().any(|c| call_matches(want, c)) {
            problems.push(format!(
                "no action {} (actions: {})",
                describe_expect(want),
                listed()
            ));
        }
    }
    for bad in &expect.never {
        if let Some(call) = calls.iter().find(|c| call_matches(bad, c)) {
            problems.push(format!(
                "forbidden action happened: {}",
                describe_call(call)
            ));
        }
    }
    if let Some(want) = expect.pending {
        let has = record.pending_action.is_some();
        if want != has {
            problems.push(format!(
                "pending action: expected {}, found {}",
                if want { "one" } else { "none" },
                record
                    .pending_action
                    .as_ref()
                    .map_or("none".to_owned(), |p| p.method.clone())
            ));
        }
    }
    if let Some(want) = expect.consent {
        let have = record
            .consent
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok())
            .and_then(|v| v.get("outcome").and_then(Value::as_str).map(str::to_owned));
        if have.as_deref() != Some(want.tag()) {
            problems.push(format!(
                "consent: expected {}, found {}",
                want.tag(),
                have.unwrap_or_else(|| "no pending action".into())
            ));
        }
    }
    if let Some(want) = expect.degraded
        && want != facts.outcome.is_degraded()
    {
        problems.push(format!("degraded: expected {want}, found {}", !want));
    }
    if scripted {
        problems.extend(check_scripted(expect, facts));
    }
    problems
}

/// The checks that only make sense with scripted replies.
fn check_scripted(expect: &TurnExpect, facts: &TurnFacts<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let outcome = facts.outcome;
    let record = &outcome.record;
    if let Some(end) = expect.end
        && end != record.end
    {
        problems.push(format!(
            "end: expected {}, found {} ({})",
            json_word(&end),
            json_word(&record.end),
            record.error.as_deref().unwrap_or("no error")
        ));
    }
    for needle in &expect.reply_contains {
        if !contains_ci(&outcome.reply, needle) {
            problems.push(format!(
                "reply lacks {needle:?}: {:?}",
                shorten(&outcome.reply, 160)
            ));
        }
    }
    for needle in &expect.reply_not_contains {
        if contains_ci(&outcome.reply, needle) {
            problems.push(format!(
                "reply contains {needle:?}: {:?}",
                shorten(&outcome.reply, 160)
            ));
        }
    }
    let prompt = facts.prompts.join("\n\n");
    for needle in &expect.prompt_contains {
        if !contains_ci(&prompt, needle) {
            problems.push(format!("the model was never shown {needle:?}"));
        }
    }
    for needle in &expect.prompt_not_contains {
        if contains_ci(&prompt, needle) {
            problems.push(format!("the model was shown {needle:?}"));
        }
    }
    if let Some(want) = &expect.calls {
        let calls = &record.calls;
        let fits =
            want.len() == calls.len() && want.iter().zip(calls).all(|(w, c)| call_matches(w, c));
        if !fits {
            let want: Vec<String> = want.iter().map(describe_expect).collect();
            let have: Vec<String> = calls.iter().map(describe_call).collect();
            problems.push(format!(
                "actions: expected [{}], found [{}]",
                want.join("; "),
                have.join("; ")
            ));
        }
    }
    if let Some(want) = &expect.parse_errors {
        let have: Vec<_> = record
            .steps
            .iter()
            .filter_map(|s| s.parse_error.as_ref().map(|e| e.kind))
            .collect();
        if *want != have {
            problems.push(format!(
                "parse errors: expected {}, found {}",
                json_word(want),
                json_word(&have)
            ));
        }
    }
    if let Some(want) = &expect.discarded {
        let have: Vec<_> = record
            .steps
            .iter()
            .flat_map(|s| s.discarded.iter().map(|d| d.reason))
            .collect();
        if *want != have {
            problems.push(format!(
                "discarded: expected {}, found {}",
                json_word(want),
                json_word(&have)
            ));
        }
    }
    if let Some(want) = expect.model_calls
        && want != facts.model_calls
    {
        problems.push(format!(
            "model calls: expected {want}, found {}",
            facts.model_calls
        ));
    }
    problems
}

/// Calls of `method` the portal served: top level plus inside batches.
pub fn served(stats: &StatsSnapshot, method: &str) -> u64 {
    let method = method.to_ascii_lowercase();
    stats.by_method.get(&method).copied().unwrap_or(0)
        + stats.batch_commands.get(&method).copied().unwrap_or(0)
}

/// Checks the portal's counters and the user's memory after the run (not the data: see
/// [`crate::portal::check`]).
pub fn check_final(
    expect: &FinalExpect,
    stats: &StatsSnapshot,
    state: Option<&AgentState>,
    scripted: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for method in &expect.portal_calls.not_made {
        let n = served(stats, method);
        if n > 0 {
            problems.push(format!("the portal served {method} {n} time(s)"));
        }
    }
    if !scripted {
        return problems;
    }
    for (method, want) in &expect.portal_calls.made {
        let n = served(stats, method);
        if n != *want {
            problems.push(format!(
                "the portal served {method} {n} time(s), expected {want}"
            ));
        }
    }
    if let Some(max) = expect.max_portal_requests
        && stats.requests > max
    {
        problems.push(format!(
            "{} portal requests, expected at most {max}",
            stats.requests
        ));
    }
    for entity in &expect.remembers {
        let known: Vec<String> = state
            .map(|s| {
                s.memory
                    .entities
                    .iter()
                    .map(|e| format!("{} #{}", e.kind, e.id))
                    .collect()
            })
            .unwrap_or_default();
        if !known.iter().any(|k| k == entity.trim()) {
            problems.push(format!(
                "memory lacks {entity} (remembers: {})",
                if known.is_empty() {
                    "nothing".into()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    problems
}
