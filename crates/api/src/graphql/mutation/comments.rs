//! Comment mutations: posting, editing, deleting, reporting and reacting as a reader, and the
//! editors' moderation. Each calls the same service function as its REST route.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::comments::{self, CommentInput};
use dateline_domain::ModerationMode;
use dateline_domain::comment::ReactionKind;
use secrecy::SecretString;

use crate::graphql::types::comment::{CommentModeration, CommentObject};
use crate::graphql::types::{app, optional_principal, principal};
use crate::problem::GraphqlResult as _;

/// A new comment. Without an account: nickname and password; signed in: under the byline.
#[derive(InputObject)]
pub(crate) struct AddCommentInput {
    /// 1–20 letters, digits, spaces, `_ - .` (ignored for staff).
    nickname: Option<String>,
    /// 4–64 characters; edits or deletes the comment later (not for staff).
    #[graphql(secret)]
    password: Option<String>,
    /// 1–1,000 characters of text (never markup), at most two links.
    body: String,
    /// The comment this replies to (one level of replies).
    parent_id: Option<ID>,
}

/// 공감 or 비공감.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentReaction {
    Agree,
    Disagree,
}

/// How a desk moderates comments.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentModerationMode {
    /// Visible at once.
    Post,
    /// Held until an editor approves.
    Pre,
}

/// A comment's reaction counts after a reaction.
#[derive(SimpleObject)]
pub(crate) struct ReactionResult {
    /// False when this reader had already reacted to the comment.
    counted: bool,
    agrees: u64,
    disagrees: u64,
}

fn origin(ctx: &Context<'_>) -> ReaderOrigin {
    ctx.data_opt::<ReaderOrigin>().cloned().unwrap_or_default()
}

#[derive(Default)]
pub(crate) struct CommentMutation;

#[Object]
impl CommentMutation {
    /// Posts a comment on a public story, as `POST /api/v1/articles/{id}/comments`. Its status
    /// is HELD when it waits for an editor.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        input: AddCommentInput,
    ) -> Result<CommentObject> {
        let staff = optional_principal(ctx).await.or_graphql_error()?;
        let comment = comments::add_comment(
            app(ctx),
            &article_id,
            CommentInput {
                nickname: input.nickname,
                password: input.password.map(SecretString::from),
                body: input.body,
                parent_id: input.parent_id.map(|id| id.0),
            },
            staff.as_ref(),
            &origin(ctx),
        )
        .await
        .or_graphql_error()?;
        Ok(CommentObject {
            comment,
            for_editor: false,
        })
    }

    /// Changes a comment's text: with its password, or signed in as an editor.
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
        #[graphql(secret)] password: Option<String>,
    ) -> Result<CommentObject> {
        let signed_in = optional_principal(ctx).await.or_graphql_error()?;
        let comment = comments::edit_comment(
            app(ctx),
            &id,
            &body,
            password.map(SecretString::from),
            signed_in.as_ref(),
            &origin(ctx),
        )
        .await
        .or_graphql_error()?;
        Ok(CommentObject {
            for_editor: signed_in.is_some_and(|p| p.role().is_editor()),
            comment,
        })
    }

    /// Deletes a comment: with its password, or signed in as an editor. True once deleted.
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(secret)] password: Option<String>,
    ) -> Result<bool> {
        let signed_in = optional_principal(ctx).await.or_graphql_error()?;
        comments::delete_comment(
            app(ctx),
            &id,
            password.map(SecretString::from),
            signed_in.as_ref(),
            &origin(ctx),
        )
        .await
        .or_graphql_error()?;
        Ok(true)
    }

    /// Reports a visible comment; false when this reader had already reported it.
    async fn report_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> Result<bool> {
        let signed_in = optional_principal(ctx).await.or_graphql_error()?;
        let outcome = comments::report_comment(
            app(ctx),
            &id,
            reason.as_deref(),
            signed_in.as_ref(),
            &origin(ctx),
        )
        .await
        .or_graphql_error()?;
        Ok(outcome.counted)
    }

    /// 공감/비공감 on a visible comment; one per reader per comment.
    async fn react_to_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        kind: CommentReaction,
    ) -> Result<ReactionResult> {
        let signed_in = optional_principal(ctx).await.or_graphql_error()?;
        let kind = match kind {
            CommentReaction::Agree => ReactionKind::Agree,
            CommentReaction::Disagree => ReactionKind::Disagree,
        };
        let outcome =
            comments::react_to_comment(app(ctx), &id, kind, signed_in.as_ref(), &origin(ctx))
                .await
                .or_graphql_error()?;
        Ok(ReactionResult {
            counted: outcome.counted,
            agrees: outcome.agrees,
            disagrees: outcome.disagrees,
        })
    }

    /// An editor approves, hides, deletes, restores, picks or unpicks a comment; audited.
    async fn moderate_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        action: CommentModeration,
    ) -> Result<CommentObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let action = dateline_domain::comment::ModerationAction::from(action);
        let comment = comments::moderate_comment(app(ctx), &principal, &id, action)
            .await
            .or_graphql_error()?;
        Ok(CommentObject {
            comment,
            for_editor: true,
        })
    }

    /// An editor closes or reopens a story's comments; audited. Answers `closed`.
    async fn set_story_comments(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        closed: bool,
    ) -> Result<bool> {
        let principal = principal(ctx).await.or_graphql_error()?;
        comments::set_story_comments(app(ctx), &principal, &article_id, closed)
            .await
            .or_graphql_error()?;
        Ok(closed)
    }

    /// An editor sets a desk's comment moderation (by section id or slug); audited.
    async fn set_section_comment_moderation(
        &self,
        ctx: &Context<'_>,
        section: String,
        moderation: CommentModerationMode,
    ) -> Result<CommentModerationMode> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let mode = match moderation {
            CommentModerationMode::Post => ModerationMode::Post,
            CommentModerationMode::Pre => ModerationMode::Pre,
        };
        comments::set_section_moderation(app(ctx), &principal, &section, mode)
            .await
            .or_graphql_error()?;
        Ok(moderation)
    }
}
