//! Reading the section tree.

use dateline_domain::section::build_tree;
use dateline_domain::{Section, SectionId, SectionNode, Slug};

use crate::error::ApiError;
use crate::service::parse_slug;
use crate::state::AppState;

/// The whole tree, roots in the newsroom's order.
pub async fn section_tree(state: &AppState) -> Result<Vec<SectionNode>, ApiError> {
    Ok(build_tree(state.db().sections().all().await?))
}

/// A section with its subsections, and its parent if it has one.
pub async fn find_section(
    state: &AppState,
    slug: &str,
) -> Result<(SectionNode, Option<Section>), ApiError> {
    let missing = || ApiError::not_found(format!("no section {slug:?}"));
    let slug = parse_slug("slug", slug).map_err(|_| missing())?;
    let all = state.db().sections().all().await?;
    let parent = all
        .iter()
        .find(|s| s.slug == slug)
        .and_then(|s| s.parent_id)
        .and_then(|id| all.iter().find(|s| s.id == id).cloned());
    let node = find_in(&build_tree(all), &slug).ok_or_else(missing)?;
    Ok((node, parent))
}

/// A section by id (for `node`).
pub async fn find_section_by_id(
    state: &AppState,
    id: SectionId,
) -> Result<Option<Section>, ApiError> {
    Ok(state.db().sections().find_by_ids(&[id]).await?.pop())
}

fn find_in(nodes: &[SectionNode], slug: &Slug) -> Option<SectionNode> {
    nodes.iter().find_map(|node| {
        if &node.section.slug == slug {
            Some(node.clone())
        } else {
            find_in(&node.children, slug)
        }
    })
}
