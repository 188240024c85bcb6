//! The transports' state: the application plus what only HTTP has — the rendered-response cache
//! and the public rate limits. Handlers take what they need of it through `FromRef` (most only
//! the [`App`]).

use std::sync::Arc;

use axum::extract::FromRef;
use dateline_app::App;
use secrecy::SecretString;

use crate::allowance::RateLimits;
use crate::cache::{CacheSettings, ResponseCache};
use crate::cors::CorsOrigins;
use crate::live_connections::LiveConnections;

/// What only the HTTP surface is configured with.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    pub cache: CacheSettings,
    pub cors: CorsOrigins,
    /// The bearer token `/metrics` asks for; without one, the main listener's `/metrics`
    /// answers loopback clients only.
    pub metrics_token: Option<SecretString>,
    /// Live connections (subscriptions, streams) one address may hold open on this node.
    pub live_connections_per_address: LivePerAddress,
}

/// Live connections one address may hold open on a node.
#[derive(Debug, Clone, Copy)]
pub struct LivePerAddress(pub u32);

impl Default for LivePerAddress {
    fn default() -> Self {
        Self(crate::live_connections::DEFAULT_PER_ADDRESS)
    }
}

#[derive(Clone)]
pub struct HttpState {
    app: App,
    cache: Arc<ResponseCache>,
    limits: Arc<RateLimits>,
    cors: CorsOrigins,
    metrics_token: Option<SecretString>,
    live: Arc<LiveConnections>,
}

impl HttpState {
    /// The application served with these settings; the response cache starts following the
    /// application's changes to stay true. Call inside the runtime.
    pub fn new(app: App, settings: HttpSettings) -> Self {
        let cache = Arc::new(ResponseCache::new(settings.cache));
        if cache.is_enabled() {
            crate::cache::start_sync(&app, &cache);
        }
        let limits = Arc::new(RateLimits::new(
            app.settings().syndication.anonymous_rate_per_minute,
        ));
        Self {
            app,
            cache,
            limits,
            cors: settings.cors,
            metrics_token: settings.metrics_token,
            live: Arc::new(LiveConnections::new(
                settings.live_connections_per_address.0,
            )),
        }
    }

    /// The bearer token `/metrics` asks for, if one was set.
    pub(crate) fn metrics_token(&self) -> Option<&SecretString> {
        self.metrics_token.as_ref()
    }

    /// The live connections open on this node, per address.
    pub(crate) fn live_connections(&self) -> &LiveConnections {
        &self.live
    }

    /// The origins whose pages may call the API.
    pub(crate) fn cors(&self) -> &CorsOrigins {
        &self.cors
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// The public rate limits.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// The public rate limits, for what outlives a request (the GraphQL schema).
    pub(crate) fn limits_shared(&self) -> Arc<RateLimits> {
        Arc::clone(&self.limits)
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
