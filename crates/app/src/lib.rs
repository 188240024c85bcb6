//! Dateline's application core: the newsroom's use cases and everything they run with, apart
//! from any transport.
//!
//! [`App`] is built once from one [`Settings`]. The use cases in [`service`] take it and speak
//! domain values and [`AppError`]; REST, GraphQL, the binary's workers (and the reader site and
//! importer to come) all call them, so the surfaces cannot disagree. Nothing here knows HTTP or
//! GraphQL: this crate depends on none of axum, tower, utoipa or async-graphql.

pub mod app;
pub mod auth;
pub mod caches;
pub mod desks;
pub mod error;
pub mod events;
mod imaging;
pub mod keys;
pub mod media_store;
pub mod presentation;
pub mod readership;
pub mod record;
pub mod revocation;
pub mod service;
pub mod settings;
pub mod syndication;
pub mod telemetry;

pub use app::App;
pub use desks::comments::{CommentSettings, RateLimit};
pub use desks::newsroom::NewsroomSettings;
pub use desks::shared_limits::{Admission, Limit};
pub use desks::syndication::SyndicationSettings;
pub use error::AppError;
pub use media_store::{MediaStore, local_media_store, put_media_file, s3_media_store};
pub use readership::ViewFlusher;
pub use record::ArticleRecord;
pub use service::webhooks::SyndicationWorker;
pub use settings::{NewsroomLogo, Publisher, Settings, ViewSettings};
