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

mod postgres;
mod shared;
mod sqlite;

use std::path::Path;

use sha2::{Digest, Sha256};
use verity_model::{Correction, Document, Passage, Report, ReportSummary, SourceMeta, Topic, VersionSummary};

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
    Postgres(::postgres::Error),
    /// The database cannot be reached now (refused, reset, shut down, silent past the connect timeout): worth
    /// retrying later, unlike every other error here. Servers answer 503; workers wait and reconnect.
    #[error(
        "the database is out of reach ({0}); check that PostgreSQL is running and reachable at the address given          with --database"
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

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> StoreError {
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
    Postgres(postgres::Postgres),
}

/// Calls the same method on whichever back end the store has.
macro_rules! dispatch {
    ($store:ident, $method:ident($($arg:expr),*)) => {
        match &$store.backend {
            Backend::Sqlite(db) => db.$method($($arg),*),
            Backend::Postgres(db) => db.$method($($arg),*),
        }
    };
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
        Ok(Store { backend: Backend::Postgres(postgres::Postgres::connect(url)?) })
    }

    /// Announcements of what other processes change, where the back end makes them (PostgreSQL's `NOTIFY`):
    /// jobs (their ids) and documents. `None` on SQLite, whose processes share one machine and poll.
    pub fn listen(&self) -> Result<Option<Listener>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(db) => Ok(Some(Listener(db.listen()?))),
        }
    }

    /// Which back end this store is on: "sqlite" or "postgres".
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Stores a batch of documents in one transaction: either the whole batch lands or none of it does.
    pub fn put_documents(&self, batch: &[NewDocument<'_>], now: &str) -> Result<Vec<PutOutcome>> {
        dispatch!(self, put_documents(batch, now))
    }
    /// The change sequence a search index follows: documents whose latest version is numbered above `position`,
    /// in version order, at most `limit`, with their passages. Version numbers (ids) are committed in order (one
    /// writer of documents at a time), so an index that applied every version up to `n` has only these to catch
    /// up on, and can record the last one it applied as its new position.
    pub fn changes_after(&self, position: i64, limit: usize) -> Result<Vec<IndexItem>> {
        dispatch!(self, changes_after(position, limit))
    }

    /// How many documents have a latest version numbered above `position`: how far behind an index at that
    /// position is.
    pub fn changes_after_count(&self, position: i64) -> Result<usize> {
        dispatch!(self, changes_after_count(position))
    }

    /// Passages by id, each with the metadata of its document version; unknown ids are left out.
    pub fn passages(&self, ids: &[i64]) -> Result<Vec<(Passage, SourceMeta)>> {
        dispatch!(self, passages(ids))
    }
    /// One stored version by its id, with its full text.
    pub fn version(&self, version_id: i64) -> Result<Option<StoredVersion>> {
        dispatch!(self, version(version_id))
    }
    /// Every stored version of a document, oldest first.
    pub fn versions_of(&self, external_id: &str) -> Result<Vec<StoredVersion>> {
        dispatch!(self, versions_of(external_id))
    }
    pub fn counts(&self) -> Result<Counts> {
        dispatch!(self, counts())
    }
    /// Passages of latest document versions that have no vector for `model` yet and ids above `after`, at most
    /// `limit`, in id order, with their document's title (embedded together with the passage). `after` lets a
    /// reader run ahead of the writer of the vectors: pass the last id it read.
    pub fn passages_without_vectors(&self, model: &str, after: i64, limit: usize) -> Result<Vec<UnembeddedPassage>> {
        dispatch!(self, passages_without_vectors(model, after, limit))
    }
    /// How many passages of latest document versions have a vector for `model`, out of how many.
    pub fn vector_coverage(&self, model: &str) -> Result<(usize, usize)> {
        dispatch!(self, vector_coverage(model))
    }
    /// Like [`Store::vectors`], only of passages with ids above `after` (passages added since): passage ids only
    /// grow, so a cache of vectors can be brought up to date without reading them all again.
    pub fn vectors_after(&self, model: &str, after: i64) -> Result<Vec<(i64, Vec<f32>)>> {
        dispatch!(self, vectors_after(model, after))
    }
    /// The external id of every document, by the store's document id.
    pub fn document_keys(&self) -> Result<std::collections::HashMap<i64, String>> {
        dispatch!(self, document_keys())
    }
    /// The document (external id) of every passage of a current document version.
    pub fn passage_document_map(&self) -> Result<std::collections::HashMap<i64, String>> {
        dispatch!(self, passage_document_map())
    }
    /// The latest version of a report by id, by slug, or by a unique id prefix.
    pub fn report(&self, key: &str) -> Result<Option<Report>> {
        dispatch!(self, report(key))
    }
    /// One stored run of the report with this id.
    pub fn report_version(&self, id: &str, version: u32) -> Result<Option<Report>> {
        dispatch!(self, report_version(id, version))
    }
    /// Every run of the report with this id, oldest first.
    pub fn report_versions(&self, id: &str) -> Result<Vec<VersionSummary>> {
        dispatch!(self, report_versions(id))
    }
    /// A page of the latest versions, newest first.
    pub fn reports_page(&self, filter: &ReportFilter, offset: usize, limit: usize) -> Result<Page<ReportSummary>> {
        dispatch!(self, reports_page(filter, offset, limit))
    }
    /// Categories in use, with how many reports each holds, largest first.
    pub fn categories(&self) -> Result<Vec<(String, usize)>> {
        dispatch!(self, categories())
    }
    /// Topics shared by at least `min_reports` reports, most reports first.
    pub fn topics(&self, min_reports: usize, limit: usize) -> Result<Vec<Topic>> {
        dispatch!(self, topics(min_reports, limit))
    }
    /// The topics a report is filed under.
    pub fn topics_of(&self, id: &str) -> Result<Vec<Topic>> {
        dispatch!(self, topics_of(id))
    }
    /// Every run whose verdict differs from the run before it, newest first: the corrections log.
    pub fn corrections(&self, limit: usize) -> Result<Vec<Correction>> {
        dispatch!(self, corrections(limit))
    }
    /// Deletes a report and all its versions; false when there was none.
    pub fn delete_report(&self, id: &str) -> Result<bool> {
        dispatch!(self, delete_report(id))
    }
    /// Supporters recorded on or after `since` (a date or timestamp; `""` for all), with amounts in `currency`.
    pub fn supporter_totals(&self, since: &str, currency: &str) -> Result<SupporterTotals> {
        dispatch!(self, supporter_totals(since, currency))
    }
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        dispatch!(self, setting(key))
    }
    pub fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        dispatch!(self, put_setting(key, value))
    }
    /// Follows a feed; false when it was already followed.
    pub fn add_feed(&self, url: &str, now: &str) -> Result<bool> {
        dispatch!(self, add_feed(url, now))
    }
    /// Stops following a feed (its items stay in the archive); false when it was not followed.
    pub fn remove_feed(&self, url: &str) -> Result<bool> {
        dispatch!(self, remove_feed(url))
    }
    pub fn feeds(&self) -> Result<Vec<FeedRow>> {
        dispatch!(self, feeds())
    }
    /// Records a poll.
    pub fn feed_polled(&self, url: &str, poll: &FeedPoll<'_>, now: &str) -> Result<()> {
        dispatch!(self, feed_polled(url, poll, now))
    }
    /// The items of `urls` not yet read from this feed, in the order given.
    pub fn unseen_items(&self, feed: &str, urls: &[String]) -> Result<Vec<String>> {
        dispatch!(self, unseen_items(feed, urls))
    }
    /// Marks items as read from this feed.
    pub fn mark_items(&self, feed: &str, urls: &[String], now: &str) -> Result<()> {
        dispatch!(self, mark_items(feed, urls, now))
    }

    /// Stores a run of a report. Version 1 of an id is a new report; a later version keeps the earlier ones
    /// readable and becomes the one listed. Storing a version that exists replaces it. `topics` are
    /// `(key, name)` pairs the report is filed under. One transaction: the listing, the versions, the topics and
    /// the search index never disagree.
    pub fn save_report(&self, report: &Report, topics: &[(String, String)], created_at: &str) -> Result<()> {
        dispatch!(self, save_report(report, topics, created_at))
    }

    /// Stored reports, newest first.
    pub fn list_reports(&self, limit: usize) -> Result<Vec<ReportSummary>> {
        Ok(self.reports_page(&ReportFilter::default(), 0, limit)?.items)
    }

    /// Reports whose question or claim matches the terms, best match first. With `all`, every term must match;
    /// otherwise any. Terms are words, never query syntax.
    pub fn search_reports(
        &self,
        terms: &[String],
        all: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        dispatch!(self, search_reports(terms, all, offset, limit))
    }

    /// Records a payment event once: false when an event with this id was already recorded (providers resend
    /// events, and a resent event must not count twice).
    pub fn record_supporter(
        &self,
        event_id: &str,
        kind: &str,
        amount: Option<i64>,
        currency: Option<&str>,
        received_at: &str,
    ) -> Result<bool> {
        dispatch!(self, record_supporter(event_id, kind, amount, currency, received_at))
    }

    /// Every document version numbered above `after`, oldest first, at most `limit`, with all it keeps: what a copy
    /// of the store reads.
    pub fn version_records_after(&self, after: i64, limit: usize) -> Result<Vec<VersionRecord>> {
        dispatch!(self, version_records_after(after, limit))
    }

    /// Stores versions read from another store with their ids, in one transaction; a version already here with
    /// the same id and content is left as it is, so a copy can be run again or resumed. A version with an id
    /// this store uses for other content is [`StoreError::Conflict`]. Returns how many were new here.
    pub fn import_versions(&self, records: &[VersionRecord]) -> Result<usize> {
        dispatch!(self, import_versions(records))
    }

    /// The highest document version number (id) stored, 0 when there is none.
    pub fn last_version_id(&self) -> Result<i64> {
        dispatch!(self, last_version_id())
    }

    /// The models that passages have vectors of.
    pub fn vector_models(&self) -> Result<Vec<String>> {
        dispatch!(self, vector_models())
    }

    /// Every recorded payment event, oldest first.
    pub fn supporter_events(&self) -> Result<Vec<SupporterEvent>> {
        dispatch!(self, supporter_events())
    }

    /// Every run-time setting, by key.
    pub fn settings(&self) -> Result<Vec<(String, String)>> {
        dispatch!(self, settings())
    }

    /// The items read from a feed, as (item URL, when it was read).
    pub fn feed_items(&self, feed: &str) -> Result<Vec<(String, String)>> {
        dispatch!(self, feed_items(feed))
    }

    /// Queues a check (`kind` "check", `input` the question) or a refresh ("refresh", the report's key) for a
    /// worker; returns the job's id.
    pub fn enqueue_job(&self, kind: &str, input: &str, question: &str) -> Result<String> {
        let id = new_job_id();
        dispatch!(self, enqueue_job(&id, kind, input, question, &verity_model::timestamp::now()))?;
        Ok(id)
    }

    /// Gives `worker` the oldest job that is queued, or running under a lease that ran out (its worker died), for
    /// `lease` from now. Many workers may ask at once: each job goes to one.
    pub fn claim_job(&self, worker: &str, lease: std::time::Duration) -> Result<Option<JobRecord>> {
        dispatch!(self, claim_job(worker, lease))
    }

    /// Extends a lease; `Ok(None)` when the job is no longer this worker's (its lease ran out and another took
    /// it, or it ended), else whether the job was asked to stop.
    pub fn renew_job(&self, lease: &JobLease, duration: std::time::Duration) -> Result<Option<bool>> {
        dispatch!(self, renew_job(lease, duration))
    }

    /// Records a stage of a running job (a JSON value), for every node's progress stream; false when the job is
    /// no longer this worker's.
    pub fn add_job_event(&self, lease: &JobLease, event: &str) -> Result<bool> {
        dispatch!(self, add_job_event(lease, event))
    }

    /// Ends a job with its report, in one transaction with the report: the report is saved only while the
    /// lease holds, so a job's report version is committed exactly once, whoever ran it. False (and nothing
    /// saved) when the job is no longer this worker's.
    pub fn complete_job(
        &self,
        lease: &JobLease,
        report: &Report,
        topics: &[(String, String)],
        created_at: &str,
    ) -> Result<bool> {
        dispatch!(self, complete_job(lease, report, topics, created_at))
    }

    /// Puts a job back in the queue (its worker is stopping), for another worker to run from the start; false
    /// when the job is no longer this worker's.
    pub fn release_job(&self, lease: &JobLease) -> Result<bool> {
        dispatch!(self, release_job(lease))
    }

    /// Ends a job with an error; false when the job is no longer this worker's.
    pub fn fail_job(&self, lease: &JobLease, code: &str, message: &str) -> Result<bool> {
        dispatch!(self, fail_job(lease, code, message))
    }

    /// Asks a job to stop: a queued one fails at once ("cancelled"), a running one is told at its worker's next
    /// renewal. `None` when there is no such job; `Some(false)` when it had already ended.
    pub fn cancel_job(&self, id: &str) -> Result<Option<bool>> {
        dispatch!(self, cancel_job(id))
    }

    pub fn job(&self, id: &str) -> Result<Option<JobRecord>> {
        dispatch!(self, job(id))
    }

    /// A job's recorded stages after `after` (0 for all), as (sequence number, JSON value), in order: those of
    /// its current attempt (a job taken over starts again).
    pub fn job_events(&self, id: &str, after: i64) -> Result<Vec<(i64, String)>> {
        dispatch!(self, job_events(id, after))
    }

    /// Stores passage vectors for `model` in one transaction.
    pub fn put_vectors(&self, model: &str, vectors: &[(i64, Vec<f32>)]) -> Result<()> {
        dispatch!(self, put_vectors(model, vectors))
    }

    /// Every vector of `model` for passages of latest document versions, as (passage id, vector).
    pub fn vectors(&self, model: &str) -> Result<Vec<(i64, Vec<f32>)>> {
        self.vectors_after(model, i64::MIN)
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
