//! Login throttling: after too many failed sign-ins within a window, a key (an account or an
//! address) is locked for a while. Only failures count, so a newsroom behind one address can
//! sign in all day while a guesser is slowed to a crawl.

use chrono::Duration;

use crate::time::Timestamp;

/// How many failures a key may have within `window` before it is locked for `lockout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailurePolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lockout: Duration,
}

/// The failures one key has had lately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    count: u32,
    window_start: Timestamp,
    locked_until: Option<Timestamp>,
}

impl Failures {
    pub fn new(now: Timestamp) -> Self {
        Self {
            count: 0,
            window_start: now,
            locked_until: None,
        }
    }

    /// When the key may try again, if it is locked now.
    pub fn locked_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Counts one failure; locks the key when it reaches the policy's limit.
    pub fn record(&mut self, policy: FailurePolicy, now: Timestamp) {
        if now >= self.window_start.plus(policy.window)
            || self.locked_until.is_some_and(|u| u <= now)
        {
            *self = Self::new(now);
        }
        self.count += 1;
        if self.count >= policy.max_failures {
            self.locked_until = Some(now.plus(policy.lockout));
            self.count = 0;
            self.window_start = now;
        }
    }

    /// Whether the entry says nothing any more and can be forgotten.
    pub fn is_stale(&self, policy: FailurePolicy, now: Timestamp) -> bool {
        self.locked_until(now).is_none() && now >= self.window_start.plus(policy.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: FailurePolicy = FailurePolicy {
        max_failures: 3,
        window: Duration::minutes(10),
        lockout: Duration::minutes(5),
    };

    #[test]
    fn a_key_is_locked_after_its_limit_then_released() {
        let start = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let mut failures = Failures::new(start);
        failures.record(POLICY, start);
        failures.record(POLICY, start);
        assert_eq!(failures.locked_until(start), None);
        failures.record(POLICY, start);
        let until = start.plus(Duration::minutes(5));
        assert_eq!(failures.locked_until(start), Some(until));
        assert_eq!(failures.locked_until(until), None);
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let start = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let mut failures = Failures::new(start);
        failures.record(POLICY, start);
        failures.record(POLICY, start);
        let later = start.plus(Duration::minutes(11));
        failures.record(POLICY, later);
        assert_eq!(failures.locked_until(later), None);
        assert!(!failures.is_stale(POLICY, later));
        assert!(failures.is_stale(POLICY, later.plus(Duration::minutes(10))));
    }
}
