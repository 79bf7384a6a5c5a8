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
//!
//! ```
//! use tower::ServiceExt as _;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let engine = verity_engine::Engine::open(verity_engine::Config::new(dir.path())).unwrap();
//! let router = verity_server::router(engine, verity_server::SiteConfig::default()).unwrap();
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let request = axum::http::Request::get("/api/v1/health").body(axum::body::Body::empty()).unwrap();
//! let response = runtime.block_on(router.oneshot(request)).unwrap();
//! assert_eq!(response.status(), 200);
//! ```

mod api;
pub mod config;
mod jobs;
pub mod limit;
mod pages;
mod queue;
pub mod stripe;
mod texts;

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
/// The largest request body a text check takes: a text of the engine's limit, escaped as JSON or a form.
pub const TEXT_BODY_LIMIT: usize = 4 * verity_engine::texts::TEXT_LIMIT;
/// The largest Stripe event the webhook takes: Stripe's own events run past 16 KB (a checkout session with its
/// line items and metadata).
pub const WEBHOOK_LIMIT: usize = 256 * 1024;
/// The operator's document uploads may be larger.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// A question longer than this is refused (422): the engine's limit, checked before any work starts.
pub use verity_engine::QUESTION_LIMIT;
/// Any request but an event stream that takes longer than this is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a client may take to send a request's headers: a connection that trickles them is closed, so slow
/// clients cannot hold connections open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long requests under way may take to finish once the server is told to stop.
const DRAIN: Duration = Duration::from_secs(10);

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
    /// Ids of jobs of the shared queue as the store announces their changes (`None` in embedded mode).
    job_changes: Option<tokio::sync::broadcast::Sender<String>>,
    /// The campaign's progress as last read, and when: every page shows it.
    progress: std::sync::RwLock<Option<(std::time::Instant, Option<pages::Progress>)>>,
}

/// How long the campaign's progress is shown from memory before the store is read again (other servers on the
/// same data record supporters too; this one forgets it at once when it records one).
pub(crate) const CAMPAIGN_TTL: Duration = Duration::from_secs(5);

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

    fn cached_progress(&self) -> Option<Option<pages::Progress>> {
        let cached = self.0.progress.read().unwrap_or_else(|p| p.into_inner());
        cached.as_ref().filter(|(at, _)| at.elapsed() < CAMPAIGN_TTL).map(|(_, progress)| progress.clone())
    }

    fn keep_progress(&self, progress: Option<pages::Progress>) {
        *self.0.progress.write().unwrap_or_else(|p| p.into_inner()) = Some((std::time::Instant::now(), progress));
    }

    /// After the campaign or its supporters changed: the next page reads them again.
    fn forget_progress(&self) {
        *self.0.progress.write().unwrap_or_else(|p| p.into_inner()) = None;
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
        let status = match e {
            EngineError::Uncheckable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            EngineError::NoSuchReport(_) | EngineError::NoSuchVersion { .. } | EngineError::NoSuchText(_) => {
                StatusCode::NOT_FOUND
            }
            EngineError::Text(_) => StatusCode::UNPROCESSABLE_ENTITY,
            EngineError::PageUnreadable(_) => StatusCode::BAD_GATEWAY,
            EngineError::SourceRefused(_) => StatusCode::FORBIDDEN,
            EngineError::Cancelled => StatusCode::CONFLICT,
            ref e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = match &e {
            // The engine's own message points at the command line (`verity list`).
            EngineError::NoSuchReport(key) => format!("no report matches {key:?}"),
            other => other.to_string(),
        };
        ApiError::new(status, e.code(), message)
    }
}

/// Which layers an API route gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Reads (and the webhook): run off the runtime, under the request timeout.
    Read,
    /// Starts a check: rate-limited per client.
    Limited,
    /// The operator's: needs the bearer token.
    Operator,
    /// An event stream: long-lived, so neither timed nor on the blocking pool.
    Stream,
}

/// Every API route, once: the router is built from this table, and [`api_operations`] lists it for the OpenAPI
/// document's test, so neither can list a route the other lacks.
fn api_table() -> Vec<(Access, &'static str, &'static str, axum::routing::MethodRouter<AppState>)> {
    use Access::*;
    vec![
        (Limited, "post", "/api/v1/checks", post(api::create_check)),
        (Limited, "post", "/api/v1/reports/{key}/refresh", post(api::refresh)),
        (Limited, "post", "/api/v1/texts", post(api::create_text).layer(DefaultBodyLimit::max(TEXT_BODY_LIMIT))),
        (Limited, "post", "/api/v1/texts/{text_id}/refresh", post(api::refresh_text)),
        (Read, "get", "/api/v1/texts/{text_id}", get(api::get_text)),
        (
            Operator,
            "post",
            "/api/v1/admin/documents",
            post(api::add_documents).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        (Operator, "delete", "/api/v1/admin/reports/{key}", delete(api::delete_report)),
        (Operator, "put", "/api/v1/admin/campaign", put(api::put_campaign)),
        (Operator, "delete", "/api/v1/admin/jobs/{id}", delete(api::cancel_job)),
        (Read, "get", "/api/v1/jobs/{id}", get(api::job_status)),
        (Stream, "get", "/api/v1/jobs/{id}/events", get(api::job_events)),
        (Read, "get", "/api/v1/reports", get(api::list_reports)),
        (Read, "get", "/api/v1/reports/{key}", get(api::get_report)),
        (Read, "get", "/api/v1/reports/{key}/versions", get(api::versions)),
        (Read, "get", "/api/v1/reports/{key}/versions/{version}", get(api::get_version)),
        (Read, "get", "/api/v1/search", get(api::search)),
        (Read, "get", "/api/v1/corrections", get(api::corrections)),
        (Read, "get", "/api/v1/campaign", get(api::campaign)),
        (Read, "get", "/api/v1/health", get(api::health)),
        (Read, "get", "/api/v1/openapi.json", get(api::openapi)),
        (
            Read,
            "post",
            "/api/v1/webhooks/stripe",
            post(api::stripe_webhook).layer(DefaultBodyLimit::max(WEBHOOK_LIMIT)),
        ),
    ]
}

/// Every operation of the API as (method, path template), in OpenAPI's lower-case method names: what the
/// router serves under `/api/v1`.
pub fn api_operations() -> Vec<(&'static str, &'static str)> {
    api_table().into_iter().map(|(_, method, path, _)| (method, path)).collect()
}

/// Every route of the site and the API over `engine`.
pub fn router(engine: Engine, site: SiteConfig) -> Result<Router, EngineError> {
    Ok(app(engine, site)?.0)
}

fn app(engine: Engine, site: SiteConfig) -> Result<(Router, AppState), EngineError> {
    let reports = Reports::open(engine.config())?;
    let engine = Arc::new(engine);
    let job_changes = queue::follow_changes(&engine)?;
    let state = AppState(Arc::new(Shared {
        fixed_today: engine.fixed_today().map(str::to_string),
        engine,
        job_changes,
        reports,
        jobs: jobs::Jobs::default(),
        limiter: limit::RateLimiter::new(site.checks_per_minute),
        site,
        progress: Default::default(),
    }));
    let (mut limited, mut operator, mut read, mut stream) =
        (Router::new(), Router::new(), Router::new(), Router::new());
    for (access, _, path, handler) in api_table() {
        let group = match access {
            Access::Limited => &mut limited,
            Access::Operator => &mut operator,
            Access::Read => &mut read,
            Access::Stream => &mut stream,
        };
        *group = std::mem::take(group).route(path, handler);
    }
    let limited = limited
        .route("/checks", post(pages::check_form))
        .route("/checks/{category}/{slug}/refresh", post(pages::refresh_form))
        .route("/texts", post(pages::text_submit).layer(DefaultBodyLimit::max(TEXT_BODY_LIMIT)))
        .route("/texts/{id}/refresh", post(pages::text_refresh_form))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit));
    let operator = operator.route_layer(axum::middleware::from_fn_with_state(state.clone(), operator_only));
    let timed = read
        .route("/", get(pages::home))
        .route("/jobs/{id}", get(pages::job_page))
        .route("/texts/new", get(pages::text_page_new))
        .route("/texts/{id}", get(pages::text_page))
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
        .merge(limited)
        .merge(operator)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(off_the_runtime))
        .layer(axum::middleware::from_fn(timeout));
    let app = stream
        .merge(timed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(uniform_errors))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state.clone());
    Ok((app, state))
}

/// Serves `engine` on `addr` until Ctrl-C or SIGTERM.
/// Running checks are cancelled on the way out, so stopping never waits for a slow page or model.
pub fn serve(
    engine: Engine,
    site: SiteConfig,
    addr: SocketAddr,
    listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let (app, state) = app(engine, site).map_err(std::io::Error::other)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        // Told only once the port is ours, with the address bound (the port the system chose for port 0).
        listening(listener.local_addr()?);
        let stop = async move {
            stop_signal().await;
            state.0.jobs.cancel_all();
        };
        serve_connections(listener, app, HEADER_READ_TIMEOUT, stop).await
    })
}

/// Ctrl-C, or SIGTERM (how systemd and container runtimes stop a service): what stops `serve`, and
/// `verity worker` too.
pub async fn stop_signal() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Serves `app` on `listener` over HTTP/1.1 until `stop` completes, then lets requests under way finish (for at
/// most ten seconds). A client must send each request's headers within `header_timeout`. Each request carries
/// its peer's address (`ConnectInfo`), which the rate limit keys on.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use tower::ServiceExt as _;
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: wait for some to close rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let mut closed = closing.subscribe();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let _ = closing.send(true);
    // Each connection holds a receiver until it ends: `closed` resolves when the last one has.
    let _ = tokio::time::timeout(DRAIN, closing.closed()).await;
    Ok(())
}

/// Runs a request's handler on the blocking pool: pages and API reads call SQLite, which blocks, and a slow
/// read must not stall the runtime's few worker threads (and every connection they serve). The event streams,
/// which wait without blocking, stay on the runtime.
async fn off_the_runtime(request: Request, next: Next) -> Response {
    let runtime = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || run_here(&runtime, next.run(request))).await {
        Ok(response) => response,
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()).into_response(),
    }
}

/// Drives `future` to completion on this (blocking-pool) thread with `pollster`'s executor, inside the runtime's
/// handle (so the handler can still spawn tasks and use timers). Unlike `Handle::block_on`, this does not mark the
/// thread as running a runtime, so what the handler calls may block on a runtime of its own (the PostgreSQL
/// client does).
fn run_here<F: std::future::Future>(runtime: &tokio::runtime::Handle, future: F) -> F::Output {
    let _entered = runtime.enter();
    pollster::block_on(future)
}

/// Every error in the form its reader expects, whoever produced it (a handler, an extractor's rejection, the
/// router's 405, the body limit's 413): a JSON error body under `/api/`, a site page elsewhere. Headers such as
/// `Allow` and `Retry-After` are kept.
async fn uniform_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if (api && content_type.starts_with("application/json")) || (!api && content_type.starts_with("text/html")) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let reason = status.canonical_reason().unwrap_or("Error");
    let message = if text.is_empty() { format!("{reason}.") } else { text };
    let mut uniform = if api {
        ApiError::new(status, error_code(status), message).into_response()
    } else {
        (status, pages::message_page(reason, &message)).into_response()
    };
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            uniform.headers_mut().insert(name.clone(), value.clone());
        }
    }
    uniform
}

/// The API's error code for a status no handler named.
fn error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    }
}

/// How long a client is told to wait before trying again after a 503 (the store out of reach, the server busy).
const RETRY_AFTER_SECONDS: &str = "5";

async fn security_headers(mut response: Response) -> Response {
    let unavailable = response.status() == StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    if unavailable && !headers.contains_key(header::RETRY_AFTER) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
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
/// local client), or, from a trusted proxy, the client it forwards for.
fn client(site: &SiteConfig, request: &Request) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    site.client(peer, forwarded)
}

async fn rate_limit(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let client = client(&state.0.site, &request);
    match state.0.limiter.take(client, std::time::Instant::now()) {
        Ok(()) => {
            let response = next.run(request).await;
            if response.extensions().get::<JobStarted>().is_none() {
                state.0.limiter.refund(client);
            }
            response
        }
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let message = format!(
                "too many checks from your address; {} per minute are allowed, try again in {seconds} s",
                state.0.site.checks_per_minute
            );
            let mut response = if request.uri().path().starts_with("/api/") {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response()
            } else {
                (StatusCode::TOO_MANY_REQUESTS, pages::message_page("Too many checks", &message)).into_response()
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
    let same: bool = subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.as_bytes()).into();
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
    // What a visitor typed is stored and queued as every other text is read: control characters (a NUL, which
    // PostgreSQL refuses; terminal escapes), zero-width characters and bidi overrides gone.
    let question = verity_text::normalize(question);
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

/// Marks a response that started a check or a refresh: only those count against a client's rate limit.
#[derive(Clone, Copy)]
pub(crate) struct JobStarted;

/// What a job runs.
enum Work {
    Check(String),
    Refresh(String),
    /// A whole text, or a stored text again (`text: None`).
    Text(verity_engine::texts::TextJob),
}

/// A checked text's page.
pub fn text_path(id: &str) -> String {
    format!("/texts/{id}")
}

/// Starts a check or a refresh on the blocking pool and returns the job's id at once.
/// Starts a check or refresh: queued for the workers when the store is shared, else run here on the blocking
/// pool. Returns the job's id.
fn start_job(state: &AppState, work: Work, question: &str) -> Result<String, EngineError> {
    if queue::is_shared(state) {
        return queue::enqueue(state, &work, question);
    }
    let kind = match work {
        Work::Check(_) => jobs::JobKind::Check,
        Work::Refresh(_) => jobs::JobKind::Refresh,
        Work::Text(_) => jobs::JobKind::Text,
    };
    let deadline = state.0.engine.deadline();
    let sender = state.0.jobs.start(kind, question, deadline.clone());
    if let Work::Text(text) = &work {
        sender.send_modify(|job| (job.text_id, job.text_url) = (Some(text.id.clone()), Some(text_path(&text.id))));
    }
    let id = sender.borrow().id.clone();
    let engine = state.0.engine.clone();
    tokio::task::spawn_blocking(move || {
        let mut observe = |stage: verity_model::Stage| {
            sender.send_modify(|job| job.stages.push(jobs::StageLine { text: stage.describe(), stage }));
        };
        // A bug that panics must still end the job, or its page and stream would wait forever.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let request = match &work {
                Work::Check(question) => verity_engine::CheckRequest::question(question),
                Work::Refresh(key) => verity_engine::CheckRequest::refresh(key),
                Work::Text(text) => {
                    // A text runs many checks, each under its own deadline; the job's deadline only calls it off.
                    return engine
                        .run_text_job(text, &deadline, &mut observe)
                        .map(|checked| (checked.id.clone(), text_path(&checked.id)));
                }
            };
            engine
                .check(request.deadline(deadline).observe(&mut observe))
                .map(|(report, _)| (report.id.clone(), report_path(&report)))
        }));
        sender.send_modify(|job| match outcome {
            Ok(Ok((id, url))) => {
                job.status = jobs::JobStatus::Done;
                job.report_url = Some(url);
                job.report_id = Some(id);
            }
            Ok(Err(e)) => {
                job.status = jobs::JobStatus::Failed;
                job.error = Some(ApiError::from(e).1);
            }
            Err(_) => {
                job.status = jobs::JobStatus::Failed;
                job.error = Some(
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "the check stopped on an internal error (the server's log has the details); try again or ask another way",
                    )
                    .1,
                );
            }
        });
    });
    Ok(id)
}

/// A job, wherever it runs: one this server runs, or one of the shared queue (read from the store).
fn job_snapshot(state: &AppState, id: &str) -> Result<Option<jobs::Job>, EngineError> {
    if let Some(sender) = state.0.jobs.get(id) {
        return Ok(Some(sender.borrow().clone()));
    }
    if queue::is_shared(state) {
        return queue::snapshot(state, id);
    }
    Ok(None)
}
