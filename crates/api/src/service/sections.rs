//! Reading the section tree.

use dateline_domain::section::build_tree;
use dateline_domain::{Section, SectionId, SectionNode};

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
    let slug = parse_slug("slug", slug)
        .map_err(|_| ApiError::not_found(format!("no section {slug:?}")))?;
    let all = state.db().sections().all().await?;
    let parent_of = |node: &SectionNode| {
        node.section
            .parent_id
            .and_then(|id| all.iter().find(|s| s.id == id).cloned())
    };
    let tree = build_tree(all.clone());
    let node = find_in(&tree, &|s: &Section| s.slug == slug)
        .ok_or_else(|| ApiError::not_found(format!("no section {slug:?}")))?;
    let parent = parent_of(&node);
    Ok((node, parent))
}

/// A section by id (for `node`).
pub async fn find_section_by_id(
    state: &AppState,
    id: SectionId,
) -> Result<Option<Section>, ApiError> {
    Ok(state.db().sections().find_by_ids(&[id]).await?.pop())
}

fn find_in(nodes: &[SectionNode], wanted: &dyn Fn(&Section) -> bool) -> Option<SectionNode> {
    nodes.iter().find_map(|node| {
        if wanted(&node.section) {
            Some(node.clone())
        } else {
            find_in(&node.children, wanted)
        }
    })
}
