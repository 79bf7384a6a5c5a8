//! The web site and the JSON API: `verity serve`.
//!
//! Main items: [`router`] (every route, for tests through `tower::ServiceExt::oneshot` and for [`serve`]),
//! [`serve`] (binds an address and runs until Ctrl-C), [`SiteConfig`] (operator token, webhook secret,
//! supporters campaign, limits), [`stripe`] (webhook signatures). Pages are rendered on the server; one small
//! script (`/static/verity.js`) adds live progress and "your checks" and nothing depends on it. The API lives
//! under `/api/v1` and answers errors as JSON `{"error": {"code", "message"}}`.
//!
//! Checks run as background jobs on the blocking pool, one at a time (the engine holds one SQLite connection
//! for writing); pages read reports through a connection of their own, so reading never waits for a check.
//! Progress streams to the browser as server-sent events. Every response carries a Content-Security-Policy
//! that allows only the site's own script and styles, and every piece of source text and user input is escaped.
//!
//! This crate is the only one with inbound HTTP. It holds no logic a CLI would need: it calls the engine.

mod api;
pub mod config;
mod jobs;
mod limit;
mod pages;
pub mod stripe;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use verity_engine::{Engine, EngineError, Reports};
use verity_model::{Report, ReportSummary};

pub use config::{Campaign, SiteConfig};

/// Requests larger than this are refused (413): a question is a sentence, not a document.
pub const BODY_LIMIT: usize = 16 * 1024;
/// The operator's document uploads may be larger.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// A question longer than this is refused (422): the engine's limit, checked before any work starts.
pub use verity_engine::QUESTION_LIMIT;
/// Any request but an event stream that takes longer than this is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Only the site's own script, styles and images; forms and event streams only to the site.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Clone)]
struct AppState(Arc<Shared>);

struct Shared {
    /// Shared by every request: checks run at once, each taking the engine's locks only while it writes.
    engine: Arc<Engine>,
    reports: Reports,
    jobs: jobs::Jobs,
    limiter: limit::RateLimiter,
    site: SiteConfig,
    /// The date reports are fixed to (tests); today's otherwise.
    fixed_today: Option<String>,
}

impl AppState {
    fn reports(&self) -> &Reports {
        &self.0.reports
    }

    fn today(&self) -> time::Date {
        self.0
            .fixed_today
            .as_deref()
            .and_then(config::parse_date)
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
    }

    /// The stored report that already answers `question` (words, and vectors when the model is installed).
    fn similar(&self, question: &str) -> Result<Option<ReportSummary>, EngineError> {
        self.0.engine.similar(question)
    }

    /// The campaign in force: the operator's last change, else the site file's.
    fn campaign(&self) -> Option<Campaign> {
        let stored = self.reports().site().setting(api::CAMPAIGN_SETTING).ok().flatten();
        match stored {
            Some(json) if json == "null" => None,
            Some(json) => serde_json::from_str(&json).ok(),
            None => self.0.site.campaign.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorBody {
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
            e @ EngineError::NoSuchVersion { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "no_such_version", e.to_string())
            }
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", other.to_string()),
        }
    }
}

/// Every route of the site and the API over `engine`.
pub fn router(engine: Engine, site: SiteConfig) -> Result<Router, EngineError> {
    let reports = Reports::open(engine.data_dir())?;
    let state = AppState(Arc::new(Shared {
        fixed_today: engine.fixed_today().map(str::to_string),
        engine: Arc::new(engine),
        reports,
        jobs: jobs::Jobs::default(),
        limiter: limit::RateLimiter::new(site.checks_per_minute),
        site,
    }));
    let limited = Router::new()
        .route("/checks", post(pages::check_form))
        .route("/checks/{category}/{slug}/refresh", post(pages::refresh_form))
        .route("/api/v1/checks", post(api::create_check))
        .route("/api/v1/reports/{key}/refresh", post(api::refresh))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit));
    let operator = Router::new()
        .route("/api/v1/admin/documents", post(api::add_documents).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/api/v1/admin/reports/{key}", delete(api::delete_report))
        .route("/api/v1/admin/campaign", put(api::put_campaign))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), operator_only));
    let timed = Router::new()
        .route("/", get(pages::home))
        .route("/jobs/{id}", get(pages::job_page))
        .route("/checks/{category}/{slug}", get(pages::report_page))
        .route("/checks/{category}/{slug}/versions/{version}", get(pages::version_page))
        .route("/checks/{category}/{slug}/diff", get(pages::diff_page))
        .route("/archive", get(pages::archive))
        .route("/categories", get(pages::categories))
        .route("/categories/{category}", get(pages::category))
        .route("/topics/{topic}", get(pages::topic))
        .route("/search", get(pages::search))
        .route("/corrections", get(pages::corrections))
        .route("/about", get(pages::about))
        .route("/mine", get(pages::mine))
        .route("/static/site.css", get(pages::stylesheet))
        .route("/static/verity.js", get(pages::script))
        .route("/api/v1/jobs/{id}", get(api::job_status))
        .route("/api/v1/reports", get(api::list_reports))
        .route("/api/v1/reports/{key}", get(api::get_report))
        .route("/api/v1/reports/{key}/versions", get(api::versions))
        .route("/api/v1/reports/{key}/versions/{version}", get(api::get_version))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/corrections", get(api::corrections))
        .route("/api/v1/campaign", get(api::campaign))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/webhooks/stripe", post(api::stripe_webhook))
        .merge(limited)
        .merge(operator)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(timeout));
    Ok(Router::new()
        .route("/api/v1/jobs/{id}/events", get(api::job_events))
        .merge(timed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state))
}

/// Serves `engine` on `addr` until Ctrl-C.
pub fn serve(engine: Engine, site: SiteConfig, addr: SocketAddr) -> std::io::Result<()> {
    let app = router(engine, site).map_err(std::io::Error::other)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
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

async fn timeout(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) if api => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the server took too long; try again")
                .into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "The server took too long; try again.").into_response(),
    }
}

/// The client's address: the connection's peer (requests that arrive without one, in tests, count as one
/// local client).
fn client(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

async fn rate_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match state.0.limiter.take(client(&request), std::time::Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let message = format!(
                "too many checks from your address; {} per minute are allowed, try again in {seconds} s",
                state.0.site.checks_per_minute
            );
            let mut response = if request.uri().path().starts_with("/api/") {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response()
            } else {
                (StatusCode::TOO_MANY_REQUESTS, axum::response::Html(pages::message_page("Too many checks", &message)))
                    .into_response()
            };
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

async fn operator_only(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = state.0.site.operator_token.as_deref().filter(|t| !t.is_empty()) else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "operator_disabled",
            "operator endpoints are off; set operator_token in the site file (verity serve --site FILE)",
        )
        .into_response();
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared in constant time: the token must not leak byte by byte through timing.
    let same =
        given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !same {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the operator token as `Authorization: Bearer <token>`",
        )
        .into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    next.run(request).await
}

/// Where a report lives: `/checks/<category>/<slug>`.
pub fn report_path(report: &Report) -> String {
    format!("/checks/{}/{}", report.category, report.slug)
}

fn summary_path(summary: &ReportSummary) -> String {
    format!("/checks/{}/{}", summary.category, summary.slug)
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
    if question.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_question",
            "type a question about one claim",
        ));
    }
    Ok(question.to_string())
}

/// What a job runs.
enum Work {
    Check(String),
    Refresh(String),
}

/// Starts a check or a refresh on the blocking pool and returns the job's id at once.
fn start_job(state: &AppState, work: Work, question: &str) -> String {
    let kind = match work {
        Work::Check(_) => jobs::JobKind::Check,
        Work::Refresh(_) => jobs::JobKind::Refresh,
    };
    let sender = state.0.jobs.start(kind, question);
    let id = sender.borrow().id.clone();
    let engine = state.0.engine.clone();
    tokio::task::spawn_blocking(move || {
        let mut observe = |stage: verity_model::Stage| {
            sender.send_modify(|job| job.stages.push(jobs::StageLine { text: stage.describe(), stage }));
        };
        let outcome = match &work {
            Work::Check(question) => engine.check_observed(question, &mut observe),
            Work::Refresh(key) => engine.refresh(key, &mut observe),
        };
        sender.send_modify(|job| match outcome {
            Ok(report) => {
                job.status = jobs::JobStatus::Done;
                job.report_url = Some(report_path(&report));
                job.report_id = Some(report.id);
            }
            Err(e) => {
                job.status = jobs::JobStatus::Failed;
                job.error = Some(ApiError::from(e).1);
            }
        });
    });
    id
}
