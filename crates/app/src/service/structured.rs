//! Structured documents of one story: schema.org NewsArticle JSON-LD for search engines, and an
//! IPTC ninjs 2.4 export for partners and archives. Both are built from what a public reader
//! may see of the story.

use dateline_domain::{Crop, RenditionSize};
use serde_json::{Value, json};

use crate::presentation::article_url;
use crate::service::articles::ArticleRecord;
use crate::service::audience::Audience;
use crate::service::media::{body_html, original_url, renditions};
use crate::settings::Settings;

/// The crops search engines ask for, widest first.
const JSON_LD_CROPS: [Crop; 3] = [Crop::Wide, Crop::Standard, Crop::Square];

/// A schema.org `NewsArticle`: headline, images in 16:9, 4:3 and 1:1, publication and
/// modification times, authors, publisher (with its logo) and copyright holder.
pub fn json_ld(settings: &Settings, record: &ArticleRecord) -> Value {
    let article = &record.article;
    let url = article_url(settings, record);
    let images: Vec<String> = record
        .lead_image
        .as_ref()
        .map(|media| {
            let all = renditions(settings, media);
            JSON_LD_CROPS
                .iter()
                .filter_map(|crop| {
                    all.iter()
                        .find(|r| r.preset.crop == *crop && r.preset.size == RenditionSize::Large)
                        .map(|r| r.jpeg_url.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let logo = &settings.publisher.logo;
    let mut logo_object = json!({"@type": "ImageObject", "url": logo.url.as_str()});
    if let Some((width, height)) = logo.size {
        logo_object["width"] = width.into();
        logo_object["height"] = height.into();
    }
    let newsroom = json!({
        "@type": "NewsMediaOrganization",
        "name": settings.publisher.name,
        "url": settings.absolute("/"),
        "logo": logo_object,
    });
    json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.headline,
        "alternativeHeadline": article.subheadline,
        "description": article.summary,
        "image": images,
        "datePublished": article.published_at.map(|at| settings.local_time(at).to_rfc3339()),
        "dateModified": settings.local_time(article.updated_at).to_rfc3339(),
        "author": record.authors.iter().map(|author| json!({
            "@type": "Person",
            "name": author.name,
            "jobTitle": author.role,
            "url": settings.absolute(&format!("/authors/{}", author.slug)),
        })).collect::<Vec<_>>(),
        "publisher": newsroom,
        "copyrightHolder": newsroom,
        "copyrightNotice": article.copyright,
        "articleSection": record.section.as_ref().map(|s| s.name.clone()),
        "keywords": record.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "inLanguage": "ko",
        "isAccessibleForFree": true,
    })
}

/// The ninjs version every document declares and is checked against (`tests/e2e/fixtures/ninjs`).
pub const NINJS_VERSION: &str = "2.4";

/// The official IPTC schema of [`NINJS_VERSION`], named in each document's `standard`.
pub const NINJS_SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_2.4.json";

/// An IPTC ninjs 2.4 document; the body only when the audience may have it.
///
/// The schema refuses any property it does not name (so no `$schema`: the version travels in
/// `standard`) and any `null`, so optional values are left out rather than written empty.
pub fn ninjs(settings: &Settings, record: &ArticleRecord, audience: &Audience) -> Value {
    let article = &record.article;
    let full = audience.may_have_full_text(article);
    let mut document = json!({
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
        "uri": uri(article_url(settings, record)),
        "type": "text",
        // `partial` tells a partner that the body was held back, not that the story has none.
        "representationtype": if full { "full" } else { "partial" },
        "version": article.version.to_string(),
        "firstcreated": settings.local_time(article.created_at).to_rfc3339(),
        "versioncreated": settings.local_time(article.updated_at).to_rfc3339(),
        "pubstatus": "usable",
        "language": "ko",
        "headlines": [{"value": article.headline, "contenttype": "text/plain"}],
        "descriptions": [{"value": article.summary, "role": "summary", "contenttype": "text/plain"}],
        "subjects": record.section.iter()
            .map(|s| json!({"name": s.name, "rel": "section", "uri": uri(settings.absolute(&format!("/sections/{}", s.slug)))}))
            .chain(record.tags.iter().map(|t| json!({"name": t.name, "rel": "tag", "literal": t.slug.as_str()})))
            .collect::<Vec<_>>(),
        "copyrightholder": settings.publisher.name,
        "copyrightnotice": article.copyright,
        "usageterms": if full { "full text" } else { "summary only" },
    });
    if let Some(published_at) = article.published_at {
        document["contentcreated"] = json!(settings.local_time(published_at).to_rfc3339());
    }
    if let Some(subheadline) = &article.subheadline
        && let Some(headlines) = document["headlines"].as_array_mut()
    {
        headlines.push(
            json!({"value": subheadline, "role": "subheadline", "contenttype": "text/plain"}),
        );
    }
    // ninjs 2.x has no structured byline: `by` is the printed credit line, `people` names each
    // author with the relation `author`, linked to their page.
    if !record.authors.is_empty() {
        let by: Vec<String> = record.authors.iter().map(|a| a.byline()).collect();
        document["by"] = json!(by.join(", "));
        document["people"] = record
            .authors
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "rel": "author",
                    "literal": a.slug.as_str(),
                    "uri": uri(settings.absolute(&format!("/authors/{}", a.slug))),
                })
            })
            .collect();
    }
    if full {
        document["bodies"] = json!([
            {"role": "main", "contenttype": "text/html", "value": body_html(settings, article)},
            {"role": "main", "contenttype": "text/plain", "value": article.body_text},
        ]);
    }
    if let Some(media) = &record.lead_image {
        let mut image = json!({
            "name": "leadImage",
            "type": "picture",
            "uri": uri(original_url(settings, media.id)),
            "renditions": renditions(settings, media).into_iter()
                .map(|r| json!({"name": r.preset.name(), "href": uri(r.jpeg_url), "width": r.width, "height": r.height, "contenttype": "image/jpeg"}))
                .collect::<Vec<_>>(),
        });
        if let Some(caption) = &media.caption {
            image["headlines"] = json!([{"value": caption}]);
        }
        // ninjs has no credit line of its own; `by` is its statement of who made the picture.
        if let Some(credit) = &media.credit {
            image["by"] = json!(credit);
        }
        document["associations"] = json!([image]);
    }
    document
}

/// `address` as a URI: the schema's `uri` format is RFC 3986, which allows no Hangul, so a
/// Korean slug is percent-encoded (the same address a browser sends). Left as it is in the
/// unexpected case that it does not parse, rather than failing the whole document.
fn uri(address: String) -> String {
    url::Url::parse(&address).map_or(address, String::from)
}
