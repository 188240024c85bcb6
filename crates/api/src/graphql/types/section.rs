//! `Section`: a desk, its place in the tree, and its front.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::service::articles::{ListArticles, Named, list_articles_for};
use dateline_domain::Section;

use crate::graphql::answer_keys::note;
use crate::graphql::loaders::ChildrenOf;
use crate::graphql::types::connection::ArticleConnection;
use crate::graphql::types::{app, audience, load_failed, loader, note_list, record_served};
use crate::problem::GraphqlResult as _;

pub(crate) struct SectionObject(pub(crate) Section);

/// A section (desk), possibly nested.
#[Object(name = "Section")]
impl SectionObject {
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Order among siblings, lowest first.
    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<SectionObject>> {
        note(ctx, |keys| {
            keys.section_tree();
        });
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        let section = loader(ctx).load_one(parent).await.map_err(load_failed)?;
        Ok(section.map(SectionObject))
    }

    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<SectionObject>> {
        note(ctx, |keys| {
            keys.section_tree();
        });
        let children = loader(ctx)
            .load_one(ChildrenOf(self.0.id))
            .await
            .map_err(load_failed)?;
        Ok(children
            .unwrap_or_default()
            .into_iter()
            .map(SectionObject)
            .collect())
    }

    /// The section front: its public stories and its subsections', newest first.
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100", default = 20)] first: i32,
        after: Option<String>,
        has_image: Option<bool>,
    ) -> Result<ArticleConnection> {
        let page = list_articles_for(
            app(ctx),
            audience(ctx),
            ListArticles {
                section: Some(Named::Id(self.0.id)),
                has_image,
                limit: Some(i64::from(first)),
                cursor: after.as_deref(),
                ..ListArticles::default()
            },
        )
        .await
        .or_graphql_error()?;
        note_list(ctx, &page);
        record_served(ctx, &page);
        Ok(ArticleConnection(page))
    }
}
