//! Image work: deciding what an upload is from its bytes, applying its EXIF orientation and
//! stripping its metadata, and cutting renditions. CPU-bound: callers run it off the async
//! threads.

use std::io::Cursor;

use dateline_domain::rendition::Frame;
use dateline_domain::{FocalPoint, ImageFormat as RenditionFormat, RenditionFile};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, Limits};

use crate::error::AppError;

/// The largest width or height accepted, so a small file cannot claim a gigantic canvas.
const MAX_DIMENSION: u32 = 12_000;
/// The most pixels an image may have: 40 megapixels, above any newsroom camera's output. A flat
/// 12000×12000 PNG is 420 KB on the wire and 590 MB decoded; the budget is judged from the
/// header, before a byte of pixels is allocated.
pub(crate) const MAX_PIXELS: u64 = 40_000_000;
/// The most bytes an image's decoded pixels may take: the pixel budget at 8-bit RGBA. A 16-bit
/// image (8 bytes a pixel as RGBA) gets half the pixels, judged from the header's colour type.
const MAX_DECODED_BYTES: u64 = MAX_PIXELS * 4;
/// What a decoder may allocate in all: the pixels plus room for its own working buffers.
const MAX_DECODE_BYTES: u64 = MAX_DECODED_BYTES + 64 * 1024 * 1024;
/// JPEG quality of stored originals: high, since renditions are made from them.
const ORIGINAL_QUALITY: u8 = 90;
/// JPEG quality of renditions.
const RENDITION_QUALITY: u8 = 82;
/// WebP quality of renditions: libwebp's 80 looks like JPEG 82 at about two thirds the bytes.
const WEBP_QUALITY: f32 = 80.0;

/// An accepted upload, cleaned.
pub(crate) struct CleanImage {
    pub(crate) bytes: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) extension: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// What the bytes are, by their magic numbers; only JPEG, PNG and WebP are taken.
pub(crate) fn sniff(bytes: &[u8]) -> Result<ImageFormat, AppError> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(AppError::UnsupportedMedia(
            "the file is not a JPEG, PNG or WebP image".into(),
        )),
    }
}

fn too_large(detail: impl Into<String>) -> AppError {
    AppError::ImageTooLarge(detail.into())
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, AppError> {
    let unreadable = |err: image::ImageError| match err {
        image::ImageError::Limits(_) => too_large(format!(
            "the image is larger than this server decodes (at most {MAX_DIMENSION} pixels a side, {} megapixels)",
            MAX_PIXELS / 1_000_000
        )),
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AppError::ImageTruncated("the image file ends before its pixels do".into())
        }
        other => AppError::Invalid(dateline_domain::ValidationError::new(
            "file",
            format!("the image could not be read: {other}"),
        )),
    };
    // The JPEG decoder fills a file cut short with grey and calls it done; a cut is only seen
    // by looking for the end-of-image marker.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(AppError::ImageTruncated(
            "the JPEG file ends before its image does (no end-of-image marker)".into(),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // Judged from the header, before the pixels are decoded: the size and the bit depth.
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(too_large(format!(
            "the image is {width}×{height} ({} megapixels); at most {} megapixels are taken",
            pixels / 1_000_000,
            MAX_PIXELS / 1_000_000
        )));
    }
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(too_large(format!(
            "the image's {width}×{height} pixels at {} bits a pixel take more memory than this server decodes; save it at 8 bits a channel or smaller",
            decoder.color_type().bits_per_pixel()
        )));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Whether a JPEG has an end-of-image marker after its last start-of-scan. Inside scan data a
/// 0xFF byte is always followed by 0x00 or a restart marker, so neither marker can occur there
/// by accident; a progressive file's last scan is the one that must be closed.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(last_scan) = bytes.windows(2).rposition(|pair| pair == [0xff, 0xda]) else {
        return false;
    };
    bytes[last_scan..]
        .windows(2)
        .any(|pair| pair == [0xff, 0xd9])
}

fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&image.to_rgb8())
        .map_err(|err| AppError::internal("encoding JPEG", err))?;
    Ok(bytes)
}

/// Lossy WebP through libwebp (the `image` crate only writes lossless WebP, which for photos is
/// larger than the JPEG it should beat).
fn encode_webp(image: &DynamicImage, quality: f32) -> Result<Vec<u8>, AppError> {
    let encoded = if image.color().has_alpha() {
        let pixels = image.to_rgba8();
        webp::Encoder::from_rgba(&pixels, pixels.width(), pixels.height())
            .encode_simple(false, quality)
    } else {
        let pixels = image.to_rgb8();
        webp::Encoder::from_rgb(&pixels, pixels.width(), pixels.height())
            .encode_simple(false, quality)
    };
    encoded
        .map(|memory| memory.to_vec())
        .map_err(|err| AppError::internal("encoding WebP", format!("{err:?}")))
}

/// Decodes an upload, turns it upright and re-encodes it in its own format (JPEG and WebP at
/// high quality, PNG losslessly). Re-encoding is what drops EXIF (with any GPS position), XMP and
/// comments: nothing but pixels survives.
pub(crate) fn clean_upload(bytes: &[u8]) -> Result<CleanImage, AppError> {
    let format = sniff(bytes)?;
    let image = decode(bytes, format)?;
    let (width, height) = (image.width(), image.height());
    let (bytes, content_type, extension) = match format {
        ImageFormat::Png => {
            let mut out = Cursor::new(Vec::new());
            image
                .write_to(&mut out, ImageFormat::Png)
                .map_err(|err| AppError::internal("encoding PNG", err))?;
            (out.into_inner(), "image/png", "png")
        }
        ImageFormat::WebP => (
            encode_webp(&image, f32::from(ORIGINAL_QUALITY))?,
            "image/webp",
            "webp",
        ),
        _ => (encode_jpeg(&image, ORIGINAL_QUALITY)?, "image/jpeg", "jpg"),
    };
    Ok(CleanImage {
        bytes,
        content_type,
        extension,
        width,
        height,
    })
}

/// Cuts and scales one rendition from an original's bytes.
pub(crate) fn render(
    original: &[u8],
    file: RenditionFile,
    focal: FocalPoint,
) -> Result<Vec<u8>, AppError> {
    let format = sniff(original)?;
    let image = decode(original, format)?;
    let Frame {
        x,
        y,
        crop_width,
        crop_height,
        width,
        height,
    } = file.preset.frame(image.width(), image.height(), focal);
    let scaled = image
        .crop_imm(x, y, crop_width, crop_height)
        .thumbnail_exact(width, height);
    match file.format {
        RenditionFormat::Jpeg => encode_jpeg(&scaled, RENDITION_QUALITY),
        RenditionFormat::Webp => encode_webp(&scaled, WEBP_QUALITY),
    }
}
