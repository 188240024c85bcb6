//! The Relay `Node` interface: anything with a global id.

use async_graphql::{ID, Interface};

use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::author::AuthorObject;
use crate::graphql::types::section::SectionObject;
use crate::graphql::types::tag::TagObject;

/// Anything that can be fetched by its id alone.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
#[expect(
    clippy::large_enum_variant,
    reason = "one Node is built per `node(id)` answer and dropped with it; boxing the story buys nothing"
)]
pub(crate) enum Node {
    Article(ArticleObject),
    Section(SectionObject),
    Author(AuthorObject),
    Tag(TagObject),
}
