//! The state every handler shares: the database, the clock, the media store and the settings.

use std::sync::Arc;

use dateline_domain::{Clock, Timestamp};
use dateline_storage::Database;

use crate::media_store::MediaStore;
use crate::settings::Settings;

/// Cheap to clone: one `Arc` inside.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Database,
    clock: Arc<dyn Clock>,
    media: MediaStore,
    settings: Settings,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, media: MediaStore, settings: Settings) -> Self {
        Self(Arc::new(Inner {
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
}
