//! Time: second-precision timestamps and the clock the rules are judged against.
//!
//! Stored times are whole seconds. News needs no finer grain, and a fixed precision keeps the text
//! form SQLite stores sortable (a fraction that comes and goes would break keyset comparisons).

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::error::ValidationError;

/// A moment, in UTC, to the second.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Truncates `at` to whole seconds.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(0))
    }

    /// Parses an RFC 3339 time with an offset (`2023-07-14T19:45:20+09:00`).
    pub fn parse_rfc3339(input: &str) -> Result<Self, ValidationError> {
        DateTime::parse_from_rfc3339(input.trim())
            .map(|at| Self::from_datetime(at.with_timezone(&Utc)))
            .map_err(|_| {
                ValidationError::new(
                    "time",
                    "expected an RFC 3339 time with offset, e.g. 2023-07-14T19:45:20+09:00",
                )
            })
    }

    /// Seconds since the Unix epoch.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).map(Self)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.timestamp()
    }

    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    pub fn plus(self, duration: Duration) -> Self {
        Self::from_datetime(self.0 + duration)
    }

    pub fn minus(self, duration: Duration) -> Self {
        Self::from_datetime(self.0 - duration)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_rfc3339())
    }
}

/// Stored (inside JSON columns) as Unix seconds.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.unix_seconds())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = i64::deserialize(deserializer)?;
        Timestamp::from_unix_seconds(seconds)
            .ok_or_else(|| serde::de::Error::custom("time out of range"))
    }
}

/// Where "now" comes from. Production reads the system clock; tests move a [`ManualClock`] so
/// that embargoes can be tested without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }
}

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.lock() = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now = now.plus(by);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        // A poisoned lock only means another thread panicked mid-set; the stored time is still a
        // whole value, so carry on with it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_drop_fractions_of_a_second() {
        let at = Timestamp::parse_rfc3339("2023-07-14T19:45:20.987+09:00").unwrap();
        assert_eq!(at.to_string(), "2023-07-14T10:45:20+00:00");
    }

    #[test]
    fn a_time_without_offset_is_refused() {
        assert!(Timestamp::parse_rfc3339("2023-07-14T19:45:20").is_err());
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.now().unix_seconds() - start.unix_seconds(), 300);
    }
}
