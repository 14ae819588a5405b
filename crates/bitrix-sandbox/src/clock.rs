//! The portal's clock: real time, or a manual clock that tests advance by hand.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// The portal's time zone: Moscow time, as a Russian company's portal would use.
pub(crate) const PORTAL_OFFSET_SECS: i32 = 3 * 3600;

/// The portal's fixed UTC offset (+03:00).
pub(crate) fn portal_offset() -> FixedOffset {
    FixedOffset::east_opt(PORTAL_OFFSET_SECS).expect("a valid offset")
}

/// A source of time for limits, timestamps and the `time` block of every answer.
///
/// [`Clock::system`] follows real time. [`Clock::manual`] starts at the current real time
/// and moves only when [`Clock::advance`] is called, so tests of the rate and operating
/// limits run instantly and deterministically. Clones share the same time.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

enum ClockInner {
    System {
        start: Instant,
        start_unix: f64,
    },
    Manual {
        start_unix: f64,
        offset: Mutex<Duration>,
    },
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match *self.inner {
            ClockInner::System { .. } => "system",
            ClockInner::Manual { .. } => "manual",
        };
        f.debug_struct("Clock").field("kind", &kind).finish()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

fn real_unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

impl Clock {
    /// A clock that follows real time.
    pub fn system() -> Self {
        Self {
            inner: Arc::new(ClockInner::System {
                start: Instant::now(),
                start_unix: real_unix_now(),
            }),
        }
    }

    /// A clock frozen at the current real time that moves only through [`Clock::advance`].
    pub fn manual() -> Self {
        Self {
            inner: Arc::new(ClockInner::Manual {
                start_unix: real_unix_now(),
                offset: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// Whether this clock moves only by hand.
    pub fn is_manual(&self) -> bool {
        matches!(*self.inner, ClockInner::Manual { .. })
    }

    /// Moves a manual clock forward; returns `false` (and does nothing) on a system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &*self.inner {
            ClockInner::System { .. } => false,
            ClockInner::Manual { offset, .. } => {
                let mut offset = offset.lock().unwrap_or_else(|e| e.into_inner());
                *offset += by;
                true
            }
        }
    }

    /// Time elapsed since the clock was made (monotonic).
    pub fn elapsed(&self) -> Duration {
        match &*self.inner {
            ClockInner::System { start, .. } => start.elapsed(),
            ClockInner::Manual { offset, .. } => *offset.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// The current UNIX time in seconds, with a fraction.
    pub fn unix_now(&self) -> f64 {
        let start_unix = match &*self.inner {
            ClockInner::System { start_unix, .. } | ClockInner::Manual { start_unix, .. } => {
                *start_unix
            }
        };
        start_unix + self.elapsed().as_secs_f64()
    }

    /// The current time in the portal's time zone, whole seconds.
    pub fn portal_now(&self) -> DateTime<FixedOffset> {
        portal_time(self.unix_now())
    }
}

/// A UNIX time (seconds) as a whole-second date-time in the portal's zone.
pub(crate) fn portal_time(unix: f64) -> DateTime<FixedOffset> {
    let secs = unix.floor() as i64;
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&portal_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        let before = clock.unix_now();
        assert_eq!(clock.unix_now(), before);
        assert!(clock.advance(Duration::from_secs(90)));
        assert!((clock.unix_now() - before - 90.0).abs() < 1e-6);
        assert_eq!(clock.elapsed(), Duration::from_secs(90));
    }

    #[test]
    fn system_clock_cannot_be_advanced() {
        let clock = Clock::system();
        assert!(!clock.advance(Duration::from_secs(1)));
        assert!(!clock.is_manual());
    }

    #[test]
    fn portal_time_uses_moscow_offset() {
        let t = portal_time(0.0);
        assert_eq!(t.to_rfc3339(), "1970-01-01T03:00:00+03:00");
    }
}
