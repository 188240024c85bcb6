//! JSON text that can be pasted into an HTML `<script>` block as is: `<`, `>` and `&` (and the
//! JavaScript line separators U+2028, U+2029) are written as `\uXXXX` escapes.
//!
//! A page embeds JSON-LD as `<script type="application/ld+json">…</script>`; the HTML parser
//! ends that block at the first `</script>` whatever JSON thinks, so a headline holding
//! `</script><script>…` would run. The escaped text is the same JSON to every parser, only no
//! longer markup to HTML's.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// serde_json's compact output (every other method is the default) with the characters above escaped inside strings (and keys).
struct ScriptSafe;

impl Formatter for ScriptSafe {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut start = 0;
        for (at, character) in fragment.char_indices() {
            let escaped = match character {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..at])?;
            writer.write_all(escaped.as_bytes())?;
            start = at + character.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// `value` as script-safe JSON bytes.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = Vec::new();
    value.serialize(&mut Serializer::with_formatter(&mut bytes, ScriptSafe))?;
    Ok(bytes)
}

/// `value` as script-safe JSON text.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    // Only ASCII escapes are added to serde_json's UTF-8 output.
    to_vec(value).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_the_json_means_the_same() {
        let value = serde_json::json!({
            "headline": "</script><script>alert(1)</script> & <국회>",
            "a<b": "\u{2028}",
        });
        let text = to_string(&value).unwrap_or_default();
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        assert!(text.contains("\\u003c/script\\u003e"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }
}
