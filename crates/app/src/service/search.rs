//! Searching public stories: one function for `GET /api/v1/search` and GraphQL `search`.
//!
//! The query is parsed by the domain's tokenizer (bad input is a 400 before any SQL runs), the
//! index answers one page of hits already filtered by the visibility rule, and the stories are then
//! loaded by id — again through the visibility rule, at the same moment — with a snippet each.

use dateline_domain::search::{
    SearchCursor, SearchFilter, SearchHit, SearchOrder, SearchQuery, snippet,
};
use dateline_domain::{Article, PageSize, Timestamp, ValidationError};

use crate::app::App;
use crate::error::AppError;
use crate::service::articles::find_articles_by_ids;
use crate::service::parse_slug;

/// A search as a client sent it: the transports hand over the times and the order typed; the
/// query, section slug, page size and cursor are parsed here.
#[derive(Debug, Default, Clone, Copy)]
pub struct SearchRequest<'a> {
    pub q: Option<&'a str>,
    pub section: Option<&'a str>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: Option<i64>,
    pub cursor: Option<&'a str>,
    pub sort: Option<SearchOrder>,
}

/// One story found, with the passage of its body that matched.
#[derive(Debug, Clone)]
pub struct Found {
    pub article: Article,
    /// HTML: the body's text escaped, each match in `<mark>`.
    pub snippet: String,
    pub hit: SearchHit,
}

impl Found {
    /// The cursor that continues the list after this story.
    pub fn cursor(&self, order: SearchOrder) -> String {
        self.hit.cursor(order).encode()
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub found: Vec<Found>,
    pub next: Option<SearchCursor>,
    pub size: PageSize,
    pub order: SearchOrder,
}

pub async fn search(state: &App, request: SearchRequest<'_>) -> Result<SearchPage, AppError> {
    let _timer = crate::telemetry::Timer::start(crate::telemetry::SEARCH_SECONDS);
    let query = SearchQuery::parse(
        request
            .q
            .ok_or_else(|| ValidationError::new("q", "required"))?,
    )?;
    let order = request.sort.unwrap_or_default();
    let size = PageSize::parse(request.limit)?;
    let cursor = request
        .cursor
        .map(|cursor| SearchCursor::decode(cursor, order))
        .transpose()?;
    let mut filter = SearchFilter {
        from: request.from,
        to: request.to,
        order,
        ..SearchFilter::default()
    };
    if let Some(slug) = request.section {
        let slug = parse_slug("section", slug)?;
        let section = state.db().sections().find_by_slug(&slug).await?;
        filter.section = Some(
            section
                .ok_or_else(|| AppError::not_found(format!("no section \"{slug}\"")))?
                .id,
        );
    }
    let now = state.now();
    let page = state
        .db()
        .search_index()
        .search(&query, &filter, cursor.as_ref(), size, now)
        .await?;
    let ids: Vec<_> = page.items.iter().map(|hit| hit.id).collect();
    let mut stories = find_articles_by_ids(state, &ids).await?;
    let found = page
        .items
        .into_iter()
        .filter_map(|hit| {
            stories.remove(&hit.id).map(|article| Found {
                snippet: snippet(&article.body_text, &query),
                article,
                hit,
            })
        })
        .collect();
    Ok(SearchPage {
        found,
        next: page.next,
        size,
        order,
    })
}
