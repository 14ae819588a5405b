//! The HTTP client: one place that sends requests, throttles, retries and classifies.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION};
use serde_json::{Value, json};

use crate::api::{BatchCall, BatchOutcome, BitrixApi, CallOutput};
use crate::auth::{Auth, Webhook};
use crate::batch;
use crate::config::{OperatingBudget, RateLimit, RetryPolicy, Timeouts};
use crate::envelope::parse_response;
use crate::error::{ApiFailure, Error, TransportKind};
use crate::methods::{MethodKind, MethodRules};
use crate::throttle::{OperatingDelay, OperatingTracker, OperatingUsage, RateLimiter};

/// The `User-Agent` the client sends.
const USER_AGENT: &str = concat!("bitrix-client-rs/", env!("CARGO_PKG_VERSION"));

/// Checks a REST method name before it goes into a URL path.
pub(crate) fn check_method_name(method: &str) -> Result<(), Error> {
    let ok = !method.is_empty()
        && method.len() <= 200
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && !method.starts_with('.')
        && !method.contains("..");
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRequest(format!(
            "{method:?} is not a REST method name (letters, digits, `.` and `_`)"
        )))
    }
}

/// A Bitrix24 REST client: throttled, retrying, and safe with secrets. Cheap to clone; clones
/// share the connection pool, the rate-limit bucket and the operating-time tracking.
///
/// ```no_run
/// # async fn run() -> Result<(), bitrix_client::Error> {
/// use bitrix_client::{BitrixApi, Client, Webhook};
/// let webhook = Webhook::parse("https://example.bitrix24.ru/rest/1/TOKEN/")?;
/// let client = Client::new(webhook)?;
/// let deal = client.call("crm.deal.get", serde_json::json!({"id": 42})).await?;
/// # let _ = deal; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    auth: Auth,
    limiter: RateLimiter,
    operating: OperatingTracker,
    retry: RetryPolicy,
    rules: MethodRules,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.inner.auth)
            .field("rate_limit", &self.inner.limiter.limit())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with non-default settings.
#[derive(Debug)]
pub struct ClientBuilder {
    auth: Auth,
    timeouts: Timeouts,
    rate_limit: RateLimit,
    limiter: Option<RateLimiter>,
    operating: OperatingBudget,
    retry: RetryPolicy,
    rules: MethodRules,
    root_certificates_pem: Vec<Vec<u8>>,
    built_in_roots: bool,
}

impl ClientBuilder {
    /// Sets the connect and request timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the portal's rate limit (default [`RateLimit::STANDARD`]).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Shares an existing bucket, e.g. between clients of one portal; overrides `rate_limit`.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Sets the per-method operating-time budget.
    pub fn operating_budget(mut self, budget: OperatingBudget) -> Self {
        self.operating = budget;
        self
    }

    /// Sets the retry policy.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the read/write rules (with your overrides).
    pub fn method_rules(mut self, rules: MethodRules) -> Self {
        self.rules = rules;
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the built-in roots (an
    /// on-premise portal with a private CA, or the sandbox's TLS mode).
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Whether to trust the built-in (Mozilla) roots; on by default.
    pub fn built_in_roots(mut self, enabled: bool) -> Self {
        self.built_in_roots = enabled;
        self
    }

    /// Builds the client. Fails on an unreadable certificate bundle or TLS setup error.
    pub fn build(self) -> Result<Client, Error> {
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.timeouts.connect)
            .timeout(self.timeouts.request)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .default_headers(
                [(ACCEPT, HeaderValue::from_static("application/json"))]
                    .into_iter()
                    .collect(),
            )
            .tls_built_in_root_certs(self.built_in_roots);
        for pem in &self.root_certificates_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::InvalidConfig(format!("cannot read the PEM certificate bundle: {e}"))
            })?;
            if certificates.is_empty() {
                return Err(Error::InvalidConfig(
                    "the PEM certificate bundle holds no certificate".to_owned(),
                ));
            }
            for certificate in certificates {
                http = http.add_root_certificate(certificate);
            }
        }
        let http = http
            .build()
            .map_err(|e| Error::InvalidConfig(format!("cannot set up HTTP: {e}")))?;
        if self.auth.is_plain_http_off_loopback() {
            tracing::warn!(
                portal = self.auth.portal(),
                "the webhook uses plain HTTP to a non-loopback host: its token crosses the network unencrypted"
            );
        }
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                limiter: self
                    .limiter
                    .unwrap_or_else(|| RateLimiter::new(self.rate_limit)),
                operating: OperatingTracker::new(self.operating),
                auth: self.auth,
                retry: self.retry,
                rules: self.rules,
            }),
        })
    }
}

/// What to do after a failed attempt.
enum Step {
    Retry(Duration),
    Fail(Error),
}

impl Client {
    /// A client with default settings for an incoming webhook.
    pub fn new(webhook: Webhook) -> Result<Self, Error> {
        Self::builder(webhook).build()
    }

    /// A builder for non-default settings.
    pub fn builder(auth: impl Into<Auth>) -> ClientBuilder {
        ClientBuilder {
            auth: auth.into(),
            timeouts: Timeouts::default(),
            rate_limit: RateLimit::default(),
            limiter: None,
            operating: OperatingBudget::default(),
            retry: RetryPolicy::default(),
            rules: MethodRules::default(),
            root_certificates_pem: Vec::new(),
            built_in_roots: true,
        }
    }

    /// The credentials (their `Debug` is redacted).
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The rate-limit bucket, shared by every clone of this client.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// What the client knows of a method's operating-time budget.
    pub fn operating_usage(&self, method: &str) -> Option<OperatingUsage> {
        self.inner.operating.usage(method)
    }

    /// Whether the client treats `method` as a read or a write.
    pub fn method_kind(&self, method: &str) -> MethodKind {
        self.inner.rules.kind_of(method)
    }

    fn redact(&self, text: &str) -> String {
        self.inner.auth.redact(text).into_owned()
    }

    /// Sends `body` to `method`, throttled, with the retry rules for `kind`.
    async fn execute(
        &self,
        method: &str,
        body: &Value,
        kind: MethodKind,
    ) -> Result<CallOutput, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidRequest(format!("cannot encode the parameters: {e}")))?;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.wait_for_budget(method).await?;
            self.inner.limiter.acquire().await;
            let started = std::time::Instant::now();
            let result = self.send_once(method, bytes.clone()).await;
            tracing::debug!(
                portal = self.inner.auth.portal(),
                user_id = self.inner.auth.user_id(),
                method,
                attempt,
                elapsed_ms = started.elapsed().as_millis() as u64,
                outcome = match &result {
                    Ok(_) => "ok".to_owned(),
                    Err(e) => e.to_string(),
                },
                "Bitrix24 call"
            );
            match result {
                Ok(output) => {
                    if let Some(time) = &output.time {
                        self.inner.operating.record(method, time);
                    }
                    return Ok(output);
                }
                Err(err) => match self.next_step(method, kind, attempt, err) {
                    Step::Retry(pause) => tokio::time::sleep(pause).await,
                    Step::Fail(err) => return Err(err),
                },
            }
        }
    }

    /// Holds a call back while its method's operating budget is low or used up.
    async fn wait_for_budget(&self, method: &str) -> Result<(), Error> {
        match self.inner.operating.delay(method, SystemTime::now()) {
            OperatingDelay::None => Ok(()),
            OperatingDelay::Slowdown(pause) => {
                tokio::time::sleep(pause).await;
                Ok(())
            }
            OperatingDelay::Exhausted { wait, .. } if wait <= self.inner.retry.max_wait => {
                tracing::info!(
                    portal = self.inner.auth.portal(),
                    method,
                    wait_ms = wait.as_millis() as u64,
                    "operating-time budget used up: waiting for the portal's window to roll"
                );
                tokio::time::sleep(wait).await;
                Ok(())
            }
            OperatingDelay::Exhausted { until, .. } => Err(Error::OperationTimeLimit {
                failure: ApiFailure::new(
                    None,
                    "OPERATION_TIME_LIMIT",
                    "the method's operating-time budget is used up (client-side check; not sent)",
                ),
                reset_at: Some(until),
            }),
        }
    }

    /// Applies the retry rules to one failed attempt.
    fn next_step(&self, method: &str, kind: MethodKind, attempt: u32, err: Error) -> Step {
        let err = match err {
            Error::RateLimited { failure, .. } => {
                self.inner.limiter.mark_full();
                let pause = Duration::from_secs_f64(1.0 / self.inner.limiter.limit().per_second)
                    .min(self.inner.retry.max_wait);
                Error::RateLimited {
                    failure,
                    retry_after: Some(pause),
                }
            }
            Error::OperationTimeLimit { failure, .. } => {
                let until = self
                    .inner
                    .operating
                    .record_blocked(method, SystemTime::now());
                Error::OperationTimeLimit {
                    failure,
                    reset_at: Some(until),
                }
            }
            other => other,
        };
        let not_executed = matches!(
            err,
            Error::RateLimited { .. }
                | Error::OperationTimeLimit { .. }
                | Error::Transport {
                    kind: TransportKind::Connect,
                    ..
                }
        );
        let ambiguous = matches!(err, Error::Transport { .. } | Error::Server(_)) && !not_executed;
        if ambiguous && kind == MethodKind::Write {
            return Step::Fail(Error::write_outcome_unknown(method, err.to_string()));
        }
        if !(not_executed || ambiguous) || attempt >= self.inner.retry.max_attempts {
            return Step::Fail(err);
        }
        let pause = self
            .inner
            .retry
            .backoff(attempt)
            .max(err.retry_after().unwrap_or_default());
        if pause > self.inner.retry.max_wait {
            return Step::Fail(err);
        }
        tracing::debug!(
            portal = self.inner.auth.portal(),
            method,
            attempt,
            pause_ms = pause.as_millis() as u64,
            "retrying Bitrix24 call"
        );
        Step::Retry(pause)
    }

    /// One HTTP round trip; every error it returns is free of URLs and secrets.
    async fn send_once(&self, method: &str, body: Vec<u8>) -> Result<CallOutput, Error> {
        let response = self
            .inner
            .http
            .post(self.inner.auth.method_url(method))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_redirection() {
            let new_host = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|location| url::Url::parse(location).ok())
                .and_then(|url| url.host_str().map(str::to_owned))
                .unwrap_or_else(|| "an unknown host".to_owned());
            return Err(Error::PortalMoved { new_host });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        parse_response(method, status.as_u16(), &bytes, &|text| self.redact(text))
    }

    fn transport_error(&self, err: reqwest::Error) -> Error {
        let err = err.without_url();
        let kind = if err.is_connect() {
            TransportKind::Connect
        } else if err.is_timeout() {
            TransportKind::Timeout
        } else {
            TransportKind::Interrupted
        };
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Transport {
            kind,
            detail: self.redact(&detail),
        }
    }
}

#[async_trait]
impl BitrixApi for Client {
    async fn call(&self, method: &str, params: Value) -> Result<CallOutput, Error> {
        check_method_name(method)?;
        let body = match params {
            Value::Null => json!({}),
            Value::Object(_) | Value::Array(_) => params,
            other => {
                return Err(Error::InvalidRequest(format!(
                    "parameters must be a JSON object or array, not {other}"
                )));
            }
        };
        self.execute(method, &body, self.inner.rules.kind_of(method))
            .await
    }

    async fn batch(&self, calls: Vec<BatchCall>, halt: bool) -> Result<BatchOutcome, Error> {
        if calls.is_empty() {
            return Ok(BatchOutcome {
                items: Vec::new(),
                time: None,
            });
        }
        let body = batch::build_body(&calls, halt)?;
        let kind = if calls
            .iter()
            .all(|c| self.inner.rules.kind_of(&c.method) == MethodKind::Read)
        {
            MethodKind::Read
        } else {
            MethodKind::Write
        };
        let output = self.execute("batch", &body, kind).await?;
        let outcome = batch::parse_outcome(&calls, output)?;
        for (call, (_, item)) in calls.iter().zip(&outcome.items) {
            if let crate::api::BatchItem::Ok(CallOutput {
                time: Some(time), ..
            }) = item
            {
                self.inner.operating.record(&call.method, time);
            }
        }
        Ok(outcome)
    }
}
