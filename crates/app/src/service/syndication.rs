//! Feeds: the latest public stories, or one section's, cut down to what the audience may have,
//! in any feed format. The stories come from [`crate::service::articles::list_articles`], which
//! applies the visibility rule.

use dateline_domain::ValidationError;

use crate::app::App;
use crate::error::AppError;
use crate::service::articles::{self, ArticleRecord, ListArticles, Named};
use crate::service::audience::Audience;
use crate::service::media::{body_html, original_url};
use crate::syndication::{Feed, FeedFormat, FeedImage, FeedStory};

/// Which stories a feed carries.
#[derive(Debug, Clone, Copy)]
pub enum FeedScope<'a> {
    Latest,
    Section(&'a str),
}

/// A feed request as the client sent it.
#[derive(Debug, Clone, Copy)]
pub struct FeedRequest<'a> {
    pub scope: FeedScope<'a>,
    pub format: FeedFormat,
    pub cursor: Option<&'a str>,
    pub limit: Option<i64>,
}

/// One page of a feed: the newest public stories the audience may have, newest first.
pub async fn feed(
    state: &App,
    audience: &Audience,
    request: FeedRequest<'_>,
) -> Result<Feed, AppError> {
    let section = match request.scope {
        FeedScope::Latest => None,
        FeedScope::Section(slug) => Some(slug),
    };
    let page = articles::list_articles_for(
        state,
        audience,
        ListArticles {
            section: section.map(Named::Slug),
            limit: request.limit,
            cursor: request.cursor,
            ..ListArticles::default()
        },
    )
    .await?;
    let records = articles::with_relations(state, page.articles).await?;
    audience.record_served(state, records.iter().map(|record| &record.article));

    let settings = state.settings();
    let publisher = &settings.publisher;
    let (title, path, home_url) = match request.scope {
        FeedScope::Latest => (
            publisher.name.clone(),
            "/feeds/latest".to_owned(),
            settings.absolute("/"),
        ),
        FeedScope::Section(slug) => {
            let name = state
                .db()
                .sections()
                .find_by_slug(
                    &crate::service::parse_slug("section", slug)
                        .map_err(|_| AppError::not_found(format!("no section {slug:?}")))?,
                )
                .await?
                .map_or_else(|| slug.to_owned(), |section| section.name);
            (
                format!("{} {name}", publisher.name),
                format!("/feeds/sections/{slug}"),
                settings.absolute(&format!("/sections/{slug}")),
            )
        }
    };
    let extension = request.format.extension();
    let feed_url = settings.absolute(&format!("{path}.{extension}"));
    let next_url = page.next.map(|cursor| {
        let mut url = feed_url.clone();
        url.push_str("?cursor=");
        url.push_str(&cursor.encode());
        if let Some(limit) = request.limit {
            url.push_str(&format!("&limit={limit}"));
        }
        url
    });
    let stories: Vec<FeedStory> = records
        .iter()
        .map(|record| feed_story(state, audience, record))
        .collect::<Result<_, _>>()?;
    let updated = stories
        .iter()
        .map(|story| story.updated)
        .max()
        .unwrap_or_else(|| settings.local_time(page.now));
    Ok(Feed {
        title: title.clone(),
        description: format!("{title} — {}", publisher.copyright),
        home_url,
        feed_url,
        next_url,
        language: "ko",
        copyright: publisher.copyright.clone(),
        updated,
        stories,
    })
}

fn feed_story(
    state: &App,
    audience: &Audience,
    record: &ArticleRecord,
) -> Result<FeedStory, AppError> {
    let settings = state.settings();
    let article = &record.article;
    let published = article.published_at.ok_or_else(|| {
        AppError::broken(format!(
            "public story {} has no publication time",
            article.id
        ))
    })?;
    Ok(FeedStory {
        id: article.id.to_string(),
        url: crate::presentation::article_url(settings, record),
        headline: article.headline.clone(),
        summary: article.summary.clone(),
        content_html: audience
            .may_have_full_text(article)
            .then(|| body_html(settings, article)),
        published: settings.local_time(published),
        updated: settings.local_time(article.updated_at),
        authors: record.authors.iter().map(|a| a.byline()).collect(),
        section: record.section.as_ref().map(|s| s.name.clone()),
        tags: record.tags.iter().map(|t| t.name.clone()).collect(),
        image: record.lead_image.as_ref().map(|media| FeedImage {
            url: original_url(settings, media.id),
            content_type: media.content_type.clone(),
            width: media.width,
            height: media.height,
            caption: media.caption.clone(),
            credit: media.credit.clone(),
        }),
        copyright: article.copyright.clone(),
    })
}

/// Reads `latest.rss` / `정치.atom` into a name and a format; an unknown extension is a 404.
pub fn split_feed_file(file: &str) -> Result<(&str, FeedFormat), AppError> {
    file.rsplit_once('.')
        .and_then(|(name, extension)| {
            FeedFormat::from_extension(extension).map(|format| (name, format))
        })
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| {
            AppError::not_found(format!(
                "no feed {file:?}: feeds end in .rss, .atom or .json"
            ))
        })
}

/// The page size a feed request named, checked like any list's.
pub fn feed_limit(limit: Option<&str>) -> Result<Option<i64>, AppError> {
    limit
        .map(|text| {
            text.trim()
                .parse::<i64>()
                .map_err(|_| ValidationError::new("limit", "must be a whole number").into())
        })
        .transpose()
}
