//! Asking: the home page, the question form, "checked before", checking again and the progress of a running check.

use super::*;

#[derive(Deserialize)]
pub(crate) struct HomeQuery {
    q: Option<String>,
}

pub(crate) async fn home(State(state): State<AppState>, Query(query): Query<HomeQuery>) -> Response {
    let recent = match state.reports().view().list(10) {
        Ok(recent) => recent,
        Err(e) => return page_error(&state, e),
    };
    let body = format!(
        "<h1>Check a claim</h1><p>Ask about a claim in plain words. Verity reads the sources in its archive, weighs \
         the evidence and writes a dated report whose every citation quotes what it cites.</p>{}\
         <h2>Recent checks</h2>{}<p><a href=\"/archive\">All checks</a></p>",
        ask_form(query.q.as_deref().unwrap_or("")),
        summary_list(&recent)
    );
    Html(layout(&state, "Check a claim", "", &body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct QuestionForm {
    question: String,
    /// "1" when the visitor chose a new check over an earlier report.
    #[serde(default)]
    fresh: Option<String>,
}

/// Starts a check from the home page (or a follow-up), unless the claim was checked before: then the visitor
/// chooses between that report and a fresh check.
pub(crate) async fn check_form(State(state): State<AppState>, Form(form): Form<QuestionForm>) -> Response {
    let question = match validated(&form.question) {
        Ok(q) => q,
        Err(ApiError(status, body)) => {
            let page = format!(
                "<h1>Check a claim</h1><p class=\"error\" role=\"alert\">{}</p>{}",
                escape(&body.message),
                ask_form(&form.question)
            );
            return (status, Html(layout(&state, "Check a claim", "", &page))).into_response();
        }
    };
    if form.fresh.as_deref() != Some("1") {
        let known = state.similar(&question);
        match known {
            Ok(Some(existing)) => return Html(offer_page(&state, &question, &existing)).into_response(),
            Ok(None) => {}
            Err(e) => return page_error(&state, e),
        }
    }
    let id = start_job(&state, Work::Check(question.clone()), &question);
    (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response()
}

pub(super) fn offer_page(state: &AppState, question: &str, existing: &ReportSummary) -> String {
    let body = format!(
        "<h1>Checked before</h1><p>Verity checked this claim on {date}:</p><p><a href=\"{url}\" class=\"existing\">{q}</a> \
         — <strong>{verdict}</strong></p><p>Read that report, or run a fresh check of your question: a fresh check \
         adds a new version of the same report, so its history stays in one place.</p>\
         <form method=\"post\" action=\"{url}/refresh\"><button type=\"submit\">Run a fresh check</button></form>\
         <p class=\"meta\">You asked: {asked}</p>",
        date = escape(&existing.checked_on),
        url = escape(&summary_path(existing)),
        q = escape(&existing.question),
        verdict = escape(existing.verdict.headline()),
        asked = escape(question),
    );
    layout(state, "Checked before", "", &body)
}

pub(crate) async fn refresh_form(
    State(state): State<AppState>,
    Path((_category, slug)): Path<(String, String)>,
) -> Response {
    let report = match state.reports().view().show(&slug) {
        Ok(r) => r,
        Err(e) => return page_error(&state, e),
    };
    let id = start_job(&state, Work::Refresh(report.id.clone()), &report.question);
    (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response()
}

/// A running check: its stages so far. Script follows the event stream and moves on to the report; without
/// script the page reloads itself until the report is ready.
pub(crate) async fn job_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(sender) = state.0.jobs.get(&id) else {
        return error_page(
            &state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such check; it may have finished long ago.",
        );
    };
    let job = sender.borrow().clone();
    if let (crate::jobs::JobStatus::Done, Some(url)) = (job.status, &job.report_url) {
        return Redirect::to(&format!("{url}?asked=1")).into_response();
    }
    let stages: String = job.stages.iter().map(|s| format!("<li>{}</li>", escape(&s.text))).collect();
    let (error, refresh) = match &job.error {
        Some(e) => (format!("<p id=\"job-error\" class=\"error\" role=\"alert\">{}</p>", escape(&e.message)), ""),
        None => (
            "<p id=\"job-error\" class=\"error\" role=\"alert\" hidden></p>".to_string(),
            "<noscript><meta http-equiv=\"refresh\" content=\"1\"></noscript>",
        ),
    };
    let body = format!(
        "<h1>Checking</h1><p class=\"meta\">{}</p><div id=\"job\" data-job=\"{}\" data-question=\"{}\">\
         <ol id=\"stages\" class=\"stages\" aria-live=\"polite\">{stages}</ol></div>{error}",
        escape(&job.question),
        escape(&job.id),
        escape(&job.question),
    );
    Html(layout(&state, "Checking", refresh, &body)).into_response()
}
