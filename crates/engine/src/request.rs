//! [`CheckRequest`]: one check as the engine's caller wants it run, the one way into [`crate::Engine::check`].

use verity_model::{Deadline, Stage};
use verity_pipeline::Corpus;
use verity_store::JobLease;

/// What is checked: a question, or a stored report's question again, as that report's next version.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    Question(&'a str),
    /// A report by id, slug or unique id prefix.
    Refresh(&'a str),
}

/// One check: what is checked, and how. By default the check uses the web when the engine has it, runs under
/// the engine's deadline ([`crate::Config::check_deadline`]) and is saved as a report.
///
/// ```no_run
/// # fn run(engine: &verity_engine::Engine) -> verity_engine::Result<()> {
/// use verity_engine::CheckRequest;
///
/// let (report, _assessment) = engine.check(CheckRequest::question("Did the council ban cars downtown?"))?;
/// let mut stages = Vec::new();
/// let mut observe = |stage| stages.push(stage);
/// engine.check(CheckRequest::refresh(&report.slug).observe(&mut observe))?;
/// # Ok(())
/// # }
/// ```
pub struct CheckRequest<'a> {
    pub(crate) subject: Subject<'a>,
    pub(crate) deadline: Option<Deadline>,
    pub(crate) observe: Option<&'a mut dyn FnMut(Stage)>,
    pub(crate) lease: Option<&'a JobLease>,
    pub(crate) unsaved: Option<Unsaved<'a>>,
}

/// A check that is not saved (an evaluation run): under the caller's report id, on the engine's corpus or
/// another one, without the web.
pub(crate) struct Unsaved<'a> {
    pub id: String,
    pub corpus: Option<&'a dyn Corpus>,
}

impl<'a> CheckRequest<'a> {
    /// A check of a question, saved as a new report (or the next version of the one its id already names).
    pub fn question(question: &'a str) -> CheckRequest<'a> {
        CheckRequest::of(Subject::Question(question))
    }

    /// The question of a stored report (by id, slug or unique id prefix) checked again, saved as its next version
    /// at the same address.
    pub fn refresh(key: &'a str) -> CheckRequest<'a> {
        CheckRequest::of(Subject::Refresh(key))
    }

    fn of(subject: Subject<'a>) -> CheckRequest<'a> {
        CheckRequest { subject, deadline: None, observe: None, lease: None, unsaved: None }
    }

    /// Under the caller's deadline, which it can call off from another thread ([`Deadline::cancel`]): then
    /// nothing is saved and the check ends in [`crate::EngineError::Cancelled`].
    pub fn deadline(self, deadline: Deadline) -> CheckRequest<'a> {
        CheckRequest { deadline: Some(deadline), ..self }
    }

    /// Tells `observe` each stage as it finishes.
    pub fn observe(self, observe: &'a mut dyn FnMut(Stage)) -> CheckRequest<'a> {
        CheckRequest { observe: Some(observe), ..self }
    }

    /// A check run for a job of the shared queue: saved only while `lease` holds, in one transaction with the
    /// job's end.
    pub(crate) fn for_job(self, lease: &'a JobLease) -> CheckRequest<'a> {
        CheckRequest { lease: Some(lease), ..self }
    }

    /// Not saved, under the report id `id` (reproducible evaluation runs), without the web and with no deadline
    /// unless one is given.
    pub fn unsaved(self, id: impl Into<String>) -> CheckRequest<'a> {
        let corpus = self.unsaved.as_ref().and_then(|u| u.corpus);
        CheckRequest { unsaved: Some(Unsaved { id: id.into(), corpus }), ..self }
    }

    /// [`CheckRequest::unsaved`], against another corpus than the engine's (a claim's own given evidence), with
    /// this engine's date, judge and writer.
    pub fn against(self, id: impl Into<String>, corpus: &'a dyn Corpus) -> CheckRequest<'a> {
        CheckRequest { unsaved: Some(Unsaved { id: id.into(), corpus: Some(corpus) }), ..self }
    }
}
