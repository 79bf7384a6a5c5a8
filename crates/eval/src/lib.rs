//! Evaluation sets and their official metrics: BEIR retrieval (nDCG@10, Recall@k), SciFact abstract-level
//! verdicts (label-only and rationale-selected F1), Check-COVID, Climate-FEVER and AVeriTeC claims, and HealthVer
//! (evidence, claim) pairs.
//!
//! Main items: [`beir`] (read `queries.jsonl` and `qrels/*.tsv`; [`beir::ndcg_at`], [`beir::recall_at`]),
//! [`scifact`] (read claims; [`scifact::Scorer`] implements the official abstract-level rules), [`check_covid`]
//! (read claims; turn them into retrieval queries with one gold abstract each), [`climate_fever`] (claims with
//! their five evidence sentences, and a fixed held-out split), [`averitec`] (claims with question-answer evidence,
//! and a fixed held-out fold), [`healthver`] (stance pairs), [`labels`] (accuracy, macro F1, calibration error).
//!
//! This crate reads evaluation files and computes numbers; it does not run searches or checks (the engine does)
//! and knows nothing of the store or the index.

pub mod averitec;
pub mod beir;
pub mod check_covid;
pub mod climate_fever;
pub mod healthver;
pub mod labels;
pub mod scifact;

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
