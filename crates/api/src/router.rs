//! Every route in one place, and the layers around them.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cache;
use crate::graphql::{self, build_schema};
use crate::http_state::HttpState;
use crate::openapi::{self, ApiDoc};
use crate::problem::ApiError;
use crate::rest::comments;
use crate::rest::search;
use crate::rest::{
    articles, auth, authors, health, media, newsroom, popular, sections, tags, users, views,
};
use crate::rest::{changes, partners, stream, structured, syndication, webhooks};

/// A request that runs longer than this is cut off with 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the whole application. Separate from serving so tests drive it in-process.
pub fn build_router(state: HttpState) -> Router {
    // The process's recorder, in place before the first request is counted.
    crate::metrics::exporter();
    let upload_limit = state.app().settings().newsroom.max_upload_bytes;
    let (rest, openapi) = rest_routes(upload_limit).split_for_parts();
    let openapi = complete(openapi);
    let schema = build_schema(&state);
    let max_body = state.app().settings().max_body_bytes;

    rest.route(
        "/graphql",
        get(graphql::graphql_get).post(graphql::graphql_post),
    )
    .route(
        "/openapi.json",
        get(move || async move { axum::Json(openapi) }),
    )
    .route("/docs", get(crate::ui::docs))
    // An operations endpoint for Prometheus, outside the OpenAPI description (0700).
    .route("/metrics", get(crate::metrics::metrics_main))
    // The pages' files, embedded (`ui.rs`): nothing a page loads comes from another host.
    .route("/_ui/{hash}/{name}", get(crate::ui::asset))
    .fallback(|| async { ApiError::NoRoute })
    .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
    .layer(axum::Extension(schema))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::ratelimit::limit_public_reads,
    ))
    .layer(DefaultBodyLimit::max(max_body))
    // Every body, whoever reads it, within one limit (uploads: theirs).
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::body_limit::limit_bodies,
    ))
    // Inside compression: public GETs leave already coded (br/gzip made once, kept).
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        cache::layer::public_responses,
    ))
    // Only what the cache layer left uncoded and unvalidated: an answer with an ETag was coded
    // there (or chosen not to be) and its tag names that coding, so compressing it here would
    // send one strong ETag for two different bodies.
    .layer(
        CompressionLayer::new().compress_when(DefaultPredicate::new().and(
            |_: StatusCode,
             _: axum::http::Version,
             headers: &axum::http::HeaderMap,
             _: &axum::http::Extensions| {
                !headers.contains_key(axum::http::header::ETAG)
            },
        )),
    )
    .layer(state.cors().layer())
    .layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ))
    // Outside everything that may answer an error of its own (rejections, the timeout).
    .layer(axum::middleware::from_fn(
        crate::problem_layer::errors_as_problems,
    ))
    .layer(SetResponseHeaderLayer::overriding(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    ))
    // Outside everything else, so the status and latency are what the client got; inside
    // the router, so the matched route's template is known.
    .layer(axum::middleware::from_fn(crate::request_log::log_and_count))
    .layer(TraceLayer::new_for_http())
    .with_state(state)
}

/// Every REST route with its OpenAPI annotations; uploads take up to `upload_limit` bytes.
fn rest_routes(upload_limit: usize) -> OpenApiRouter<HttpState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::find_article))
        .routes(routes!(articles::breaking))
        .routes(routes!(views::record_view))
        .routes(routes!(popular::popular))
        .routes(routes!(sections::list_sections))
        .routes(routes!(sections::find_section))
        .routes(routes!(authors::find_author))
        .routes(routes!(tags::find_tag))
        .routes(routes!(media::original))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::token))
        .routes(routes!(auth::refresh))
        .routes(routes!(users::me))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::update_user))
        .routes(routes!(newsroom::create_article))
        .routes(routes!(newsroom::update_article, newsroom::delete_article))
        .routes(routes!(newsroom::submit_article))
        .routes(routes!(newsroom::approve_article))
        .routes(routes!(newsroom::unpublish_article))
        .routes(routes!(newsroom::archive_article))
        .routes(routes!(newsroom::create_preview))
        .routes(routes!(newsroom::list_stories))
        .routes(routes!(newsroom::find_story))
        .routes(routes!(newsroom::list_revisions))
        .routes(routes!(newsroom::diff_revisions))
        .routes(routes!(newsroom::audit_trail))
        .routes(routes!(sections::create_section))
        .routes(routes!(sections::update_section))
        .routes(routes!(media::rendition))
        .routes(routes!(search::search))
        .routes(routes!(search::related))
        .routes(routes!(syndication::latest_feed))
        .routes(routes!(syndication::section_feed))
        .routes(routes!(syndication::sitemap_index))
        .routes(routes!(syndication::article_sitemap))
        .routes(routes!(syndication::news_sitemap))
        .routes(routes!(structured::json_ld))
        .routes(routes!(structured::ninjs))
        .routes(routes!(partners::create_partner))
        .routes(routes!(partners::partner_usage))
        .routes(routes!(changes::list_changes))
        .routes(routes!(stream::stream))
        .routes(routes!(webhooks::create_webhook, webhooks::list_webhooks))
        .routes(routes!(
            webhooks::find_webhook,
            webhooks::update_webhook,
            webhooks::delete_webhook
        ))
        .routes(routes!(webhooks::list_deliveries))
        .routes({
            // Uploads may be larger than any other request body.
            let (schemas, paths, method_router) = routes!(media::upload);
            let limit = DefaultBodyLimit::max(upload_limit);
            (schemas, paths, method_router.layer(limit))
        })
        .routes(comment_limit(routes!(
            comments::list_comments,
            comments::add_comment
        )))
        .routes(comment_limit(routes!(
            comments::edit_comment,
            comments::delete_comment
        )))
        .routes(comment_limit(routes!(comments::report_comment)))
        .routes(comment_limit(routes!(comments::react_to_comment)))
        .routes(routes!(comments::moderate_comment))
        .routes(routes!(comments::review_queue))
        .routes(routes!(comments::set_story_comments))
        .routes(routes!(comments::set_section_moderation))
}

/// The OpenAPI description with what the layers answer for every route added, and each
/// operation's example.
fn complete(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    openapi::add_layer_answers(&mut openapi);
    openapi::add_examples(&mut openapi);
    openapi::drop_unreferenced_schemas(&mut openapi);
    openapi
}

/// The OpenAPI document `/openapi.json` serves, without a server: `dateline openapi` prints it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    // The upload limit only shapes the running router, not its description.
    complete(rest_routes(usize::MAX).split_for_parts().1)
}

/// The largest body a comment route takes: a 1,000-character comment in JSON is far below it.
const COMMENT_BODY_LIMIT: usize = 16 * 1024;

/// Reader comment routes take small bodies only (413 beyond).
fn comment_limit(
    (schemas, paths, method_router): utoipa_axum::router::UtoipaMethodRouter<HttpState>,
) -> utoipa_axum::router::UtoipaMethodRouter<HttpState> {
    (
        schemas,
        paths,
        method_router.layer(DefaultBodyLimit::max(COMMENT_BODY_LIMIT)),
    )
}
