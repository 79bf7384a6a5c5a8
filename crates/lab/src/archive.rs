//! A newsroom-sized archive to measure Verity at scale (`verity eval archive`, `scripts/bench-archive.sh`).
//!
//! [`write_archive`] writes JSON Lines documents of real sentences (FEVER's evidence sentences, SciFact's
//! abstracts, CheckThat! 2024's debate sentences, as found under `../shared/data`) up to a number of passages. Past
//! the first pass over the sentences, each pass writes them again with other numbers and other names (capitalised
//! words drawn from the sentences' own), so that the vocabulary and its BM25 statistics stay those of real text.
//!
//! [`SyntheticEncoder`] stands in for the embedding model past a sample: the first passages get the model's own
//! vectors; each later one gets the real vector of a sampled passage picked by its wording (the same sentence in
//! another pass has the same one), mixed with up to half of each of two other sampled vectors, plus a little
//! seeded noise (cosine about 0.9 to its own). The archive's vectors thus have the real vectors' distribution of
//! topics, at the rate of a random generator.
//!
//! [`measure`] times BM25, dense and hybrid passage queries, the recall@10 of the approximate dense search
//! against exact search, and checks, on an ingested archive.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use verity_engine::{CheckRequest, Engine};

use crate::eval::Latency;
use crate::{LabError, Result};

/// How many sentences a document of the archive has (about five passages).
const SENTENCES_PER_DOCUMENT: usize = 16;
/// The most of each of two other real vectors mixed into a passage's own (uniform in 0 to this).
const MIXED: f32 = 0.5;
/// Isotropic noise added after mixing, relative to a unit vector's length, so that no two passages coincide.
const NOISE: f32 = 0.15;
const OUTLETS: [&str; 8] = [
    "The Ledger",
    "The Courier",
    "Harbour Daily",
    "The Northern Post",
    "Valley Times",
    "The Evening Record",
    "City Wire",
    "The Gazette",
];

/// What [`write_archive`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveWritten {
    pub documents: usize,
    pub passages: usize,
    /// Distinct real sentences the archive is made of.
    pub sentences: usize,
    /// How many times the sentences were written over (1: each once).
    pub passes: usize,
}

/// Splitmix64: a seeded generator with no dependency, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A standard normal draw (Box-Muller).
    fn gaussian(&mut self) -> f32 {
        let u1 = ((self.next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let u2 = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LabError + '_ {
    move |e| LabError::Eval(verity_eval::EvalError::Read { path: path.display().to_string(), message: e.to_string() })
}

/// The real sentences under `data` (`fever_train/fever_train.jsonl` evidence, `scifact/beir/corpus.jsonl`
/// abstracts, `checkworthiness/ct24_english_train.tsv`), each once, in a fixed order; sets not found are skipped.
pub fn real_sentences(data: &Path) -> Result<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut keep = |s: &str| {
        let s = s.trim();
        if s.len() >= 30 && s.len() <= 400 && s.ends_with(['.', '!', '?', '"']) && seen.insert(s.to_string()) {
            out.push(s.to_string());
        }
    };
    let lines = |path: &Path| -> Result<Vec<String>> {
        let file = std::fs::File::open(path).map_err(io(path))?;
        std::io::BufReader::new(file).lines().collect::<std::io::Result<Vec<_>>>().map_err(io(path))
    };
    let fever = data.join("fever_train/fever_train.jsonl");
    if fever.is_file() {
        for line in lines(&fever)? {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            for evidence in record["evidence"].as_array().into_iter().flatten() {
                evidence.as_str().into_iter().for_each(&mut keep);
            }
        }
    }
    let scifact = data.join("scifact/beir/corpus.jsonl");
    if scifact.is_file() {
        for line in lines(&scifact)? {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            let text = record["text"].as_str().unwrap_or_default();
            verity_text::sentences(text).into_iter().for_each(|span| keep(&text[span.start..span.end]));
        }
    }
    let ct24 = data.join("checkworthiness/ct24_english_train.tsv");
    if ct24.is_file() {
        for line in lines(&ct24)?.iter().skip(1) {
            line.split('\t').nth(1).into_iter().for_each(&mut keep);
        }
    }
    Ok(out)
}

/// The sentence written again in pass `pass` (0: as it is): each number replaced by another of as many digits,
/// each capitalised word past the first by a name from `names`.
fn vary(sentence: &str, pass: usize, names: &[&str], rng: &mut Rng) -> String {
    if pass == 0 {
        return sentence.to_string();
    }
    let mut out = String::with_capacity(sentence.len() + 16);
    for (i, word) in sentence.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let first = word.chars().next().unwrap_or(' ');
        if word.bytes().any(|b| b.is_ascii_digit()) {
            out.extend(
                word.chars().map(|c| if c.is_ascii_digit() { char::from(b'0' + rng.below(10) as u8) } else { c }),
            );
        } else if i > 0 && first.is_uppercase() && word.chars().all(char::is_alphabetic) && !names.is_empty() {
            out.push_str(names[rng.below(names.len())]);
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Writes documents of real sentences to `out` (JSON Lines: id, title, outlet, published, text) until they hold
/// `passages` passages as ingest cuts them. Deterministic for a `seed`.
pub fn write_archive(data: &Path, passages: usize, out: &Path, seed: u64) -> Result<ArchiveWritten> {
    let sentences = real_sentences(data)?;
    if sentences.len() < SENTENCES_PER_DOCUMENT {
        return Err(LabError::Eval(verity_eval::EvalError::Read {
            path: data.display().to_string(),
            message: "too few sentences: give the shared data folder (fever_train, scifact, checkworthiness)".into(),
        }));
    }
    let names: Vec<&str> = {
        let mut names: Vec<&str> = sentences
            .iter()
            .flat_map(|s| s.split(' ').skip(1))
            .filter(|w| {
                w.len() > 2 && w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(char::is_alphabetic)
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let file = std::fs::File::create(out).map_err(io(out))?;
    let mut writer = std::io::BufWriter::new(file);
    let mut rng = Rng(seed);
    let (mut documents, mut written, mut next) = (0, 0, 0usize);
    while written < passages {
        let pass = next / sentences.len();
        let text: Vec<String> = (0..SENTENCES_PER_DOCUMENT)
            .map(|k| vary(&sentences[(next + k) % sentences.len()], pass, &names, &mut rng))
            .collect();
        next += SENTENCES_PER_DOCUMENT;
        let text = text.join(" ");
        let title: String = text.split(' ').take(8).collect::<Vec<_>>().join(" ");
        let published = format!("{}-{:02}-{:02}", 2015 + rng.below(12), 1 + rng.below(12), 1 + rng.below(28));
        let record = serde_json::json!({
            "id": format!("archive-{documents}"), "title": title, "outlet": OUTLETS[documents % OUTLETS.len()],
            "published": published, "text": text,
        });
        writeln!(writer, "{record}").map_err(io(out))?;
        written += verity_ingest::passages(&text).len();
        documents += 1;
    }
    writer.flush().map_err(io(out))?;
    Ok(ArchiveWritten {
        documents,
        passages: written,
        sentences: sentences.len(),
        passes: next.div_ceil(sentences.len()),
    })
}

/// The embedding model for the first `sample` passages, then real vectors of the sample with noise
/// ([`NOISE`]), the seed picked by the passage's wording less its names and numbers.
pub struct SyntheticEncoder {
    embedder: verity_embed::Embedder,
    sample: usize,
    real: Vec<Vec<f32>>,
    by_wording: HashMap<u64, usize>,
    rng: Rng,
    /// Seconds spent in the model, for the sample.
    pub model_seconds: f64,
}

/// The passage's words of four letters or more, lower-case, without names or numbers: what stays the same
/// from one pass of [`write_archive`] to the next.
fn wording(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for word in text.split_whitespace().skip(1).take(40) {
        if word.len() >= 4 && word.chars().all(|c| c.is_lowercase()) {
            word.hash(&mut hasher);
        }
    }
    hasher.finish()
}

impl SyntheticEncoder {
    pub fn new(model_dir: &Path, sample: usize, seed: u64) -> Result<SyntheticEncoder> {
        let embedder = verity_embed::Embedder::load(model_dir)?;
        Ok(SyntheticEncoder {
            embedder,
            sample,
            real: Vec::new(),
            by_wording: HashMap::new(),
            rng: Rng(seed),
            model_seconds: 0.0,
        })
    }

    /// Vectors for a batch of (passage id, text as embedded).
    pub fn encode(&mut self, batch: &[(i64, &str)]) -> verity_embed::Result<Vec<Vec<f32>>> {
        if self.real.len() < self.sample {
            let started = Instant::now();
            let texts: Vec<&str> = batch.iter().map(|(_, t)| *t).collect();
            let vectors = self.embedder.embed(&texts)?;
            self.model_seconds += started.elapsed().as_secs_f64();
            for ((_, text), vector) in batch.iter().zip(&vectors) {
                self.by_wording.entry(wording(text)).or_insert(self.real.len());
                self.real.push(vector.clone());
            }
            return Ok(vectors);
        }
        Ok(batch
            .iter()
            .map(|(_, text)| {
                let key = wording(text);
                let primary = match self.by_wording.get(&key) {
                    Some(&row) => row,
                    None => (key % self.real.len() as u64) as usize,
                };
                mixture(&self.real, primary, &mut self.rng)
            })
            .collect())
    }
}

/// A passage's stand-in vector: mostly the real vector `primary`, with up to [`MIXED`] of each of two other real
/// vectors, and a little isotropic noise. Mixtures of real vectors keep the real vectors' spread of topics
/// (isotropic noise alone would not: see docs/BENCHMARKS.md).
fn mixture(real: &[Vec<f32>], primary: usize, rng: &mut Rng) -> Vec<f32> {
    let scale = NOISE / (real[primary].len() as f32).sqrt();
    let others = [rng.below(real.len()), rng.below(real.len())];
    let weights = [rng.unit() * MIXED, rng.unit() * MIXED];
    let mut v = real[primary].clone();
    for (other, weight) in others.into_iter().zip(weights) {
        v.iter_mut().zip(&real[other]).for_each(|(x, y)| *x += weight * y);
    }
    v.iter_mut().for_each(|x| *x += scale * rng.gaussian());
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// What [`vectors_only`] measures: the saved vector index alone, at a size past what a store is filled to here.
#[derive(Debug, Clone, Serialize)]
pub struct VectorFigures {
    pub vectors: usize,
    pub real_vectors: usize,
    pub build_seconds: f64,
    pub vectors_per_s: f64,
    pub file_mb: f64,
    pub open_ms: f64,
    pub queries: usize,
    /// Graph search of 100 candidates and their exact re-rank (the query's embedding not included).
    pub search: Latency,
    /// Exact search over every f32 vector in memory, for comparison.
    pub exact: Latency,
    pub recall_at_10: f64,
}

/// Builds a saved vector index of `count` mixtures of the real vectors of `engine`'s first 10,000 passages in
/// `out`, then times its searches for the claims' vectors and their recall@10 against exact search.
pub fn vectors_only(engine: &Engine, count: usize, queries: &[String], out: &Path, seed: u64) -> Result<VectorFigures> {
    let measure_error = |e: verity_index::IndexError| LabError::Measure(e.to_string());
    let real = engine.vector_sample(10_000)?;
    if real.is_empty() {
        return Err(LabError::Measure("the data directory has no vectors to sample; run `verity embed`".into()));
    }
    let dim = real[0].len();
    let mut rng = Rng(seed);
    let mut all = Vec::with_capacity(count * dim);
    for _ in 0..count {
        let primary = rng.below(real.len());
        all.extend(mixture(&real, primary, &mut rng));
    }
    let row = |id: usize| &all[id * dim..(id + 1) * dim];
    let _ = std::fs::remove_dir_all(out);
    // Merged a batch at a time, every batch a whole one: rows left beside the graph would not be saved.
    let batch = if count.is_multiple_of(100_000) { 100_000 } else { count.max(1) };
    let started = Instant::now();
    let saved = verity_index::saved::SavedVectors::open_merging_at(out, dim, batch).map_err(measure_error)?;
    for start in (0..count).step_by(batch) {
        let seen = saved.position();
        let rows = (start..(start + batch).min(count)).map(|id| (id as i64, row(id).to_vec())).collect();
        saved.extend(seen, rows);
        saved.merge_if_due().map_err(measure_error)?;
    }
    saved.finish().map_err(measure_error)?;
    let build_seconds = started.elapsed().as_secs_f64();
    drop(saved);
    let file_mb = std::fs::read_dir(out)
        .map(|d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum::<u64>())
        .unwrap_or(0) as f64
        / 1e6;
    let started = Instant::now();
    let saved = verity_index::saved::SavedVectors::open(out, dim).map_err(measure_error)?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    let (mut search, mut exact, mut found) = (vec![], vec![], 0);
    for query in queries {
        let Some(q) = engine.embed_query(query)? else { break };
        let started = Instant::now();
        let mut hits = saved.search(&q, 100);
        hits.iter_mut().for_each(|h| h.score = verity_index::dense::dot(row(h.key as usize), &q));
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(10);
        search.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let mut scored: Vec<(f32, usize)> = (0..count).map(|id| (verity_index::dense::dot(row(id), &q), id)).collect();
        scored.select_nth_unstable_by(10, |a, b| b.0.total_cmp(&a.0));
        exact.push(started.elapsed().as_secs_f64() * 1e3);
        let truth: std::collections::HashSet<i64> = scored[..10].iter().map(|(_, id)| *id as i64).collect();
        found += hits.iter().filter(|h| truth.contains(&h.key)).count();
    }
    Ok(VectorFigures {
        vectors: count,
        real_vectors: real.len(),
        build_seconds,
        vectors_per_s: count as f64 / build_seconds,
        file_mb,
        open_ms,
        queries: search.len(),
        recall_at_10: found as f64 / (10 * search.len().max(1)) as f64,
        search: Latency::of(search),
        exact: Latency::of(exact),
    })
}

/// The figures [`measure`] takes on an ingested archive.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveFigures {
    pub passages_embedded: usize,
    pub vector_graph: usize,
    pub vectors_beside_graph: usize,
    pub queries: usize,
    /// Passage queries of a check's depth (40), one at a time.
    pub bm25: Latency,
    /// Query embedding, the graph, and the exact re-rank of the first candidates.
    pub dense: Latency,
    /// BM25 and dense, fused, and the passages read from the store: what a check's search costs.
    pub hybrid: Latency,
    /// Of the 10 nearest passages by exact search, the share the engine's dense search returns.
    pub dense_recall_at_10: f64,
    /// Loading every vector for the exact search, seconds (the measurement's own cost).
    pub exact_load_seconds: f64,
    pub checks: usize,
    /// Whole checks (claim reading, retrieval, the default judge, the report), unsaved.
    pub check: Latency,
}

/// Times queries (claims) and checks on `engine`'s archive, and the recall@10 of its dense search.
pub fn measure(engine: &Engine, queries: &[String], checks: usize) -> Result<ArchiveFigures> {
    use verity_pipeline::Corpus;
    let ms = |started: Instant| started.elapsed().as_secs_f64() * 1e3;
    // The first search brings the vectors up to the store: not a query's cost.
    engine.dense_passages("warm up", 1)?;
    let status = engine.status()?;
    let corpus = engine.corpus();
    let (mut bm25, mut dense, mut hybrid) = (vec![], vec![], vec![]);
    for query in queries {
        let started = Instant::now();
        engine.lexical_passages(query, verity_pipeline::PASSAGES_PER_CHECK)?;
        bm25.push(ms(started));
        let started = Instant::now();
        engine.dense_passages(query, verity_pipeline::PASSAGES_PER_CHECK)?;
        dense.push(ms(started));
        let started = Instant::now();
        corpus
            .search(query, verity_pipeline::PASSAGES_PER_CHECK)
            .map_err(|f| LabError::Measure(format!("a hybrid search failed: {f}")))?;
        hybrid.push(ms(started));
    }
    let mut check = vec![];
    for (i, query) in queries.iter().take(checks).enumerate() {
        let started = Instant::now();
        engine.check(CheckRequest::question(query).unsaved(format!("archive-{i}")))?;
        check.push(ms(started));
    }
    let started = Instant::now();
    let exact = engine.exact_vectors()?;
    let exact_load_seconds = started.elapsed().as_secs_f64();
    let mut found = 0;
    let mut asked = 0;
    if let Some(exact) = &exact {
        for query in queries {
            let Some(vector) = engine.embed_query(query)? else { break };
            let truth: std::collections::HashSet<i64> = exact.search(&vector, 10).into_iter().map(|h| h.key).collect();
            let got = engine.dense_passages(query, 10)?;
            found += got.iter().filter(|h| truth.contains(&h.key)).count();
            asked += truth.len();
        }
    }
    let vector_index = status.vector_index;
    Ok(ArchiveFigures {
        passages_embedded: status.embedded_passages.unwrap_or(0),
        vector_graph: vector_index.map_or(0, |v| v.graph),
        vectors_beside_graph: vector_index.map_or(0, |v| v.beside),
        queries: queries.len(),
        bm25: Latency::of(bm25),
        dense: Latency::of(dense),
        hybrid: Latency::of(hybrid),
        dense_recall_at_10: if asked == 0 { 0.0 } else { found as f64 / asked as f64 },
        exact_load_seconds,
        checks: check.len(),
        check: Latency::of(check),
    })
}

/// FEVER's claims (the questions of the archive's evidence sentences): `n` of them, spread over the file.
pub fn claims(data: &Path, n: usize) -> Result<Vec<String>> {
    let path = data.join("fever_train/fever_train.jsonl");
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let all: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .map_while(std::result::Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .filter(|r| r["label"] != "NOT ENOUGH INFO")
        .filter_map(|r| r["claim"].as_str().map(str::to_string))
        .collect();
    let step = (all.len() / n.max(1)).max(1);
    Ok(all.into_iter().step_by(step).take(n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sentence: &str, pass: usize, expected: &str) {
        let mut rng = Rng(7);
        assert_eq!(vary(sentence, pass, &["Brelin", "Ostrava"], &mut rng), expected);
    }

    #[test]
    fn a_later_pass_changes_numbers_and_names_and_keeps_the_rest() {
        check("In 2019 the council of Leeds spent 40 million.", 0, "In 2019 the council of Leeds spent 40 million.");
        let varied = {
            let mut rng = Rng(7);
            vary("In 2019 the council of Leeds spent 40 million.", 1, &["Brelin", "Ostrava"], &mut rng)
        };
        let words: Vec<&str> = varied.split(' ').collect();
        assert_eq!(words.len(), 9);
        assert_eq!(&words[2..5], ["the", "council", "of"]);
        assert!(["Brelin", "Ostrava"].contains(&words[5]), "{varied}");
        assert!(words[1].len() == 4 && words[1].chars().all(|c| c.is_ascii_digit()), "{varied}");
        assert_eq!(words[0], "In", "the first word stays");
        assert_eq!(wording("In 2019 the council of Leeds spent 40 million."), wording(&varied), "same wording");
    }
}
