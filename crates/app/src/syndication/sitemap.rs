//! Sitemaps (sitemaps.org 0.9) and the Google News sitemap, written with quick-xml's writer so
//! every text and URL is escaped.

use chrono::{DateTime, FixedOffset};
use dateline_domain::text::into_xml_safe;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// The most URLs one sitemap may hold (sitemaps.org).
pub const MAX_URLS: u64 = 50_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// One story in an article sitemap.
#[derive(Debug, Clone)]
pub struct SitemapUrl {
    pub url: String,
    pub last_modified: DateTime<FixedOffset>,
}

/// One story in the news sitemap.
#[derive(Debug, Clone)]
pub struct NewsUrl {
    pub url: String,
    pub headline: String,
    pub published: DateTime<FixedOffset>,
}

/// Writing to a Vec cannot fail; the writer's Result only carries I/O errors. Every sitemap ends
/// here, so this is where characters XML cannot hold (in headlines stored before input was
/// checked) are dropped.
fn finish(writer: Writer<Vec<u8>>) -> String {
    into_xml_safe(String::from_utf8(writer.into_inner()).unwrap_or_default())
}

fn text(writer: &mut Writer<Vec<u8>>, name: &str, value: &str) {
    let _ = writer.write_event(Event::Start(BytesStart::new(name)));
    let _ = writer.write_event(Event::Text(BytesText::new(value)));
    let _ = writer.write_event(Event::End(BytesEnd::new(name)));
}

fn open(root: &str, namespaces: &[(&str, &str)]) -> Writer<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut start = BytesStart::new(root);
    for (name, value) in namespaces {
        start.push_attribute((*name, *value));
    }
    let _ = writer.write_event(Event::Start(start));
    writer
}

/// One sitemap as the index names it.
#[derive(Debug, Clone)]
pub struct IndexedSitemap {
    pub url: String,
    /// When its stories last changed; `None` for a sitemap that names none yet.
    pub last_modified: Option<DateTime<FixedOffset>>,
}

/// The index: each sitemap's address and when it last changed.
pub fn index(sitemaps: &[IndexedSitemap]) -> String {
    let mut writer = open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
    for sitemap in sitemaps {
        let _ = writer.write_event(Event::Start(BytesStart::new("sitemap")));
        text(&mut writer, "loc", &sitemap.url);
        if let Some(changed) = sitemap.last_modified {
            text(&mut writer, "lastmod", &changed.to_rfc3339());
        }
        let _ = writer.write_event(Event::End(BytesEnd::new("sitemap")));
    }
    let _ = writer.write_event(Event::End(BytesEnd::new("sitemapindex")));
    finish(writer)
}

/// An article sitemap.
pub fn urls(entries: &[SitemapUrl]) -> String {
    let mut writer = open("urlset", &[("xmlns", SITEMAP_NS)]);
    for entry in entries {
        let _ = writer.write_event(Event::Start(BytesStart::new("url")));
        text(&mut writer, "loc", &entry.url);
        text(&mut writer, "lastmod", &entry.last_modified.to_rfc3339());
        let _ = writer.write_event(Event::End(BytesEnd::new("url")));
    }
    let _ = writer.write_event(Event::End(BytesEnd::new("urlset")));
    finish(writer)
}

/// The Google News sitemap, naming the publication and its language.
pub fn news(publication: &str, language: &str, entries: &[NewsUrl]) -> String {
    let mut writer = open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]);
    for entry in entries {
        let _ = writer.write_event(Event::Start(BytesStart::new("url")));
        text(&mut writer, "loc", &entry.url);
        let _ = writer.write_event(Event::Start(BytesStart::new("news:news")));
        let _ = writer.write_event(Event::Start(BytesStart::new("news:publication")));
        text(&mut writer, "news:name", publication);
        text(&mut writer, "news:language", language);
        let _ = writer.write_event(Event::End(BytesEnd::new("news:publication")));
        text(
            &mut writer,
            "news:publication_date",
            &entry.published.to_rfc3339(),
        );
        text(&mut writer, "news:title", &entry.headline);
        let _ = writer.write_event(Event::End(BytesEnd::new("news:news")));
        let _ = writer.write_event(Event::End(BytesEnd::new("url")));
    }
    let _ = writer.write_event(Event::End(BytesEnd::new("urlset")));
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_escaped() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap_or_default();
        let xml = news(
            "데이트라인<뉴스>",
            "ko",
            &[NewsUrl {
                url: "https://news.example/a?x=1&y=2".into(),
                headline: "\"따옴표\" & <태그>".into(),
                published: at,
            }],
        );
        assert!(xml.contains("a?x=1&amp;y=2"), "{xml}");
        assert!(xml.contains("&lt;태그&gt;"), "{xml}");
        assert!(xml.contains("데이트라인&lt;뉴스&gt;"), "{xml}");
    }
}
