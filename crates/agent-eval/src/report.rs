//! Results: one report per scenario, the suite's totals, and the printed table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use llm_client::Usage;
use serde::Serialize;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every expectation held.
    Passed,
    /// Some expectation did not hold.
    Failed,
    /// Not run in this mode (scripted-only scenario in a live run).
    Skipped,
    /// The scenario could not run (sandbox or setup failure).
    Error,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Passed => "pass",
            Status::Failed => "FAIL",
            Status::Skipped => "skip",
            Status::Error => "ERROR",
        }
    }
}

/// What one turn did, for `b24-eval --trace` and for writing new scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct TurnTrace {
    /// The user's message.
    pub message: String,
    /// How the turn ended.
    pub end: String,
    /// Each model reply and the observation sent back, in order.
    pub steps: Vec<(String, Option<String>)>,
    /// Each action with its decision and status.
    pub calls: Vec<String>,
    /// The reply to the user.
    pub reply: String,
}

/// What one scenario did and whether it passed.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// The verdict.
    pub status: Status,
    /// Every failed expectation, prefixed with its turn.
    pub problems: Vec<String>,
    /// Turns run.
    pub turns: usize,
    /// Model requests.
    pub model_calls: usize,
    /// HTTP requests the portal served (the setup excluded).
    pub portal_requests: u64,
    /// Tokens (estimated for scripted replies).
    pub usage: Usage,
    /// Whether `usage` is an estimate.
    pub tokens_estimated: bool,
    /// Wall time of the scenario, sandbox start included.
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// What each turn did.
    pub transcript: Vec<TurnTrace>,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl ScenarioReport {
    /// An empty report, not yet run.
    pub fn new(name: &str, path: &Path) -> Self {
        Self {
            name: name.to_owned(),
            path: path.to_owned(),
            status: Status::Error,
            problems: Vec::new(),
            turns: 0,
            model_calls: 0,
            portal_requests: 0,
            usage: Usage::default(),
            tokens_estimated: false,
            duration: Duration::ZERO,
            transcript: Vec::new(),
        }
    }

    /// Prompt plus completion tokens.
    pub fn tokens(&self) -> u64 {
        self.usage.prompt_tokens + self.usage.completion_tokens
    }
}

/// The results of a suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    /// One report per scenario, in run order.
    pub scenarios: Vec<ScenarioReport>,
    /// Whether a live model answered.
    pub live: bool,
}

impl SuiteReport {
    fn count(&self, status: Status) -> usize {
        self.scenarios.iter().filter(|s| s.status == status).count()
    }

    /// Scenarios that passed.
    pub fn passed(&self) -> usize {
        self.count(Status::Passed)
    }

    /// Scenarios that ran (not skipped).
    pub fn ran(&self) -> usize {
        self.scenarios.len() - self.count(Status::Skipped)
    }

    /// Passed scenarios as a share of those that ran (1.0 when none ran).
    pub fn pass_rate(&self) -> f64 {
        match self.ran() {
            0 => 1.0,
            ran => self.passed() as f64 / ran as f64,
        }
    }

    /// Whether every scenario that ran passed.
    pub fn all_passed(&self) -> bool {
        self.passed() == self.ran()
    }

    /// The failed or broken scenarios.
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioReport> {
        self.scenarios
            .iter()
            .filter(|s| matches!(s.status, Status::Failed | Status::Error))
    }

    /// Every turn of every scenario: messages, model replies, observations, actions, replies.
    pub fn render_trace(&self) -> String {
        let mut out = String::new();
        for r in &self.scenarios {
            let _ = writeln!(out, "=== {} [{}]", r.name, r.status.word());
            for (i, t) in r.transcript.iter().enumerate() {
                let _ = writeln!(out, "--- turn {}: {}", i + 1, t.message);
                for (reply, observation) in &t.steps {
                    let _ = writeln!(out, "MODEL> {}", reply.trim_end());
                    if let Some(obs) = observation {
                        let _ = writeln!(out, "AGENT> {}", obs.trim_end());
                    }
                }
                for call in &t.calls {
                    let _ = writeln!(out, "CALL  {call}");
                }
                let _ = writeln!(out, "END   {}\nREPLY {}", t.end, t.reply.trim_end());
            }
        }
        out
    }

    /// The table: one row per scenario, totals, then every failure with its problems.
    pub fn render(&self) -> String {
        let approx = |r: &ScenarioReport| if r.tokens_estimated { "~" } else { "" };
        let name_width = self
            .scenarios
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| {:<name_width$} | result | turns | model calls | Bitrix requests | tokens  | ms    |",
            "scenario"
        );
        let _ = writeln!(
            out,
            "|-{}-|--------|-------|-------------|-----------------|---------|-------|",
            "-".repeat(name_width)
        );
        for r in &self.scenarios {
            let _ = writeln!(
                out,
                "| {:<name_width$} | {:<6} | {:>5} | {:>11} | {:>15} | {:>7} | {:>5} |",
                r.name,
                r.status.word(),
                r.turns,
                r.model_calls,
                r.portal_requests,
                format!("{}{}", approx(r), r.tokens()),
                r.duration.as_millis()
            );
        }
        let sum = |f: fn(&ScenarioReport) -> u64| self.scenarios.iter().map(f).sum::<u64>();
        let estimated = self.scenarios.iter().any(|r| r.tokens_estimated);
        let _ = writeln!(
            out,
            "| {:<name_width$} | {:>6} | {:>5} | {:>11} | {:>15} | {:>7} | {:>5} |",
            "TOTAL",
            format!("{}/{}", self.passed(), self.ran()),
            sum(|r| r.turns as u64),
            sum(|r| r.model_calls as u64),
            sum(|r| r.portal_requests),
            format!(
                "{}{}",
                if estimated { "~" } else { "" },
                sum(ScenarioReport::tokens)
            ),
            sum(|r| r.duration.as_millis() as u64)
        );
        let skipped = self.count(Status::Skipped);
        let _ = writeln!(
            out,
            "\n{} model: {} of {} passed ({:.0}%){}{}",
            if self.live { "live" } else { "scripted" },
            self.passed(),
            self.ran(),
            self.pass_rate() * 100.0,
            if skipped > 0 {
                format!(", {skipped} skipped (scripted only)")
            } else {
                String::new()
            },
            if estimated {
                "; ~ tokens are estimated (4 characters per token)"
            } else {
                ""
            }
        );
        for r in self.failures() {
            let _ = writeln!(
                out,
                "\n{} {} ({})",
                r.status.word(),
                r.name,
                r.path.display()
            );
            for p in &r.problems {
                let _ = writeln!(out, "  - {p}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_rate() {
        let mut a = ScenarioReport::new("a", Path::new("a.yaml"));
        a.status = Status::Passed;
        a.model_calls = 2;
        let mut b = ScenarioReport::new("b", Path::new("b.yaml"));
        b.status = Status::Failed;
        b.problems.push("turn 1: reply lacks \"x\"".into());
        let mut c = ScenarioReport::new("c", Path::new("c.yaml"));
        c.status = Status::Skipped;
        let suite = SuiteReport {
            scenarios: vec![a, b, c],
            live: true,
        };
        assert_eq!((suite.passed(), suite.ran()), (1, 2));
        assert!(!suite.all_passed());
        let table = suite.render();
        assert!(table.contains("| TOTAL"), "{table}");
        assert!(table.contains("1 of 2 passed (50%)"), "{table}");
        assert!(table.contains("FAIL b (b.yaml)\n  - turn 1"), "{table}");
    }
}
