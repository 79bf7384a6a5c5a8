//! Append-only migrations. Each entry moves the schema from version `i` to `i + 1`; never edit a released one.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::{Result, StoreError};

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: documents, their versions, passages as offsets, reports.
    "CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        latest_version_id INTEGER,
        indexed_version_id INTEGER
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        url TEXT,
        outlet TEXT,
        published TEXT,
        author TEXT,
        ingested_at TEXT NOT NULL,
        UNIQUE (document_id, version)
    );
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES versions(id),
        ordinal INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL
    );
    CREATE INDEX passages_by_version ON passages (version_id, ordinal);
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        question TEXT NOT NULL,
        verdict TEXT NOT NULL,
        confidence REAL NOT NULL,
        checked_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
    );",
    // 2: passage embeddings, one per passage and model, as little-endian f32.
    "CREATE TABLE passage_vectors (
        passage_id INTEGER NOT NULL REFERENCES passages(id),
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (passage_id, model)
    );",
    // 3: the site: every run of a report, categories and topics, full-text search over reports, supporters,
    // settings an operator changes at run time.
    "ALTER TABLE reports ADD COLUMN category TEXT NOT NULL DEFAULT 'general';
    ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX reports_by_category ON reports (category, created_at);
    CREATE TABLE report_versions (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        confidence REAL NOT NULL,
        checked_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (report_id, version)
    );
    INSERT INTO report_versions SELECT id, 1, verdict, confidence, checked_on, created_at, body FROM reports;
    CREATE TABLE report_topics (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (report_id, topic)
    );
    CREATE INDEX report_topics_by_topic ON report_topics (topic);
    CREATE VIRTUAL TABLE reports_fts USING fts5(report_id UNINDEXED, question, claim, tokenize = 'porter unicode61');
    INSERT INTO reports_fts (report_id, question, claim)
        SELECT id, question, coalesce(json_extract(body, '$.claim.text'), '') FROM reports;
    CREATE TABLE supporter_events (
        event_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        amount INTEGER,
        currency TEXT,
        received_at TEXT NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 4: web pages: how each version was read (its snapshot), and the news feeds an archive follows.
    "ALTER TABLE versions ADD COLUMN fetched_at TEXT;
    ALTER TABLE versions ADD COLUMN http_status INTEGER;
    ALTER TABLE versions ADD COLUMN text_sha256 TEXT;
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        added_at TEXT NOT NULL,
        polled_at TEXT,
        last_error TEXT
    );
    CREATE TABLE feed_items (
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
        item_url TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (feed_url, item_url)
    );",
    // 5: every stored time in one fixed-width form (the rewrite is in Rust: see `after`).
    "",
    // 6: the job queue (used by processes sharing a store; kept here too, so that both back ends hold the same).
    "CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        input TEXT NOT NULL,
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        worker TEXT,
        attempt INTEGER NOT NULL DEFAULT 0,
        lease_until TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        report_id TEXT,
        error_code TEXT,
        error_message TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (status, created_at);
    CREATE TABLE IF NOT EXISTS job_events (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
    );",
    // 7: the report's claim beside its question, as PostgreSQL keeps it, so both save a report with one query
    // (the column is added in `after`, where it can be left alone if a store already has it).
    "",
    // 8: checked texts (`verity check --text`, the site's "Check a text"): the latest run of each, by id.
    "CREATE TABLE IF NOT EXISTS texts (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        body TEXT NOT NULL
    );",
    // 9: a job queued by another (a text job's claims): which job it belongs to (the column is added in `after`,
    // where it can be left alone if a store already has it).
    "",
];

/// Timestamp columns rewritten into [`verity_model::timestamp`]'s fixed form by migration 5.
const TIMESTAMP_COLUMNS: &[(&str, &str)] = &[
    ("versions", "ingested_at"),
    ("versions", "fetched_at"),
    ("reports", "created_at"),
    ("report_versions", "created_at"),
    ("supporter_events", "received_at"),
    ("feeds", "added_at"),
    ("feeds", "polled_at"),
    ("feed_items", "seen_at"),
];

/// Migrations written in Rust, run after the SQL one of the same number.
fn after(version: usize, tx: &Transaction) -> Result<()> {
    if version == 5 {
        // Timestamps were written as `2026-12-02 6:21:36.123` (hour unpadded) and sorted as text: reports made
        // before 10:00 sorted after later ones. One fixed-width form for every stored time.
        for (table, column) in TIMESTAMP_COLUMNS {
            let rows: Vec<(i64, String)> = tx
                .prepare(&format!("SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<std::result::Result<_, _>>()?;
            let mut update = tx.prepare(&format!("UPDATE {table} SET {column} = ?2 WHERE rowid = ?1"))?;
            for (rowid, stored) in rows {
                if let Some(fixed) = verity_model::timestamp::normalise(&stored).filter(|f| *f != stored) {
                    update.execute(rusqlite::params![rowid, fixed])?;
                }
            }
        }
    }
    if version == 7 && !has_column(tx, "reports", "claim")? {
        tx.execute_batch(
            "ALTER TABLE reports ADD COLUMN claim TEXT NOT NULL DEFAULT '';
             UPDATE reports SET claim = coalesce(json_extract(body, '$.claim.text'), '');",
        )?;
    }
    if version == 9 && !has_column(tx, "jobs", "parent")? {
        tx.execute_batch(
            "ALTER TABLE jobs ADD COLUMN parent TEXT;
             CREATE INDEX IF NOT EXISTS jobs_parent ON jobs (parent);",
        )?;
    }
    Ok(())
}

fn has_column(tx: &Connection, table: &str, column: &str) -> Result<bool> {
    let columns: Vec<String> = tx
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(columns.iter().any(|c| c == column))
}

/// Brings the schema up to date. Several processes may open a new data directory at once (two ingests): the
/// version is read and every step applied inside one exclusive transaction, so exactly one of them migrates and
/// the others wait (the connection's busy timeout) and then find nothing to do.
/// For a store opened read-only, which cannot migrate: its schema must be this build's.
pub(crate) fn check_current(conn: &Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    match found.cmp(&known) {
        std::cmp::Ordering::Greater => Err(StoreError::TooNew { found, known }),
        std::cmp::Ordering::Less => Err(StoreError::NeedsUpgrade { found, known }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let version = |conn: &Connection| -> Result<i64> { Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?) };
    let current = version(conn)?;
    if current > known {
        return Err(StoreError::TooNew { found: current, known });
    }
    if current == known {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let current = version(&tx)?;
    if current > known {
        return Err(StoreError::TooNew { found: current, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        after(i + 1, &tx)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}
