//! The cloud's limits: a leaky bucket per client address (503 `QUERY_LIMIT_EXCEEDED`)
//! and a per-method operating-time budget (429 `OPERATION_TIME_LIMIT`).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// The leaky bucket: each request adds 1, the level drains at a fixed rate, and a request
/// arriving while the level is at the bucket size is rejected (and not counted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// The bucket size X (requests that may arrive at once).
    pub burst: u32,
    /// The drain rate Y (requests per second).
    pub drain_per_second: f64,
}

/// The per-method operating-time budget: time spent in one method over a sliding window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperatingLimit {
    /// The budget; a call that finds the method at or over it gets 429.
    pub budget: Duration,
    /// The sliding window (the cloud uses 10 minutes).
    pub window: Duration,
    /// The size of one accounting bucket (the cloud uses 1 minute).
    pub bucket: Duration,
}

impl OperatingLimit {
    /// The cloud's budget: 480 s per 10 minutes in 1-minute buckets.
    pub fn cloud() -> Self {
        Self {
            budget: Duration::from_secs(480),
            window: Duration::from_secs(600),
            bucket: Duration::from_secs(60),
        }
    }
}

/// A complete limit configuration; `None` turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitConfig {
    /// The request-rate limit.
    pub rate: Option<RateLimit>,
    /// The operating-time budget per method.
    pub operating: Option<OperatingLimit>,
}

/// Which limits the portal enforces.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Limits {
    /// Cloud plans: bucket 50, drain 2/s, operating budget 480 s per 10 min.
    #[default]
    Cloud,
    /// Enterprise plans: bucket 250, drain 5/s, the same operating budget.
    Enterprise,
    /// No limits at all (benchmarks, quick local runs).
    Off,
    /// Any other numbers (fast tests of limit handling).
    Custom(LimitConfig),
}

impl Limits {
    /// The numbers behind this choice.
    pub fn config(&self) -> LimitConfig {
        match self {
            Limits::Cloud => LimitConfig {
                rate: Some(RateLimit {
                    burst: 50,
                    drain_per_second: 2.0,
                }),
                operating: Some(OperatingLimit::cloud()),
            },
            Limits::Enterprise => LimitConfig {
                rate: Some(RateLimit {
                    burst: 250,
                    drain_per_second: 5.0,
                }),
                operating: Some(OperatingLimit::cloud()),
            },
            Limits::Off => LimitConfig {
                rate: None,
                operating: None,
            },
            Limits::Custom(config) => *config,
        }
    }
}

impl FromStr for Limits {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cloud" => Ok(Limits::Cloud),
            "enterprise" => Ok(Limits::Enterprise),
            "off" | "none" => Ok(Limits::Off),
            other => Err(format!(
                "unknown limits `{other}` (expected cloud, enterprise or off)"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Duration,
}

/// What the operating accounting says about a method after a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Operating {
    /// Seconds spent in the method within the window.
    pub seconds: f64,
    /// Clock time (since the clock's start) when the oldest bucket leaves the window.
    pub reset_at: Duration,
}

/// The limiter state shared by all requests.
pub(crate) struct Limiter {
    config: LimitConfig,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    operating: Mutex<HashMap<String, VecDeque<(Duration, f64)>>>,
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            config: limits.config(),
            buckets: Mutex::new(HashMap::new()),
            operating: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `ip`; `false` means it is over the rate limit.
    pub(crate) fn admit(&self, ip: IpAddr, now: Duration) -> bool {
        let Some(rate) = self.config.rate else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(ip).or_insert(Bucket {
            level: 0.0,
            at: now,
        });
        let drained = now.saturating_sub(bucket.at).as_secs_f64() * rate.drain_per_second;
        bucket.level = (bucket.level - drained).max(0.0);
        bucket.at = now;
        if bucket.level >= f64::from(rate.burst) {
            return false;
        }
        bucket.level += 1.0;
        true
    }

    fn window(&self) -> (Duration, Duration) {
        let limit = self.config.operating.unwrap_or_else(OperatingLimit::cloud);
        (limit.window, limit.bucket)
    }

    /// Whether `method` may run now (its budget is not used up).
    pub(crate) fn operating_allows(&self, method: &str, now: Duration) -> bool {
        let Some(limit) = self.config.operating else {
            return true;
        };
        self.operating_now(method, now).seconds < limit.budget.as_secs_f64()
    }

    /// The operating state of a method without charging it.
    pub(crate) fn operating_now(&self, method: &str, now: Duration) -> Operating {
        let (window, _) = self.window();
        let mut all = self.operating.lock().unwrap_or_else(|e| e.into_inner());
        match all.get_mut(method) {
            Some(buckets) => summarize(buckets, now, window),
            None => Operating {
                seconds: 0.0,
                reset_at: now + window,
            },
        }
    }

    /// Charges `spent` to `method` and returns the method's operating state.
    pub(crate) fn charge(&self, method: &str, now: Duration, spent: Duration) -> Operating {
        let (window, bucket_len) = self.window();
        let mut all = self.operating.lock().unwrap_or_else(|e| e.into_inner());
        let buckets = all.entry(method.to_owned()).or_default();
        match buckets.back_mut() {
            Some((start, total)) if now < *start + bucket_len => *total += spent.as_secs_f64(),
            _ => buckets.push_back((now, spent.as_secs_f64())),
        }
        summarize(buckets, now, window)
    }
}

fn summarize(
    buckets: &mut VecDeque<(Duration, f64)>,
    now: Duration,
    window: Duration,
) -> Operating {
    while buckets
        .front()
        .is_some_and(|(start, _)| *start + window <= now)
    {
        buckets.pop_front();
    }
    Operating {
        seconds: buckets.iter().map(|(_, s)| s).sum(),
        reset_at: buckets.front().map_or(now, |(start, _)| *start) + window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn custom(burst: u32, drain: f64, budget_ms: u64) -> Limiter {
        Limiter::new(Limits::Custom(LimitConfig {
            rate: Some(RateLimit {
                burst,
                drain_per_second: drain,
            }),
            operating: Some(OperatingLimit {
                budget: Duration::from_millis(budget_ms),
                window: Duration::from_secs(600),
                bucket: Duration::from_secs(60),
            }),
        }))
    }

    #[test]
    fn bucket_allows_burst_then_drains() {
        let l = custom(50, 2.0, 1000);
        let t0 = Duration::from_secs(100);
        assert!((0..50).all(|_| l.admit(IP, t0)));
        assert!(!l.admit(IP, t0), "the 51st request at once is rejected");
        assert!(
            l.admit(IP, t0 + Duration::from_millis(500)),
            "one slot drained"
        );
        assert!(!l.admit(IP, t0 + Duration::from_millis(500)));
        assert!((0..20).all(|_| l.admit(IP, t0 + Duration::from_secs(11))));
    }

    #[test]
    fn off_admits_everything() {
        let l = Limiter::new(Limits::Off);
        assert!((0..10_000).all(|_| l.admit(IP, Duration::ZERO)));
        assert!(l.operating_allows("crm.deal.list", Duration::ZERO));
    }

    #[test]
    fn operating_budget_blocks_the_next_call_and_resets() {
        let l = custom(50, 2.0, 100);
        let t0 = Duration::from_secs(10);
        assert!(l.operating_allows("m", t0));
        let op = l.charge("m", t0, Duration::from_millis(60));
        assert!((op.seconds - 0.06).abs() < 1e-9);
        assert_eq!(op.reset_at, t0 + Duration::from_secs(600));
        assert!(l.operating_allows("m", t0));
        l.charge("m", t0 + Duration::from_secs(30), Duration::from_millis(60));
        assert!(!l.operating_allows("m", t0 + Duration::from_secs(31)));
        assert!(
            l.operating_allows("other", t0),
            "other methods are not affected"
        );
        assert!(
            l.operating_allows("m", t0 + Duration::from_secs(611)),
            "window passed"
        );
    }

    #[test]
    fn limits_parse_from_text() {
        assert_eq!("cloud".parse::<Limits>(), Ok(Limits::Cloud));
        assert_eq!("Enterprise".parse::<Limits>(), Ok(Limits::Enterprise));
        assert_eq!("off".parse::<Limits>(), Ok(Limits::Off));
        assert!("fast".parse::<Limits>().is_err());
    }
}
