//! Comment queries: one comment's replies, and the editors' review queue.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use dateline_app::service::comments::{CommentListRequest, list_comments};

use crate::graphql::answer_keys::note;
use crate::graphql::types::comment::{CommentConnection, CommentObject, CommentSortInput};
use crate::graphql::types::{app, principal};
use crate::problem::GraphqlResult as _;

/// A page of a story's comments, shared by `Article.comments` and `commentReplies`.
pub(crate) async fn comment_page(
    ctx: &Context<'_>,
    article_id: &str,
    sort: CommentSortInput,
    first: i64,
    after: Option<String>,
    picks_first: bool,
    parent_id: Option<String>,
) -> Result<CommentConnection> {
    // The thread changes with every comment written or moderated on the story; reactions move
    // its counts without an announcement.
    note(ctx, |keys| {
        keys.comment_thread(article_id)
            .named(article_id)
            .shows_view_counts();
    });
    let page = list_comments(
        app(ctx),
        article_id,
        CommentListRequest {
            sort: Some(dateline_domain::CommentSort::from(sort)),
            limit: Some(first),
            cursor: after,
            picks_first,
            parent_id,
        },
    )
    .await
    .or_graphql_error()?;
    Ok(CommentConnection(page))
}

/// A page of the review queue.
#[derive(SimpleObject)]
pub(crate) struct CommentQueuePage {
    comments: Vec<CommentObject>,
    /// Pass as `after` for the next page; null on the last page.
    next_cursor: Option<String>,
}

#[derive(Default)]
pub(crate) struct CommentQuery;

#[Object]
impl CommentQuery {
    /// The visible replies to a comment on a public story, oldest first unless told.
    async fn comment_replies(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        comment_id: ID,
        #[graphql(default_with = "CommentSortInput::Oldest")] sort: CommentSortInput,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i64,
        after: Option<String>,
    ) -> Result<CommentConnection> {
        comment_page(
            ctx,
            &article_id,
            sort,
            first,
            after,
            false,
            Some(comment_id.to_string()),
        )
        .await
    }

    /// Held and hidden comments on any story, newest first (editors).
    async fn comment_review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i64,
        after: Option<String>,
    ) -> Result<CommentQueuePage> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let (comments, next) = dateline_app::service::comments::review_queue(
            app(ctx),
            &principal,
            after.as_deref(),
            Some(first),
        )
        .await
        .or_graphql_error()?;
        Ok(CommentQueuePage {
            comments: comments
                .into_iter()
                .map(|comment| CommentObject {
                    comment,
                    for_editor: true,
                })
                .collect(),
            next_cursor: next.map(|id| id.to_string()),
        })
    }
}
