//! The judges a check can use, chosen in [`crate::Config::judge`]: the lexical rules, the entailment model
//! shipped with Verity (the default), or a language model with the entailment model for what it leaves unjudged.

use verity_model::{Failure, JudgeKind};
use verity_pipeline::claim::Claim;
use verity_pipeline::judge::{Judge, Reading, Readings};
use verity_pipeline::verdict::Judged;

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
    /// The verdict settings fitted for this model (its folder's [`VERDICT_FILE`]); the shipped ones without.
    verdict: Option<Judged>,
}

/// Where a judge other than the shipped one is taken from, when set: a folder with `config.json`,
/// `tokenizer.json` and `model.safetensors` (a retrained or larger entailment model).
pub const MODEL_ENV: &str = "VERITY_NLI_MODEL";

/// Installable judges (`verity models install NAME --from FILE`) that checks use instead of the shipped one once
/// installed, best first. A judge is listed only where it beats the shipped one on the dev sets with a check still
/// under a second at p50 on two cores (docs/BENCHMARKS.md); others are used when [`MODEL_ENV`] names them.
pub const DEFAULT_WHEN_INSTALLED: &[&str] = &[verity_models::VERITY_NLI_MPNET_BASE.name];

/// The file in a model's folder that holds the verdict settings fitted for it (`verity train verdict --out`):
/// thresholds fitted on one model's probabilities mean little for another's.
pub const VERDICT_FILE: &str = "verdict.json";

impl EntailmentJudge {
    /// Loads the model shipped in the binary.
    pub fn shipped() -> Result<EntailmentJudge, verity_embed::EmbedError> {
        Ok(EntailmentJudge {
            model: verity_embed::entailment::shipped()?,
            name: verity_embed::entailment::NAME.to_string(),
            verdict: None,
        })
    }

    /// The judge a check uses: the model [`MODEL_ENV`] names (a folder, or the name of a model installed in
    /// `models_dir`), else the first judge of [`DEFAULT_WHEN_INSTALLED`] installed there, else the shipped one.
    pub fn preferred(models_dir: &std::path::Path) -> Result<EntailmentJudge, verity_embed::EmbedError> {
        match std::env::var_os(MODEL_ENV) {
            Some(named) if !named.is_empty() => {
                let path = std::path::Path::new(&named);
                let installed = models_dir.join(path);
                let is_name = path.components().count() == 1 && !path.exists() && installed.is_dir();
                EntailmentJudge::load(if is_name { &installed } else { path })
            }
            _ => match DEFAULT_WHEN_INSTALLED.iter().find(|name| verity_models::is_installed_here(models_dir, name)) {
                Some(name) => EntailmentJudge::load(&models_dir.join(name)),
                None => EntailmentJudge::shipped(),
            },
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
        let verdict = match std::fs::read(dir.join(VERDICT_FILE)) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| verity_embed::EmbedError::Load {
                dir: dir.to_path_buf(),
                message: format!("{VERDICT_FILE} is not verdict settings ({e}); fit them with `verity train verdict`"),
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(verity_embed::EmbedError::Load {
                    dir: dir.to_path_buf(),
                    message: format!("cannot read {VERDICT_FILE}: {e}"),
                });
            }
        };
        Ok(EntailmentJudge { model, name, verdict })
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

    fn verdict(&self) -> &Judged {
        self.verdict.as_ref().unwrap_or_else(|| Judged::shipped(JudgeKind::Nli))
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
