//! The use cases' context: the database, the clock, the media store, the settings, the change
//! announcements, and the in-process desks (sign-in throttle, comment limits, syndication's
//! pending log and webhook client, the view tracker, the related-stories cache).
//!
//! Built once from one [`Settings`]; every transport (REST, GraphQL, the binary's workers)
//! holds a clone and calls the use cases in `service` with it.

use std::sync::Arc;

use dateline_domain::{Clock, Timestamp};
use dateline_storage::Database;

use crate::caches::RelatedCache;
use crate::desks::comments::CommentDesk;
use crate::desks::live::LiveWire;
use crate::desks::newsroom::LoginThrottle;
use crate::desks::shared_limits::{Admission, Limit, SharedLimits};
use crate::desks::syndication::SyndicationRuntime;
use crate::error::AppError;
use crate::events::{CommentChange, ContentChange, ContentEvents};
use crate::media_store::MediaStore;
use crate::readership::ViewTracker;
use crate::revocation::Revocations;
use crate::settings::Settings;

/// Cheap to clone: one `Arc` inside.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    db: Database,
    clock: Arc<dyn Clock>,
    media: MediaStore,
    settings: Settings,
    throttle: LoginThrottle,
    /// The limits every node counts together (a no-op on SQLite).
    shared_limits: SharedLimits,
    events: ContentEvents,
    /// One slot per core for decoding images (uploads and renditions), so a burst of new images
    /// queues instead of starving requests or multiplying the decode budget. Shared (`Arc`) so a
    /// blocking decode holds its slot until it ends, even if its request is dropped.
    rendering: Arc<tokio::sync::Semaphore>,
    views: ViewTracker,
    related: RelatedCache,
    syndication: SyndicationRuntime,
    comments: CommentDesk,
    /// Live news for this node's subscriptions and streams.
    live: LiveWire,
    /// What tokens are judged against on every request, invalidated on revocation.
    revocations: Arc<Revocations>,
}

impl App {
    pub fn new(db: Database, clock: Arc<dyn Clock>, media: MediaStore, settings: Settings) -> Self {
        let db_engine = db.engine();
        db.observe_statements(Box::new(crate::telemetry::db_statement));
        Self(Arc::new(Inner {
            views: ViewTracker::new(&settings.views),
            syndication: SyndicationRuntime::new(settings.syndication.clone()),
            comments: CommentDesk::new(settings.comments.clone()),
            db,
            clock,
            media,
            settings,
            throttle: LoginThrottle::default(),
            shared_limits: SharedLimits::new(db_engine),
            events: ContentEvents::default(),
            rendering: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            )),
            related: RelatedCache::default(),
            live: LiveWire::default(),
            revocations: Arc::new(Revocations::new()),
        }))
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

    /// Announces a committed content change.
    pub fn announce(&self, change: ContentChange) {
        self.0.events.announce(change);
        self.0.live.nudge();
    }

    /// Content changes from now on (the response cache, webhooks and feeds subscribe here).
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<ContentChange> {
        self.0.events.subscribe()
    }

    /// Announces a committed comment change.
    pub fn announce_comment(&self, change: CommentChange) {
        self.0.events.announce_comment(change);
        self.0.live.nudge();
    }

    /// The node's live news: its followers, and its closing at shutdown.
    pub fn live(&self) -> &LiveWire {
        &self.0.live
    }

    /// Comment changes from now on (webhooks for moderation tools, the change feed).
    pub fn subscribe_comments(&self) -> tokio::sync::broadcast::Receiver<CommentChange> {
        self.0.events.subscribe_comments()
    }

    pub(crate) fn comments(&self) -> &CommentDesk {
        &self.0.comments
    }

    pub(crate) fn login_throttle(&self) -> &LoginThrottle {
        &self.0.throttle
    }

    pub(crate) fn rendering(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.0.rendering
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

    pub(crate) fn shared_limits(&self) -> &SharedLimits {
        &self.0.shared_limits
    }

    /// Whether limits are counted with other nodes: on SQLite there are none, and the caller's
    /// in-process limit is the whole answer.
    pub fn limits_are_shared(&self) -> bool {
        self.0.shared_limits.is_shared()
    }

    /// Spends `units` of a limit every node counts together; on SQLite always admitted (the
    /// caller's in-process limit is the whole answer there).
    pub async fn admit_shared(&self, limit: &Limit, units: u32) -> Result<Admission, AppError> {
        self.0
            .shared_limits
            .admit(&self.0.db, limit, units, self.now().unix_seconds())
            .await
    }

    /// Starts reconciling the shared limits with the other nodes every half second. Call once,
    /// inside the runtime, on the serve path; on SQLite it does nothing.
    pub fn share_limits(&self) {
        if self.0.db.engine() != dateline_storage::Engine::Postgres {
            return;
        }
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = app.now().unix_seconds();
                if let Err(err) = app.0.shared_limits.reconcile_all(&app.0.db, now).await {
                    tracing::warn!(error = %err, "reconciling the shared limits failed");
                }
            }
        });
    }

    pub(crate) fn views(&self) -> &ViewTracker {
        &self.0.views
    }

    pub(crate) fn related_cache(&self) -> &RelatedCache {
        &self.0.related
    }

    pub(crate) fn syndication(&self) -> &SyndicationRuntime {
        &self.0.syndication
    }

    /// Stores the views counted since the last flush (the binary's
    /// [`crate::readership::ViewFlusher`] calls this every few seconds; tests call it instead
    /// of waiting). Answers how many views were stored.
    pub async fn flush_views(&self) -> Result<u64, AppError> {
        Ok(self.views().flush(self.db(), self.now()).await?)
    }
}
