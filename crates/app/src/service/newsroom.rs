//! The newsroom's use cases: writing, editing and moving stories through the workflow, reading
//! stories in any status, revisions and their diffs, and preview links.
//!
//! Rules come from `dateline_domain::workflow`; this module loads, checks, saves (one storage
//! call per save, which writes the story, its links, its revision and any audit entry in one
//! transaction) and then announces the committed change.

use std::collections::BTreeSet;

use dateline_domain::Text;
use dateline_domain::article::slug_candidates;
use dateline_domain::body_html::body_from_html;
use dateline_domain::section::lineage;
use dateline_domain::{
    Article, ArticleCursor, ArticleId, ArticleKey, AuditEvent, Block, Body, Correction,
    EditorialTrail, FieldEdit, MediaId, PageSize, PublishAt, Revision, RevisionDiff, RevisionId,
    Slug, Status, StoryContent, Tag, TagId, Timestamp, ValidationError,
};
use dateline_storage::{NewArticle, NewsroomFilter, StorageError, StoryLinks, StoryWrite};

use crate::app::App;
use crate::auth::Principal;
use crate::error::AppError;
use crate::events::{ChangeKind, ContentChange};
use crate::keys::TokenProblem;
use crate::service::articles::{ArticleRecord, with_relations};

/// A story as the newsroom sees it: the story with its relations, who created and approved it,
/// and its effective status.
#[derive(Debug, Clone)]
pub struct StoryView {
    pub record: ArticleRecord,
    pub trail: EditorialTrail,
    pub status: Status,
}

/// What a client sends to write a story. For an edit, absent fields stay as they are;
/// `Some(None)` clears an optional one.
#[derive(Debug, Default, Clone)]
pub struct StoryInput {
    pub headline: Option<String>,
    pub subheadline: Option<Option<String>>,
    pub summary: Option<Option<String>>,
    pub body: Option<Vec<Block>>,
    pub body_html: Option<String>,
    /// A section slug.
    pub section: Option<String>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag names; tags that do not exist yet are created.
    pub tags: Option<Vec<String>>,
    /// A media id.
    pub lead_image: Option<Option<String>>,
    pub source_label: Option<Option<String>>,
    pub canonical_url: Option<Option<String>>,
    /// For a new story: the slug wanted instead of one made from the headline.
    pub slug: Option<String>,
    /// For an edit of a published story: a public correction note (정정보도).
    pub correction: Option<String>,
    /// The desk's mark that the story never reaches a partner in full.
    pub not_for_syndication: Option<bool>,
    /// Breaking news (속보) until this time, at most 48 hours on; `Some(None)` clears the flag.
    pub breaking_until: Option<Option<Timestamp>>,
}

/// The version an edit or a step was made against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub version: i32,
    /// Sent as `If-Match`: a stale one answers 412 rather than 409.
    pub from_header: bool,
}

/// A workflow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    /// With when the story appears.
    Approve(PublishAt),
    Unpublish,
    Archive,
}

/// A preview link for one story.
#[derive(Debug, Clone)]
pub struct Preview {
    pub token: String,
    pub expires_at: Timestamp,
    pub article: ArticleId,
}

const MAX_TAGS: usize = 20;
const MAX_AUTHORS: usize = 10;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationError::new(field, message))
}

fn not_found(id: &str) -> AppError {
    AppError::not_found(format!("no story {id:?} in the newsroom"))
}

/// Free text through the domain's one text gate (control characters refused, CRLF → LF).
fn clean_text(field: &str, text: &str) -> Result<String, AppError> {
    Text::parse(field, text)
        .map(Text::into_string)
        .map_err(AppError::Invalid)
}

/// A breaking-news flag as the desk set it, checked against now.
fn breaking_until(until: Option<Timestamp>, now: Timestamp) -> Result<Option<Timestamp>, AppError> {
    until
        .map(|until| dateline_domain::article::check_breaking_until(until, now))
        .transpose()
        .map_err(AppError::Invalid)
}

fn parse_body(input: &mut StoryInput) -> Result<Option<Body>, AppError> {
    match (input.body.take(), input.body_html.take()) {
        (Some(_), Some(_)) => Err(invalid("body", "send body or bodyHtml, not both")),
        (Some(blocks), None) => Body::parse(blocks).map(Some).map_err(AppError::Invalid),
        (None, Some(html)) => body_from_html(&html).map(Some).map_err(AppError::from),
        (None, None) => Ok(None),
    }
}

/// The story's own words from what the client sent, to be checked and written by the domain.
fn field_edit(input: &mut StoryInput, body: Option<Body>) -> FieldEdit {
    FieldEdit {
        headline: input.headline.take(),
        subheadline: input.subheadline.take(),
        summary: input.summary.take(),
        source_label: input.source_label.take(),
        canonical_url: input.canonical_url.take(),
        body,
    }
}

/// Loads a story the principal may see; others' stories are as absent to a reporter as stories
/// that do not exist.
async fn load(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<(Article, EditorialTrail), AppError> {
    let article_id = ArticleId::parse(id).map_err(|_| not_found(id))?;
    let (article, trail) = state
        .db()
        .articles()
        .find_editorial(article_id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if !principal.actor().can_see(trail.created_by) {
        return Err(not_found(id));
    }
    Ok((article, trail))
}

fn check_version(article: &Article, expected: Option<Expected>) -> Result<(), AppError> {
    match expected {
        Some(named) if named.version != article.version => Err(stale(article.version, expected)),
        _ => Ok(()),
    }
}

/// The one answer to an edit of a version that is no longer current: the version there is now,
/// and whether the client named its version as a precondition.
fn stale(current_version: i32, expected: Option<Expected>) -> AppError {
    AppError::Stale {
        current_version,
        precondition: expected.is_some_and(|e| e.from_header),
    }
}

/// Resolves section, byline, tags and lead image from the input, keeping what is stored for
/// anything not sent.
async fn resolve_links(
    state: &App,
    principal: &Principal,
    input: &StoryInput,
    current: Option<(&Article, &StoryLinks)>,
) -> Result<(dateline_domain::SectionId, StoryLinks, Option<MediaId>), AppError> {
    let db = state.db();
    let all_sections = db.sections().all().await?;
    let section_id = match (&input.section, current) {
        (Some(slug), _) => {
            all_sections
                .iter()
                .find(|section| section.slug.as_str() == slug.as_str())
                .ok_or_else(|| invalid("section", format!("no section {slug:?}")))?
                .id
        }
        (None, Some((article, _))) => article.section_id,
        (None, None) => return Err(invalid("section", "a story needs a section")),
    };
    let mut sections = lineage(section_id, &all_sections);
    sections.dedup();

    let authors = match (&input.authors, current) {
        (Some(slugs), _) => {
            if slugs.len() > MAX_AUTHORS {
                return Err(invalid("authors", format!("at most {MAX_AUTHORS} bylines")));
            }
            let mut ids = Vec::new();
            for slug in slugs {
                let parsed = Slug::parse(slug).map_err(|err| invalid("authors", err.message))?;
                let author = db
                    .authors()
                    .find_by_slug(&parsed)
                    .await?
                    .ok_or_else(|| invalid("authors", format!("no author {slug:?}")))?;
                if !ids.contains(&author.id) {
                    ids.push(author.id);
                }
            }
            ids
        }
        (None, Some((_, links))) => links.authors.clone(),
        (None, None) => principal.user.author_id.into_iter().collect(),
    };

    let tags = match (&input.tags, current) {
        (Some(names), _) => resolve_tags(state, names).await?,
        (None, Some((_, links))) => links.tags.clone(),
        (None, None) => Vec::new(),
    };

    let lead_image = match (&input.lead_image, current) {
        (Some(Some(id)), _) => {
            let media_id =
                MediaId::parse(id).map_err(|_| invalid("leadImage", "not a media id"))?;
            db.media()
                .find(media_id)
                .await?
                .ok_or_else(|| invalid("leadImage", format!("no media {id:?}")))?;
            Some(media_id)
        }
        (Some(None), _) => None,
        (None, Some((article, _))) => article.lead_image_id,
        (None, None) => None,
    };
    Ok((
        section_id,
        StoryLinks {
            authors,
            tags,
            sections,
        },
        lead_image,
    ))
}

/// Finds tags by name, creating those that do not exist yet.
async fn resolve_tags(state: &App, names: &[String]) -> Result<Vec<TagId>, AppError> {
    if names.len() > MAX_TAGS {
        return Err(invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    let tags = state.db().tags();
    let mut ids = Vec::new();
    for name in names {
        let name = clean_text("tags", name)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(invalid("tags", "each tag must be 1 to 50 characters"));
        }
        let slug = Slug::from_title(name)
            .ok_or_else(|| invalid("tags", format!("{name:?} has no letters to name it by")))?;
        let id = match tags.find_by_slug(&slug).await? {
            Some(tag) => tag.id,
            None => {
                let tag = Tag {
                    id: TagId::generate(),
                    slug: slug.clone(),
                    name: name.to_owned(),
                };
                match tags.insert(&tag, state.now()).await {
                    Ok(()) => tag.id,
                    // Someone created it a moment ago.
                    Err(StorageError::Conflict { .. }) => tags
                        .find_by_slug(&slug)
                        .await?
                        .map(|tag| tag.id)
                        .ok_or_else(|| AppError::broken(format!("tag {slug} vanished")))?,
                    Err(err) => return Err(err.into()),
                }
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Everything a change touched, before and after, for announcements.
fn union<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter()
        .chain(b)
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Whether two link lists name the same sections, tags or authors, in whatever order: lists
/// filter by membership, so a reordered byline moves no story in any list.
fn same_links<T: Ord>(a: &[T], b: &[T]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

struct Save<'a> {
    story: NewArticle,
    trail: EditorialTrail,
    expected: Option<Expected>,
    before: Option<&'a StoryLinks>,
    /// The edit leaves every public list as it was ([`Article::keeps_list_places`], same links).
    lists_unchanged: bool,
    action: &'static str,
    audit: Option<AuditEvent>,
    kind: ChangeKind,
}

/// Writes one save (story, links, revision, audit in one transaction), announces it, and
/// answers the story as the newsroom sees it now.
async fn save(state: &App, principal: &Principal, save: Save<'_>) -> Result<StoryView, AppError> {
    let now = state.now();
    let article = &save.story.article;
    let revision = Revision {
        id: RevisionId::generate(),
        article_id: article.id,
        version: article.version,
        action: save.action.to_owned(),
        editor: Some(principal.user.id),
        saved_at: now,
        content: StoryContent::of(article, &save.story.byline, &save.story.tags),
    };
    let write = StoryWrite {
        story: save.story.clone(),
        trail: save.trail,
        expected_version: save.expected.map(|e| e.version),
        revision,
        audit: save.audit,
    };
    let repo = state.db().articles();
    match repo.save(&write).await {
        Ok(()) => {}
        Err(StorageError::Stale { current }) => {
            return Err(stale(current, save.expected));
        }
        Err(StorageError::Conflict { constraint }) if constraint.contains("slug") => {
            return Err(AppError::Conflict {
                detail: format!("the slug {:?} is taken", article.slug.as_str()),
                current_status: None,
            });
        }
        Err(err) => return Err(err.into()),
    }
    let empty = StoryLinks::default();
    let before = save.before.unwrap_or(&empty);
    state.announce(ContentChange {
        kind: save.kind,
        article: Some(article.id),
        sections: union(&before.sections, &save.story.sections),
        tags: union(&before.tags, &save.story.tags),
        authors: union(&before.authors, &save.story.byline),
        published_at: article.published_at,
        at: now,
        lists_unchanged: save.lists_unchanged,
    });
    view(state, save.story.article, save.trail).await
}

async fn view(state: &App, article: Article, trail: EditorialTrail) -> Result<StoryView, AppError> {
    let status = article.status_at(state.now());
    let record = with_relations(state, vec![article])
        .await?
        .pop()
        .ok_or_else(|| AppError::broken("a saved story has no record"))?;
    Ok(StoryView {
        record,
        trail,
        status,
    })
}

/// Writes a new story as a DRAFT owned by the principal. Any role may.
pub async fn create_article(
    state: &App,
    principal: &Principal,
    mut input: StoryInput,
) -> Result<StoryView, AppError> {
    let now = state.now();
    if input.headline.is_none() {
        return Err(invalid("headline", "a story needs a headline"));
    }
    let body = parse_body(&mut input)?.ok_or_else(|| invalid("body", "send body or bodyHtml"))?;
    let fields = field_edit(&mut input, Some(body))
        .check()
        .map_err(AppError::Invalid)?;
    if input.correction.is_some() {
        return Err(invalid("correction", "a new story has nothing to correct"));
    }
    let (section_id, links, lead_image_id) = resolve_links(state, principal, &input, None).await?;
    let id = ArticleId::generate();
    // A new story starts blank and is written through the same edit as every later change, so
    // the field rules cannot differ between the two.
    let mut article = Article {
        id,
        slug: Slug::for_story(id),
        headline: String::new(),
        subheadline: None,
        summary: String::new(),
        body: Body::default(),
        body_text: String::new(),
        section_id,
        lead_image_id,
        copyright: state.settings().publisher.copyright.clone(),
        source_label: None,
        canonical_url: None,
        status: Status::Draft,
        approved_at: None,
        published_at: None,
        created_at: now,
        updated_at: now,
        corrections: Vec::new(),
        version: 1,
        not_for_syndication: input.not_for_syndication.unwrap_or(false),
        breaking_until: breaking_until(input.breaking_until.flatten(), now)?,
    };
    fields.apply(&mut article);
    let candidates = match input.slug.as_deref() {
        Some(wanted) => vec![Slug::parse(wanted).map_err(|err| invalid("slug", err.message))?],
        None => slug_candidates(&article.headline, id),
    };
    let trail = EditorialTrail {
        created_by: Some(principal.user.id),
        approved_by: None,
    };
    let repo = state.db().articles();
    for slug in candidates {
        if repo.slug_exists(&slug).await? {
            continue;
        }
        article.slug = slug;
        let attempt = save(
            state,
            principal,
            Save {
                story: NewArticle {
                    article: article.clone(),
                    byline: links.authors.clone(),
                    tags: links.tags.clone(),
                    sections: links.sections.clone(),
                },
                trail,
                expected: None,
                before: None,
                lists_unchanged: false,
                action: "created",
                audit: None,
                kind: ChangeKind::Created,
            },
        )
        .await;
        match attempt {
            // Another story took the slug between the check and the write: try the next.
            Err(AppError::Conflict {
                current_status: None,
                ..
            }) => continue,
            other => return other,
        }
    }
    Err(AppError::Conflict {
        detail: format!("the slug {:?} is taken", article.slug.as_str()),
        current_status: None,
    })
}

/// Edits a story. Reporters edit their own drafts; editors any story not archived. The edit
/// must name the version it was made against; a stale one writes nothing.
pub async fn update_article(
    state: &App,
    principal: &Principal,
    id: &str,
    mut input: StoryInput,
    expected: Option<Expected>,
) -> Result<StoryView, AppError> {
    let now = state.now();
    let (mut article, trail) = load(state, principal, id).await?;
    let effective = article.status_at(now);
    effective.check_edit(principal.role(), principal.actor().owns(trail.created_by))?;
    let expected = expected.ok_or(AppError::VersionRequired)?;
    check_version(&article, Some(expected))?;
    if input.slug.is_some() {
        return Err(invalid(
            "slug",
            "a story keeps its slug once written, so links to it hold",
        ));
    }
    let body = parse_body(&mut input)?;
    let fields = field_edit(&mut input, body)
        .check()
        .map_err(AppError::Invalid)?;
    let before = state.db().articles().links_of(article.id).await?;
    let (section_id, links, lead_image_id) =
        resolve_links(state, principal, &input, Some((&article, &before))).await?;
    let was = article.clone();
    fields.apply(&mut article);
    if let Some(flag) = input.not_for_syndication {
        article.not_for_syndication = flag;
    }
    if let Some(until) = input.breaking_until {
        article.breaking_until = breaking_until(until, now)?;
    }
    if let Some(note) = input.correction {
        article
            .corrections
            .push(Correction::new(&note, effective, now).map_err(AppError::Invalid)?);
    }
    article.section_id = section_id;
    article.lead_image_id = lead_image_id;
    // A scheduled story whose time has come is stored as what it is.
    article.status = effective;
    article.updated_at = now;
    article.version += 1;
    let lists_unchanged = article.keeps_list_places(&was, now)
        && same_links(&before.sections, &links.sections)
        && same_links(&before.tags, &links.tags)
        && same_links(&before.authors, &links.authors);
    save(
        state,
        principal,
        Save {
            story: NewArticle {
                article,
                byline: links.authors,
                tags: links.tags,
                sections: links.sections,
            },
            trail,
            expected: Some(expected),
            before: Some(&before),
            lists_unchanged,
            action: "edited",
            audit: None,
            kind: ChangeKind::Updated,
        },
    )
    .await
}

/// Moves a story one step through the workflow. An `expected` version, when given, must be
/// current.
pub async fn transition(
    state: &App,
    principal: &Principal,
    id: &str,
    step: Step,
    expected: Option<Expected>,
) -> Result<StoryView, AppError> {
    let now = state.now();
    let (mut article, mut trail) = load(state, principal, id).await?;
    let effective = article.status_at(now);
    let (role, owns) = (principal.role(), principal.actor().owns(trail.created_by));
    let (status, action, kind) = match step {
        Step::Submit => (
            effective.submit(role, owns)?,
            "submitted",
            ChangeKind::Submitted,
        ),
        Step::Approve(publish_at) => {
            let approval = effective.approve(role, publish_at, now)?;
            article.published_at = Some(approval.published_at);
            article.approved_at = Some(approval.approved_at);
            trail.approved_by = Some(principal.user.id);
            let kind = if approval.status == Status::Scheduled {
                ChangeKind::Scheduled
            } else {
                ChangeKind::Published
            };
            (approval.status, "approved", kind)
        }
        Step::Unpublish => (
            effective.unpublish(role)?,
            "unpublished",
            ChangeKind::Unpublished,
        ),
        Step::Archive => (effective.archive(role)?, "archived", ChangeKind::Archived),
    };
    check_version(&article, expected)?;
    let audit = (step != Step::Submit).then(|| {
        AuditEvent::new(
            now,
            Some(principal.user.id),
            &format!("article.{action}"),
            &article.id,
            serde_json::json!({
                "headline": article.headline,
                "from": effective.as_str(),
                "to": status.as_str(),
                "publishedAt": article.published_at.map(|at| at.to_string()),
            }),
        )
    });
    let expected_version = Expected {
        version: article.version,
        from_header: expected.is_some_and(|e| e.from_header),
    };
    article.status = status;
    article.updated_at = now;
    article.version += 1;
    let links = state.db().articles().links_of(article.id).await?;
    save(
        state,
        principal,
        Save {
            story: NewArticle {
                article,
                byline: links.authors.clone(),
                tags: links.tags.clone(),
                sections: links.sections.clone(),
            },
            trail,
            expected: Some(expected_version),
            before: Some(&links),
            lists_unchanged: false,
            action,
            audit,
            kind,
        },
    )
    .await
}

/// Deletes a story that is not public: reporters their own drafts, editors anything
/// unpublished. Audited.
pub async fn delete_article(
    state: &App,
    principal: &Principal,
    id: &str,
    expected: Option<Expected>,
) -> Result<ArticleId, AppError> {
    let now = state.now();
    let (article, trail) = load(state, principal, id).await?;
    let effective = article.status_at(now);
    effective.check_delete(principal.role(), principal.actor().owns(trail.created_by))?;
    check_version(&article, expected)?;
    let links = state.db().articles().links_of(article.id).await?;
    let audit = AuditEvent::new(
        now,
        Some(principal.user.id),
        "article.deleted",
        &article.id,
        serde_json::json!({"headline": article.headline, "status": effective.as_str()}),
    );
    state
        .db()
        .articles()
        .delete(article.id, article.version, &audit)
        .await
        .map_err(|err| match err {
            StorageError::Stale { current } => stale(current, expected),
            other => other.into(),
        })?;
    state.announce(ContentChange {
        kind: ChangeKind::Deleted,
        article: Some(article.id),
        sections: links.sections,
        tags: links.tags,
        authors: links.authors,
        published_at: article.published_at,
        at: now,
        lists_unchanged: false,
    });
    Ok(article.id)
}

/// One story in any status, for the newsroom.
pub async fn find_story(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<StoryView, AppError> {
    let (article, trail) = load(state, principal, id).await?;
    view(state, article, trail).await
}

/// The newsroom's list, most recently updated first. Reporters see only their own stories.
#[derive(Debug, Default, Clone)]
pub struct ListStories<'a> {
    /// Parsed by the transport: REST from its query string, GraphQL from its enum.
    pub status: Option<Status>,
    /// Only the principal's own stories.
    pub mine: bool,
    pub limit: Option<i64>,
    pub cursor: Option<&'a str>,
}

/// A page of the newsroom's list.
#[derive(Debug, Clone)]
pub struct StoryPage {
    pub stories: Vec<StoryView>,
    pub next: Option<ArticleCursor>,
    pub size: PageSize,
}

pub async fn list_stories(
    state: &App,
    principal: &Principal,
    input: ListStories<'_>,
) -> Result<StoryPage, AppError> {
    let size = PageSize::parse(input.limit)?;
    let after = input.cursor.map(ArticleCursor::decode).transpose()?;
    let status = input.status;
    let created_by = (input.mine || !principal.role().is_editor()).then_some(principal.user.id);
    let now = state.now();
    let page = state
        .db()
        .articles()
        .list_newsroom(
            NewsroomFilter { status, created_by },
            after.as_ref(),
            size,
            now,
        )
        .await?;
    let (articles, trails): (Vec<_>, Vec<_>) = page.items.into_iter().unzip();
    let records = with_relations(state, articles).await?;
    Ok(StoryPage {
        stories: records
            .into_iter()
            .zip(trails)
            .map(|(record, trail)| StoryView {
                status: record.article.status_at(now),
                record,
                trail,
            })
            .collect(),
        next: page.next,
        size,
    })
}

/// A story's revisions, newest first, for editors.
pub async fn list_revisions(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<Vec<Revision>, AppError> {
    principal.require_editor("read revisions")?;
    let (article, _) = load(state, principal, id).await?;
    Ok(state.db().articles().revisions_of(article.id).await?)
}

/// How two revisions of a story differ, for editors.
pub async fn diff_revisions(
    state: &App,
    principal: &Principal,
    id: &str,
    from: i32,
    to: i32,
) -> Result<RevisionDiff, AppError> {
    principal.require_editor("compare revisions")?;
    let (article, _) = load(state, principal, id).await?;
    let repo = state.db().articles();
    let (older, newer) = tokio::try_join!(
        repo.revision(article.id, from),
        repo.revision(article.id, to)
    )?;
    let missing =
        |version: i32| AppError::not_found(format!("no revision {version} of story {id}"));
    Ok(dateline_domain::revision::diff(
        &older.ok_or_else(|| missing(from))?,
        &newer.ok_or_else(|| missing(to))?,
    ))
}

/// Mints a preview link for a story the principal may see (its reporter, or an editor).
pub async fn create_preview(
    state: &App,
    principal: &Principal,
    id: &str,
) -> Result<Preview, AppError> {
    let (article, _) = load(state, principal, id).await?;
    let now = state.now();
    let settings = &state.settings().newsroom;
    let expires_at = now.plus(settings.preview_ttl);
    let token = settings.keys.issue_preview(
        article.id,
        principal.user.id,
        principal.credential_version,
        now,
        expires_at,
    )?;
    Ok(Preview {
        token,
        expires_at,
        article: article.id,
    })
}

/// The story a preview token opens, in whatever status it is, when `id_or_slug` names it.
pub async fn find_preview(state: &App, id_or_slug: &str, token: &str) -> Result<Article, AppError> {
    let refused = |detail: &str| AppError::Unauthorized {
        detail: detail.into(),
        invalid_token: true,
    };
    let grant = state
        .settings()
        .newsroom
        .keys
        .verify_preview_grant(token, state.now())
        .map_err(|problem| match problem {
            TokenProblem::Expired => refused("the preview link has expired; ask for a new one"),
            TokenProblem::Invalid => refused("the preview token is not valid"),
        })?;
    // A preview link dies with its minter's access: disabled, or the password set since.
    crate::auth::check_standing(state, grant.by, grant.credential_version)
        .await
        .map_err(|err| match err {
            AppError::Unauthorized { .. } => {
                refused("the preview link was revoked with its author's access")
            }
            other => other,
        })?;
    let article_id = grant.article;
    let (article, _) = state
        .db()
        .articles()
        .find_editorial(article_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no article {id_or_slug:?}")))?;
    let names_it = match ArticleKey::parse(id_or_slug) {
        Ok(ArticleKey::Id(id)) => id == article.id,
        Ok(ArticleKey::Slug(slug)) => slug == article.slug,
        Err(_) => false,
    };
    if !names_it {
        return Err(refused("the preview token is for another story"));
    }
    Ok(article)
}
