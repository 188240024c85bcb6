//! `author`, `tag`.

use async_graphql::{Context, Object, Result};
use dateline_app::AppError;
use dateline_app::service::{authors::find_author, tags::find_tag};

use crate::graphql::answer_keys::note;
use crate::graphql::types::app;
use crate::graphql::types::author::AuthorObject;
use crate::graphql::types::tag::TagObject;
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// One author by slug; null when there is none.
    async fn author(&self, ctx: &Context<'_>, slug: String) -> Result<Option<AuthorObject>> {
        match find_author(app(ctx), &slug).await {
            Ok(author) => {
                let id = author.id.to_string();
                note(ctx, |keys| {
                    keys.named(&id).listed(&id);
                });
                Ok(Some(AuthorObject(author)))
            }
            Err(AppError::NotFound(_)) => {
                // Absent until one of its stories is public.
                note(ctx, |keys| {
                    keys.story_list([]);
                });
                Ok(None)
            }
            Err(err) => Err(err).or_graphql_error(),
        }
    }

    /// One tag by slug; null when there is none.
    async fn tag(&self, ctx: &Context<'_>, slug: String) -> Result<Option<TagObject>> {
        match find_tag(app(ctx), &slug).await {
            Ok(tag) => {
                let id = tag.id.to_string();
                note(ctx, |keys| {
                    keys.named(&id).listed(&id);
                });
                Ok(Some(TagObject(tag)))
            }
            Err(AppError::NotFound(_)) => {
                note(ctx, |keys| {
                    keys.story_list([]);
                });
                Ok(None)
            }
            Err(err) => Err(err).or_graphql_error(),
        }
    }
}
