//! Revocation that takes effect on the next request: what every access token and preview link
//! is judged against (its account's credential version and standing, its sign-in family), held
//! in a small in-memory cache so the check costs no query, dropped at once on this node when a
//! family is revoked, a password set or an account disabled, and on the other nodes through
//! PostgreSQL LISTEN/NOTIFY. A short time-to-live bounds what a node that missed a notice serves.
//!
//! A notice is `<node> user <id>` or `<node> family <id>`; a node skips its own.

use std::sync::Arc;
use std::time::Duration;

use dateline_domain::UserId;
use dateline_storage::{Database, Heard, Standing, StorageError};
use moka::future::Cache;

use crate::error::AppError;

/// The backstop: a revocation a node never heard of is believed at most this late.
const BACKSTOP_TTL: Duration = Duration::from_secs(30);
/// Accounts and families kept; an entry costs a few dozen bytes.
const CAPACITY: u64 = 100_000;
/// How long to wait before listening again after the connection failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// The cache of what tokens are judged against.
pub(crate) struct Revocations {
    node: String,
    /// An account's standing; `None` when there is no such account.
    standings: Cache<UserId, Option<Standing>>,
    /// Whether a sign-in family is revoked.
    families: Cache<String, bool>,
}

fn lookup_failed(err: &Arc<StorageError>) -> AppError {
    match err.as_ref() {
        // A token cannot be judged while the database is away: 503, not a fault of ours.
        StorageError::Unavailable(_) => {
            AppError::Unavailable(crate::error::DATABASE_UNREACHABLE.into())
        }
        other => AppError::internal("reading credentials", other.to_string()),
    }
}

impl Revocations {
    pub(crate) fn new() -> Self {
        Self {
            node: format!("{:016x}", rand::random::<u64>()),
            standings: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(BACKSTOP_TTL)
                .build(),
            families: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(BACKSTOP_TTL)
                .build(),
        }
    }

    /// An account's credential version and standing, from the cache or the database.
    pub(crate) async fn standing(
        &self,
        db: &Database,
        user: UserId,
    ) -> Result<Option<Standing>, AppError> {
        self.standings
            .try_get_with(user, db.users().standing(user))
            .await
            .map_err(|err| lookup_failed(&err))
    }

    /// Whether a sign-in family is revoked, from the cache or the database.
    pub(crate) async fn family_revoked(
        &self,
        db: &Database,
        family: &str,
    ) -> Result<bool, AppError> {
        self.families
            .try_get_with(family.to_owned(), db.users().family_revoked(family))
            .await
            .map_err(|err| lookup_failed(&err))
    }

    /// Forgets an account's standing here and on every node; call after the change committed.
    pub(crate) async fn forget_user(&self, db: &Database, user: UserId) {
        self.standings.invalidate(&user).await;
        self.tell_others(db, &format!("{} user {user}", self.node))
            .await;
    }

    /// Forgets a family's state here and on every node; call after the revocation committed.
    pub(crate) async fn forget_family(&self, db: &Database, family: &str) {
        self.families.invalidate(family).await;
        self.tell_others(db, &format!("{} family {family}", self.node))
            .await;
    }

    async fn tell_others(&self, db: &Database, notice: &str) {
        // Failing to tell is not failing the request: the time-to-live still bounds it.
        if let Err(err) = db.notify_revocation(notice).await {
            tracing::warn!(error = %err, "could not tell the other nodes about a revocation");
        }
    }

    async fn apply(&self, notice: &str) {
        let mut words = notice.split(' ');
        if words.next() == Some(self.node.as_str()) {
            return;
        }
        match (words.next(), words.next()) {
            (Some("user"), Some(id)) => match UserId::parse(id) {
                Ok(user) => self.standings.invalidate(&user).await,
                Err(_) => self.clear(),
            },
            (Some("family"), Some(family)) => self.families.invalidate(family).await,
            // A notice this version does not understand: forgetting everything is safe.
            _ => self.clear(),
        }
    }

    fn clear(&self) {
        self.standings.invalidate_all();
        self.families.invalidate_all();
    }
}

/// Follows the other nodes' revocations for as long as the process runs (PostgreSQL only).
pub(crate) async fn listen(db: Database, revocations: Arc<Revocations>) {
    let mut first = true;
    loop {
        let mut listener = match db.listen_revocations().await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, "could not listen for other nodes' revocations");
                tokio::time::sleep(RELISTEN_AFTER).await;
                continue;
            }
        };
        // Revocations sent while the connection was down were not heard.
        if !first {
            revocations.clear();
        }
        first = false;
        loop {
            match listener.recv().await {
                Ok(Heard::Notice(notice)) => revocations.apply(&notice).await,
                Ok(Heard::Reconnected) => revocations.clear(),
                Err(err) => {
                    tracing::warn!(error = %err, "lost the revocation channel");
                    break;
                }
            }
        }
    }
}
