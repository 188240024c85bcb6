//! Syndication formats: the stories a feed carries, rendered as RSS 2.0 with Media RSS, Atom 1.0
//! and JSON Feed 1.1; sitemaps for search engines; schema.org JSON-LD and IPTC ninjs documents.
//!
//! Everything here is a pure rendering of values the service layer has already chosen (public
//! stories, cut down to what the audience may see); nothing here reads the database.

pub mod atom;
pub mod json_feed;
pub mod rss;
pub mod sitemap;

use chrono::{DateTime, FixedOffset};
use dateline_domain::text::into_xml_safe;

/// Plain text as HTML that shows exactly that text: for the feed elements readers render as
/// HTML (RSS `<description>`), which must never carry a story's text as markup.
pub(crate) fn text_as_html(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// A feed, ready to render in any of the three formats.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The newsroom's site (or the section's page).
    pub home_url: String,
    /// This feed's own address.
    pub feed_url: String,
    /// The next page of this feed (JSON Feed's `next_url`), when there is one.
    pub next_url: Option<String>,
    pub language: &'static str,
    pub copyright: String,
    /// The newest story's time, or the moment the feed was built when it is empty.
    pub updated: DateTime<FixedOffset>,
    pub stories: Vec<FeedStory>,
}

/// One story as a feed carries it.
#[derive(Debug, Clone)]
pub struct FeedStory {
    pub id: String,
    pub url: String,
    /// Plain text, as every text here is except `content_html`.
    pub headline: String,
    /// Plain text: a format that carries it as HTML escapes it first ([`text_as_html`]).
    pub summary: String,
    /// The body as HTML, rendered from sanitised blocks (every text escaped); `None` when the audience may only have the summary.
    pub content_html: Option<String>,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    /// Bylines as printed (홍길동 기자).
    pub authors: Vec<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub image: Option<FeedImage>,
    pub copyright: String,
}

impl FeedStory {
    /// The story's section, then its tags, each name once: a tag named like its section (부산
    /// in 부산) is one category to a reader, not two.
    pub fn categories(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::with_capacity(self.tags.len() + 1);
        for name in self.section.iter().chain(&self.tags) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }
}

/// A lead image with what must be printed beside it.
#[derive(Debug, Clone)]
pub struct FeedImage {
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// The feed formats, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    /// `rss`, `atom` or `json`.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "rss" => Some(Self::Rss),
            "atom" => Some(Self::Atom),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Rss => "rss",
            Self::Atom => "atom",
            Self::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    pub fn render(self, feed: &Feed) -> String {
        // XML cannot hold some characters older rows may still carry; one of them would make
        // the whole feed unreadable, so the finished document passes the domain's filter.
        match self {
            Self::Rss => into_xml_safe(rss::render(feed)),
            Self::Atom => into_xml_safe(atom::render(feed)),
            Self::Json => json_feed::render(feed),
        }
    }
}
