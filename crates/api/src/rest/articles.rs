//! `/api/v1/articles`: the latest-news list and one story.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use dateline_app::service::articles::{self, ListArticles, Named};
use dateline_app::service::audience::Audience;
use dateline_app::service::newsroom;
use dateline_app::{App, AppError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{ArticleList, ArticleResponse, Item, PageInfo};
use crate::rest::extract::{ApiPath, ApiQuery, parse_flag, parse_number, parse_time};

/// Filters and paging for story lists. Every value arrives as text and is parsed by the service,
/// so a bad one is reported against its own name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListArticlesParams {
    /// A section slug; its subsections' stories are included.
    section: Option<String>,
    /// A tag slug.
    tag: Option<String>,
    /// An author slug.
    author: Option<String>,
    /// Only stories with a lead image (photo news).
    #[param(value_type = Option<bool>)]
    has_image: Option<String>,
    /// Only stories published at or after this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
    /// `body` to include each story's body, bodyHtml and bodyText.
    include: Option<String>,
}

/// Public stories, newest first (latest news, section fronts, photo news).
#[utoipa::path(
    get,
    path = "/api/v1/articles",
    tag = "articles",
    params(ListArticlesParams),
    responses(
        (status = 200, description = "A page of public stories, newest first", body = ArticleList),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The section, tag or author does not exist", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_articles(
    State(state): State<App>,
    audience: Audience,
    ApiQuery(params): ApiQuery<ListArticlesParams>,
) -> Result<Response, ApiError> {
    let with_body = match params.include.as_deref() {
        None | Some("") => false,
        Some("body") => true,
        Some(_) => {
            return Err(ApiError::App(AppError::InvalidParameter(
                dateline_domain::ValidationError::new("include", "the only value is body"),
            )));
        }
    };
    let page = articles::list_articles_for(
        &state,
        &audience,
        ListArticles {
            section: params.section.as_deref().map(Named::Slug),
            tag: params.tag.as_deref().map(Named::Slug),
            author: params.author.as_deref().map(Named::Slug),
            has_image: parse_flag("hasImage", params.has_image.as_deref())?,
            since: parse_time("since", params.since.as_deref())?,
            limit: parse_number("limit", params.limit.as_deref())?,
            cursor: params.cursor.as_deref(),
        },
    )
    .await?;
    let filters = [
        page.filter.section.map(|id| id.to_string()),
        page.filter.tag.map(|id| id.to_string()),
        page.filter.author.map(|id| id.to_string()),
    ];
    let records = articles::with_relations(&state, page.articles).await?;
    audience.record_served(&state, records.iter().map(|record| &record.article));
    let mut keys = CacheKeys::new();
    keys.story_list(filters.iter().flatten().map(String::as_str))
        .shows_view_counts();
    for record in &records {
        keys.record(record);
    }
    let settings = state.settings();
    let mut response = Json(ArticleList {
        data: records
            .iter()
            .map(|record| {
                let with_body = with_body && audience.may_have_full_text(&record.article);
                ArticleResponse::new(settings, record, with_body)
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
pub(crate) struct FindArticleParams {
    /// A preview token: shows the story's unpublished version, uncacheable.
    preview: Option<String>,
}

/// One public story with its full body, by id (`art_…`) or slug. With `preview`, the story as
/// the newsroom has it now, whatever its status (`Cache-Control: private, no-store`).
#[utoipa::path(
    get,
    path = "/api/v1/articles/{idOrSlug}",
    tag = "articles",
    params(("idOrSlug" = String, Path, description = "The story's id (art_…) or slug"), FindArticleParams),
    responses(
        (status = 200, description = "The story", body = Item<ArticleResponse>),
        (status = 401, description = "The preview token is expired, tampered or for another story", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No public story by that id or slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn find_article(
    State(state): State<App>,
    audience: Audience,
    ApiPath(id_or_slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<FindArticleParams>,
) -> Result<Response, ApiError> {
    let article = match params.preview.as_deref() {
        Some(token) => newsroom::find_preview(&state, &id_or_slug, token).await?,
        None => articles::find_article_for(&state, &audience, &id_or_slug).await?,
    };
    let record = articles::with_relations(&state, vec![article])
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no article {id_or_slug:?}")))?;
    audience.record_served(&state, [&record.article]);
    let with_body = audience.may_have_full_text(&record.article);
    let mut response = Json(Item {
        data: ArticleResponse::new(state.settings(), &record, with_body),
    })
    .into_response();
    if params.preview.is_some() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    } else {
        let mut keys = CacheKeys::new();
        keys.record(&record).shows_view_counts();
        keys.attach(&mut response);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BreakingParams {
    /// How many, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// Breaking news (속보): public stories the desk flagged, newest first, while their flag lasts.
///
/// The answer is cached until the first flag in it runs out, and dropped at once when a story
/// is flagged, unflagged or published.
#[utoipa::path(
    get,
    path = "/api/v1/breaking",
    tag = "articles",
    params(BreakingParams),
    responses(
        (status = 200, description = "The stories flagged as breaking news now, newest first", body = BreakingList),
        (status = 400, description = "A malformed limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn breaking(
    State(state): State<App>,
    audience: Audience,
    ApiQuery(params): ApiQuery<BreakingParams>,
) -> Result<Response, ApiError> {
    let breaking = articles::breaking_news(
        &state,
        &audience,
        parse_number("limit", params.limit.as_deref())?,
    )
    .await?;
    let mut keys = CacheKeys::new();
    keys.story_list([]).shows_view_counts();
    for record in &breaking.stories {
        keys.record(record);
    }
    if let Some(until) = breaking.first_flag_ends {
        keys.fresh_until(until, state.now());
    }
    let settings = state.settings();
    let mut response = Json(BreakingList {
        data: breaking
            .stories
            .iter()
            .map(|record| ArticleResponse::new(settings, record, false))
            .collect(),
    })
    .into_response();
    keys.attach(&mut response);
    Ok(response)
}

/// Stories flagged as breaking news.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct BreakingList {
    data: Vec<ArticleResponse>,
}
