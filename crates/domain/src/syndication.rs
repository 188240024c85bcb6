//! Syndication: partners with section entitlements, rights and a rate limit; what a partner may
//! receive of a story; the change feed's events and cursor; webhook subscriptions.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::destination::DestinationPolicy;
use crate::error::ValidationError;
use crate::ids::{ArticleId, CommentId, PartnerId, SectionId, WebhookId};
use crate::section::{Section, lineage};
use crate::text::Text;
use crate::time::Timestamp;

/// How much of a story a partner may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rights {
    /// Headline, summary, image and link: never the body.
    Summary,
    /// The whole story, unless the desk marked it not for syndication.
    Full,
}

impl Rights {
    pub fn as_str(self) -> &'static str {
        match self {
            Rights::Summary => "summary",
            Rights::Full => "full",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input {
            "summary" => Ok(Rights::Summary),
            "full" => Ok(Rights::Full),
            _ => Err(ValidationError::new("rights", "must be summary or full")),
        }
    }

    /// The rights a partner actually gets for one story: a story the desk marked not for
    /// syndication goes out as a summary whatever the contract says.
    pub fn for_story(self, not_for_syndication: bool) -> Rights {
        if not_for_syndication {
            Rights::Summary
        } else {
            self
        }
    }
}

/// A site or aggregator that takes the newsroom's stories with an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    /// The sections (with their subsections) the partner may take stories from.
    pub sections: Vec<SectionId>,
    pub rights: Rights,
    pub rate_limit_per_minute: u32,
    /// The key's first characters, so an admin can tell keys apart; the key itself is kept only
    /// as a hash.
    pub key_prefix: String,
    pub created_at: Timestamp,
}

impl Partner {
    /// Whether the partner may have a story filed in `section`: the section or one of its
    /// parents is among the partner's (a desk's subsections come with it).
    pub fn is_entitled_to(&self, section: SectionId, all: &[Section]) -> bool {
        lineage(section, all)
            .iter()
            .any(|filed| self.sections.contains(filed))
    }
}

/// The most requests per minute a partner's limit may be set to.
pub const MAX_PARTNER_RATE_PER_MINUTE: u32 = 100_000;

/// Checks a partner's name and rate limit as an admin entered them.
pub fn validate_partner(name: &str, rate_limit_per_minute: i64) -> Result<u32, ValidationError> {
    Text::parse("name", name)?;
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ValidationError::new("name", "must be 1 to 200 characters"));
    }
    u32::try_from(rate_limit_per_minute)
        .ok()
        .filter(|rate| (1..=MAX_PARTNER_RATE_PER_MINUTE).contains(rate))
        .ok_or_else(|| {
            ValidationError::new(
                "rateLimitPerMinute",
                format!("must be between 1 and {MAX_PARTNER_RATE_PER_MINUTE}"),
            )
        })
}

/// One story served to a partner, for the usage report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub partner: PartnerId,
    pub article: ArticleId,
    pub at: Timestamp,
    pub rights: Rights,
}

/// A calendar month (`2026-12`) in UTC, for usage reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("month", "must be a month like 2026-12");
        let (year, month) = input.split_once('-').ok_or_else(invalid)?;
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let month: u32 = month.parse().map_err(|_| invalid())?;
        if year.to_string().len() != 4 || !(1..=12).contains(&month) {
            return Err(invalid());
        }
        Ok(Self { year, month })
    }

    /// The month `at` falls in, in UTC.
    pub fn of(at: Timestamp) -> Self {
        use chrono::Datelike as _;
        let date = at.as_datetime();
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month's first instant and the next month's first instant.
    pub fn bounds(self) -> Option<(Timestamp, Timestamp)> {
        let start = chrono::NaiveDate::from_ymd_opt(self.year, self.month, 1)?;
        let end = if self.month == 12 {
            chrono::NaiveDate::from_ymd_opt(self.year + 1, 1, 1)?
        } else {
            chrono::NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)?
        };
        let at = |date: chrono::NaiveDate| {
            date.and_hms_opt(0, 0, 0)
                .map(|naive| Timestamp::from_datetime(naive.and_utc()))
        };
        Some((at(start)?, at(end)?))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// What happened to a story (or, later, to a comment), as the change feed and webhooks name it.
/// Stored as its name, so new kinds need no schema change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangeEventKind(String);

impl ChangeEventKind {
    pub const PUBLISHED: &'static str = "article.published";
    pub const UPDATED: &'static str = "article.updated";
    pub const UNPUBLISHED: &'static str = "article.unpublished";
    pub const DELETED: &'static str = "article.deleted";
    /// A reader's comment went up (visible at once).
    pub const COMMENT_CREATED: &'static str = "comment.created";
    /// A comment was held for an editor (a pre-moderated desk or a banned word). Webhooks only:
    /// the public change feed leaves it out, as readers cannot see the comment.
    pub const COMMENT_HELD: &'static str = "comment.held";

    /// The story kinds the change feed and webhooks know today.
    pub const ARTICLE_KINDS: [&'static str; 4] = [
        Self::PUBLISHED,
        Self::UPDATED,
        Self::UNPUBLISHED,
        Self::DELETED,
    ];

    pub fn published() -> Self {
        Self(Self::PUBLISHED.into())
    }

    pub fn updated() -> Self {
        Self(Self::UPDATED.into())
    }

    pub fn unpublished() -> Self {
        Self(Self::UNPUBLISHED.into())
    }

    pub fn deleted() -> Self {
        Self(Self::DELETED.into())
    }

    pub fn comment_created() -> Self {
        Self(Self::COMMENT_CREATED.into())
    }

    pub fn comment_held() -> Self {
        Self(Self::COMMENT_HELD.into())
    }

    /// A kind read back from storage or named by a client: `area.what`, lower case.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let valid = input.split_once('.').is_some_and(|(area, what)| {
            !area.is_empty()
                && !what.is_empty()
                && input
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
        });
        if valid {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValidationError::new(
                "events",
                format!("{input:?} is not an event name like article.published"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChangeEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of the change feed, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// The order events were written in.
    pub seq: i64,
    pub kind: ChangeEventKind,
    pub article: ArticleId,
    /// The comment a `comment.*` event is about.
    pub comment: Option<CommentId>,
    /// When the event may be seen: the write's time, or for a story scheduled ahead, the time it
    /// goes public.
    pub visible_at: Timestamp,
    pub recorded_at: Timestamp,
    /// Its place in the feed, in the order events became visible and committed (decision 0601).
    pub position: i64,
}

/// A position in the change feed: the feed continues with the events after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeCursor {
    /// After the event at this feed position.
    After(i64),
    /// A cursor issued before events had positions: after (visible_at, seq) in the order the
    /// feed was listed in then. Still read, so a mirror keeps its place across the upgrade.
    Legacy { visible_at: Timestamp, seq: i64 },
}

const CHANGE_CURSOR_VERSION: &str = "c2";
const LEGACY_CHANGE_CURSOR_VERSION: &str = "c1";

impl ChangeCursor {
    pub fn encode(&self) -> String {
        let text = match self {
            Self::After(position) => format!("{CHANGE_CURSOR_VERSION}:{position}"),
            Self::Legacy { visible_at, seq } => format!(
                "{LEGACY_CHANGE_CURSOR_VERSION}:{}:{seq}",
                visible_at.unix_seconds()
            ),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A cursor a client sent in `field` (`since` on the feed, the event id on the stream).
    pub fn decode(field: &str, input: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new(field, "not a change cursor this API issued");
        let bytes = URL_SAFE_NO_PAD.decode(input).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            [CHANGE_CURSOR_VERSION, position] => {
                Ok(Self::After(position.parse().map_err(|_| invalid())?))
            }
            [LEGACY_CHANGE_CURSOR_VERSION, seconds, seq] => {
                let seconds: i64 = seconds.parse().map_err(|_| invalid())?;
                Ok(Self::Legacy {
                    visible_at: Timestamp::from_unix_seconds(seconds).ok_or_else(invalid)?,
                    seq: seq.parse().map_err(|_| invalid())?,
                })
            }
            _ => Err(invalid()),
        }
    }
}

/// An endpoint an admin registered to be told of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: url::Url,
    pub events: Vec<ChangeEventKind>,
    pub secret: String,
    pub created_at: Timestamp,
}

/// Checks a webhook registration: a URL the destination policy takes (https, not a non-public
/// address), known event names, a secret of some length.
pub fn validate_webhook(
    url: &str,
    events: &[String],
    secret: &str,
    policy: DestinationPolicy,
) -> Result<(url::Url, Vec<ChangeEventKind>), ValidationError> {
    let url = webhook_url(url, policy)?;
    let events = webhook_events(events)?;
    webhook_secret(secret)?;
    Ok((url, events))
}

/// Where a webhook's deliveries go: http(s), and a destination the policy takes.
pub fn webhook_url(url: &str, policy: DestinationPolicy) -> Result<url::Url, ValidationError> {
    let url = url::Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| ValidationError::new("url", "must be an http or https URL"))?;
    policy.check_url(&url)?;
    Ok(url)
}

/// The events a webhook wants: at least one, each a known name, each once.
pub fn webhook_events(events: &[String]) -> Result<Vec<ChangeEventKind>, ValidationError> {
    if events.is_empty() {
        return Err(ValidationError::new("events", "name at least one event"));
    }
    let mut kinds = Vec::with_capacity(events.len());
    for event in events {
        let kind = ChangeEventKind::parse(event)?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// A webhook's signing secret: stored and used on every delivery, so text that can be stored
/// (a NUL cannot) and long enough not to be guessed.
pub fn webhook_secret(secret: &str) -> Result<(), ValidationError> {
    Text::parse("secret", secret)?;
    if secret.chars().count() < 16 {
        return Err(ValidationError::new(
            "secret",
            "must be at least 16 characters",
        ));
    }
    Ok(())
}

/// How long to wait before the delivery attempt after `attempts` failed ones: exponential from
/// ten seconds, capped at an hour. `jitter` (0–1) spreads retries so receivers that come back are
/// not hit by every delivery at once.
pub fn retry_delay(attempts: u32, jitter: f64) -> chrono::Duration {
    let base = 10_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(12));
    let capped = base.min(3_600);
    let spread = (capped as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as i64;
    chrono::Duration::seconds(capped + spread)
}

/// After this many failed attempts a delivery is given up and marked failed.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_not_for_syndication_goes_out_as_a_summary() {
        assert_eq!(Rights::Full.for_story(false), Rights::Full);
        assert_eq!(Rights::Full.for_story(true), Rights::Summary);
        assert_eq!(Rights::Summary.for_story(false), Rights::Summary);
        assert!(Rights::parse("everything").is_err());
    }

    #[test]
    fn a_partner_of_a_desk_is_entitled_to_its_subsections_not_its_parent() {
        let desk = |slug: &str, parent: Option<SectionId>| Section {
            id: SectionId::generate(),
            slug: crate::Slug::parse(slug).unwrap(),
            name: slug.to_owned(),
            description: None,
            parent_id: parent,
            position: 0,
        };
        let news = desk("news", None);
        let politics = desk("politics", Some(news.id));
        let sports = desk("sports", None);
        let all = vec![news.clone(), politics.clone(), sports.clone()];
        let partner = |sections: Vec<SectionId>| Partner {
            id: PartnerId::generate(),
            name: "연합".into(),
            sections,
            rights: Rights::Full,
            rate_limit_per_minute: 60,
            key_prefix: "dlk_abcd".into(),
            created_at: Timestamp::from_unix_seconds(0).unwrap(),
        };
        let of_news = partner(vec![news.id]);
        assert!(of_news.is_entitled_to(news.id, &all));
        assert!(of_news.is_entitled_to(politics.id, &all));
        assert!(!of_news.is_entitled_to(sports.id, &all));
        let of_politics = partner(vec![politics.id]);
        assert!(of_politics.is_entitled_to(politics.id, &all));
        assert!(!of_politics.is_entitled_to(news.id, &all));
    }

    #[test]
    fn a_rate_limit_must_be_positive_and_bounded() {
        assert_eq!(validate_partner("연합", 60).unwrap(), 60);
        assert!(validate_partner("연합", 0).is_err());
        assert!(validate_partner(" ", 60).is_err());
        assert!(validate_partner("연합", 1_000_000).is_err());
    }

    #[test]
    fn a_month_covers_its_days() {
        let (start, end) = Month::parse("2026-12").unwrap().bounds().unwrap();
        assert_eq!(
            start.as_datetime().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(end.as_datetime().to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("26-1").is_err());
    }

    #[test]
    fn a_change_cursor_round_trips() {
        for cursor in [
            ChangeCursor::After(42),
            ChangeCursor::Legacy {
                visible_at: Timestamp::from_unix_seconds(1_800_000_000).unwrap(),
                seq: 42,
            },
        ] {
            assert_eq!(
                ChangeCursor::decode("since", &cursor.encode()).unwrap(),
                cursor
            );
        }
        assert!(ChangeCursor::decode("since", "garbage").is_err());
        assert!(ChangeCursor::decode("since", &URL_SAFE_NO_PAD.encode("c2:x")).is_err());
    }

    #[test]
    fn event_names_can_grow() {
        assert!(ChangeEventKind::parse("comment.created").is_ok());
        assert!(ChangeEventKind::parse("Article.Published").is_err());
        assert!(ChangeEventKind::parse("published").is_err());
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(retry_delay(1, 0.0).num_seconds(), 10);
        assert_eq!(retry_delay(2, 0.0).num_seconds(), 20);
        assert_eq!(retry_delay(3, 0.0).num_seconds(), 40);
        assert_eq!(retry_delay(20, 0.0).num_seconds(), 3_600);
        assert!(retry_delay(3, 1.0).num_seconds() > 40);
    }

    #[test]
    fn a_webhook_needs_a_web_url_known_events_and_a_secret() {
        let events = vec!["article.published".to_owned()];
        assert!(
            validate_webhook(
                "https://partner.example/hook",
                &events,
                "s3cret-s3cret-s3cret",
                DestinationPolicy::default(),
            )
            .is_ok()
        );
        assert!(
            validate_webhook(
                "ftp://partner.example",
                &events,
                "s3cret-s3cret-s3cret",
                DestinationPolicy::default()
            )
            .is_err()
        );
        assert!(
            validate_webhook(
                "https://partner.example",
                &[],
                "s3cret-s3cret-s3cret",
                DestinationPolicy::default()
            )
            .is_err()
        );
        assert!(
            validate_webhook(
                "https://partner.example",
                &events,
                "short",
                DestinationPolicy::default()
            )
            .is_err()
        );
    }
}
