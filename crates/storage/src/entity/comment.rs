use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub nickname: String,
    pub staff_user_id: Option<String>,
    /// argon2id PHC string; null for staff comments.
    pub password_hash: Option<String>,
    pub body: String,
    pub state: String,
    pub hold_reason: Option<String>,
    pub picked: bool,
    pub agrees: i64,
    pub disagrees: i64,
    pub reports: i64,
    /// The keyed hash of who posted it (never the address itself).
    pub reader_key: String,
    /// SHA-256 of the text's normal form, for duplicate detection.
    pub fingerprint: String,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
