//! What every prompt to a language model shares, for the judge and the writer alike: the [`LanguageModel`] trait
//! (any chat model: the caller brings an HTTP client or a local model; the pipeline only calls it), and the
//! fencing that keeps source text data: `fence_safe` (a source can never close the evidence fence or open a
//! new one) and `addresses_a_model` (a sentence written to steer a model is never shown to one).
//!
//! Neither the judge nor the writer depends on the other; both depend on this.

use verity_model::{ChatMessage, ChatOptions, Failure};

/// A chat language model. Implementations do the I/O; the pipeline only calls this.
pub trait LanguageModel {
    /// What the report records as its writer, e.g. `openai-compatible:qwen2.5-1.5b-instruct`.
    fn name(&self) -> String;
    /// The assistant's reply to `messages`.
    fn chat(&self, messages: &[ChatMessage], options: &ChatOptions) -> Result<String, Failure>;
}

/// Phrases that address a language model rather than a reader: text carrying them is withheld from the model.
const ADDRESSED_TO_A_MODEL: &[&str] = &[
    "ignore previous instructions",
    "ignore all previous",
    "ignore the above",
    "ignore prior instructions",
    "disregard previous",
    "disregard all previous",
    "disregard the above",
    "system prompt",
    "you are an ai",
    "you are a language model",
    "as an ai language model",
    "new instructions:",
    "assistant:",
    "</evidence>",
    "<evidence>",
];

/// Whether `text` addresses a language model rather than reporting anything: it is withheld from models.
pub(crate) fn addresses_a_model(text: &str) -> bool {
    let lower = text.to_lowercase();
    ADDRESSED_TO_A_MODEL.iter().any(|p| lower.contains(p))
}

/// Source text can never close the evidence fence or open a new one.
pub(crate) fn fence_safe(text: &str) -> String {
    text.replace('<', "\u{2039}").replace('>', "\u{203a}")
}
