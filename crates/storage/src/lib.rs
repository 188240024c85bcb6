//! Dateline's storage: SeaORM repositories over SQLite or PostgreSQL, the only place SQL is
//! written.
//!
//! Entities stay inside this crate; every repository speaks in domain values. The visibility rule
//! is applied through one predicate ([`public`]) shared by every public query.

mod convert;
mod db;
mod entity;
mod error;
mod notify;
mod public;
pub mod repo;

pub use db::{
    ConnectSettings, DEFAULT_ACQUIRE_TIMEOUT, Database, Engine, ObserveStatement, PoolStats,
};
pub use error::StorageError;
pub use notify::{ChangeListener, Heard};
pub use repo::articles::StoryWrite;
pub use repo::changes::{NewChange, record_change, record_changes};
pub use repo::comments::{CommentTarget, CommentUpdate, NewComment};
pub use repo::newsroom::{NewsroomFilter, StoryLinks};
pub use repo::story::NewArticle;
pub use repo::users::{RefreshToken, Spend, Standing};
pub use repo::webhooks::{AttemptOutcome, WebhookDelivery};
