//! BERT's forward pass, written for the CPU: the encoder both the embedder and the cross-encoder run.
//!
//! The texts of a batch are packed end to end, never padded: the dense layers (three quarters of the arithmetic)
//! multiply one matrix of all the batch's tokens, and attention runs per text and per head on exactly that text's
//! tokens, so no work is spent on padding and no mask is needed. Matrix products go through the `gemm` crate (its
//! AVX-512 kernels where the processor has them, both cores on the large products); the passes between them are
//! `simd`'s. Buffers are allocated once per batch and reused by every layer.
//!
//! What it runs: BERT with absolute positions and the exact GELU (all-MiniLM-L6-v2 and Verity's entailment model),
//! and MPNet (all-mpnet-base-v2 and judges trained from it): the same layers without segment embeddings, positions
//! counted from the padding index plus one, and a relative position bias added to every attention score. A
//! configuration that asks for anything else is refused when the model loads.

use gemm::Parallelism;
use half::slice::HalfFloatSliceExt;
use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::Deserialize;

use crate::{Precision, amx, simd};

/// The parts of a Hugging Face `config.json` the forward pass depends on.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BertConfig {
    pub hidden_size: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub max_position_embeddings: usize,
    pub vocab_size: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "layer_norm_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
    #[serde(default = "absolute")]
    pub position_embedding_type: String,
    /// `bert` or `mpnet`.
    #[serde(default = "bert")]
    pub model_type: String,
    /// MPNet: how many distance buckets the relative position bias has.
    #[serde(default = "thirty_two")]
    pub relative_attention_num_buckets: usize,
    /// MPNet: positions are counted from this index plus one.
    #[serde(default)]
    pub pad_token_id: usize,
}

fn two() -> usize {
    2
}
fn layer_norm_eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}
fn absolute() -> String {
    "absolute".into()
}
fn bert() -> String {
    "bert".into()
}
fn thirty_two() -> usize {
    32
}

/// One text as the encoder reads it: word-piece ids and, for pairs, which segment each token belongs to.
pub(crate) struct Input<'a> {
    pub ids: &'a [u32],
    pub segments: Option<&'a [u32]>,
}

/// Named tensors of a safetensors file, read as f32 whatever type they were stored in.
pub(crate) struct Weights<'a> {
    tensors: SafeTensors<'a>,
    prefix: String,
}

impl<'a> Weights<'a> {
    /// Reads the header of a safetensors file held in memory; tensors are converted when asked for.
    pub(crate) fn from_safetensors(bytes: &'a [u8]) -> Result<Weights<'a>, String> {
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| format!("model.safetensors: {e}"))?;
        // Checkpoints name the encoder's tensors `embeddings.…` or `bert.embeddings.…`.
        let prefix = tensors
            .names()
            .into_iter()
            .find_map(|name| name.strip_suffix("embeddings.word_embeddings.weight"))
            .ok_or("model.safetensors has no embeddings.word_embeddings.weight: not a BERT or MPNet model")?
            .to_string();
        Ok(Weights { tensors, prefix })
    }

    fn view(&self, name: &str) -> Option<TensorView<'a>> {
        self.tensors.tensor(&format!("{}{name}", self.prefix)).or_else(|_| self.tensors.tensor(name)).ok()
    }

    /// The tensor called `name` (under the encoder's prefix, or at the top level), flattened to f32, after
    /// checking its shape. f32, f16 and bf16 files are read.
    pub(crate) fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let view = self.view(name).ok_or_else(|| format!("model.safetensors has no tensor {name}"))?;
        if view.shape() != shape {
            return Err(format!("{name} has shape {:?}, the configuration implies {shape:?}", view.shape()));
        }
        let data = view.data();
        Ok(match view.dtype() {
            Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => {
                let halves = f16_values(data);
                let mut out = vec![0.0; halves.len()];
                halves.convert_to_f32_slice(&mut out);
                out
            }
            Dtype::BF16 => data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
            other => return Err(format!("{name} is stored as {other:?}; only F32, F16 and BF16 are read")),
        })
    }

    /// An embedding table, kept in f16 when the file stores it so: half the memory, and only the rows a batch
    /// reads are widened.
    fn table(&self, name: &str, shape: &[usize]) -> Result<Table, String> {
        match self.view(name) {
            Some(view) if view.dtype() == Dtype::F16 && view.shape() == shape => {
                Ok(Table::F16(f16_values(view.data())))
            }
            _ => self.get(name, shape).map(Table::F32),
        }
    }

    /// The shape of `name`, if the file has it.
    pub fn dims(&self, name: &str) -> Option<Vec<usize>> {
        self.view(name).map(|v| v.shape().to_vec())
    }
}

/// Little-endian f16 bytes as values.
fn f16_values(data: &[u8]) -> Vec<half::f16> {
    data.chunks_exact(2).map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]]))).collect()
}

enum Table {
    F32(Vec<f32>),
    F16(Vec<half::f16>),
}

impl Table {
    /// Writes row `index` (rows `out.len()` wide) into `out`.
    fn row_into(&self, index: usize, out: &mut [f32]) {
        let w = out.len();
        match self {
            Table::F32(rows) => out.copy_from_slice(&rows[index * w..(index + 1) * w]),
            Table::F16(rows) => rows[index * w..(index + 1) * w].convert_to_f32_slice(out),
        }
    }
}

/// A linear layer, y = x Wᵀ + b. Loaded, its weight is as checkpoints store it (outputs × inputs, row-major);
/// [`Dense::prepared`] turns it into what the products read.
pub(crate) struct Dense {
    /// Once prepared for f32 products: transposed (inputs × outputs, row-major), so they read it row by row.
    /// Empty when packed.
    weight: Vec<f32>,
    /// The weight in bf16 for the tile unit, when the precision and the processor allow it.
    packed: Option<amx::PackedBf16>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Dense {
    fn load(weights: &Weights, name: &str, inputs: usize, outputs: usize) -> Result<Dense, String> {
        let weight = weights.get(&format!("{name}.weight"), &[outputs, inputs])?;
        let bias = weights.get(&format!("{name}.bias"), &[outputs])?;
        Ok(Dense { weight, packed: None, bias, inputs, outputs })
    }

    /// Ready for products: packed in bf16 for the tile unit where `precision` asks for it and the processor has
    /// AMX, otherwise transposed for f32 products.
    fn prepared(mut self, precision: Precision) -> Dense {
        let (inputs, outputs) = (self.inputs, self.outputs);
        if precision == Precision::Fast && amx::available() && amx::fits(inputs, outputs) {
            let w = &self.weight;
            self.packed = Some(amx::PackedBf16::pack(inputs, outputs, |k, n| w[n * inputs + k]));
            self.weight = Vec::new();
        } else {
            let mut transposed = vec![0.0; self.weight.len()];
            for (n, row) in self.weight.chunks_exact(inputs).enumerate() {
                for (k, &w) in row.iter().enumerate() {
                    transposed[k * outputs + n] = w;
                }
            }
            self.weight = transposed;
        }
        self
    }

    /// Several layers that read the same input, as one wider layer (query, key and value).
    fn side_by_side(parts: &[Dense]) -> Dense {
        let inputs = parts[0].inputs;
        let outputs = parts.iter().map(|p| p.outputs).sum();
        let weight = parts.iter().flat_map(|p| p.weight.iter().copied()).collect();
        let bias = parts.iter().flat_map(|p| p.bias.iter().copied()).collect();
        Dense { weight, packed: None, bias, inputs, outputs }
    }

    /// `output = input Wᵀ + b`, or `output += input Wᵀ + b` when `residual` (the residual connection, for free).
    /// `scratch` holds the input's bf16 copy when the tile unit multiplies.
    fn apply(&self, input: &[f32], output: &mut [f32], residual: bool, scratch: &mut Vec<u16>) {
        let rows = input.len() / self.inputs;
        if self.packed.is_some() {
            scratch.resize(scratch.len().max(amx::padded_rows(rows) * self.inputs), 0);
            on_rows_into(input, &mut scratch[..rows * self.inputs], self.inputs, simd::to_bf16);
            return self.apply_bf16(scratch, rows, output, residual);
        }
        // The product below writes `rows × outputs` values through a raw pointer: checked in every build.
        assert_eq!(output.len(), rows * self.outputs);
        if residual {
            on_rows(output, self.outputs, |rows| simd::add_to_each_row(rows, &self.bias));
        } else {
            on_rows(output, self.outputs, |rows| simd::fill_rows(rows, &self.bias));
        }
        // SAFETY: the three matrices are `rows × inputs`, `inputs × outputs` (prepared) and `rows × outputs`,
        // row-major and in bounds (checked above and at load), and `output` does not overlap the others.
        unsafe {
            gemm::gemm(
                rows,
                self.outputs,
                self.inputs,
                output.as_mut_ptr(),
                1,
                self.outputs as isize,
                true,
                input.as_ptr(),
                1,
                self.inputs as isize,
                self.weight.as_ptr(),
                1,
                self.outputs as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                Parallelism::Rayon(0),
            )
        }
    }

    /// [`Dense::apply`] from an input already in bf16 (rows padded as [`amx::matmul`] wants); only for a layer
    /// whose weight is packed.
    fn apply_bf16(&self, input: &[u16], rows: usize, output: &mut [f32], residual: bool) {
        let packed = self.packed.as_ref().expect("a packed weight");
        if residual {
            on_rows(output, self.outputs, |rows| simd::add_to_each_row(rows, &self.bias));
            amx::matmul(input, rows, packed, amx::Start::Output, output);
        } else {
            amx::matmul(input, rows, packed, amx::Start::Row(&self.bias), output);
        }
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Norm {
    fn load(weights: &Weights, name: &str, width: usize) -> Result<Norm, String> {
        Ok(Norm {
            gamma: weights.get(&format!("{name}.weight"), &[width])?,
            beta: weights.get(&format!("{name}.bias"), &[width])?,
        })
    }
}

struct Layer {
    query_key_value: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    up: Dense,
    down: Dense,
    output_norm: Norm,
}

pub(crate) struct Bert {
    config: BertConfig,
    word: Table,
    position: Vec<f32>,
    /// Where the position table starts: 0 for BERT, the padding index plus one for MPNet.
    first_position: usize,
    /// Segment embeddings (BERT); MPNet has none.
    segment: Option<Vec<f32>>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    /// MPNet's relative position bias.
    relative: Option<RelativeBias>,
}

/// MPNet's relative position bias: a learned value per head for each bucket of the distance between a query and a
/// key (T5's buckets: exact for short distances, logarithmic up to 128, one side for keys after the query and one
/// for keys before), shared by every layer and added to the scaled scores.
struct RelativeBias {
    /// buckets × heads, row-major.
    table: Vec<f32>,
    heads: usize,
    /// The bucket of each distance `key - query`, indexed by distance + `max_positions`.
    bucket_of: Vec<usize>,
    max_positions: usize,
}

impl RelativeBias {
    fn new(table: Vec<f32>, buckets: usize, heads: usize, max_positions: usize) -> RelativeBias {
        let bucket_of =
            (0..2 * max_positions + 1).map(|i| relative_bucket(i as i64 - max_positions as i64, buckets)).collect();
        RelativeBias { table, heads, bucket_of, max_positions }
    }

    /// Adds the bias of `head` to a `len` × `len` block of scores (query rows, key columns).
    fn add_to(&self, scores: &mut [f32], len: usize, head: usize) {
        for (query, row) in scores.chunks_exact_mut(len).enumerate() {
            let offset = self.max_positions - query;
            for (key, score) in row.iter_mut().enumerate() {
                *score += self.table[self.bucket_of[offset + key] * self.heads + head];
            }
        }
    }
}

/// The bucket of a key `distance` positions after the query (negative: before), as MPNet computes it
/// (bidirectional, 128 positions at most told apart).
fn relative_bucket(distance: i64, buckets: usize) -> usize {
    const MAX_DISTANCE: f64 = 128.0;
    let half = (buckets / 2) as i64;
    let mut bucket = if distance > 0 { half } else { 0 };
    let n = distance.abs();
    let exact = half / 2;
    bucket += if n < exact {
        n
    } else {
        let far = exact as f64
            + ((n as f64 / exact as f64).ln() / (MAX_DISTANCE / exact as f64).ln() * (half - exact) as f64);
        (far as i64).min(half - 1)
    };
    bucket as usize
}

impl Bert {
    pub(crate) fn load(config: BertConfig, weights: &Weights, precision: Precision) -> Result<Bert, String> {
        if config.hidden_act != "gelu" {
            return Err(format!("hidden_act {:?} is not supported (only \"gelu\")", config.hidden_act));
        }
        if config.position_embedding_type != "absolute" {
            return Err(format!("position_embedding_type {:?} is not supported", config.position_embedding_type));
        }
        if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
            return Err("hidden_size must be a multiple of num_attention_heads".into());
        }
        let mpnet = match config.model_type.as_str() {
            "bert" => false,
            "mpnet" => true,
            other => return Err(format!("model_type {other:?} is not supported (only \"bert\" and \"mpnet\")")),
        };
        // The names of a layer's parts in each architecture's checkpoints.
        let (query, key, value, attention_output, attention_norm) = if mpnet {
            ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "attention.LayerNorm")
        } else {
            (
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "attention.output.LayerNorm",
            )
        };
        let h = config.hidden_size;
        let dense = |name: &str, inputs, outputs| {
            Dense::load(weights, name, inputs, outputs).map(|dense| dense.prepared(precision))
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let name = |part: &str| format!("encoder.layer.{i}.{part}");
                let attention = |part: &str| Dense::load(weights, &name(part), h, h);
                let query_key_value = Dense::side_by_side(&[attention(query)?, attention(key)?, attention(value)?]);
                Ok(Layer {
                    query_key_value: query_key_value.prepared(precision),
                    attention_out: dense(&name(attention_output), h, h)?,
                    attention_norm: Norm::load(weights, &name(attention_norm), h)?,
                    up: dense(&name("intermediate.dense"), h, config.intermediate_size)?,
                    down: dense(&name("output.dense"), config.intermediate_size, h)?,
                    output_norm: Norm::load(weights, &name("output.LayerNorm"), h)?,
                })
            })
            .collect::<Result<_, String>>()?;
        let (segment, relative, first_position) = if mpnet {
            let (buckets, heads) = (config.relative_attention_num_buckets, config.num_attention_heads);
            let table = weights.get("encoder.relative_attention_bias.weight", &[buckets, heads])?;
            let positions = config.max_position_embeddings;
            (None, Some(RelativeBias::new(table, buckets, heads, positions)), config.pad_token_id + 1)
        } else {
            let segment = weights.get("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, h])?;
            (Some(segment), None, 0)
        };
        if first_position >= config.max_position_embeddings {
            return Err("pad_token_id leaves no room in the position table".into());
        }
        Ok(Bert {
            word: weights.table("embeddings.word_embeddings.weight", &[config.vocab_size, h])?,
            position: weights.get("embeddings.position_embeddings.weight", &[config.max_position_embeddings, h])?,
            first_position,
            segment,
            embedding_norm: Norm::load(weights, "embeddings.LayerNorm", h)?,
            layers,
            relative,
            config,
        })
    }

    /// The most tokens one text may have.
    pub fn max_tokens(&self) -> usize {
        self.config.max_position_embeddings - self.first_position
    }

    /// The precision the dense layers actually run at here: [`Precision::Fast`] when they were packed for the
    /// tile unit (asked for, AMX present, shapes in whole tiles).
    pub fn precision(&self) -> Precision {
        if self.layers.iter().any(|layer| layer.up.packed.is_some()) { Precision::Fast } else { Precision::F32 }
    }

    pub fn hidden_size(&self) -> usize {
        self.config.hidden_size
    }

    /// The mean of each text's final token states, one row of `hidden_size` per input, in order.
    pub(crate) fn mean_pooled(&self, batch: &[Input]) -> Result<Vec<Vec<f32>>, String> {
        let h = self.config.hidden_size;
        let spans = self.spans(batch)?;
        let hidden = self.encode(batch, &spans);
        Ok(spans
            .iter()
            .map(|&(start, len)| {
                let mut total = vec![0.0; h];
                for row in hidden[start * h..(start + len) * h].chunks_exact(h) {
                    simd::accumulate(&mut total, row);
                }
                total.iter_mut().for_each(|x| *x /= len.max(1) as f32);
                total
            })
            .collect())
    }

    /// Where each text's tokens sit in the packed batch, after checking every id against the model's tables.
    fn spans(&self, batch: &[Input]) -> Result<Vec<(usize, usize)>, String> {
        let mut start = 0;
        batch
            .iter()
            .map(|input| {
                let len = input.ids.len();
                if len > self.max_tokens() {
                    return Err(format!("{len} tokens, more than the model's {}", self.max_tokens()));
                }
                if let Some(&id) = input.ids.iter().find(|&&id| id as usize >= self.config.vocab_size) {
                    return Err(format!("token id {id} is outside the vocabulary"));
                }
                if let Some(segments) = input.segments
                    && self.segment.is_some()
                    && (segments.len() != len || segments.iter().any(|&s| s as usize >= self.config.type_vocab_size))
                {
                    return Err("segment ids do not match the tokens".into());
                }
                let span = (start, len);
                start += len;
                Ok(span)
            })
            .collect()
    }

    fn encode(&self, batch: &[Input], spans: &[(usize, usize)]) -> Vec<f32> {
        let h = self.config.hidden_size;
        let tokens: usize = spans.iter().map(|s| s.1).sum();
        let mut x = vec![0.0f32; tokens * h];
        for (input, &(start, len)) in batch.iter().zip(spans) {
            for p in 0..len {
                let row = &mut x[(start + p) * h..(start + p + 1) * h];
                let id = input.ids[p] as usize;
                self.word.row_into(id, row);
                let position = self.first_position + p;
                simd::accumulate(row, &self.position[position * h..(position + 1) * h]);
                if let Some(table) = &self.segment {
                    let segment = input.segments.map_or(0, |s| s[p] as usize);
                    simd::accumulate(row, &table[segment * h..(segment + 1) * h]);
                }
            }
        }
        let eps = self.config.layer_norm_eps as f32;
        let layer_norm =
            |x: &mut [f32], norm: &Norm| on_rows(x, h, |rows| simd::layer_norm(rows, &norm.gamma, &norm.beta, eps));
        layer_norm(&mut x, &self.embedding_norm);

        let mut qkv = vec![0.0f32; tokens * 3 * h];
        let mut context = vec![0.0f32; tokens * h];
        let mut intermediate = vec![0.0f32; tokens * self.config.intermediate_size];
        let mut scratch = Vec::new();
        for layer in &self.layers {
            layer.query_key_value.apply(&x, &mut qkv, false, &mut scratch);
            self.attention(&qkv, spans, &mut context);
            layer.attention_out.apply(&context, &mut x, true, &mut scratch);
            layer_norm(&mut x, &layer.attention_norm);
            layer.up.apply(&x, &mut intermediate, false, &mut scratch);
            if layer.down.packed.is_some() {
                // GELU and the rounding to bf16 in one pass: the f32 result would only be read to be rounded.
                let width = self.config.intermediate_size;
                scratch.resize(scratch.len().max(amx::padded_rows(tokens) * width), 0);
                on_rows_into(&intermediate, &mut scratch[..tokens * width], width, simd::gelu_to_bf16);
                layer.down.apply_bf16(&scratch, tokens, &mut x, true);
            } else {
                on_rows(&mut intermediate, self.config.intermediate_size, simd::gelu_in_place);
                layer.down.apply(&intermediate, &mut x, true, &mut scratch);
            }
            layer_norm(&mut x, &layer.output_norm);
        }
        x
    }

    /// Scaled dot-product attention of every head of every text, from the packed query/key/value rows into
    /// `context`. Each (text, head) is independent, so they are shared out between the cores.
    fn attention(&self, qkv: &[f32], spans: &[(usize, usize)], context: &mut [f32]) {
        let h = self.config.hidden_size;
        let heads = self.config.num_attention_heads;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        let out = SharedOut(context.as_mut_ptr());
        let units: Vec<(usize, usize, usize)> =
            spans.iter().flat_map(|&(start, len)| (0..heads).map(move |head| (start, len, head))).collect();
        units.par_iter().for_each_init(Vec::new, |scores: &mut Vec<f32>, &(start, len, head)| {
            scores.clear();
            scores.resize(len * len, 0.0);
            let q = qkv[start * 3 * h + head * d..].as_ptr();
            let (k, v) = (q.wrapping_add(h), q.wrapping_add(2 * h));
            let row = (3 * h) as isize;
            // SAFETY: the query, key and value blocks of this text and head are `len` rows of `d` at a row stride
            // of 3h inside `qkv`; `scores` is len × len; the context block written (rows start..start+len, columns
            // head*d..head*d+d of `context`) belongs to this (text, head) alone, so no two units write the same
            // element and `context` outlives the loop.
            unsafe {
                gemm::gemm(
                    len,
                    len,
                    d,
                    scores.as_mut_ptr(),
                    1,
                    len as isize,
                    false,
                    q,
                    1,
                    row,
                    k,
                    row,
                    1,
                    0.0,
                    scale,
                    false,
                    false,
                    false,
                    Parallelism::None,
                );
                if let Some(relative) = &self.relative {
                    relative.add_to(scores, len, head);
                }
                simd::softmax(scores, len);
                let out = out.at(start * h + head * d);
                gemm::gemm(
                    len,
                    d,
                    len,
                    out,
                    1,
                    h as isize,
                    false,
                    scores.as_ptr(),
                    1,
                    len as isize,
                    v,
                    1,
                    row,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    Parallelism::None,
                );
            }
        });
    }
}

/// Rows one core takes at a time in the element-wise passes.
const ROWS_PER_TASK: usize = 64;

/// Runs `pass` over `xs` (rows `width` long) in pieces of whole rows, on every core.
fn on_rows(xs: &mut [f32], width: usize, pass: impl Fn(&mut [f32]) + Send + Sync) {
    xs.par_chunks_mut(ROWS_PER_TASK * width).for_each(pass);
}

/// Runs `pass` from `xs` into `out` (rows `width` long in both) in pieces of whole rows, on every core.
fn on_rows_into<T: Send>(xs: &[f32], out: &mut [T], width: usize, pass: impl Fn(&[f32], &mut [T]) + Sync) {
    let chunk = ROWS_PER_TASK * width;
    xs.par_chunks(chunk).zip(out.par_chunks_mut(chunk)).for_each(|(xs, out)| pass(xs, out));
}

/// The context buffer, written by many attention units at once, each in its own block.
#[derive(Clone, Copy)]
struct SharedOut(*mut f32);

impl SharedOut {
    /// A method rather than the field, so closures capture the whole (Sync) wrapper, not the raw pointer.
    fn at(self, offset: usize) -> *mut f32 {
        self.0.wrapping_add(offset)
    }
}
// SAFETY: see `attention`: every unit writes a disjoint block.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

/// A classification head over the pooled state: one linear layer, then softmax.
pub(crate) struct Head {
    dense: Dense,
}

impl Head {
    pub(crate) fn load(weights: &Weights, name: &str, hidden: usize) -> Result<Head, String> {
        let dims = weights.dims(&format!("{name}.weight")).ok_or_else(|| format!("model.safetensors has no {name}"))?;
        let [classes, inputs] = dims[..] else { return Err(format!("{name}.weight is not a matrix")) };
        if inputs != hidden {
            return Err(format!("{name} takes {inputs} inputs, the encoder gives {hidden}"));
        }
        // Three outputs are no work for the tile unit.
        Ok(Head { dense: Dense::load(weights, name, hidden, classes)?.prepared(Precision::F32) })
    }

    pub fn classes(&self) -> usize {
        self.dense.outputs()
    }

    pub fn probabilities(&self, pooled: &[f32]) -> Vec<f32> {
        let mut logits = vec![0.0; self.dense.outputs];
        self.dense.apply(pooled, &mut logits, false, &mut Vec::new());
        simd::softmax(&mut logits, self.dense.outputs);
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dense layer asked for [`Precision::Fast`] runs in the tile unit where the processor has one, and as the
    /// f32 layer elsewhere. The test says which path it ran; off AMX it checks that the fallback is the f32 layer
    /// exactly, on AMX that the tile unit's products stay within bf16's error of it.
    #[test]
    fn fast_precision_runs_in_the_tile_unit_only_where_there_is_one() {
        let (inputs, outputs, rows) = (64, 96, 5);
        let value = |i: usize| (((i * 7919) % 1000) as f32 - 500.0) / 500.0;
        let dense = |precision| {
            let weight = (0..inputs * outputs).map(value).collect();
            let bias = (0..outputs).map(|i| value(i + 3)).collect();
            Dense { weight, packed: None, bias, inputs, outputs }.prepared(precision)
        };
        let input: Vec<f32> = (0..rows * inputs).map(|i| value(i + 11)).collect();
        let run = |layer: &Dense| {
            let mut output = vec![0.0; rows * outputs];
            layer.apply(&input, &mut output, false, &mut Vec::new());
            output
        };
        let (fast, exact) = (dense(Precision::Fast), dense(Precision::F32));
        let (got, want) = (run(&fast), run(&exact));
        if amx::available() {
            assert!(fast.packed.is_some(), "AMX here: the layer is packed for the tile unit");
            let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 0.05, "bf16 products {worst} from f32");
            eprintln!("ran the tile unit (AMX); largest difference from f32: {worst}");
        } else {
            assert!(fast.packed.is_none(), "no AMX here: Fast falls back to f32");
            assert_eq!(got, want);
            eprintln!("no AMX here: Fast ran as the f32 layer, identically");
        }
    }
}
