//! Append-only migrations for PostgreSQL, tracked in `verity_schema`. They run in one transaction under an
//! advisory lock, so of many processes starting at once (serve nodes, workers) exactly one migrates and the others
//! wait and find nothing to do. A database migrated by a newer Verity is refused, never written.

use super::Postgres;
use crate::{Result, StoreError};

/// The key of the advisory lock migrations hold ("verity" in ASCII).
const MIGRATION_LOCK: i64 = 0x7665_7269_7479;

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the whole store as SQLite's migrations 1 to 6 leave it. `reports.seq` orders reports saved in the same
    // instant (SQLite's rowid); `reports.search` is the full-text index of question and claim.
    "CREATE TABLE documents (
        id BIGSERIAL PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        latest_version_id BIGINT
    );
    CREATE INDEX documents_by_latest_version ON documents (latest_version_id);
    CREATE TABLE versions (
        id BIGSERIAL PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents(id),
        version BIGINT NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        url TEXT,
        outlet TEXT,
        published TEXT,
        author TEXT,
        ingested_at TEXT NOT NULL,
        fetched_at TEXT,
        http_status INTEGER,
        text_sha256 TEXT,
        UNIQUE (document_id, version)
    );
    CREATE TABLE passages (
        id BIGSERIAL PRIMARY KEY,
        version_id BIGINT NOT NULL REFERENCES versions(id),
        ordinal BIGINT NOT NULL,
        start BIGINT NOT NULL,
        \"end\" BIGINT NOT NULL
    );
    CREATE INDEX passages_by_version ON passages (version_id, ordinal);
    CREATE TABLE passage_vectors (
        passage_id BIGINT NOT NULL REFERENCES passages(id),
        model TEXT NOT NULL,
        vector BYTEA NOT NULL,
        PRIMARY KEY (passage_id, model)
    );
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL,
        slug TEXT NOT NULL UNIQUE,
        question TEXT NOT NULL,
        claim TEXT NOT NULL,
        verdict TEXT NOT NULL,
        confidence DOUBLE PRECISION NOT NULL,
        checked_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT 'general',
        version BIGINT NOT NULL DEFAULT 1,
        search TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', question || ' ' || claim)) STORED
    );
    CREATE INDEX reports_by_category ON reports (category, created_at);
    CREATE INDEX reports_search ON reports USING GIN (search);
    CREATE TABLE report_versions (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        version BIGINT NOT NULL,
        verdict TEXT NOT NULL,
        confidence DOUBLE PRECISION NOT NULL,
        checked_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (report_id, version)
    );
    CREATE TABLE report_topics (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (report_id, topic)
    );
    CREATE INDEX report_topics_by_topic ON report_topics (topic);
    CREATE TABLE supporter_events (
        event_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        amount BIGINT,
        currency TEXT,
        received_at TEXT NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        input TEXT NOT NULL,
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        worker TEXT,
        attempt BIGINT NOT NULL DEFAULT 0,
        lease_until TIMESTAMPTZ,
        cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
        report_id TEXT,
        error_code TEXT,
        error_message TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX jobs_waiting ON jobs (status, created_at);
    CREATE TABLE job_events (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        attempt BIGINT NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
    );",
    // 2: checked texts, the latest run of each (SQLite's migration 8).
    "CREATE TABLE texts (
        id TEXT PRIMARY KEY,
        version BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        body TEXT NOT NULL
    );",
    // 3: a job queued by another (a text job's claims): which job it belongs to (SQLite's migration 9).
    "ALTER TABLE jobs ADD COLUMN parent TEXT;
    CREATE INDEX jobs_parent ON jobs (parent);",
];

/// Brings the schema up to date, in one transaction under the migration lock.
pub(crate) fn migrate(store: &Postgres) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let mut conn = store.conn()?;
    store.runtime().block_on(async {
        let tx = conn.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS verity_schema (version BIGINT NOT NULL)").await?;
        let current: i64 =
            tx.query_opt("SELECT MAX(version) FROM verity_schema", &[]).await?.and_then(|r| r.get(0)).unwrap_or(0);
        if current > known {
            return Err(StoreError::TooNewDatabase { found: current, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.batch_execute(sql).await?;
            tx.execute("INSERT INTO verity_schema (version) VALUES ($1)", &[&((i + 1) as i64)]).await?;
        }
        tx.commit().await?;
        Ok(())
    })
}
