//! Authors: the reporters and contributors named in bylines.

use crate::ids::{AuthorId, MediaId};
use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: AuthorId,
    pub slug: Slug,
    /// Display name, e.g. 홍길동.
    pub name: String,
    /// Role label printed after the name, e.g. 기자, 특파원, 논설위원.
    pub role: String,
    pub bio: Option<String>,
    pub photo_id: Option<MediaId>,
    /// Contact address shown on the author page, when the newsroom publishes one.
    pub email: Option<String>,
}

impl Author {
    /// The byline as printed: `홍길동 기자`.
    pub fn byline(&self) -> String {
        if self.role.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.name, self.role)
        }
    }
}
