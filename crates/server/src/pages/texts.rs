//! Checking a whole text: the "Check a text" form (paste a text or give a page's address), the result page (the
//! text with each checked sentence marked by its verdict and linked to its report, the claims table, and why
//! the other sentences were not checked), and checking it again. Progress shows on the job page like a check's.

use super::*;

#[derive(Deserialize)]
pub(crate) struct TextForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    limit: Option<String>,
}

fn text_form(text: &str, url: &str, limit: usize) -> Markup {
    html! {
        form.text-form method="post" action="/texts" {
            label for="text" { "The text: a speech, a debate transcript or an article" }
            textarea id="text" name="text" rows="12" maxlength=(verity_engine::texts::TEXT_LIMIT)
                placeholder="SMITH: Unemployment fell to 4% last year. ..." { (text) }
            p.meta { "Transcripts may name speakers at the start of a line (\u{201c}SMITH: ...\u{201d})." }
            label for="url" { "or the address of a page to read" }
            input type="url" id="url" name="url" value=(url) placeholder="https://...";
            label for="limit" { "New checks at most" }
            input type="number" id="limit" name="limit" min="1" max=(crate::texts::TEXT_CHECKS_MAX) value=(limit);
            p { button type="submit" { "Check the text" } }
        }
    }
}

pub(crate) async fn text_page_new(State(state): State<AppState>) -> Response {
    let body = html! {
        h1 { "Check a text" }
        p {
            "Verity finds the sentences that make claims worth checking, matches each to earlier checks, and checks \
             the rest, the most check-worthy first. Each claim gets a report of its own."
        }
        (text_form("", "", verity_engine::texts::DEFAULT_LIMIT))
    };
    layout(&state, "Check a text", html! {}, body).into_response()
}

/// Starts checking a pasted text or a page, or shows the form again with what is wrong.
pub(crate) async fn text_submit(State(state): State<AppState>, Form(form): Form<TextForm>) -> Response {
    let limit = match form.limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) => l.parse::<usize>().map(Some).map_err(|_| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_limit", "give the most new checks as a number")
        }),
    };
    let work = {
        let state = state.clone();
        let (text, url) = (form.text.clone(), form.url.clone());
        tokio::task::spawn_blocking(move || {
            limit.and_then(|limit| crate::texts::text_work(&state.0.engine, Some(&text), Some(&url), limit))
        })
        .await
    };
    let work = match work {
        Ok(Ok(work)) => work,
        Ok(Err(ApiError(status, body))) => {
            let shown_limit = form.limit.as_deref().and_then(|l| l.trim().parse().ok());
            let page = html! {
                (alert("Check a text", &body.message))
                (text_form(&form.text, &form.url, shown_limit.unwrap_or(verity_engine::texts::DEFAULT_LIMIT)))
            };
            return (status, layout(&state, "Check a text", html! {}, page)).into_response();
        }
        Err(e) => return page_error(&state, EngineError::Text(e.to_string())),
    };
    match crate::texts::start(&state, work) {
        Ok(id) => (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response(),
        Err(e) => page_error(&state, e),
    }
}

pub(crate) async fn text_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let checked = match state.0.engine.text(&id) {
        Ok(checked) => checked,
        Err(e) => return page_error(&state, e),
    };
    let link = |r: &ReportSummary| summary_path(r);
    let body = html! {
        h1 { "Text check" }
        p.meta {
            "Checked on " (checked.checked_at.get(..10).unwrap_or(&checked.checked_at)) " at "
            (checked.checked_at.get(11..16).unwrap_or("")) " UTC · version " (checked.version)
        }
        (verity_render::text_article(&checked, &link))
        form.actions method="post" action={ "/texts/" (checked.id) "/refresh" } {
            button type="submit" { "Check this text again" }
        }
    };
    layout(&state, "Text check", html! {}, body).into_response()
}

pub(crate) async fn text_refresh_form(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match crate::texts::start_refresh(&state, id) {
        Ok(id) => (axum::Extension(JobStarted), Redirect::to(&format!("/jobs/{id}"))).into_response(),
        Err(e) => page_error(&state, e),
    }
}
