//! The transports' state: the application plus what only HTTP has — the rendered-response cache.
//! Handlers take what they need of it through `FromRef` (most only the [`App`]).

use std::sync::Arc;

use axum::extract::FromRef;
use dateline_app::App;

use crate::cache::{CacheSettings, ResponseCache};

#[derive(Clone)]
pub struct HttpState {
    app: App,
    cache: Arc<ResponseCache>,
}

impl HttpState {
    /// The application served with a response cache of these settings, which starts following
    /// the application's changes to stay true. Call inside the runtime.
    pub fn new(app: App, cache: CacheSettings) -> Self {
        let cache = Arc::new(ResponseCache::new(cache));
        if cache.is_enabled() {
            crate::cache::start_sync(&app, &cache);
        }
        Self { app, cache }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The response cache (policy only, keeping nothing, when its memory is zero).
    pub fn response_cache(&self) -> &ResponseCache {
        &self.cache
    }
}

impl FromRef<HttpState> for App {
    fn from_ref(state: &HttpState) -> Self {
        state.app.clone()
    }
}

impl FromRef<HttpState> for Arc<ResponseCache> {
    fn from_ref(state: &HttpState) -> Self {
        Arc::clone(&state.cache)
    }
}
