//! Checking a whole text (`verity check --text`): its check-worthy sentences, as claims that stand on their own
//! ([`verity_triage`]), are matched against past reports first; the rest are checked, the most check-worthy
//! first, up to a limit. A matched claim costs no check.

use verity_model::{CheckedSentence, ReportSummary, SentenceOutcome, Stage, TextCheck};
use verity_triage::{Skip, Triaged};

use crate::{CheckRequest, Engine, EngineError, Result};

/// Claims checked per text unless the caller says otherwise.
pub const DEFAULT_LIMIT: usize = 20;
/// The longest text read, in bytes (about 30,000 words: a long speech or a debate transcript).
pub const TEXT_LIMIT: usize = 200_000;

/// How a text is checked.
#[derive(Debug, Clone)]
pub struct TextOptions {
    /// New checks at most; matched claims do not count, unless `refresh` checks them again.
    pub limit: usize,
    /// Check again the reports that claims match (each a new version of its report), instead of reusing them:
    /// a refresh of a stored text.
    pub refresh: bool,
    /// Calls the text check off between claims (a job cancelled, a worker stopping): then it ends in
    /// [`EngineError::Cancelled`] and the text is not saved; reports already checked stay.
    pub cancel: Option<verity_model::Deadline>,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { limit: DEFAULT_LIMIT, refresh: false, cancel: None }
    }
}

/// Refuses what is not a text to check: empty, over [`TEXT_LIMIT`], or binary. `bytes` is everything read.
pub fn text_from_bytes(bytes: &[u8]) -> Result<String> {
    refuse_size(bytes.len(), "read")?;
    let decoded = verity_ingest::encoding::decode(bytes, None)
        .map_err(|e| EngineError::Text(format!("{}; give a text in plain words (a speech, an article)", e.0)))?;
    let text = verity_text::normalize(&decoded.text);
    refuse_empty(&text)?;
    Ok(text)
}

/// A text over [`TEXT_LIMIT`] bytes is refused, saying how many were `done` ("read", "given").
fn refuse_size(bytes: usize, done: &str) -> Result<()> {
    if bytes > TEXT_LIMIT {
        return Err(EngineError::Text(format!(
            "the text is over the limit of {TEXT_LIMIT} bytes ({bytes} {done}); check it in parts"
        )));
    }
    Ok(())
}

fn refuse_empty(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(EngineError::Text("the text is empty: give a speech, a transcript or an article".into()));
    }
    Ok(())
}

fn summary(report: &verity_model::Report) -> ReportSummary {
    ReportSummary {
        id: report.id.clone(),
        slug: report.slug.clone(),
        category: report.category.clone(),
        version: report.version,
        question: report.question.clone(),
        verdict: report.verdict.label,
        confidence: report.verdict.confidence,
        checked_on: report.checked_on.clone(),
    }
}

/// A claim of a text to be checked: its sentence's position, the claim, and the report it matched when the text
/// is refreshed (checked again as that report's next version).
struct ToCheck {
    position: usize,
    claim: String,
    report: Option<String>,
}

fn checked_sentence(t: Triaged, outcome: Option<SentenceOutcome>) -> CheckedSentence {
    let outcome = outcome.unwrap_or_else(|| match t.reason() {
        Some(Skip::NeedsContext { word }) => SentenceOutcome::NeedsContext { word },
        Some(Skip::Uncheckable { reason }) => SentenceOutcome::Uncheckable { reason },
        Some(Skip::SameAs { position }) => SentenceOutcome::SameAs { position },
        Some(Skip::NotCheckWorthy) | None => SentenceOutcome::NotCheckWorthy,
    });
    CheckedSentence {
        position: t.statement.position,
        start: t.statement.start,
        end: t.statement.end,
        speaker: t.statement.speaker,
        text: t.statement.text,
        score: t.score,
        claim: t.claim.claim,
        resolved: t.claim.resolved,
        outcome,
    }
}

impl Engine {
    /// Checks a text: triage, then for each candidate, most check-worthy first, a past report for the same claim,
    /// or a new check while fewer than `options.limit` have run. Each check runs under the engine's deadline and
    /// is saved as a report of its own; a check that fails is recorded against its sentence, not raised.
    /// `source_url` is the page the text was read from, when it was one; the stored result names it.
    pub fn check_text(
        &self,
        id: &str,
        text: &str,
        source_url: Option<String>,
        options: &TextOptions,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<TextCheck> {
        self.run_text(id, text, source_url, options, observe, None)
    }

    /// A text check run for a job of the shared queue: its result is saved with the job's end, only while
    /// `lease` holds.
    pub(crate) fn run_text(
        &self,
        id: &str,
        text: &str,
        source_url: Option<String>,
        options: &TextOptions,
        observe: &mut dyn FnMut(Stage),
        lease: Option<&verity_store::JobLease>,
    ) -> Result<TextCheck> {
        refuse_size(text.len(), "given")?;
        refuse_empty(text)?;
        let triaged = verity_triage::triage(text, verity_pipeline::year_of(&self.today()));
        let order = verity_triage::by_worthiness(&triaged);
        observe(Stage::TextRead { sentences: triaged.len(), candidates: order.len() });
        let mut outcomes: Vec<Option<SentenceOutcome>> = vec![None; triaged.len()];
        let (mut matched, mut over_limit) = (0, 0);
        let mut to_check: Vec<ToCheck> = Vec::new();
        for &at in &order {
            if options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                return Err(EngineError::Cancelled);
            }
            let claim = &triaged[at].claim.claim;
            let known = self.similar(claim)?;
            if let (Some(report), false) = (&known, options.refresh) {
                matched += 1;
                outcomes[at] = Some(SentenceOutcome::Matched { report: report.clone() });
                observe(Stage::TextMatched { position: at, claim: claim.clone() });
            } else if to_check.len() >= options.limit {
                over_limit += 1;
                outcomes[at] = Some(SentenceOutcome::OverLimit);
            } else {
                to_check.push(ToCheck { position: at, claim: claim.clone(), report: known.map(|r| r.id) });
            }
        }
        let checked = to_check.len();
        let results = match lease {
            Some(lease) => self.check_through_queue(&to_check, lease, options, observe)?,
            None => self.check_here(&to_check, options, observe)?,
        };
        for (claim, outcome) in to_check.iter().zip(results) {
            outcomes[claim.position] = Some(outcome);
        }
        let sentences = triaged.into_iter().zip(outcomes).map(|(t, outcome)| checked_sentence(t, outcome)).collect();
        let mut result = TextCheck {
            schema: verity_model::text_check::TEXT_SCHEMA.into(),
            id: id.to_string(),
            version: 0,
            checked_at: crate::now(),
            source_url,
            text: text.to_string(),
            sentences,
            candidates: order.len(),
            matched,
            checked,
            over_limit,
            limit: options.limit,
        };
        self.save_text(&mut result, lease)?;
        Ok(result)
    }

    /// Checks the claims one after another in this process.
    fn check_here(
        &self,
        claims: &[ToCheck],
        options: &TextOptions,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<Vec<SentenceOutcome>> {
        let mut outcomes = Vec::with_capacity(claims.len());
        for claim in claims {
            if options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                return Err(EngineError::Cancelled);
            }
            observe(Stage::TextChecking { position: claim.position, claim: claim.claim.clone() });
            let request = match &claim.report {
                Some(id) => CheckRequest::refresh(id),
                None => CheckRequest::question(&claim.claim),
            };
            outcomes.push(match self.check(request) {
                Ok((report, _)) => SentenceOutcome::Checked { report: summary(&report) },
                Err(e) if e.is_unavailable() || matches!(e, EngineError::Cancelled) => return Err(e),
                Err(e) => SentenceOutcome::Failed { message: e.to_string() },
            });
        }
        Ok(outcomes)
    }

    /// Checks the claims through the shared queue, so that every idle worker takes a share of a long text: each
    /// claim is queued as a job of its own under the text's job (once: a text job run again after its worker died
    /// finds the jobs it queued), and this worker runs the ones no other worker has taken, then waits for the
    /// rest.
    fn check_through_queue(
        &self,
        claims: &[ToCheck],
        lease: &verity_store::JobLease,
        options: &TextOptions,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<Vec<SentenceOutcome>> {
        let queued = self.store.child_jobs(&lease.job_id)?;
        let mut jobs = Vec::with_capacity(claims.len());
        for claim in claims {
            let (kind, input) = match &claim.report {
                Some(id) => ("refresh", id.as_str()),
                None => ("check", claim.claim.as_str()),
            };
            let earlier = queued.iter().find(|j| j.question == claim.claim && j.kind == kind);
            jobs.push(match earlier {
                Some(job) => job.id.clone(),
                None => self.store.enqueue_child_job(&lease.job_id, kind, input, &claim.claim)?,
            });
        }
        let mut outcomes = Vec::with_capacity(claims.len());
        for (claim, job) in claims.iter().zip(&jobs) {
            observe(Stage::TextChecking { position: claim.position, claim: claim.claim.clone() });
            outcomes.push(self.await_claim_job(job, &lease.worker, options)?);
        }
        Ok(outcomes)
    }

    /// The outcome of a claim's job: run here if it still waits, else waited for while another worker runs it.
    fn await_claim_job(&self, job: &str, worker: &str, options: &TextOptions) -> Result<SentenceOutcome> {
        // Held long enough for the check's own deadline: this worker's heartbeat renews only the text's job.
        let hold = self.config.check_deadline.unwrap_or(crate::CHECK_DEADLINE) + crate::JOB_LEASE;
        loop {
            if options.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                return Err(EngineError::Cancelled);
            }
            let record =
                self.store.job(job)?.ok_or_else(|| EngineError::Text(format!("the claim's job {job} is gone")))?;
            match (record.status.as_str(), &record.report_id) {
                ("done", Some(report)) => return Ok(SentenceOutcome::Checked { report: summary(&self.show(report)?) }),
                ("failed", _) | ("done", None) => {
                    return Ok(SentenceOutcome::Failed { message: record.error_message.unwrap_or_default() });
                }
                _ => {}
            }
            let Some(claimed) = self.store.claim_job_by_id(job, worker, hold)? else {
                std::thread::sleep(crate::JOB_POLL);
                continue;
            };
            let lease = verity_store::JobLease {
                job_id: claimed.id.clone(),
                worker: worker.to_string(),
                attempt: claimed.attempt,
            };
            let request = match claimed.kind.as_str() {
                "refresh" => CheckRequest::refresh(&claimed.input),
                _ => CheckRequest::question(&claimed.input),
            };
            match self.check(request.for_job(&lease)) {
                Ok(_) | Err(EngineError::LeaseLost) => {}
                Err(e) if e.is_unavailable() || matches!(e, EngineError::Cancelled) => {
                    let _ = self.store.release_job(&lease);
                    return Err(e);
                }
                Err(e) => {
                    self.store.fail_job(&lease, e.code(), &e.to_string())?;
                }
            }
        }
    }

    /// Stores a run of a text under its id (the next version when the id is stored); for a job of the shared
    /// queue, in one transaction with the job's end, and only while its lease holds.
    fn save_text(&self, result: &mut TextCheck, lease: Option<&verity_store::JobLease>) -> Result<()> {
        let body = serde_json::to_string(result).expect("a text check serialises");
        result.version = match lease {
            None => self.store.save_text(&result.id, &result.checked_at, &body)?,
            Some(lease) => self
                .store
                .complete_text_job(lease, &result.id, &result.checked_at, &body)?
                .ok_or(EngineError::LeaseLost)?,
        };
        Ok(())
    }

    /// The latest run of a stored text.
    pub fn text(&self, id: &str) -> Result<TextCheck> {
        let (version, body) = self.store.text(id)?.ok_or_else(|| EngineError::NoSuchText(id.to_string()))?;
        let mut text: TextCheck = serde_json::from_str(&body)
            .map_err(|e| EngineError::Text(format!("the stored text {id:?} cannot be read ({e})")))?;
        text.version = version;
        Ok(text)
    }

    /// Checks a stored text again, as its next version under the same id: the text is read again, and claims
    /// matched to reports check those reports again (new versions), up to `limit`.
    pub fn refresh_text(&self, id: &str, options: &TextOptions, observe: &mut dyn FnMut(Stage)) -> Result<TextCheck> {
        self.refresh_text_for(id, options, observe, None)
    }

    pub(crate) fn refresh_text_for(
        &self,
        id: &str,
        options: &TextOptions,
        observe: &mut dyn FnMut(Stage),
        lease: Option<&verity_store::JobLease>,
    ) -> Result<TextCheck> {
        let stored = self.text(id)?;
        let options = TextOptions { refresh: true, ..options.clone() };
        self.run_text(id, &stored.text, stored.source_url, &options, observe, lease)
    }
}

impl Engine {
    /// The article text of the page at `url`, read through the guarded fetcher (no private addresses unless the
    /// fetch settings allow them, robots.txt, a size cap) with the web settings this engine was given, or the
    /// defaults; a host the source policy refuses is not read.
    pub fn text_from_url(&self, url: &str) -> Result<String> {
        let (fetch, policy) = match &self.config().web {
            Some(web) => (web.fetch.clone(), web.policy.clone()),
            None => (verity_web::FetchConfig::default(), crate::web::SourcePolicy::default()),
        };
        let parsed = url::Url::parse(url).map_err(|e| {
            EngineError::Text(format!("{url:?} is not a URL ({e}); give an http:// or https:// address"))
        })?;
        let host = parsed.host_str().unwrap_or_default();
        if !policy.allows(host) {
            return Err(EngineError::SourceRefused(format!(
                "the source policy does not allow reading {host}; change the policy or paste the text instead"
            )));
        }
        let page = verity_web::Fetcher::new(fetch)?
            .fetch(url)
            .map_err(|e| EngineError::PageUnreadable(format!("cannot read {url}: {e}; paste the text instead")))?;
        let text = [page.document.title.as_str(), page.document.text.as_str()]
            .iter()
            .filter(|t| !t.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n\n");
        text_from_bytes(text.as_bytes())
    }
}

/// What a text job of the shared queue carries in its `input`: the text and how to check it, or a stored text
/// to check again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextJob {
    /// The id the result is stored under.
    pub id: String,
    /// The text; `None` to check the stored text `id` again.
    pub text: Option<String>,
    pub source_url: Option<String>,
    pub limit: usize,
}

impl TextJob {
    /// The job kind the queue stores.
    pub const KIND: &'static str = "text";
}

impl Engine {
    /// Runs a text job (a new text, or a stored one again) under `deadline`, which calls it off between claims.
    pub fn run_text_job(
        &self,
        job: &TextJob,
        deadline: &verity_model::Deadline,
        observe: &mut dyn FnMut(Stage),
    ) -> Result<TextCheck> {
        self.run_text_job_for(job, deadline, observe, None)
    }

    pub(crate) fn run_text_job_for(
        &self,
        job: &TextJob,
        deadline: &verity_model::Deadline,
        observe: &mut dyn FnMut(Stage),
        lease: Option<&verity_store::JobLease>,
    ) -> Result<TextCheck> {
        let options = TextOptions { limit: job.limit, refresh: false, cancel: Some(deadline.clone()) };
        match &job.text {
            Some(text) => self.run_text(&job.id, text, job.source_url.clone(), &options, observe, lease),
            None => self.refresh_text_for(&job.id, &options, observe, lease),
        }
    }
}
