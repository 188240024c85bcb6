//! `/api/v1/tags/{slug}`: a tag page.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;
use dateline_app::service::tags;

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{Item, TagResponse};
use crate::rest::extract::ApiPath;

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
    // The page exists only while one of the tag's stories is public: it goes stale with any
    // change to the tag's list, as the list does (a scheduled lift ends every kept answer).
    CacheKeys::new()
        .tag(tag.id)
        .story_list([tag.id.to_string().as_str()])
        .attach(&mut response);
    Ok(response)
}
