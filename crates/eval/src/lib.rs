//! Evaluation sets and their official metrics: BEIR retrieval (nDCG@10, Recall@k), SciFact abstract-level
//! verdicts (label-only and rationale-selected F1), Check-COVID, Climate-FEVER and AVeriTeC claims, HealthVer
//! (evidence, claim) pairs, and the negation benchmark's pairs.
//!
//! Main items: [`beir`] (read `queries.jsonl` and `qrels/*.tsv`; [`beir::ndcg_at`], [`beir::recall_at`]),
//! [`scifact`] (read claims; [`scifact::Scorer`] implements the official abstract-level rules), [`check_covid`]
//! (read claims; turn them into retrieval queries with one gold abstract each), [`climate_fever`] (claims with
//! their five evidence sentences, and a fixed held-out split), [`averitec`] (claims with question-answer evidence,
//! and a fixed held-out fold), [`healthver`] (stance pairs), [`negation`] (stance pairs with negations added), [`labels`] (accuracy, macro F1, calibration error).
//!
//! This crate reads evaluation files and computes numbers; it does not run searches or checks (the engine does)
//! and knows nothing of the store or the index.
//!
//! ```
//! use verity_eval::labels::Confusion;
//!
//! let mut confusion = Confusion::new(&["supports", "refutes"]);
//! for (gold, predicted) in [(0, 0), (0, 0), (1, 1), (1, 0)] {
//!     confusion.add(gold, predicted);
//! }
//! assert!((confusion.accuracy() - 0.75).abs() < 1e-9);
//! ```

pub mod averitec;
pub mod beir;
pub mod check_covid;
pub mod checkworthiness;
pub mod climate_fever;
pub mod healthver;
pub mod labels;
pub mod negation;
pub mod scifact;

/// An abstract as SciFact's `corpus.jsonl` and Check-COVID's `corpus.json` hold it: an id (`doc_id` or
/// `cord_id`, a number or a string) and a list of sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abstract {
    pub id: String,
    pub sentences: Vec<String>,
}

impl Abstract {
    /// Where each sentence starts in the text the ingest reader stores for this abstract: the trimmed sentences
    /// joined by single spaces (`verity_ingest`'s SciFact shape).
    pub fn sentence_starts(&self) -> Vec<usize> {
        let mut at = 0;
        self.sentences
            .iter()
            .map(|s| {
                let start = at;
                at += s.len() + 1;
                start
            })
            .collect()
    }
}

/// Reads a corpus of abstracts, one JSON record per line; sentences are trimmed. The one reader of these files
/// for everything that needs their sentences (rationale offsets, training pairs).
pub fn read_abstracts(path: &std::path::Path) -> Result<Vec<Abstract>, EvalError> {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(alias = "cord_id")]
        doc_id: serde_json::Value,
        #[serde(rename = "abstract", default)]
        sentences: Vec<String>,
    }
    let records: Vec<Record> = read_json_lines(path)?;
    Ok(records
        .into_iter()
        .map(|r| Abstract {
            id: match r.doc_id {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            },
            sentences: r.sentences.iter().map(|s| s.trim().to_string()).collect(),
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

/// One record per non-empty line; an unreadable line is an error naming the file and the line.
pub(crate) fn read_json_lines<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<Vec<T>, EvalError> {
    let text = read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| EvalError::Read {
                path: path.display().to_string(),
                message: format!("line {}: {e}", i + 1),
            })
        })
        .collect()
}

pub(crate) fn read_to_string(path: &std::path::Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|e| EvalError::Read {
        path: path.display().to_string(),
        message: format!(
            "{e} (point --beir, --scifact, --check-covid, --climate-fever, --averitec or --healthver at the data set)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstracts_are_read_by_either_id_with_offsets_as_ingest_stores_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.jsonl");
        std::fs::write(
            &path,
            "{\"doc_id\": 13, \"title\": \"T\", \"abstract\": [\" One. \", \"Two.\"]}\n\n{\"cord_id\": \"ab12\", \"abstract\": []}\n",
        )
        .unwrap();
        let abstracts = read_abstracts(&path).unwrap();
        assert_eq!(abstracts[0], Abstract { id: "13".into(), sentences: vec!["One.".into(), "Two.".into()] });
        assert_eq!(abstracts[0].sentence_starts(), [0, 5], "\"One. Two.\"");
        assert_eq!((abstracts[1].id.as_str(), abstracts[1].sentences.len()), ("ab12", 0));
    }
}
