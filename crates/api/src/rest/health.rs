//! `/healthz` (the process answers) and `/readyz` (the database answers too).

use axum::Json;
use axum::extract::State;
use dateline_app::App;
use dateline_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process answers", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process is up and its database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers too", body = Health),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub(crate) async fn readyz(State(state): State<App>) -> Result<Json<Health>, ApiError> {
    state.db().ping().await.map_err(|err| {
        tracing::warn!(error = %err, "readiness check failed");
        ApiError::App(AppError::Unavailable("the database does not answer".into()))
    })?;
    Ok(Json(Health { status: "ready" }))
}
