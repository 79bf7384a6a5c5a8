//! Measuring and training Verity on public data sets: `verity eval` ([`eval`]: retrieval nDCG and recall, verdict
//! and stance scores, citation checks, encoder speed) and `verity train` ([`train`]: the entailment pairs a judge
//! is trained on, the verdict settings and calibration fitted per judge). It runs checks through the engine like
//! any caller ([`verity_engine::CheckRequest`], unsaved) and reads the sets with `verity-eval`.
//!
//! Only the command line links this crate: a server or worker carries no evaluation code (`tidy.rs` checks it).
//! It downloads nothing: every set is read by path.
//!
//! ```
//! use verity_lab::train::{TrainingData, entailment_pairs};
//!
//! // No set given, no pairs: each set is optional, and what is left out is simply not read.
//! assert!(entailment_pairs(&TrainingData::default(), true).unwrap().is_empty());
//! ```

pub mod archive;
pub mod checkworthy;
pub mod eval;
pub mod train;

/// Why a measurement or a fit could not run: the engine failed (a data directory, a check, the judge), or a
/// data set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(transparent)]
    Engine(#[from] verity_engine::EngineError),
    #[error(transparent)]
    Eval(#[from] verity_eval::EvalError),
    #[error(transparent)]
    Embed(#[from] verity_embed::EmbedError),
    #[error("{0}")]
    Measure(String),
}

pub type Result<T> = std::result::Result<T, LabError>;
