//! ANN probe: usearch (HNSW, i8/f16, saved + memory-mapped) and arroy (random-projection trees in LMDB) against
//! exact search, on the same vectors: build time, index size, open time, query p50/p99 and recall@10.
//! Vectors: a file of f32 rows (real MiniLM vectors, perturbed to N) or a seeded clustered generator.
use std::num::NonZeroUsize;
use std::time::Instant;

fn lcg(state: &mut u64) -> f32 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
}
fn gauss(state: &mut u64) -> f32 {
    (0..6).map(|_| lcg(state)).sum::<f32>() * 1.41
}
fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
}
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut l = [0f32; 16];
    for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 { l[i] += x[i] * y[i]; }
    }
    l.iter().sum()
}
/// Seed rows (real vectors), each generated row = seed + noise, normalised.
fn generate(seeds: &[Vec<f32>], n: usize, noise: f32, seed: u64) -> Vec<f32> {
    let dim = seeds[0].len();
    let mut s = seed;
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        lcg(&mut s);
        let base = &seeds[(s >> 20) as usize % seeds.len()];
        let mut v: Vec<f32> = base.iter().map(|x| x + noise * gauss(&mut s) / (dim as f32).sqrt()).collect();
        normalise(&mut v);
        out.extend(v);
    }
    out
}
fn pct(mut t: Vec<f64>, p: f64) -> f64 {
    t.sort_by(|a, b| a.total_cmp(b));
    t[((t.len() - 1) as f64 * p) as usize]
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().unwrap();
    let which = args.get(2).cloned().unwrap_or("all".into());
    let seeds_file = args.get(3).cloned();
    let dim = 384;
    let seeds: Vec<Vec<f32>> = match seeds_file {
        Some(f) => {
            let b = std::fs::read(f).unwrap();
            b.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect::<Vec<_>>()
                .chunks_exact(dim).map(|c| c.to_vec()).collect()
        }
        None => {
            let mut s = 7;
            (0..2000).map(|_| { let mut v: Vec<f32> = (0..dim).map(|_| gauss(&mut s)).collect(); normalise(&mut v); v }).collect()
        }
    };
    let noise = std::env::var("NOISE").ok().and_then(|v| v.parse().ok()).unwrap_or(0.6);
    let data = generate(&seeds, n, noise, 11);
    let queries = generate(&seeds, 200, noise, 99);
    let rows: Vec<&[f32]> = data.chunks_exact(dim).collect();
    let qs: Vec<&[f32]> = queries.chunks_exact(dim).collect();
    eprintln!("{} seeds, {n} vectors, noise {noise}", seeds.len());
    // Exact.
    let mut times = vec![];
    let mut truth = vec![];
    for q in &qs {
        let t = Instant::now();
        let mut sc: Vec<(f32, usize)> = rows.iter().enumerate().map(|(i, r)| (dot(r, q), i)).collect();
        sc.select_nth_unstable_by(10, |a, b| b.0.total_cmp(&a.0));
        sc.truncate(10);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        truth.push(sc.iter().map(|x| x.1 as u64).collect::<std::collections::HashSet<u64>>());
    }
    let nn1: f32 = qs.iter().zip(&truth).map(|(q, t)| t.iter().map(|&i| dot(rows[i as usize], q)).fold(0f32, f32::max)).sum::<f32>() / qs.len() as f32;
    println!("exact f32: p50 {:.2} ms p99 {:.2} ms (mean top-1 cosine {:.3})", pct(times.clone(), 0.5), pct(times, 0.99), nn1);
    let recall = |found: &[Vec<u64>]| -> f64 {
        found.iter().zip(&truth).map(|(f, t)| f.iter().take(10).filter(|k| t.contains(k)).count()).sum::<usize>() as f64 / (10 * qs.len()) as f64
    };
    let dir = std::env::temp_dir().join(format!("ann-probe-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    if which == "all" || which.starts_with("usearch") {
        for (q, qname) in [(usearch::ScalarKind::I8, "i8"), (usearch::ScalarKind::F16, "f16")] {
            if which == "usearch-i8" && qname != "i8" { continue; }
            let opts = usearch::IndexOptions { dimensions: dim, metric: usearch::MetricKind::Cos, quantization: q,
                connectivity: 16, expansion_add: 128, expansion_search: 64, multi: false };
            let index = usearch::Index::new(&opts).unwrap();
            index.reserve_capacity_and_threads(n, 2).unwrap();
            let t = Instant::now();
            std::thread::scope(|s| {
                for th in 0..2 {
                    let (index, rows) = (&index, &rows);
                    s.spawn(move || for i in (th..rows.len()).step_by(2) { index.add::<f32>(i as u64, rows[i]).unwrap(); });
                }
            });
            let build = t.elapsed().as_secs_f64();
            println!("usearch {qname} kernels: {}", index.hardware_acceleration());
            let path = dir.join(format!("usearch-{qname}.bin"));
            index.save(path.to_str().unwrap()).unwrap();
            let size = std::fs::metadata(&path).unwrap().len();
            drop(index);
            let t = Instant::now();
            let view = usearch::Index::new(&opts).unwrap();
            view.view(path.to_str().unwrap()).unwrap();
            let open = t.elapsed().as_secs_f64() * 1e3;
            for ef in [64usize, 128, 256] {
                view.change_expansion_search(ef);
                let mut times = vec![]; let mut found = vec![];
                for q in &qs {
                    let t = Instant::now();
                    let m = view.search::<f32>(q, 10).unwrap();
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    found.push(m.keys.clone());
                }
                println!("usearch {qname} M16 efc128 ef{ef}: build {build:.1} s ({:.0}/s), file {:.1} MB, view open {open:.1} ms, p50 {:.3} ms p99 {:.3} ms, recall@10 {:.3}",
                    n as f64 / build, size as f64 / 1e6, pct(times.clone(), 0.5), pct(times, 0.99), recall(&found));
            }
        }
    }
    if which == "all" || which == "arroy" {
        use arroy::distances::Cosine;
        use rand::SeedableRng;
        let adir = dir.join("arroy");
        let _ = std::fs::remove_dir_all(&adir);
        std::fs::create_dir_all(&adir).unwrap();
        let env = unsafe { heed::EnvOpenOptions::new().map_size(64 << 30).open(&adir) }.unwrap();
        let mut wtxn = env.write_txn().unwrap();
        let db: arroy::Database<Cosine> = env.create_database(&mut wtxn, None).unwrap();
        let writer = arroy::Writer::<Cosine>::new(db, 0, dim);
        let t = Instant::now();
        for (i, r) in rows.iter().enumerate() { writer.append_item(&mut wtxn, i as u32, r).unwrap(); }
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        writer.builder(&mut rng).build(&mut wtxn).unwrap();
        wtxn.commit().unwrap();
        let build = t.elapsed().as_secs_f64();
        let size: u64 = std::fs::read_dir(&adir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
        let rtxn = env.read_txn().unwrap();
        let reader = arroy::Reader::<Cosine>::open(&rtxn, 0, db).unwrap();
        for mult in [1usize, 4, 16] {
            let mut times = vec![]; let mut found = vec![];
            for q in &qs {
                let t = Instant::now();
                let mut nns = reader.nns(10);
                nns.search_k(NonZeroUsize::new(10 * reader.n_trees() * mult).unwrap());
                let r = nns.by_vector(&rtxn, q).unwrap();
                times.push(t.elapsed().as_secs_f64() * 1e3);
                found.push(r.iter().map(|x| x.0 as u64).collect());
            }
            println!("arroy cosine {} trees search_k=10*trees*{mult}: build {build:.1} s ({:.0}/s), files {:.1} MB, p50 {:.3} ms p99 {:.3} ms, recall@10 {:.3}",
                reader.n_trees(), n as f64 / build, size as f64 / 1e6, pct(times.clone(), 0.5), pct(times, 0.99), recall(&found));
        }
    }
}
