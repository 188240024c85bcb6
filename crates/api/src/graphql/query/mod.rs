//! Root query fields, one object per area, merged into `Query`.

pub(crate) mod articles;
pub(crate) mod comments;
pub(crate) mod newsroom;
pub(crate) mod node;
pub(crate) mod people;
pub(crate) mod popular;
pub(crate) mod search;
pub(crate) mod sections;

use async_graphql::MergedObject;

/// Every root query field.
#[derive(MergedObject, Default)]
pub struct Query(
    articles::ArticleQuery,
    sections::SectionQuery,
    people::TaxonomyQuery,
    node::NodeQuery,
    newsroom::NewsroomQuery,
    popular::PopularQuery,
    search::SearchQueryRoot,
    comments::CommentQuery,
);
