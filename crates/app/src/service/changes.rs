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
use crate::service::audience::Audience;

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

/// The feed as `audience` may read it. A partner's holds the events of stories ever filed in
/// its sections; a story shows only while it is public and still in them, so a story moved out
/// of them arrives as a bare id, which its mirror takes down like an unpublished one.
pub async fn list_changes(
    state: &App,
    audience: &Audience,
    since: Option<&str>,
    limit: Option<i64>,
) -> Result<ChangePage, AppError> {
    let after = since
        .map(|since| ChangeCursor::decode("since", since))
        .transpose()?;
    changes_after(state, audience, after, limit).await
}

/// The feed after a cursor already read (the live wire follows the feed with this).
pub(crate) async fn changes_after(
    state: &App,
    audience: &Audience,
    after: Option<ChangeCursor>,
    limit: Option<i64>,
) -> Result<ChangePage, AppError> {
    let size = PageSize::parse(limit)?;
    let partner = audience.partner();
    let page = state
        .db()
        .changes()
        .list(
            after,
            partner.map(|partner| partner.sections.as_slice()),
            size.get(),
            state.now(),
        )
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
    let mut public = articles::find_articles_by_ids(state, &ids).await?;
    if let Some(partner) = partner {
        let all = state.db().sections().all().await?;
        public.retain(|_, article| partner.is_entitled_to(article.section_id, &all));
    }
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
