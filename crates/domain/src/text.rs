//! Free text from outside: the one gate every text field passes on its way in (control
//! characters refused, line ends unified) and the one filter XML writers pass text through on
//! its way out.
//!
//! A C0 control character other than tab and newline has no business in a headline, a caption
//! or a name: NUL cannot be stored by PostgreSQL (a 500), and U+0001…U+001F except tab, newline
//! and carriage return are not XML characters at all, so one of them in a published headline
//! made RSS, Atom and the news sitemap ill-formed for every reader. A carriage return is not
//! refused but becomes a newline: browsers' forms send CRLF, and refusing what a textarea sends
//! would only punish the people typing.

use std::borrow::Cow;

use crate::error::ValidationError;

/// Text that holds no character [`Text::parse`] refuses; line ends are `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    /// Checks `input` for the field named `field` (in the client's words): CRLF and a lone CR
    /// become LF; any other C0 control character but tab, and the non-characters U+FFFE and
    /// U+FFFF (also outside XML), are refused. Length and trimming stay each field's own rule.
    pub fn parse(field: &str, input: &str) -> Result<Self, ValidationError> {
        if let Some(bad) = input.chars().find(|c| is_refused(*c)) {
            return Err(ValidationError::new(
                field,
                format!(
                    "must not hold control characters (found U+{:04X})",
                    u32::from(bad)
                ),
            ));
        }
        let text = if input.contains('\r') {
            input.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            input.to_owned()
        };
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether [`Text::parse`] refuses `c` (carriage return is turned into a newline instead).
pub fn is_refused(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` without the characters XML 1.0 cannot hold, for every writer of XML: rows stored before
/// [`Text::parse`] guarded input may still hold them, and one would make a whole feed unreadable.
/// Borrowed when there is nothing to drop, which is almost always.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

/// Characters that render as nothing, or as blank space a letter would fill, or that reorder
/// text: zero-width spaces and joiners, bidi controls, the soft hyphen, the byte-order mark and
/// the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), which are letters to Unicode and so slip
/// between the letters of a banned word. Variation selectors and tag characters are left out on
/// purpose: emoji need them, and they are not letters, so banned-word matching skips them anyway.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// [`xml_safe`] for a finished document: hands the same string back when nothing is dropped.
pub fn into_xml_safe(document: String) -> String {
    match xml_safe(&document) {
        Cow::Borrowed(_) => document,
        Cow::Owned(clean) => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_c0_controls_are_refused_naming_the_field() {
        for bad in ["a\u{0}b", "\u{1}", "x\u{B}", "\u{1F}", "\u{C}", "\u{FFFF}"] {
            let err = Text::parse("headline", bad).unwrap_err();
            assert_eq!(err.field, "headline", "{bad:?}");
        }
    }

    #[test]
    fn tab_newline_and_everyday_text_pass_and_crlf_becomes_lf() {
        let text = Text::parse("summary", "부산\t트램\r\n착공\r끝\n").unwrap();
        assert_eq!(text.as_str(), "부산\t트램\n착공\n끝\n");
        assert_eq!(
            Text::parse("x", "R&D <2배> 😀").unwrap().as_str(),
            "R&D <2배> 😀"
        );
    }

    #[test]
    fn xml_safe_drops_only_what_xml_cannot_hold() {
        assert!(matches!(xml_safe("부산 & <트램>\t\n"), Cow::Borrowed(_)));
        assert_eq!(xml_safe("a\u{0}b\u{1}c\u{B}d\u{FFFE}e\r"), "abcde\r");
    }

    #[test]
    fn hangul_fillers_and_zero_width_characters_are_invisible() {
        for c in [
            '\u{3164}', '\u{115F}', '\u{1160}', '\u{FFA0}', '\u{200B}', '\u{200D}', '\u{00AD}',
            '\u{202E}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        assert!(!is_invisible('ㅅ'));
        assert!(!is_invisible(' '));
    }
}
