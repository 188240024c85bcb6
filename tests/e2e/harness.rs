//! The test harness: a fresh Dateline on either engine, spoken to over HTTP in-process.
//!
//! SQLite runs as a file in a temporary folder; PostgreSQL gets a schema of its own on the
//! server named by `DATELINE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped when the test ends. Both run the real migrations. Time is a [`ManualClock`], so tests
//! move it instead of sleeping; counted views are flushed on demand with
//! [`TestApp::flush_views`] instead of waiting for the flush interval.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use chrono::Duration;
use dateline_api::{CacheSettings, HttpSettings, HttpState, build_router};
use dateline_app::{
    App, CommentSettings, NewsroomSettings, Publisher, Settings, SyndicationSettings, ViewSettings,
    local_media_store,
};
use dateline_domain::article::summary_from_text;
use dateline_domain::{
    Article, ArticleId, Author, AuthorId, Block, Body as StoryBody, Email, FocalPoint, ManualClock,
    Media, MediaId, Role, Section, SectionId, Slug, Status, Tag, TagId, Timestamp, User, UserId,
};
use dateline_storage::{ConnectSettings, Database, NewArticle};
use http_body_util::BodyExt as _;
use sea_orm::ConnectionTrait as _;
use serde_json::Value;
use tower::ServiceExt as _;

/// Which database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use.
pub(crate) fn postgres_url() -> String {
    std::env::var("DATELINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Drops a test's PostgreSQL schema when the test ends, pass or fail.
struct PostgresSchema {
    name: String,
}

impl Drop for PostgresSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread with
        // a runtime of its own.
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
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// A running Dateline with a database of its own.
pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) db: Database,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) state: App,
    /// The newsroom's standing accounts, one per role (no bylines).
    pub(crate) reporter: User,
    pub(crate) editor: User,
    pub(crate) admin: User,
    /// The database as a URL another process can open (for PostgreSQL, the test's schema is
    /// selected through `options=-c search_path=…`).
    pub(crate) database_url: String,
    /// The state behind `router` when its response cache is on, so tests can await the
    /// cache's readiness signals.
    pub(crate) cached: Option<HttpState>,
    /// Sections are placed in the order tests create them.
    next_position: std::sync::atomic::AtomicI32,
    // Held for their Drop: the temporary folder and the PostgreSQL schema.
    _folder: tempfile::TempDir,
    _schema: Option<PostgresSchema>,
}

/// A response as a client sees it.
pub(crate) struct TestResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl TestResponse {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "response is not JSON ({err}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The router tests talk to: the application with no response cache kept (the cache's own
/// tests turn it on with [`TestApp::with_response_cache`]).
fn router_of(app: &App) -> Router {
    build_router(HttpState::new(app.clone(), HttpSettings::default()))
}

/// Syndication as most tests run it: their webhook receivers listen on 127.0.0.1 over plain
/// http, which production refuses unless told (`--webhook-allow-http`, `--webhook-allow-private`).
pub(crate) fn loopback_receivers() -> SyndicationSettings {
    SyndicationSettings {
        webhook_destinations: dateline_domain::destination::DestinationPolicy {
            allow_http: true,
            allow_private: true,
        },
        ..SyndicationSettings::default()
    }
}

/// The moment every test starts at.
pub(crate) fn test_start() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-30T09:00:00+09:00").unwrap()
}

impl TestApp {
    /// Rankings are summed on every request, so that a flush shows at once; the ranking
    /// cache is tested on its own with [`TestApp::with_views`].
    pub(crate) async fn new(engine: Engine) -> Self {
        let views = ViewSettings {
            ranking_cache_ttl: std::time::Duration::ZERO,
            ..ViewSettings::default()
        };
        Self::with_views(engine, views).await
    }

    /// A Dateline whose view beacon and rankings run with these settings.
    pub(crate) async fn with_views(engine: Engine, views: ViewSettings) -> Self {
        Self::build(engine, views, loopback_receivers()).await
    }

    /// A Dateline whose rate limits and webhook delivery run with these settings.
    pub(crate) async fn with_syndication(engine: Engine, syndication: SyndicationSettings) -> Self {
        let views = ViewSettings {
            ranking_cache_ttl: std::time::Duration::ZERO,
            ..ViewSettings::default()
        };
        Self::build(engine, views, syndication).await
    }

    /// The same Dateline after a restart: a new process's state (nothing in memory survives)
    /// over the same database, reconnected from its URL, with the same clock.
    pub(crate) async fn restarted(mut self) -> Self {
        let db = match self.db.engine() {
            dateline_storage::Engine::Sqlite => {
                Database::connect(&self.database_url).await.unwrap()
            }
            dateline_storage::Engine::Postgres => {
                let schema = self._schema.as_ref().unwrap().name.clone();
                Database::connect_with(
                    &postgres_url(),
                    ConnectSettings {
                        schema: Some(schema),
                        max_connections: Some(4),
                        ..ConnectSettings::default()
                    },
                )
                .await
                .unwrap()
            }
        };
        let settings = self.state.settings().clone();
        let media = local_media_store(&self._folder.path().join("media")).unwrap();
        let state = App::new(db.clone(), self.clock.clone(), media, settings);
        let old = std::mem::replace(&mut self.db, db);
        old.close().await;
        Self {
            router: router_of(&state),
            cached: None,
            state,
            ..self
        }
    }

    async fn build(engine: Engine, views: ViewSettings, syndication: SyndicationSettings) -> Self {
        let folder = tempfile::tempdir().unwrap();
        let (db, schema, database_url) = match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}/dateline.db?mode=rwc", folder.path().display());
                (Database::connect(&url).await.unwrap(), None, url)
            }
            Engine::Postgres => {
                let name = format!("t_{}", ulid::Ulid::new().to_string().to_lowercase());
                let admin = sea_orm::Database::connect(postgres_url())
                    .await
                    .expect("PostgreSQL must be reachable for the tests (scripts/test starts it)");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let guard = PostgresSchema { name: name.clone() };
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
                let separator = if postgres_url().contains('?') {
                    '&'
                } else {
                    '?'
                };
                let url = format!(
                    "{}{separator}options=-c%20search_path%3D{name}",
                    postgres_url()
                );
                (db, Some(guard), url)
            }
        };
        Self::on(db, folder, schema, database_url, views, syndication).await
    }

    /// A Dateline on the PostgreSQL server at `url` (a cluster of the test's own), in its
    /// default schema, whose requests wait at most `acquire_timeout` for a connection.
    pub(crate) async fn on_postgres_at(url: &str, acquire_timeout: std::time::Duration) -> Self {
        let db = Database::connect_with(
            url,
            ConnectSettings {
                max_connections: Some(4),
                acquire_timeout: Some(acquire_timeout),
                ..ConnectSettings::default()
            },
        )
        .await
        .unwrap();
        let views = ViewSettings {
            ranking_cache_ttl: std::time::Duration::ZERO,
            ..ViewSettings::default()
        };
        let folder = tempfile::tempdir().unwrap();
        Self::on(
            db,
            folder,
            None,
            url.to_owned(),
            views,
            loopback_receivers(),
        )
        .await
    }

    /// The folder media files are kept in.
    pub(crate) fn media_dir(&self) -> std::path::PathBuf {
        self._folder.path().join("media")
    }

    async fn on(
        db: Database,
        folder: tempfile::TempDir,
        schema: Option<PostgresSchema>,
        database_url: String,
        views: ViewSettings,
        syndication: SyndicationSettings,
    ) -> Self {
        db.migrate().await.unwrap();
        let clock = Arc::new(ManualClock::new(test_start()));
        let media = local_media_store(&folder.path().join("media")).unwrap();
        let settings = Settings {
            public_url: "https://news.example".parse().unwrap(),
            time_zone: chrono_tz::Asia::Seoul,
            publisher: Publisher {
                name: "데이트라인뉴스".into(),
                copyright: "© 데이트라인뉴스 무단전재 및 재배포 금지".into(),
                logo: dateline_api::default_newsroom_logo(&"https://news.example".parse().unwrap()),
            },
            max_body_bytes: 1 << 20,
            newsroom: NewsroomSettings {
                max_upload_bytes: UPLOAD_LIMIT,
                ..NewsroomSettings::default()
            },
            views,
            syndication,
            comments: CommentSettings::default(),
        };
        let state = App::new(db.clone(), clock.clone(), media, settings);
        let reporter = insert_user(&db, "reporter@news.example", Role::Reporter).await;
        let editor = insert_user(&db, "editor@news.example", Role::Editor).await;
        let admin = insert_user(&db, "admin@news.example", Role::Admin).await;
        Self {
            router: router_of(&state),
            db,
            clock,
            state,
            reporter,
            editor,
            admin,
            database_url,
            cached: None,
            next_position: std::sync::atomic::AtomicI32::new(1),
            _folder: folder,
            _schema: schema,
        }
    }

    /// This Dateline serving through a response cache of these settings (kept in step with
    /// changes, on PostgreSQL across nodes too).
    pub(crate) fn with_response_cache(self, settings: CacheSettings) -> Self {
        self.with_http(HttpSettings {
            cache: settings,
            ..HttpSettings::default()
        })
    }

    /// Another node of this Dateline: the same database and clock, its own process state
    /// (caches, limiters), media in `store`.
    pub(crate) fn other_node(&self, store: dateline_app::MediaStore) -> Router {
        router_of(&App::new(
            self.db.clone(),
            self.clock.clone(),
            store,
            self.state.settings().clone(),
        ))
    }

    /// This Dateline keeping its media in `store` instead of its folder.
    pub(crate) fn with_media_store(self, store: dateline_app::MediaStore) -> Self {
        let state = App::new(
            self.db.clone(),
            self.clock.clone(),
            store,
            self.state.settings().clone(),
        );
        Self {
            router: router_of(&state),
            state,
            ..self
        }
    }

    /// This Dateline serving with these HTTP settings.
    pub(crate) fn with_http(self, settings: HttpSettings) -> Self {
        let http = HttpState::new(self.state.clone(), settings);
        Self {
            router: build_router(http.clone()),
            cached: Some(http),
            ..self
        }
    }

    /// Attempts every webhook delivery due now, as the serve path's worker does every few
    /// seconds; answers how many attempts were made.
    pub(crate) async fn deliver_webhooks(&self) -> Result<usize, dateline_app::AppError> {
        dateline_app::service::webhooks::deliver_due(&self.state).await
    }

    /// Writes the log of stories served to partners, as the worker does every few seconds.
    pub(crate) async fn flush_partner_log(&self) -> Result<usize, dateline_app::AppError> {
        dateline_app::service::audience::flush_usage(&self.state).await
    }

    pub(crate) fn now(&self) -> Timestamp {
        dateline_domain::Clock::now(self.clock.as_ref())
    }

    /// Stores the views counted so far, as the flusher does every few seconds.
    pub(crate) async fn flush_views(&self) -> u64 {
        self.state.flush_views().await.unwrap()
    }

    /// Sends the view beacon for `article` as `reader`.
    pub(crate) async fn view(&self, article: &str, reader: &Reader) -> TestResponse {
        let mut request = Request::post(format!("/api/v1/articles/{article}/views"));
        if let Some(agent) = reader.user_agent {
            request = request.header(header::USER_AGENT, agent);
        }
        if let Some(forwarded) = &reader.forwarded_for {
            request = request.header("x-forwarded-for", forwarded);
        }
        let body = match &reader.reader_id {
            Some(id) => {
                Body::from(serde_json::to_vec(&serde_json::json!({"readerId": id})).unwrap())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(reader.address, 40_000)));
        self.request(request).await
    }

    /// Sends `count` views of `article`, each from a reader of its own; asserts each is accepted.
    pub(crate) async fn views_from_distinct_readers(&self, article: &Article, count: usize) {
        for n in 0..count {
            let response = self
                .view(
                    &article.id.to_string(),
                    &Reader::browser().reader_id(&format!("reader-{n}")),
                )
                .await;
            assert_eq!(response.status, 202);
        }
    }
    pub(crate) async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub(crate) async fn send_json(&self, method: Method, path: &str, body: &Value) -> TestResponse {
        self.request(
            Request::builder()
                .method(method)
                .uri(path)
                .header(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )
                .body(Body::from(serde_json::to_vec(body).unwrap()))
                .unwrap(),
        )
        .await
    }

    /// Runs a GraphQL query over POST; answers the whole response document.
    pub(crate) async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .send_json(
                Method::POST,
                "/graphql",
                &serde_json::json!({"query": query, "variables": variables}),
            )
            .await;
        response.json()
    }

    pub(crate) async fn section(&self, slug: &str, name: &str) -> Section {
        self.insert_section(slug, name, None).await
    }

    pub(crate) async fn subsection(&self, parent: &Section, slug: &str, name: &str) -> Section {
        self.insert_section(slug, name, Some(parent.id)).await
    }

    async fn insert_section(
        &self,
        slug: &str,
        name: &str,
        parent_id: Option<SectionId>,
    ) -> Section {
        let section = Section {
            id: SectionId::generate(),
            slug: Slug::parse(slug).unwrap(),
            name: name.into(),
            description: None,
            parent_id,
            position: self
                .next_position
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        self.db
            .sections()
            .insert(&section, self.now())
            .await
            .unwrap();
        section
    }

    pub(crate) async fn author(&self, slug: &str, name: &str) -> Author {
        let author = Author {
            id: AuthorId::generate(),
            slug: Slug::parse(slug).unwrap(),
            name: name.into(),
            role: "기자".into(),
            bio: None,
            photo_id: None,
            email: None,
        };
        self.db.authors().insert(&author, self.now()).await.unwrap();
        author
    }

    pub(crate) async fn tag(&self, name: &str) -> Tag {
        let tag = Tag {
            id: TagId::generate(),
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
        };
        self.db.tags().insert(&tag, self.now()).await.unwrap();
        tag
    }

    pub(crate) async fn photo(&self, caption: &str) -> Media {
        let media = Media {
            id: MediaId::generate(),
            storage_key: "missing/original.jpg".into(),
            content_type: "image/jpeg".into(),
            width: 1600,
            height: 900,
            byte_size: 1000,
            caption: Some(caption.into()),
            credit: Some("데이트라인뉴스".into()),
            alt: Some(caption.into()),
            focal_point: FocalPoint::CENTRE,
            created_at: self.now(),
        };
        self.db.media().insert(&media).await.unwrap();
        media
    }
}

/// The upload limit test apps run with.
pub(crate) const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

/// The password of every account the harness makes.
pub(crate) const PASSWORD: &str = "부산 앞바다 갈매기 2026";

/// One argon2 hash of [`PASSWORD`] for every test account: hashing is slow on purpose.
fn password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        dateline_app::auth::hash_password(&secrecy::SecretString::from(PASSWORD)).unwrap()
    })
}

async fn insert_user(db: &Database, email: &str, role: Role) -> User {
    let at = test_start();
    let user = User {
        id: UserId::generate(),
        email: Email::parse(email).unwrap(),
        display_name: email.split('@').next().unwrap().into(),
        role,
        author_id: None,
        disabled: false,
        created_at: at,
        updated_at: at,
    };
    let hash = password_hash().to_owned();
    db.users().insert(&user, &hash, None).await.unwrap();
    user
}

/// Someone speaking to the API: anonymous, or signed in with a fresh access token.
pub(crate) struct Persona<'a> {
    app: &'a TestApp,
    user: Option<User>,
}

impl TestApp {
    pub(crate) fn as_anon(&self) -> Persona<'_> {
        Persona {
            app: self,
            user: None,
        }
    }

    pub(crate) fn as_reporter(&self) -> Persona<'_> {
        self.as_user(&self.reporter)
    }

    pub(crate) fn as_editor(&self) -> Persona<'_> {
        self.as_user(&self.editor)
    }

    pub(crate) fn as_admin(&self) -> Persona<'_> {
        self.as_user(&self.admin)
    }

    pub(crate) fn as_user(&self, user: &User) -> Persona<'_> {
        Persona {
            app: self,
            user: Some(user.clone()),
        }
    }

    /// Another account, with the harness's password.
    pub(crate) async fn add_user(&self, email: &str, role: Role) -> User {
        insert_user(&self.db, email, role).await
    }

    /// An access token for `user`, valid from the test clock's now.
    pub(crate) fn token_for(&self, user: &User) -> String {
        let settings = &self.state.settings().newsroom;
        settings
            .keys
            .issue_access(user, self.now(), settings.access_ttl)
            .unwrap()
    }
}

impl Persona<'_> {
    /// Sends a request with this persona's token and any extra headers.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(user) = &self.user {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.app.token_for(user)),
            );
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(json).unwrap())
            }
            None => Body::empty(),
        };
        self.app.request(request.body(body).unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, &[]).await
    }

    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub(crate) async fn patch_json(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub(crate) async fn delete(&self, path: &str) -> TestResponse {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Runs a GraphQL operation over POST; answers the whole response document.
    pub(crate) async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.send(
            Method::POST,
            "/graphql",
            Some(&serde_json::json!({"query": query, "variables": variables})),
            &[],
        )
        .await
        .json()
    }

    /// Uploads a file as multipart/form-data with extra text fields.
    pub(crate) async fn upload(
        &self,
        file_name: &str,
        bytes: &[u8],
        fields: &[(&str, &str)],
    ) -> TestResponse {
        const BOUNDARY: &str = "dateline-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/media")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            );
        if let Some(user) = &self.user {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.app.token_for(user)),
            );
        }
        self.app
            .request(request.body(Body::from(body)).unwrap())
            .await
    }
}

/// Who sends a view beacon: an address, a User-Agent, and optionally a reader id and an
/// `X-Forwarded-For` header.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    pub(crate) address: std::net::IpAddr,
    pub(crate) user_agent: Option<&'static str>,
    pub(crate) forwarded_for: Option<String>,
    pub(crate) reader_id: Option<String>,
}

/// A desktop Chrome.
pub(crate) const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

impl Reader {
    /// A reader on a desktop browser at 203.0.113.10.
    pub(crate) fn browser() -> Self {
        Self {
            address: "203.0.113.10".parse().unwrap(),
            user_agent: Some(CHROME),
            forwarded_for: None,
            reader_id: None,
        }
    }

    pub(crate) fn at(mut self, address: &str) -> Self {
        self.address = address.parse().unwrap();
        self
    }

    pub(crate) fn user_agent(mut self, agent: Option<&'static str>) -> Self {
        self.user_agent = agent;
        self
    }

    pub(crate) fn forwarded_for(mut self, header: &str) -> Self {
        self.forwarded_for = Some(header.into());
        self
    }

    pub(crate) fn reader_id(mut self, id: &str) -> Self {
        self.reader_id = Some(id.into());
        self
    }
}

/// Builds a story for a test: `ArticleBuilder::new("헤드라인", &section).published_ago(hours(2))`.
pub(crate) struct ArticleBuilder {
    headline: String,
    section: Section,
    ancestors: Vec<SectionId>,
    status: Status,
    published: Option<Duration>,
    byline: Vec<AuthorId>,
    tags: Vec<TagId>,
    lead_image: Option<MediaId>,
    body: Vec<Block>,
    not_for_syndication: bool,
}

impl ArticleBuilder {
    pub(crate) fn new(headline: &str, section: &Section) -> Self {
        Self {
            headline: headline.into(),
            section: section.clone(),
            ancestors: section.parent_id.into_iter().collect(),
            status: Status::Published,
            published: Some(Duration::hours(1)),
            byline: Vec::new(),
            tags: Vec::new(),
            lead_image: None,
            body: vec![Block::Paragraph {
                text: format!("{headline} 본문 첫 문단이다."),
            }],
            not_for_syndication: false,
        }
    }

    /// Published this long before the test clock's now.
    pub(crate) fn published_ago(mut self, ago: Duration) -> Self {
        self.status = Status::Published;
        self.published = Some(ago);
        self
    }

    /// Approved to appear this long after the test clock's now.
    pub(crate) fn scheduled_in(mut self, wait: Duration) -> Self {
        self.status = Status::Scheduled;
        self.published = Some(-wait);
        self
    }

    /// With this status, keeping the publication time (for UNPUBLISHED and ARCHIVED stories).
    pub(crate) fn status(mut self, status: Status) -> Self {
        self.status = status;
        if matches!(status, Status::Draft | Status::Submitted) {
            self.published = None;
        }
        self
    }

    pub(crate) fn by(mut self, author: &Author) -> Self {
        self.byline.push(author.id);
        self
    }

    pub(crate) fn tagged(mut self, tag: &Tag) -> Self {
        self.tags.push(tag.id);
        self
    }

    pub(crate) fn lead_image(mut self, media: &Media) -> Self {
        self.lead_image = Some(media.id);
        self
    }

    pub(crate) fn body(mut self, blocks: Vec<Block>) -> Self {
        self.body = blocks;
        self
    }

    /// Marked by the desk as never to reach a partner in full.
    pub(crate) fn not_for_syndication(mut self) -> Self {
        self.not_for_syndication = true;
        self
    }

    pub(crate) async fn insert(self, app: &TestApp) -> Article {
        let now = app.now();
        let published_at = self.published.map(|ago| now.minus(ago));
        let body = StoryBody::parse(self.body).unwrap();
        let body_text = body.plain_text();
        let id = ArticleId::generate();
        let slug = Slug::from_title(&self.headline)
            .map(|s| Slug::parse(&format!("{s}-{}", id.to_string()[20..].to_lowercase())).unwrap())
            .unwrap();
        let article = Article {
            id,
            slug,
            summary: summary_from_text(&body_text),
            headline: self.headline,
            subheadline: Some("부제목".into()),
            body,
            body_text,
            section_id: self.section.id,
            lead_image_id: self.lead_image,
            copyright: "© 데이트라인뉴스 무단전재 및 재배포 금지".into(),
            source_label: Some("[데이트라인뉴스]".into()),
            canonical_url: None,
            status: self.status,
            approved_at: published_at.map(|at| at.min(now)),
            published_at,
            created_at: now.minus(Duration::days(1)),
            updated_at: published_at.unwrap_or(now).min(now),
            corrections: Vec::new(),
            version: 1,
            not_for_syndication: self.not_for_syndication,
            breaking_until: None,
        };
        let mut sections = vec![self.section.id];
        sections.extend(self.ancestors);
        app.db
            .articles()
            .insert(&NewArticle {
                article: article.clone(),
                byline: self.byline,
                tags: self.tags,
                sections,
            })
            .await
            .unwrap();
        article
    }
}

/// `text` as one query-string value.
pub(crate) fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Runs each test body once on SQLite and once on PostgreSQL, as `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::harness::TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    run($crate::harness::TestApp::new($crate::harness::Engine::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    run($crate::harness::TestApp::new($crate::harness::Engine::Postgres).await).await;
                }
            }
        )*
    };
}

/// A process of the real binary that is killed when dropped, so a failing assertion (a panic
/// unwinding past it) never leaves a server running. It reads as the [`std::process::Child`]
/// inside.
pub(crate) struct ChildProcess(std::process::Child);

impl ChildProcess {
    pub(crate) fn spawn(command: &mut std::process::Command) -> Self {
        Self(command.spawn().unwrap())
    }
}

impl std::ops::Deref for ChildProcess {
    type Target = std::process::Child;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for ChildProcess {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        // A process that already exited and was waited for is not signalled again (std keeps
        // its status), so this never reaches a reused pid.
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// The address a `dateline serve` started with `--listen 127.0.0.1:0` prints on its stdout
/// (which must be piped).
pub(crate) async fn printed_address(child: &mut ChildProcess) -> String {
    use std::io::{BufRead as _, BufReader};
    let stdout = child.stdout.take().expect("the server's stdout is piped");
    tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("Dateline is listening on ")
                    .map(str::to_owned)
            })
    })
    .await
    .unwrap()
    .expect("the server prints its address")
}
