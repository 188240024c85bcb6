//! `dateline serve` and `dateline migrate`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use dateline_api::{HttpState, build_router};
use dateline_app::keys::SigningKeys;
use dateline_app::{
    App, NewsroomLogo, NewsroomSettings, Publisher, Settings, SyndicationSettings,
    SyndicationWorker, ViewFlusher, ViewSettings, local_media_store, s3_media_store,
};
use dateline_domain::SystemClock;
use dateline_domain::destination::DestinationPolicy;
use dateline_storage::{ConnectSettings, Database};
use tokio::net::TcpListener;

use crate::cli::{AuthArgs, DatabaseArgs, ServeArgs, ServerArgs};

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Refuse a missing or short secret before touching anything else.
    let newsroom = newsroom_settings(&args.server.auth, args.dev)?;
    let db = Database::connect_with(
        &args.database.database_url,
        ConnectSettings {
            acquire_timeout: Some(args.server.database_acquire_timeout),
            ..ConnectSettings::default()
        },
    )
    .await
    .with_context(|| format!("connecting to {}", redact(&args.database.database_url)))?;
    if args.migrate {
        db.migrate().await.context("migrating the database")?;
    }
    serve(db, &args.server, newsroom).await
}

/// The newsroom side's settings. Outside development a JWT secret of at least 32 bytes is
/// required; in development a missing one is replaced by a random one.
pub(crate) fn newsroom_settings(auth: &AuthArgs, dev: bool) -> anyhow::Result<NewsroomSettings> {
    let keys = match (&auth.jwt_secret, dev) {
        (Some(secret), _) => SigningKeys::new(secret, auth.jwt_previous_secret.as_ref())
            .context("DATELINE_JWT_SECRET")?,
        (None, true) => {
            tracing::warn!(
                "no DATELINE_JWT_SECRET: signing tokens with a random secret; they stop working when the process ends"
            );
            SigningKeys::random()
        }
        (None, false) => anyhow::bail!(
            "DATELINE_JWT_SECRET is not set: give a secret of at least {} bytes (e.g. `openssl rand -hex 32`), or run with --dev",
            dateline_app::keys::MIN_SECRET_BYTES
        ),
    };
    Ok(NewsroomSettings {
        keys,
        max_upload_bytes: auth.max_upload_bytes,
        ..NewsroomSettings::default()
    })
}

pub(crate) async fn migrate(args: &DatabaseArgs) -> anyhow::Result<()> {
    let db = connect(&args.database_url).await?;
    db.migrate().await.context("migrating the database")?;
    tracing::info!("the database schema is up to date");
    db.close().await;
    Ok(())
}

pub(crate) async fn connect(url: &str) -> anyhow::Result<Database> {
    Database::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Binds, prints the address, and serves until SIGINT or SIGTERM.
pub(crate) async fn serve(
    db: Database,
    args: &ServerArgs,
    newsroom: NewsroomSettings,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => url::Url::parse(&format!("http://{address}")).context("public URL")?,
    };
    let media = match &args.media_url {
        Some(url) => {
            s3_media_store(url, []).with_context(|| format!("opening the media store {url}"))?
        }
        None => local_media_store(&args.media_dir)
            .with_context(|| format!("opening the media folder {}", args.media_dir.display()))?,
    };
    let comments =
        crate::comment_settings::comment_settings(&args.comments, args.auth.jwt_secret.as_ref())?;
    let logo = match &args.newsroom_logo {
        Some(url) => NewsroomLogo {
            url: url.clone(),
            size: None,
        },
        None => dateline_api::default_newsroom_logo(&public_url),
    };
    let settings = Settings {
        public_url,
        time_zone: args.time_zone,
        publisher: Publisher {
            name: args.newsroom_name.clone(),
            copyright: args.copyright.clone(),
            logo,
        },
        max_body_bytes: args.max_body_bytes,
        newsroom,
        views: ViewSettings {
            trusted_proxies: args.trusted_proxies.clone(),
            ranking_cache_ttl: args.ranking_cache_ttl,
            // Every node holds the JWT secret, so every node keys readers alike; a development
            // server without one is a single node and draws its own.
            reader_secret: args.auth.jwt_secret.as_ref().map_or_else(
                || ViewSettings::default().reader_secret,
                |secret| {
                    use secrecy::ExposeSecret as _;
                    secret.expose_secret().as_bytes().to_vec()
                },
            ),
        },
        syndication: SyndicationSettings {
            anonymous_rate_per_minute: args.anonymous_rate_limit,
            webhook_destinations: DestinationPolicy {
                allow_http: args.webhook_allow_http,
                allow_private: args.webhook_allow_private,
            },
            ..SyndicationSettings::default()
        },
        comments,
    };
    let app = App::new(db.clone(), Arc::new(SystemClock), media, settings);
    let flusher = ViewFlusher::start(app.clone(), args.view_flush_interval);
    app.follow_revocations();
    app.share_limits();
    let syndication =
        SyndicationWorker::start(app.clone(), app.settings().syndication.webhook_interval);
    let cors = dateline_api::CorsOrigins::parse(&args.cors_origins)
        .map_err(|why| anyhow::anyhow!("--cors-origins: {why}"))?;
    let http = HttpState::new(
        app,
        dateline_api::HttpSettings {
            cache: args.cache.settings(),
            cors,
            metrics_token: args.metrics_token.clone(),
            live_connections_per_address: dateline_api::LivePerAddress(
                args.live_connections_per_address,
            ),
        },
    );
    let metrics = match args.metrics_listen {
        Some(address) => Some(serve_metrics(address, http.clone()).await?),
        None => None,
    };
    let live = http.app().clone();
    let router = build_router(http);

    // Printed on stdout so scripts and tests started with port 0 can find the server.
    println!("Dateline is listening on http://{address}");
    tracing::info!(%address, "serving");
    // Connection info gives the login throttle each client's address, and view counting its
    // reader (unless a trusted proxy forwards).
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Subscriptions and streams never end by themselves: they close now, so the
        // requests in flight can drain.
        live.live().close();
    })
    .await
    .context("serving");
    tracing::info!("shutting down");
    // Requests have drained: store the views they counted before closing the database.
    flusher.stop().await;
    syndication.stop().await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    served?;
    db.close().await;
    Ok(())
}

/// Serves `/metrics` alone on `address` until the server stops.
async fn serve_metrics(
    address: SocketAddr,
    http: HttpState,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("--metrics-listen {address}"))?;
    let bound = listener.local_addr()?;
    println!("Dateline metrics on http://{bound}/metrics");
    tracing::info!(address = %bound, "serving metrics");
    let router = dateline_api::metrics_router(http);
    Ok(tokio::spawn(async move {
        if let Err(err) = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            tracing::error!(error = %err, "the metrics listener failed");
        }
    }))
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
