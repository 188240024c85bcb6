//! Body blocks as a GraphQL union, one object per kind of block.

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject, Union};
use dateline_app::service::media::original_url;
use dateline_domain::{Block, MediaId};

use crate::graphql::types::media::MediaObject;
use crate::graphql::types::{app, load_failed, loader};

/// One block of a story's body.
#[derive(Union)]
pub(crate) enum BodyBlock {
    Paragraph(ParagraphBlock),
    Heading(HeadingBlock),
    Image(ImageBlock),
    Quote(QuoteBlock),
    Embed(EmbedBlock),
}

#[derive(SimpleObject)]
pub(crate) struct ParagraphBlock {
    /// Always `paragraph`, as in REST.
    r#type: &'static str,
    text: String,
}

#[derive(SimpleObject)]
pub(crate) struct HeadingBlock {
    /// Always `heading`.
    r#type: &'static str,
    text: String,
    /// 2, 3 or 4.
    level: u8,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub(crate) struct ImageBlock {
    /// Always `image`.
    r#type: &'static str,
    media_id: ID,
    caption: Option<String>,
    credit: Option<String>,
    #[graphql(skip)]
    media: MediaId,
}

#[ComplexObject]
impl ImageBlock {
    /// Where the image is served.
    async fn url(&self, ctx: &Context<'_>) -> String {
        original_url(app(ctx).settings(), self.media)
    }

    /// The image with its dimensions and sizes.
    async fn media(&self, ctx: &Context<'_>) -> Result<Option<MediaObject>> {
        let media = loader(ctx)
            .load_one(self.media)
            .await
            .map_err(load_failed)?;
        Ok(media.map(MediaObject))
    }
}

#[derive(SimpleObject)]
pub(crate) struct QuoteBlock {
    /// Always `quote`.
    r#type: &'static str,
    text: String,
    attribution: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct EmbedBlock {
    /// Always `embed`.
    r#type: &'static str,
    url: String,
}

impl From<&Block> for BodyBlock {
    fn from(block: &Block) -> Self {
        match block.clone() {
            Block::Paragraph { text } => Self::Paragraph(ParagraphBlock {
                r#type: "paragraph",
                text,
            }),
            Block::Heading { text, level } => Self::Heading(HeadingBlock {
                r#type: "heading",
                text,
                level,
            }),
            Block::Image {
                media_id,
                caption,
                credit,
            } => Self::Image(ImageBlock {
                r#type: "image",
                media_id: ID(media_id.to_string()),
                caption,
                credit,
                media: media_id,
            }),
            Block::Quote { text, attribution } => Self::Quote(QuoteBlock {
                r#type: "quote",
                text,
                attribution,
            }),
            Block::Embed { url } => Self::Embed(EmbedBlock {
                r#type: "embed",
                url,
            }),
        }
    }
}
