//! Counters of what the portal served, for `GET /sandbox/stats` and the library API.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A copy of the portal's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// HTTP requests to `/rest/` (a batch is one request), rejected ones included.
    pub requests: u64,
    /// Authenticated top-level calls by method name (lowercase), `batch` included.
    pub by_method: BTreeMap<String, u64>,
    /// Commands run inside batches, by method name.
    pub batch_commands: BTreeMap<String, u64>,
    /// Requests rejected by the leaky bucket (503 `QUERY_LIMIT_EXCEEDED`).
    pub rate_limited: u64,
    /// Calls rejected by the operating budget (429 `OPERATION_TIME_LIMIT`).
    pub operation_limited: u64,
    /// Requests rejected for a wrong token or user (401).
    pub auth_failures: u64,
    /// Calls answered by an injected fault.
    pub faults_injected: u64,
    /// Connections dropped by an injected fault.
    pub connections_dropped: u64,
    /// Data-file writes that failed (the change stayed in memory).
    pub persist_failures: u64,
}

impl StatsSnapshot {
    /// How many top-level calls of one method were served.
    pub fn calls(&self, method: &str) -> u64 {
        self.by_method
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }
}

/// The live counters.
#[derive(Default)]
pub(crate) struct Stats(Mutex<StatsSnapshot>);

impl Stats {
    pub(crate) fn update(&self, change: impl FnOnce(&mut StatsSnapshot)) {
        change(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub(crate) fn count_call(&self, method: &str, in_batch: bool) {
        self.update(|s| {
            let map = if in_batch {
                &mut s.batch_commands
            } else {
                &mut s.by_method
            };
            match map.get_mut(method) {
                Some(n) => *n += 1,
                None => {
                    map.insert(method.to_owned(), 1);
                }
            }
        });
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn reset(&self) {
        self.update(|s| *s = StatsSnapshot::default());
    }
}
