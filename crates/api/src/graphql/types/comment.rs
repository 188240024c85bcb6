//! `Comment` and `CommentConnection`: reader comments on a story, and their counts per story
//! loaded in batches.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, FixedOffset};
use dateline_domain::comment::ModerationAction;
use dateline_domain::{ArticleId, Comment, CommentCursor, CommentSort, CommentState, Timestamp};

use crate::graphql::loaders::RelationLoader;
use crate::graphql::types::app;
use dateline_app::AppError;
use dateline_app::service::comments::CommentPage;

/// The order comments are listed in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CommentSort")]
pub(crate) enum CommentSortInput {
    Newest,
    Oldest,
    /// Most 공감 first.
    MostAgreed,
}

impl From<CommentSortInput> for CommentSort {
    fn from(sort: CommentSortInput) -> Self {
        match sort {
            CommentSortInput::Newest => CommentSort::Newest,
            CommentSortInput::Oldest => CommentSort::Oldest,
            CommentSortInput::MostAgreed => CommentSort::MostAgreed,
        }
    }
}

/// Where a comment stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentStatus {
    Visible,
    /// Waiting for an editor.
    Held,
    /// Taken down pending review.
    Hidden,
    Deleted,
}

impl From<CommentState> for CommentStatus {
    fn from(state: CommentState) -> Self {
        match state {
            CommentState::Visible => CommentStatus::Visible,
            CommentState::Held => CommentStatus::Held,
            CommentState::Hidden => CommentStatus::Hidden,
            CommentState::Deleted => CommentStatus::Deleted,
        }
    }
}

/// An editor's moderation step.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentModeration {
    Approve,
    Hide,
    Delete,
    Restore,
    Pick,
    Unpick,
}

impl From<CommentModeration> for ModerationAction {
    fn from(action: CommentModeration) -> Self {
        match action {
            CommentModeration::Approve => ModerationAction::Approve,
            CommentModeration::Hide => ModerationAction::Hide,
            CommentModeration::Delete => ModerationAction::Delete,
            CommentModeration::Restore => ModerationAction::Restore,
            CommentModeration::Pick => ModerationAction::Pick,
            CommentModeration::Unpick => ModerationAction::Unpick,
        }
    }
}

/// A comment; `forEditor` adds the moderation details.
pub(crate) struct CommentObject {
    pub(crate) comment: Comment,
    pub(crate) for_editor: bool,
}

/// A reader's comment on a story (뉴스댓글).
#[Object(name = "Comment")]
impl CommentObject {
    async fn id(&self) -> ID {
        ID(self.comment.id.to_string())
    }

    async fn article_id(&self) -> ID {
        ID(self.comment.article_id.to_string())
    }

    /// The comment this one replies to.
    async fn parent_id(&self) -> Option<ID> {
        self.comment.parent_id.map(|id| ID(id.to_string()))
    }

    async fn nickname(&self) -> &str {
        self.comment.author.name()
    }

    /// Written by a newsroom member under their byline.
    async fn staff(&self) -> bool {
        self.comment.author.is_staff()
    }

    /// The text as written, for clients that insert text.
    async fn body_text(&self) -> &str {
        self.comment.text.as_str()
    }

    /// The text as HTML: everything that could open markup escaped, lines broken with `<br>`.
    async fn body_html(&self) -> String {
        self.comment.text.html()
    }

    async fn status(&self) -> CommentStatus {
        self.comment.state.into()
    }

    /// Why it waits (pre_moderation, banned_word, reports, editor); editors only.
    async fn hold_reason(&self) -> Option<&str> {
        self.for_editor
            .then_some(self.comment.hold_reason.map(|reason| reason.as_str()))
            .flatten()
    }

    /// Distinct readers' reports; editors only.
    async fn reports(&self) -> Option<u64> {
        self.for_editor.then_some(self.comment.reports)
    }

    /// An editor's pick.
    async fn picked(&self) -> bool {
        self.comment.picked
    }

    /// 공감.
    async fn agrees(&self) -> u64 {
        self.comment.agrees
    }

    /// 비공감.
    async fn disagrees(&self) -> u64 {
        self.comment.disagrees
    }

    /// Visible replies (top-level comments in a list).
    async fn reply_count(&self) -> u64 {
        self.comment.replies
    }

    async fn created_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx).settings().local_time(self.comment.created_at)
    }

    async fn edited_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        let settings = app(ctx).settings();
        self.comment.edited_at.map(|at| settings.local_time(at))
    }
}

/// A page of a story's visible comments.
pub(crate) struct CommentConnection(pub(crate) CommentPage);

pub(crate) struct CommentEdge {
    cursor: String,
    node: CommentObject,
}

#[Object(name = "CommentEdge")]
impl CommentEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    async fn node(&self) -> &CommentObject {
        &self.node
    }
}

impl CommentConnection {
    fn cursor_of(&self, comment: &Comment) -> String {
        CommentCursor::after(self.0.sort, self.0.picks_first, comment).encode()
    }
}

#[Object(name = "CommentConnection")]
impl CommentConnection {
    async fn edges(&self) -> Vec<CommentEdge> {
        self.0
            .comments
            .iter()
            .map(|comment| CommentEdge {
                cursor: self.cursor_of(comment),
                node: CommentObject {
                    comment: comment.clone(),
                    for_editor: false,
                },
            })
            .collect()
    }

    async fn nodes(&self) -> Vec<CommentObject> {
        self.0
            .comments
            .iter()
            .map(|comment| CommentObject {
                comment: comment.clone(),
                for_editor: false,
            })
            .collect()
    }

    async fn page_info(&self) -> crate::graphql::types::connection::PageInfo {
        crate::graphql::types::connection::PageInfo {
            has_next_page: self.0.next.is_some(),
            has_previous_page: false,
            start_cursor: self.0.comments.first().map(|c| self.cursor_of(c)),
            end_cursor: self.0.comments.last().map(|c| self.cursor_of(c)),
        }
    }

    /// The story takes no more comments (closed by an editor or by age).
    async fn closed(&self) -> bool {
        self.0.closed
    }
}

/// A story's count of comments readers can see, as of `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CommentCountOf(pub(crate) ArticleId, pub(crate) Timestamp);

impl Loader<CommentCountOf> for RelationLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[CommentCountOf],
    ) -> Result<HashMap<CommentCountOf, u64>, Self::Error> {
        // One request's keys share its moment; group in case a batch spans two seconds.
        let mut by_moment: HashMap<Timestamp, Vec<ArticleId>> = HashMap::new();
        for key in keys {
            by_moment.entry(key.1).or_default().push(key.0);
        }
        let mut counts = HashMap::with_capacity(keys.len());
        for (at, ids) in by_moment {
            let found = self
                .db
                .comments()
                .public_counts(&ids, at)
                .await
                .map_err(crate::graphql::loaders::failed)?;
            counts.extend(
                ids.into_iter()
                    .map(|id| (CommentCountOf(id, at), found.get(&id).copied().unwrap_or(0))),
            );
        }
        Ok(counts)
    }
}
