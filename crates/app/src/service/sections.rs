//! Reading the section tree, and admins' changes to it.

use dateline_domain::section::build_tree;
use dateline_domain::{Section, SectionId, SectionNode, Slug, Text, ValidationError};
use dateline_storage::StorageError;

use crate::app::App;
use crate::auth::Principal;
use crate::error::AppError;
use crate::events::{ChangeKind, ContentChange};
use crate::service::parse_slug;

/// The whole tree, roots in the newsroom's order.
pub async fn section_tree(state: &App) -> Result<Vec<SectionNode>, AppError> {
    Ok(build_tree(state.db().sections().all().await?))
}

/// A section with its subsections, and its parent if it has one.
pub async fn find_section(
    state: &App,
    slug: &str,
) -> Result<(SectionNode, Option<Section>), AppError> {
    let missing = || AppError::not_found(format!("no section {slug:?}"));
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
pub async fn find_section_by_id(state: &App, id: SectionId) -> Result<Option<Section>, AppError> {
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

/// A section an admin creates, or the changes to one (absent fields stay).
#[derive(Debug, Default, Clone)]
pub struct SectionInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// The parent's slug, for a subsection.
    pub parent: Option<String>,
    pub position: Option<i32>,
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid(ValidationError::new(field, message))
}

fn parse_name(name: &str) -> Result<String, AppError> {
    let name = Text::parse("name", name)
        .map_err(AppError::Invalid)?
        .into_string();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(invalid("name", "must be 1 to 50 characters"));
    }
    Ok(name.to_owned())
}

fn parse_description(description: Option<String>) -> Result<Option<String>, AppError> {
    let description = description
        .map(|text| Text::parse("description", &text).map(Text::into_string))
        .transpose()
        .map_err(AppError::Invalid)?
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    if description
        .as_ref()
        .is_some_and(|text| text.chars().count() > 500)
    {
        return Err(invalid("description", "must be at most 500 characters"));
    }
    Ok(description)
}

fn announce(state: &App, all: &[Section], section: SectionId) {
    state.announce(ContentChange {
        kind: ChangeKind::SectionChanged,
        article: None,
        sections: dateline_domain::section::lineage(section, all),
        tags: Vec::new(),
        authors: Vec::new(),
        published_at: None,
        at: state.now(),
        lists_unchanged: false,
    });
}

/// An admin adds a desk, at the top or under a parent.
pub async fn create_section(
    state: &App,
    principal: &Principal,
    input: SectionInput,
) -> Result<Section, AppError> {
    principal.require_admin("manage sections")?;
    let slug = parse_slug(
        "slug",
        input
            .slug
            .as_deref()
            .ok_or_else(|| invalid("slug", "a section needs a slug"))?,
    )
    .map_err(AppError::Invalid)?;
    let name = parse_name(
        input
            .name
            .as_deref()
            .ok_or_else(|| invalid("name", "a section needs a name"))?,
    )?;
    let mut all = state.db().sections().all().await?;
    let parent_id = match input.parent.as_deref() {
        Some(parent) => Some(
            all.iter()
                .find(|section| section.slug.as_str() == parent)
                .ok_or_else(|| invalid("parent", "no such section"))?
                .id,
        ),
        None => None,
    };
    let position = input.position.unwrap_or_else(|| {
        all.iter()
            .filter(|section| section.parent_id == parent_id)
            .map(|section| section.position)
            .max()
            .unwrap_or(0)
            + 1
    });
    let section = Section {
        id: SectionId::generate(),
        slug,
        name,
        description: parse_description(input.description.flatten())?,
        parent_id,
        position,
    };
    state
        .db()
        .sections()
        .insert(&section, state.now())
        .await
        .map_err(|err| match err {
            StorageError::Conflict { .. } => AppError::Conflict {
                detail: format!("the slug {:?} is taken", section.slug.as_str()),
                current_status: None,
            },
            other => other.into(),
        })?;
    all.push(section.clone());
    announce(state, &all, section.id);
    Ok(section)
}

/// An admin renames a desk, rewrites its description or reorders it. Its slug and its place in
/// the tree stay: moving a desk would move every story filed under it.
pub async fn update_section(
    state: &App,
    principal: &Principal,
    slug: &str,
    input: SectionInput,
) -> Result<Section, AppError> {
    principal.require_admin("manage sections")?;
    if input.slug.is_some() || input.parent.is_some() {
        return Err(invalid(
            "parent",
            "a section keeps its slug and its place in the tree",
        ));
    }
    let all = state.db().sections().all().await?;
    let mut section = all
        .iter()
        .find(|section| section.slug.as_str() == slug)
        .cloned()
        .ok_or_else(|| AppError::not_found(format!("no section {slug:?}")))?;
    if let Some(name) = input.name.as_deref() {
        section.name = parse_name(name)?;
    }
    if let Some(description) = input.description {
        section.description = parse_description(description)?;
    }
    if let Some(position) = input.position {
        section.position = position;
    }
    state.db().sections().update(&section, state.now()).await?;
    announce(state, &all, section.id);
    Ok(section)
}
