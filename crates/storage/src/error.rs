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
    /// The database cannot be reached (down, restarting, refusing connections, or no pooled
    /// connection freed up in time): worth trying again shortly, not a fault in the request.
    #[error("the database is unreachable: {0}")]
    Unavailable(DbErr),
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
            _ if is_unreachable(&err) => Self::Unavailable(err),
            _ => Self::Db(err),
        }
    }
}

/// SQLSTATEs of a server that is going away or not yet taking connections: class 08
/// (connection exception), `57P01` admin shutdown, `57P02` crash shutdown, `57P03` cannot
/// connect now.
fn is_unavailable_state(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// Whether `err` says the database could not be reached, rather than that a statement failed.
fn is_unreachable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| is_unavailable_state(&code)),
        _ => false,
    }
}

impl From<dateline_domain::ValidationError> for StorageError {
    fn from(err: dateline_domain::ValidationError) -> Self {
        Self::Corrupt(err.to_string())
    }
}
