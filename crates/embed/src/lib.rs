//! BERT encoders on the CPU, in Rust, run by candle: sentence embeddings (mean-pooled and L2-normalised, as
//! sentence-transformers does for all-MiniLM-L6-v2) and a cross-encoder that scores pairs of texts.
//!
//! Main types: [`Embedder`], loaded from a model folder holding `config.json`, `tokenizer.json` and
//! `model.safetensors` (the layout `verity models install` writes); [`Embedder::embed`] turns texts into unit
//! vectors, [`cosine`] compares them. [`cross::CrossEncoder`] reads (premise, hypothesis) pairs together and
//! returns class probabilities: Verity's entailment judge, whose trained weights ship with Verity
//! ([`entailment::shipped`]).
//!
//! Loading a model sets the process's allocator to keep large tensors on the heap (`alloc`): glibc would map and
//! unmap each one, and the kernel would zero it page by page.
//!
//! This crate downloads nothing and knows nothing of passages, claims, indexes or stores. Inputs are truncated to 256
//! tokens and never padded beyond the longest text of a batch: the tokenizer file shipped with the model pins
//! padding to 128 tokens, which would change the vectors, so padding is switched off here.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationParams};

mod alloc;
pub mod cross;
pub mod entailment;

/// Longest input in tokens; longer texts are cut (all-MiniLM-L6-v2 was trained on 256).
pub const MAX_TOKENS: usize = 256;
/// Texts encoded together; sorted by length first so a batch wastes little on padding.
const BATCH: usize = 32;

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
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
}

impl Embedder {
    /// Loads a BERT sentence encoder from `dir`.
    pub fn load(dir: &Path) -> Result<Embedder> {
        alloc::keep_tensors_on_the_heap();
        let file = |name: &'static str| {
            let path = dir.join(name);
            if path.is_file() { Ok(path) } else { Err(EmbedError::Missing { dir: dir.to_path_buf(), file: name }) }
        };
        let load_err = |message: String| EmbedError::Load { dir: dir.to_path_buf(), message };
        let (config_path, tokenizer_path, weights_path) =
            (file("config.json")?, file("tokenizer.json")?, file("model.safetensors")?);
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(&config_path).map_err(|e| load_err(format!("config.json: {e}")))?,
        )
        .map_err(|e| load_err(format!("config.json: {e}")))?;
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let device = Device::Cpu;
        // SAFETY (of the mmap): the weights file is only read, and Verity never writes to a model folder while
        // an embedder is open.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights_path], DType::F32, &device) }
            .map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        let model = BertModel::load(vb, &config).map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        Ok(Embedder { model, tokenizer, device, dim: config.hidden_size })
    }

    /// Vector length (384 for all-MiniLM-L6-v2).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Token ids of `text` as the model sees them (with `[CLS]` and `[SEP]`, truncated).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.tokenizer.encode(text, true).map_err(|e| EmbedError::Compute(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// One unit-length vector per text, in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.token_ids(t)).collect::<Result<_>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let compute = |e: candle_core::Error| EmbedError::Compute(e.to_string());
        let width = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let mut flat_ids = Vec::with_capacity(batch.len() * width);
        let mut flat_mask = Vec::with_capacity(batch.len() * width);
        for ids in batch {
            flat_ids.extend(ids.iter().copied());
            flat_ids.extend(std::iter::repeat_n(0u32, width - ids.len()));
            flat_mask.extend(std::iter::repeat_n(1u32, ids.len()));
            flat_mask.extend(std::iter::repeat_n(0u32, width - ids.len()));
        }
        let shape = (batch.len(), width);
        let input_ids = Tensor::from_vec(flat_ids, shape, &self.device).map_err(compute)?;
        let mask = Tensor::from_vec(flat_mask, shape, &self.device).map_err(compute)?;
        let token_types = input_ids.zeros_like().map_err(compute)?;
        let hidden = self.model.forward(&input_ids, &token_types, Some(&mask)).map_err(compute)?;
        let mean = mean_pool(&hidden, &mask).map_err(compute)?;
        let norms = mean.sqr().map_err(compute)?.sum_keepdim(1).map_err(compute)?.sqrt().map_err(compute)?;
        let unit = mean.broadcast_div(&norms).map_err(compute)?;
        unit.to_vec2::<f32>().map_err(compute)
    }
}

/// The mean of the token states over real tokens only: padding must not move the result.
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    summed.broadcast_div(&mask.sum(1)?)
}

/// Cosine similarity of two vectors (their dot product when both have unit length).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}
