//! The shared job queue: checks and refreshes waiting for a worker, each claimed by one worker under a lease.
//! Leases run on the database's clock (PostgreSQL serves workers on many machines; an SQLite store's processes
//! share one machine), and every change to a job is announced where the back end can (PostgreSQL's `NOTIFY` on
//! `verity_jobs`, the job's id as payload) for the nodes streaming its progress.

use std::time::Duration;

use verity_model::Report;

use crate::sql::{Arg, ReadRow, Row, args};
use crate::{Change, JobLease, JobRecord, Result, Store, new_job_id};

/// The columns [`JobRecord`] reads, over `jobs`.
const JOB_COLUMNS: &str = "id, kind, input, question, status, worker, attempt, cancel_requested, report_id, error_code, \
                           error_message, created_at";

/// The condition that a lease still holds.
pub(crate) const HELD: &str = "id = $1 AND worker = $2 AND attempt = $3 AND status = 'running'";

impl ReadRow for JobRecord {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(JobRecord {
            id: r.get(0)?,
            kind: r.get(1)?,
            input: r.get(2)?,
            question: r.get(3)?,
            status: r.get(4)?,
            worker: r.get(5)?,
            attempt: r.get::<i64>(6)? as u32,
            cancel_requested: r.get(7)?,
            report_id: r.get(8)?,
            error_code: r.get(9)?,
            error_message: r.get(10)?,
            created_at: r.get(11)?,
        })
    }
}

impl Store {
    /// Queues a check (`kind` "check", `input` the question) or a refresh ("refresh", the report's key) for a
    /// worker; returns the job's id.
    pub fn enqueue_job(&self, kind: &str, input: &str, question: &str) -> Result<String> {
        let id = new_job_id();
        self.write(|s| {
            s.execute(
                "INSERT INTO jobs (id, kind, input, question, status, created_at)
                 VALUES ($1, $2, $3, $4, 'queued', $5)",
                args![&id, kind, input, question, verity_model::timestamp::now()],
            )?;
            self.db().announce(s, &Change::Job(id.clone()))
        })?;
        Ok(id)
    }

    /// Queues a job on behalf of the job `parent` (a text job's claim, checked by whichever worker takes it).
    pub fn enqueue_child_job(&self, parent: &str, kind: &str, input: &str, question: &str) -> Result<String> {
        let id = new_job_id();
        self.write(|s| {
            s.execute(
                "INSERT INTO jobs (id, kind, input, question, status, created_at, parent)
                 VALUES ($1, $2, $3, $4, 'queued', $5, $6)",
                args![&id, kind, input, question, verity_model::timestamp::now(), parent],
            )?;
            self.db().announce(s, &Change::Job(id.clone()))
        })?;
        Ok(id)
    }

    /// The jobs queued on behalf of `parent`, oldest first.
    pub fn child_jobs(&self, parent: &str) -> Result<Vec<JobRecord>> {
        self.all(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE parent = $1 ORDER BY created_at, id"), args![parent])
    }

    /// Claims the job `id` for `worker`, when it waits (or its lease ran out): a worker waiting on a job it queued
    /// runs it itself rather than idle.
    pub fn claim_job_by_id(&self, id: &str, worker: &str, lease: Duration) -> Result<Option<JobRecord>> {
        let db = self.db();
        let sql = format!(
            "UPDATE jobs SET status = 'running', worker = $1, attempt = attempt + 1, lease_until = {}
             WHERE id = $3 AND (status = 'queued' OR (status = 'running' AND lease_until <= {}))
             RETURNING {JOB_COLUMNS}",
            db.lease_end(2),
            db.now(),
        );
        self.write(|s| s.optional(&sql, args![worker, lease.as_secs_f64(), id]))
    }

    /// Gives `worker` the oldest job that is queued, or running under a lease that ran out (its worker died), for
    /// `lease` from now. Many workers may ask at once: each job goes to one.
    pub fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<JobRecord>> {
        let db = self.db();
        let sql = format!(
            "UPDATE jobs SET status = 'running', worker = $1, attempt = attempt + 1, lease_until = {}
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until <= {})
                         ORDER BY created_at, id LIMIT 1 {})
             RETURNING {JOB_COLUMNS}",
            db.lease_end(2),
            db.now(),
            db.for_update(true)
        );
        self.write(|s| s.optional(&sql, args![worker, lease.as_secs_f64()]))
    }

    /// Extends a lease; `Ok(None)` when the job is no longer this worker's (its lease ran out and another took
    /// it, or it ended), else whether the job was asked to stop.
    pub fn renew_job(&self, lease: &JobLease, duration: Duration) -> Result<Option<bool>> {
        let sql =
            format!("UPDATE jobs SET lease_until = {} WHERE {HELD} RETURNING cancel_requested", self.db().lease_end(4));
        self.write(|s| s.optional(&sql, args![&lease.job_id, &lease.worker, lease.attempt, duration.as_secs_f64()]))
    }

    /// Records a stage of a running job (a JSON value), for every node's progress stream; false when the job is
    /// no longer this worker's.
    pub fn add_job_event(&self, lease: &JobLease, event: &str) -> Result<bool> {
        self.write(|s| {
            // The job's row lock orders its events.
            let held = format!("SELECT 1 FROM jobs WHERE {HELD} {}", self.db().for_update(false));
            if s.optional::<i64>(&held, args![&lease.job_id, &lease.worker, lease.attempt])?.is_none() {
                return Ok(false);
            }
            s.execute(
                "INSERT INTO job_events (job_id, seq, attempt, event)
                 SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM job_events WHERE job_id = $1",
                args![&lease.job_id, lease.attempt, event],
            )?;
            self.db().announce(s, &Change::Job(lease.job_id.clone()))?;
            Ok(true)
        })
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
        self.write(|s| {
            let ended = s.execute(
                &format!("UPDATE jobs SET status = 'done', report_id = $4, lease_until = NULL WHERE {HELD}"),
                args![&lease.job_id, &lease.worker, lease.attempt, &report.id],
            )?;
            if ended == 0 {
                return Ok(false);
            }
            self.save_report_in(s, report, topics, created_at)?;
            self.db().announce(s, &Change::Job(lease.job_id.clone()))?;
            Ok(true)
        })
    }

    /// Puts a job back in the queue (its worker is stopping), for another worker to run from the start; false
    /// when the job is no longer this worker's.
    pub fn release_job(&self, lease: &JobLease) -> Result<bool> {
        self.end_lease(lease, "status = 'queued', worker = NULL, lease_until = NULL", &[])
    }

    /// Ends a job with an error; false when the job is no longer this worker's.
    pub fn fail_job(&self, lease: &JobLease, code: &str, message: &str) -> Result<bool> {
        self.end_lease(
            lease,
            "status = 'failed', error_code = $4, error_message = $5, lease_until = NULL",
            args![code, message],
        )
    }

    /// Sets `changes` (which may use `$4` onwards, from `more`) on a job while `lease` holds it; whether it did.
    fn end_lease(&self, lease: &JobLease, changes: &str, more: &[Arg<'_>]) -> Result<bool> {
        let mut values = args![&lease.job_id, &lease.worker, lease.attempt].to_vec();
        values.extend_from_slice(more);
        self.write(|s| {
            let ended = s.execute(&format!("UPDATE jobs SET {changes} WHERE {HELD}"), &values)?;
            self.db().announce(s, &Change::Job(lease.job_id.clone()))?;
            Ok(ended == 1)
        })
    }

    /// Asks a job to stop: a queued one fails at once ("cancelled"), a running one is told at its worker's next
    /// renewal. `None` when there is no such job; `Some(false)` when it had already ended.
    pub fn cancel_job(&self, id: &str) -> Result<Option<bool>> {
        self.write(|s| {
            let sql = format!("SELECT status FROM jobs WHERE id = $1 {}", self.db().for_update(false));
            let status: Option<String> = s.optional(&sql, args![id])?;
            let outcome = match status.as_deref() {
                None => None,
                Some("queued") => {
                    s.execute(
                        "UPDATE jobs SET status = 'failed', error_code = 'cancelled',
                             error_message = 'the check was called off' WHERE id = $1",
                        args![id],
                    )?;
                    Some(true)
                }
                Some("running") => {
                    s.execute("UPDATE jobs SET cancel_requested = TRUE WHERE id = $1", args![id])?;
                    Some(true)
                }
                Some(_) => Some(false),
            };
            self.db().announce(s, &Change::Job(id.to_string()))?;
            Ok(outcome)
        })
    }

    pub fn job(&self, id: &str) -> Result<Option<JobRecord>> {
        self.optional(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), args![id])
    }

    /// A job's recorded stages after `after` (0 for all), as (sequence number, JSON value), in order: those of
    /// its current attempt (a job taken over starts again).
    pub fn job_events(&self, id: &str, after: i64) -> Result<Vec<(i64, String)>> {
        self.all(
            "SELECT seq, event FROM job_events WHERE job_id = $1 AND seq > $2
                     AND attempt = (SELECT attempt FROM jobs WHERE id = $1) ORDER BY seq",
            args![id, after],
        )
    }
}
