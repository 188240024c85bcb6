//! The banned-word list (Korean profanity and spam phrases) and the normal form comments are
//! compared in, so that spacing, punctuation, digits and jamo tricks do not slip past it.
//!
//! Text is reduced to a sequence of letters: compatibility forms folded (NFKD), everything that
//! is not a letter dropped (spaces, punctuation, digits, zero-width characters, and the Hangul
//! fillers, which Unicode counts as letters: see `text::is_invisible`), Latin lowercased,
//! and Hangul split into its jamo. `시 발`, `시.발`, `시1발`, `ㅅㅣㅂㅏㄹ` and `시ㅂㅏㄹ` all become
//! the same jamo sequence. A match must begin where a syllable begins, so a consonant-only entry
//! such as `ㅅㅂ` matches a standalone `ㅅㅂ` but not the final ㅅ of 갓 followed by 본.
//!
//! A match holds a comment for an editor rather than refusing it: removing spaces makes false
//! hits (시발점, "starting point"), and a person should make the call.

use unicode_normalization::UnicodeNormalization as _;

use crate::text::is_invisible;

/// Entries used when the newsroom configures no list of its own.
pub const DEFAULT_BANNED_WORDS: &[&str] = &[
    "시발",
    "씨발",
    "씨바",
    "ㅅㅂ",
    "ㅆㅂ",
    "병신",
    "ㅂㅅ",
    "개새끼",
    "좆",
    "지랄",
    "미친놈",
    "꺼져",
    "카지노",
    "바카라",
    "토토사이트",
    "먹튀",
    "대출문의",
    "수익보장",
    "텔레그램문의",
];

/// Choseong (U+1100…U+1112) as compatibility jamo.
const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// Jongseong (U+11A8…U+11C2) as compatibility jamo.
const JONGSEONG: [char; 27] = [
    'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ',
    'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];

/// One letter of the normal form, and whether a syllable (or a standalone letter) starts here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    letter: char,
    starts: bool,
}

fn offset(c: char, first: u32, len: usize) -> Option<usize> {
    let index = usize::try_from(u32::from(c).checked_sub(first)?).ok()?;
    (index < len).then_some(index)
}

/// The normal form as letters with syllable starts.
fn letters(text: &str, keep_digits: bool) -> Vec<Letter> {
    let mut out: Vec<Letter> = Vec::with_capacity(text.len());
    let mut after_choseong = false;
    // Invisible and filler characters go before anything else: the Hangul fillers are letters
    // to Unicode, so they would otherwise sit between a banned word's letters and hide it.
    for c in text.nfkd().filter(|c| !is_invisible(*c)) {
        if let Some(i) = offset(c, 0x1100, CHOSEONG.len()) {
            out.push(Letter {
                letter: CHOSEONG[i],
                starts: true,
            });
            after_choseong = true;
            continue;
        }
        if let Some(i) = offset(c, 0x1161, 21) {
            // Jungseong map in order onto the compatibility vowels ㅏ (U+314F) … ㅣ (U+3163).
            let letter = char::from_u32(0x314F + u32::try_from(i).unwrap_or(0)).unwrap_or(c);
            out.push(Letter {
                letter,
                starts: !after_choseong,
            });
            after_choseong = false;
            continue;
        }
        after_choseong = false;
        if let Some(i) = offset(c, 0x11A8, JONGSEONG.len()) {
            out.push(Letter {
                letter: JONGSEONG[i],
                starts: false,
            });
        } else if c.is_alphabetic() || (keep_digits && c.is_numeric()) {
            out.extend(c.to_lowercase().map(|letter| Letter {
                letter,
                starts: true,
            }));
        }
    }
    out
}

/// The text reduced to its letters and digits (see the module comment): what duplicate
/// detection compares. Digits stay here ("댓글 1" is not "댓글 2"); banned-word matching drops
/// them, since `시1발` is a common disguise.
pub fn normal_form(text: &str) -> String {
    letters(text, true).into_iter().map(|l| l.letter).collect()
}

/// A newsroom's banned words, kept in normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannedWords {
    entries: Vec<(String, Vec<char>)>,
}

impl BannedWords {
    /// The list from entries as written; blank entries (and those with no letters) are skipped.
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Self {
        let entries = entries
            .into_iter()
            .filter_map(|entry| {
                let written = entry.as_ref().trim().to_owned();
                let form: Vec<char> = letters(&written, false)
                    .into_iter()
                    .map(|l| l.letter)
                    .collect();
                (!form.is_empty()).then_some((written, form))
            })
            .collect();
        Self { entries }
    }

    /// The built-in list.
    pub fn default_list() -> Self {
        Self::new(DEFAULT_BANNED_WORDS)
    }

    /// Reads a list from a file's text: one entry a line; `#` starts a comment line.
    pub fn from_lines(text: &str) -> Self {
        Self::new(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#')),
        )
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry (as written) that `text` contains, if any.
    pub fn find(&self, text: &str) -> Option<&str> {
        let letters = letters(text, false);
        self.entries
            .iter()
            .find(|(_, form)| {
                letters.windows(form.len()).any(|window| {
                    window[0].starts && window.iter().map(|l| l.letter).eq(form.iter().copied())
                })
            })
            .map(|(written, _)| written.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> BannedWords {
        BannedWords::new(["시발", "ㅅㅂ", "카지노", "casino"])
    }

    #[test]
    fn a_plain_banned_word_is_found() {
        assert_eq!(list().find("이 기사 시발 뭐냐"), Some("시발"));
        assert_eq!(list().find("좋은 기사 감사합니다"), None);
    }

    #[test]
    fn spaces_punctuation_and_digits_between_letters_do_not_hide_a_word() {
        for disguised in [
            "시 발",
            "시.발",
            "시1발",
            "시-_-발",
            "시\u{200B}발",
            "카 지 노 가입",
        ] {
            assert!(list().find(disguised).is_some(), "{disguised:?}");
        }
    }

    #[test]
    fn hangul_fillers_and_other_invisible_characters_do_not_hide_a_word() {
        for disguised in [
            "시\u{3164}발",
            "시\u{115F}발",
            "시\u{1160}발",
            "시\u{FFA0}발",
            "시\u{200D}발",
            "시\u{2060}발",
            "시\u{00AD}발",
            "시\u{202E}발",
            "시\u{FE0F}발",
            "시\u{E0100}발",
            "시\u{034F}발",
            "ㅅ\u{3164}ㅂ",
            "카\u{3164}\u{3164}지\u{FEFF}노",
        ] {
            assert!(list().find(disguised).is_some(), "{disguised:?}");
        }
    }

    #[test]
    fn jamo_spelled_out_or_mixed_with_syllables_are_found() {
        for disguised in ["ㅅㅣㅂㅏㄹ", "시ㅂㅏㄹ", "ㅅ ㅣ ㅂ ㅏ ㄹ", "아ㅅㅂ 진짜"]
        {
            assert!(list().find(disguised).is_some(), "{disguised:?}");
        }
    }

    #[test]
    fn fullwidth_and_capital_latin_are_folded() {
        assert_eq!(list().find("ＣＡＳＩＮＯ 최고"), Some("casino"));
        assert_eq!(list().find("CaSiNo"), Some("casino"));
    }

    #[test]
    fn a_consonant_entry_must_start_a_syllable() {
        // 갓본: ㄱㅏㅅ + ㅂㅗㄴ holds ㅅㅂ across a syllable's final and the next start.
        assert_eq!(list().find("갓본 영상"), None);
    }

    #[test]
    fn the_normal_form_ignores_spacing_and_punctuation() {
        assert_eq!(normal_form("같은 말!!"), normal_form("같은말"));
        assert_ne!(normal_form("같은 말"), normal_form("다른 말"));
        assert_ne!(normal_form("댓글 1"), normal_form("댓글 2"));
    }

    #[test]
    fn a_list_file_skips_comments_and_blank_lines() {
        let words = BannedWords::from_lines("# spam\n\n바카라\n  먹튀  \n");
        assert_eq!(words.len(), 2);
        assert_eq!(words.find("바 카 라 사이트"), Some("바카라"));
        assert!(!BannedWords::default_list().is_empty());
    }
}
