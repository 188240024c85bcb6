//! Structured documents of one story: schema.org NewsArticle JSON-LD for search engines, and an
//! IPTC ninjs 2.0 export for partners and archives. Both are built from what a public reader
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
/// modification times, authors, publisher and copyright holder.
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
    let newsroom = json!({
        "@type": "NewsMediaOrganization",
        "name": settings.publisher.name,
        "url": settings.absolute("/"),
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

/// An IPTC ninjs 2.0 document; the body only when the audience may have it.
pub fn ninjs(settings: &Settings, record: &ArticleRecord, audience: &Audience) -> Value {
    let article = &record.article;
    let full = audience.may_have_full_text(article);
    let mut document = json!({
        "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json",
        "uri": article_url(settings, record),
        "type": "text",
        "representationtype": "complete",
        "version": article.version.to_string(),
        "firstcreated": settings.local_time(article.created_at).to_rfc3339(),
        "versioncreated": settings.local_time(article.updated_at).to_rfc3339(),
        "contentcreated": article.published_at.map(|at| settings.local_time(at).to_rfc3339()),
        "pubstatus": "usable",
        "language": "ko",
        "headlines": [{"value": article.headline, "contenttype": "text/plain"}],
        "descriptions": [{"value": article.summary, "role": "summary", "contenttype": "text/plain"}],
        "bylines": record.authors.iter().map(|a| json!({"byline": a.byline(), "role": a.role})).collect::<Vec<_>>(),
        "subjects": record.section.iter().map(|s| json!({"name": s.name, "uri": settings.absolute(&format!("/sections/{}", s.slug))}))
            .chain(record.tags.iter().map(|t| json!({"name": t.name})))
            .collect::<Vec<_>>(),
        "copyrightholder": settings.publisher.name,
        "copyrightnotice": article.copyright,
        "usageterms": if full { "full text" } else { "summary only" },
    });
    if let Some(subheadline) = &article.subheadline
        && let Some(headlines) = document["headlines"].as_array_mut()
    {
        headlines.push(
            json!({"value": subheadline, "role": "subheadline", "contenttype": "text/plain"}),
        );
    }
    if full {
        document["bodies"] = json!([
            {"role": "main", "contenttype": "text/html", "value": body_html(settings, article)},
            {"role": "main", "contenttype": "text/plain", "value": article.body_text},
        ]);
    }
    if let Some(media) = &record.lead_image {
        document["associations"] = json!([{
            "name": "leadImage",
            "type": "picture",
            "uri": original_url(settings, media.id),
            "headlines": media.caption.iter().map(|c| json!({"value": c})).collect::<Vec<_>>(),
            "creditline": media.credit,
            "renditions": renditions(settings, media).into_iter()
                .map(|r| json!({"name": r.preset.name(), "href": r.jpeg_url, "width": r.width, "height": r.height, "contenttype": "image/jpeg"}))
                .collect::<Vec<_>>(),
        }]);
    }
    document
}
