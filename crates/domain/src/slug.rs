//! Slugs: the readable, URL-safe names of articles, sections, authors and tags.
//!
//! Korean newsrooms title stories in Hangul, so Hangul syllables are allowed as they are (browsers
//! show them decoded) alongside lowercase ASCII letters, digits and single hyphens. `_` is never
//! allowed, which keeps slugs and prefixed ids apart.

use std::fmt;

use crate::error::ValidationError;
use crate::ids::ArticleId;

/// The longest slug, in characters.
pub const MAX_SLUG_CHARS: usize = 120;

/// A valid slug.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn is_slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || is_hangul_syllable(c)
}

impl Slug {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = |why: &str| ValidationError::new("slug", why.to_string());
        if input.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if input.chars().count() > MAX_SLUG_CHARS {
            return Err(invalid("must be at most 120 characters"));
        }
        if !input.chars().all(|c| is_slug_char(c) || c == '-') {
            return Err(invalid(
                "may hold only lowercase letters, digits, Hangul syllables and hyphens",
            ));
        }
        if input.starts_with('-') || input.ends_with('-') || input.contains("--") {
            return Err(invalid(
                "hyphens must separate words: none at the ends, never two in a row",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// Makes a slug from a headline or a name: letters and syllables kept, everything else a
    /// word break. `None` when nothing usable is left (a headline of only punctuation), so the
    /// caller can fall back to an id-based slug.
    pub fn from_title(title: &str) -> Option<Self> {
        const LIMIT: usize = 80;
        let mut slug = String::new();
        let mut length = 0;
        let mut pending_break = false;
        for c in title.chars().flat_map(char::to_lowercase) {
            if !is_slug_char(c) {
                pending_break = true;
                continue;
            }
            let hyphen = pending_break && !slug.is_empty();
            if length + usize::from(hyphen) + 1 > LIMIT {
                break;
            }
            if hyphen {
                slug.push('-');
                length += 1;
            }
            pending_break = false;
            slug.push(c);
            length += 1;
        }
        Self::parse(&slug).ok()
    }

    /// `story-` and the lowercase tail of a story's id, for a story whose headline gives no
    /// slug. Always valid: an id's tail is ASCII letters and digits.
    pub fn for_story(id: ArticleId) -> Self {
        let tail = id.to_string();
        let tail = tail.trim_start_matches(ArticleId::PREFIX).to_lowercase();
        Self(format!("story-{tail}"))
    }

    /// This slug with a numeric suffix (`부산-트램-2`), to make it unique.
    pub fn with_suffix(&self, n: u32) -> Self {
        Self(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_ascii_slugs_are_accepted() {
        assert!(Slug::parse("부산-수소트램-착공").is_ok());
        assert!(Slug::parse("politics").is_ok());
        assert!(Slug::parse("r-d-2026").is_ok());
    }

    #[test]
    fn malformed_slugs_are_refused() {
        for bad in [
            "", "Politics", "a--b", "-a", "a-", "a_b", "a b", "a/b", "%2e%2e",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(Slug::parse(&"가".repeat(121)).is_err());
    }

    #[test]
    fn headlines_become_slugs() {
        let slug = Slug::from_title("부산시, “수소 트램” 착공… R&D 예산 2배").unwrap();
        assert_eq!(slug.as_str(), "부산시-수소-트램-착공-r-d-예산-2배");
    }

    #[test]
    fn a_headline_of_punctuation_has_no_slug() {
        assert!(Slug::from_title("“…!?”").is_none());
    }

    #[test]
    fn long_headlines_are_cut_at_eighty_characters() {
        let slug = Slug::from_title(&"가나다 ".repeat(40)).unwrap();
        assert!(slug.as_str().chars().count() <= 80);
        assert!(!slug.as_str().ends_with('-'));
    }
}
