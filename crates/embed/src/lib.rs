//! BERT encoders on the CPU, in Rust: sentence embeddings (mean-pooled and L2-normalised, as
//! sentence-transformers does for all-MiniLM-L6-v2) and a cross-encoder that scores pairs of texts.
//!
//! Main types: [`Embedder`], loaded from a model folder holding `config.json`, `tokenizer.json` and
//! `model.safetensors` (the layout `verity models install` writes); [`Embedder::embed`] turns texts into unit
//! vectors, [`cosine`] compares them. [`cross::CrossEncoder`] reads (premise, hypothesis) pairs together and
//! returns class probabilities: Verity's entailment judge, whose trained weights ship with Verity
//! ([`entailment::shipped`]).
//!
//! The forward pass is this crate's own (`bert`): a batch's texts are packed end to end with no padding; the
//! dense layers' products run in bf16 in the tile unit of processors with AMX ([`Precision::Fast`], `amx`) or in
//! f32 on the `gemm` crate's kernels (AVX-512 where present), on every core; the passes between them are
//! vectorized (`simd`). Weights are read straight from the safetensors bytes. Loading a model sets the process's
//! allocator to keep large buffers on the heap (`alloc`): glibc would map and unmap each one, and the kernel would
//! zero it page by page.
//!
//! This crate downloads nothing and knows nothing of passages, claims, indexes or stores. Inputs are truncated to 256
//! tokens and never padded: the tokenizer file shipped with the model pins padding to 128 tokens, which would
//! change the vectors, so padding is switched off here.
//!
//! ```
//! // A tiny MPNet cross-encoder with random weights (the one the tests check against a NumPy reference).
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tiny-mpnet");
//! let model = verity_embed::cross::CrossEncoder::load(&dir).unwrap();
//! let scores = model.classify(&[("The council banned cars.", "Cars were banned.")]).unwrap();
//! assert_eq!(scores[0].len(), model.classes());
//! assert!((scores[0].iter().sum::<f32>() - 1.0).abs() < 1e-4);
//! ```

use std::path::{Path, PathBuf};

use tokenizers::{Tokenizer, TruncationParams};

mod alloc;
pub use alloc::keep_tensors_on_the_heap;
mod amx;
mod bert;
pub mod cross;
pub mod entailment;
mod simd;

/// Longest input in tokens; longer texts are cut (all-MiniLM-L6-v2 was trained on 256).
pub const MAX_TOKENS: usize = 256;
/// Tokens encoded together: enough rows for the matrix products to run at full speed on every core, few enough
/// that a batch's buffers (about 40 KB a token) stay in the caches (1,024 measured fastest of 256 to 4,096).
const BATCH_TOKENS: usize = 1024;

/// How an encoder's dense layers (about three quarters of its arithmetic) multiply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// bfloat16 products with float32 sums in the tile unit of processors that have one (Intel AMX), float32
    /// elsewhere. The default: several times faster where it applies, at a cost measured in docs/BENCHMARKS.md.
    #[default]
    Fast,
    /// float32 throughout: matches the reference implementation (cosine 0.9999 or better) on every machine.
    F32,
}

impl Precision {
    /// `VERITY_ENCODER_PRECISION=f32` asks for [`Precision::F32`]; anything else (or nothing) is the default.
    pub fn from_env() -> Precision {
        match std::env::var("VERITY_ENCODER_PRECISION").as_deref() {
            Ok("f32") => Precision::F32,
            _ => Precision::Fast,
        }
    }

    /// What a request for this precision runs as on this processor: [`Precision::Fast`] only where the tile unit
    /// is there to run it.
    pub fn runs_here(self) -> Precision {
        if self == Precision::Fast && amx::available() { Precision::Fast } else { Precision::F32 }
    }

    /// What the dense layers run as, in words: "bf16 (AMX)" or "f32 (AVX-512)", for logs and benchmarks.
    pub fn describe(self) -> String {
        match self {
            Precision::Fast => "bf16 (AMX)".to_string(),
            Precision::F32 => format!("f32 ({})", simd::instruction_set()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the model folder {dir} has no {file}; install the model with `verity models install`")]
    Missing { dir: PathBuf, file: &'static str },
    #[error("cannot read the model in {dir}: {message}")]
    Load { dir: PathBuf, message: String },
    #[error("embedding failed: {0}")]
    Compute(String),
}

pub type Result<T> = std::result::Result<T, EmbedError>;

pub struct Embedder {
    model: bert::Bert,
    tokenizer: Tokenizer,
}

impl Embedder {
    /// Loads a BERT sentence encoder from `dir`, at the precision `VERITY_ENCODER_PRECISION` asks for.
    pub fn load(dir: &Path) -> Result<Embedder> {
        Embedder::load_with(dir, Precision::from_env())
    }

    /// Loads a BERT sentence encoder from `dir` whose dense layers run at `precision` where the processor can.
    pub fn load_with(dir: &Path, precision: Precision) -> Result<Embedder> {
        let read = |name: &'static str| {
            std::fs::read(dir.join(name)).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => EmbedError::Missing { dir: dir.to_path_buf(), file: name },
                _ => EmbedError::Load { dir: dir.to_path_buf(), message: format!("{name}: {e}") },
            })
        };
        let load_err = |message: String| EmbedError::Load { dir: dir.to_path_buf(), message };
        let (config, tokenizer, weights) = (read("config.json")?, read("tokenizer.json")?, read("model.safetensors")?);
        let config: bert::BertConfig =
            serde_json::from_slice(&config).map_err(|e| load_err(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer).map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let weights = bert::Weights::from_safetensors(&weights).map_err(load_err)?;
        let model = bert::Bert::load(config, &weights, precision).map_err(load_err)?;
        Ok(Embedder { model, tokenizer })
    }

    /// The precision the dense layers run at on this machine.
    pub fn precision(&self) -> Precision {
        self.model.precision()
    }

    /// Vector length (384 for all-MiniLM-L6-v2).
    pub fn dim(&self) -> usize {
        self.model.hidden_size()
    }

    /// Token ids of `text` as the model sees them (with `[CLS]` and `[SEP]`, truncated).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.tokenizer.encode(text, true).map_err(|e| EmbedError::Compute(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// One unit-length vector per text, in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self.embed_counting(texts)?.vectors)
    }

    /// [`Embedder::embed`], also saying how many tokens the model read (for a speed in tokens per second).
    pub fn embed_counting(&self, texts: &[&str]) -> Result<Embedded> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.token_ids(t)).collect::<Result<_>>()?;
        let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
        let mut out = Vec::with_capacity(texts.len());
        for batch in token_batches(&lengths) {
            let inputs: Vec<bert::Input> = ids[batch].iter().map(|ids| bert::Input { ids, segments: None }).collect();
            let pooled = self.model.mean_pooled(&inputs).map_err(EmbedError::Compute)?;
            out.extend(pooled.into_iter().map(unit_length));
        }
        Ok(Embedded { vectors: out, tokens: lengths.iter().sum() })
    }
}

/// Vectors, and the number of tokens read to make them.
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    pub tokens: usize,
}

/// Consecutive ranges of inputs holding at most [`BATCH_TOKENS`] tokens each (an input longer than that alone).
fn token_batches(lengths: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let (mut start, mut tokens) = (0, 0);
    for (i, &len) in lengths.iter().enumerate() {
        if i > start && tokens + len > BATCH_TOKENS {
            batches.push(start..i);
            (start, tokens) = (i, 0);
        }
        tokens += len;
    }
    if start < lengths.len() {
        batches.push(start..lengths.len());
    }
    batches
}

fn unit_length(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Cosine similarity of two vectors (their dot product when both have unit length).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}
