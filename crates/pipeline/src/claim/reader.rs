//! Question -> claim: turns a plain-words question into the declarative statement to check, with its entities
//! and key terms, or says why the input cannot be checked.

use verity_model::Claim;
use verity_text::Tokens;

/// Why a question gets a message instead of a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Uncheckable {
    #[error("the question is empty: type a claim to check, e.g. \"Did the minister resign in March?\"")]
    Empty,
    #[error("a question has at most {QUESTION_LIMIT} characters ({found} given); ask about one claim")]
    TooLong { found: usize },
    #[error("the question is too short to check: say who did what, e.g. \"Did the council ban cars downtown?\"")]
    TooShort,
    #[error("the question does not look like words in a language Verity reads; retype it as a plain sentence")]
    Gibberish,
    #[error(
        "this asks for an opinion or a judgement (\"{marker}\"), which evidence cannot settle; \
         ask about a fact instead, e.g. what someone said or did"
    )]
    Opinion { marker: String },
    #[error(
        "this asks about the future (\"{marker}\"), which no source can confirm yet; \
         ask what has been announced or done so far"
    )]
    Prediction { marker: String },
    #[error(
        "this is an open question, not a claim; ask yes or no about one statement, \
         e.g. \"Did X do Y?\" or \"X did Y.\""
    )]
    OpenQuestion,
}

/// The longest question Verity checks, in characters, on every path (API, site, CLI): a claim is a sentence, and
/// a pasted article would match every later question that shares its words.
pub const QUESTION_LIMIT: usize = 500;

const OPINION_MARKERS: &[&str] = &[
    "i think",
    "i believe",
    "i feel",
    "in my opinion",
    "my favorite",
    "my favourite",
    "do you think",
    "do you like",
    "should i",
    "is it better to",
];
const EVALUATIVE_WORDS: &[&str] = &[
    "best",
    "worst",
    "greatest",
    "overrated",
    "underrated",
    "awesome",
    "terrible",
    "favorite",
    "favourite",
    "boring",
    "delicious",
    "beautiful",
    "ugly",
    "prettiest",
    "ugliest",
    "coolest",
    "nicest",
    "cutest",
    "sexiest",
    "stupid",
    "dumb",
    "evil",
    "amazing",
];
const WH_WORDS: &[&str] = &["who", "what", "when", "where", "why", "how", "which", "whose", "whom"];
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "neither", "nor", "cannot", "didnt", "doesnt", "dont", "isnt", "wasnt", "werent",
    "arent", "hasnt", "havent", "hadnt", "wont", "couldnt", "shouldnt", "wouldnt",
];
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "our", "my", "some", "any",
    "every", "all", "most", "many",
];

/// Reads a question. `current_year` tells dated predictions ("in 2031") from history.
pub fn extract(question: &str, current_year: i32) -> Result<Claim, Uncheckable> {
    extract_with_tokens(question, current_year).map(|(claim, _)| claim)
}

/// [`extract`], with the claim sentence's tokens, read once for the claim and for the stages after it.
pub(super) fn extract_with_tokens(question: &str, current_year: i32) -> Result<(Claim, Tokens), Uncheckable> {
    let question = verity_text::normalize(question).split_whitespace().collect::<Vec<_>>().join(" ");
    let found = question.chars().count();
    if found > QUESTION_LIMIT {
        return Err(Uncheckable::TooLong { found });
    }
    // Quotes are trimmed only when they wrap the whole question: a quotation at its end is the user's words.
    let wrapped =
        question.len() > 1 && question.starts_with('"') && question.trim_end_matches(['?', '.', '!']).ends_with('"');
    let trimmed =
        question.trim_matches(|c: char| c.is_whitespace() || matches!(c, '?' | '.' | '!') || (wrapped && c == '"'));
    if trimmed.is_empty() {
        return Err(Uncheckable::Empty);
    }
    let words = verity_text::words(trimmed);
    if words.is_empty() {
        return Err(Uncheckable::Gibberish);
    }
    let alphabetic: Vec<&String> = words.iter().filter(|w| w.chars().all(char::is_alphabetic)).collect();
    let wordlike = alphabetic.iter().filter(|w| looks_like_a_word(w)).count();
    if alphabetic.is_empty() || (wordlike as f32) < 0.6 * alphabetic.len() as f32 {
        return Err(Uncheckable::Gibberish);
    }
    let content = words.iter().filter(|w| !verity_text::is_stopword(w)).count();
    if content < 2 {
        return Err(Uncheckable::TooShort);
    }
    let lower = format!(" {} ", words.join(" "));
    if let Some(marker) = OPINION_MARKERS.iter().find(|m| lower.contains(&format!(" {m} "))) {
        return Err(Uncheckable::Opinion { marker: marker.to_string() });
    }
    if words[0] == "should" {
        return Err(Uncheckable::Opinion { marker: "should".into() });
    }
    let has_number = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    if let Some(marker) = EVALUATIVE_WORDS.iter().find(|m| words.iter().any(|w| w == *m)).filter(|_| !has_number) {
        return Err(Uncheckable::Opinion { marker: marker.to_string() });
    }
    if let Some(marker) = prediction_marker(&words, current_year) {
        return Err(Uncheckable::Prediction { marker });
    }
    if WH_WORDS.contains(&words[0].as_str()) {
        return Err(Uncheckable::OpenQuestion);
    }

    let read = declarative(trimmed);
    if let Some(marker) = judgement_asked(&read) {
        return Err(Uncheckable::Opinion { marker });
    }
    let text = read.text;
    let tokens = Tokens::of(&text);
    let claim = Claim {
        entities: entities(&text),
        key_terms: key_terms_of(&tokens.words),
        negated: words.iter().any(|w| NEGATIONS.contains(&w.as_str())),
        announcement: read.announcement,
        text,
    };
    Ok((claim, tokens))
}

fn looks_like_a_word(w: &str) -> bool {
    if w.len() > 25 {
        return false;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    if w.len() > 3 && !w.chars().any(vowel) {
        return false;
    }
    let mut run = 0;
    for c in w.chars() {
        run = if vowel(c) || !c.is_ascii_alphabetic() { 0 } else { run + 1 };
        if run >= 5 {
            return false;
        }
    }
    // Short all-consonant tokens are acronyms ("DOJ", "MS"); three-letter non-vowel soup counts as noise.
    !(w.len() == 3
        && !w.chars().any(vowel)
        && !matches!(w, "ms" | "dna" | "rna" | "bbc" | "cnn" | "nbc" | "cbs" | "mrna"))
}

/// A question about the future that no source can settle yet. A question about a plan ("Will the council close
/// the library?") is not one: it is checked against what has been announced or decided.
fn prediction_marker(words: &[String], current_year: i32) -> Option<String> {
    let first_two = words.iter().take(3).map(String::as_str).collect::<Vec<_>>().join(" ");
    let lower = words.join(" ");
    let dated = FUTURE_MARKERS.iter().find(|m| format!(" {lower} ").contains(&format!(" {m} ")));
    if words[0] == "will" || words[0] == "shall" || first_two.contains("going to") {
        let future_year = words.iter().filter_map(|w| w.parse::<i32>().ok()).find(|y| (1900..=2200).contains(y));
        let opener = if words[0] == "will" || words[0] == "shall" { words[0].clone() } else { "going to".into() };
        if let Some(marker) = dated {
            return Some(format!("{opener} ... {marker}"));
        }
        if future_year.is_some_and(|y| y > current_year) || crate::question::asks_for_prediction(&lower) {
            return Some(opener);
        }
    }
    let year_ahead = words.iter().filter_map(|w| w.parse::<i32>().ok()).find(|y| *y > current_year && *y < 2200);
    let future_verb = words.iter().any(|w| w == "will" || w == "going");
    match year_ahead {
        Some(y) if future_verb => Some(format!("will ... {y}")),
        _ => None,
    }
}

/// Words that put a question's answer in the future.
const FUTURE_MARKERS: &[&str] = &[
    "next year",
    "next month",
    "next week",
    "next decade",
    "tomorrow",
    "soon",
    "in the future",
    "someday",
    "one day",
    "by the end of the decade",
    "in the coming years",
    "in ten years",
    "in the next",
];

/// Words that judge rather than describe, when they are what a question asks of its subject ("Was the speech
/// good?", "Is X a better game than Y?").
const JUDGEMENTS: &[&str] = &[
    "good",
    "bad",
    "better",
    "worse",
    "great",
    "nice",
    "fun",
    "funny",
    "interesting",
    "boring",
    "impressive",
    "disappointing",
    "beautiful",
    "ugly",
    "wonderful",
    "awful",
    "excellent",
    "brilliant",
    "cool",
    "fair",
    "unfair",
    "right",
    "wrong",
    "worth",
    "worthwhile",
    "smart",
    "dumb",
    "lovely",
    "horrible",
    "pointless",
    "silly",
];

/// The judging word when what a question asks of its subject is a judgement ("a better game", "good"); a
/// comparison that can be measured ("older than", "sold more than") is not one.
fn judgement_asked(read: &Read) -> Option<String> {
    let predicate = read.predicate.as_deref()?;
    let words = verity_text::words(predicate);
    let head: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| matches!(*w, "a" | "an" | "the" | "not" | "really" | "very" | "more" | "most" | "so" | "too"))
        .take(1)
        .collect();
    head.first().filter(|w| JUDGEMENTS.contains(w)).map(|w| w.to_string())
}

struct Read {
    text: String,
    announcement: bool,
    predicate: Option<String>,
}

/// Turns a yes/no question into a statement: "Did the minister hand over X?" -> "The minister handed over X."
/// Declarative input is kept as written. When the subject cannot be found, the question's own words are kept.
fn declarative(q: &str) -> Read {
    let mut q = q.trim().to_string();
    for prefix in
        ["is it true that ", "is it the case that ", "true or false: ", "fact check: ", "claim: ", "did you know that "]
    {
        if q.to_lowercase().starts_with(prefix) {
            q = q[prefix.len()..].to_string();
        }
    }
    let read = crate::question::statement(q.trim_end_matches(['.', '?', '!']));
    let text = if read.kept_as_question {
        format!("{}?", capitalise(&read.text))
    } else {
        format!("{}.", crate::question::sentence_case(&read.text))
    };
    Read { text, announcement: read.announcement, predicate: read.predicate }
}

/// The first letter in upper case (a question kept as written starts as the user typed it, but for that).
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c)
            if c.is_lowercase()
                && !text.split(' ').next().is_some_and(|w| w.chars().skip(1).any(char::is_uppercase)) =>
        {
            c.to_uppercase().collect::<String>() + chars.as_str()
        }
        Some(c) => c.to_string() + chars.as_str(),
        None => String::new(),
    }
}

const AUXILIARIES: &[&str] = &[
    "did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "may",
    "might", "must",
];

/// Finds the subject at the start of a statement: a pronoun, or a determiner and the capitalised words after it
/// ("the prime minister"), or a run of capitalised words (a name). Returns the subject and the index of the word
/// after it, which must exist.
fn subject_split<'a>(rest: &[&'a str]) -> Option<(Vec<&'a str>, usize)> {
    let first = *rest.first()?;
    let lower = first.to_lowercase();
    let end = if ["he", "she", "it", "they", "we", "you", "i"].contains(&lower.as_str()) {
        1
    } else if DETERMINERS.contains(&lower.as_str()) {
        let caps = rest[1..].iter().take_while(|w| starts_upper(w)).count();
        1 + caps.max(1)
    } else if starts_upper(first) || first.chars().any(|c| c.is_ascii_digit()) {
        rest.iter().take_while(|w| starts_upper(w) || w.chars().any(|c| c.is_ascii_digit()) || **w == "of").count()
    } else {
        return None;
    };
    if end >= rest.len() {
        return None;
    }
    Some((rest[..end].to_vec(), end))
}

fn lowercase_first(mut words: Vec<&str>) -> Vec<&str> {
    // The sentence is capitalised afterwards; keep names as written.
    if let Some(w) = words.first_mut() {
        *w = match *w {
            "The" => "the",
            "A" => "a",
            "An" => "an",
            other => other,
        };
    }
    words
}

fn starts_upper(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Names, acronyms and numbers: capitalised runs (not the first word unless it is clearly a name), all-caps
/// tokens and tokens with digits.
pub fn entities(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<String>| {
        if !run.is_empty() {
            let e = run.join(" ");
            if !out.contains(&e) {
                out.push(e);
            }
            run.clear();
        }
    };
    for (i, raw) in tokens.iter().enumerate() {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let w = w.strip_suffix("'s").or_else(|| w.strip_suffix("\u{2019}s")).unwrap_or(w);
        let is_digit = w.chars().any(|c| c.is_ascii_digit());
        let is_cap = starts_upper(w);
        let stop = verity_text::is_stopword(&w.to_lowercase());
        let first_word_plain = i == 0 && (stop || DETERMINERS.contains(&w.to_lowercase().as_str()));
        if !w.is_empty() && (is_digit || (is_cap && !first_word_plain && !(stop && run.is_empty()))) {
            run.push(w.to_string());
        } else {
            flush(&mut run, &mut out);
        }
        if raw.ends_with([',', '.', ';', ':', '?', '!']) {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Words that open a purpose or exchange clause: "X did Y *to get* Z", "*in exchange for* Z".
pub(crate) const PURPOSE_MARKERS: &[&str] = &[
    " in order to ",
    " in exchange for ",
    " in return for ",
    " so that ",
    " to get ",
    " to gain ",
    " to win ",
    " to secure ",
    " to obtain ",
    " to avoid ",
    " for access ",
];
/// Words that open a causal or temporal clause ("*because* the court ruled", "*after* the vote"), and what such
/// a clause asserts when it is a statement of its own.
pub(crate) const CLAUSE_MARKERS: &[(&str, verity_model::FacetRole)] = &[
    (" because ", verity_model::FacetRole::Cause),
    (" after ", verity_model::FacetRole::Timing),
    (" before ", verity_model::FacetRole::Timing),
];

/// The claim without its purpose, exchange, causal or temporal clause, when it has one and what is left still
/// says something.
pub fn main_clause(text: &str) -> Option<&str> {
    let folded = verity_text::Folded::new(text);
    let markers = PURPOSE_MARKERS.iter().copied().chain(CLAUSE_MARKERS.iter().map(|(m, _)| *m));
    let at = markers.filter_map(|m| folded.find(m).map(|(at, _)| at)).min()?;
    let main = text[..at].trim();
    (main.split_whitespace().count() >= 3).then_some(main)
}

/// The subject at the start of a declarative sentence ("the minister", "Rubio"), as written.
pub fn subject_of(words: &[&str]) -> Option<String> {
    // Everything before the first verb, when that comes early ("the mayor of Springfield resigned").
    let verb =
        words.iter().take(8).skip(1).position(|w| is_past_verb(w) || AUXILIARIES.contains(&w.to_lowercase().as_str()));
    match verb {
        Some(at) => Some(lowercase_first(words[..at + 1].to_vec()).join(" ")),
        None => subject_split(words).map(|(subject, _)| lowercase_first(subject).join(" ")),
    }
}

/// A past-tense verb form: a past the lexicon knows, or a regular "-ed" form.
pub fn is_past_verb(word: &str) -> bool {
    let w = word.to_lowercase();
    (w.len() > 4 && w.ends_with("ed") && w.chars().all(char::is_alphabetic))
        || verity_text::lexicon::lexicon().is_verb_form(&w, verity_text::lexicon::VerbForm::Past)
}

/// A claim from a statement already in declarative form (a part of a larger claim), without the question checks.
pub fn from_statement(text: &str) -> Claim {
    statement_with_tokens(text).0
}

/// [`from_statement`], with the statement's tokens.
pub(super) fn statement_with_tokens(text: &str) -> (Claim, Tokens) {
    let tokens = Tokens::of(text);
    let claim = Claim {
        entities: entities(text),
        key_terms: key_terms_of(&tokens.words),
        negated: tokens.words.iter().any(|w| NEGATIONS.contains(&w.as_str())),
        announcement: false,
        text: text.to_string(),
    };
    (claim, tokens)
}

/// Content words, lower-cased, unique, in order.
pub fn key_terms(text: &str) -> Vec<String> {
    key_terms_of(&verity_text::words(text))
}

fn key_terms_of(words: &[String]) -> Vec<String> {
    let mut out: Vec<&String> = Vec::new();
    for w in words {
        if !verity_text::is_stopword(w) && !NEGATIONS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    }
    out.into_iter().cloned().collect()
}

pub(crate) fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

/// Words after which a word is inside a noun phrase, not the sentence's verb ("the reported cases").
const BEFORE_A_NOUN: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "our", "my", "of", "in", "on",
    "for", "with", "by", "to", "from", "and", "or", "as", "at", "into", "than", "newly", "most", "more", "less",
];
/// Words after which a past form is a participle opening a phrase ("patients treated with"), not the verb.
const AFTER_A_PARTICIPLE: &[&str] =
    &["by", "with", "to", "in", "from", "at", "on", "for", "as", "into", "via", "using"];

/// The claim turned into its own denial, keeping its other words: "The council banned cars downtown." -> "The
/// council did not ban cars downtown.", "X is safe." -> "X is not safe.", and a denial back into the claim ("X did
/// not ban cars." -> "X did ban cars."). Only the main clause's first verb changes. `None` when no verb can be
/// placed with confidence: a judge is then asked nothing about the opposite.
pub fn opposite(statement: &str) -> Option<String> {
    let sentence = Words::new(statement);
    let head = sentence.words.len().min(14);
    sentence.without_denial(head).or_else(|| sentence.denied(head))
}

/// A statement's words as written, with their lower-case forms, for [`opposite`].
struct Words<'a> {
    words: Vec<&'a str>,
    lower: Vec<String>,
}

impl<'a> Words<'a> {
    fn new(statement: &'a str) -> Words<'a> {
        let words: Vec<&str> = statement.split(' ').filter(|w| !w.is_empty()).collect();
        let lower = words.iter().map(|w| w.to_lowercase()).collect();
        Words { words, lower }
    }

    /// Word `i` in lower case without the punctuation around it; empty past the end.
    fn bare(&self, i: usize) -> String {
        self.lower.get(i).map_or(String::new(), |w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-').to_string()
        })
    }

    /// The statement with word `i` replaced by `with`.
    fn rebuilt(&self, i: usize, with: &[String]) -> String {
        let mut out: Vec<String> = self.words[..i].iter().map(|w| w.to_string()).collect();
        out.extend(with.iter().cloned());
        out.extend(self.words[i + 1..].iter().map(|w| w.to_string()));
        out.join(" ")
    }

    /// A denial already (among the first `head` words): the statement with its negation taken away.
    fn without_denial(&self, head: usize) -> Option<String> {
        for (i, word) in self.words.iter().enumerate().take(head).skip(1) {
            match self.bare(i).as_str() {
                "not" | "never" => return Some(self.rebuilt(i, &[]).replace(" ,", ",")),
                "cannot" => return Some(self.rebuilt(i, &[with_case(word, "can")])),
                w if w.ends_with("n't") && w.len() > 3 => {
                    let aux = match w {
                        "won't" => "will",
                        "can't" => "can",
                        _ => &w[..w.len() - 3],
                    };
                    return Some(self.rebuilt(i, &[with_case(word, aux)]));
                }
                _ => {}
            }
        }
        None
    }

    /// The statement with its main verb (among the first `head` words) denied; `None` where the verb cannot be
    /// told.
    fn denied(&self, head: usize) -> Option<String> {
        let lexicon = verity_text::lexicon::lexicon();
        for i in 1..head {
            let (word, before, after) = (self.bare(i), self.bare(i - 1), self.bare(i + 1));
            if self.words[i].chars().next().is_some_and(char::is_uppercase) {
                continue;
            }
            if matches!(
                word.as_str(),
                "that" | "which" | "who" | "whom" | "whose" | "when" | "where" | "if" | "because"
            ) {
                return None; // a subordinate clause before any verb: the main verb is not where it can be told.
            }
            if let Some(denied) = self.auxiliary_denied(i, &word, &after) {
                return Some(denied);
            }
            if BEFORE_A_NOUN.contains(&before.as_str()) {
                continue;
            }
            let forms = lexicon.verb_forms(&word);
            let base_of = |form| forms.iter().find(|(_, f)| *f == form).map(|(base, _)| base.clone());
            if let Some(base) = base_of(verity_text::lexicon::VerbForm::Past).or_else(|| {
                (word.len() > 4 && word.ends_with("ed") && !lexicon.knows(&word)).then(|| word[..word.len() - 2].into())
            }) {
                if AFTER_A_PARTICIPLE.contains(&after.as_str()) {
                    continue; // "patients treated with ...": the subject's participle, not the verb
                }
                return Some(self.rebuilt(i, &["did".into(), "not".into(), base]));
            }
            // A form that is also a noun ("increases", "cause") is the verb unless a verb follows it ("price
            // increases were ...": then it was the subject's noun).
            let verb_follows = AUXILIARIES.contains(&after.as_str())
                || lexicon.is_verb_form(&after, verity_text::lexicon::VerbForm::Past)
                || lexicon.is_verb_form(&after, verity_text::lexicon::VerbForm::Third);
            let noun_too = lexicon.is(&word, verity_text::lexicon::Class::Noun);
            if let Some(base) = base_of(verity_text::lexicon::VerbForm::Third)
                && !(noun_too && (verb_follows || after == "of"))
            {
                return Some(self.rebuilt(i, &["does".into(), "not".into(), base]));
            }
            if lexicon.is_verb_form(&word, verity_text::lexicon::VerbForm::Base)
                && !(noun_too && (verb_follows || after == "of"))
                && before.ends_with('s')
                && lexicon.is(&before, verity_text::lexicon::Class::Noun)
            {
                return Some(self.rebuilt(i, &["do".into(), "not".into(), self.words[i].to_string()]));
            }
        }
        None
    }

    /// Word `i` as an auxiliary, denied: "is" -> "is not", "has banned" -> "has not banned", "has a plan" ->
    /// "does not have a plan".
    fn auxiliary_denied(&self, i: usize, word: &str, after: &str) -> Option<String> {
        let auxiliary = AUXILIARIES.contains(&word) || matches!(word, "should" | "shall" | "am");
        if auxiliary && !matches!(word, "has" | "have" | "had") {
            return Some(self.rebuilt(i, &[self.words[i].to_string(), "not".into()]));
        }
        if !matches!(word, "has" | "have" | "had") {
            return None;
        }
        let lexicon = verity_text::lexicon::lexicon();
        let participle = lexicon.is_verb_form(after, verity_text::lexicon::VerbForm::Participle)
            || after.ends_with("ed")
            || after.ends_with("en");
        if participle || after == "been" {
            return Some(self.rebuilt(i, &[self.words[i].to_string(), "not".into()]));
        }
        let aux = match word {
            "has" => "does",
            "have" => "do",
            _ => "did",
        };
        Some(self.rebuilt(i, &[aux.into(), "not".into(), "have".into()]))
    }
}

/// `word` in the case of `like` (capitalised or not).
fn with_case(like: &str, word: &str) -> String {
    if like.chars().next().is_some_and(char::is_uppercase) {
        crate::question::sentence_case(word)
    } else {
        word.to_string()
    }
}

/// Verbs so general that a sentence lacking them is no less about the claim ("to get access" = "access").
const LIGHT_VERBS: &[&str] = &[
    "get", "got", "make", "made", "take", "took", "give", "gave", "go", "went", "come", "came", "put", "let", "use",
    "used", "becom", "becam", "seem",
];

/// The claim's stems that evidence is scored on: content words without light verbs, each once.
pub fn stems(claim_text: &str) -> Vec<String> {
    scored_stems(verity_text::content_terms(claim_text).into_iter())
}

/// [`stems`] from content terms already read.
pub fn scored_stems(content_terms: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    content_terms.filter(|s| !LIGHT_VERBS.contains(&s.as_str()) && seen.insert(s.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(question: &str, expected: Result<&str, &str>) {
        let got = extract(question, 2026).map(|c| c.text).map_err(|e| e.to_string());
        match (got, expected) {
            (Ok(text), Ok(want)) => assert_eq!(text, want, "{question}"),
            (Err(msg), Err(want)) => assert!(msg.contains(want), "{question}: {msg}"),
            (got, want) => panic!("{question}: got {got:?}, want {want:?}"),
        }
    }

    fn check_opposite(statement: &str, expected: Option<&str>) {
        assert_eq!(opposite(statement).as_deref(), expected, "{statement}");
    }

    #[test]
    fn a_claim_is_turned_into_its_denial_at_its_main_verb() {
        check_opposite("The council banned cars downtown.", Some("The council did not ban cars downtown."));
        check_opposite(
            "Minister Okafor handed over protected informants to get access to a prison in Norland.",
            Some("Minister Okafor did not hand over protected informants to get access to a prison in Norland."),
        );
        check_opposite("Vitamin D prevents COVID-19.", Some("Vitamin D does not prevent COVID-19."));
        check_opposite(
            "The city was the first to adopt the tax.",
            Some("The city was not the first to adopt the tax."),
        );
        check_opposite(
            "ALDH1 expression is associated with poorer prognosis.",
            Some("ALDH1 expression is not associated with poorer prognosis."),
        );
        check_opposite("Shares rose after the results.", Some("Shares did not rise after the results."));
        check_opposite("The team beat Leeds.", Some("The team did not beat Leeds."));
        check_opposite("She has visited Paris twice.", Some("She has not visited Paris twice."));
        check_opposite("The company has a plan.", Some("The company does not have a plan."));
        check_opposite("Mutations cause cancer.", Some("Mutations do not cause cancer."));
        check_opposite(
            "Aspirin increases the risk of bleeding.",
            Some("Aspirin does not increase the risk of bleeding."),
        );
        check_opposite("Price increases were small.", Some("Price increases were not small."));
        check_opposite(
            "Patients treated with aspirin had fewer strokes.",
            Some("Patients treated with aspirin did not have fewer strokes."),
        );
        check_opposite("The vaccine can cause infertility.", Some("The vaccine can not cause infertility."));
    }

    #[test]
    fn a_denial_is_turned_back_into_the_claim() {
        check_opposite("The ministry did not hand over informants.", Some("The ministry did hand over informants."));
        check_opposite("The drug is not safe.", Some("The drug is safe."));
        check_opposite("Masks don't work.", Some("Masks do work."));
        check_opposite("The mayor never resigned.", Some("The mayor resigned."));
    }

    #[test]
    fn no_opposite_where_the_verb_cannot_be_placed() {
        check_opposite("Climate change.", None);
        check_opposite("The claim that vaccines cause autism.", None);
    }

    #[test]
    fn yes_no_questions_become_statements() {
        check(
            "Did Rubio turn over DOJ MS13 informants to get access to El Salvadoran prisons?",
            Ok("Rubio turned over DOJ MS13 informants to get access to El Salvadoran prisons."),
        );
        check("Did the minister hand over protected informants?", Ok("The minister handed over protected informants."));
        check("Does vitamin D prevent COVID-19?", Ok("Vitamin D prevents COVID-19."));
        check(
            "Does vitamin D deficiency increase the risk of tuberculosis?",
            Ok("Vitamin D deficiency increases the risk of tuberculosis."),
        );
        check("Does the sky whistle at noon?", Ok("The sky whistles at noon."));
        check("Does red wine whistle at noon?", Ok("Red wine whistles at noon."));
        // No verb to place: the question's own words.
        check("Does the council quickly at noon?", Ok("Does the council quickly at noon?"));
        check("Does Aspirin reduce the risk of stroke?", Ok("Aspirin reduces the risk of stroke."));
        check("Is it true that the council banned cars downtown?", Ok("The council banned cars downtown."));
        check("Was the Eiffel Tower built in 1889?", Ok("The Eiffel Tower was built in 1889."));
        check("Did the city stop the plan?", Ok("The city stopped the plan."));
    }

    #[test]
    fn names_numbers_and_quotes_are_kept_and_invisible_characters_removed() {
        check("Did the drug significantly prolong survival?", Ok("The drug significantly prolonged survival."));
        check("Does the 1,000 Genomes project enable mapping?", Ok("The 1,000 Genomes project enables mapping."));
        check("Did the senator say \"no new taxes\"?", Ok("The senator said \"no new taxes\"."));
        check("Did Ru\u{200B}bio resign\u{202E}?", Ok("Rubio resigned."));
        check("Did ＷＨＯ declare a pandemic?", Ok("WHO declared a pandemic."));
    }

    #[test]
    fn plans_are_checked_as_announcements_and_only_unknowable_futures_refused() {
        let plan = extract("Will the new model be sold in Europe?", 2026).unwrap();
        assert_eq!((plan.text.as_str(), plan.announcement), ("The new model will be sold in Europe.", true));
        assert!(extract("Is the company closing the plant?", 2026).unwrap().announcement);
        check("Will prices fall next year?", Err("future"));
        check("Will the euro collapse?", Err("future"));
    }

    #[test]
    fn judgements_are_opinions_and_measurable_comparisons_are_checked() {
        check("Is Chess a better game than Go?", Err("opinion"));
        check("Was the speech good?", Err("opinion"));
        check(
            "Is the Golden Gate Bridge older than the Bay Bridge?",
            Ok("The Golden Gate Bridge is older than the Bay Bridge."),
        );
        check("Did Apple sell more phones than Samsung?", Ok("Apple sold more phones than Samsung."));
    }

    #[test]
    fn statements_are_kept() {
        check(
            "0-dimensional biomaterials show inductive properties.",
            Ok("0-dimensional biomaterials show inductive properties."),
        );
    }

    #[test]
    fn uncheckable_input_gets_a_message_that_says_what_to_do() {
        check("", Err("type a claim"));
        check("   ?? ", Err("type a claim"));
        check("asdfgh jklqwrt zxcvbnm", Err("does not look like words"));
        check("Rubio?", Err("too short"));
        check("I think pineapple pizza is great", Err("opinion"));
        check("Is Messi the best footballer ever?", Err("opinion"));
        check("Should the city ban cars?", Err("opinion"));
        check("Will the euro collapse next year?", Err("future"));
        check("Will inflation fall below 2% in 2030?", Err("future"));
        check("Who is the minister of justice?", Err("open question"));
        let pasted = format!("Did the council ban cars downtown? {}", "The council met on Tuesday. ".repeat(20));
        check(&pasted, Err("at most 500 characters"));
        let at_limit = format!("Did the council ban all cars downtown{}?", " again".repeat(77));
        assert_eq!(at_limit.chars().count(), QUESTION_LIMIT);
        assert!(!matches!(extract(&at_limit, 2026), Err(Uncheckable::TooLong { .. })));
    }

    #[test]
    fn the_main_clause_leaves_out_the_purpose() {
        assert_eq!(
            main_clause("Okafor handed over informants to get access to a prison."),
            Some("Okafor handed over informants")
        );
        assert_eq!(main_clause("Rubio gave informants in exchange for prison access."), Some("Rubio gave informants"));
        assert_eq!(main_clause("Masks work."), None);
        assert_eq!(main_clause("Okafor left after a vote."), None);
    }

    #[test]
    fn entities_terms_and_negation() {
        let c =
            extract("Did Marco Rubio promise the DOJ's nine MS-13 informants to Bukele in March 2025?", 2026).unwrap();
        assert_eq!(c.entities, ["Marco Rubio", "DOJ", "MS-13", "Bukele", "March 2025"]);
        assert_eq!(c.key_terms[..4], ["marco", "rubio", "promised", "doj"]);
        assert!(!c.negated);
        assert!(extract("The vaccine does not alter DNA.", 2026).unwrap().negated);
    }
}
