//! Articles: the stories a newsroom writes, approves and publishes.

use crate::body::Body;
use crate::error::ValidationError;
use crate::ids::{ArticleId, AuthorId, MediaId, SectionId, TagId, UserId};
use crate::slug::Slug;
use crate::status::Status;
use crate::time::Timestamp;
use crate::visibility;

/// A public note that a published story was corrected (정정보도).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    pub note: String,
    pub corrected_at: Timestamp,
}

/// A story, as stored. Its section, bylines, tags and lead image are referenced by id and
/// loaded in batches by whoever presents the story.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: ArticleId,
    pub slug: Slug,
    pub headline: String,
    pub subheadline: Option<String>,
    pub summary: String,
    pub body: Body,
    /// The body as plain text, derived once when the story is saved.
    pub body_text: String,
    pub section_id: SectionId,
    pub lead_image_id: Option<MediaId>,
    /// The copyright line printed under the story (무단전재 및 재배포 금지).
    pub copyright: String,
    /// The label the body opens with, such as `[데이트라인뉴스]`.
    pub source_label: Option<String>,
    /// Where the story lives on the newsroom's site when that is not the default address.
    pub canonical_url: Option<String>,
    pub status: Status,
    /// The editor's approval (기사승인).
    pub approved_at: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub corrections: Vec<Correction>,
    /// Bumped on every save, for optimistic concurrency.
    pub version: i32,
    /// The desk's mark that the story must never reach a partner in full.
    pub not_for_syndication: bool,
    /// Flagged as breaking news (속보) until then: listed by the breaking-news surfaces and
    /// pushed to their subscribers while the time has not passed.
    pub breaking_until: Option<Timestamp>,
}

/// The longest a story may stay flagged as breaking news: breaking news that lasts longer is
/// the day's news, and a forgotten flag must not linger for a week.
pub const MAX_BREAKING: chrono::Duration = chrono::Duration::hours(48);

impl Article {
    pub fn is_public_at(&self, now: Timestamp) -> bool {
        visibility::is_public(self.status, self.published_at, now)
    }

    /// Whether readers see the story as breaking news now: public, and flagged until later.
    pub fn is_breaking_at(&self, now: Timestamp) -> bool {
        self.is_public_at(now) && self.breaking_until.is_some_and(|until| until > now)
    }

    /// Whether this edit of `before` leaves every public list it could be in as it was, in
    /// membership and order: public before and after, at the same publication time, with a lead
    /// image or without one as before. (The caller compares the sections, tags and byline the
    /// lists filter by.) Only the answers that show the story then change.
    pub fn keeps_list_places(&self, before: &Article, now: Timestamp) -> bool {
        before.is_public_at(now)
            && self.is_public_at(now)
            && self.published_at == before.published_at
            && self.lead_image_id.is_some() == before.lead_image_id.is_some()
            && self.breaking_until == before.breaking_until
    }

    /// The status an editor should see: a scheduled story whose time has come reads as published.
    pub fn status_at(&self, now: Timestamp) -> Status {
        if self.status == Status::Scheduled && self.is_public_at(now) {
            Status::Published
        } else {
            self.status
        }
    }
}

/// Who is answerable for a story in the newsroom: the account that created it and the editor who
/// approved it. Imported stories have neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditorialTrail {
    pub created_by: Option<UserId>,
    pub approved_by: Option<UserId>,
}

/// The slugs a new story may take, best first: its headline's (Hangul kept), then that with a
/// number, and last one made from its id, which is always free.
pub fn slug_candidates(headline: &str, id: ArticleId) -> Vec<Slug> {
    let mut candidates = Vec::new();
    if let Some(base) = Slug::from_title(headline) {
        candidates.push(base.clone());
        candidates.extend((2..=5).map(|n| base.with_suffix(n)));
    }
    candidates.push(Slug::for_story(id));
    candidates
}

/// Which public stories a list holds. Sections include their subsections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub section: Option<SectionId>,
    pub tag: Option<TagId>,
    pub author: Option<AuthorId>,
    /// Only stories with a lead image (photo news).
    pub has_image: bool,
    /// Only stories published at or after this time.
    pub since: Option<Timestamp>,
    /// Only stories in one of these sections or their subsections (a partner's entitlements);
    /// `None` places no limit.
    pub within_sections: Option<Vec<SectionId>>,
}

/// How a reader names one story: by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleKey {
    Id(ArticleId),
    Slug(Slug),
}

impl ArticleKey {
    /// Reads `/articles/{idOrSlug}`: an `art_` prefix means an id, anything else must be a slug.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        if ArticleId::looks_like(input) {
            ArticleId::parse(input).map(Self::Id)
        } else {
            Slug::parse(input).map(Self::Slug)
        }
    }
}

/// A story's canonical address (`rel=canonical`, the `url` of its feeds and JSON-LD): an
/// absolute http(s) URL with a host and no user name or password, kept in its normalised form.
///
/// The normalised form matters as much as the check: the parser percent-encodes `"`, `<`, `>`
/// and spaces and drops tabs and newlines, so what is stored can be written into an attribute,
/// a feed or a `<script>` block as is. Credentials are refused because `https://trusted@evil`
/// reads as the trusted host to a person and goes to the other one.
pub fn parse_canonical_url(text: &str) -> Result<String, ValidationError> {
    let invalid = || ValidationError::new("canonicalUrl", "must be an absolute http(s) URL");
    let url = url::Url::parse(text.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ValidationError::new(
            "canonicalUrl",
            "must not carry a user name or password",
        ));
    }
    Ok(url.into())
}

/// When a breaking-news flag set at `now` may end: after now, and at most [`MAX_BREAKING`] on.
pub fn check_breaking_until(
    until: Timestamp,
    now: Timestamp,
) -> Result<Timestamp, ValidationError> {
    if until <= now {
        return Err(ValidationError::new(
            "breakingUntil",
            "must be a time still to come (clear the flag with null)",
        ));
    }
    if until > now.plus(MAX_BREAKING) {
        return Err(ValidationError::new(
            "breakingUntil",
            "must be at most 48 hours from now",
        ));
    }
    Ok(until)
}

/// A summary made from the body when the desk wrote none: the first sentences, up to about 160
/// characters, cut at a word.
pub fn summary_from_text(body_text: &str) -> String {
    const LIMIT: usize = 160;
    let first = body_text.split("\n\n").next().unwrap_or_default().trim();
    if first.chars().count() <= LIMIT {
        return first.to_owned();
    }
    let cut: String = first.chars().take(LIMIT).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breaking_flag_ends_after_now_and_within_two_days() {
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let in_an_hour = now.plus(chrono::Duration::hours(1));
        assert_eq!(check_breaking_until(in_an_hour, now).unwrap(), in_an_hour);
        assert!(check_breaking_until(now.plus(MAX_BREAKING), now).is_ok());
        for bad in [
            now,
            now.minus(chrono::Duration::minutes(1)),
            now.plus(MAX_BREAKING).plus(chrono::Duration::seconds(1)),
        ] {
            assert_eq!(
                check_breaking_until(bad, now).unwrap_err().field,
                "breakingUntil"
            );
        }
    }

    #[test]
    fn a_canonical_url_must_be_absolute_http_and_is_kept_normalised() {
        assert_eq!(
            parse_canonical_url(" https://news.example/a?b=1 ").unwrap(),
            "https://news.example/a?b=1"
        );
        assert_eq!(
            parse_canonical_url("https://news.example/a\"><script>x</script>").unwrap(),
            "https://news.example/a%22%3E%3Cscript%3Ex%3C/script%3E"
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "/articles/relative",
            "news.example/a",
            "ftp://news.example/a",
            "https://",
            "https://editor:secret@news.example/a",
            "https://news.example@evil.example/a",
        ] {
            assert_eq!(
                parse_canonical_url(bad).unwrap_err().field,
                "canonicalUrl",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_story_is_named_by_id_or_slug() {
        let id = ArticleId::generate();
        assert_eq!(
            ArticleKey::parse(&id.to_string()).unwrap(),
            ArticleKey::Id(id)
        );
        assert!(matches!(
            ArticleKey::parse("부산-트램").unwrap(),
            ArticleKey::Slug(_)
        ));
        assert!(ArticleKey::parse("art_garbage").is_err());
        assert!(ArticleKey::parse("Not A Slug").is_err());
    }

    #[test]
    fn a_korean_headline_gives_readable_slugs_and_an_id_fallback() {
        let id = ArticleId::generate();
        let candidates = slug_candidates("부산시, 수소트램 착공", id);
        assert_eq!(candidates[0].as_str(), "부산시-수소트램-착공");
        assert_eq!(candidates[1].as_str(), "부산시-수소트램-착공-2");
        assert!(candidates.last().unwrap().as_str().starts_with("story-"));
        let only_fallback = slug_candidates("“…!?”", id);
        assert_eq!(only_fallback.len(), 1);
    }

    #[test]
    fn a_short_first_paragraph_is_the_summary() {
        assert_eq!(
            summary_from_text("부산시가 트램을 놓는다.\n\n둘째 문단"),
            "부산시가 트램을 놓는다."
        );
    }

    #[test]
    fn a_long_first_paragraph_is_cut_at_a_word() {
        let text = "가나다라 ".repeat(60);
        let summary = summary_from_text(&text);
        assert!(summary.ends_with('…'));
        assert!(summary.chars().count() <= 161);
        assert!(!summary.contains("가나다라 …"));
    }
}
