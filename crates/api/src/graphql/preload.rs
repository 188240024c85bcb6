//! A page's relations, loaded once for the whole page. DataLoaders batch by time (keys asked
//! for within 1 ms), and async-graphql resolves a list of more than 30 items in rounds that can
//! fall on either side of that window, so a 50-story page cost a varying number of queries. A
//! connection whose selection reaches into relations loads them here first, in the same five
//! queries REST uses, and the story's relation fields read them from the request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;
use dateline_app::service::articles::{ArticleRecord, with_relations};
use dateline_domain::{Article, ArticleId};

use crate::graphql::types::app;
use crate::problem::GraphqlResult as _;

/// The relation fields a page's stories may select.
const RELATIONS: [&str; 5] = ["section", "authors", "tags", "leadImage", "viewCount"];

/// One request's loaded stories.
#[derive(Default)]
pub(crate) struct PageRelations(Mutex<HashMap<ArticleId, Arc<ArticleRecord>>>);

impl PageRelations {
    fn get(&self, id: ArticleId) -> Option<Arc<ArticleRecord>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned()
    }
}

/// Whether a selection of stories (`node`'s or `nodes`' fields) reaches into relations.
pub(crate) fn selects_relations(selection: &async_graphql::Lookahead<'_>) -> bool {
    RELATIONS
        .iter()
        .any(|field| selection.field(field).exists())
}

/// Loads the relations of `articles` for this request, unless they are loaded already.
pub(crate) async fn load_page(
    ctx: &Context<'_>,
    articles: &[Article],
) -> async_graphql::Result<()> {
    let Some(page) = ctx.data_opt::<PageRelations>() else {
        return Ok(());
    };
    let missing: Vec<Article> = articles
        .iter()
        .filter(|article| page.get(article.id).is_none())
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let records = with_relations(app(ctx), missing).await.or_graphql_error()?;
    let mut loaded = page.0.lock().unwrap_or_else(PoisonError::into_inner);
    for record in records {
        loaded.insert(record.article.id, Arc::new(record));
    }
    Ok(())
}

/// The story's relations, when its page loaded them.
pub(crate) fn preloaded(ctx: &Context<'_>, id: ArticleId) -> Option<Arc<ArticleRecord>> {
    ctx.data_opt::<PageRelations>()?.get(id)
}
