//! Sitemaps: the index, article sitemaps of 50,000 public stories each (oldest first, so a
//! story keeps its sitemap), and the Google News sitemap of the last 48 hours by the injected
//! clock.

use chrono::Duration;
use dateline_storage::repo::sitemaps::SitemapEntry;

use crate::app::App;
use crate::error::AppError;
use crate::settings::Settings;
use crate::syndication::sitemap::{self, IndexedSitemap, MAX_URLS, NewsUrl, SitemapUrl};

/// How far back the news sitemap reaches (Google News takes the last two days).
const NEWS_WINDOW_HOURS: i64 = 48;
/// The most stories a news sitemap may name (Google's limit).
const NEWS_MAX_URLS: u64 = 1_000;

/// The story's address, percent-encoded as sitemaps require (Hangul slugs included).
fn story_url(settings: &Settings, entry: &SitemapEntry) -> String {
    let url = crate::presentation::story_url(
        settings,
        entry.slug.as_str(),
        entry.canonical_url.as_deref(),
    );
    url::Url::parse(&url).map_or(url, |parsed| parsed.to_string())
}

/// The index: `/sitemaps/articles-1.xml` … one per 50,000 public stories, and the news sitemap,
/// each with the time its stories last changed.
pub async fn index(state: &App) -> Result<String, AppError> {
    let settings = state.settings();
    let now = state.now();
    let repo = state.db().articles();
    let runs = repo.sitemap_last_changes(MAX_URLS, now).await?;
    let mut sitemaps: Vec<IndexedSitemap> = runs
        .iter()
        .enumerate()
        .map(|(n, changed)| IndexedSitemap {
            url: settings.absolute(&format!("/sitemaps/articles-{}.xml", n + 1)),
            last_modified: Some(settings.local_time(*changed)),
        })
        .collect();
    if sitemaps.is_empty() {
        // An empty newsroom still answers its first sitemap (empty), so the index names it.
        sitemaps.push(IndexedSitemap {
            url: settings.absolute("/sitemaps/articles-1.xml"),
            last_modified: None,
        });
    }
    let news = repo
        .published_since(
            now.minus(Duration::hours(NEWS_WINDOW_HOURS)),
            NEWS_MAX_URLS,
            now,
        )
        .await?;
    sitemaps.push(IndexedSitemap {
        url: settings.absolute("/sitemap-news.xml"),
        last_modified: news
            .iter()
            .map(|entry| entry.updated_at.max(entry.published_at))
            .max()
            .map(|changed| settings.local_time(changed)),
    });
    Ok(sitemap::index(&sitemaps))
}

/// Article sitemap `number` (from 1): the `number`th run of 50,000 public stories, oldest first.
pub async fn articles(state: &App, number: u64) -> Result<String, AppError> {
    let now = state.now();
    let repo = state.db().articles();
    let mut after = None;
    for _ in 1..number {
        after = repo.sitemap_boundary(after, MAX_URLS, now).await?;
        if after.is_none() {
            return Err(AppError::not_found(format!(
                "no sitemap articles-{number}.xml"
            )));
        }
    }
    let entries = repo.sitemap_chunk(after, MAX_URLS, now).await?;
    if entries.is_empty() && number > 1 {
        return Err(AppError::not_found(format!(
            "no sitemap articles-{number}.xml"
        )));
    }
    let settings = state.settings();
    let urls: Vec<SitemapUrl> = entries
        .iter()
        .map(|entry| SitemapUrl {
            url: story_url(settings, entry),
            last_modified: settings.local_time(entry.updated_at.max(entry.published_at)),
        })
        .collect();
    Ok(sitemap::urls(&urls))
}

/// The Google News sitemap: public stories published in the last 48 hours, newest first.
pub async fn news(state: &App) -> Result<String, AppError> {
    let now = state.now();
    let since = now.minus(Duration::hours(NEWS_WINDOW_HOURS));
    let entries = state
        .db()
        .articles()
        .published_since(since, NEWS_MAX_URLS, now)
        .await?;
    let settings = state.settings();
    let urls: Vec<NewsUrl> = entries
        .iter()
        .map(|entry| NewsUrl {
            url: story_url(settings, entry),
            headline: entry.headline.clone(),
            published: settings.local_time(entry.published_at),
        })
        .collect();
    Ok(sitemap::news(&settings.publisher.name, "ko", &urls))
}
