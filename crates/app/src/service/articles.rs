//! Reading public stories: lists, counts, one story, and the relations a story shows.

use std::collections::HashMap;

use dateline_domain::{
    Article, ArticleCursor, ArticleFilter, ArticleId, ArticleKey, AuthorId, PageSize, SectionId,
    TagId, Timestamp,
};

use crate::app::App;
use crate::error::AppError;
pub use crate::record::ArticleRecord;
use crate::service::audience::Audience;
use crate::service::parse_slug;

/// A request for a list of stories. The transports hand over typed values (`since` is a time);
/// slugs, the page size and the cursor are parsed here, once for REST and GraphQL alike.
#[derive(Debug, Default, Clone)]
pub struct ListArticles<'a> {
    pub section: Option<Named<'a, SectionId>>,
    pub tag: Option<Named<'a, TagId>>,
    pub author: Option<Named<'a, AuthorId>>,
    pub has_image: Option<bool>,
    pub since: Option<Timestamp>,
    pub limit: Option<i64>,
    pub cursor: Option<&'a str>,
}

/// A section, tag or author a list is filtered by: by the slug a client sent, or by the id of a
/// value the caller already holds (GraphQL's `Section.articles`), which is not looked up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named<'a, Id> {
    Slug(&'a str),
    Id(Id),
}

/// One page of public stories.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub articles: Vec<Article>,
    pub next: Option<ArticleCursor>,
    pub size: PageSize,
    /// What was selected, so a total can be counted for the same list.
    pub filter: ArticleFilter,
    /// The moment the page was read at; a total counted later uses the same moment.
    pub now: Timestamp,
}

pub async fn list_articles(state: &App, input: ListArticles<'_>) -> Result<ArticlePage, AppError> {
    list_articles_for(state, &Audience::Public, input).await
}

/// A list as `audience` may see it: a partner's holds only its entitled sections.
pub async fn list_articles_for(
    state: &App,
    audience: &Audience,
    input: ListArticles<'_>,
) -> Result<ArticlePage, AppError> {
    let size = PageSize::parse(input.limit)?;
    let after = input.cursor.map(ArticleCursor::decode).transpose()?;
    let mut filter = resolve_filter(state, &input).await?;
    filter.since = input.since;
    filter.within_sections = audience.partner().map(|partner| partner.sections.clone());
    let now = state.now();
    let page = state
        .db()
        .articles()
        .list_public(&filter, after.as_ref(), size, now)
        .await?;
    Ok(ArticlePage {
        articles: page.items,
        next: page.next,
        size,
        filter,
        now,
    })
}

/// Turns the slugs a client named into ids; a slug that names nothing is a 404. A tag or author
/// with no public story names nothing, as on its own page: otherwise an empty list beside a
/// 404 would tell which names the embargoed stories use.
async fn resolve_filter(state: &App, input: &ListArticles<'_>) -> Result<ArticleFilter, AppError> {
    let db = state.db();
    let mut filter = ArticleFilter {
        has_image: input.has_image.unwrap_or(false),
        ..ArticleFilter::default()
    };
    filter.section = match input.section {
        None => None,
        Some(Named::Id(id)) => Some(id),
        Some(Named::Slug(slug)) => {
            let slug = parse_slug("section", slug)?;
            let section = db.sections().find_by_slug(&slug).await?;
            Some(
                section
                    .ok_or_else(|| AppError::not_found(format!("no section \"{slug}\"")))?
                    .id,
            )
        }
    };
    filter.tag = match input.tag {
        None => None,
        Some(Named::Id(id)) => Some(id),
        Some(Named::Slug(slug)) => {
            let slug = parse_slug("tag", slug)?;
            let tag = db.tags().find_public_by_slug(&slug, state.now()).await?;
            Some(
                tag.ok_or_else(|| AppError::not_found(format!("no tag \"{slug}\"")))?
                    .id,
            )
        }
    };
    filter.author = match input.author {
        None => None,
        Some(Named::Id(id)) => Some(id),
        Some(Named::Slug(slug)) => {
            let slug = parse_slug("author", slug)?;
            let author = db.authors().find_public_by_slug(&slug, state.now()).await?;
            Some(
                author
                    .ok_or_else(|| AppError::not_found(format!("no author \"{slug}\"")))?
                    .id,
            )
        }
    };
    Ok(filter)
}

/// How many public stories a list holds, counted at the moment the page was read.
pub async fn count_articles(
    state: &App,
    filter: &ArticleFilter,
    now: Timestamp,
) -> Result<u64, AppError> {
    Ok(state.db().articles().count_public(filter, now).await?)
}

/// One public story, by id (`art_…`) or slug.
pub async fn find_article(state: &App, id_or_slug: &str) -> Result<Article, AppError> {
    let key = ArticleKey::parse(id_or_slug)
        .map_err(|_| AppError::not_found(format!("no article {id_or_slug:?}")))?;
    state
        .db()
        .articles()
        .find_public(&key, state.now())
        .await?
        .ok_or_else(|| AppError::not_found(format!("no article {id_or_slug:?}")))
}

/// One public story as `audience` may see it: for a partner, only from its entitled sections
/// (anything else is as absent as a draft).
pub async fn find_article_for(
    state: &App,
    audience: &Audience,
    id_or_slug: &str,
) -> Result<Article, AppError> {
    let article = find_article(state, id_or_slug).await?;
    if let Audience::Partner(partner) = audience {
        let all = state.db().sections().all().await?;
        if !partner.is_entitled_to(article.section_id, &all) {
            return Err(AppError::not_found(format!("no article {id_or_slug:?}")));
        }
    }
    Ok(article)
}

/// The stories flagged as breaking news now, and when that answer changes by itself.
#[derive(Debug, Clone)]
pub struct BreakingNews {
    /// Newest first, with what their presentation shows.
    pub stories: Vec<ArticleRecord>,
    /// When the first flag among them runs out: the list is different from then on, though
    /// nothing was written.
    pub first_flag_ends: Option<Timestamp>,
}

/// The stories flagged as breaking news now, newest first, as `audience` may see them (a
/// partner: only its entitled sections).
pub async fn breaking_news(
    state: &App,
    audience: &Audience,
    limit: Option<i64>,
) -> Result<BreakingNews, AppError> {
    let size = PageSize::parse(limit)?;
    let mut stories = state
        .db()
        .articles()
        .breaking(state.now(), size.get())
        .await?;
    if let Audience::Partner(partner) = audience {
        let all = state.db().sections().all().await?;
        stories.retain(|article| partner.is_entitled_to(article.section_id, &all));
    }
    audience.record_served(state, &stories);
    let first_flag_ends = stories.iter().filter_map(|a| a.breaking_until).min();
    Ok(BreakingNews {
        stories: with_relations(state, stories).await?,
        first_flag_ends,
    })
}

/// The public stories among `ids` (for `node` and rankings), keyed by id.
pub async fn find_articles_by_ids(
    state: &App,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Article>, AppError> {
    let found = state
        .db()
        .articles()
        .find_public_by_ids(ids, state.now())
        .await?;
    Ok(found
        .into_iter()
        .map(|article| (article.id, article))
        .collect())
}

/// Loads the relations of a page of stories in five queries, whatever the page size.
pub async fn with_relations(
    state: &App,
    articles: Vec<Article>,
) -> Result<Vec<ArticleRecord>, AppError> {
    let db = state.db();
    let ids: Vec<ArticleId> = articles.iter().map(|a| a.id).collect();
    let mut section_ids: Vec<_> = articles.iter().map(|a| a.section_id).collect();
    section_ids.sort_unstable();
    section_ids.dedup();
    let media_ids: Vec<_> = articles.iter().filter_map(|a| a.lead_image_id).collect();

    let (section_repo, article_repo, media_repo) = (db.sections(), db.articles(), db.media());
    let view_repo = db.article_views();
    let (sections, mut bylines, mut tags, media, view_counts) = tokio::try_join!(
        section_repo.find_by_ids(&section_ids),
        article_repo.bylines_of(&ids),
        article_repo.tags_of(&ids),
        media_repo.find_by_ids(&media_ids),
        view_repo.totals_of(&ids),
    )?;
    let sections: HashMap<_, _> = sections.into_iter().map(|s| (s.id, s)).collect();
    let media: HashMap<_, _> = media.into_iter().map(|m| (m.id, m)).collect();
    Ok(articles
        .into_iter()
        .map(|article| ArticleRecord {
            section: sections.get(&article.section_id).cloned(),
            authors: bylines.remove(&article.id).unwrap_or_default(),
            tags: tags.remove(&article.id).unwrap_or_default(),
            lead_image: article.lead_image_id.and_then(|id| media.get(&id).cloned()),
            view_count: view_counts.get(&article.id).copied().unwrap_or(0),
            article,
        })
        .collect())
}
