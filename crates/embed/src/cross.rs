//! A cross-encoder: BERT or MPNet reads a pair of texts together (`[CLS] premise [SEP] hypothesis [SEP]`, or
//! `<s> premise </s></s> hypothesis </s>`, as the model's tokenizer lays pairs out), and one linear layer over the
//! mean of its token states scores the pair. Verity's entailment judge is one: three logits,
//! supports / refutes / neutral, for (evidence sentence, claim).

use std::path::Path;

use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

use crate::bert::{Bert, BertConfig, Head, Input, Weights};
use crate::{EmbedError, Precision, Result};

/// Longest pair in tokens; longer premises are cut first.
pub const MAX_PAIR_TOKENS: usize = 256;

pub struct CrossEncoder {
    model: Bert,
    head: Head,
    tokenizer: Tokenizer,
}

impl CrossEncoder {
    /// Loads a cross-encoder from a folder with `config.json`, `tokenizer.json` and `model.safetensors` (BERT
    /// weights and `classifier.weight` / `classifier.bias`, in any float type).
    pub fn load(dir: &Path) -> Result<CrossEncoder> {
        CrossEncoder::load_with(dir, Precision::from_env())
    }

    /// [`CrossEncoder::load`] at `precision`.
    pub fn load_with(dir: &Path, precision: Precision) -> Result<CrossEncoder> {
        let read = |name: &'static str| {
            std::fs::read(dir.join(name)).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => EmbedError::Missing { dir: dir.to_path_buf(), file: name },
                _ => EmbedError::Load { dir: dir.to_path_buf(), message: format!("{name}: {e}") },
            })
        };
        let (weights, config, tokenizer) = (read("model.safetensors")?, read("config.json")?, read("tokenizer.json")?);
        CrossEncoder::from_bytes_with(&weights, &config, &tokenizer, precision).map_err(|e| match e {
            EmbedError::Load { message, .. } => EmbedError::Load { dir: dir.to_path_buf(), message },
            other => other,
        })
    }

    /// Loads a cross-encoder from the bytes of its three files (a model compiled into the binary), at the
    /// precision `VERITY_ENCODER_PRECISION` asks for.
    pub fn from_bytes(weights: &[u8], config: &[u8], tokenizer: &[u8]) -> Result<CrossEncoder> {
        CrossEncoder::from_bytes_with(weights, config, tokenizer, Precision::from_env())
    }

    /// [`CrossEncoder::from_bytes`] at `precision`.
    pub fn from_bytes_with(
        weights: &[u8],
        config: &[u8],
        tokenizer: &[u8],
        precision: Precision,
    ) -> Result<CrossEncoder> {
        let load_err = |message: String| EmbedError::Load { dir: "(built in)".into(), message };
        let config: BertConfig = serde_json::from_slice(config).map_err(|e| load_err(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(tokenizer).map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_PAIR_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                ..Default::default()
            }))
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let weights = Weights::from_safetensors(weights).map_err(load_err)?;
        let model = Bert::load(config, &weights, precision).map_err(load_err)?;
        let head = Head::load(&weights, "classifier", model.hidden_size()).map_err(load_err)?;
        Ok(CrossEncoder { model, head, tokenizer })
    }

    /// The precision the dense layers run at on this machine.
    pub fn precision(&self) -> Precision {
        self.model.precision()
    }

    /// How many classes the head scores.
    pub fn classes(&self) -> usize {
        self.head.classes()
    }

    /// The word-piece ids the model reads for each pair, special tokens included.
    pub fn token_ids(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<u32>>> {
        Ok(self.encode(pairs)?.into_iter().map(|(ids, _)| ids).collect())
    }

    fn encode(&self, pairs: &[(&str, &str)]) -> Result<Vec<(Vec<u32>, Vec<u32>)>> {
        pairs
            .iter()
            .map(|&(premise, hypothesis)| {
                let e = self
                    .tokenizer
                    .encode((premise, hypothesis), true)
                    .map_err(|e| EmbedError::Compute(e.to_string()))?;
                Ok((e.get_ids().to_vec(), e.get_type_ids().to_vec()))
            })
            .collect()
    }

    /// Class probabilities (softmax) for each (premise, hypothesis) pair, in input order.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.encode(pairs)?;
        let lengths: Vec<usize> = encodings.iter().map(|(ids, _)| ids.len()).collect();
        let mut out = Vec::with_capacity(pairs.len());
        for batch in crate::token_batches(&lengths) {
            let inputs: Vec<Input> =
                encodings[batch].iter().map(|(ids, segments)| Input { ids, segments: Some(segments) }).collect();
            let pooled = self.model.mean_pooled(&inputs).map_err(EmbedError::Compute)?;
            out.extend(pooled.iter().map(|p| self.head.probabilities(p)));
        }
        Ok(out)
    }
}
