//! The state every handler shares: the database, the clock, the media store, the settings, the
//! newsroom side's keys, login throttle, change announcements and rendering slots, and the view
//! tracker.

use std::sync::{Arc, OnceLock};

use dateline_domain::{Clock, Timestamp};
use dateline_storage::Database;

use crate::cache::{CacheSettings, ResponseCache};
use crate::editorial::{EditorialSettings, LoginThrottle};
use crate::error::ApiError;
use crate::events::{ContentChange, ContentEvents};
use crate::media_store::MediaStore;
use crate::settings::Settings;
use crate::views::ViewTracker;

/// Cheap to clone: one `Arc` inside.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Database,
    clock: Arc<dyn Clock>,
    media: MediaStore,
    settings: Settings,
    editorial: EditorialSettings,
    throttle: LoginThrottle,
    events: ContentEvents,
    /// One slot per core for making image renditions, so a burst of new images queues instead
    /// of starving requests.
    rendering: tokio::sync::Semaphore,
    views: ViewTracker,
    /// The rendered-response cache and caching policy; set once, before serving.
    cache: OnceLock<Arc<ResponseCache>>,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, media: MediaStore, settings: Settings) -> Self {
        Self(Arc::new(Inner {
            views: ViewTracker::new(&settings.views),
            db,
            clock,
            media,
            settings,
            editorial: EditorialSettings::default(),
            throttle: LoginThrottle::default(),
            events: ContentEvents::default(),
            rendering: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            ),
            cache: OnceLock::new(),
        }))
    }

    /// This state with the newsroom side's settings (keys from the configured secret, limits);
    /// without it, keys are random and die with the process. Call before the state is shared.
    pub fn with_editorial(self, editorial: EditorialSettings) -> Self {
        let inner = Arc::try_unwrap(self.0).unwrap_or_else(|shared| Inner {
            db: shared.db.clone(),
            clock: shared.clock.clone(),
            media: shared.media.clone(),
            settings: shared.settings.clone(),
            editorial: EditorialSettings::default(),
            throttle: LoginThrottle::default(),
            events: ContentEvents::default(),
            rendering: tokio::sync::Semaphore::new(shared.rendering.available_permits()),
            views: ViewTracker::new(&shared.settings.views),
            cache: OnceLock::new(),
        });
        Self(Arc::new(Inner { editorial, ..inner }))
    }

    pub fn editorial(&self) -> &EditorialSettings {
        &self.0.editorial
    }

    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.0.throttle
    }

    /// Announces a committed content change.
    pub fn announce(&self, change: ContentChange) {
        self.0.events.announce(change);
    }

    /// Content changes from now on (cache invalidation, webhooks, feeds subscribe here).
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<ContentChange> {
        self.0.events.subscribe()
    }

    pub(crate) fn rendering(&self) -> &tokio::sync::Semaphore {
        &self.0.rendering
    }

    pub fn db(&self) -> &Database {
        &self.0.db
    }

    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }

    pub fn media(&self) -> &MediaStore {
        &self.0.media
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub(crate) fn views(&self) -> &ViewTracker {
        &self.0.views
    }

    /// Stores the views counted since the last flush (the serve path's [`crate::ViewFlusher`]
    /// calls this every few seconds; tests call it instead of waiting). Answers how many views
    /// were stored.
    pub async fn flush_views(&self) -> Result<u64, ApiError> {
        Ok(self.views().flush(self.db(), self.now()).await?)
    }

    /// Turns the response cache on with these settings and starts following changes to keep it
    /// true. Call once, inside the runtime, before the first request; without it responses
    /// still get validators and caching headers (default policy) but nothing is kept.
    pub fn enable_response_cache(&self, settings: CacheSettings) -> Result<(), ApiError> {
        let cache = Arc::new(ResponseCache::new(settings));
        self.0
            .cache
            .set(Arc::clone(&cache))
            .map_err(|_| ApiError::Internal("the response cache was already set up".into()))?;
        if cache.is_enabled() {
            crate::cache::start_sync(self, &cache);
        }
        Ok(())
    }

    /// The response cache (a policy-only one when none was enabled).
    pub fn response_cache(&self) -> &ResponseCache {
        self.0
            .cache
            .get_or_init(|| Arc::new(ResponseCache::new(CacheSettings::default())))
    }
}
