//! A local chat model run by candle on the CPU from a GGUF file: Llama-architecture files (SmolLM2) and Qwen2 files
//! (Qwen2.5). The tokenizer is rebuilt from the file's own vocabulary and merges (byte-level BPE), and the prompt
//! follows the file's chat template when it is ChatML (`<|im_start|>`), which both families use.
//!
//! Decoding is greedy at temperature 0 (reproducible), sampled otherwise, with a light repetition penalty: small
//! models loop without one. The model's answer can be primed (`prime`): starting the assistant's turn with `{`
//! keeps a small model inside the JSON object it was asked for.

use std::path::Path;
use std::sync::Mutex;

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_llama, quantized_qwen2};
use tokenizers::Tokenizer;
use verity_model::{ChatMessage, ChatOptions, Role};

use crate::LlmError;

enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
}

impl Weights {
    fn forward(&mut self, input: &Tensor, position: usize) -> candle_core::Result<Tensor> {
        match self {
            Weights::Llama(m) => m.forward(input, position),
            Weights::Qwen2(m) => m.forward(input, position),
        }
    }

    fn clear(&mut self) {
        match self {
            Weights::Llama(m) => m.clear_kv_cache(),
            Weights::Qwen2(m) => m.clear_kv_cache(),
        }
    }
}

/// A GGUF chat model held in memory.
pub struct LocalModel {
    name: String,
    weights: Mutex<Weights>,
    tokenizer: Tokenizer,
    /// Tokens that end the assistant's turn.
    stop: Vec<u32>,
    context_length: usize,
}

/// Logits of tokens among the last [`REPEAT_WINDOW`] generated are divided by this.
const REPEAT_PENALTY: f32 = 1.1;
const REPEAT_WINDOW: usize = 64;

/// The first line of a library's error: candle appends a backtrace to its message when one was captured
/// (RUST_BACKTRACE set), which is no message for a user.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_string()
}

impl LocalModel {
    /// Loads `path` (a `.gguf` file). Errors say what is wrong with the file.
    pub fn load(path: &Path) -> Result<LocalModel, LlmError> {
        let load_error = |message: String| LlmError::Load { path: path.display().to_string(), message };
        let mut file = std::fs::File::open(path).map_err(|e| {
            load_error(format!("{e}; `verity models install smollm2-135m-instruct` installs a small model"))
        })?;
        let content = gguf_file::Content::read(&mut file).map_err(|e| {
            load_error(format!(
                "not a GGUF file ({}); --llm-file takes a .gguf chat model, such as the one `verity models install \
                 smollm2-135m-instruct` installs",
                first_line(&e.to_string())
            ))
        })?;
        let text = |key: &str| content.metadata.get(key).and_then(|v| v.to_string().ok()).cloned();
        let architecture = text("general.architecture").unwrap_or_default();
        let template = text("tokenizer.chat_template").unwrap_or_default();
        if !template.contains("<|im_start|>") {
            return Err(load_error(format!(
                "its chat template is not ChatML (<|im_start|>); Verity runs Llama and Qwen2 chat models that use it, \
                 such as SmolLM2-Instruct and Qwen2.5-Instruct ({architecture})"
            )));
        }
        let context_length = content
            .metadata
            .get(&format!("{architecture}.context_length"))
            .and_then(|v| v.to_u32().ok())
            .unwrap_or(2048) as usize;
        let tokenizer = tokenizer_from_gguf(&content).map_err(load_error)?;
        let stop: Vec<u32> = ["<|im_end|>", "<|endoftext|>"].iter().filter_map(|t| tokenizer.token_to_id(t)).collect();
        if stop.is_empty() {
            return Err(load_error("its vocabulary has no <|im_end|> token".into()));
        }
        let name = text("general.name").unwrap_or_else(|| architecture.clone());
        let device = Device::Cpu;
        let (content, mut data) = widen_slow_tensors(content, &mut file).map_err(load_error)?;
        let weights = match architecture.as_str() {
            "llama" => Weights::Llama(
                quantized_llama::ModelWeights::from_gguf(content, &mut data, &device)
                    .map_err(|e| load_error(first_line(&e.to_string())))?,
            ),
            "qwen2" => Weights::Qwen2(
                quantized_qwen2::ModelWeights::from_gguf(content, &mut data, &device)
                    .map_err(|e| load_error(first_line(&e.to_string())))?,
            ),
            other => {
                return Err(load_error(format!("architecture {other:?} is not supported; use a Llama or Qwen2 model")));
            }
        };
        Ok(LocalModel { name: format!("local:{name}"), weights: Mutex::new(weights), tokenizer, stop, context_length })
    }

    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The prompt for `messages` in ChatML, opening the assistant's turn (with `prime`, if given).
    pub fn prompt(messages: &[ChatMessage], prime: &str) -> String {
        let mut out = String::new();
        for m in messages {
            let role = match m.role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            out.push_str(&format!("<|im_start|>{role}\n{}<|im_end|>\n", m.content));
        }
        out.push_str("<|im_start|>assistant\n");
        out.push_str(prime);
        out
    }

    /// The assistant's reply (starting with `prime`, which the model continues).
    pub fn chat(&self, messages: &[ChatMessage], options: &ChatOptions, prime: &str) -> Result<String, LlmError> {
        self.chat_streaming(messages, options, prime, &mut |_| {})
    }

    pub fn chat_streaming(
        &self,
        messages: &[ChatMessage],
        options: &ChatOptions,
        prime: &str,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<String, LlmError> {
        let generate = |e: String| LlmError::Generate(e);
        let prompt = Self::prompt(messages, prime);
        let encoding = self.tokenizer.encode(prompt.as_str(), false).map_err(|e| generate(e.to_string()))?;
        let prompt_ids = encoding.get_ids().to_vec();
        if prompt_ids.len() + options.max_tokens > self.context_length {
            return Err(generate(format!(
                "the prompt ({} tokens) and the answer ({}) do not fit the model's context of {} tokens",
                prompt_ids.len(),
                options.max_tokens,
                self.context_length
            )));
        }
        let mut weights =
            self.weights.lock().map_err(|_| generate("the model was poisoned by an earlier panic".into()))?;
        weights.clear();
        let sampling = if options.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            Sampling::All { temperature: options.temperature as f64 }
        };
        let mut sampler = LogitsProcessor::from_sampling(299_792_458, sampling);
        let device = Device::Cpu;
        let step = |weights: &mut Weights, ids: &[u32], position: usize| -> candle_core::Result<Tensor> {
            let input = Tensor::new(ids, &device)?.unsqueeze(0)?;
            weights.forward(&input, position)?.squeeze(0)?.to_dtype(candle_core::DType::F32)
        };
        let mut logits = step(&mut weights, &prompt_ids, 0).map_err(|e| generate(e.to_string()))?;
        let mut generated: Vec<u32> = Vec::new();
        let mut text = prime.to_string();
        on_delta(prime);
        let mut emitted = 0;
        let mut json_end = options.json.then(|| JsonEnd::after(prime));
        for i in 0..options.max_tokens {
            if options.deadline.passed() {
                return Err(LlmError::Deadline(options.deadline.reason()));
            }
            let recent = &generated[generated.len().saturating_sub(REPEAT_WINDOW)..];
            let penalised = candle_transformers::utils::apply_repeat_penalty(&logits, REPEAT_PENALTY, recent)
                .map_err(|e| generate(e.to_string()))?;
            let next = sampler.sample(&penalised).map_err(|e| generate(e.to_string()))?;
            if self.stop.contains(&next) {
                break;
            }
            generated.push(next);
            // Decode the whole answer each time: byte-level tokens can split a character.
            let decoded = self.tokenizer.decode(&generated, true).map_err(|e| generate(e.to_string()))?;
            if decoded.len() > emitted && decoded.is_char_boundary(emitted) && !decoded.ends_with('\u{fffd}') {
                let piece = &decoded[emitted..];
                on_delta(piece);
                emitted = decoded.len();
                // Asked for one JSON object: stop when it closes rather than let a small model ramble on.
                if json_end.as_mut().is_some_and(|end| end.feed(piece)) {
                    break;
                }
            }
            logits = step(&mut weights, &[next], prompt_ids.len() + i).map_err(|e| generate(e.to_string()))?;
        }
        let decoded = self.tokenizer.decode(&generated, true).map_err(|e| generate(e.to_string()))?;
        if decoded.len() > emitted {
            on_delta(&decoded[emitted.min(decoded.len())..]);
        }
        text.push_str(&decoded);
        Ok(text)
    }
}

/// Tensor data to load from: the file itself, or an in-memory copy with some tensors widened.
enum TensorData<'a> {
    File(&'a mut std::fs::File),
    Memory(std::io::Cursor<Vec<u8>>),
}

impl std::io::Read for TensorData<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            TensorData::File(f) => f.read(buf),
            TensorData::Memory(m) => m.read(buf),
        }
    }
}

impl std::io::Seek for TensorData<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        match self {
            TensorData::File(f) => f.seek(pos),
            TensorData::Memory(m) => m.seek(pos),
        }
    }
}

/// candle has AVX2 kernels for Q4_0, Q8_0 and the K-quants but none for Q4_1 and Q5_x, which then run several
/// times slower. Such tensors are re-encoded as Q8_0 in memory at load time. (Measured on SmolLM2-135M Q4_1, two
/// cores: 10.7 tokens/s as stored, 16.5 as f32, which is memory-bound, and 35.5 as Q8_0.) Files without them are
/// read as they are.
fn widen_slow_tensors(
    content: gguf_file::Content,
    file: &mut std::fs::File,
) -> Result<(gguf_file::Content, TensorData<'_>), String> {
    use candle_core::quantized::{GgmlDType, QTensor};
    let slow = |d: GgmlDType| matches!(d, GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1);
    if !content.tensor_infos.values().any(|t| slow(t.ggml_dtype)) {
        return Ok((content, TensorData::File(file)));
    }
    let target = GgmlDType::Q8_0;
    let mut buffer: Vec<u8> = Vec::new();
    let mut infos = std::collections::HashMap::new();
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    for name in names {
        let info = &content.tensor_infos[name];
        let tensor = info.read(file, content.tensor_data_offset, &Device::Cpu).map_err(|e| format!("{name}: {e}"))?;
        let (dtype, bytes) = if slow(info.ggml_dtype) {
            let wide = tensor.dequantize(&Device::Cpu).and_then(|t| QTensor::quantize(&t, target));
            let wide = wide.map_err(|e| format!("{name}: {e}"))?;
            (target, wide.data().map_err(|e| e.to_string())?.into_owned())
        } else {
            (info.ggml_dtype, tensor.data().map_err(|e| e.to_string())?.into_owned())
        };
        buffer.resize(buffer.len().next_multiple_of(32), 0);
        let offset = buffer.len() as u64;
        buffer.extend_from_slice(&bytes);
        infos.insert(name.clone(), gguf_file::TensorInfo { ggml_dtype: dtype, shape: info.shape.clone(), offset });
    }
    let widened = gguf_file::Content {
        magic: content.magic,
        metadata: content.metadata,
        tensor_infos: infos,
        tensor_data_offset: 0,
    };
    Ok((widened, TensorData::Memory(std::io::Cursor::new(buffer))))
}

/// Tracks JSON nesting across pieces of text, outside strings, to tell when the top-level object closes.
struct JsonEnd {
    depth: i32,
    in_string: bool,
    escaped: bool,
    opened: bool,
}

impl JsonEnd {
    fn after(prime: &str) -> JsonEnd {
        let mut end = JsonEnd { depth: 0, in_string: false, escaped: false, opened: false };
        end.feed(prime);
        end
    }

    /// True once the outermost object has closed.
    fn feed(&mut self, text: &str) -> bool {
        for c in text.chars() {
            if self.in_string {
                match (self.escaped, c) {
                    (true, _) => self.escaped = false,
                    (false, '\\') => self.escaped = true,
                    (false, '"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => self.in_string = true,
                '{' | '[' => {
                    self.depth += 1;
                    self.opened = true;
                }
                '}' | ']' => {
                    self.depth -= 1;
                    if self.opened && self.depth <= 0 {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
}

/// A byte-level BPE tokenizer from the vocabulary and merges a GGUF file carries, with its control tokens
/// (`<|im_start|>` ...) as special tokens so the chat markup is never split.
fn tokenizer_from_gguf(content: &gguf_file::Content) -> Result<Tokenizer, String> {
    use tokenizers::models::bpe::{BPE, Vocab};
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::{AddedToken, decoders::byte_level::ByteLevel as ByteLevelDecoder};

    let md = &content.metadata;
    let model = md.get("tokenizer.ggml.model").and_then(|v| v.to_string().ok()).cloned().unwrap_or_default();
    if model != "gpt2" {
        return Err(format!("its tokenizer is {model:?}, not the byte-level BPE (\"gpt2\") Verity reads"));
    }
    let strings = |key: &str| -> Result<Vec<String>, String> {
        md.get(key)
            .ok_or_else(|| format!("no {key} in the file"))?
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| e.to_string()))
            .collect()
    };
    let tokens = strings("tokenizer.ggml.tokens")?;
    let merges: Vec<(String, String)> = strings("tokenizer.ggml.merges")?
        .into_iter()
        .filter_map(|m| m.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())))
        .collect();
    let types: Vec<u32> = md
        .get("tokenizer.ggml.token_type")
        .and_then(|v| v.to_vec().ok())
        .map(|v| v.iter().map(|t| t.to_i32().map(|x| x as u32).or_else(|_| t.to_u32()).unwrap_or(1)).collect())
        .unwrap_or_default();
    let vocab: Vocab = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    // Type 3 = control token in GGUF; the chat markup is among them.
    let special: Vec<AddedToken> = tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| types.get(*i) == Some(&3) || (t.starts_with("<|") && t.ends_with("|>")))
        .map(|(_, t)| AddedToken::from(t.clone(), true))
        .collect();
    tokenizer.add_special_tokens(special).map_err(|e| e.to_string())?;
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::JsonEnd;

    #[test]
    fn the_end_of_a_json_object_is_found_across_pieces_and_not_inside_strings() {
        let mut end = JsonEnd::after("{\"summary\": [\"");
        assert!(!end.feed("a } or ] in a string, \\\" escaped"));
        assert!(!end.feed("\"], \"core\": [\"x\"]"));
        assert!(end.feed("} and then rambling"));
    }
}
