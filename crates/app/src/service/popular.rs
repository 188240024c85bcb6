//! Most-viewed rankings: the public stories with the most views in a window, overall or in a
//! section (subsections included).
//!
//! A ranking is computed from the hourly buckets for the top 100 and kept per window, hour and
//! section. Once it is older than the cache TTL the next request starts one recomputation in the
//! background and is answered from the one in hand (stale-while-revalidate), so readers never wait
//! for a long window to be summed except on the very first request. Concurrent requests for a
//! missing ranking share one computation. Every answer re-checks that its stories are still
//! public, so a story that is unpublished drops out at once, on every node.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use dateline_domain::{RankingSize, Timestamp, Window};

use crate::app::App;
use crate::error::AppError;
use crate::readership::rankings::{CachedRanking, RankingKey};
use crate::service::articles::{ArticleRecord, find_articles_by_ids, with_relations};
use crate::service::parse_slug;

/// A request for a ranking, as a client sent it.
#[derive(Debug, Clone, Copy)]
pub struct PopularRequest<'a> {
    pub window: Window,
    pub section: Option<&'a str>,
    pub limit: Option<i64>,
}

/// A story's place in a ranking.
#[derive(Debug, Clone)]
pub struct PopularEntry {
    /// 1 for the most viewed.
    pub rank: usize,
    /// Views in the window.
    pub views: u64,
    pub record: ArticleRecord,
}

/// A ranking as answered.
#[derive(Debug, Clone)]
pub struct Popular {
    pub window: Window,
    /// When the views were summed (a cached ranking is a few seconds old).
    pub generated_at: Timestamp,
    pub entries: Vec<PopularEntry>,
}

pub async fn popular(state: &App, request: PopularRequest<'_>) -> Result<Popular, AppError> {
    let _timer = crate::telemetry::Timer::start(crate::telemetry::RANKING_SECONDS);
    let size = RankingSize::parse(request.limit)?;
    let section = request
        .section
        .map(|slug| parse_slug("section", slug))
        .transpose()?;
    let key = (
        request.window,
        request.window.first_hour(state.now()),
        section,
    );
    let ranking = match &state.views().rankings {
        Some(cache) => {
            let ranking = cache
                .try_get_with(key.clone(), compute(state, key.clone()))
                .await
                .map_err(AppError::unshare)?;
            let ttl = state.settings().views.ranking_cache_ttl;
            if ranking.summed.elapsed() >= ttl && !ranking.refreshing.swap(true, Ordering::AcqRel) {
                refresh_in_background(state.clone(), cache.clone(), key, Arc::clone(&ranking));
            }
            ranking
        }
        None => compute(state, key).await?,
    };
    let entries = still_public(state, &ranking, size).await?;
    Ok(Popular {
        window: request.window,
        generated_at: ranking.generated_at,
        entries,
    })
}

fn refresh_in_background(
    state: App,
    cache: moka::future::Cache<RankingKey, Arc<CachedRanking>>,
    key: RankingKey,
    stale: Arc<CachedRanking>,
) {
    tokio::spawn(async move {
        match compute(&state, key.clone()).await {
            Ok(fresh) => cache.insert(key, fresh).await,
            Err(err) => {
                // Keep serving the one in hand; the next request tries again.
                stale.refreshing.store(false, Ordering::Release);
                tracing::warn!(error = %err, "recomputing a ranking failed");
            }
        }
    });
}

/// Sums the window's buckets for the top stories that are public now and loads what their
/// summaries show.
async fn compute(
    state: &App,
    (window, first_hour, section): RankingKey,
) -> Result<Arc<CachedRanking>, AppError> {
    let db = state.db();
    let section = match section {
        Some(slug) => Some(
            db.sections()
                .find_by_slug(&slug)
                .await?
                .ok_or_else(|| AppError::not_found(format!("no section \"{slug}\"")))?
                .id,
        ),
        None => None,
    };
    let now = state.now();
    let wanted = usize::from(RankingSize::MAX);
    // The buckets are summed without looking at the stories; the public ones among the top
    // candidates are kept (a lean id-only check), and only those are loaded. Views only reach
    // public stories, so one round almost always fills the ranking; if unpublished stories took
    // places, ask for a longer list.
    let mut candidates = wanted * 2;
    let kept = loop {
        let ranked = db
            .article_views()
            .ranking(
                first_hour,
                first_hour.plus(window.length()),
                section,
                candidates as u64,
            )
            .await?;
        let ids: Vec<_> = ranked.iter().map(|entry| entry.article).collect();
        let public = db.article_views().still_public(&ids, now).await?;
        let kept: Vec<_> = ranked
            .iter()
            .filter(|entry| public.contains(&entry.article))
            .take(wanted)
            .copied()
            .collect();
        if kept.len() >= wanted || ranked.len() < candidates {
            break kept;
        }
        candidates *= 4;
    };
    let ids: Vec<_> = kept.iter().map(|entry| entry.article).collect();
    let mut found = find_articles_by_ids(state, &ids).await?;
    let (views, articles): (Vec<u64>, Vec<_>) = kept
        .iter()
        .filter_map(|entry| found.remove(&entry.article).map(|a| (entry.views, a)))
        .unzip();
    let records = with_relations(state, articles).await?;
    Ok(Arc::new(CachedRanking {
        generated_at: now,
        summed: Instant::now(),
        refreshing: AtomicBool::new(false),
        entries: views.into_iter().zip(records).collect(),
    }))
}

/// The first `size` entries whose stories are public now. Usually one lean query over `size`
/// ids; a story unpublished since the ranking was computed is skipped and the next one moves up.
async fn still_public(
    state: &App,
    ranking: &CachedRanking,
    size: RankingSize,
) -> Result<Vec<PopularEntry>, AppError> {
    let now = state.now();
    let mut entries = Vec::with_capacity(size.get());
    let mut candidates = ranking.entries.as_slice();
    while entries.len() < size.get() && !candidates.is_empty() {
        let (batch, rest) = candidates.split_at((size.get() - entries.len()).min(candidates.len()));
        candidates = rest;
        let ids: Vec<_> = batch.iter().map(|(_, record)| record.article.id).collect();
        let public = state.db().article_views().still_public(&ids, now).await?;
        entries.extend(
            batch
                .iter()
                .filter(|(_, record)| public.contains(&record.article.id))
                .map(|(views, record)| PopularEntry {
                    rank: 0,
                    views: *views,
                    record: record.clone(),
                }),
        );
    }
    // Ranks count the stories shown, so they stay 1, 2, 3… when one dropped out.
    for (index, entry) in entries.iter_mut().enumerate() {
        entry.rank = index + 1;
    }
    Ok(entries)
}
