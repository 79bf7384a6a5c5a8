//! The web site and the JSON API: `verity serve`.
//!
//! Main items: [`router`] (every route, for tests through `tower::ServiceExt::oneshot` and for [`serve`]),
//! [`serve`] (binds an address and runs until Ctrl-C). Pages are rendered on the server (`verity-render`), with
//! no script; the API lives under `/api/v1` and answers errors as JSON `{"error": {"code", "message"}}`.
//!
//! Checks run as background jobs on the blocking pool, one at a time (the engine holds one SQLite connection):
//! `POST /api/v1/checks` answers 202 with a job to poll; the form on the home page waits for its check and
//! redirects to the report. Every response carries a Content-Security-Policy that allows no script at all, and
//! every piece of source text and user input is escaped by the renderer.
//!
//! This crate is the only one with inbound HTTP. It holds no logic a CLI would need: it calls the engine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use verity_engine::{Engine, EngineError};
use verity_model::Report;
use verity_render::escape;

/// Requests larger than this are refused (413): a question is a sentence, not a document.
pub const BODY_LIMIT: usize = 16 * 1024;
/// A question longer than this is refused (422).
pub const QUESTION_LIMIT: usize = 500;
/// Jobs remembered for polling; the oldest are forgotten first.
const JOBS_KEPT: usize = 1000;

/// Allows styles in the page, images from the site, forms to the site, and no script of any kind.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
                   base-uri 'none'; frame-ancestors 'none'";

#[derive(Clone)]
struct AppState(Arc<Shared>);

struct Shared {
    engine: Mutex<Engine>,
    jobs: Mutex<Jobs>,
    next_job: AtomicU64,
}

#[derive(Default)]
struct Jobs {
    by_id: HashMap<String, Job>,
    order: std::collections::VecDeque<String>,
}

/// A check started through the API.
#[derive(Debug, Clone, Serialize)]
struct Job {
    id: String,
    status: JobStatus,
    question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    report_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum JobStatus {
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
}

/// An API error: a status and a JSON body saying what went wrong and what to do.
struct ApiError(StatusCode, ErrorBody);

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError(status, ErrorBody { code, message: message.into() })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::Uncheckable(reason) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "uncheckable", reason.to_string())
            }
            EngineError::NoSuchReport(key) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no report matches {key:?}"))
            }
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", other.to_string()),
        }
    }
}

/// Every route of the site and the API over `engine`.
pub fn router(engine: Engine) -> Router {
    let state = AppState(Arc::new(Shared {
        engine: Mutex::new(engine),
        jobs: Mutex::new(Jobs::default()),
        next_job: AtomicU64::new(1),
    }));
    Router::new()
        .route("/", get(home))
        .route("/checks", post(check_form))
        .route("/checks/{category}/{slug}", get(report_page))
        .route("/api/v1/checks", post(create_check))
        .route("/api/v1/jobs/{id}", get(job_status))
        .route("/api/v1/reports", get(list_reports))
        .route("/api/v1/reports/{key}", get(get_report))
        .route("/api/v1/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Serves `engine` on `addr` until Ctrl-C.
pub fn serve(engine: Engine, addr: SocketAddr) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, router(engine))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// Where a report lives: `/checks/<category>/<slug>`. Categories are assigned at check time in a later step;
/// until then every report is filed under `general`.
pub fn report_path(report: &Report) -> String {
    format!("/checks/general/{}", report.slug)
}

fn validated(question: &str) -> Result<String, ApiError> {
    let question = question.trim();
    if question.chars().count() > QUESTION_LIMIT {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "question_too_long",
            format!("a question has at most {QUESTION_LIMIT} characters; ask about one claim"),
        ));
    }
    Ok(question.to_string())
}

/// Runs a check on the blocking pool.
async fn run_check(state: &AppState, question: String) -> Result<Report, ApiError> {
    let shared = state.0.clone();
    tokio::task::spawn_blocking(move || {
        let mut engine = shared.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        engine.check(&question).map_err(ApiError::from)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
}

#[derive(Deserialize)]
struct CheckRequest {
    question: String,
}

async fn create_check(
    State(state): State<AppState>,
    body: Result<Json<CheckRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request is over {BODY_LIMIT} bytes; send one question"),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("{e}; send {{\"question\": \"...\"}}")),
    })?;
    let question = validated(&request.question)?;
    let id = format!("job-{}", state.0.next_job.fetch_add(1, Ordering::Relaxed));
    let job = Job {
        id: id.clone(),
        status: JobStatus::Running,
        question: question.clone(),
        report_id: None,
        report_url: None,
        error: None,
    };
    remember(&state, job.clone());
    let worker = state.clone();
    let job_id = id.clone();
    tokio::spawn(async move {
        let outcome = run_check(&worker, question).await;
        let mut jobs = worker.0.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(job) = jobs.by_id.get_mut(&job_id) {
            match outcome {
                Ok(report) => {
                    job.status = JobStatus::Done;
                    job.report_url = Some(report_path(&report));
                    job.report_id = Some(report.id);
                }
                Err(ApiError(_, body)) => {
                    job.status = JobStatus::Failed;
                    job.error = Some(body);
                }
            }
        }
    });
    let location = format!("/api/v1/jobs/{id}");
    let mut response = (StatusCode::ACCEPTED, Json(job)).into_response();
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&location).expect("ascii"));
    Ok(response)
}

fn remember(state: &AppState, job: Job) {
    let mut jobs = state.0.jobs.lock().unwrap_or_else(|p| p.into_inner());
    jobs.order.push_back(job.id.clone());
    jobs.by_id.insert(job.id.clone(), job);
    while jobs.order.len() > JOBS_KEPT {
        if let Some(old) = jobs.order.pop_front() {
            jobs.by_id.remove(&old);
        }
    }
}

async fn job_status(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Job>, ApiError> {
    let jobs = state.0.jobs.lock().unwrap_or_else(|p| p.into_inner());
    jobs.by_id
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no job {id:?}")))
}

async fn list_reports(State(state): State<AppState>) -> Result<Response, ApiError> {
    let engine = state.0.engine.lock().unwrap_or_else(|p| p.into_inner());
    Ok(Json(engine.list(50)?).into_response())
}

async fn get_report(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response, ApiError> {
    let engine = state.0.engine.lock().unwrap_or_else(|p| p.into_inner());
    Ok(Json(engine.show(&key)?).into_response())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json")).into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no route {}", uri.path())).into_response();
    }
    (StatusCode::NOT_FOUND, Html(page("Not found", "<p>There is no page here. <a href=\"/\">Ask a question</a>.</p>")))
        .into_response()
}

/// A page of the site around `body` (already escaped HTML).
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — Verity</title>\
         <style>body{{font:17px/1.55 Georgia,serif;margin:0;background:#fbfaf7;color:#1d1d1d}}\
         main{{max-width:46rem;margin:0 auto;padding:2rem 1rem}}input[type=text]{{width:100%;font:inherit;\
         padding:.5rem}}.error{{color:#b71c1c}}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn home_page(recent: &[verity_model::ReportSummary], error: Option<&str>, question: &str) -> String {
    let mut body = String::from(
        "<h1>Verity</h1><p>Ask about a claim in plain words. Verity reads the sources in its archive, weighs the \
         evidence and writes a dated report whose every citation quotes what it cites.</p>",
    );
    if let Some(message) = error {
        body.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>", escape(message)));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/checks\"><label for=\"q\">Your question</label><br>\
         <input type=\"text\" id=\"q\" name=\"question\" maxlength=\"{QUESTION_LIMIT}\" required value=\"{}\" \
         placeholder=\"Did the minister hand over protected informants?\"> <button type=\"submit\">Check</button></form>",
        escape(question)
    ));
    body.push_str("<h2>Recent checks</h2>");
    if recent.is_empty() {
        body.push_str("<p>No checks yet.</p>");
    } else {
        body.push_str("<ul class=\"recent\">");
        for r in recent {
            body.push_str(&format!(
                "<li><a href=\"/checks/general/{}\">{}</a> — {} · {}</li>",
                escape(&r.slug),
                escape(&r.question),
                escape(r.verdict.headline()),
                escape(&r.checked_on)
            ));
        }
        body.push_str("</ul>");
    }
    page("Ask a question", &body)
}

async fn home(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let recent = state.0.engine.lock().unwrap_or_else(|p| p.into_inner()).list(20)?;
    Ok(Html(home_page(&recent, None, "")))
}

#[derive(Deserialize)]
struct QuestionForm {
    question: String,
}

async fn check_form(State(state): State<AppState>, Form(form): Form<QuestionForm>) -> Response {
    let result = match validated(&form.question) {
        Ok(question) => run_check(&state, question).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => Redirect::to(&report_path(&report)).into_response(),
        Err(ApiError(status, body)) => {
            let recent = state.0.engine.lock().unwrap_or_else(|p| p.into_inner()).list(20).unwrap_or_default();
            (status, Html(home_page(&recent, Some(&body.message), &form.question))).into_response()
        }
    }
}

async fn report_page(
    State(state): State<AppState>,
    Path((_category, slug)): Path<(String, String)>,
) -> Result<Response, Response> {
    let shown = state.0.engine.lock().unwrap_or_else(|p| p.into_inner()).show(&slug);
    match shown {
        Ok(report) => Ok(Html(verity_render::html(&report)).into_response()),
        Err(EngineError::NoSuchReport(_)) => Err(not_found(format!("/checks/{slug}").parse().expect("a path")).await),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}
