//! `GET /api/v1/search` (Korean-aware full-text search) and
//! `GET /api/v1/articles/{idOrSlug}/related`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use dateline_app::service::articles::{find_article, with_relations};
use dateline_app::service::related;
use dateline_app::service::search::{self, SearchRequest};
use dateline_app::{App, AppError};
use dateline_domain::search::SearchOrder;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{ArticleResponse, PageInfo};
use crate::rest::extract::{ApiPath, ApiQuery, parse_number, parse_time};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// What to look for, at most 200 characters and 8 words; every word must match. Korean
    /// particles are taken off (부산에서 finds 부산); a one-syllable word matches only where it
    /// stands alone.
    q: Option<String>,
    /// A section slug; its subsections' stories are included.
    section: Option<String>,
    /// Only stories published at or after this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Only stories published at or before this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page (valid for the same `sort` only).
    cursor: Option<String>,
    /// `relevance` (default: whole words and headline matches first, then newer) or `newest`.
    sort: Option<String>,
}

/// A story found: the summary shape of the latest list, with the passage that matched.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResult {
    #[serde(flatten)]
    article: ArticleResponse,
    /// HTML: a passage of the body, escaped, each match in `<mark>`.
    snippet: String,
    /// The relevance score (0 in `newest` order); higher ranks first.
    score: u32,
}

/// `{"data": […], "page": {…}}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResults {
    data: Vec<SearchResult>,
    page: PageInfo,
}

/// Public stories matching a query, best first (or newest first), with highlighted snippets.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "articles",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of public stories that match", body = SearchResults),
        (status = 400, description = "No query, a query too long, with control characters or nothing to search for, or a malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The section does not exist", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn search(
    State(state): State<App>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Response, ApiError> {
    let page = search::search(
        &state,
        SearchRequest {
            q: params.q.as_deref(),
            section: params.section.as_deref(),
            from: parse_time("from", params.from.as_deref())?,
            to: parse_time("to", params.to.as_deref())?,
            limit: parse_number("limit", params.limit.as_deref())?,
            cursor: params.cursor.as_deref(),
            sort: params
                .sort
                .as_deref()
                .map(SearchOrder::parse)
                .transpose()
                .map_err(AppError::InvalidParameter)?,
        },
    )
    .await?;
    let (articles, found): (Vec<_>, Vec<_>) = page
        .found
        .into_iter()
        .map(|found| (found.article, (found.snippet, found.hit.score)))
        .unzip();
    let records = with_relations(&state, articles).await?;
    // Any change to the public stories may change what matches, an edit of one's text included.
    let mut keys = CacheKeys::new();
    keys.story_list([]).any_story();
    for record in &records {
        keys.record(record);
    }
    let settings = state.settings();
    let mut response = Json(SearchResults {
        data: records
            .iter()
            .zip(found)
            .map(|(record, (snippet, score))| SearchResult {
                article: ArticleResponse::new(settings, record, false),
                snippet,
                score,
            })
            .collect(),
        page: PageInfo {
            next_cursor: page.next.map(|cursor| cursor.encode()),
            limit: page.size.get(),
        },
    })
    .into_response();
    keys.attach(&mut response);
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RelatedParams {
    /// How many stories, 1–20 (default 5).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 20)]
    limit: Option<String>,
}

/// `{"data": […]}`: related stories in the summary shape of the latest list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RelatedList {
    data: Vec<ArticleResponse>,
}

/// Public stories related to a public story: sharing its tags first, then its section, then
/// words of its headline. Worked out at most once a minute per story; always only public ones.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{idOrSlug}/related",
    tag = "articles",
    params(("idOrSlug" = String, Path, description = "The story's id (art_…) or slug"), RelatedParams),
    responses(
        (status = 200, description = "Related public stories, most related first", body = RelatedList),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No public story by that id or slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn related(
    State(state): State<App>,
    ApiPath(id_or_slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<RelatedParams>,
) -> Result<Response, ApiError> {
    let limit = related::parse_limit(parse_number("limit", params.limit.as_deref())?)?;
    let story = find_article(&state, &id_or_slug).await?;
    let stories = related::related(&state, &story, limit).await?;
    let records = with_relations(&state, stories).await?;
    let mut keys = CacheKeys::new();
    keys.story_list([]).any_story().story(story.id);
    for record in &records {
        keys.record(record);
    }
    let settings = state.settings();
    let mut response = Json(RelatedList {
        data: records
            .iter()
            .map(|record| ArticleResponse::new(settings, record, false))
            .collect(),
    })
    .into_response();
    keys.attach(&mut response);
    Ok(response)
}
