//! Nearest-neighbour search over unit vectors, and the fusion of a lexical and a dense ranking ([`Fusion`]:
//! reciprocal rank fusion, or a convex combination of min-max normalised scores).
//!
//! [`VectorIndex`] searches exactly: a dot product with every vector, about 6 M multiply-adds for SciFact's
//! 16,465 passages (about a millisecond), and nothing to build. Past [`APPROXIMATE_FROM`] vectors, a long-running
//! process may ask [`VectorIndex::into_search`] for an HNSW graph ([`ApproximateIndex`], from the
//! `instant-distance` crate) whose queries visit a few thousand vectors instead of all of them; building it costs
//! minutes once, which only a process that answers many queries recovers (docs/BENCHMARKS.md has both measured).
//! [`VectorCache`] keeps a long-running process's vectors in memory, loaded on the first search and brought up to
//! date in place.

use std::collections::HashMap;
use std::hash::Hash;

use instant_distance::{Builder, HnswMap, Point, Search};

use crate::Hit;

/// From this many vectors on, [`VectorIndex::into_search`] builds an approximate index.
pub const APPROXIMATE_FROM: usize = 200_000;
/// Candidates an approximate search keeps (HNSW's `ef`): it returns at most this many neighbours.
pub const APPROXIMATE_CANDIDATES: usize = 200;
/// Candidates kept while inserting a vector into the graph (`efConstruction`): build time grows with it.
const BUILD_CANDIDATES: usize = 64;

/// Vectors of one model, row by row, with the id of each row.
#[derive(Debug, Default, Clone)]
pub struct VectorIndex {
    dim: usize,
    ids: Vec<i64>,
    data: Vec<f32>,
}

impl VectorIndex {
    pub fn new(dim: usize) -> VectorIndex {
        VectorIndex { dim, ids: Vec::new(), data: Vec::new() }
    }

    /// Adds a row; vectors of another length are refused (they come from another model).
    pub fn push(&mut self, id: i64, vector: &[f32]) -> bool {
        if vector.len() != self.dim {
            return false;
        }
        self.ids.push(id);
        self.data.extend_from_slice(vector);
        true
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `limit` rows with the largest dot product with `query` (cosine, for unit vectors), best first.
    pub fn search(&self, query: &[f32], limit: usize) -> Vec<Hit<i64>> {
        if query.len() != self.dim || limit == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, usize)> =
            self.data.chunks_exact(self.dim).enumerate().map(|(row, v)| (dot(v, query), row)).collect();
        let limit = limit.min(scored.len());
        if limit < scored.len() {
            scored.select_nth_unstable_by(limit, |a, b| b.0.total_cmp(&a.0));
            scored.truncate(limit);
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(score, row)| Hit { key: self.ids[row], score }).collect()
    }
}

impl VectorIndex {
    /// Exact search, or an HNSW index when `approximate` is allowed and there are [`APPROXIMATE_FROM`] vectors or
    /// more. Only a long-running process should allow it: the graph takes minutes to build on two cores
    /// (docs/BENCHMARKS.md) and is not saved, while a one-shot process searches exactly in milliseconds.
    pub fn into_search(self, approximate: bool) -> VectorSearch {
        if approximate && self.len() >= APPROXIMATE_FROM {
            let dim = self.dim;
            VectorSearch::Approximate { graph: ApproximateIndex::build(self), recent: VectorIndex::new(dim) }
        } else {
            VectorSearch::Exact(self)
        }
    }
}

/// Whichever index suits the corpus size; both answer the same question.
pub enum VectorSearch {
    Exact(VectorIndex),
    /// The graph built once, and the rows added since, searched exactly: a graph takes no points after it is built,
    /// and rebuilding it for each new page would take minutes.
    Approximate {
        graph: ApproximateIndex,
        recent: VectorIndex,
    },
}

impl VectorSearch {
    pub fn search(&self, query: &[f32], limit: usize) -> Vec<Hit<i64>> {
        match self {
            VectorSearch::Exact(index) => index.search(query, limit),
            VectorSearch::Approximate { graph, recent } if recent.is_empty() => graph.search(query, limit),
            VectorSearch::Approximate { graph, recent } => {
                let mut hits = graph.search(query, limit);
                hits.extend(recent.search(query, limit));
                hits.sort_by(|a, b| b.score.total_cmp(&a.score));
                hits.truncate(limit);
                hits
            }
        }
    }

    /// Adds rows (new passages) without rebuilding anything; vectors of another length are refused.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = (i64, Vec<f32>)>) -> usize {
        let index = match self {
            VectorSearch::Exact(index) => index,
            VectorSearch::Approximate { recent, .. } => recent,
        };
        rows.into_iter().filter(|(id, vector)| index.push(*id, vector)).count()
    }

    pub fn len(&self) -> usize {
        match self {
            VectorSearch::Exact(index) => index.len(),
            VectorSearch::Approximate { graph, recent } => graph.len + recent.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The vectors of a long-running process, kept in memory: built from the store on the first search (whatever
/// loads them is the caller's), then brought up to date in place as passages are added ([`VectorCache::catch_up`]),
/// so that a web check that stores a few pages never rebuilds them. `Sync`: searches share it, and take its lock
/// only to read.
pub struct VectorCache {
    dim: usize,
    approximate: bool,
    vectors: std::sync::RwLock<Option<Cached>>,
}

/// The vectors in memory and the highest id among them (passage ids only grow).
struct Cached {
    search: VectorSearch,
    last_id: i64,
}

/// Where a cache stands: the highest id it holds and how many vectors, to compare with the store's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePosition {
    pub last_id: i64,
    pub len: usize,
}

impl VectorCache {
    /// An empty cache for vectors of `dim` dimensions; `approximate` as for [`VectorIndex::into_search`].
    pub fn new(dim: usize, approximate: bool) -> VectorCache {
        VectorCache { dim, approximate, vectors: Default::default() }
    }

    /// The `limit` nearest vectors to `query`, loading every vector with `load` (in id order) on the first search.
    /// Loaded without holding the lock, so that searches of other threads are not kept waiting: two first searches
    /// at once may both load, and the second keeps what the first stored.
    pub fn search<E>(
        &self,
        query: &[f32],
        limit: usize,
        load: impl FnOnce() -> Result<Vec<(i64, Vec<f32>)>, E>,
    ) -> Result<Vec<Hit<i64>>, E> {
        if let Some(cached) = self.vectors.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Ok(cached.search.search(query, limit));
        }
        let mut index = VectorIndex::new(self.dim);
        let mut last_id = i64::MIN;
        for (id, vector) in load()? {
            index.push(id, &vector);
            last_id = id;
        }
        let built = Cached { search: index.into_search(self.approximate), last_id };
        let mut cached = self.vectors.write().unwrap_or_else(|p| p.into_inner());
        Ok(cached.get_or_insert(built).search.search(query, limit))
    }

    /// Where the cache stands; `None` before its first search.
    pub fn position(&self) -> Option<CachePosition> {
        let cached = self.vectors.read().unwrap_or_else(|p| p.into_inner());
        cached.as_ref().map(|c| CachePosition { last_id: c.last_id, len: c.search.len() })
    }

    /// Adds `new`, the vectors with ids above `seen.last_id`, read while the cache stood at `seen`, when the store
    /// then held `stored` vectors in all. If the store holds other than the cache and `new` (passages were replaced
    /// or removed: a document's new version) the cache is dropped, to be loaded again by the next search; if
    /// another thread moved the cache on meanwhile, what was read is left to it.
    pub fn catch_up(&self, seen: CachePosition, stored: usize, new: Vec<(i64, Vec<f32>)>) {
        let mut cached = self.vectors.write().unwrap_or_else(|p| p.into_inner());
        let Some(current) = cached.as_mut().filter(|c| (c.last_id, c.search.len()) == (seen.last_id, seen.len)) else {
            return;
        };
        if current.search.len() + new.len() != stored {
            *cached = None;
            return;
        }
        if let Some((id, _)) = new.last() {
            current.last_id = *id;
        }
        current.search.extend(new);
    }
}

/// Dot product in eight independent lanes: a plain `sum()` fixes the order of float additions, which keeps the
/// compiler from using SIMD registers; eight partial sums let it (about 5x faster on AVX2).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// A unit vector as an HNSW point; distance is `1 - cosine`.
#[derive(Clone)]
struct UnitVector(Box<[f32]>);

impl Point for UnitVector {
    fn distance(&self, other: &Self) -> f32 {
        1.0 - dot(&self.0, &other.0)
    }
}

/// Approximate nearest neighbours: a hierarchical navigable small-world graph (Malkov and Yashunin) over the
/// vectors, built once. Returns at most [`APPROXIMATE_CANDIDATES`] neighbours per query.
pub struct ApproximateIndex {
    dim: usize,
    len: usize,
    map: HnswMap<UnitVector, i64>,
}

impl ApproximateIndex {
    /// Builds the graph (on every core). The seed is fixed so that the same vectors give the same graph.
    pub fn build(exact: VectorIndex) -> ApproximateIndex {
        let VectorIndex { dim, ids, data } = exact;
        let len = ids.len();
        let points: Vec<UnitVector> = data.chunks_exact(dim.max(1)).map(|v| UnitVector(v.into())).collect();
        let map = Builder::default()
            .ef_construction(BUILD_CANDIDATES)
            .ef_search(APPROXIMATE_CANDIDATES)
            .seed(0x5eed)
            .build(points, ids);
        ApproximateIndex { dim, len, map }
    }

    pub fn search(&self, query: &[f32], limit: usize) -> Vec<Hit<i64>> {
        if query.len() != self.dim || limit == 0 || self.len == 0 {
            return Vec::new();
        }
        let mut search = Search::default();
        let point = UnitVector(query.into());
        self.map
            .search(&point, &mut search)
            .take(limit)
            .map(|item| Hit { key: *item.value, score: 1.0 - item.distance })
            .collect()
    }
}

/// Reciprocal rank fusion: each list gives an item `weight / (k + rank)` (rank from 1); items are ordered by
/// the sum. Robust to lists whose scores are not comparable (BM25 and cosine).
pub fn reciprocal_rank_fusion<K: Clone + Eq + Hash>(lists: &[(&[K], f32)], k: f32, limit: usize) -> Vec<Hit<K>> {
    let mut scores: HashMap<K, (f32, usize)> = HashMap::new();
    let mut order = 0;
    for (list, weight) in lists {
        for (rank, key) in list.iter().enumerate() {
            let entry = scores.entry(key.clone()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += weight / (k + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(K, f32, usize)> = scores.into_iter().map(|(key, (s, o))| (key, s, o)).collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.truncate(limit);
    fused.into_iter().map(|(key, score, _)| Hit { key, score }).collect()
}

/// How a lexical and a dense ranking of the same items are merged into one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusion {
    /// [`reciprocal_rank_fusion`]: uses ranks only.
    Rrf { k: f32, dense_weight: f32 },
    /// `(1 - w) * lexical + w * dense`, each score min-max normalised within its list (an item missing from a
    /// list scores 0 there). Uses how far ahead the leaders are, which ranks throw away.
    Convex { dense_weight: f32 },
}

impl Fusion {
    pub fn fuse<K: Clone + Eq + Hash>(&self, lexical: &[Hit<K>], dense: &[Hit<K>], limit: usize) -> Vec<Hit<K>> {
        match *self {
            Fusion::Rrf { k, dense_weight } => {
                let lexical: Vec<K> = lexical.iter().map(|h| h.key.clone()).collect();
                let dense: Vec<K> = dense.iter().map(|h| h.key.clone()).collect();
                reciprocal_rank_fusion(&[(&lexical[..], 1.0), (&dense[..], dense_weight)], k, limit)
            }
            Fusion::Convex { dense_weight } => {
                convex_fusion(&[(lexical, 1.0 - dense_weight), (dense, dense_weight)], limit)
            }
        }
    }
}

impl std::fmt::Display for Fusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fusion::Rrf { k, dense_weight } => write!(f, "rrf k={k} w={dense_weight}"),
            Fusion::Convex { dense_weight } => write!(f, "convex w={dense_weight}"),
        }
    }
}

/// Weighted sum of min-max normalised scores; ties keep first-seen order.
pub fn convex_fusion<K: Clone + Eq + Hash>(lists: &[(&[Hit<K>], f32)], limit: usize) -> Vec<Hit<K>> {
    let mut scores: HashMap<K, (f32, usize)> = HashMap::new();
    let mut order = 0;
    for (list, weight) in lists {
        let max = list.iter().map(|h| h.score).fold(f32::NEG_INFINITY, f32::max);
        let min = list.iter().map(|h| h.score).fold(f32::INFINITY, f32::min);
        let span = max - min;
        for hit in *list {
            // A one-item list (or all-equal scores) gives its items full credit.
            let normalised = if span > 0.0 { (hit.score - min) / span } else { 1.0 };
            let entry = scores.entry(hit.key.clone()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += weight * normalised;
        }
    }
    let mut fused: Vec<(K, f32, usize)> = scores.into_iter().map(|(key, (s, o))| (key, s, o)).collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.truncate(limit);
    fused.into_iter().map(|(key, score, _)| Hit { key, score }).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn check(rows: &[(i64, [f32; 2])], query: [f32; 2], limit: usize, expected: &[i64]) {
        let mut index = VectorIndex::new(2);
        for (id, v) in rows {
            assert!(index.push(*id, v));
        }
        let got: Vec<i64> = index.search(&query, limit).into_iter().map(|h| h.key).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn nearest_first_and_limited() {
        let rows = [(1, [1.0, 0.0]), (2, [0.0, 1.0]), (3, [0.6, 0.8]), (4, [-1.0, 0.0])];
        check(&rows, [1.0, 0.0], 2, &[1, 3]);
        check(&rows, [0.0, 1.0], 10, &[2, 3, 1, 4]);
        check(&rows, [0.0, 1.0], 0, &[]);
    }

    /// Deterministic pseudo-random unit vectors around a few centres, like topics in a corpus.
    fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..8).map(|_| (0..dim).map(|_| next()).collect()).collect();
        (0..n)
            .map(|i| {
                let v: Vec<f32> = centres[i % 8].iter().map(|c| c + 0.6 * next()).collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.into_iter().map(|x| x / norm).collect()
            })
            .collect()
    }

    #[test]
    fn approximate_search_finds_nearly_what_exact_search_finds() {
        let (dim, n) = (16, 1200);
        let mut exact = VectorIndex::new(dim);
        for (i, v) in clustered(n, dim, 1).iter().enumerate() {
            exact.push(i as i64 * 10, v);
        }
        let approximate = ApproximateIndex::build(exact.clone());
        let queries = clustered(50, dim, 2);
        let mut found = 0;
        for q in &queries {
            let truth: HashSet<i64> = exact.search(q, 10).into_iter().map(|h| h.key).collect();
            let got = approximate.search(q, 10);
            assert_eq!(got.len(), 10);
            assert!(got.windows(2).all(|w| w[0].score >= w[1].score), "best first");
            found += got.iter().filter(|h| truth.contains(&h.key)).count();
        }
        let recall = found as f64 / (10 * queries.len()) as f64;
        assert!(recall >= 0.9, "recall@10 {recall}");
        // The exact index is kept below the threshold, so small corpora never pay for a graph.
        assert!(matches!(exact.clone().into_search(true), VectorSearch::Exact(_)));
        assert!(matches!(exact.into_search(false), VectorSearch::Exact(_)));
        assert!(approximate.search(&[1.0], 5).is_empty());
    }

    /// New passages join a built index in place: a graph keeps them beside it, searched exactly and merged, so a
    /// vector added after the build is found at once and nothing is rebuilt.
    #[test]
    fn rows_added_after_the_build_are_found() {
        let dim = 16;
        let rows = clustered(600, dim, 3);
        for approximate in [false, true] {
            let mut index = VectorIndex::new(dim);
            for (i, v) in rows.iter().enumerate().skip(1) {
                index.push(i as i64, v);
            }
            // Built directly: `into_search` builds a graph only past APPROXIMATE_FROM vectors.
            let mut search = match approximate {
                true => {
                    VectorSearch::Approximate { graph: ApproximateIndex::build(index), recent: VectorIndex::new(dim) }
                }
                false => index.into_search(false),
            };
            assert!(search.search(&rows[0], 5).iter().all(|h| h.key != 0));
            assert_eq!(search.extend([(0, rows[0].clone()), (-1, vec![1.0; dim + 1])]), 1, "another length is refused");
            assert_eq!(search.len(), rows.len());
            let found = search.search(&rows[0], 5);
            assert_eq!(found[0].key, 0, "the new row is its own nearest neighbour");
            assert_eq!(found.len(), 5);
            assert!(found.windows(2).all(|w| w[0].score >= w[1].score), "merged best first");
        }
    }

    #[test]
    fn vectors_of_another_length_are_refused() {
        let mut index = VectorIndex::new(2);
        assert!(!index.push(1, &[1.0, 0.0, 0.0]));
        assert!(index.is_empty());
        assert!(index.search(&[1.0], 5).is_empty());
    }

    fn hits(list: &[(&'static str, f32)]) -> Vec<Hit<&'static str>> {
        list.iter().map(|&(key, score)| Hit { key, score }).collect()
    }

    #[test]
    fn convex_fusion_uses_score_margins() {
        // Lexically "a" leads by a mile; densely "b" leads by a hair: the margin decides.
        let lexical = hits(&[("a", 30.0), ("b", 10.0), ("c", 9.0)]);
        let dense = hits(&[("b", 0.81), ("a", 0.80), ("d", 0.20)]);
        let keys = |f: Fusion| -> Vec<&str> { f.fuse(&lexical, &dense, 10).into_iter().map(|h| h.key).collect() };
        assert_eq!(keys(Fusion::Convex { dense_weight: 0.5 }), ["a", "b", "c", "d"]);
        assert_eq!(keys(Fusion::Convex { dense_weight: 1.0 })[..2], ["b", "a"]);
        assert_eq!(keys(Fusion::Convex { dense_weight: 0.0 })[..3], ["a", "b", "c"]);
        // Ranks alone cannot see the margin: with equal weights RRF puts the two leaders level, first seen first.
        assert_eq!(keys(Fusion::Rrf { k: 60.0, dense_weight: 1.0 })[..2], ["a", "b"]);
        assert!(Fusion::Convex { dense_weight: 0.5 }.fuse(&lexical, &dense, 2).len() == 2);
    }

    #[test]
    fn fusion_rewards_agreement() {
        let a = ["x", "y", "z"];
        let b = ["y", "w", "x"];
        let fused: Vec<&str> =
            reciprocal_rank_fusion(&[(&a[..], 1.0), (&b[..], 1.0)], 60.0, 10).into_iter().map(|h| h.key).collect();
        assert_eq!(fused, ["y", "x", "w", "z"]);
        let only_b: Vec<&str> =
            reciprocal_rank_fusion(&[(&a[..], 0.0), (&b[..], 1.0)], 60.0, 2).into_iter().map(|h| h.key).collect();
        assert_eq!(only_b, ["y", "w"]);
    }

    /// The cache loads once, takes new vectors in place, and starts over when the store holds something else.
    #[test]
    fn a_vector_cache_loads_once_and_catches_up_in_place() {
        let cache = VectorCache::new(2, false);
        let loads = std::cell::Cell::new(0);
        let load = |rows: Vec<(i64, Vec<f32>)>| {
            loads.set(loads.get() + 1);
            Ok::<_, ()>(rows)
        };
        assert_eq!(cache.position(), None, "nothing loaded before the first search");
        let first = cache.search(&[1.0, 0.0], 1, || load(vec![(1, vec![1.0, 0.0]), (2, vec![0.0, 1.0])])).unwrap();
        assert_eq!(first[0].key, 1);
        assert_eq!(cache.search(&[0.0, 1.0], 1, || load(vec![])).unwrap()[0].key, 2, "not loaded again");
        assert_eq!(loads.get(), 1);
        let seen = cache.position().unwrap();
        assert_eq!(seen, CachePosition { last_id: 2, len: 2 });
        // A new passage: added in place.
        cache.catch_up(seen, 3, vec![(3, vec![0.6, 0.8])]);
        assert_eq!(cache.position(), Some(CachePosition { last_id: 3, len: 3 }));
        assert_eq!(cache.search(&[0.6, 0.8], 1, || load(vec![])).unwrap()[0].key, 3);
        // Read at a position the cache has moved on from: left to whoever moved it.
        cache.catch_up(seen, 9, vec![(4, vec![1.0, 0.0])]);
        assert_eq!(cache.position().unwrap().len, 3);
        // The store holds other vectors than the cache and the new ones (a passage replaced): dropped, loaded again.
        cache.catch_up(cache.position().unwrap(), 2, vec![]);
        assert_eq!(cache.position(), None);
        cache.search(&[1.0, 0.0], 1, || load(vec![(1, vec![1.0, 0.0])])).unwrap();
        assert_eq!(loads.get(), 2);
    }
}
