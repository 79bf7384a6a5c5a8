//! Evidence: the sentences of retrieved passages, ranked by how much of the claim they speak to.
//!
//! A sentence's relevance is the share of the claim's content (weighted by rarity, so "informants" counts more
//! than "said") that it contains, with a bonus for claim word pairs it keeps together, and a small share from
//! its passage's retrieval rank. Each sentence keeps its byte offsets in the stored document version, so it can
//! be quoted exactly.

use std::collections::{HashMap, HashSet};

use verity_model::{PassageHit, SourceMeta, StanceLabel};
use verity_text::Tokens;

use crate::claim::Claim;
use crate::stance::Stance;

pub use crate::stance::RELEVANT;
/// How much a sentence that covers only the claim's main clause counts, relative to one covering all of it.
const MAIN_CLAUSE_SHARE: f32 = 0.85;
/// A claim stem at least this share of the rarest stem's weight is an anchor. Tuned on SciFact train: 0.95
/// (in effect the rarest term and its near-equals) kept label-only F1 at its no-anchor level (28.8 vs 28.5),
/// while 0.7 cost 2.5 points; a relevance penalty for sentences lacking an anchor only lowered F1.
const ANCHOR_SHARE: f32 = 0.95;
/// Sentences kept per check, and per document.
const MAX_EVIDENCE: usize = 24;
const MAX_PER_DOCUMENT: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub source: SourceMeta,
    pub text: String,
    /// Byte offsets in the stored version's text.
    pub start: usize,
    pub end: usize,
    /// The sentence's words and stems, read once when it was split out: the stance and the judge's guard read
    /// these, never the text again.
    pub tokens: Tokens,
    pub relevance: f32,
    /// Share of the claim's content words found in the sentence (unweighted).
    pub term_coverage: f32,
    /// Claim terms (stems) the sentence contains.
    pub matched: Vec<String>,
    /// The claim's most specific terms (its rarest) that the sentence lacks: a sentence about vitamin D that
    /// never says "tuberculosis" is not evidence about tuberculosis.
    pub missing_anchors: Vec<String>,
    /// Anchors absent from the sentence's whole passage and its document's title as well.
    pub missing_anchors_in_context: Vec<String>,
    pub stance: Stance,
    /// What a model judge read in the sentence, when one read it (a `Judge`).
    pub reading: Option<Reading>,
    /// Rank of the passage the sentence came from (0 = best).
    pub passage_rank: usize,
}

impl Evidence {
    /// Whether the sentence speaks to the claim: a model judge found it taking a side, or, where no model read
    /// it, it covers enough of the claim's words.
    pub fn is_relevant(&self) -> bool {
        match &self.reading {
            Some(reading) => reading.label() != StanceLabel::Neutral,
            None => self.relevance >= RELEVANT,
        }
    }

    /// Whether the sentence may be quoted as context (who is involved, consequences): relevant to a model judge,
    /// or, by words, at least [`CONTEXT_SHARE`] of the way to relevant.
    pub fn is_context(&self) -> bool {
        match &self.reading {
            Some(_) => self.is_relevant(),
            None => self.relevance >= RELEVANT * CONTEXT_SHARE,
        }
    }
}

/// How far to relevant (by words) a sentence must be to be quoted as context.
pub const CONTEXT_SHARE: f32 = 0.6;

/// Rarity weights of claim stems; unknown stems weigh 1.
pub struct TermWeights(HashMap<String, f32>);

impl TermWeights {
    pub fn new(pairs: Vec<(String, f32)>) -> TermWeights {
        TermWeights(pairs.into_iter().collect())
    }

    fn get(&self, stem: &str) -> f32 {
        self.0.get(stem).copied().unwrap_or(1.0).max(0.05)
    }
}

/// Splits every hit into sentences and ranks them for the claim, best first.
pub fn rank(claim: &Claim, hits: &[PassageHit], weights: &TermWeights) -> Vec<Evidence> {
    let claim_stems = &claim.stems;
    let claim_pairs: HashSet<(String, String)> =
        claim.content_terms.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect();
    let total_weight: f32 = claim_stems.iter().map(|s| weights.get(s)).sum::<f32>().max(f32::EPSILON);
    // The main clause ("X handed over Y") apart from its stated purpose ("to get Z"): a sentence that speaks
    // to the action alone is evidence on that part of the claim.
    let main_stems = &claim.main_stems;
    let main_weight: f32 = main_stems.iter().map(|s| weights.get(s)).sum::<f32>().max(f32::EPSILON);
    let top_score = hits.iter().map(|h| h.score).fold(f32::EPSILON, f32::max);
    let anchors = anchors(claim_stems, weights);

    let mut out = Vec::new();
    for (rank, hit) in hits.iter().enumerate() {
        let text = &hit.passage.text;
        let context: HashSet<String> =
            verity_text::content_terms(text).into_iter().chain(verity_text::content_terms(&hit.source.title)).collect();
        let missing_in_context: Vec<String> = anchors.iter().filter(|a| !context.contains(*a)).cloned().collect();
        for span in units(text) {
            let sentence = span.of(text);
            let tokens = Tokens::of(sentence);
            let terms: Vec<String> = tokens.content_terms().cloned().collect();
            if terms.len() < 3 {
                continue; // headings, fragments, bylines
            }
            let stems: HashSet<&String> = terms.iter().collect();
            let matched: Vec<String> = claim_stems.iter().filter(|s| stems.contains(s)).cloned().collect();
            if matched.is_empty() {
                continue;
            }
            let weight: f32 = matched.iter().map(|s| weights.get(s)).sum();
            let pairs = terms.windows(2).filter(|w| claim_pairs.contains(&(w[0].clone(), w[1].clone()))).count();
            let pair_bonus =
                if claim_pairs.is_empty() { 0.0 } else { 0.15 * (pairs as f32 / claim_pairs.len() as f32) };
            let main_overlap =
                main_stems.iter().filter(|s| stems.contains(s)).map(|s| weights.get(s)).sum::<f32>() / main_weight;
            let overlap = (weight / total_weight).max(MAIN_CLAUSE_SHARE * main_overlap);
            let missing_anchors: Vec<String> = anchors.iter().filter(|a| !stems.contains(a)).cloned().collect();
            let relevance = (0.85 * overlap + pair_bonus + 0.1 * (hit.score / top_score)).min(1.0);
            out.push(Evidence {
                source: hit.source.clone(),
                text: sentence.to_string(),
                start: hit.passage.start + span.start,
                end: hit.passage.start + span.end,
                tokens,
                relevance,
                term_coverage: matched.len() as f32 / claim_stems.len().max(1) as f32,
                matched,
                missing_anchors,
                missing_anchors_in_context: missing_in_context.clone(),
                stance: Stance::neutral(),
                reading: None,
                passage_rank: rank,
            });
        }
    }
    out.sort_by(|a, b| b.relevance.total_cmp(&a.relevance).then(a.passage_rank.cmp(&b.passage_rank)));
    // One sentence may arrive twice (overlapping passages, or a re-published text under another id): keep the
    // first of each (document, offset) and of each identical text.
    let mut seen_spans = HashSet::new();
    let mut seen_texts = HashSet::new();
    let mut per_doc: HashMap<String, usize> = HashMap::new();
    out.retain(|e| {
        let fresh = seen_spans.insert((e.source.version_id, e.start)) && seen_texts.insert(e.tokens.words.join(" "));
        let count = per_doc.entry(e.source.doc_id.clone()).or_default();
        let keep = fresh && *count < MAX_PER_DOCUMENT;
        if keep {
            *count += 1;
        }
        keep
    });
    out.truncate(MAX_EVIDENCE);
    out
}

/// The evidence units of a passage: its sentences, except that a question is read together with the sentence
/// after it ("Did the council vote? No, it adjourned." is one statement; "No, it adjourned." alone says nothing).
pub fn units(text: &str) -> Vec<verity_text::Span> {
    let mut out: Vec<verity_text::Span> = Vec::new();
    let mut open_question = false;
    for span in verity_text::sentences(text) {
        let asks = span.of(text).trim_end().ends_with('?');
        match out.last_mut() {
            Some(last) if open_question => last.end = span.end,
            _ => out.push(span),
        }
        open_question = asks && !open_question;
    }
    out
}

/// The claim's anchors: its stems at least [`ANCHOR_SHARE`] as rare as its rarest one.
pub fn anchors(claim_stems: &[String], weights: &TermWeights) -> Vec<String> {
    let max = claim_stems.iter().map(|s| weights.get(s)).fold(0.0, f32::max);
    claim_stems.iter().filter(|s| weights.get(s) >= ANCHOR_SHARE * max).cloned().collect()
}

#[cfg(test)]
mod tests {
    use verity_model::Passage;

    use super::*;

    fn hit(doc: &str, start: usize, text: &str, score: f32) -> PassageHit {
        PassageHit {
            passage: Passage {
                passage_id: start as i64,
                version_id: 1,
                start,
                end: start + text.len(),
                text: text.into(),
            },
            source: SourceMeta {
                doc_id: doc.into(),
                version: 1,
                version_id: doc.len() as i64,
                title: doc.into(),
                outlet: None,
                url: None,
                published: None,
                author: None,
                fetched_at: None,
            },
            score,
        }
    }

    fn check(claim: &str, hits: &[PassageHit], expected: &[&str]) -> Vec<Evidence> {
        let claim = crate::claim::read(claim, 2026).unwrap();
        let ranked = rank(&claim, hits, &TermWeights::new(vec![("said".into(), 0.1)]));
        let got: Vec<&str> = ranked.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(got, expected);
        ranked
    }

    #[test]
    fn sentences_that_cover_more_of_the_claim_rank_first() {
        let ranked = check(
            "The minister handed informants to the president.",
            &[hit(
                "a",
                100,
                "The weather was mild that day in the capital. The minister handed nine informants to the president in March.",
                2.0,
            )],
            &["The minister handed nine informants to the president in March."],
        );
        let e = &ranked[0];
        assert_eq!((e.start, e.end), (146, 146 + e.text.len()));
        assert!(e.relevance > RELEVANT, "{}", e.relevance);
    }

    #[test]
    fn common_words_weigh_less_than_rare_ones() {
        let ranked = check(
            "The minister said informants were handed over.",
            &[hit(
                "a",
                0,
                "The minister said nothing at all today. Informants were handed over quietly by officials.",
                1.0,
            )],
            &["Informants were handed over quietly by officials.", "The minister said nothing at all today."],
        );
        assert!(ranked[0].relevance > ranked[1].relevance);
    }

    #[test]
    fn duplicates_across_documents_count_once() {
        let text = "The minister handed nine informants to the president.";
        check(
            "The minister handed informants to the president.",
            &[hit("a", 0, text, 2.0), hit("b", 0, text, 1.0)],
            &[text],
        );
    }
}

/// What a judge read in one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Probability of each stance, in the order supports, refutes, neutral; they sum to 1.
    pub probabilities: [f32; 3],
    /// One line in the judge's own words, when it gives one (a language model does).
    pub reason: Option<String>,
    /// The judge read the sentence as taking the same side on the claim and on its opposite (under the guard
    /// of the verdict settings): its reading decides nothing.
    pub unclear: bool,
}

impl Reading {
    pub fn new(probabilities: [f32; 3]) -> Reading {
        Reading { probabilities, reason: None, unclear: false }
    }

    pub fn supports(&self) -> f32 {
        self.probabilities[0]
    }

    pub fn refutes(&self) -> f32 {
        self.probabilities[1]
    }

    pub fn neutral(&self) -> f32 {
        self.probabilities[2]
    }

    /// The most probable stance; a tie between supports and refutes says neither.
    pub fn label(&self) -> StanceLabel {
        let p = self.probabilities;
        if p[0] > p[1] && p[0] >= p[2] {
            StanceLabel::Supports
        } else if p[1] > p[0] && p[1] >= p[2] {
            StanceLabel::Refutes
        } else {
            StanceLabel::Neutral
        }
    }
}
