//! Starting a sandbox: the builder, the running handle, and the webhook URL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use rand::Rng as _;
use serde_json::Value;

use crate::clock::Clock;
use crate::error::SandboxError;
use crate::faults::{Fault, FaultId};
use crate::limits::Limits;
use crate::portal::Portal;
use crate::seed::Seed;
use crate::stats::StatsSnapshot;
use crate::{persist, seed, server, tls};

/// The webhook URL of a sandbox: `http://127.0.0.1:PORT/rest/1/CODE/`.
///
/// The code is a secret, so `Debug` and `Display` show `***` in its place; use
/// [`WebhookUrl::expose`] to get the real URL.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: String,
    redacted: String,
}

impl WebhookUrl {
    fn new(base: &str, user_id: u64, token: &str) -> Self {
        Self {
            url: format!("{base}/rest/{user_id}/{token}/"),
            redacted: format!("{base}/rest/{user_id}/***/"),
        }
    }

    /// The full URL, secret code included.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WebhookUrl").field(&self.redacted).finish()
    }
}

impl std::fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// Entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the defaults: demo seed, cloud limits, in memory, plain HTTP.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Configuration of a sandbox to start.
#[derive(Debug, Default)]
pub struct SandboxBuilder {
    seed: Seed,
    extra_deals: u32,
    limits: Limits,
    data_file: Option<PathBuf>,
    data_lock_wait: Duration,
    token: Option<String>,
    tls_cert_out: Option<PathBuf>,
    clock: Option<Clock>,
    seed_time: Option<DateTime<FixedOffset>>,
}

impl SandboxBuilder {
    /// What a new portal starts with (ignored when the data file already exists).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Adds `n` generated deals to a new portal, for load tests.
    pub fn extra_deals(mut self, n: u32) -> Self {
        self.extra_deals = n;
        self
    }

    /// Which limits to enforce (cloud by default).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps the data in this JSON file: loaded if it exists (a damaged file is refused
    /// and left untouched), created from the seed otherwise, rewritten after each change.
    pub fn data_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_file = Some(path.into());
        self
    }

    /// How long `start` waits for another sandbox to release the data file (default: not at
    /// all). One sandbox at a time owns a data file; the second fails with
    /// [`SandboxError::DataFileInUse`] once this has passed.
    pub fn data_lock_wait(mut self, wait: Duration) -> Self {
        self.data_lock_wait = wait;
        self
    }

    /// Keeps the data in memory only (the default).
    pub fn in_memory(mut self) -> Self {
        self.data_file = None;
        self
    }

    /// Uses this webhook code instead of the stored or a random one.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Serves HTTPS with a fresh self-signed certificate for `localhost` and `127.0.0.1`,
    /// written as PEM to `cert_out` so that clients can trust it.
    pub fn tls(mut self, cert_out: impl Into<PathBuf>) -> Self {
        self.tls_cert_out = Some(cert_out.into());
        self
    }

    /// Uses this clock (a [`Clock::manual`] makes limit tests instant).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Generates the seed relative to this moment instead of now (fixed test data).
    pub fn seed_time(mut self, at: DateTime<FixedOffset>) -> Self {
        self.seed_time = Some(at);
        self
    }

    /// Loads or seeds the data, binds `addr` (port 0 picks a free port) and serves in the
    /// background on the current Tokio runtime.
    pub async fn start(self, addr: &str) -> Result<RunningSandbox, SandboxError> {
        let socket: SocketAddr = addr
            .parse()
            .map_err(|_| SandboxError::InvalidAddress(addr.to_owned()))?;
        let clock = self.clock.clone().unwrap_or_default();
        let data_lock = match &self.data_file {
            Some(path) => Some(persist::lock_data_file(path, self.data_lock_wait).await?),
            None => None,
        };
        let (mut data, fresh) = match &self.data_file {
            Some(path) => match persist::load(path)? {
                Some(data) => (data, false),
                None => (self.seed_data(&clock), true),
            },
            None => (self.seed_data(&clock), true),
        };
        let token_changed = self.token.as_ref().is_some_and(|t| *t != data.token);
        if let Some(token) = &self.token {
            data.token.clone_from(token);
        }
        if let Some(path) = &self.data_file
            && (fresh || token_changed)
        {
            let bytes = serde_json::to_vec(&data.to_json()).unwrap_or_default();
            persist::write_atomic(path, &bytes)?;
        }
        let bind = |source| SandboxError::Bind {
            addr: addr.to_owned(),
            source,
        };
        let listener = std::net::TcpListener::bind(socket).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let local = listener.local_addr().map_err(bind)?;
        let portal = Arc::new(Portal::new(
            data,
            1,
            clock,
            self.limits,
            self.data_file.clone(),
        ));
        let app =
            server::router(portal.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();
        let (scheme, certificate_pem, task) = match &self.tls_cert_out {
            Some(cert_out) => {
                let material = tls::self_signed()?;
                persist::write_atomic(cert_out, material.cert_pem.as_bytes()).map_err(|e| {
                    let source = match e {
                        SandboxError::WriteDataFile { source, .. } => source,
                        other => std::io::Error::other(other.to_string()),
                    };
                    SandboxError::WriteCertificate {
                        path: cert_out.clone(),
                        source,
                    }
                })?;
                let config = axum_server::tls_rustls::RustlsConfig::from_config(material.config);
                let server = axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
                let task = tokio::spawn(async move {
                    if let Err(e) = server.serve(app).await {
                        tracing::error!(error = %e, "the sandbox server stopped");
                    }
                });
                ("https", Some(material.cert_pem), task)
            }
            None => {
                let server = axum_server::from_tcp(listener).handle(handle.clone());
                let task = tokio::spawn(async move {
                    if let Err(e) = server.serve(app).await {
                        tracing::error!(error = %e, "the sandbox server stopped");
                    }
                });
                ("http", None, task)
            }
        };
        let base_url = format!("{scheme}://{local}");
        let webhook = WebhookUrl::new(&base_url, portal.user_id, portal.token());
        Ok(RunningSandbox {
            local,
            base_url,
            webhook,
            certificate_pem,
            portal,
            handle,
            task: Some(task),
            _data_lock: data_lock,
        })
    }

    fn seed_data(&self, clock: &Clock) -> crate::store::PortalData {
        let token = self.token.clone().unwrap_or_else(random_token);
        let at = self.seed_time.unwrap_or_else(|| clock.portal_now());
        seed::build(self.seed, self.extra_deals, token, at)
    }
}

/// A webhook code like the cloud's: 16 lowercase letters and digits.
fn random_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A sandbox serving in the background. Dropping it stops the server.
pub struct RunningSandbox {
    local: SocketAddr,
    base_url: String,
    webhook: WebhookUrl,
    certificate_pem: Option<String>,
    portal: Arc<Portal>,
    handle: axum_server::Handle,
    task: Option<tokio::task::JoinHandle<()>>,
    /// Held until the sandbox is dropped, after the last write of the data file.
    _data_lock: Option<std::fs::File>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("local", &self.local)
            .field("webhook", &self.webhook)
            .finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// The webhook URL (`http://127.0.0.1:PORT/rest/1/CODE/`, `https` in TLS mode).
    pub fn webhook_url(&self) -> &WebhookUrl {
        &self.webhook
    }

    /// The server's root URL without the webhook path (`http://127.0.0.1:PORT`), where
    /// the control endpoints live under `/sandbox/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The self-signed certificate in PEM form, in TLS mode.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The portal's clock (advance a manual clock through it).
    pub fn clock(&self) -> &Clock {
        &self.portal.clock
    }

    /// The counters of what was served.
    pub fn stats(&self) -> StatsSnapshot {
        self.portal.stats.snapshot()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.portal.stats.reset();
    }

    /// Injects a fault; returns its id for [`RunningSandbox::remove_fault`].
    pub fn add_fault(&self, fault: Fault) -> FaultId {
        self.portal.faults.add(fault)
    }

    /// Removes one fault; `false` when it was already used up or removed.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.portal.faults.remove(id)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.portal.faults.clear();
    }

    /// The whole portal as JSON (the data-file form without the webhook code).
    pub fn data_json(&self) -> Value {
        crate::redacted_snapshot(&self.portal)
    }

    /// Stops accepting requests, lets requests in flight finish (up to 5 s) and waits
    /// for the server to stop.
    pub async fn shutdown(mut self) {
        self.handle.graceful_shutdown(Some(Duration::from_secs(5)));
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.portal.persist().await;
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.handle.shutdown();
        }
    }
}
