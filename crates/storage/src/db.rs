//! Connecting to the database named by a URL, and running the migrations.
//!
//! SQLite runs as a file in WAL mode with two pools: many readers, and a single writer, so that
//! writes queue in the process instead of failing with `SQLITE_BUSY`. PostgreSQL uses one pool
//! for both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dateline_migrations::{Migrator, MigratorTrait as _};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait as _, DatabaseConnection};

use crate::error::StorageError;

/// Which engine a database runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connected database.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) read: DatabaseConnection,
    pub(crate) write: DatabaseConnection,
    engine: Engine,
    /// Statements run on either pool since connecting: tests hold the read path to a constant
    /// number of queries with it.
    statements: Arc<AtomicU64>,
}

/// How a database is opened.
#[derive(Debug, Clone, Default)]
pub struct ConnectSettings {
    /// PostgreSQL only: the schema to work in (tests give each run its own).
    pub schema: Option<String>,
    /// The most connections the read pool opens.
    pub max_connections: Option<u32>,
}

impl Database {
    /// Connects to `url`: `sqlite://path?mode=rwc` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, ConnectSettings::default()).await
    }

    pub async fn connect_with(url: &str, settings: ConnectSettings) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let readers = if in_memory {
                1
            } else {
                settings.max_connections.unwrap_or(8)
            };
            let statements = Arc::default();
            let mut read = sea_orm::Database::connect(sqlite_options(url, readers)).await?;
            count_statements(&mut read, &statements);
            // An in-memory database exists once per connection: share it.
            let write = if in_memory {
                read.clone()
            } else {
                let mut write = sea_orm::Database::connect(sqlite_options(url, 1)).await?;
                count_statements(&mut write, &statements);
                write
            };
            Ok(Self {
                read,
                write,
                engine: Engine::Sqlite,
                statements,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(settings.max_connections.unwrap_or(16))
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false)
                .set_application_name("dateline");
            if let Some(schema) = settings.schema {
                options.set_schema_search_path(schema);
            }
            let statements = Arc::default();
            let mut pool = sea_orm::Database::connect(options).await?;
            count_statements(&mut pool, &statements);
            Ok(Self {
                read: pool.clone(),
                write: pool,
                engine: Engine::Postgres,
                statements,
            })
        } else {
            Err(StorageError::Db(sea_orm::DbErr::Custom(format!(
                "unsupported database URL {url:?}: use sqlite://… or postgres://…"
            ))))
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// How many statements this database has run since it was connected, on every pool.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        Migrator::up(&self.write, None).await?;
        Ok(())
    }

    /// Whether the database answers: a trivial query on a pooled connection.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.read.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load (`ANALYZE` on PostgreSQL,
    /// `PRAGMA optimize` on SQLite), so the first queries after a load already use the indexes.
    pub async fn optimize(&self) -> Result<(), StorageError> {
        let statement = match self.engine {
            Engine::Sqlite => "PRAGMA optimize",
            Engine::Postgres => "ANALYZE",
        };
        self.write.execute_unprepared(statement).await?;
        Ok(())
    }

    /// Closes the pools, letting SQLite checkpoint its write-ahead log.
    pub async fn close(self) {
        // Errors on close leave nothing to do: the process is going away.
        let _ = self.read.close().await;
        if self.engine == Engine::Sqlite {
            let _ = self.write.close().await;
        }
    }
}

fn count_statements(connection: &mut DatabaseConnection, counter: &Arc<AtomicU64>) {
    let counter = Arc::clone(counter);
    connection.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

fn sqlite_options(url: &str, connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    options
}
