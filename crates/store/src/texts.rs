//! Checked texts: the latest run of each, under a stable id, with a version counted up by each run. The body is
//! the run's JSON (`verity.text/1`); the reports it links to are stored as reports.

use crate::sql::{Session, args};
use crate::{JobLease, Result, Store};

const SAVE: &str = "INSERT INTO texts (id, version, created_at, checked_at, body) VALUES ($1, 1, $2, $2, $3)
     ON CONFLICT (id) DO UPDATE SET version = texts.version + 1, checked_at = $2, body = $3
     RETURNING version";

fn save(s: &mut dyn Session, id: &str, checked_at: &str, body: &str) -> Result<u32> {
    let version: i64 = s.one(SAVE, args![id, checked_at, body])?;
    Ok(version as u32)
}

impl Store {
    /// Saves a run of the text `id` (its JSON body), as version 1 or the next version of a stored one; returns the
    /// version. `checked_at` is when the run was made.
    pub fn save_text(&self, id: &str, checked_at: &str, body: &str) -> Result<u32> {
        self.write(|s| save(s, id, checked_at, body))
    }

    /// Ends a text job of the shared queue and saves its run in one transaction, only while `lease` holds: the
    /// version saved, or `None` when the lease was lost (nothing is saved).
    pub fn complete_text_job(&self, lease: &JobLease, id: &str, checked_at: &str, body: &str) -> Result<Option<u32>> {
        self.write(|s| {
            let ended = s.execute(
                &format!(
                    "UPDATE jobs SET status = 'done', report_id = $4, lease_until = NULL WHERE {}",
                    crate::jobs::HELD
                ),
                args![&lease.job_id, &lease.worker, lease.attempt, id],
            )?;
            if ended == 0 {
                return Ok(None);
            }
            let version = save(s, id, checked_at, body)?;
            self.db().announce(s, &crate::Change::Job(lease.job_id.clone()))?;
            Ok(Some(version))
        })
    }

    /// The latest run of the text `id`: its version and JSON body.
    pub fn text(&self, id: &str) -> Result<Option<(u32, String)>> {
        let found: Option<(i64, String)> = self.optional("SELECT version, body FROM texts WHERE id = $1", args![id])?;
        Ok(found.map(|(version, body)| (version as u32, body)))
    }
}
