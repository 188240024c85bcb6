//! Generated photographs for the demo newsroom and the synthetic corpus: an abstract scene drawn
//! from a palette (sky, ground, a sun and hills), so stories have real images of real sizes
//! without shipping anyone's pictures.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// A colour from `#rrggbb`; anything else is mid grey.
pub(crate) fn parse_colour(colour: &str) -> Rgb<u8> {
    <[u8; 3] as hex::FromHex>::from_hex(colour.trim_start_matches('#'))
        .map_or(Rgb([128, 128, 128]), Rgb)
}

fn mix(a: Rgb<u8>, b: Rgb<u8>, t: f32) -> Rgb<u8> {
    let lerp = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Rgb([lerp(a[0], b[0]), lerp(a[1], b[1]), lerp(a[2], b[2])])
}

/// Draws a scene of `width`×`height` from three colours and a variation number, as JPEG bytes.
pub(crate) fn draw_jpeg(width: u32, height: u32, palette: [Rgb<u8>; 3], variation: u32) -> Vec<u8> {
    let [sky, ground, accent] = palette;
    let (w, h) = (width as f32, height as f32);
    let phase = (variation % 97) as f32 / 97.0 * std::f32::consts::TAU;
    let sun_x = w * (0.2 + 0.6 * ((variation % 13) as f32 / 13.0));
    let sun_y = h * 0.3;
    let sun_r = h.min(w) * 0.12;
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let horizon = h * (0.62 + 0.08 * ((fx / w) * 6.0 + phase).sin());
        let hill = h * (0.75 + 0.06 * ((fx / w) * 11.0 - phase).cos());
        let base = if fy < horizon {
            mix(sky, accent, (fy / horizon) * 0.35)
        } else if fy < hill {
            mix(ground, sky, 0.25)
        } else {
            mix(
                ground,
                Rgb([0, 0, 0]),
                ((fy - hill) / (h - hill + 1.0)) * 0.4,
            )
        };
        let distance = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
        if distance < sun_r {
            mix(base, accent, 0.85)
        } else if distance < sun_r * 1.6 {
            mix(
                base,
                accent,
                0.85 * (1.0 - (distance - sun_r) / (sun_r * 0.6)),
            )
        } else {
            base
        }
    });
    let mut bytes = Vec::new();
    // Encoding into memory fails only on an unsupported colour type; RGB8 is supported.
    let _ = JpegEncoder::new_with_quality(Cursor::new(&mut bytes), 82).encode_image(&image);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_photo_is_a_jpeg_of_the_asked_size() {
        let bytes = draw_jpeg(
            64,
            48,
            [
                parse_colour("#1d3557"),
                parse_colour("#457b9d"),
                parse_colour("#f1faee"),
            ],
            3,
        );
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 48));
    }

    #[test]
    fn a_malformed_colour_is_grey() {
        assert_eq!(parse_colour("nope"), Rgb([128, 128, 128]));
        assert_eq!(parse_colour("#ff0000"), Rgb([255, 0, 0]));
    }
}
