//! `/api/v1/webhooks`: admins register, change and remove endpoints for events and read their
//! deliveries.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset};
use dateline_app::App;
use dateline_app::auth::Principal;
use dateline_app::service::webhooks::{self, NewWebhook, WebhookChange};
use dateline_app::settings::Settings;
use dateline_domain::Webhook;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::rest::dto::Item;
use crate::rest::extract::{ApiJson, ApiPath};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateWebhookRequest {
    /// Where deliveries are POSTed (http or https).
    url: String,
    /// `article.published`, `article.updated`, `article.unpublished`, `article.deleted`.
    events: Vec<String>,
    /// Signs every delivery (`X-Dateline-Signature`); at least 16 characters. Never shown again.
    secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateWebhookRequest {
    /// A new destination (http or https).
    url: Option<String>,
    /// The events wanted from now on (replaces the list).
    events: Option<Vec<String>>,
    /// A new signing secret, at least 16 characters: every delivery from now on, pending ones
    /// included, is signed with it. Never shown again.
    secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookResponse {
    id: String,
    url: String,
    events: Vec<String>,
    created_at: DateTime<FixedOffset>,
}

impl WebhookResponse {
    fn new(settings: &Settings, hook: &Webhook) -> Self {
        Self {
            id: hook.id.to_string(),
            url: hook.url.to_string(),
            events: hook.events.iter().map(ToString::to_string).collect(),
            created_at: settings.local_time(hook.created_at),
        }
    }
}

/// Registers an endpoint for events (admins). Deliveries are POSTed as JSON, signed with
/// `X-Dateline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, and retried
/// with exponential backoff until the endpoint answers 2xx.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "syndication",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "The endpoint registered", body = Item<WebhookResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn create_webhook(
    State(state): State<App>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<Item<WebhookResponse>>), ApiError> {
    let hook = webhooks::create_webhook(
        &state,
        &principal,
        NewWebhook {
            url: request.url,
            events: request.events,
            secret: request.secret,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: WebhookResponse::new(state.settings(), &hook),
        }),
    ))
}

/// Every registered endpoint (admins).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "syndication",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint registered", body = Item<Vec<WebhookResponse>>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
pub(crate) async fn list_webhooks(
    State(state): State<App>,
    principal: Principal,
) -> Result<Json<Item<Vec<WebhookResponse>>>, ApiError> {
    let hooks = webhooks::list_webhooks(&state, &principal).await?;
    Ok(Json(Item {
        data: hooks
            .iter()
            .map(|hook| WebhookResponse::new(state.settings(), hook))
            .collect(),
    }))
}

/// One registered endpoint (admins).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "syndication",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id (whk_…)")),
    responses(
        (status = 200, description = "The endpoint", body = Item<WebhookResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn find_webhook(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Item<WebhookResponse>>, ApiError> {
    let hook = webhooks::find_webhook(&state, &principal, &id).await?;
    Ok(Json(Item {
        data: WebhookResponse::new(state.settings(), &hook),
    }))
}

/// Changes an endpoint's URL, events or secret (admins); absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    tag = "syndication",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id (whk_…)")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The endpoint as changed", body = Item<WebhookResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn update_webhook(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateWebhookRequest>,
) -> Result<Json<Item<WebhookResponse>>, ApiError> {
    let hook = webhooks::update_webhook(
        &state,
        &principal,
        &id,
        WebhookChange {
            url: request.url,
            events: request.events,
            secret: request.secret,
        },
    )
    .await?;
    Ok(Json(Item {
        data: WebhookResponse::new(state.settings(), &hook),
    }))
}

/// Removes an endpoint and its deliveries, pending ones included (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "syndication",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id (whk_…)")),
    responses(
        (status = 204, description = "Removed; nothing more is sent to it"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn delete_webhook(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete_webhook(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryResponse {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    article_id: String,
    /// `pending`, `delivered` or `failed`.
    status: String,
    attempts: u32,
    /// When the next attempt is due, while pending.
    next_attempt_at: Option<DateTime<FixedOffset>>,
    last_status_code: Option<u16>,
    last_error: Option<String>,
    created_at: DateTime<FixedOffset>,
    delivered_at: Option<DateTime<FixedOffset>>,
}

/// An endpoint's latest deliveries, newest first, with their status (admins).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    tag = "syndication",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id (whk_…)")),
    responses(
        (status = 200, description = "The endpoint's recent deliveries, newest first", body = Item<Vec<DeliveryResponse>>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn list_deliveries(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Item<Vec<DeliveryResponse>>>, ApiError> {
    let deliveries = webhooks::list_deliveries(&state, &principal, &id).await?;
    let settings = state.settings();
    Ok(Json(Item {
        data: deliveries
            .into_iter()
            .map(|delivery| DeliveryResponse {
                id: delivery.id,
                next_attempt_at: (delivery.status == "pending")
                    .then(|| settings.local_time(delivery.next_attempt_at)),
                kind: delivery.kind,
                article_id: delivery.article_id,
                status: delivery.status,
                attempts: delivery.attempts,
                last_status_code: delivery.last_status_code,
                last_error: delivery.last_error,
                created_at: settings.local_time(delivery.created_at),
                delivered_at: delivery.delivered_at.map(|at| settings.local_time(at)),
            })
            .collect(),
    }))
}
