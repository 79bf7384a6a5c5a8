//! The local search index: BM25 over passages (for evidence) and over whole documents (for document ranking
//! and retrieval benchmarks), built on tantivy.
//!
//! Main type: [`SearchIndex`], opened on a folder ([`SearchIndex::open`]) or in memory for tests. Both indexes
//! use one analyzer (lower-case, English stop words, Porter 2 stemming) for documents and queries alike, and
//! queries are built term by term, so no user input is ever parsed as query syntax.
//!
//! Searches return the store's ids (passage ids; document ids), read from columnar fast fields. The index folder
//! carries a format marker: a folder of another format is emptied and reported new, for the caller to refill.
//!
//! [`saved`] keeps the passage vectors' approximate index (an int8 HNSW graph, saved beside the text index and
//! memory-mapped, following the store by passage id); [`dense`] searches vectors exactly and
//! [`dense::Fusion`] merges lexical and dense rankings.
//!
//! The index stores ids, not text: the store owns the text. It knows nothing of SQL, claims or reports.
//!
//! ```
//! use verity_index::{IndexEntry, SearchIndex};
//!
//! let index = SearchIndex::open_in_memory().unwrap();
//! let entry = IndexEntry {
//!     doc_id: 7,
//!     doc_key: "ledger-1",
//!     title: "Council vote",
//!     text: "The council banned cars downtown.",
//!     passages: vec![(70, "The council banned cars downtown.")],
//! };
//! index.upsert(&[entry]).unwrap();
//! index.commit().unwrap();
//! let hits = index.search_passages("cars banned", 5).unwrap();
//! assert_eq!(hits[0].key, 70);
//! ```

pub mod dense;
mod readable;
pub mod saved;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

const ANALYZER: &str = "verity_en";
const ID: &str = "id";
/// Bumped whenever the schema changes: an index folder of another format is rebuilt from the store.
const FORMAT: &str = "2";
const FORMAT_FILE: &str = "FORMAT";
/// The file processes opening the index folder lock, to take turns at making it new.
const OPEN_LOCK: &str = "OPEN.lock";
/// Weight of a title match relative to a body match. Titles are short, so BM25 already scores their matches
/// high; 0.4 was the best of 0, 0.3 .. 2 on SciFact's train queries (see docs/BENCHMARKS.md).
const TITLE_BOOST: f32 = 0.4;
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot open the search index folder {path}: {source}")]
    Folder { path: String, source: tantivy::directory::error::OpenDirectoryError },
    #[error("cannot write in the search index folder {path}: {source}; check its permissions and free space")]
    Io { path: String, source: std::io::Error },
    /// The index folder cannot be written here (permissions, a read-only mount): searching works, adding to
    /// the index does not.
    #[error(
        "the search index cannot be written here ({0}); run this where the data directory is writable, or pass \
         --data-dir with a writable folder"
    )]
    ReadOnly(String),
    #[error(
        "the search index is being written by another Verity process (an ingest, an embed or a server indexing \
         new documents); wait for it to finish and try again"
    )]
    Busy,
    /// The vector graph could not be built, read or written (the library's own words).
    #[error(
        "the saved vector index failed: {0}; delete the data directory's `vectors` folder to rebuild it from the store"
    )]
    Vectors(String),
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// One document version to index, with its passages.
pub struct IndexEntry<'a> {
    /// The store's document id: what document searches return.
    pub doc_id: i64,
    /// The document's external id: what an upsert replaces by.
    pub doc_key: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    pub passages: Vec<(i64, &'a str)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit<K> {
    pub key: K,
    pub score: f32,
}

struct Part {
    index: Index,
    reader: IndexReader,
    /// Taken on the first write and let go at each commit; the lock also keeps two threads from writing at once.
    writer: Mutex<Option<IndexWriter>>,
    doc_key: Field,
    id: Field,
    title: Field,
    text: Field,
}

/// A part's writer slot, locked: `Some` while this process holds the part's write lock.
type HeldWriter<'a> = MutexGuard<'a, Option<IndexWriter>>;

/// Searches never lock (tantivy's readers are lock-free); writes take each part's writer lock, so one
/// `SearchIndex` can be shared by threads that search while one writes.
pub struct SearchIndex {
    documents: Part,
    passages: Part,
    /// Whether the index started out empty (new, or emptied because its format changed).
    is_new: bool,
}

impl SearchIndex {
    /// Opens the index under `dir` (two sub-folders, created when missing). A folder without this version's
    /// format marker (missing, or written by an older Verity) is emptied and opened new, and the marker is
    /// written: [`SearchIndex::is_new`] then says that everything must be indexed again (a new index is at
    /// position 0 of the store's change sequence, so catching up does that).
    ///
    /// Processes opening one folder at once (two ingests into a new data directory) take turns, under a file
    /// lock: one makes the folder new, the others find it made. Where the folder cannot be written, it is read as
    /// it is, without the lock.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let folder_error = |source| IndexError::Io { path: dir.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(folder_error)?;
        let _turn = match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(OPEN_LOCK))
        {
            Ok(file) => {
                file.lock().map_err(folder_error)?;
                Some(file)
            }
            Err(e) if readable::is_unwritable(&e) => None,
            Err(e) => return Err(folder_error(e)),
        };
        let marker = std::fs::read_to_string(dir.join(FORMAT_FILE)).ok();
        let is_new = marker.as_deref().map(str::trim) != Some(FORMAT);
        if is_new {
            for part in ["documents", "passages"] {
                let path = dir.join(part);
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(folder_error)?;
                }
            }
        }
        let index = SearchIndex {
            documents: Part::open(Some(&dir.join("documents")))?,
            passages: Part::open(Some(&dir.join("passages")))?,
            is_new,
        };
        if is_new {
            std::fs::write(dir.join(FORMAT_FILE), FORMAT).map_err(folder_error)?;
        }
        Ok(index)
    }

    pub fn open_in_memory() -> Result<SearchIndex> {
        Ok(SearchIndex { documents: Part::open(None)?, passages: Part::open(None)?, is_new: true })
    }

    /// Whether the index started out empty (new, or rebuilt because its format changed).
    pub fn is_new(&self) -> bool {
        self.is_new
    }

    /// Replaces whatever is indexed under each entry's key with the entry. Nothing is visible until
    /// [`SearchIndex::commit`].
    pub fn upsert(&self, entries: &[IndexEntry<'_>]) -> Result<()> {
        let (mut documents, mut passages) = self.writers()?;
        let (documents, passages) = (
            documents.as_mut().expect("a part's writer is taken"),
            passages.as_mut().expect("a part's writer is taken"),
        );
        for entry in entries {
            let d = &self.documents;
            let mut doc = TantivyDocument::default();
            doc.add_text(d.doc_key, entry.doc_key);
            doc.add_i64(d.id, entry.doc_id);
            doc.add_text(d.title, entry.title);
            doc.add_text(d.text, entry.text);
            d.replace(documents, entry.doc_key, vec![doc])?;

            let p = &self.passages;
            let docs = entry
                .passages
                .iter()
                .map(|(id, text)| {
                    let mut doc = TantivyDocument::default();
                    doc.add_text(p.doc_key, entry.doc_key);
                    doc.add_i64(p.id, *id);
                    doc.add_text(p.title, entry.title);
                    doc.add_text(p.text, text);
                    doc
                })
                .collect();
            p.replace(passages, entry.doc_key, docs)?;
        }
        Ok(())
    }

    /// Makes every upsert so far durable and visible to searches, and lets go of the write lock, so that another
    /// process (a server, a second ingest) can write next.
    pub fn commit(&self) -> Result<()> {
        self.commit_with(Some(self.position()?))
    }

    /// Like [`SearchIndex::commit`], recording that the index now holds the store up to `position` (see
    /// [`SearchIndex::position`]).
    pub fn commit_at(&self, position: i64) -> Result<()> {
        self.commit_with(Some(position))
    }

    fn commit_with(&self, position: Option<i64>) -> Result<()> {
        // The position goes with the passages' commit, the second: a crash between the two leaves the old
        // position, and the work since is done again (indexing a document replaces it).
        for part in [&self.documents, &self.passages] {
            let taken = part.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(mut w) = taken {
                let mut commit = w.prepare_commit()?;
                if let Some(position) = position.filter(|_| std::ptr::eq(part, &self.passages)) {
                    commit.set_payload(&position.to_string());
                }
                commit.commit()?;
                w.wait_merging_threads()?;
            }
            part.reader.reload()?;
        }
        Ok(())
    }

    /// How far into the store's change sequence (its document versions, numbered in the order they were
    /// committed) this index is: every version numbered up to it is applied. 0 for a new index. Read from the
    /// last commit on disk, so it is current even when another process committed.
    pub fn position(&self) -> Result<i64> {
        let metas = self.passages.index.load_metas()?;
        Ok(metas.payload.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(0))
    }

    /// Takes the write lock of both parts now (`Busy` at once when another process holds either), so that
    /// [`SearchIndex::position`] cannot move until this process commits.
    pub fn begin(&self) -> Result<()> {
        self.writers().map(drop)
    }

    /// Lets go of the write lock without committing (after [`SearchIndex::begin`] found nothing to write).
    pub fn release(&self) {
        for part in [&self.documents, &self.passages] {
            drop(part.writer.lock().unwrap_or_else(|p| p.into_inner()).take());
        }
    }

    /// Both parts' writers, or neither: a process must never keep one part's lock while waiting for the other's.
    fn writers(&self) -> Result<(HeldWriter<'_>, HeldWriter<'_>)> {
        let mut documents = self.documents.writer()?;
        match self.passages.writer() {
            Ok(passages) => Ok((documents, passages)),
            Err(e) => {
                *documents = None;
                Err(e)
            }
        }
    }

    /// Sees what other processes have committed since this index was opened or last reloaded.
    pub fn reload(&self) -> Result<()> {
        for part in [&self.documents, &self.passages] {
            part.reader.reload()?;
        }
        Ok(())
    }

    /// Removes everything, back to position 0.
    pub fn clear(&self) -> Result<()> {
        for part in [&self.documents, &self.passages] {
            part.writer()?.as_mut().expect("a part's writer is taken").delete_all_documents()?;
        }
        self.commit_with(Some(0))
    }

    /// The best passages for `query`, as (passage id, BM25 score).
    pub fn search_passages(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        self.passages.search(query, limit)
    }

    /// The best documents for `query`, as (the store's document id, BM25 score over title and text).
    pub fn search_documents(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        self.documents.search(query, limit)
    }

    /// Inverse document frequency of each analysed token of `text` over passages (BM25's idf), in order.
    pub fn term_weights(&self, text: &str) -> Result<Vec<(String, f32)>> {
        let p = &self.passages;
        let searcher = p.reader.searcher();
        let n = searcher.num_docs() as f32;
        p.tokens(text)?
            .into_iter()
            .map(|tok| {
                let df = searcher.doc_freq(&Term::from_field_text(p.text, &tok))? as f32;
                Ok((tok, (1.0 + (n - df + 0.5) / (df + 0.5)).ln()))
            })
            .collect()
    }

    /// The analysed tokens of `text` (lower-cased, stop words removed, stemmed), without duplicates.
    pub fn analyze(&self, text: &str) -> Result<Vec<String>> {
        self.passages.tokens(text)
    }

    pub fn num_passages(&self) -> u64 {
        self.passages.reader.searcher().num_docs()
    }

    pub fn num_documents(&self) -> u64 {
        self.documents.reader.searcher().num_docs()
    }
}

impl Part {
    fn open(dir: Option<&Path>) -> Result<Part> {
        let mut builder = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text_opts = TextOptions::default().set_indexing_options(indexing);
        let doc_key = builder.add_text_field("doc_key", STRING);
        let id = builder.add_i64_field(ID, NumericOptions::default().set_fast());
        let title = builder.add_text_field("title", text_opts.clone());
        let text = builder.add_text_field("text", text_opts);
        let schema = builder.build();
        let index = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| IndexError::Tantivy(tantivy::TantivyError::IoError(std::sync::Arc::new(e))))?;
                let mmap = MmapDirectory::open(dir)
                    .map_err(|source| IndexError::Folder { path: dir.display().to_string(), source })?;
                Index::open_or_create(readable::Readable(mmap), schema)?
            }
            None => Index::create_in_ram(schema),
        };
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Part { index, reader, writer: Mutex::new(None), doc_key, id, title, text })
    }

    /// The writer is taken lazily and let go at each commit: readers (`verity check`) never hold the index's
    /// write lock, and a writer holds it only while it has uncommitted work. Held by another process: `Busy`,
    /// at once (the caller decides whether to wait).
    fn writer(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>> {
        let mut held = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if held.is_none() {
            let writer = match self.index.writer_with_num_threads(1, WRITER_MEMORY) {
                Err(tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _)) => {
                    return Err(IndexError::Busy);
                }
                Err(tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::IoError(e), _))
                    if readable::is_unwritable(&e) =>
                {
                    return Err(IndexError::ReadOnly(e.to_string()));
                }
                other => other?,
            };
            *held = Some(writer);
        }
        Ok(held)
    }

    fn replace(&self, writer: &mut IndexWriter, doc_key: &str, docs: Vec<TantivyDocument>) -> Result<()> {
        writer.delete_term(Term::from_field_text(self.doc_key, doc_key));
        for doc in docs {
            writer.add_document(doc)?;
        }
        Ok(())
    }

    fn tokens(&self, text: &str) -> Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(self.text)?;
        let mut stream = analyzer.token_stream(text);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        while let Some(tok) = stream.next() {
            if seen.insert(tok.text.clone()) {
                out.push(tok.text.clone());
            }
        }
        Ok(out)
    }

    /// BM25 over text and (boosted) title, as (`id` field, score), best first.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        let tokens = self.tokens(query)?;
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(tokens.len() * 2);
        for tok in &tokens {
            let body = TermQuery::new(Term::from_field_text(self.text, tok), IndexRecordOption::WithFreqs);
            let title = TermQuery::new(Term::from_field_text(self.title, tok), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(body)));
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        // Ids come from a columnar fast field: reading the document store would decompress a block per hit.
        let mut columns = HashMap::new();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(searcher.segment_reader(address.segment_ord).fast_fields().i64(ID)?),
            };
            if let Some(key) = column.first(address.doc_id) {
                hits.push(Hit { key, score });
            }
        }
        Ok(hits)
    }
}

fn analyzer() -> TextAnalyzer {
    let stop: Vec<String> = verity_text::STOPWORDS.iter().map(|s| s.to_string()).collect();
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(stop))
        .filter(Stemmer::new(tantivy::tokenizer::Language::English))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indexes (key, title, passages) documents; document `i` gets store id `100 + i`, passages ids from 1.
    fn index(docs: &[(&str, &str, &[&str])]) -> SearchIndex {
        let idx = SearchIndex::open_in_memory().unwrap();
        let mut next = 0;
        let texts: Vec<String> = docs.iter().map(|(_, _, passages)| passages.join(" ")).collect();
        let entries: Vec<IndexEntry> = docs
            .iter()
            .zip(&texts)
            .enumerate()
            .map(|(i, ((key, title, passages), text))| IndexEntry {
                doc_id: 100 + i as i64,
                doc_key: key,
                title,
                text,
                passages: passages
                    .iter()
                    .map(|p| {
                        next += 1;
                        (next, *p)
                    })
                    .collect(),
            })
            .collect();
        idx.upsert(&entries).unwrap();
        idx.commit().unwrap();
        idx
    }

    fn check(idx: &SearchIndex, query: &str, expected_passages: &[i64]) {
        let got: Vec<i64> = idx.search_passages(query, 10).unwrap().into_iter().map(|h| h.key).collect();
        assert_eq!(got, expected_passages, "query {query:?}");
    }

    #[test]
    fn stemming_and_stop_words_apply_to_documents_and_queries_alike() {
        let idx = index(&[
            ("a", "Prison deal", &["The minister handed over informants.", "Weather was mild."]),
            ("b", "Sports", &["The team won the final."]),
        ]);
        check(&idx, "Were the informants handing?", &[1]);
        check(&idx, "the of and", &[]);
        check(&idx, "title: OR \"quoted\" -minus (final)", &[3]);
    }

    #[test]
    fn processes_take_turns_writing_and_readers_see_each_others_commits() {
        let dir = tempfile::tempdir().unwrap();
        let entry = |key: &'static str, id: i64, text: &'static str| IndexEntry {
            doc_id: id,
            doc_key: key,
            title: "T",
            text,
            passages: vec![(id, text)],
        };
        let server = SearchIndex::open(dir.path()).unwrap();
        let ingest = SearchIndex::open(dir.path()).unwrap();
        // A writer with uncommitted work holds the lock; the other is told so at once, in words.
        ingest.upsert(&[entry("a", 1, "Tariffs on steel rose.")]).unwrap();
        let busy = server.upsert(&[entry("b", 2, "Quotas on grain fell.")]).unwrap_err();
        assert!(matches!(busy, IndexError::Busy), "{busy}");
        assert!(busy.to_string().contains("another Verity process"), "{busy}");
        // A commit lets go of the lock, and a reload shows the other's documents.
        ingest.commit().unwrap();
        assert!(server.search_passages("tariffs", 5).unwrap().is_empty(), "not reloaded yet");
        server.reload().unwrap();
        assert_eq!(server.search_passages("tariffs", 5).unwrap().len(), 1);
        server.upsert(&[entry("b", 2, "Quotas on grain fell.")]).unwrap();
        server.commit().unwrap();
        ingest.reload().unwrap();
        assert_eq!(ingest.search_passages("quotas", 5).unwrap().len(), 1);
    }

    #[test]
    fn upsert_replaces_the_previous_version() {
        let idx = index(&[("a", "Old", &["Original wording about tariffs."])]);
        idx.upsert(&[IndexEntry {
            doc_id: 100,
            doc_key: "a",
            title: "New",
            text: "Revised wording about quotas.",
            passages: vec![(9, "Revised wording about quotas.")],
        }])
        .unwrap();
        idx.commit().unwrap();
        check(&idx, "tariffs", &[]);
        check(&idx, "quotas", &[9]);
        assert_eq!((idx.num_passages(), idx.num_documents()), (1, 1));
        let docs: Vec<i64> = idx.search_documents("quotas", 10).unwrap().into_iter().map(|h| h.key).collect();
        assert_eq!(docs, [100]);
    }

    #[test]
    fn documents_rank_by_title_and_text_and_come_back_as_store_ids() {
        let idx = index(&[
            ("a", "Harbor bridge closed", &["The council voted on Monday."]),
            ("b", "Budget", &["The harbor bridge stays open to trucks."]),
            ("c", "Sports", &["The team won."]),
        ]);
        let hits = idx.search_documents("harbor bridge", 10).unwrap();
        let ids: Vec<i64> = hits.iter().map(|h| h.key).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&100) && ids.contains(&101), "{ids:?}");
        assert!(hits[0].score >= hits[1].score);
    }

    #[test]
    fn an_index_folder_of_another_format_is_emptied_and_reported_new() {
        let dir = tempfile::tempdir().unwrap();
        let entry = IndexEntry { doc_id: 1, doc_key: "a", title: "T", text: "tariffs", passages: vec![(1, "tariffs")] };
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert!(idx.is_new());
        idx.upsert(std::slice::from_ref(&entry)).unwrap();
        idx.commit().unwrap();
        drop(idx);
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert!(!idx.is_new());
        assert_eq!(idx.num_passages(), 1);
        drop(idx);
        std::fs::write(dir.path().join(FORMAT_FILE), "1").unwrap();
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert!(idx.is_new());
        assert_eq!(idx.num_passages(), 0);
    }

    /// Processes opening a new index folder at once (two ingests into a new data directory) take turns: none
    /// empties a folder another has just made, and every one opens it.
    #[test]
    fn processes_opening_a_new_folder_at_once_all_open_it() {
        for _ in 0..8 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("index");
            let opened: Vec<std::result::Result<bool, String>> = std::thread::scope(|scope| {
                let openers: Vec<_> = (0..4)
                    .map(|_| scope.spawn(|| SearchIndex::open(&path).map(|i| i.is_new()).map_err(|e| e.to_string())))
                    .collect();
                openers.into_iter().map(|o| o.join().unwrap()).collect()
            });
            assert_eq!(opened.iter().filter(|o| **o == Ok(true)).count(), 1, "made new once: {opened:?}");
            assert_eq!(opened.iter().filter(|o| **o == Ok(false)).count(), 3, "{opened:?}");
        }
    }

    #[test]
    fn rare_terms_weigh_more() {
        let idx = index(&[("a", "t", &["common rare", "common", "common"])]);
        let w = idx.term_weights("common rare").unwrap();
        assert_eq!(w[0].0, "common");
        assert!(w[1].1 > w[0].1, "{w:?}");
    }
}
