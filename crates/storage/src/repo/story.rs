//! A story as it is handed to storage to write: the article with the bylines, tags and sections
//! its link rows are made from. Both the article writes and the search index read it.

use dateline_domain::{Article, AuthorId, SectionId, TagId};

/// A story to store, with what it relates to.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub article: Article,
    /// Authors in byline order.
    pub byline: Vec<AuthorId>,
    /// Tags in the desk's order.
    pub tags: Vec<TagId>,
    /// The story's section and every section above it, so desk fronts include subsections.
    pub sections: Vec<SectionId>,
}
