//! Whether two questions ask about the same claim: the site offers the earlier report instead of growing a
//! second page for one question.
//!
//! Two signals, either enough: the Dice overlap of stemmed content words ([`lexical`]), and, when the caller
//! has sentence vectors, their cosine. Both are vetoed by [`compatible`]: a claim with other numbers, or with
//! the negation flipped, is another claim however alike the words are.

use std::collections::HashSet;

use verity_text::{content_terms, words};

/// Dice overlap at or above which two questions are taken as one claim.
pub const LEXICAL_SAME: f32 = 0.6;
/// Cosine of sentence vectors at or above which two questions are taken as one claim.
pub const SEMANTIC_SAME: f32 = 0.86;

const NEGATIONS: &[&str] = &["not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without"];

/// Dice overlap of the two questions' distinct stemmed content words, in 0..=1.
pub fn lexical(a: &str, b: &str) -> f32 {
    let set = |s: &str| -> HashSet<String> { content_terms(s).into_iter().filter(|t| !is_negation(t)).collect() };
    let (a, b) = (set(a), set(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(&b).count() as f32 / (a.len() + b.len()) as f32
}

/// False when the questions differ in their numbers or in whether they are negated.
pub fn compatible(a: &str, b: &str) -> bool {
    numbers(a) == numbers(b) && negated(a) == negated(b)
}

/// The same claim by words, or by vectors when `cosine` is given.
pub fn same_claim(a: &str, b: &str, cosine: Option<f32>) -> bool {
    compatible(a, b) && (lexical(a, b) >= LEXICAL_SAME || cosine.is_some_and(|c| c >= SEMANTIC_SAME))
}

fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word) || word.ends_with("n't")
}

fn negated(s: &str) -> bool {
    words(s).iter().filter(|w| is_negation(w)).count() % 2 == 1
}

fn numbers(s: &str) -> Vec<String> {
    let mut found: Vec<String> = s
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(|c| c == '.' || c == ',').replace(',', ""))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str, same: bool) {
        assert_eq!(same_claim(a, b, None), same, "{a} | {b}: lexical {}", lexical(a, b));
    }

    #[test]
    fn rewordings_are_one_claim_and_other_numbers_or_negation_are_not() {
        check(
            "Did the minister hand over informants to get prison access?",
            "Did the minister hand informants over for access to the prison?",
            true,
        );
        check("Is it true that vaccines cause autism?", "Do vaccines cause autism", true);
        check("Did the council ban cars downtown?", "Has the council banned cars from downtown?", true);
        check("Did unemployment fall to 4% in 2024?", "Did unemployment fall to 5% in 2024?", false);
        check("Did the minister resign?", "Did the minister not resign?", false);
        check("Did the minister resign?", "Did the mayor open a new bridge?", false);
    }

    #[test]
    fn vectors_catch_paraphrases_the_words_miss_but_never_override_the_veto() {
        let (a, b) = (
            "Did the minister give up informants for prison access?",
            "Was a prison visit traded for protected sources by the minister?",
        );
        assert!(!same_claim(a, b, None));
        assert!(same_claim(a, b, Some(0.9)));
        assert!(!same_claim("Did 3 people die?", "Did 4 people die?", Some(0.99)));
    }
}
