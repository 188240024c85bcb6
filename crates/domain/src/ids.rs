//! Opaque identifiers: a kind prefix and a ULID (`art_01JD…`).
//!
//! The prefix lets `node(id)` and `/articles/{idOrSlug}` tell what an id names without a lookup
//! (slugs never contain `_`), and ULIDs sort by creation time, which keeps keyset tie-breaks and
//! index inserts local.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use crate::error::ValidationError;

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id for a new record.
            pub fn generate() -> Self {
                Self(Ulid::new())
            }

            /// An id whose time part is `unix_ms`, for records written with a back-dated creation
            /// time (imports, the synthetic corpus).
            pub fn generate_at(unix_ms: u64) -> Self {
                Self(Ulid::from_parts(unix_ms, rand_bits()))
            }

            /// Parses the public form, `prefix` + ULID.
            pub fn parse(input: &str) -> Result<Self, ValidationError> {
                input
                    .strip_prefix($prefix)
                    .and_then(|rest| Ulid::from_string(rest).ok())
                    .map(Self)
                    .ok_or_else(|| ValidationError::new("id", format!("not a valid {} id", $prefix.trim_end_matches('_'))))
            }

            /// Whether `input` looks like an id of this kind (as opposed to a slug).
            pub fn looks_like(input: &str) -> bool {
                input.starts_with($prefix)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Random bits for a ULID's lower 80 bits; a fresh v4-style value from the ULID generator.
fn rand_bits() -> u128 {
    Ulid::new().random()
}

prefixed_id!(
    /// Identifies an article (a story).
    ArticleId,
    "art_"
);
prefixed_id!(
    /// Identifies a section (a desk).
    SectionId,
    "sec_"
);
prefixed_id!(
    /// Identifies an author (a byline).
    AuthorId,
    "aut_"
);
prefixed_id!(
    /// Identifies a tag.
    TagId,
    "tag_"
);
prefixed_id!(
    /// Identifies an uploaded image.
    MediaId,
    "med_"
);
prefixed_id!(
    /// Identifies a newsroom account (a reporter, an editor or an admin).
    UserId,
    "usr_"
);
prefixed_id!(
    /// Identifies one saved version of a story.
    RevisionId,
    "rev_"
);
prefixed_id!(
    /// Identifies an entry in the audit trail.
    AuditEventId,
    "aud_"
);
prefixed_id!(
    /// Identifies a syndication partner (a site or aggregator with an API key).
    PartnerId,
    "ptn_"
);
prefixed_id!(
    /// Identifies a registered webhook endpoint.
    WebhookId,
    "whk_"
);
prefixed_id!(
    /// Identifies a reader's comment on a story.
    CommentId,
    "cmt_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_through_its_public_form() {
        let id = ArticleId::generate();
        let text = id.to_string();
        assert!(text.starts_with("art_"));
        assert_eq!(ArticleId::parse(&text).unwrap(), id);
    }

    #[test]
    fn an_id_of_another_kind_is_refused() {
        let section = SectionId::generate().to_string();
        assert!(ArticleId::parse(&section).is_err());
        assert!(ArticleId::parse("art_not-a-ulid").is_err());
        assert!(ArticleId::parse("").is_err());
    }

    #[test]
    fn back_dated_ids_sort_by_their_time() {
        let older = ArticleId::generate_at(1_000);
        let newer = ArticleId::generate_at(2_000);
        assert!(older < newer);
        assert!(older.to_string() < newer.to_string());
    }
}
