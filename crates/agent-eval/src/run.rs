//! Running scenarios: a fresh sandbox per scenario, the real agent, the checks.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agent_core::{Agent, AgentConfig, ManualClock, ModelAccess, TurnInput};
use bitrix_client::{BitrixApi, Client, RetryPolicy, Webhook};
use bitrix_sandbox::{Clock, LimitConfig, Limits, RateLimit, RunningSandbox, Sandbox, Seed};
use chrono::{TimeDelta, Utc};
use llm_client::{ChatModel, ScriptedModel, Usage};
use serde_json::Value;
use state_store::{MemoryStore, StateStore};

use crate::error::EvalError;
use crate::expect::{TurnFacts, check_final, check_turn};
use crate::expect::{describe_call, json_word};
use crate::model::{MeteredModel, scripted_reply, unavailability};
use crate::portal::{self, PortalData};
use crate::report::{ScenarioReport, Status, SuiteReport, TurnTrace};
use crate::scenario::{LimitsName, LimitsSpec, PortalSetup, Scenario, SeedName};

/// Which model answers the turns.
#[derive(Clone)]
pub enum ModelChoice {
    /// Each turn's scripted replies; every check applies.
    Scripted,
    /// A real model (the scripts are ignored); only portal state and policy checks apply.
    Live(Arc<dyn ChatModel>),
}

impl std::fmt::Debug for ModelChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelChoice::Scripted => f.write_str("Scripted"),
            ModelChoice::Live(m) => f.debug_tuple("Live").field(&m.model_name()).finish(),
        }
    }
}

impl ModelChoice {
    /// Whether the run is deterministic (scripted).
    pub fn is_scripted(&self) -> bool {
        matches!(self, ModelChoice::Scripted)
    }
}

/// Retries as the CLI's client does them, with pauses short enough for a test suite.
fn eval_retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        max_wait: Duration::from_secs(2),
    }
}

fn limits_of(spec: LimitsSpec) -> Limits {
    match spec {
        LimitsSpec::Named(LimitsName::Off) => Limits::Off,
        LimitsSpec::Named(LimitsName::Cloud) => Limits::Cloud,
        LimitsSpec::Named(LimitsName::Enterprise) => Limits::Enterprise,
        LimitsSpec::Custom { burst, per_second } => Limits::Custom(LimitConfig {
            rate: Some(RateLimit {
                burst,
                drain_per_second: per_second,
            }),
            operating: None,
        }),
    }
}

/// Starts the scenario's sandbox (frozen clock, in memory) and a client for it.
async fn start_portal(setup: &PortalSetup) -> Result<(RunningSandbox, Arc<Client>), EvalError> {
    let seed = match setup.seed {
        SeedName::Demo => Seed::Demo,
        SeedName::Empty => Seed::Empty,
    };
    let sandbox = Sandbox::builder()
        .seed(seed)
        .limits(limits_of(setup.limits))
        .clock(Clock::manual())
        .in_memory()
        .start("127.0.0.1:0")
        .await
        .map_err(|e| EvalError::Sandbox(e.to_string()))?;
    let webhook = Webhook::parse(sandbox.webhook_url().expose())
        .map_err(|e| EvalError::Sandbox(e.to_string()))?;
    let client = Client::builder(webhook)
        .retry_policy(eval_retry_policy())
        .build()
        .map_err(|e| EvalError::Sandbox(e.to_string()))?;
    for (i, call) in setup.setup.iter().enumerate() {
        client
            .call(&call.method, call.params.clone())
            .await
            .map_err(|e| EvalError::Setup {
                index: i + 1,
                method: call.method.clone(),
                detail: e.to_string(),
            })?;
    }
    for fault in &setup.faults {
        sandbox.add_fault(fault.clone());
    }
    Ok((sandbox, Arc::new(client)))
}

/// Changes the stored pending action's params without updating its hash.
async fn tamper_pending(store: &MemoryStore, user: &str) -> Result<(), String> {
    let mut state = store
        .load_or_create(user)
        .await
        .map_err(|e| e.to_string())?;
    let pending = state
        .pending_action
        .as_mut()
        .ok_or("there is no pending action to tamper with")?;
    match pending.params.as_object_mut() {
        Some(map) => {
            map.insert("tampered".into(), Value::Bool(true));
        }
        None => pending.params = Value::Bool(true),
    }
    store.save(&state).await.map_err(|e| e.to_string())
}

fn trace(outcome: &agent_core::TurnOutcome) -> TurnTrace {
    let record = &outcome.record;
    TurnTrace {
        message: record.message.clone(),
        end: json_word(&record.end),
        steps: record
            .steps
            .iter()
            .map(|s| (s.reply.clone(), s.observation.clone()))
            .collect(),
        calls: record.calls.iter().map(describe_call).collect(),
        reply: outcome.reply.clone(),
    }
}

/// Runs one scenario and checks it.
pub async fn run_scenario(scenario: &Scenario, path: &Path, model: &ModelChoice) -> ScenarioReport {
    let started = Instant::now();
    let mut report = ScenarioReport::new(&scenario.name, path);
    if scenario.scripted_only && !model.is_scripted() {
        report.status = Status::Skipped;
        return report;
    }
    match run_checked(scenario, model, &mut report).await {
        Ok(()) if report.problems.is_empty() => report.status = Status::Passed,
        Ok(()) => report.status = Status::Failed,
        Err(e) => {
            report.status = Status::Error;
            report.problems.push(e.to_string());
        }
    }
    report.duration = started.elapsed();
    report
}

async fn run_checked(
    scenario: &Scenario,
    choice: &ModelChoice,
    report: &mut ScenarioReport,
) -> Result<(), EvalError> {
    let scripted = choice.is_scripted();
    let (sandbox, client) = start_portal(&scenario.portal).await?;
    let before = PortalData::from_snapshot(&sandbox.data_json());
    sandbox.reset_stats();

    let script = Arc::new(ScriptedModel::new());
    let inner: Arc<dyn ChatModel> = match choice {
        ModelChoice::Scripted => script.clone(),
        ModelChoice::Live(model) => model.clone(),
    };
    let metered = Arc::new(MeteredModel::new(inner, scripted));
    let access = match unavailability(scenario.model) {
        Some(availability) => ModelAccess::Unavailable(availability),
        None => ModelAccess::Ready(metered.clone()),
    };
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut config = AgentConfig::default()
        .with_mode(scenario.mode)
        .with_clock(clock.clone());
    if let Some(steps) = scenario.max_steps {
        config.max_steps = steps;
    }
    let store = Arc::new(MemoryStore::new());
    let portal: Arc<dyn BitrixApi> = client;
    let agent = Agent::new(portal, access, store.clone(), config);

    let mut usage = Usage::default();
    for (index, turn) in scenario.turns.iter().enumerate() {
        let n = index + 1;
        report.turns = n;
        if turn.advance_minutes > 0 {
            clock.advance(TimeDelta::minutes(i64::from(turn.advance_minutes)));
        }
        if turn.tamper_pending
            && let Err(e) = tamper_pending(&store, &scenario.user).await
        {
            report.problems.push(format!("turn {n}: {e}"));
            break;
        }
        for fault in &turn.faults {
            sandbox.add_fault(fault.clone());
        }
        if scripted {
            turn.script
                .iter()
                .for_each(|s| script.push(scripted_reply(s)));
        }
        let calls_before = metered.calls();
        let input = TurnInput {
            user_id: scenario.user.clone(),
            message: turn.user.clone(),
            bitrix_user_id: turn.bitrix_user_id,
        };
        let result = agent.run_turn(input).await;
        let prompts = metered.take_turn_prompts();
        let model_calls = metered.calls() - calls_before;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                report
                    .problems
                    .push(format!("turn {n}: the agent returned an error: {e}"));
                break;
            }
        };
        usage.add(&outcome.record.usage);
        report.transcript.push(trace(&outcome));
        if outcome
            .record
            .error
            .as_deref()
            .is_some_and(|e| e.contains("scripted model has no reply left"))
        {
            report.problems.push(format!(
                "turn {n}: the agent asked the model more often than the script answers"
            ));
        }
        let facts = TurnFacts {
            outcome: &outcome,
            prompts: &prompts,
            model_calls,
        };
        let problems = check_turn(&turn.expect, &facts, scripted);
        report
            .problems
            .extend(problems.into_iter().map(|p| format!("turn {n}: {p}")));
        let unused = script.remaining();
        if scripted && unused > 0 {
            report.problems.push(format!(
                "turn {n}: {unused} scripted repl{} never requested",
                if unused == 1 { "y was" } else { "ies were" }
            ));
            break;
        }
    }
    report.model_calls = metered.calls();
    report.usage = usage;
    report.tokens_estimated = scripted;

    let after = PortalData::from_snapshot(&sandbox.data_json());
    let stats = sandbox.stats();
    report.portal_requests = stats.requests;
    for expect in &scenario.expect.portal {
        report
            .problems
            .extend(portal::check(expect, &before, &after));
    }
    let state = store.load_or_create(&scenario.user).await.ok();
    report.problems.extend(check_final(
        &scenario.expect,
        &stats,
        state.as_ref(),
        scripted,
    ));
    sandbox.shutdown().await;
    Ok(())
}

/// Runs every scenario in order.
pub async fn run_suite(scenarios: &[(PathBuf, Scenario)], model: &ModelChoice) -> SuiteReport {
    let mut reports = Vec::with_capacity(scenarios.len());
    for (path, scenario) in scenarios {
        reports.push(run_scenario(scenario, path, model).await);
    }
    SuiteReport {
        scenarios: reports,
        live: !model.is_scripted(),
    }
}
