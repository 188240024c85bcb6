//! `/api/v1/users`: the signed-in account, and accounts managed by admins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dateline_app::App;
use dateline_app::auth::Principal;
use dateline_app::service::accounts::{self, AccountChanges, NewAccount};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::rest::dto::Item;
use crate::rest::extract::{ApiJson, ApiPath};
use crate::rest::newsroom_dto::UserResponse;

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = Item<UserResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
    )
)]
pub(crate) async fn me(State(state): State<App>, principal: Principal) -> Json<Item<UserResponse>> {
    Json(Item {
        data: UserResponse::new(state.settings(), &principal.user),
    })
}

/// Every account (admins).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every account", body = Item<Vec<UserResponse>>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
pub(crate) async fn list_users(
    State(state): State<App>,
    principal: Principal,
) -> Result<Json<Item<Vec<UserResponse>>>, ApiError> {
    let users = accounts::list_users(&state, &principal).await?;
    Ok(Json(Item {
        data: users
            .iter()
            .map(|user| UserResponse::new(state.settings(), user))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateUserRequest {
    email: String,
    display_name: Option<String>,
    /// reporter, editor or admin.
    role: String,
    /// At least 12 characters.
    #[schema(value_type = String, format = Password)]
    password: SecretString,
    /// The slug of the byline the account writes under.
    author: Option<String>,
}

/// Creates an account (admins).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "auth",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The new account", body = Item<UserResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The e-mail has an account", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn create_user(
    State(state): State<App>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<Item<UserResponse>>), ApiError> {
    let user = accounts::create_user(
        &state,
        &principal,
        NewAccount {
            email: request.email,
            display_name: request.display_name,
            role: request.role,
            password: request.password,
            author: request.author,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: UserResponse::new(state.settings(), &user),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateUserRequest {
    display_name: Option<String>,
    role: Option<String>,
    disabled: Option<bool>,
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
    /// An author slug, or null to unlink.
    #[serde(default, deserialize_with = "crate::rest::newsroom::nullable")]
    #[schema(value_type = Option<String>)]
    author: Option<Option<String>>,
}

/// Changes an account (admins): role, name, password, byline, or disables it. Disabling or a
/// new password revokes the account's refresh tokens.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account id (usr_…)")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The account as changed", body = Item<UserResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn update_user(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<Json<Item<UserResponse>>, ApiError> {
    let user = accounts::update_user(
        &state,
        &principal,
        &id,
        AccountChanges {
            display_name: request.display_name,
            role: request.role,
            disabled: request.disabled,
            password: request.password,
            author: request.author,
        },
    )
    .await?;
    Ok(Json(Item {
        data: UserResponse::new(state.settings(), &user),
    }))
}
