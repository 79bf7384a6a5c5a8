//! The judges a check can use, chosen in [`crate::Config::judge`]: the lexical rules, the entailment model
//! shipped with Verity (the default), or a language model with the entailment model for what it leaves unjudged.

use verity_model::{Failure, JudgeKind};
use verity_pipeline::claim::Claim;
use verity_pipeline::judge::{Judge, Reading, Readings};

use crate::writer::{Writer, WriterConfig};

/// Which judge reads the evidence sentences.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum JudgeConfig {
    /// Word overlap, negation and opposite terms: instant, no model.
    Lexical,
    /// The entailment model compiled into Verity.
    #[default]
    Nli,
    /// A language model (an OpenAI-compatible server, or a local GGUF model), asked for JSON; the entailment
    /// model reads what its replies leave out.
    Llm(WriterConfig),
}

impl JudgeConfig {
    pub fn kind(&self) -> JudgeKind {
        match self {
            JudgeConfig::Lexical => JudgeKind::Lexical,
            JudgeConfig::Nli => JudgeKind::Nli,
            JudgeConfig::Llm(_) => JudgeKind::Llm,
        }
    }
}

/// The entailment model as a [`Judge`]: each (sentence, claim) pair read by the cross-encoder.
pub struct EntailmentJudge {
    model: verity_embed::cross::CrossEncoder,
    /// What reports call it: the shipped model's name, or the folder it was loaded from.
    name: String,
}

/// Where a judge other than the shipped one is taken from, when set: a folder with `config.json`,
/// `tokenizer.json` and `model.safetensors` (a retrained or larger entailment model).
pub const MODEL_ENV: &str = "VERITY_NLI_MODEL";

impl EntailmentJudge {
    /// Loads the model shipped in the binary.
    pub fn shipped() -> Result<EntailmentJudge, verity_embed::EmbedError> {
        Ok(EntailmentJudge {
            model: verity_embed::entailment::shipped()?,
            name: verity_embed::entailment::NAME.to_string(),
        })
    }

    /// The model in the folder [`MODEL_ENV`] names, else the shipped one.
    pub fn preferred() -> Result<EntailmentJudge, verity_embed::EmbedError> {
        match std::env::var_os(MODEL_ENV) {
            Some(dir) if !dir.is_empty() => EntailmentJudge::load(std::path::Path::new(&dir)),
            _ => EntailmentJudge::shipped(),
        }
    }

    /// Loads a model from a folder (`config.json`, `tokenizer.json`, `model.safetensors`), e.g. a retrained one.
    pub fn load(dir: &std::path::Path) -> Result<EntailmentJudge, verity_embed::EmbedError> {
        let model = verity_embed::cross::CrossEncoder::load(dir)?;
        if model.classes() != 3 {
            return Err(verity_embed::EmbedError::Load {
                dir: dir.to_path_buf(),
                message: format!("an entailment model scores 3 classes, this one {}", model.classes()),
            });
        }
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(EntailmentJudge { model, name })
    }

    /// Probabilities (supports, refutes, neutral) for each (evidence, claim) pair.
    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Vec<[f32; 3]>, Failure> {
        let probabilities = self.model.classify(pairs).map_err(|e| Failure::Other(e.to_string()))?;
        probabilities
            .into_iter()
            .map(|p| {
                <[f32; 3]>::try_from(p.as_slice())
                    .map_err(|_| Failure::BadInput("the model did not give 3 classes".to_string()))
            })
            .collect()
    }
}

impl Judge for EntailmentJudge {
    fn kind(&self) -> JudgeKind {
        JudgeKind::Nli
    }

    fn name(&self) -> String {
        format!("the entailment model {}", self.name)
    }

    fn read(&self, claim: &Claim, sentences: &[&str]) -> Result<Readings, Failure> {
        let pairs: Vec<(&str, &str)> = sentences.iter().map(|s| (*s, claim.text.as_str())).collect();
        let readings = self.classify(&pairs)?.into_iter().map(Reading::new).collect();
        Ok(Readings { readings, notes: vec![] })
    }
}

/// A language model as the pipeline's judge.
pub(crate) struct ModelJudge<'a> {
    pub model: &'a Writer,
    pub fallback: &'a EntailmentJudge,
    pub deadline: verity_model::Deadline,
}

impl Judge for ModelJudge<'_> {
    fn kind(&self) -> JudgeKind {
        JudgeKind::Llm
    }

    fn name(&self) -> String {
        self.judge().name()
    }

    fn read(&self, claim: &Claim, sentences: &[&str]) -> Result<Readings, Failure> {
        self.judge().read(claim, sentences)
    }

    fn sentences_per_check(&self) -> usize {
        self.judge().sentences_per_check()
    }
}

impl ModelJudge<'_> {
    fn judge(&self) -> verity_pipeline::judge::LanguageModelJudge<'_> {
        verity_pipeline::judge::LanguageModelJudge {
            model: self.model,
            fallback: self.fallback,
            deadline: self.deadline.clone(),
        }
    }
}
