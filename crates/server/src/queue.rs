//! Jobs of the shared queue, when the store is a PostgreSQL database that many processes share: this node only
//! queues checks and refreshes in the store; `verity worker` processes run them; any node shows a job's state
//! and streams its progress, read from the store. In embedded mode (`jobs.rs`) the server runs checks itself.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::Event;
use futures_util::{Stream, StreamExt as _};
use verity_engine::EngineError;
use verity_engine::JobRecord;

use crate::jobs::{Job, JobKind, JobStatus, StageLine};
use crate::{AppState, ErrorBody, Work, report_path};

/// How long a progress stream waits for an announcement before it looks at the store anyway.
const STREAM_POLL: Duration = Duration::from_secs(1);

/// How long the thread following the store waits for an announcement before it looks again: long while this
/// node's index is up to date, short while catching up with the store has failed and is being retried.
const FOLLOW_WAIT: Duration = Duration::from_secs(10);
const CATCH_UP_RETRY: Duration = Duration::from_secs(1);

/// Follows what other processes change in a shared store, on a thread of its own: job changes are passed on to
/// the progress streams (returned), stored documents bring this node's index up to date at once. `None` in
/// embedded mode.
///
/// An outage breaks the listening connection and can make catching up fail: the thread listens again with
/// [`Backoff`](verity_engine::worker::Backoff), catches up on whatever was stored while it could not hear, and
/// retries a failed catch-up on its own rather than waiting for the next document to arrive.
pub(crate) fn follow_changes(
    engine: &std::sync::Arc<verity_engine::Engine>,
) -> Result<Option<tokio::sync::broadcast::Sender<String>>, EngineError> {
    let Some(listener) = engine.listen()? else { return Ok(None) };
    let (sender, _) = tokio::sync::broadcast::channel(1024);
    let (engine, jobs) = (engine.clone(), sender.clone());
    std::thread::spawn(move || {
        let mut listener = Some(listener);
        let mut backoff = verity_engine::worker::Backoff::default();
        // Whether this node's index may be behind the store, and whether catching up has been failing.
        let (mut behind, mut failing) = (false, false);
        loop {
            let Some(heard) = listener.as_mut() else {
                match engine.listen() {
                    Ok(again) => {
                        eprintln!("note: the database answers again; following its changes");
                        (listener, behind) = (again, true);
                        backoff.reset();
                    }
                    Err(e) => {
                        let wait = backoff.next_wait();
                        eprintln!("note: {e}; listening again in {:.1} s", wait.as_secs_f64());
                        std::thread::sleep(wait);
                    }
                }
                continue;
            };
            match heard.wait(if behind { CATCH_UP_RETRY } else { FOLLOW_WAIT }) {
                Ok(changes) => {
                    for change in changes {
                        match change {
                            verity_engine::Change::Job(id) => {
                                let _ = jobs.send(id);
                            }
                            verity_engine::Change::Documents => behind = true,
                        }
                    }
                }
                // The connection broke (streams and checks fall back on reading the store meanwhile).
                Err(e) => {
                    eprintln!("note: stopped hearing the database's announcements ({e}); listening again");
                    listener = None;
                    continue;
                }
            }
            if behind {
                match engine.catch_up() {
                    Ok(_) => (behind, failing) = (false, false),
                    // Said once for a run of failures: the next attempt comes within a second.
                    Err(e) if !failing => {
                        eprintln!("note: catching up with the store failed ({e}); trying again every second");
                        failing = true;
                    }
                    Err(_) => {}
                }
            }
        }
    });
    Ok(Some(sender))
}

/// Whether checks go through the shared queue: the store is shared with other processes.
pub(crate) fn is_shared(state: &AppState) -> bool {
    state.0.engine.is_shared()
}

/// Queues a check or refresh for the workers; returns the job's id.
pub(crate) fn enqueue(state: &AppState, work: &Work, question: &str) -> Result<String, EngineError> {
    let (kind, input) = match work {
        Work::Check(question) => ("check", question.clone()),
        Work::Refresh(key) => ("refresh", key.clone()),
        Work::Text(text) => (verity_engine::texts::TextJob::KIND, serde_json::to_string(text).expect("serialises")),
    };
    state.0.engine.enqueue_job(kind, &input, question)
}

/// A job of the shared queue as the site and the API show it; `None` when the store has no such job.
pub(crate) fn snapshot(state: &AppState, id: &str) -> Result<Option<Job>, EngineError> {
    let Some((record, stages)) = state.0.engine.job(id)? else { return Ok(None) };
    let stages = stages.iter().filter_map(|event| serde_json::from_str(event).ok()).collect();
    Ok(Some(job(state, record, stages)?))
}

fn job(state: &AppState, record: JobRecord, stages: Vec<StageLine>) -> Result<Job, EngineError> {
    let status = match record.status.as_str() {
        "done" => JobStatus::Done,
        "failed" => JobStatus::Failed,
        _ => JobStatus::Running,
    };
    let kind = match record.kind.as_str() {
        "refresh" => JobKind::Refresh,
        verity_engine::texts::TextJob::KIND => JobKind::Text,
        _ => JobKind::Check,
    };
    let report_url = match (&status, &record.report_id) {
        (JobStatus::Done, Some(text_id)) if kind == JobKind::Text => Some(crate::text_path(text_id)),
        (JobStatus::Done, Some(report_id)) => Some(report_path(&state.reports().view().show(report_id)?)),
        _ => None,
    };
    let error = (status == JobStatus::Failed).then(|| ErrorBody {
        code: known_code(record.error_code.as_deref().unwrap_or("internal")),
        message: record.error_message.clone().unwrap_or_default(),
    });
    let text_id = (kind == JobKind::Text)
        .then(|| serde_json::from_str::<verity_engine::texts::TextJob>(&record.input).ok().map(|t| t.id))
        .flatten();
    Ok(Job {
        text_url: text_id.as_deref().map(crate::text_path),
        text_id,
        id: record.id,
        kind,
        status,
        question: record.question,
        stages,
        report_id: record.report_id,
        report_url,
        error,
    })
}

/// An error code read back from the store, as one of the codes the API documents.
fn known_code(code: &str) -> &'static str {
    EngineError::CODES.into_iter().find(|known| *known == code).unwrap_or("internal")
}

/// Server-sent events for a job of the shared queue, in the same form as a local job's (`jobs::events`): the
/// stages recorded so far, each new one as a worker records it, then `done` or `failed`.
pub(crate) fn events(state: AppState, id: String) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold((state, id, 0usize, false), |(state, id, sent, finished)| async move {
        if finished {
            return None;
        }
        let mut changes = state.0.job_changes.as_ref().map(|s| s.subscribe());
        loop {
            let read = {
                let (state, id) = (state.clone(), id.clone());
                tokio::task::spawn_blocking(move || snapshot(&state, &id)).await
            };
            let Ok(Ok(Some(job))) = read else {
                // The store is out of reach or the job is gone: end the stream; the client polls the job instead.
                return None;
            };
            let mut events: Vec<Result<Event, Infallible>> = job.stages[sent.min(job.stages.len())..]
                .iter()
                .map(|line| Ok(Event::default().event("stage").json_data(line).expect("a stage serialises")))
                .collect();
            let done = job.status != JobStatus::Running;
            if let Some(last) = crate::jobs::final_event(&job) {
                events.push(Ok(last));
            }
            if !events.is_empty() {
                return Some((futures_util::stream::iter(events), (state, id, job.stages.len(), done)));
            }
            // Until a worker announces a change to this job, or a while passes.
            let _ = tokio::time::timeout(STREAM_POLL, async {
                match changes.as_mut() {
                    Some(changes) => loop {
                        match changes.recv().await {
                            Ok(changed) if changed == id => break,
                            Ok(_) => {}
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                        }
                    },
                    None => std::future::pending::<()>().await,
                }
            })
            .await;
        }
    })
    .flatten()
}
