//! Check-worthiness: how likely a sentence is a factual claim the public would want checked, as opposed to
//! opinion, a question, a promise, a greeting or procedure.
//!
//! A logistic regression over a sentence's words, word pairs, length and figures, trained by
//! `verity train checkworthy` on CheckThat! 2024's English training sentences (ClaimBuster, CC BY 4.0; see
//! `data/PROVENANCE.md`) and compiled in. Chosen by measurement over a head on sentence vectors, which needs the
//! embedding model installed and scored no better on the lab's held-out sets (docs/BENCHMARKS.md).

use std::collections::HashMap;
use std::sync::OnceLock;

const SHIPPED: &str = include_str!("../data/checkworthy.tsv");

/// The features a sentence is scored on, each present once: its words, pairs of adjacent words, a length band,
/// and whether it holds a figure, a percentage or an amount of money.
pub fn features(sentence: &str) -> Vec<String> {
    let words = verity_text::words(sentence);
    let mut out: Vec<String> = words.iter().map(|w| format!("w:{w}")).collect();
    out.extend(words.windows(2).map(|pair| format!("b:{}_{}", pair[0], pair[1])));
    out.push(format!("len:{}", (words.len() / 5).min(8)));
    if sentence.chars().any(|c| c.is_ascii_digit()) {
        out.push("figure".into());
    }
    if sentence.contains('%') || words.iter().any(|w| w == "percent") {
        out.push("percent".into());
    }
    if sentence.contains(['$', '£', '€'])
        || words.iter().any(|w| matches!(w.as_str(), "dollars" | "billion" | "million"))
    {
        out.push("money".into());
    }
    if sentence.trim_end().ends_with('?') {
        out.push("asks".into());
    }
    out.sort();
    out.dedup();
    out
}

/// A fitted check-worthiness model: a weight per feature, a bias, and the probability from which a sentence is
/// called check-worthy.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorer {
    pub weights: HashMap<String, f32>,
    pub bias: f32,
    pub threshold: f32,
}

impl Scorer {
    /// The model compiled into Verity.
    pub fn shipped() -> &'static Scorer {
        static SCORER: OnceLock<Scorer> = OnceLock::new();
        SCORER.get_or_init(|| Scorer::parse(SHIPPED).expect("the shipped check-worthiness model parses"))
    }

    /// The probability that `sentence` is check-worthy.
    pub fn score(&self, sentence: &str) -> f32 {
        self.score_features(&features(sentence))
    }

    /// [`Scorer::score`] of features already extracted.
    pub fn score_features(&self, features: &[String]) -> f32 {
        // Each sentence's feature vector has unit length, so long sentences do not score high for length alone.
        let norm = (features.len().max(1) as f32).sqrt();
        let sum: f32 = features.iter().filter_map(|f| self.weights.get(f)).sum();
        sigmoid(self.bias + sum / norm)
    }

    /// Whether `sentence` scores at or above the threshold.
    pub fn is_worthy(&self, sentence: &str) -> bool {
        self.score(sentence) >= self.threshold
    }

    /// Reads the model file: `#` comment lines, then `bias<TAB>x`, `threshold<TAB>x` and `feature<TAB>weight` lines.
    pub fn parse(file: &str) -> Result<Scorer, BadModelFile> {
        let mut scorer = Scorer { weights: HashMap::new(), bias: f32::NAN, threshold: f32::NAN };
        for (i, line) in file.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let bad = |message: String| BadModelFile(format!("line {}: {message}", i + 1));
            let (name, value) = line.split_once('\t').ok_or_else(|| bad("no tab".into()))?;
            let value: f32 = value.trim().parse().map_err(|e| bad(format!("{e}")))?;
            match name {
                "bias" => scorer.bias = value,
                "threshold" => scorer.threshold = value,
                _ => {
                    scorer.weights.insert(name.to_string(), value);
                }
            }
        }
        if scorer.bias.is_nan() || scorer.threshold.is_nan() {
            return Err(BadModelFile("the model file has no `bias` or no `threshold` line".into()));
        }
        Ok(scorer)
    }

    /// The model file [`Scorer::parse`] reads, features in name order, under `header` (each line a comment).
    pub fn write(&self, header: &str) -> String {
        let mut out: String = header.lines().map(|l| format!("# {l}\n")).collect();
        out.push_str(&format!("bias\t{}\nthreshold\t{}\n", self.bias, self.threshold));
        let mut names: Vec<&String> = self.weights.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&format!("{name}\t{}\n", self.weights[name]));
        }
        out
    }
}

/// Why a check-worthiness model file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadModelFile(pub String);

impl std::fmt::Display for BadModelFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a check-worthiness model file: {}", self.0)
    }
}

impl std::error::Error for BadModelFile {}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Fits a scorer: logistic regression with an L2 penalty (`l2` times the squared weights, added to the mean log
/// loss), by full-batch gradient descent with Adam; features seen fewer than `min_count` times are left out.
pub fn fit(sentences: &[(Vec<String>, bool)], l2: f32, min_count: usize, iterations: usize) -> Scorer {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (features, _) in sentences {
        for f in features {
            *counts.entry(f).or_default() += 1;
        }
    }
    let mut names: Vec<&str> = counts.iter().filter(|(_, c)| **c >= min_count).map(|(f, _)| *f).collect();
    names.sort();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let rows: Vec<(Vec<usize>, f32, f32)> = sentences
        .iter()
        .map(|(features, worthy)| {
            let norm = (features.len().max(1) as f32).sqrt();
            let ids = features.iter().filter_map(|f| index.get(f.as_str()).copied()).collect();
            (ids, 1.0 / norm, if *worthy { 1.0 } else { 0.0 })
        })
        .collect();
    let n = rows.len().max(1) as f32;
    let mut weights = vec![0f32; names.len() + 1]; // the bias last
    let bias = names.len();
    let (mut m, mut v) = (vec![0f32; weights.len()], vec![0f32; weights.len()]);
    let (rate, beta1, beta2) = (0.05f32, 0.9f32, 0.999f32);
    let mut gradient = vec![0f32; weights.len()];
    for step in 1..=iterations {
        gradient.iter_mut().for_each(|g| *g = 0.0);
        for (ids, scale, label) in &rows {
            let z = weights[bias] + ids.iter().map(|&i| weights[i]).sum::<f32>() * scale;
            let error = (sigmoid(z) - label) / n;
            gradient[bias] += error;
            for &i in ids {
                gradient[i] += error * scale;
            }
        }
        for i in 0..bias {
            gradient[i] += 2.0 * l2 * weights[i];
        }
        let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
        for i in 0..weights.len() {
            m[i] = beta1 * m[i] + (1.0 - beta1) * gradient[i];
            v[i] = beta2 * v[i] + (1.0 - beta2) * gradient[i] * gradient[i];
            weights[i] -= rate * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-8);
        }
    }
    Scorer {
        weights: names.iter().zip(&weights).map(|(f, w)| (f.to_string(), *w)).collect(),
        bias: weights[bias],
        threshold: 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_hold_words_pairs_length_and_figures() {
        let f = features("Taxes rose 10% to $3 billion.");
        for expected in ["w:taxes", "b:taxes_rose", "len:1", "figure", "percent", "money"] {
            assert!(f.contains(&expected.to_string()), "{expected} in {f:?}");
        }
        assert!(features("Do you agree?").contains(&"asks".to_string()));
    }

    #[test]
    fn a_fitted_scorer_separates_what_it_was_shown_and_survives_its_file() {
        let examples = [
            ("Unemployment rose 8% last year.", true),
            ("Taxes fell 10% in 2019.", true),
            ("Crime rose 20% since 2010.", true),
            ("Thank you very much.", false),
            ("I look forward to the debate.", false),
            ("Thank you, it is good to be here.", false),
        ];
        let data: Vec<(Vec<String>, bool)> = examples.iter().map(|(s, y)| (features(s), *y)).collect();
        let scorer = fit(&data, 1e-4, 1, 300);
        assert!(scorer.score("Wages rose 5% last year.") > 0.5);
        assert!(scorer.score("Thank you all.") < 0.5);
        let again = Scorer::parse(&scorer.write("a test")).unwrap();
        assert_eq!(again.weights.len(), scorer.weights.len());
        assert!((again.score("Wages rose 5%.") - scorer.score("Wages rose 5%.")).abs() < 1e-6);
    }

    #[test]
    fn the_shipped_scorer_tells_a_figure_from_a_greeting() {
        let scorer = Scorer::shipped();
        assert!(scorer.is_worthy("We have lost 2 million manufacturing jobs since 2001."));
        assert!(!scorer.is_worthy("Thank you, and good evening to everyone here tonight."));
    }
}
