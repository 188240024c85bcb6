//! Story bodies sent as HTML: sanitised with ammonia, then read (with scraper) into blocks.
//!
//! Sanitising drops scripts and styles with their content, every event handler and every URL
//! whose scheme is not http(s); what survives is read into the same blocks a body is stored as
//! (paragraphs, headings, images of our own media, quotes, embeds). Inline markup does not
//! survive, because blocks hold plain text — so nothing a client sends as HTML is ever echoed
//! back as HTML.
//!
//! Depth is bounded before anything else reads the HTML: a story nested deeper than
//! [`MAX_NESTING`] elements is refused (`TooDeep`), since 5,000 nested `<div>`s once overflowed a
//! worker's stack in a recursive reader and aborted the whole server. The depth is measured on
//! scraper's arena tree (flat, dropped without recursion), and the reader below walks with an
//! explicit stack, so no input can recurse deeper than the limit anywhere on this path.

use std::ops::Deref;

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use crate::body::{Block, Body};
use crate::error::ValidationError;
use crate::ids::MediaId;

type Handle<'a> = NodeRef<'a, Node>;

/// The deepest element nesting a body's HTML may have. Real stories nest a dozen or two deep
/// (WordPress exports included); ammonia's own tree and serialiser recurse with depth, and this
/// keeps them a long way inside a 2 MiB worker stack.
pub const MAX_NESTING: usize = 100;

/// Why HTML could not become a body. Both kinds carry the field (`bodyHtml`) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyHtmlError {
    /// Elements nested deeper than [`MAX_NESTING`]: refused unread.
    #[error("{0}")]
    TooDeep(ValidationError),
    /// The HTML was read but the body it makes breaks a rule.
    #[error("{0}")]
    Invalid(ValidationError),
}

impl Deref for BodyHtmlError {
    type Target = ValidationError;

    fn deref(&self) -> &ValidationError {
        match self {
            Self::TooDeep(err) | Self::Invalid(err) => err,
        }
    }
}

/// How deep elements nest under the fragment's root, counted without recursion; stops counting
/// once past `limit`.
fn nesting_depth(fragment: &Html, limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for edge in fragment.root_element().traverse() {
        match edge {
            Edge::Open(node) if node.value().is_element() => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    break;
                }
            }
            Edge::Close(node) if node.value().is_element() => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Sanitises `html` and reads it into a body.
pub fn body_from_html(html: &str) -> Result<Body, BodyHtmlError> {
    // Measured on the tree a browser would build (unclosed `<b>`s nest too), before ammonia.
    if nesting_depth(&Html::parse_fragment(html), MAX_NESTING) > MAX_NESTING {
        return Err(BodyHtmlError::TooDeep(ValidationError::new(
            "bodyHtml",
            format!("elements nest deeper than {MAX_NESTING} levels"),
        )));
    }
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
    reader.read(*fragment.root_element());
    reader.flush();
    if reader.blocks.is_empty() {
        return Err(BodyHtmlError::Invalid(ValidationError::new(
            "bodyHtml",
            "nothing readable is left after sanitising",
        )));
    }
    Body::parse(reader.blocks)
        .map_err(|err| BodyHtmlError::Invalid(ValidationError::new("bodyHtml", err.message)))
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

/// The text under a node in document order, `<br>` as a space; iterative, like every walk here.
fn collect_text(node: Handle<'_>, out: &mut String) {
    for inner in node.descendants() {
        match inner.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) if element.name() == "br" => out.push(' '),
            _ => {}
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

/// What the reader does next: read a node, or close a block-level container.
enum Step<'a> {
    Visit(Handle<'a>),
    Flush,
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

    /// Reads every node under `root` in document order with an explicit stack (children pushed
    /// in reverse), so depth costs heap, never call stack.
    fn read<'a>(&mut self, root: Handle<'a>) {
        let mut stack: Vec<Step<'a>> = root.children().rev().map(Step::Visit).collect();
        while let Some(step) = stack.pop() {
            match step {
                Step::Flush => self.flush(),
                Step::Visit(node) => self.visit(node, &mut stack),
            }
        }
    }

    fn visit<'a>(&mut self, node: Handle<'a>, stack: &mut Vec<Step<'a>>) {
        if let Node::Text(text) = node.value() {
            self.pending.push_str(text);
            return;
        }
        let Some(name) = tag(node) else {
            stack.extend(node.children().rev().map(Step::Visit));
            return;
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
                stack.push(Step::Flush);
                stack.extend(node.children().rev().map(Step::Visit));
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

/// The first descendant element named `wanted`, in document order.
fn find<'a>(node: Handle<'a>, wanted: &str) -> Option<Handle<'a>> {
    node.descendants()
        .skip(1)
        .find(|inner| tag(*inner).as_deref() == Some(wanted))
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

    /// Runs `job` on a thread with a tokio worker's stack (2 MiB), where the crash happened.
    fn on_a_worker_sized_stack<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(job)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn thousands_of_nested_elements_are_refused_as_too_deep_without_overflowing_a_stack() {
        let reproductions = [
            format!("{}부산{}", "<div>".repeat(5_000), "</div>".repeat(5_000)),
            format!("{}<li>부산{}", "<ul>".repeat(5_000), "</ul>".repeat(5_000)),
            format!("<p>{}부산</p>", "<b>".repeat(50_000)),
            format!("{}부산", "<blockquote>".repeat(20_000)),
            format!("{}부산", "<span>".repeat(100_000)),
        ];
        for html in reproductions {
            let result = on_a_worker_sized_stack(move || body_from_html(&html));
            assert!(
                matches!(&result, Err(BodyHtmlError::TooDeep(err)) if err.field == "bodyHtml"),
                "{result:?}"
            );
        }
    }

    #[test]
    fn html_nested_up_to_the_limit_is_read_on_a_worker_sized_stack() {
        // The fragment's own <html> element counts as one level.
        let depth = MAX_NESTING - 1;
        let html = format!(
            "{}부산 트램{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let body = on_a_worker_sized_stack(move || body_from_html(&html)).unwrap();
        assert_eq!(
            body.blocks(),
            [Block::Paragraph {
                text: "부산 트램".into()
            }]
        );
        let html = format!("{}부산", "<div>".repeat(MAX_NESTING));
        assert!(matches!(
            body_from_html(&html),
            Err(BodyHtmlError::TooDeep(_))
        ));
    }

    #[test]
    fn control_characters_in_html_text_are_refused() {
        let err = body_from_html("<p>부산\u{1}트램</p>").unwrap_err();
        assert!(matches!(err, BodyHtmlError::Invalid(_)));
        assert_eq!(err.field, "bodyHtml");
    }

    #[test]
    fn html_with_nothing_readable_is_refused() {
        let err = body_from_html("<script>alert(1)</script>").unwrap_err();
        assert_eq!(err.field, "bodyHtml");
    }
}
