//! Atom 1.0, built with `atom_syndication` so every text is escaped by the writer.

use atom_syndication::{Category, Content, Entry, Feed as AtomFeed, Link, Person, Text};

use super::{Feed, FeedStory};

pub fn render(feed: &Feed) -> String {
    let mut atom = AtomFeed::default();
    atom.set_title(Text::plain(feed.title.clone()));
    atom.set_subtitle(Some(Text::plain(feed.description.clone())));
    atom.set_id(feed.feed_url.clone());
    atom.set_updated(feed.updated);
    atom.set_lang(Some(feed.language.to_owned()));
    atom.set_rights(Some(Text::plain(feed.copyright.clone())));
    let mut links = vec![
        link(&feed.feed_url, "self", Some("application/atom+xml")),
        link(&feed.home_url, "alternate", Some("text/html")),
    ];
    if let Some(next) = &feed.next_url {
        links.push(link(next, "next", Some("application/atom+xml")));
    }
    atom.set_links(links);
    atom.set_entries(feed.stories.iter().map(entry).collect::<Vec<_>>());
    atom.to_string()
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link.set_mime_type(mime_type.map(str::to_owned));
    link
}

fn entry(story: &FeedStory) -> Entry {
    let mut entry = Entry::default();
    // A tag URI would tie ids to a domain; the story's address is stable and unique already.
    entry.set_id(story.url.clone());
    entry.set_title(Text::plain(story.headline.clone()));
    entry.set_updated(story.updated);
    entry.set_published(Some(story.published));
    entry.set_summary(Some(Text::plain(story.summary.clone())));
    entry.set_rights(Some(Text::plain(story.copyright.clone())));
    entry.set_authors(
        story
            .authors
            .iter()
            .map(|name| {
                let mut person = Person::default();
                person.set_name(name.clone());
                person
            })
            .collect::<Vec<_>>(),
    );
    entry.set_categories(
        story
            .categories()
            .into_iter()
            .map(|name| {
                let mut category = Category::default();
                category.set_term(name.to_owned());
                category
            })
            .collect::<Vec<_>>(),
    );
    let mut links = vec![link(&story.url, "alternate", Some("text/html"))];
    if let Some(image) = &story.image {
        links.push(link(&image.url, "enclosure", Some(&image.content_type)));
    }
    entry.set_links(links);
    if let Some(html) = &story.content_html {
        let mut content = Content::default();
        content.set_content_type(Some("html".to_owned()));
        content.set_value(Some(html.clone()));
        entry.set_content(Some(content));
    }
    entry
}
