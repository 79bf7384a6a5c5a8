//! Training data and fitted settings from the training splits of public data sets.
//!
//! [`entailment_pairs`] writes the pairs the entailment judge is trained on (`scripts/train-nli.sh` trains it
//! with PyTorch): SciFact rationale sentences (SUPPORT = supports, CONTRADICT = refutes), Check-COVID evidence
//! sentences with the claim's label (NOTENOUGHINFO = neutral), Climate-FEVER sentences with their own labels, and
//! optionally AVeriTeC question-answer pairs with the claim's label; plus, for each claim, hard neutrals: the
//! sentences Verity's own ranking puts first that the annotators did not mark. [`fit_verdict`] fits how a judge's
//! readings become a verdict, and its calibration. Training uses `train` splits only; SciFact `dev`, Check-COVID
//! `dev`, and the held-out folds of Climate-FEVER and AVeriTeC measure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use verity_eval::{averitec, check_covid, climate_fever, scifact};

use verity_model::VerdictLabel;
use verity_pipeline::verdict::{Calibration, Judged};

use verity_engine::{CheckRequest, EngineError};

use crate::Result;

const SUPPORTS: usize = 0;
const REFUTES: usize = 1;
const NEUTRAL: usize = 2;

/// The data sets to learn from; any may be left out.
#[derive(Debug, Clone, Default)]
pub struct TrainingData {
    pub scifact: Option<PathBuf>,
    pub check_covid: Option<PathBuf>,
    pub climate_fever: Option<PathBuf>,
    /// AVeriTeC's train.json (CC BY-NC 4.0: what is trained on it is bound by that licence).
    pub averitec: Option<PathBuf>,
}

/// A corpus's abstracts by id, as lists of sentences.
fn abstracts(path: &Path) -> Result<HashMap<String, Vec<String>>> {
    Ok(verity_eval::read_abstracts(path)?.into_iter().map(|a| (a.id, a.sentences)).collect())
}

/// Per-label calibration of verdict confidence, fitted on the training splits with lexical stance, and the
/// calibration error on those splits before and after.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub samples: usize,
    pub raw_calibration_error: f64,
    pub fitted_calibration_error: f64,
    pub by_label: Vec<(verity_model::VerdictLabel, f32, f32)>,
}

fn calibrate(samples: &[(VerdictLabel, f32, bool)]) -> (Calibration, CalibrationReport) {
    let calibration = Calibration::fit(samples);
    let ece = |f: &dyn Fn(VerdictLabel, f32) -> f32| {
        let points: Vec<(f64, bool)> = samples.iter().map(|&(l, raw, right)| (f(l, raw) as f64, right)).collect();
        verity_eval::labels::expected_calibration_error(&points, 10)
    };
    let report = CalibrationReport {
        samples: samples.len(),
        raw_calibration_error: ece(&|_, raw| raw),
        fitted_calibration_error: ece(&|l, raw| calibration.apply(l, raw)),
        by_label: calibration.by_label.clone(),
    };
    (calibration, report)
}

/// The calibration of the lexical rules' verdicts (`crates/pipeline/calibration.json`).
pub fn fit_calibration(data: &TrainingData) -> Result<(Calibration, CalibrationReport)> {
    let options = crate::eval::VerdictOptions { judge: verity_engine::JudgeConfig::Lexical, ..Default::default() };
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
    let (mut calibration, report) = calibrate(&samples);
    calibration.provenance = serde_json::json!({
        "fitted_on": "lexical verdicts on SciFact train, Check-COVID train, Climate-FEVER train (claim_id % 5 != 0)",
        "samples": report.samples,
        "train_ece_raw": report.raw_calibration_error,
        "train_ece_fitted": report.fitted_calibration_error,
        "command": "scripts/train-verdict.sh",
    });
    Ok((calibration, report))
}

/// The claims of one training split, as checked by the judge: gold label index and assessment.
struct Checked {
    name: &'static str,
    labels: usize,
    /// Verdict -> label index, in the set's own labels.
    map: fn(VerdictLabel) -> usize,
    claims: Vec<(usize, verity_pipeline::Assessment)>,
    /// Whether false refutations are counted on this set (its gold label 2 is "says nothing": SciFact's claims
    /// whose abstracts neither support nor refute them), for the cap on them.
    counts_false_refutes: bool,
}

/// What fitting the verdict settings found.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictFitReport {
    pub judge: String,
    /// Per training set: claims and the macro F1 of the chosen settings.
    pub sets: Vec<(String, usize, f64)>,
    /// The share of SciFact training claims without evidence that the chosen settings call refuted.
    pub false_refutes: f64,
    pub settings_tried: usize,
    pub calibration: CalibrationReport,
}

/// The most false refutations allowed on claims without evidence (the limit). Settings are chosen only
/// where the one-sided 95% upper bound of the training share stays below it, not the share itself: on a few
/// hundred training claims a share of 3% was seen to become 9% on SciFact dev.
const MAX_FALSE_REFUTES: f64 = 0.05;

/// The one-sided 95% Wilson upper bound of a share of `hits` in `n`.
fn upper_bound(hits: usize, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (z, n, p) = (1.645f64, n as f64, hits as f64 / n as f64);
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre + spread) / (1.0 + z * z / n)
}

/// Fits how a model judge's readings become a verdict: the thresholds (a grid, scored by the mean macro F1 over
/// the training sets, under a cap on false refutations), then the calibration of the chosen verdicts' confidence.
/// The judge reads every training claim once (the first `limit` of each set, when given); the grid only
/// re-decides.
pub fn fit_verdict(
    data: &TrainingData,
    judge: verity_engine::JudgeConfig,
    guard: verity_pipeline::judge::Guard,
    models: Option<PathBuf>,
    limit: Option<usize>,
) -> Result<(Judged, VerdictFitReport)> {
    let options = crate::eval::VerdictOptions { judge, guard: Some(guard), models, limit };
    let sets = checked_training_sets(data, &options)?;
    let mut best: Option<(f64, Judged)> = None;
    let mut tried = 0;
    let steps = [0.35f32, 0.45, 0.55, 0.65, 0.75, 0.85, 0.92];
    for &support in &steps {
        for &refute in &steps {
            for conflict_ratio in [0.6f32, 0.8, 0.95] {
                // The anchor rule is a safety rule, not a fitted one: fitted freely it was dropped on the training
                // splits at 3.0% false refutations and gave 12.5% on SciFact dev (docs/BENCHMARKS.md).
                let settings = Judged {
                    support,
                    refute,
                    conflict_ratio,
                    refute_needs_anchor: true,
                    side_needs_plurality: true,
                    guard,
                    ..Judged::default()
                };
                tried += 1;
                let (mean, _, (false_refutes, no_evidence)) = score(&sets, &settings);
                let safe = upper_bound(false_refutes, no_evidence) <= MAX_FALSE_REFUTES;
                if safe && best.as_ref().is_none_or(|(b, _)| mean > *b) {
                    best = Some((mean, settings));
                }
            }
        }
    }
    let mut chosen = best.map(|(_, s)| s).unwrap_or_default();
    let (_, f1s, (false_refutes, no_evidence)) = score(&sets, &chosen);
    let false_refutes = false_refutes as f64 / no_evidence.max(1) as f64;
    let samples: Vec<(VerdictLabel, f32, bool)> = sets
        .iter()
        .flat_map(|set| {
            let chosen = &chosen;
            set.claims.iter().map(move |(gold, assessment)| {
                let outcome = verity_pipeline::redecide(assessment, chosen);
                (outcome.verdict.label, outcome.verdict.confidence, (set.map)(outcome.verdict.label) == *gold)
            })
        })
        .collect();
    let (mut calibration, calibration_report) = calibrate(&samples);
    let report = VerdictFitReport {
        judge: options.judge.kind().as_str().to_string(),
        sets: sets.iter().zip(&f1s).map(|(s, f1)| (s.name.to_string(), s.claims.len(), *f1)).collect(),
        false_refutes,
        settings_tried: tried,
        calibration: calibration_report,
    };
    calibration.provenance = serde_json::json!({
        "fitted_on": format!("{} judge verdicts on the training splits: {}", report.judge, report.sets.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(", ")),
        "train_macro_f1": report.sets,
        "train_false_refutes_scifact": report.false_refutes,
        "train_ece_raw": report.calibration.raw_calibration_error,
        "train_ece_fitted": report.calibration.fitted_calibration_error,
        "command": "scripts/train-verdict.sh",
    });
    chosen.calibration = calibration;
    Ok((chosen, report))
}

/// Every training set given, each claim checked once with `options`' judge, with its gold label in the set's own
/// labels.
fn checked_training_sets(data: &TrainingData, options: &crate::eval::VerdictOptions) -> Result<Vec<Checked>> {
    let support_or_not = |l: VerdictLabel| match l {
        VerdictLabel::Supported | VerdictLabel::PartlySupported => 0,
        VerdictLabel::Refuted => 1,
        _ => 2,
    };
    let mut sets = Vec::new();
    if let Some(dir) = &data.scifact {
        let claims = crate::eval::verdict(dir, "train", options)?.assessments;
        sets.push(Checked { name: "scifact", labels: 3, map: support_or_not, claims, counts_false_refutes: true });
    }
    if let Some(dir) = &data.check_covid {
        let claims = crate::eval::verdict_check_covid(dir, "train", options)?.assessments;
        sets.push(Checked { name: "check-covid", labels: 3, map: support_or_not, claims, counts_false_refutes: false });
    }
    if let Some(path) = &data.climate_fever {
        let claims = crate::eval::verdict_climate_fever(path, "train", options)?.assessments;
        let map = |l: VerdictLabel| match l {
            VerdictLabel::Supported | VerdictLabel::PartlySupported => 0,
            VerdictLabel::Refuted => 1,
            VerdictLabel::NotEnoughEvidence => 2,
            VerdictLabel::Conflicting => 3,
        };
        sets.push(Checked { name: "climate-fever", labels: 4, map, claims, counts_false_refutes: false });
    }
    if let Some(path) = &data.averitec {
        let claims = crate::eval::verdict_averitec(path, "train", options)?.assessments;
        let map = |l: VerdictLabel| match l {
            VerdictLabel::Supported => 0,
            VerdictLabel::Refuted => 1,
            VerdictLabel::NotEnoughEvidence => 2,
            VerdictLabel::PartlySupported | VerdictLabel::Conflicting => 3,
        };
        sets.push(Checked { name: "averitec", labels: 4, map, claims, counts_false_refutes: false });
    }
    Ok(sets)
}

/// The sets' verdicts re-decided under `settings`: the mean macro F1, each set's, and how many of the claims that
/// no evidence decides were called refuted, of how many (on the sets that count them).
fn score(sets: &[Checked], settings: &Judged) -> (f64, Vec<f64>, (usize, usize)) {
    let mut f1s = Vec::new();
    let mut false_refutes = (0usize, 0usize);
    for set in sets {
        let names: Vec<String> = (0..set.labels).map(|i| i.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut confusion = verity_eval::labels::Confusion::new(&names);
        for (gold, assessment) in &set.claims {
            let label = verity_pipeline::redecide(assessment, settings).verdict.label;
            confusion.add(*gold, (set.map)(label));
            if set.counts_false_refutes && *gold == 2 {
                false_refutes.0 += usize::from(label == VerdictLabel::Refuted);
                false_refutes.1 += 1;
            }
        }
        f1s.push(confusion.macro_f1());
    }
    let mean = f1s.iter().sum::<f64>() / f1s.len().max(1) as f64;
    (mean, f1s, false_refutes)
}

/// One training or measuring pair for the entailment judge: does `premise` (an evidence sentence as a check
/// reads it) support, refute or say nothing about `hypothesis` (the claim)?
#[derive(Debug, Clone, Serialize)]
pub struct EntailmentPair {
    pub premise: String,
    pub hypothesis: String,
    /// `supports`, `refutes` or `neutral`.
    pub label: &'static str,
    /// Where the pair comes from: the data set, and `gold` (its annotation) or `mined` (a sentence Verity's own
    /// retrieval ranked high for the claim that the annotation does not name: on topic, yet no evidence).
    pub source: String,
}

/// How many mined neutral sentences one claim contributes.
const MINED_PER_CLAIM: usize = 3;

const LABEL_NAMES: [&str; 3] = ["supports", "refutes", "neutral"];

/// Pairs for the entailment judge from the data sets' training splits (`training`) or held-out splits: each
/// set's annotated pairs, and hard neutrals mined with Verity's own retrieval. The mined sentences are what a
/// check actually puts before the judge: the top of the evidence ranking for the claim, minus the sentences the
/// annotators marked.
pub fn entailment_pairs(data: &TrainingData, training: bool) -> Result<Vec<EntailmentPair>> {
    let mut out = Vec::new();
    if let Some(dir) = &data.scifact {
        scifact_pairs(dir, training, &mut out)?;
    }
    if let Some(dir) = &data.check_covid {
        check_covid_pairs(dir, training, &mut out)?;
    }
    if let Some(path) = &data.climate_fever {
        climate_fever_pairs(path, training, &mut out)?;
    }
    if let Some(path) = &data.averitec {
        averitec_pairs(path, training, &mut out)?;
    }
    Ok(out)
}

/// SciFact: the annotated rationales (each sentence, and with its neighbour as a passage) and mined neutrals.
fn scifact_pairs(dir: &std::path::Path, training: bool, out: &mut Vec<EntailmentPair>) -> Result<()> {
    let split = if training { "train" } else { "dev" };
    let claims = scifact::read_claims(&dir.join(format!("claims_{split}.jsonl")))?;
    let corpus = abstracts(&dir.join("corpus.jsonl"))?;
    let engine = mining_engine(&[dir.join("corpus.jsonl")])?;
    for claim in &claims {
        let mut gold = Vec::new();
        for (doc, sets) in &claim.evidence {
            let Some(sentences) = corpus.get(doc) else { continue };
            for set in sets {
                let label = match set.label {
                    scifact::Label::Support => SUPPORTS,
                    scifact::Label::Contradict => REFUTES,
                };
                let annotated: Vec<usize> = sets.iter().flat_map(|s| s.sentences.iter().copied()).collect();
                for &i in &set.sentences {
                    let Some(sentence) = sentences.get(i) else { continue };
                    out.push(pair(sentence, &claim.claim, label, "scifact-gold"));
                    gold.push(sentence.as_str());
                    if let Some(passage) = with_neighbour(sentences, i, &annotated) {
                        out.push(pair(&passage, &claim.claim, label, "scifact-passage"));
                    }
                }
            }
        }
        // Sentences of an evidence abstract that the annotators did not mark often say the same in other words:
        // mined neutrals come from other abstracts.
        let evidence_docs: Vec<&str> = claim.evidence.keys().map(String::as_str).collect();
        mine(&engine, &claim.claim, &gold, &evidence_docs, "scifact-mined", out)?;
    }
    Ok(())
}

/// Check-COVID: the annotated sentence of each claim (and with its neighbour) and mined neutrals.
fn check_covid_pairs(dir: &std::path::Path, training: bool, out: &mut Vec<EntailmentPair>) -> Result<()> {
    let split = if training { "train" } else { "dev" };
    let claims = check_covid::read_claims(&check_covid::claims_path(dir, split))?;
    let corpus = abstracts(&dir.join("corpus.json"))?;
    let engine = mining_engine(&[dir.join("corpus.json")])?;
    for claim in &claims {
        let Some(sentences) = corpus.get(&claim.cord_id) else { continue };
        let label = match claim.label {
            check_covid::Label::Support => SUPPORTS,
            check_covid::Label::Refute => REFUTES,
            check_covid::Label::NotEnoughInfo => NEUTRAL,
        };
        let annotated: Vec<usize> = claim.evidence_set.iter().map(|e| e.sent_index).collect();
        let gold: Vec<&str> = annotated.iter().filter_map(|&i| sentences.get(i)).map(String::as_str).collect();
        for sentence in &gold {
            out.push(pair(sentence, &claim.claim, label, "check-covid-gold"));
        }
        for &i in annotated.iter().filter(|&&i| i < sentences.len()).take(1) {
            if let Some(passage) = with_neighbour(sentences, i, &annotated) {
                out.push(pair(&passage, &claim.claim, label, "check-covid-passage"));
            }
        }
        // Only one sentence of the abstract was annotated per claim, and its neighbours often say the same: mined
        // neutrals come from other abstracts.
        mine(&engine, &claim.claim, &gold, &[claim.cord_id.as_str()], "check-covid-mined", out)?;
    }
    Ok(())
}

/// Climate-FEVER: each claim's five evidence sentences with their own labels.
fn climate_fever_pairs(path: &std::path::Path, training: bool, out: &mut Vec<EntailmentPair>) -> Result<()> {
    let split = if training { "train" } else { "heldout" };
    for claim in climate_fever::read_claims(path)?.into_iter().filter(|c| c.split() == split) {
        for e in &claim.evidences {
            let label = match e.evidence_label {
                climate_fever::Label::Supports => SUPPORTS,
                climate_fever::Label::Refutes => REFUTES,
                // DISPUTED is a claim label, never a sentence's.
                climate_fever::Label::NotEnoughInfo | climate_fever::Label::Disputed => NEUTRAL,
            };
            out.push(pair(&e.evidence, &claim.claim, label, "climate-fever-gold"));
        }
    }
    Ok(())
}

/// AVeriTeC: each claim's question-answer evidence, and neutrals mined from the other claims' evidence.
fn averitec_pairs(path: &std::path::Path, training: bool, out: &mut Vec<EntailmentPair>) -> Result<()> {
    let split = if training { "train" } else { "heldout" };
    let claims = averitec::read_claims(path)?;
    let tmp = tempfile::tempdir().map_err(|source| EngineError::DataDir { path: std::env::temp_dir(), source })?;
    let documents = tmp.path().join("averitec.jsonl");
    crate::eval::write_averitec_documents(&claims, &documents)?;
    let engine = mining_engine(&[documents])?;
    for claim in claims.iter().filter(|c| c.split() == split) {
        let label = match claim.label {
            averitec::Label::Supported => SUPPORTS,
            averitec::Label::Refuted => REFUTES,
            averitec::Label::NotEnoughEvidence => NEUTRAL,
            // Which answer takes which side is not annotated.
            averitec::Label::Conflicting => continue,
        };
        let mut gold = Vec::new();
        for (_, text) in crate::eval::averitec_evidence(claim) {
            out.push(pair(&text, &claim.claim, label, "averitec-gold"));
            gold.push(text);
        }
        let gold: Vec<&str> = gold.iter().map(String::as_str).collect();
        let own: Vec<String> = crate::eval::averitec_evidence(claim).into_iter().map(|(id, _)| id).collect();
        let own: Vec<&str> = own.iter().map(String::as_str).collect();
        mine(&engine, &claim.claim, &gold, &own, "averitec-mined", out)?;
    }
    Ok(())
}

fn pair(premise: &str, hypothesis: &str, label: usize, source: &str) -> EntailmentPair {
    EntailmentPair {
        premise: premise.trim().to_string(),
        hypothesis: hypothesis.trim().to_string(),
        label: LABEL_NAMES[label],
        source: source.to_string(),
    }
}

/// A throwaway engine over a data set's corpus: BM25 and lexical ranking only, as a check without models ranks.
fn mining_engine(paths: &[PathBuf]) -> Result<(tempfile::TempDir, verity_engine::Engine)> {
    let tmp = tempfile::tempdir().map_err(|source| EngineError::DataDir { path: std::env::temp_dir(), source })?;
    let mut engine = verity_engine::Engine::open(verity_engine::Config {
        today: Some("2026-01-01".into()),
        models: Some(tmp.path().join("no-models")),
        passage_vectors: false,
        // The ranking is what mining needs; no judge reads the sentences.
        judge: verity_engine::JudgeConfig::Lexical,
        ..verity_engine::Config::new(tmp.path())
    })?;
    engine.ingest(paths, &mut |_| {})?;
    Ok((tmp, engine))
}

/// Adds up to [`MINED_PER_CLAIM`] neutral pairs: the sentences a check ranks highest for `claim` that share
/// little with any annotated sentence (annotators and Verity split sentences differently, so containment is
/// judged by words), leaving out the documents in `skip`.
fn mine(
    engine: &(tempfile::TempDir, verity_engine::Engine),
    claim: &str,
    gold: &[&str],
    skip: &[&str],
    source: &str,
    out: &mut Vec<EntailmentPair>,
) -> Result<()> {
    let assessment = match engine.1.check(CheckRequest::question(claim).unsaved("mining")) {
        Ok((_, assessment)) => assessment,
        Err(EngineError::Uncheckable(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let gold_words: Vec<std::collections::HashSet<String>> =
        gold.iter().map(|g| verity_text::words(g).into_iter().collect()).collect();
    let overlaps_gold = |sentence: &str| {
        let words = verity_text::words(sentence);
        gold_words.iter().any(|g| {
            let shared = words.iter().filter(|w| g.contains(*w)).count();
            shared * 2 >= words.len().min(g.len()).max(1)
        })
    };
    let skipped = |doc: &str| skip.contains(&doc);
    let mined = assessment
        .evidence
        .iter()
        .filter(|e| !skipped(&e.source.doc_id) && !overlaps_gold(&e.text))
        .take(MINED_PER_CLAIM);
    let mined: Vec<&verity_pipeline::evidence::Evidence> = mined.collect();
    for e in &mined {
        out.push(pair(&e.text, claim, NEUTRAL, source));
    }
    // The first one again with the sentence after it: a judge must not take a longer text for a verdict.
    if let Some(e) = mined.first()
        && let Some(stored) = engine.1.stored_text(e.source.version_id)?
        && let Some(next) = verity_text::sentences(&stored).into_iter().find(|span| span.start >= e.end)
    {
        out.push(pair(&stored[e.start..next.end], claim, NEUTRAL, &source.replace("-mined", "-passage")));
    }
    Ok(())
}

/// An annotated sentence with its neighbour in the abstract (the one after it, else the one before), when the
/// neighbour is not annotated itself: the stance a sentence takes holds in a longer text.
fn with_neighbour(sentences: &[String], i: usize, annotated: &[usize]) -> Option<String> {
    let neighbour = if i + 1 < sentences.len() { i + 1 } else { i.checked_sub(1)? };
    if annotated.contains(&neighbour) {
        return None;
    }
    Some(if neighbour > i {
        format!("{} {}", sentences[i], sentences[neighbour])
    } else {
        format!("{} {}", sentences[neighbour], sentences[i])
    })
}

#[cfg(test)]
mod tests {
    fn check(hits: usize, n: usize, within_limit: bool) {
        let bound = super::upper_bound(hits, n);
        assert!(bound >= hits as f64 / n.max(1) as f64, "an upper bound is never below the share: {bound}");
        assert_eq!(bound <= super::MAX_FALSE_REFUTES, within_limit, "{hits} of {n}: {bound:.4}");
    }

    #[test]
    fn the_false_refutation_cap_allows_for_the_size_of_the_sample() {
        // About a hundred claims without evidence (the first 300 of SciFact train): one false refutation at most.
        check(0, 100, true);
        check(1, 100, true);
        check(2, 100, false);
        check(3, 93, false); // 3.2%: what a cap on the share alone let through, and dev then showed 8.9%
        // Three hundred (the whole of SciFact train): a share near 2% passes.
        check(6, 300, true);
        check(12, 300, false);
        check(0, 0, true);
    }
}
