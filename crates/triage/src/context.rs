//! From sentence to claim: a sentence that leans on the ones before it ("He said it rose 8%") is made to stand on
//! its own where the text makes the reference clear, and is marked as needing context where it does not.
//!
//! Replacements are bracketed ("[Maria Chen] said [unemployment] rose 8%"), as an editor marks words that are not
//! the speaker's; everything else is kept as said. The rules are deliberately narrow: a pronoun is resolved only
//! when one candidate is in sight, since a wrong referent would check a claim nobody made.
//! - "I", "me", "my" are the speaker a transcript names;
//! - "he", "she" and their forms are the one person named in the two sentences before (a person: a name of two or
//!   three capitalised words, or one after a title such as "Senator"), unless the sentence names a person first;
//! - "it" and "they" as a subject are the subject of the sentence before, when that is a thing (or things) and
//!   not a person; "it" in "it is true that ..." refers to nothing;
//! - "this" or "that" standing alone as a subject ("That cost us 2 million jobs") needs context.

use serde::Serialize;

use crate::Statement;

/// A claim that stands on its own, or says why it cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandAlone {
    /// The sentence with its references resolved (bracketed), or as said when none needed resolving.
    pub claim: String,
    /// What was replaced: (the word said, what it refers to).
    pub resolved: Vec<(String, String)>,
    /// The word whose referent the text leaves unclear; the claim is then the sentence as said.
    pub needs_context: Option<String>,
}

/// Words before a name that make it a person's: "Senator Ruiz".
const TITLES: &str = "mr mrs ms dr president senator sen governor gov minister mayor judge rep representative secretary \
     chancellor king queen pope general prince princess professor prof speaker vice congressman \
     congresswoman sheriff commissioner chairman chairwoman premier";
/// Words that make a capitalised run an organisation, a place or a thing rather than a person.
const NOT_PERSON_WORDS: &str = "ministry council department party university bank company corporation inc association court \
     committee government agency office times news post ledger senate house congress parliament union \
     republic kingdom states nations street road avenue hospital institute center centre fund group board \
     commission service police army force club school college church foundation federal reserve act bill \
     care security administration county city state island islands river airport new united north south \
     east west san los las saint great soviet european middle january february march april may june july \
     august september october november december monday tuesday wednesday thursday friday saturday sunday \
     america american americans democrats republicans democratic republican god medicare medicaid";
/// Subjects that stand for a statement rather than a thing: "The fact is that ... It costs" refers to no fact.
const ABSTRACT_HEADS: &[&str] = &[
    "fact", "thing", "things", "problem", "issue", "point", "reason", "truth", "question", "answer", "way", "idea",
    "deal", "bottom", "end", "one", "lot",
];
const BE: &[&str] = &["is", "was", "has", "had", "will", "would", "could", "can", "may", "might", "seems", "appears"];
const DEMONSTRATIVES: &[&str] = &["this", "that", "these", "those"];
/// Words after which a pronoun opens a clause of its own and is its subject.
const CLAUSE_OPENERS: &[&str] =
    &["and", "but", "so", "because", "that", "said", "says", "then", "yet", "when", "since"];

/// Whether `word` is one of the space-separated `words`.
fn is_in(words: &str, word: &str) -> bool {
    words.split_whitespace().any(|w| w == word)
}

/// What one word of a sentence comes to.
enum Reading {
    /// Kept as said.
    Said,
    /// Replaced by what it refers to (bracketed), with a verb written out after it ("[Smith] is" for "I'm"); `agrees`
    /// replaces the next word too ("I am" -> "[Smith] is").
    Meant { meant: String, verb: &'static str, agrees: Option<&'static str> },
    /// Its referent is not clear.
    Unclear,
}

/// Where a word stands in its sentence, as the rules read it.
struct Place<'a> {
    tokens: &'a [&'a str],
    at: usize,
    /// The next word, lower-cased.
    next: String,
}

impl Place<'_> {
    /// At the start of a clause, where a pronoun is the subject.
    fn opens_clause(&self) -> bool {
        self.at == 0 || CLAUSE_OPENERS.contains(&clean(self.tokens[self.at - 1]).as_str())
    }
}

/// The sentence at `at` made to stand on its own, reading the statements before it.
pub fn stand_alone(statements: &[Statement], at: usize) -> StandAlone {
    let statement = &statements[at];
    let tokens: Vec<&str> = statement.text.split_whitespace().collect();
    let speaker = statement.speaker.as_deref().map(speaker_name);
    let before: Vec<&Statement> = statements[at.saturating_sub(2)..at].iter().collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut resolved: Vec<(String, String)> = Vec::new();
    let mut skip_next = false;
    for (i, raw) in tokens.iter().enumerate() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let (lead, word, trail) = split_punctuation(raw);
        let next = tokens.get(i + 1).map(|t| split_punctuation(t).1.to_lowercase()).unwrap_or_default();
        // "he's", "they're": the pronoun is resolved, and the verb it carries is written out after the name.
        let (word, carried) = contracted(word, &next);
        let place = Place { tokens: &tokens, at: i, next };
        match read_word(word, &place, speaker.as_deref(), &before) {
            Reading::Said => out.push(raw.to_string()),
            Reading::Unclear => {
                return StandAlone {
                    claim: statement.text.clone(),
                    resolved: Vec::new(),
                    needs_context: Some(word.to_string()),
                };
            }
            Reading::Meant { meant, verb, agrees } => {
                resolved.push((word.to_string(), meant.clone()));
                out.push(format!("{lead}[{meant}]{verb}{carried}{trail}"));
                if let Some(agreed) = agrees {
                    out.push(agreed.to_string() + split_punctuation(tokens[i + 1]).2);
                    skip_next = true;
                }
            }
        }
    }
    StandAlone { claim: out.join(" "), resolved, needs_context: None }
}

/// One word by the rules of this module.
fn read_word(word: &str, place: &Place<'_>, speaker: Option<&str>, before: &[&Statement]) -> Reading {
    let lower = word.to_lowercase().replace('\u{2019}', "'");
    match lower.as_str() {
        "i" | "me" | "myself" | "i'm" | "i've" | "i'd" | "i'll" | "my" | "mine" => first_person(&lower, place, speaker),
        "he" | "him" | "his" | "himself" | "she" | "her" | "hers" | "herself" => {
            let names_own = place.tokens[..place.at].iter().any(|t| starts_upper(split_punctuation(t).1))
                && named_person(&place.tokens[..place.at]);
            if names_own {
                return Reading::Said; // "Smith said he ...": the sentence names its own person.
            }
            match one_person(before) {
                Some(name) => {
                    let possessive = lower == "his" || lower == "hers" || (lower == "her" && takes_noun(&place.next));
                    let meant = if possessive { format!("{name}'s") } else { name };
                    Reading::Meant { meant, verb: "", agrees: None }
                }
                None => Reading::Unclear,
            }
        }
        "it" | "they" if place.opens_clause() => {
            if lower == "it" && expletive(&place.tokens[place.at..]) {
                return Reading::Said;
            }
            match before.last().and_then(|s| thing_subject(&s.text, lower == "they")) {
                Some(thing) => Reading::Meant { meant: thing, verb: "", agrees: None },
                None => Reading::Unclear,
            }
        }
        w if place.at == 0 && DEMONSTRATIVES.contains(&w) && opens_predicate(&place.next) => Reading::Unclear,
        _ => Reading::Said,
    }
}

/// "I", "me", "my" and their contractions: the speaker a transcript names, or unclear without one.
fn first_person(lower: &str, place: &Place<'_>, speaker: Option<&str>) -> Reading {
    let Some(name) = speaker else { return Reading::Unclear };
    let meant = if matches!(lower, "my" | "mine") { format!("{name}'s") } else { name.to_string() };
    let verb = match lower {
        "i'm" => " is",
        "i've" => " has",
        "i'd" => " would",
        "i'll" => " will",
        _ => "",
    };
    // "I am" and "I have" agree with the name that replaces "I".
    let agrees = match (lower, place.next.as_str()) {
        ("i", "am") => Some("is"),
        ("i", "have") => Some("has"),
        _ => None,
    };
    Reading::Meant { meant, verb, agrees }
}

/// A third-person pronoun with a verb contracted onto it, split: ("he", " is") from "he's"; other words whole.
fn contracted<'w>(word: &'w str, next: &str) -> (&'w str, &'static str) {
    // Split on the apostrophe in `word` itself, straight or curly, so the pronoun is a slice of the word.
    let Some((pronoun, tail)) = word.split_once(['\'', '\u{2019}']) else { return (word, "") };
    if !["he", "she", "it", "they"].contains(&pronoun.to_lowercase().as_str()) {
        return (word, "");
    }
    let participle = next == "been"
        || verity_text::lexicon::lexicon().is_verb_form(next, verity_text::lexicon::VerbForm::Participle);
    let verb = match tail {
        "s" if participle => " has",
        "s" => " is",
        "re" => " are",
        "ve" => " have",
        "d" => " would",
        "ll" => " will",
        _ => return (word, ""),
    };
    (pronoun, verb)
}

/// "SMITH" -> "Smith"; "Sen. Jones (D-Ohio)" -> "Sen. Jones"; "MODERATOR (Jane Doe)" -> "Jane Doe".
fn speaker_name(label: &str) -> String {
    let (outer, inner) = match label.split_once('(') {
        Some((outer, inner)) => (outer.trim(), Some(inner.trim_end_matches(')').trim())),
        None => (label.trim(), None),
    };
    let role_only = outer.split_whitespace().count() == 1
        && ["moderator", "host", "anchor", "interviewer", "reporter"].contains(&outer.to_lowercase().as_str());
    let name = match inner {
        Some(inner) if role_only && inner.chars().next().is_some_and(char::is_uppercase) => inner,
        _ => outer,
    };
    name.split_whitespace()
        .map(|w| {
            if w.len() > 1 && w.chars().all(|c| !c.is_lowercase()) {
                let mut chars = w.chars();
                chars.next().map(|c| c.to_string()).unwrap_or_default() + &chars.as_str().to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_punctuation(token: &str) -> (&str, &str, &str) {
    let start = token.find(|c: char| c.is_alphanumeric()).unwrap_or(token.len());
    let end =
        token.rfind(|c: char| c.is_alphanumeric()).map_or(start, |e| e + token[e..].chars().next().unwrap().len_utf8());
    let end = end.max(start);
    (&token[..start], &token[start..end], &token[end..])
}

fn clean(token: &str) -> String {
    split_punctuation(token).1.to_lowercase()
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The people named in `tokens`: capitalised runs of two or three words, or one or two after a title, that no
/// organisation or place word marks as something else; each as written, titles left out.
fn people(tokens: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let titled = is_in(TITLES, clean(tokens[i]).as_str()) && starts_upper(tokens[i]);
        let from = if titled { i + 1 } else { i };
        let mut run: Vec<&str> = Vec::new();
        let mut j = from;
        while j < tokens.len() && run.len() < 3 {
            let (_, word, trail) = split_punctuation(tokens[j]);
            let word = word.strip_suffix("'s").or_else(|| word.strip_suffix("\u{2019}s")).unwrap_or(word);
            if word.is_empty() || !starts_upper(word) || !word.chars().all(|c| c.is_alphabetic() || c == '-') {
                break;
            }
            // A sentence's first word is capitalised for being first, not for being a name.
            if j == 0 && !titled && verity_text::is_stopword(&word.to_lowercase()) {
                break;
            }
            run.push(word);
            j += 1;
            if !trail.is_empty() && trail != "'s" {
                break;
            }
        }
        let is_person = !run.is_empty()
            && (titled || run.len() >= 2)
            && !run.iter().all(|w| is_in(TITLES, w.to_lowercase().as_str()))
            && !run.iter().any(|w| is_in(NOT_PERSON_WORDS, w.to_lowercase().as_str()))
            && !(j - from == 1 && from == 0 && !titled);
        if is_person {
            found.push(run.join(" "));
        }
        i = j.max(i + 1);
    }
    found
}

fn named_person(tokens: &[&str]) -> bool {
    !people(tokens).is_empty()
}

/// The one person the statements name (a surname alone counts as the full name it ends), if exactly one.
fn one_person(statements: &[&Statement]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for statement in statements {
        let tokens: Vec<&str> = statement.text.split_whitespace().collect();
        for name in people(&tokens) {
            let same = names.iter().position(|n| n.ends_with(&name) || name.ends_with(n.as_str()));
            match same {
                Some(k) if name.len() > names[k].len() => names[k] = name,
                Some(_) => {}
                None => names.push(name),
            }
        }
    }
    (names.len() == 1).then(|| names.remove(0))
}

/// "her" before a noun is possessive ("her plan"); before a verb, a preposition or the sentence's end, an object.
fn takes_noun(next: &str) -> bool {
    !next.is_empty()
        && !verity_text::is_stopword(next)
        && !verity_text::lexicon::lexicon().only(next, verity_text::lexicon::Class::Verb)
}

/// "It is true that ...", "it was time to ...": an "it" that stands for the clause after it, not for a thing.
fn expletive(from_it: &[&str]) -> bool {
    let words: Vec<String> = from_it.iter().map(|t| clean(t)).collect();
    let opens = words.first().is_some_and(|w| w == "it's" || w == "its")
        || words.get(1).is_some_and(|w| BE.contains(&w.as_str()) || w == "takes" || w == "makes");
    opens && words.iter().skip(1).take(6).any(|w| w == "that" || w == "to" || w == "if" || w == "whether")
}

/// A bare "this" or "that" opens the sentence as its subject when a verb follows it at once.
fn opens_predicate(next: &str) -> bool {
    BE.contains(&next)
        || ["are", "were", "does", "did", "means", "meant", "cost", "costs", "led", "leads", "caused", "causes"]
            .contains(&next)
        || verity_text::lexicon::lexicon().only(next, verity_text::lexicon::Class::Verb)
}

/// The subject of `sentence` when it is a thing ("unemployment", "the new tax"): not a person, a pronoun or a
/// demonstrative, at most five words; `plural` asks for things ("the banks", "taxes and fees").
fn thing_subject(sentence: &str, plural: bool) -> Option<String> {
    let words: Vec<&str> = sentence.split_whitespace().map(|t| split_punctuation(t).1).collect();
    let subject = verity_pipeline::claim::subject_of(&words)?;
    let parts: Vec<&str> = subject.split_whitespace().collect();
    let head = parts.last()?.to_lowercase();
    let pronoun = ["he", "she", "it", "they", "we", "you", "i", "this", "that", "there", "these", "those"];
    let verb_tail = verity_pipeline::claim::is_past_verb(&head)
        || ["did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could"]
            .contains(&head.as_str());
    // `subject_of` keeps the first verb when it finds one early; the subject is what comes before it.
    let parts: Vec<&str> = if verb_tail { parts[..parts.len() - 1].to_vec() } else { parts };
    let head = parts.last()?.to_lowercase();
    if parts.is_empty() || parts.len() > 5 || parts.iter().any(|p| pronoun.contains(&p.to_lowercase().as_str())) {
        return None;
    }
    if named_person(&parts)
        || parts.iter().any(|p| is_in(TITLES, p.to_lowercase().as_str()))
        || ABSTRACT_HEADS.contains(&head.as_str())
    {
        return None;
    }
    let is_plural = (head.ends_with('s') && !head.ends_with("ss")) || parts.contains(&"and");
    // The subject opened its sentence; a common word is lower-cased where it now stands inside another.
    let mut thing = parts.join(" ");
    let first = parts[0].to_lowercase();
    if verity_text::is_stopword(&first) || verity_text::lexicon::lexicon().knows(&first) {
        thing.replace_range(..parts[0].len(), &first);
    }
    (is_plural == plural).then_some(thing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected_claim: &str, expected_unclear: Option<&str>) {
        let statements = crate::statements(text);
        let last = stand_alone(&statements, statements.len() - 1);
        assert_eq!((last.claim.as_str(), last.needs_context.as_deref()), (expected_claim, expected_unclear), "{text}");
    }

    #[test]
    fn a_person_named_just_before_is_who_he_or_she_is() {
        check(
            "Maria Chen runs the treasury. She said the deficit fell by 3%.",
            "[Maria Chen] said the deficit fell by 3%.",
            None,
        );
        check("Senator Ruiz spoke first. His plan cut taxes.", "[Ruiz's] plan cut taxes.", None);
        check("Smith spoke. Jones answered. He said taxes rose.", "He said taxes rose.", Some("He"));
        check("The Vice President spoke. He refuses to act.", "He refuses to act.", Some("He"));
        check("Maria Chen met John Ortiz. He said taxes rose.", "He said taxes rose.", Some("He"));
    }

    #[test]
    fn it_and_they_are_the_thing_the_sentence_before_was_about() {
        check(
            "Maria Chen spoke about unemployment. Unemployment was 5% in 2019. She said it rose 8% since.",
            "[Maria Chen] said [unemployment] rose 8% since.",
            None,
        );
        check("Unemployment was 5% in 2019. It rose 8% since.", "[unemployment] rose 8% since.", None);
        check("The new banks opened in May. They lent $2 billion.", "[the new banks] lent $2 billion.", None);
        check("Maria Chen arrived. It rose 8%.", "It rose 8%.", Some("It"));
        check(
            "Maria Chen arrived. They're able to charge women more.",
            "They're able to charge women more.",
            Some("They"),
        );
        check("Prices jumped. They're higher than in 2019.", "[prices] are higher than in 2019.", None);
        check("Senator Ruiz spoke. He's been in office since 2010.", "[Ruiz] has been in office since 2010.", None);
        check("Inflation was 9% in 2022. It\u{2019}s fallen to 3% since.", "[inflation] has fallen to 3% since.", None);
        check("Costs are high. It is true that wages fell.", "It is true that wages fell.", None);
        check("The fact is that schools closed. It costs a lot.", "It costs a lot.", Some("It"));
    }

    #[test]
    fn the_speaker_is_who_i_am_and_without_one_i_needs_context() {
        check("SMITH: I have cut taxes by 10%.", "[Smith] has cut taxes by 10%.", None);
        check("MODERATOR (Jane Doe): My office counted 40 votes.", "[Jane Doe's] office counted 40 votes.", None);
        check("I cut taxes by 10%.", "I cut taxes by 10%.", Some("I"));
    }

    #[test]
    fn a_bare_this_or_that_as_subject_needs_context() {
        check("Taxes rose. That cost us 2 million jobs.", "That cost us 2 million jobs.", Some("That"));
        check("This bill cut taxes by 10%.", "This bill cut taxes by 10%.", None);
    }

    #[test]
    fn a_sentence_with_nothing_to_resolve_is_kept_as_said() {
        check("Unemployment fell to 4% in 2019.", "Unemployment fell to 4% in 2019.", None);
    }
}
