//! Rows into domain values, and domain values into rows.
//!
//! A row that fails a domain rule is reported as [`StorageError::Corrupt`] rather than served.

use dateline_domain::{
    Article, ArticleId, AuditEvent, AuditEventId, Author, AuthorId, Block, Body, Correction,
    EditorialTrail, Email, FocalPoint, Media, MediaId, Revision, RevisionId, Role, Section,
    SectionId, Slug, Status, StoryContent, Tag, TagId, Timestamp, User, UserId,
};

use crate::entity::{article, article_revision, audit_event, author, media, section, tag, user};
use crate::error::StorageError;

fn corrupt(what: &str, err: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what}: {err}"))
}

fn optional<T>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, dateline_domain::ValidationError>,
) -> Result<Option<T>, StorageError> {
    value.map(parse).transpose().map_err(Into::into)
}

fn count(value: i32, what: &str) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|err| corrupt(what, err))
}

impl TryFrom<section::Model> for Section {
    type Error = StorageError;
    fn try_from(row: section::Model) -> Result<Self, StorageError> {
        Ok(Section {
            id: SectionId::parse(&row.id)?,
            slug: Slug::parse(&row.slug)?,
            name: row.name,
            description: row.description,
            parent_id: optional(row.parent_id.as_deref(), SectionId::parse)?,
            position: row.position,
        })
    }
}

impl TryFrom<author::Model> for Author {
    type Error = StorageError;
    fn try_from(row: author::Model) -> Result<Self, StorageError> {
        Ok(Author {
            id: AuthorId::parse(&row.id)?,
            slug: Slug::parse(&row.slug)?,
            name: row.name,
            role: row.role,
            bio: row.bio,
            photo_id: optional(row.photo_id.as_deref(), MediaId::parse)?,
            email: row.email,
        })
    }
}

impl TryFrom<tag::Model> for Tag {
    type Error = StorageError;
    fn try_from(row: tag::Model) -> Result<Self, StorageError> {
        Ok(Tag {
            id: TagId::parse(&row.id)?,
            slug: Slug::parse(&row.slug)?,
            name: row.name,
        })
    }
}

impl TryFrom<media::Model> for Media {
    type Error = StorageError;
    fn try_from(row: media::Model) -> Result<Self, StorageError> {
        Ok(Media {
            id: MediaId::parse(&row.id)?,
            storage_key: row.storage_key,
            content_type: row.content_type,
            width: count(row.width, "media width")?,
            height: count(row.height, "media height")?,
            byte_size: u64::try_from(row.byte_size).map_err(|err| corrupt("media size", err))?,
            caption: row.caption,
            credit: row.credit,
            alt: row.alt,
            focal_point: FocalPoint::new(row.focal_x, row.focal_y)?,
            created_at: row.created_at.into(),
        })
    }
}

impl TryFrom<article::Model> for Article {
    type Error = StorageError;
    fn try_from(row: article::Model) -> Result<Self, StorageError> {
        let blocks: Vec<Block> =
            serde_json::from_str(&row.body).map_err(|err| corrupt("article body", err))?;
        let corrections: Vec<Correction> = serde_json::from_str(&row.corrections)
            .map_err(|err| corrupt("article corrections", err))?;
        Ok(Article {
            id: ArticleId::parse(&row.id)?,
            slug: Slug::parse(&row.slug)?,
            headline: row.headline,
            subheadline: row.subheadline,
            summary: row.summary,
            body: Body::parse(blocks)?,
            body_text: row.body_text,
            section_id: SectionId::parse(&row.section_id)?,
            lead_image_id: optional(row.lead_image_id.as_deref(), MediaId::parse)?,
            copyright: row.copyright,
            source_label: row.source_label,
            canonical_url: row.canonical_url,
            status: Status::parse(&row.status)?,
            approved_at: row.approved_at.map(Timestamp::from),
            published_at: row.published_at.map(Timestamp::from),
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            corrections,
            version: row.version,
            not_for_syndication: row.not_for_syndication,
            breaking_until: row.breaking_until.map(Timestamp::from),
        })
    }
}

/// Who created and approved a stored story.
pub(crate) fn trail_of(row: &article::Model) -> Result<EditorialTrail, StorageError> {
    Ok(EditorialTrail {
        created_by: optional(row.created_by.as_deref(), UserId::parse)?,
        approved_by: optional(row.approved_by.as_deref(), UserId::parse)?,
    })
}

impl TryFrom<user::Model> for User {
    type Error = StorageError;
    fn try_from(row: user::Model) -> Result<Self, StorageError> {
        Ok(User {
            id: UserId::parse(&row.id)?,
            email: Email::parse(&row.email)?,
            display_name: row.display_name,
            role: Role::parse(&row.role)?,
            author_id: optional(row.author_id.as_deref(), AuthorId::parse)?,
            disabled: row.disabled,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }
}

impl TryFrom<article_revision::Model> for Revision {
    type Error = StorageError;
    fn try_from(row: article_revision::Model) -> Result<Self, StorageError> {
        let content: StoryContent =
            serde_json::from_str(&row.content).map_err(|err| corrupt("revision content", err))?;
        Ok(Revision {
            id: RevisionId::parse(&row.id)?,
            article_id: ArticleId::parse(&row.article_id)?,
            version: row.version,
            action: row.action,
            editor: optional(row.editor_id.as_deref(), UserId::parse)?,
            saved_at: row.saved_at.into(),
            content,
        })
    }
}

pub(crate) fn revision_row(revision: &Revision) -> Result<article_revision::Model, StorageError> {
    Ok(article_revision::Model {
        id: revision.id.to_string(),
        article_id: revision.article_id.to_string(),
        version: revision.version,
        action: revision.action.clone(),
        editor_id: revision.editor.map(|id| id.to_string()),
        saved_at: revision.saved_at.as_datetime(),
        content: serde_json::to_string(&revision.content)
            .map_err(|err| corrupt("revision content", err))?,
    })
}

impl TryFrom<audit_event::Model> for AuditEvent {
    type Error = StorageError;
    fn try_from(row: audit_event::Model) -> Result<Self, StorageError> {
        Ok(AuditEvent {
            id: AuditEventId::parse(&row.id)?,
            at: row.at.into(),
            actor: optional(row.actor_id.as_deref(), UserId::parse)?,
            action: row.action,
            subject: row.subject,
            detail: serde_json::from_str(&row.detail)
                .map_err(|err| corrupt("audit detail", err))?,
        })
    }
}

pub(crate) fn audit_row(event: &AuditEvent) -> audit_event::Model {
    audit_event::Model {
        id: event.id.to_string(),
        at: event.at.as_datetime(),
        actor_id: event.actor.map(|id| id.to_string()),
        action: event.action.clone(),
        subject: event.subject.clone(),
        detail: event.detail.to_string(),
    }
}

/// The row for a story.
pub(crate) fn article_row(
    article: &Article,
    trail: EditorialTrail,
) -> Result<article::Model, StorageError> {
    Ok(article::Model {
        id: article.id.to_string(),
        slug: article.slug.to_string(),
        headline: article.headline.clone(),
        subheadline: article.subheadline.clone(),
        summary: article.summary.clone(),
        body: serde_json::to_string(&article.body).map_err(|err| corrupt("article body", err))?,
        body_text: article.body_text.clone(),
        section_id: article.section_id.to_string(),
        lead_image_id: article.lead_image_id.map(|id| id.to_string()),
        copyright: article.copyright.clone(),
        source_label: article.source_label.clone(),
        canonical_url: article.canonical_url.clone(),
        status: article.status.as_str().to_owned(),
        approved_at: article.approved_at.map(Timestamp::as_datetime),
        published_at: article.published_at.map(Timestamp::as_datetime),
        created_at: article.created_at.as_datetime(),
        updated_at: article.updated_at.as_datetime(),
        corrections: serde_json::to_string(&article.corrections)
            .map_err(|err| corrupt("article corrections", err))?,
        version: article.version,
        created_by: trail.created_by.map(|id| id.to_string()),
        approved_by: trail.approved_by.map(|id| id.to_string()),
        not_for_syndication: article.not_for_syndication,
        // A new story takes comments; a save leaves the switch alone (see `write_story`).
        comments_closed: false,
        breaking_until: article.breaking_until.map(Timestamp::as_datetime),
    })
}

pub(crate) fn media_row(media: &Media) -> Result<media::Model, StorageError> {
    Ok(media::Model {
        id: media.id.to_string(),
        storage_key: media.storage_key.clone(),
        content_type: media.content_type.clone(),
        width: i32::try_from(media.width).map_err(|err| corrupt("media width", err))?,
        height: i32::try_from(media.height).map_err(|err| corrupt("media height", err))?,
        byte_size: i64::try_from(media.byte_size).map_err(|err| corrupt("media size", err))?,
        caption: media.caption.clone(),
        credit: media.credit.clone(),
        alt: media.alt.clone(),
        focal_x: media.focal_point.x(),
        focal_y: media.focal_point.y(),
        created_at: media.created_at.as_datetime(),
    })
}
