//! Fault injection: make chosen methods fail with a chosen error, answer late, or drop
//! the connection after the request was applied.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::errors::ApiError;

/// One injected fault, matched by method name (case-insensitive; `*` matches every method).
///
/// Faults apply to top-level calls and to commands inside a `batch` alike. Built in code
/// or posted as JSON to `POST /sandbox/faults`:
/// `{"method": "crm.deal.add", "error": "QUERY_LIMIT_EXCEEDED", "times": 1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The method to affect (`crm.deal.add`), or `*`.
    pub method: String,
    /// Answer with this error instead of running the method.
    #[serde(default, deserialize_with = "error_spec")]
    pub error: Option<ApiError>,
    /// Wait this long (milliseconds) before answering; the wait counts as operating time.
    #[serde(default)]
    pub latency_ms: u64,
    /// Run the method (and save the data), then close the connection without an answer.
    #[serde(default)]
    pub drop_connection: bool,
    /// How many calls to affect; `None` means every call until the fault is removed.
    #[serde(default)]
    pub times: Option<u32>,
}

impl Fault {
    /// A fault that answers `method` with `error`.
    pub fn error(method: impl Into<String>, error: ApiError) -> Self {
        Self {
            method: method.into(),
            error: Some(error),
            latency_ms: 0,
            drop_connection: false,
            times: None,
        }
    }

    /// A fault that delays `method` by `latency`.
    pub fn latency(method: impl Into<String>, latency: Duration) -> Self {
        Self {
            method: method.into(),
            error: None,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            drop_connection: false,
            times: None,
        }
    }

    /// A fault that applies `method` and then drops the connection without an answer.
    pub fn drop_connection(method: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            error: None,
            latency_ms: 0,
            drop_connection: true,
            times: None,
        }
    }

    /// The same fault, limited to the next `times` matching calls.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    fn matches(&self, method: &str) -> bool {
        self.method == "*" || self.method.eq_ignore_ascii_case(method)
    }
}

/// An error given by its code alone (`"QUERY_LIMIT_EXCEEDED"`, with the cloud's status and
/// text) or in full (`{"status": 400, "code": "", "description": "Not found"}`).
fn error_spec<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ApiError>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Spec {
        Code(String),
        Full {
            status: Option<u16>,
            code: String,
            description: Option<String>,
        },
    }
    Ok(match Option::<Spec>::deserialize(d)? {
        None => None,
        Some(Spec::Code(code)) => Some(ApiError::from_code(&code)),
        Some(Spec::Full {
            status,
            code,
            description,
        }) => {
            let known = ApiError::from_code(&code);
            Some(ApiError::new(
                status.unwrap_or(known.status),
                code,
                description.map_or(known.description, Into::into),
            ))
        }
    })
}

/// The identifier of an injected fault, for removing it.
pub type FaultId = u64;

/// The registry of active faults.
#[derive(Default)]
pub(crate) struct Faults {
    inner: Mutex<(FaultId, Vec<(FaultId, Fault)>)>,
}

impl Faults {
    pub(crate) fn add(&self, fault: Fault) -> FaultId {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.0 += 1;
        let id = inner.0;
        inner.1.push((id, fault));
        id
    }

    pub(crate) fn remove(&self, id: FaultId) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let before = inner.1.len();
        inner.1.retain(|(i, _)| *i != id);
        inner.1.len() != before
    }

    pub(crate) fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }

    pub(crate) fn list(&self) -> Vec<(FaultId, Fault)> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// The first fault matching `method`, used up by one call.
    pub(crate) fn take(&self, method: &str) -> Option<Fault> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let faults = &mut inner.1;
        let position = faults.iter().position(|(_, f)| f.matches(method))?;
        let fault = faults[position].1.clone();
        if let Some(times) = &mut faults[position].1.times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                faults.remove(position);
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_match_and_run_out() {
        let faults = Faults::default();
        faults.add(Fault::error("crm.deal.add", ApiError::query_limit()).times(2));
        assert!(faults.take("crm.deal.get").is_none());
        assert!(faults.take("CRM.DEAL.ADD").is_some());
        assert!(faults.take("crm.deal.add").is_some());
        assert!(faults.take("crm.deal.add").is_none());
        let id = faults.add(Fault::latency("*", Duration::from_millis(5)));
        assert!(faults.take("anything").is_some());
        assert!(faults.remove(id));
        assert!(faults.list().is_empty());
    }

    #[test]
    fn json_form_accepts_a_bare_code() {
        let f: Fault =
            serde_json::from_str(r#"{"method":"batch","error":"QUERY_LIMIT_EXCEEDED"}"#).unwrap();
        assert_eq!(f.error.unwrap().status, 503);
        let f: Fault = serde_json::from_str(
            r#"{"method":"crm.deal.get","error":{"code":"","description":"Not found","status":400}}"#,
        )
        .unwrap();
        assert_eq!(f.error.unwrap().description, "Not found");
        let f: Fault = serde_json::from_str(r#"{"method":"x","drop_connection":true}"#).unwrap();
        assert!(f.drop_connection && f.error.is_none());
    }
}
