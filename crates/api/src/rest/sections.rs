//! `/api/v1/sections`: the desk tree and one desk.

use axum::Json;
use axum::extract::State;

use crate::error::{ApiError, Problem};
use crate::rest::dto::{Item, SectionResponse};
use crate::rest::extract::ApiPath;
use crate::service::sections;
use crate::state::AppState;

/// The section tree, in the newsroom's order.
#[utoipa::path(
    get,
    path = "/api/v1/sections",
    tag = "sections",
    responses((status = 200, description = "Top-level sections with their subsections", body = Item<Vec<SectionResponse>>))
)]
pub(crate) async fn list_sections(
    State(state): State<AppState>,
) -> Result<Json<Item<Vec<SectionResponse>>>, ApiError> {
    let tree = sections::section_tree(&state).await?;
    Ok(Json(Item {
        data: tree
            .iter()
            .map(|node| SectionResponse::new(node, None))
            .collect(),
    }))
}

/// One section with its parent and subsections. Its stories are at `/api/v1/articles?section=…`.
#[utoipa::path(
    get,
    path = "/api/v1/sections/{slug}",
    tag = "sections",
    params(("slug" = String, Path, description = "The section's slug")),
    responses(
        (status = 200, description = "The section", body = Item<SectionResponse>),
        (status = 404, description = "No such section", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn find_section(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Item<SectionResponse>>, ApiError> {
    let (node, parent) = sections::find_section(&state, &slug).await?;
    Ok(Json(Item {
        data: SectionResponse::new(&node, parent.as_ref()),
    }))
}
