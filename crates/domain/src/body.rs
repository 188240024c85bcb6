//! Article bodies: an ordered list of blocks, and the two renderings derived from them.
//!
//! Blocks are the source of truth. `bodyHtml` and the plain text are derived from them: the plain
//! text once when a story is saved (summaries and search need it), the HTML when a response is
//! rendered, because image blocks point at media URLs that depend on where the API is served.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute, encode_text};

use crate::error::ValidationError;
use crate::ids::MediaId;
use crate::text::Text;

/// One block of a story's body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Block {
    Paragraph {
        text: String,
    },
    Heading {
        text: String,
        level: u8,
    },
    Image {
        #[serde(rename = "mediaId")]
        media_id: MediaId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credit: Option<String>,
    },
    Quote {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribution: Option<String>,
    },
    Embed {
        url: String,
    },
}

/// The longest text a single block may carry, in characters.
pub const MAX_BLOCK_CHARS: usize = 20_000;
/// The most blocks one body may have.
pub const MAX_BLOCKS: usize = 500;

/// A valid story body.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Body(Vec<Block>);

impl Body {
    /// Checks every block: text present and bounded and free of control characters (line ends
    /// unified, see [`Text`]), heading levels 2–4, embeds on http(s).
    pub fn parse(mut blocks: Vec<Block>) -> Result<Self, ValidationError> {
        if blocks.len() > MAX_BLOCKS {
            return Err(ValidationError::new(
                "body",
                format!("at most {MAX_BLOCKS} blocks"),
            ));
        }
        for (index, block) in blocks.iter_mut().enumerate() {
            check_block(block)
                .map_err(|message| ValidationError::new(format!("body[{index}]"), message))?;
        }
        Ok(Self(blocks))
    }

    pub fn blocks(&self) -> &[Block] {
        &self.0
    }

    /// Ids of the images the body shows, in order.
    pub fn media_ids(&self) -> impl Iterator<Item = MediaId> + '_ {
        self.0.iter().filter_map(|block| match block {
            Block::Image { media_id, .. } => Some(*media_id),
            _ => None,
        })
    }

    /// The readable text: paragraphs, headings and quotes, separated by blank lines.
    pub fn plain_text(&self) -> String {
        let mut parts = Vec::with_capacity(self.0.len());
        for block in &self.0 {
            match block {
                Block::Paragraph { text } | Block::Heading { text, .. } => parts.push(text.clone()),
                Block::Quote { text, attribution } => match attribution {
                    Some(who) => parts.push(format!("“{text}” — {who}")),
                    None => parts.push(format!("“{text}”")),
                },
                Block::Image { .. } | Block::Embed { .. } => {}
            }
        }
        parts.join("\n\n")
    }

    /// Renders the body as HTML. Every piece of text is escaped; `image_url` says where a
    /// media item is served. Captions follow the newsroom convention of a leading ▲.
    pub fn render_html(&self, image_url: impl Fn(&MediaId) -> String) -> String {
        let mut html = String::new();
        for block in &self.0 {
            // Writing to a String cannot fail.
            let _ = match block {
                Block::Paragraph { text } => write!(html, "<p>{}</p>", encode_text(text)),
                Block::Heading { text, level } => {
                    write!(html, "<h{level}>{}</h{level}>", encode_text(text))
                }
                Block::Image {
                    media_id,
                    caption,
                    credit,
                } => {
                    let src = image_url(media_id);
                    let alt = caption.as_deref().unwrap_or_default();
                    let _ = write!(
                        html,
                        "<figure><img src=\"{}\" alt=\"{}\">",
                        encode_double_quoted_attribute(&src),
                        encode_double_quoted_attribute(alt)
                    );
                    if caption.is_some() || credit.is_some() {
                        html.push_str("<figcaption>");
                        if let Some(caption) = caption {
                            let _ = write!(html, "▲ {}", encode_text(caption));
                        }
                        if let Some(credit) = credit {
                            let _ = write!(
                                html,
                                " <span class=\"credit\">{}</span>",
                                encode_text(credit)
                            );
                        }
                        html.push_str("</figcaption>");
                    }
                    write!(html, "</figure>")
                }
                Block::Quote { text, attribution } => {
                    let _ = write!(html, "<blockquote><p>{}</p>", encode_text(text));
                    if let Some(who) = attribution {
                        let _ = write!(html, "<footer>{}</footer>", encode_text(who));
                    }
                    write!(html, "</blockquote>")
                }
                Block::Embed { url } => write!(
                    html,
                    "<figure class=\"embed\"><a href=\"{}\">{}</a></figure>",
                    encode_double_quoted_attribute(url),
                    encode_text(url)
                ),
            };
        }
        html
    }
}

/// Every text a block carries passes the one text gate; it may rewrite line ends.
fn clean(text: &mut String) -> Result<(), String> {
    *text = Text::parse("text", text)
        .map_err(|err| err.message)?
        .into_string();
    Ok(())
}

fn clean_optional(text: &mut Option<String>) -> Result<(), String> {
    text.as_mut().map_or(Ok(()), clean)
}

fn check_text(text: &mut String) -> Result<(), String> {
    clean(text)?;
    if text.trim().is_empty() {
        return Err("text must not be empty".into());
    }
    if text.chars().count() > MAX_BLOCK_CHARS {
        return Err(format!("text must be at most {MAX_BLOCK_CHARS} characters"));
    }
    Ok(())
}

fn check_block(block: &mut Block) -> Result<(), String> {
    match block {
        Block::Paragraph { text } => check_text(text),
        Block::Quote { text, attribution } => {
            check_text(text)?;
            clean_optional(attribution)
        }
        Block::Heading { text, level } => {
            if !(2..=4).contains(level) {
                return Err("heading level must be 2, 3 or 4".into());
            }
            check_text(text)
        }
        Block::Image {
            caption, credit, ..
        } => {
            clean_optional(caption)?;
            clean_optional(credit)
        }
        Block::Embed { url } => match clean(url).map(|()| url::Url::parse(url)) {
            Err(message) => Err(message),
            Ok(Ok(parsed)) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
            _ => Err("embed url must be an absolute http(s) URL".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> Result<Body, ValidationError> {
        Body::parse(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn every_block_kind_parses_from_its_wire_shape() {
        let media = MediaId::generate();
        let parsed = body(serde_json::json!([
            {"type": "paragraph", "text": "첫 문단"},
            {"type": "heading", "text": "소제목", "level": 2},
            {"type": "image", "mediaId": media.to_string(), "caption": "부산항", "credit": "부산시 제공"},
            {"type": "quote", "text": "좋습니다", "attribution": "시민"},
            {"type": "embed", "url": "https://example.com/v"}
        ]))
        .unwrap();
        assert_eq!(parsed.blocks().len(), 5);
        assert_eq!(parsed.media_ids().collect::<Vec<_>>(), vec![media]);
    }

    #[test]
    fn bad_blocks_are_refused_with_their_position() {
        let err = body(serde_json::json!([
            {"type": "paragraph", "text": "ok"},
            {"type": "heading", "text": "h", "level": 7}
        ]))
        .unwrap_err();
        assert_eq!(err.field, "body[1]");
        assert!(body(serde_json::json!([{"type": "paragraph", "text": "  "}])).is_err());
        assert!(
            body(serde_json::json!([{"type": "embed", "url": "javascript:alert(1)"}])).is_err()
        );
    }

    #[test]
    fn html_rendering_escapes_every_text() {
        let parsed = body(serde_json::json!([
            {"type": "paragraph", "text": "R&D <script>alert(1)</script>"},
            {"type": "quote", "text": "\"인용\"", "attribution": "A<B"}
        ]))
        .unwrap();
        let html = parsed.render_html(|_| String::new());
        assert_eq!(
            html,
            "<p>R&amp;D &lt;script&gt;alert(1)&lt;/script&gt;</p><blockquote><p>\"인용\"</p><footer>A&lt;B</footer></blockquote>"
        );
    }

    #[test]
    fn images_render_as_figures_with_the_caption_convention() {
        let media = MediaId::generate();
        let parsed = body(serde_json::json!([
            {"type": "image", "mediaId": media.to_string(), "caption": "부산항 전경", "credit": "부산시 제공"}
        ]))
        .unwrap();
        let html = parsed.render_html(|id| format!("https://cdn.example/{id}.jpg"));
        assert_eq!(
            html,
            format!(
                "<figure><img src=\"https://cdn.example/{media}.jpg\" alt=\"부산항 전경\"><figcaption>▲ 부산항 전경 <span class=\"credit\">부산시 제공</span></figcaption></figure>"
            )
        );
    }

    #[test]
    fn plain_text_keeps_words_and_drops_media() {
        let parsed = body(serde_json::json!([
            {"type": "paragraph", "text": "하나"},
            {"type": "embed", "url": "https://example.com"},
            {"type": "quote", "text": "둘", "attribution": "셋"}
        ]))
        .unwrap();
        assert_eq!(parsed.plain_text(), "하나\n\n“둘” — 셋");
    }
}
