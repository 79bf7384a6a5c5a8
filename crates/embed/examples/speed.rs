//! Embedding throughput on real text: `cargo run --release -p verity-embed --example speed -- MODEL_DIR FILE.jsonl N`
//! embeds the `text` of the first N lines (BEIR corpus layout) and prints texts/s and tokens/s.

fn main() {
    // SAFETY: first in `main`, before any thread starts.
    unsafe { verity_embed::keep_tensors_on_the_heap() };
    let args: Vec<String> = std::env::args().collect();
    let embedder = verity_embed::Embedder::load(std::path::Path::new(&args[1])).unwrap();
    let n: usize = args[3].parse().unwrap();
    let texts: Vec<String> = std::fs::read_to_string(&args[2])
        .unwrap()
        .lines()
        .take(n)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap_or("").to_string())
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let tokens: usize = refs.iter().map(|t| embedder.token_ids(t).unwrap().len()).sum();
    let started = std::time::Instant::now();
    let vectors = embedder.embed(&refs).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} texts, {tokens} tokens in {secs:.2} s: {:.1} texts/s, {:.0} tokens/s",
        vectors.len(),
        vectors.len() as f64 / secs,
        tokens as f64 / secs
    );
}
