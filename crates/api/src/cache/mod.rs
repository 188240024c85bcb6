//! The read path's cache: public responses kept rendered (and compressed) in memory, named by
//! the stories, sections, authors, tags and lists inside them, and dropped exactly when a change
//! names one of those keys.
//!
//! A handler opts in by attaching [`CacheKeys`] to its response; the [`layer`] middleware does the
//! rest for every public GET: the strong `ETag`, `304` on `If-None-Match`, `Cache-Control`,
//! `Surrogate-Key`, `Vary`, br/gzip negotiation, and — when the response carries keys — keeping
//! it. Invalidation listens to the change bus (and, on PostgreSQL, to the other nodes through
//! LISTEN/NOTIFY): see [`sync`].

pub(crate) mod encoding;
pub(crate) mod layer;
mod store;
mod sync;

use std::collections::BTreeSet;
use std::time::Duration;

use axum::response::Response;
use dateline_domain::{ArticleId, AuthorId, SectionId, TagId, Timestamp};

use dateline_app::ArticleRecord;
use dateline_app::events::{ChangeKind, ContentChange};

pub use store::{Applied, ResponseCache};
pub(crate) use sync::start as start_sync;

/// How the cache and the HTTP caching headers behave.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// The most bytes of rendered responses kept in memory; zero keeps none (headers still go
    /// out).
    pub capacity_bytes: u64,
    /// `max-age`: how long a browser may reuse a response without asking.
    pub max_age: Duration,
    /// `s-maxage`: how long a shared cache (CDN) may; purge it with `Surrogate-Key`.
    pub s_maxage: Duration,
    /// `stale-while-revalidate`.
    pub stale_while_revalidate: Duration,
    /// `stale-if-error`.
    pub stale_if_error: Duration,
    /// The longest a response showing view counts is kept here (counts change without any
    /// write to announce it).
    pub counts_ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            capacity_bytes: 0,
            max_age: Duration::from_secs(10),
            s_maxage: Duration::from_secs(60),
            stale_while_revalidate: Duration::from_secs(30),
            stale_if_error: Duration::from_secs(86_400),
            counts_ttl: Duration::from_secs(10),
        }
    }
}

/// The list every public story list belongs to: any change in who is public, or in where a
/// story stands in lists, touches it.
const LATEST: &str = "latest";
/// Answers that depend on what any public story says, not only on which stories are public:
/// search matches, related stories, feeds and sitemaps (which carry no per-story keys). Every
/// change to a public story touches it, an edit of its text included.
const ANY_STORY: &str = "stories";
/// The section tree.
const SECTIONS: &str = "sections";

/// What a response shows, as surrogate keys: a story's, section's, author's or tag's id for its
/// data, `latest` and `list:<id>` for list membership. A response carrying this extension is
/// kept by the cache and sent with `Surrogate-Key`.
#[derive(Debug, Clone, Default)]
pub struct CacheKeys {
    keys: BTreeSet<String>,
    /// Kept no longer than this (rankings).
    fresh_for: Option<Duration>,
    /// It shows view counts, which move without any write: kept no longer than the cache's
    /// `counts_ttl`.
    shows_counts: bool,
}

impl CacheKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// The response shows this story's data.
    pub fn story(&mut self, id: ArticleId) -> &mut Self {
        self.keys.insert(id.to_string());
        self
    }

    pub fn section(&mut self, id: SectionId) -> &mut Self {
        self.keys.insert(id.to_string());
        self
    }

    pub fn author(&mut self, id: AuthorId) -> &mut Self {
        self.keys.insert(id.to_string());
        self
    }

    pub fn tag(&mut self, id: TagId) -> &mut Self {
        self.keys.insert(id.to_string());
        self
    }

    /// The response is a list of public stories: `latest`, plus `list:<id>` for each section,
    /// tag or author it is filtered by (pass their ids as text).
    pub fn story_list<'a>(&mut self, filters: impl IntoIterator<Item = &'a str>) -> &mut Self {
        self.keys.insert(LATEST.to_owned());
        for filter in filters {
            self.keys.insert(format!("list:{filter}"));
        }
        self
    }

    /// The response depends on what any public story says (a search, related stories, a feed):
    /// an edit of any public story drops it, even one that moves no story in any list.
    pub fn any_story(&mut self) -> &mut Self {
        self.keys.insert(ANY_STORY.to_owned());
        self
    }

    /// The response is the section tree.
    pub fn section_tree(&mut self) -> &mut Self {
        self.keys.insert(SECTIONS.to_owned());
        self
    }

    /// The response depends on whether the section, tag or author (its id as text) has public
    /// stories, but lists none of them: a tag or author page (absent until its first story is
    /// out).
    pub(crate) fn listed(&mut self, id: &str) -> &mut Self {
        self.keys.insert(format!("list:{id}"));
        self
    }

    /// The response shows the story's comments or their count.
    pub(crate) fn comment_thread(&mut self, article: &str) -> &mut Self {
        self.keys.insert(format!("comments:{article}"));
        self
    }

    /// A key named by its text, for ids met in a rendered answer.
    pub(crate) fn named(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_owned());
        self
    }

    /// The story and everything its presentation shows (section, bylines, tags).
    pub fn record(&mut self, record: &ArticleRecord) -> &mut Self {
        self.story(record.article.id);
        self.section(record.article.section_id);
        for author in &record.authors {
            self.author(author.id);
        }
        for tag in &record.tags {
            self.tag(tag.id);
        }
        self
    }

    /// The response may not be kept longer than `ttl` (it shows counts or rankings that move
    /// without any write).
    pub fn fresh_for(&mut self, ttl: Duration) -> &mut Self {
        self.fresh_for = Some(self.fresh_for.map_or(ttl, |kept| kept.min(ttl)));
        self
    }

    /// The response stops being true at `until` with nothing written (a breaking-news flag
    /// running out): kept no longer than that, and at least a second.
    pub fn fresh_until(&mut self, until: Timestamp, now: Timestamp) -> &mut Self {
        let seconds = until
            .unix_seconds()
            .saturating_sub(now.unix_seconds())
            .max(1);
        self.fresh_for(Duration::from_secs(seconds.unsigned_abs()))
    }

    /// The response shows view counts (kept no longer than the cache's `counts_ttl`).
    pub fn shows_view_counts(&mut self) -> &mut Self {
        self.shows_counts = true;
        self
    }

    /// Puts the keys on a response for the cache layer.
    pub fn attach(&self, response: &mut Response) {
        response.extensions_mut().insert(self.clone());
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(String::as_str)
    }

    /// The longest the response may be kept under these settings.
    pub(crate) fn ttl(&self, settings: &CacheSettings) -> Option<Duration> {
        let counts = self.shows_counts.then_some(settings.counts_ttl);
        match (self.fresh_for, counts) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The keys a change makes stale. A story not yet public (created, submitted) is in no public
/// response, so only its own key goes; any other story change may move it into or out of lists.
pub(crate) fn stale_keys(change: &ContentChange) -> Vec<String> {
    let mut keys = Vec::new();
    if change.kind == ChangeKind::SectionChanged {
        keys.extend(change.sections.iter().map(ToString::to_string));
        keys.push(SECTIONS.to_owned());
        return keys;
    }
    match (change.kind, change.article) {
        // A held comment is in no public answer until an editor approves it.
        (ChangeKind::CommentHeld, _) => return keys,
        // A comment shows on its story's comment list and in GraphQL's commentCount; the story
        // and the lists it is in do not change.
        (ChangeKind::CommentCreated | ChangeKind::CommentChanged, Some(article)) => {
            keys.push(format!("comments:{article}"));
            return keys;
        }
        _ => {}
    }
    if let Some(article) = change.article {
        keys.push(article.to_string());
    }
    if matches!(change.kind, ChangeKind::Created | ChangeKind::Submitted) {
        return keys;
    }
    keys.push(ANY_STORY.to_owned());
    // Every list holds the same stories in the same order: the answers showing this story carry
    // its key, and the rest stand.
    if change.kind == ChangeKind::Updated && change.lists_unchanged {
        return keys;
    }
    keys.push(LATEST.to_owned());
    let filters = change
        .sections
        .iter()
        .map(ToString::to_string)
        .chain(change.tags.iter().map(ToString::to_string))
        .chain(change.authors.iter().map(ToString::to_string));
    keys.extend(filters.map(|id| format!("list:{id}")));
    keys
}

#[cfg(test)]
mod tests {
    use dateline_domain::Timestamp;

    use super::*;

    fn change(kind: ChangeKind) -> ContentChange {
        ContentChange {
            kind,
            article: Some(ArticleId::generate()),
            sections: vec![SectionId::generate()],
            tags: vec![TagId::generate()],
            authors: vec![AuthorId::generate()],
            published_at: None,
            at: Timestamp::parse_rfc3339("2026-12-01T09:00:00+09:00")
                .unwrap_or_else(|_| unreachable!()),
            lists_unchanged: false,
        }
    }

    #[test]
    fn a_draft_change_names_only_its_story() {
        let change = change(ChangeKind::Created);
        assert_eq!(
            stale_keys(&change),
            vec![change.article.map(|id| id.to_string()).unwrap_or_default()]
        );
    }

    #[test]
    fn publishing_names_the_lists_the_story_joins() {
        let change = change(ChangeKind::Published);
        let keys = stale_keys(&change);
        assert!(keys.contains(&LATEST.to_owned()));
        assert!(keys.contains(&format!("list:{}", change.sections[0])));
        assert!(keys.contains(&format!("list:{}", change.tags[0])));
        assert!(keys.contains(&format!("list:{}", change.authors[0])));
        // The section's own data did not change: items merely in that section stay.
        assert!(!keys.contains(&change.sections[0].to_string()));
    }

    #[test]
    fn an_edit_that_moves_no_story_in_any_list_names_the_story_and_text_dependent_answers() {
        let mut change = change(ChangeKind::Updated);
        change.lists_unchanged = true;
        let story = change.article.map(|id| id.to_string()).unwrap_or_default();
        assert_eq!(stale_keys(&change), vec![story, ANY_STORY.to_owned()]);
        change.lists_unchanged = false;
        let keys = stale_keys(&change);
        assert!(keys.contains(&LATEST.to_owned()));
        assert!(keys.contains(&ANY_STORY.to_owned()));
    }

    #[test]
    fn renaming_a_section_names_the_section_and_the_tree() {
        let mut change = change(ChangeKind::SectionChanged);
        change.article = None;
        let keys = stale_keys(&change);
        assert!(keys.contains(&change.sections[0].to_string()));
        assert!(keys.contains(&SECTIONS.to_owned()));
    }
}
