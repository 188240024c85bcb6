//! Most-viewed rankings: the windows they cover, the hourly buckets views are kept in, and when a
//! reader's repeat visit counts again.
//!
//! Views are kept per story per hour. A window of N hours counts every bucket from the one that
//! started N hours before the current hour's start up to the current one, so it always covers at
//! least N hours and at most N + 1: a one-hour ranking never empties at the top of the hour, and a
//! view 25 hours old is never in the 24-hour ranking.

use std::fmt;

use chrono::{Duration, DurationRound as _};

use crate::error::ValidationError;
use crate::ids::ArticleId;
use crate::time::Timestamp;

/// How far back a ranking looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    Hour,
    Day,
    Week,
    Month,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Hour, Window::Day, Window::Week, Window::Month];
    /// The window a ranking covers when none is asked for.
    pub const DEFAULT: Window = Window::Day;
    /// The longest window: buckets older than it are never read again.
    pub const LONGEST: Window = Window::Month;

    /// The REST name: `1h`, `24h`, `7d`, `30d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Week => "7d",
            Window::Month => "30d",
        }
    }

    /// Parses the REST name.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|window| window.as_str() == input.trim())
            .ok_or_else(|| ValidationError::new("window", "must be one of 1h, 24h, 7d, 30d"))
    }

    /// The nominal length of the window.
    pub fn length(self) -> Duration {
        match self {
            Window::Hour => Duration::hours(1),
            Window::Day => Duration::hours(24),
            Window::Week => Duration::days(7),
            Window::Month => Duration::days(30),
        }
    }

    /// The start of the oldest bucket counted at `now`.
    pub fn first_hour(self, now: Timestamp) -> Timestamp {
        hour_start(now).minus(self.length())
    }

    /// Whether a view in the bucket starting at `hour` counts in this window at `now`.
    pub fn counts(self, hour: Timestamp, now: Timestamp) -> bool {
        hour >= self.first_hour(now) && hour <= hour_start(now)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The start of the hourly bucket `at` falls in.
pub fn hour_start(at: Timestamp) -> Timestamp {
    // Truncating a whole-second UTC time to the hour cannot overflow; keep `at` if it somehow does.
    at.as_datetime()
        .duration_trunc(Duration::hours(1))
        .map_or(at, Timestamp::from_datetime)
}

/// Buckets that started before this are older than the longest window and may be pruned.
pub fn retention_start(now: Timestamp) -> Timestamp {
    Window::LONGEST.first_hour(now)
}

/// A reader counts once per story in this long.
pub const REPEAT_VIEW_PERIOD: Duration = Duration::minutes(30);

/// Whether a reader last counted for a story at `last_counted` counts again at `now`.
pub fn counts_again(last_counted: Timestamp, now: Timestamp) -> bool {
    now >= last_counted.plus(REPEAT_VIEW_PERIOD)
}

/// The longest first-party reader id a front end may send, in characters.
pub const MAX_READER_ID_CHARS: usize = 200;

/// Checks a reader id a front end sent with a view: 1–200 characters, no control characters.
pub fn parse_reader_id(input: &str) -> Result<&str, ValidationError> {
    let count = input.chars().count();
    if count == 0 || count > MAX_READER_ID_CHARS || input.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "readerId",
            format!("must be 1–{MAX_READER_ID_CHARS} characters without control characters"),
        ));
    }
    Ok(input)
}

/// A view a node counted, to be confirmed against every node's: the story, an opaque key of its
/// reader (the same on every node), and when it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewClaim {
    pub article: ArticleId,
    pub reader: u64,
    pub at: Timestamp,
}

/// Views of one story in one hourly bucket, to be added to what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewTally {
    pub article: ArticleId,
    /// The start of the bucket's hour.
    pub hour: Timestamp,
    pub views: u64,
}

/// A story's place in a ranking: how many views it had in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankedArticle {
    pub article: ArticleId,
    pub views: u64,
}

/// How many stories a ranking lists: 1–100, 10 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankingSize(u8);

impl RankingSize {
    pub const DEFAULT: RankingSize = RankingSize(10);
    pub const MAX: u8 = 100;

    pub fn parse(requested: Option<i64>) -> Result<Self, ValidationError> {
        match requested {
            None => Ok(Self::DEFAULT),
            Some(n) => u8::try_from(n)
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
                .map(Self)
                .ok_or_else(|| {
                    ValidationError::new("limit", format!("must be between 1 and {}", Self::MAX))
                }),
        }
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn windows_round_trip_through_their_rest_names() {
        for window in Window::ALL {
            assert_eq!(Window::parse(window.as_str()).unwrap(), window);
        }
        assert_eq!(Window::parse("24h").unwrap(), Window::Day);
        assert_eq!(Window::parse(" 7d ").unwrap(), Window::Week);
    }

    #[test]
    fn unknown_window_names_are_refused_against_the_window_field() {
        for bad in ["", "1d", "24", "day", "2h", "30D"] {
            assert_eq!(Window::parse(bad).unwrap_err().field, "window", "{bad}");
        }
    }

    #[test]
    fn a_bucket_starts_at_the_top_of_its_hour() {
        assert_eq!(
            hour_start(at("2026-11-30T09:59:59+09:00")),
            at("2026-11-30T09:00:00+09:00")
        );
        assert_eq!(
            hour_start(at("2026-11-30T09:00:00+09:00")),
            at("2026-11-30T09:00:00+09:00")
        );
        // Half-hour zones still bucket by UTC hours.
        assert_eq!(
            hour_start(at("2026-11-30T09:40:00+05:30")),
            at("2026-11-30T04:00:00Z")
        );
    }

    #[test]
    fn a_window_reaches_back_its_length_from_the_start_of_the_current_hour() {
        let now = at("2026-11-30T09:20:00Z");
        assert_eq!(Window::Hour.first_hour(now), at("2026-11-30T08:00:00Z"));
        assert_eq!(Window::Day.first_hour(now), at("2026-11-29T09:00:00Z"));
        assert_eq!(Window::Week.first_hour(now), at("2026-11-23T09:00:00Z"));
        assert_eq!(Window::Month.first_hour(now), at("2026-10-31T09:00:00Z"));
    }

    #[test]
    fn a_view_25_hours_ago_is_in_7d_but_not_in_24h() {
        for now in [
            at("2026-11-30T09:00:00Z"),
            at("2026-11-30T09:00:01Z"),
            at("2026-11-30T09:30:00Z"),
            at("2026-11-30T09:59:59Z"),
        ] {
            let bucket = hour_start(now.minus(Duration::hours(25)));
            assert!(!Window::Day.counts(bucket, now), "at {now}");
            assert!(Window::Week.counts(bucket, now), "at {now}");
            assert!(Window::Month.counts(bucket, now), "at {now}");
        }
    }

    #[test]
    fn window_edges_are_exact_to_the_bucket() {
        let now = at("2026-11-30T09:30:00Z");
        // The oldest bucket counted, and the one before it.
        assert!(Window::Day.counts(at("2026-11-29T09:00:00Z"), now));
        assert!(!Window::Day.counts(at("2026-11-29T08:00:00Z"), now));
        // A view 23 hours 59 minutes ago always counts in 24h.
        assert!(Window::Day.counts(hour_start(now.minus(Duration::minutes(23 * 60 + 59))), now));
        // The current hour counts; a bucket from the future does not.
        assert!(Window::Hour.counts(at("2026-11-30T09:00:00Z"), now));
        assert!(Window::Hour.counts(at("2026-11-30T08:00:00Z"), now));
        assert!(!Window::Hour.counts(at("2026-11-30T07:00:00Z"), now));
        assert!(!Window::Hour.counts(at("2026-11-30T10:00:00Z"), now));
        // 7d and 30d.
        assert!(Window::Week.counts(at("2026-11-23T09:00:00Z"), now));
        assert!(!Window::Week.counts(at("2026-11-23T08:00:00Z"), now));
        assert!(Window::Month.counts(at("2026-10-31T09:00:00Z"), now));
        assert!(!Window::Month.counts(at("2026-10-31T08:00:00Z"), now));
    }

    #[test]
    fn buckets_before_the_longest_window_are_past_retention() {
        let now = at("2026-11-30T09:30:00Z");
        assert_eq!(retention_start(now), Window::Month.first_hour(now));
        for window in Window::ALL {
            assert!(window.first_hour(now) >= retention_start(now));
        }
    }

    #[test]
    fn a_reader_counts_again_only_after_thirty_minutes() {
        let first = at("2026-11-30T09:00:00Z");
        assert!(!counts_again(first, first));
        assert!(!counts_again(first, first.plus(Duration::minutes(29))));
        assert!(!counts_again(
            first,
            first.plus(Duration::seconds(30 * 60 - 1))
        ));
        assert!(counts_again(first, first.plus(Duration::minutes(30))));
        assert!(counts_again(first, first.plus(Duration::hours(5))));
    }

    #[test]
    fn reader_ids_are_short_printable_text() {
        assert_eq!(parse_reader_id("r-123e4567").unwrap(), "r-123e4567");
        assert!(parse_reader_id(&"가".repeat(200)).is_ok());
        for bad in ["", "a\nb", "\u{0}"] {
            assert_eq!(
                parse_reader_id(bad).unwrap_err().field,
                "readerId",
                "{bad:?}"
            );
        }
        assert!(parse_reader_id(&"x".repeat(201)).is_err());
    }

    #[test]
    fn ranking_size_defaults_to_ten_and_stays_in_bounds() {
        assert_eq!(RankingSize::parse(None).unwrap().get(), 10);
        assert_eq!(RankingSize::parse(Some(1)).unwrap().get(), 1);
        assert_eq!(RankingSize::parse(Some(100)).unwrap().get(), 100);
        for bad in [0, -1, 101, 256, 100_000] {
            assert_eq!(RankingSize::parse(Some(bad)).unwrap_err().field, "limit");
        }
    }
}
