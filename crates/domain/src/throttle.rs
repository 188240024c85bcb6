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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// A limit of `limit` units per `window_seconds`, judged by a sliding window over fixed ones:
/// the previous window's count weighted by how much of it still overlaps the last
/// `window_seconds`, plus the current window's. Counts are additive, so nodes can sum theirs
/// (note 0606); the estimate assumes the previous window's hits were spread evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    pub limit: u32,
    pub window_seconds: i64,
}

impl SlidingWindow {
    /// The start (unix seconds) of the fixed window `now` falls in.
    pub fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_seconds.max(1))
    }

    fn overlap(&self, now: i64) -> f64 {
        let window = self.window_seconds.max(1);
        let elapsed = now.rem_euclid(window);
        #[expect(
            clippy::cast_precision_loss,
            reason = "seconds in a window are far below 2^52"
        )]
        let overlap = 1.0 - elapsed as f64 / window as f64;
        overlap
    }

    /// How many units the last window holds, rounded up.
    pub fn used(&self, previous: u64, current: u64, now: i64) -> u64 {
        #[expect(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "counts are far below 2^52 and the product is non-negative"
        )]
        let weighted = (previous as f64 * self.overlap(now)).ceil() as u64;
        weighted.saturating_add(current)
    }

    /// Whether `units` more fit now.
    pub fn allows(&self, previous: u64, current: u64, units: u32, now: i64) -> bool {
        self.used(previous, current, now)
            .saturating_add(u64::from(units))
            <= u64::from(self.limit)
    }

    /// Units left now.
    pub fn remaining(&self, previous: u64, current: u64, now: i64) -> u32 {
        u32::try_from(u64::from(self.limit).saturating_sub(self.used(previous, current, now)))
            .unwrap_or(0)
    }

    /// Whole seconds until `units` more fit if nothing else is admitted meanwhile (0: now; a
    /// whole window for more units than the limit).
    pub fn wait(&self, previous: u64, current: u64, units: u32, now: i64) -> u64 {
        let window = self.window_seconds.max(1);
        let units = u64::from(units);
        let limit = u64::from(self.limit);
        if units > limit {
            return u64::try_from(window).unwrap_or(60);
        }
        let start = self.window_start(now);
        // The first second, scanning this window and then the next, at which the units fit;
        // at most two windows to scan, and the last second of the next always fits.
        (now..start + 2 * window)
            .find(|&at| {
                let (previous, current) = if at < start + window {
                    (previous, current)
                } else {
                    (current, 0)
                };
                self.used(previous, current, at).saturating_add(units) <= limit
            })
            .map_or(u64::try_from(window).unwrap_or(60), |at| {
                u64::try_from(at - now).unwrap_or(0)
            })
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

    const PER_MINUTE: SlidingWindow = SlidingWindow {
        limit: 60,
        window_seconds: 60,
    };

    #[test]
    fn the_previous_window_counts_by_how_much_of_it_still_overlaps() {
        // A minute's start.
        let start = 1_800_000_000_i64;
        assert_eq!(PER_MINUTE.window_start(start + 59), start);
        assert_eq!(PER_MINUTE.used(60, 0, start), 60);
        assert_eq!(PER_MINUTE.used(60, 0, start + 30), 30);
        assert_eq!(PER_MINUTE.used(60, 10, start + 45), 25);
        assert!(PER_MINUTE.allows(60, 0, 30, start + 30));
        assert!(!PER_MINUTE.allows(60, 0, 31, start + 30));
        assert_eq!(PER_MINUTE.remaining(60, 10, start + 45), 35);
    }

    #[test]
    fn the_wait_is_until_the_units_fit() {
        // A minute's start.
        let start = 1_800_000_000_i64;
        assert_eq!(PER_MINUTE.wait(0, 10, 1, start), 0);
        // A full previous window frees one unit a second.
        assert_eq!(PER_MINUTE.wait(60, 0, 1, start), 1);
        // A full current window waits into the next, until its weight has fallen by one.
        assert_eq!(PER_MINUTE.wait(0, 60, 1, start + 10), 51);
        assert_eq!(PER_MINUTE.wait(0, 0, 61, start), 60);
        // By then the full window is the previous one.
        assert!(PER_MINUTE.allows(60, 0, 1, start + 10 + 51));
        assert!(!PER_MINUTE.allows(60, 0, 1, start + 10 + 50));
    }
}
