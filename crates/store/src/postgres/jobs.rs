//! The job queue on PostgreSQL: claims skip rows another worker is claiming (`FOR UPDATE SKIP LOCKED`), leases
//! run on the database's clock (workers on many machines), and every change to a job is announced on the
//! `verity_jobs` channel (`NOTIFY`, the job's id as payload) for the nodes streaming its progress.

use std::time::Duration;

use postgres::Row;
use verity_model::Report;

use super::{Postgres, save_report_in};
use crate::shared::JOB_COLUMNS;
use crate::{JobLease, JobRecord, Result};

/// The channel job changes are announced on.
pub(crate) const JOB_CHANNEL: &str = "verity_jobs";

fn job(r: &Row) -> JobRecord {
    JobRecord {
        id: r.get(0),
        kind: r.get(1),
        input: r.get(2),
        question: r.get(3),
        status: r.get(4),
        worker: r.get(5),
        attempt: r.get::<_, i64>(6) as u32,
        cancel_requested: r.get(7),
        report_id: r.get(8),
        error_code: r.get(9),
        error_message: r.get(10),
        created_at: r.get(11),
    }
}

/// The condition that a lease still holds.
const HELD: &str = "id = $1 AND worker = $2 AND attempt = $3 AND status = 'running'";

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Postgres {
    pub(crate) fn enqueue_job(&self, id: &str, kind: &str, input: &str, question: &str, now: &str) -> Result<()> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO jobs (id, kind, input, question, status, created_at) VALUES ($1, $2, $3, $4, 'queued', $5)",
            &[&id, &kind, &input, &question, &now],
        )?;
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &id])?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<JobRecord>> {
        let row = self.conn()?.query_opt(
            &format!(
                "UPDATE jobs SET status = 'running', worker = $1, attempt = attempt + 1,
                     lease_until = now() + make_interval(secs => $2)
                 WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until <= now())
                             ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING {JOB_COLUMNS}"
            ),
            &[&worker, &seconds(lease)],
        )?;
        Ok(row.map(|r| job(&r)))
    }

    pub(crate) fn renew_job(&self, lease: &JobLease, duration: Duration) -> Result<Option<bool>> {
        let row = self.conn()?.query_opt(
            &format!(
                "UPDATE jobs SET lease_until = now() + make_interval(secs => $4) WHERE {HELD} RETURNING cancel_requested"
            ),
            &[&lease.job_id, &lease.worker, &(lease.attempt as i64), &seconds(duration)],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    pub(crate) fn add_job_event(&self, lease: &JobLease, event: &str) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        // The job's row lock orders its events.
        let held = tx.query_opt(
            &format!("SELECT 1 FROM jobs WHERE {HELD} FOR UPDATE"),
            &[&lease.job_id, &lease.worker, &(lease.attempt as i64)],
        )?;
        if held.is_none() {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO job_events (job_id, seq, attempt, event)
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM job_events WHERE job_id = $1",
            &[&lease.job_id, &(lease.attempt as i64), &event],
        )?;
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &lease.job_id])?;
        tx.commit()?;
        Ok(true)
    }

    pub(crate) fn complete_job(
        &self,
        lease: &JobLease,
        report: &Report,
        topics: &[(String, String)],
        created_at: &str,
    ) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let ended = tx.execute(
            &format!("UPDATE jobs SET status = 'done', report_id = $4, lease_until = NULL WHERE {HELD}"),
            &[&lease.job_id, &lease.worker, &(lease.attempt as i64), &report.id],
        )?;
        if ended == 0 {
            return Ok(false);
        }
        save_report_in(&mut tx, report, topics, created_at)?;
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &lease.job_id])?;
        tx.commit()?;
        Ok(true)
    }

    pub(crate) fn fail_job(&self, lease: &JobLease, code: &str, message: &str) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let ended = tx.execute(
            &format!(
                "UPDATE jobs SET status = 'failed', error_code = $4, error_message = $5, lease_until = NULL WHERE {HELD}"
            ),
            &[&lease.job_id, &lease.worker, &(lease.attempt as i64), &code, &message],
        )?;
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &lease.job_id])?;
        tx.commit()?;
        Ok(ended == 1)
    }

    pub(crate) fn release_job(&self, lease: &JobLease) -> Result<bool> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let released = tx.execute(
            &format!("UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL WHERE {HELD}"),
            &[&lease.job_id, &lease.worker, &(lease.attempt as i64)],
        )?;
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &lease.job_id])?;
        tx.commit()?;
        Ok(released == 1)
    }

    pub(crate) fn cancel_job(&self, id: &str) -> Result<Option<bool>> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let status: Option<String> =
            tx.query_opt("SELECT status FROM jobs WHERE id = $1 FOR UPDATE", &[&id])?.map(|r| r.get(0));
        let outcome = match status.as_deref() {
            None => None,
            Some("queued") => {
                tx.execute(
                    "UPDATE jobs SET status = 'failed', error_code = 'cancelled', error_message = 'the check was called off'
                     WHERE id = $1",
                    &[&id],
                )?;
                Some(true)
            }
            Some("running") => {
                tx.execute("UPDATE jobs SET cancel_requested = TRUE WHERE id = $1", &[&id])?;
                Some(true)
            }
            Some(_) => Some(false),
        };
        tx.execute("SELECT pg_notify($1, $2)", &[&JOB_CHANNEL, &id])?;
        tx.commit()?;
        Ok(outcome)
    }

    pub(crate) fn job(&self, id: &str) -> Result<Option<JobRecord>> {
        let row = self.conn()?.query_opt(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), &[&id])?;
        Ok(row.map(|r| job(&r)))
    }

    pub(crate) fn job_events(&self, id: &str, after: i64) -> Result<Vec<(i64, String)>> {
        let rows = self.conn()?.query(
            "SELECT seq, event FROM job_events WHERE job_id = $1 AND seq > $2
                 AND attempt = (SELECT attempt FROM jobs WHERE id = $1) ORDER BY seq",
            &[&id, &after],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
