//! Telling the other nodes sharing a PostgreSQL database what changed, through LISTEN/NOTIFY.
//! On SQLite there is one node, so there is nobody to tell.

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

use crate::db::{Database, Engine};
use crate::error::StorageError;

/// The channel change notices travel on.
const CHANNEL: &str = "dateline_changes";
/// The channel credential revocations travel on (accounts and sign-in families whose tokens
/// stopped being good), apart from content changes so neither listener parses the other's.
const CREDENTIALS_CHANNEL: &str = "dateline_credentials";

impl Database {
    /// Sends `notice` to every node listening (PostgreSQL; nothing on SQLite). Call after the
    /// change has committed, so a node that acts on it reads the new rows.
    pub async fn notify_change(&self, notice: &str) -> Result<(), StorageError> {
        self.notify_on(CHANNEL, notice).await
    }

    /// Starts listening for other nodes' notices: `None` on SQLite.
    pub async fn listen_changes(&self) -> Result<Option<ChangeListener>, StorageError> {
        self.listen_on(CHANNEL).await
    }

    /// Tells every node that credentials were revoked (after the revocation committed).
    pub async fn notify_revocation(&self, notice: &str) -> Result<(), StorageError> {
        self.notify_on(CREDENTIALS_CHANNEL, notice).await
    }

    /// Starts listening for other nodes' revocations: `None` on SQLite.
    pub async fn listen_revocations(&self) -> Result<Option<ChangeListener>, StorageError> {
        self.listen_on(CREDENTIALS_CHANNEL).await
    }

    async fn notify_on(&self, channel: &str, notice: &str) -> Result<(), StorageError> {
        if self.engine() != Engine::Postgres {
            return Ok(());
        }
        self.write
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [channel.into(), notice.into()],
            ))
            .await?;
        Ok(())
    }

    async fn listen_on(&self, channel: &str) -> Result<Option<ChangeListener>, StorageError> {
        if self.engine() != Engine::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect_with(self.read.get_postgres_connection_pool())
            .await
            .map_err(connection_lost)?;
        listener.listen(channel).await.map_err(connection_lost)?;
        Ok(Some(ChangeListener(listener)))
    }
}

/// Notices from the other nodes, in the order they were sent.
pub struct ChangeListener(PgListener);

/// What a listener heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    Notice(String),
    /// The connection dropped (sqlx reconnects at the next `recv`): notices sent until it is
    /// back are lost.
    Reconnected,
}

impl ChangeListener {
    /// Waits for the next notice.
    pub async fn recv(&mut self) -> Result<Heard, StorageError> {
        match self.0.try_recv().await {
            Ok(Some(notification)) => Ok(Heard::Notice(notification.payload().to_owned())),
            Ok(None) => Ok(Heard::Reconnected),
            Err(err) => Err(connection_lost(err)),
        }
    }
}

fn connection_lost(err: sea_orm::sqlx::Error) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
        std::sync::Arc::new(err),
    )))
}
