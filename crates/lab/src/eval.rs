//! Evaluation runs: each ingests a public data set into a data directory of its own (temporary unless a work
//! folder is given) and measures one stage.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use verity_eval::labels::{self, Confusion};
use verity_eval::{beir, check_covid, climate_fever, scifact};
use verity_index::Hit;
use verity_index::dense::Fusion;
use verity_model::{PassageHit, Report, StanceLabel, VerdictLabel};
use verity_pipeline::Corpus;

use verity_engine::{CheckRequest, Config, Engine, EngineError};

use crate::Result;

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Latency {
    pub(crate) fn of(mut samples: Vec<f64>) -> Latency {
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples.get(((samples.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
        let mean = if samples.is_empty() { 0.0 } else { samples.iter().sum::<f64>() / samples.len() as f64 };
        Latency { mean_ms: mean, p50_ms: at(0.5), p99_ms: at(0.99) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub ndcg_at_10: f64,
    pub recall_at_5: f64,
    pub recall_at_100: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SplitEval {
    pub split: String,
    pub queries: usize,
    pub bm25: Scores,
    /// Present when the embedding model is installed.
    pub dense: Option<Scores>,
    /// With the engine's fusion ([`verity_engine::FUSION`]).
    pub hybrid: Option<Scores>,
    /// Every fusion setting tried on this split, as (setting, nDCG@10), best first. Choose on `train` only.
    pub fusion_grid: Vec<(String, f64)>,
    pub bm25_latency: Latency,
    pub hybrid_latency: Option<Latency>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetrievalEval {
    pub dataset: String,
    pub documents: usize,
    pub passages: usize,
    /// Ingest time, embedding included when the model is installed; with a reused work folder, only the work
    /// that was left to do.
    pub ingest_seconds: f64,
    pub embed_seconds: f64,
    pub passages_embedded: usize,
    pub semantic: bool,
    pub splits: Vec<SplitEval>,
}

/// A retrieval benchmark: a corpus file, queries, and relevance judgements per split.
pub struct RetrievalSet {
    pub name: String,
    pub corpus: PathBuf,
    pub queries: HashMap<String, String>,
    pub splits: Vec<(String, beir::Qrels)>,
}

impl RetrievalSet {
    /// A BEIR folder: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`.
    pub fn beir(dir: &Path, splits: &[String]) -> Result<RetrievalSet> {
        let splits = splits
            .iter()
            .map(|split| Ok((split.clone(), beir::read_qrels(&dir.join("qrels").join(format!("{split}.tsv")))?)))
            .collect::<Result<_>>()?;
        Ok(RetrievalSet {
            name: dir.display().to_string(),
            corpus: dir.join("corpus.jsonl"),
            queries: beir::read_queries(&dir.join("queries.jsonl"))?,
            splits,
        })
    }

    /// Check-COVID: each claim is a query whose one relevant document is the abstract it was written against.
    pub fn check_covid(dir: &Path, splits: &[String]) -> Result<RetrievalSet> {
        let mut queries = HashMap::new();
        let mut out = Vec::new();
        for split in splits {
            let claims = check_covid::read_claims(&check_covid::claims_path(dir, split))?;
            let (split_queries, qrels) = check_covid::as_retrieval(&claims);
            queries.extend(split_queries);
            out.push((split.clone(), qrels));
        }
        Ok(RetrievalSet { name: dir.display().to_string(), corpus: dir.join("corpus.json"), queries, splits: out })
    }
}

#[derive(Debug, Clone)]
pub struct RetrievalOptions {
    /// How many documents each method ranks per query (at least 100, for Recall@100).
    pub depth: usize,
    /// Where installed models are looked for; without the embedding model only BM25 runs.
    pub models: Option<PathBuf>,
    /// A data directory to ingest into and keep (so a second run skips the embedding); a fresh temporary one
    /// when `None`. It must hold nothing but this benchmark's corpus.
    pub workdir: Option<PathBuf>,
    /// New vectors kept beside the saved vector graph before a merge ([`verity_engine::MERGE_VECTORS_AT`]): 1
    /// puts every passage in the int8 graph, to measure what the compact vectors cost.
    pub merge_vectors_at: usize,
}

impl Default for RetrievalOptions {
    fn default() -> RetrievalOptions {
        let merge_vectors_at = verity_engine::MERGE_VECTORS_AT;
        RetrievalOptions { depth: DEFAULT_RANK_DEPTH, models: None, workdir: None, merge_vectors_at }
    }
}

/// Documents ranked for one query by each method, kept to score several fusion settings without searching again.
struct Ranked {
    relevant: HashMap<String, u32>,
    bm25: Vec<Hit<String>>,
    dense: Vec<Hit<String>>,
}

/// Depth of each ranking before fusion and scoring, unless the options say otherwise.
pub const DEFAULT_RANK_DEPTH: usize = 1000;

/// Fusion settings scored on every split: reciprocal rank fusion and convex combinations.
fn fusion_grid() -> Vec<Fusion> {
    let mut grid = Vec::new();
    for k in [5.0, 10.0, 20.0, 40.0, 60.0, 100.0] {
        for dense_weight in [0.5, 0.75, 1.0, 1.25, 1.5, 2.0] {
            grid.push(Fusion::Rrf { k, dense_weight });
        }
    }
    for dense_weight in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        grid.push(Fusion::Convex { dense_weight });
    }
    grid
}

/// Ingests the set's corpus once, then for each split ranks whole documents for every query by BM25 (title and
/// text), by embeddings (a document scores as its best passage) and by their fusion.
pub fn retrieval(set: &RetrievalSet, options: &RetrievalOptions) -> Result<RetrievalEval> {
    let depth = options.depth.max(100);
    let tmp = temp_dir()?;
    let data_dir = options.workdir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let config =
        Config { models: options.models.clone(), merge_vectors_at: options.merge_vectors_at, ..Config::new(data_dir) };
    let mut engine = Engine::open(config)?;
    let summary = engine.ingest(std::slice::from_ref(&set.corpus), &mut |_| {})?;
    let semantic = engine.semantic_search();
    let mut out = RetrievalEval {
        dataset: set.name.clone(),
        documents: summary.documents(),
        passages: engine.passage_count()?,
        ingest_seconds: summary.seconds,
        embed_seconds: summary.embed_seconds,
        passages_embedded: summary.embedded,
        semantic,
        splits: Vec::new(),
    };
    let passage_doc: HashMap<i64, String> = if semantic { engine.passage_documents()? } else { HashMap::new() };
    let document_keys = engine.document_keys()?;
    for (split, qrels) in &set.splits {
        let mut ids: Vec<&String> = qrels.keys().filter(|id| set.queries.contains_key(*id)).collect();
        ids.sort();
        let (mut ranked, mut bm25_ms, mut hybrid_ms) = (Vec::new(), Vec::new(), Vec::new());
        for id in ids {
            let text = &set.queries[id];
            let started = Instant::now();
            let bm25 = engine.document_ids(text, depth)?;
            bm25_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            // Naming the documents is bookkeeping, outside the timing (as in other engines' benchmarks).
            let bm25: Vec<Hit<String>> = bm25
                .into_iter()
                .filter_map(|h| Some(Hit { key: document_keys.get(&h.key)?.clone(), score: h.score }))
                .collect();
            let dense = if semantic {
                let started = Instant::now();
                let hits = engine.dense_passages(text, depth)?;
                // Hits come best first, so a document's first hit is its best passage.
                let mut seen = std::collections::HashSet::new();
                let docs: Vec<Hit<String>> = hits
                    .iter()
                    .filter_map(|h| {
                        let doc = passage_doc.get(&h.key).filter(|d| seen.insert(*d))?;
                        Some(Hit { key: doc.clone(), score: h.score })
                    })
                    .collect();
                std::hint::black_box(verity_engine::FUSION.fuse(&bm25, &docs, depth));
                hybrid_ms.push(started.elapsed().as_secs_f64() * 1000.0 + bm25_ms.last().copied().unwrap_or(0.0));
                docs
            } else {
                Vec::new()
            };
            ranked.push(Ranked { relevant: qrels[id].clone(), bm25, dense });
        }
        let score = |pick: &dyn Fn(&Ranked) -> Vec<String>| scores(&ranked, pick);
        let keys = |hits: &[Hit<String>]| -> Vec<String> { hits.iter().map(|h| h.key.clone()).collect() };
        let fused = |r: &Ranked, fusion: Fusion| keys(&fusion.fuse(&r.bm25, &r.dense, depth));
        let mut grid = Vec::new();
        if semantic {
            for fusion in fusion_grid() {
                grid.push((fusion.to_string(), score(&|r| fused(r, fusion)).ndcg_at_10));
            }
            grid.sort_by(|a, b| b.1.total_cmp(&a.1));
        }
        out.splits.push(SplitEval {
            split: split.clone(),
            queries: ranked.len(),
            bm25: score(&|r| keys(&r.bm25)),
            dense: semantic.then(|| score(&|r| keys(&r.dense))),
            hybrid: semantic.then(|| score(&|r| fused(r, verity_engine::FUSION))),
            fusion_grid: grid,
            bm25_latency: Latency::of(bm25_ms),
            hybrid_latency: semantic.then(|| Latency::of(hybrid_ms)),
        });
    }
    Ok(out)
}

/// nDCG@10, Recall@5 and Recall@100 over the queries, of the ranking `pick` takes from each.
fn scores(ranked: &[Ranked], pick: &dyn Fn(&Ranked) -> Vec<String>) -> Scores {
    let n = ranked.len().max(1) as f64;
    let (mut ndcg, mut recall_5, mut recall_100) = (0.0, 0.0, 0.0);
    for r in ranked {
        let list = pick(r);
        ndcg += beir::ndcg_at(&list, &r.relevant, 10);
        recall_5 += beir::recall_at(&list, &r.relevant, 5);
        recall_100 += beir::recall_at(&list, &r.relevant, 100);
    }
    Scores { ndcg_at_10: ndcg / n, recall_at_5: recall_5 / n, recall_at_100: recall_100 / n }
}

#[derive(Debug, Clone, Serialize)]
pub struct F1Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl From<scifact::F1> for F1Score {
    fn from(f: scifact::F1) -> F1Score {
        F1Score { precision: f.precision, recall: f.recall, f1: f.f1 }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerdictEval {
    pub dataset: String,
    pub claims: usize,
    pub abstract_label_only: F1Score,
    pub abstract_rationale_selected: F1Score,
    /// Claim-level accuracy over SUPPORT / CONTRADICT / no evidence (supported and partly supported count as
    /// SUPPORT, refuted as CONTRADICT, conflicting and not enough evidence as no evidence).
    pub verdict_accuracy: f64,
    /// Rows: gold (support, contradict, none); columns: predicted, same order.
    pub confusion: [[usize; 3]; 3],
    /// Claims the claim reader refused (counted as "no evidence" predictions).
    pub uncheckable: usize,
    /// Citation integrity over every report written: cited sentences, those the gate dropped, and quotes that
    /// an independent re-read of the store did not find verbatim in the cited version (must be 0).
    pub cited_sentences: usize,
    pub dropped_sentences: usize,
    pub quotes_checked: usize,
    pub quotes_not_found: usize,
    /// Expected calibration error (10 bins) of the verdict confidence as the probability that the 3-way verdict
    /// is right.
    pub calibration_error: f64,
    pub check_latency: Latency,
    /// Per checked claim: the verdict, its raw (uncalibrated) confidence, and whether it was right (3-way).
    #[serde(skip)]
    pub raw_samples: Vec<(VerdictLabel, f32, bool)>,
    /// Per checked claim: its gold label (support, contradict, none) and what the check found.
    #[serde(skip)]
    pub assessments: Vec<(usize, verity_pipeline::Assessment)>,
}

/// How many abstracts one claim may name as evidence.
const MAX_PREDICTED_ABSTRACTS: usize = 2;

/// How verdict evaluations run: which judge reads the evidence (the entailment model by default). Passages are
/// never embedded here (retrieval is BM25), so a run takes minutes, not hours.
#[derive(Debug, Clone, Default)]
pub struct VerdictOptions {
    /// Where installed models are (a local language model for the `llm` judge).
    pub models: Option<PathBuf>,
    pub judge: verity_engine::JudgeConfig,
    /// The judge's guard; `None` for its shipped setting.
    pub guard: Option<verity_pipeline::judge::Guard>,
    /// Score only the first N claims of the split (for slow judges: a language model takes seconds a claim).
    pub limit: Option<usize>,
}

impl VerdictOptions {
    fn first<'a, T>(&self, claims: impl IntoIterator<Item = &'a T>) -> impl Iterator<Item = &'a T>
    where
        T: 'a,
    {
        claims.into_iter().take(self.limit.unwrap_or(usize::MAX))
    }

    fn engine(&self, data_dir: &Path) -> Result<Engine> {
        Ok(Engine::open(Config {
            today: Some("2026-01-01".into()),
            models: self.models.clone().or_else(|| Some(data_dir.join("no-models"))),
            passage_vectors: false,
            judge: self.judge.clone(),
            guard: self.guard,
            ..Config::new(data_dir)
        })?)
    }
}

/// SciFact: ingests `DIR/corpus.jsonl`, checks each claim of `DIR/claims_<split>.jsonl` against the whole corpus.
/// Tune on `train`, report on `dev` (the test split has no labels).
pub fn verdict(dir: &Path, split: &str, options: &VerdictOptions) -> Result<VerdictEval> {
    let claims = scifact::read_claims(&dir.join(format!("claims_{split}.jsonl")))?;
    let corpus_path = dir.join("corpus.jsonl");
    let sentence_starts = scifact_sentence_starts(&corpus_path)?;
    let tmp = temp_dir()?;
    let mut engine = options.engine(tmp.path())?;
    engine.ingest(&[corpus_path], &mut |_| {})?;

    let mut scorer = scifact::Scorer::default();
    let mut confusion = [[0usize; 3]; 3];
    let mut latencies = Vec::new();
    let mut uncheckable = 0;
    let mut calibration = Vec::new();
    let mut raw_samples = Vec::new();
    let mut assessments = Vec::new();
    let (mut cited_sentences, mut dropped_sentences, mut quotes_checked, mut quotes_not_found) = (0, 0, 0, 0);
    for claim in options.first(&claims) {
        let started = Instant::now();
        let result = engine.check(CheckRequest::question(&claim.claim).unsaved(format!("scifact-{}", claim.id)));
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let gold = match claim.gold_label() {
            Some(scifact::Label::Support) => 0,
            Some(scifact::Label::Contradict) => 1,
            None => 2,
        };
        let (predicted, predictions) = match result {
            Ok((report, assessment)) => {
                cited_sentences += report.citation_check.cited_sentences;
                dropped_sentences += report.citation_check.dropped;
                for source in &report.sources {
                    let stored = engine.stored_text(source.version_id)?.unwrap_or_default();
                    quotes_checked += source.quotes.len();
                    quotes_not_found += source.quotes.iter().filter(|q| !stored.contains(q.as_str())).count();
                }
                let predicted = match report.verdict.label {
                    VerdictLabel::Supported | VerdictLabel::PartlySupported => 0,
                    VerdictLabel::Refuted => 1,
                    VerdictLabel::Conflicting | VerdictLabel::NotEnoughEvidence => 2,
                };
                calibration.push((report.verdict.confidence as f64, predicted == gold));
                let raw = &assessment.outcome.verdict;
                raw_samples.push((raw.label, raw.confidence, predicted == gold));
                let predictions =
                    if predicted == 2 { vec![] } else { abstract_predictions(&assessment, &sentence_starts) };
                assessments.push((gold, assessment));
                (predicted, predictions)
            }
            Err(verity_engine::EngineError::Uncheckable(_)) => {
                uncheckable += 1;
                (2, vec![])
            }
            Err(e) => return Err(e.into()),
        };
        confusion[gold][predicted] += 1;
        scorer.add(claim, &predictions);
    }
    let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
    Ok(VerdictEval {
        dataset: format!("{} ({split})", dir.display()),
        claims: claims.len(),
        abstract_label_only: scorer.label_only().into(),
        abstract_rationale_selected: scorer.rationale_selected().into(),
        verdict_accuracy: correct as f64 / claims.len().max(1) as f64,
        confusion,
        uncheckable,
        cited_sentences,
        dropped_sentences,
        quotes_checked,
        quotes_not_found,
        calibration_error: labels::expected_calibration_error(&calibration, 10),
        check_latency: Latency::of(latencies),
        raw_samples,
        assessments,
    })
}

/// Per abstract: the side its relevant evidence takes (by summed strength) and its evidence sentences as
/// indices into the abstract's sentence list.
fn abstract_predictions(
    assessment: &verity_pipeline::Assessment,
    sentence_starts: &HashMap<String, Vec<usize>>,
) -> Vec<scifact::Prediction> {
    let mut per_doc: Vec<(String, f32, f32, Vec<usize>, f32)> = Vec::new();
    for e in assessment.evidence.iter().filter(|e| e.is_relevant()) {
        let Some(starts) = sentence_starts.get(&e.source.doc_id) else { continue };
        let idx = starts.partition_point(|s| *s <= e.start).saturating_sub(1);
        let entry = match per_doc.iter().position(|d| d.0 == e.source.doc_id) {
            Some(i) => &mut per_doc[i],
            None => {
                per_doc.push((e.source.doc_id.clone(), 0.0, 0.0, vec![], 0.0));
                per_doc.last_mut().expect("just pushed")
            }
        };
        match e.stance.label {
            StanceLabel::Supports => entry.1 += e.stance.strength,
            StanceLabel::Refutes => entry.2 += e.stance.strength,
            StanceLabel::Neutral => {}
        }
        if !entry.3.contains(&idx) {
            entry.3.push(idx);
        }
        entry.4 = entry.4.max(e.relevance);
    }
    per_doc.sort_by(|a, b| b.4.total_cmp(&a.4));
    per_doc
        .into_iter()
        .filter(|d| d.1 + d.2 > 0.0)
        .take(MAX_PREDICTED_ABSTRACTS)
        .map(|(doc_id, support, refute, sentences, _)| scifact::Prediction {
            doc_id,
            label: if refute > support { scifact::Label::Contradict } else { scifact::Label::Support },
            sentences,
        })
        .collect()
}

/// Byte offset of each sentence of each abstract, in the text ingest builds (sentences trimmed, joined by one
/// space).
fn scifact_sentence_starts(path: &Path) -> Result<HashMap<String, Vec<usize>>> {
    let abstracts = verity_eval::read_abstracts(path).map_err(|e| match e {
        verity_eval::EvalError::Read { path, message } => verity_eval::EvalError::Read {
            path,
            message: format!("{message} (point --scifact at SciFact's folder with corpus.jsonl and claims_dev.jsonl)"),
        },
    })?;
    Ok(abstracts.iter().map(|a| (a.id.clone(), a.sentence_starts())).collect())
}

/// Claim labels predicted from verdicts, scored against a data set's gold labels.
#[derive(Debug, Clone, Serialize)]
pub struct LabelEval {
    pub dataset: String,
    pub split: String,
    pub claims: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f1_per_label: Vec<(String, f64)>,
    /// Rows gold, columns predicted, in the order of `confusion.labels`.
    pub confusion: Confusion,
    /// Expected calibration error (10 bins) of the verdict confidence as the probability that the predicted
    /// label is right; claims the claim reader refused are left out of it.
    pub calibration_error: f64,
    /// Claims the claim reader refused (counted as "not enough info" predictions).
    pub uncheckable: usize,
    pub checks_per_second: f64,
    pub check_latency: Latency,
    /// Per checked claim: the verdict, its raw (uncalibrated) confidence, and whether it was right.
    #[serde(skip)]
    pub raw_samples: Vec<(VerdictLabel, f32, bool)>,
    /// Per checked claim: its gold label's index and what the check found.
    #[serde(skip)]
    pub assessments: Vec<(usize, verity_pipeline::Assessment)>,
}

/// Accumulates predictions into a [`LabelEval`].
struct LabelScorer {
    confusion: Confusion,
    calibration: Vec<(f64, bool)>,
    raw_samples: Vec<(VerdictLabel, f32, bool)>,
    assessments: Vec<(usize, verity_pipeline::Assessment)>,
    latencies: Vec<f64>,
    uncheckable: usize,
}

impl LabelScorer {
    fn new(labels: &[&str]) -> LabelScorer {
        LabelScorer {
            confusion: Confusion::new(labels),
            calibration: Vec::new(),
            raw_samples: Vec::new(),
            assessments: Vec::new(),
            latencies: Vec::new(),
            uncheckable: 0,
        }
    }

    /// Runs one check and records it: `to_label` maps a verdict to a label index, `refused` is the label a
    /// refused question counts as.
    fn check(
        &mut self,
        gold: usize,
        refused: usize,
        run: impl FnOnce() -> verity_engine::Result<(Report, verity_pipeline::Assessment)>,
        to_label: impl Fn(VerdictLabel) -> usize,
    ) -> Result<()> {
        let started = Instant::now();
        let result = run();
        self.latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        match result {
            Ok((report, assessment)) => {
                let predicted = to_label(report.verdict.label);
                self.confusion.add(gold, predicted);
                self.calibration.push((report.verdict.confidence as f64, predicted == gold));
                let raw = &assessment.outcome.verdict;
                self.raw_samples.push((raw.label, raw.confidence, predicted == gold));
                self.assessments.push((gold, assessment));
            }
            Err(verity_engine::EngineError::Uncheckable(_)) => {
                self.uncheckable += 1;
                self.confusion.add(gold, refused);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn finish(self, dataset: String, split: &str) -> LabelEval {
        let total_ms: f64 = self.latencies.iter().sum();
        let f1 = self.confusion.f1_per_label();
        LabelEval {
            dataset,
            split: split.to_string(),
            claims: self.confusion.total(),
            accuracy: self.confusion.accuracy(),
            macro_f1: self.confusion.macro_f1(),
            f1_per_label: self.confusion.labels.iter().cloned().zip(f1).collect(),
            calibration_error: labels::expected_calibration_error(&self.calibration, 10),
            uncheckable: self.uncheckable,
            checks_per_second: self.latencies.len() as f64 / (total_ms / 1000.0).max(1e-9),
            check_latency: Latency::of(self.latencies),
            confusion: self.confusion,
            raw_samples: self.raw_samples,
            assessments: self.assessments,
        }
    }
}

/// Check-COVID: ingests the 347 abstracts, checks every claim of the split against all of them (retrieval
/// included), and scores SUPPORT / REFUTE / NOTENOUGHINFO (supported and partly supported count as SUPPORT,
/// refuted as REFUTE, conflicting and not enough evidence as NOTENOUGHINFO).
pub fn verdict_check_covid(dir: &Path, split: &str, options: &VerdictOptions) -> Result<LabelEval> {
    let claims = check_covid::read_claims(&check_covid::claims_path(dir, split))?;
    let tmp = temp_dir()?;
    let mut engine = options.engine(tmp.path())?;
    engine.ingest(&[dir.join("corpus.json")], &mut |_| {})?;
    let mut scorer = LabelScorer::new(&["SUPPORT", "REFUTE", "NOTENOUGHINFO"]);
    for claim in options.first(&claims) {
        let gold = match claim.label {
            check_covid::Label::Support => 0,
            check_covid::Label::Refute => 1,
            check_covid::Label::NotEnoughInfo => 2,
        };
        scorer.check(
            gold,
            2,
            || engine.check(CheckRequest::question(&claim.claim).unsaved(format!("covid-{}", claim.id))),
            |label| match label {
                VerdictLabel::Supported | VerdictLabel::PartlySupported => 0,
                VerdictLabel::Refuted => 1,
                VerdictLabel::Conflicting | VerdictLabel::NotEnoughEvidence => 2,
            },
        )?;
    }
    Ok(scorer.finish(format!("{} ({split})", dir.display()), split))
}

/// Climate-FEVER with its given evidence: every evidence sentence is ingested as a document (titled with its
/// Wikipedia article), and each claim of the split is checked against its own five sentences only. Labels:
/// supported and partly supported count as SUPPORTS, refuted as REFUTES, not enough evidence as
/// NOT_ENOUGH_INFO, conflicting as DISPUTED.
pub fn verdict_climate_fever(path: &Path, split: &str, options: &VerdictOptions) -> Result<LabelEval> {
    use climate_fever::Label;
    let claims: Vec<climate_fever::Claim> =
        climate_fever::read_claims(path)?.into_iter().filter(|c| c.split() == split).collect();
    let tmp = temp_dir()?;
    let sentences = tmp.path().join("evidence.jsonl");
    let mut lines = String::new();
    let mut seen = std::collections::HashSet::new();
    for e in claims.iter().flat_map(|c| &c.evidences) {
        if seen.insert(e.evidence_id.as_str()) {
            let record = serde_json::json!({"id": e.evidence_id, "title": e.article, "text": e.evidence});
            lines.push_str(&record.to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&sentences, lines)
        .map_err(|source| verity_engine::EngineError::DataDir { path: sentences.clone(), source })?;
    let mut engine = options.engine(&tmp.path().join("data"))?;
    engine.ingest(&[sentences], &mut |_| {})?;
    let mut passages_of: HashMap<String, Vec<i64>> = HashMap::new();
    for (passage, doc) in engine.passage_documents()? {
        passages_of.entry(doc).or_default().push(passage);
    }
    let mut scorer = LabelScorer::new(&["SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO", "DISPUTED"]);
    for claim in options.first(&claims) {
        let ids: Vec<i64> =
            claim.evidences.iter().flat_map(|e| passages_of.get(&e.evidence_id).cloned().unwrap_or_default()).collect();
        let hits = engine
            .stored_passages(&ids)?
            .into_iter()
            .map(|(passage, source)| PassageHit { passage, source, score: 1.0 })
            .collect();
        let corpus = GivenEvidence { hits, inner: engine.corpus() };
        let run = || {
            engine.check(CheckRequest::question(&claim.claim).against(format!("climate-{}", claim.claim_id), &corpus))
        };
        scorer.check(claim.claim_label.index(), Label::NotEnoughInfo.index(), run, |label| match label {
            VerdictLabel::Supported | VerdictLabel::PartlySupported => Label::Supports.index(),
            VerdictLabel::Refuted => Label::Refutes.index(),
            VerdictLabel::NotEnoughEvidence => Label::NotEnoughInfo.index(),
            VerdictLabel::Conflicting => Label::Disputed.index(),
        })?;
    }
    Ok(scorer.finish(format!("{} ({split})", path.display()), split))
}

/// A corpus whose every search returns the same given passages: checking a claim against its own evidence.
/// Term weights and snapshots come from the whole ingested set.
struct GivenEvidence<'a> {
    hits: Vec<PassageHit>,
    inner: verity_engine::EngineCorpus<'a>,
}

impl Corpus for GivenEvidence<'_> {
    fn search(&self, _query: &str, limit: usize) -> std::result::Result<Vec<PassageHit>, verity_model::Failure> {
        Ok(self.hits.iter().take(limit).cloned().collect())
    }

    fn term_weights(&self, text: &str) -> Vec<(String, f32)> {
        self.inner.term_weights(text)
    }

    fn snapshot(&self, version_id: i64) -> Option<String> {
        self.inner.snapshot(version_id)
    }
}

/// A temporary data directory for one evaluation run, removed when dropped.
fn temp_dir() -> Result<tempfile::TempDir> {
    Ok(tempfile::tempdir().map_err(|source| EngineError::DataDir { path: std::env::temp_dir(), source })?)
}

/// Citation quality of the published reports over SciFact claims, in the sense of ALCE: precision (cited
/// sentences that their sources support) and recall (statements that carry a supporting citation).
#[derive(Debug, Clone, Serialize)]
pub struct CitationEval {
    pub dataset: String,
    pub writer: String,
    pub claims: usize,
    pub reports: usize,
    /// Statements: the summary after its verdict line, and sections 1 to 4 and 6 (section 5's ledger and the
    /// bottom line restate counts and the verdict; they are the engine's own and are not counted).
    pub statements: usize,
    pub cited_statements: usize,
    /// Cited statements whose every cited source supports them, judged again from the store (see
    /// [`citations`]).
    pub supported_statements: usize,
    pub citation_precision: f64,
    pub citation_recall: f64,
    /// Sentences a language model wrote, and what became of them before the gate published anything.
    pub model_sentences: usize,
    pub model_sentences_kept: usize,
    pub model_sentences_rewritten: usize,
    /// Share of the model's sentences that passed the check as written.
    pub model_precision_before_the_gate: f64,
    pub report_latency: Latency,
}

/// Options for [`citations`].
#[derive(Debug, Clone, Default)]
pub struct CitationOptions {
    pub writer: verity_engine::WriterConfig,
    /// Where installed models are (the local writer's file).
    pub models: Option<PathBuf>,
    /// Check only the first `limit` claims (a local model takes seconds per report).
    pub limit: Option<usize>,
}

/// Checks SciFact claims with the chosen writer and judges every published statement against the store. The
/// judge does not trust the report's own verification record: a quotation must be found verbatim in the stored
/// text of every source it cites; a sentence in a writer's own words must be backed, by
/// [`verity_pipeline::cite::support`] of at least [`verity_pipeline::cite::SUPPORTED`], by the best-matching
/// stored sentences of the sources it cites (numbers and negation included), found afresh in the stored text.
pub fn citations(dir: &Path, split: &str, options: &CitationOptions) -> Result<CitationEval> {
    let mut claims = scifact::read_claims(&dir.join(format!("claims_{split}.jsonl")))?;
    if let Some(limit) = options.limit {
        claims.truncate(limit);
    }
    let tmp = temp_dir()?;
    let mut engine = Engine::open(Config {
        today: Some("2026-01-01".into()),
        models: options.models.clone().or_else(|| Some(tmp.path().join("no-models"))),
        passage_vectors: false,
        writer: options.writer.clone(),
        ..Config::new(tmp.path())
    })?;
    engine.ingest(&[dir.join("corpus.jsonl")], &mut |_| {})?;
    let mut eval = CitationEval {
        dataset: format!("{} ({split})", dir.display()),
        writer: engine.writer_name(),
        claims: claims.len(),
        reports: 0,
        statements: 0,
        cited_statements: 0,
        supported_statements: 0,
        citation_precision: 0.0,
        citation_recall: 0.0,
        model_sentences: 0,
        model_sentences_kept: 0,
        model_sentences_rewritten: 0,
        model_precision_before_the_gate: 0.0,
        report_latency: Latency::of(vec![]),
    };
    let mut latencies = Vec::new();
    for claim in &claims {
        let started = Instant::now();
        let report = match engine.check(CheckRequest::question(&claim.claim).unsaved(format!("scifact-{}", claim.id))) {
            Ok((report, _)) => report,
            Err(verity_engine::EngineError::Uncheckable(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        eval.reports += 1;
        eval.model_sentences += report.citation_check.written;
        eval.model_sentences_rewritten += report.citation_check.rewritten;
        eval.model_sentences_kept += report
            .sentences()
            .filter(|s| matches!(s.verification, Some(verity_model::Verification::Lexical { .. })))
            .count();
        let statements = report
            .summary
            .iter()
            .skip(1)
            .chain([0, 1, 2, 3, 5].iter().filter_map(|&i| report.sections.get(i)).flat_map(|s| s.sentences.iter()));
        for sentence in statements {
            eval.statements += 1;
            if sentence.citations.is_empty() {
                continue;
            }
            eval.cited_statements += 1;
            if supported_by_the_store(&engine, &report, sentence)? {
                eval.supported_statements += 1;
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    eval.citation_precision = ratio(eval.supported_statements, eval.cited_statements);
    eval.citation_recall = ratio(eval.supported_statements, eval.statements);
    eval.model_precision_before_the_gate = ratio(eval.model_sentences_kept, eval.model_sentences);
    eval.report_latency = Latency::of(latencies);
    Ok(eval)
}

/// Does every source `sentence` cites support it, read from the store?
fn supported_by_the_store(engine: &Engine, report: &Report, sentence: &verity_model::Sentence) -> Result<bool> {
    use verity_model::Verification;
    let mut stored = Vec::new();
    for n in &sentence.citations {
        let Some(source) = report.source(*n) else { return Ok(false) };
        stored.push(engine.stored_text(source.version_id)?.unwrap_or_default());
    }
    Ok(match &sentence.verification {
        Some(Verification::Verbatim { quotes } | Verification::Rewritten { quotes }) => {
            !quotes.is_empty()
                && quotes.iter().all(|q| sentence.text.contains(q.as_str()))
                && stored.iter().all(|text| quotes.iter().any(|q| text.contains(q.as_str())))
        }
        Some(Verification::Lexical { .. }) => {
            use verity_pipeline::cite;
            let names: Vec<String> =
                sentence.citations.iter().filter_map(|n| report.source(*n)).map(cite::source_name).collect();
            let content = cite::without_names(&sentence.text, &names);
            let best: Vec<String> = stored
                .iter()
                .filter_map(|text| {
                    verity_text::sentences(text).into_iter().map(|span| span.of(text).to_string()).max_by(|a, b| {
                        let score = |s: &String| cite::support(&content, std::slice::from_ref(s));
                        score(a).total_cmp(&score(b))
                    })
                })
                .collect();
            best.len() == stored.len() && cite::backed(&sentence.text, &best, &names)
        }
        None => false,
    })
}

/// The evidence of one AVeriTeC claim as documents: (document id, text), one per answer, each the question
/// followed by its answer, so that "No." is read with what it answers.
pub fn averitec_evidence(claim: &verity_eval::averitec::Claim) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (q, question) in claim.questions.iter().enumerate() {
        for (a, answer) in question.answers.iter().enumerate() {
            let Some(text) = answer.text() else { continue };
            let question = question.question.trim();
            let question = if question.ends_with('?') { question.to_string() } else { format!("{question}?") };
            out.push((format!("averitec-{}-{q}-{a}", claim.index), format!("{question} {text}")));
        }
    }
    out
}

/// Writes the pooled evidence of all `claims` as a JSON Lines corpus: each answer a document titled by its
/// question, with the URL it came from.
pub fn write_averitec_documents(claims: &[verity_eval::averitec::Claim], path: &Path) -> Result<()> {
    let mut lines = String::new();
    for claim in claims {
        let answers =
            claim.questions.iter().flat_map(|q| q.answers.iter().filter(|a| a.text().is_some()).map(move |a| (q, a)));
        for ((id, text), (question, answer)) in averitec_evidence(claim).into_iter().zip(answers) {
            let mut record = serde_json::json!({"id": id, "title": question.question.trim(), "text": text});
            if let Some(url) = answer.source_url.as_deref().filter(|u| u.starts_with("http")) {
                record["url"] = url.into();
            }
            lines.push_str(&record.to_string());
            lines.push('\n');
        }
    }
    Ok(std::fs::write(path, lines).map_err(|source| EngineError::DataDir { path: path.to_path_buf(), source })?)
}

/// The judge alone, pair by pair.
#[derive(Debug, Clone, Serialize)]
pub struct StanceEval {
    pub dataset: String,
    pub judge: String,
    pub pairs: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f1_per_label: Vec<(String, f64)>,
    /// Rows gold, columns predicted: supports, refutes, neutral.
    pub confusion: Confusion,
    pub pairs_per_second: f64,
    /// Diagnostics the judge gave (a language model's reply that judged only some sentences).
    pub notes: Vec<String>,
}

/// HealthVer: each (evidence, claim) pair read by the configured judge (the pairs of one claim in one call, as a
/// check reads a claim's sentences), the most probable stance scored against the gold label.
pub fn stance_healthver(path: &Path, limit: Option<usize>, options: &VerdictOptions) -> Result<StanceEval> {
    let mut pairs = verity_eval::healthver::read_pairs(path)?;
    if let Some(limit) = limit {
        pairs.truncate(limit);
    }
    stance_pairs(path.display().to_string(), &pairs, false, options)
}

/// The negation benchmark (MNLI, SNLI and RTE pairs with negations added): each subset scored as
/// [`stance_healthver`] scores HealthVer; on two-way RTE a judge's refutes counts as not_entailment.
pub fn stance_negation(dir: &Path, limit: Option<usize>, options: &VerdictOptions) -> Result<Vec<StanceEval>> {
    use verity_eval::negation;
    negation::SUBSETS
        .iter()
        .map(|subset| {
            let mut pairs = negation::read_subset(dir, subset)?;
            if let Some(limit) = limit {
                pairs.truncate(limit);
            }
            stance_pairs(format!("negation {subset}"), &pairs, negation::two_way(subset), options)
        })
        .collect()
}

/// Stance pairs read by the configured judge, grouped by claim; with `two_way`, refutes is scored as neutral.
fn stance_pairs(
    dataset: String,
    pairs: &[verity_eval::healthver::Pair],
    two_way: bool,
    options: &VerdictOptions,
) -> Result<StanceEval> {
    use verity_eval::healthver;
    let tmp = temp_dir()?;
    let engine = options.engine(tmp.path())?;
    let mut by_claim: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut claim_index: std::collections::HashMap<&str, usize> = Default::default();
    for (i, pair) in pairs.iter().enumerate() {
        match claim_index.get(pair.claim.as_str()) {
            Some(&k) => by_claim[k].1.push(i),
            None => {
                claim_index.insert(&pair.claim, by_claim.len());
                by_claim.push((&pair.claim, vec![i]));
            }
        }
    }
    let lexical = verity_pipeline::judge::LexicalJudge;
    let started = Instant::now();
    let (judged, name, mut notes) = engine.with_judge(|judge| -> Result<(Vec<usize>, String, Vec<String>)> {
        let judge: &dyn verity_pipeline::judge::Judge = judge.unwrap_or(&lexical);
        let mut predicted = vec![2; pairs.len()];
        let mut notes = Vec::new();
        for (claim, members) in &by_claim {
            let claim = verity_pipeline::claim::Claim::of_statement(claim);
            let sentences: Vec<&str> = members.iter().map(|&i| pairs[i].evidence.as_str()).collect();
            for chunk in members.chunks(judge.sentences_per_check()).zip(sentences.chunks(judge.sentences_per_check()))
            {
                let read = judge.read(&claim, chunk.1).map_err(|failure| verity_engine::EngineError::Judge {
                    kind: "pair",
                    message: failure.to_string(),
                })?;
                notes.extend(read.notes);
                for (&i, reading) in chunk.0.iter().zip(&read.readings) {
                    predicted[i] = match reading.label() {
                        StanceLabel::Supports => 0,
                        StanceLabel::Refutes if !two_way => 1,
                        StanceLabel::Refutes | StanceLabel::Neutral => 2,
                    };
                }
            }
        }
        Ok((predicted, judge.name(), notes))
    })??;
    let seconds = started.elapsed().as_secs_f64();
    let mut confusion = Confusion::new(&healthver::Label::NAMES);
    for (pair, predicted) in pairs.iter().zip(judged) {
        confusion.add(pair.label.index(), predicted);
    }
    let f1 = confusion.f1_per_label();
    notes.dedup();
    Ok(StanceEval {
        dataset,
        judge: name,
        pairs: confusion.total(),
        accuracy: confusion.accuracy(),
        macro_f1: confusion.macro_f1(),
        f1_per_label: confusion.labels.iter().cloned().zip(f1).collect(),
        confusion,
        pairs_per_second: pairs.len() as f64 / seconds.max(1e-9),
        notes,
    })
}

/// AVeriTeC: every answer of every claim in the file is ingested as a document (titled by its question, with its
/// source URL), and each claim of the split is checked against that pooled evidence. Labels: supported counts as
/// Supported, refuted as Refuted, not enough evidence as Not Enough Evidence, partly supported and conflicting as
/// Conflicting Evidence/Cherrypicking.
pub fn verdict_averitec(path: &Path, split: &str, options: &VerdictOptions) -> Result<LabelEval> {
    use verity_eval::averitec::{self, Label};
    let claims = averitec::read_claims(path)?;
    let tmp = temp_dir()?;
    let documents = tmp.path().join("averitec.jsonl");
    write_averitec_documents(&claims, &documents)?;
    let mut engine = options.engine(&tmp.path().join("data"))?;
    engine.ingest(&[documents], &mut |_| {})?;
    let mut scorer = LabelScorer::new(&Label::NAMES);
    for claim in options.first(claims.iter().filter(|c| split == "all" || c.split() == split)) {
        scorer.check(
            claim.label.index(),
            Label::NotEnoughEvidence.index(),
            || engine.check(CheckRequest::question(&claim.claim).unsaved(format!("averitec-{}", claim.index))),
            |label| match label {
                VerdictLabel::Supported => Label::Supported.index(),
                VerdictLabel::Refuted => Label::Refuted.index(),
                VerdictLabel::NotEnoughEvidence => Label::NotEnoughEvidence.index(),
                VerdictLabel::PartlySupported | VerdictLabel::Conflicting => Label::Conflicting.index(),
            },
        )?;
    }
    Ok(scorer.finish(format!("{} ({split})", path.display()), split))
}

/// How fast the embedding model encodes texts on this machine (`verity eval encoder`, and the Verity column of
/// `scripts/encoder_compare.py`).
#[derive(Debug, Serialize)]
pub struct EncoderEval {
    pub texts: usize,
    /// Word-piece tokens the model read, `[CLS]` and `[SEP]` included.
    pub tokens: usize,
    /// Wall-clock time of [`verity_embed::Embedder::embed_counting`] over all the texts, tokenizing included.
    pub seconds: f64,
    pub tokens_per_s: f64,
    /// What the dense layers ran as here: "bf16 (AMX)" or "f32 (<widest instruction set>)".
    pub precision: String,
}

/// Embeds `texts` with the model in `model_dir` in one call, as ingest does, and times it. Returns the vectors too,
/// so that a caller can compare them with another implementation's.
pub fn encoder(model_dir: &Path, texts: &[String]) -> Result<(EncoderEval, Vec<Vec<f32>>)> {
    let embedder = verity_embed::Embedder::load(model_dir)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let start = Instant::now();
    let embedded = embedder.embed_counting(&refs)?;
    let seconds = start.elapsed().as_secs_f64();
    let eval = EncoderEval {
        texts: texts.len(),
        tokens: embedded.tokens,
        seconds,
        tokens_per_s: embedded.tokens as f64 / seconds.max(1e-9),
        precision: embedder.precision().describe(),
    };
    Ok((eval, embedded.vectors))
}
