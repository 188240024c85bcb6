//! Media: uploaded images with the caption, credit and alt text a newsroom must print.

use crate::error::ValidationError;
use crate::ids::MediaId;
use crate::time::Timestamp;

/// The point of interest in an image, as fractions of its width and height (0–1), which crops
/// keep in frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FocalPoint {
    x: f64,
    y: f64,
}

impl FocalPoint {
    pub const CENTRE: FocalPoint = FocalPoint { x: 0.5, y: 0.5 };

    pub fn new(x: f64, y: f64) -> Result<Self, ValidationError> {
        if (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y) {
            Ok(Self { x, y })
        } else {
            Err(ValidationError::new(
                "focalPoint",
                "x and y must be fractions between 0 and 1",
            ))
        }
    }

    pub fn x(self) -> f64 {
        self.x
    }

    pub fn y(self) -> f64 {
        self.y
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub id: MediaId,
    /// Where the original is kept in the media store.
    pub storage_key: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub alt: Option<String>,
    pub focal_point: FocalPoint,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_focal_point_must_lie_inside_the_image() {
        assert!(FocalPoint::new(0.0, 1.0).is_ok());
        assert!(FocalPoint::new(1.1, 0.5).is_err());
        assert!(FocalPoint::new(0.5, -0.1).is_err());
        assert!(FocalPoint::new(f64::NAN, 0.5).is_err());
    }
}
