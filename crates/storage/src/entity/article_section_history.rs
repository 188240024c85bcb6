use sea_orm::entity::prelude::*;

/// A section the story was filed in at some time; never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_section_history")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub section_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
