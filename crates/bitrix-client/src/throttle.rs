//! Client-side limits: the portal's leaky bucket and the per-method operating-time budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use crate::api::TimeInfo;
use crate::config::{OperatingBudget, RateLimit};

/// How long a method is held back after a 429 when its reset time is unknown.
const UNKNOWN_RESET_HOLD: Duration = Duration::from_secs(60);
/// Extra pause after a known reset time, so the portal's minute bucket has surely rolled.
const RESET_GRACE: Duration = Duration::from_secs(1);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A leaky bucket matching the portal's request-rate limit, shared by every clone.
///
/// Each request adds one to the level; the level drains at [`RateLimit::per_second`]. A request
/// that would lift the level above [`RateLimit::burst`] waits until it fits. Waiting requests
/// reserve their slot at once, so they go out in order, one drain interval apart.
///
/// Clones share one bucket. Give the same limiter to several clients of one portal with
/// `ClientBuilder::rate_limiter`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    state: Arc<Mutex<BucketState>>,
}

#[derive(Debug)]
struct BucketState {
    level: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A new, empty bucket.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            state: Arc::new(Mutex::new(BucketState {
                level: 0.0,
                updated: Instant::now(),
            })),
        }
    }

    /// The limit this bucket enforces.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// The current level: requests sent (or reserved) that have not drained yet.
    pub fn level(&self) -> f64 {
        let mut state = lock(&self.state);
        self.drain(&mut state, Instant::now());
        state.level
    }

    /// True when `other` is the same bucket (a clone of this one).
    pub fn shares_bucket_with(&self, other: &RateLimiter) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }

    /// Waits until one more request fits, and counts it.
    pub async fn acquire(&self) {
        let wait = self.reserve_at(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Counts one request at `now` and returns how long it must wait before going out.
    pub fn reserve_at(&self, now: Instant) -> Duration {
        let mut state = lock(&self.state);
        self.drain(&mut state, now);
        state.level += 1.0;
        let excess = state.level - self.limit.burst;
        if excess > 0.0 {
            Duration::from_secs_f64(excess / self.limit.per_second)
        } else {
            Duration::ZERO
        }
    }

    /// Marks the bucket full after the portal rejected a request for the rate limit.
    pub fn mark_full(&self) {
        let mut state = lock(&self.state);
        self.drain(&mut state, Instant::now());
        state.level = state.level.max(self.limit.burst);
    }

    fn drain(&self, state: &mut BucketState, now: Instant) {
        let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
        state.level = (state.level - elapsed * self.limit.per_second).max(0.0);
        state.updated = state.updated.max(now);
    }
}

/// What the client knows of one method's operating-time budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingUsage {
    /// Execution time the portal has counted for the method in the current window.
    pub operating: Duration,
    /// When the oldest minute of the window drops out (`operating_reset_at`).
    pub reset_at: Option<SystemTime>,
    /// Set after a 429: the method is held back until then.
    pub blocked_until: Option<SystemTime>,
}

/// Per-method operating-time tracking from each response's `time` object.
#[derive(Debug, Clone)]
pub(crate) struct OperatingTracker {
    budget: OperatingBudget,
    methods: Arc<Mutex<HashMap<String, OperatingUsage>>>,
}

impl OperatingTracker {
    pub(crate) fn new(budget: OperatingBudget) -> Self {
        Self {
            budget,
            methods: Arc::default(),
        }
    }

    /// Records the `time` of a successful response of `method`.
    pub(crate) fn record(&self, method: &str, time: &TimeInfo) {
        let Some(operating) = time.operating.filter(|v| v.is_finite() && *v >= 0.0) else {
            return;
        };
        let reset_at = time
            .operating_reset_at
            .filter(|at| *at > 0)
            .map(|at| SystemTime::UNIX_EPOCH + Duration::from_secs(at.unsigned_abs()));
        let mut methods = lock(&self.methods);
        let usage = methods
            .entry(method.to_ascii_lowercase())
            .or_insert(OperatingUsage {
                operating: Duration::ZERO,
                reset_at: None,
                blocked_until: None,
            });
        usage.operating = Duration::from_secs_f64(operating);
        usage.reset_at = reset_at.or(usage.reset_at);
        usage.blocked_until = None;
    }

    /// Records a 429 for `method`; returns when the method is expected to be usable again.
    pub(crate) fn record_blocked(&self, method: &str, now: SystemTime) -> SystemTime {
        let mut methods = lock(&self.methods);
        let usage = methods
            .entry(method.to_ascii_lowercase())
            .or_insert(OperatingUsage {
                operating: self.budget.limit,
                reset_at: None,
                blocked_until: None,
            });
        let until = usage
            .reset_at
            .filter(|at| *at > now)
            .map_or(now + UNKNOWN_RESET_HOLD, |at| at + RESET_GRACE);
        usage.blocked_until = Some(until);
        until
    }

    /// What is known of `method`.
    pub(crate) fn usage(&self, method: &str) -> Option<OperatingUsage> {
        lock(&self.methods)
            .get(&method.to_ascii_lowercase())
            .copied()
    }

    /// How long to hold a call of `method` back at `now`, and until when the budget is
    /// exhausted (when it is).
    pub(crate) fn delay(&self, method: &str, now: SystemTime) -> OperatingDelay {
        let Some(usage) = self.usage(method) else {
            return OperatingDelay::None;
        };
        let until_reset = usage.reset_at.and_then(|at| at.duration_since(now).ok());
        if let Some(until) = usage.blocked_until
            && let Ok(wait) = until.duration_since(now)
        {
            return OperatingDelay::Exhausted { wait, until };
        }
        let limit = self.budget.limit;
        if usage.operating + self.budget.safety_margin >= limit {
            return match until_reset {
                Some(wait) => OperatingDelay::Exhausted {
                    wait: wait + RESET_GRACE,
                    until: now + wait + RESET_GRACE,
                },
                // The window has already rolled (or was never reported): let the portal say.
                None => OperatingDelay::None,
            };
        }
        if usage.operating.as_secs_f64() > limit.as_secs_f64() * self.budget.slowdown_from
            && let Some(until_reset) = until_reset
        {
            return OperatingDelay::Slowdown(
                until_reset.mul_f64(0.01).min(self.budget.max_slowdown),
            );
        }
        OperatingDelay::None
    }
}

/// The outcome of [`OperatingTracker::delay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperatingDelay {
    /// Call now.
    None,
    /// The budget is getting low: pause this long first.
    Slowdown(Duration),
    /// The budget is used up: the method is expected to work again after `wait`.
    Exhausted { wait: Duration, until: SystemTime },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_lets_a_burst_through_then_spaces_requests() {
        let limiter = RateLimiter::new(RateLimit::new(3, 2.0));
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.reserve_at(now), Duration::ZERO);
        }
        assert_eq!(limiter.reserve_at(now), Duration::from_millis(500));
        assert_eq!(limiter.reserve_at(now), Duration::from_millis(1000));
        // Two seconds later four of the five have drained: two slots are free again.
        let later = now + Duration::from_secs(2);
        assert_eq!(limiter.reserve_at(later), Duration::ZERO);
        assert_eq!(limiter.reserve_at(later), Duration::ZERO);
        assert_eq!(limiter.reserve_at(later), Duration::from_millis(500));
    }

    #[test]
    fn clones_share_the_bucket_and_mark_full_fills_it() {
        let limiter = RateLimiter::new(RateLimit::new(10, 0.001));
        let clone = limiter.clone();
        clone.reserve_at(Instant::now());
        limiter.reserve_at(Instant::now());
        assert!(limiter.shares_bucket_with(&clone));
        assert!((limiter.level() - 2.0).abs() < 0.01);
        clone.mark_full();
        assert!(limiter.level() >= 9.99);
        assert!(limiter.reserve_at(Instant::now()) > Duration::from_secs(100));
    }

    fn time(operating: f64, reset_in: i64, now: SystemTime) -> TimeInfo {
        let now_secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        TimeInfo {
            operating: Some(operating),
            operating_reset_at: Some(now_secs + reset_in),
            ..TimeInfo::default()
        }
    }

    #[test]
    fn operating_budget_slows_then_holds_one_method_only() {
        let tracker = OperatingTracker::new(OperatingBudget::default());
        let now = SystemTime::now();
        tracker.record("crm.deal.list", &time(100.0, 300, now));
        assert_eq!(tracker.delay("crm.deal.list", now), OperatingDelay::None);

        tracker.record("crm.deal.list", &time(420.0, 300, now));
        match tracker.delay("CRM.DEAL.LIST", now) {
            OperatingDelay::Slowdown(d) => {
                assert!(
                    d > Duration::from_secs(2) && d <= Duration::from_secs(3),
                    "{d:?}"
                )
            }
            other => panic!("expected a slowdown, got {other:?}"),
        }

        tracker.record("crm.deal.list", &time(478.0, 120, now));
        match tracker.delay("crm.deal.list", now) {
            OperatingDelay::Exhausted { wait, .. } => {
                assert!(wait > Duration::from_secs(119) && wait <= Duration::from_secs(121))
            }
            other => panic!("expected exhaustion, got {other:?}"),
        }
        assert_eq!(tracker.delay("crm.deal.get", now), OperatingDelay::None);
    }

    #[test]
    fn a_429_blocks_until_the_known_reset() {
        let tracker = OperatingTracker::new(OperatingBudget::default());
        let now = SystemTime::now();
        tracker.record("tasks.task.list", &time(10.0, 90, now));
        let until = tracker.record_blocked("tasks.task.list", now);
        let wait = until.duration_since(now).unwrap();
        assert!(wait > Duration::from_secs(89) && wait <= Duration::from_secs(92));
        assert!(matches!(
            tracker.delay("tasks.task.list", now),
            OperatingDelay::Exhausted { .. }
        ));
        let unknown = tracker.record_blocked("im.message.add", now);
        assert_eq!(unknown, now + UNKNOWN_RESET_HOLD);
    }
}
