//! The repositories on their own, on each engine: an SQLite file in a temporary folder, or a
//! PostgreSQL schema of its own from `DATELINE_TEST_DATABASE_URL`, dropped afterwards. These
//! check what only SQL can get wrong — keyset pages over stories published in the same instant,
//! the one visibility predicate against the domain's rule, which database refusals become
//! which `StorageError`; how sitemaps date their runs; and a change feed read while writers race.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set itself up should fail loudly, right there"
)]

use std::collections::HashSet;

use chrono::Duration;
use dateline_domain::syndication::ChangeCursor;
use dateline_domain::visibility::is_public;
use dateline_domain::{
    Article, ArticleCursor, ArticleFilter, ArticleId, ArticleKey, Block, Body, EditorialTrail,
    PageSize, Revision, RevisionId, Section, SectionId, Slug, Status, StoryContent, Timestamp,
    ViewClaim,
};
use dateline_storage::{ConnectSettings, Database, NewArticle, StorageError, StoryWrite};
use sea_orm::ConnectionTrait as _;

fn postgres_url() -> String {
    std::env::var("DATELINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A migrated database of its own; the PostgreSQL schema goes when it is dropped.
struct Store {
    db: Database,
    section: Section,
    schema: Option<String>,
    _folder: tempfile::TempDir,
}

impl Drop for Store {
    fn drop(&mut self) {
        let Some(name) = self.schema.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(postgres_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-12-01T09:00:00+09:00").unwrap()
}

async fn store(postgres: bool) -> Store {
    let folder = tempfile::tempdir().unwrap();
    let (db, schema) = if postgres {
        let name = format!("s_{}", ArticleId::generate().to_string().to_lowercase());
        let admin = sea_orm::Database::connect(postgres_url()).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
            .await
            .unwrap();
        let db = Database::connect_with(
            &postgres_url(),
            ConnectSettings {
                schema: Some(name.clone()),
                max_connections: Some(4),
                ..ConnectSettings::default()
            },
        )
        .await
        .unwrap();
        (db, Some(name))
    } else {
        let url = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
        (Database::connect(&url).await.unwrap(), None)
    };
    db.migrate().await.unwrap();
    let section = Section {
        id: SectionId::generate(),
        slug: Slug::parse("society").unwrap(),
        name: "사회".into(),
        description: None,
        parent_id: None,
        position: 0,
    };
    db.sections().insert(&section, now()).await.unwrap();
    Store {
        db,
        section,
        schema,
        _folder: folder,
    }
}

fn story(
    section: SectionId,
    slug: &str,
    status: Status,
    published_at: Option<Timestamp>,
) -> Article {
    let body = Body::parse(vec![Block::Paragraph {
        text: "본문.".into(),
    }])
    .unwrap();
    Article {
        id: ArticleId::generate(),
        slug: Slug::parse(slug).unwrap(),
        headline: format!("기사 {slug}"),
        subheadline: None,
        summary: "본문.".into(),
        body_text: body.plain_text(),
        body,
        section_id: section,
        lead_image_id: None,
        copyright: String::new(),
        source_label: None,
        canonical_url: None,
        status,
        approved_at: published_at,
        published_at,
        created_at: now().minus(Duration::days(1)),
        updated_at: now().minus(Duration::days(1)),
        corrections: Vec::new(),
        version: 1,
        not_for_syndication: false,
        breaking_until: None,
    }
}

fn filed(article: Article, section: SectionId) -> NewArticle {
    NewArticle {
        article,
        byline: Vec::new(),
        tags: Vec::new(),
        sections: vec![section],
    }
}

/// A save of `article` as its next version, made against `expected_version`.
fn edit(store: &Store, mut article: Article, expected_version: i32) -> StoryWrite {
    article.version = expected_version + 1;
    article.headline = format!("{} (고침)", article.headline);
    StoryWrite {
        revision: Revision {
            id: RevisionId::generate(),
            article_id: article.id,
            version: article.version,
            action: "edited".into(),
            editor: None,
            saved_at: now(),
            content: StoryContent::of(&article, &[], &[]),
        },
        story: filed(article, store.section.id),
        trail: EditorialTrail::default(),
        expected_version: Some(expected_version),
        audit: None,
    }
}

/// Every public story a filter lists, page by page with `size` per page.
async fn walk(store: &Store, filter: &ArticleFilter, size: i64) -> Vec<ArticleId> {
    let size = PageSize::parse(Some(size)).unwrap();
    let mut after: Option<ArticleCursor> = None;
    let mut seen = Vec::new();
    loop {
        let page = store
            .db
            .articles()
            .list_public(filter, after.as_ref(), size, now())
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|article| article.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

/// Seven stories published in the same second: pages of two must still list each exactly once,
/// newest id first, on the stories table and through a section's link table alike.
async fn stories_published_together_page_without_gaps_or_repeats(postgres: bool) {
    let store = store(postgres).await;
    let at = now().minus(Duration::hours(1));
    let mut ids = Vec::new();
    for n in 0..7 {
        let article = story(
            store.section.id,
            &format!("together-{n}"),
            Status::Published,
            Some(at),
        );
        ids.push(article.id);
        store
            .db
            .articles()
            .insert(&filed(article, store.section.id))
            .await
            .unwrap();
    }
    ids.sort_by_key(|id| std::cmp::Reverse(id.to_string()));

    assert_eq!(walk(&store, &ArticleFilter::default(), 2).await, ids);
    let in_section = ArticleFilter {
        section: Some(store.section.id),
        ..ArticleFilter::default()
    };
    assert_eq!(walk(&store, &in_section, 2).await, ids);
    assert_eq!(walk(&store, &in_section, 7).await, ids);
}

/// Every status at every side of its time, listed, counted and found by SQL exactly when the
/// domain's rule says the story is public.
async fn the_sql_predicate_agrees_with_the_visibility_rule(postgres: bool) {
    let store = store(postgres).await;
    let times = [
        None,
        Some(now().minus(Duration::days(2))),
        Some(now()),
        Some(now().plus(Duration::seconds(1))),
    ];
    let mut expected = HashSet::new();
    let mut all = Vec::new();
    for (s, status) in Status::ALL.into_iter().enumerate() {
        for (t, published_at) in times.into_iter().enumerate() {
            let article = story(
                store.section.id,
                &format!("case-{s}-{t}"),
                status,
                published_at,
            );
            if is_public(status, published_at, now()) {
                expected.insert(article.id);
            }
            all.push(article.id);
            store
                .db
                .articles()
                .insert(&filed(article, store.section.id))
                .await
                .unwrap();
        }
    }
    assert_eq!(expected.len(), 4, "published and scheduled, due or past");

    let listed: HashSet<_> = walk(&store, &ArticleFilter::default(), 100)
        .await
        .into_iter()
        .collect();
    assert_eq!(listed, expected);
    let counted = store
        .db
        .articles()
        .count_public(&ArticleFilter::default(), now())
        .await
        .unwrap();
    assert_eq!(counted, 4);
    for id in &all {
        let found = store
            .db
            .articles()
            .find_public(&ArticleKey::Id(*id), now())
            .await
            .unwrap();
        assert_eq!(found.is_some(), expected.contains(id), "{id}");
    }
    let by_ids: HashSet<_> = store
        .db
        .articles()
        .find_public_by_ids(&all, now())
        .await
        .unwrap()
        .into_iter()
        .map(|article| article.id)
        .collect();
    assert_eq!(by_ids, expected);
}

/// The database's refusals reach the use cases as what they mean: a taken slug or a missing
/// section is a conflict, a save against an old version is stale and tells the current one.
async fn refusals_become_the_errors_the_use_cases_act_on(postgres: bool) {
    let store = store(postgres).await;
    let published = Some(now().minus(Duration::hours(1)));
    let first = story(store.section.id, "taken", Status::Published, published);
    store
        .db
        .articles()
        .insert(&filed(first.clone(), store.section.id))
        .await
        .unwrap();

    let same_slug = story(store.section.id, "taken", Status::Draft, None);
    let refused = store
        .db
        .articles()
        .insert(&filed(same_slug, store.section.id))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::Conflict { .. }),
        "{refused:?}"
    );

    let nowhere = SectionId::generate();
    let refused = store
        .db
        .articles()
        .insert(&filed(
            story(nowhere, "nowhere", Status::Draft, None),
            nowhere,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::Conflict { .. }),
        "{refused:?}"
    );

    store
        .db
        .articles()
        .save(&edit(&store, first.clone(), 1))
        .await
        .unwrap();
    let refused = store
        .db
        .articles()
        .save(&edit(&store, first.clone(), 1))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::Stale { current: 2 }),
        "{refused:?}"
    );
    let kept = store
        .db
        .articles()
        .find_public(&ArticleKey::Id(first.id), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.version, 2);
    assert_eq!(kept.headline, "기사 taken (고침)");
}

/// Each sitemap's `<lastmod>`: public stories cut into runs oldest first, each run dated by its
/// latest publication or edit; a correction to an old story dates its old run, not the newest.
async fn sitemap_runs_are_dated_by_their_latest_change(postgres: bool) {
    let store = store(postgres).await;
    let mut public = Vec::new();
    for hours in (1..=5).rev() {
        let article = story(
            store.section.id,
            &format!("run-{hours}"),
            Status::Published,
            Some(now().minus(Duration::hours(hours))),
        );
        public.push(article.clone());
        store
            .db
            .articles()
            .insert(&filed(article, store.section.id))
            .await
            .unwrap();
    }
    for (slug, status, at) in [
        ("draft", Status::Draft, None),
        (
            "embargoed",
            Status::Scheduled,
            Some(now().plus(Duration::hours(1))),
        ),
    ] {
        store
            .db
            .articles()
            .insert(&filed(
                story(store.section.id, slug, status, at),
                store.section.id,
            ))
            .await
            .unwrap();
    }
    let published = |n: usize| public[n].published_at.unwrap();
    let runs = store
        .db
        .articles()
        .sitemap_last_changes(2, now())
        .await
        .unwrap();
    assert_eq!(runs, vec![published(1), published(3), published(4)]);

    let mut corrected = public[0].clone();
    corrected.updated_at = now();
    store
        .db
        .articles()
        .save(&edit(&store, corrected, 1))
        .await
        .unwrap();
    let runs = store
        .db
        .articles()
        .sitemap_last_changes(2, now())
        .await
        .unwrap();
    assert_eq!(runs, vec![now(), published(3), published(4)]);
}

/// Eight writers publishing at once while a reader polls the change feed: the reader ends with
/// every event exactly once, in increasing positions — on PostgreSQL, writers commit out of the
/// order they began in, which must not let the reader's cursor pass an event still in flight. A
/// story scheduled ahead is listed once its time has come, after everything listed before it.
async fn a_reader_polling_the_change_feed_misses_nothing_while_writers_race(postgres: bool) {
    const WRITERS: usize = 8;
    const STORIES: usize = 10;
    let store = store(postgres).await;
    let section = store.section.id;
    let mut scheduled = story(
        section,
        "embargoed",
        Status::Scheduled,
        Some(now().plus(Duration::minutes(30))),
    );
    scheduled.updated_at = now();
    store
        .db
        .articles()
        .insert(&filed(scheduled.clone(), section))
        .await
        .unwrap();

    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let db = store.db.clone();
            tokio::spawn(async move {
                for n in 0..STORIES {
                    let mut article = story(
                        section,
                        &format!("race-{writer}-{n}"),
                        Status::Published,
                        Some(now().minus(Duration::hours(1))),
                    );
                    article.updated_at = now();
                    db.articles()
                        .insert(&filed(article, section))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let db = store.db.clone();
    let reader = tokio::spawn(async move {
        let mut cursor = None;
        let mut seen = Vec::new();
        while seen.len() < WRITERS * STORIES {
            let page = db.changes().list(cursor, None, 7, now()).await.unwrap();
            for event in page.items {
                cursor = Some(ChangeCursor::After(event.position));
                seen.push(event);
            }
            tokio::task::yield_now().await;
        }
        (seen, cursor)
    });
    for writer in writers {
        writer.await.unwrap();
    }
    let (seen, cursor) = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("the reader sees every event")
        .unwrap();
    let articles: HashSet<ArticleId> = seen.iter().map(|event| event.article).collect();
    assert_eq!(
        articles.len(),
        WRITERS * STORIES,
        "each story's publication once"
    );
    assert!(!articles.contains(&scheduled.id), "not before its time");
    assert!(
        seen.windows(2)
            .all(|pair| pair[0].position < pair[1].position),
        "in increasing positions"
    );
    let rest = store
        .db
        .changes()
        .list(cursor, None, 100, now())
        .await
        .unwrap();
    assert!(rest.items.is_empty(), "nothing more: {:?}", rest.items);

    let later = now().plus(Duration::hours(1));
    let after_its_time = store
        .db
        .changes()
        .list(cursor, None, 100, later)
        .await
        .unwrap();
    assert_eq!(
        after_its_time
            .items
            .iter()
            .map(|event| event.article)
            .collect::<Vec<_>>(),
        vec![scheduled.id],
        "the scheduled publication comes after everything read before it"
    );
}

/// Views claimed by several nodes count once per reader per story per repeat period: a claim
/// counts if its reader is new for the story or was last counted that long ago, or longer.
async fn claimed_views_count_once_per_reader_per_period(postgres: bool) {
    let store = store(postgres).await;
    let article = story(
        store.section.id,
        "viewed",
        Status::Published,
        Some(now().minus(Duration::hours(1))),
    );
    store
        .db
        .articles()
        .insert(&filed(article.clone(), store.section.id))
        .await
        .unwrap();
    let claim = |reader: u64, at: Timestamp| ViewClaim {
        article: article.id,
        reader,
        at,
    };
    let views = store.db.article_views();
    let period = Duration::minutes(30);
    // Two nodes claimed reader 1; reader 2 once.
    let counted = views
        .add_claimed(&[claim(1, now()), claim(2, now()), claim(1, now())], period)
        .await
        .unwrap();
    assert_eq!(counted, 2);
    let later = now().plus(Duration::minutes(29));
    assert_eq!(
        views.add_claimed(&[claim(1, later)], period).await.unwrap(),
        0,
        "a repeat"
    );
    let again = now().plus(Duration::minutes(30));
    assert_eq!(
        views
            .add_claimed(&[claim(1, again), claim(2, again)], period)
            .await
            .unwrap(),
        2,
        "counts again once the period has passed"
    );
}

macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(false).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(true).await;
                }
            }
        )*
    };
}

on_both_engines!(
    stories_published_together_page_without_gaps_or_repeats,
    the_sql_predicate_agrees_with_the_visibility_rule,
    refusals_become_the_errors_the_use_cases_act_on,
    sitemap_runs_are_dated_by_their_latest_change,
    a_reader_polling_the_change_feed_misses_nothing_while_writers_race,
    claimed_views_count_once_per_reader_per_period,
);
