//! The visibility rule: what the public may see, and when.
//!
//! An article is public when its status is PUBLISHED or SCHEDULED **and** its publication time has
//! come. A scheduled story therefore appears on its own at its time, with no job flipping a flag.
//! Storage mirrors this rule as one SQL predicate built from [`PUBLIC_STATUSES`], so the two
//! cannot drift apart.

use crate::status::Status;
use crate::time::Timestamp;

/// The statuses under which a story may be public (once its time has come).
pub const PUBLIC_STATUSES: [Status; 2] = [Status::Published, Status::Scheduled];

/// Whether a story with this status and publication time is public at `now`.
pub fn is_public(status: Status, published_at: Option<Timestamp>, now: Timestamp) -> bool {
    PUBLIC_STATUSES.contains(&status) && published_at.is_some_and(|at| at <= now)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-30T12:00:00+09:00").unwrap()
    }

    #[test]
    fn a_published_story_is_public_from_its_time() {
        assert!(is_public(Status::Published, Some(now()), now()));
        assert!(is_public(
            Status::Published,
            Some(now().minus(Duration::days(3))),
            now()
        ));
    }

    #[test]
    fn a_scheduled_story_is_invisible_until_its_time_then_public() {
        let at = now().plus(Duration::minutes(10));
        assert!(!is_public(Status::Scheduled, Some(at), now()));
        assert!(!is_public(
            Status::Scheduled,
            Some(at),
            at.minus(Duration::seconds(1))
        ));
        assert!(is_public(Status::Scheduled, Some(at), at));
    }

    #[test]
    fn a_published_story_dated_in_the_future_is_not_yet_public() {
        assert!(!is_public(
            Status::Published,
            Some(now().plus(Duration::seconds(1))),
            now()
        ));
    }

    #[test]
    fn no_other_status_is_ever_public() {
        let past = Some(now().minus(Duration::days(1)));
        for status in [
            Status::Draft,
            Status::Submitted,
            Status::Unpublished,
            Status::Archived,
        ] {
            assert!(!is_public(status, past, now()), "{status:?}");
        }
    }

    #[test]
    fn a_story_without_a_time_is_never_public() {
        assert!(!is_public(Status::Published, None, now()));
    }
}
