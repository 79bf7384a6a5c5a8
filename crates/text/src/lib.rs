//! Text primitives shared by ingest, indexing and the pipeline: sentence splitting with byte offsets,
//! word tokenisation, stop words and English stemming.
//!
//! Main items: [`sentences`] (spans of whole sentences), [`words`] (lower-cased word tokens), [`content_terms`]
//! (stemmed, stop words removed), [`is_stopword`], [`stem`], [`normalize`] (NFKC, without invisible and control
//! characters: what every question and every ingested text goes through), and [`lexicon`] (English word classes
//! and verb forms, for reading questions), [`wordnet`] (synonyms and antonyms, for telling a rewording from
//! another claim), and [`Folded`] (text lower-cased for case-blind search, with its matches' offsets in the
//! original: lower-casing changes byte lengths).
//!
//! It knows nothing about documents, claims or storage, and it never allocates more than the tokens it returns.
//!
//! ```
//! // Sentences as byte spans of the text, and a case-blind search whose offsets are the original's.
//! let text = "İstanbul voted. The Mayor won.";
//! let spans = verity_text::sentences(text);
//! assert_eq!(&text[spans[1].start..spans[1].end], "The Mayor won.");
//! // "İ" is two bytes and lower-cases to three: the match is still where it is written.
//! let at = verity_text::Folded::new(text).find("the mayor").unwrap();
//! assert_eq!(&text[at.0..at.1], "The Mayor");
//! ```

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;

pub mod lexicon;
pub mod wordnet;

/// A text lower-cased for case-blind search, with the way back: every match is reported as byte offsets into the
/// original, whose characters may have other lengths lower-cased ("İ" 2 bytes -> "i̇" 3, "ẞ" 3 -> "ß" 2, the Kelvin
/// sign 3 -> "k" 1). The one way Verity searches text without regard to case and then slices the original.
pub struct Folded<'a> {
    original: &'a str,
    lower: String,
    /// For every byte of `lower`, and one past its end: the original offset of the character it came from.
    origin: Vec<usize>,
}

impl<'a> Folded<'a> {
    pub fn new(original: &'a str) -> Folded<'a> {
        let mut lower = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        for (at, c) in original.char_indices() {
            let before = lower.len();
            lower.extend(c.to_lowercase());
            origin.resize(origin.len() + lower.len() - before, at);
        }
        origin.push(original.len());
        Folded { original, lower, origin }
    }

    /// The lower-cased text, to test with `contains` and the like (never to slice the original with).
    pub fn lower(&self) -> &str {
        &self.lower
    }

    pub fn original(&self) -> &'a str {
        self.original
    }

    /// Where the first case-blind match of `needle` (lower case) starts and ends in the original.
    pub fn find(&self, needle: &str) -> Option<(usize, usize)> {
        self.find_from(0, needle)
    }

    /// [`Folded::find`], starting at the original offset `from`.
    pub fn find_from(&self, from: usize, needle: &str) -> Option<(usize, usize)> {
        let start = self.origin.partition_point(|&o| o < from);
        let at = start + self.lower.get(start..)?.find(needle)?;
        Some(self.span(at, at + needle.len()))
    }

    /// Every case-blind match of `needle` (lower case), as (start, end) in the original, left to right.
    pub fn matches<'n>(&'n self, needle: &'n str) -> impl Iterator<Item = (usize, usize)> + 'n {
        self.lower.match_indices(needle).map(move |(at, m)| self.span(at, at + m.len()))
    }

    /// Original offsets of a lower-cased span: from the start of the character its first byte came from to the
    /// end of the character its last byte came from.
    fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.origin[end.max(start + 1) - 1];
        let after_last = last + self.original[last..].chars().next().map_or(0, char::len_utf8);
        (self.origin[start], after_last)
    }
}

/// Text as Verity reads it: Unicode NFKC (compatibility forms folded: full-width letters, ligatures, non-breaking
/// spaces), with zero-width characters, bidirectional controls and other control characters removed (line breaks
/// and tabs kept). A zero-width space inside a name would otherwise hide the name from search.
pub fn normalize(text: &str) -> String {
    let invisible = |c: char| {
        matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
            || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    };
    if text.is_ascii() && !text.chars().any(invisible) {
        return text.to_string();
    }
    text.nfkc().filter(|c| !invisible(*c)).collect()
}

/// A sentence as byte offsets into the text it came from; `&text[start..end]` is the sentence, trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn of<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// Abbreviations after which a full stop does not end a sentence (lower-case, without the stop).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "al", "fig", "figs", "no", "vol",
    "approx", "inc", "ltd", "co", "corp", "gen", "gov", "sen", "rep", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "ca", "cf", "resp", "eq", "ref", "refs",
];

/// Splits `text` into sentences. Paragraph breaks (a blank line, or a newline after a line that ends a
/// sentence) always end a sentence; `.`, `!` and `?` end one when followed by white space and a character that
/// can start a sentence, unless the word before the stop is a known abbreviation or a single letter (initials).
pub fn sentences(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let boundary_end = if b == b'\n' {
            line_break_ends_sentence(text, i).then_some(i)
        } else if matches!(b, b'.' | b'!' | b'?') {
            sentence_stop(text, i)
        } else {
            None
        };
        if let Some(end) = boundary_end {
            push_trimmed(text, start, end, &mut spans);
            start = end;
        }
        i += 1;
    }
    push_trimmed(text, start, text.len(), &mut spans);
    spans
}

/// A newline ends a sentence before a blank line, after a Markdown heading, or after a heading-like first line
/// of a paragraph (short, no closing punctuation, next line capitalised). Otherwise it is a hard wrap inside a
/// sentence and the stops decide.
fn line_break_ends_sentence(text: &str, i: usize) -> bool {
    let after = &text[i + 1..];
    if after.trim_start_matches([' ', '\t', '\r']).starts_with('\n') {
        return true;
    }
    let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
    let line = text[line_start..i].trim();
    if line.starts_with('#') {
        return true;
    }
    let first_of_paragraph =
        line_start == 0 || text[..line_start - 1].trim_end_matches([' ', '\t', '\r']).ends_with('\n');
    let next_capitalised = after.trim_start().chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    first_of_paragraph
        && next_capitalised
        && line.len() < 70
        && line.split_whitespace().count() <= 12
        && !line.ends_with(['.', ',', ';', '-'])
}

/// If the punctuation at `i` ends a sentence, the end offset (after any closing quotes or brackets).
fn sentence_stop(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut end = i + 1;
    // Runs of stops ("?!", "...") and closing quotes/brackets belong to the sentence they end.
    while end < bytes.len() && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | b']') {
        end += 1;
    }
    let rest = &text[end..];
    if rest.starts_with('\u{201d}') || rest.starts_with('\u{2019}') {
        end += 3;
    }
    let rest = &text[end..];
    let after_space = rest.trim_start_matches([' ', '\t', '\u{a0}', '\n', '\r']);
    if after_space.len() == rest.len() && !rest.is_empty() {
        return None; // no white space: "3.5", "U.S.A", "example.com"
    }
    let next = after_space.chars().next();
    match next {
        None => return Some(end),
        Some(c) if c.is_lowercase() => return None,
        Some(c)
            if !(c.is_alphanumeric()
                || matches!(c, '"' | '\'' | '(' | '[' | '\u{201c}' | '\u{2018}' | '\n' | '\r')) =>
        {
            return None;
        }
        _ => {}
    }
    if bytes[i] == b'.' {
        let word_start = text[..i]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace() || *c == '(' || *c == '"')
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = text[word_start..i].to_lowercase();
        let word = word.trim_start_matches(['(', '[', '"', '\'']);
        if word.chars().count() == 1 && word.chars().all(|c| c.is_alphabetic()) {
            return None; // an initial: "J. Smith"
        }
        if ABBREVIATIONS.contains(&word) {
            return None;
        }
    }
    Some(end)
}

fn push_trimmed(text: &str, start: usize, end: usize, spans: &mut Vec<Span>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    let (s, e) = (start + lead, end - trail);
    if e > s && text[s..e].chars().any(|c| c.is_alphanumeric()) {
        spans.push(Span { start: s, end: e });
    }
}

/// Lower-cased word tokens: maximal runs of letters and digits. A possessive "'s" is dropped; any other
/// apostrophe inside a word is removed ("didn't" -> "didnt", so negations stay one token).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if (c == '\'' || c == '\u{2019}') && !current.is_empty() {
            let mut ahead = chars.clone();
            if matches!(ahead.next(), Some('s' | 'S')) && !ahead.next().is_some_and(char::is_alphanumeric) {
                chars.next();
                out.push(std::mem::take(&mut current));
            }
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The English (Porter 2) stem of a lower-case word; the same stemmer the index uses.
pub fn stem(word: &str) -> String {
    stemmer().stem(word).into_owned()
}

/// A text's words ([`words`]) and the stem of each ([`stem`]), in order: worked out once, for every reader of the
/// text (a check reads its claim and each evidence sentence from these, never from the text again).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub words: Vec<String>,
    pub stems: Vec<String>,
}

impl Tokens {
    pub fn of(text: &str) -> Tokens {
        let words = words(text);
        let stems = words.iter().map(|w| stem(w)).collect();
        Tokens { words, stems }
    }

    /// [`content_terms`] of the text: the stems of its words that are not stop words, in order.
    pub fn content_terms(&self) -> impl Iterator<Item = &String> {
        self.words.iter().zip(&self.stems).filter(|(w, _)| !is_stopword(w)).map(|(_, s)| s)
    }
}

/// Stemmed content terms: words that are not stop words, stemmed, in order (duplicates kept).
pub fn content_terms(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| !is_stopword(w)).map(|w| stem(&w)).collect()
}

/// English function words that carry no evidence by themselves. Negations are deliberately absent: "not" and
/// "no" change what a sentence says.
pub const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "true",
    "really",
    "actually",
    "whether",
    "claim",
    "claims",
    "claimed",
    "s",
    "t",
];

pub fn is_stopword(word: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect()).contains(word)
}

#[cfg(test)]
mod folded_tests {
    use super::Folded;

    fn check(text: &str, needle: &str, expected: Option<&str>) {
        let folded = Folded::new(text);
        let found = folded.find(needle).map(|(start, end)| &text[start..end]);
        assert_eq!(found, expected, "{needle:?} in {text:?}");
    }

    #[test]
    fn matches_are_offsets_into_the_original_whatever_lower_casing_does_to_lengths() {
        check("Did İmamoğlu resign after Özel won?", " after ", Some(" after "));
        check("İİ Smith resigned after the vote", " after ", Some(" after "));
        check("The STRAẞE was closed AFTER noon", " after ", Some(" AFTER "));
        check("A \u{212a}elvin sign, then According To the Ledger", "according to", Some("According To"));
        check("İstanbul", "i\u{307}stanbul", Some("İstanbul"));
        check("ΟΔΟΣ closed", "οδοσ closed", Some("ΟΔΟΣ closed"));
        check("plain text", "absent", None);
        let folded = Folded::new("İ vote passed, according to Özel officials, according to the Ledger");
        let found: Vec<&str> = folded.matches("according to").map(|(s, e)| &folded.original()[s..e]).collect();
        assert_eq!(found, ["according to", "according to"]);
        let (first, _) = folded.find("according to").unwrap();
        let second = folded.find_from(first + 1, "according to").unwrap();
        assert_eq!(&folded.original()[second.1..], " the Ledger");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        let got: Vec<&str> = sentences(text).iter().map(|s| s.of(text)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn splits_on_stops_followed_by_capitals() {
        check("The minister spoke. He denied it! Did he?", &["The minister spoke.", "He denied it!", "Did he?"]);
    }

    #[test]
    fn keeps_abbreviations_initials_and_decimals_inside() {
        check(
            "Dr. Smith met J. Doe in the U.S. capital. Growth was 3.5 percent, e.g. in March.",
            &["Dr. Smith met J. Doe in the U.S. capital.", "Growth was 3.5 percent, e.g. in March."],
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        check("He said \"we will win.\" Then he left.", &["He said \"we will win.\"", "Then he left."]);
    }

    #[test]
    fn lower_case_after_a_stop_does_not_split() {
        check("Levels rose (p. 4) sharply. ok.", &["Levels rose (p. 4) sharply. ok."]);
    }

    #[test]
    fn paragraphs_and_headings_are_boundaries() {
        check(
            "Headline here\nBody text starts. It goes on.\n\nNew paragraph",
            &["Headline here", "Body text starts.", "It goes on.", "New paragraph"],
        );
    }

    #[test]
    fn a_stop_at_the_end_of_a_line_ends_the_sentence() {
        check("First item ends here.\nSecond item follows.", &["First item ends here.", "Second item follows."]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "  First one.   Second one.  ";
        for span in sentences(text) {
            assert_eq!(span.of(text), text[span.start..span.end].trim());
        }
    }

    #[test]
    fn never_splits_inside_a_character() {
        // Every boundary the splitter considers, next to multi-byte white space, quotes and letters.
        let pieces = ["a", ".", " ", "\u{a0}", "\u{201d}", "\u{2019}", "É", "\n", "?", "x.", "Dr.", "\u{3000}", "é."];
        let mut texts = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    texts.push(format!("{a}{b}{c} Next{a}{c}"));
                }
            }
        }
        for text in texts {
            for span in sentences(&text) {
                assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{text:?}");
            }
        }
    }

    #[test]
    fn words_and_terms() {
        assert_eq!(
            words("Rubio's deal, MS-13: 9 leaders didn't"),
            ["rubio", "deal", "ms", "13", "9", "leaders", "didnt"]
        );
        assert_eq!(content_terms("The informants were handed over"), ["inform", "hand"]);
        assert!(!is_stopword("not"));
    }
}
