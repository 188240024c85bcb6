//! The audit trail, read newest first. Entries are written by the repositories whose changes
//! they record, in the same transaction.

use dateline_domain::{AuditEvent, AuditEventId};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::db::Database;
use crate::entity::audit_event;
use crate::error::StorageError;
use crate::repo::convert_all;

pub struct AuditTrail<'db> {
    pub(crate) db: &'db Database,
}

impl AuditTrail<'_> {
    /// Up to `limit` entries older than `before`, newest first; only those about `subject` when
    /// it is given. Ids are ULIDs, so id order is time order.
    pub async fn list(
        &self,
        subject: Option<&str>,
        before: Option<AuditEventId>,
        limit: u64,
    ) -> Result<Vec<AuditEvent>, StorageError> {
        let mut select = audit_event::Entity::find();
        if let Some(subject) = subject {
            select = select.filter(audit_event::Column::Subject.eq(subject));
        }
        if let Some(before) = before {
            select = select.filter(audit_event::Column::Id.lt(before.to_string()));
        }
        let rows = select
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db.read)
            .await?;
        convert_all(rows)
    }
}
