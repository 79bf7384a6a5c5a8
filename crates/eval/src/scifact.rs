//! SciFact (Wadden et al., 2020): claims with per-abstract labels and rationale sentences, and the official
//! abstract-level metrics. Citation-Integrity (Sarol et al., 2024) comes in the same layout, with REFUTE for
//! CONTRADICT and citation marks (`[<|cit|>]`) in its claims, which are read away.
//!
//! Abstract-level rules, as in the official evaluator: a predicted (claim, abstract, label) is correct for
//! *label-only* when the abstract is in the claim's gold evidence with that label; for *rationale-selected* when,
//! in addition, the first three predicted rationale sentences contain every sentence of at least one gold
//! rationale. Precision divides by predicted abstracts, recall by gold (claim, abstract) pairs.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::{EvalError, read_json_lines};

/// Rationale sentences the official evaluator reads per predicted abstract.
pub const MAX_RATIONALE_SENTENCES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Label {
    #[serde(rename = "SUPPORT")]
    Support,
    #[serde(rename = "CONTRADICT", alias = "REFUTE")]
    Contradict,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RationaleSet {
    pub sentences: Vec<usize>,
    pub label: Label,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    pub id: u64,
    pub claim: String,
    #[serde(default)]
    pub evidence: HashMap<String, Vec<RationaleSet>>,
}

impl Claim {
    /// The claim-level gold label: the label of its evidence, or `None` (no evidence in the corpus).
    pub fn gold_label(&self) -> Option<Label> {
        self.evidence.values().flatten().map(|r| r.label).next()
    }
}

pub fn read_claims(path: &Path) -> Result<Vec<Claim>, EvalError> {
    let mut claims: Vec<Claim> = read_json_lines(path)?;
    for c in &mut claims {
        c.claim = without_citation_marks(&c.claim);
    }
    Ok(claims)
}

/// A citing sentence without its citation marks: "shown [<|multi_cit|>,7]." -> "shown.".
fn without_citation_marks(text: &str) -> String {
    if !text.contains("<|") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<|") {
        // The bracket the mark sits in, if any, goes with it.
        let open = rest[..at].rfind('[').filter(|&b| !rest[b..at].contains(']'));
        let end = rest[at..].find("|>").map(|e| at + e + 2).unwrap_or(rest.len());
        let close = open.and_then(|_| rest[end..].find(']').map(|c| end + c + 1)).unwrap_or(end);
        out.push_str(rest[..open.unwrap_or(at)].trim_end());
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// One predicted abstract for a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub doc_id: String,
    pub label: Label,
    /// Sentence indices in the abstract, best first.
    pub sentences: Vec<usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct F1 {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl F1 {
    fn from_counts(correct: usize, predicted: usize, gold: usize) -> F1 {
        let precision = if predicted == 0 { 0.0 } else { correct as f64 / predicted as f64 };
        let recall = if gold == 0 { 0.0 } else { correct as f64 / gold as f64 };
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        F1 { precision, recall, f1 }
    }
}

/// Accumulates predictions claim by claim.
#[derive(Debug, Default)]
pub struct Scorer {
    predicted: usize,
    gold: usize,
    label_only: usize,
    rationale_selected: usize,
}

impl Scorer {
    pub fn add(&mut self, claim: &Claim, predictions: &[Prediction]) {
        self.gold += claim.evidence.len();
        for p in predictions {
            self.predicted += 1;
            let Some(gold) = claim.evidence.get(&p.doc_id) else { continue };
            let gold_label = gold.first().map(|r| r.label);
            if gold_label != Some(p.label) {
                continue;
            }
            self.label_only += 1;
            let chosen: Vec<usize> = p.sentences.iter().take(MAX_RATIONALE_SENTENCES).copied().collect();
            if gold.iter().any(|r| r.sentences.iter().all(|s| chosen.contains(s))) {
                self.rationale_selected += 1;
            }
        }
    }

    pub fn label_only(&self) -> F1 {
        F1::from_counts(self.label_only, self.predicted, self.gold)
    }

    pub fn rationale_selected(&self) -> F1 {
        F1::from_counts(self.rationale_selected, self.predicted, self.gold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_marks_are_read_away() {
        assert_eq!(without_citation_marks("RNAs in apoptosis [<|multi_cit|>]."), "RNAs in apoptosis.");
        assert_eq!(without_citation_marks("targets of p53 [<|multi_cit|>,7] and more."), "targets of p53 and more.");
        assert_eq!(without_citation_marks("miR-211 <|cit|> acts."), "miR-211 acts.");
        assert_eq!(without_citation_marks("No marks [7]."), "No marks [7].");
    }

    fn claim(evidence: &str) -> Claim {
        serde_json::from_str(&format!(r#"{{"id": 1, "claim": "c", "evidence": {evidence}}}"#)).unwrap()
    }

    fn check(evidence: &str, predictions: &[Prediction], label_only: f64, rationale: f64) {
        let mut scorer = Scorer::default();
        scorer.add(&claim(evidence), predictions);
        assert!((scorer.label_only().f1 - label_only).abs() < 1e-9, "{:?}", scorer.label_only());
        assert!((scorer.rationale_selected().f1 - rationale).abs() < 1e-9, "{:?}", scorer.rationale_selected());
    }

    fn pred(doc: &str, label: Label, sentences: &[usize]) -> Prediction {
        Prediction { doc_id: doc.into(), label, sentences: sentences.to_vec() }
    }

    const GOLD: &str = r#"{"10": [{"sentences": [2, 5], "label": "SUPPORT"}, {"sentences": [7], "label": "SUPPORT"}]}"#;

    #[test]
    fn right_abstract_right_label_and_a_whole_rationale() {
        check(GOLD, &[pred("10", Label::Support, &[7, 1])], 1.0, 1.0);
    }

    #[test]
    fn a_partial_rationale_counts_for_label_only() {
        check(GOLD, &[pred("10", Label::Support, &[2, 1, 3, 5])], 1.0, 0.0);
    }

    #[test]
    fn wrong_label_or_wrong_abstract_count_against_precision() {
        check(GOLD, &[pred("10", Label::Contradict, &[7])], 0.0, 0.0);
        // One right, one extra: precision 1/2, recall 1/1.
        check(GOLD, &[pred("10", Label::Support, &[7]), pred("99", Label::Support, &[0])], 2.0 / 3.0, 2.0 / 3.0);
    }

    #[test]
    fn claims_without_evidence_only_add_to_predictions() {
        check("{}", &[], 0.0, 0.0);
        assert_eq!(claim("{}").gold_label(), None);
        assert_eq!(claim(GOLD).gold_label(), Some(Label::Support));
    }
}
