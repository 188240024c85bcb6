//! `/api/v1/auth`: signing in and refreshing tokens.

use axum::Json;
use axum::extract::State;
use dateline_app::App;
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::accounts;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::rest::extract::ApiJson;
use crate::rest::newsroom_dto::TokenResponse;

#[derive(Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    email: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

/// Signs in: an access token (15 minutes) and a refresh token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
pub(crate) async fn token(
    State(state): State<App>,
    origin: ReaderOrigin,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = accounts::login(&state, &request.email, request.password, &origin).await?;
    Ok(Json(tokens.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefreshRequest {
    refresh_token: String,
}

/// Trades a refresh token for a new pair. Each refresh token works once; reusing one revokes
/// every token of that sign-in.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn refresh(
    State(state): State<App>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let tokens = accounts::refresh(&state, &request.refresh_token).await?;
    Ok(Json(tokens.into()))
}
