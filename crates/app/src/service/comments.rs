//! Reader comments: listing, posting without an account (or as signed-in staff), editing and
//! deleting with the comment's password, reports, reactions, and the editors' moderation.
//!
//! Only public stories take and show comments: anything else is 404, as if it did not exist.
//! Every committed write is announced (`ContentChange` for caches, `CommentChange` for
//! moderation tools and webhooks).

use dateline_domain::banned_words::normal_form;
use dateline_domain::comment::{
    CommentText, HoldReason, ModerationAction, Nickname, ReactionKind, check_comment_password,
    check_reply, comments_closed, initial_state,
};
use dateline_domain::{
    ArticleId, AuditEvent, Comment, CommentCursor, CommentId, CommentSort, CommentState, Commenter,
    ModerationMode, PageSize, SectionId, ValidationError,
};
use dateline_storage::repo::comments::{ReactionOutcome, ReportOutcome};
use dateline_storage::{CommentTarget, CommentUpdate, NewComment};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};

use crate::app::App;
use crate::auth::{Principal, hash_password_off_thread, verify_password_off_thread};
use crate::desks::comments::{Activity, CommentReader};
use crate::error::AppError;
use crate::events::{ChangeKind, CommentChange, CommentChangeKind, ContentChange};
use crate::readership::origin::ReaderOrigin;

/// What a list of comments asks for; the order comes typed from the transport (default: the
/// domain's).
#[derive(Debug, Clone, Default)]
pub struct CommentListRequest {
    pub sort: Option<CommentSort>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Editor's picks first.
    pub picks_first: bool,
    /// Replies to this comment instead of the story's top-level comments.
    pub parent_id: Option<String>,
}

/// One page of a story's visible comments.
#[derive(Debug, Clone)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    pub next: Option<CommentCursor>,
    pub sort: CommentSort,
    pub picks_first: bool,
    /// Whether the story has stopped taking comments.
    pub closed: bool,
}

/// A comment being posted.
#[derive(Debug, Clone)]
pub struct CommentInput {
    /// Required without an account; ignored for staff, who comment under their byline.
    pub nickname: Option<String>,
    /// Required without an account: it edits or deletes this comment later.
    pub password: Option<SecretString>,
    pub body: String,
    pub parent_id: Option<String>,
}

fn not_found(what: &str) -> AppError {
    AppError::not_found(format!("no public {what} has this id"))
}

fn parse_article(id: &str) -> Result<ArticleId, AppError> {
    ArticleId::parse(id).map_err(|_| not_found("story"))
}

fn parse_comment(id: &str) -> Result<CommentId, AppError> {
    CommentId::parse(id).map_err(|_| not_found("comment"))
}

/// The public story `id`, or 404.
async fn public_target(state: &App, id: ArticleId) -> Result<CommentTarget, AppError> {
    state
        .db()
        .comments()
        .target(id, state.now())
        .await?
        .ok_or_else(|| not_found("story"))
}

fn is_closed(state: &App, target: &CommentTarget) -> bool {
    comments_closed(
        target.closed_by_editor,
        target.published_at,
        state.now(),
        state.comments().settings().auto_close_after,
    )
}

fn closed_error() -> AppError {
    AppError::Conflict {
        detail: "comments on this story are closed".into(),
        current_status: None,
    }
}

/// SHA-256 of the text's normal form: the same words however spaced or punctuated.
fn fingerprint(text: &CommentText) -> String {
    hex::encode(Sha256::digest(normal_form(text.as_str()).as_bytes()))
}

fn announce(state: &App, comment: &Comment, kind: CommentChangeKind, target: &CommentTarget) {
    let now = state.now();
    let content_kind = match kind {
        CommentChangeKind::Created => ChangeKind::CommentCreated,
        CommentChangeKind::Held => ChangeKind::CommentHeld,
        _ => ChangeKind::CommentChanged,
    };
    state.announce(ContentChange {
        kind: content_kind,
        article: Some(comment.article_id),
        sections: vec![target.section_id],
        tags: Vec::new(),
        authors: Vec::new(),
        published_at: Some(target.published_at),
        at: now,
        lists_unchanged: true,
    });
    state.announce_comment(CommentChange {
        kind,
        comment: comment.id,
        article: comment.article_id,
        state: comment.state,
        at: now,
    });
}

/// A page of the public story's visible comments: top-level ones (each with its count of
/// replies), or the replies to `parent_id`.
pub async fn list_comments(
    state: &App,
    article_id: &str,
    request: CommentListRequest,
) -> Result<CommentPage, AppError> {
    let id = parse_article(article_id)?;
    let sort = request.sort.unwrap_or_default();
    let size = PageSize::parse(request.limit)?;
    let cursor = request
        .cursor
        .as_deref()
        .map(|text| CommentCursor::decode(text, sort, request.picks_first))
        .transpose()?;
    let parent = request
        .parent_id
        .as_deref()
        .map(|text| {
            CommentId::parse(text).map_err(|err| ValidationError::new("parentId", err.message))
        })
        .transpose()?;
    let target = public_target(state, id).await?;
    let (comments, more) = state
        .db()
        .comments()
        .list_public(
            id,
            parent,
            sort,
            request.picks_first,
            cursor.as_ref(),
            size.get(),
            state.now(),
        )
        .await?;
    let next = more
        .then(|| comments.last())
        .flatten()
        .map(|last| CommentCursor::after(sort, request.picks_first, last));
    Ok(CommentPage {
        next,
        sort,
        picks_first: request.picks_first,
        closed: is_closed(state, &target),
        comments,
    })
}

/// Posts a comment on a public story: as a reader under a nickname with a password, or as
/// signed-in staff under their byline. Rate limited per address and reader; the same text again
/// within the duplicate window is refused (409); a banned word or a pre-moderated desk holds it
/// for review (the answer says so).
pub async fn add_comment(
    state: &App,
    article_id: &str,
    input: CommentInput,
    staff: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<Comment, AppError> {
    let id = parse_article(article_id)?;
    let text = CommentText::parse(&input.body).map_err(AppError::Invalid)?;
    let author = match staff {
        Some(principal) => Commenter::Staff {
            user: principal.user.id,
            name: staff_name(state, principal).await?,
        },
        None => {
            let nickname = input.nickname.as_deref().ok_or_else(|| {
                AppError::Invalid(ValidationError::new(
                    "nickname",
                    "a nickname is required to comment without an account",
                ))
            })?;
            Commenter::Reader {
                nickname: Nickname::parse(nickname).map_err(AppError::Invalid)?,
            }
        }
    };
    let password = match (staff, input.password) {
        (Some(_), _) => None,
        (None, Some(password)) => {
            check_comment_password(password.expose_secret()).map_err(AppError::Invalid)?;
            Some(password)
        }
        (None, None) => {
            return Err(AppError::Invalid(ValidationError::new(
                "password",
                "a password is required to comment without an account; it edits or deletes the comment later",
            )));
        }
    };
    let parent_id = input
        .parent_id
        .as_deref()
        .map(|text| {
            CommentId::parse(text)
                .map_err(|err| AppError::Invalid(ValidationError::new("parentId", err.message)))
        })
        .transpose()?;

    let target = public_target(state, id).await?;
    if is_closed(state, &target) {
        return Err(closed_error());
    }
    if let Some(parent_id) = parent_id {
        let parent = state
            .db()
            .comments()
            .reply_target(parent_id)
            .await?
            .ok_or_else(|| {
                AppError::Invalid(ValidationError::new(
                    "parentId",
                    "no visible comment on this story has that id",
                ))
            })?;
        check_reply(parent, id).map_err(AppError::Invalid)?;
    }

    let desk = state.comments();
    let reader = desk.reader(origin, staff.map(|p| p.user.id));
    desk.admit(Activity::Posting, &reader, state.now())?;
    desk.admit_everywhere(
        state.shared_limits(),
        state.db(),
        Activity::Posting,
        &reader,
        state.now(),
    )
    .await?;
    let fingerprint = fingerprint(&text);
    let now = state.now();
    let since = now.minus(desk.settings().duplicate_window);
    if state
        .db()
        .comments()
        .has_recent_duplicate(id, &reader.key, &fingerprint, since)
        .await?
    {
        return Err(AppError::Conflict {
            detail: "the same comment was posted a moment ago".into(),
            current_status: None,
        });
    }

    let banned = desk.settings().banned_words.find(text.as_str()).is_some();
    let (state_now, hold_reason) = initial_state(target.moderation, author.is_staff(), banned);
    let password_hash = match password {
        Some(password) => Some(hash_password_off_thread(password).await?),
        None => None,
    };
    let comment = Comment {
        id: CommentId::generate(),
        article_id: id,
        parent_id,
        author,
        text,
        state: state_now,
        hold_reason,
        picked: false,
        agrees: 0,
        disagrees: 0,
        reports: 0,
        replies: 0,
        created_at: now,
        edited_at: None,
    };
    store_new(state, &comment, password_hash, &reader, fingerprint).await?;
    let kind = if comment.state == CommentState::Held {
        CommentChangeKind::Held
    } else {
        CommentChangeKind::Created
    };
    tracing::info!(comment.id = %comment.id, article.id = %id, comment.state = comment.state.as_str(), "comment posted");
    announce(state, &comment, kind, &target);
    Ok(comment)
}

async fn store_new(
    state: &App,
    comment: &Comment,
    password_hash: Option<String>,
    reader: &CommentReader,
    fingerprint: String,
) -> Result<(), AppError> {
    state
        .db()
        .comments()
        .insert(&NewComment {
            comment: comment.clone(),
            password_hash,
            reader_key: reader.key.clone(),
            fingerprint,
        })
        .await?;
    Ok(())
}

/// The name a newsroom member comments under: their byline's name, else their account's.
async fn staff_name(state: &App, principal: &Principal) -> Result<String, AppError> {
    if let Some(author) = principal.user.author_id
        && let Some(author) = state.db().authors().find_by_ids(&[author]).await?.pop()
    {
        return Ok(author.name);
    }
    Ok(principal.user.display_name.clone())
}

/// Who may change a comment: an editor, the staff member who wrote it, or whoever holds its
/// password. Anyone else is refused (403); a wrong password costs as long as a right one. Every
/// password try takes from the sender's posting allowance, and from the comment's own budget of
/// wrong guesses, so guessing meets 429 however many addresses it is spread over.
async fn authorise_writer(
    state: &App,
    comment: &Comment,
    password_hash: Option<String>,
    password: Option<SecretString>,
    principal: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<bool, AppError> {
    if let Some(principal) = principal {
        if principal.role().is_editor() {
            return Ok(true);
        }
        if matches!(&comment.author, Commenter::Staff { user, .. } if *user == principal.user.id) {
            return Ok(false);
        }
    }
    let Some(password) = password else {
        return Err(AppError::Forbidden(
            "send the comment's password, or sign in as an editor".into(),
        ));
    };
    let desk = state.comments();
    let reader = desk.reader(origin, None);
    desk.admit(Activity::Posting, &reader, state.now())?;
    desk.admit_everywhere(
        state.shared_limits(),
        state.db(),
        Activity::Posting,
        &reader,
        state.now(),
    )
    .await?;
    desk.admit_password_try(comment.id, state.now())?;
    desk.admit_password_try_everywhere(state.shared_limits(), state.db(), comment.id, state.now())
        .await?;
    let matches = match password_hash {
        Some(hash) => verify_password_off_thread(password, Some(hash)).await?,
        None => false,
    };
    if matches {
        desk.password_matched(comment.id);
        desk.password_matched_everywhere(
            state.shared_limits(),
            state.db(),
            comment.id,
            state.now(),
        )
        .await?;
        Ok(false)
    } else {
        Err(AppError::Forbidden(
            "the password does not match this comment".into(),
        ))
    }
}

/// A comment on a public story, in any state but deleted, or 404.
async fn live_comment(
    state: &App,
    id: &str,
) -> Result<(Comment, Option<String>, CommentTarget), AppError> {
    let id = parse_comment(id)?;
    let (comment, hash) = state
        .db()
        .comments()
        .find(id)
        .await?
        .filter(|(comment, _)| comment.state != CommentState::Deleted)
        .ok_or_else(|| not_found("comment"))?;
    let target = public_target(state, comment.article_id)
        .await
        .map_err(|_| not_found("comment"))?;
    Ok((comment, hash, target))
}

/// Changes a comment's text: its writer (password or own staff account) or an editor. The new
/// text is moderated like a new comment (a banned word or a pre-moderated desk holds it); an
/// editor's edit is audited.
pub async fn edit_comment(
    state: &App,
    id: &str,
    body: &str,
    password: Option<SecretString>,
    principal: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<Comment, AppError> {
    let text = CommentText::parse(body).map_err(AppError::Invalid)?;
    let (comment, hash, target) = live_comment(state, id).await?;
    let as_editor = authorise_writer(state, &comment, hash, password, principal, origin).await?;
    if comment.state == CommentState::Hidden {
        return Err(AppError::Conflict {
            detail: "a hidden comment cannot be edited until an editor restores it".into(),
            current_status: None,
        });
    }
    if !as_editor && is_closed(state, &target) {
        return Err(closed_error());
    }
    let banned = state
        .comments()
        .settings()
        .banned_words
        .find(text.as_str())
        .is_some();
    let (new_state, hold_reason) = if as_editor {
        (comment.state, comment.hold_reason)
    } else {
        initial_state(target.moderation, comment.author.is_staff(), banned)
    };
    let now = state.now();
    let audit = as_editor.then(|| {
        AuditEvent::new(
            now,
            principal.map(|p| p.user.id),
            "comment.edited",
            &comment.id,
            serde_json::json!({ "article": comment.article_id.to_string() }),
        )
    });
    let fingerprint = fingerprint(&text);
    let changed = state
        .db()
        .comments()
        .update(&CommentUpdate {
            id: comment.id,
            expected_state: comment.state,
            state: new_state,
            hold_reason,
            picked: comment.picked && new_state == CommentState::Visible,
            text: Some((&text, &fingerprint)),
            edited_at: Some(now),
            audit: audit.as_ref(),
        })
        .await?;
    if !changed {
        return Err(changed_meanwhile());
    }
    let edited = Comment {
        text,
        state: new_state,
        hold_reason,
        picked: comment.picked && new_state == CommentState::Visible,
        edited_at: Some(now),
        ..comment
    };
    let kind = if edited.state == CommentState::Held {
        CommentChangeKind::Held
    } else {
        CommentChangeKind::Edited
    };
    announce(state, &edited, kind, &target);
    Ok(edited)
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        detail: "the comment changed meanwhile; load it again".into(),
        current_status: None,
    }
}

/// Deletes a comment: its writer (password or own staff account) or an editor (audited).
pub async fn delete_comment(
    state: &App,
    id: &str,
    password: Option<SecretString>,
    principal: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<(), AppError> {
    let (comment, hash, target) = live_comment(state, id).await?;
    let as_editor = authorise_writer(state, &comment, hash, password, principal, origin).await?;
    let now = state.now();
    let audit = as_editor.then(|| {
        AuditEvent::new(
            now,
            principal.map(|p| p.user.id),
            "comment.deleted",
            &comment.id,
            serde_json::json!({ "article": comment.article_id.to_string(), "from": comment.state.as_str() }),
        )
    });
    let changed = state
        .db()
        .comments()
        .update(&CommentUpdate {
            id: comment.id,
            expected_state: comment.state,
            state: CommentState::Deleted,
            hold_reason: None,
            picked: false,
            text: None,
            edited_at: None,
            audit: audit.as_ref(),
        })
        .await?;
    if !changed {
        return Err(changed_meanwhile());
    }
    let deleted = Comment {
        state: CommentState::Deleted,
        hold_reason: None,
        picked: false,
        ..comment
    };
    announce(state, &deleted, CommentChangeKind::Deleted, &target);
    Ok(())
}

/// A visible comment on a public story, or 404.
async fn visible_comment(state: &App, id: &str) -> Result<(Comment, CommentTarget), AppError> {
    let (comment, _, target) = live_comment(state, id).await?;
    if comment.state != CommentState::Visible {
        return Err(not_found("comment"));
    }
    Ok((comment, target))
}

/// A reader reports a visible comment. One report per reader counts; once the configured
/// number of readers have reported it, it is hidden pending review (audited).
pub async fn report_comment(
    state: &App,
    id: &str,
    reason: Option<&str>,
    principal: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<ReportOutcome, AppError> {
    let reason = reason
        .map(|text| {
            CommentText::parse(text).map_err(|err| ValidationError::new("reason", err.message))
        })
        .transpose()
        .map_err(AppError::Invalid)?;
    let (comment, target) = visible_comment(state, id).await?;
    let desk = state.comments();
    let reader = desk.reader(origin, principal.map(|p| p.user.id));
    desk.admit(Activity::Reporting, &reader, state.now())?;
    desk.admit_everywhere(
        state.shared_limits(),
        state.db(),
        Activity::Reporting,
        &reader,
        state.now(),
    )
    .await?;
    let outcome = state
        .db()
        .comments()
        .report(
            comment.id,
            &reader.key,
            reason.as_ref().map(CommentText::as_str),
            desk.settings().report_threshold.get(),
            state.now(),
        )
        .await?;
    if outcome.hidden {
        let hidden = Comment {
            state: CommentState::Hidden,
            hold_reason: Some(HoldReason::Reports),
            picked: false,
            reports: outcome.reports,
            ..comment
        };
        announce(state, &hidden, CommentChangeKind::Reported, &target);
    }
    Ok(outcome)
}

/// A reader's 공감/비공감 on a visible comment; only a reader's first reaction to a comment
/// counts. A closed story takes no reactions, with the answer posting gets: closing a story
/// freezes its discussion, counts included.
pub async fn react_to_comment(
    state: &App,
    id: &str,
    kind: ReactionKind,
    principal: Option<&Principal>,
    origin: &ReaderOrigin,
) -> Result<ReactionOutcome, AppError> {
    let (comment, target) = visible_comment(state, id).await?;
    if is_closed(state, &target) {
        return Err(closed_error());
    }
    let desk = state.comments();
    let reader = desk.reader(origin, principal.map(|p| p.user.id));
    desk.admit(Activity::Reacting, &reader, state.now())?;
    desk.admit_everywhere(
        state.shared_limits(),
        state.db(),
        Activity::Reacting,
        &reader,
        state.now(),
    )
    .await?;
    Ok(state
        .db()
        .comments()
        .react(comment.id, &reader.key, kind, state.now())
        .await?)
}

/// An editor approves, hides, deletes, restores, picks or unpicks a comment on any story;
/// audited as `comment.<action>`.
pub async fn moderate_comment(
    state: &App,
    principal: &Principal,
    id: &str,
    action: ModerationAction,
) -> Result<Comment, AppError> {
    principal.require_editor("moderate comments")?;
    let id = CommentId::parse(id).map_err(|_| AppError::not_found("no comment has this id"))?;
    let (comment, _) = state
        .db()
        .comments()
        .find(id)
        .await?
        .ok_or_else(|| AppError::not_found("no comment has this id"))?;
    let (new_state, hold_reason, picked) =
        action
            .apply(comment.state, comment.picked)
            .map_err(|err| AppError::Conflict {
                detail: err.to_string(),
                current_status: None,
            })?;
    let now = state.now();
    let audit = AuditEvent::new(
        now,
        Some(principal.user.id),
        &format!("comment.{}", past_tense(action)),
        &comment.id,
        serde_json::json!({
            "article": comment.article_id.to_string(),
            "from": comment.state.as_str(),
            "to": new_state.as_str(),
        }),
    );
    let changed = state
        .db()
        .comments()
        .update(&CommentUpdate {
            id: comment.id,
            expected_state: comment.state,
            state: new_state,
            hold_reason,
            picked,
            text: None,
            edited_at: None,
            audit: Some(&audit),
        })
        .await?;
    if !changed {
        return Err(changed_meanwhile());
    }
    let moderated = Comment {
        state: new_state,
        hold_reason,
        picked,
        ..comment
    };
    tracing::info!(comment.id = %moderated.id, moderation.action = action.as_str(), "comment moderated");
    let section = state
        .db()
        .comments()
        .target(moderated.article_id, now)
        .await?;
    if let Some(target) = section {
        announce(state, &moderated, CommentChangeKind::Moderated, &target);
    } else {
        state.announce_comment(CommentChange {
            kind: CommentChangeKind::Moderated,
            comment: moderated.id,
            article: moderated.article_id,
            state: moderated.state,
            at: now,
        });
    }
    Ok(moderated)
}

fn past_tense(action: ModerationAction) -> &'static str {
    match action {
        ModerationAction::Approve => "approved",
        ModerationAction::Hide => "hidden",
        ModerationAction::Delete => "deleted",
        ModerationAction::Restore => "restored",
        ModerationAction::Pick => "picked",
        ModerationAction::Unpick => "unpicked",
    }
}

/// Comments waiting for an editor (held or hidden), newest first; `before` continues a page.
pub async fn review_queue(
    state: &App,
    principal: &Principal,
    before: Option<&str>,
    limit: Option<i64>,
) -> Result<(Vec<Comment>, Option<CommentId>), AppError> {
    principal.require_editor("review comments")?;
    let size = PageSize::parse(limit)?;
    let before = before
        .map(|text| {
            CommentId::parse(text).map_err(|err| ValidationError::new("cursor", err.message))
        })
        .transpose()?;
    let mut comments = state
        .db()
        .comments()
        .review_queue(before, size.get() + 1)
        .await?;
    let more = comments.len() > usize::try_from(size.get()).unwrap_or(usize::MAX);
    comments.truncate(usize::try_from(size.get()).unwrap_or(usize::MAX));
    let next = more.then(|| comments.last().map(|c| c.id)).flatten();
    Ok((comments, next))
}

/// An editor closes (or reopens) comments on a story in any status; audited.
pub async fn set_story_comments(
    state: &App,
    principal: &Principal,
    article_id: &str,
    closed: bool,
) -> Result<(), AppError> {
    principal.require_editor("close comments")?;
    let id =
        ArticleId::parse(article_id).map_err(|_| AppError::not_found("no story has this id"))?;
    let audit = AuditEvent::new(
        state.now(),
        Some(principal.user.id),
        if closed {
            "article.comments_closed"
        } else {
            "article.comments_opened"
        },
        &id,
        serde_json::json!({}),
    );
    if !state.db().comments().set_closed(id, closed, &audit).await? {
        return Err(AppError::not_found("no story has this id"));
    }
    Ok(())
}

/// An editor sets a desk's moderation mode (`post` or `pre`); audited.
pub async fn set_section_moderation(
    state: &App,
    principal: &Principal,
    section_id: &str,
    mode: ModerationMode,
) -> Result<ModerationMode, AppError> {
    principal.require_editor("set a desk's comment moderation")?;
    let missing = || AppError::not_found("no section has this id or slug");
    let id = if SectionId::looks_like(section_id) {
        SectionId::parse(section_id).map_err(|_| missing())?
    } else {
        let slug = crate::service::parse_slug("slug", section_id).map_err(|_| missing())?;
        state
            .db()
            .sections()
            .find_by_slug(&slug)
            .await?
            .ok_or_else(missing)?
            .id
    };
    let audit = AuditEvent::new(
        state.now(),
        Some(principal.user.id),
        "section.comment_moderation",
        &id,
        serde_json::json!({ "moderation": mode.as_str() }),
    );
    if !state
        .db()
        .comments()
        .set_moderation(id, mode, &audit)
        .await?
    {
        return Err(missing());
    }
    Ok(mode)
}
