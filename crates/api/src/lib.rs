//! Dateline's transports: one axum router carrying the REST API, GraphQL, media and the
//! operational endpoints, over the use cases of `dateline-app`.
//!
//! `rest` and `graphql` are thin translations onto `dateline_app::service`, so the two surfaces
//! cannot disagree. Application errors are mapped to HTTP and GraphQL once, in `problem`. What
//! only HTTP has — the rendered-response cache and the public rate limits — lives here too.

pub mod allowance;
mod body_limit;
pub mod cache;
pub mod cors;
pub mod graphql;
mod headers;
pub mod http_state;
mod live_connections;
pub mod metrics;
mod openapi;
pub mod problem;
mod problem_layer;
pub mod ratelimit;
mod request_log;
mod rest;
pub mod router;
mod script_safe_json;
mod ui;

pub use cache::{CacheKeys, CacheSettings};
pub use cors::CorsOrigins;
pub use http_state::{HttpSettings, HttpState, LivePerAddress};
pub use metrics::metrics_router;
pub use problem::ApiError;
pub use router::build_router;
pub use ui::default_newsroom_logo;
