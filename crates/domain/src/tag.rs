//! Tags: keywords that gather stories across sections (부산, 수소, 지방선거).

use crate::ids::TagId;
use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: TagId,
    pub slug: Slug,
    pub name: String,
}
