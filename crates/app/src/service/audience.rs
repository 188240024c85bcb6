//! Who a public read is for: the public, or a partner named by its `X-Api-Key`. A partner sees
//! only the sections it is entitled to, gets the body only with full-text rights and only for
//! stories not marked not-for-syndication, and every story it is served is logged.

use dateline_domain::syndication::Delivery;
use dateline_domain::{Article, Partner, Rights};
use sha2::{Digest as _, Sha256};

use crate::app::App;
use crate::error::AppError;

/// Every key starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const API_KEY_PREFIX: &str = "dlk_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Public,
    Partner(Partner),
}

impl Audience {
    /// Whether this audience may have the story's body.
    pub fn may_have_full_text(&self, article: &Article) -> bool {
        match self {
            Audience::Public => true,
            Audience::Partner(partner) => {
                partner.rights.for_story(article.not_for_syndication) == Rights::Full
            }
        }
    }

    pub fn partner(&self) -> Option<&Partner> {
        match self {
            Audience::Public => None,
            Audience::Partner(partner) => Some(partner),
        }
    }

    /// Notes the stories served to a partner, for its usage report. Kept in memory and written
    /// in batches ([`flush_usage`]), so serving never waits on the log.
    pub fn record_served<'a>(&self, state: &App, stories: impl IntoIterator<Item = &'a Article>) {
        let Audience::Partner(partner) = self else {
            return;
        };
        let at = state.now();
        state
            .syndication()
            .usage
            .record(stories.into_iter().map(|article| Delivery {
                partner: partner.id,
                article: article.id,
                at,
                rights: partner.rights.for_story(article.not_for_syndication),
            }));
    }
}

/// The hash a key is stored and looked up by.
pub fn key_hash(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    hex::encode(digest)
}

/// The audience a request's `X-Api-Key` names: none is the public; a key no partner holds is a
/// 401.
pub async fn resolve(state: &App, key: Option<&str>) -> Result<Audience, AppError> {
    let Some(key) = key else {
        return Ok(Audience::Public);
    };
    let unknown = || AppError::Unauthorized {
        detail: "the API key is not valid".into(),
        invalid_token: true,
    };
    if !key.starts_with(API_KEY_PREFIX) {
        return Err(unknown());
    }
    state
        .db()
        .partners()
        .find_by_key_hash(&key_hash(key))
        .await?
        .map(Audience::Partner)
        .ok_or_else(unknown)
}

/// Writes the partner log gathered since the last flush; on failure the entries are kept for the
/// next one.
pub async fn flush_usage(state: &App) -> Result<usize, AppError> {
    let usage = &state.syndication().usage;
    let pending = usage.take();
    if pending.is_empty() {
        return Ok(0);
    }
    match state.db().partners().log_deliveries(&pending).await {
        Ok(()) => Ok(pending.len()),
        Err(err) => {
            usage.restore(pending);
            Err(err.into())
        }
    }
}
