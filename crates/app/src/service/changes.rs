//! The change feed: published, updated, unpublished and deleted events in the order a mirror
//! must apply them, paged by an opaque cursor. An event carries the story's public presentation
//! only while the story is public; otherwise just its id, which is all a mirror needs to take it
//! down.

use std::collections::HashMap;

use dateline_domain::syndication::ChangeCursor;
use dateline_domain::{ArticleId, ChangeEvent, PageSize};

use crate::app::App;
use crate::error::AppError;
use crate::service::articles::{self, ArticleRecord};

/// One page of the feed.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub events: Vec<(ChangeEvent, Option<ArticleRecord>)>,
    /// Where to continue from: after the last event listed, or where the client already was.
    pub next: Option<ChangeCursor>,
    /// Whether more events follow at once (ask again straight away) rather than later.
    pub more: bool,
    pub size: PageSize,
}

pub async fn list_changes(
    state: &App,
    since: Option<&str>,
    limit: Option<i64>,
) -> Result<ChangePage, AppError> {
    let size = PageSize::parse(limit)?;
    let after = since.map(ChangeCursor::decode).transpose()?;
    let page = state
        .db()
        .changes()
        .list(after, size.get(), state.now())
        .await?;
    let more = page.next.is_some();
    let next = page
        .items
        .last()
        .map(|event| ChangeCursor::After(event.position))
        .or(after);
    let mut ids: Vec<ArticleId> = page.items.iter().map(|event| event.article).collect();
    ids.sort_unstable();
    ids.dedup();
    let public = articles::find_articles_by_ids(state, &ids).await?;
    let records = articles::with_relations(state, public.into_values().collect()).await?;
    let by_id: HashMap<ArticleId, ArticleRecord> = records
        .into_iter()
        .map(|record| (record.article.id, record))
        .collect();
    Ok(ChangePage {
        events: page
            .items
            .into_iter()
            .map(|event| {
                let record = by_id.get(&event.article).cloned();
                (event, record)
            })
            .collect(),
        next,
        more,
        size,
    })
}
