//! The saved approximate index of passage vectors: an HNSW graph (the `usearch` library) of int8 vectors, kept
//! in a folder of the data directory beside tantivy's index and memory-mapped by every process that searches it.
//!
//! [`SavedVectors`] follows the store as the text index does: it knows the highest passage id it applied
//! ([`SavedVectors::position`]) and is brought up to date with the vectors above it ([`SavedVectors::extend`]).
//! New rows wait in a small exact index beside the graph (f32, searched by brute force) until there are
//! [`SavedVectors::merge_at`] of them; then one process (a lock file decides which) loads the graph, adds them and
//! saves it under a new name, and every process maps the new file when it next catches up. A process that merges
//! a large backlog (a first build, `verity embed` over a new archive) saves every [`SavedVectors::save_every`]
//! vectors, so an interrupted build resumes from its last save instead of starting over.
//!
//! Crash safety: the graph is written to a temporary file, synced and renamed; then the manifest that names it
//! is written the same way. A process killed at any point leaves the previous manifest and its graph whole.
//! The manifest records the highest id the graph holds; the store is the truth and a count that disagrees with
//! it is mended by [`SavedVectors::reconcile`] (rows added, rows of replaced passages skipped), never by a
//! rebuild.
//!
//! Scores are cosine similarities. Graph scores come from int8 vectors (about 0.005 off); callers that rank by
//! them re-rank the top candidates with the exact vectors they hold (the engine reads them from the store).
//!
//! It does not embed text, read the store or decide when to catch up: the engine does.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use crate::dense::VectorIndex;
use crate::{Hit, IndexError, Result};

/// Rows kept beside the graph before they are merged into it (a small corpus never has a graph).
pub const MERGE_AT: usize = 10_000;
/// A graph being added to is saved every this many merges' worth of vectors ([`SavedVectors::save_every`]):
/// what a killed build can lose.
const MERGES_PER_SAVE: usize = 20;
/// HNSW links per node (`M`): more gives better recall, a bigger graph and a slower build.
const CONNECTIVITY: usize = 16;
/// Candidates kept while inserting a node (`efConstruction`).
const EXPANSION_ADD: usize = 128;
/// Candidates kept while searching (`ef`); a search asked for more results keeps as many as it was asked for.
/// Chosen on the million-passage archive of `scripts/bench-archive.sh`, where recall@10 against exact search (after
/// the engine's exact re-rank) was 0.735 at 128, 0.917 at 1,024, 0.945 at 2,048 and 0.956 at 3,072, for a dense
/// query p50 of 13, 15, 20 and 23 ms (the query's embedding included): docs/BENCHMARKS.md.
pub const EXPANSION_SEARCH: usize = 3_072;
const MANIFEST: &str = "MANIFEST";
const LOCK: &str = "WRITE.lock";
/// Bumped when the file layout or the graph's settings change: a folder of another format is built again.
const FORMAT: u32 = 2;

/// What the manifest records about the saved graph.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Manifest {
    file: String,
    last_id: i64,
    len: usize,
    dim: usize,
}

impl Manifest {
    fn read(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('='));
        if field("format")?.parse::<u32>().ok()? != FORMAT {
            return None;
        }
        Some(Manifest {
            file: field("file")?.to_string(),
            last_id: field("last_id")?.parse().ok()?,
            len: field("len")?.parse().ok()?,
            dim: field("dim")?.parse().ok()?,
        })
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        let text = format!(
            "format={FORMAT}\nfile={}\nlast_id={}\nlen={}\ndim={}\n",
            self.file, self.last_id, self.len, self.dim
        );
        write_atomically(dir, MANIFEST, |path| std::fs::write(path, text.as_bytes()))
    }
}

/// Writes `name` in `dir` through a temporary file that is synced, renamed over it, and the folder synced: a crash
/// leaves the old file or the new one, never a part of either.
fn write_atomically(dir: &Path, name: &str, write: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    let temporary = dir.join(format!("{name}.tmp"));
    write(&temporary)?;
    File::open(&temporary)?.sync_all()?;
    std::fs::rename(&temporary, dir.join(name))?;
    File::open(dir)?.sync_all()
}

/// Where the vectors stand: the highest passage id applied and how many vectors are searchable, to compare with
/// the store's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorsPosition {
    pub last_id: i64,
    pub len: usize,
}

/// The graph a process searches: mapped from the saved file, or loaded and writable while this process merges.
struct Graph {
    index: usearch::Index,
    /// The manifest of the file it was read from; `None` for a graph not saved yet.
    saved: Option<Manifest>,
    /// Loaded into memory to be added to, holding the folder's lock file (released when saved and mapped again);
    /// `None` when mapped.
    owned: Option<File>,
    /// Vectors added since it was read.
    unsaved: usize,
}

struct Live {
    graph: Option<Graph>,
    /// Rows added since the graph was saved, searched exactly.
    recent: VectorIndex,
    /// Graph rows that are no longer current passages: skipped by searches, removed at the next merge.
    removed: HashSet<i64>,
    last_id: i64,
}

/// Passage vectors saved in a folder: an int8 HNSW graph on disk, memory-mapped, and the rows added since.
/// `Sync`: searches share it and take its lock only to read.
pub struct SavedVectors {
    dir: PathBuf,
    dim: usize,
    merge_at: usize,
    live: RwLock<Live>,
    /// One merge at a time in this process (other processes: the lock file).
    merging: Mutex<()>,
}

/// What [`SavedVectors::extend`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extended {
    /// The rows were added.
    Added,
    /// Another thread moved the vectors on since `seen` was read: what was read is left to it.
    Moved,
}

fn graph_error(e: impl std::fmt::Display) -> IndexError {
    IndexError::Vectors(e.to_string())
}

fn io_error(dir: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io { path: dir.display().to_string(), source }
}

impl SavedVectors {
    /// Opens the folder (created when missing) for vectors of `dim` dimensions, mapping the saved graph when there
    /// is one of this format and size. Rows are merged into the graph from [`MERGE_AT`] on.
    pub fn open(dir: &Path, dim: usize) -> Result<SavedVectors> {
        SavedVectors::open_merging_at(dir, dim, MERGE_AT)
    }

    /// [`SavedVectors::open`] with another merge threshold (tests merge after a handful of rows).
    pub fn open_merging_at(dir: &Path, dim: usize, merge_at: usize) -> Result<SavedVectors> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let graph = match Manifest::read(dir).filter(|m| m.dim == dim) {
            Some(manifest) => view(dir, manifest).ok(),
            None => None,
        };
        let last_id = graph.as_ref().and_then(|g| g.saved.as_ref()).map_or(i64::MIN, |m| m.last_id);
        let live = Live { graph, recent: VectorIndex::new(dim), removed: HashSet::new(), last_id };
        Ok(SavedVectors {
            dir: dir.to_path_buf(),
            dim,
            merge_at: merge_at.max(1),
            live: RwLock::new(live),
            merging: Mutex::new(()),
        })
    }

    /// Rows kept beside the graph before a merge.
    pub fn merge_at(&self) -> usize {
        self.merge_at
    }

    /// Vectors merged into a loaded graph before it is saved, when nothing saves it sooner.
    pub fn save_every(&self) -> usize {
        self.merge_at * MERGES_PER_SAVE
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Live> {
        self.live.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn position(&self) -> VectorsPosition {
        let live = self.read();
        VectorsPosition { last_id: live.last_id, len: live.len() }
    }

    /// How many vectors the graph holds and how many wait beside it.
    pub fn sizes(&self) -> (usize, usize) {
        let live = self.read();
        (live.graph.as_ref().map_or(0, |g| g.index.size()), live.recent.len())
    }

    /// The `limit` nearest vectors to `query` by cosine, best first: from the graph (int8, approximate) and the
    /// rows beside it (exact), merged.
    pub fn search(&self, query: &[f32], limit: usize) -> Vec<Hit<i64>> {
        if query.len() != self.dim || limit == 0 {
            return Vec::new();
        }
        let live = self.read();
        let mut hits = live.recent.search(query, limit);
        if let Some(graph) = &live.graph {
            // usearch keeps max(ef, limit) candidates, so a deep search is not cut short.
            let query = quantize(query);
            let found = if live.removed.is_empty() {
                graph.index.search(&query, limit)
            } else {
                graph.index.filtered_search(&query, limit, |key| !live.removed.contains(&(key as i64)))
            };
            if let Ok(found) = found {
                hits.extend(
                    found.keys.iter().zip(&found.distances).map(|(&key, &d)| Hit { key: key as i64, score: 1.0 - d }),
                );
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        // A row being merged is in the graph and beside it for a moment: once is enough.
        let mut seen = HashSet::new();
        hits.retain(|h| seen.insert(h.key));
        hits.truncate(limit);
        hits
    }

    /// Adds `rows` (ids above `seen.last_id`, ascending), read while the vectors stood at `seen`; rows of another
    /// length are skipped. Call [`SavedVectors::merge_if_due`] after.
    pub fn extend(&self, seen: VectorsPosition, rows: Vec<(i64, Vec<f32>)>) -> Extended {
        let mut live = self.write();
        if (live.last_id, live.len()) != (seen.last_id, seen.len) {
            return Extended::Moved;
        }
        for (id, vector) in rows.into_iter().filter(|(id, _)| *id > seen.last_id) {
            // A row the graph holds already (read again after a restart) is not added twice; one of another
            // length is skipped.
            if !live.graph_holds(id) {
                live.recent.push(id, &vector);
            }
            live.last_id = live.last_id.max(id);
        }
        Extended::Added
    }

    /// Mends vectors whose count disagrees with the store's: `current` are the ids of every vector of a current
    /// passage (ascending), `stale` ids of vectors whose passage was replaced. Stale rows stop being found;
    /// missing ones are read with `fetch` and added. Nothing is rebuilt.
    pub fn reconcile<E>(
        &self,
        current: &[i64],
        stale: &[i64],
        fetch: impl FnOnce(&[i64]) -> std::result::Result<Vec<(i64, Vec<f32>)>, E>,
    ) -> std::result::Result<(), E> {
        let missing: Vec<i64> = {
            let live = self.read();
            let recent: HashSet<i64> = live.recent.ids().iter().copied().collect();
            current.iter().copied().filter(|id| !recent.contains(id) && !live.graph_holds(*id)).collect()
        };
        let rows = if missing.is_empty() { Vec::new() } else { fetch(&missing)? };
        let mut live = self.write();
        let current_set: HashSet<i64> = current.iter().copied().collect();
        let stale: Vec<i64> = stale.iter().copied().filter(|id| !current_set.contains(id)).collect();
        live.recent.retain(|id| current_set.contains(&id));
        for id in stale {
            if live.graph.as_ref().is_some_and(|g| g.index.contains(id as u64)) {
                live.removed.insert(id);
            }
        }
        let mut beside: HashSet<i64> = live.recent.ids().iter().copied().collect();
        for (id, vector) in rows {
            if !live.graph_holds(id) && beside.insert(id) {
                live.recent.push(id, &vector);
                live.last_id = live.last_id.max(id);
            }
        }
        Ok(())
    }

    /// Maps a graph another process saved since this one read its own, when it is ahead; the rows it holds are
    /// dropped from the exact rows beside it. Cheap when nothing changed (one small file read).
    pub fn follow_saved(&self) -> Result<bool> {
        let Some(manifest) = Manifest::read(&self.dir).filter(|m| m.dim == self.dim) else { return Ok(false) };
        {
            let live = self.read();
            let ours = live.graph.as_ref().and_then(|g| g.saved.as_ref());
            let busy = live.graph.as_ref().is_some_and(|g| g.owned.is_some());
            if busy || ours.is_some_and(|m| *m == manifest || m.last_id >= manifest.last_id) {
                return Ok(false);
            }
        }
        let Ok(graph) = view(&self.dir, manifest.clone()) else { return Ok(false) };
        let mut live = self.write();
        if live.graph.as_ref().is_some_and(|g| g.owned.is_some()) {
            return Ok(false);
        }
        live.recent.retain(|id| id > manifest.last_id || !graph.index.contains(id as u64));
        live.removed.retain(|id| graph.index.contains(*id as u64));
        live.last_id = live.last_id.max(manifest.last_id);
        live.graph = Some(graph);
        Ok(true)
    }

    /// Merges the rows beside the graph into it once there are [`SavedVectors::merge_at`] of them, unless another
    /// process holds the folder's lock (then they stay beside it, searched exactly, and this process maps that
    /// one's graph when it saves). The graph stays loaded, and the lock held, until [`SavedVectors::finish`] or
    /// [`SavedVectors::save_every`] merged vectors save it, so that a large backlog is merged batch by batch and
    /// saved a few times, not once a batch. Returns how many rows were merged.
    pub fn merge_if_due(&self) -> Result<usize> {
        if self.read().recent.len() < self.merge_at {
            return Ok(0);
        }
        let Ok(_merging) = self.merging.try_lock() else { return Ok(0) };
        if self.read().graph.as_ref().is_none_or(|g| g.owned.is_none()) {
            let path = self.dir.join(LOCK);
            let lock =
                File::options().create(true).truncate(false).write(true).open(&path).map_err(io_error(&self.dir))?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Ok(0),
                Err(std::fs::TryLockError::Error(e)) => return Err(io_error(&self.dir)(e)),
            }
            // Holding the lock, the newest saved graph is the one to add to. It is read into memory while searches
            // go on in the mapped copy (the same vectors), which it then replaces.
            self.follow_saved()?;
            let saved = self.read().graph.as_ref().and_then(|g| g.saved.clone());
            let loaded = load(&self.dir, saved, self.dim, lock);
            let mut live = self.write();
            match loaded {
                Ok(graph) => live.graph = Some(graph),
                Err(e) => {
                    live.forget_graph();
                    return Err(e);
                }
            }
        }
        let merged = self.merge_loaded()?;
        let unsaved = self.read().graph.as_ref().map_or(0, |g| g.unsaved);
        if unsaved >= self.save_every() {
            self.save()?;
        }
        Ok(merged)
    }

    /// Saves the graph when rows were merged into it since it was read, and maps the saved file in its place
    /// (its memory becomes the page cache's, and the lock is let go).
    pub fn finish(&self) -> Result<()> {
        let _merging = self.merging.lock().unwrap_or_else(|p| p.into_inner());
        self.save()
    }

    /// Adds the rows beside the graph to the loaded graph. Searches go on meanwhile: the graph takes inserts while
    /// it is searched, and a row that is in both for a moment is returned once. Only growing the graph and
    /// removing rows take it for themselves.
    fn merge_loaded(&self) -> Result<usize> {
        let (rows, removed) = {
            let live = self.read();
            (live.recent.clone(), live.removed.iter().copied().collect::<Vec<i64>>())
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let outcome = (|| {
            {
                let live = self.write();
                let Some(graph) = live.graph.as_ref().filter(|g| g.owned.is_some()) else { return Ok(false) };
                for id in &removed {
                    graph.index.remove(*id as u64).map_err(graph_error)?;
                }
                let capacity = graph.index.size() + rows.len();
                graph.index.reserve_capacity_and_threads(capacity, threads).map_err(graph_error)?;
            }
            let live = self.read();
            let Some(graph) = live.graph.as_ref().filter(|g| g.owned.is_some()) else { return Ok(false) };
            add_rows(&graph.index, &rows, threads).map(|()| true)
        })();
        let mut live = self.write();
        let live = &mut *live;
        match outcome {
            Ok(true) => {}
            Ok(false) => return Ok(0),
            Err(e) => {
                // The graph may be part-written.
                live.forget_graph();
                return Err(e);
            }
        }
        let merged: HashSet<i64> = rows.ids().iter().copied().collect();
        live.recent.retain(|id| !merged.contains(&id));
        removed.iter().for_each(|id| {
            live.removed.remove(id);
        });
        if let Some(graph) = live.graph.as_mut() {
            graph.unsaved += rows.len() + removed.len();
        }
        Ok(rows.len())
    }

    /// Writes the loaded graph as a new file, names it in the manifest, deletes the files before it, and maps the
    /// new one in its place.
    fn save(&self) -> Result<()> {
        // Written under the read lock: searches go on, and nothing else changes a loaded graph (merges run one at
        // a time, under `merging`, as this does).
        let manifest = {
            let live = self.read();
            let Some(graph) = live.graph.as_ref().filter(|g| g.owned.is_some()) else { return Ok(()) };
            match (&graph.saved, graph.unsaved) {
                (Some(saved), 0) => saved.clone(),
                (saved, _) => {
                    // The manifest's position is the highest id the file holds: rows still beside the graph come
                    // after it (and a row read again after a restart that the graph holds is not added twice).
                    let first_beside = live.recent.ids().iter().min();
                    let last_id = first_beside.map_or(live.last_id, |first| (first - 1).min(live.last_id));
                    let number = saved.as_ref().and_then(|m| file_number(&m.file)).map_or(1, |n| n + 1);
                    let file = format!("graph-{number:08}.usearch");
                    let index = &graph.index;
                    write_atomically(&self.dir, &file, |path| {
                        index.save(&path.to_string_lossy()).map_err(|e| std::io::Error::other(e.to_string()))
                    })
                    .map_err(io_error(&self.dir))?;
                    let manifest = Manifest { file: file.clone(), last_id, len: index.size(), dim: self.dim };
                    manifest.write(&self.dir).map_err(io_error(&self.dir))?;
                    remove_files_other_than(&self.dir, &file);
                    manifest
                }
            }
        };
        let mapped = view(&self.dir, manifest)?;
        // The loaded graph (and with it the lock) is let go here.
        self.write().graph = Some(mapped);
        Ok(())
    }
}

impl Live {
    /// Drops the graph after a failed load or merge: the next catch-up maps the saved one and reads the store
    /// again from the start (rows the graph holds are not added twice).
    fn forget_graph(&mut self) {
        self.graph = None;
        self.last_id = i64::MIN;
    }

    fn graph_holds(&self, id: i64) -> bool {
        self.graph.as_ref().is_some_and(|g| g.index.contains(id as u64)) && !self.removed.contains(&id)
    }

    fn len(&self) -> usize {
        let in_graph = self.graph.as_ref().map_or(0, |g| g.index.size());
        in_graph.saturating_sub(self.removed.len()) + self.recent.len()
    }
}

/// What a unit vector's components are multiplied by before rounding to int8. usearch's own cast scales a vector
/// by its length, which leaves the components of a 384-dimension unit vector (median 0.034) about 4 of the 127
/// steps; this scale uses about 14 for the median and clips only components above 0.3175 (MiniLM's largest in a
/// 10,000-vector sample: 0.265). Cosine ignores the scale, so queries and rows are scaled alike.
const INT8_SCALE: f32 = 400.0;

fn quantize(vector: &[f32]) -> Vec<i8> {
    vector.iter().map(|x| (x * INT8_SCALE).round().clamp(-127.0, 127.0) as i8).collect()
}

fn options(dim: usize) -> usearch::IndexOptions {
    usearch::IndexOptions {
        dimensions: dim,
        metric: usearch::MetricKind::Cos,
        quantization: usearch::ScalarKind::I8,
        connectivity: CONNECTIVITY,
        expansion_add: EXPANSION_ADD,
        expansion_search: EXPANSION_SEARCH,
        multi: false,
    }
}

fn new_index(dim: usize) -> Result<usearch::Index> {
    usearch::Index::new(&options(dim)).map_err(graph_error)
}

/// Maps the graph a manifest names (nothing is read until searches touch it).
fn view(dir: &Path, manifest: Manifest) -> Result<Graph> {
    let index = new_index(manifest.dim)?;
    index.view(&dir.join(&manifest.file).to_string_lossy()).map_err(graph_error)?;
    if index.size() != manifest.len {
        return Err(graph_error(format!(
            "{} holds {} vectors, its manifest says {}",
            manifest.file,
            index.size(),
            manifest.len
        )));
    }
    Ok(Graph { index, saved: Some(manifest), owned: None, unsaved: 0 })
}

/// The graph `saved` names read into memory (a new one when none is), to be added to, holding `lock`.
fn load(dir: &Path, saved: Option<Manifest>, dim: usize, lock: File) -> Result<Graph> {
    let index = new_index(dim)?;
    if let Some(m) = &saved {
        index.load(&dir.join(&m.file).to_string_lossy()).map_err(graph_error)?;
    }
    Ok(Graph { index, saved, owned: Some(lock), unsaved: 0 })
}

/// Adds rows on `threads` threads (the graph takes concurrent inserts); the caller has grown it to hold them.
fn add_rows(index: &usearch::Index, rows: &VectorIndex, threads: usize) -> Result<()> {
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    for row in (t..rows.len()).step_by(threads) {
                        let (id, vector) = rows.row(row);
                        if index.contains(id as u64) {
                            index.remove(id as u64).map_err(graph_error)?;
                        }
                        index.add(id as u64, &quantize(vector)).map_err(graph_error)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

fn file_number(file: &str) -> Option<u64> {
    file.strip_prefix("graph-")?.strip_suffix(".usearch")?.parse().ok()
}

/// Deletes graph files (and temporary files a killed writer left) other than `keep`; called holding the lock.
/// A process still mapping a deleted file keeps reading it until it maps the new one.
fn remove_files_other_than(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name != keep && name.starts_with("graph-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic unit vectors around a few topic centres.
    fn rows(ids: std::ops::Range<i64>, dim: usize) -> Vec<(i64, Vec<f32>)> {
        let mut state = 0x5eedu64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..6).map(|_| (0..dim).map(|_| next()).collect()).collect();
        let all: Vec<(i64, Vec<f32>)> = (0..ids.end)
            .map(|id| {
                let v: Vec<f32> = centres[id as usize % 6].iter().map(|c| c + 0.5 * next()).collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                (id, v.into_iter().map(|x| x / norm).collect())
            })
            .collect();
        all.into_iter().filter(|(id, _)| ids.contains(id)).collect()
    }

    /// Each row is found as its own nearest neighbour, once.
    fn check(vectors: &SavedVectors, expected: &[(i64, Vec<f32>)]) {
        assert_eq!(vectors.position().len, expected.len());
        for (id, vector) in expected {
            let hits = vectors.search(vector, 3);
            assert_eq!(hits[0].key, *id, "{id} is its own nearest neighbour");
            assert!(hits.iter().filter(|h| h.key == *id).count() == 1, "{id} found once");
            assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first");
        }
    }

    fn catch_up(vectors: &SavedVectors, store: &[(i64, Vec<f32>)]) {
        let seen = vectors.position();
        let new = store.iter().filter(|(id, _)| *id > seen.last_id).cloned().collect();
        assert_eq!(vectors.extend(seen, new), Extended::Added);
        vectors.merge_if_due().unwrap();
        vectors.finish().unwrap();
    }

    #[test]
    fn rows_wait_beside_the_graph_then_are_merged_saved_and_mapped_by_the_next_process() {
        let dir = tempfile::tempdir().unwrap();
        let dim = 128;
        let store = rows(0..120, dim);
        let vectors = SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap();
        catch_up(&vectors, &store[..40]);
        assert_eq!(vectors.sizes(), (0, 40), "below the threshold nothing is built");
        check(&vectors, &store[..40]);
        catch_up(&vectors, &store[..100]);
        assert_eq!(vectors.sizes(), (100, 0));
        check(&vectors, &store[..100]);
        assert!(dir.path().join("graph-00000001.usearch").is_file());

        // A new process maps the saved graph and reads from the store only what came after it.
        let reopened = SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap();
        assert_eq!(reopened.position(), VectorsPosition { last_id: 99, len: 100 });
        let seen = reopened.position();
        reopened.extend(seen, store.clone());
        assert_eq!(reopened.sizes(), (100, 20), "rows the graph holds are not added again");
        check(&reopened, &store);
        // Vectors of another size (another model) are not mapped.
        assert_eq!(SavedVectors::open(dir.path(), dim + 1).unwrap().position().len, 0);
    }

    #[test]
    fn catching_up_extends_the_saved_graph_instead_of_rebuilding_it() {
        let dir = tempfile::tempdir().unwrap();
        let dim = 128;
        let store = rows(0..200, dim);
        catch_up(&SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap(), &store[..120]);
        let first = std::fs::read(dir.path().join("graph-00000001.usearch")).unwrap();
        let vectors = SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap();
        catch_up(&vectors, &store);
        assert_eq!(vectors.sizes(), (200, 0));
        assert!(!dir.path().join("graph-00000001.usearch").exists(), "the old file is deleted once replaced");
        assert!(dir.path().join("graph-00000002.usearch").metadata().unwrap().len() > first.len() as u64);
        check(&SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap(), &store);
    }

    #[test]
    fn reconciling_skips_replaced_rows_and_adds_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let dim = 128;
        let store = rows(0..150, dim);
        let vectors = SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap();
        // Rows 60..70 were embedded late (after 70..150): the position passed them.
        let early: Vec<_> = store.iter().filter(|(id, _)| !(60..70).contains(id)).cloned().collect();
        catch_up(&vectors, &early);
        assert_eq!(vectors.position().len, 140);
        // Rows 0..5 (in the graph) and 145..150 (beside it) belong to replaced document versions.
        let stale: Vec<i64> = (0..5).chain(145..150).collect();
        let current: Vec<i64> = (5..145).collect();
        let mut fetched = vec![];
        vectors
            .reconcile(&current, &stale, |ids| {
                fetched.extend_from_slice(ids);
                Ok::<_, ()>(store.iter().filter(|(id, _)| ids.contains(id)).cloned().collect())
            })
            .unwrap();
        assert_eq!(fetched, (60..70).collect::<Vec<_>>(), "only the missing rows are read");
        let expected: Vec<_> = store.iter().filter(|(id, _)| current.contains(id)).cloned().collect();
        check(&vectors, &expected);
        assert!(vectors.search(&store[0].1, 10).iter().all(|h| !stale.contains(&h.key)));
        // Mended rows are saved with the next merge: until then a new process finds the count off and mends it
        // again; merged and saved, the replaced rows leave the graph for good.
        let next = SavedVectors::open_merging_at(dir.path(), dim, 10).unwrap();
        assert_eq!(next.position().len, 140);
        let fetch = |ids: &[i64]| Ok::<_, ()>(store.iter().filter(|(id, _)| ids.contains(id)).cloned().collect());
        next.reconcile(&current, &stale, fetch).unwrap();
        assert_eq!(next.merge_if_due().unwrap(), 10);
        next.finish().unwrap();
        check(&SavedVectors::open_merging_at(dir.path(), dim, 10).unwrap(), &expected);
    }

    #[test]
    fn a_process_follows_the_graph_another_one_saved() {
        let dir = tempfile::tempdir().unwrap();
        let dim = 128;
        let store = rows(0..120, dim);
        let reader = SavedVectors::open_merging_at(dir.path(), dim, 1000).unwrap();
        catch_up(&reader, &store[..30]);
        assert_eq!(reader.sizes(), (0, 30));
        let writer = SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap();
        catch_up(&writer, &store[..100]);
        assert!(reader.follow_saved().unwrap());
        assert_eq!(reader.sizes(), (100, 0), "the rows the saved graph holds leave the exact index");
        catch_up(&reader, &store);
        check(&reader, &store);
        assert!(!reader.follow_saved().unwrap(), "nothing new");
    }

    #[test]
    fn a_killed_save_leaves_the_last_graph_whole() {
        let dir = tempfile::tempdir().unwrap();
        let dim = 128;
        let store = rows(0..100, dim);
        catch_up(&SavedVectors::open_merging_at(dir.path(), dim, 50).unwrap(), &store[..60]);
        // What a writer killed mid-save leaves: a part-written graph and manifest under temporary names.
        std::fs::write(dir.path().join("graph-00000002.usearch.tmp"), b"half a graph").unwrap();
        std::fs::write(dir.path().join("MANIFEST.tmp"), b"format=1\nfile=graph-00000002.usearch\n").unwrap();
        let vectors = SavedVectors::open_merging_at(dir.path(), dim, 20).unwrap();
        assert_eq!(vectors.position(), VectorsPosition { last_id: 59, len: 60 });
        catch_up(&vectors, &store);
        check(&vectors, &store);
        assert!(!dir.path().join("graph-00000002.usearch.tmp").exists(), "the next writer clears what was left");
        // A manifest naming a file that is not there: nothing is mapped, and the store fills it again.
        std::fs::write(dir.path().join(MANIFEST), "format=2\nfile=gone.usearch\nlast_id=99\nlen=100\ndim=128\n")
            .unwrap();
        assert_eq!(
            SavedVectors::open(dir.path(), dim).unwrap().position(),
            VectorsPosition { last_id: i64::MIN, len: 0 }
        );
    }
}
