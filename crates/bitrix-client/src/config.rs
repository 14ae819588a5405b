//! Tunables of the client: timeouts, rate limit, operating-time budget and retries.

use std::time::Duration;

/// Connect and request timeouts; both are always set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open the TCP and TLS connection.
    pub connect: Duration,
    /// Time allowed for a whole request, answer included (the cloud cuts requests at 60 s).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(65),
        }
    }
}

/// The portal's request-rate limit as a leaky bucket: `burst` requests at once, draining at
/// `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Bucket size: how many requests may go out back to back.
    pub burst: f64,
    /// Drain rate: sustained requests per second.
    pub per_second: f64,
}

impl RateLimit {
    /// The limit of every plan but Enterprise: 50 at once, 2 per second.
    pub const STANDARD: RateLimit = RateLimit {
        burst: 50.0,
        per_second: 2.0,
    };
    /// The Enterprise plan's limit: 250 at once, 5 per second.
    pub const ENTERPRISE: RateLimit = RateLimit {
        burst: 250.0,
        per_second: 5.0,
    };

    /// A custom limit; values are clamped to at least one request and a positive rate.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: if per_second.is_finite() && per_second > 0.0 {
                per_second
            } else {
                f64::MIN_POSITIVE
            },
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::STANDARD
    }
}

/// The per-method operating-time budget the portal enforces (`time.operating`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingBudget {
    /// Execution time a method may accumulate per 10-minute window (cloud: 480 s).
    pub limit: Duration,
    /// Stop calling the method when this close to the limit.
    pub safety_margin: Duration,
    /// Above this share of the limit, calls to the method are slowed down.
    pub slowdown_from: f64,
    /// The longest slow-down pause before one call.
    pub max_slowdown: Duration,
}

impl Default for OperatingBudget {
    fn default() -> Self {
        Self {
            limit: Duration::from_secs(480),
            safety_margin: Duration::from_secs(5),
            slowdown_from: 0.8,
            max_slowdown: Duration::from_secs(7),
        }
    }
}

/// When and how long to wait before repeating a call.
///
/// Calls rejected before execution are repeated for every method; reads are also repeated
/// after transient failures; writes are never repeated after an ambiguous failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles on each further retry, with jitter.
    pub base_delay: Duration,
    /// Upper bound of one backoff pause.
    pub max_delay: Duration,
    /// The longest the client waits on its own (rate limit, operating budget, retry pause);
    /// when a wait would be longer the error is returned instead.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The pause before retry number `retry` (1-based): exponential, capped, with jitter in
    /// the upper half (so pauses never collapse to zero).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        capped.mul_f64(rand::random_range(0.5..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(policy.backoff(30) <= Duration::from_millis(500));
        }
    }

    #[test]
    fn rate_limit_presets_match_the_portal() {
        assert_eq!(RateLimit::default(), RateLimit::STANDARD);
        assert_eq!(RateLimit::ENTERPRISE.burst, 250.0);
        assert!(RateLimit::new(0, -1.0).per_second > 0.0);
    }
}
