//! `/api/v1/articles/{idOrSlug}/jsonld` and `/ninjs`: one public story as schema.org JSON-LD and
//! as IPTC ninjs.

use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;
use dateline_app::AppError;
use dateline_app::service::articles;
use dateline_app::service::audience::Audience;
use dateline_app::service::structured;

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::extract::ApiPath;
use crate::script_safe_json;

async fn record(
    state: &App,
    audience: &Audience,
    id_or_slug: &str,
) -> Result<articles::ArticleRecord, ApiError> {
    let article = articles::find_article_for(state, audience, id_or_slug).await?;
    articles::with_relations(state, vec![article])
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no article {id_or_slug:?}")))
}

fn json(
    content_type: &'static str,
    value: &serde_json::Value,
    for_partner: bool,
) -> Result<Response, ApiError> {
    // Script-safe, since a page pastes JSON-LD into a `<script>` block as it comes.
    let body = script_safe_json::to_string(value).map_err(|err| {
        ApiError::App(AppError::internal(
            "internal",
            format!("structured document: {err}"),
        ))
    })?;
    // Its Vary (X-Api-Key among the rest) is the cache layer's, as every answer's is.
    Ok(crate::rest::syndication::document(content_type, body, for_partner).into_response())
}

/// The story as a schema.org NewsArticle (JSON-LD) for a page's `<script type="application/ld+json">`.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{idOrSlug}/jsonld",
    tag = "syndication",
    params(("idOrSlug" = String, Path, description = "The story's id (art_…) or slug")),
    responses(
        (status = 200, description = "A NewsArticle document", content_type = "application/ld+json"),
        (status = 404, description = "No public story by that id or slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn json_ld(
    State(state): State<App>,
    audience: Audience,
    ApiPath(id_or_slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let record = record(&state, &audience, &id_or_slug).await?;
    let document = structured::json_ld(state.settings(), &record);
    let mut response = json(
        "application/ld+json",
        &document,
        audience.partner().is_some(),
    )?;
    CacheKeys::new().record(&record).attach(&mut response);
    Ok(response)
}

/// The story as an IPTC ninjs 2.4 document; with `X-Api-Key`, the body only with full-text
/// rights.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{idOrSlug}/ninjs",
    tag = "syndication",
    params(("idOrSlug" = String, Path, description = "The story's id (art_…) or slug")),
    responses(
        (status = 200, description = "A ninjs document", content_type = "application/json"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, description = "No public story by that id or slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn ninjs(
    State(state): State<App>,
    audience: Audience,
    ApiPath(id_or_slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let record = record(&state, &audience, &id_or_slug).await?;
    audience.record_served(&state, [&record.article]);
    let document = structured::ninjs(state.settings(), &record, &audience);
    let mut response = json("application/json", &document, audience.partner().is_some())?;
    CacheKeys::new().record(&record).attach(&mut response);
    Ok(response)
}
