//! The state every handler shares: the database, the clock, the media store, the settings and
//! the view tracker.

use std::sync::Arc;

use dateline_domain::{Clock, Timestamp};
use dateline_storage::Database;

use crate::error::ApiError;
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
    views: ViewTracker,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, media: MediaStore, settings: Settings) -> Self {
        Self(Arc::new(Inner {
            views: ViewTracker::new(&settings.views),
            db,
            clock,
            media,
            settings,
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

    pub(crate) fn views(&self) -> &ViewTracker {
        &self.0.views
    }

    /// Stores the views counted since the last flush (the serve path's [`crate::ViewFlusher`]
    /// calls this every few seconds; tests call it instead of waiting). Answers how many views
    /// were stored.
    pub async fn flush_views(&self) -> Result<u64, ApiError> {
        Ok(self.views().flush(self.db(), self.now()).await?)
    }
}
