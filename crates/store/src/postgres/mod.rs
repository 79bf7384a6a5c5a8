//! The PostgreSQL back end: the same store, shared by many processes on many machines. Every query here has an
//! SQLite twin in `crate::sqlite`; the store's tests run against both.
//!
//! PostgreSQL does its own locking, so there is no writer mutex: connections come from a small pool, each write
//! is one transaction, and a document being stored is locked by its row (`FOR UPDATE`), so two processes storing
//! the same document at once make one version, not two.

mod jobs;
mod schema;

#[cfg(test)]
pub(crate) use schema::MIGRATIONS;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls, Row, Transaction};
use verity_model::{Correction, Document, Passage, Report, ReportSummary, SourceMeta, Topic, VersionSummary};

use crate::shared::{AFTER_SOURCE, SOURCE_COLUMNS, SUMMARY_COLUMNS, label, parse_report, stored};
use crate::{
    Counts, FeedPoll, FeedRow, IndexItem, NewDocument, Page, PutOutcome, ReportFilter, Result, StoreError,
    StoredVersion, SupporterEvent, SupporterTotals, UnembeddedPassage, VersionRecord, content_hash, search_terms,
    sql_limit,
};

/// The advisory lock that makes writers of documents take turns ("doc" in ASCII).
const DOCUMENT_WRITES: i64 = 0x646f63;

/// Connections one process opens at most; a thread that needs one while all are in use waits for one to be
/// returned. Opening a connection starts a server process, so a pool that opened one per concurrent request
/// and closed the surplus would spend a busy server's time forking.
const MAX_CONNECTIONS: usize = 16;

/// How long connecting may take, the server's handshake included, when the URL does not say
/// (`?connect_timeout=` seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connection attempts that may be left waiting on a server that accepted and never answered; past this many,
/// a new attempt fails at once instead of leaving one more thread behind.
const ABANDONED_ATTEMPTS: usize = 4;
/// A connection idle in the pool longer than this is tested before it is handed out: the server may have
/// restarted meanwhile, and a broken connection would fail the request that drew it. One that was just returned
/// is not (a restart takes longer than this, and the test costs a round trip).
const TEST_AFTER_IDLE: Duration = Duration::from_secs(1);
const TEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Unless the URL's `options` set it: the longest one statement may run on the server. Far beyond any query
/// Verity makes, so that only a stuck one (a lock never released) meets it.
const STATEMENT_TIMEOUT: &str = "-c statement_timeout=300000";
/// Without an answer to TCP keepalives or to data sent for this long, the connection is taken for broken (a
/// server whose machine vanished, a network that dropped it): queries fail instead of waiting forever.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Postgres {
    config: postgres::Config,
    pool: Mutex<Pool>,
    returned: std::sync::Condvar,
    /// Connection attempts still waiting on a server after their caller gave up on them.
    abandoned: std::sync::Arc<AtomicUsize>,
    /// [`TEST_AFTER_IDLE`], but zero in tests, which then need not wait for a connection to age.
    pub(crate) test_after_idle: Duration,
}

#[derive(Default)]
struct Pool {
    /// Idle connections, each with when it was returned.
    idle: Vec<(Client, Instant)>,
    /// Connections open, idle or in use.
    open: usize,
}

/// Whether `e` says the database is out of reach (so that trying again later may work), rather than that it
/// refused what was asked.
pub(crate) fn out_of_reach(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(db) = e.as_db_error() {
        // Connection exceptions, and the server shutting down, crashing or starting up, or full.
        let code = db.code().code();
        return code.starts_with("08") || code.starts_with("57P") || code == "53300";
    }
    // The driver's own errors with an I/O cause: the connection broke.
    std::error::Error::source(e).is_some_and(|cause| cause.is::<std::io::Error>())
}

/// What a PostgreSQL error says, once: the server's message with its detail and hint, or the driver's.
pub(crate) fn message(e: &postgres::Error) -> String {
    let Some(db) = e.as_db_error() else { return e.to_string() };
    let mut message = db.message().to_string();
    for extra in [db.detail(), db.hint()].into_iter().flatten() {
        message.push_str(" (");
        message.push_str(extra);
        message.push(')');
    }
    message
}

/// A failure to connect is the database being out of reach, except where the server answered that the address
/// itself is wrong (no such role or database, a bad password): retrying would not help, and the user must act.
fn connect_error(e: postgres::Error) -> StoreError {
    match e.as_db_error().map(|db| db.code().code()) {
        Some(code) if code.starts_with("28") || code == "3D000" => StoreError::Postgres(e),
        _ => StoreError::Unavailable(message(&e)),
    }
}

/// Closes a connection on a thread of its own: a client owns a runtime, which must not be dropped where a
/// runtime is being driven (a server shutting down drops its store on one).
fn close(client: Client) {
    std::thread::spawn(move || drop(client));
}

impl Drop for Postgres {
    fn drop(&mut self) {
        for (client, _) in std::mem::take(&mut self.pool.get_mut().unwrap_or_else(|p| p.into_inner()).idle) {
            close(client);
        }
    }
}

/// A connection borrowed from the pool, returned to it when dropped (unless it broke).
pub(crate) struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Postgres,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("held until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let mut pool = self.pool.pool.lock().unwrap_or_else(|p| p.into_inner());
        if client.is_closed() {
            pool.open -= 1;
            close(client);
        } else {
            pool.idle.push((client, Instant::now()));
        }
        self.pool.returned.notify_one();
    }
}

/// The channel stored documents are announced on.
const DOCUMENT_CHANNEL: &str = "verity_documents";

/// A connection that listens on the job and document channels.
pub(crate) struct Listener {
    client: Option<Client>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            close(client);
        }
    }
}

impl Listener {
    pub(crate) fn wait(&mut self, timeout: std::time::Duration) -> Result<Vec<crate::Change>> {
        use postgres::fallible_iterator::FallibleIterator as _;
        let mut changes = Vec::new();
        let mut notifications = self.client.as_mut().expect("held until dropped").notifications();
        let first = notifications.timeout_iter(timeout).next()?;
        if let Some(first) = first {
            changes.push(first);
            // Whatever else has arrived by now, without waiting again.
            let mut more = notifications.iter();
            while let Some(next) = more.next()? {
                changes.push(next);
            }
        }
        Ok(changes
            .into_iter()
            .map(|n| match n.channel() {
                jobs::JOB_CHANNEL => crate::Change::Job(n.payload().to_string()),
                _ => crate::Change::Documents,
            })
            .collect())
    }
}

impl Postgres {
    pub(crate) fn listen(&self) -> Result<Listener> {
        let mut client = self.open_client()?;
        client.batch_execute(&format!("LISTEN {}; LISTEN {DOCUMENT_CHANNEL}", jobs::JOB_CHANNEL))?;
        Ok(Listener { client: Some(client) })
    }

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or a Unix socket
    /// directory as the percent-encoded host) and brings its schema up to date.
    pub(crate) fn connect(url: &str) -> Result<Postgres> {
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::BadDatabaseUrl(format!("{e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        let options = config.get_options().unwrap_or_default().to_string();
        if !options.contains("statement_timeout") {
            config.options(format!("{options} {STATEMENT_TIMEOUT}").trim());
        }
        let store = Postgres {
            config,
            pool: Mutex::default(),
            returned: std::sync::Condvar::new(),
            abandoned: Default::default(),
            test_after_idle: TEST_AFTER_IDLE,
        };
        schema::migrate(&mut *store.conn()?)?;
        Ok(store)
    }

    /// Opens a connection, within the connect timeout from the first packet to the server's last word of the
    /// handshake. The driver bounds only the TCP connect, and a server that accepts and never answers (a stopped
    /// process, a wedged proxy) would hold the handshake forever; so the attempt runs on a thread of its own and
    /// is abandoned when the time is up (the thread ends when the server answers or the socket breaks).
    fn open_client(&self) -> Result<Client> {
        let timeout = self.config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
        if self.abandoned.load(Ordering::Relaxed) >= ABANDONED_ATTEMPTS {
            return Err(StoreError::Unavailable(format!(
                "{ABANDONED_ATTEMPTS} earlier attempts to connect are still waiting for the server to answer"
            )));
        }
        const WAITING: u8 = 0;
        const ENDED: u8 = 1;
        const ABANDONED: u8 = 2;
        let (sender, answer) = std::sync::mpsc::sync_channel(1);
        let state = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(WAITING));
        let (config, abandoned, attempt) = (self.config.clone(), self.abandoned.clone(), state.clone());
        std::thread::spawn(move || {
            // A connection nobody waits for any more is dropped here, on this thread, which drives no runtime.
            let _ = sender.send(config.connect(NoTls));
            if attempt.swap(ENDED, Ordering::SeqCst) == ABANDONED {
                abandoned.fetch_sub(1, Ordering::SeqCst);
            }
        });
        let connected = match answer.recv_timeout(timeout) {
            Ok(connected) => connected,
            Err(_) => {
                // Counted before it is marked, so the thread's uncounting (which follows the mark) never comes
                // first; an attempt that ended meanwhile is taken after all.
                self.abandoned.fetch_add(1, Ordering::SeqCst);
                if state.compare_exchange(WAITING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    return Err(StoreError::Unavailable(format!(
                        "the server did not answer within {} s of connecting",
                        timeout.as_secs_f64()
                    )));
                }
                self.abandoned.fetch_sub(1, Ordering::SeqCst);
                answer.recv().expect("an attempt that ended has sent its result")
            }
        };
        connected.map_err(connect_error)
    }

    /// A connection from the pool, held until dropped: tests fill the pool with it.
    #[cfg(test)]
    pub(crate) fn hold_connection(&self) -> Conn<'_> {
        self.conn().expect("the test database is up")
    }

    fn conn(&self) -> Result<Conn<'_>> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some((mut client, returned)) = pool.idle.pop() {
                if returned.elapsed() < self.test_after_idle {
                    return Ok(Conn { client: Some(client), pool: self });
                }
                drop(pool);
                if client.is_valid(TEST_TIMEOUT).is_ok() {
                    return Ok(Conn { client: Some(client), pool: self });
                }
                // Broken while idle (the server restarted): closed, and the next one tried.
                close(client);
                pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
                pool.open -= 1;
                continue;
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return match self.open_client() {
                    Ok(client) => Ok(Conn { client: Some(client), pool: self }),
                    Err(e) => {
                        self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    pub(crate) fn put_documents(&self, batch: &[NewDocument<'_>], now: &str) -> Result<Vec<PutOutcome>> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        // One writer of documents at a time, as in SQLite: version ids are then committed in the order they are
        // numbered, so a reader that has seen version n has seen every version before it (the change sequence
        // search indexes follow).
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DOCUMENT_WRITES])?;
        let outcomes = batch.iter().map(|new| put_one(&mut tx, new, now)).collect::<Result<Vec<_>>>()?;
        if outcomes.iter().any(|o| *o != PutOutcome::Unchanged) {
            tx.execute("SELECT pg_notify($1, '')", &[&DOCUMENT_CHANNEL])?;
        }
        tx.commit()?;
        Ok(outcomes)
    }

    pub(crate) fn changes_after(&self, position: i64, limit: usize) -> Result<Vec<IndexItem>> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT d.id, d.external_id, v.id, v.title, v.text FROM versions v JOIN documents d ON d.latest_version_id = v.id
             WHERE v.id > $1 ORDER BY v.id LIMIT $2",
            &[&position, &sql_limit(limit)],
        )?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let (version_id, text): (i64, String) = (r.get(2), r.get(4));
            let spans = conn.query(
                "SELECT id, start, \"end\" FROM passages WHERE version_id = $1 ORDER BY ordinal",
                &[&version_id],
            )?;
            let passages = spans
                .iter()
                .map(|p| {
                    let (start, end) = (p.get::<_, i64>(1) as usize, p.get::<_, i64>(2) as usize);
                    Passage { passage_id: p.get(0), version_id, start, end, text: text[start..end].to_string() }
                })
                .collect();
            items.push(IndexItem {
                document_id: r.get(0),
                external_id: r.get(1),
                version_id,
                title: r.get(3),
                text,
                passages,
            });
        }
        Ok(items)
    }

    pub(crate) fn changes_after_count(&self, position: i64) -> Result<usize> {
        let row =
            self.conn()?.query_one("SELECT COUNT(*) FROM documents WHERE latest_version_id > $1", &[&position])?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    pub(crate) fn version_records_after(&self, after: i64, limit: usize) -> Result<Vec<VersionRecord>> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT v.id, d.external_id, v.version, v.content_hash, v.title, v.text, v.url, v.outlet, v.published,
                    v.author, v.ingested_at, v.fetched_at, v.http_status, v.text_sha256
             FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id > $1 ORDER BY v.id LIMIT $2",
            &[&after, &sql_limit(limit)],
        )?;
        let mut records: Vec<VersionRecord> = rows
            .iter()
            .map(|r| VersionRecord {
                id: r.get(0),
                version: r.get::<_, i64>(2) as u32,
                content_hash: r.get(3),
                document: Document {
                    external_id: r.get(1),
                    title: r.get(4),
                    text: r.get(5),
                    url: r.get(6),
                    outlet: r.get(7),
                    published: r.get(8),
                    author: r.get(9),
                },
                ingested_at: r.get(10),
                fetched_at: r.get(11),
                http_status: r.get::<_, Option<i32>>(12).map(i64::from),
                text_sha256: r.get(13),
                passages: Vec::new(),
            })
            .collect();
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        let spans = conn.query(
            "SELECT version_id, id, start, \"end\" FROM passages WHERE version_id = ANY($1) ORDER BY version_id, ordinal",
            &[&ids],
        )?;
        for span in spans {
            let version_id: i64 = span.get(0);
            if let Some(record) = records.iter_mut().find(|r| r.id == version_id) {
                record.passages.push((span.get(1), span.get(2), span.get(3)));
            }
        }
        Ok(records)
    }

    pub(crate) fn import_versions(&self, records: &[VersionRecord]) -> Result<usize> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DOCUMENT_WRITES])?;
        let mut new = 0;
        for r in records {
            tx.execute(
                "INSERT INTO documents (external_id) VALUES ($1) ON CONFLICT (external_id) DO NOTHING",
                &[&r.document.external_id],
            )?;
            let document_id: i64 =
                tx.query_one("SELECT id FROM documents WHERE external_id = $1", &[&r.document.external_id])?.get(0);
            let inserted = tx.execute(
                "INSERT INTO versions (id, document_id, version, content_hash, title, text, url, outlet, published,
                     author, ingested_at, fetched_at, http_status, text_sha256)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
                &[
                    &r.id,
                    &document_id,
                    &(r.version as i64),
                    &r.content_hash,
                    &r.document.title,
                    &r.document.text,
                    &r.document.url,
                    &r.document.outlet,
                    &r.document.published,
                    &r.document.author,
                    &r.ingested_at,
                    &r.fetched_at,
                    &r.http_status.map(|s| s as i32),
                    &r.text_sha256,
                ],
            )?;
            let held = tx.query_one("SELECT content_hash, document_id FROM versions WHERE id = $1", &[&r.id])?;
            if held.get::<_, String>(0) != r.content_hash || held.get::<_, i64>(1) != document_id {
                return Err(StoreError::Conflict { id: r.id });
            }
            if inserted == 0 {
                continue;
            }
            new += 1;
            let ids: Vec<i64> = r.passages.iter().map(|p| p.0).collect();
            let starts: Vec<i64> = r.passages.iter().map(|p| p.1).collect();
            let ends: Vec<i64> = r.passages.iter().map(|p| p.2).collect();
            tx.execute(
                "INSERT INTO passages (id, version_id, ordinal, start, \"end\")
                 SELECT id, $1, n - 1, start, stop
                 FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS given(id, start, stop, n)
                 ON CONFLICT (id) DO NOTHING",
                &[&r.id, &ids, &starts, &ends],
            )?;
            tx.execute(
                "UPDATE documents SET latest_version_id = $1
                 WHERE id = $2 AND (latest_version_id IS NULL OR latest_version_id < $1)",
                &[&r.id, &document_id],
            )?;
        }
        tx.execute("SELECT pg_notify($1, '')", &[&DOCUMENT_CHANNEL])?;
        // Ids given explicitly do not move the sequences: new rows must be numbered after the copied ones.
        tx.batch_execute(
            "SELECT setval(pg_get_serial_sequence('versions', 'id'), GREATEST((SELECT MAX(id) FROM versions), 1));
             SELECT setval(pg_get_serial_sequence('passages', 'id'), GREATEST((SELECT MAX(id) FROM passages), 1));",
        )?;
        tx.commit()?;
        Ok(new)
    }

    pub(crate) fn last_version_id(&self) -> Result<i64> {
        Ok(self.conn()?.query_one("SELECT COALESCE(MAX(id), 0) FROM versions", &[])?.get(0))
    }

    pub(crate) fn vector_models(&self) -> Result<Vec<String>> {
        let rows = self.conn()?.query("SELECT DISTINCT model FROM passage_vectors ORDER BY model", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub(crate) fn supporter_events(&self) -> Result<Vec<SupporterEvent>> {
        let rows = self.conn()?.query(
            "SELECT event_id, kind, amount, currency, received_at FROM supporter_events ORDER BY received_at, event_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| SupporterEvent {
                event_id: r.get(0),
                kind: r.get(1),
                amount: r.get(2),
                currency: r.get(3),
                received_at: r.get(4),
            })
            .collect())
    }

    pub(crate) fn settings(&self) -> Result<Vec<(String, String)>> {
        let rows = self.conn()?.query("SELECT key, value FROM settings ORDER BY key", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(crate) fn feed_items(&self, feed: &str) -> Result<Vec<(String, String)>> {
        let rows = self.conn()?.query(
            "SELECT item_url, seen_at FROM feed_items WHERE feed_url = $1 ORDER BY seen_at, item_url",
            &[&feed],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(crate) fn passages(&self, ids: &[i64]) -> Result<Vec<(Passage, SourceMeta)>> {
        let rows = self.conn()?.query(
            &format!(
                "SELECT {SOURCE_COLUMNS}, p.id, p.start, p.\"end\",
                        substring(convert_to(v.text, 'UTF8') FROM (p.start + 1)::int FOR (p.\"end\" - p.start)::int)
                 FROM unnest($1::bigint[]) WITH ORDINALITY AS wanted(id, n)
                 JOIN passages p ON p.id = wanted.id JOIN versions v ON v.id = p.version_id
                 JOIN documents d ON d.id = v.document_id ORDER BY wanted.n"
            ),
            &[&ids],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let meta = source_meta(r);
                let bytes: Vec<u8> = r.get(AFTER_SOURCE + 3);
                let passage = Passage {
                    passage_id: r.get(AFTER_SOURCE),
                    version_id: meta.version_id,
                    start: r.get::<_, i64>(AFTER_SOURCE + 1) as usize,
                    end: r.get::<_, i64>(AFTER_SOURCE + 2) as usize,
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                };
                (passage, meta)
            })
            .collect())
    }

    pub(crate) fn version(&self, version_id: i64) -> Result<Option<StoredVersion>> {
        let row = self.conn()?.query_opt(
            &format!(
                "SELECT {SOURCE_COLUMNS}, v.text, v.content_hash
                 FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id = $1"
            ),
            &[&version_id],
        )?;
        Ok(row.map(|r| StoredVersion {
            meta: source_meta(&r),
            text: r.get(AFTER_SOURCE),
            content_hash: r.get(AFTER_SOURCE + 1),
        }))
    }

    pub(crate) fn versions_of(&self, external_id: &str) -> Result<Vec<StoredVersion>> {
        let rows = self.conn()?.query(
            &format!(
                "SELECT {SOURCE_COLUMNS}, v.text, v.content_hash
                 FROM versions v JOIN documents d ON d.id = v.document_id WHERE d.external_id = $1 ORDER BY v.version"
            ),
            &[&external_id],
        )?;
        Ok(rows
            .iter()
            .map(|r| StoredVersion {
                meta: source_meta(r),
                text: r.get(AFTER_SOURCE),
                content_hash: r.get(AFTER_SOURCE + 1),
            })
            .collect())
    }

    pub(crate) fn counts(&self) -> Result<Counts> {
        let row = self.conn()?.query_one(
            "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM versions),
                    (SELECT COUNT(*) FROM passages), (SELECT COUNT(*) FROM reports)",
            &[],
        )?;
        let n = |i: usize| row.get::<_, i64>(i) as usize;
        Ok(Counts { documents: n(0), versions: n(1), passages: n(2), reports: n(3) })
    }

    pub(crate) fn passages_without_vectors(
        &self,
        model: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<UnembeddedPassage>> {
        let rows = self.conn()?.query(
            "SELECT p.id, v.title, substring(convert_to(v.text, 'UTF8') FROM (p.start + 1)::int FOR (p.\"end\" - p.start)::int)
             FROM documents d JOIN versions v ON v.id = d.latest_version_id JOIN passages p ON p.version_id = v.id
             WHERE p.id > $3
               AND NOT EXISTS (SELECT 1 FROM passage_vectors pv WHERE pv.passage_id = p.id AND pv.model = $1)
             ORDER BY p.id LIMIT $2",
            &[&model, &sql_limit(limit), &after],
        )?;
        Ok(rows
            .iter()
            .map(|r| UnembeddedPassage {
                passage_id: r.get(0),
                title: r.get(1),
                text: String::from_utf8_lossy(r.get::<_, &[u8]>(2)).into_owned(),
            })
            .collect())
    }

    pub(crate) fn vector_coverage(&self, model: &str) -> Result<(usize, usize)> {
        let row = self.conn()?.query_one(
            "SELECT COUNT(pv.passage_id), COUNT(*)
             FROM documents d JOIN passages p ON p.version_id = d.latest_version_id
             LEFT JOIN passage_vectors pv ON pv.passage_id = p.id AND pv.model = $1",
            &[&model],
        )?;
        Ok((row.get::<_, i64>(0) as usize, row.get::<_, i64>(1) as usize))
    }

    pub(crate) fn put_vectors(&self, model: &str, vectors: &[(i64, Vec<f32>)]) -> Result<()> {
        let ids: Vec<i64> = vectors.iter().map(|(id, _)| *id).collect();
        let blobs: Vec<Vec<u8>> =
            vectors.iter().map(|(_, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect()).collect();
        self.conn()?.execute(
            "INSERT INTO passage_vectors (passage_id, model, vector)
             SELECT id, $1, vector FROM unnest($2::bigint[], $3::bytea[]) AS given(id, vector)
             ON CONFLICT (passage_id, model) DO UPDATE SET vector = EXCLUDED.vector",
            &[&model, &ids, &blobs],
        )?;
        Ok(())
    }

    pub(crate) fn vectors_after(&self, model: &str, after: i64) -> Result<Vec<(i64, Vec<f32>)>> {
        let rows = self.conn()?.query(
            "SELECT pv.passage_id, pv.vector FROM passage_vectors pv JOIN passages p ON p.id = pv.passage_id
             JOIN documents d ON d.latest_version_id = p.version_id WHERE pv.model = $1 AND pv.passage_id > $2
             ORDER BY pv.passage_id",
            &[&model, &after],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let bytes: &[u8] = r.get(1);
                let vector = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                (r.get(0), vector)
            })
            .collect())
    }

    pub(crate) fn document_keys(&self) -> Result<std::collections::HashMap<i64, String>> {
        let rows = self.conn()?.query("SELECT id, external_id FROM documents", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(crate) fn passage_document_map(&self) -> Result<std::collections::HashMap<i64, String>> {
        let rows = self.conn()?.query(
            "SELECT p.id, d.external_id FROM documents d JOIN passages p ON p.version_id = d.latest_version_id",
            &[],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    // Reports.

    pub(crate) fn save_report(&self, report: &Report, topics: &[(String, String)], created_at: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        save_report_in(&mut tx, report, topics, created_at)?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn report(&self, key: &str) -> Result<Option<Report>> {
        let prefix = format!("{}%", key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let row = self.conn()?.query_opt(
            "SELECT id, body FROM reports WHERE id = $1 OR slug = $1
             UNION ALL SELECT id, body FROM reports WHERE id LIKE $2
                 AND (SELECT COUNT(*) FROM reports WHERE id LIKE $2) = 1
             LIMIT 1",
            &[&key, &prefix],
        )?;
        row.map(|r| parse_report(r.get(0), r.get(1))).transpose()
    }

    pub(crate) fn report_version(&self, id: &str, version: u32) -> Result<Option<Report>> {
        let row = self.conn()?.query_opt(
            "SELECT body FROM report_versions WHERE report_id = $1 AND version = $2",
            &[&id, &(version as i64)],
        )?;
        row.map(|r| parse_report(id.to_string(), r.get(0))).transpose()
    }

    pub(crate) fn report_versions(&self, id: &str) -> Result<Vec<VersionSummary>> {
        let rows = self.conn()?.query(
            "SELECT version, verdict, confidence, checked_on, created_at FROM report_versions
             WHERE report_id = $1 ORDER BY version",
            &[&id],
        )?;
        Ok(rows
            .iter()
            .map(|r| VersionSummary {
                version: r.get::<_, i64>(0) as u32,
                verdict: label(r.get(1)),
                confidence: r.get::<_, f64>(2) as f32,
                checked_on: r.get(3),
                created_at: r.get(4),
            })
            .collect())
    }

    pub(crate) fn reports_page(
        &self,
        filter: &ReportFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        let condition = "($1::text IS NULL OR r.category = $1)
             AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM report_topics t WHERE t.report_id = r.id AND t.topic = $2))";
        let mut conn = self.conn()?;
        let total: i64 = conn
            .query_one(
                &format!("SELECT COUNT(*) FROM reports r WHERE {condition}"),
                &[&filter.category, &filter.topic],
            )?
            .get(0);
        let rows = conn.query(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM reports r WHERE {condition}
                 ORDER BY r.created_at DESC, r.seq DESC LIMIT $3 OFFSET $4"
            ),
            &[&filter.category, &filter.topic, &sql_limit(limit), &sql_limit(offset)],
        )?;
        Ok(Page { items: rows.iter().map(summary).collect(), total: total as usize })
    }

    pub(crate) fn search_reports(
        &self,
        terms: &[String],
        all: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        // Each term is letters and digits only (`search_terms`), so the query is words, never tsquery syntax.
        let Some(words) = search_terms(terms) else { return Ok(Page { items: Vec::new(), total: 0 }) };
        let query = words.join(if all { " & " } else { " | " });
        let mut conn = self.conn()?;
        let total: i64 =
            conn.query_one("SELECT COUNT(*) FROM reports WHERE search @@ to_tsquery('english', $1)", &[&query])?.get(0);
        let rows = conn.query(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM reports r, to_tsquery('english', $1) q WHERE r.search @@ q
                 ORDER BY ts_rank(r.search, q) DESC, r.created_at DESC LIMIT $2 OFFSET $3"
            ),
            &[&query, &sql_limit(limit), &sql_limit(offset)],
        )?;
        Ok(Page { items: rows.iter().map(summary).collect(), total: total as usize })
    }

    pub(crate) fn categories(&self) -> Result<Vec<(String, usize)>> {
        let rows = self
            .conn()?
            .query("SELECT category, COUNT(*) FROM reports GROUP BY category ORDER BY COUNT(*) DESC, category", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get::<_, i64>(1) as usize)).collect())
    }

    pub(crate) fn topics(&self, min_reports: usize, limit: usize) -> Result<Vec<Topic>> {
        let rows = self.conn()?.query(
            "SELECT topic, MIN(name), COUNT(*) FROM report_topics GROUP BY topic HAVING COUNT(*) >= $1
             ORDER BY COUNT(*) DESC, topic LIMIT $2",
            &[&(min_reports as i64), &sql_limit(limit)],
        )?;
        Ok(rows.iter().map(|r| Topic { key: r.get(0), name: r.get(1), reports: r.get::<_, i64>(2) as usize }).collect())
    }

    pub(crate) fn topics_of(&self, id: &str) -> Result<Vec<Topic>> {
        let rows = self.conn()?.query(
            "SELECT t.topic, t.name, (SELECT COUNT(*) FROM report_topics u WHERE u.topic = t.topic)
             FROM report_topics t WHERE t.report_id = $1 ORDER BY t.name",
            &[&id],
        )?;
        Ok(rows.iter().map(|r| Topic { key: r.get(0), name: r.get(1), reports: r.get::<_, i64>(2) as usize }).collect())
    }

    pub(crate) fn corrections(&self, limit: usize) -> Result<Vec<Correction>> {
        let rows = self.conn()?.query(
            &format!(
                "SELECT {SUMMARY_COLUMNS}, c.version, c.previous, c.verdict, c.checked_on FROM (
                     SELECT report_id, version, verdict, checked_on, created_at,
                            LAG(verdict) OVER (PARTITION BY report_id ORDER BY version) AS previous
                     FROM report_versions) c
                 JOIN reports r ON r.id = c.report_id
                 WHERE c.previous IS NOT NULL AND c.previous <> c.verdict
                 ORDER BY c.created_at DESC, c.version DESC LIMIT $1"
            ),
            &[&sql_limit(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| Correction {
                report: summary(r),
                version: r.get::<_, i64>(8) as u32,
                from: label(r.get(9)),
                to: label(r.get(10)),
                changed_on: r.get(11),
            })
            .collect())
    }

    pub(crate) fn delete_report(&self, id: &str) -> Result<bool> {
        // Versions and topics go with the report (ON DELETE CASCADE).
        Ok(self.conn()?.execute("DELETE FROM reports WHERE id = $1", &[&id])? > 0)
    }

    // The site.

    pub(crate) fn record_supporter(
        &self,
        event_id: &str,
        kind: &str,
        amount: Option<i64>,
        currency: Option<&str>,
        received_at: &str,
    ) -> Result<bool> {
        let inserted = self.conn()?.execute(
            "INSERT INTO supporter_events (event_id, kind, amount, currency, received_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (event_id) DO NOTHING",
            &[&event_id, &kind, &amount, &currency.map(|c| c.to_ascii_lowercase()), &received_at],
        )?;
        Ok(inserted == 1)
    }

    pub(crate) fn supporter_totals(&self, since: &str, currency: &str) -> Result<SupporterTotals> {
        let row = self.conn()?.query_one(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN currency = $2 THEN amount END), 0)::bigint
             FROM supporter_events WHERE received_at >= $1",
            &[&since, &currency.to_ascii_lowercase()],
        )?;
        Ok(SupporterTotals { supporters: row.get::<_, i64>(0) as usize, amount: row.get(1) })
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn()?.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    pub(crate) fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
            &[&key, &value],
        )?;
        Ok(())
    }

    // Feeds.

    pub(crate) fn add_feed(&self, url: &str, now: &str) -> Result<bool> {
        let added = self
            .conn()?
            .execute("INSERT INTO feeds (url, added_at) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING", &[&url, &now])?;
        Ok(added == 1)
    }

    pub(crate) fn remove_feed(&self, url: &str) -> Result<bool> {
        // Its items go with it (ON DELETE CASCADE).
        Ok(self.conn()?.execute("DELETE FROM feeds WHERE url = $1", &[&url])? == 1)
    }

    pub(crate) fn feeds(&self) -> Result<Vec<FeedRow>> {
        let rows = self.conn()?.query(
            "SELECT f.url, f.title, f.etag, f.last_modified, f.added_at, f.polled_at, f.last_error,
                    (SELECT COUNT(*) FROM feed_items i WHERE i.feed_url = f.url)
             FROM feeds f ORDER BY f.added_at, f.url",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| FeedRow {
                url: r.get(0),
                title: r.get(1),
                etag: r.get(2),
                last_modified: r.get(3),
                added_at: r.get(4),
                polled_at: r.get(5),
                last_error: r.get(6),
                items: r.get::<_, i64>(7) as usize,
            })
            .collect())
    }

    pub(crate) fn feed_polled(&self, url: &str, poll: &FeedPoll<'_>, now: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute(
            "UPDATE feeds SET polled_at = $2, last_error = $3, title = COALESCE($4, title) WHERE url = $1",
            &[&url, &now, &poll.error, &poll.title],
        )?;
        if let Some((etag, last_modified)) = poll.validators {
            tx.execute(
                "UPDATE feeds SET etag = $2, last_modified = $3 WHERE url = $1",
                &[&url, &etag, &last_modified],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn unseen_items(&self, feed: &str, urls: &[String]) -> Result<Vec<String>> {
        let rows = self.conn()?.query(
            "SELECT given.url FROM unnest($2::text[]) WITH ORDINALITY AS given(url, n)
             WHERE NOT EXISTS (SELECT 1 FROM feed_items i WHERE i.feed_url = $1 AND i.item_url = given.url)
             ORDER BY given.n",
            &[&feed, &urls],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub(crate) fn mark_items(&self, feed: &str, urls: &[String], now: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO feed_items (feed_url, item_url, seen_at) SELECT $1, url, $3 FROM unnest($2::text[]) AS given(url)
             ON CONFLICT DO NOTHING",
            &[&feed, &urls, &now],
        )?;
        Ok(())
    }
}

fn put_one(tx: &mut Transaction<'_>, new: &NewDocument<'_>, now: &str) -> Result<PutOutcome> {
    let doc = new.document;
    let hash = content_hash(doc);
    // The row lock makes concurrent writers of one document take turns: each sees the other's version.
    tx.execute(
        "INSERT INTO documents (external_id) VALUES ($1) ON CONFLICT (external_id) DO NOTHING",
        &[&doc.external_id],
    )?;
    let row = tx.query_one(
        "SELECT d.id, v.content_hash, v.version FROM documents d LEFT JOIN versions v ON v.id = d.latest_version_id
         WHERE d.external_id = $1 FOR UPDATE OF d",
        &[&doc.external_id],
    )?;
    let document_id: i64 = row.get(0);
    let (latest_hash, latest_version): (Option<String>, Option<i64>) = (row.get(1), row.get(2));
    if latest_hash.as_deref() == Some(hash.as_str()) {
        return Ok(PutOutcome::Unchanged);
    }
    let version = latest_version.unwrap_or(0) + 1;
    let fetched_status = new.fetched.map(|f| f.status as i32);
    let version_id: i64 = tx
        .query_one(
            "INSERT INTO versions (document_id, version, content_hash, title, text, url, outlet, published, author,
                                   ingested_at, fetched_at, http_status, text_sha256)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                &document_id,
                &version,
                &hash,
                &doc.title,
                &doc.text,
                &doc.url,
                &doc.outlet,
                &doc.published,
                &doc.author,
                &now,
                &new.fetched.map(|f| f.at.as_str()),
                &fetched_status,
                &new.fetched.map(|f| f.text_sha256.as_str()),
            ],
        )?
        .get(0);
    let starts: Vec<i64> = new.passages.iter().map(|(start, _)| *start as i64).collect();
    let ends: Vec<i64> = new.passages.iter().map(|(_, end)| *end as i64).collect();
    tx.execute(
        "INSERT INTO passages (version_id, ordinal, start, \"end\")
         SELECT $1, n - 1, start, stop FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS given(start, stop, n)",
        &[&version_id, &starts, &ends],
    )?;
    tx.execute("UPDATE documents SET latest_version_id = $1 WHERE id = $2", &[&version_id, &document_id])?;
    Ok(stored(version, version_id, new.passages.len()))
}

fn source_meta(r: &Row) -> SourceMeta {
    SourceMeta {
        version_id: r.get(0),
        version: r.get::<_, i64>(1) as u32,
        title: r.get(2),
        url: r.get(3),
        outlet: r.get(4),
        published: r.get(5),
        author: r.get(6),
        doc_id: r.get(7),
        fetched_at: r.get(8),
    }
}

fn summary(r: &Row) -> ReportSummary {
    ReportSummary {
        id: r.get(0),
        slug: r.get(1),
        category: r.get(2),
        version: r.get::<_, i64>(3) as u32,
        question: r.get(4),
        verdict: label(r.get(5)),
        confidence: r.get::<_, f64>(6) as f32,
        checked_on: r.get(7),
    }
}

/// Saves a report inside the caller's transaction (a job completes in the same one).
fn save_report_in(
    tx: &mut Transaction<'_>,
    report: &Report,
    topics: &[(String, String)],
    created_at: &str,
) -> Result<()> {
    let body = serde_json::to_string(report).expect("a report always serialises");
    let (verdict, confidence, version) =
        (report.verdict.label.as_str(), report.verdict.confidence as f64, report.version as i64);
    tx.execute(
            "INSERT INTO reports (id, slug, question, claim, verdict, confidence, checked_on, created_at, body, category, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET slug = $2, question = $3, claim = $4, verdict = $5, confidence = $6,
                 checked_on = $7, created_at = $8, body = $9, category = $10, version = $11",
            &[
                &report.id,
                &report.slug,
                &report.question,
                &report.claim.text,
                &verdict,
                &confidence,
                &report.checked_on,
                &created_at,
                &body,
                &report.category,
                &version,
            ],
        )?;
    tx.execute(
        "INSERT INTO report_versions (report_id, version, verdict, confidence, checked_on, created_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (report_id, version) DO UPDATE SET verdict = $3, confidence = $4, checked_on = $5,
                 created_at = $6, body = $7",
        &[&report.id, &version, &verdict, &confidence, &report.checked_on, &created_at, &body],
    )?;
    tx.execute("DELETE FROM report_topics WHERE report_id = $1", &[&report.id])?;
    for (key, name) in topics {
        tx.execute(
            "INSERT INTO report_topics (report_id, topic, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&report.id, key, name],
        )?;
    }
    Ok(())
}
