//! The job queue on SQLite: one writer at a time makes each claim atomic; lease times are this machine's clock
//! (every process of an embedded store runs on one machine).

use std::time::Duration;

use rusqlite::{OptionalExtension, params};
use verity_model::Report;

use super::Sqlite;
use crate::shared::JOB_COLUMNS;
use crate::{JobLease, JobRecord, Result};

fn job(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRecord> {
    Ok(JobRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        input: r.get(2)?,
        question: r.get(3)?,
        status: r.get(4)?,
        worker: r.get(5)?,
        attempt: r.get::<_, i64>(6)? as u32,
        cancel_requested: r.get::<_, i64>(7)? != 0,
        report_id: r.get(8)?,
        error_code: r.get(9)?,
        error_message: r.get(10)?,
        created_at: r.get(11)?,
    })
}

fn later(by: Duration) -> String {
    verity_model::timestamp::format(time::OffsetDateTime::now_utc() + by)
}

/// The condition that a lease still holds.
const HELD: &str = "id = ?1 AND worker = ?2 AND attempt = ?3 AND status = 'running'";

impl Sqlite {
    pub(crate) fn enqueue_job(&self, id: &str, kind: &str, input: &str, question: &str, now: &str) -> Result<()> {
        self.write().execute(
            "INSERT INTO jobs (id, kind, input, question, status, created_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5)",
            params![id, kind, input, question, now],
        )?;
        Ok(())
    }

    pub(crate) fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<JobRecord>> {
        let now = verity_model::timestamp::now();
        let conn = self.write();
        Ok(conn
            .query_row(
                &format!(
                    "UPDATE jobs SET status = 'running', worker = ?1, attempt = attempt + 1, lease_until = ?2
                     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until <= ?3)
                                 ORDER BY created_at, id LIMIT 1)
                     RETURNING {JOB_COLUMNS}"
                ),
                params![worker, later(lease), now],
                job,
            )
            .optional()?)
    }

    pub(crate) fn renew_job(&self, lease: &JobLease, duration: Duration) -> Result<Option<bool>> {
        let conn = self.write();
        Ok(conn
            .query_row(
                &format!("UPDATE jobs SET lease_until = ?4 WHERE {HELD} RETURNING cancel_requested"),
                params![lease.job_id, lease.worker, lease.attempt, later(duration)],
                |r| Ok(r.get::<_, i64>(0)? != 0),
            )
            .optional()?)
    }

    pub(crate) fn add_job_event(&self, lease: &JobLease, event: &str) -> Result<bool> {
        let conn = self.write();
        let added = conn.execute(
            &format!(
                "INSERT INTO job_events (job_id, seq, attempt, event)
                 SELECT ?1, COALESCE((SELECT MAX(seq) FROM job_events WHERE job_id = ?1), 0) + 1, ?3, ?4
                 WHERE EXISTS (SELECT 1 FROM jobs WHERE {HELD})"
            ),
            params![lease.job_id, lease.worker, lease.attempt, event],
        )?;
        Ok(added == 1)
    }

    pub(crate) fn complete_job(
        &self,
        lease: &JobLease,
        report: &Report,
        topics: &[(String, String)],
        created_at: &str,
    ) -> Result<bool> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        let ended = tx.execute(
            &format!("UPDATE jobs SET status = 'done', report_id = ?4, lease_until = NULL WHERE {HELD}"),
            params![lease.job_id, lease.worker, lease.attempt, report.id],
        )?;
        if ended == 0 {
            return Ok(false);
        }
        super::reports::save_report_in(&tx, report, topics, created_at)?;
        tx.commit()?;
        Ok(true)
    }

    pub(crate) fn fail_job(&self, lease: &JobLease, code: &str, message: &str) -> Result<bool> {
        let ended = self.write().execute(
            &format!(
                "UPDATE jobs SET status = 'failed', error_code = ?4, error_message = ?5, lease_until = NULL WHERE {HELD}"
            ),
            params![lease.job_id, lease.worker, lease.attempt, code, message],
        )?;
        Ok(ended == 1)
    }

    pub(crate) fn release_job(&self, lease: &JobLease) -> Result<bool> {
        let released = self.write().execute(
            &format!("UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL WHERE {HELD}"),
            params![lease.job_id, lease.worker, lease.attempt],
        )?;
        Ok(released == 1)
    }

    pub(crate) fn cancel_job(&self, id: &str) -> Result<Option<bool>> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        let status: Option<String> =
            tx.query_row("SELECT status FROM jobs WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let outcome = match status.as_deref() {
            None => None,
            Some("queued") => {
                tx.execute(
                    "UPDATE jobs SET status = 'failed', error_code = 'cancelled', error_message = 'the check was called off'
                     WHERE id = ?1",
                    [id],
                )?;
                Some(true)
            }
            Some("running") => {
                tx.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1", [id])?;
                Some(true)
            }
            Some(_) => Some(false),
        };
        tx.commit()?;
        Ok(outcome)
    }

    pub(crate) fn job(&self, id: &str) -> Result<Option<JobRecord>> {
        let conn = self.read()?;
        Ok(conn.query_row(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"), [id], job).optional()?)
    }

    pub(crate) fn job_events(&self, id: &str, after: i64) -> Result<Vec<(i64, String)>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, event FROM job_events WHERE job_id = ?1 AND seq > ?2
             AND attempt = (SELECT attempt FROM jobs WHERE id = ?1) ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![id, after], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }
}
