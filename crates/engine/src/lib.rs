//! The facade the CLI, the server and the workers call: configuration in, an [`Engine`] out. Nothing else
//! reaches the store (`crates/cli/tests/tidy.rs` checks).
//!
//! Main types: [`Config`] (where the data directory is, and today's date for reproducible runs), [`Engine`]
//! (ingest, check, show, list; and for the site: refresh, versions, similar questions, search, categories,
//! topics, corrections; and for a shared store: the job queue and its announcements), [`IngestSummary`], [`Writer`]
//! (the language model behind the report writer, when one is configured), [`worker::Worker`] (runs the shared
//! queue's jobs), and the evaluation runners in [`eval`] and [`train`].
//!
//! The engine wires the store, the index and the pipeline together and owns the data directory's layout
//! (`verity.sqlite` and `index/`). It prints nothing and parses no arguments: that is the binary's job.
//!
//! ```
//! use verity_engine::{CheckRequest, Config, Engine};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let archive = dir.path().join("archive.jsonl");
//! std::fs::write(
//!     &archive,
//!     r#"{"id": "l-1", "title": "Vote", "outlet": "The Ledger", "text": "The council banned cars downtown on Monday."}
//! {"id": "c-1", "title": "Ban", "outlet": "The Courier", "text": "After a vote of 7 to 2, the council banned cars downtown."}
//! "#,
//! )
//! .unwrap();
//! let config = Config { today: Some("2026-12-07".into()), ..Config::new(dir.path().join("data")) };
//! let mut engine = Engine::open(config).unwrap();
//! engine.ingest(&[archive], &mut |_| {}).unwrap();
//! let (report, _assessment) = engine.check(CheckRequest::question("Did the council ban cars downtown?")).unwrap();
//! assert_eq!(report.checked_on, "2026-12-07");
//! assert!(!report.sources.is_empty());
//! ```

pub mod feeds;
pub mod judge;
pub mod migrate;
mod reports;
mod request;
pub mod texts;
pub mod web;
pub mod worker;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use verity_embed::Embedder;
use verity_index::dense::Fusion;
use verity_index::saved::SavedVectors;
use verity_index::{Hit, IndexEntry, SearchIndex};
use verity_model::{PassageHit, Report, Stage};
use verity_pipeline::claim::Claim;
use verity_pipeline::{CheckContext, Corpus, Uncheckable};
use verity_store::{NewDocument, PutOutcome, Store, UnembeddedPassage};

pub use judge::{EntailmentJudge, JudgeConfig};
pub use reports::{RecordsOutcome, ReportView, Reports, topic_key};
pub use request::CheckRequest;
pub use verity_embed::keep_tensors_on_the_heap;
pub use verity_ingest::{Skipped, passages, skip_report};
pub use verity_llm::ServerConfig;
pub use verity_model::Deadline;
pub use verity_pipeline::QUESTION_LIMIT;
pub use verity_pipeline::category::title as category_title;
pub use verity_store::{
    Change, FeedRow, JobLease, JobRecord, Page, ReportFilter, StoreError, SupporterTotals, new_job_id,
};
pub use writer::{Writer, WriterConfig};

/// The database file in a data directory.
const STORE_FILE: &str = "verity.sqlite";
/// Documents stored (and indexed) per transaction: an interrupted ingest loses at most one batch of work and
/// never leaves a half-written document behind.
const BATCH: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] verity_ingest::IngestError),
    #[error(transparent)]
    Uncheckable(#[from] Uncheckable),
    #[error(transparent)]
    Store(#[from] verity_store::StoreError),
    #[error(transparent)]
    Index(#[from] verity_index::IndexError),
    #[error(transparent)]
    Embed(#[from] verity_embed::EmbedError),
    #[error(
        "cannot use the data directory {path}: {source}; pass --data-dir or set VERITY_DATA_DIR to a writable folder"
    )]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("no report matches {0:?}; `verity list` shows the stored reports")]
    NoSuchReport(String),
    #[error("report {report:?} has versions 1 to {latest}; there is no version {version}")]
    NoSuchVersion { report: String, version: u32, latest: u32 },
    #[error("cannot use the {kind} judge: {message}")]
    Judge { kind: &'static str, message: String },
    #[error(transparent)]
    Writer(#[from] verity_llm::LlmError),
    #[error("cannot set up web reading: {0}")]
    Web(#[from] verity_web::FetchError),
    #[error("the check was cancelled; nothing was published")]
    Cancelled,
    #[error("{0:?} is not a date for reports; write it as YYYY-MM-DD")]
    BadDate(String),
    #[error("{0}")]
    Text(String),
    #[error("no checked text has the id {0:?}")]
    NoSuchText(String),
    /// A page given to be checked could not be read (the network, the address guard, the page itself).
    #[error("{0}")]
    PageUnreadable(String),
    /// A page given to be checked is on a host the source policy refuses.
    #[error("{0}")]
    SourceRefused(String),
    #[error("this worker's hold on the job ran out and another worker took it over; nothing was published here")]
    LeaseLost,
}

impl EngineError {
    /// Every name [`EngineError::code`] gives (kept beside it: a job read back from the store maps its stored
    /// code onto these).
    pub const CODES: [&'static str; 10] = [
        "uncheckable",
        "bad_text",
        "page_unreadable",
        "source_refused",
        "not_found",
        "no_such_version",
        "cancelled",
        "lease_lost",
        "unavailable",
        "internal",
    ];

    /// A short, stable name for what went wrong, as the API and the job queue report it.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Uncheckable(_) => "uncheckable",
            EngineError::Text(_) => "bad_text",
            EngineError::PageUnreadable(_) => "page_unreadable",
            EngineError::SourceRefused(_) => "source_refused",
            EngineError::NoSuchReport(_) | EngineError::NoSuchText(_) => "not_found",
            EngineError::NoSuchVersion { .. } => "no_such_version",
            EngineError::Cancelled => "cancelled",
            EngineError::LeaseLost => "lease_lost",
            e if e.is_unavailable() => "unavailable",
            _ => "internal",
        }
    }

    /// Whether the store is out of reach for now ([`verity_store::StoreError::Unavailable`]): trying again later
    /// may work, so servers answer 503 and workers wait and reconnect.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, EngineError::Store(e) if e.is_unavailable())
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the search index, models and (without `database`) the SQLite store are kept.
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://...`) holding the store instead of the data directory's SQLite file:
    /// shared by every process that names it; the data directory keeps this process's own search index.
    pub database: Option<String>,
    /// The date written on reports (YYYY-MM-DD); today's UTC date when `None`.
    pub today: Option<String>,
    /// Where installed models are looked for; `<data dir>/models` when `None`.
    pub models: Option<PathBuf>,
    /// How many new passage vectors wait beside the saved vector graph (searched exactly) before they are merged
    /// into it ([`verity_index::saved::MERGE_AT`]; tests and benchmarks lower it).
    pub merge_vectors_at: usize,
    /// Whether passages get embeddings for semantic search (when the model is installed). Evaluation runs of
    /// stance and verdicts turn it off to skip embedding a whole corpus.
    pub passage_vectors: bool,
    /// Who reads the most relevant evidence sentences: the entailment model shipped in the binary (the
    /// default), the lexical rules, or a language model.
    pub judge: JudgeConfig,
    /// Whether a model judge is also asked about each claim's opposite; `None` for what the judge's shipped
    /// verdict settings say (`crates/pipeline/judged.json`).
    pub guard: Option<verity_pipeline::judge::Guard>,
    /// Who writes the report's prose: the extractive writer (default), an OpenAI-compatible server or a local
    /// model. Whatever writes, the citation check decides what is published.
    pub writer: WriterConfig,
    /// Whether checks search the web and read pages beside the local archive; `None` keeps a check local (the
    /// default: a newsroom's questions are its own business until it chooses otherwise).
    pub web: Option<web::WebConfig>,
    /// How long one check may take before it stops taking new pages and skips a language model's judging and
    /// writing (the report says so); `None` for no limit. Evaluation runs have none.
    pub check_deadline: Option<Duration>,
}

/// Whether an engine can serve: [`Engine::health`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    /// The store's back end: "sqlite" or "postgres".
    pub store: &'static str,
    pub store_reachable: bool,
    /// The last document version (the store's change sequence) this process's index has applied.
    pub index_position: i64,
    /// Documents whose latest version the index has not applied yet; `None` when the store cannot be reached.
    pub index_lag: Option<usize>,
    pub error: Option<String>,
}

/// What a data directory holds: [`Engine::status`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub documents: usize,
    pub versions: usize,
    /// Passages of every stored version.
    pub passages: usize,
    pub reports: usize,
    /// Documents and passages in the search index: the latest version of each document.
    pub indexed_documents: usize,
    pub indexed_passages: usize,
    /// Documents whose latest version is not in the index yet (another process is indexing them).
    pub pending_index: usize,
    /// Passages with a vector for semantic search; absent without the embedding model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_passages: Option<usize>,
    /// The saved vector index, brought up to the store: vectors in its graph, and the newest ones beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector_index: Option<VectorIndexStatus>,
}

/// Where the saved vector index stands ([`Status::vector_index`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VectorIndexStatus {
    /// Vectors in the saved graph (int8, approximate search).
    pub graph: usize,
    /// Vectors waiting beside it, searched exactly, until there are enough to merge.
    pub beside: usize,
}

/// A check's time limit unless the caller sets another: enough for a web round, the entailment judge and a
/// language model on a server; a local model on a CPU may need `--deadline` raised.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(120);

/// How long a claimed job of the shared queue stays its worker's without a renewal ([`worker::LEASE`]); kept here
/// because both the workers and a text job waiting on its claims' jobs use it.
pub(crate) const JOB_LEASE: Duration = Duration::from_secs(30);
/// How often a process waiting on the queue looks again when nothing woke it ([`worker::IDLE_POLL`]).
pub(crate) const JOB_POLL: Duration = Duration::from_millis(250);

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            database: None,
            today: None,
            models: None,
            merge_vectors_at: MERGE_VECTORS_AT,
            passage_vectors: true,
            web: None,
            judge: JudgeConfig::default(),
            guard: None,
            writer: WriterConfig::Extractive,
            check_deadline: Some(CHECK_DEADLINE),
        }
    }

    /// Opens the store this configuration names (the database, or the data directory's SQLite file), migrating
    /// it when needed.
    pub fn open_store(&self) -> Result<Store> {
        Ok(match &self.database {
            Some(url) => Store::connect(url)?,
            None => Store::open(&self.data_dir.join(STORE_FILE))?,
        })
    }

    /// Where installed models live: `<models dir>/<name>/`.
    pub fn models_dir(&self) -> PathBuf {
        self.models.clone().unwrap_or_else(|| self.data_dir.join("models"))
    }

    /// The platform's data directory (e.g. `~/.local/share/verity`), or `./verity-data` where there is none.
    pub fn default_data_dir() -> PathBuf {
        dirs::data_dir().map(|d| d.join("verity")).unwrap_or_else(|| PathBuf::from("verity-data"))
    }
}

/// Progress of an ingest, for a progress bar: first the files are read, stored and indexed (BM25 search works
/// from then on), then passages are embedded.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Reading { bytes_done: u64, bytes_total: u64, documents: usize },
    Embedding(EmbedProgress),
}

/// How far [`Engine::embed`] has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedProgress {
    pub passages_done: usize,
    /// Passages without a vector when embedding started (grows if more arrive meanwhile).
    pub passages_total: usize,
    /// Word-piece tokens read so far, for a speed in tokens per second.
    pub tokens_done: usize,
}

#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub files: usize,
    pub added: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub passages: usize,
    pub skipped: Vec<Skipped>,
    /// What the user should hear about documents that were read (bytes replaced while decoding), one line each.
    pub notes: Vec<String>,
    /// Passages embedded by this ingest (0 without the embedding model).
    pub embedded: usize,
    /// Wall time in all, and the part of it spent embedding.
    pub seconds: f64,
    pub embed_seconds: f64,
}

impl IngestSummary {
    /// Documents read successfully, whether new, changed or unchanged.
    pub fn documents(&self) -> usize {
        self.added + self.new_versions + self.unchanged
    }
}

pub struct Engine {
    config: Config,
    store: Store,
    index: SearchIndex,
    semantic: Option<Semantic>,
    writer: Option<Writer>,
    /// The entailment model, loaded on the first check that needs it (as judge, or as a language model judge's
    /// fallback).
    entailment: std::sync::OnceLock<std::result::Result<EntailmentJudge, String>>,
    /// The language model judging, when it is not the writer's.
    judge_model: Option<Writer>,
    /// Held while this process writes the index and marks what it indexed, so that two threads never index the
    /// same documents at once. Reads never take it.
    writing: Mutex<()>,
    web: Option<web::Web>,
    notices: Vec<String>,
}

/// Semantic search: the embedding model and the saved index of every current passage's vector, brought up to
/// the store on first use.
struct Semantic {
    embedder: Embedder,
    /// The key vectors are stored under: the model and what was embedded. Changing either must change the key,
    /// so that vectors made another way are never compared with new ones.
    vectors_key: String,
    vectors: SavedVectors,
    /// Held while catching up with the store: one thread at a time reads it.
    catching_up: Mutex<()>,
    /// Whether this process has caught up once: its first search waits for that, later ones never wait.
    caught_up: std::sync::atomic::AtomicBool,
}

/// How lexical and semantic rankings are merged: an even convex combination of min-max normalised BM25 and cosine
/// scores. Chosen on training queries only, as the best mean nDCG@10 over SciFact train and Check-COVID train among
/// reciprocal rank fusion (k x dense weight) and convex weights 0.1 to 0.9 (docs/BENCHMARKS.md).
pub const FUSION: Fusion = Fusion::Convex { dense_weight: 0.5 };
/// How long a write waits for another process to let go of the index's write lock.
pub const INDEX_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// Passages embedded per store transaction: an interrupted embedding run loses at most this much work.
const EMBED_BATCH: usize = 256;
/// A stand-in for the embedding model ([`Engine::embed_using`]): vectors for a batch of (passage id, text).
pub type Encode<'a> = dyn FnMut(&[(i64, &str)]) -> Result<Vec<Vec<f32>>> + Send + 'a;
/// New passage vectors kept beside the saved graph before they are merged into it.
pub const MERGE_VECTORS_AT: usize = verity_index::saved::MERGE_AT;
/// Vectors read from the store at a time while the saved vector index catches up.
const VECTOR_BATCH: usize = 20_000;
/// Dense candidates re-ranked by their exact (f32) vectors read from the store: the graph ranks by int8 vectors.
const RERANK_DEPTH: usize = 100;

impl Engine {
    /// Opens the data directory, creating it when missing, and finishes any indexing an interrupted ingest
    /// left undone.
    pub fn open(config: Config) -> Result<Engine> {
        if let Some(today) = &config.today {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(today, &format).map_err(|_| EngineError::BadDate(today.clone()))?;
        }
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir).map_err(|source| EngineError::DataDir { path: dir.clone(), source })?;
        let store = config.open_store()?;
        let index = SearchIndex::open(&dir.join("index"))?;
        let (semantic, mut notices) =
            Semantic::load(&config.models_dir(), &dir.join("vectors"), config.merge_vectors_at);
        if let Some(semantic) = semantic.as_ref().filter(|_| config.passage_vectors) {
            let (embedded, total) = store.vector_coverage(&semantic.vectors_key)?;
            if embedded < total {
                notices.push(format!(
                    "semantic search covers {embedded} of {total} passages; run `verity embed` to embed the rest"
                ));
            }
        }
        let writer = Writer::open(&config.writer, &config.models_dir())?;
        let judge_model = match &config.judge {
            JudgeConfig::Llm(WriterConfig::Extractive) => {
                return Err(EngineError::Judge {
                    kind: "llm",
                    message: "no language model is configured; give a server (--llm-url) or a GGUF file (--llm-file)"
                        .into(),
                });
            }
            JudgeConfig::Llm(llm) if *llm != config.writer => Writer::open(llm, &config.models_dir())?,
            _ => None,
        };
        let web = config.web.clone().map(web::Web::open).transpose()?;
        let mut engine = Engine {
            config,
            store,
            index,
            semantic,
            writer,
            entailment: Default::default(),
            judge_model,
            writing: Mutex::new(()),
            web,
            notices,
        };
        // A new or rebuilt index is at position 0: the whole store is ahead of it and is indexed here.
        let lag = engine.index_lag()?;
        if lag > 0 {
            // Another process may be indexing them right now (an ingest in progress): then it finishes the job,
            // and checks say what they could not read yet. Where the index cannot be written, it is read as it is.
            match engine.try_sync_index() {
                Err(EngineError::Index(verity_index::IndexError::ReadOnly(why))) => engine.notices.push(format!(
                    "the search index is {lag} documents behind the store and cannot be brought up to date here \
                     ({why}); searches read what it holds"
                )),
                other => other?,
            }
        }
        Ok(engine)
    }

    /// Who writes reports: `extractive`, or the language model's name.
    pub fn writer_name(&self) -> String {
        use verity_pipeline::LanguageModel;
        self.writer.as_ref().map_or_else(|| "extractive".to_string(), |w| w.name())
    }

    /// Things the user should know once (for example that semantic search is off, and how to turn it on).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Whether checks and searches use embeddings as well as BM25.
    pub fn semantic_search(&self) -> bool {
        self.semantic.is_some() && self.config.passage_vectors
    }

    /// The judge checks use.
    pub fn judge_kind(&self) -> verity_model::JudgeKind {
        self.config.judge.kind()
    }

    /// The entailment model, loaded once ([`EntailmentJudge::preferred`]): the one `VERITY_NLI_MODEL` names, an
    /// installed judge that is the default once installed, else the shipped one.
    pub fn entailment(&self) -> Result<&EntailmentJudge> {
        self.entailment
            .get_or_init(|| EntailmentJudge::preferred(&self.config.models_dir()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|message| EngineError::Judge { kind: "nli", message: message.clone() })
    }

    /// Embeds every passage of a current document version that has no vector yet, with its document's title
    /// (no-op without a model). Work is committed every [`EMBED_BATCH`] passages, so an interrupted run resumes
    /// where it stopped. `progress` hears after each batch.
    ///
    /// Three stages run at once, joined by queues two batches deep: a thread reads passages from the store (ahead
    /// of the writer, by passage id), this thread embeds them (the encoder itself uses every core), and a thread
    /// writes the vectors back. The encoder never waits for the database, on SQLite or on PostgreSQL.
    pub fn embed(&self, progress: &mut dyn FnMut(EmbedProgress)) -> Result<usize> {
        self.embed_using(None, progress)
    }

    /// [`Engine::embed`], with `encode` making the vectors instead of the model when given: each call gets a
    /// batch of (passage id, text as embedded) and returns one unit vector of the model's size per passage. For
    /// benchmarks that need an archive's worth of vectors faster than the model makes them (`verity eval
    /// archive`); the index, the store and the saving are the same as for the model's vectors.
    pub fn embed_using(
        &self,
        mut encode: Option<&mut Encode<'_>>,
        progress: &mut dyn FnMut(EmbedProgress),
    ) -> Result<usize> {
        let Some(semantic) = self.semantic.as_ref().filter(|_| self.config.passage_vectors) else { return Ok(0) };
        let (embedded, total) = self.store.vector_coverage(&semantic.vectors_key)?;
        let (store, key) = (&self.store, semantic.vectors_key.as_str());
        let mut status = EmbedProgress { passages_done: 0, passages_total: total - embedded, tokens_done: 0 };
        std::thread::scope(|scope| -> Result<()> {
            let (to_embed, pending) = std::sync::mpsc::sync_channel::<verity_store::Result<Vec<UnembeddedPassage>>>(2);
            let (to_write, written) = std::sync::mpsc::sync_channel::<Vec<(i64, Vec<f32>)>>(2);
            scope.spawn(move || {
                let mut after = 0;
                loop {
                    let batch = store.passages_without_vectors(key, after, EMBED_BATCH);
                    let last = batch.as_ref().ok().and_then(|b| b.last()).map(|p| p.passage_id);
                    // Stops when the queue is closed (the embedder stopped), after an error, or at the end.
                    if to_embed.send(batch).is_err() {
                        return;
                    }
                    match last {
                        Some(id) => after = id,
                        None => return,
                    }
                }
            });
            let writer = scope.spawn(move || -> Result<()> {
                let mut unindexed = 0;
                for rows in written {
                    store.put_vectors(key, &rows)?;
                    // The saved vector index keeps up as the vectors land, so a long run killed midway leaves a
                    // graph saved at its last save point rather than none.
                    unindexed += rows.len();
                    if unindexed >= semantic.vectors.merge_at() {
                        semantic.add_new(store)?;
                        unindexed = 0;
                    }
                }
                Ok(())
            });
            let embedding = (|| -> Result<()> {
                for batch in pending {
                    let batch = batch?;
                    if batch.is_empty() {
                        return Ok(());
                    }
                    let texts: Vec<String> = batch.iter().map(|p| embedding_text(&p.title, &p.text)).collect();
                    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                    let embedded = semantic.encode(&batch, &refs, encode.as_deref_mut())?;
                    let rows: Vec<(i64, Vec<f32>)> = batch.iter().map(|p| p.passage_id).zip(embedded.vectors).collect();
                    status.passages_done += rows.len();
                    status.tokens_done += embedded.tokens;
                    status.passages_total = status.passages_total.max(status.passages_done);
                    if to_write.send(rows).is_err() {
                        return Ok(()); // the writer failed; its error is the one to report
                    }
                    progress(status);
                }
                Ok(())
            })();
            drop(to_write);
            let writing = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            writing.and(embedding)
        })?;
        semantic.refresh(&self.store)?;
        Ok(status.passages_done)
    }

    /// The query's vector, as semantic search embeds it; `None` without the model.
    pub fn embed_query(&self, query: &str) -> Result<Option<Vec<f32>>> {
        match self.semantic.as_ref() {
            Some(semantic) => Ok(Some(semantic.embedder.embed(&[query])?.remove(0))),
            None => Ok(None),
        }
    }

    /// The vectors of the first `limit` passages (by id) that have one: a sample of real vectors for benchmarks.
    pub fn vector_sample(&self, limit: usize) -> Result<Vec<Vec<f32>>> {
        let Some(semantic) = self.semantic.as_ref() else { return Ok(Vec::new()) };
        let rows = self.store.vectors_after(&semantic.vectors_key, i64::MIN, limit)?;
        Ok(rows.into_iter().map(|(_, v)| v).collect())
    }

    /// Every current passage's vector in memory, searched exactly: the truth approximate search is measured
    /// against. Costs 4 bytes a dimension a passage (1.5 GB for a million); for benchmarks.
    pub fn exact_vectors(&self) -> Result<Option<verity_index::dense::VectorIndex>> {
        let Some(semantic) = self.semantic.as_ref() else { return Ok(None) };
        let mut index = verity_index::dense::VectorIndex::new(semantic.embedder.dim());
        let mut after = i64::MIN;
        loop {
            let rows = self.store.vectors_after(&semantic.vectors_key, after, VECTOR_BATCH)?;
            let Some((last, _)) = rows.last() else { return Ok(Some(index)) };
            after = *last;
            for (id, vector) in &rows {
                index.push(*id, vector);
            }
        }
    }

    /// The date reports are fixed to, when the configuration fixes one (reproducible runs and tests).
    pub fn fixed_today(&self) -> Option<&str> {
        self.config.today.as_deref()
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// The configuration this engine was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store itself, for this crate's tests and tools. Other crates go through the engine's methods
    /// (`crates/cli/tests/tidy.rs` checks it), so that what the store is stays the engine's business.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether other processes share this engine's store (a PostgreSQL database): then checks go through the
    /// shared job queue, for workers to run.
    pub fn is_shared(&self) -> bool {
        self.store.kind() == "postgres"
    }

    /// How many documents the store holds.
    pub fn document_count(&self) -> Result<usize> {
        Ok(self.store.counts()?.documents)
    }

    /// How many passages the store holds (every version's).
    pub fn passage_count(&self) -> Result<usize> {
        Ok(self.store.counts()?.passages)
    }

    /// The document (external id) of every passage of a current document version.
    pub fn passage_documents(&self) -> Result<std::collections::HashMap<i64, String>> {
        Ok(self.store.passage_document_map()?)
    }

    /// The external id of every document, by the store's document id.
    pub fn document_keys(&self) -> Result<std::collections::HashMap<i64, String>> {
        Ok(self.store.document_keys()?)
    }

    /// Passages by id, each with its document version's metadata; unknown ids are left out.
    pub fn stored_passages(&self, ids: &[i64]) -> Result<Vec<(verity_model::Passage, verity_model::SourceMeta)>> {
        Ok(self.store.passages(ids)?)
    }

    /// The full stored text of a document version (what a citation is checked against).
    pub fn stored_text(&self, version_id: i64) -> Result<Option<String>> {
        Ok(self.store.version(version_id)?.map(|v| v.text))
    }

    /// Announcements of what other processes change in a shared store; `None` where there are none (SQLite).
    pub fn listen(&self) -> Result<Option<verity_store::Listener>> {
        Ok(self.store.listen()?)
    }

    /// Queues a check (`kind` "check", `input` the question) or a refresh ("refresh", the report's key) for the
    /// workers; returns the job's id.
    pub fn enqueue_job(&self, kind: &str, input: &str, question: &str) -> Result<String> {
        Ok(self.store.enqueue_job(kind, input, question)?)
    }

    /// A job of the shared queue, with the stages recorded for its current attempt; `None` when there is none.
    pub fn job(&self, id: &str) -> Result<Option<(JobRecord, Vec<String>)>> {
        let Some(record) = self.store.job(id)? else { return Ok(None) };
        let stages = self.store.job_events(id, 0)?.into_iter().map(|(_, event)| event).collect();
        Ok(Some((record, stages)))
    }

    /// Calls a queued or running job off: `Some(true)` when it was, `Some(false)` when it had ended, `None` when
    /// there is no such job.
    pub fn cancel_job(&self, id: &str) -> Result<Option<bool>> {
        Ok(self.store.cancel_job(id)?)
    }

    /// What the data directory holds, in the store and in the search index (`verity status`): after any crash
    /// the two agree once the engine has opened, since opening indexes what the store has and the index lacks.
    pub fn status(&self) -> Result<Status> {
        let counts = self.store.counts()?;
        let (embedded, vector_index) = match &self.semantic {
            Some(semantic) => {
                semantic.refresh(&self.store)?;
                let (graph, beside) = semantic.sizes();
                (Some(self.store.vector_coverage(&semantic.vectors_key)?.0), Some(VectorIndexStatus { graph, beside }))
            }
            None => (None, None),
        };
        Ok(Status {
            documents: counts.documents,
            versions: counts.versions,
            passages: counts.passages,
            reports: counts.reports,
            indexed_documents: self.index.num_documents() as usize,
            indexed_passages: self.index.num_passages() as usize,
            pending_index: self.index_lag()?,
            embedded_passages: embedded,
            vector_index,
        })
    }

    /// Reads every document under `paths` into the store and the index. Bad records are skipped and listed in
    /// the summary; only an unreadable path (or a storage failure) is an error.
    pub fn ingest(&mut self, paths: &[PathBuf], progress: &mut dyn FnMut(Progress)) -> Result<IngestSummary> {
        let started = Instant::now();
        self.sync_index()?;
        let files = verity_ingest::plan(paths)?;
        let bytes_total: u64 = files.iter().map(|f| f.size).sum();
        let mut summary = IngestSummary { files: files.len(), ..Default::default() };
        let mut done_before = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        for file in &files {
            let mut failure = None;
            let file_bytes = std::cell::Cell::new(0u64);
            verity_ingest::read_file(file, &mut |b| file_bytes.set(b), &mut |record| {
                if failure.is_some() {
                    return;
                }
                match record {
                    Ok(read) => {
                        if let Some(note) = read.note {
                            summary.notes.push(format!("{}: {note}", file.path.display()));
                        }
                        batch.push(read.document)
                    }
                    Err(skip) => summary.skipped.push(skip),
                }
                if batch.len() >= BATCH {
                    if let Err(e) = self.store_batch(&mut batch, &mut summary) {
                        failure = Some(e);
                    }
                    progress(Progress::Reading {
                        bytes_done: done_before + file_bytes.get(),
                        bytes_total,
                        documents: summary.documents(),
                    });
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            done_before += file.size;
            progress(Progress::Reading {
                bytes_done: done_before,
                bytes_total,
                documents: summary.documents() + batch.len(),
            });
        }
        self.store_batch(&mut batch, &mut summary)?;
        let embedding = Instant::now();
        summary.embedded = self.embed(&mut |status| progress(Progress::Embedding(status)))?;
        summary.embed_seconds = embedding.elapsed().as_secs_f64();
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    fn store_batch(&self, batch: &mut Vec<verity_model::Document>, summary: &mut IngestSummary) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let new: Vec<NewDocument> =
            batch.iter().map(|d| NewDocument { document: d, passages: passages(&d.text), fetched: None }).collect();
        self.store_new(&new, summary)?;
        batch.clear();
        Ok(())
    }

    /// Stores documents (each with its passages, and how it was fetched when it came from the web) in one
    /// transaction, counts what happened, and brings the index up to date.
    fn store_new(&self, new: &[NewDocument<'_>], summary: &mut IngestSummary) -> Result<()> {
        for outcome in self.store.put_documents(new, &now())? {
            match outcome {
                PutOutcome::Unchanged => summary.unchanged += 1,
                PutOutcome::Added { passages, .. } => {
                    summary.added += 1;
                    summary.passages += passages;
                }
                PutOutcome::NewVersion { passages, .. } => {
                    summary.new_versions += 1;
                    summary.passages += passages;
                }
            }
        }
        self.sync_index()?;
        Ok(())
    }

    /// Catches up with what other processes did to the data directory since this engine opened (a `verity
    /// ingest` while `verity serve` runs): their index commits, documents they stored but have not indexed yet
    /// (indexed here unless another process holds the index), and new passage vectors. Returns how many stored
    /// documents are still not searchable.
    pub fn catch_up(&self) -> Result<usize> {
        self.index.reload()?;
        if self.index_lag()? > 0 {
            self.try_sync_index()?;
        }
        if let Some(semantic) = self.semantic.as_ref() {
            semantic.refresh(&self.store)?;
        }
        self.index_lag()
    }

    /// Whether this process can serve: its store answers, and how far its index is behind the store.
    pub fn health(&self) -> Health {
        let store = self.store.kind();
        let index_position = self.index.position().unwrap_or(0);
        match self.store.changes_after_count(index_position) {
            Ok(lag) => Health { store, store_reachable: true, index_position, index_lag: Some(lag), error: None },
            Err(e) => {
                Health { store, store_reachable: false, index_position, index_lag: None, error: Some(e.to_string()) }
            }
        }
    }

    /// How many stored documents have a latest version this process's index has not applied yet.
    pub fn index_lag(&self) -> Result<usize> {
        Ok(self.store.changes_after_count(self.index.position()?)?)
    }

    /// [`Engine::sync_index`], unless another process holds the index's write lock: then nothing is done.
    fn try_sync_index(&self) -> Result<()> {
        match self.sync_index_once() {
            Err(EngineError::Index(verity_index::IndexError::Busy)) => Ok(()),
            other => other,
        }
    }

    /// Brings this process's index up to the store: the documents whose latest version comes after the index's
    /// position in the store's change sequence are indexed and committed with the new position, a batch at a
    /// time. Safe to repeat after any interruption: indexing a document replaces it. While
    /// another process holds the index's write lock it waits (up to [`INDEX_LOCK_WAIT`]), then says who to wait
    /// for.
    pub fn sync_index(&self) -> Result<()> {
        let deadline = Instant::now() + INDEX_LOCK_WAIT;
        loop {
            match self.sync_index_once() {
                Err(EngineError::Index(verity_index::IndexError::Busy)) if Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }

    fn sync_index_once(&self) -> Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            // The write lock first, then the position: no other process can move it until this commit.
            self.index.begin()?;
            let pending = self.store.changes_after(self.index.position()?, BATCH)?;
            let Some(last) = pending.last().map(|p| p.version_id) else {
                self.index.release();
                return Ok(());
            };
            let entries: Vec<IndexEntry> = pending
                .iter()
                .map(|item| IndexEntry {
                    doc_id: item.document_id,
                    doc_key: &item.external_id,
                    title: &item.title,
                    text: &item.text,
                    passages: item.passages.iter().map(|p| (p.passage_id, p.text.as_str())).collect(),
                })
                .collect();
            self.index.upsert(&entries)?;
            self.index.commit_at(last)?;
        }
    }

    /// Runs a check ([`CheckRequest`]): the report, and the evidence and reasoning it was written from.
    pub fn check(&self, request: CheckRequest<'_>) -> Result<(Report, verity_pipeline::Assessment)> {
        let CheckRequest { subject, deadline, observe, lease, unsaved } = request;
        let mut unobserved = |_| {};
        let observe: &mut dyn FnMut(Stage) = observe.unwrap_or(&mut unobserved);
        let (question, previous) = match subject {
            request::Subject::Question(question) => (question.to_string(), None),
            request::Subject::Refresh(key) => {
                let previous = self.show(key)?;
                (previous.question.clone(), Some(previous))
            }
        };
        let claim = self.read_claim(&question)?;
        if let Some(request::Unsaved { id, corpus }) = unsaved {
            let own;
            let corpus: &dyn Corpus = match corpus {
                Some(corpus) => corpus,
                None => {
                    own = self.corpus();
                    &own
                }
            };
            let deadline = deadline.unwrap_or_else(Deadline::none);
            return self.check_against_observed(&claim, &id, corpus, None, &deadline, observe);
        }
        let id = previous.as_ref().map_or_else(|| report_id(&question), |p| p.id.clone());
        let saving = Saving { id: &id, previous: previous.as_ref(), lease };
        self.run_and_save(&claim, saving, &deadline.unwrap_or_else(|| self.deadline()), observe)
    }

    /// A new check's deadline, from [`Config::check_deadline`].
    pub fn deadline(&self) -> Deadline {
        self.config.check_deadline.map_or_else(Deadline::none, Deadline::after)
    }

    /// Stores pages read from the web, each with how it was read, and indexes them.
    pub(crate) fn store_pages(&self, pages: &[verity_web::Page]) -> Result<()> {
        if pages.is_empty() {
            return Ok(());
        }
        let fetched: Vec<verity_store::Fetched> = pages
            .iter()
            .map(|p| verity_store::Fetched {
                at: p.fetched_at.clone(),
                status: p.status,
                text_sha256: p.text_sha256.clone(),
            })
            .collect();
        let new: Vec<NewDocument> = pages
            .iter()
            .zip(&fetched)
            .map(|(p, f)| NewDocument { document: &p.document, passages: passages(&p.document.text), fetched: Some(f) })
            .collect();
        let mut summary = IngestSummary::default();
        self.store_new(&new, &mut summary)?;
        self.embed(&mut |_| {})?;
        Ok(())
    }

    /// Runs a check and stores it: as a new report, or as the next version of `saving.previous`, which keeps its
    /// slug and category so that its address never changes.
    fn run_and_save(
        &self,
        claim: &Claim,
        saving: Saving<'_>,
        deadline: &Deadline,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<(Report, verity_pipeline::Assessment)> {
        let Saving { id, previous, lease } = saving;
        let unsearchable = self.catch_up()?;
        let (mut report, assessment) = match self.web.is_some() {
            true => self.check_with_web(claim, id, deadline, observe)?,
            false => self.check_against_observed(claim, id, &self.corpus(), None, deadline, observe)?,
        };
        // Called off: whatever was gathered is kept in the archive, but no report is published.
        if deadline.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if unsearchable > 0 {
            report.diagnostics.push(verity_model::Diagnostic {
                stage: "index".into(),
                message: format!(
                    "{unsearchable} stored documents were still being indexed by another process and were not \
                     read; check again in a moment"
                ),
            });
        }
        if let Some(previous) = previous {
            let latest = self.store.report_versions(&previous.id)?.last().map_or(previous.version, |v| v.version);
            report.version = latest + 1;
            report.slug = previous.slug.clone();
            report.category = previous.category.clone();
        }
        // A job's report is saved with the job's end, in one transaction, and only while its lease holds.
        match lease {
            None => self.store.save_report(&report, &reports::topics(&report), &now())?,
            Some(lease) => {
                if !self.store.complete_job(lease, &report, &reports::topics(&report), &now())? {
                    return Err(EngineError::LeaseLost);
                }
            }
        }
        Ok((report, assessment))
    }

    /// The claim a question asks about, read once per check (the web's queries and the check use the same one).
    fn read_claim(&self, question: &str) -> Result<Claim> {
        Ok(verity_pipeline::claim::read(question, verity_pipeline::year_of(&self.today()))?)
    }

    fn check_against_observed(
        &self,
        claim: &Claim,
        id: &str,
        corpus: &dyn Corpus,
        web: Option<verity_model::WebCoverage>,
        deadline: &Deadline,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<(Report, verity_pipeline::Assessment)> {
        let ctx = CheckContext { today: self.today(), report_id: id.to_string(), web, deadline: deadline.clone() };
        let writer = self.writer.as_ref().map(|w| w as &dyn verity_pipeline::LanguageModel);
        self.with_judge_until(deadline, |judge| {
            let request = verity_pipeline::CheckRequest::of_claim(claim.clone(), &ctx).judge(judge).writer(writer);
            verity_pipeline::check(request.observe(observe), corpus)
        })
    }

    /// Runs `f` with the configured judge (`None` for the lexical rules), with no deadline.
    pub fn with_judge<R>(&self, f: impl FnOnce(Option<&dyn verity_pipeline::judge::Judge>) -> R) -> Result<R> {
        self.with_judge_until(&Deadline::none(), f)
    }

    /// Runs `f` with the configured judge, under its guard; a language model judge stops asking once `deadline`
    /// has passed.
    fn with_judge_until<R>(
        &self,
        deadline: &Deadline,
        f: impl FnOnce(Option<&dyn verity_pipeline::judge::Judge>) -> R,
    ) -> Result<R> {
        fn guarded<'j>(
            judge: &'j dyn verity_pipeline::judge::Judge,
            guard: Option<verity_pipeline::judge::Guard>,
        ) -> verity_pipeline::judge::Guarded<'j> {
            let guard = guard.unwrap_or_else(|| judge.verdict().guard);
            verity_pipeline::judge::Guarded { judge, guard }
        }
        Ok(match &self.config.judge {
            JudgeConfig::Lexical => f(None),
            JudgeConfig::Nli => f(Some(&guarded(self.entailment()?, self.config.guard))),
            JudgeConfig::Llm(_) => {
                let model = self
                    .judge_model
                    .as_ref()
                    .or(self.writer.as_ref())
                    .ok_or_else(|| EngineError::Judge { kind: "llm", message: "no language model is loaded".into() })?;
                let judge = judge::ModelJudge { model, fallback: self.entailment()?, deadline: deadline.clone() };
                f(Some(&guarded(&judge, self.config.guard)))
            }
        })
    }

    pub fn corpus(&self) -> EngineCorpus<'_> {
        EngineCorpus {
            store: &self.store,
            index: &self.index,
            semantic: self.semantic.as_ref().filter(|_| self.config.passage_vectors),
        }
    }

    /// Passage ids ranked by semantic similarity to `query`; empty without a model.
    pub fn dense_passages(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        match self.semantic.as_ref().filter(|_| self.config.passage_vectors) {
            Some(s) => s.search(&self.store, query, limit),
            None => Ok(Vec::new()),
        }
    }

    /// Passage ids ranked by BM25.
    pub fn lexical_passages(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        Ok(self.index.search_passages(query, limit)?)
    }

    /// Documents ranked by BM25 as the store's document ids ([`Store::document_keys`] names them): the search
    /// alone, without a store lookup.
    pub fn document_ids(&self, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        Ok(self.index.search_documents(query, limit)?)
    }

    /// The date written on reports: the configured one, or today's UTC date.
    pub fn today(&self) -> String {
        self.config.today.clone().unwrap_or_else(|| time::OffsetDateTime::now_utc().date().to_string())
    }
}

/// The store and the index, seen by the pipeline as one [`Corpus`].
pub struct EngineCorpus<'a> {
    store: &'a Store,
    index: &'a SearchIndex,
    semantic: Option<&'a Semantic>,
}

/// An engine error as the pipeline's boundary traits report it: the store out of reach may answer later, and a
/// cancelled check is the deadline's doing.
fn failure(e: impl Into<EngineError>) -> verity_model::Failure {
    let e = e.into();
    let message = e.to_string();
    match e {
        EngineError::Cancelled => verity_model::Failure::Deadline(message),
        e if e.is_unavailable() => verity_model::Failure::Unavailable(message),
        _ => verity_model::Failure::Other(message),
    }
}

impl Corpus for EngineCorpus<'_> {
    fn search(&self, query: &str, limit: usize) -> std::result::Result<Vec<PassageHit>, verity_model::Failure> {
        let lexical = self.index.search_passages(query, limit).map_err(failure)?;
        let hits = match self.semantic {
            Some(semantic) => {
                let dense = semantic.search(self.store, query, limit).map_err(failure)?;
                FUSION.fuse(&lexical, &dense, limit)
            }
            None => lexical,
        };
        let ids: Vec<i64> = hits.iter().map(|h| h.key).collect();
        let found = self.store.passages(&ids).map_err(failure)?;
        Ok(found
            .into_iter()
            .zip(hits)
            .map(|((passage, source), hit)| PassageHit { passage, source, score: hit.score })
            .collect())
    }

    fn term_weights(&self, text: &str) -> Vec<(String, f32)> {
        self.index.term_weights(text).unwrap_or_default()
    }

    fn snapshot(&self, version_id: i64) -> Option<String> {
        self.store.version(version_id).ok().flatten().map(|v| v.text)
    }
}

impl Semantic {
    /// Loads the default embedding model when it is installed, and opens its saved vector index in
    /// `vectors_dir`; otherwise says how to install the model.
    fn load(models_dir: &Path, vectors_dir: &Path, merge_at: usize) -> (Option<Semantic>, Vec<String>) {
        let spec = &verity_models::ALL_MINILM_L6_V2;
        let dir = models_dir.join(spec.name);
        if !dir.join("model.safetensors").is_file() {
            let notice = format!(
                "semantic search is off (no model in {}): results use BM25 alone; run `verity models install` to turn it on",
                dir.display()
            );
            return (None, vec![notice]);
        }
        let embedder = match Embedder::load(&dir) {
            Ok(embedder) => embedder,
            Err(e) => return (None, vec![format!("semantic search is off: {e}")]),
        };
        let vectors_key = format!("{}:title+passage", spec.name);
        // One folder per key: vectors of another model or text never share a graph.
        let folder = vectors_dir.join(vectors_key.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
        match SavedVectors::open_merging_at(&folder, embedder.dim(), merge_at) {
            Ok(vectors) => {
                let (catching_up, caught_up) = (Mutex::new(()), Default::default());
                (Some(Semantic { embedder, vectors_key, vectors, catching_up, caught_up }), vec![])
            }
            Err(e) => (None, vec![format!("semantic search is off: {e}")]),
        }
    }

    /// The `limit` passages nearest to `query`: from the saved graph (brought up to the store on this process's
    /// first search), the first [`RERANK_DEPTH`] re-ranked by their exact vectors.
    fn search(&self, store: &Store, query: &str, limit: usize) -> Result<Vec<Hit<i64>>> {
        let query = self.embedder.embed(&[query])?.remove(0);
        if !self.caught_up.load(std::sync::atomic::Ordering::Acquire) {
            self.catch_up(store)?;
        }
        let mut hits = self.vectors.search(&query, limit.max(RERANK_DEPTH));
        if self.vectors.sizes().0 > 0 {
            let depth = hits.len().min(RERANK_DEPTH);
            let ids: Vec<i64> = hits[..depth].iter().map(|h| h.key).collect();
            let exact: std::collections::HashMap<i64, Vec<f32>> =
                store.vectors_by_id(&self.vectors_key, &ids)?.into_iter().collect();
            for hit in &mut hits[..depth] {
                if let Some(vector) = exact.get(&hit.key) {
                    hit.score = verity_index::dense::dot(vector, &query);
                }
            }
            hits[..depth].sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// Brings the saved vector index up to the store: maps a graph another process saved, adds the vectors
    /// above its position a batch at a time (merged into the graph and saved as they pass the threshold), and
    /// when `count` asks, compares the count with the store's and mends a difference (vectors embedded out of
    /// order, passages replaced by a new version) without a rebuild.
    fn catch_up_counting(&self, store: &Store, count: bool) -> Result<()> {
        let _catching_up = self.catching_up.lock().unwrap_or_else(|p| p.into_inner());
        let first = !self.caught_up.load(std::sync::atomic::Ordering::Acquire);
        let before = self.vectors.position();
        let mut changed = self.vectors.follow_saved()? || first;
        self.read_new(store)?;
        changed |= self.vectors.position() != before;
        // Counting costs a scan of the passages: only after something moved, or the first time.
        if count && changed {
            let (embedded, _) = store.vector_coverage(&self.vectors_key)?;
            if self.vectors.position().len != embedded {
                let current = store.vector_ids(&self.vectors_key)?;
                let stale = store.stale_vector_ids(&self.vectors_key)?;
                self.vectors.reconcile(&current, &stale, |ids| store.vectors_by_id(&self.vectors_key, ids))?;
                self.vectors.merge_if_due()?;
            }
        }
        self.vectors.finish()?;
        self.caught_up.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    fn catch_up(&self, store: &Store) -> Result<()> {
        self.catch_up_counting(store, false)
    }

    /// Vectors for a batch of passages (their texts as embedded: `texts`), from the model or from `encode`.
    fn encode(
        &self,
        batch: &[UnembeddedPassage],
        texts: &[&str],
        encode: Option<&mut Encode<'_>>,
    ) -> Result<verity_embed::Embedded> {
        let Some(encode) = encode else { return Ok(self.embedder.embed_counting(texts)?) };
        let batch: Vec<(i64, &str)> = batch.iter().map(|p| p.passage_id).zip(texts.iter().copied()).collect();
        let vectors = encode(&batch)?;
        if vectors.len() != batch.len() || vectors.iter().any(|v| v.len() != self.embedder.dim()) {
            let message = "the encoder returned vectors of another number or size".to_string();
            return Err(EngineError::Embed(verity_embed::EmbedError::Compute(message)));
        }
        Ok(verity_embed::Embedded { vectors, tokens: 0 })
    }

    /// Adds the vectors above the index's position and merges them when due, leaving the graph loaded (and saved
    /// only every [`verity_index::saved::SavedVectors::save_every`]): for an embedding run, which ends with
    /// [`Semantic::refresh`].
    fn add_new(&self, store: &Store) -> Result<()> {
        let _catching_up = self.catching_up.lock().unwrap_or_else(|p| p.into_inner());
        self.read_new(store)
    }

    /// Reads the vectors above the index's position from the store a batch at a time, merging each when due.
    /// The caller holds `catching_up`.
    fn read_new(&self, store: &Store) -> Result<()> {
        loop {
            let seen = self.vectors.position();
            let rows = store.vectors_after(&self.vectors_key, seen.last_id, VECTOR_BATCH)?;
            let read = rows.len();
            self.vectors.extend(seen, rows);
            self.vectors.merge_if_due()?;
            if read < VECTOR_BATCH {
                return Ok(());
            }
        }
    }

    /// [`Semantic::catch_up`] with the count compared: after an embedding run and in a server's catch-up loop.
    fn refresh(&self, store: &Store) -> Result<()> {
        self.catch_up_counting(store, true)
    }

    /// Where the saved vector index stands: vectors in its graph and beside it.
    fn sizes(&self) -> (usize, usize) {
        self.vectors.sizes()
    }
}

/// What is embedded for a passage: its document's title, then the passage, so that a passage deep in a document
/// keeps the topic its title gives it (as BEIR embeds title and text).
fn embedding_text(title: &str, passage: &str) -> String {
    if title.trim().is_empty() { passage.to_string() } else { format!("{}\n{passage}", title.trim()) }
}

/// The current time as the store records it: [`verity_model::timestamp`], RFC 3339, UTC, fixed width.
pub fn now() -> String {
    verity_model::timestamp::now()
}

/// A report id: 12 hex digits from the question and the current time.
fn report_id(question: &str) -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = Sha256::digest(format!("{question}\u{0}{nanos}\u{0}{}", std::process::id()));
    hex::encode(&digest[..6])
}
/// Where a saved check goes: its report id, the report it is the next version of, and the job it runs for.
struct Saving<'a> {
    id: &'a str,
    previous: Option<&'a Report>,
    lease: Option<&'a verity_store::JobLease>,
}
