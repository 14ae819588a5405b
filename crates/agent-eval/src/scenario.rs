//! The scenario file format (YAML or JSON): a starting portal, the user's turns with the
//! model's scripted replies, and what must be true afterwards.
//!
//! Unknown keys are errors, so a misspelt expectation never passes silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agent_core::policy::Reason;
use agent_core::protocol::render::ObservedStatus;
use agent_core::protocol::{DiscardReason, ParseErrorKind};
use agent_core::record::CallOrigin;
use agent_core::{Decision, EndReason, Mode};
use bitrix_sandbox::Fault;
use serde::Deserialize;
use serde_json::Value;

use crate::error::EvalError;

/// One scenario: a portal, turns, expectations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short identifier, unique in the suite (shown in the table).
    pub name: String,
    /// What the scenario checks, in a sentence.
    #[serde(default)]
    pub description: String,
    /// Free-form tags (`read`, `consent`, `degraded`, ...), for filtering.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The policy mode (default shadow, as in the CLI).
    #[serde(default)]
    pub mode: Mode,
    /// Model replies per turn at most (the CLI's `--max-steps`; default 6).
    #[serde(default)]
    pub max_steps: Option<usize>,
    /// Runs only with the scripted model (malformed replies, model failures); skipped live.
    #[serde(default)]
    pub scripted_only: bool,
    /// The user the turns belong to.
    #[serde(default = "default_user")]
    pub user: String,
    /// The starting portal.
    #[serde(default)]
    pub portal: PortalSetup,
    /// The model: scripted (default) or unavailable (degraded mode).
    #[serde(default)]
    pub model: ModelSetup,
    /// The user's messages, in order.
    pub turns: Vec<Turn>,
    /// What must hold after the last turn.
    #[serde(default)]
    pub expect: FinalExpect,
}

fn default_user() -> String {
    "eval-user".to_owned()
}

/// The seed of the scenario's sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedName {
    /// The demo company «ТехноСнаб».
    #[default]
    Demo,
    /// Only what every portal has.
    Empty,
}

/// The rate limits of the scenario's sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum LimitsSpec {
    /// `off` (default), `cloud` or `enterprise`.
    Named(LimitsName),
    /// A custom leaky bucket: `{burst: 2, per_second: 0.05}`.
    Custom {
        /// Requests that may arrive at once.
        burst: u32,
        /// Requests per second drained.
        per_second: f64,
    },
}

impl Default for LimitsSpec {
    fn default() -> Self {
        LimitsSpec::Named(LimitsName::Off)
    }
}

/// A named limits preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitsName {
    /// No limits.
    Off,
    /// Cloud plans: a burst of 50, then 2 requests per second.
    Cloud,
    /// Enterprise plans: a burst of 250, then 5 per second.
    Enterprise,
}

/// The starting portal: a seed, limits, REST calls applied before the run, faults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSetup {
    /// The seed (default demo).
    #[serde(default)]
    pub seed: SeedName,
    /// Rate limits (default off).
    #[serde(default)]
    pub limits: LimitsSpec,
    /// REST calls applied through the API before the first turn (not counted in the stats).
    #[serde(default)]
    pub setup: Vec<SetupCall>,
    /// Faults injected after the setup, for the whole run.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

/// One REST call of the setup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupCall {
    /// The method, e.g. `crm.deal.update`.
    pub method: String,
    /// Its parameters.
    #[serde(default = "empty_object")]
    pub params: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// The model of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSetup {
    /// The turns' scripted replies (or, live, the configured model).
    #[default]
    Scripted,
    /// No API key: degraded mode from the start.
    NoKey,
    /// The key was rejected: degraded mode from the start.
    KeyRejected,
    /// The model server cannot be reached: degraded mode from the start.
    Unreachable,
    /// The account has no quota: degraded mode from the start.
    QuotaExhausted,
}

/// One user message and what must hold after it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// The message.
    pub user: String,
    /// The user's own Bitrix24 id, when the frontend knows it.
    #[serde(default)]
    pub bitrix_user_id: Option<u64>,
    /// Minutes the agent's clock moves forward before this turn (consent expiry).
    #[serde(default)]
    pub advance_minutes: u32,
    /// Damage the stored pending action before this turn (edit its params, keep its hash).
    #[serde(default)]
    pub tamper_pending: bool,
    /// Faults injected before this turn.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The model's replies in this turn, in order (ignored live).
    #[serde(default)]
    pub script: Vec<ScriptStep>,
    /// What must hold after this turn.
    #[serde(default)]
    pub expect: TurnExpect,
}

/// One scripted model reply: its text, or an error of the model API.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ScriptStep {
    /// The reply's text, exactly as the model would send it.
    Reply(String),
    /// The model API fails: `{error: unreachable}`.
    Error {
        /// The kind of failure.
        error: ModelFailure,
    },
}

/// A failure of the model API, for scripted errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFailure {
    /// The server cannot be reached.
    Unreachable,
    /// The key is rejected (HTTP 401).
    KeyRejected,
    /// No answer in time.
    Timeout,
    /// The server failed (HTTP 500).
    Server,
    /// Too many requests (HTTP 429).
    RateLimited,
    /// The reply was empty.
    Empty,
}

/// What must hold after one turn.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnExpect {
    /// How the turn ended (scripted runs only).
    #[serde(default)]
    pub end: Option<EndReason>,
    /// Text the reply must contain, case-insensitive (scripted runs only).
    #[serde(default)]
    pub reply_contains: Vec<String>,
    /// Text the reply must not contain, case-insensitive (scripted runs only).
    #[serde(default)]
    pub reply_not_contains: Vec<String>,
    /// Text that must reach the model in this turn: system prompt, history, observations
    /// (scripted runs only).
    #[serde(default)]
    pub prompt_contains: Vec<String>,
    /// Text that must not reach the model in this turn (scripted runs only).
    #[serde(default)]
    pub prompt_not_contains: Vec<String>,
    /// Every action of the turn, in order; each listed field must match (scripted runs only).
    #[serde(default)]
    pub calls: Option<Vec<CallExpect>>,
    /// Actions that must be among the turn's actions, in any order (live runs too).
    #[serde(default)]
    pub decisions: Vec<CallExpect>,
    /// Actions that must not be among the turn's actions (live runs too).
    #[serde(default)]
    pub never: Vec<CallExpect>,
    /// Whether an action waits for consent after the turn (live runs too).
    #[serde(default)]
    pub pending: Option<bool>,
    /// What became of the pending action found at the start (live runs too).
    #[serde(default)]
    pub consent: Option<ConsentOutcome>,
    /// The parse errors of the turn's model replies, in order (scripted runs only).
    #[serde(default)]
    pub parse_errors: Option<Vec<ParseErrorKind>>,
    /// Parts of replies the parser discarded, in order (scripted runs only).
    #[serde(default)]
    pub discarded: Option<Vec<DiscardReason>>,
    /// Model requests in this turn (scripted runs only).
    #[serde(default)]
    pub model_calls: Option<usize>,
    /// Whether the turn ran without a model.
    #[serde(default)]
    pub degraded: Option<bool>,
}

/// What became of a pending action at the start of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentOutcome {
    /// The user consented in time; the action ran once.
    Consented,
    /// The user refused.
    Refused,
    /// The user consented too late.
    Expired,
    /// The message was not an answer; the action was dropped.
    Lapsed,
    /// The stored action was damaged; nothing ran.
    Damaged,
}

impl ConsentOutcome {
    /// The `outcome` tag of [`agent_core::consent::Resolution`] in the turn record.
    pub fn tag(self) -> &'static str {
        match self {
            ConsentOutcome::Consented => "consented",
            ConsentOutcome::Refused => "refused",
            ConsentOutcome::Expired => "expired",
            ConsentOutcome::Lapsed => "lapsed",
            ConsentOutcome::Damaged => "damaged",
        }
    }
}

/// A pattern for one action record: the method and any of its outcome fields.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallExpect {
    /// The REST method (case-insensitive).
    pub method: String,
    /// The policy's decision.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// The policy's reason.
    #[serde(default)]
    pub reason: Option<Reason>,
    /// What became of it.
    #[serde(default)]
    pub status: Option<ObservedStatus>,
    /// Who asked for it.
    #[serde(default)]
    pub origin: Option<CallOrigin>,
    /// Whether it went out inside a batch.
    #[serde(default)]
    pub batched: Option<bool>,
    /// Params that must be present with these values (loose comparison, nested objects
    /// compared key by key).
    #[serde(default)]
    pub params: Option<Value>,
}

/// What must hold after the last turn.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalExpect {
    /// The portal's data (live runs too).
    #[serde(default)]
    pub portal: Vec<PortalExpect>,
    /// Calls the portal served, counted by the sandbox: top-level calls and batch commands,
    /// calls answered by an injected fault included, requests the rate limit rejected not.
    #[serde(default)]
    pub portal_calls: PortalCallsExpect,
    /// HTTP requests the portal served at most (scripted runs only).
    #[serde(default)]
    pub max_portal_requests: Option<u64>,
    /// Records the user's memory must hold afterwards, as `kind #id` (scripted runs only).
    #[serde(default)]
    pub remembers: Vec<String>,
}

/// Methods the portal served, or did not.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalCallsExpect {
    /// Method → exact number of times served (scripted runs only).
    #[serde(default)]
    pub made: BTreeMap<String, u64>,
    /// Methods the portal never served (live runs too).
    #[serde(default)]
    pub not_made: Vec<String>,
}

/// An expectation on one table of the portal's data.
///
/// Select rows by `id`, or the rows `created` during the run, or rows matching `where`;
/// then check `fields` (equal, loosely typed) and `contains` (substring); or state that the
/// row or table is `unchanged` or the row `deleted`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalExpect {
    /// The table: `deals`, `leads`, `contacts`, `companies`, `tasks`, `task_comments`,
    /// `timeline_comments`, `activities`, `messages`, `notifications`, ...
    pub table: String,
    /// One row by its ID.
    #[serde(default)]
    pub id: Option<u64>,
    /// Exactly this many rows were created (matching `where`, if given).
    #[serde(default)]
    pub created: Option<usize>,
    /// Only rows whose fields equal these.
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, Value>,
    /// The selected rows have these values.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// The selected rows' fields contain these texts (case-insensitive).
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
    /// The row (with `id`) or the whole table is as it was before the first turn.
    #[serde(default)]
    pub unchanged: bool,
    /// The row (with `id`) no longer exists.
    #[serde(default)]
    pub deleted: bool,
}

impl PortalExpect {
    /// Checks that the combination of keys makes sense.
    fn validate(&self) -> Result<(), String> {
        let selectors = usize::from(self.id.is_some()) + usize::from(self.created.is_some());
        if selectors > 1 {
            return Err(format!(
                "table {}: use either `id` or `created`",
                self.table
            ));
        }
        if self.deleted && self.id.is_none() {
            return Err(format!("table {}: `deleted` needs an `id`", self.table));
        }
        let checks = !self.fields.is_empty() || !self.contains.is_empty();
        if (self.deleted || self.unchanged) && checks {
            return Err(format!(
                "table {}: `deleted`/`unchanged` cannot be combined with `fields`/`contains`",
                self.table
            ));
        }
        if !self.deleted && !self.unchanged && self.created.is_none() && !checks {
            return Err(format!("table {}: nothing to check", self.table));
        }
        if selectors == 0 && !self.unchanged && self.filter.is_empty() {
            return Err(format!(
                "table {}: select rows with `id`, `created` or `where`",
                self.table
            ));
        }
        Ok(())
    }
}

impl Scenario {
    /// Reads a scenario from YAML (`.yaml`, `.yml`) or JSON (`.json`) text.
    pub fn parse(text: &str, json: bool) -> Result<Self, String> {
        let scenario: Scenario = if json {
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            serde_norway::from_str(text).map_err(|e| e.to_string())?
        };
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads one scenario file.
    pub fn load(path: &Path) -> Result<Self, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
            path: path.to_owned(),
            source,
        })?;
        let json = path.extension().is_some_and(|e| e == "json");
        Self::parse(&text, json).map_err(|problem| EvalError::Invalid {
            path: path.to_owned(),
            problem,
        })
    }

    /// Checks what the types alone cannot.
    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("`name` is empty".into());
        }
        if self.turns.is_empty() {
            return Err("a scenario needs at least one turn".into());
        }
        for (i, turn) in self.turns.iter().enumerate() {
            if turn.user.trim().is_empty() {
                return Err(format!("turn {}: the message is empty", i + 1));
            }
            let scripted = self.model == ModelSetup::Scripted;
            if !scripted && !turn.script.is_empty() {
                return Err(format!(
                    "turn {}: a script is given but the model is unavailable",
                    i + 1
                ));
            }
        }
        for expect in &self.expect.portal {
            expect.validate()?;
        }
        Ok(())
    }
}

/// Every scenario file (`.yaml`, `.yml`, `.json`) in `dir`, sorted by file name.
pub fn scenario_files(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let entries = std::fs::read_dir(dir).map_err(|source| EvalError::Read {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| EvalError::Read {
                path: dir.to_owned(),
                source,
            })?
            .path();
        let known = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
        if known && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads every scenario of `dir`; names must be unique.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Scenario)>, EvalError> {
    let mut out: Vec<(PathBuf, Scenario)> = Vec::new();
    for path in scenario_files(dir)? {
        let scenario = Scenario::load(&path)?;
        if let Some((other, _)) = out.iter().find(|(_, s)| s.name == scenario.name) {
            return Err(EvalError::Invalid {
                path: path.clone(),
                problem: format!(
                    "the name `{}` is already used by {}",
                    scenario.name,
                    other.display()
                ),
            });
        }
        out.push((path, scenario));
    }
    if out.is_empty() {
        return Err(EvalError::Invalid {
            path: dir.to_owned(),
            problem: "no scenario files (.yaml, .yml, .json) found".into(),
        });
    }
    Ok(out)
}
