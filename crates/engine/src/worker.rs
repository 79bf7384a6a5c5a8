//! Workers of the shared job queue (`verity worker`): in a deployment of many processes, the site's nodes only
//! queue checks and refreshes in the store, and workers, on any machine, claim and run them.
//!
//! A worker holds a job under a lease that a heartbeat renews ([`LEASE`], renewed every third of it). A worker
//! that dies stops renewing, its lease runs out, and another worker claims the job and runs it from the start.
//! The report is saved with the job's end in one transaction, only while the lease holds
//! (`Store::complete_job`), so a job's report version is committed exactly once. Each stage is recorded in the
//! store as it finishes, for any node to stream. A job asked to stop (or whose lease was lost) is cancelled
//! through its check's deadline at the next renewal; so is the job in hand when the worker is told to stop, and it goes
//! back to the queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use verity_model::Stage;
use verity_store::{JobLease, JobRecord};

use crate::{Engine, EngineError, Result};

/// How long a claimed job stays this worker's without a renewal.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often an idle worker looks for work when nothing woke it.
pub const IDLE_POLL: Duration = Duration::from_millis(250);

/// How one job ended, for the worker's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub job_id: String,
    /// "done", "failed", "released" (back in the queue: this worker is stopping) or "lost" (another worker holds
    /// it now).
    pub status: &'static str,
    pub detail: String,
}

/// A worker: its name (unique among the running workers: the host and the process id, by default) and the
/// lease it takes jobs under.
pub struct Worker<'a> {
    engine: &'a Engine,
    name: String,
    lease: Duration,
}

impl<'a> Worker<'a> {
    pub fn new(engine: &'a Engine, name: impl Into<String>) -> Worker<'a> {
        Worker { engine, name: name.into(), lease: LEASE }
    }

    /// The same worker with another lease (`verity worker --lease`).
    pub fn with_lease(self, lease: Duration) -> Worker<'a> {
        Worker { lease, ..self }
    }

    /// Runs jobs until `stop` is set; a job running when it is set is called off and put back in the queue (or
    /// finished, when it ends first), so that a stopping worker never leaves a job to wait out its lease. Tells
    /// `log` how each ends.
    pub fn run(&self, stop: &AtomicBool, log: &mut dyn FnMut(&JobOutcome)) -> Result<()> {
        // Woken by the store's announcements where it makes them; they only shorten the wait, so a missed one
        // costs at most `IDLE_POLL`.
        let mut listener = self.engine.store().listen()?;
        while !stop.load(Ordering::Relaxed) {
            match self.run_until(stop)? {
                Some(outcome) => log(&outcome),
                None => match listener.as_mut().map(|l| l.wait(IDLE_POLL)) {
                    Some(Ok(_)) => {}
                    // The listening connection broke: poll from now on.
                    Some(Err(_)) => listener = None,
                    None => std::thread::sleep(IDLE_POLL),
                },
            }
        }
        Ok(())
    }

    /// Claims one job and runs it; `None` when none is waiting. When `stop` is set meanwhile, the check is called
    /// off and the job goes back to the queue ("released"), for another worker to run from the start.
    fn run_until(&self, stop: &AtomicBool) -> Result<Option<JobOutcome>> {
        let store = self.engine.store();
        let Some(job) = store.claim_job(&self.name, self.lease)? else { return Ok(None) };
        let lease = JobLease { job_id: job.id.clone(), worker: self.name.clone(), attempt: job.attempt };
        let deadline = self.engine.deadline();
        let (finished, stopping) = (AtomicBool::new(false), AtomicBool::new(false));
        let outcome = std::thread::scope(|scope| {
            // The heartbeat: renews the lease, and cancels the check when the job was called off or taken over,
            // or when this worker is told to stop.
            let heartbeat = scope.spawn(|| {
                let every = self.lease / 3;
                let mut renewed = std::time::Instant::now();
                while !finished.load(Ordering::Relaxed) {
                    std::thread::park_timeout(Duration::from_millis(100).min(every));
                    if finished.load(Ordering::Relaxed) {
                        break;
                    }
                    if stop.load(Ordering::Relaxed) && !stopping.swap(true, Ordering::Relaxed) {
                        deadline.cancel();
                    }
                    if renewed.elapsed() < every {
                        continue;
                    }
                    renewed = std::time::Instant::now();
                    match store.renew_job(&lease, self.lease) {
                        Ok(Some(false)) => {}
                        Ok(Some(true)) | Ok(None) => deadline.cancel(),
                        // The store is out of reach for now: keep trying; the lease decides.
                        Err(_) => {}
                    }
                }
            });
            let mut observe = |stage: Stage| {
                let mut event = serde_json::to_value(&stage).expect("a stage serialises");
                event["text"] = stage.describe().into();
                // A lost lease shows at the next renewal; a failed write only costs this line of progress.
                let _ = store.add_job_event(&lease, &event.to_string());
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.run_job(&job, &lease, &deadline, &mut observe)
            }));
            finished.store(true, Ordering::Relaxed);
            heartbeat.thread().unpark();
            result
        });
        let outcome = match outcome {
            Ok(Ok(report_id)) => JobOutcome { job_id: job.id, status: "done", detail: report_id },
            Ok(Err(EngineError::Cancelled)) if stopping.load(Ordering::Relaxed) => {
                let released = store.release_job(&lease)?;
                let detail = "this worker is stopping; the job is back in the queue".to_string();
                JobOutcome { job_id: job.id, status: if released { "released" } else { "lost" }, detail }
            }
            Ok(Err(EngineError::LeaseLost)) => {
                JobOutcome { job_id: job.id, status: "lost", detail: EngineError::LeaseLost.to_string() }
            }
            Ok(Err(e)) => {
                let ended = store.fail_job(&lease, e.code(), &e.to_string())?;
                JobOutcome { job_id: job.id, status: if ended { "failed" } else { "lost" }, detail: e.to_string() }
            }
            Err(_) => {
                let message = "the check stopped on an internal error (the worker's log has the details); try again or ask another way";
                store.fail_job(&lease, "internal", message)?;
                JobOutcome { job_id: job.id, status: "failed", detail: message.to_string() }
            }
        };
        Ok(Some(outcome))
    }

    fn run_job(
        &self,
        job: &JobRecord,
        lease: &JobLease,
        deadline: &verity_model::Deadline,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<String> {
        let report = match job.kind.as_str() {
            "refresh" => self.engine.refresh_for(&job.input, Some(lease), deadline, observe)?,
            _ => self.engine.check_for(&job.input, Some(lease), deadline, observe)?,
        };
        Ok(report.id)
    }
}
