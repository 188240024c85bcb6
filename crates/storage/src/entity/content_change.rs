use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_changes")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub kind: String,
    pub article_id: String,
    pub comment_id: Option<String>,
    pub visible_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    /// The event's place in the feed, given when it becomes visible; `None` while it waits for
    /// its time (a scheduled publication).
    pub feed_position: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
