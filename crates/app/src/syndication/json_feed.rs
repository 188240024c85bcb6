//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) as serde structs; `next_url` pages by the
//! keyset cursor of the story lists.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::{Feed, FeedStory};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    description: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    language: &'a str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    /// JSON Feed requires content; summary rights carry the summary as text instead of the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: DateTime<FixedOffset>,
    date_modified: DateTime<FixedOffset>,
    authors: Vec<JsonAuthor<'a>>,
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

pub fn render(feed: &Feed) -> String {
    let document = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        description: &feed.description,
        home_page_url: &feed.home_url,
        feed_url: &feed.feed_url,
        next_url: feed.next_url.as_deref(),
        language: feed.language,
        items: feed.stories.iter().map(item).collect(),
    };
    // Serialising plain strings, numbers and times to a String cannot fail.
    serde_json::to_string(&document).unwrap_or_default()
}

fn item(story: &FeedStory) -> JsonItem<'_> {
    JsonItem {
        id: &story.id,
        url: &story.url,
        title: &story.headline,
        summary: &story.summary,
        content_html: story.content_html.as_deref(),
        content_text: story
            .content_html
            .is_none()
            .then_some(story.summary.as_str()),
        image: story.image.as_ref().map(|image| image.url.as_str()),
        date_published: story.published,
        date_modified: story.updated,
        authors: story
            .authors
            .iter()
            .map(|name| JsonAuthor { name })
            .collect(),
        tags: story.categories(),
    }
}
