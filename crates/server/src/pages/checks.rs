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
    let body = html! {
        h1 { "Check a claim" }
        p {
            "Ask about a claim in plain words. Verity reads the sources in its archive, weighs the evidence and \
             writes a dated report whose every citation quotes what it cites."
        }
        (ask_form(query.q.as_deref().unwrap_or("")))
        h2 { "Recent checks" }
        (summary_list(&recent))
        p { a href="/archive" { "All checks" } }
    };
    layout(&state, "Check a claim", html! {}, body).into_response()
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
            let page = html! {
                (alert("Check a claim", &body.message))
                (ask_form(&form.question))
            };
            return (status, layout(&state, "Check a claim", html! {}, page)).into_response();
        }
    };
    if form.fresh.as_deref() != Some("1") {
        let known = state.similar(&question);
        match known {
            Ok(Some(existing)) => return offer_page(&state, &question, &existing).into_response(),
            Ok(None) => {}
            Err(e) => return page_error(&state, e),
        }
    }
    match start_job(&state, Work::Check(question.clone()), &question) {
        Ok(id) => (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response(),
        Err(e) => page_error(&state, e),
    }
}

pub(super) fn offer_page(state: &AppState, question: &str, existing: &ReportSummary) -> Html<String> {
    let url = summary_path(existing);
    let body = html! {
        h1 { "Checked before" }
        p { "Verity checked this claim on " (existing.checked_on) ":" }
        p {
            a.existing href=(url) { (existing.question) }
            " — "
            strong { (existing.verdict.headline()) }
        }
        p {
            "Read that report, or run a fresh check of your question: a fresh check adds a new version of the same \
             report, so its history stays in one place."
        }
        form method="post" action={ (url) "/refresh" } {
            button type="submit" { "Run a fresh check" }
        }
        p.meta { "You asked: " (question) }
    };
    layout(state, "Checked before", html! {}, body)
}

pub(crate) async fn refresh_form(
    State(state): State<AppState>,
    Path((_category, slug)): Path<(String, String)>,
) -> Response {
    let report = match state.reports().view().show(&slug) {
        Ok(r) => r,
        Err(e) => return page_error(&state, e),
    };
    match start_job(&state, Work::Refresh(report.id.clone()), &report.question) {
        Ok(id) => (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response(),
        Err(e) => page_error(&state, e),
    }
}

/// A running check: its stages so far. Script follows the event stream and moves on to the report; without
/// script the page reloads itself until the report is ready.
pub(crate) async fn job_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let job = match crate::job_snapshot(&state, &id) {
        Ok(Some(job)) => job,
        Ok(None) => {
            return error_page(
                &state,
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such check; it may have finished long ago.",
            );
        }
        Err(e) => return page_error(&state, e),
    };
    if let (crate::jobs::JobStatus::Done, Some(url)) = (job.status, &job.report_url) {
        return Redirect::to(&format!("{url}?asked=1")).into_response();
    }
    // Without script the page reloads itself until the check ends.
    let refresh = match job.error {
        Some(_) => html! {},
        None => html! { noscript { meta http-equiv="refresh" content="1"; } },
    };
    let body = html! {
        h1 { "Checking" }
        p.meta { (job.question) }
        div #job data-job=(job.id) data-question=(job.question) {
            ol #stages .stages aria-live="polite" {
                @for stage in &job.stages {
                    li { (stage.text) }
                }
            }
        }
        @match &job.error {
            Some(e) => p id="job-error" class="error" role="alert" { (e.message) },
            None => p id="job-error" class="error" role="alert" hidden {},
        }
    };
    layout(&state, "Checking", refresh, body).into_response()
}
