//! Feeds and sitemaps: `/feeds/latest.{rss,atom,json}`, `/feeds/sections/{slug}.{rss,atom,json}`,
//! `/sitemap.xml`, `/sitemaps/articles-{n}.xml` and `/sitemap-news.xml`. Each answers with its
//! format's content type; the cache layer adds the `ETag`, the 304 and `Cache-Control`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;
use dateline_app::service::audience::Audience;
use dateline_app::service::sitemaps;
use dateline_app::service::syndication::{
    self, FeedRequest, FeedScope, feed_limit, split_feed_file,
};
use dateline_app::syndication::FeedFormat;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::cache::CacheKeys;
use crate::cache::layer::PRIVATE_REVALIDATE;
use crate::problem::{ApiError, Problem};
use crate::rest::extract::{ApiPath, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FeedParams {
    /// Where the previous page ended (JSON Feed's `next_url` carries it).
    cursor: Option<String>,
    /// Stories per page, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// The latest public stories as RSS 2.0 with Media RSS (`latest.rss`), Atom 1.0
/// (`latest.atom`) or JSON Feed 1.1 (`latest.json`). With `X-Api-Key`, a partner's entitled
/// sections only, and the body only with full-text rights.
#[utoipa::path(
    get,
    path = "/feeds/{file}",
    tag = "syndication",
    params(("file" = String, Path, description = "latest.rss, latest.atom or latest.json"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/rss+xml"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, description = "No such feed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn latest_feed(
    State(state): State<App>,
    audience: Audience,
    ApiPath(file): ApiPath<String>,
    ApiQuery(params): ApiQuery<FeedParams>,
) -> Result<Response, ApiError> {
    let (name, format) = split_feed_file(&file)?;
    if name != "latest" {
        return Err(ApiError::not_found(format!("no feed {file:?}")));
    }
    feed_response(&state, &audience, FeedScope::Latest, format, &params).await
}

/// One section's latest public stories (its subsections' included), in any of the three
/// formats: `/feeds/sections/politics.rss`.
#[utoipa::path(
    get,
    path = "/feeds/sections/{file}",
    tag = "syndication",
    params(("file" = String, Path, description = "The section slug and a format: politics.rss, politics.atom, politics.json"), FeedParams),
    responses(
        (status = 200, description = "The feed", content_type = "application/rss+xml"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, description = "No such section or format", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn section_feed(
    State(state): State<App>,
    audience: Audience,
    ApiPath(file): ApiPath<String>,
    ApiQuery(params): ApiQuery<FeedParams>,
) -> Result<Response, ApiError> {
    let (slug, format) = split_feed_file(&file)?;
    feed_response(&state, &audience, FeedScope::Section(slug), format, &params).await
}

/// The sitemap index: one article sitemap per 50,000 public stories, and the news sitemap.
#[utoipa::path(
    get,
    path = "/sitemap.xml",
    tag = "syndication",
    responses((status = 200, description = "A sitemap index", content_type = "application/xml"))
)]
pub(crate) async fn sitemap_index(State(state): State<App>) -> Result<Response, ApiError> {
    let xml = sitemaps::index(&state).await?;
    Ok(listing(document(XML, xml, false), None))
}

/// One article sitemap: `/sitemaps/articles-1.xml` holds the newest 50,000 public stories.
#[utoipa::path(
    get,
    path = "/sitemaps/{file}",
    tag = "syndication",
    params(("file" = String, Path, description = "articles-1.xml, articles-2.xml, …")),
    responses(
        (status = 200, description = "A sitemap", content_type = "application/xml"),
        (status = 404, description = "No such sitemap", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn article_sitemap(
    State(state): State<App>,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, ApiError> {
    let number = file
        .strip_prefix("articles-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|number| number.parse::<u64>().ok())
        .filter(|number| *number >= 1)
        .ok_or_else(|| ApiError::not_found(format!("no sitemap {file:?}")))?;
    let xml = sitemaps::articles(&state, number).await?;
    Ok(listing(document(XML, xml, false), None))
}

/// The Google News sitemap: public stories of the last 48 hours.
#[utoipa::path(
    get,
    path = "/sitemap-news.xml",
    tag = "syndication",
    responses((status = 200, description = "A Google News sitemap", content_type = "application/xml"))
)]
pub(crate) async fn news_sitemap(State(state): State<App>) -> Result<Response, ApiError> {
    let xml = sitemaps::news(&state).await?;
    // Stories leave the 48-hour window with no write to announce it.
    Ok(listing(
        document(XML, xml, false),
        Some(NEWS_SITEMAP_FRESHNESS),
    ))
}

const XML: &str = "application/xml; charset=utf-8";

/// One page of a feed in its format, for the audience asking.
async fn feed_response(
    state: &App,
    audience: &Audience,
    scope: FeedScope<'_>,
    format: FeedFormat,
    params: &FeedParams,
) -> Result<Response, ApiError> {
    let feed = syndication::feed(
        state,
        audience,
        FeedRequest {
            scope,
            format,
            cursor: params.cursor.as_deref(),
            limit: feed_limit(params.limit.as_deref())?,
        },
    )
    .await?;
    Ok(listing(
        document(
            format.content_type(),
            format.render(&feed),
            audience.partner().is_some(),
        ),
        None,
    ))
}

/// How long a kept news sitemap may go on listing a story past its 48 hours.
const NEWS_SITEMAP_FRESHNESS: std::time::Duration = std::time::Duration::from_secs(60);

/// A feed or sitemap answer, kept by the response cache as a list of the public stories: any
/// change to who is public, or to a public story, drops it.
fn listing(mut response: Response, fresh_for: Option<std::time::Duration>) -> Response {
    let mut keys = CacheKeys::new();
    keys.story_list([]).any_story();
    if let Some(ttl) = fresh_for {
        keys.fresh_for(ttl);
    }
    keys.attach(&mut response);
    response
}

/// A rendered document with its content type. Its `ETag`, `304` and `Cache-Control` come from
/// the cache layer, as every public answer's do. A partner's answer depends on its key, so no
/// shared cache may keep it: it is marked `private, no-cache`, which the layer answers with a
/// validator and `304` for that partner alone.
pub(crate) fn document(content_type: &'static str, body: String, for_partner: bool) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    if for_partner {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_REVALIDATE),
        );
    }
    response
}
