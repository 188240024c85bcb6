use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub subheadline: Option<String>,
    pub summary: String,
    /// The body blocks as JSON.
    pub body: String,
    pub body_text: String,
    pub section_id: String,
    pub lead_image_id: Option<String>,
    pub copyright: String,
    pub source_label: Option<String>,
    pub canonical_url: Option<String>,
    pub status: String,
    pub approved_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Correction notes as JSON.
    pub corrections: String,
    pub version: i32,
    /// The account that created the story; null for imported stories.
    pub created_by: Option<String>,
    /// The editor who approved it last.
    pub approved_by: Option<String>,
    /// The desk's mark that the story never reaches a partner in full.
    pub not_for_syndication: bool,
    /// An editor's switch that closes the story's comments; only the comment switch writes it.
    pub comments_closed: bool,
    /// Flagged as breaking news until then.
    pub breaking_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::article_section::Entity")]
    Sections,
    #[sea_orm(has_many = "super::article_author::Entity")]
    Authors,
    #[sea_orm(has_many = "super::article_tag::Entity")]
    Tags,
}

impl Related<super::article_section::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sections.def()
    }
}

impl Related<super::article_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Authors.def()
    }
}

impl Related<super::article_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
