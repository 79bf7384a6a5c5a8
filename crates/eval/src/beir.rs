//! BEIR layout: `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv` (query-id, corpus-id, score).

use std::collections::HashMap;
use std::path::Path;

use crate::{EvalError, read_to_string};

/// Relevance judgements: query id -> (document id -> grade).
pub type Qrels = HashMap<String, HashMap<String, u32>>;

pub fn read_queries(path: &Path) -> Result<HashMap<String, String>, EvalError> {
    let text = read_to_string(path)?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| EvalError::Read {
            path: path.display().to_string(),
            message: format!("line {}: {e}", i + 1),
        })?;
        let id = match &v["_id"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.insert(id, v["text"].as_str().unwrap_or_default().to_string());
    }
    Ok(out)
}

pub fn read_qrels(path: &Path) -> Result<Qrels, EvalError> {
    let text = read_to_string(path)?;
    let mut out: Qrels = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            continue;
        }
        let grade: u32 = cols[2].trim().parse().unwrap_or(0);
        out.entry(cols[0].to_string()).or_default().insert(cols[1].to_string(), grade);
    }
    Ok(out)
}

/// nDCG@k with graded gains (BEIR/pytrec_eval definition: gain = grade, discount = log2(rank + 1)).
pub fn ndcg_at(ranked: &[String], relevant: &HashMap<String, u32>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| relevant.get(d).copied().unwrap_or(0) as f64 / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u32> = relevant.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, g)| *g as f64 / ((i + 2) as f64).log2()).sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Share of the relevant documents found in the first k.
pub fn recall_at(ranked: &[String], relevant: &HashMap<String, u32>, k: usize) -> f64 {
    let total = relevant.values().filter(|g| **g > 0).count();
    if total == 0 {
        return 0.0;
    }
    let found = ranked.iter().take(k).filter(|d| relevant.get(*d).is_some_and(|g| *g > 0)).count();
    found as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ranked: &[&str], relevant: &[(&str, u32)], ndcg: f64, recall: f64) {
        let ranked: Vec<String> = ranked.iter().map(|s| s.to_string()).collect();
        let relevant: HashMap<String, u32> = relevant.iter().map(|(d, g)| (d.to_string(), *g)).collect();
        assert!((ndcg_at(&ranked, &relevant, 10) - ndcg).abs() < 1e-9, "{}", ndcg_at(&ranked, &relevant, 10));
        assert!((recall_at(&ranked, &relevant, 100) - recall).abs() < 1e-9);
    }

    #[test]
    fn perfect_partial_and_empty_rankings() {
        check(&["a", "b"], &[("a", 1)], 1.0, 1.0);
        check(&["x", "a"], &[("a", 1)], 1.0 / 3f64.log2(), 1.0);
        check(&["x", "a"], &[("a", 1), ("b", 1)], (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2()), 0.5);
        check(&[], &[("a", 1)], 0.0, 0.0);
    }
}
