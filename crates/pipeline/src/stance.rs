//! Stance: does an evidence sentence support the claim, refute it, or neither?
//!
//! The lexical rules, the judge when no model is given (and the fallback when a model fails; a model judge is read
//! through the `judge` module): a sentence that is about the claim supports it unless its polarity differs — a
//! negation the claim lacks (or the reverse), an antonym of a claim word ("increases" vs "reduces"), or a
//! debunking word ("false", "myth"). Weaker verbs in the evidence ("promised", "planned", "may") mark the support
//! as hedged: a report may then say "partly", never "fully".

use serde::{Deserialize, Serialize};
use verity_model::StanceLabel;
use verity_text::Tokens;

use crate::claim::{Claim, is_negation};

/// At or above this relevance a sentence is about the claim and may take a side; below it, it is context at
/// best (evidence that falls short of it is not "relevant" either).
pub const RELEVANT: f32 = 0.45;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stance {
    pub label: StanceLabel,
    /// In `[0, 1]`: the relevance of the sentence when it takes a side, else 0.
    pub strength: f32,
    /// The evidence speaks of intent, possibility or report ("promised", "may", "reportedly"), not of fact.
    pub hedged: bool,
    /// Of those, intent: the act promised, planned or asked for, not reported done ([`Cues::intent`]).
    #[serde(default)]
    pub intent: bool,
}

impl Stance {
    pub fn neutral() -> Stance {
        Stance { label: StanceLabel::Neutral, strength: 0.0, hedged: false, intent: false }
    }
}

/// Word pairs of opposite meaning, as stems: a claim using one and evidence using the other disagree.
const ANTONYMS: &[(&str, &str)] = &[
    ("increas", "decreas"),
    ("increas", "reduc"),
    ("increas", "lower"),
    ("rais", "lower"),
    ("rise", "fall"),
    ("higher", "lower"),
    ("more", "less"),
    ("more", "fewer"),
    ("gain", "loss"),
    ("improv", "wors"),
    ("promot", "inhibit"),
    ("activ", "inhibit"),
    ("enhanc", "impair"),
    ("enhanc", "suppress"),
    ("induc", "suppress"),
    ("induc", "inhibit"),
    ("up", "down"),
    ("upregul", "downregul"),
    ("posit", "negat"),
    ("benefici", "harm"),
    ("safe", "danger"),
    ("accept", "reject"),
    ("approv", "reject"),
    ("win", "lost"),
    ("won", "lost"),
    ("support", "oppos"),
    ("allow", "ban"),
    ("allow", "prohibit"),
    ("legal", "illeg"),
    ("guilti", "innoc"),
    ("confirm", "deni"),
    ("success", "fail"),
    ("effect", "ineffect"),
    ("present", "absent"),
    ("common", "rare"),
    ("larger", "smaller"),
    ("long", "short"),
    ("strong", "weak"),
    ("expand", "shrink"),
    ("shorter", "longer"),
    ("high", "low"),
    ("associ", "unrel"),
    ("show", "lack"),
    ("protect", "expos"),
];

/// Verbs that deny what follows them: "the ministry denied handing over informants".
const DENIALS: &[&str] = &["deni", "refut", "disput", "contradict", "dismiss", "reject"];

/// How many words either side of a negation may hold the claim word it negates.
const NEGATION_WINDOW: usize = 4;

const DEBUNK_WORDS: &[&str] =
    &["fals", "myth", "hoax", "debunk", "unfound", "incorrect", "untru", "fabric", "mislead", "baseless"];
/// Words of intent: a sentence that says an act was promised, planned or asked for does not say it was done.
const INTENT_WORDS: &[&str] =
    &["promis", "plan", "sought", "seek", "ask", "urg", "request", "demand", "intend", "pledg", "vow"];
const HEDGE_WORDS: &[&str] = &[
    "promis",
    "plan",
    "sought",
    "seek",
    "ask",
    "urg",
    "request",
    "demand",
    "propos",
    "intend",
    "pledg",
    "vow",
    "consid",
    "might",
    "could",
    "suggest",
    "reportedly",
    "alleg",
    "possibl",
    "potenti",
    "appear",
    "unclear",
    "expect",
    "hope",
];

/// The lexical signals of disagreement and hedging between a claim and a sentence: the lexical classifier
/// reads them directly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cues {
    /// A negation or denial near a claim word in the sentence, where the claim has none (or the reverse).
    pub negation_differs: bool,
    /// The sentence uses the opposite of a claim word ("reduces" for "increases").
    pub antonym: bool,
    /// The sentence calls something false, a myth, a hoax, and the claim does not.
    pub debunks: bool,
    /// The sentence speaks of intent, possibility or report where the claim states a fact.
    pub hedged: bool,
    /// Of those, intent: the sentence says the act was promised, planned or asked for ([`INTENT_WORDS`]), where the
    /// claim says it was done.
    pub intent: bool,
    /// A number in the claim appears nowhere in the sentence, which has numbers of its own.
    pub number_differs: bool,
}

/// The cues between the claim and a sentence (`text`, read into `tokens` once by whoever split it out).
pub fn cues(claim: &Claim, sentence: &str, tokens: &Tokens) -> Cues {
    let (claim_words, claim_stems) = (&claim.tokens.words, &claim.tokens.stems);
    let (sentence_words, sentence_stems) = (&tokens.words, &tokens.stems);
    let has = |stems: &[String], s: &str| stems.iter().any(|x| x == s);

    // A negation counts only near a word of the claim: "not exposed to sunlight" says nothing about a claim
    // on fractures.
    let near_claim = |i: usize| {
        let lo = i.saturating_sub(NEGATION_WINDOW);
        let hi = (i + NEGATION_WINDOW + 1).min(sentence_stems.len());
        sentence_stems[lo..hi].iter().any(|s| claim_stems.contains(s) && !verity_text::is_stopword(s))
    };
    let sentence_negated = sentence_words
        .iter()
        .enumerate()
        .any(|(i, w)| (is_negation(w) || DENIALS.iter().any(|d| sentence_stems[i].starts_with(d))) && near_claim(i));
    let antonym = ANTONYMS.iter().any(|(a, b)| {
        (has(claim_stems, a) && has(sentence_stems, b) && !has(sentence_stems, a))
            || (has(claim_stems, b) && has(sentence_stems, a) && !has(sentence_stems, b))
    });
    let debunks = DEBUNK_WORDS.iter().any(|d| sentence_stems.iter().any(|s| s.starts_with(d)))
        && !DEBUNK_WORDS.iter().any(|d| claim_stems.iter().any(|s| s.starts_with(d)));
    // "may" the verb, not "May" the month.
    let may = |text: &str| text.split(|c: char| !c.is_alphanumeric()).any(|w| w == "may");
    let uses = |words: &[&str], stems: &[String]| {
        words.iter().any(|h| stems.iter().any(|s| s == h || (h.len() > 4 && s.starts_with(h))))
    };
    let hedged =
        (may(sentence) && !may(&claim.text)) || uses(HEDGE_WORDS, sentence_stems) && !uses(HEDGE_WORDS, claim_stems);
    let intent = uses(INTENT_WORDS, sentence_stems) && !uses(INTENT_WORDS, claim_stems) && !claim.announcement;
    let numbers = |words: &[String]| -> Vec<String> {
        words.iter().filter(|w| w.chars().any(|c| c.is_ascii_digit())).cloned().collect()
    };
    let (claim_numbers, sentence_numbers) = (numbers(claim_words), numbers(sentence_words));
    let number_differs = !sentence_numbers.is_empty() && claim_numbers.iter().any(|n| !sentence_numbers.contains(n));
    Cues { negation_differs: sentence_negated != claim.negated, antonym, debunks, hedged, intent, number_differs }
}

impl Cues {
    /// The sentence states the claim's opposite: a negation the claim lacks (or the reverse) not undone by an
    /// antonym ("did not decrease" agrees with "increased"), an antonym alone, or a debunking word.
    pub fn flipped(&self) -> bool {
        (self.negation_differs != self.antonym) || self.debunks
    }
}

pub fn classify(claim: &Claim, sentence: &str, tokens: &Tokens, relevance: f32) -> Stance {
    if relevance < RELEVANT {
        return Stance::neutral();
    }
    let c = cues(claim, sentence, tokens);
    let flipped = c.flipped();
    Stance {
        label: if flipped { StanceLabel::Refutes } else { StanceLabel::Supports },
        strength: relevance,
        hedged: c.hedged,
        intent: c.intent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(claim: &str, sentence: &str, expected: StanceLabel, hedged: bool) {
        let claim = crate::claim::read(claim, 2026).unwrap();
        let got = classify(&claim, sentence, &Tokens::of(sentence), 0.8);
        assert_eq!((got.label, got.hedged), (expected, hedged), "{sentence}");
    }

    #[test]
    fn agreement_supports() {
        check(
            "The council banned cars downtown.",
            "In May the council banned cars downtown.",
            StanceLabel::Supports,
            false,
        );
    }

    #[test]
    fn negation_antonyms_and_debunks_refute() {
        check(
            "The council banned cars downtown.",
            "The council did not ban cars downtown.",
            StanceLabel::Refutes,
            false,
        );
        check("Vitamin C increases cold duration.", "Vitamin C reduces cold duration.", StanceLabel::Refutes, false);
        check(
            "The vaccine alters human DNA.",
            "The claim that the vaccine alters DNA is false.",
            StanceLabel::Refutes,
            false,
        );
    }

    #[test]
    fn a_negation_far_from_the_claim_words_does_not_flip_the_stance() {
        check(
            "Vitamin D deficiency increases the risk of fractures.",
            "Vitamin D deficiency increases the risk of fractures in people who are not exposed to enough sunlight outdoors.",
            StanceLabel::Supports,
            false,
        );
    }

    #[test]
    fn a_denial_of_the_claimed_act_refutes() {
        check(
            "Okafor handed over protected informants.",
            "The ministry has denied handing over any protected informant.",
            StanceLabel::Refutes,
            false,
        );
    }

    #[test]
    fn a_negative_claim_is_supported_by_a_negative_sentence() {
        check("The vaccine does not alter DNA.", "mRNA vaccines do not alter human DNA.", StanceLabel::Supports, false);
    }

    #[test]
    fn promises_are_hedged_support() {
        check(
            "Rubio handed over informants to Bukele.",
            "Rubio promised to hand over informants to Bukele.",
            StanceLabel::Supports,
            true,
        );
    }

    #[test]
    fn irrelevant_sentences_are_neutral() {
        let claim = crate::claim::read("The council banned cars downtown.", 2026).unwrap();
        let sentence = "Cars are banned.";
        assert_eq!(classify(&claim, sentence, &Tokens::of(sentence), 0.1).label, StanceLabel::Neutral);
    }
}
