//! The JSON shapes of REST responses. Built from domain values; never from database rows.

use chrono::{DateTime, FixedOffset};
use dateline_app::ArticleRecord;
use dateline_app::service::media::{body_html, original_url, renditions};
use dateline_app::settings::Settings;
use dateline_domain::section::SectionNode;
use dateline_domain::{Author, Block, Correction, Media, Section, Tag};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": …}` around one item.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Item<T> {
    pub(crate) data: T,
}

/// Where the next page starts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub(crate) next_cursor: Option<String>,
    pub(crate) limit: u64,
}

/// `{"data": […], "page": {…}}` around a list of stories.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArticleList {
    pub(crate) data: Vec<ArticleResponse>,
    pub(crate) page: PageInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SectionRef {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) name: String,
}

impl From<&Section> for SectionRef {
    fn from(section: &Section) -> Self {
        Self {
            id: section.id.to_string(),
            slug: section.slug.to_string(),
            name: section.name.clone(),
        }
    }
}

/// A byline: `{"name": "홍길동", "role": "기자", "byline": "홍길동 기자"}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorResponse {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) name: String,
    /// The role label printed after the name (기자, 특파원, 논설위원).
    pub(crate) role: String,
    /// Name and role as printed.
    pub(crate) byline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bio: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
}

impl AuthorResponse {
    pub(crate) fn new(author: &Author, with_profile: bool) -> Self {
        Self {
            id: author.id.to_string(),
            slug: author.slug.to_string(),
            name: author.name.clone(),
            role: author.role.clone(),
            byline: author.byline(),
            bio: author.bio.clone().filter(|_| with_profile),
            email: author.email.clone().filter(|_| with_profile),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TagResponse {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) name: String,
}

impl From<&Tag> for TagResponse {
    fn from(tag: &Tag) -> Self {
        Self {
            id: tag.id.to_string(),
            slug: tag.slug.to_string(),
            name: tag.name.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FocalPointResponse {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// One size and crop of an image, with what must be printed beside it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RenditionResponse {
    /// The preset: `thumb`, `small`, `medium`, `large`, with a crop suffix (`-16x9`, `-4x3`,
    /// `-1x1`) for the cut versions.
    pub(crate) name: String,
    /// `original`, `16:9`, `4:3` or `1:1`.
    pub(crate) crop: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// JPEG.
    pub(crate) url: String,
    /// The same rendition as WebP.
    pub(crate) webp_url: String,
    pub(crate) caption: Option<String>,
    pub(crate) credit: Option<String>,
}

/// An image with what must be printed beside it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MediaResponse {
    pub(crate) id: String,
    /// The original file.
    pub(crate) url: String,
    /// The caption, without the ▲ that pages print before it.
    pub(crate) caption: Option<String>,
    pub(crate) credit: Option<String>,
    pub(crate) alt: Option<String>,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) focal_point: FocalPointResponse,
    pub(crate) renditions: Vec<RenditionResponse>,
}

impl MediaResponse {
    pub(crate) fn new(settings: &Settings, media: &Media) -> Self {
        Self {
            id: media.id.to_string(),
            url: original_url(settings, media.id),
            caption: media.caption.clone(),
            credit: media.credit.clone(),
            alt: media.alt.clone(),
            width: media.width,
            height: media.height,
            focal_point: FocalPointResponse {
                x: media.focal_point.x(),
                y: media.focal_point.y(),
            },
            renditions: renditions(settings, media)
                .into_iter()
                .map(|rendition| RenditionResponse {
                    name: rendition.preset.name(),
                    crop: rendition.preset.crop.label().to_owned(),
                    width: rendition.width,
                    height: rendition.height,
                    url: rendition.jpeg_url,
                    webp_url: rendition.webp_url,
                    caption: media.caption.clone(),
                    credit: media.credit.clone(),
                })
                .collect(),
        }
    }
}

/// One block of a story's body.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum BlockResponse {
    Paragraph {
        text: String,
    },
    Heading {
        text: String,
        level: u8,
    },
    #[serde(rename_all = "camelCase")]
    Image {
        media_id: String,
        /// Where the image is served.
        url: String,
        caption: Option<String>,
        credit: Option<String>,
    },
    Quote {
        text: String,
        attribution: Option<String>,
    },
    Embed {
        url: String,
    },
}

impl BlockResponse {
    fn new(settings: &Settings, block: &Block) -> Self {
        match block.clone() {
            Block::Paragraph { text } => Self::Paragraph { text },
            Block::Heading { text, level } => Self::Heading { text, level },
            Block::Image {
                media_id,
                caption,
                credit,
            } => Self::Image {
                url: original_url(settings, media_id),
                media_id: media_id.to_string(),
                caption,
                credit,
            },
            Block::Quote { text, attribution } => Self::Quote { text, attribution },
            Block::Embed { url } => Self::Embed { url },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CorrectionResponse {
    pub(crate) note: String,
    pub(crate) corrected_at: DateTime<FixedOffset>,
}

/// A story. Lists leave out the body unless asked (`include=body`); one story always has it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleResponse {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) headline: String,
    pub(crate) subheadline: Option<String>,
    pub(crate) summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Vec<BlockResponse>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body_text: Option<String>,
    pub(crate) section: Option<SectionRef>,
    pub(crate) authors: Vec<AuthorResponse>,
    pub(crate) tags: Vec<TagResponse>,
    pub(crate) lead_image: Option<MediaResponse>,
    /// The copyright line printed under the story.
    pub(crate) copyright: String,
    /// The label the body opens with, such as `[데이트라인뉴스]`.
    pub(crate) source_label: Option<String>,
    /// Where readers find the story.
    pub(crate) url: String,
    pub(crate) published_at: Option<DateTime<FixedOffset>>,
    /// The editor's approval (기사승인).
    pub(crate) approved_at: Option<DateTime<FixedOffset>>,
    pub(crate) updated_at: DateTime<FixedOffset>,
    pub(crate) corrections: Vec<CorrectionResponse>,
    /// Views of all time, as of the last flush (every few seconds).
    pub(crate) view_count: u64,
    /// Flagged as breaking news (속보) until then; absent when the desk set no flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) breaking_until: Option<DateTime<FixedOffset>>,
}

impl ArticleResponse {
    pub(crate) fn new(settings: &Settings, record: &ArticleRecord, with_body: bool) -> Self {
        let article = &record.article;
        let local = |at| settings.local_time(at);
        Self {
            id: article.id.to_string(),
            slug: article.slug.to_string(),
            headline: article.headline.clone(),
            subheadline: article.subheadline.clone(),
            summary: article.summary.clone(),
            body: with_body.then(|| {
                article
                    .body
                    .blocks()
                    .iter()
                    .map(|block| BlockResponse::new(settings, block))
                    .collect()
            }),
            body_html: with_body.then(|| body_html(settings, article)),
            body_text: with_body.then(|| article.body_text.clone()),
            section: record.section.as_ref().map(SectionRef::from),
            authors: record
                .authors
                .iter()
                .map(|a| AuthorResponse::new(a, false))
                .collect(),
            tags: record.tags.iter().map(TagResponse::from).collect(),
            lead_image: record
                .lead_image
                .as_ref()
                .map(|m| MediaResponse::new(settings, m)),
            copyright: article.copyright.clone(),
            source_label: article.source_label.clone(),
            url: dateline_app::presentation::article_url(settings, record),
            published_at: article.published_at.map(local),
            approved_at: article.approved_at.map(local),
            updated_at: local(article.updated_at),
            corrections: article
                .corrections
                .iter()
                .map(|c: &Correction| CorrectionResponse {
                    note: c.note.clone(),
                    corrected_at: local(c.corrected_at),
                })
                .collect(),
            view_count: record.view_count,
            breaking_until: article.breaking_until.map(local),
        }
    }
}

/// A section with its subsections.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionResponse {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) position: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parent: Option<SectionRef>,
    #[schema(no_recursion)]
    pub(crate) children: Vec<SectionResponse>,
}

impl SectionResponse {
    pub(crate) fn new(node: &SectionNode, parent: Option<&Section>) -> Self {
        Self {
            id: node.section.id.to_string(),
            slug: node.section.slug.to_string(),
            name: node.section.name.clone(),
            description: node.section.description.clone(),
            position: node.section.position,
            parent: parent.map(SectionRef::from),
            children: node
                .children
                .iter()
                .map(|child| Self::new(child, None))
                .collect(),
        }
    }
}

/// An author page: the byline and the profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorPage {
    #[serde(flatten)]
    pub(crate) author: AuthorResponse,
    pub(crate) photo: Option<MediaResponse>,
}
