//! The use cases called as a transport would, with no HTTP in between: an `App` on each engine
//! (an SQLite file in a temporary folder, or a PostgreSQL schema of its own from
//! `DATELINE_TEST_DATABASE_URL`, dropped afterwards), real migrations and a manual clock.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set itself up should fail loudly, right there"
)]

use std::sync::Arc;

use chrono::Duration;
use dateline_app::auth::Principal;
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::accounts::{NewAccount, register};
use dateline_app::service::articles::{ListArticles, list_articles};
use dateline_app::service::comments::{
    CommentInput, CommentListRequest, add_comment, list_comments,
};
use dateline_app::service::newsroom::{Step, StoryInput, create_article, transition};
use dateline_app::service::sections::{SectionInput, create_section};
use dateline_app::{
    App, AppError, CommentSettings, NewsroomLogo, NewsroomSettings, Publisher, Settings,
    SyndicationSettings, ViewSettings, local_media_store,
};
use dateline_domain::{Block, Clock as _, ManualClock, PublishAt, Timestamp};
use dateline_storage::{ConnectSettings, Database};
use sea_orm::ConnectionTrait as _;
use secrecy::SecretString;

fn postgres_url() -> String {
    std::env::var("DATELINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// An application with a database of its own; the PostgreSQL schema goes when it is dropped.
struct Newsroom {
    app: App,
    clock: Arc<ManualClock>,
    admin: Principal,
    schema: Option<String>,
    _folder: tempfile::TempDir,
}

impl Drop for Newsroom {
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

async fn newsroom(postgres: bool) -> Newsroom {
    let folder = tempfile::tempdir().unwrap();
    let (db, schema) = if postgres {
        let name = format!("u_{}", ulid::Ulid::new().to_string().to_lowercase());
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
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse_rfc3339("2026-11-30T09:00:00+09:00").unwrap(),
    ));
    let settings = Settings {
        public_url: "https://news.example".parse().unwrap(),
        time_zone: chrono_tz::Asia::Seoul,
        publisher: Publisher {
            name: "데이트라인뉴스".into(),
            copyright: "© 데이트라인뉴스".into(),
            logo: NewsroomLogo {
                url: "https://news.example/logo.png".parse().unwrap(),
                size: Some((512, 512)),
            },
        },
        max_body_bytes: 1 << 20,
        newsroom: NewsroomSettings::default(),
        views: ViewSettings::default(),
        syndication: SyndicationSettings::default(),
        comments: CommentSettings::default(),
    };
    let media = local_media_store(&folder.path().join("media")).unwrap();
    let user = register(
        &db,
        NewAccount {
            email: "admin@news.example".into(),
            display_name: None,
            role: "admin".into(),
            password: SecretString::from("a long enough password"),
            author: None,
        },
        clock.now(),
        None,
    )
    .await
    .unwrap();
    let app = App::new(db, clock.clone(), media, settings);
    Newsroom {
        app,
        clock,
        admin: Principal {
            user,
            credential_version: 0,
        },
        schema,
        _folder: folder,
    }
}

/// A story written, approved to appear in two hours, and the id it has.
async fn scheduled_story(newsroom: &Newsroom) -> String {
    let app = &newsroom.app;
    create_section(
        app,
        &newsroom.admin,
        SectionInput {
            slug: Some("local".into()),
            name: Some("지역".into()),
            ..SectionInput::default()
        },
    )
    .await
    .unwrap();
    let story = create_article(
        app,
        &newsroom.admin,
        StoryInput {
            headline: Some("부산 수소트램 착공".into()),
            section: Some("local".into()),
            body: Some(vec![Block::Paragraph {
                text: "첫 문단".into(),
            }]),
            ..StoryInput::default()
        },
    )
    .await
    .unwrap();
    let id = story.record.article.id.to_string();
    let at = newsroom.clock.now().plus(Duration::hours(2));
    transition(
        app,
        &newsroom.admin,
        &id,
        Step::Approve(PublishAt::At(at)),
        None,
    )
    .await
    .unwrap();
    id
}

async fn a_scheduled_story_is_listed_from_its_time_and_not_before(postgres: bool) {
    let newsroom = newsroom(postgres).await;
    let id = scheduled_story(&newsroom).await;
    let listed = || async {
        list_articles(&newsroom.app, ListArticles::default())
            .await
            .unwrap()
            .articles
            .iter()
            .map(|article| article.id.to_string())
            .collect::<Vec<_>>()
    };
    assert!(listed().await.is_empty(), "not before its time");
    newsroom.clock.advance(Duration::hours(2));
    assert_eq!(listed().await, vec![id]);
}

async fn a_comment_waits_for_its_story_and_then_is_listed(postgres: bool) {
    let newsroom = newsroom(postgres).await;
    let id = scheduled_story(&newsroom).await;
    let reader = ReaderOrigin {
        client: Some("203.0.113.7".parse().unwrap()),
        user_agent: Some("Mozilla/5.0".into()),
    };
    let comment = || CommentInput {
        nickname: Some("부산갈매기".into()),
        password: Some(SecretString::from("1234abcd")),
        body: "좋은 기사 감사합니다".into(),
        parent_id: None,
    };
    let early = add_comment(&newsroom.app, &id, comment(), None, &reader).await;
    assert!(
        matches!(early, Err(AppError::NotFound(_))),
        "a story not yet public takes no comment: {early:?}"
    );
    newsroom.clock.advance(Duration::hours(2));
    let posted = add_comment(&newsroom.app, &id, comment(), None, &reader)
        .await
        .unwrap();
    let page = list_comments(&newsroom.app, &id, CommentListRequest::default())
        .await
        .unwrap();
    assert_eq!(
        page.comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![posted.id]
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
    a_scheduled_story_is_listed_from_its_time_and_not_before,
    a_comment_waits_for_its_story_and_then_is_listed,
);
