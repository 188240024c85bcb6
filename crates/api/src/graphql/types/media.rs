//! `Media`: an image with its caption, credit and sizes.

use async_graphql::{Context, ID, Object, SimpleObject};
use dateline_app::service::media::{original_url, renditions};
use dateline_domain::Media;

use crate::graphql::types::app;

pub(crate) struct MediaObject(pub(crate) Media);

/// The point of interest in an image, as fractions of its width and height.
#[derive(SimpleObject)]
pub(crate) struct FocalPoint {
    x: f64,
    y: f64,
}

/// One size and crop of an image, with what must be printed beside it.
#[derive(SimpleObject)]
pub(crate) struct Rendition {
    /// The preset: thumb, small, medium, large, with -16x9, -4x3 or -1x1 for the cut versions.
    name: String,
    /// `original`, `16:9`, `4:3` or `1:1`.
    crop: String,
    width: u32,
    height: u32,
    /// JPEG.
    url: String,
    /// The same rendition as WebP.
    webp_url: String,
    caption: Option<String>,
    credit: Option<String>,
}

/// An uploaded image with what must be printed beside it.
#[Object(name = "Media")]
impl MediaObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The original file.
    async fn url(&self, ctx: &Context<'_>) -> String {
        original_url(app(ctx).settings(), self.0.id)
    }

    /// The caption, without the ▲ that pages print before it.
    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }

    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }

    async fn alt(&self) -> Option<&str> {
        self.0.alt.as_deref()
    }

    async fn width(&self) -> u32 {
        self.0.width
    }

    async fn height(&self) -> u32 {
        self.0.height
    }

    async fn focal_point(&self) -> FocalPoint {
        FocalPoint {
            x: self.0.focal_point.x(),
            y: self.0.focal_point.y(),
        }
    }

    /// Sizes and crops of the image, each as JPEG and WebP; only these presets exist.
    async fn renditions(&self, ctx: &Context<'_>) -> Vec<Rendition> {
        renditions(app(ctx).settings(), &self.0)
            .into_iter()
            .map(|rendition| Rendition {
                name: rendition.preset.name(),
                crop: rendition.preset.crop.label().to_owned(),
                width: rendition.width,
                height: rendition.height,
                url: rendition.jpeg_url,
                webp_url: rendition.webp_url,
                caption: self.0.caption.clone(),
                credit: self.0.credit.clone(),
            })
            .collect()
    }
}
