//! AVeriTeC (Schlichtkrull et al., 2023): real-world claims with gold evidence written as question-answer pairs,
//! each answer with the URL it came from. Labels: Supported, Refuted, Not Enough Evidence, Conflicting
//! Evidence/Cherrypicking. The file is one JSON array of claims.
//!
//! Only the train split is public with labels; this module fixes a held-out fold: a claim whose index in the file
//! is divisible by 5 is `heldout`, the rest `train`. Anything trained or tuned on AVeriTeC uses `train` only.
//! Licence: CC BY-NC 4.0, which binds anything trained on it.

use std::path::Path;

use serde::Deserialize;

use crate::{EvalError, read_to_string};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Label {
    #[serde(rename = "Supported")]
    Supported,
    #[serde(rename = "Refuted")]
    Refuted,
    #[serde(rename = "Not Enough Evidence")]
    NotEnoughEvidence,
    #[serde(rename = "Conflicting Evidence/Cherrypicking")]
    Conflicting,
}

impl Label {
    pub const ALL: [Label; 4] = [Label::Supported, Label::Refuted, Label::NotEnoughEvidence, Label::Conflicting];
    pub const NAMES: [&'static str; 4] = ["Supported", "Refuted", "Not Enough Evidence", "Conflicting/Cherrypicking"];

    pub fn index(self) -> usize {
        Label::ALL.iter().position(|l| *l == self).expect("listed")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    pub answer: String,
    /// `Extractive`, `Abstractive`, `Boolean` or `Unanswerable`.
    #[serde(default)]
    pub answer_type: Option<String>,
    #[serde(default)]
    pub boolean_explanation: Option<String>,
    #[serde(default)]
    pub source_url: Option<String>,
}

impl Answer {
    /// The answer as evidence text: a boolean answer with its explanation ("No. His career did not ..."), others
    /// as written. `None` for an unanswerable question, which is no evidence.
    pub fn text(&self) -> Option<String> {
        let answer = self.answer.trim();
        if self.answer_type.as_deref() == Some("Unanswerable") || answer.is_empty() {
            return None;
        }
        let explanation = self.boolean_explanation.as_deref().map(str::trim).filter(|e| !e.is_empty());
        Some(match explanation {
            Some(e) if self.answer_type.as_deref() == Some("Boolean") => {
                format!("{}. {e}", answer.trim_end_matches(['.', ',']))
            }
            _ => answer.to_string(),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub question: String,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    /// Position in the file (set when read): what the held-out fold is defined by.
    #[serde(skip)]
    pub index: usize,
    pub claim: String,
    pub label: Label,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub claim_date: Option<String>,
    #[serde(default)]
    pub speaker: Option<String>,
}

impl Claim {
    /// `heldout` or `train` (see the module comment).
    pub fn split(&self) -> &'static str {
        if self.index.is_multiple_of(5) { "heldout" } else { "train" }
    }
}

pub fn read_claims(path: &Path) -> Result<Vec<Claim>, EvalError> {
    let text = read_to_string(path)?;
    let mut claims: Vec<Claim> = serde_json::from_str(&text).map_err(|e| EvalError::Read {
        path: path.display().to_string(),
        message: format!("{e} (expected AVeriTeC's train.json or dev.json: one JSON array of claims)"),
    })?;
    for (i, claim) in claims.iter_mut().enumerate() {
        claim.index = i;
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_read_with_answers_as_evidence_text_and_a_fixed_fold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.json");
        let claim = |label: &str| {
            format!(
                r#"{{"claim": "Biden joined Burisma.", "label": "{label}", "questions": [
                    {{"question": "Did he join?", "answers": [
                        {{"answer": "No", "answer_type": "Boolean", "boolean_explanation": "He never joined.", "source_url": "https://example.org/a"}},
                        {{"answer": "No answer could be found.", "answer_type": "Unanswerable"}},
                        {{"answer": "He was on the board from 2014.", "answer_type": "Extractive"}}]}}]}}"#
            )
        };
        let body = format!("[{}, {}]", claim("Conflicting Evidence/Cherrypicking"), claim("Supported"));
        std::fs::write(&path, body).unwrap();
        let claims = read_claims(&path).unwrap();
        assert_eq!(claims[0].label, Label::Conflicting);
        assert_eq!((claims[0].split(), claims[1].split()), ("heldout", "train"));
        let texts: Vec<Option<String>> = claims[0].questions[0].answers.iter().map(Answer::text).collect();
        assert_eq!(texts, [Some("No. He never joined.".into()), None, Some("He was on the board from 2014.".into())]);
        assert_eq!(claims[0].questions[0].answers[0].source_url.as_deref(), Some("https://example.org/a"));

        std::fs::write(&path, r#"[{"claim": "x", "label": "Maybe"}]"#).unwrap();
        let err = read_claims(&path).unwrap_err().to_string();
        assert!(err.contains("Maybe") && err.contains("JSON array"), "{err}");
    }
}
