//! Check-worthiness on CheckThat! 2024 (English): fitting the shipped scorer on the training sentences
//! ([`fit`]), and measuring it beside two baselines that need no training beyond one cut-off ([`measure`]).
//!
//! The threshold is chosen on a held-out slice of the training file (every [`HELD_OUT_EVERY`]th sentence), then
//! the weights are fitted again on the whole file; dev and dev-test are only measured.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use verity_eval::checkworthiness::{self, Sentence, YesScores};
use verity_triage::worthiness::{self, Scorer};

use crate::Result;

/// One training sentence in this many is held out to choose the threshold.
pub const HELD_OUT_EVERY: usize = 7;
/// The L2 penalty and the number of full-batch steps: chosen on the held-out slice (docs/BENCHMARKS.md).
pub const L2: f32 = 1e-5;
pub const STEPS: usize = 400;
/// Features seen fewer times than this in training are left out (they would only memorise sentences).
pub const MIN_COUNT: usize = 2;

/// What fitting found.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub sentences: usize,
    pub features: usize,
    pub threshold: f32,
    /// F1 of the Yes class on the held-out slice at that threshold, from the weights fitted without it.
    pub held_out_f1: f64,
    pub seconds: f64,
}

fn labelled(sentences: &[Sentence]) -> Vec<(Vec<String>, bool)> {
    sentences.iter().map(|s| (worthiness::features(&s.text), s.worthy)).collect()
}

/// Fits the scorer on a CT24 training file.
pub fn fit(train: &Path) -> Result<(Scorer, FitReport)> {
    let started = Instant::now();
    let sentences = checkworthiness::read(train)?;
    let data = labelled(&sentences);
    let (fold, held_out): (Vec<_>, Vec<_>) =
        data.iter().cloned().enumerate().partition(|(i, _)| i % HELD_OUT_EVERY != 0);
    let fold: Vec<_> = fold.into_iter().map(|(_, d)| d).collect();
    let held_out: Vec<_> = held_out.into_iter().map(|(_, d)| d).collect();
    let first = worthiness::fit(&fold, L2, MIN_COUNT, STEPS);
    let probabilities: Vec<f32> = held_out.iter().map(|(f, _)| first.score_features(f)).collect();
    let gold: Vec<bool> = held_out.iter().map(|(_, y)| *y).collect();
    let (threshold, held_out_f1) =
        best_f1((10..90).map(|t| t as f32 / 100.0), &gold, |t| probabilities.iter().map(|p| *p >= t).collect());
    let mut scorer = worthiness::fit(&data, L2, MIN_COUNT, STEPS);
    scorer.threshold = threshold;
    let report = FitReport {
        sentences: data.len(),
        features: scorer.weights.len(),
        threshold,
        held_out_f1,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((scorer, report))
}

/// The scores of one way of telling check-worthy sentences.
#[derive(Debug, Clone, Serialize)]
pub struct MethodScores {
    pub method: String,
    #[serde(flatten)]
    pub yes: YesScores,
    pub sentences_per_second: f64,
}

/// The shipped scorer and the baselines on one file.
#[derive(Debug, Clone, Serialize)]
pub struct CheckworthyEval {
    pub file: String,
    pub sentences: usize,
    pub worthy: usize,
    pub methods: Vec<MethodScores>,
}

/// Words that mark a factual claim about the world in debate and news prose: figures and the quantities they
/// measure. The keyword baseline calls a sentence check-worthy when it holds a figure or one of these.
const FACT_WORDS: &[&str] = &[
    "percent",
    "million",
    "billion",
    "trillion",
    "thousand",
    "hundred",
    "tax",
    "taxes",
    "jobs",
    "unemployment",
    "deficit",
    "debt",
    "budget",
    "crime",
    "rate",
    "increased",
    "decreased",
    "rose",
    "fell",
    "cut",
    "voted",
    "vote",
    "law",
    "bill",
    "spent",
    "spending",
    "cost",
    "costs",
    "paid",
    "record",
    "highest",
    "lowest",
    "first",
    "since",
];

/// Measures the shipped scorer, and two baselines whose one cut-off is fitted on `train` when given: sentences
/// of at least N words (the length baseline), and sentences holding a figure or a word of [`FACT_WORDS`].
pub fn measure(file: &Path, train: Option<&Path>) -> Result<CheckworthyEval> {
    let sentences = checkworthiness::read(file)?;
    let gold: Vec<bool> = sentences.iter().map(|s| s.worthy).collect();
    let mut methods = Vec::new();
    let mut run = |name: String, decide: &dyn Fn(&str) -> bool| {
        let started = Instant::now();
        let predicted: Vec<bool> = sentences.iter().map(|s| decide(&s.text)).collect();
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        methods.push(MethodScores {
            method: name,
            yes: checkworthiness::yes_scores(&gold, &predicted),
            sentences_per_second: sentences.len() as f64 / seconds,
        });
    };
    let scorer = Scorer::shipped();
    run(format!("verity (logistic regression, threshold {})", scorer.threshold), &|s| scorer.is_worthy(s));
    let min_words = match train {
        Some(train) => length_cut_off(&checkworthiness::read(train)?),
        None => 15,
    };
    run(format!("length baseline (at least {min_words} words)"), &|s| verity_text::words(s).len() >= min_words);
    run("keyword baseline (a figure or a quantity word)".into(), &|s| {
        s.chars().any(|c| c.is_ascii_digit()) || verity_text::words(s).iter().any(|w| FACT_WORDS.contains(&w.as_str()))
    });
    Ok(CheckworthyEval {
        file: file.display().to_string(),
        sentences: sentences.len(),
        worthy: gold.iter().filter(|g| **g).count(),
        methods,
    })
}

/// The number of words from which the length baseline calls a sentence check-worthy: the best F1 on `train`.
fn length_cut_off(train: &[Sentence]) -> usize {
    let gold: Vec<bool> = train.iter().map(|s| s.worthy).collect();
    let lengths: Vec<usize> = train.iter().map(|s| verity_text::words(&s.text).len()).collect();
    best_f1(3..60, &gold, |n| lengths.iter().map(|l| *l >= n).collect()).0
}

/// The cut-off among `cut_offs` whose predictions score the best F1 of the Yes class against `gold` (the first
/// of equals), with that F1.
fn best_f1<T: Copy>(cut_offs: impl Iterator<Item = T>, gold: &[bool], predict: impl Fn(T) -> Vec<bool>) -> (T, f64) {
    cut_offs
        .map(|c| (c, checkworthiness::yes_scores(gold, &predict(c)).f1))
        .fold(None, |best: Option<(T, f64)>, next| match best {
            Some(best) if best.1 >= next.1 => Some(best),
            _ => Some(next),
        })
        .expect("at least one cut-off")
}
