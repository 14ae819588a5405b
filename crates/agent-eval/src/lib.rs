//! Evals of b24-agent: scenario files run through the real agent against a fresh sandbox.
//!
//! A scenario ([`Scenario`], YAML or JSON under `evals/`) gives a starting portal (the demo
//! seed plus REST calls and faults), the user's messages in order, the mode, the model's
//! replies for deterministic runs, and expectations: the portal's data afterwards, the calls
//! the portal served or did not, the policy's decisions, and words the reply must or must not
//! contain.
//!
//! [`run_scenario`] starts an in-process [`bitrix_sandbox`] portal (limits off unless the
//! scenario sets them, clock frozen), applies the setup through the REST API, and runs each
//! turn through [`agent_core::Agent`] — the same code the CLI runs — with a
//! [`state_store::MemoryStore`] and either the scripted replies or a live model
//! ([`ModelChoice`]). Live runs check only what does not depend on the model's wording:
//! portal data, policy decisions, pending actions.
//!
//! ```no_run
//! use std::path::Path;
//! use agent_eval::{ModelChoice, load_dir, run_suite};
//!
//! # async fn demo() -> Result<(), agent_eval::EvalError> {
//! let scenarios = load_dir(Path::new("evals"))?;
//! let report = run_suite(&scenarios, &ModelChoice::Scripted).await;
//! print!("{}", report.render());
//! assert!(report.all_passed());
//! # Ok(()) }
//! ```

mod error;
pub mod expect;
pub mod model;
pub mod portal;
mod report;
mod run;
pub mod scenario;

pub use error::EvalError;
pub use report::{ScenarioReport, Status, SuiteReport, TurnTrace};
pub use run::{ModelChoice, run_scenario, run_suite};
pub use scenario::{Scenario, load_dir, scenario_files};
