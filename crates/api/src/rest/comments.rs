//! Reader comments over REST: `/api/v1/articles/{id}/comments`, `/api/v1/comments/{id}` (edit,
//! delete, report, react, moderate) and the newsroom's review queue and switches.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, FixedOffset};
use dateline_app::auth::{Principal, authenticate};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::comments::{self, CommentInput, CommentListRequest};
use dateline_app::settings::Settings;
use dateline_app::{App, AppError};
use dateline_domain::comment::{ModerationAction, ReactionKind};
use dateline_domain::{Comment, CommentSort, ModerationMode, ValidationError};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::Item;
use crate::rest::extract::{ApiJson, ApiPath, ApiQuery, parse_flag, parse_number};

/// The signed-in account when the request carries a bearer token; `None` without one. A token
/// that does not hold is still 401: a reader who meant to sign in should know.
pub(crate) struct MaybePrincipal(pub(crate) Option<Principal>);

impl<S> FromRequestParts<S> for MaybePrincipal
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = &App::from_ref(state);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Self(None));
        };
        let value = value.to_str().map_err(|_| {
            ApiError::App(AppError::Unauthorized {
                detail: "the access token is not valid".into(),
                invalid_token: true,
            })
        })?;
        Ok(Self(Some(authenticate(state, Some(value)).await?)))
    }
}

/// A comment as readers (and, with moderation fields, editors) see it. `bodyHtml` is the text
/// with every character that could open markup escaped; `bodyText` is the text as written, for
/// clients that insert text rather than HTML.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentResponse {
    id: String,
    article_id: String,
    parent_id: Option<String>,
    nickname: String,
    /// Written by a newsroom member under their byline.
    staff: bool,
    body_text: String,
    body_html: String,
    /// visible, held (waiting for an editor), hidden or deleted.
    state: &'static str,
    /// Why the comment waits: pre_moderation, banned_word, reports or editor.
    #[serde(skip_serializing_if = "Option::is_none")]
    hold_reason: Option<&'static str>,
    /// An editor's pick.
    picked: bool,
    /// 공감.
    agrees: u64,
    /// 비공감.
    disagrees: u64,
    /// Visible replies (top-level comments in a list).
    reply_count: u64,
    /// Distinct readers' reports (editors' views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    reports: Option<u64>,
    created_at: DateTime<FixedOffset>,
    edited_at: Option<DateTime<FixedOffset>>,
}

impl CommentResponse {
    pub(crate) fn new(settings: &Settings, comment: &Comment, for_editor: bool) -> Self {
        Self {
            id: comment.id.to_string(),
            article_id: comment.article_id.to_string(),
            parent_id: comment.parent_id.map(|id| id.to_string()),
            nickname: comment.author.name().to_owned(),
            staff: comment.author.is_staff(),
            body_text: comment.text.as_str().to_owned(),
            body_html: comment.text.html(),
            state: comment.state.as_str(),
            hold_reason: comment.hold_reason.map(|reason| reason.as_str()),
            picked: comment.picked,
            agrees: comment.agrees,
            disagrees: comment.disagrees,
            reply_count: comment.replies,
            reports: for_editor.then_some(comment.reports),
            created_at: settings.local_time(comment.created_at),
            edited_at: comment.edited_at.map(|at| settings.local_time(at)),
        }
    }
}

/// A page of comments.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentList {
    data: Vec<CommentResponse>,
    page: CommentPageInfo,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentPageInfo {
    /// Pass as `cursor` (with the same sort and picksFirst) for the next page; `null` on the
    /// last page.
    next_cursor: Option<String>,
    sort: &'static str,
    picks_first: bool,
    /// The story takes no more comments (closed by an editor or by age).
    closed: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListCommentsParams {
    /// newest (default), oldest or most_agreed.
    sort: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
    /// Editor's picks first.
    #[param(value_type = Option<bool>)]
    picks_first: Option<String>,
    /// The replies to this comment instead of the top-level comments.
    parent_id: Option<String>,
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// A public story's visible comments: top-level ones with their reply counts, or one comment's
/// replies.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "The story's id (art_…)"), ListCommentsParams),
    responses(
        (status = 200, description = "A page of visible comments", body = CommentList),
        (status = 400, description = "A malformed parameter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No public story has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_comments(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ListCommentsParams>,
) -> Result<Response, ApiError> {
    let page = comments::list_comments(
        &state,
        &id,
        CommentListRequest {
            sort: params
                .sort
                .as_deref()
                .map(CommentSort::parse)
                .transpose()
                .map_err(AppError::InvalidParameter)?,
            limit: parse_number("limit", params.limit.as_deref())?,
            cursor: params.cursor,
            picks_first: parse_flag("picksFirst", params.picks_first.as_deref())?.unwrap_or(false),
            parent_id: params.parent_id,
        },
    )
    .await?;
    let settings = state.settings();
    let mut response = Json(CommentList {
        data: page
            .comments
            .iter()
            .map(|comment| CommentResponse::new(settings, comment, false))
            .collect(),
        page: CommentPageInfo {
            next_cursor: page.next.map(|cursor| cursor.encode()),
            sort: page.sort.as_str(),
            picks_first: page.picks_first,
            closed: page.closed,
        },
    })
    .into_response();
    // A comment written or moderated on this story drops it; reactions move counts without an
    // announcement, so it is kept briefly.
    let mut keys = CacheKeys::new();
    keys.comment_thread(&id).named(&id).shows_view_counts();
    keys.attach(&mut response);
    Ok(response)
}

/// A new comment. Without an account: nickname and password. Signed in: under the byline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewCommentBody {
    /// 1–20 letters, digits, spaces, `_ - .` (ignored for staff).
    nickname: Option<String>,
    /// 4–64 characters; edits or deletes the comment later (not for staff).
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
    /// 1–1,000 characters of text (never markup), at most two links.
    body: String,
    /// The comment this replies to (one level of replies).
    parent_id: Option<String>,
}

/// Posts a comment on a public story. 201 with the comment; its `state` is `held` when it waits
/// for an editor (a pre-moderated desk, or a banned word).
#[utoipa::path(
    post,
    path = "/api/v1/articles/{id}/comments",
    tag = "comments",
    // Readers send no token; a signed-in account acts as staff (or as itself).
    security((), ("bearer" = []), ("partnerKey" = [])),
    params(("id" = String, Path, description = "The story's id (art_…)")),
    request_body = NewCommentBody,
    responses(
        (status = 201, description = "Posted (visible, or held for review)", body = Item<CommentResponse>),
        (status = 404, description = "No public story has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Comments are closed, or the same text was just posted", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
pub(crate) async fn add_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    MaybePrincipal(principal): MaybePrincipal,
    origin: ReaderOrigin,
    ApiJson(body): ApiJson<NewCommentBody>,
) -> Result<Response, ApiError> {
    let comment = comments::add_comment(
        &state,
        &id,
        CommentInput {
            nickname: body.nickname,
            password: body.password,
            body: body.body,
            parent_id: body.parent_id,
        },
        principal.as_ref(),
        &origin,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        no_store(),
        Json(Item {
            data: CommentResponse::new(state.settings(), &comment, false),
        }),
    )
        .into_response())
}

/// An edit: the new text, and the password unless an editor (or the staff writer) signs in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EditCommentBody {
    body: String,
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
}

/// Changes a comment's text. The new text is moderated like a new comment.
#[utoipa::path(
    patch,
    path = "/api/v1/comments/{id}",
    tag = "comments",
    // Readers send no token; a signed-in account acts as staff (or as itself).
    security((), ("bearer" = []), ("partnerKey" = [])),
    params(("id" = String, Path, description = "The comment's id (cmt_…)")),
    request_body = EditCommentBody,
    responses(
        (status = 200, description = "Edited", body = Item<CommentResponse>),
        (status = 403, description = "Wrong or missing password", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment on a public story has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Comments are closed, or the comment is hidden", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The text breaks a rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn edit_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    MaybePrincipal(principal): MaybePrincipal,
    origin: ReaderOrigin,
    ApiJson(body): ApiJson<EditCommentBody>,
) -> Result<Response, ApiError> {
    let comment = comments::edit_comment(
        &state,
        &id,
        &body.body,
        body.password,
        principal.as_ref(),
        &origin,
    )
    .await?;
    let for_editor = principal.is_some_and(|p| p.role().is_editor());
    Ok((
        no_store(),
        Json(Item {
            data: CommentResponse::new(state.settings(), &comment, for_editor),
        }),
    )
        .into_response())
}

/// The password that deletes a comment (not needed by an editor).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
}

/// A small optional JSON body: empty is the default; anything else must parse.
fn optional_json<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, ApiError> {
    if body.trim_ascii().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|err| {
        ApiError::App(AppError::Invalid(ValidationError::new(
            "body",
            err.to_string(),
        )))
    })
}

/// Deletes a comment: its writer with the password, or an editor.
#[utoipa::path(
    delete,
    path = "/api/v1/comments/{id}",
    tag = "comments",
    // Readers send no token; a signed-in account acts as staff (or as itself).
    security((), ("bearer" = []), ("partnerKey" = [])),
    params(("id" = String, Path, description = "The comment's id (cmt_…)")),
    request_body(content = Option<PasswordBody>, description = "The comment's password; editors send nothing"),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Wrong or missing password", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment on a public story has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
pub(crate) async fn delete_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    MaybePrincipal(principal): MaybePrincipal,
    origin: ReaderOrigin,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let body: PasswordBody = optional_json(&body)?;
    comments::delete_comment(&state, &id, body.password, principal.as_ref(), &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a reader reports a comment (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportBody {
    reason: Option<String>,
}

/// What a report did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportResponse {
    /// False when this reader had already reported the comment.
    counted: bool,
}

/// Reports a visible comment. Past the newsroom's threshold of distinct readers it is hidden
/// pending review.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/report",
    tag = "comments",
    // Readers send no token; a signed-in account acts as staff (or as itself).
    security((), ("bearer" = []), ("partnerKey" = [])),
    params(("id" = String, Path, description = "The comment's id (cmt_…)")),
    request_body(content = Option<ReportBody>),
    responses(
        (status = 202, description = "Received", body = Item<ReportResponse>),
        (status = 404, description = "No visible comment on a public story has this id", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
pub(crate) async fn report_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    MaybePrincipal(principal): MaybePrincipal,
    origin: ReaderOrigin,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: ReportBody = optional_json(&body)?;
    let outcome = comments::report_comment(
        &state,
        &id,
        body.reason.as_deref(),
        principal.as_ref(),
        &origin,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        no_store(),
        Json(Item {
            data: ReportResponse {
                counted: outcome.counted,
            },
        }),
    )
        .into_response())
}

/// 공감 or 비공감.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReactionBody {
    /// agree or disagree.
    kind: String,
}

/// A comment's reaction counts after a reaction.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReactionResponse {
    /// False when this reader had already reacted to the comment.
    counted: bool,
    agrees: u64,
    disagrees: u64,
}

/// Agrees or disagrees with a visible comment; one reaction per reader per comment.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/reactions",
    tag = "comments",
    // Readers send no token; a signed-in account acts as staff (or as itself).
    security((), ("bearer" = []), ("partnerKey" = [])),
    params(("id" = String, Path, description = "The comment's id (cmt_…)")),
    request_body = ReactionBody,
    responses(
        (status = 200, description = "The counts now", body = Item<ReactionResponse>),
        (status = 404, description = "No visible comment on a public story has this id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "kind is neither agree nor disagree", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
pub(crate) async fn react_to_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    MaybePrincipal(principal): MaybePrincipal,
    origin: ReaderOrigin,
    ApiJson(body): ApiJson<ReactionBody>,
) -> Result<Response, ApiError> {
    let kind = ReactionKind::parse(&body.kind).map_err(AppError::Invalid)?;
    let outcome =
        comments::react_to_comment(&state, &id, kind, principal.as_ref(), &origin).await?;
    Ok((
        no_store(),
        Json(Item {
            data: ReactionResponse {
                counted: outcome.counted,
                agrees: outcome.agrees,
                disagrees: outcome.disagrees,
            },
        }),
    )
        .into_response())
}

/// An editor's moderation step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModerationBody {
    /// approve, hide, delete, restore, pick or unpick.
    action: String,
}

/// An editor approves, hides, deletes, restores, picks or unpicks a comment; audited.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/moderation",
    tag = "comments",
    params(("id" = String, Path, description = "The comment's id (cmt_…)")),
    request_body = ModerationBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment after the step", body = Item<CommentResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No comment has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The comment's state does not allow the step", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn moderate_comment(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    principal: Principal,
    ApiJson(body): ApiJson<ModerationBody>,
) -> Result<Json<Item<CommentResponse>>, ApiError> {
    // The role is checked before the action is parsed, so a reporter hears 403 whatever it sent.
    principal.require_editor("moderate comments")?;
    let action = ModerationAction::parse(&body.action).map_err(AppError::Invalid)?;
    let comment = comments::moderate_comment(&state, &principal, &id, action).await?;
    Ok(Json(Item {
        data: CommentResponse::new(state.settings(), &comment, true),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueParams {
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// The review queue: held and hidden comments on any story, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/comments",
    tag = "comments",
    params(QueueParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of comments waiting for an editor", body = CommentList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn review_queue(
    State(state): State<App>,
    principal: Principal,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> Result<Response, ApiError> {
    let (comments, next) = comments::review_queue(
        &state,
        &principal,
        params.cursor.as_deref(),
        parse_number("limit", params.limit.as_deref())?,
    )
    .await?;
    let settings = state.settings();
    Ok((
        no_store(),
        Json(CommentList {
            data: comments
                .iter()
                .map(|comment| CommentResponse::new(settings, comment, true))
                .collect(),
            page: CommentPageInfo {
                next_cursor: next.map(|id| id.to_string()),
                sort: "newest",
                picks_first: false,
                closed: false,
            },
        }),
    )
        .into_response())
}

/// Whether a story takes comments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoryCommentsBody {
    closed: bool,
}

/// An editor closes or reopens a story's comments (in any status); audited.
#[utoipa::path(
    put,
    path = "/api/v1/newsroom/articles/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "The story's id (art_…)")),
    request_body = StoryCommentsBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Set", body = Item<StoryCommentsBody>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No story has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn set_story_comments(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    principal: Principal,
    ApiJson(body): ApiJson<StoryCommentsBody>,
) -> Result<Json<Item<StoryCommentsBody>>, ApiError> {
    comments::set_story_comments(&state, &principal, &id, body.closed).await?;
    Ok(Json(Item { data: body }))
}

/// How a desk moderates comments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SectionModerationBody {
    /// post (visible at once) or pre (held until an editor approves).
    moderation: String,
}

/// An editor sets a desk's comment moderation; audited. Applies to stories whose primary
/// section it is.
#[utoipa::path(
    put,
    path = "/api/v1/newsroom/sections/{idOrSlug}/comments",
    tag = "comments",
    params(("idOrSlug" = String, Path, description = "The section's id (sec_…) or slug")),
    request_body = SectionModerationBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Set", body = Item<SectionModerationBody>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No section has this id or slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "moderation is neither post nor pre", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn set_section_moderation(
    State(state): State<App>,
    ApiPath(id): ApiPath<String>,
    principal: Principal,
    ApiJson(body): ApiJson<SectionModerationBody>,
) -> Result<Json<Item<SectionModerationBody>>, ApiError> {
    // The role is checked before the mode is parsed, so a reporter hears 403 whatever it sent.
    principal.require_editor("set a desk's comment moderation")?;
    let mode = ModerationMode::parse(&body.moderation).map_err(AppError::Invalid)?;
    let mode = comments::set_section_moderation(&state, &principal, &id, mode).await?;
    Ok(Json(Item {
        data: SectionModerationBody {
            moderation: mode.as_str().to_owned(),
        },
    }))
}
