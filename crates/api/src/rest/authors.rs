//! `/api/v1/authors/{slug}`: an author page.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;
use dateline_app::service::authors;

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{AuthorPage, AuthorResponse, Item, MediaResponse};
use crate::rest::extract::ApiPath;

/// One author with their profile. Their stories are at `/api/v1/articles?author=…`.
#[utoipa::path(
    get,
    path = "/api/v1/authors/{slug}",
    tag = "authors",
    params(("slug" = String, Path, description = "The author's slug")),
    responses(
        (status = 200, description = "The author", body = Item<AuthorPage>),
        (status = 404, description = "No such author", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn find_author(
    State(state): State<App>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let author = authors::find_author(&state, &slug).await?;
    let photo = authors::author_photo(&state, &author).await?;
    let mut response = Json(Item {
        data: AuthorPage {
            author: AuthorResponse::new(&author, true),
            photo: photo.map(|media| MediaResponse::new(state.settings(), &media)),
        },
    })
    .into_response();
    // The page exists only while one of the author's stories is public: it goes stale with any
    // change to the author's list, as the list does (a scheduled lift ends every kept answer).
    CacheKeys::new()
        .author(author.id)
        .story_list([author.id.to_string().as_str()])
        .attach(&mut response);
    Ok(response)
}
