//! The newsroom's REST surface: writing and editing stories (`POST/PATCH/DELETE
//! /api/v1/articles…`), workflow steps, previews, the newsroom's own lists and story views,
//! revisions, diffs and the audit trail. Every route needs a bearer token; the service decides
//! what each role may do.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use dateline_app::auth::Principal;
use dateline_app::service::accounts;
use dateline_app::service::newsroom::{self, Expected, ListStories, Step, StoryInput, StoryView};
use dateline_app::{App, AppError};
use dateline_domain::{Block, PublishAt, Status, Timestamp, ValidationError};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use crate::problem::{ApiError, Problem};
use crate::rest::dto::{Item, PageInfo};
use crate::rest::extract::{ApiJson, ApiPath, ApiQuery, if_match, parse_number, version_tag};
use crate::rest::newsroom_dto::{
    AuditResponse, DiffResponse, EditorialArticleResponse, PreviewResponse, RevisionResponse,
};

/// Reads a field that may be absent (`None`), null (`Some(None)`) or set.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A story to write or the changes to make to one. Send `body` (blocks) or `bodyHtml`
/// (sanitised, then turned into blocks).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StoryRequest {
    headline: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    subheadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    summary: Option<Option<String>>,
    #[schema(value_type = Option<Vec<Object>>)]
    body: Option<Vec<Block>>,
    body_html: Option<String>,
    /// A section slug.
    section: Option<String>,
    /// Author slugs, in byline order.
    authors: Option<Vec<String>>,
    /// Tag names; new ones are created.
    tags: Option<Vec<String>>,
    /// A media id, or null to remove.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    lead_image: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    source_label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    canonical_url: Option<Option<String>>,
    /// New stories only: a slug instead of one made from the headline.
    slug: Option<String>,
    /// Edits of published stories only: a public correction note.
    correction: Option<String>,
    /// Edits only: the version being edited (or send `If-Match`).
    version: Option<i32>,
    /// True when the story must never reach a syndication partner in full.
    not_for_syndication: Option<bool>,
    /// Breaking news (속보) until this time (RFC 3339, at most 48 hours ahead); null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    breaking_until: Option<Option<DateTime<FixedOffset>>>,
}

impl StoryRequest {
    fn into_input(self) -> (StoryInput, Option<i32>) {
        (
            StoryInput {
                headline: self.headline,
                subheadline: self.subheadline,
                summary: self.summary,
                body: self.body,
                body_html: self.body_html,
                section: self.section,
                authors: self.authors,
                tags: self.tags,
                lead_image: self.lead_image,
                source_label: self.source_label,
                canonical_url: self.canonical_url,
                slug: self.slug,
                correction: self.correction,
                not_for_syndication: self.not_for_syndication,
                breaking_until: self.breaking_until.map(|until| {
                    until.map(|at| Timestamp::from_datetime(at.with_timezone(&chrono::Utc)))
                }),
            },
            self.version,
        )
    }
}

/// The version a write names: `If-Match` wins over a `version` field.
fn expected(headers: &HeaderMap, field: Option<i32>) -> Result<Option<Expected>, ApiError> {
    Ok(match (if_match(headers)?, field) {
        (Some(version), _) => Some(Expected {
            version,
            from_header: true,
        }),
        (None, Some(version)) => Some(Expected {
            version,
            from_header: false,
        }),
        (None, None) => None,
    })
}

/// A story as the newsroom sees it, with its version as the ETag. Never cached by anyone.
fn story_response(state: &App, status: StatusCode, view: &StoryView) -> Response {
    let mut response = (
        status,
        Json(Item {
            data: EditorialArticleResponse::new(state.settings(), view),
        }),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::ETAG, version_tag(view.record.article.version));
    headers.insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    response
}

/// Writes a new story as a DRAFT.
#[utoipa::path(
    post,
    path = "/api/v1/articles",
    tag = "newsroom",
    security(("bearer" = [])),
    request_body = StoryRequest,
    responses(
        (status = 201, description = "The story, status DRAFT", body = Item<EditorialArticleResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn create_article(
    State(state): State<App>,
    principal: Principal,
    ApiJson(request): ApiJson<StoryRequest>,
) -> Result<Response, ApiError> {
    let (input, version) = request.into_input();
    if version.is_some() {
        return Err(ApiError::App(AppError::Invalid(ValidationError::new(
            "version",
            "a new story has no version yet",
        ))));
    }
    let view = newsroom::create_article(&state, &principal, input).await?;
    Ok(story_response(&state, StatusCode::CREATED, &view))
}

/// Edits a story. Name the version edited with `If-Match` (412 when stale) or a `version`
/// field (409 when stale); without either, 428.
#[utoipa::path(
    patch,
    path = "/api/v1/articles/{idOrSlug}",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("idOrSlug" = String, Path, description = "The story's id (art_…)")),
    request_body = StoryRequest,
    responses(
        (status = 200, description = "The story as edited, at its new version", body = Item<EditorialArticleResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Archived, or edited by someone else", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
pub(crate) async fn update_article(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StoryRequest>,
) -> Result<Response, ApiError> {
    let (input, version) = request.into_input();
    let expected = expected(&headers, version)?;
    let view = newsroom::update_article(&state, &principal, &id, input, expected).await?;
    Ok(story_response(&state, StatusCode::OK, &view))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StepRequest {
    /// Approve only: when the story appears. Absent publishes now, a future time schedules; a
    /// past time is refused (422) unless `backdate` is true.
    publish_at: Option<DateTime<FixedOffset>>,
    /// Approve only: publish under a `publishAt` in the past (a story that ran in print).
    #[serde(default)]
    backdate: bool,
    /// The version acted on (optional; or send `If-Match`).
    version: Option<i32>,
}

/// An empty body is an empty step request.
async fn step_request(body: axum::body::Bytes) -> Result<StepRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(StepRequest::default());
    }
    serde_json::from_slice(&body).map_err(|err| {
        ApiError::App(AppError::Invalid(ValidationError::new(
            "body",
            format!(
                "expected {{\"publishAt\": an RFC 3339 time like 2026-12-01T09:00:00+09:00, \"version\": a number}}: {err}"
            ),
        )))
    })
}

async fn step(
    state: &App,
    principal: &Principal,
    id: &str,
    headers: &HeaderMap,
    body: axum::body::Bytes,
    make: impl FnOnce(&StepRequest) -> Step,
) -> Result<Response, ApiError> {
    let request = step_request(body).await?;
    let expected = expected(headers, request.version)?;
    let view = newsroom::transition(state, principal, id, make(&request), expected).await?;
    Ok(story_response(state, StatusCode::OK, &view))
}

macro_rules! step_route {
    ($name:ident, $path:literal, $what:literal, $make:expr) => {
        #[doc = $what]
        #[utoipa::path(
            post,
            path = $path,
            tag = "newsroom",
            security(("bearer" = [])),
            params(("idOrSlug" = String, Path, description = "The story's id (art_…)")),
            request_body(content = Option<StepRequest>),
            responses(
                (status = 200, description = "The story after the step", body = Item<EditorialArticleResponse>),
                (status = 401, response = crate::openapi::Unauthorized),
                (status = 403, description = "Not this role's step", body = Problem, content_type = "application/problem+json"),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, description = "Not from the current status (named as currentStatus)", body = Problem, content_type = "application/problem+json"),
            )
        )]
        pub(crate) async fn $name(
            State(state): State<App>,
            principal: Principal,
            ApiPath(id): ApiPath<String>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> Result<Response, ApiError> {
            step(&state, &principal, &id, &headers, body, $make).await
        }
    };
}

step_route!(
    submit_article,
    "/api/v1/articles/{idOrSlug}/submit",
    "Submits a draft to the desk (its reporter or an editor).",
    |_| Step::Submit
);
step_route!(
    approve_article,
    "/api/v1/articles/{idOrSlug}/approve",
    "Approves a story (editors): publishes it now, or schedules it for `publishAt`.",
    |request: &StepRequest| Step::Approve(PublishAt::requested(
        request
            .publish_at
            .map(|at| Timestamp::from_datetime(at.to_utc())),
        request.backdate
    ))
);
step_route!(
    unpublish_article,
    "/api/v1/articles/{idOrSlug}/unpublish",
    "Takes a published or scheduled story down (editors).",
    |_| Step::Unpublish
);
step_route!(
    archive_article,
    "/api/v1/articles/{idOrSlug}/archive",
    "Archives an unpublished story (editors).",
    |_| Step::Archive
);

/// Deletes a story that is not public (reporters: their own drafts).
#[utoipa::path(
    delete,
    path = "/api/v1/articles/{idOrSlug}",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("idOrSlug" = String, Path, description = "The story's id (art_…)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Public: unpublish it first", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn delete_article(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = expected(&headers, None)?;
    newsroom::delete_article(&state, &principal, &id, expected).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mints a preview link for a story: its unpublished version, for an hour.
#[utoipa::path(
    post,
    path = "/api/v1/articles/{idOrSlug}/preview",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("idOrSlug" = String, Path, description = "The story's id (art_…)")),
    responses(
        (status = 201, description = "The preview link", body = Item<PreviewResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn create_preview(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<Item<PreviewResponse>>), ApiError> {
    let preview = newsroom::create_preview(&state, &principal, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: PreviewResponse::new(state.settings(), &preview),
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct NewsroomParams {
    /// DRAFT, SUBMITTED, PUBLISHED, SCHEDULED, UNPUBLISHED or ARCHIVED.
    status: Option<String>,
    /// `true` for the signed-in account's stories only (reporters always get only theirs).
    #[param(value_type = Option<bool>)]
    mine: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// A page of newsroom stories.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(crate) struct StoryList {
    data: Vec<EditorialArticleResponse>,
    page: PageInfo,
}

/// The newsroom's stories in any status, most recently updated first.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles",
    tag = "newsroom",
    security(("bearer" = [])),
    params(NewsroomParams),
    responses(
        (status = 200, description = "A page of stories in any status", body = StoryList),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
pub(crate) async fn list_stories(
    State(state): State<App>,
    principal: Principal,
    ApiQuery(params): ApiQuery<NewsroomParams>,
) -> Result<Response, ApiError> {
    let page = newsroom::list_stories(
        &state,
        &principal,
        ListStories {
            status: params
                .status
                .as_deref()
                .map(|status| {
                    Status::parse(status).map_err(|err| {
                        AppError::InvalidParameter(ValidationError::new("status", err.message))
                    })
                })
                .transpose()?,
            mine: crate::rest::extract::parse_flag("mine", params.mine.as_deref())?
                .unwrap_or(false),
            limit: parse_number("limit", params.limit.as_deref())?,
            cursor: params.cursor.as_deref(),
        },
    )
    .await?;
    let mut response = Json(StoryList {
        data: page
            .stories
            .iter()
            .map(|view| EditorialArticleResponse::new(state.settings(), view))
            .collect(),
        page: PageInfo {
            next_cursor: page.next.map(|cursor| cursor.encode()),
            limit: page.size.get(),
        },
    })
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// One story in any status, with its status and version (ETag).
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The story's id (art_…)")),
    responses(
        (status = 200, description = "The story as the newsroom has it", body = Item<EditorialArticleResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn find_story(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let view = newsroom::find_story(&state, &principal, &id).await?;
    Ok(story_response(&state, StatusCode::OK, &view))
}

/// A story's revisions, newest first (editors).
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}/revisions",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The story's id (art_…)")),
    responses(
        (status = 200, description = "Every saved version, newest first", body = Item<Vec<RevisionResponse>>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn list_revisions(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Item<Vec<RevisionResponse>>>, ApiError> {
    let revisions = newsroom::list_revisions(&state, &principal, &id).await?;
    Ok(Json(Item {
        data: revisions
            .iter()
            .map(|revision| RevisionResponse::new(state.settings(), revision))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DiffParams {
    /// The older version.
    #[param(value_type = i64)]
    from: Option<String>,
    /// The newer version.
    #[param(value_type = i64)]
    to: Option<String>,
}

/// How two revisions of a story differ (editors).
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}/diff",
    tag = "newsroom",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The story's id (art_…)"), DiffParams),
    responses(
        (status = 200, description = "What changed between the two versions", body = Item<DiffResponse>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn diff_revisions(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<DiffParams>,
) -> Result<Json<Item<DiffResponse>>, ApiError> {
    let version = |field: &str, value: Option<&str>| -> Result<i32, ApiError> {
        parse_number(field, value)?
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| {
                ApiError::App(AppError::InvalidParameter(ValidationError::new(
                    field,
                    "a version number is required",
                )))
            })
    };
    let from = version("from", params.from.as_deref())?;
    let to = version("to", params.to.as_deref())?;
    let diff = newsroom::diff_revisions(&state, &principal, &id, from, to).await?;
    Ok(Json(Item {
        data: DiffResponse::new(from, to, diff),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// Only entries about this id (a story, an account).
    subject: Option<String>,
    /// The `id` of the last entry of the previous page.
    before: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// The audit trail, newest first (editors and admins).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "newsroom",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "The audit trail, newest first", body = Item<Vec<AuditResponse>>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
pub(crate) async fn audit_trail(
    State(state): State<App>,
    principal: Principal,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<Item<Vec<AuditResponse>>>, ApiError> {
    let events = accounts::audit_trail(
        &state,
        &principal,
        params.subject.as_deref(),
        params.before.as_deref(),
        parse_number("limit", params.limit.as_deref())?,
    )
    .await?;
    Ok(Json(Item {
        data: events
            .iter()
            .map(|event| AuditResponse::new(state.settings(), event))
            .collect(),
    }))
}
