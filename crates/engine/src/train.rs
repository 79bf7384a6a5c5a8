//! Training the stance classifier ([`verity_pipeline::learned`]) from the training splits of public data sets,
//! and measuring it on their held-out splits, pair by pair.
//!
//! Pairs (claim, evidence sentence, label): SciFact rationale sentences (SUPPORT = supports, CONTRADICT =
//! refutes) and two other sentences of the same abstract (neutral); Check-COVID evidence sentences with the claim's
//! label (NOTENOUGHINFO = neutral) and one other sentence of the abstract (neutral); Climate-FEVER sentences with
//! their own labels (DISPUTED is not a sentence label). Training uses `train` splits only; SciFact `dev`,
//! Check-COVID `dev` and Climate-FEVER `heldout` measure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use verity_eval::{check_covid, climate_fever, scifact};
use verity_pipeline::learned::{self, StanceModel, TrainOptions};

use crate::{EngineError, Result};

/// Where the shipped stance model is kept in the source tree (compiled into the binary).
pub const SHIPPED_MODEL_PATH: &str = "crates/engine/models/stance.json";

#[derive(Debug, Clone)]
pub struct StancePair {
    pub claim: String,
    pub sentence: String,
    /// Index into [`learned::LABELS`]: supports, refutes, neutral.
    pub label: usize,
}

const SUPPORTS: usize = 0;
const REFUTES: usize = 1;
const NEUTRAL: usize = 2;

/// The data sets to learn from; any may be left out.
#[derive(Debug, Clone, Default)]
pub struct TrainingData {
    pub scifact: Option<PathBuf>,
    pub check_covid: Option<PathBuf>,
    pub climate_fever: Option<PathBuf>,
}

impl TrainingData {
    /// Every data set's pairs for one role: `true` = training splits, `false` = held-out splits.
    pub fn pairs(&self, training: bool) -> Result<Vec<(&'static str, Vec<StancePair>)>> {
        let mut out = Vec::new();
        if let Some(dir) = &self.scifact {
            out.push(("scifact", scifact_pairs(dir, if training { "train" } else { "dev" })?));
        }
        if let Some(dir) = &self.check_covid {
            out.push(("check-covid", check_covid_pairs(dir, if training { "train" } else { "dev" })?));
        }
        if let Some(path) = &self.climate_fever {
            out.push(("climate-fever", climate_fever_pairs(path, if training { "train" } else { "heldout" })?));
        }
        Ok(out)
    }
}

fn read_error(path: &Path, message: String) -> EngineError {
    EngineError::Eval(verity_eval::EvalError::Read { path: path.display().to_string(), message })
}

/// Reads a file of JSON records (one per line) keyed by `key`, with the abstract as a list of sentences.
fn abstracts(path: &Path, key: &str) -> Result<HashMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e.to_string()))?;
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| read_error(path, e.to_string()))?;
        let id = match &v[key] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let sentences = v["abstract"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str()).map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        out.insert(id, sentences);
    }
    Ok(out)
}

/// Up to `n` sentences of `sentences` whose index is not in `taken`, from the start.
fn others(sentences: &[String], taken: &[usize], n: usize) -> Vec<String> {
    sentences.iter().enumerate().filter(|(i, _)| !taken.contains(i)).take(n).map(|(_, s)| s.clone()).collect()
}

pub fn scifact_pairs(dir: &Path, split: &str) -> Result<Vec<StancePair>> {
    let claims = scifact::read_claims(&dir.join(format!("claims_{split}.jsonl")))?;
    let corpus = abstracts(&dir.join("corpus.jsonl"), "doc_id")?;
    let mut pairs = Vec::new();
    for claim in &claims {
        for (doc, sets) in &claim.evidence {
            let Some(sentences) = corpus.get(doc) else { continue };
            let mut taken = Vec::new();
            for set in sets {
                let label = match set.label {
                    scifact::Label::Support => SUPPORTS,
                    scifact::Label::Contradict => REFUTES,
                };
                for &i in &set.sentences {
                    if let Some(sentence) = sentences.get(i) {
                        pairs.push(StancePair { claim: claim.claim.clone(), sentence: sentence.clone(), label });
                        taken.push(i);
                    }
                }
            }
            for sentence in others(sentences, &taken, 2) {
                pairs.push(StancePair { claim: claim.claim.clone(), sentence, label: NEUTRAL });
            }
        }
    }
    Ok(pairs)
}

pub fn check_covid_pairs(dir: &Path, split: &str) -> Result<Vec<StancePair>> {
    let claims = check_covid::read_claims(&check_covid::claims_path(dir, split))?;
    let corpus = abstracts(&dir.join("corpus.json"), "cord_id")?;
    let mut pairs = Vec::new();
    for claim in &claims {
        let Some(sentences) = corpus.get(&claim.cord_id) else { continue };
        let evidence: Vec<usize> = claim.evidence_set.iter().map(|e| e.sent_index).collect();
        let label = match claim.label {
            check_covid::Label::Support => SUPPORTS,
            check_covid::Label::Refute => REFUTES,
            check_covid::Label::NotEnoughInfo => NEUTRAL,
        };
        for &i in &evidence {
            if let Some(sentence) = sentences.get(i) {
                pairs.push(StancePair { claim: claim.claim.clone(), sentence: sentence.clone(), label });
            }
        }
        for sentence in others(sentences, &evidence, 1) {
            pairs.push(StancePair { claim: claim.claim.clone(), sentence, label: NEUTRAL });
        }
    }
    Ok(pairs)
}

pub fn climate_fever_pairs(path: &Path, split: &str) -> Result<Vec<StancePair>> {
    use climate_fever::Label;
    let mut pairs = Vec::new();
    for claim in climate_fever::read_claims(path)?.into_iter().filter(|c| c.split() == split) {
        for e in claim.evidences {
            let label = match e.evidence_label {
                Label::Supports => SUPPORTS,
                Label::Refutes => REFUTES,
                Label::NotEnoughInfo | Label::Disputed => NEUTRAL,
            };
            pairs.push(StancePair { claim: claim.claim.clone(), sentence: e.evidence, label });
        }
    }
    Ok(pairs)
}

/// Pair-level scores of the trained classifier on one held-out set.
#[derive(Debug, Clone, Serialize)]
pub struct PairScores {
    pub dataset: String,
    pub pairs: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f1_per_label: Vec<(String, f64)>,
    pub confusion: verity_eval::labels::Confusion,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// Training pairs per data set, per label (supports, refutes, neutral).
    pub training_pairs: Vec<(String, [usize; 3])>,
    pub train_accuracy: f64,
    pub heldout: Vec<PairScores>,
    pub seconds: f64,
}

/// Embeds every distinct text once.
struct Vectors(HashMap<String, Vec<f32>>);

impl Vectors {
    fn of(embedder: &verity_embed::Embedder, pairs: &[StancePair]) -> Result<Vectors> {
        let mut texts: Vec<&str> = pairs.iter().flat_map(|p| [p.claim.as_str(), p.sentence.as_str()]).collect();
        texts.sort_unstable();
        texts.dedup();
        let mut map = HashMap::with_capacity(texts.len());
        for chunk in texts.chunks(256) {
            for (text, vector) in chunk.iter().zip(embedder.embed(chunk)?) {
                map.insert(text.to_string(), vector);
            }
        }
        Ok(Vectors(map))
    }

    fn features(&self, pair: &StancePair) -> Option<Vec<f32>> {
        let claim = verity_pipeline::claim::extract(&pair.claim, 2026).ok()?;
        let cues = verity_pipeline::stance::cues(&claim, &pair.sentence);
        Some(learned::features(self.0.get(&pair.claim)?, self.0.get(&pair.sentence)?, &cues))
    }
}

/// Trains the stance classifier on the training splits and measures it on the held-out ones.
pub fn train_stance(data: &TrainingData, models_dir: &Path) -> Result<(StanceModel, TrainReport)> {
    let started = std::time::Instant::now();
    let spec = &verity_models::ALL_MINILM_L6_V2;
    let embedder = verity_embed::Embedder::load(&models_dir.join(spec.name))?;
    let training = data.pairs(true)?;
    let heldout = data.pairs(false)?;
    let all: Vec<StancePair> = training.iter().chain(&heldout).flat_map(|(_, p)| p.iter().cloned()).collect();
    let vectors = Vectors::of(&embedder, &all)?;

    let mut examples = Vec::new();
    let mut training_pairs = Vec::new();
    for (name, pairs) in &training {
        let mut counts = [0usize; 3];
        for pair in pairs {
            if let Some(x) = vectors.features(pair) {
                counts[pair.label] += 1;
                examples.push((x, pair.label));
            }
        }
        training_pairs.push((name.to_string(), counts));
    }
    let mut model = learned::train(&examples, embedder.dim(), spec.name, TrainOptions::default());
    let predict = |x: &[f32]| -> usize {
        let p = model.probabilities(x);
        (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(NEUTRAL)
    };
    let correct = examples.iter().filter(|(x, y)| predict(x) == *y).count();
    let train_accuracy = correct as f64 / examples.len().max(1) as f64;
    let mut scores = Vec::new();
    for (name, pairs) in &heldout {
        let mut confusion = verity_eval::labels::Confusion::new(&["supports", "refutes", "neutral"]);
        for pair in pairs {
            if let Some(x) = vectors.features(pair) {
                confusion.add(pair.label, predict(&x));
            }
        }
        let f1 = confusion.f1_per_label();
        scores.push(PairScores {
            dataset: name.to_string(),
            pairs: confusion.total(),
            accuracy: confusion.accuracy(),
            macro_f1: confusion.macro_f1(),
            f1_per_label: confusion.labels.iter().cloned().zip(f1).collect(),
            confusion,
        });
    }
    let report =
        TrainReport { training_pairs, train_accuracy, heldout: scores, seconds: started.elapsed().as_secs_f64() };
    model.provenance = serde_json::json!({
        "trained_on": "training splits only: SciFact train, Check-COVID train, Climate-FEVER train (claim_id % 5 != 0)",
        "encoder": spec.name,
        "training_pairs": report.training_pairs,
        "train_accuracy": report.train_accuracy,
        "heldout": report.heldout.iter().map(|s| serde_json::json!({"dataset": s.dataset, "pairs": s.pairs, "accuracy": s.accuracy, "macro_f1": s.macro_f1})).collect::<Vec<_>>(),
        "licences": "SciFact claims CC BY 4.0, abstracts ODC-By 1.0; Check-COVID MIT; Climate-FEVER none stated upstream",
        "command": "scripts/train-stance.sh",
    });
    Ok((model, report))
}

/// Per-label calibration of verdict confidence, fitted on the training splits with lexical stance (the default),
/// and the calibration error on those splits before and after.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub samples: usize,
    pub raw_calibration_error: f64,
    pub fitted_calibration_error: f64,
    pub by_label: Vec<(verity_model::VerdictLabel, f32, f32)>,
}

pub fn fit_calibration(data: &TrainingData) -> Result<(verity_pipeline::verdict::Calibration, CalibrationReport)> {
    let options = crate::eval::VerdictOptions::default();
    let mut samples = Vec::new();
    if let Some(dir) = &data.scifact {
        samples.extend(crate::eval::verdict(dir, "train", &options)?.raw_samples);
    }
    if let Some(dir) = &data.check_covid {
        samples.extend(crate::eval::verdict_check_covid(dir, "train", &options)?.raw_samples);
    }
    if let Some(path) = &data.climate_fever {
        samples.extend(crate::eval::verdict_climate_fever(path, "train", &options)?.raw_samples);
    }
    let mut calibration = verity_pipeline::verdict::Calibration::fit(&samples);
    let ece = |f: &dyn Fn(verity_model::VerdictLabel, f32) -> f32| {
        let points: Vec<(f64, bool)> = samples.iter().map(|&(l, raw, right)| (f(l, raw) as f64, right)).collect();
        verity_eval::labels::expected_calibration_error(&points, 10)
    };
    let report = CalibrationReport {
        samples: samples.len(),
        raw_calibration_error: ece(&|_, raw| raw),
        fitted_calibration_error: ece(&|l, raw| calibration.apply(l, raw)),
        by_label: calibration.by_label.clone(),
    };
    calibration.provenance = serde_json::json!({
        "fitted_on": "lexical-stance verdicts on SciFact train, Check-COVID train, Climate-FEVER train (claim_id % 5 != 0)",
        "samples": report.samples,
        "train_ece_raw": report.raw_calibration_error,
        "train_ece_fitted": report.fitted_calibration_error,
        "command": "scripts/train-stance.sh",
    });
    Ok((calibration, report))
}
