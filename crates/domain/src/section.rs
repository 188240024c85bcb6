//! Sections (desks): 정치, 경제, 사회 … possibly nested, in the newsroom's chosen order.

use std::collections::HashMap;

use crate::ids::SectionId;
use crate::slug::Slug;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: SectionId,
    pub slug: Slug,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<SectionId>,
    /// Order among siblings, lowest first.
    pub position: i32,
}

/// A section with its subsections, for the section tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionNode {
    pub section: Section,
    pub children: Vec<SectionNode>,
}

/// Arranges a flat list of sections into a tree, siblings in order. A section whose parent is
/// missing is treated as a root so that nothing disappears from the tree.
pub fn build_tree(sections: Vec<Section>) -> Vec<SectionNode> {
    let known: std::collections::HashSet<SectionId> = sections.iter().map(|s| s.id).collect();
    let mut children: HashMap<Option<SectionId>, Vec<Section>> = HashMap::new();
    for section in sections {
        let parent = section.parent_id.filter(|id| known.contains(id));
        children.entry(parent).or_default().push(section);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| a.name.cmp(&b.name))
        });
    }
    attach(None, &mut children)
}

fn attach(
    parent: Option<SectionId>,
    children: &mut HashMap<Option<SectionId>, Vec<Section>>,
) -> Vec<SectionNode> {
    children
        .remove(&parent)
        .unwrap_or_default()
        .into_iter()
        .map(|section| {
            let id = section.id;
            SectionNode {
                section,
                children: attach(Some(id), children),
            }
        })
        .collect()
}

/// The chain from `section` up to its root, `section` first: the sections a story filed under
/// `section` also belongs to, so that a desk's front lists its subsections' stories.
pub fn lineage(section: SectionId, all: &[Section]) -> Vec<SectionId> {
    let by_id: HashMap<SectionId, &Section> = all.iter().map(|s| (s.id, s)).collect();
    let mut chain = vec![section];
    let mut current = by_id.get(&section).and_then(|s| s.parent_id);
    while let Some(id) = current {
        if chain.contains(&id) {
            break; // a cycle in stored data must not loop forever
        }
        chain.push(id);
        current = by_id.get(&id).and_then(|s| s.parent_id);
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(slug: &str, parent: Option<SectionId>, position: i32) -> Section {
        Section {
            id: SectionId::generate(),
            slug: Slug::parse(slug).unwrap(),
            name: slug.to_owned(),
            description: None,
            parent_id: parent,
            position,
        }
    }

    #[test]
    fn sections_form_an_ordered_tree() {
        let local = section("local", None, 2);
        let politics = section("politics", None, 1);
        let busan = section("busan", Some(local.id), 1);
        let tree = build_tree(vec![busan.clone(), local.clone(), politics.clone()]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].section.slug, politics.slug);
        assert_eq!(tree[1].section.slug, local.slug);
        assert_eq!(tree[1].children[0].section.slug, busan.slug);
    }

    #[test]
    fn a_story_belongs_to_its_section_and_every_ancestor() {
        let local = section("local", None, 1);
        let busan = section("busan", Some(local.id), 1);
        let haeundae = section("haeundae", Some(busan.id), 1);
        let all = vec![local.clone(), busan.clone(), haeundae.clone()];
        assert_eq!(
            lineage(haeundae.id, &all),
            vec![haeundae.id, busan.id, local.id]
        );
        assert_eq!(lineage(local.id, &all), vec![local.id]);
    }

    #[test]
    fn a_cycle_in_stored_sections_ends() {
        let mut a = section("a", None, 1);
        let b = section("b", Some(a.id), 1);
        a.parent_id = Some(b.id);
        let id = a.id;
        assert_eq!(lineage(id, &[a, b]).len(), 2);
    }
}
