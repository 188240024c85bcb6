//! The command line: every setting as a flag with an environment variable beside it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

/// Dateline: a headless news content API — articles, sections, latest news and more over REST
/// and GraphQL, on embedded SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "dateline", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) log: LogArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the API server.
    Serve(ServeArgs),
    /// Load the demo newsroom (Korean sample stories, sections, reporters, photos) and serve it.
    Demo(DemoArgs),
    /// Bring the database schema up to date.
    Migrate(DatabaseArgs),
    /// Write a synthetic corpus for benchmarks.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print the OpenAPI 3.1 description of the REST API (the JSON `/openapi.json` serves).
    Openapi,
    /// Manage newsroom accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UserAddArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// The e-mail address the account signs in with.
    #[arg(long)]
    pub(crate) email: String,
    /// reporter, editor or admin.
    #[arg(long)]
    pub(crate) role: String,
    /// The name shown for the account (default: the e-mail's local part).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The slug of the byline the account writes under.
    #[arg(long)]
    pub(crate) author: Option<String>,
}

fn secret(value: &str) -> Result<secrecy::SecretString, String> {
    Ok(secrecy::SecretString::from(value))
}

#[derive(Debug, Clone, Args)]
pub(crate) struct AuthArgs {
    /// The secret access and preview tokens are signed with (HS256), at least 32 bytes.
    /// Required by `serve` unless --dev.
    #[arg(long, env = "DATELINE_JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub(crate) jwt_secret: Option<secrecy::SecretString>,
    /// The secret before the current one: tokens it signed keep working while it is set, so
    /// the secret can be rotated without signing everyone out.
    #[arg(long, env = "DATELINE_JWT_PREVIOUS_SECRET", hide_env_values = true, value_parser = secret)]
    pub(crate) jwt_previous_secret: Option<secrecy::SecretString>,
    /// The largest image upload accepted, in bytes.
    #[arg(long, env = "DATELINE_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub(crate) max_upload_bytes: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct LogArgs {
    /// Log output format.
    #[arg(
        long,
        env = "DATELINE_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub(crate) log_format: LogFormat,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DatabaseArgs {
    /// The database: `sqlite://FILE?mode=rwc` (embedded, the default) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://dateline.db?mode=rwc"
    )]
    pub(crate) database_url: String,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ServerArgs {
    /// The address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "DATELINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Where clients reach this server, for absolute URLs in responses. Defaults to
    /// http://<listen address>.
    #[arg(long, env = "DATELINE_PUBLIC_URL")]
    pub(crate) public_url: Option<url::Url>,
    /// The folder media files are kept in.
    #[arg(long, env = "DATELINE_MEDIA_DIR", default_value = "media")]
    pub(crate) media_dir: PathBuf,
    /// Keep media on S3-compatible storage instead of the folder, so every node serves every
    /// upload: `s3://bucket` or `s3://bucket/prefix`. Credentials, region and endpoint come from
    /// the usual AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL (MinIO,
    /// Ceph, R2) and AWS_ALLOW_HTTP.
    #[arg(long, env = "DATELINE_MEDIA_URL", value_parser = parse_media_url)]
    pub(crate) media_url: Option<String>,
    /// The newsroom's IANA time zone; every time in a response carries its offset.
    #[arg(long, env = "DATELINE_TIME_ZONE", default_value = "Asia/Seoul")]
    pub(crate) time_zone: chrono_tz::Tz,
    /// The newsroom's name, printed in copyright lines and feeds.
    #[arg(long, env = "DATELINE_NEWSROOM_NAME", default_value = "데이트라인뉴스")]
    pub(crate) newsroom_name: String,
    /// The newsroom's logo (an absolute URL; at least 112 × 112 pixels, as Google asks), named
    /// as the publisher's in every story's JSON-LD. Without it, a built-in logo this server
    /// serves.
    #[arg(long, env = "DATELINE_NEWSROOM_LOGO")]
    pub(crate) newsroom_logo: Option<url::Url>,
    /// The copyright line for stories whose desk set none.
    #[arg(
        long,
        env = "DATELINE_COPYRIGHT",
        default_value = "© 데이트라인뉴스 무단전재 및 재배포 금지"
    )]
    pub(crate) copyright: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "DATELINE_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub(crate) max_body_bytes: usize,
    #[command(flatten)]
    pub(crate) auth: AuthArgs,
    /// Proxies (load balancers, CDN edges) whose X-Forwarded-For header names the reader a view
    /// is counted for: addresses or CIDR ranges, comma-separated (`10.0.0.0/8,192.0.2.7`). From
    /// any other peer the header is ignored and the peer's own address is the reader's.
    #[arg(
        long,
        env = "DATELINE_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_trusted_proxy
    )]
    pub(crate) trusted_proxies: Vec<IpNet>,
    /// How often counted views are written to the database (`5s`, `500ms`). A crash loses at
    /// most this much counting; a graceful stop (SIGTERM) loses none.
    #[arg(
        long,
        env = "DATELINE_VIEW_FLUSH_INTERVAL",
        default_value = "5s",
        value_parser = parse_interval
    )]
    pub(crate) view_flush_interval: Duration,
    /// How long a most-viewed ranking is reused before it is summed again (`4s`); `0s` sums it
    /// on every request.
    #[arg(
        long,
        env = "DATELINE_RANKING_CACHE_TTL",
        default_value = "4s",
        value_parser = humantime::parse_duration
    )]
    pub(crate) ranking_cache_ttl: Duration,
    /// Requests per minute one client address may make to public GETs without an API key
    /// (partners have their own limit). Generous by default, so browsers are never refused.
    #[arg(long, env = "DATELINE_ANONYMOUS_RATE_LIMIT", default_value_t = 1_200, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) anonymous_rate_limit: u32,
    /// Let webhooks be delivered over plain http (otherwise https only).
    #[arg(long, env = "DATELINE_WEBHOOK_ALLOW_HTTP")]
    pub(crate) webhook_allow_http: bool,
    /// Let webhooks reach loopback, private and other non-public addresses (on-premise
    /// receivers); otherwise a destination resolving to any of them is refused.
    #[arg(long, env = "DATELINE_WEBHOOK_ALLOW_PRIVATE")]
    pub(crate) webhook_allow_private: bool,
    #[command(flatten)]
    pub(crate) comments: CommentArgs,
    #[command(flatten)]
    pub(crate) cache: CacheArgs,
    /// The origins whose pages may call the API from a browser, comma-separated
    /// (`https://www.news.example,https://app.news.example`), or `*` for any: right for public
    /// reads, since a bearer token is never sent by a browser on its own.
    #[arg(
        long,
        env = "DATELINE_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub(crate) cors_origins: Vec<String>,
    /// The bearer token Prometheus sends for `/metrics`. Without it, `/metrics` on the main
    /// listener answers only clients on this host (loopback, as the trusted-proxy rule sees
    /// the client).
    #[arg(long, env = "DATELINE_METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub(crate) metrics_token: Option<secrecy::SecretString>,
    /// Also serve `/metrics` (and nothing else) on this address, e.g. one only the monitoring
    /// network reaches; there it asks for the token only if one is set.
    #[arg(long, env = "DATELINE_METRICS_LISTEN")]
    pub(crate) metrics_listen: Option<SocketAddr>,
    /// Live connections — GraphQL subscription sockets and `/api/v1/stream` streams — one
    /// client address may hold open on this node; the next is refused with 429.
    #[arg(long, env = "DATELINE_LIVE_CONNECTIONS_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) live_connections_per_address: u32,
    /// PostgreSQL: how long a request waits for a database connection before it is answered
    /// 503 (with Retry-After) — the most a request waits while the database is down.
    #[arg(
        long,
        env = "DATELINE_DATABASE_ACQUIRE_TIMEOUT",
        default_value = "3s",
        value_parser = parse_interval
    )]
    pub(crate) database_acquire_timeout: Duration,
}

/// An `s3://bucket[/prefix]` media address, checked at start rather than at the first upload.
fn parse_media_url(input: &str) -> Result<String, String> {
    dateline_app::s3_media_store(input, [])
        .map(|_| input.to_owned())
        .map_err(|err| err.to_string())
}

/// One trusted proxy: a CIDR range, or a single address.
fn parse_trusted_proxy(input: &str) -> Result<IpNet, String> {
    let input = input.trim();
    input
        .parse::<IpNet>()
        .or_else(|_| input.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{input:?} is neither an IP address nor a CIDR range"))
}

/// A duration such as `5s` or `250ms`, more than zero.
fn parse_interval(input: &str) -> Result<Duration, String> {
    match humantime::parse_duration(input) {
        Ok(interval) if interval.is_zero() => Err("must be more than zero".into()),
        Ok(interval) => Ok(interval),
        Err(err) => Err(err.to_string()),
    }
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Bring the schema up to date before serving (otherwise run `dateline migrate`).
    #[arg(long, env = "DATELINE_MIGRATE")]
    pub(crate) migrate: bool,
    /// Development mode: without DATELINE_JWT_SECRET, sign tokens with a random secret that
    /// dies with the process.
    #[arg(long, env = "DATELINE_DEV")]
    pub(crate) dev: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The database to load the demo into. Without it, a fresh embedded file
    /// (dateline-demo.db, replaced at every start).
    #[arg(long, env = "DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// How many stories to write.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) articles: u64,
    /// How many synthetic reader views to add to the view buckets afterwards, spread over the
    /// public stories of the last 30 days (for benchmarking rankings).
    #[arg(long, default_value_t = 0)]
    pub(crate) views: u64,
    /// Seed for the random generator, so a corpus can be made again exactly.
    #[arg(long, default_value_t = 20_261_130)]
    pub(crate) random_seed: u64,
    /// The folder media files are kept in.
    #[arg(long, env = "DATELINE_MEDIA_DIR", default_value = "media")]
    pub(crate) media_dir: PathBuf,
}

pub(crate) fn init_tracing(log: &LogArgs) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=warn"));
    // Colour codes only for a person at a terminal: in a file or a collector they are noise.
    let colour = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match log.log_format {
        LogFormat::Text => builder.init(),
        // An event's fields at the top level (`request.id`, `http.route`, `http.status`,
        // `latency_ms` on each request's line), the span it happened in beside them.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// How reader comments are moderated and limited.
#[derive(Debug, Clone, Args)]
pub(crate) struct CommentArgs {
    /// Distinct readers' reports that hide a comment pending an editor's review.
    #[arg(long, env = "DATELINE_COMMENT_REPORT_THRESHOLD", default_value = "3")]
    pub(crate) comment_report_threshold: std::num::NonZeroU32,
    /// Stories stop taking comments this long after publication (`30days`, `72h`); `never`
    /// keeps them open (editors can still close a story's comments).
    #[arg(
        long,
        env = "DATELINE_COMMENT_AUTO_CLOSE_AFTER",
        default_value = "30days",
        value_parser = parse_auto_close
    )]
    pub(crate) comment_auto_close_after: AutoClose,
    /// Comments a minute allowed per reader and per client address: `READER,ADDRESS`.
    #[arg(long, env = "DATELINE_COMMENT_POST_RATE", default_value = "3,12", value_parser = parse_rate)]
    pub(crate) comment_post_rate: (u32, u32),
    /// Reports a minute allowed per reader and per client address: `READER,ADDRESS`.
    #[arg(long, env = "DATELINE_COMMENT_REPORT_RATE", default_value = "10,40", value_parser = parse_rate)]
    pub(crate) comment_report_rate: (u32, u32),
    /// 공감/비공감 reactions a minute allowed per reader and per client address: `READER,ADDRESS`.
    #[arg(long, env = "DATELINE_COMMENT_REACTION_RATE", default_value = "30,120", value_parser = parse_rate)]
    pub(crate) comment_reaction_rate: (u32, u32),
    /// The same text from one reader, or on one story, is refused as a duplicate within this
    /// window (`10m`).
    #[arg(
        long,
        env = "DATELINE_COMMENT_DUPLICATE_WINDOW",
        default_value = "10m",
        value_parser = humantime::parse_duration
    )]
    pub(crate) comment_duplicate_window: Duration,
    /// A file of banned words and phrases, one a line (`#` starts a comment), replacing the
    /// built-in Korean list. Matches hold a comment for review.
    #[arg(long, env = "DATELINE_COMMENT_BANNED_WORDS")]
    pub(crate) comment_banned_words: Option<PathBuf>,
    /// The key readers' addresses are hashed with before anything is stored. Defaults to the
    /// JWT secret (or a random key in development).
    #[arg(long, env = "DATELINE_COMMENT_READER_SECRET", hide_env_values = true, value_parser = secret)]
    pub(crate) comment_reader_secret: Option<secrecy::SecretString>,
    /// Wrong passwords one comment takes, from any number of addresses, before it refuses
    /// every password try (429) for `--comment-password-guess-window`.
    #[arg(long, env = "DATELINE_COMMENT_PASSWORD_GUESSES", default_value = "10")]
    pub(crate) comment_password_guesses: std::num::NonZeroU32,
    /// The window a comment's wrong passwords are counted in, and how long it stays locked
    /// once they are spent (`1h`).
    #[arg(
        long,
        env = "DATELINE_COMMENT_PASSWORD_GUESS_WINDOW",
        default_value = "1h",
        value_parser = humantime::parse_duration
    )]
    pub(crate) comment_password_guess_window: Duration,
}

/// When stories stop taking comments by age.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AutoClose {
    Never,
    After(Duration),
}

fn parse_auto_close(input: &str) -> Result<AutoClose, String> {
    if input.trim().eq_ignore_ascii_case("never") {
        return Ok(AutoClose::Never);
    }
    parse_interval(input).map(AutoClose::After)
}

/// `READER,ADDRESS`: two whole numbers above zero.
fn parse_rate(input: &str) -> Result<(u32, u32), String> {
    let invalid = || format!("{input:?}: expected READER,ADDRESS, e.g. 3,12 (a minute)");
    let (reader, address) = input.split_once(',').ok_or_else(invalid)?;
    let reader: u32 = reader.trim().parse().map_err(|_| invalid())?;
    let address: u32 = address.trim().parse().map_err(|_| invalid())?;
    if reader == 0 || address == 0 {
        return Err("rates must be above zero".into());
    }
    Ok((reader, address))
}

/// The rendered-response cache and the caching headers public GETs carry.
#[derive(Debug, Clone, Args)]
pub(crate) struct CacheArgs {
    /// Memory for rendered public responses, in MB (each kept with its br and gzip codings);
    /// 0 keeps none (validators and caching headers still go out).
    #[arg(long, env = "DATELINE_CACHE_MB", default_value_t = 128)]
    pub(crate) cache_mb: u64,
    /// `Cache-Control: max-age` on public responses: how long a browser reuses one unasked.
    #[arg(long, env = "DATELINE_CACHE_MAX_AGE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub(crate) cache_max_age: Duration,
    /// `s-maxage`: how long a CDN keeps one (purge it by `Surrogate-Key` on change).
    #[arg(long, env = "DATELINE_CACHE_S_MAXAGE", default_value = "60s", value_parser = humantime::parse_duration)]
    pub(crate) cache_s_maxage: Duration,
    /// `stale-while-revalidate`.
    #[arg(long, env = "DATELINE_CACHE_STALE_WHILE_REVALIDATE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub(crate) cache_stale_while_revalidate: Duration,
    /// `stale-if-error`.
    #[arg(long, env = "DATELINE_CACHE_STALE_IF_ERROR", default_value = "1day", value_parser = humantime::parse_duration)]
    pub(crate) cache_stale_if_error: Duration,
    /// The longest a response showing view counts is kept in memory.
    #[arg(long, env = "DATELINE_CACHE_COUNTS_TTL", default_value = "10s", value_parser = humantime::parse_duration)]
    pub(crate) cache_counts_ttl: Duration,
}

impl CacheArgs {
    pub(crate) fn settings(&self) -> dateline_api::CacheSettings {
        dateline_api::CacheSettings {
            capacity_bytes: self.cache_mb.saturating_mul(1 << 20),
            max_age: self.cache_max_age,
            s_maxage: self.cache_s_maxage,
            stale_while_revalidate: self.cache_stale_while_revalidate,
            stale_if_error: self.cache_stale_if_error,
            counts_ttl: self.cache_counts_ttl,
        }
    }
}
