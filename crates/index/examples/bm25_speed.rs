//! Document-query latency of an existing index folder, at several ranking depths.
//!
//!     cargo run --release -p verity-index --example bm25_speed -- DATA_DIR/index QUERIES.jsonl

use std::time::Instant;

use verity_index::SearchIndex;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [index_dir, queries] = &args[..] else {
        eprintln!("usage: bm25_speed INDEX_DIR QUERIES.jsonl");
        std::process::exit(2);
    };
    let index = SearchIndex::open(std::path::Path::new(index_dir)).expect("index");
    let queries: Vec<String> = std::fs::read_to_string(queries)
        .expect("queries")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    for depth in [10, 100, 1000] {
        for _warm in 0..2 {
            let mut ms: Vec<f64> = Vec::new();
            for q in &queries {
                let started = Instant::now();
                std::hint::black_box(index.search_documents(q, depth).expect("search"));
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(f64::total_cmp);
            let mean = ms.iter().sum::<f64>() / ms.len() as f64;
            let p50 = ms[ms.len() / 2];
            println!(
                "depth {depth:>5}: {} queries, mean {mean:.3} ms, p50 {p50:.3} ms, {:.0} q/s",
                ms.len(),
                1000.0 / mean
            );
        }
    }
}
