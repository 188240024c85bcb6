//! `dateline seed --articles N`: a synthetic corpus for benchmarks.
//!
//! Korean-looking stories built from word lists written for this project, with the shape of a
//! real archive: bodies of 2–6 KB, a few desks and reporters writing most stories (Zipf-like
//! skew), publish times spread over six months and denser lately, a few stories scheduled in the
//! future and some drafts. Stories are written in batches of multi-row inserts. `--views` then
//! adds synthetic reader views ([`views`]).

mod views;

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context as _;
use chrono::Duration;
use dateline_app::{local_media_store, put_media_file};
use dateline_domain::article::summary_from_text;
use dateline_domain::section::lineage;
use dateline_domain::{
    Article, ArticleId, Author, AuthorId, Block, Body, FocalPoint, Media, MediaId, Section,
    SectionId, Slug, Status, Tag, TagId, Timestamp,
};
use dateline_storage::{Database, NewArticle};
use indicatif::{ProgressBar, ProgressStyle};
use rand::distr::Distribution as _;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::Deserialize;

use crate::cli::SeedArgs;
use crate::photos::{draw_jpeg, parse_colour};
use crate::serve::connect;

const WORDS_JSON: &str = include_str!("ko_words.json");

/// Stories written per transaction.
const BATCH: usize = 1_000;
const AUTHORS: usize = 120;
const PHOTOS: usize = 48;
/// How far back the archive reaches.
const ARCHIVE_DAYS: i64 = 180;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Words {
    places: Vec<String>,
    organisations: Vec<String>,
    nouns: Vec<String>,
    verbs: Vec<String>,
    modifiers: Vec<String>,
    person_names: Vec<String>,
    titles: Vec<String>,
    tags: Vec<String>,
}

/// The desks the corpus files under: (slug, name, parent slug).
const DESKS: [(&str, &str, Option<&str>); 12] = [
    ("politics", "정치", None),
    ("national-assembly", "국회", Some("politics")),
    ("economy", "경제", None),
    ("industry", "산업", Some("economy")),
    ("society", "사회", None),
    ("local", "지역", None),
    ("busan", "부산", Some("local")),
    ("gyeongnam", "경남", Some("local")),
    ("world", "국제", None),
    ("culture", "문화", None),
    ("sports", "스포츠", None),
    ("opinion", "오피니언", None),
];

/// Weights falling off as 1/(rank+1)^s: a few items take most of the draws.
fn zipf(n: usize, s: f64) -> anyhow::Result<WeightedIndex<f64>> {
    let weights: Vec<f64> = (0..n)
        .map(|rank| 1.0 / ((rank + 1) as f64).powf(s))
        .collect();
    WeightedIndex::new(weights).context("zipf weights")
}

fn pick<'a>(rng: &mut StdRng, list: &'a [String]) -> &'a str {
    &list[rng.random_range(0..list.len())]
}

pub(crate) async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let words: Words = serde_json::from_str(WORDS_JSON).context("reading the word lists")?;
    let db = connect(&args.database.database_url).await?;
    db.migrate().await.context("migrating the database")?;
    let media = local_media_store(&args.media_dir)
        .with_context(|| format!("opening the media folder {}", args.media_dir.display()))?;
    let mut rng = StdRng::seed_from_u64(args.random_seed);
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let started = Instant::now();

    let sections = ensure_sections(&db, now).await?;
    let authors = ensure_authors(&db, &words, now).await?;
    let tags = ensure_tags(&db, &words, now).await?;
    let photos = make_photos(&db, &media, &mut rng, now).await?;

    let picker = Picker {
        section: zipf(sections.len(), 0.8)?,
        author: zipf(authors.len(), 1.0)?,
        tag: zipf(tags.len(), 1.1)?,
        photo: zipf(photos.len(), 0.5)?,
        sections,
        authors,
        tags,
        photos,
    };

    let progress = ProgressBar::new(args.articles);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {pos}/{len} stories · {per_sec} · eta {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let mut written = 0u64;
    while written < args.articles {
        let count = (args.articles - written).min(BATCH as u64) as usize;
        let batch: Vec<NewArticle> = (0..count)
            .map(|_| {
                let parts = picker.parts(&mut rng);
                compose_story(&mut rng, &words, now, parts)
            })
            .collect::<anyhow::Result<_>>()?;
        db.articles()
            .insert_batch(&batch)
            .await
            .context("writing a batch of stories")?;
        written += count as u64;
        progress.set_position(written);
    }
    progress.finish();
    db.optimize()
        .await
        .context("refreshing planner statistics")?;
    println!(
        "Seeded {written} stories in {:.1}s ({} sections, {} authors, {} tags, {} photos).",
        started.elapsed().as_secs_f64(),
        picker.sections.len(),
        picker.authors.len(),
        picker.tags.len(),
        picker.photos.len()
    );
    if args.views > 0 {
        let started = Instant::now();
        let rows = views::seed_views(&db, args.random_seed, now, args.views).await?;
        println!(
            "Seeded {} views in {rows} hourly buckets in {:.1}s.",
            args.views,
            started.elapsed().as_secs_f64()
        );
    }
    db.close().await;
    Ok(())
}

/// Draws what a story relates to, skewed so a few desks, reporters and tags dominate.
struct Picker {
    sections: Vec<Section>,
    authors: Vec<AuthorId>,
    tags: Vec<TagId>,
    photos: Vec<MediaId>,
    section: WeightedIndex<f64>,
    author: WeightedIndex<f64>,
    tag: WeightedIndex<f64>,
    photo: WeightedIndex<f64>,
}

impl Picker {
    fn parts(&self, rng: &mut StdRng) -> StoryParts {
        let section = &self.sections[self.section.sample(rng)];
        let mut byline = vec![self.authors[self.author.sample(rng)]];
        if rng.random_bool(0.15) {
            let second = self.authors[self.author.sample(rng)];
            if !byline.contains(&second) {
                byline.push(second);
            }
        }
        let mut tags: Vec<TagId> = Vec::new();
        for _ in 0..rng.random_range(1..=4) {
            let tag = self.tags[self.tag.sample(rng)];
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        StoryParts {
            section: section.id,
            lineage: lineage(section.id, &self.sections),
            byline,
            tags,
            photo: rng
                .random_bool(0.75)
                .then(|| self.photos[self.photo.sample(rng)]),
        }
    }
}

struct StoryParts {
    section: SectionId,
    lineage: Vec<SectionId>,
    byline: Vec<AuthorId>,
    tags: Vec<TagId>,
    photo: Option<MediaId>,
}

fn compose_story(
    rng: &mut StdRng,
    words: &Words,
    now: Timestamp,
    parts: StoryParts,
) -> anyhow::Result<NewArticle> {
    // Squaring a uniform draw crowds stories towards the present, as in a live archive.
    let age_seconds = (rng.random::<f64>().powi(2) * (ARCHIVE_DAYS * 86_400) as f64) as i64;
    let roll: f64 = rng.random();
    let (status, published_at) = if roll < 0.02 {
        (Status::Draft, None)
    } else if roll < 0.03 {
        (Status::Submitted, None)
    } else if roll < 0.04 {
        (
            Status::Scheduled,
            Some(now.plus(Duration::seconds(rng.random_range(600..7 * 86_400)))),
        )
    } else {
        (
            Status::Published,
            Some(now.minus(Duration::seconds(age_seconds))),
        )
    };
    let written_at = published_at
        .unwrap_or(now)
        .min(now)
        .minus(Duration::minutes(rng.random_range(20..240)));
    let id = ArticleId::generate_at(u64::try_from(written_at.unix_seconds() * 1000).unwrap_or(0));

    let headline = format!(
        "{} {}, {} {} {}",
        pick(rng, &words.places),
        pick(rng, &words.nouns),
        pick(rng, &words.modifiers),
        pick(rng, &words.nouns),
        pick(rng, &words.nouns)
    );
    let subheadline = rng.random_bool(0.7).then(|| {
        format!(
            "{} {} {}…{} {}",
            pick(rng, &words.organisations),
            pick(rng, &words.nouns),
            pick(rng, &words.nouns),
            pick(rng, &words.nouns),
            pick(rng, &words.verbs)
        )
    });
    let target_bytes = rng.random_range(2_000..6_000);
    let mut blocks = Vec::new();
    let mut size = 0;
    while size < target_bytes {
        let text = paragraph(rng, words);
        size += text.len();
        blocks.push(if rng.random_bool(0.06) {
            Block::Quote {
                text,
                attribution: Some(format!(
                    "{} {}",
                    pick(rng, &words.person_names),
                    pick(rng, &words.titles)
                )),
            }
        } else if rng.random_bool(0.05) {
            Block::Heading {
                text: format!("{} {}", pick(rng, &words.nouns), pick(rng, &words.nouns)),
                level: 2,
            }
        } else {
            Block::Paragraph { text }
        });
    }
    let body = Body::parse(blocks).context("a generated body")?;
    let body_text = body.plain_text();
    let suffix = id.to_string().to_ascii_lowercase();
    let suffix = &suffix[suffix.len() - 8..];
    let slug = match Slug::from_title(&headline) {
        Some(base) => Slug::parse(&format!("{base}-{suffix}")),
        None => Slug::parse(&format!("story-{suffix}")),
    }
    .context("a generated slug")?;
    let approved_at = published_at
        .filter(|_| status != Status::Draft)
        .map(|at| at.min(now).minus(Duration::minutes(5)));
    Ok(NewArticle {
        article: Article {
            id,
            slug,
            headline,
            subheadline,
            summary: summary_from_text(&body_text),
            body,
            body_text,
            section_id: parts.section,
            lead_image_id: parts.photo,
            copyright: "© 데이트라인뉴스 무단전재 및 재배포 금지".into(),
            source_label: Some("[데이트라인뉴스]".into()),
            canonical_url: None,
            status,
            approved_at,
            published_at,
            created_at: written_at,
            updated_at: published_at.unwrap_or(written_at).min(now),
            corrections: Vec::new(),
            version: 1,
            not_for_syndication: false,
            breaking_until: None,
        },
        byline: parts.byline,
        tags: parts.tags,
        sections: parts.lineage,
    })
}

/// Three to five sentences of news prose.
fn paragraph(rng: &mut StdRng, words: &Words) -> String {
    let mut sentences = Vec::new();
    for _ in 0..rng.random_range(3..=5) {
        let sentence = match rng.random_range(0..4) {
            0 => format!(
                "{}{} {} {} {}을 {}",
                pick(rng, &words.places),
                "시는",
                pick(rng, &words.modifiers),
                pick(rng, &words.nouns),
                pick(rng, &words.nouns),
                pick(rng, &words.verbs)
            ),
            1 => format!(
                "{} {}은 \"{} {}에 {} 힘을 쏟겠다\"고 {}",
                pick(rng, &words.organisations),
                pick(rng, &words.titles),
                pick(rng, &words.nouns),
                pick(rng, &words.nouns),
                pick(rng, &words.modifiers),
                pick(rng, &words.verbs)
            ),
            2 => format!(
                "{}의 {}과 {}가 {} {}",
                pick(rng, &words.places),
                pick(rng, &words.nouns),
                pick(rng, &words.nouns),
                pick(rng, &words.modifiers),
                pick(rng, &words.verbs)
            ),
            _ => format!(
                "{} {} {}는 {} {}를 두고 {}",
                pick(rng, &words.person_names),
                pick(rng, &words.titles),
                pick(rng, &words.organisations),
                pick(rng, &words.nouns),
                pick(rng, &words.nouns),
                pick(rng, &words.verbs)
            ),
        };
        sentences.push(sentence);
    }
    sentences.join(" ")
}

async fn ensure_sections(db: &Database, now: Timestamp) -> anyhow::Result<Vec<Section>> {
    let mut ids: HashMap<&str, SectionId> = HashMap::new();
    for (position, (slug, name, parent)) in (1..).zip(DESKS) {
        let slug_value = Slug::parse(slug)?;
        let id = match db.sections().find_by_slug(&slug_value).await? {
            Some(existing) => existing.id,
            None => {
                let section = Section {
                    id: SectionId::generate(),
                    slug: slug_value,
                    name: name.into(),
                    description: None,
                    parent_id: parent.and_then(|p| ids.get(p).copied()),
                    position,
                };
                db.sections().insert(&section, now).await?;
                section.id
            }
        };
        ids.insert(slug, id);
    }
    Ok(db.sections().all().await?)
}

async fn ensure_authors(
    db: &Database,
    words: &Words,
    now: Timestamp,
) -> anyhow::Result<Vec<AuthorId>> {
    let mut ids = Vec::with_capacity(AUTHORS);
    for n in 0..AUTHORS {
        let slug = Slug::parse(&format!("reporter-{n:03}"))?;
        let id = match db.authors().find_by_slug(&slug).await? {
            Some(existing) => existing.id,
            None => {
                let author = Author {
                    id: AuthorId::generate(),
                    slug,
                    name: words.person_names[n % words.person_names.len()].clone(),
                    role: if n % 20 == 7 {
                        "선임기자".into()
                    } else {
                        "기자".into()
                    },
                    bio: None,
                    photo_id: None,
                    email: None,
                };
                db.authors().insert(&author, now).await?;
                author.id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

async fn ensure_tags(db: &Database, words: &Words, now: Timestamp) -> anyhow::Result<Vec<TagId>> {
    let mut ids = Vec::with_capacity(words.tags.len());
    for name in &words.tags {
        let Some(slug) = Slug::from_title(name) else {
            continue;
        };
        let id = match db.tags().find_by_slug(&slug).await? {
            Some(existing) => existing.id,
            None => {
                let tag = Tag {
                    id: TagId::generate(),
                    slug,
                    name: name.clone(),
                };
                db.tags().insert(&tag, now).await?;
                tag.id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

async fn make_photos(
    db: &Database,
    media: &dateline_app::MediaStore,
    rng: &mut StdRng,
    now: Timestamp,
) -> anyhow::Result<Vec<MediaId>> {
    const PALETTES: [[&str; 3]; 6] = [
        ["#1d3557", "#457b9d", "#f1faee"],
        ["#264653", "#2a9d8f", "#e9c46a"],
        ["#3d405b", "#81b29a", "#f2cc8f"],
        ["#22223b", "#4a4e69", "#c9ada7"],
        ["#003049", "#669bbc", "#fdf0d5"],
        ["#283618", "#606c38", "#dda15e"],
    ];
    let mut ids = Vec::with_capacity(PHOTOS);
    for n in 0..PHOTOS {
        let id = MediaId::generate();
        let (width, height) = if n % 4 == 0 {
            (1200, 1200)
        } else {
            (1600, 900)
        };
        let palette = PALETTES[n % PALETTES.len()].map(parse_colour);
        let variation = rng.random_range(0..1000);
        let bytes =
            tokio::task::spawn_blocking(move || draw_jpeg(width, height, palette, variation))
                .await?;
        let key = format!("{id}/original.jpg");
        let byte_size = bytes.len() as u64;
        put_media_file(media, &key, bytes)
            .await
            .context("storing a generated photo")?;
        db.media()
            .insert(&Media {
                id,
                storage_key: key,
                content_type: "image/jpeg".into(),
                width,
                height,
                byte_size,
                caption: Some(format!("자료사진 {}", n + 1)),
                credit: Some("데이트라인뉴스 DB".into()),
                alt: Some("추상적인 풍경을 그린 자료 이미지".into()),
                focal_point: FocalPoint::CENTRE,
                created_at: now,
            })
            .await?;
        ids.push(id);
    }
    Ok(ids)
}
