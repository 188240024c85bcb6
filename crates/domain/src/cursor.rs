//! Keyset cursors for story lists: an opaque encoding of the last item's (publishedAt, id).
//!
//! Lists are ordered newest first by (publishedAt, id). A cursor names a position in that order
//! rather than an offset, so stories published while a reader pages never shift the next page:
//! nothing repeats and nothing is skipped.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ValidationError;
use crate::ids::ArticleId;
use crate::time::Timestamp;

/// A position in a newest-first story list: the list continues with items strictly older.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleCursor {
    pub published_at: Timestamp,
    pub id: ArticleId,
}

/// Versioned so the encoding can change without breaking cursors clients hold.
const VERSION: &str = "v1";

impl ArticleCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{VERSION}:{}:{}",
            self.published_at.unix_seconds(),
            self.id
        ))
    }

    pub fn decode(input: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("cursor", "not a cursor this API issued");
        let bytes = URL_SAFE_NO_PAD.decode(input).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = text.splitn(3, ':');
        let (Some(VERSION), Some(seconds), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let published_at = seconds
            .parse()
            .ok()
            .and_then(Timestamp::from_unix_seconds)
            .ok_or_else(invalid)?;
        let id = ArticleId::parse(id).map_err(|_| invalid())?;
        Ok(Self { published_at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let cursor = ArticleCursor {
            published_at: Timestamp::parse_rfc3339("2026-11-30T09:00:00+09:00").unwrap(),
            id: ArticleId::generate(),
        };
        assert_eq!(ArticleCursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for garbage in [
            "",
            "abc",
            "!!!",
            "djE6eDp5",
            &URL_SAFE_NO_PAD.encode("v2:1:art_x"),
        ] {
            let err = ArticleCursor::decode(garbage).unwrap_err();
            assert_eq!(err.field, "cursor");
        }
    }
}
