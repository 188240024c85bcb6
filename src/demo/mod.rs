//! `dateline demo`: loads the demo newsroom — original Korean sample stories written for this
//! project, with sections, reporters and generated photos — and serves it.
//!
//! Times are relative to the moment the demo starts, so the newest story is always minutes old,
//! and two stories are scheduled to appear a few minutes after start.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use chrono::Duration;
use dateline_app::{MediaStore, local_media_store, put_media_file};
use dateline_domain::article::summary_from_text;
use dateline_domain::{
    Article, ArticleId, Author, AuthorId, Block, Body, Correction, FocalPoint, Media, MediaId,
    Section, SectionId, Slug, Status, Tag, TagId, Timestamp,
};
use dateline_storage::{Database, NewArticle};
use serde::Deserialize;

mod comments;

use crate::cli::DemoArgs;
use crate::photos::{draw_jpeg, parse_colour};
use crate::serve::{connect, newsroom_settings, serve};

/// The demo's sign-ins: an editor for the newsroom tour, an admin for accounts, partners and
/// webhooks.
const DEMO_EDITOR: DemoAccount = DemoAccount {
    email: "editor@dateline.example",
    name: "데스크 편집자",
    role: "editor",
};
const DEMO_ADMIN: DemoAccount = DemoAccount {
    email: "admin@dateline.example",
    name: "시스템 관리자",
    role: "admin",
};

#[derive(Clone, Copy)]
struct DemoAccount {
    email: &'static str,
    name: &'static str,
    role: &'static str,
}

/// The demo newsroom, compiled into the binary so the demo needs no files beside it.
const NEWSROOM_JSON: &str = include_str!("newsroom.json");

/// The embedded database the demo uses unless told otherwise; replaced at every start.
const DEMO_DATABASE_FILE: &str = "dateline-demo.db";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoNewsroom {
    newsroom: NewsroomInfo,
    sections: Vec<DemoSection>,
    authors: Vec<DemoAuthor>,
    photos: Vec<DemoPhoto>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewsroomInfo {
    copyright: String,
    source_label: String,
}

#[derive(Deserialize)]
struct DemoSection {
    slug: Slug,
    name: String,
    description: Option<String>,
    #[serde(default)]
    children: Vec<DemoSection>,
}

#[derive(Deserialize)]
struct DemoAuthor {
    slug: Slug,
    name: String,
    role: String,
    email: Option<String>,
    bio: Option<String>,
}

#[derive(Deserialize)]
struct DemoPhoto {
    key: String,
    caption: String,
    credit: String,
    alt: String,
    width: u32,
    height: u32,
    focal: [f64; 2],
    palette: [String; 3],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoArticle {
    slug: Slug,
    headline: String,
    subheadline: Option<String>,
    summary: Option<String>,
    section: Slug,
    authors: Vec<Slug>,
    tags: Vec<String>,
    lead_photo: Option<String>,
    published_minutes_ago: Option<i64>,
    status: String,
    body: Vec<DemoBlock>,
    #[serde(default)]
    corrections: Vec<DemoCorrection>,
    /// Flagged as breaking news for this many hours from the demo's start.
    #[serde(default)]
    breaking_hours: Option<i64>,
}

/// A body block as written in the demo file: images name a photo by key.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum DemoBlock {
    Paragraph {
        text: String,
    },
    Heading {
        text: String,
        level: u8,
    },
    Image {
        photo: String,
        caption: Option<String>,
        credit: Option<String>,
    },
    Quote {
        text: String,
        attribution: Option<String>,
    },
    Embed {
        url: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoCorrection {
    note: String,
    minutes_after_publish: i64,
}

pub(crate) async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{DEMO_DATABASE_FILE}{suffix}");
                if Path::new(&file).exists() {
                    std::fs::remove_file(&file).with_context(|| format!("removing {file}"))?;
                }
            }
            format!("sqlite://{DEMO_DATABASE_FILE}?mode=rwc")
        }
    };
    let db = connect(&url).await?;
    db.migrate().await.context("migrating the demo database")?;
    let media = local_media_store(&args.server.media_dir).with_context(|| {
        format!(
            "opening the media folder {}",
            args.server.media_dir.display()
        )
    })?;

    let politics = Slug::parse("politics").context("demo slug")?;
    if db.sections().find_by_slug(&politics).await?.is_some() {
        tracing::info!("the database already holds the demo newsroom; serving it as it is");
    } else {
        let now = Timestamp::from_datetime(chrono::Utc::now());
        let summary = load(&db, &media, now).await?;
        println!("{summary}");
    }
    let newsroom = newsroom_settings(&args.server.auth, true)?;
    let address = args.server.listen;
    println!("  REST:     http://{address}/api/v1/articles");
    println!("  GraphiQL: http://{address}/graphql");
    println!("  API docs: http://{address}/docs");
    for (label, account) in [("Editor", DEMO_EDITOR), ("Admin", DEMO_ADMIN)] {
        let password = demo_account(&db, account).await?;
        let email = account.email;
        println!("  {label} login: {email} / {password}");
        println!(
            "    curl -s http://{address}/api/v1/auth/token -H 'content-type: application/json' -d '{{\"email\":\"{email}\",\"password\":\"{password}\"}}'"
        );
    }
    serve(db, &args.server, newsroom).await
}

/// Makes sure the demo has this account with a fresh random password, and answers it.
async fn demo_account(db: &Database, account: DemoAccount) -> anyhow::Result<String> {
    use rand::distr::{Alphanumeric, SampleString as _};
    use secrecy::SecretString;

    let password = Alphanumeric.sample_string(&mut rand::rng(), 20);
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let email = dateline_domain::Email::parse(account.email)?;
    match db.users().find_for_login(&email).await? {
        Some((mut user, _)) => {
            let hash = dateline_app::auth::hash_password(&SecretString::from(password.clone()))
                .map_err(|err| anyhow::anyhow!("{}", err.detail()))?;
            user.disabled = false;
            user.updated_at = now;
            db.users().update(&user, Some(&hash), None).await?;
        }
        None => {
            dateline_app::service::accounts::register(
                db,
                dateline_app::service::accounts::NewAccount {
                    email: account.email.into(),
                    display_name: Some(account.name.into()),
                    role: account.role.into(),
                    password: SecretString::from(password.clone()),
                    author: None,
                },
                now,
                None,
            )
            .await
            .map_err(|err| anyhow::anyhow!("{}", err.detail()))?;
        }
    }
    Ok(password)
}

/// Writes the demo newsroom into `db`, photos into `media`; answers a one-line summary.
pub(crate) async fn load(
    db: &Database,
    media: &MediaStore,
    now: Timestamp,
) -> anyhow::Result<String> {
    let demo: DemoNewsroom =
        serde_json::from_str(NEWSROOM_JSON).context("reading the demo newsroom")?;

    let mut sections: HashMap<Slug, SectionId> = HashMap::new();
    let mut all_sections = Vec::new();
    for (position, top) in (1..).zip(&demo.sections) {
        let parent = insert_section(db, top, None, position, now, &mut sections).await?;
        all_sections.push(parent.clone());
        for (position, child) in (1..).zip(&top.children) {
            all_sections.push(
                insert_section(db, child, Some(parent.id), position, now, &mut sections).await?,
            );
        }
    }

    let mut authors: HashMap<Slug, AuthorId> = HashMap::new();
    for demo_author in &demo.authors {
        let author = Author {
            id: AuthorId::generate(),
            slug: demo_author.slug.clone(),
            name: demo_author.name.clone(),
            role: demo_author.role.clone(),
            bio: demo_author.bio.clone(),
            photo_id: None,
            email: demo_author.email.clone(),
        };
        db.authors().insert(&author, now).await?;
        authors.insert(author.slug.clone(), author.id);
    }

    let mut photos: HashMap<String, MediaId> = HashMap::new();
    for (variation, photo) in (0..).zip(&demo.photos) {
        let id = MediaId::generate();
        let palette = photo.palette.clone().map(|colour| parse_colour(&colour));
        let (width, height) = (photo.width, photo.height);
        let bytes =
            tokio::task::spawn_blocking(move || draw_jpeg(width, height, palette, variation))
                .await?;
        let key = format!("{id}/original.jpg");
        let byte_size = bytes.len() as u64;
        put_media_file(media, &key, bytes)
            .await
            .context("storing a demo photo")?;
        db.media()
            .insert(&Media {
                id,
                storage_key: key,
                content_type: "image/jpeg".into(),
                width,
                height,
                byte_size,
                caption: Some(photo.caption.clone()),
                credit: Some(photo.credit.clone()),
                alt: Some(photo.alt.clone()),
                focal_point: FocalPoint::new(photo.focal[0], photo.focal[1])?,
                created_at: now,
            })
            .await?;
        photos.insert(photo.key.clone(), id);
    }

    let mut tags: HashMap<String, TagId> = HashMap::new();
    let mut stories = Vec::new();
    let mut scheduled = Vec::new();
    for story in demo.articles {
        let mut tag_ids = Vec::new();
        for name in &story.tags {
            if let Some(id) = tags.get(name) {
                tag_ids.push(*id);
                continue;
            }
            let slug =
                Slug::from_title(name).with_context(|| format!("tag {name:?} has no slug"))?;
            let tag = Tag {
                id: TagId::generate(),
                slug,
                name: name.clone(),
            };
            db.tags().insert(&tag, now).await?;
            tags.insert(name.clone(), tag.id);
            tag_ids.push(tag.id);
        }
        let section_id = *sections
            .get(&story.section)
            .with_context(|| format!("story {} names an unknown section", story.slug))?;
        let byline = story
            .authors
            .iter()
            .map(|slug| {
                authors
                    .get(slug)
                    .copied()
                    .with_context(|| format!("unknown author {slug}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let photo = |key: &str| {
            photos
                .get(key)
                .copied()
                .with_context(|| format!("unknown photo {key}"))
        };
        let blocks = story
            .body
            .into_iter()
            .map(|block| {
                Ok(match block {
                    DemoBlock::Paragraph { text } => Block::Paragraph { text },
                    DemoBlock::Heading { text, level } => Block::Heading { text, level },
                    DemoBlock::Image {
                        photo: key,
                        caption,
                        credit,
                    } => Block::Image {
                        media_id: photo(&key)?,
                        caption,
                        credit,
                    },
                    DemoBlock::Quote { text, attribution } => Block::Quote { text, attribution },
                    DemoBlock::Embed { url } => Block::Embed { url },
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let body = Body::parse(blocks).with_context(|| format!("story {}", story.slug))?;
        let body_text = body.plain_text();

        let status = match story.status.as_str() {
            "published" => Status::Published,
            "scheduled" => Status::Scheduled,
            "draft" => Status::Draft,
            "submitted" => Status::Submitted,
            other => bail!("story {} has an unknown status {other:?}", story.slug),
        };
        let published_at = story
            .published_minutes_ago
            .map(|minutes| now.minus(Duration::minutes(minutes)));
        if status == Status::Scheduled {
            scheduled.push(story.published_minutes_ago.unwrap_or_default().abs());
        }
        let approved_at = match (status, published_at) {
            (Status::Published, Some(at)) => Some(at.minus(Duration::minutes(7))),
            (Status::Scheduled, Some(_)) => Some(now.minus(Duration::minutes(30))),
            _ => None,
        };
        let created_at = published_at
            .unwrap_or(now)
            .min(now)
            .minus(Duration::hours(2));
        let corrections = story
            .corrections
            .iter()
            .filter_map(|c| {
                published_at.map(|at| Correction {
                    note: c.note.clone(),
                    corrected_at: at.plus(Duration::minutes(c.minutes_after_publish)),
                })
            })
            .collect::<Vec<_>>();
        let updated_at = corrections
            .iter()
            .map(|c| c.corrected_at)
            .max()
            .or(published_at)
            .unwrap_or(created_at)
            .min(now);
        let mut lineage = dateline_domain::section::lineage(section_id, &all_sections);
        lineage.dedup();
        stories.push(NewArticle {
            article: Article {
                id: ArticleId::generate(),
                slug: story.slug,
                headline: story.headline,
                subheadline: story.subheadline,
                summary: story
                    .summary
                    .unwrap_or_else(|| summary_from_text(&body_text)),
                body,
                body_text,
                section_id,
                lead_image_id: story.lead_photo.as_deref().map(photo).transpose()?,
                copyright: demo.newsroom.copyright.clone(),
                source_label: Some(demo.newsroom.source_label.clone()),
                canonical_url: None,
                status,
                approved_at,
                published_at,
                created_at,
                updated_at,
                corrections,
                version: 1,
                not_for_syndication: false,
                breaking_until: story
                    .breaking_hours
                    .map(|hours| now.plus(Duration::hours(hours))),
            },
            byline,
            tags: tag_ids,
            sections: lineage,
        });
    }
    let total = stories.len();
    db.articles().insert_batch(&stories).await?;
    let comments = comments::add_samples(db, &stories, now).await?;
    db.optimize().await?;
    scheduled.sort_unstable();
    let scheduled: Vec<String> = scheduled.iter().map(|m| format!("{m} min")).collect();
    Ok(format!(
        "Loaded the demo newsroom: {total} stories in {} sections by {} reporters, {} photos, {comments} reader comments; scheduled to appear after start: {}.",
        all_sections.len(),
        authors.len(),
        photos.len(),
        scheduled.join(", ")
    ))
}

async fn insert_section(
    db: &Database,
    demo: &DemoSection,
    parent_id: Option<SectionId>,
    position: i32,
    now: Timestamp,
    ids: &mut HashMap<Slug, SectionId>,
) -> anyhow::Result<Section> {
    let section = Section {
        id: SectionId::generate(),
        slug: demo.slug.clone(),
        name: demo.name.clone(),
        description: demo.description.clone(),
        parent_id,
        position,
    };
    db.sections().insert(&section, now).await?;
    ids.insert(section.slug.clone(), section.id);
    Ok(section)
}
