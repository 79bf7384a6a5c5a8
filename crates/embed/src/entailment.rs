//! The entailment judge shipped with Verity: all-MiniLM-L6-v2 fine-tuned as a cross-encoder that reads
//! (evidence sentence, claim) and says supports / refutes / neutral. Its weights (f16 safetensors), tokenizer and
//! configuration are compiled into the binary, so every build can judge with no download; `PROVENANCE.md` beside
//! them says what trained them (`scripts/train-nli.sh` reproduces them).

use crate::cross::CrossEncoder;
use crate::{Precision, Result};

/// The model's name, as reports record it.
pub const NAME: &str = "verity-nli-minilm-l6";
/// Output order of its three classes.
pub const CLASSES: [&str; 3] = ["supports", "refutes", "neutral"];

const WEIGHTS: &[u8] = include_bytes!("../models/verity-nli-minilm-l6/model.safetensors");
const CONFIG: &[u8] = include_bytes!("../models/verity-nli-minilm-l6/config.json");
const TOKENIZER: &[u8] = include_bytes!("../models/verity-nli-minilm-l6/tokenizer.json");

/// Loads the shipped model (the f16 weights of its dense layers are widened to f32, or packed for AMX).
pub fn shipped() -> Result<CrossEncoder> {
    CrossEncoder::from_bytes(WEIGHTS, CONFIG, TOKENIZER)
}

/// [`shipped`] at `precision`.
pub fn shipped_with(precision: Precision) -> Result<CrossEncoder> {
    CrossEncoder::from_bytes_with(WEIGHTS, CONFIG, TOKENIZER, precision)
}
