//! Scores for label predictions: accuracy, per-class and macro F1 from a confusion matrix, and the expected
//! calibration error of the confidences the predictions came with.

use serde::Serialize;

/// Rows: gold label; columns: predicted label; both in the order of `labels`.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    pub counts: Vec<Vec<usize>>,
}

impl Confusion {
    pub fn new(labels: &[&str]) -> Confusion {
        Confusion {
            labels: labels.iter().map(|l| l.to_string()).collect(),
            counts: vec![vec![0; labels.len()]; labels.len()],
        }
    }

    pub fn add(&mut self, gold: usize, predicted: usize) {
        self.counts[gold][predicted] += 1;
    }

    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        correct as f64 / self.total().max(1) as f64
    }

    /// How often label `i` was predicted, and how often it was gold.
    fn predicted_and_gold(&self, i: usize) -> (usize, usize) {
        (self.counts.iter().map(|row| row[i]).sum(), self.counts[i].iter().sum())
    }

    /// Of the predictions of label `i`, the share that were right (0 when it was never predicted).
    pub fn precision(&self, i: usize) -> f64 {
        let (predicted, _) = self.predicted_and_gold(i);
        if predicted == 0 { 0.0 } else { self.counts[i][i] as f64 / predicted as f64 }
    }

    /// Of the gold instances of label `i`, the share predicted (0 when it was never gold).
    pub fn recall(&self, i: usize) -> f64 {
        let (_, gold) = self.predicted_and_gold(i);
        if gold == 0 { 0.0 } else { self.counts[i][i] as f64 / gold as f64 }
    }

    /// F1 of each label (0 for a label never gold nor predicted).
    pub fn f1_per_label(&self) -> Vec<f64> {
        (0..self.labels.len())
            .map(|i| {
                let (predicted, gold) = self.predicted_and_gold(i);
                if predicted + gold == 0 { 0.0 } else { 2.0 * self.counts[i][i] as f64 / (predicted + gold) as f64 }
            })
            .collect()
    }

    /// The unweighted mean of the per-label F1.
    pub fn macro_f1(&self) -> f64 {
        let f1 = self.f1_per_label();
        f1.iter().sum::<f64>() / f1.len().max(1) as f64
    }
}

/// Expected calibration error over `bins` equal-width confidence bins: the bin-size-weighted mean of
/// |accuracy - mean confidence|. `samples` are (confidence in [0, 1], prediction was right).
pub fn expected_calibration_error(samples: &[(f64, bool)], bins: usize) -> f64 {
    if samples.is_empty() || bins == 0 {
        return 0.0;
    }
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins]; // count, confidence sum, correct
    for &(confidence, correct) in samples {
        let bin = ((confidence.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += 1;
        sums[bin].1 += confidence;
        sums[bin].2 += correct as usize;
    }
    sums.iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|&(n, conf, correct)| {
            (n as f64 / samples.len() as f64) * (correct as f64 / n as f64 - conf / n as f64).abs()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_weighs_every_label_alike() {
        let mut c = Confusion::new(&["a", "b", "c"]);
        for (gold, predicted, n) in [(0, 0, 8), (0, 1, 2), (1, 1, 1), (2, 0, 1)] {
            for _ in 0..n {
                c.add(gold, predicted);
            }
        }
        let f1 = c.f1_per_label();
        assert!((f1[0] - 16.0 / 19.0).abs() < 1e-9, "{f1:?}");
        assert!((f1[1] - 0.5).abs() < 1e-9);
        assert_eq!(f1[2], 0.0);
        assert!((c.macro_f1() - (16.0 / 19.0 + 0.5) / 3.0).abs() < 1e-9);
        assert!((c.accuracy() - 9.0 / 12.0).abs() < 1e-9);
    }

    #[test]
    fn calibration_error_is_zero_when_confidence_matches_accuracy() {
        let calibrated: Vec<(f64, bool)> = (0..10).map(|i| (0.8, i < 8)).collect();
        assert!(expected_calibration_error(&calibrated, 10) < 1e-9);
        let overconfident: Vec<(f64, bool)> = (0..10).map(|i| (0.9, i < 5)).collect();
        assert!((expected_calibration_error(&overconfident, 10) - 0.4).abs() < 1e-9);
        assert_eq!(expected_calibration_error(&[], 10), 0.0);
    }
}
