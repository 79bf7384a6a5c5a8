//! The store: documents with every version of their text, passages as offsets into that text, and published
//! reports, in one SQLite database (embedded, the default) or in PostgreSQL (shared by many processes and
//! machines). Both back ends keep the same data with the same behaviour, and the same tests run against both.
//!
//! Main type: [`Store`]. [`Store::put_documents`] deduplicates by content hash and turns a changed document into a
//! new version while keeping the old text readable (old reports cite it). Versions are numbered in the order they
//! are committed, a change sequence: [`Store::changes_after`] is what a search index at some position has yet
//! to apply, so each process keeps its own index in step, even after an interrupted ingest.
//! Reports keep every run as a version ([`Store::save_report`], [`Store::report_version`]); the latest is
//! listed, filed by category and topic, and searchable in full text ([`Store::search_reports`]). The site's
//! supporters and run-time settings live here too, and the news feeds an archive follows.
//!
//! All SQL in Verity lives in this crate: `sqlite` and `postgres`, one module per back end, each query with its
//! twin in the other. It knows nothing of searching, claims or rendering. Migrations are append-only, per back
//! end (SQLite's `user_version`; PostgreSQL's `verity_schema` table), and run once under a lock.
//!
//! ```
//! use verity_model::Document;
//! use verity_store::{NewDocument, PutOutcome, Store};
//!
//! let store = Store::open_in_memory().unwrap();
//! let document = Document {
//!     external_id: "ledger-1".into(),
//!     title: "Council vote".into(),
//!     text: "The council banned cars downtown.".into(),
//!     url: None,
//!     outlet: Some("The Ledger".into()),
//!     published: Some("2026-12-01".into()),
//!     author: None,
//! };
//! let new = NewDocument { document: &document, passages: vec![(0, document.text.len())], fetched: None };
//! let now = "2026-12-07T00:00:00.000000Z";
//! assert!(matches!(store.put_documents(&[new], now).unwrap()[0], PutOutcome::Added { passages: 1, .. }));
//! // The same content again is not a new version.
//! let again = NewDocument { document: &document, passages: vec![(0, document.text.len())], fetched: None };
//! assert_eq!(store.put_documents(&[again], now).unwrap(), [PutOutcome::Unchanged]);
//! assert_eq!(store.counts().unwrap().versions, 1);
//! ```

mod documents;
mod jobs;
mod postgres;
mod reports;
mod site;
mod sql;
mod sqlite;
mod texts;

use std::path::Path;

use sha2::{Digest, Sha256};
use verity_model::{Document, Passage, SourceMeta};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SQLite error; its message once (the driver's error is not kept as a `source`, whose text would repeat
    /// it).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A write to a store this process may only read (a read-only data directory, another user's archive).
    #[error(
        "the data directory cannot be written here ({0}), and this needs to store what it makes; reading works \
         (`verity list`, `show`, `status`): run it where the folder is writable, or pass --data-dir with a \
         writable folder"
    )]
    ReadOnly(String),
    #[error(
        "document version {id} in this store differs from the one being copied in: the target holds other data; \
         copy into an empty store (or one an earlier copy of the same source started)"
    )]
    Conflict { id: i64 },
    /// An error PostgreSQL reported, or the driver met, on a database that is reachable. Its message is the
    /// server's (with its detail and hint), once: the driver's error is not kept as a `source`, whose text would
    /// repeat it ("db error: db error: ...").
    #[error("PostgreSQL: {}", postgres::message(.0))]
    Postgres(tokio_postgres::Error),
    /// The database cannot be reached now (refused, reset, shut down, silent past the connect timeout): worth
    /// retrying later, unlike every other error here. Servers answer 503; workers wait and reconnect.
    #[error(
        "the database is out of reach ({0}); check that PostgreSQL is running and reachable at the address \
         given with --database"
    )]
    Unavailable(String),
    #[error(
        "the database address is not one Verity can use ({0}): give a URL such as \
         postgres://user:password@host:5432/verity"
    )]
    BadDatabaseUrl(String),
    #[error(
        "the database was migrated by a newer Verity (store schema {found}, this build knows {known}); upgrade \
         Verity or use another database"
    )]
    TooNewDatabase { found: i64, known: i64 },
    /// A row unlike what the query was written for (a database another program changed).
    #[error("database error: {0}")]
    Unreadable(String),
    #[error("stored report {id} is unreadable: {source}")]
    CorruptReport { id: String, source: serde_json::Error },
    #[error(
        "the data directory was written by a newer Verity (store schema {found}, this build knows {known}); \
         upgrade Verity or use another --data-dir"
    )]
    TooNew { found: i64, known: i64 },
    #[error(
        "the data directory was written by an older Verity (store schema {found}, this build knows {known}) and is \
         opened read-only here: run `verity ingest` or `verity check` once where it can be written, to upgrade it"
    )]
    NeedsUpgrade { found: i64, known: i64 },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly(e.to_string()),
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        if postgres::out_of_reach(&e) {
            StoreError::Unavailable(postgres::message(&e))
        } else {
            StoreError::Postgres(e)
        }
    }
}

impl StoreError {
    /// Whether the database is out of reach for now, so that trying again later may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What happened to one document handed to [`Store::put_documents`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// Same content as the latest stored version: nothing changed.
    Unchanged,
    /// A document id seen for the first time.
    Added { version_id: i64, passages: usize },
    /// The content changed: a new version was stored; the previous one stays readable.
    NewVersion { version_id: i64, version: u32, passages: usize },
}

/// A document to store, with its passages as byte spans of `document.text`.
pub struct NewDocument<'a> {
    pub document: &'a Document,
    pub passages: Vec<(usize, usize)>,
    /// For a page read from the web: how it was read.
    pub fetched: Option<&'a Fetched>,
}

/// How a web page was read: kept with its stored version (the snapshot a report cites).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// UTC, RFC 3339.
    pub at: String,
    pub status: u16,
    /// sha256 of the extracted text, hex.
    pub text_sha256: String,
}

/// A passage waiting for its embedding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnembeddedPassage {
    pub passage_id: i64,
    pub title: String,
    pub text: String,
}

/// A document's latest version, for a search index to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexItem {
    /// The store's document id (stable across versions).
    pub document_id: i64,
    pub external_id: String,
    pub version_id: i64,
    pub title: String,
    pub text: String,
    pub passages: Vec<Passage>,
}

/// One stored document version with everything the store keeps of it, for copying a store into another
/// (`verity migrate`). Ids are kept: reports cite versions by id, and passage vectors belong to passage ids.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    pub id: i64,
    pub version: u32,
    pub content_hash: String,
    /// The document as this version stored it.
    pub document: Document,
    pub ingested_at: String,
    pub fetched_at: Option<String>,
    pub http_status: Option<i64>,
    pub text_sha256: Option<String>,
    /// (passage id, start, end), in the passages' order.
    pub passages: Vec<(i64, i64, i64)>,
}

/// A check or refresh waiting for a worker, running, or ended: the shared job queue of a deployment with many
/// processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    /// "check" (input: the question) or "refresh" (input: the report's key).
    pub kind: String,
    pub input: String,
    /// The question, as the job's page shows it.
    pub question: String,
    /// "queued", "running", "done" or "failed".
    pub status: String,
    /// Who runs it now (or ran it last), and how many times it was claimed: a worker whose lease ran out loses
    /// the job, and its later writes are refused (they name an older attempt).
    pub worker: Option<String>,
    pub attempt: u32,
    pub cancel_requested: bool,
    pub report_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: String,
}

/// A worker's hold on a job: only writes that name the current holder and attempt are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLease {
    pub job_id: String,
    pub worker: String,
    pub attempt: u32,
}

/// What a [`Listener`] heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A job changed (queued, claimed, a stage recorded, ended); its id.
    Job(String),
    /// Documents were stored: search indexes are behind.
    Documents,
}

/// A connection of its own that waits for [`Change`]s: from [`Store::listen`].
pub struct Listener(postgres::Listener);

impl Listener {
    /// The changes announced within `timeout` (at least one, unless the time ran out first).
    pub fn wait(&mut self, timeout: std::time::Duration) -> Result<Vec<Change>> {
        self.0.wait(timeout)
    }
}

/// A recorded payment event, as [`Store::record_supporter`] stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupporterEvent {
    pub event_id: String,
    pub kind: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub received_at: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub documents: usize,
    pub versions: usize,
    pub passages: usize,
    pub reports: usize,
}

/// A stored version of a document, as read back by id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub meta: SourceMeta,
    pub text: String,
    pub content_hash: String,
}

/// Which reports a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub category: Option<String>,
    /// A topic key (see [`Store::save_report`]).
    pub topic: Option<String>,
}

/// One page of a listing and the total it was cut from.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
}

/// Supporters so far: events recorded, and the sum of their amounts in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SupporterTotals {
    pub supporters: usize,
    /// In the currency's smallest unit (cents), as payment providers send it.
    pub amount: i64,
}

/// A followed feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub url: String,
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub added_at: String,
    pub polled_at: Option<String>,
    pub last_error: Option<String>,
    /// Items read so far.
    pub items: usize,
}

/// What one poll learnt about a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedPoll<'a> {
    pub title: Option<&'a str>,
    /// New validators, when the server sent the feed (a 304 keeps the old ones).
    pub validators: Option<(Option<&'a str>, Option<&'a str>)>,
    pub error: Option<&'a str>,
}

/// A new job id: "job-" and a UUID v7, a millisecond timestamp (ids sort by creation) and 74 bits from the
/// operating system's random source, so no one can guess another's job and follow its progress. Used by the
/// shared queue and by a single node's own jobs alike.
pub fn new_job_id() -> String {
    format!("job-{}", uuid::Uuid::now_v7().simple())
}

/// A count or offset as SQL takes it: "no limit" (`usize::MAX`) is the largest the database knows.
fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Search terms as words: letters and digits only, empty ones left out; `None` when none is left. Both back ends
/// build their full-text queries from these, so no term is ever read as query syntax.
fn search_terms(terms: &[String]) -> Option<Vec<String>> {
    let words: Vec<String> = terms
        .iter()
        .map(|t| t.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
        .filter(|t| !t.is_empty())
        .collect();
    (!words.is_empty()).then_some(words)
}

/// The store, on one back end or the other. `Store` is `Sync`: a server shares one among its threads.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store { backend: Backend::Sqlite(sqlite::Sqlite::open(path)?) })
    }

    /// Opens an existing SQLite database only to read it, changing nothing: for a data directory the user may not
    /// write (a read-only mount, another user's archive). Writes through this store fail.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        Ok(Store { backend: Backend::Sqlite(sqlite::Sqlite::open_read_only(path)?) })
    }

    /// An in-memory SQLite store, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store { backend: Backend::Sqlite(sqlite::Sqlite::open_in_memory()?) })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/database`; a Unix socket
    /// directory may be the host, percent-encoded) and brings its schema up to date.
    pub fn connect(url: &str) -> Result<Store> {
        Ok(Store { backend: Backend::Postgres(Box::new(postgres::Postgres::connect(url)?)) })
    }

    /// Announcements of what other processes change, where the back end makes them (PostgreSQL's `NOTIFY`):
    /// jobs (their ids) and documents. `None` on SQLite, whose processes share one machine and poll.
    pub fn listen(&self) -> Result<Option<Listener>> {
        self.db().listen()
    }

    /// Which back end this store is on: "sqlite" or "postgres".
    pub fn kind(&self) -> &'static str {
        self.db().kind()
    }

    /// The back end's side of what differs between them.
    fn db(&self) -> &dyn sql::Dialect {
        match &self.backend {
            Backend::Sqlite(db) => db,
            Backend::Postgres(db) => db.as_ref(),
        }
    }

    /// Runs `work` on a connection for reading.
    fn read<T>(&self, work: impl FnOnce(&mut dyn sql::Session) -> Result<T>) -> Result<T> {
        let (mut work, mut out) = (Some(work), None);
        self.db().read(&mut |s| {
            out = Some(work.take().expect("a back end runs the work once")(s)?);
            Ok(())
        })?;
        Ok(out.expect("the work ran"))
    }

    /// The rows of one query, read on a connection of its own.
    fn all<T: sql::ReadRow>(&self, sql: &str, args: &[sql::Arg<'_>]) -> Result<Vec<T>> {
        self.read(|s| s.all(sql, args))
    }

    fn one<T: sql::ReadRow>(&self, sql: &str, args: &[sql::Arg<'_>]) -> Result<T> {
        self.read(|s| s.one(sql, args))
    }

    fn optional<T: sql::ReadRow>(&self, sql: &str, args: &[sql::Arg<'_>]) -> Result<Option<T>> {
        self.read(|s| s.optional(sql, args))
    }

    /// Runs `work` in one write transaction, committed if it returns `Ok`.
    fn write<T>(&self, work: impl FnOnce(&mut dyn sql::Session) -> Result<T>) -> Result<T> {
        let (mut work, mut out) = (Some(work), None);
        self.db().write(&mut |s| {
            out = Some(work.take().expect("a back end runs the work once")(s)?);
            Ok(())
        })?;
        Ok(out.expect("the work ran"))
    }
}

/// The content hash of a document: everything but its id, so the same text under the same id is "unchanged".
pub fn content_hash(doc: &Document) -> String {
    let mut h = Sha256::new();
    for part in [
        Some(doc.title.as_str()),
        Some(doc.text.as_str()),
        doc.url.as_deref(),
        doc.outlet.as_deref(),
        doc.published.as_deref(),
        doc.author.as_deref(),
    ] {
        // A tag byte keeps `None` apart from `Some("")` and one field's end apart from the next's start.
        match part {
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update([0u8]),
        }
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests;
