//! Checks running in the background: each job is a `watch` channel holding its latest state, so the JSON
//! poll reads the newest snapshot and every SSE stream wakes on each change.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Mutex;

use axum::response::sse::Event;
use futures_util::{Stream, StreamExt as _};
use serde::Serialize;
use tokio::sync::watch;
use verity_model::{Deadline, Stage};

/// Jobs remembered for polling; the oldest are forgotten first.
const JOBS_KEPT: usize = 1000;

/// A check (or a refresh) started through the site or the API.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub question: String,
    /// What the check has done so far, in order.
    pub stages: Vec<StageLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_url: Option<String>,
    /// A text job's text id and page, known from the start (the text is there once the job is done).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ErrorBody>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Check,
    Refresh,
    /// A whole text (`report_id` and `report_url` then name the checked text).
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Done,
    Failed,
}

/// A stage and the line a reader sees for it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StageLine {
    #[serde(flatten)]
    pub stage: Stage,
    pub text: String,
}

#[derive(Default)]
pub struct Jobs {
    kept: Mutex<Kept>,
}

/// The jobs remembered, each with its check's deadline (through which it is cancelled), and their ids oldest
/// first (for forgetting).
#[derive(Default)]
struct Kept {
    by_id: HashMap<String, (watch::Sender<Job>, Deadline)>,
    order: VecDeque<String>,
}

impl Jobs {
    /// Registers a running job under the deadline its check runs to, and returns its channel.
    pub fn start(&self, kind: JobKind, question: &str, deadline: Deadline) -> watch::Sender<Job> {
        let id = verity_engine::new_job_id();
        let job = Job {
            id: id.clone(),
            kind,
            status: JobStatus::Running,
            question: question.to_string(),
            stages: Vec::new(),
            report_id: None,
            report_url: None,
            text_id: None,
            text_url: None,
            error: None,
        };
        let (sender, _) = watch::channel(job);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.by_id.insert(id.clone(), (sender.clone(), deadline));
        kept.order.push_back(id);
        while kept.order.len() > JOBS_KEPT {
            if let Some(old) = kept.order.pop_front() {
                kept.by_id.remove(&old);
            }
        }
        sender
    }

    pub fn get(&self, id: &str) -> Option<watch::Sender<Job>> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).by_id.get(id).map(|(sender, _)| sender.clone())
    }

    /// Calls a running job off: its check stops at its next stage and publishes nothing. `None` when there is
    /// no such job; `Some(false)` when it had already finished.
    pub fn cancel(&self, id: &str) -> Option<bool> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let (sender, deadline) = kept.by_id.get(id)?;
        let running = sender.borrow().status == JobStatus::Running;
        if running {
            deadline.cancel();
        }
        Some(running)
    }

    /// Calls off every running job (the server is stopping).
    pub fn cancel_all(&self) {
        for (sender, deadline) in self.kept.lock().unwrap_or_else(|p| p.into_inner()).by_id.values() {
            if sender.borrow().status == JobStatus::Running {
                deadline.cancel();
            }
        }
    }
}

/// Server-sent events for a job: one `stage` event per stage (those already done first), then `done` with
/// the report's address or `failed` with the error, then the stream ends.
pub fn events(sender: &watch::Sender<Job>) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
    let receiver = sender.subscribe();
    futures_util::stream::unfold((receiver, 0usize, false), |(mut receiver, sent, finished)| async move {
        if finished {
            return None;
        }
        loop {
            let (events, now_sent, done) = {
                let job = receiver.borrow_and_update();
                let mut events: Vec<Result<Event, Infallible>> = job.stages[sent..]
                    .iter()
                    .map(|line| Ok(Event::default().event("stage").json_data(line).expect("a stage serialises")))
                    .collect();
                let done = job.status != JobStatus::Running;
                events.extend(final_event(&job).map(Ok));
                (events, job.stages.len(), done)
            };
            if !events.is_empty() {
                return Some((futures_util::stream::iter(events), (receiver, now_sent, done)));
            }
            if receiver.changed().await.is_err() {
                return None;
            }
        }
    })
    .flatten()
}

/// The event that ends a job's stream: `done` with the report's address, or `failed` with the error; `None`
/// while it runs.
pub(crate) fn final_event(job: &Job) -> Option<Event> {
    match job.status {
        JobStatus::Running => None,
        JobStatus::Done => Some(
            Event::default()
                .event("done")
                .json_data(serde_json::json!({ "report_id": job.report_id, "report_url": job.report_url }))
                .expect("json"),
        ),
        JobStatus::Failed => Some(
            Event::default()
                .event("failed")
                .json_data(job.error.clone().map(|e| serde_json::json!({"code": e.code, "message": e.message})))
                .expect("json"),
        ),
    }
}
