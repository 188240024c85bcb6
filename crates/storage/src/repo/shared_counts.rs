//! What every node's limits share: counts per limit name and window start (unix seconds), which
//! nodes add what they admitted to and read back what everyone admitted; and throttle states,
//! which a node reads and writes under a row lock so nodes take turns. No entities: only these
//! statements touch the tables.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, LockType, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait as _, TransactionTrait as _};

use crate::db::Database;
use crate::error::StorageError;

const TABLE: &str = "shared_counts";
const THROTTLES: &str = "shared_throttles";

/// One chunk of an upsert or a lookup: well under either engine's bound on parameters.
const CHUNK: usize = 500;

pub struct SharedCounts<'db> {
    pub(crate) db: &'db Database,
}

/// What a limit has counted in one window, on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowCount {
    pub name: String,
    pub window_start: i64,
    pub hits: u64,
}

fn stored(hits: u64) -> i64 {
    i64::try_from(hits).unwrap_or(i64::MAX)
}

impl SharedCounts<'_> {
    /// Adds hits to their windows, all or nothing. Merged and in key order: PostgreSQL refuses
    /// to update a row twice in one upsert, and every node then locks rows in the same order.
    pub async fn add(&self, hits: &[WindowCount]) -> Result<(), StorageError> {
        let mut merged: BTreeMap<(&str, i64), u64> = BTreeMap::new();
        for count in hits.iter().filter(|count| count.hits > 0) {
            let sum = merged
                .entry((count.name.as_str(), count.window_start))
                .or_default();
            *sum = sum.saturating_add(count.hits);
        }
        if merged.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = merged.into_iter().collect();
        let txn = self.db.write.begin().await?;
        for chunk in rows.chunks(CHUNK) {
            let mut insert = Query::insert();
            insert.into_table(Alias::new(TABLE)).columns([
                Alias::new("name"),
                Alias::new("window_start"),
                Alias::new("hits"),
            ]);
            for ((name, window_start), hits) in chunk {
                insert.values_panic([(*name).into(), (*window_start).into(), stored(*hits).into()]);
            }
            let mut on_conflict =
                OnConflict::columns([Alias::new("name"), Alias::new("window_start")]);
            on_conflict.value(
                Alias::new("hits"),
                Expr::col((Alias::new(TABLE), Alias::new("hits")))
                    .add(Expr::col((Alias::new("excluded"), Alias::new("hits")))),
            );
            insert.on_conflict(on_conflict);
            txn.execute(&insert).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Every node's hits for `names` in windows starting at or after `since`.
    pub async fn counts(
        &self,
        names: &[String],
        since: i64,
    ) -> Result<Vec<WindowCount>, StorageError> {
        let mut counts = Vec::new();
        for chunk in names.chunks(CHUNK) {
            let mut select = Query::select();
            select
                .columns([
                    Alias::new("name"),
                    Alias::new("window_start"),
                    Alias::new("hits"),
                ])
                .from(Alias::new(TABLE))
                .and_where(Expr::col(Alias::new("name")).is_in(chunk.iter().cloned()))
                .and_where(Expr::col(Alias::new("window_start")).gte(since));
            for row in self.db.read.query_all(&select).await? {
                let hits: i64 = row.try_get("", "hits")?;
                counts.push(WindowCount {
                    name: row.try_get("", "name")?,
                    window_start: row.try_get("", "window_start")?,
                    hits: u64::try_from(hits).unwrap_or(0),
                });
            }
        }
        Ok(counts)
    }

    /// Deletes windows that started before `before`: no limit looks back that far.
    pub async fn forget_before(&self, before: i64) -> Result<u64, StorageError> {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(TABLE))
            .and_where(Expr::col(Alias::new("window_start")).lt(before));
        Ok(self.db.write.execute(&delete).await?.rows_affected())
    }

    /// Reads the throttle states of `keys` (`None`: none, or expired at `now`) under a row lock
    /// held until `decide` has answered, and writes what it answers: for each key, a new state
    /// and when it expires, or `None` to leave it. Keys are locked in one order on every node.
    pub async fn update_throttles<R>(
        &self,
        keys: &[String],
        now: i64,
        decide: impl FnOnce(&[Option<String>]) -> (R, Vec<Option<(String, i64)>>),
    ) -> Result<R, StorageError> {
        let mut sorted: Vec<&String> = keys.iter().collect();
        sorted.sort();
        sorted.dedup();
        let txn = self.db.write.begin().await?;
        let mut placeholders = Query::insert();
        placeholders.into_table(Alias::new(THROTTLES)).columns([
            Alias::new("key"),
            Alias::new("state"),
            Alias::new("expires_at"),
        ]);
        for key in &sorted {
            placeholders.values_panic([(*key).clone().into(), "".into(), 0_i64.into()]);
        }
        placeholders.on_conflict(
            OnConflict::column(Alias::new("key"))
                .do_nothing()
                .to_owned(),
        );
        txn.execute(&placeholders).await?;
        let mut select = Query::select();
        select
            .columns([
                Alias::new("key"),
                Alias::new("state"),
                Alias::new("expires_at"),
            ])
            .from(Alias::new(THROTTLES))
            .and_where(Expr::col(Alias::new("key")).is_in(sorted.iter().map(|key| (*key).clone())))
            .order_by(Alias::new("key"), Order::Asc)
            .lock(LockType::Update);
        let mut found: std::collections::HashMap<String, Option<String>> =
            std::collections::HashMap::new();
        for row in txn.query_all(&select).await? {
            let key: String = row.try_get("", "key")?;
            let state: String = row.try_get("", "state")?;
            let expires_at: i64 = row.try_get("", "expires_at")?;
            found.insert(
                key,
                (expires_at > now && !state.is_empty()).then_some(state),
            );
        }
        let states: Vec<Option<String>> = keys
            .iter()
            .map(|key| found.get(key).cloned().flatten())
            .collect();
        let (answer, writes) = decide(&states);
        for (key, write) in keys.iter().zip(writes) {
            let Some((state, expires_at)) = write else {
                continue;
            };
            let mut update = Query::update();
            update
                .table(Alias::new(THROTTLES))
                .value(Alias::new("state"), state)
                .value(Alias::new("expires_at"), expires_at)
                .and_where(Expr::col(Alias::new("key")).eq(key.as_str()));
            txn.execute(&update).await?;
        }
        txn.commit().await?;
        Ok(answer)
    }

    /// Deletes throttle states that expired before `before`.
    pub async fn forget_throttles_before(&self, before: i64) -> Result<u64, StorageError> {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(THROTTLES))
            .and_where(Expr::col(Alias::new("expires_at")).lt(before));
        Ok(self.db.write.execute(&delete).await?.rows_affected())
    }
}
