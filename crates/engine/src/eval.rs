//! Evaluation runs: each ingests a public data set into a temporary data directory and measures one stage.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use verity_eval::{beir, scifact};
use verity_model::{StanceLabel, VerdictLabel};
use verity_pipeline::evidence::RELEVANT;

use crate::{Config, Engine, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Latency {
    fn of(mut samples: Vec<f64>) -> Latency {
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples.get(((samples.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0);
        let mean = if samples.is_empty() { 0.0 } else { samples.iter().sum::<f64>() / samples.len() as f64 };
        Latency { mean_ms: mean, p50_ms: at(0.5), p99_ms: at(0.99) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RetrievalEval {
    pub dataset: String,
    pub documents: usize,
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub recall_at_100: f64,
    pub ingest_seconds: f64,
    pub query_latency: Latency,
}

/// BEIR retrieval: ingests `DIR/corpus.jsonl`, runs every query of `DIR/qrels/<split>.tsv` through document
/// search. Tune on `train`, report on `test`.
pub fn retrieval(dir: &Path, split: &str) -> Result<RetrievalEval> {
    let queries = beir::read_queries(&dir.join("queries.jsonl"))?;
    let qrels = beir::read_qrels(&dir.join("qrels").join(format!("{split}.tsv")))?;
    let tmp =
        tempfile::tempdir().map_err(|source| crate::EngineError::DataDir { path: std::env::temp_dir(), source })?;
    let mut engine = Engine::open(Config::new(tmp.path()))?;
    let summary = engine.ingest(&[dir.join("corpus.jsonl")], &mut |_| {})?;
    let mut ids: Vec<&String> = qrels.keys().collect();
    ids.sort();
    let (mut ndcg, mut recall, mut latencies, mut n) = (0.0, 0.0, Vec::new(), 0usize);
    for id in ids {
        let Some(text) = queries.get(id) else { continue };
        let started = Instant::now();
        let ranked = engine.search_documents(text, 100)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        ndcg += beir::ndcg_at(&ranked, &qrels[id], 10);
        recall += beir::recall_at(&ranked, &qrels[id], 100);
        n += 1;
    }
    let n_f = n.max(1) as f64;
    Ok(RetrievalEval {
        dataset: format!("{} ({split})", dir.display()),
        documents: summary.documents(),
        queries: n,
        ndcg_at_10: ndcg / n_f,
        recall_at_100: recall / n_f,
        ingest_seconds: summary.seconds,
        query_latency: Latency::of(latencies),
    })
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
    pub check_latency: Latency,
}

/// How many abstracts one claim may name as evidence.
const MAX_PREDICTED_ABSTRACTS: usize = 2;

/// SciFact: ingests `DIR/corpus.jsonl`, checks each claim of `DIR/claims_<split>.jsonl` against the whole corpus.
/// Tune on `train`, report on `dev` (the test split has no labels).
pub fn verdict(dir: &Path, split: &str) -> Result<VerdictEval> {
    let claims = scifact::read_claims(&dir.join(format!("claims_{split}.jsonl")))?;
    let corpus_path = dir.join("corpus.jsonl");
    let sentence_starts = scifact_sentence_starts(&corpus_path)?;
    let tmp =
        tempfile::tempdir().map_err(|source| crate::EngineError::DataDir { path: std::env::temp_dir(), source })?;
    let mut engine = Engine::open(Config { data_dir: tmp.path().to_path_buf(), today: Some("2026-01-01".into()) })?;
    engine.ingest(&[corpus_path], &mut |_| {})?;

    let mut scorer = scifact::Scorer::default();
    let mut confusion = [[0usize; 3]; 3];
    let mut latencies = Vec::new();
    let mut uncheckable = 0;
    let (mut cited_sentences, mut dropped_sentences, mut quotes_checked, mut quotes_not_found) = (0, 0, 0, 0);
    for claim in &claims {
        let started = Instant::now();
        let result = engine.check_unsaved(&claim.claim, &format!("scifact-{}", claim.id));
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
                    let stored = engine.store().version(source.version_id)?.map(|v| v.text).unwrap_or_default();
                    quotes_checked += source.quotes.len();
                    quotes_not_found += source.quotes.iter().filter(|q| !stored.contains(q.as_str())).count();
                }
                let predicted = match report.verdict.label {
                    VerdictLabel::Supported | VerdictLabel::PartlySupported => 0,
                    VerdictLabel::Refuted => 1,
                    VerdictLabel::Conflicting | VerdictLabel::NotEnoughEvidence => 2,
                };
                let predictions =
                    if predicted == 2 { vec![] } else { abstract_predictions(&assessment, &sentence_starts) };
                (predicted, predictions)
            }
            Err(crate::EngineError::Uncheckable(_)) => {
                uncheckable += 1;
                (2, vec![])
            }
            Err(e) => return Err(e),
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
        check_latency: Latency::of(latencies),
    })
}

/// Per abstract: the side its relevant evidence takes (by summed strength) and its evidence sentences as
/// indices into the abstract's sentence list.
fn abstract_predictions(
    assessment: &verity_pipeline::Assessment,
    sentence_starts: &HashMap<String, Vec<usize>>,
) -> Vec<scifact::Prediction> {
    let mut per_doc: Vec<(String, f32, f32, Vec<usize>, f32)> = Vec::new();
    for e in assessment.evidence.iter().filter(|e| e.relevance >= RELEVANT) {
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
    #[derive(serde::Deserialize)]
    struct Doc {
        doc_id: u64,
        #[serde(rename = "abstract")]
        sentences: Vec<String>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| verity_eval::EvalError::Read {
        path: path.display().to_string(),
        message: format!("{e} (point --scifact at SciFact's folder with corpus.jsonl and claims_dev.jsonl)"),
    })?;
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(doc) = serde_json::from_str::<Doc>(line) else { continue };
        let mut starts = Vec::with_capacity(doc.sentences.len());
        let mut at = 0;
        for s in &doc.sentences {
            starts.push(at);
            at += s.trim().len() + 1;
        }
        out.insert(doc.doc_id.to_string(), starts);
    }
    Ok(out)
}
