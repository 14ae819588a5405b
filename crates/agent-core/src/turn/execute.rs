//! Executing allowed actions on the portal: one call, or one batch for several.

use std::time::{Duration, Instant};

use bitrix_client::{BatchCall, BatchItem, BitrixApi, CallOutput};

use crate::protocol::ActionCall;
use crate::protocol::render::ObservedError;

/// What became of one executed action.
#[derive(Debug, Clone)]
pub(crate) enum CallResult {
    /// The portal answered with a result.
    Ok(CallOutput),
    /// The portal answered with an error the model can act on.
    Failed(ObservedError),
    /// The request was sent but its fate is unknown.
    Unknown(String),
    /// Not run (an earlier failure, or the portal left it out of the batch).
    Skipped,
}

/// Why the portal cannot be used at all in this turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fatal {
    /// `transport`, `auth` or `rate_limited`.
    pub kind: &'static str,
    /// The error, as displayed (never holds the webhook token).
    pub detail: String,
}

/// The results of one execution, in input order, with the request's wall time.
pub(crate) struct Executed {
    pub results: Vec<CallResult>,
    pub duration: Duration,
    pub batched: bool,
}

/// Runs `calls`: one `call` for a single action, one `batch` (halt off) for several.
pub(crate) async fn execute(api: &dyn BitrixApi, calls: &[&ActionCall]) -> Result<Executed, Fatal> {
    let started = Instant::now();
    if let [one] = calls {
        let result = match api.call(&one.method, one.params.clone()).await {
            Ok(out) => CallResult::Ok(out),
            Err(e) => classify(&e)?,
        };
        return Ok(Executed {
            results: vec![result],
            duration: started.elapsed(),
            batched: false,
        });
    }
    let batch: Vec<BatchCall> = calls
        .iter()
        .enumerate()
        .map(|(i, a)| BatchCall {
            key: format!("a{i}"),
            method: a.method.clone(),
            params: a.params.clone(),
        })
        .collect();
    let results = match api.batch(batch, false).await {
        Ok(outcome) => {
            let mut items = outcome.items;
            (0..calls.len())
                .map(|i| {
                    let key = format!("a{i}");
                    match items.iter().position(|(k, _)| *k == key) {
                        Some(pos) => match items.swap_remove(pos).1 {
                            BatchItem::Ok(out) => CallResult::Ok(out),
                            BatchItem::Err { code, description } => {
                                let e = bitrix_client::Error::api(400, code, description);
                                observed(&e)
                            }
                            BatchItem::Skipped => CallResult::Skipped,
                        },
                        None => CallResult::Skipped,
                    }
                })
                .collect()
        }
        Err(e) => {
            let one = classify(&e)?;
            vec![one; calls.len()]
        }
    };
    Ok(Executed {
        results,
        duration: started.elapsed(),
        batched: true,
    })
}

/// Sorts a request error: fatal for the turn, unknown outcome, or an error for the model.
fn classify(e: &bitrix_client::Error) -> Result<CallResult, Fatal> {
    if e.is_write_outcome_unknown() {
        return Ok(CallResult::Unknown(e.to_string()));
    }
    let fatal = if e.is_transport() {
        Some("transport")
    } else if e.is_auth() {
        Some("auth")
    } else if e.is_rate_limited() {
        Some("rate_limited")
    } else {
        None
    };
    match fatal {
        Some(kind) => Err(Fatal {
            kind,
            detail: e.to_string(),
        }),
        None => Ok(observed(e)),
    }
}

/// An error as the model sees it.
fn observed(e: &bitrix_client::Error) -> CallResult {
    let kind = if e.is_not_found() {
        "not_found"
    } else if e.is_access_denied() || e.is_auth() {
        "access_denied"
    } else if e.is_method_not_found() {
        "method_not_found"
    } else if e.is_bad_argument() {
        "bad_argument"
    } else if e.is_rate_limited() {
        "rate_limited"
    } else {
        "portal_error"
    };
    CallResult::Failed(ObservedError {
        code: e.code().unwrap_or_default().to_owned(),
        kind: kind.to_owned(),
        description: e.to_string(),
    })
}

/// What the model should do about an error of `kind`.
pub(crate) fn error_hint(kind: &str) -> &'static str {
    match kind {
        "not_found" => {
            "the record does not exist or is not visible: ask the user to check it, or search by name"
        }
        "access_denied" => {
            "the portal user behind the agent has no access: explain this to the user"
        }
        "method_not_found" => "the portal does not offer this method (module off or wrong name)",
        "bad_argument" => "the portal rejected the params: fix them and try again",
        "rate_limited" => "the portal is busy: do not repeat now; tell the user to try later",
        _ => "the portal refused: explain the error to the user or try another way",
    }
}
