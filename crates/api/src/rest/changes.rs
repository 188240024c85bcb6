//! `/api/v1/changes`: the change feed a partner mirrors stories with.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, FixedOffset};
use dateline_app::App;
use dateline_app::presentation::article_url;
use dateline_app::service::audience::Audience;
use dateline_app::service::changes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::problem::{ApiError, Problem};
use crate::rest::dto::ArticleResponse;
use crate::rest::extract::{ApiQuery, parse_number};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangesParams {
    /// The `nextCursor` of the previous page; from the beginning when absent.
    since: Option<String>,
    /// Events per page, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// What a mirror needs of a story that is public now.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangedArticle {
    id: String,
    slug: String,
    headline: String,
    url: String,
    published_at: Option<DateTime<FixedOffset>>,
    updated_at: DateTime<FixedOffset>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangeResponse {
    /// `evt_<n>`: the same id a webhook delivery of this event carries.
    id: String,
    /// `article.published`, `article.updated`, `article.unpublished`, `article.deleted`, or
    /// `comment.created` (a reader's comment went up on the story).
    #[serde(rename = "type")]
    kind: String,
    article_id: String,
    /// The comment a `comment.*` event is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_id: Option<String>,
    /// When the change took effect (a scheduled story's publication time).
    occurred_at: DateTime<FixedOffset>,
    /// The story as public readers see it now; null once it is no longer public.
    article: Option<ChangedArticle>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangePageInfo {
    /// Pass as `since` to continue; kept even when nothing new came.
    next_cursor: Option<String>,
    /// More events are waiting now (ask again at once) rather than later.
    has_more: bool,
    limit: u64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ChangeList {
    data: Vec<ChangeResponse>,
    page: ChangePageInfo,
}

/// Published, updated, unpublished and deleted events, oldest first, from a cursor.
///
/// A scheduled story's publication appears when its time comes. With a partner's `X-Api-Key` the
/// feed holds only the stories ever filed in the partner's sections; one that has left them comes
/// with `article: null`, to be taken down.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "syndication",
    params(ChangesParams),
    responses(
        (status = 200, description = "The events after the cursor, in the order stories became visible", body = ChangeList),
        (status = 400, description = "A malformed cursor or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_changes(
    State(state): State<App>,
    audience: Audience,
    ApiQuery(params): ApiQuery<ChangesParams>,
) -> Result<Json<ChangeList>, ApiError> {
    let page = changes::list_changes(
        &state,
        &audience,
        params.since.as_deref(),
        parse_number("limit", params.limit.as_deref())?,
    )
    .await?;
    let settings = state.settings();
    Ok(Json(ChangeList {
        data: page
            .events
            .iter()
            .map(|(event, record)| ChangeResponse {
                id: format!("evt_{}", event.seq),
                kind: event.kind.to_string(),
                article_id: event.article.to_string(),
                comment_id: event.comment.map(|id| id.to_string()),
                occurred_at: settings.local_time(event.visible_at),
                article: record.as_ref().map(|record| {
                    let shown = ArticleResponse::new(settings, record, false);
                    ChangedArticle {
                        id: shown.id,
                        slug: shown.slug,
                        headline: shown.headline,
                        url: article_url(settings, record),
                        published_at: shown.published_at,
                        updated_at: shown.updated_at,
                    }
                }),
            })
            .collect(),
        page: ChangePageInfo {
            next_cursor: page.next.map(|cursor| cursor.encode()),
            has_more: page.more,
            limit: page.size.get(),
        },
    }))
}
