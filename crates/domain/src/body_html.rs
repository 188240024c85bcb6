//! Story bodies sent as HTML: sanitised with ammonia, then read (with scraper) into blocks.
//!
//! Sanitising drops scripts and styles with their content, every event handler and every URL
//! whose scheme is not http(s); what survives is read into the same blocks a body is stored as
//! (paragraphs, headings, images of our own media, quotes, embeds). Inline markup does not
//! survive, because blocks hold plain text — so nothing a client sends as HTML is ever echoed
//! back as HTML.

use ego_tree::NodeRef;
use scraper::{Html, Node};

use crate::body::{Block, Body};
use crate::error::ValidationError;
use crate::ids::MediaId;

type Handle<'a> = NodeRef<'a, Node>;

/// Sanitises `html` and reads it into a body.
pub fn body_from_html(html: &str) -> Result<Body, ValidationError> {
    let clean = ammonia::Builder::default()
        .add_tags(["iframe"])
        .add_tag_attributes("iframe", ["src"])
        .add_tag_attributes("img", ["data-media-id"])
        .add_allowed_classes("span", ["credit"])
        .add_allowed_classes("figure", ["embed"])
        .clean(html)
        .to_string();
    let fragment = Html::parse_fragment(&clean);
    let mut reader = Reader::default();
    reader.walk(*fragment.root_element());
    reader.flush();
    if reader.blocks.is_empty() {
        return Err(ValidationError::new(
            "bodyHtml",
            "nothing readable is left after sanitising",
        ));
    }
    Body::parse(reader.blocks).map_err(|err| ValidationError::new("bodyHtml", err.message))
}

fn tag(node: Handle<'_>) -> Option<String> {
    node.value()
        .as_element()
        .map(|element| element.name().to_ascii_lowercase())
}

fn attribute(node: Handle<'_>, wanted: &str) -> Option<String> {
    node.value()
        .as_element()
        .and_then(|element| element.attr(wanted))
        .map(str::to_owned)
}

fn has_class(node: Handle<'_>, class: &str) -> bool {
    attribute(node, "class").is_some_and(|classes| classes.split_whitespace().any(|c| c == class))
}

/// All the text under a node, with HTML's whitespace collapsed.
fn text_of(node: Handle<'_>) -> String {
    let mut raw = String::new();
    collect_text(node, &mut raw);
    collapse(&raw)
}

fn collect_text(node: Handle<'_>, out: &mut String) {
    match node.value() {
        Node::Text(text) => out.push_str(text),
        Node::Element(element) if element.name() == "br" => out.push(' '),
        _ => {
            for child in node.children() {
                collect_text(child, out);
            }
        }
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The media id an image points at: `data-media-id`, or an `/media/med_…/…` URL of ours.
fn media_id_of(img: Handle<'_>) -> Option<MediaId> {
    if let Some(id) = attribute(img, "data-media-id").and_then(|id| MediaId::parse(&id).ok()) {
        return Some(id);
    }
    let src = attribute(img, "src")?;
    src.split(['/', '?', '#'])
        .find(|segment| MediaId::looks_like(segment))
        .and_then(|segment| MediaId::parse(segment).ok())
}

fn is_http(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    /// Inline text waiting for the block it belongs to.
    pending: String,
}

impl Reader {
    fn flush(&mut self) {
        let text = collapse(&std::mem::take(&mut self.pending));
        if !text.is_empty() {
            self.blocks.push(Block::Paragraph { text });
        }
    }

    fn paragraph(&mut self, text: String) {
        self.flush();
        if !text.is_empty() {
            self.blocks.push(Block::Paragraph { text });
        }
    }

    fn walk(&mut self, node: Handle<'_>) {
        for child in node.children() {
            self.visit(child);
        }
    }

    fn visit(&mut self, node: Handle<'_>) {
        if let Node::Text(text) = node.value() {
            self.pending.push_str(text);
            return;
        }
        let Some(name) = tag(node) else {
            return self.walk(node);
        };
        match name.as_str() {
            "p" | "li" | "pre" | "dd" | "dt" | "caption" | "td" | "th" => {
                self.paragraph(text_of(node));
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let text = text_of(node);
                if !text.is_empty() {
                    let level = match name.as_str() {
                        "h1" | "h2" => 2,
                        "h3" => 3,
                        _ => 4,
                    };
                    self.blocks.push(Block::Heading { text, level });
                }
            }
            "blockquote" => self.quote(node),
            "figure" => self.figure(node),
            "img" => {
                self.flush();
                self.image(node, None, None);
            }
            "iframe" => {
                self.flush();
                if let Some(url) = attribute(node, "src").filter(|url| is_http(url)) {
                    self.blocks.push(Block::Embed { url });
                }
            }
            "br" => self.pending.push(' '),
            "div" | "section" | "article" | "header" | "footer" | "aside" | "main" | "ul"
            | "ol" | "dl" | "table" | "thead" | "tbody" | "tr" | "hgroup" | "details" => {
                self.flush();
                self.walk(node);
                self.flush();
            }
            _ => {
                let mut inline = String::new();
                collect_text(node, &mut inline);
                self.pending.push_str(&inline);
            }
        }
    }

    fn quote(&mut self, node: Handle<'_>) {
        self.flush();
        let mut text = Vec::new();
        let mut attribution = None;
        for child in node.children() {
            match tag(child).as_deref() {
                Some("footer" | "cite") => attribution = Some(text_of(child)),
                _ => text.push(text_of(child)),
            }
        }
        let text = collapse(&text.join(" "));
        if !text.is_empty() {
            self.blocks.push(Block::Quote {
                text,
                attribution: attribution.filter(|who| !who.is_empty()),
            });
        }
    }

    fn figure(&mut self, node: Handle<'_>) {
        self.flush();
        if has_class(node, "embed") {
            let link = find(node, "a").and_then(|a| attribute(a, "href"));
            if let Some(url) = link.filter(|url| is_http(url)) {
                self.blocks.push(Block::Embed { url });
            }
            return;
        }
        let (mut caption, mut credit) = (None, None);
        if let Some(figcaption) = find(node, "figcaption") {
            credit = find(figcaption, "span")
                .filter(|span| has_class(*span, "credit"))
                .map(text_of)
                .filter(|text| !text.is_empty());
            let mut text = String::new();
            for child in figcaption.children() {
                if !(tag(child).as_deref() == Some("span") && has_class(child, "credit")) {
                    collect_text(child, &mut text);
                }
            }
            let text = collapse(&text);
            let text = text.trim_start_matches('▲').trim();
            caption = (!text.is_empty()).then(|| text.to_owned());
        }
        if let Some(img) = find(node, "img") {
            self.image(img, caption, credit);
        } else if let Some(url) = find(node, "iframe")
            .and_then(|iframe| attribute(iframe, "src").filter(|url| is_http(url)))
        {
            self.blocks.push(Block::Embed { url });
        }
    }

    fn image(&mut self, img: Handle<'_>, caption: Option<String>, credit: Option<String>) {
        // Only images from the newsroom's own library become blocks; a foreign image has no
        // media record with the caption and credit a story must print.
        if let Some(media_id) = media_id_of(img) {
            let caption = caption.or_else(|| {
                attribute(img, "alt")
                    .map(|alt| collapse(&alt))
                    .filter(|alt| !alt.is_empty())
            });
            self.blocks.push(Block::Image {
                media_id,
                caption,
                credit,
            });
        }
    }
}

/// The first descendant element named `wanted`.
fn find<'a>(node: Handle<'a>, wanted: &str) -> Option<Handle<'a>> {
    for child in node.children() {
        if tag(child).as_deref() == Some(wanted) {
            return Some(child);
        }
        if let Some(found) = find(child, wanted) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(html: &str) -> Vec<Block> {
        body_from_html(html).unwrap().blocks().to_vec()
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_gone() {
        let body = body_from_html(
            "<p onclick=\"steal()\">부산 <a href=\"javascript:alert(1)\">트램</a> 착공</p>\
             <script>alert('xss')</script><style>p{}</style>\
             <img src=x onerror=alert(1)><iframe src=\"javascript:alert(2)\"></iframe>\
             <figure class=\"embed\"><a href=\"javascript:alert(3)\">x</a></figure>",
        )
        .unwrap();
        assert_eq!(
            body.blocks(),
            [Block::Paragraph {
                text: "부산 트램 착공".into()
            }]
        );
        let html = body.render_html(|_| String::new());
        for bad in ["script", "alert", "onclick", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn structure_becomes_blocks() {
        let media = MediaId::generate();
        let got = blocks(&format!(
            "<h1>큰 제목</h1><p>첫 문단<br>이어짐</p>loose text<h3>소제목</h3>\
             <blockquote><p>좋습니다</p><footer>시민</footer></blockquote>\
             <figure><img src=\"https://news.example/media/{media}/original\" alt=\"대체\">\
             <figcaption>▲ 착공식 <span class=\"credit\">부산시 제공</span></figcaption></figure>\
             <figure class=\"embed\"><a href=\"https://video.example/1\">영상</a></figure>\
             <ul><li>하나</li><li>둘</li></ul>"
        ));
        assert_eq!(
            got,
            vec![
                Block::Heading {
                    text: "큰 제목".into(),
                    level: 2
                },
                Block::Paragraph {
                    text: "첫 문단 이어짐".into()
                },
                Block::Paragraph {
                    text: "loose text".into()
                },
                Block::Heading {
                    text: "소제목".into(),
                    level: 3
                },
                Block::Quote {
                    text: "좋습니다".into(),
                    attribution: Some("시민".into())
                },
                Block::Image {
                    media_id: media,
                    caption: Some("착공식".into()),
                    credit: Some("부산시 제공".into())
                },
                Block::Embed {
                    url: "https://video.example/1".into()
                },
                Block::Paragraph {
                    text: "하나".into()
                },
                Block::Paragraph { text: "둘".into() },
            ]
        );
    }

    #[test]
    fn a_rendered_body_reads_back_as_the_same_blocks() {
        let media = MediaId::generate();
        let original = Body::parse(vec![
            Block::Paragraph {
                text: "R&D <2배>".into(),
            },
            Block::Image {
                media_id: media,
                caption: Some("사진".into()),
                credit: Some("제공".into()),
            },
            Block::Quote {
                text: "인용".into(),
                attribution: None,
            },
            Block::Embed {
                url: "https://video.example/2".into(),
            },
        ])
        .unwrap();
        let html = original.render_html(|id| format!("/media/{id}/original"));
        assert_eq!(body_from_html(&html).unwrap(), original);
    }

    #[test]
    fn html_with_nothing_readable_is_refused() {
        let err = body_from_html("<script>alert(1)</script>").unwrap_err();
        assert_eq!(err.field, "bodyHtml");
    }
}
