//! The storage error: what went wrong below the use cases, in terms they can act on.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule of the schema refused the write.
    #[error("conflicts with existing data: {constraint}")]
    Conflict { constraint: String },
    /// The story was saved by someone else since the writer read it (optimistic concurrency);
    /// `current` is the version it has now.
    #[error("the story has changed: it is at version {current} now")]
    Stale { current: i32 },
    /// A stored row no longer satisfies the domain's rules.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StorageError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(constraint)) => Self::Conflict { constraint },
            Some(SqlErr::ForeignKeyConstraintViolation(constraint)) => {
                Self::Conflict { constraint }
            }
            _ => Self::Db(err),
        }
    }
}

impl From<dateline_domain::ValidationError> for StorageError {
    fn from(err: dateline_domain::ValidationError) -> Self {
        Self::Corrupt(err.to_string())
    }
}
