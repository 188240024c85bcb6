//! Dateline's HTTP surfaces: one axum router carrying the REST API, GraphQL, media and the
//! operational endpoints.
//!
//! `service` holds the use cases; `rest` and `graphql` are thin translations onto them, so the
//! two surfaces cannot disagree. Errors are mapped to HTTP and GraphQL once, in `error`.

pub mod auth;
mod body_limit;
pub mod cache;
pub mod comments;
pub mod editorial;
pub mod error;
pub mod events;
pub mod graphql;
mod imaging;
mod media_store;
mod problems;
pub mod ratelimit;
mod rest;
mod revocation;
pub mod router;
pub mod service;
pub mod settings;
pub mod state;
pub mod syndication;
pub mod syndication_runtime;
pub mod views;

pub use cache::{CacheKeys, CacheSettings};
pub use comments::{CommentSettings, RateLimit};
pub use error::ApiError;
pub use media_store::{MediaStore, local_media_store, put_media_file};
pub use router::build_router;
pub use service::webhooks::SyndicationWorker;
pub use settings::{Newsroom, Settings, ViewSettings};
pub use state::AppState;
pub use syndication_runtime::SyndicationSettings;
pub use views::ViewFlusher;
