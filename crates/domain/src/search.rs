//! Korean-aware search: the ONE tokenizer used both to index stories and to read queries, the
//! relevance rules, the search cursor and highlighted snippets.
//!
//! No Korean morphological dictionary can be installed here, so words are cut into what can be
//! matched without one:
//! - a run of Hangul syllables becomes its syllable bigrams (부산시청 → 부산 산시 시청), so a
//!   two-syllable word is found inside longer ones and a longer query is matched as a phrase of
//!   adjacent bigrams;
//! - a run of ASCII letters and digits becomes one lowercase word;
//! - everything else separates words, so no character a client types ever reaches the index's
//!   query language.
//!
//! Beside the bigrams each story carries *marks*: `w`+word for every whole word (and for the word
//! with its particle and a common suffix taken off: 부산시에서 → w부산시에서 w부산시 w부산) and
//! `s`+first bigram for every word start. Bigrams find candidates; marks rank them, so 부산 puts
//! 부산시 (a whole word once 시 is taken off) above 부산물 (only a word start). Decision 0300.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use html_escape::encode_text;

use crate::error::ValidationError;
use crate::ids::{ArticleId, SectionId};
use crate::time::Timestamp;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words one query may hold; each costs index lookups.
pub const MAX_QUERY_TERMS: usize = 8;

/// How many of a query's newest matches relevance order scores (decision 0301). A common word
/// matches a large share of the archive; scoring and sorting every match would make a search cost
/// grow with the archive, so relevance is judged among the most recent matches only. Newest
/// order needs no score and is not bounded.
pub const RANKED_MATCHES: u64 = 2_000;

/// Particles and endings taken off the end of a word, longest first so 에서 wins over 서.
const PARTICLES: &[&str] = &[
    "에서부터",
    "에서는",
    "에서도",
    "으로는",
    "으로도",
    "에게서",
    "이라는",
    "에서",
    "에게",
    "한테",
    "으로",
    "까지",
    "부터",
    "처럼",
    "보다",
    "에는",
    "에도",
    "와의",
    "과의",
    "라는",
    "이다",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "와",
    "과",
    "로",
    "도",
    "만",
];

/// Suffixes that name a place or a group built on a word (부산시, 부산역, 시민들), taken off for
/// whole-word marks only: a query for 부산 should treat 부산시 as the word 부산.
const SUFFIXES: &[&str] = &[
    "시청", "도청", "구청", "군청", "시민", "시장", "지역", "시", "군", "구", "도", "역", "항",
    "청", "측", "씨", "들",
];

const WHOLE_MARK: char = 'w';
const START_MARK: char = 's';

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// One word of text: a run of Hangul syllables, or of ASCII letters and digits (lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    text: String,
    hangul: bool,
}

impl Word {
    /// The word cut for the index: syllable bigrams, a lone syllable, or the Latin word itself.
    fn tokens(&self) -> Vec<String> {
        if !self.hangul {
            return vec![self.text.clone()];
        }
        let syllables: Vec<char> = self.text.chars().collect();
        if syllables.len() == 1 {
            return vec![self.text.clone()];
        }
        syllables
            .windows(2)
            .map(|pair| pair.iter().collect())
            .collect()
    }
}

fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut hangul = false;
    for c in text.chars() {
        let kind = if is_hangul(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        if !current.is_empty() && kind != Some(hangul) {
            words.push(Word {
                text: std::mem::take(&mut current),
                hangul,
            });
        }
        if let Some(kind) = kind {
            hangul = kind;
            current.push(c.to_ascii_lowercase());
        }
    }
    if !current.is_empty() {
        words.push(Word {
            text: current,
            hangul,
        });
    }
    words
}

/// `word` without the first of `endings` it ends with, when at least `keep` syllables remain.
fn strip<'a>(word: &'a str, endings: &[&str], keep: usize) -> Option<&'a str> {
    endings.iter().find_map(|ending| {
        word.strip_suffix(ending)
            .filter(|stem| stem.chars().count() >= keep)
    })
}

/// A query word without its particle or ending: 부산에서 → 부산. At least two syllables stay, so a
/// two-syllable word (나이, 시가) is never cut to one.
fn query_stem(word: &str) -> &str {
    strip(word, PARTICLES, 2).unwrap_or(word)
}

/// The text columns of one story as the index stores them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexedText {
    /// Bigrams and Latin words in text order, space-separated (phrases match adjacent tokens).
    pub tokens: String,
    /// Whole-word and word-start marks, space-separated, each once.
    pub marks: String,
}

/// Cuts text for the index.
pub fn index_text(text: &str) -> IndexedText {
    let mut tokens = String::new();
    let mut marks = BTreeSet::new();
    for word in words(text) {
        let cut = word.tokens();
        for token in &cut {
            if !tokens.is_empty() {
                tokens.push(' ');
            }
            tokens.push_str(token);
        }
        marks.insert(format!("{START_MARK}{}", cut[0]));
        marks.insert(format!("{WHOLE_MARK}{}", word.text));
        if word.hangul {
            let stem = strip(&word.text, PARTICLES, 1).unwrap_or(&word.text);
            marks.insert(format!("{WHOLE_MARK}{stem}"));
            if let Some(base) = strip(stem, SUFFIXES, 2) {
                marks.insert(format!("{WHOLE_MARK}{base}"));
            }
        }
    }
    IndexedText {
        tokens,
        marks: marks.into_iter().collect::<Vec<_>>().join(" "),
    }
}

/// A story as the index stores it: headline and body kept apart so headline matches rank higher.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchDocument {
    pub headline: IndexedText,
    pub body: IndexedText,
}

impl SearchDocument {
    /// The headline and subheadline count as the headline; the body text as the body.
    pub fn of(headline: &str, subheadline: Option<&str>, body_text: &str) -> Self {
        let headline = match subheadline {
            Some(sub) => format!("{headline} {sub}"),
            None => headline.to_owned(),
        };
        Self {
            headline: index_text(&headline),
            body: index_text(body_text),
        }
    }
}

/// A column of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexColumn {
    Headline,
    Body,
    HeadlineMarks,
    BodyMarks,
}

/// "These tokens, adjacent and in this order, in one of these columns." Tokens hold only Hangul
/// syllables, ASCII lowercase letters and digits, so any engine may quote them as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub columns: &'static [IndexColumn],
    pub phrase: Vec<String>,
}

/// A probe that adds `weight` to a candidate's score when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boost {
    pub probe: Probe,
    pub weight: u32,
}

/// One word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// The word as matched: lowercase, particle taken off.
    pub word: String,
    tokens: Vec<String>,
}

impl SearchTerm {
    fn one_syllable(&self) -> bool {
        self.tokens.len() == 1 && self.word.chars().all(is_hangul) && self.word.chars().count() == 1
    }

    fn whole_mark(&self) -> String {
        format!("{WHOLE_MARK}{}", self.word)
    }

    /// What a story must contain to be found. A one-syllable word must stand as a whole word
    /// (decision 0300); anything else is the phrase of its bigrams, anywhere.
    pub fn probe(&self) -> Probe {
        if self.one_syllable() {
            Probe {
                columns: &[IndexColumn::HeadlineMarks, IndexColumn::BodyMarks],
                phrase: vec![self.whole_mark()],
            }
        } else {
            Probe {
                columns: &[IndexColumn::Headline, IndexColumn::Body],
                phrase: self.tokens.clone(),
            }
        }
    }

    /// How a found story scores for this word: whole word beats word start beats inside a word,
    /// and the headline beats the body.
    pub fn boosts(&self) -> Vec<Boost> {
        let mark = |column: &'static [IndexColumn], mark: String, weight| Boost {
            probe: Probe {
                columns: column,
                phrase: vec![mark],
            },
            weight,
        };
        let start = format!("{START_MARK}{}", self.tokens[0]);
        let mut boosts = vec![
            mark(&[IndexColumn::HeadlineMarks], self.whole_mark(), 8),
            mark(&[IndexColumn::HeadlineMarks], start.clone(), 4),
            mark(&[IndexColumn::BodyMarks], self.whole_mark(), 2),
            mark(&[IndexColumn::BodyMarks], start, 1),
        ];
        if !self.one_syllable() {
            boosts.push(Boost {
                probe: Probe {
                    columns: &[IndexColumn::Headline],
                    phrase: self.tokens.clone(),
                },
                weight: 2,
            });
        }
        boosts
    }
}

/// A parsed query: every word must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<SearchTerm>,
}

impl SearchQuery {
    /// Reads what a reader typed. Control characters, over-long input and input with no word to
    /// search are refused; every other character that is not part of a word only separates words,
    /// so quotes and operators of any engine's query language are inert.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let refuse = |message: &str| ValidationError::new("q", message);
        if input.chars().count() > MAX_QUERY_CHARS {
            return Err(refuse(&format!("at most {MAX_QUERY_CHARS} characters")));
        }
        if input.chars().any(char::is_control) {
            return Err(refuse("control characters are not allowed"));
        }
        let mut terms: Vec<SearchTerm> = Vec::new();
        for word in words(input) {
            let stem = if word.hangul {
                query_stem(&word.text).to_owned()
            } else {
                word.text.clone()
            };
            let stemmed = Word {
                text: stem,
                hangul: word.hangul,
            };
            let term = SearchTerm {
                tokens: stemmed.tokens(),
                word: stemmed.text,
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(refuse("no word to search for"));
        }
        if terms.len() > MAX_QUERY_TERMS {
            return Err(refuse(&format!("at most {MAX_QUERY_TERMS} words")));
        }
        Ok(Self { terms })
    }

    /// A query made of a headline's words, for finding similar stories: any of them may match.
    /// Words of one syllable or one Latin letter are left out (too common to tell stories apart);
    /// `None` when no word is left.
    pub fn similar_to(headline: &str) -> Option<Self> {
        let mut terms: Vec<SearchTerm> = Vec::new();
        for word in words(headline) {
            let text = if word.hangul {
                query_stem(&word.text).to_owned()
            } else {
                word.text.clone()
            };
            if text.chars().count() < 2 || text.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let stemmed = Word {
                text,
                hangul: word.hangul,
            };
            let term = SearchTerm {
                tokens: stemmed.tokens(),
                word: stemmed.text,
            };
            if !terms.contains(&term) && terms.len() < MAX_QUERY_TERMS {
                terms.push(term);
            }
        }
        (!terms.is_empty()).then_some(Self { terms })
    }

    pub fn terms(&self) -> &[SearchTerm] {
        &self.terms
    }
}

/// How a story relates to the one a reader is on. Compared in this order: shared tags, then the
/// same section, then text similarity, then the newer story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relatedness {
    pub id: ArticleId,
    pub shared_tags: u32,
    pub same_section: bool,
    /// The score the story earns for the other story's headline words.
    pub text_score: u32,
    pub published_at: Option<Timestamp>,
}

impl Relatedness {
    fn key(&self) -> (u32, bool, u32, Option<Timestamp>, ArticleId) {
        (
            self.shared_tags,
            self.same_section,
            self.text_score,
            self.published_at,
            self.id,
        )
    }
}

/// The most related first, at most `limit`.
pub fn rank_related(mut candidates: Vec<Relatedness>, limit: usize) -> Vec<ArticleId> {
    candidates.sort_by_key(|candidate| std::cmp::Reverse(candidate.key()));
    candidates.dedup_by_key(|candidate| candidate.id);
    candidates
        .into_iter()
        .take(limit)
        .map(|candidate| candidate.id)
        .collect()
}

/// The order search results come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    /// Score first (whole word, headline), then newer first.
    #[default]
    Relevance,
    Newest,
}

impl SearchOrder {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input {
            "relevance" => Ok(Self::Relevance),
            "newest" => Ok(Self::Newest),
            _ => Err(ValidationError::new(
                "sort",
                "must be \"relevance\" or \"newest\"",
            )),
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Relevance => "r",
            Self::Newest => "n",
        }
    }
}

/// What a search is narrowed to, and its order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// A section and its subsections.
    pub section: Option<SectionId>,
    /// Published at or after.
    pub from: Option<Timestamp>,
    /// Published at or before.
    pub to: Option<Timestamp>,
    pub order: SearchOrder,
}

/// One story a search found, with its score (0 in newest-first order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    pub id: ArticleId,
    pub score: u32,
    pub published_at: Timestamp,
}

impl SearchHit {
    /// The cursor that continues a list after this hit.
    pub fn cursor(&self, order: SearchOrder) -> SearchCursor {
        SearchCursor {
            order,
            score: self.score,
            published_at: self.published_at,
            id: self.id,
        }
    }
}

/// A position in a result list: the last item's (score, publishedAt, id). In newest-first order
/// the score is 0. A cursor is only valid for the order it was issued in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchCursor {
    pub order: SearchOrder,
    pub score: u32,
    pub published_at: Timestamp,
    pub id: ArticleId,
}

const CURSOR_VERSION: &str = "s1";

impl SearchCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{CURSOR_VERSION}:{}:{}:{}:{}",
            self.order.code(),
            self.score,
            self.published_at.unix_seconds(),
            self.id
        ))
    }

    /// Reads a cursor issued for `order`.
    pub fn decode(input: &str, order: SearchOrder) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("cursor", "not a cursor this search issued");
        let bytes = URL_SAFE_NO_PAD.decode(input).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let parts: Vec<&str> = text.splitn(5, ':').collect();
        let [CURSOR_VERSION, code, score, seconds, id] = parts.as_slice() else {
            return Err(invalid());
        };
        if *code != order.code() {
            return Err(invalid());
        }
        let score = score.parse().map_err(|_| invalid())?;
        let published_at = seconds
            .parse()
            .ok()
            .and_then(Timestamp::from_unix_seconds)
            .ok_or_else(invalid)?;
        let id = ArticleId::parse(id).map_err(|_| invalid())?;
        Ok(Self {
            order,
            score,
            published_at,
            id,
        })
    }
}

/// Characters of context a snippet shows before the first match.
const SNIPPET_BEFORE: usize = 40;
/// Characters a snippet holds at most.
const SNIPPET_CHARS: usize = 160;

/// Whether `chars[at]` begins a word.
fn starts_word(chars: &[char], at: usize) -> bool {
    at == 0 || !(is_hangul(chars[at - 1]) || chars[at - 1].is_alphanumeric())
}

/// Every place one of the query's words occurs in `chars`, as (start, length), left to right and
/// without overlaps. A one-syllable word counts only where it starts a word.
fn occurrences(chars: &[char], query: &SearchQuery) -> Vec<(usize, usize)> {
    let lowered: Vec<char> = chars.iter().map(char::to_ascii_lowercase).collect();
    let needles: Vec<(Vec<char>, bool)> = query
        .terms
        .iter()
        .map(|term| (term.word.chars().collect(), term.one_syllable()))
        .collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < lowered.len() {
        let hit = needles
            .iter()
            .filter(|(needle, word_start_only)| {
                lowered[at..].starts_with(needle) && (!word_start_only || starts_word(chars, at))
            })
            .map(|(needle, _)| needle.len())
            .max();
        match hit {
            Some(len) => {
                found.push((at, len));
                at += len;
            }
            None => at += 1,
        }
    }
    found
}

/// A short passage of the body around the first match, HTML-escaped, each match in `<mark>`.
/// A match at a word start is preferred to one inside a word; with no match the body's opening.
pub fn snippet(body_text: &str, query: &SearchQuery) -> String {
    let chars: Vec<char> = body_text.chars().collect();
    let found = occurrences(&chars, query);
    let first = found
        .iter()
        .find(|(at, _)| starts_word(&chars, *at))
        .or(found.first())
        .map_or(0, |(at, _)| *at);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(hit, len) in found
        .iter()
        .filter(|(hit, len)| *hit >= start && hit + len <= end)
    {
        out.push_str(&encode_text(&chars[at..hit].iter().collect::<String>()));
        let word: String = chars[hit..hit + len].iter().collect();
        // Writing to a String cannot fail.
        let _ = write!(out, "<mark>{}</mark>", encode_text(&word));
        at = hit + len;
    }
    out.push_str(&encode_text(&chars[at..end].iter().collect::<String>()));
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(query: &str) -> Vec<String> {
        SearchQuery::parse(query)
            .unwrap()
            .terms
            .into_iter()
            .map(|term| term.word)
            .collect()
    }

    #[test]
    fn hangul_becomes_bigrams_and_latin_lowercase_words() {
        let indexed = index_text("부산시청, LG전자 2026년!");
        assert_eq!(indexed.tokens, "부산 산시 시청 lg 전자 2026 년");
    }

    #[test]
    fn marks_hold_whole_words_stems_and_word_starts() {
        let marks = index_text("부산시에서 부산물").marks;
        let marks: Vec<&str> = marks.split(' ').collect();
        for expected in ["w부산시에서", "w부산시", "w부산", "s부산", "w부산물"] {
            assert!(marks.contains(&expected), "{expected} in {marks:?}");
        }
        let marks = index_text("부산물").marks;
        assert!(!marks.split(' ').any(|mark| mark == "w부산"), "{marks}");
    }

    #[test]
    fn particles_come_off_query_words() {
        assert_eq!(words_of("부산에서"), ["부산"]);
        assert_eq!(words_of("부산은"), ["부산"]);
        assert_eq!(words_of("수소를 서울로"), ["수소", "서울"]);
        assert_eq!(words_of("부산시"), ["부산시"]);
        // Two syllables never become one.
        assert_eq!(words_of("나이"), ["나이"]);
    }

    #[test]
    fn a_query_word_is_the_phrase_of_its_bigrams() {
        let query = SearchQuery::parse("부산시청").unwrap();
        let probe = query.terms()[0].probe();
        assert_eq!(probe.phrase, ["부산", "산시", "시청"]);
        assert_eq!(probe.columns, [IndexColumn::Headline, IndexColumn::Body]);
    }

    #[test]
    fn a_one_syllable_word_must_stand_alone() {
        let query = SearchQuery::parse("북").unwrap();
        let probe = query.terms()[0].probe();
        assert_eq!(probe.phrase, ["w북"]);
        assert!(index_text("북은 미사일을").marks.contains("w북"));
        let marks = index_text("북한").marks;
        assert!(!marks.split(' ').any(|mark| mark == "w북"), "{marks}");
    }

    #[test]
    fn whole_words_in_the_headline_score_highest() {
        let term = &SearchQuery::parse("부산").unwrap().terms[0];
        let score = |headline: &str| -> u32 {
            let doc = SearchDocument::of(headline, None, "");
            term.boosts()
                .iter()
                .filter(|boost| {
                    let tokens = match boost.probe.columns[0] {
                        IndexColumn::Headline => &doc.headline.tokens,
                        IndexColumn::HeadlineMarks => &doc.headline.marks,
                        _ => return false,
                    };
                    tokens
                        .split(' ')
                        .collect::<Vec<_>>()
                        .windows(boost.probe.phrase.len())
                        .any(|window| window == boost.probe.phrase)
                })
                .map(|boost| boost.weight)
                .sum()
        };
        assert!(score("부산시 새 청사") > score("부산물 재활용"));
        assert!(score("부산물 재활용") > score("해운대 소식"));
    }

    #[test]
    fn hostile_input_is_inert_or_refused() {
        assert_eq!(words_of("\"부산\" OR 서울*"), ["부산", "or", "서울"]);
        assert_eq!(
            words_of("NEAR(부산 서울) -x ^y {a b}:c"),
            ["near", "부산", "서울", "x", "y", "a", "b", "c"]
        );
        for refused in [
            "",
            "\"*^-:()",
            "부산\u{0}",
            "부산\n서울",
            &"가".repeat(MAX_QUERY_CHARS + 1),
            "a b c d e f g h i",
        ] {
            assert_eq!(
                SearchQuery::parse(refused).unwrap_err().field,
                "q",
                "{refused:?}"
            );
        }
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let query = SearchQuery::parse("부산에서").unwrap();
        let snippet = snippet("<b>&</b> 부산시가 부산물 재활용을 늘린다.", &query);
        assert_eq!(
            snippet,
            "&lt;b&gt;&amp;&lt;/b&gt; <mark>부산</mark>시가 <mark>부산</mark>물 재활용을 늘린다."
        );
    }

    #[test]
    fn a_long_body_is_cut_around_the_first_match() {
        let body = format!("{}부산 소식{}", "가".repeat(300), "나".repeat(300));
        let snippet = snippet(&body, &SearchQuery::parse("부산").unwrap());
        assert!(snippet.starts_with('…') && snippet.ends_with('…'));
        assert!(snippet.contains("<mark>부산</mark> 소식"));
        assert!(snippet.chars().count() < SNIPPET_CHARS + 20);
    }

    #[test]
    fn related_stories_share_tags_first_then_the_section_then_words() {
        let at = |seconds| Timestamp::from_unix_seconds(seconds);
        let candidate = |shared_tags, same_section, text_score, seconds| Relatedness {
            id: ArticleId::generate(),
            shared_tags,
            same_section,
            text_score,
            published_at: at(seconds),
        };
        let words_only = candidate(0, false, 30, 1_800_000_300);
        let section = candidate(0, true, 0, 1_800_000_000);
        let one_tag = candidate(1, false, 0, 1_800_000_000);
        let two_tags_old = candidate(2, false, 0, 1_700_000_000);
        let ranked = rank_related(vec![words_only, section, one_tag, two_tags_old], 3);
        assert_eq!(ranked, [two_tags_old.id, one_tag.id, section.id]);
    }

    #[test]
    fn a_headline_becomes_a_similarity_query_of_its_words() {
        let query = SearchQuery::parse("x").unwrap();
        assert_eq!(query.terms().len(), 1);
        let similar =
            SearchQuery::similar_to("부산시, 수소 버스 100대 도입… 시민들 \"환영\"").unwrap();
        let words: Vec<&str> = similar.terms().iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["부산시", "수소", "버스", "도입", "시민들", "환영"]);
        assert!(SearchQuery::similar_to("가 나 1 2").is_none());
    }

    #[test]
    fn search_cursors_round_trip_for_their_order_only() {
        let cursor = SearchCursor {
            order: SearchOrder::Relevance,
            score: 14,
            published_at: Timestamp::from_unix_seconds(1_800_000_000).unwrap(),
            id: ArticleId::generate(),
        };
        let encoded = cursor.encode();
        assert_eq!(
            SearchCursor::decode(&encoded, SearchOrder::Relevance).unwrap(),
            cursor
        );
        assert!(SearchCursor::decode(&encoded, SearchOrder::Newest).is_err());
        assert!(SearchCursor::decode("garbage", SearchOrder::Relevance).is_err());
    }
}
