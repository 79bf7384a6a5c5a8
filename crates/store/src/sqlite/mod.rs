//! The SQLite back end: one database file (or an in-memory database), one writer at a time, readers on
//! connections of their own (WAL). Its queries are the store's (`crate::sql`); here are only connecting,
//! migrating and SQLite's side of [`Dialect`].

mod schema;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::sql::{Arg, Dialect, Field, Row, Session};
use crate::{Result, StoreError};

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
    fn reader(&self) -> Result<Reader<'_>> {
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

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Null => ValueRef::Null,
            Arg::Int(n) => ValueRef::Integer(*n),
            Arg::Real(x) => ValueRef::Real(*x),
            Arg::Text(s) => ValueRef::Text(s.as_bytes()),
            Arg::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A query as SQLite reads it: `$1` placeholders become `?1`.
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let placeholder = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if placeholder { '?' } else { c });
    }
    out
}

/// A connection (or a transaction's, through `Deref`) running the store's queries.
struct SqliteSession<'a>(&'a Connection);

impl Session for SqliteSession<'_> {
    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let mut statement = self.0.prepare_cached(&sqlite_sql(sql))?;
        let width = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let fields = (0..width).map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Null => Field::Null,
                    ValueRef::Integer(n) => Field::Int(n),
                    ValueRef::Real(x) => Field::Real(x),
                    ValueRef::Text(t) => Field::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Field::Blob(b.to_vec()),
                })
            });
            out.push(Row(fields.collect::<rusqlite::Result<_>>()?));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        Ok(self.0.prepare_cached(&sqlite_sql(sql))?.execute(rusqlite::params_from_iter(args))? as u64)
    }
}

/// SQLite's own: one writer at a time (so no row locks and no advisory locks), FTS5 for report search, leases on
/// this machine's clock, and nobody to announce changes to (the processes of one data directory poll).
impl Dialect for Sqlite {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn read(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()> {
        work(&mut SqliteSession(&*self.reader()?))
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn Session) -> Result<()>) -> Result<()> {
        let mut conn = self.write();
        let tx = write_transaction(&mut conn)?;
        work(&mut SqliteSession(&tx))?;
        Ok(tx.commit()?)
    }

    fn index_report(&self, s: &mut dyn Session, id: &str, question_and_claim: Option<(&str, &str)>) -> Result<()> {
        s.execute("DELETE FROM reports_fts WHERE report_id = $1", crate::sql::args![id])?;
        if let Some((question, claim)) = question_and_claim {
            s.execute(
                "INSERT INTO reports_fts (report_id, question, claim) VALUES ($1, $2, $3)",
                crate::sql::args![id, question, claim],
            )?;
        }
        Ok(())
    }

    fn passage_bytes(&self) -> &'static str {
        // SQLite's substr counts characters in text, so the passage is sliced from the text cast to bytes.
        "substr(CAST(v.text AS BLOB), p.start + 1, p.\"end\" - p.start)"
    }

    fn report_sequence(&self) -> &'static str {
        "r.rowid"
    }

    fn report_search(&self) -> (&'static str, &'static str) {
        ("reports_fts f JOIN reports r ON r.id = f.report_id WHERE reports_fts MATCH $1", "bm25(reports_fts)")
    }

    fn search_query(&self, words: &[String], all: bool) -> String {
        let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        quoted.join(if all { " AND " } else { " OR " })
    }

    fn now(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    fn lease_end(&self, n: usize) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', ${n}))")
    }

    fn for_update(&self, _skip_locked: bool) -> &'static str {
        ""
    }
}
