//! The Relay `Node` interface: anything with a global id.

use async_graphql::{ID, Interface};

use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::author::AuthorObject;
use crate::graphql::types::section::SectionObject;
use crate::graphql::types::tag::TagObject;

/// Anything that can be fetched by its id alone.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub(crate) enum Node {
    Article(ArticleObject),
    Section(SectionObject),
    Author(AuthorObject),
    Tag(TagObject),
}
