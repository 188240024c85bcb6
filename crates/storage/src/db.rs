//! Connecting to the database named by a URL, and running the migrations.
//!
//! SQLite runs as a file in WAL mode with two pools: many readers, and a single writer, so that
//! writes queue in the process instead of failing with `SQLITE_BUSY`. PostgreSQL uses one pool
//! for both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
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
    /// Told of every statement's duration and outcome, once one is set (the application's
    /// metrics).
    observer: Arc<OnceLock<StatementObserver>>,
}

/// What is told of each statement: how long it took, and whether it failed.
pub type ObserveStatement = Box<dyn Fn(Duration, bool) + Send + Sync>;

/// The statement observer, opaque to `Debug`.
struct StatementObserver(ObserveStatement);

impl std::fmt::Debug for StatementObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatementObserver")
    }
}

/// One connection pool's state now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `read` or `write` (PostgreSQL has one pool, reported as `read`).
    pub name: &'static str,
    /// Connections open.
    pub size: u32,
    /// Open connections no request holds.
    pub idle: u32,
    /// The most it opens.
    pub max: u32,
}

/// How long a request waits for a pooled connection unless told otherwise. Bounded and short:
/// while the database is unreachable a request fails after this long (503) instead of hanging.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How a database is opened.
#[derive(Debug, Clone, Default)]
pub struct ConnectSettings {
    /// PostgreSQL only: the schema to work in (tests give each run its own).
    pub schema: Option<String>,
    /// The most connections the read pool opens.
    pub max_connections: Option<u32>,
    /// How long a statement waits for a connection (and a new connection for the server)
    /// before failing as unavailable; [`DEFAULT_ACQUIRE_TIMEOUT`] when `None`.
    pub acquire_timeout: Option<Duration>,
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
            let observer = Arc::default();
            let mut read = sea_orm::Database::connect(sqlite_options(url, readers)).await?;
            count_statements(&mut read, &statements, &observer);
            // An in-memory database exists once per connection: share it.
            let write = if in_memory {
                read.clone()
            } else {
                let mut write = sea_orm::Database::connect(sqlite_options(url, 1)).await?;
                count_statements(&mut write, &statements, &observer);
                write
            };
            Ok(Self {
                read,
                write,
                engine: Engine::Sqlite,
                statements,
                observer,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let acquire = settings.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT);
            let mut options = ConnectOptions::new(url);
            // While the server is down, acquiring retries the connection until this timeout
            // (sqlx retries a refused connection): the bound on how long a request can wait.
            options
                .max_connections(settings.max_connections.unwrap_or(16))
                .min_connections(1)
                .connect_timeout(acquire)
                .acquire_timeout(acquire)
                .sqlx_logging(false)
                .set_application_name("dateline");
            if let Some(schema) = settings.schema {
                options.set_schema_search_path(schema);
            }
            let statements = Arc::default();
            let observer = Arc::default();
            let mut pool = sea_orm::Database::connect(options).await?;
            count_statements(&mut pool, &statements, &observer);
            Ok(Self {
                read: pool.clone(),
                write: pool,
                engine: Engine::Postgres,
                statements,
                observer,
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

    /// Tells `observe` of every statement from now on (the first observer set stays).
    pub fn observe_statements(&self, observe: ObserveStatement) {
        // A second observer would double-count: the first one set is kept.
        let _ = self.observer.set(StatementObserver(observe));
    }

    /// The state of each connection pool now.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        match self.engine {
            Engine::Postgres => vec![stats("read", self.read.get_postgres_connection_pool())],
            Engine::Sqlite => vec![
                stats("read", self.read.get_sqlite_connection_pool()),
                stats("write", self.write.get_sqlite_connection_pool()),
            ],
        }
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

fn stats<DB: sea_orm::sqlx::Database>(
    name: &'static str,
    pool: &sea_orm::sqlx::Pool<DB>,
) -> PoolStats {
    PoolStats {
        name,
        size: pool.size(),
        idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        max: pool.options().get_max_connections(),
    }
}

fn count_statements(
    connection: &mut DatabaseConnection,
    counter: &Arc<AtomicU64>,
    observer: &Arc<OnceLock<StatementObserver>>,
) {
    let counter = Arc::clone(counter);
    let observer = Arc::clone(observer);
    connection.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        if let Some(StatementObserver(observe)) = observer.get() {
            observe(info.elapsed, info.failed);
        }
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
