//! `node(id)`: fetch anything by its global id. The id's prefix says what it names.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::AppError;
use dateline_app::service::{articles, authors, sections, tags};
use dateline_domain::{ArticleId, AuthorId, SectionId, TagId};

use crate::graphql::answer_keys::note;
use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::author::AuthorObject;
use crate::graphql::types::node::Node;
use crate::graphql::types::section::SectionObject;
use crate::graphql::types::tag::TagObject;
use crate::graphql::types::{app, audience};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Anything by its id; null when nothing public has it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let state = app(ctx);
        // Found or not, the answer changes with the thing of this id; a tag's or author's also
        // with whether it has public stories, since only then is it public.
        note(ctx, |keys| {
            keys.named(&id);
            if AuthorId::parse(&id).is_ok() || TagId::parse(&id).is_ok() {
                keys.listed(&id);
            }
        });
        let found = async {
            if let Ok(id) = ArticleId::parse(&id) {
                return match articles::find_article_for(state, audience(ctx), &id.to_string()).await
                {
                    Ok(article) => Ok(Some(Node::Article(ArticleObject(article)))),
                    Err(AppError::NotFound(_)) => Ok(None),
                    Err(err) => Err(err),
                };
            }
            if let Ok(id) = SectionId::parse(&id) {
                return Ok(sections::find_section_by_id(state, id)
                    .await?
                    .map(|s| Node::Section(SectionObject(s))));
            }
            if let Ok(id) = AuthorId::parse(&id) {
                return Ok(authors::find_author_by_id(state, id)
                    .await?
                    .map(|a| Node::Author(AuthorObject(a))));
            }
            if let Ok(id) = TagId::parse(&id) {
                return Ok(tags::find_tag_by_id(state, id)
                    .await?
                    .map(|t| Node::Tag(TagObject(t))));
            }
            Ok(None)
        };
        found.await.or_graphql_error()
    }
}
