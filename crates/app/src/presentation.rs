//! How a story is addressed and shown to readers, the same on every surface: REST, GraphQL,
//! feeds, sitemaps and structured data.

use crate::record::ArticleRecord;
use crate::settings::Settings;

/// The reader-facing address of a story: its canonical URL when the desk set one, else the
/// newsroom's page for its slug. The ONE place this address is made.
pub fn story_url(settings: &Settings, slug: &str, canonical_url: Option<&str>) -> String {
    canonical_url.map_or_else(
        || settings.absolute(&format!("/articles/{slug}")),
        str::to_owned,
    )
}

/// [`story_url`] of a loaded story.
pub fn article_url(settings: &Settings, record: &ArticleRecord) -> String {
    story_url(
        settings,
        record.article.slug.as_str(),
        record.article.canonical_url.as_deref(),
    )
}
