//! `/api/v1/tags/{slug}`: a tag page.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{Item, TagResponse};
use crate::rest::extract::ApiPath;
use dateline_app::App;
use dateline_app::service::tags;

/// One tag. Its stories are at `/api/v1/articles?tag=…`.
#[utoipa::path(
    get,
    path = "/api/v1/tags/{slug}",
    tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug")),
    responses(
        (status = 200, description = "The tag", body = Item<TagResponse>),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn find_tag(
    State(state): State<App>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let tag = tags::find_tag(&state, &slug).await?;
    let mut response = Json(Item {
        data: TagResponse::from(&tag),
    })
    .into_response();
    CacheKeys::new().tag(tag.id).attach(&mut response);
    Ok(response)
}
