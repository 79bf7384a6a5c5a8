//! What the API and the pages share about checking a whole text: reading what was sent into a job, refused
//! here when it is not a text (empty, too long, binary, a page that cannot be read or that the source policy
//! refuses), and the words a text job's progress shows.

use axum::http::StatusCode;
use verity_engine::EngineError;
use verity_engine::texts::TextJob;

use crate::{ApiError, AppState, Work, start_job};

/// The most new checks one text may ask for.
pub(crate) const TEXT_CHECKS_MAX: usize = 100;

/// A text to check, read and refused here if it is not one (empty, too long, binary, a page that cannot be read
/// or that the source policy refuses), as the job that checks it under a new text id.
pub(crate) fn text_work(
    engine: &verity_engine::Engine,
    text: Option<&str>,
    url: Option<&str>,
    limit: Option<usize>,
) -> Result<TextJob, ApiError> {
    let limit = limit.unwrap_or(verity_engine::texts::DEFAULT_LIMIT);
    if !(1..=TEXT_CHECKS_MAX).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_limit",
            format!("`limit` is the most new checks to run, from 1 to {TEXT_CHECKS_MAX}"),
        ));
    }
    let (text, source_url) = match (text.filter(|t| !t.trim().is_empty()), url.map(str::trim).filter(|u| !u.is_empty()))
    {
        (Some(text), None) => (verity_engine::texts::text_from_bytes(text.as_bytes())?, None),
        (None, Some(url)) => (engine.text_from_url(url)?, Some(url.to_string())),
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_text",
                "send either `text` or `url`, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_text",
                "the text is empty: send `text` (a speech, a transcript or an article) or the `url` of a page",
            ));
        }
    };
    let id = verity_engine::new_job_id().replacen("job-", "text-", 1);
    Ok(TextJob { id, text: Some(text), source_url, limit })
}

/// Starts the job that checks a text read by [`text_work`]; its id.
pub(crate) fn start(state: &AppState, job: TextJob) -> Result<String, EngineError> {
    let label = text_label(job.text.as_deref().unwrap_or_default());
    start_job(state, Work::Text(job), &label)
}

/// Starts the job that checks the stored text `id` again, as its next version, with the limit it had; its id.
pub(crate) fn start_refresh(state: &AppState, id: String) -> Result<String, EngineError> {
    let stored = state.0.engine.text(&id)?;
    let label = text_label(&stored.text);
    start_job(state, Work::Text(TextJob { id, text: None, source_url: None, limit: stored.limit }), &label)
}

/// What a text job's progress page and record call it: its first words.
fn text_label(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let head = words.iter().take(12).copied().collect::<Vec<_>>().join(" ");
    format!("A text of {} words: \u{201c}{head}{}\u{201d}", words.len(), if words.len() > 12 { " ..." } else { "" })
}
