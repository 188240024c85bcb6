//! A story with what its presentation shows: a plain value every layer may name.

use dateline_domain::{Article, Author, Media, Section, Tag};

/// A story with everything its presentation shows.
#[derive(Debug, Clone)]
pub struct ArticleRecord {
    pub article: Article,
    pub section: Option<Section>,
    pub authors: Vec<Author>,
    pub tags: Vec<Tag>,
    pub lead_image: Option<Media>,
    /// Views of all time, as of the last flush.
    pub view_count: u64,
}
