//! Retries with jittered exponential backoff, bounded in count and in total time.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::LlmError;

/// How a failed call is retried.
///
/// Only errors for which [`LlmError::is_retryable`] holds are retried: rate limits
/// (waiting as long as `Retry-After` asks), server failures, timeouts and network errors.
/// `max_elapsed` bounds the whole call, first attempt included: each attempt's timeout is
/// cut to the time left, and a wait that would pass the bound is not started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff before the first retry; it doubles with every further retry.
    pub initial_backoff: Duration,
    /// Upper bound on one backoff (not on a server's `Retry-After`).
    pub max_backoff: Duration,
    /// Upper bound on the whole call, waits and attempts included.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Three retries from 0.5 s up to 8 s, at most 5 minutes in all.
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries, with the given bound on the single attempt.
    pub fn none(max_elapsed: Duration) -> Self {
        Self {
            max_retries: 0,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            max_elapsed,
        }
    }

    /// The jittered backoff before retry number `retry` (0-based).
    ///
    /// The nominal delay `initial_backoff * 2^retry`, capped at `max_backoff`, is drawn
    /// uniformly from its upper half, so clients that failed together spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        let nominal = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff);
        let nanos = u64::try_from(nominal.as_nanos()).unwrap_or(u64::MAX);
        if nanos < 2 {
            return nominal;
        }
        Duration::from_nanos(rand::rng().random_range(nanos / 2..=nanos))
    }

    /// The wait before retry number `retry` after `error`: the server's `Retry-After`
    /// (plus up to 10% jitter) when it gave one, else [`RetryPolicy::backoff`].
    pub fn delay_after(&self, retry: u32, error: &LlmError) -> Duration {
        match error.retry_after() {
            Some(asked) => {
                let extra = u64::try_from(asked.as_millis() / 10).unwrap_or(u64::MAX);
                asked + Duration::from_millis(rand::rng().random_range(0..=extra))
            }
            None => self.backoff(retry),
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's bounds are reached.
///
/// `attempt` gets the timeout it must respect: `request_timeout`, cut to the time left
/// before `deadline`. Returns the last error when giving up.
pub(crate) async fn run_with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    request_timeout: Duration,
    deadline: Instant,
    mut attempt: F,
) -> Result<T, LlmError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<T, LlmError>>,
{
    let mut retry = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match attempt(request_timeout.min(left)).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !error.is_retryable() || retry >= policy.max_retries {
            return Err(error);
        }
        let delay = policy.delay_after(retry, &error);
        let left = deadline.saturating_duration_since(Instant::now());
        if delay >= left {
            tracing::debug!(
                retry,
                delay_ms = delay.as_millis(),
                "not retrying: the wait would pass the time budget"
            );
            return Err(error);
        }
        retry += 1;
        tracing::warn!(
            retry,
            delay_ms = delay.as_millis(),
            error = %error,
            "model call failed; retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::ApiErrorBody;

    fn policy(retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries: retries,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
            max_elapsed: Duration::from_secs(60),
        }
    }

    fn server_error() -> LlmError {
        LlmError::from_api(503, ApiErrorBody::default(), None)
    }

    #[test]
    fn backoff_doubles_within_jitter_and_cap() {
        let p = policy(5);
        for _ in 0..200 {
            let d0 = p.backoff(0);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&d0));
            let d1 = p.backoff(1);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&d1));
            let d9 = p.backoff(9);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&d9));
        }
        assert!(p.backoff(u32::MAX) <= p.max_backoff);
        assert_eq!(
            RetryPolicy::none(Duration::from_secs(1)).backoff(3),
            Duration::ZERO
        );
    }

    #[test]
    fn retry_after_is_honoured_with_a_little_jitter() {
        let p = policy(1);
        let limited = LlmError::RateLimited {
            status: 429,
            api: ApiErrorBody::default(),
            retry_after: Some(Duration::from_secs(3)),
        };
        for _ in 0..100 {
            let d = p.delay_after(0, &limited);
            assert!(
                (Duration::from_secs(3)..=Duration::from_millis(3300)).contains(&d),
                "{d:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_success_and_stops_at_the_count() {
        let calls = AtomicU32::new(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        let result = run_with_retries(&policy(3), Duration::from_secs(5), deadline, |_| async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            if n < 2 { Err(server_error()) } else { Ok(n) }
        })
        .await;
        assert_eq!(result.unwrap(), 2);

        calls.store(0, Ordering::SeqCst);
        let result: Result<(), _> =
            run_with_retries(&policy(2), Duration::from_secs(5), deadline, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(server_error())
            })
            .await;
        assert_eq!(result.unwrap_err().status(), Some(503));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_final_errors() {
        let calls = AtomicU32::new(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        let result: Result<(), _> =
            run_with_retries(&policy(3), Duration::from_secs(5), deadline, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(LlmError::from_api(400, ApiErrorBody::default(), None))
            })
            .await;
        assert!(matches!(result, Err(LlmError::BadRequest { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_time_budget_cuts_timeouts_and_waits() {
        let started = Instant::now();
        let deadline = started + Duration::from_millis(250);
        let mut timeouts = Vec::new();
        let result: Result<(), _> =
            run_with_retries(&policy(10), Duration::from_secs(5), deadline, |timeout| {
                timeouts.push(timeout);
                async move {
                    // An attempt that respects its timeout, as the client's do.
                    tokio::time::sleep(timeout.min(Duration::from_millis(100))).await;
                    Err(server_error())
                }
            })
            .await;
        assert!(result.is_err());
        assert!(Instant::now() - started <= Duration::from_millis(250));
        assert!(timeouts.iter().all(|t| *t <= Duration::from_millis(250)));
        assert!(timeouts.len() < 4, "{timeouts:?}");
    }
}
