//! `/api/v1/sections`: the desk tree and one desk; admins add and rename desks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use dateline_app::App;
use dateline_app::auth::Principal;
use dateline_app::service::sections::{self, SectionInput};
use dateline_domain::SectionNode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::cache::CacheKeys;
use crate::problem::{ApiError, Problem};
use crate::rest::dto::{Item, SectionResponse};
use crate::rest::extract::{ApiJson, ApiPath};

/// The section tree, in the newsroom's order.
#[utoipa::path(
    get,
    path = "/api/v1/sections",
    tag = "sections",
    responses((status = 200, description = "Top-level sections with their subsections", body = Item<Vec<SectionResponse>>))
)]
pub(crate) async fn list_sections(State(state): State<App>) -> Result<Response, ApiError> {
    let tree = sections::section_tree(&state).await?;
    let mut response = Json(Item {
        data: tree
            .iter()
            .map(|node| SectionResponse::new(node, None))
            .collect::<Vec<_>>(),
    })
    .into_response();
    // Every desk's name is in the tree; `sections` goes with any change to one.
    CacheKeys::new().section_tree().attach(&mut response);
    Ok(response)
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
    State(state): State<App>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (node, parent) = sections::find_section(&state, &slug).await?;
    let mut response = Json(Item {
        data: SectionResponse::new(&node, parent.as_ref()),
    })
    .into_response();
    // It shows its parent and subsections: part of the tree.
    CacheKeys::new().section_tree().attach(&mut response);
    Ok(response)
}

/// A desk to add, or the changes to one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SectionRequest {
    slug: Option<String>,
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::rest::newsroom::nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// New sections only: the parent's slug.
    parent: Option<String>,
    position: Option<i32>,
}

impl From<SectionRequest> for SectionInput {
    fn from(request: SectionRequest) -> Self {
        Self {
            slug: request.slug,
            name: request.name,
            description: request.description,
            parent: request.parent,
            position: request.position,
        }
    }
}

fn leaf(section: dateline_domain::Section) -> SectionNode {
    SectionNode {
        section,
        children: Vec::new(),
    }
}

/// Adds a section (admins).
#[utoipa::path(
    post,
    path = "/api/v1/sections",
    tag = "sections",
    security(("bearer" = [])),
    request_body = SectionRequest,
    responses(
        (status = 201, description = "The new section", body = Item<SectionResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn create_section(
    State(state): State<App>,
    principal: Principal,
    ApiJson(request): ApiJson<SectionRequest>,
) -> Result<(StatusCode, Json<Item<SectionResponse>>), ApiError> {
    let section = sections::create_section(&state, &principal, request.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: SectionResponse::new(&leaf(section), None),
        }),
    ))
}

/// Renames, describes or reorders a section (admins); its slug and parent stay.
#[utoipa::path(
    patch,
    path = "/api/v1/sections/{slug}",
    tag = "sections",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The section's slug")),
    request_body = SectionRequest,
    responses(
        (status = 200, description = "The section as changed", body = Item<SectionResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn update_section(
    State(state): State<App>,
    principal: Principal,
    ApiPath(slug): ApiPath<String>,
    ApiJson(request): ApiJson<SectionRequest>,
) -> Result<Json<Item<SectionResponse>>, ApiError> {
    let section = sections::update_section(&state, &principal, &slug, request.into()).await?;
    Ok(Json(Item {
        data: SectionResponse::new(&leaf(section), None),
    }))
}
