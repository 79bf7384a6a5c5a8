//! "Checked before" matching with sentence vectors, as `Engine::similar` runs it: the suite of question pairs in
//! `crates/pipeline/tests/same_claim.tsv` (rewordings and near-misses), the shipped embedding model
//! (all-MiniLM-L6-v2, put in `target/models` by `scripts/test.sh`; `VERITY_TEST_MODEL_DIR` overrides), and the
//! targets of issue #14: precision >= 0.98 at recall >= 0.8.

use std::path::PathBuf;

use verity_embed::{Embedder, cosine};
use verity_pipeline::similar;

fn model_dir() -> PathBuf {
    std::env::var_os("VERITY_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/models/all-minilm-l6-v2")))
}

#[test]
fn words_and_vectors_match_rewordings_and_never_near_misses() {
    let embedder = Embedder::load(&model_dir()).unwrap_or_else(|e| {
        panic!("{e}\n(run scripts/test.sh, which installs the model, or set VERITY_TEST_MODEL_DIR)")
    });
    let pairs: Vec<(bool, &str, &str, &str)> = include_str!("../../pipeline/tests/same_claim.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0] == "1", f[1], f[2], f[3])
        })
        .collect();
    assert!(pairs.len() >= 200, "{} pairs", pairs.len());
    let (mut found, mut missed, mut wrong) = (0, Vec::new(), Vec::new());
    for (same, kind, a, b) in &pairs {
        let vectors = embedder.embed(&[a, b]).unwrap();
        let c = cosine(&vectors[0], &vectors[1]);
        match (similar::same_claim(a, b, Some(c)), same) {
            (true, true) => found += 1,
            (true, false) => wrong.push(format!("{kind} {c:.3}: {a} | {b}")),
            (false, true) => missed.push(format!("{c:.3}: {a} | {b}")),
            (false, false) => {}
        }
    }
    let precision = found as f64 / (found + wrong.len()).max(1) as f64;
    let recall = found as f64 / (found + missed.len()) as f64;
    eprintln!("words and vectors: precision {precision:.3}, recall {recall:.3} on {} pairs", pairs.len());
    eprintln!("missed rewordings:\n{}\nnear-misses taken as one claim:\n{}", missed.join("\n"), wrong.join("\n"));
    assert!(precision >= 0.98, "precision {precision:.3}; taken as the same claim:\n{}", wrong.join("\n"));
    assert!(recall >= 0.8, "recall {recall:.3}");
}
