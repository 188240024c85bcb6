//! RSS 2.0 with Media RSS (the lead image and its credit), Dublin Core bylines and the full text
//! in `content:encoded`, built with the `rss` crate so every text is escaped by the writer.
//!
//! Escaping for XML is not enough where RSS carries HTML: readers decode `<description>` (and
//! `content:encoded`) and then render it as HTML, so a summary with `<script>` in it would run.
//! Those elements only ever get HTML this crate made: the body rendered from sanitised blocks,
//! or plain text escaped for HTML by [`super::text_as_html`]. Titles, categories and the Media
//! RSS texts are plain text (Media RSS's `type="plain"`), written once-escaped.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{Feed, FeedImage, FeedStory, text_as_html};

const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";
const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

pub fn render(feed: &Feed) -> String {
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        description: text_as_html(&feed.description),
        language: Some(feed.language.to_owned()),
        copyright: Some(feed.copyright.clone()),
        last_build_date: Some(feed.updated.to_rfc2822()),
        generator: Some("Dateline".into()),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        items: feed.stories.iter().map(item).collect(),
        namespaces: BTreeMap::from([
            ("media".to_owned(), MEDIA_NAMESPACE.to_owned()),
            ("atom".to_owned(), ATOM_NAMESPACE.to_owned()),
        ]),
        extensions: atom_links(feed),
        ..Channel::default()
    };
    channel.to_string()
}

/// `<atom:link rel="self">` (the RSS Advisory Board asks for it) and `rel="next"` (RFC 5005
/// paging), so a reader can tell the feed's address and fetch past its first twenty stories.
fn atom_links(feed: &Feed) -> ExtensionMap {
    let link = |rel: &str, href: &str| Extension {
        name: "atom:link".into(),
        attrs: BTreeMap::from([
            ("href".to_owned(), href.to_owned()),
            ("rel".to_owned(), rel.to_owned()),
            ("type".to_owned(), "application/rss+xml".to_owned()),
        ]),
        ..Extension::default()
    };
    let mut links = vec![link("self", &feed.feed_url)];
    if let Some(next) = &feed.next_url {
        links.push(link("next", next));
    }
    BTreeMap::from([(
        "atom".to_owned(),
        BTreeMap::from([("link".to_owned(), links)]),
    )])
}

fn item(story: &FeedStory) -> Item {
    let mut dublin_core = DublinCoreExtension::default();
    dublin_core.creators.clone_from(&story.authors);
    dublin_core.rights = vec![story.copyright.clone()];
    Item {
        title: Some(story.headline.clone()),
        link: Some(story.url.clone()),
        description: Some(text_as_html(&story.summary)),
        categories: story
            .categories()
            .into_iter()
            .map(|name| Category {
                name: name.to_owned(),
                domain: None,
            })
            .collect(),
        guid: Some(Guid {
            value: story.id.clone(),
            permalink: false,
        }),
        pub_date: Some(story.published.to_rfc2822()),
        content: story.content_html.clone(),
        dublin_core_ext: Some(dublin_core),
        extensions: story.image.as_ref().map(media_content).unwrap_or_default(),
        ..Item::default()
    }
}

/// `<media:content url medium="image" width height><media:description/><media:credit/>`.
fn media_content(image: &FeedImage) -> ExtensionMap {
    let element = |name: &str, value: Option<&String>| Extension {
        name: format!("media:{name}"),
        value: value.cloned(),
        ..Extension::default()
    };
    let mut children = BTreeMap::new();
    if image.caption.is_some() {
        children.insert(
            "description".to_owned(),
            vec![Extension {
                // Plain is Media RSS's default; saying so keeps readers from guessing HTML.
                attrs: BTreeMap::from([("type".to_owned(), "plain".to_owned())]),
                ..element("description", image.caption.as_ref())
            }],
        );
    }
    if image.credit.is_some() {
        children.insert(
            "credit".to_owned(),
            vec![element("credit", image.credit.as_ref())],
        );
    }
    let content = Extension {
        name: "media:content".into(),
        value: None,
        attrs: BTreeMap::from([
            ("url".to_owned(), image.url.clone()),
            ("type".to_owned(), image.content_type.clone()),
            ("medium".to_owned(), "image".to_owned()),
            ("width".to_owned(), image.width.to_string()),
            ("height".to_owned(), image.height.to_string()),
        ]),
        children,
    };
    BTreeMap::from([(
        "media".to_owned(),
        BTreeMap::from([("content".to_owned(), vec![content])]),
    )])
}
