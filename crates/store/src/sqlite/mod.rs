//! The SQLite back end: one database file (or an in-memory database), one writer at a time, readers on
//! connections of their own (WAL). Every query here has a PostgreSQL twin in `crate::postgres`.

mod feeds;
mod jobs;
mod reports;
mod schema;
mod site;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use verity_model::{Document, Passage, SourceMeta};

use crate::shared::{AFTER_SOURCE, SOURCE_COLUMNS, stored};
use crate::{
    Counts, IndexItem, NewDocument, PutOutcome, Result, StoreError, StoredVersion, UnembeddedPassage, VersionRecord,
    content_hash, sql_limit,
};

#[cfg(test)]
pub(crate) use schema::MIGRATIONS;

/// A path as a SQLite URI's path: the characters a URI gives a meaning to are percent-encoded.
fn uri_path(path: &Path) -> String {
    const MEANINGFUL: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');
    percent_encoding::utf8_percent_encode(&path.to_string_lossy(), MEANINGFUL).to_string()
}

/// The SQLite store: one connection writes, one transaction at a time; every read takes a connection of its own from a
/// small pool, so readers never wait for the writer (SQLite's WAL lets them read the last commit meanwhile). The store
/// is `Sync`: a server shares one among its threads.
pub(crate) struct Sqlite {
    writer: Mutex<Connection>,
    /// Idle read connections, opened on demand and kept for the next read.
    readers: Mutex<Vec<Connection>>,
    /// What read connections open: the database file, or the shared-cache name of an in-memory one.
    target: String,
}

/// Read connections kept idle; more are opened when more threads read at once, and closed when returned.
const IDLE_READERS: usize = 8;

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub(crate) fn open(path: &Path) -> Result<Sqlite> {
        Sqlite::init(Connection::open(path)?, path.to_string_lossy().into_owned())
    }

    /// Opens an existing database only to read it, changing nothing: for a data directory the user may not write
    /// (a read-only mount, another user's archive). WAL needs a shared-memory file beside the database; where none
    /// is left and none can be made, the database is opened as immutable, which is safe because nothing can write
    /// it there either. Writes through this store fail with SQLite's "readonly database".
    pub(crate) fn open_read_only(path: &Path) -> Result<Sqlite> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let plain = format!("file:{}", uri_path(path));
        let immutable = format!("{plain}?immutable=1");
        let mut last = None;
        for target in [plain, immutable] {
            let opened = Connection::open_with_flags(&target, flags).map_err(StoreError::from).and_then(|conn| {
                conn.busy_timeout(BUSY_TIMEOUT)?;
                schema::check_current(&conn)?;
                Ok(conn)
            });
            match opened {
                Ok(conn) => return Ok(Sqlite { writer: Mutex::new(conn), readers: Mutex::default(), target }),
                Err(e @ (StoreError::TooNew { .. } | StoreError::NeedsUpgrade { .. })) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("two attempts were made"))
    }

    /// An in-memory store, for tests (its read connections share its memory).
    pub(crate) fn open_in_memory() -> Result<Sqlite> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "file:verity-memory-{}-{}?mode=memory&cache=shared",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_URI;
        Sqlite::init(Connection::open_with_flags(&name, flags)?, name)
    }

    fn init(mut conn: Connection, target: String) -> Result<Sqlite> {
        // The busy timeout first: switching a new database to WAL takes a lock another opener may hold.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(Sqlite { writer: Mutex::new(conn), readers: Mutex::default(), target })
    }

    /// The write connection, for one write at a time.
    pub(crate) fn write(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read connection of this thread's own for as long as the guard lives.
    fn read(&self) -> Result<Reader<'_>> {
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
                let conn = Connection::open_with_flags(&self.target, flags)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn
            }
        };
        Ok(Reader { conn: Some(conn), store: self })
    }

    /// Stores a batch of documents in one transaction: either the whole batch lands or none of it does.
    pub(crate) fn put_documents(&self, batch: &[NewDocument<'_>], now: &str) -> Result<Vec<PutOutcome>> {
        let mut conn = self.write();
        let tx = write_transaction(&mut conn)?;
        let outcomes = batch.iter().map(|new| put_one(&tx, new, now)).collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(outcomes)
    }

    pub(crate) fn changes_after(&self, position: i64, limit: usize) -> Result<Vec<IndexItem>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT d.id, d.external_id, v.id, v.title, v.text FROM versions v JOIN documents d ON d.latest_version_id = v.id
             WHERE v.id > ?1 ORDER BY v.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![position, sql_limit(limit)], |r| {
            Ok(IndexItem {
                document_id: r.get(0)?,
                external_id: r.get(1)?,
                version_id: r.get(2)?,
                title: r.get(3)?,
                text: r.get(4)?,
                passages: vec![],
            })
        })?;
        let mut items = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for item in &mut items {
            item.passages = self.version_passages(item.version_id, &item.text)?;
        }
        Ok(items)
    }

    pub(crate) fn changes_after_count(&self, position: i64) -> Result<usize> {
        let conn = self.read()?;
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM documents WHERE latest_version_id > ?1", [position], |r| r.get(0))?;
        Ok(n as usize)
    }

    pub(crate) fn version_records_after(&self, after: i64, limit: usize) -> Result<Vec<VersionRecord>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT v.id, d.external_id, v.version, v.content_hash, v.title, v.text, v.url, v.outlet, v.published,
                    v.author, v.ingested_at, v.fetched_at, v.http_status, v.text_sha256
             FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id > ?1 ORDER BY v.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, sql_limit(limit)], |r| {
            Ok(VersionRecord {
                id: r.get(0)?,
                version: r.get::<_, i64>(2)? as u32,
                content_hash: r.get(3)?,
                document: Document {
                    external_id: r.get(1)?,
                    title: r.get(4)?,
                    text: r.get(5)?,
                    url: r.get(6)?,
                    outlet: r.get(7)?,
                    published: r.get(8)?,
                    author: r.get(9)?,
                },
                ingested_at: r.get(10)?,
                fetched_at: r.get(11)?,
                http_status: r.get(12)?,
                text_sha256: r.get(13)?,
                passages: Vec::new(),
            })
        })?;
        let mut records = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut spans =
            conn.prepare_cached("SELECT id, start, end FROM passages WHERE version_id = ?1 ORDER BY ordinal")?;
        for record in &mut records {
            record.passages = spans
                .query_map([record.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(records)
    }

    pub(crate) fn import_versions(&self, records: &[VersionRecord]) -> Result<usize> {
        let mut conn = self.write();
        let tx = write_transaction(&mut conn)?;
        let mut new = 0;
        for r in records {
            tx.prepare_cached("INSERT OR IGNORE INTO documents (external_id) VALUES (?1)")?
                .execute([&r.document.external_id])?;
            let document_id: i64 = tx
                .prepare_cached("SELECT id FROM documents WHERE external_id = ?1")?
                .query_row([&r.document.external_id], |row| row.get(0))?;
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO versions (id, document_id, version, content_hash, title, text, url, outlet,
                         published, author, ingested_at, fetched_at, http_status, text_sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                )?
                .execute(params![
                    r.id,
                    document_id,
                    r.version,
                    r.content_hash,
                    r.document.title,
                    r.document.text,
                    r.document.url,
                    r.document.outlet,
                    r.document.published,
                    r.document.author,
                    r.ingested_at,
                    r.fetched_at,
                    r.http_status,
                    r.text_sha256
                ])?;
            let (hash, owner): (String, i64) = tx
                .prepare_cached("SELECT content_hash, document_id FROM versions WHERE id = ?1")?
                .query_row([r.id], |row| Ok((row.get(0)?, row.get(1)?)))?;
            if hash != r.content_hash || owner != document_id {
                return Err(StoreError::Conflict { id: r.id });
            }
            if inserted == 0 {
                continue;
            }
            new += 1;
            let mut passage = tx.prepare_cached(
                "INSERT OR IGNORE INTO passages (id, version_id, ordinal, start, end) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (ordinal, (id, start, end)) in r.passages.iter().enumerate() {
                passage.execute(params![id, r.id, ordinal as i64, start, end])?;
            }
            tx.prepare_cached(
                "UPDATE documents SET latest_version_id = ?1
                 WHERE id = ?2 AND (latest_version_id IS NULL OR latest_version_id < ?1)",
            )?
            .execute([r.id, document_id])?;
        }
        tx.commit()?;
        Ok(new)
    }

    pub(crate) fn last_version_id(&self) -> Result<i64> {
        let conn = self.read()?;
        Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM versions", [], |r| r.get(0))?)
    }

    pub(crate) fn vector_models(&self) -> Result<Vec<String>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached("SELECT DISTINCT model FROM passage_vectors ORDER BY model")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    fn version_passages(&self, version_id: i64, text: &str) -> Result<Vec<Passage>> {
        let conn = self.read()?;
        let mut stmt =
            conn.prepare_cached("SELECT id, start, end FROM passages WHERE version_id = ?1 ORDER BY ordinal")?;
        let rows = stmt.query_map([version_id], |r| {
            let (start, end): (i64, i64) = (r.get(1)?, r.get(2)?);
            Ok((r.get::<_, i64>(0)?, start as usize, end as usize))
        })?;
        rows.map(|row| {
            let (passage_id, start, end) = row?;
            Ok(Passage { passage_id, version_id, start, end, text: text[start..end].to_string() })
        })
        .collect()
    }

    /// Passages by id, each with the metadata of its document version; unknown ids are left out.
    pub(crate) fn passages(&self, ids: &[i64]) -> Result<Vec<(Passage, SourceMeta)>> {
        let conn = self.read()?;
        // SQLite's substr counts characters in text, so the passage is sliced from the text cast to bytes.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SOURCE_COLUMNS}, p.id, p.start, p.end, substr(CAST(v.text AS BLOB), p.start + 1, p.end - p.start)
             FROM passages p JOIN versions v ON v.id = p.version_id JOIN documents d ON d.id = v.document_id
             WHERE p.id = ?1"
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = stmt
                .query_row([id], |r| {
                    let meta = source_meta(r)?;
                    let bytes: Vec<u8> = r.get(AFTER_SOURCE + 3)?;
                    let passage = Passage {
                        passage_id: r.get(AFTER_SOURCE)?,
                        version_id: meta.version_id,
                        start: r.get::<_, i64>(AFTER_SOURCE + 1)? as usize,
                        end: r.get::<_, i64>(AFTER_SOURCE + 2)? as usize,
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    };
                    Ok((passage, meta))
                })
                .optional()?;
            out.extend(row);
        }
        Ok(out)
    }

    /// One stored version by its id, with its full text.
    pub(crate) fn version(&self, version_id: i64) -> Result<Option<StoredVersion>> {
        let conn = self.read()?;
        conn.query_row(
            &format!(
                "SELECT {SOURCE_COLUMNS}, v.text, v.content_hash
                     FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id = ?1"
            ),
            [version_id],
            |r| {
                Ok(StoredVersion {
                    meta: source_meta(r)?,
                    text: r.get(AFTER_SOURCE)?,
                    content_hash: r.get(AFTER_SOURCE + 1)?,
                })
            },
        )
        .optional()
        .map_err(Into::into)
    }

    /// Every stored version of a document, oldest first.
    pub(crate) fn versions_of(&self, external_id: &str) -> Result<Vec<StoredVersion>> {
        let conn = self.read()?;
        let ids: Vec<i64> = {
            let mut stmt = conn.prepare_cached(
                "SELECT v.id FROM versions v JOIN documents d ON d.id = v.document_id
                 WHERE d.external_id = ?1 ORDER BY v.version",
            )?;
            stmt.query_map([external_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        ids.into_iter().filter_map(|id| self.version(id).transpose()).collect()
    }

    pub(crate) fn counts(&self) -> Result<Counts> {
        let conn = self.read()?;
        let count = |table: &str| -> Result<usize> {
            let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n as usize)
        };
        Ok(Counts {
            documents: count("documents")?,
            versions: count("versions")?,
            passages: count("passages")?,
            reports: count("reports")?,
        })
    }

    /// Passages of latest document versions that have no vector for `model` yet, at most `limit`, with their
    /// document's title (embedded together with the passage).
    pub(crate) fn passages_without_vectors(
        &self,
        model: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<UnembeddedPassage>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT p.id, v.title, substr(CAST(v.text AS BLOB), p.start + 1, p.end - p.start)
             FROM documents d JOIN versions v ON v.id = d.latest_version_id JOIN passages p ON p.version_id = v.id
             WHERE p.id > ?3
               AND NOT EXISTS (SELECT 1 FROM passage_vectors pv WHERE pv.passage_id = p.id AND pv.model = ?1)
             ORDER BY p.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![model, sql_limit(limit), after], |r| {
            let bytes: Vec<u8> = r.get(2)?;
            Ok(UnembeddedPassage {
                passage_id: r.get(0)?,
                title: r.get(1)?,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// How many passages of latest document versions have a vector for `model`, out of how many.
    pub(crate) fn vector_coverage(&self, model: &str) -> Result<(usize, usize)> {
        let conn = self.read()?;
        let (with, total): (i64, i64) = conn.query_row(
            "SELECT COUNT(pv.passage_id), COUNT(*)
             FROM documents d JOIN passages p ON p.version_id = d.latest_version_id
             LEFT JOIN passage_vectors pv ON pv.passage_id = p.id AND pv.model = ?1",
            [model],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((with as usize, total as usize))
    }

    /// Stores passage vectors for `model` in one transaction.
    pub(crate) fn put_vectors(&self, model: &str, vectors: &[(i64, Vec<f32>)]) -> Result<()> {
        let mut conn = self.write();
        let tx = write_transaction(&mut conn)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO passage_vectors (passage_id, model, vector) VALUES (?1, ?2, ?3)",
            )?;
            for (id, vector) in vectors {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                stmt.execute(params![id, model, bytes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Like [`Store::vectors`], only of passages with ids above `after` (passages added since): passage ids only
    /// grow, so a cache of vectors can be brought up to date without reading them all again.
    pub(crate) fn vectors_after(&self, model: &str, after: i64) -> Result<Vec<(i64, Vec<f32>)>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT pv.passage_id, pv.vector FROM passage_vectors pv JOIN passages p ON p.id = pv.passage_id
             JOIN documents d ON d.latest_version_id = p.version_id WHERE pv.model = ?1 AND pv.passage_id > ?2
             ORDER BY pv.passage_id",
        )?;
        let rows = stmt.query_map(params![model, after], |r| {
            let bytes: Vec<u8> = r.get(1)?;
            let vector = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            Ok((r.get(0)?, vector))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// The external id of every document, by the store's document id.
    pub(crate) fn document_keys(&self) -> Result<std::collections::HashMap<i64, String>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached("SELECT id, external_id FROM documents")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
    }

    /// The document (external id) of every passage of a current document version.
    pub(crate) fn passage_document_map(&self) -> Result<std::collections::HashMap<i64, String>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT p.id, d.external_id FROM documents d JOIN passages p ON p.version_id = d.latest_version_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
    }
}

fn source_meta(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceMeta> {
    Ok(SourceMeta {
        version_id: r.get(0)?,
        version: r.get::<_, i64>(1)? as u32,
        title: r.get(2)?,
        url: r.get(3)?,
        outlet: r.get(4)?,
        published: r.get(5)?,
        author: r.get(6)?,
        fetched_at: r.get(8)?,
        doc_id: r.get(7)?,
    })
}

fn put_one(tx: &Transaction<'_>, new: &NewDocument<'_>, now: &str) -> Result<PutOutcome> {
    let doc = new.document;
    let hash = content_hash(doc);
    let existing: Option<(i64, Option<i64>)> = tx
        .prepare_cached("SELECT id, latest_version_id FROM documents WHERE external_id = ?1")?
        .query_row([&doc.external_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (document_id, version) = match existing {
        Some((document_id, Some(latest))) => {
            let (latest_hash, latest_version): (String, i64) = tx
                .prepare_cached("SELECT content_hash, version FROM versions WHERE id = ?1")?
                .query_row([latest], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if latest_hash == hash {
                return Ok(PutOutcome::Unchanged);
            }
            (document_id, latest_version + 1)
        }
        Some((document_id, None)) => (document_id, 1),
        None => {
            tx.prepare_cached("INSERT INTO documents (external_id) VALUES (?1)")?.execute([&doc.external_id])?;
            (tx.last_insert_rowid(), 1)
        }
    };
    tx.prepare_cached(
        "INSERT INTO versions (document_id, version, content_hash, title, text, url, outlet, published, author, ingested_at,
                               fetched_at, http_status, text_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        document_id,
        version,
        hash,
        doc.title,
        doc.text,
        doc.url,
        doc.outlet,
        doc.published,
        doc.author,
        now,
        new.fetched.map(|f| f.at.as_str()),
        new.fetched.map(|f| f.status),
        new.fetched.map(|f| f.text_sha256.as_str())
    ])?;
    let version_id = tx.last_insert_rowid();
    {
        let mut stmt =
            tx.prepare_cached("INSERT INTO passages (version_id, ordinal, start, end) VALUES (?1, ?2, ?3, ?4)")?;
        for (ordinal, (start, end)) in new.passages.iter().enumerate() {
            stmt.execute(params![version_id, ordinal as i64, *start as i64, *end as i64])?;
        }
    }
    tx.prepare_cached("UPDATE documents SET latest_version_id = ?1 WHERE id = ?2")?
        .execute([version_id, document_id])?;
    Ok(stored(version, version_id, new.passages.len()))
}

/// How long a connection waits for another's lock (another process writing, a migration) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A write transaction that takes SQLite's write lock as it begins. A deferred one reads first and asks for the lock
/// at its first write; if another process wrote in between, SQLite answers "database is locked" at once instead of
/// waiting (waiting could deadlock), so concurrent writers (two ingests, serve and a worker) would fail.
pub(crate) fn write_transaction(conn: &mut rusqlite::Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// A read connection borrowed from the store's pool, returned to it when dropped.
struct Reader<'a> {
    conn: Option<Connection>,
    store: &'a Sqlite,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let mut idle = self.store.readers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(conn) = self.conn.take().filter(|_| idle.len() < IDLE_READERS) {
            idle.push(conn);
        }
    }
}
