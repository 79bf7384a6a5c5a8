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

use crate::{CheckRequest, Engine, EngineError, Result};

/// How long a claimed job stays this worker's without a renewal.
pub const LEASE: Duration = crate::JOB_LEASE;
/// How often an idle worker looks for work when nothing woke it.
pub const IDLE_POLL: Duration = crate::JOB_POLL;

/// Waits between attempts to reach a store that is out of reach: doubling from [`Backoff::FIRST`] to
/// [`Backoff::MOST`], so that an outage of seconds costs seconds and a long one costs the database one attempt
/// per process every few seconds, not a stampede.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: Self::FIRST }
    }
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_millis(500);
    pub const MOST: Duration = Duration::from_secs(8);

    /// How long to wait before the next attempt; each call doubles the one after, up to [`Backoff::MOST`].
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(Self::MOST);
        wait
    }

    /// Whether an attempt has failed since the last [`Backoff::reset`].
    pub fn waiting(&self) -> bool {
        self.next != Self::FIRST
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

/// What a worker tells its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerEvent {
    /// A job ended.
    Job(JobOutcome),
    /// The store is out of reach; the worker tries again after `retry_in`.
    StoreDown { error: String, retry_in: Duration },
    /// The store answers again, and the worker goes on taking jobs.
    StoreBack,
}

/// How one job ended, for the worker's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub job_id: String,
    /// "done", "failed", "released" (back in the queue: this worker is stopping, or the store went out of reach
    /// under it), "interrupted" (the store went out of reach and could not be told: the job's lease runs out and
    /// it is run again) or "lost" (another worker holds it now).
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
    ///
    /// While the store is out of reach the worker waits, with [`Backoff`], and says so; when it answers again the
    /// worker goes on. Only other store errors end the run.
    pub fn run(&self, stop: &AtomicBool, log: &mut dyn FnMut(WorkerEvent)) -> Result<()> {
        // Woken by the store's announcements where it makes them; they only shorten the wait, so a missed one
        // costs at most `IDLE_POLL`.
        let mut listener = None;
        let mut backoff = Backoff::default();
        while !stop.load(Ordering::Relaxed) {
            if listener.is_none() {
                // Listening again after an outage broke the connection (SQLite has nothing to listen to).
                match self.engine.store().listen() {
                    Ok(heard) => listener = heard,
                    Err(e) if e.is_unavailable() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            match self.run_until(stop) {
                Ok(found) => {
                    if backoff.waiting() {
                        backoff.reset();
                        log(WorkerEvent::StoreBack);
                    }
                    match found {
                        Some(outcome) => log(WorkerEvent::Job(outcome)),
                        None => match listener.as_mut().map(|l| l.wait(IDLE_POLL)) {
                            Some(Ok(_)) => {}
                            Some(Err(_)) => listener = None,
                            None => std::thread::sleep(IDLE_POLL),
                        },
                    }
                }
                Err(e) if e.is_unavailable() => {
                    let retry_in = backoff.next_wait();
                    log(WorkerEvent::StoreDown { error: e.to_string(), retry_in });
                    listener = None;
                    sleep_unless_stopped(retry_in, stop);
                }
                Err(e) => return Err(e),
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
            // The store went out of reach under the check: not the job's fault. Back to the queue where the store
            // takes it; otherwise its lease runs out and a worker runs it again once the store is back.
            Ok(Err(e)) if e.is_unavailable() => {
                let released = store.release_job(&lease).unwrap_or(false);
                let detail = format!("{e}; the job goes back to the queue");
                JobOutcome { job_id: job.id, status: if released { "released" } else { "interrupted" }, detail }
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
        if job.kind == crate::texts::TextJob::KIND {
            let text_job: crate::texts::TextJob = serde_json::from_str(&job.input)
                .map_err(|e| EngineError::Text(format!("the queued text job cannot be read ({e})")))?;
            return Ok(self.engine.run_text_job_for(&text_job, deadline, observe, Some(lease))?.id);
        }
        let request = match job.kind.as_str() {
            "refresh" => CheckRequest::refresh(&job.input),
            _ => CheckRequest::question(&job.input),
        };
        let (report, _) = self.engine.check(request.for_job(lease).deadline(deadline.clone()).observe(observe))?;
        Ok(report.id)
    }
}

/// Sleeps for `wait`, waking early when `stop` is set (a process waiting out a backoff that is told to stop).
pub fn sleep_unless_stopped(wait: Duration, stop: &AtomicBool) {
    let until = std::time::Instant::now() + wait;
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}
