//! The settings the application runs with, parsed once by the binary and passed in whole.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use dateline_domain::Timestamp;
use ipnet::IpNet;
use url::Url;

use crate::desks::comments::CommentSettings;
use crate::desks::newsroom::NewsroomSettings;
use crate::desks::syndication::SyndicationSettings;

/// Who publishes: printed in copyright lines, feeds and structured data.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    /// The copyright line a story carries when its desk set none.
    pub copyright: String,
    /// The image search engines show for the newsroom (JSON-LD `publisher.logo`).
    pub logo: NewsroomLogo,
}

/// Where the newsroom's logo is, and its size when known (search engines read it from the
/// structured data rather than fetching the image to learn it).
#[derive(Debug, Clone)]
pub struct NewsroomLogo {
    pub url: Url,
    pub size: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where this API is reached from outside; absolute URLs (media, links) start here.
    pub public_url: Url,
    /// The newsroom's time zone: every time in a response carries its offset.
    pub time_zone: Tz,
    pub publisher: Publisher,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Signing keys, token lifetimes and the upload limit of the newsroom side.
    pub newsroom: NewsroomSettings,
    /// The view beacon and most-viewed rankings.
    pub views: ViewSettings,
    /// Rate limits and webhook delivery.
    pub syndication: SyndicationSettings,
    /// Reader comments: thresholds, limits, banned words.
    pub comments: CommentSettings,
}

/// How views are attributed to readers and how long rankings are kept.
#[derive(Debug, Clone)]
pub struct ViewSettings {
    /// Proxies (load balancers, CDN edges) whose `X-Forwarded-For` names the reader's address.
    /// From anyone else the header is ignored: it would let a client pose as many readers.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a computed ranking is served before it is computed again; zero computes it on
    /// every request.
    pub ranking_cache_ttl: Duration,
    /// The key readers are hashed with for de-duplication. Every node must hold the same one,
    /// so that a reader heard by two nodes is one reader.
    pub reader_secret: Vec<u8>,
}

impl ViewSettings {
    /// A ranking is recomputed this often unless told otherwise.
    pub const DEFAULT_RANKING_CACHE_TTL: Duration = Duration::from_secs(4);
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            ranking_cache_ttl: Self::DEFAULT_RANKING_CACHE_TTL,
            reader_secret: rand::random::<[u8; 32]>().to_vec(),
        }
    }
}

impl Settings {
    /// A time as the newsroom reads it: `2023-07-14T19:45:20+09:00`.
    pub fn local_time(&self, at: Timestamp) -> DateTime<FixedOffset> {
        at.as_datetime()
            .with_timezone(&self.time_zone)
            .fixed_offset()
    }

    /// An absolute URL for a path on this API (`/media/…`).
    pub fn absolute(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}
