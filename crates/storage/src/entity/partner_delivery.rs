use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_deliveries")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub partner_id: String,
    pub article_id: String,
    pub served_at: DateTimeUtc,
    pub rights: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
