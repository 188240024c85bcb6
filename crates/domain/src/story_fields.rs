//! A story's own words — headline, subheadline, summary, source label, canonical address and
//! correction notes — and the rules a value must meet to become one.
//!
//! The rules are written once, here, and a new story is written through the same checked
//! [`FieldEdit`] as an edit of an old one, so the two cannot drift apart: a limit raised for one
//! is raised for both, and a summary left empty is made from the body either way.

use crate::article::{Article, Correction, parse_canonical_url, summary_from_text};
use crate::body::Body;
use crate::error::ValidationError;
use crate::status::Status;
use crate::text::Text;
use crate::time::Timestamp;

/// A text field a client writes, with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryField {
    Headline,
    Subheadline,
    Summary,
    SourceLabel,
    CanonicalUrl,
    Correction,
}

impl StoryField {
    /// The field's name in the client's words; REST and GraphQL spell it the same.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Headline => "headline",
            Self::Subheadline => "subheadline",
            Self::Summary => "summary",
            Self::SourceLabel => "sourceLabel",
            Self::CanonicalUrl => "canonicalUrl",
            Self::Correction => "correction",
        }
    }

    /// The longest value, in characters (what a reader sees, not bytes).
    pub const fn max_chars(self) -> usize {
        match self {
            Self::Headline => 300,
            Self::Subheadline => 500,
            Self::Summary | Self::Correction => 1_000,
            Self::SourceLabel => 100,
            Self::CanonicalUrl => 2_000,
        }
    }

    /// The value trimmed and through the text gate; empty means none.
    pub fn optional(self, value: Option<&str>) -> Result<Option<String>, ValidationError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let text = Text::parse(self.name(), value)?;
        let text = text.as_str().trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > self.max_chars() {
            return Err(ValidationError::new(
                self.name(),
                format!("must be at most {} characters", self.max_chars()),
            ));
        }
        Ok(Some(text.to_owned()))
    }

    /// A value the field cannot do without.
    pub fn required(self, value: &str) -> Result<String, ValidationError> {
        self.optional(Some(value))?.ok_or_else(|| {
            ValidationError::new(
                self.name(),
                format!("must be 1 to {} characters", self.max_chars()),
            )
        })
    }
}

/// What a client sends to change a story's own words. An absent field stays as it is;
/// `Some(None)` clears an optional one, and a cleared summary is made from the body again.
#[derive(Debug, Default, Clone)]
pub struct FieldEdit {
    pub headline: Option<String>,
    pub subheadline: Option<Option<String>>,
    pub summary: Option<Option<String>>,
    pub source_label: Option<Option<String>>,
    pub canonical_url: Option<Option<String>>,
    /// A new body, already parsed from blocks or HTML.
    pub body: Option<Body>,
}

impl FieldEdit {
    /// Checks every field against its rule.
    pub fn check(self) -> Result<CheckedFields, ValidationError> {
        Ok(CheckedFields {
            headline: self
                .headline
                .map(|headline| StoryField::Headline.required(&headline))
                .transpose()?,
            subheadline: checked(StoryField::Subheadline, self.subheadline)?,
            summary: checked(StoryField::Summary, self.summary)?,
            source_label: checked(StoryField::SourceLabel, self.source_label)?,
            canonical_url: checked(StoryField::CanonicalUrl, self.canonical_url)?
                .map(|url| url.as_deref().map(parse_canonical_url).transpose())
                .transpose()?,
            body: self.body,
        })
    }
}

/// A [`FieldEdit`] whose every field met its rule, ready to be written onto a story.
#[derive(Debug, Clone)]
pub struct CheckedFields {
    headline: Option<String>,
    subheadline: Option<Option<String>>,
    summary: Option<Option<String>>,
    source_label: Option<Option<String>>,
    canonical_url: Option<Option<String>>,
    body: Option<Body>,
}

impl CheckedFields {
    /// Writes the edit onto `article`. A new body brings its plain text and, unless a summary
    /// was sent, a summary made from it.
    pub fn apply(self, article: &mut Article) {
        if let Some(headline) = self.headline {
            article.headline = headline;
        }
        let body_changed = self.body.is_some();
        if let Some(body) = self.body {
            article.body_text = body.plain_text();
            article.body = body;
        }
        match self.summary {
            Some(Some(summary)) => article.summary = summary,
            Some(None) => article.summary = summary_from_text(&article.body_text),
            None if body_changed => article.summary = summary_from_text(&article.body_text),
            None => {}
        }
        if let Some(subheadline) = self.subheadline {
            article.subheadline = subheadline;
        }
        if let Some(source_label) = self.source_label {
            article.source_label = source_label;
        }
        if let Some(canonical_url) = self.canonical_url {
            article.canonical_url = canonical_url;
        }
    }
}

/// An optional field's edit, checked: absent stays absent, a blank value clears.
fn checked(
    field: StoryField,
    edit: Option<Option<String>>,
) -> Result<Option<Option<String>>, ValidationError> {
    edit.map(|value| field.optional(value.as_deref()))
        .transpose()
}

impl Correction {
    /// A public correction note for a story whose effective status is `status`: only a
    /// published story is corrected in public (an unpublished one is simply edited).
    pub fn new(note: &str, status: Status, at: Timestamp) -> Result<Self, ValidationError> {
        if status != Status::Published {
            return Err(ValidationError::new(
                StoryField::Correction.name(),
                "only a published story carries a correction note",
            ));
        }
        let note = StoryField::Correction
            .optional(Some(note))?
            .ok_or_else(|| {
                ValidationError::new(StoryField::Correction.name(), "must not be empty")
            })?;
        Ok(Self {
            note,
            corrected_at: at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Block;
    use crate::ids::{ArticleId, SectionId};
    use crate::slug::Slug;

    fn story() -> Article {
        let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        let body = Body::parse(vec![Block::Paragraph {
            text: "첫 문단입니다.".into(),
        }])
        .unwrap();
        Article {
            id: ArticleId::generate(),
            slug: Slug::parse("a-story").unwrap(),
            headline: "제목".into(),
            subheadline: Some("부제".into()),
            summary: "요약".into(),
            body_text: body.plain_text(),
            body,
            section_id: SectionId::generate(),
            lead_image_id: None,
            copyright: String::new(),
            source_label: None,
            canonical_url: None,
            status: Status::Draft,
            approved_at: None,
            published_at: None,
            created_at: at,
            updated_at: at,
            corrections: Vec::new(),
            version: 1,
            not_for_syndication: false,
            breaking_until: None,
        }
    }

    #[test]
    fn each_limit_counts_characters_and_names_its_field() {
        for field in [
            StoryField::Headline,
            StoryField::Subheadline,
            StoryField::Summary,
            StoryField::SourceLabel,
            StoryField::Correction,
        ] {
            let longest = "가".repeat(field.max_chars());
            assert_eq!(field.optional(Some(&longest)).unwrap(), Some(longest));
            let error = field
                .optional(Some(&"가".repeat(field.max_chars() + 1)))
                .unwrap_err();
            assert_eq!(error.field, field.name());
        }
    }

    #[test]
    fn text_is_trimmed_gated_and_blank_means_none() {
        let field = StoryField::Subheadline;
        assert_eq!(
            field.optional(Some("  부제 \r\n")).unwrap(),
            Some("부제".into())
        );
        assert_eq!(field.optional(Some(" \n ")).unwrap(), None);
        assert_eq!(field.optional(None).unwrap(), None);
        assert_eq!(
            field.optional(Some("a\u{0}b")).unwrap_err().field,
            "subheadline"
        );
        assert!(StoryField::Headline.required("   ").is_err());
    }

    #[test]
    fn an_absent_field_stays_and_a_cleared_one_goes() {
        let mut article = story();
        FieldEdit {
            subheadline: Some(None),
            source_label: Some(Some("[데이트라인뉴스]".into())),
            ..FieldEdit::default()
        }
        .check()
        .unwrap()
        .apply(&mut article);
        assert_eq!(article.headline, "제목");
        assert_eq!(article.summary, "요약");
        assert_eq!(article.subheadline, None);
        assert_eq!(article.source_label.as_deref(), Some("[데이트라인뉴스]"));
    }

    #[test]
    fn a_new_body_brings_its_summary_unless_one_is_sent() {
        let body = || {
            Body::parse(vec![Block::Paragraph {
                text: "새 본문입니다.".into(),
            }])
            .unwrap()
        };
        let mut article = story();
        FieldEdit {
            body: Some(body()),
            ..FieldEdit::default()
        }
        .check()
        .unwrap()
        .apply(&mut article);
        assert_eq!(article.summary, "새 본문입니다.");
        assert_eq!(article.body_text, "새 본문입니다.");

        let mut article = story();
        FieldEdit {
            body: Some(body()),
            summary: Some(Some("데스크 요약".into())),
            ..FieldEdit::default()
        }
        .check()
        .unwrap()
        .apply(&mut article);
        assert_eq!(article.summary, "데스크 요약");

        let mut article = story();
        FieldEdit {
            summary: Some(None),
            ..FieldEdit::default()
        }
        .check()
        .unwrap()
        .apply(&mut article);
        assert_eq!(article.summary, "첫 문단입니다.");
    }

    #[test]
    fn one_refused_field_refuses_the_edit() {
        let error = FieldEdit {
            headline: Some("새 제목".into()),
            canonical_url: Some(Some("javascript:alert(1)".into())),
            ..FieldEdit::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(error.field, "canonicalUrl");
    }

    #[test]
    fn only_a_published_story_is_corrected_in_public() {
        let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        assert!(Correction::new("오기 바로잡음", Status::Draft, at).is_err());
        assert!(Correction::new("  ", Status::Published, at).is_err());
        let note = Correction::new(" 오기 바로잡음 ", Status::Published, at).unwrap();
        assert_eq!(note.note, "오기 바로잡음");
    }
}
