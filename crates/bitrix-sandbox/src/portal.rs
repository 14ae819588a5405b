//! The portal: its data, limits, faults and counters, and the life of one call.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::clock::Clock;
use crate::coerce::format_iso;
use crate::decode::Params;
use crate::envelope::CallTime;
use crate::errors::ApiError;
use crate::faults::Faults;
use crate::limits::{Limiter, Limits};
use crate::methods::{self, Output};
use crate::persist;
use crate::stats::Stats;
use crate::store::PortalData;

/// What one call produced.
pub(crate) struct CallOutcome {
    pub result: Result<Output, ApiError>,
    pub time: CallTime,
    /// Drop the connection instead of answering (an injected fault).
    pub drop_connection: bool,
}

/// The data file and the generation last written to it.
struct DataFile {
    path: PathBuf,
    written: tokio::sync::Mutex<u64>,
}

/// Everything one running portal holds.
pub(crate) struct Portal {
    data: RwLock<PortalData>,
    generation: AtomicU64,
    /// The webhook owner (the `1` in `/rest/1/TOKEN/`).
    pub user_id: u64,
    token: String,
    pub clock: Clock,
    pub limiter: Limiter,
    pub faults: Faults,
    pub stats: Stats,
    data_file: Option<DataFile>,
}

impl Portal {
    pub(crate) fn new(
        data: PortalData,
        user_id: u64,
        clock: Clock,
        limits: Limits,
        data_file: Option<PathBuf>,
    ) -> Self {
        Self {
            token: data.token.clone(),
            data: RwLock::new(data),
            generation: AtomicU64::new(0),
            user_id,
            clock,
            limiter: Limiter::new(limits),
            faults: Faults::default(),
            stats: Stats::default(),
            data_file: data_file.map(|path| DataFile {
                path,
                written: tokio::sync::Mutex::new(0),
            }),
        }
    }

    /// The webhook's secret code.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Shared access to the data.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, PortalData> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access to the data; call [`Portal::touch`] after a change.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, PortalData> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the data as changed, so it is saved after the request.
    pub(crate) fn touch(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current time in the portal's format.
    pub(crate) fn now_iso(&self) -> String {
        format_iso(&self.clock.portal_now())
    }

    /// Checks the user and code of a webhook path.
    pub(crate) fn check_auth(&self, user: &str, token: &str) -> Result<(), ApiError> {
        let token_ok = token.len() == self.token.len()
            && token
                .bytes()
                .zip(self.token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !token_ok {
            return Err(ApiError::no_auth());
        }
        if user.parse::<u64>().ok() != Some(self.user_id) {
            return Err(ApiError::invalid_credentials());
        }
        Ok(())
    }

    /// Runs a top-level call (a `batch` included) with the operating budget, faults,
    /// counters and timing around it.
    pub(crate) async fn run_method(&self, method: &str, params: Params) -> CallOutcome {
        self.instrumented(method, params, false, |params| async move {
            if method == "batch" {
                Ok(crate::batch::execute(self, params).await)
            } else {
                methods::dispatch(self, method, &params).map(|o| (o, false))
            }
        })
        .await
    }

    /// Runs one command inside a batch (a nested `batch` is refused).
    pub(crate) async fn run_command(&self, method: &str, params: Params) -> CallOutcome {
        self.instrumented(method, params, true, |params| async move {
            if method == "batch" {
                Err(ApiError::batch_method_not_allowed())
            } else {
                methods::dispatch(self, method, &params).map(|o| (o, false))
            }
        })
        .await
    }

    async fn instrumented<F, Fut>(
        &self,
        method: &str,
        params: Params,
        in_batch: bool,
        execute: F,
    ) -> CallOutcome
    where
        F: FnOnce(Params) -> Fut,
        Fut: Future<Output = Result<(Output, bool), ApiError>>,
    {
        let start = self.clock.unix_now();
        let started = Instant::now();
        let is_batch = method == "batch" && !in_batch;
        self.stats.count_call(method, in_batch);
        if !is_batch && !self.limiter.operating_allows(method, self.clock.elapsed()) {
            self.stats.update(|s| s.operation_limited += 1);
            let operating = self.limiter.operating_now(method, self.clock.elapsed());
            return CallOutcome {
                result: Err(ApiError::operation_limit()),
                time: self.call_time(start, started, Some(operating)),
                drop_connection: false,
            };
        }
        let fault = self.faults.take(method);
        let mut drop_connection = false;
        let result = match fault {
            Some(f) => {
                self.stats.update(|s| s.faults_injected += 1);
                if f.latency_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
                }
                match f.error {
                    Some(error) => Err(error),
                    None => {
                        drop_connection = f.drop_connection;
                        execute(params).await
                    }
                }
            }
            None => execute(params).await,
        };
        let (result, inner_drop) = match result {
            Ok((output, inner_drop)) => (Ok(output), inner_drop),
            Err(e) => (Err(e), false),
        };
        let operating = (!is_batch).then(|| {
            self.limiter
                .charge(method, self.clock.elapsed(), started.elapsed())
        });
        CallOutcome {
            result,
            time: self.call_time(start, started, operating),
            drop_connection: drop_connection || inner_drop,
        }
    }

    fn call_time(
        &self,
        start: f64,
        started: Instant,
        operating: Option<crate::limits::Operating>,
    ) -> CallTime {
        let processing = started.elapsed().as_secs_f64();
        let finish = if self.clock.is_manual() {
            self.clock.unix_now()
        } else {
            start + processing
        };
        let origin = self.clock.unix_now() - self.clock.elapsed().as_secs_f64();
        CallTime {
            start,
            finish,
            processing,
            operating: operating.map(|op| {
                (
                    op.seconds,
                    (origin + op.reset_at.as_secs_f64()).floor() as i64,
                )
            }),
        }
    }

    /// Writes the data file when something changed since the last write.
    pub(crate) async fn persist(&self) {
        let Some(file) = &self.data_file else {
            return;
        };
        let mut written = file.written.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if generation == *written {
            return;
        }
        let bytes = match serde_json::to_vec(&self.read().to_json()) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise the portal data");
                self.stats.update(|s| s.persist_failures += 1);
                return;
            }
        };
        let path = file.path.clone();
        let outcome = tokio::task::spawn_blocking(move || persist::write_atomic(&path, &bytes))
            .await
            .unwrap_or_else(|e| {
                Err(crate::error::SandboxError::WriteDataFile {
                    path: file.path.clone(),
                    source: std::io::Error::other(e.to_string()),
                })
            });
        match outcome {
            Ok(()) => *written = generation,
            Err(e) => {
                tracing::error!(error = %e, "cannot save the portal data; the change stays in memory");
                self.stats.update(|s| s.persist_failures += 1);
            }
        }
    }

    /// The whole portal in data-file form.
    pub(crate) fn snapshot(&self) -> Value {
        self.read().to_json()
    }
}
