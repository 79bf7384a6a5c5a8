//! A yes/no question read as the statement it asks about: "Did the drug significantly prolong survival?" ->
//! "The drug significantly prolonged survival." Only the auxiliary moves and only the main verb is inflected;
//! names, numbers and quoted words stay exactly as the user typed them. When the reader cannot place the
//! subject or the verb, it keeps the question's own words (a judge can read a question).
//!
//! Word classes come from [`verity_text::lexicon`]; a word the lexicon does not know is a name when it is
//! capitalised or has digits, and a noun otherwise.

use verity_text::lexicon::{Class, VerbForm, lexicon};

/// What a question asks, as a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    /// The question was not turned into a statement (its subject or verb could not be placed).
    pub kept_as_question: bool,
    /// The question is about something planned or announced ("Will the plant close?", "Is the company closing
    /// the plant?"): what can be checked is the announcement or decision.
    pub announcement: bool,
    /// For a question about being ("Is X Y?"), where the predicate starts in `text`'s words: lets the caller
    /// look at what is asserted of the subject (an opinion, a comparison).
    pub predicate: Option<String>,
}

const DO: &[&str] = &["did", "does", "do"];
const BE: &[&str] = &["is", "are", "was", "were", "am"];
const HAVE: &[&str] = &["has", "have", "had"];
const MODAL: &[&str] = &["can", "could", "will", "would", "may", "might", "must", "shall", "should"];
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "its", "their", "our", "my", "your", "some",
    "any", "every", "each", "no", "all", "both", "many", "most", "several", "few", "such",
];
const PREPOSITIONS: &[&str] = &[
    "of", "in", "on", "at", "by", "for", "with", "from", "to", "into", "onto", "over", "under", "between", "among",
    "during", "after", "before", "through", "within", "without", "via", "against", "about", "across", "than", "per",
    "as", "like", "toward", "towards", "upon", "around", "near", "since", "until", "despite", "due",
];
const CONJUNCTIONS: &[&str] = &["and", "or", "but", "nor", "&"];
const RELATIVES: &[&str] = &["that", "which", "who", "whom", "whose", "where", "when"];
const PRONOUNS: &[&str] = &["he", "she", "it", "they", "we", "you", "i", "him", "them", "us", "me", "there"];
/// Words that open a comparison or a measure after "is": "more effective", "as likely", "two times higher".
const COMPARATIVES: &[&str] =
    &["more", "less", "most", "least", "as", "too", "equally", "twice", "half", "fewer", "better", "worse", "same"];
/// Prepositions that can open what is said of a subject ("at higher risk", "among the most vulnerable").
const PREDICATE_PREPOSITIONS: &[&str] = &["at", "among", "within", "above", "below", "beyond"];
/// Words that open a phrase put before the question ("In June, did ...", "Among women, are ...").
const FRONTED: &[&str] = &[
    "in",
    "among",
    "from",
    "by",
    "after",
    "before",
    "through",
    "during",
    "last",
    "using",
    "though",
    "although",
    "while",
    "early",
    "at",
    "since",
    "on",
    "over",
    "under",
    "for",
    "with",
    "without",
    "according",
    "despite",
    "when",
    "if",
    "as",
    "today",
    "yesterday",
    "recently",
    "now",
    "then",
    "also",
    "so",
    "and",
    "but",
];
/// Adverbs that may sit between the subject and the verb.
const ADVERBS: &[&str] = &[
    "not",
    "never",
    "also",
    "still",
    "ever",
    "already",
    "only",
    "just",
    "even",
    "really",
    "actually",
    "indeed",
    "always",
    "often",
    "usually",
    "sometimes",
    "quietly",
    "directly",
    "once",
    "again",
    "first",
    "last",
    "all",
];
/// Verbs of outcome: a future question about one of these asks for a prediction, not an announcement.
const OUTCOME_VERBS: &[&str] = &[
    "fall", "rise", "drop", "grow", "shrink", "collapse", "crash", "recover", "win", "lose", "happen", "succeed",
    "fail", "survive", "increase", "decrease", "decline", "improve", "worsen", "end", "last", "beat", "reach",
    "become", "rain", "snow",
];

pub fn statement(question: &str) -> Statement {
    let kept = |text: String| Statement { text, kept_as_question: true, announcement: false, predicate: None };
    let tokens: Vec<&str> = question.split(' ').filter(|t| !t.is_empty()).collect();
    let Some(at) = auxiliary_at(&tokens) else {
        return Statement { text: question.to_string(), kept_as_question: false, announcement: false, predicate: None };
    };
    let aux = tokens[at].to_lowercase();
    let front = &tokens[..at];
    let body = &tokens[at + 1..];
    let read = if DO.contains(&aux.as_str()) {
        do_support(&aux, body)
    } else if BE.contains(&aux.as_str()) {
        insert_aux(tokens[at], body, predicate_at(body))
    } else if HAVE.contains(&aux.as_str()) {
        insert_aux(tokens[at], body, participle_at(body))
    } else {
        insert_aux(tokens[at], body, verb_at(body, true))
    };
    let Some((words, predicate)) = read else {
        return kept(question.to_string());
    };
    let mut words: Vec<String> = words;
    if front.is_empty() {
        if let Some(first) = words.first_mut() {
            *first = capitalised(first);
        }
    } else {
        let mut front: Vec<String> = front.iter().map(|w| w.to_string()).collect();
        front.append(&mut words);
        words = front;
    }
    let announcement = match aux.as_str() {
        "will" | "shall" => true,
        _ => BE.contains(&aux.as_str()) && predicate.as_deref().is_some_and(is_ing_form),
    };
    Statement {
        text: words.join(" "),
        kept_as_question: false,
        announcement,
        predicate: BE.contains(&aux.as_str()).then_some(predicate).flatten(),
    }
}

/// Whether a future question asks for a prediction (an outcome no source can settle yet) rather than about a
/// plan: its verb is one of outcome ("fall", "win", "collapse") or its subject is no one who could announce it.
pub fn asks_for_prediction(question: &str) -> bool {
    let tokens: Vec<&str> = question.split(' ').filter(|t| !t.is_empty()).collect();
    let Some(at) = auxiliary_at(&tokens) else { return false };
    let body = &tokens[at + 1..];
    let Some(v) = verb_at(body, true) else { return true };
    let verb = bare(body[v]).to_lowercase();
    let subject: Vec<String> = body[..v].iter().map(|w| bare(w).to_lowercase()).collect();
    let impersonal = [
        "prices",
        "price",
        "inflation",
        "rates",
        "economy",
        "market",
        "markets",
        "stocks",
        "weather",
        "temperatures",
        "euro",
        "dollar",
        "unemployment",
        "it",
    ];
    OUTCOME_VERBS.contains(&verb.as_str()) || subject.iter().any(|w| impersonal.contains(&w.as_str()))
}

/// Where the auxiliary that opens the question is: the first word, or the first auxiliary after a phrase put
/// before it ("In June, did a study find ...?"), which must be lower-case ("May" the month is no auxiliary).
fn auxiliary_at(tokens: &[&str]) -> Option<usize> {
    let is_aux = |w: &str| {
        let w = w.to_lowercase();
        DO.contains(&w.as_str())
            || BE.contains(&w.as_str())
            || HAVE.contains(&w.as_str())
            || MODAL.contains(&w.as_str())
    };
    if tokens.len() < 3 {
        return None;
    }
    if is_aux(tokens[0]) {
        return Some(0);
    }
    if !FRONTED.contains(&bare(tokens[0]).to_lowercase().as_str()) && !tokens[0].ends_with(',') {
        return None;
    }
    let lower_aux = |i: usize| i + 1 < tokens.len() && is_aux(tokens[i]) && tokens[i].chars().all(char::is_lowercase);
    let limit = tokens.len().min(16);
    // After a comma when the fronted phrase has one ("While X is present in feces, can it ..."), else the first.
    if let Some(comma) = (0..limit).find(|&i| tokens[i].ends_with(','))
        && lower_aux(comma + 1)
    {
        return Some(comma + 1);
    }
    (1..limit).find(|&i| {
        lower_aux(i)
            && !DETERMINERS.contains(&tokens[i - 1].to_lowercase().as_str())
            && tokens[..i].iter().any(|t| is_name(t) || t.chars().any(|c| c.is_ascii_digit()) || t.ends_with(','))
    })
}

/// "Did/does/do SUBJECT VERB ...": the verb inflected for the auxiliary, or the auxiliary kept before "not".
fn do_support(aux: &str, body: &[&str]) -> Option<(Vec<String>, Option<String>)> {
    let v = verb_at(body, false)?;
    let mut words: Vec<String> = body.iter().map(|w| w.to_string()).collect();
    if v >= 1 && matches!(bare(body[v - 1]).to_lowercase().as_str(), "not" | "n't") {
        // "Does X not alter Y?" -> "X does not alter Y."
        words.insert(v - 1, aux.to_string());
        return Some((words, None));
    }
    words[v] = inflect(body[v], aux)?;
    // "Did X resign and move abroad?": a second verb takes the tense of the first.
    for i in v + 2..body.len() {
        let verb_like_next = body.get(i + 1).is_none_or(|n| {
            (opens_a_phrase(bare(n)) || lexicon().is(bare(n), Class::Adverb)) && !n.eq_ignore_ascii_case("of")
        });
        if CONJUNCTIONS.contains(&body[i - 1].to_lowercase().as_str())
            && is_base_verb(body[i])
            && !lexicon().is(bare(body[i]), Class::Adjective)
            && verb_like_next
        {
            words[i] = inflect(body[i], aux)?;
        }
    }
    Some((words, None))
}

/// SUBJECT AUX PREDICATE, from "AUX SUBJECT PREDICATE" with the predicate starting at `at`.
fn insert_aux(aux: &str, body: &[&str], at: Option<usize>) -> Option<(Vec<String>, Option<String>)> {
    let at = at?;
    let mut words: Vec<String> = body.iter().map(|w| w.to_string()).collect();
    let predicate = body[at..].join(" ");
    if aux.eq_ignore_ascii_case("can") && body[at] == "not" {
        words[at] = "cannot".into();
    } else {
        words.insert(at, aux.to_lowercase());
    }
    Some((words, Some(predicate)))
}

/// The main verb after a subject: the first base form placed like a verb (not inside a noun phrase, not in a
/// relative clause, followed by what a verb takes).
fn verb_at(body: &[&str], after_modal: bool) -> Option<usize> {
    let mut fallback: Option<(i32, usize)> = None;
    for i in 1..body.len() {
        let w = bare(body[i]);
        let lower = w.to_lowercase();
        if lower == "not" && after_modal && subject_may_end(body, i) {
            // "Would X not have occurred?": the predicate starts at "not".
            return Some(extend_back(body, i));
        }
        let unknown_after_adverb = !lexicon().knows(&lower)
            && lower.chars().all(char::is_alphabetic)
            && !verity_text::is_stopword(&lower)
            && !PREPOSITIONS.contains(&lower.as_str())
            && is_adverb(bare(body[i - 1]));
        let candidate =
            (is_base_verb(w) || unknown_after_adverb || (after_modal && matches!(lower.as_str(), "be" | "have")))
                && !is_name(body[i]);
        if !candidate || !subject_may_end(body, i) || inside_noun_phrase(body, i) {
            continue;
        }
        let noun_too = lexicon().is(w, Class::Noun);
        let next_is_verb = body.get(i + 1).is_some_and(|n| is_base_verb(n) && !is_name(n));
        if noun_too && head_missing(&body[..i]) && (next_is_verb || !determined_by_names(&body[..i])) {
            continue; // "the 1,000 Genomes project enable": the noun the subject was waiting for.
        }
        let possessed = bare(body[i - 1]).ends_with("'s") || bare(body[i - 1]).ends_with("\u{2019}s");
        if possessed
            && (next_is_verb || !body.get(i + 1).is_some_and(|n| opens_a_phrase(bare(n)) || bare(n).ends_with("ing")))
        {
            continue; // "Iwasaki's team show": a noun after a possessive; "McDonald's stop selling": a verb.
        }
        let next = body.get(i + 1).map(|n| bare(n).to_lowercase());
        if noun_too && next.as_deref() == Some("of") {
            continue; // "one type of", "the number of"
        }
        let mut score = 0;
        if noun_too {
            score -= 1;
        }
        if lexicon().is(w, Class::Adjective) {
            score -= 1;
        }
        // "stress increase the ...", "team find 69 ...": the next word is the verb, this one its subject's noun.
        let after = body.get(i + 2).map(|n| bare(n).to_lowercase());
        if noun_too
            && body.get(i + 1).is_some_and(|n| is_base_verb(n) && !is_name(n))
            && after.as_deref().is_some_and(|a| {
                DETERMINERS.contains(&a)
                    || PRONOUNS.contains(&a)
                    || a.chars().next().is_some_and(|c| c.is_ascii_digit())
            })
        {
            score -= 2;
        }
        if noun_too && body.get(i + 2).is_some_and(|a| a.starts_with('(')) {
            score -= 2; // "vault protein (MVP) lead": a noun phrase closes at its acronym.
        }
        match body.get(i + 1).map(|n| bare(n)) {
            Some(next) if opens_a_phrase(next) => score += 2,
            Some(next) if is_base_verb(next) && !lexicon().is(next, Class::Noun) && !is_name(next) => score -= 2,
            Some(next)
                if is_name(next) || lexicon().is(next, Class::Noun) || is_adjective(next) || next.ends_with("ing") =>
            {
                score += 1
            }
            _ => {}
        }
        if is_adverb(bare(body[i - 1])) {
            score += 2;
        }
        if score >= 0 {
            return Some(if after_modal { extend_back(body, i) } else { i });
        }
        if fallback.is_none_or(|(s, _)| score > s) {
            fallback = Some((score, i));
        }
    }
    fallback.filter(|(s, _)| *s >= -1).map(|(_, i)| if after_modal { extend_back(body, i) } else { i })
}

/// Whether a subject that starts with an article has not reached its noun yet ("the 1,000 Genomes ..."): the
/// next noun-like word is that noun, not a verb.
fn head_missing(subject: &[&str]) -> bool {
    let Some(first) = subject.first() else { return false };
    let determined =
        DETERMINERS.contains(&first.to_lowercase().as_str()) || NUMERALS.contains(&first.to_lowercase().as_str());
    let rest = if determined { &subject[1..] } else { subject };
    rest.iter().all(|w| {
        let w = bare(w);
        let lower = w.to_lowercase();
        (determined && (is_name(w) || w.chars().any(|c| c.is_ascii_digit())))
            || COMPARATIVES.contains(&lower.as_str())
            || (!lexicon().is(w, Class::Noun)
                && (lexicon().is(w, Class::Adjective) || lexicon().is(w, Class::Adverb) || is_participle(w)))
    })
}

const NUMERALS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "dozens",
    "hundreds",
    "thousands",
    "millions",
];

/// Whether a subject is an article and names only ("the EU", "most Americans"): a whole noun phrase already.
fn determined_by_names(subject: &[&str]) -> bool {
    subject.len() >= 2
        && DETERMINERS.contains(&subject[0].to_lowercase().as_str())
        && subject[1..].iter().all(|w| is_name(w) && !w.chars().any(|c| c.is_ascii_digit()))
}

/// Whether word `i` sits inside a noun phrase: after an article and adjectives ("the early part").
fn inside_noun_phrase(body: &[&str], i: usize) -> bool {
    i >= 2
        && lexicon().is(bare(body[i - 1]), Class::Adjective)
        && !lexicon().is(bare(body[i - 1]), Class::Noun)
        && DETERMINERS.contains(&bare(body[i - 2]).to_lowercase().as_str())
}

/// Where what is said of the subject starts after "is/are/was/were": "not", a participle, an adjective, an
/// article ("a marker"), a comparison, a measure, or one of a few prepositions ("at higher risk"). A candidate
/// that could as well be inside the subject ("genes regulated by X", "inhibitors effective treatments") counts
/// only when no surer one follows.
fn predicate_at(body: &[&str]) -> Option<usize> {
    if body.len() >= 2
        && matches!(
            body[0].to_lowercase().as_str(),
            "there" | "it" | "this" | "that" | "he" | "she" | "they" | "we" | "you"
        )
    {
        return Some(1);
    }
    let mut weak = None;
    for i in 1..body.len() {
        let w = bare(body[i]);
        let number = w.chars().next().is_some_and(|c| c.is_ascii_digit());
        if !subject_may_end(body, i) || (is_name(body[i]) && !number) {
            continue;
        }
        match candidate_strength(body, i) {
            // A participle with its agent ("found with samples taken from ...") stands unless what follows is a
            // surer, non-participle predicate ("genes regulated by X sensitive to Y").
            Some(true) if weak.is_some_and(|(_, participle)| participle) && is_participle(w) => {
                return weak.map(|(k, _)| k);
            }
            Some(true) => return Some(extend_back(body, i)),
            Some(false) if weak.is_none() => weak = Some((extend_back(body, i), is_participle(w))),
            _ => {}
        }
    }
    weak.map(|(k, _)| k)
}

/// How surely word `i` of `body` starts what is said of the subject: `Some(true)` surely, `Some(false)` only
/// if no surer candidate follows, `None` not at all.
fn candidate_strength(body: &[&str], i: usize) -> Option<bool> {
    let w = bare(body[i]);
    let lower = w.to_lowercase();
    let number = w.chars().next().is_some_and(|c| c.is_ascii_digit());
    let next = body.get(i + 1).map(|n| bare(n));
    let next_raw = body.get(i + 1).copied();
    let ends = body[i].ends_with(',') || next.is_none();
    let opens = ends
        || next_raw.is_some_and(|n| !n.starts_with('('))
            && next.is_some_and(|n| {
                (opens_a_phrase(n) && !is_adjective(n))
                    || is_adverb(n)
                    || CONJUNCTIONS.contains(&n.to_lowercase().as_str())
            });
    let next_is_noun = next_raw.is_some_and(|n| {
        let n = bare(n);
        is_name(n)
            || (lexicon().is(n, Class::Noun) && !opens_a_phrase(n))
            || (!lexicon().knows(n) && !is_adjective(n) && !is_participle(n))
    });
    let prev = bare(body[i - 1]);
    let prev_is_noun = is_name(body[i - 1])
        || (lexicon().is(prev, Class::Noun) && !lexicon().is(prev, Class::Adjective))
        || (!lexicon().knows(prev) && !is_adjective(prev) && !is_participle(prev) && !prev.ends_with("ing"));
    let next_is_comparative = next.is_some_and(|n| COMPARATIVES.contains(&n.to_lowercase().as_str()));
    if matches!(lower.as_str(), "not" | "never") || COMPARATIVES.contains(&lower.as_str()) {
        Some(true)
    } else if PREDICATE_PREPOSITIONS.contains(&lower.as_str()) {
        // "at higher risk", "among the most vulnerable" (but "a mask at home" is the subject's).
        next.is_some_and(|n| {
            is_adjective(n)
                || is_participle(n)
                || DETERMINERS.contains(&n.to_lowercase().as_str())
                || COMPARATIVES.contains(&n.to_lowercase().as_str())
        })
        .then_some(true)
    } else if matches!(lower.as_str(), "a" | "an" | "one" | "the") {
        // A predicate noun ("Is TMEM27 a marker"), after a whole subject (not after a verb of its clause).
        let after_noun = prev_is_noun || !lexicon().knows(prev) && !prev.ends_with("ing") && !is_participle(prev);
        after_noun.then_some(true)
    } else if NUMERALS.contains(&lower.as_str()) {
        next.is_some_and(|n| n.eq_ignore_ascii_case("times")).then_some(true)
    } else if number && body[i].starts_with('(') {
        None
    } else if number {
        // A measure: "is 3.57 times", "are 40% higher".
        (next.is_some_and(|n| matches!(n.to_lowercase().as_str(), "times" | "percent" | "per" | "fold"))
            || w.ends_with('%'))
        .then_some(true)
    } else if is_participle(w) {
        if opens {
            // "genes regulated by X sensitive to Y": a participle with its agent may still be the subject's.
            Some(!next.is_some_and(|n| matches!(n.to_lowercase().as_str(), "by" | "with")))
        } else {
            None
        }
    } else if lower.ends_with("ing") && lexicon().is_verb_form(w, VerbForm::Ing) {
        // "Is the company closing the plant?" (but "monitoring inaccurate" and "converting enzyme" are nouns).
        (next.is_some_and(|n| {
            DETERMINERS.contains(&n.to_lowercase().as_str()) || PRONOUNS.contains(&n.to_lowercase().as_str())
        }))
        .then_some(true)
    } else if is_adjective(w) {
        if next_is_comparative {
            None // "20 years old half as susceptible": the adjective is the subject's.
        } else if opens {
            Some(true)
        } else if next_is_noun && prev_is_noun {
            Some(false)
        } else {
            None
        }
    } else {
        None
    }
}

/// Where the participle after "has/have/had" is ("Has the bank raised rates?"); `None` for possession
/// ("Has X a Y?"), which is left as the user wrote it.
fn participle_at(body: &[&str]) -> Option<usize> {
    let mut best: Option<(i32, usize)> = None;
    for i in 1..body.len() {
        let w = bare(body[i]);
        if !subject_may_end(body, i) || is_name(body[i]) {
            continue;
        }
        if matches!(w.to_lowercase().as_str(), "not" | "never" | "already" | "ever") {
            if body.get(i + 1).is_some_and(|n| is_participle(bare(n))) {
                return Some(extend_back(body, i));
            }
            continue;
        }
        if !is_participle(w) && !w.eq_ignore_ascii_case("been") {
            continue;
        }
        let mut score = 0;
        match body.get(i + 1).map(|n| bare(n)) {
            Some(next) if opens_a_phrase(next) || is_participle(next) => score += 2,
            Some(next) if lexicon().only(next, Class::Noun) => score -= 1,
            _ => score += 1,
        }
        if score >= 2 {
            return Some(extend_back(body, i));
        }
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    best.map(|(_, i)| extend_back(body, i))
}

/// Whether the subject can end before word `i`: not after an article, a preposition, a conjunction, a relative
/// pronoun or an adjective that needs its noun.
fn subject_may_end(body: &[&str], i: usize) -> bool {
    let prev_raw = body[i - 1];
    let prev = bare(prev_raw).to_lowercase();
    if prev_raw.ends_with(',') {
        // "the gene daf-16, which encodes FOXO, required for ...": a comma closes the subject only after a clause
        // that a comma opened; in a list ("older people, men, ...") the subject goes on.
        let opened = body[..i - 1].windows(2).any(|w| {
            w[0].ends_with(',')
                && (RELATIVES.contains(&bare(w[1]).to_lowercase().as_str())
                    || matches!(
                        bare(w[1]).to_lowercase().as_str(),
                        "such" | "including" | "like" | "e.g" | "for" | "especially"
                    ))
        });
        return opened;
    }
    let is_aux_word = DO.contains(&prev.as_str())
        || BE.contains(&prev.as_str())
        || HAVE.contains(&prev.as_str())
        || MODAL.contains(&prev.as_str())
        || prev.ends_with("n't")
        || prev.ends_with("n\u{2019}t");
    if is_aux_word {
        return false; // "who don't feel ill": inside a clause of the subject.
    }
    !(DETERMINERS.contains(&prev.as_str())
        || PREPOSITIONS.contains(&prev.as_str())
        || CONJUNCTIONS.contains(&prev.as_str())
        || (RELATIVES.contains(&prev.as_str()) && prev_raw.chars().all(|c| !c.is_uppercase()))
        || prev == "to"
        || (lexicon().only(&prev, Class::Adjective) && !COMPARATIVES.contains(&prev.as_str())))
}

/// The start of the adverbs right before `i` (the auxiliary goes before them: "is significantly associated").
fn extend_back(body: &[&str], mut i: usize) -> usize {
    while i > 1
        && is_adverb(bare(body[i - 1]))
        && (ADVERBS.contains(&bare(body[i - 1]).to_lowercase().as_str())
            || !lexicon().is(bare(body[i - 1]), Class::Noun))
    {
        i -= 1;
    }
    i
}

/// A word that opens a phrase after a verb: an article, a pronoun, a preposition, "that", a number or an adverb.
fn opens_a_phrase(word: &str) -> bool {
    let lower = word.to_lowercase();
    DETERMINERS.contains(&lower.as_str())
        || PRONOUNS.contains(&lower.as_str())
        || PREPOSITIONS.contains(&lower.as_str())
        || COMPARATIVES.contains(&lower.as_str())
        || matches!(
            lower.as_str(),
            "that" | "whether" | "if" | "not" | "up" | "down" | "out" | "off" | "away" | "back" | "over"
        )
        || word.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '$' || c == '"' || c == '\u{201c}')
        || is_adverb(word)
}

fn is_base_verb(word: &str) -> bool {
    let w = bare(word);
    let lower = w.to_lowercase();
    lexicon().is_verb_form(w, VerbForm::Base)
        && !DETERMINERS.contains(&lower.as_str())
        && !PREPOSITIONS.contains(&lower.as_str())
        && !matches!(
            lower.as_str(),
            "up" | "down" | "out" | "off" | "away" | "back" | "over" | "round" | "still" | "even"
        )
}

fn is_participle(word: &str) -> bool {
    let lower = word.to_lowercase();
    lexicon().is_verb_form(&lower, VerbForm::Participle)
        || lexicon().is_verb_form(&lower, VerbForm::Past) && lower.ends_with("ed")
        || (!lexicon().is(&lower, Class::Noun)
            && lower.len() > 4
            && lower.ends_with("ed")
            && lower.chars().all(|c| c.is_alphabetic() || c == '-'))
}

fn is_adjective(word: &str) -> bool {
    let lower = word.to_lowercase();
    if PREPOSITIONS.contains(&lower.as_str()) || DETERMINERS.contains(&lower.as_str()) {
        return false;
    }
    if lexicon().is(&lower, Class::Adjective) {
        return true;
    }
    const SUFFIXES: &[&str] = &[
        "al", "ive", "ous", "ible", "able", "ant", "ent", "ic", "ful", "less", "ary", "ory", "ar", "free", "like",
        "est", "ier",
    ];
    !lexicon().is(&lower, Class::Verb)
        && lower.chars().all(|c| c.is_alphabetic() || c == '-')
        && SUFFIXES.iter().any(|s| lower.ends_with(s))
}

fn is_adverb(word: &str) -> bool {
    let lower = word.to_lowercase();
    ADVERBS.contains(&lower.as_str())
        || (lexicon().is(&lower, Class::Adverb) && lower.ends_with("ly"))
        || (!lexicon().knows(&lower) && lower.len() > 5 && lower.ends_with("ly"))
}

fn is_ing_form(predicate: &str) -> bool {
    predicate.split(' ').next().is_some_and(|w| w.ends_with("ing") && lexicon().is_verb_form(bare(w), VerbForm::Ing))
}

/// A name, acronym or number: capitalised, or with a digit or a capital inside.
fn is_name(word: &str) -> bool {
    let w = bare(word);
    w.chars().next().is_some_and(char::is_uppercase)
        || w.chars().any(|c| c.is_ascii_digit())
        || w.chars().skip(1).any(char::is_uppercase)
}

/// The word without surrounding punctuation.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '%' && c != '\'' && c != '-')
}

/// The verb form after "did" (past), "does" (third person) or "do" (base), with the word's own punctuation.
fn inflect(word: &str, aux: &str) -> Option<String> {
    let core = bare(word);
    let start = word.find(core)?;
    let (before, after) = (&word[..start], &word[start + core.len()..]);
    let lower = core.to_lowercase();
    let form = match aux {
        "do" => return Some(word.to_string()),
        "did" => match lexicon().verb(&lower) {
            Some(v) if lower != "be" => v.past.clone(),
            Some(_) => return None,
            None => regular(&lower, "ed"),
        },
        _ => match lower.as_str() {
            "have" => "has".to_string(),
            "be" => return None,
            _ => lexicon().verb(&lower).map(|v| v.third.clone()).unwrap_or_else(|| regular(&lower, "s")),
        },
    };
    Some(format!("{before}{form}{after}"))
}

/// The regular past or third person of a verb the lexicon does not know ("underperform" -> "underperformed").
fn regular(verb: &str, ending: &str) -> String {
    match ending {
        "ed" if verb.ends_with('e') => format!("{verb}d"),
        "ed" if verb.ends_with('y') && !verb.ends_with("ay") && !verb.ends_with("ey") && !verb.ends_with("oy") => {
            format!("{}ied", &verb[..verb.len() - 1])
        }
        "s" if verb.ends_with(['s', 'x', 'z']) || verb.ends_with("ch") || verb.ends_with("sh") => format!("{verb}es"),
        "s" if verb.ends_with('y') && !verb.ends_with("ay") && !verb.ends_with("ey") && !verb.ends_with("oy") => {
            format!("{}ies", &verb[..verb.len() - 1])
        }
        _ => format!("{verb}{ending}"),
    }
}

/// `text` with its first word as a statement starts ([`capitalised`]).
pub fn sentence_case(text: &str) -> String {
    match text.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", capitalised(first)),
        None => capitalised(text),
    }
}

/// A sentence's first word as it starts a statement: a lower-case word of the language gets a capital; names
/// ("mRNA", "p53", "iPhone") keep their case.
fn capitalised(word: &str) -> String {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let core = word.trim_end_matches([',', ';', ':']);
    let plain = core.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '\'')
        && word.chars().any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y'))
        && letters >= 1;
    if !plain {
        return word.to_string();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(question: &str, expected: &str) {
        let got = statement(question.trim_end_matches('?'));
        assert_eq!(got.text, expected, "{question}");
    }

    /// Found by `scripts/fuzz.sh`: a fronted phrase ending in a comma with nothing after it read past the end.
    #[test]
    fn a_question_ending_in_a_comma_is_read_as_it_is() {
        check("in March 2025 ,", "in March 2025 ,");
    }

    #[test]
    fn only_the_auxiliary_moves_and_only_the_verb_is_inflected() {
        check(
            "Does the 1,000 Genomes project enable mapping of variants?",
            "The 1,000 Genomes project enables mapping of variants",
        );
        check("Is the 1,000 Genomes project useful for mapping?", "The 1,000 Genomes project is useful for mapping");
        check("Did the drug significantly prolong survival?", "The drug significantly prolonged survival");
        check(
            "Does including pharmacists in rounding teams not alter the incidence?",
            "Including pharmacists in rounding teams does not alter the incidence",
        );
        check("Did the mayor resign and move abroad?", "The mayor resigned and moved abroad");
        check(
            "Is pioglitazone use significantly associated with cancer?",
            "Pioglitazone use is significantly associated with cancer",
        );
        check("Has the central bank raised interest rates?", "The central bank has raised interest rates");
        check(
            "Can drugs that block interleukin-6 activity increase deaths?",
            "Drugs that block interleukin-6 activity can increase deaths",
        );
        check("In June, did a study find that masks work?", "In June, a study found that masks work");
        check(
            "Is there no association between smoking and cancer?",
            "There is no association between smoking and cancer",
        );
        check("Do mRNA vaccines alter DNA?", "mRNA vaccines alter DNA");
    }

    #[test]
    fn plans_are_announcements_and_outcomes_are_predictions() {
        assert!(statement("Will the new model be sold in Europe").announcement);
        assert!(statement("Is the company closing the plant").announcement);
        assert!(!statement("Is the company profitable").announcement);
        assert!(asks_for_prediction("Will prices fall next year"));
        assert!(asks_for_prediction("Will the euro collapse"));
        assert!(!asks_for_prediction("Will the government raise the pension age to 67"));
    }
}
