//! A cross-encoder: BERT reads a pair of texts together (`[CLS] premise [SEP] hypothesis [SEP]`), and one linear
//! layer over the mean of its token states scores the pair. Verity's entailment judge is one: three logits,
//! supports / refutes / neutral, for (evidence sentence, claim).

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{Linear, Module, VarBuilder};
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

use crate::{EmbedError, Result};

/// Longest pair in tokens; longer premises are cut first.
pub const MAX_PAIR_TOKENS: usize = 256;
/// Pairs scored together, shortest first so that a batch wastes little on padding.
const BATCH: usize = 16;

pub struct CrossEncoder {
    model: BertModel,
    classifier: Linear,
    tokenizer: Tokenizer,
    device: Device,
    classes: usize,
}

impl CrossEncoder {
    /// Loads a cross-encoder from a folder with `config.json`, `tokenizer.json` and `model.safetensors` (BERT
    /// weights and `classifier.weight` / `classifier.bias`, in any float type).
    pub fn load(dir: &Path) -> Result<CrossEncoder> {
        crate::alloc::keep_tensors_on_the_heap();
        let read = |name: &'static str| {
            std::fs::read(dir.join(name)).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => EmbedError::Missing { dir: dir.to_path_buf(), file: name },
                _ => EmbedError::Load { dir: dir.to_path_buf(), message: format!("{name}: {e}") },
            })
        };
        CrossEncoder::from_bytes(read("model.safetensors")?, &read("config.json")?, &read("tokenizer.json")?).map_err(
            |e| match e {
                EmbedError::Load { message, .. } => EmbedError::Load { dir: dir.to_path_buf(), message },
                other => other,
            },
        )
    }

    /// Loads a cross-encoder from the bytes of its three files (a model compiled into the binary).
    pub fn from_bytes(weights: Vec<u8>, config: &[u8], tokenizer: &[u8]) -> Result<CrossEncoder> {
        let load_err = |message: String| EmbedError::Load { dir: "(built in)".into(), message };
        let config: Config = serde_json::from_slice(config).map_err(|e| load_err(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(tokenizer).map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_PAIR_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                ..Default::default()
            }))
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        let model = BertModel::load(vb.clone(), &config).map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        let weight = vb.get_unchecked("classifier.weight").map_err(|e| load_err(format!("classifier: {e}")))?;
        let (classes, hidden) = weight.dims2().map_err(|e| load_err(format!("classifier: {e}")))?;
        if hidden != config.hidden_size {
            return Err(load_err(format!(
                "classifier takes {hidden} inputs, the encoder gives {}",
                config.hidden_size
            )));
        }
        let bias = vb.get(classes, "classifier.bias").map_err(|e| load_err(format!("classifier: {e}")))?;
        Ok(CrossEncoder { model, classifier: Linear::new(weight, Some(bias)), tokenizer, device, classes })
    }

    /// How many classes the head scores.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Class probabilities (softmax) for each (premise, hypothesis) pair, in input order.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>> {
        let encodings: Vec<(Vec<u32>, Vec<u32>)> = pairs
            .iter()
            .map(|&(premise, hypothesis)| {
                let e = self
                    .tokenizer
                    .encode((premise, hypothesis), true)
                    .map_err(|e| EmbedError::Compute(e.to_string()))?;
                Ok((e.get_ids().to_vec(), e.get_type_ids().to_vec()))
            })
            .collect::<Result<_>>()?;
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by_key(|&i| encodings[i].0.len());
        let mut out = vec![Vec::new(); pairs.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&(Vec<u32>, Vec<u32>)> = chunk.iter().map(|&i| &encodings[i]).collect();
            for (&i, probabilities) in chunk.iter().zip(self.classify_batch(&batch)?) {
                out[i] = probabilities;
            }
        }
        Ok(out)
    }

    fn classify_batch(&self, batch: &[&(Vec<u32>, Vec<u32>)]) -> Result<Vec<Vec<f32>>> {
        let compute = |e: candle_core::Error| EmbedError::Compute(e.to_string());
        let width = batch.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0).max(1);
        let (mut ids, mut types, mut mask) = (Vec::new(), Vec::new(), Vec::new());
        for (i, t) in batch {
            let pad = width - i.len();
            ids.extend(i.iter().copied().chain(std::iter::repeat_n(0, pad)));
            types.extend(t.iter().copied().chain(std::iter::repeat_n(0, pad)));
            mask.extend(std::iter::repeat_n(1u32, i.len()).chain(std::iter::repeat_n(0, pad)));
        }
        let shape = (batch.len(), width);
        let ids = Tensor::from_vec(ids, shape, &self.device).map_err(compute)?;
        let types = Tensor::from_vec(types, shape, &self.device).map_err(compute)?;
        let mask = Tensor::from_vec(mask, shape, &self.device).map_err(compute)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(compute)?;
        let pooled = crate::mean_pool(&hidden, &mask).map_err(compute)?;
        let logits = self.classifier.forward(&pooled).map_err(compute)?;
        let probabilities = candle_nn::ops::softmax_last_dim(&logits).map_err(compute)?;
        probabilities.to_vec2::<f32>().map_err(compute)
    }
}
