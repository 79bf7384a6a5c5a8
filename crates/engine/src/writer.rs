//! The language model behind the report writer, chosen in [`crate::Config::writer`]: none (the extractive
//! writer), an OpenAI-compatible server, or a local GGUF model from the models folder.

use std::path::PathBuf;

use verity_llm::local::LocalModel;
use verity_llm::{LlmError, OpenAiCompatible, ServerConfig};
use verity_model::{ChatMessage, ChatOptions, Failure};

/// Which writer a check uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum WriterConfig {
    /// No language model: the report quotes its sources (always available).
    #[default]
    Extractive,
    /// Any OpenAI-compatible chat server.
    Server(ServerConfig),
    /// A local GGUF chat model: this file, or the installed `smollm2-135m-instruct` when `None`.
    Local(Option<PathBuf>),
}

/// The catalogue name of the local model used when no file is named.
pub const DEFAULT_LOCAL_MODEL: &str = "smollm2-135m-instruct";

/// A loaded language model.
pub enum Writer {
    Server(OpenAiCompatible),
    Local(Box<LocalModel>),
}

impl Writer {
    /// Connects or loads; `models_dir` is where `verity models install` put the local model.
    pub fn open(config: &WriterConfig, models_dir: &std::path::Path) -> Result<Option<Writer>, LlmError> {
        Ok(match config {
            WriterConfig::Extractive => None,
            WriterConfig::Server(server) => Some(Writer::Server(OpenAiCompatible::new(server.clone())?)),
            WriterConfig::Local(path) => {
                let path = match path {
                    Some(path) => path.clone(),
                    None => installed_gguf(models_dir, DEFAULT_LOCAL_MODEL),
                };
                Some(Writer::Local(Box::new(LocalModel::load(&path)?)))
            }
        })
    }
}

/// The `.gguf` file of an installed model, or where it would be.
pub fn installed_gguf(models_dir: &std::path::Path, name: &str) -> PathBuf {
    let spec_file = verity_models::find(name).and_then(|spec| spec.files.iter().find(|f| f.ends_with(".gguf")));
    models_dir.join(name).join(spec_file.copied().unwrap_or("model.gguf"))
}

impl verity_pipeline::LanguageModel for Writer {
    fn name(&self) -> String {
        match self {
            Writer::Server(client) => client.name(),
            Writer::Local(model) => model.name(),
        }
    }

    fn chat(&self, messages: &[ChatMessage], options: &ChatOptions) -> Result<String, Failure> {
        match self {
            Writer::Server(client) => client.chat(messages, options).map_err(failure),
            // A local model has no JSON mode: its answer is started for it, which keeps a small model in form.
            Writer::Local(model) => model.chat(messages, options, &options.prime).map_err(failure),
        }
    }
}

/// A language model's error as the pipeline tells kinds apart: a deadline is not the model's fault, a server out
/// of reach may answer later, a request it refused will be refused again.
fn failure(e: LlmError) -> Failure {
    let message = e.to_string();
    match e {
        LlmError::Deadline(_) => Failure::Deadline(message),
        LlmError::Unreachable { .. } | LlmError::Timeout { .. } => Failure::Unavailable(message),
        LlmError::Status { status, .. } if status >= 500 || status == 429 => Failure::Unavailable(message),
        LlmError::Status { .. } | LlmError::BadReply { .. } => Failure::BadInput(message),
        _ => Failure::Other(message),
    }
}
