//! `recordView`: the view beacon over GraphQL.

use async_graphql::{Context, ID, Object, Result};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::views::record_view;

use crate::graphql::types::app;
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct ViewMutation;

#[Object]
impl ViewMutation {
    /// A reader viewed a public story, as `POST /api/v1/articles/{id}/views`. True once
    /// received: counted unless the same reader counted in the last 30 minutes or the client is
    /// a known crawler (which of these is not told). NOT_FOUND when no public story has the id.
    async fn record_view(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        #[graphql(desc = "A first-party id the front end keeps for the reader")] reader_id: Option<
            String,
        >,
    ) -> Result<bool> {
        let origin = ctx.data_opt::<ReaderOrigin>().cloned().unwrap_or_default();
        record_view(app(ctx), &article_id, reader_id.as_deref(), &origin)
            .await
            .or_graphql_error()?;
        Ok(true)
    }
}
