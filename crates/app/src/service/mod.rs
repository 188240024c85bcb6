//! The use cases: one function per thing a client asks for. REST handlers and GraphQL resolvers
//! both call these, so the two surfaces answer alike.

pub mod accounts;
pub mod articles;
pub mod audience;
pub mod authors;
pub mod changes;
pub mod comments;
pub mod live;
pub mod media;
pub mod newsroom;
pub mod partners;
pub mod popular;
pub mod related;
pub mod search;
pub mod sections;
pub mod sitemaps;
pub mod structured;
pub mod syndication;
pub mod tags;
pub mod views;
pub mod webhooks;

use dateline_domain::{Slug, ValidationError};

/// Parses a slug a client named in `field`, so a bad one is reported against that field.
pub(crate) fn parse_slug(field: &str, input: &str) -> Result<Slug, ValidationError> {
    Slug::parse(input).map_err(|err| ValidationError::new(field, err.message))
}
