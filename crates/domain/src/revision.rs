//! Revisions: every save of a story keeps what it said, who saved it and when, and any two
//! revisions can be compared field by field, the body line by line.

use serde_json::Value;
use similar::TextDiff;

use crate::article::{Article, Correction};
use crate::body::{Block, Body};
use crate::ids::{ArticleId, AuthorId, MediaId, RevisionId, SectionId, TagId, UserId};
use crate::time::Timestamp;

/// What a story said at one save: everything an editor can change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryContent {
    pub headline: String,
    pub subheadline: Option<String>,
    pub summary: String,
    pub body: Vec<Block>,
    pub section_id: SectionId,
    pub author_ids: Vec<AuthorId>,
    pub tag_ids: Vec<TagId>,
    pub lead_image_id: Option<MediaId>,
    pub source_label: Option<String>,
    pub canonical_url: Option<String>,
    pub status: String,
    pub published_at: Option<Timestamp>,
    pub corrections: Vec<Correction>,
}

impl StoryContent {
    pub fn of(article: &Article, author_ids: &[AuthorId], tag_ids: &[TagId]) -> Self {
        Self {
            headline: article.headline.clone(),
            subheadline: article.subheadline.clone(),
            summary: article.summary.clone(),
            body: article.body.blocks().to_vec(),
            section_id: article.section_id,
            author_ids: author_ids.to_vec(),
            tag_ids: tag_ids.to_vec(),
            lead_image_id: article.lead_image_id,
            source_label: article.source_label.clone(),
            canonical_url: article.canonical_url.clone(),
            status: article.status.as_str().to_owned(),
            published_at: article.published_at,
            corrections: article.corrections.clone(),
        }
    }

    /// The body as readable text, one paragraph per line, for line diffs.
    fn body_lines(&self) -> String {
        let mut text = Body::parse(self.body.clone())
            .map(|body| body.plain_text().replace("\n\n", "\n"))
            .unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One saved version of a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: RevisionId,
    pub article_id: ArticleId,
    /// The story's version number after this save.
    pub version: i32,
    /// What the save did: `created`, `edited`, `submitted`, `approved`, …
    pub action: String,
    /// Who saved it; `None` for imported stories.
    pub editor: Option<UserId>,
    pub saved_at: Timestamp,
    pub content: StoryContent,
}

/// One field that differs between two revisions.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// How two revisions differ.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionDiff {
    /// Every changed field except the body, as before/after values.
    pub fields: Vec<FieldChange>,
    /// The body's text as a unified diff; empty when the text is unchanged.
    pub body: String,
}

/// Compares two revisions of a story, `from` the older.
pub fn diff(from: &Revision, to: &Revision) -> RevisionDiff {
    let as_map = |content: &StoryContent| match serde_json::to_value(content) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (as_map(&from.content), as_map(&to.content));
    let fields = after
        .iter()
        .filter(|(field, _)| field.as_str() != "body")
        .filter_map(|(field, new)| {
            let old = before.get(field).cloned().unwrap_or(Value::Null);
            (old != *new).then(|| FieldChange {
                field: field.clone(),
                before: old,
                after: new.clone(),
            })
        })
        .collect();
    let (old_text, new_text) = (from.content.body_lines(), to.content.body_lines());
    let body = if old_text == new_text {
        String::new()
    } else {
        TextDiff::from_lines(&old_text, &new_text)
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("version {}", from.version),
                &format!("version {}", to.version),
            )
            .to_string()
    };
    RevisionDiff { fields, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(version: i32, headline: &str, paragraphs: &[&str]) -> Revision {
        Revision {
            id: RevisionId::generate(),
            article_id: ArticleId::generate(),
            version,
            action: "edited".into(),
            editor: None,
            saved_at: Timestamp::from_unix_seconds(1_800_000_000).unwrap(),
            content: StoryContent {
                headline: headline.into(),
                subheadline: None,
                summary: String::new(),
                body: paragraphs
                    .iter()
                    .map(|text| Block::Paragraph {
                        text: (*text).into(),
                    })
                    .collect(),
                section_id: SectionId::generate(),
                author_ids: Vec::new(),
                tag_ids: Vec::new(),
                lead_image_id: None,
                source_label: None,
                canonical_url: None,
                status: "DRAFT".into(),
                published_at: None,
                corrections: Vec::new(),
            },
        }
    }

    #[test]
    fn a_diff_names_changed_fields_and_body_lines() {
        let mut before = revision(1, "부산 트램 착공", &["첫 문단", "둘째 문단"]);
        let mut after = revision(2, "부산 수소트램 착공", &["첫 문단", "고친 둘째 문단"]);
        after.content.section_id = before.content.section_id;
        before.content.status = "DRAFT".into();
        let diff = diff(&before, &after);
        assert_eq!(diff.fields.len(), 1, "{:?}", diff.fields);
        assert_eq!(diff.fields[0].field, "headline");
        assert_eq!(diff.fields[0].after, Value::from("부산 수소트램 착공"));
        assert!(diff.body.contains("-둘째 문단"), "{}", diff.body);
        assert!(diff.body.contains("+고친 둘째 문단"), "{}", diff.body);
        assert!(diff.body.starts_with("--- version 1\n+++ version 2"));
    }

    #[test]
    fn identical_revisions_have_an_empty_diff() {
        let one = revision(1, "같다", &["본문"]);
        let mut two = one.clone();
        two.version = 2;
        let diff = diff(&one, &two);
        assert!(diff.fields.is_empty());
        assert!(diff.body.is_empty());
    }
}
