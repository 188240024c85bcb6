//! `GET /api/v1/popular`: the most-viewed ranking.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use chrono::{DateTime, FixedOffset};
use dateline_app::App;
use dateline_app::service::popular::{self, PopularRequest};
use dateline_domain::Window;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::ArticleResponse;
use crate::rest::extract::{ApiQuery, parse_number};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PopularParams {
    /// `1h`, `24h` (default), `7d` or `30d`.
    window: Option<String>,
    /// A section slug; its subsections' stories are included.
    section: Option<String>,
    /// How many stories, 1–100 (default 10).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// One place in the ranking.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PopularItem {
    /// 1 for the most viewed.
    rank: usize,
    /// Views in the window.
    views: u64,
    /// The story, in the summary shape of the latest list.
    article: ArticleResponse,
}

/// `{"data": […], "window": "24h", "generatedAt": …}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PopularResponse {
    data: Vec<PopularItem>,
    window: &'static str,
    /// When the views were summed; rankings are recomputed every few seconds.
    generated_at: DateTime<FixedOffset>,
}

/// The most-viewed public stories in a window, overall or in a section (most viewed first).
#[utoipa::path(
    get,
    path = "/api/v1/popular",
    tag = "rankings",
    params(PopularParams),
    responses(
        (status = 200, description = "The ranking", body = PopularResponse),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The section does not exist", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn popular(
    State(state): State<App>,
    ApiQuery(params): ApiQuery<PopularParams>,
) -> Result<Response, ApiError> {
    let window = params
        .window
        .as_deref()
        .map_or(Ok(Window::DEFAULT), Window::parse)?;
    let ranking = popular::popular(
        &state,
        PopularRequest {
            window,
            section: params.section.as_deref(),
            limit: parse_number("limit", params.limit.as_deref())?,
        },
    )
    .await?;
    let settings = state.settings();
    let mut keys = CacheKeys::new();
    keys.fresh_for(settings.views.ranking_cache_ttl)
        .shows_view_counts();
    for entry in &ranking.entries {
        keys.record(&entry.record);
    }
    let mut response = Json(PopularResponse {
        data: ranking
            .entries
            .iter()
            .map(|entry| PopularItem {
                rank: entry.rank,
                views: entry.views,
                article: ArticleResponse::new(settings, &entry.record, false),
            })
            .collect(),
        window: ranking.window.as_str(),
        generated_at: settings.local_time(ranking.generated_at),
    })
    .into_response();
    keys.attach(&mut response);
    Ok(response)
}
