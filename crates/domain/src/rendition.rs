//! Image renditions: the closed set of named sizes and crops a front end may ask for.
//!
//! Only these presets exist, so nobody can make the server resize to arbitrary sizes. A preset is
//! a width (thumb 160, small 480, medium 960, large 1600) and a crop (the original shape, 16:9,
//! 4:3 or 1:1, cut around the image's focal point); each is served as JPEG or WebP. Images are
//! never enlarged: a preset wider than the crop takes the crop's own width.

use std::fmt;

use crate::error::ValidationError;
use crate::media::FocalPoint;

/// How wide a rendition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenditionSize {
    Thumb,
    Small,
    Medium,
    Large,
}

impl RenditionSize {
    pub const ALL: [RenditionSize; 4] = [
        RenditionSize::Thumb,
        RenditionSize::Small,
        RenditionSize::Medium,
        RenditionSize::Large,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RenditionSize::Thumb => "thumb",
            RenditionSize::Small => "small",
            RenditionSize::Medium => "medium",
            RenditionSize::Large => "large",
        }
    }

    /// The width in pixels.
    pub fn width(self) -> u32 {
        match self {
            RenditionSize::Thumb => 160,
            RenditionSize::Small => 480,
            RenditionSize::Medium => 960,
            RenditionSize::Large => 1600,
        }
    }
}

/// The shape a rendition is cut to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crop {
    /// The image's own shape, uncut.
    Original,
    /// 16:9, for wide heroes.
    Wide,
    /// 4:3, for cards.
    Standard,
    /// 1:1, for thumbnails.
    Square,
}

impl Crop {
    pub const ALL: [Crop; 4] = [Crop::Original, Crop::Wide, Crop::Standard, Crop::Square];

    /// The suffix in a preset's name (`medium-16x9`); empty for the original shape.
    fn suffix(self) -> &'static str {
        match self {
            Crop::Original => "",
            Crop::Wide => "-16x9",
            Crop::Standard => "-4x3",
            Crop::Square => "-1x1",
        }
    }

    /// The ratio as people write it: `16:9`; `original` for the uncut shape.
    pub fn label(self) -> &'static str {
        match self {
            Crop::Original => "original",
            Crop::Wide => "16:9",
            Crop::Standard => "4:3",
            Crop::Square => "1:1",
        }
    }

    fn ratio(self) -> Option<(u32, u32)> {
        match self {
            Crop::Original => None,
            Crop::Wide => Some((16, 9)),
            Crop::Standard => Some((4, 3)),
            Crop::Square => Some((1, 1)),
        }
    }
}

/// The encodings a rendition is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }
}

/// A named preset: a size and a crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenditionPreset {
    pub size: RenditionSize,
    pub crop: Crop,
}

/// The rectangle cut from the original and the size it is scaled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub x: u32,
    pub y: u32,
    pub crop_width: u32,
    pub crop_height: u32,
    pub width: u32,
    pub height: u32,
}

impl RenditionPreset {
    /// Every preset, smallest first, the original shape before the crops.
    pub fn all() -> impl Iterator<Item = RenditionPreset> {
        RenditionSize::ALL.into_iter().flat_map(|size| {
            Crop::ALL
                .into_iter()
                .map(move |crop| RenditionPreset { size, crop })
        })
    }

    /// `medium`, `medium-16x9`, `thumb-1x1`, …
    pub fn name(self) -> String {
        format!("{}{}", self.size.as_str(), self.crop.suffix())
    }

    /// Where an image of `width`×`height` is cut and what size the cut becomes. The cut is as
    /// large as the shape allows and centred on the focal point, kept inside the image.
    pub fn frame(self, width: u32, height: u32, focal: FocalPoint) -> Frame {
        let (width, height) = (width.max(1), height.max(1));
        let (crop_width, crop_height) = match self.crop.ratio() {
            None => (width, height),
            Some((rw, rh)) => {
                // Compare width/height with rw/rh without floating point.
                if u64::from(width) * u64::from(rh) > u64::from(height) * u64::from(rw) {
                    (scale(height, rw, rh).clamp(1, width), height)
                } else {
                    (width, scale(width, rh, rw).clamp(1, height))
                }
            }
        };
        let place = |extent: u32, cut: u32, at: f64| {
            let centre = (at * f64::from(extent)).round() as i64;
            let start = centre - i64::from(cut / 2);
            u32::try_from(start.clamp(0, i64::from(extent - cut))).unwrap_or(0)
        };
        let out_width = self.size.width().min(crop_width);
        let out_height = match self.crop.ratio() {
            Some((rw, rh)) => scale(out_width, rh, rw),
            None => scale(out_width, crop_height, crop_width),
        }
        .max(1);
        Frame {
            x: place(width, crop_width, focal.x()),
            y: place(height, crop_height, focal.y()),
            crop_width,
            crop_height,
            width: out_width,
            height: out_height,
        }
    }
}

/// `value × numerator / denominator`, rounded.
fn scale(value: u32, numerator: u32, denominator: u32) -> u32 {
    let scaled = (u64::from(value) * u64::from(numerator) + u64::from(denominator) / 2)
        / u64::from(denominator.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX)
}

/// One rendition file: a preset in an encoding, named like `medium-16x9.webp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenditionFile {
    pub preset: RenditionPreset,
    pub format: ImageFormat,
}

impl RenditionFile {
    /// Reads a file name; anything but a known preset and encoding is refused.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let refuse = || {
            ValidationError::new(
                "rendition",
                "unknown rendition: use {thumb|small|medium|large}[-16x9|-4x3|-1x1].{jpg|webp}",
            )
        };
        let (name, extension) = input.rsplit_once('.').ok_or_else(refuse)?;
        let format = match extension {
            "jpg" => ImageFormat::Jpeg,
            "webp" => ImageFormat::Webp,
            _ => return Err(refuse()),
        };
        let preset = RenditionPreset::all()
            .find(|preset| preset.name() == name)
            .ok_or_else(refuse)?;
        Ok(Self { preset, format })
    }

    /// The file name, as used in URLs and as the media store key under the media's folder.
    pub fn file_name(self) -> String {
        format!("{}.{}", self.preset.name(), self.format.extension())
    }
}

impl fmt::Display for RenditionFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(size: RenditionSize, crop: Crop) -> RenditionPreset {
        RenditionPreset { size, crop }
    }

    #[test]
    fn there_are_sixteen_presets_with_distinct_names() {
        let names: std::collections::HashSet<String> =
            RenditionPreset::all().map(RenditionPreset::name).collect();
        assert_eq!(names.len(), 16);
        assert!(names.contains("medium") && names.contains("thumb-1x1"));
    }

    #[test]
    fn only_known_files_parse() {
        let file = RenditionFile::parse("medium-16x9.webp").unwrap();
        assert_eq!(file.preset, preset(RenditionSize::Medium, Crop::Wide));
        assert_eq!(file.format, ImageFormat::Webp);
        assert_eq!(file.file_name(), "medium-16x9.webp");
        for bad in [
            "medium",
            "medium.png",
            "huge.jpg",
            "medium-3x2.jpg",
            "../x.jpg",
            "961.webp",
        ] {
            assert!(RenditionFile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_original_shape_scales_to_the_preset_width() {
        let frame =
            preset(RenditionSize::Medium, Crop::Original).frame(4000, 3000, FocalPoint::CENTRE);
        assert_eq!((frame.width, frame.height), (960, 720));
        assert_eq!(
            (frame.x, frame.y, frame.crop_width, frame.crop_height),
            (0, 0, 4000, 3000)
        );
    }

    #[test]
    fn crops_keep_the_focal_point_in_frame() {
        let focal = FocalPoint::new(0.9, 0.5).unwrap();
        let frame = preset(RenditionSize::Small, Crop::Square).frame(4000, 3000, focal);
        assert_eq!((frame.crop_width, frame.crop_height), (3000, 3000));
        assert_eq!(frame.x, 1000, "pushed against the right edge");
        assert_eq!((frame.width, frame.height), (480, 480));

        let wide = preset(RenditionSize::Large, Crop::Wide).frame(
            4000,
            3000,
            FocalPoint::new(0.5, 0.1).unwrap(),
        );
        assert_eq!((wide.crop_width, wide.crop_height), (4000, 2250));
        assert_eq!(wide.y, 0);
        assert_eq!((wide.width, wide.height), (1600, 900));
    }

    #[test]
    fn small_images_are_never_enlarged() {
        let frame =
            preset(RenditionSize::Large, Crop::Original).frame(800, 600, FocalPoint::CENTRE);
        assert_eq!((frame.width, frame.height), (800, 600));
    }
}
