//! `sections`, `section`.

use async_graphql::{Context, Object, Result};
use dateline_app::AppError;
use dateline_app::service::sections::{find_section, section_tree};

use crate::graphql::answer_keys::note;
use crate::graphql::types::app;
use crate::graphql::types::section::SectionObject;
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct SectionQuery;

#[Object]
impl SectionQuery {
    /// The top-level sections in the newsroom's order; walk `children` for the rest.
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<SectionObject>> {
        note(ctx, |keys| {
            keys.section_tree();
        });
        let tree = section_tree(app(ctx)).await.or_graphql_error()?;
        Ok(tree
            .into_iter()
            .map(|node| SectionObject(node.section))
            .collect())
    }

    /// One section by slug; null when there is none.
    async fn section(&self, ctx: &Context<'_>, slug: String) -> Result<Option<SectionObject>> {
        match find_section(app(ctx), &slug).await {
            Ok((node, _)) => {
                note(ctx, |keys| {
                    keys.section(node.section.id);
                });
                Ok(Some(SectionObject(node.section)))
            }
            Err(AppError::NotFound(_)) => {
                // A section created under this slug changes the tree.
                note(ctx, |keys| {
                    keys.section_tree();
                });
                Ok(None)
            }
            Err(err) => Err(err).or_graphql_error(),
        }
    }
}
