//! The state every handler shares: the database, the clock, the media store, the settings, the
//! newsroom side's keys, login throttle, change announcements and rendering slots, and the view
//! tracker.

use std::sync::{Arc, OnceLock};

use dateline_domain::{Clock, Timestamp};
use dateline_storage::Database;

use crate::cache::{CacheSettings, ResponseCache};
use crate::comments::{CommentDesk, CommentSettings};
use crate::editorial::{EditorialSettings, LoginThrottle};
use crate::error::ApiError;
use crate::events::{CommentChange, ContentChange, ContentEvents};
use crate::media_store::MediaStore;
use crate::revocation::Revocations;
use crate::service::related::RelatedCache;
use crate::settings::Settings;
use crate::syndication_runtime::SyndicationRuntime;
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
    /// One slot per core for decoding images (uploads and renditions), so a burst of new images
    /// queues instead of starving requests or multiplying the decode budget. Shared (`Arc`) so a
    /// blocking decode holds its slot until it ends, even if its request is dropped.
    rendering: Arc<tokio::sync::Semaphore>,
    views: ViewTracker,
    related: RelatedCache,
    syndication: SyndicationRuntime,
    comments: CommentDesk,
    /// What tokens are judged against on every request, invalidated on revocation.
    revocations: Arc<Revocations>,
    /// The rendered-response cache and caching policy; set once, before serving.
    cache: OnceLock<Arc<ResponseCache>>,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, media: MediaStore, settings: Settings) -> Self {
        Self(Arc::new(Inner {
            views: ViewTracker::new(&settings.views),
            syndication: SyndicationRuntime::new(settings.syndication.clone()),
            db,
            clock,
            media,
            settings,
            editorial: EditorialSettings::default(),
            throttle: LoginThrottle::default(),
            events: ContentEvents::default(),
            rendering: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
            related: RelatedCache::default(),
            comments: CommentDesk::new(CommentSettings::default()),
            revocations: Arc::new(Revocations::new()),
            cache: OnceLock::new(),
        }))
    }

    /// This state with the newsroom side's settings (keys from the configured secret, limits);
    /// without it, keys are random and die with the process. Call before the state is shared.
    pub fn with_editorial(self, editorial: EditorialSettings) -> Self {
        Self(Arc::new(Inner {
            editorial,
            ..self.into_inner()
        }))
    }

    /// This state with these comment settings (limits, threshold, banned words); without it,
    /// the defaults. Call before the state is shared.
    pub fn with_comments(self, settings: CommentSettings) -> Self {
        Self(Arc::new(Inner {
            comments: CommentDesk::new(settings),
            ..self.into_inner()
        }))
    }

    /// The parts of this state, to rebuild it with one setting changed. A state already shared
    /// is copied with fresh in-process parts (newsroom keys, throttle, caches, pending counts,
    /// subscribers).
    fn into_inner(self) -> Inner {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| Inner {
            db: shared.db.clone(),
            clock: shared.clock.clone(),
            media: shared.media.clone(),
            settings: shared.settings.clone(),
            editorial: EditorialSettings::default(),
            throttle: LoginThrottle::default(),
            events: ContentEvents::default(),
            rendering: Arc::new(tokio::sync::Semaphore::new(
                shared.rendering.available_permits(),
            )),
            views: ViewTracker::new(&shared.settings.views),
            related: RelatedCache::default(),
            syndication: SyndicationRuntime::new(shared.settings.syndication.clone()),
            comments: CommentDesk::new(shared.comments.settings().clone()),
            revocations: Arc::new(Revocations::new()),
            cache: OnceLock::new(),
        })
    }

    /// Announces a committed comment change.
    pub fn announce_comment(&self, change: CommentChange) {
        self.0.events.announce_comment(change);
    }

    /// Comment changes from now on (webhooks for moderation tools, the change feed).
    pub fn subscribe_comments(&self) -> tokio::sync::broadcast::Receiver<CommentChange> {
        self.0.events.subscribe_comments()
    }

    pub(crate) fn comments(&self) -> &CommentDesk {
        &self.0.comments
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

    pub(crate) fn rendering(&self) -> &Arc<tokio::sync::Semaphore> {
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

    pub(crate) fn revocations(&self) -> &Revocations {
        &self.0.revocations
    }

    /// Starts following the other nodes' revocations (PostgreSQL LISTEN/NOTIFY), so a token
    /// revoked on one node is refused on this one at once. Call once, inside the runtime, on
    /// the serve path; on SQLite there are no other nodes and it does nothing.
    pub fn follow_revocations(&self) {
        tokio::spawn(crate::revocation::listen(
            self.0.db.clone(),
            Arc::clone(&self.0.revocations),
        ));
    }

    pub(crate) fn related_cache(&self) -> &RelatedCache {
        &self.0.related
    }

    pub(crate) fn syndication(&self) -> &SyndicationRuntime {
        &self.0.syndication
    }

    /// Writes the log of stories served to partners (the serve path's
    /// [`crate::SyndicationWorker`] calls this every few seconds; tests call it instead of
    /// waiting). Answers how many entries were written.
    pub async fn flush_partner_log(&self) -> Result<usize, ApiError> {
        crate::service::audience::flush_usage(self).await
    }

    /// Attempts every webhook delivery due now (the serve path's [`crate::SyndicationWorker`]
    /// calls this every few seconds; tests call it instead of waiting). Answers how many
    /// attempts were made.
    pub async fn deliver_webhooks(&self) -> Result<usize, ApiError> {
        crate::service::webhooks::deliver_due(self).await
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
