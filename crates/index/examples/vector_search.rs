//! Exact against approximate (HNSW) vector search on synthetic 384-d unit vectors clustered around topics:
//! build time, query latency and recall@10 of the approximate index.
//!
//!     cargo run --release -p verity-index --example vector_search -- 50000 200000

use std::collections::HashSet;
use std::time::Instant;

use verity_index::dense::{ApproximateIndex, VectorIndex};

const DIM: usize = 384;
const QUERIES: usize = 200;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![20_000] } else { sizes };
    println!("{:>9} {:>12} {:>14} {:>14} {:>12}", "vectors", "exact p50", "hnsw build s", "hnsw p50", "recall@10");
    for n in sizes {
        let mut rng = Lcg(n as u64);
        let centres: Vec<Vec<f32>> = (0..64).map(|_| (0..DIM).map(|_| rng.next()).collect()).collect();
        let vector = |rng: &mut Lcg, i: usize| -> Vec<f32> {
            let v: Vec<f32> = centres[i % centres.len()].iter().map(|c| c + 0.8 * rng.next()).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / norm).collect()
        };
        let mut exact = VectorIndex::new(DIM);
        for i in 0..n {
            exact.push(i as i64, &vector(&mut rng, i));
        }
        let queries: Vec<Vec<f32>> = (0..QUERIES).map(|i| vector(&mut rng, i * 7)).collect();
        let started = Instant::now();
        let approximate = ApproximateIndex::build(exact.clone());
        let build_s = started.elapsed().as_secs_f64();
        let (mut exact_ms, mut approx_ms, mut found) = (Vec::new(), Vec::new(), 0);
        for q in &queries {
            let started = Instant::now();
            let truth: HashSet<i64> = exact.search(q, 10).into_iter().map(|h| h.key).collect();
            exact_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            let got = approximate.search(q, 10);
            approx_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            found += got.iter().filter(|h| truth.contains(&h.key)).count();
        }
        println!(
            "{n:>9} {:>9.2} ms {build_s:>14.1} {:>11.2} ms {:>12.3}",
            median(exact_ms),
            median(approx_ms),
            found as f64 / (10 * QUERIES) as f64
        );
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    }
}
