//! `/api/v1/partners`: admins create syndication partners (the API key is shown once) and read
//! their monthly usage.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset};
use dateline_app::App;
use dateline_app::auth::Principal;
use dateline_app::service::partners::{self, NewPartner};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::problem::ApiError;
use crate::rest::dto::Item;
use crate::rest::extract::{ApiJson, ApiPath, ApiQuery};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreatePartnerRequest {
    name: String,
    /// Section slugs the partner may take stories from (their subsections included).
    sections: Vec<String>,
    /// `summary` (never the body) or `full`.
    rights: String,
    rate_limit_per_minute: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PartnerResponse {
    id: String,
    name: String,
    sections: Vec<String>,
    rights: &'static str,
    rate_limit_per_minute: u32,
    /// The key's first characters, to tell keys apart.
    key_prefix: String,
    created_at: DateTime<FixedOffset>,
    /// Shown once, when the partner is created; only its hash is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

/// Creates a partner with an API key (admins). The key is in this answer and nowhere else.
#[utoipa::path(
    post,
    path = "/api/v1/partners",
    tag = "syndication",
    security(("bearer" = [])),
    request_body = CreatePartnerRequest,
    responses(
        (status = 201, description = "The partner and its apiKey, shown this once", body = Item<PartnerResponse>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
pub(crate) async fn create_partner(
    State(state): State<App>,
    principal: Principal,
    ApiJson(request): ApiJson<CreatePartnerRequest>,
) -> Result<(StatusCode, Json<Item<PartnerResponse>>), ApiError> {
    let created = partners::create_partner(
        &state,
        &principal,
        NewPartner {
            name: request.name,
            sections: request.sections,
            rights: request.rights,
            rate_limit_per_minute: request.rate_limit_per_minute,
        },
    )
    .await?;
    let partner = &created.partner;
    Ok((
        StatusCode::CREATED,
        Json(Item {
            data: PartnerResponse {
                id: partner.id.to_string(),
                name: partner.name.clone(),
                sections: created.section_slugs.clone(),
                rights: partner.rights.as_str(),
                rate_limit_per_minute: partner.rate_limit_per_minute,
                key_prefix: partner.key_prefix.clone(),
                created_at: state.settings().local_time(partner.created_at),
                api_key: Some(created.api_key.clone()),
            },
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsageParams {
    /// `2026-12`; the current month (UTC) when absent.
    month: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageLineResponse {
    article_id: String,
    /// The story's headline now; absent once it was deleted.
    headline: Option<String>,
    full_text: u64,
    summary: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageResponse {
    partner_id: String,
    partner_name: String,
    month: String,
    /// Stories served in the month, counting every serving.
    served: u64,
    stories: Vec<UsageLineResponse>,
}

/// What a partner was served in a month, per story and rights (admins).
#[utoipa::path(
    get,
    path = "/api/v1/partners/{id}/usage",
    tag = "syndication",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The partner's id (ptn_…)"), UsageParams),
    responses(
        (status = 200, description = "The partner's served stories for the month", body = Item<UsageResponse>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
pub(crate) async fn partner_usage(
    State(state): State<App>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<UsageParams>,
) -> Result<Json<Item<UsageResponse>>, ApiError> {
    let report = partners::usage(&state, &principal, &id, params.month.as_deref()).await?;
    Ok(Json(Item {
        data: UsageResponse {
            partner_id: report.partner.id.to_string(),
            partner_name: report.partner.name.clone(),
            month: report.month.to_string(),
            served: report.served,
            stories: report
                .stories
                .into_iter()
                .map(|line| UsageLineResponse {
                    article_id: line.article.to_string(),
                    headline: line.headline,
                    full_text: line.full_text,
                    summary: line.summary,
                })
                .collect(),
        },
    }))
}
