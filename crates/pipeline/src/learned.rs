//! A trained stance classifier: multinomial logistic regression over how a claim's and a sentence's embeddings
//! relate (element-wise product and absolute difference, cosine) and the lexical cues of [`crate::stance`].
//!
//! Main items: [`StanceModel`] (weights, feature scaling, provenance; serialised as JSON), [`features`],
//! [`StanceModel::probabilities`], and [`train`] (full-batch gradient descent with class weights and L2).
//! Embeddings come from the caller through [`crate::Encoder`]: this module does arithmetic only.

use serde::{Deserialize, Serialize};
use verity_model::StanceLabel;

use crate::stance::Cues;

/// Output order of the classifier.
pub const LABELS: [StanceLabel; 3] = [StanceLabel::Supports, StanceLabel::Refutes, StanceLabel::Neutral];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StanceModel {
    /// Length of the sentence embeddings the model was trained on.
    pub dim: usize,
    /// The embedding recipe it expects (model name), checked before use.
    pub encoder: String,
    /// Per feature: mean and standard deviation used to scale it.
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
    /// Per class (in [`LABELS`] order): one weight per feature, and a bias.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// What it was trained on and how it scored, for the record.
    pub provenance: serde_json::Value,
}

/// The feature vector of one (claim, sentence) pair. Retrieval relevance is left out on purpose: training
/// pairs come from data sets, not from searches, and a feature seen only at check time would be untrained.
pub fn features(claim: &[f32], sentence: &[f32], cues: &Cues) -> Vec<f32> {
    let mut out = Vec::with_capacity(claim.len() * 2 + 6);
    out.extend(claim.iter().zip(sentence).map(|(a, b)| a * b));
    out.extend(claim.iter().zip(sentence).map(|(a, b)| (a - b).abs()));
    out.push(claim.iter().zip(sentence).map(|(a, b)| a * b).sum());
    for cue in [cues.negation_differs, cues.antonym, cues.debunks, cues.hedged, cues.number_differs] {
        out.push(if cue { 1.0 } else { 0.0 });
    }
    out
}

impl StanceModel {
    /// Class probabilities in [`LABELS`] order.
    pub fn probabilities(&self, features: &[f32]) -> [f32; 3] {
        let mut logits = [0.0f32; 3];
        for (c, logit) in logits.iter_mut().enumerate() {
            *logit = self.bias[c]
                + features
                    .iter()
                    .zip(&self.mean)
                    .zip(&self.scale)
                    .zip(&self.weights[c])
                    .map(|(((x, m), s), w)| (x - m) / s * w)
                    .sum::<f32>();
        }
        softmax(logits)
    }
}

fn softmax(logits: [f32; 3]) -> [f32; 3] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp = logits.map(|l| (l - max).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions { epochs: 300, learning_rate: 0.5, l2: 1e-3 }
    }
}

/// Fits the classifier to `(features, class index)` examples. Classes are weighted inversely to their
/// frequency, so that the rare "refutes" class is not ignored.
pub fn train(examples: &[(Vec<f32>, usize)], dim: usize, encoder: &str, options: TrainOptions) -> StanceModel {
    let n_features = examples.first().map(|e| e.0.len()).unwrap_or(0);
    let n = examples.len().max(1) as f32;
    let mut mean = vec![0.0f32; n_features];
    for (x, _) in examples {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += v / n;
        }
    }
    let mut scale = vec![0.0f32; n_features];
    for (x, _) in examples {
        for ((s, v), m) in scale.iter_mut().zip(x).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    let scale: Vec<f32> = scale.into_iter().map(|v| v.sqrt().max(1e-6)).collect();
    let scaled: Vec<Vec<f32>> = examples
        .iter()
        .map(|(x, _)| x.iter().zip(&mean).zip(&scale).map(|((v, m), s)| (v - m) / s).collect())
        .collect();
    let mut counts = [0usize; 3];
    for (_, y) in examples {
        counts[*y] += 1;
    }
    let class_weight: Vec<f32> = counts.iter().map(|&c| if c == 0 { 0.0 } else { n / (3.0 * c as f32) }).collect();

    let mut weights = vec![vec![0.0f32; n_features]; 3];
    let mut bias = vec![0.0f32; 3];
    // Adam: the features differ in scale even after standardising (cues are rare), and plain gradient descent
    // converges slowly on them.
    let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let mut m_w = vec![vec![0.0f32; n_features]; 3];
    let mut v_w = vec![vec![0.0f32; n_features]; 3];
    let (mut m_b, mut v_b) = (vec![0.0f32; 3], vec![0.0f32; 3]);
    let lr = options.learning_rate * 0.01;
    for epoch in 1..=options.epochs {
        let mut grad_w = vec![vec![0.0f32; n_features]; 3];
        let mut grad_b = [0.0f32; 3];
        let mut total_weight = 0.0f32;
        for (x, (_, y)) in scaled.iter().zip(examples) {
            let mut logits = [0.0f32; 3];
            for c in 0..3 {
                logits[c] = bias[c] + x.iter().zip(&weights[c]).map(|(a, b)| a * b).sum::<f32>();
            }
            let p = softmax(logits);
            let w = class_weight[*y];
            total_weight += w;
            for c in 0..3 {
                let err = w * (p[c] - if c == *y { 1.0 } else { 0.0 });
                grad_b[c] += err;
                for (g, v) in grad_w[c].iter_mut().zip(x) {
                    *g += err * v;
                }
            }
        }
        let t = epoch as i32;
        for c in 0..3 {
            for j in 0..n_features {
                let g = grad_w[c][j] / total_weight + options.l2 * weights[c][j];
                m_w[c][j] = beta1 * m_w[c][j] + (1.0 - beta1) * g;
                v_w[c][j] = beta2 * v_w[c][j] + (1.0 - beta2) * g * g;
                let m_hat = m_w[c][j] / (1.0 - beta1.powi(t));
                let v_hat = v_w[c][j] / (1.0 - beta2.powi(t));
                weights[c][j] -= lr * m_hat / (v_hat.sqrt() + eps);
            }
            let g = grad_b[c] / total_weight;
            m_b[c] = beta1 * m_b[c] + (1.0 - beta1) * g;
            v_b[c] = beta2 * v_b[c] + (1.0 - beta2) * g * g;
            bias[c] -= lr * (m_b[c] / (1.0 - beta1.powi(t))) / ((v_b[c] / (1.0 - beta2.powi(t))).sqrt() + eps);
        }
    }
    StanceModel { dim, encoder: encoder.to_string(), mean, scale, weights, bias, provenance: serde_json::Value::Null }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Toy pairs in 2-d embeddings: the same direction supports, the opposite direction refutes, an orthogonal
    /// one is neutral; the classifier must learn all three and keep its probabilities normalised.
    fn check(claim: [f32; 2], sentence: [f32; 2], expected: StanceLabel, model: &StanceModel) {
        let p = model.probabilities(&features(&claim, &sentence, &Cues::default()));
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        assert_eq!(LABELS[best], expected, "{claim:?} {sentence:?} {p:?}");
    }

    #[test]
    fn learns_agreement_opposition_and_unrelatedness() {
        let mut examples = Vec::new();
        for i in 0..60 {
            let a = i as f32 * 0.1;
            let u = [a.cos(), a.sin()];
            let jitter = 0.05 * ((i % 7) as f32 - 3.0);
            let same = [(a + jitter).cos(), (a + jitter).sin()];
            let opposite = [-(a + jitter).cos(), -(a + jitter).sin()];
            let orthogonal = [-(a + jitter).sin(), (a + jitter).cos()];
            examples.push((features(&u, &same, &Cues::default()), 0));
            examples.push((features(&u, &opposite, &Cues::default()), 1));
            examples.push((features(&u, &orthogonal, &Cues::default()), 2));
        }
        let model = train(&examples, 2, "toy", TrainOptions::default());
        check([1.0, 0.0], [0.99, 0.1], StanceLabel::Supports, &model);
        check([0.0, 1.0], [0.05, -1.0], StanceLabel::Refutes, &model);
        check([0.6, 0.8], [-0.8, 0.6], StanceLabel::Neutral, &model);
        let json = serde_json::to_string(&model).unwrap();
        let back: StanceModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back.weights, model.weights);
    }
}
