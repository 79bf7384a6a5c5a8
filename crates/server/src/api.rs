//! The JSON API under `/api/v1` (documented in `openapi.json`, served at `/api/v1/openapi.json`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use verity_engine::{RecordsOutcome, ReportFilter};

use crate::{ApiError, AppState, BODY_LIMIT, Campaign, JobStarted, Work, start_job, summary_path, validated};

/// Where the operator's campaign is kept in the store's settings.
pub(crate) const CAMPAIGN_SETTING: &str = "campaign";
const PER_PAGE_DEFAULT: usize = 20;
const PER_PAGE_MAX: usize = 100;

fn json_body<T>(body: Result<Json<T>, JsonRejection>, expected: &str) -> Result<T, ApiError> {
    body.map(|Json(t)| t).map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request is too large; send {expected}"),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("{e}; send {expected}")),
    })
}

#[derive(Deserialize)]
pub(crate) struct CheckRequest {
    question: String,
    /// Run a new check even when the question was checked before.
    #[serde(default)]
    fresh: bool,
}

fn accepted(id: &str, state: &AppState) -> Response {
    let job = crate::job_snapshot(state, id).ok().flatten();
    let mut response = (StatusCode::ACCEPTED, Json(job)).into_response();
    let location = HeaderValue::from_str(&format!("/api/v1/jobs/{id}")).expect("ascii");
    response.headers_mut().insert(header::LOCATION, location);
    response
}

/// 202 with a job; or, when the same claim was checked before and `fresh` is not set, 200 with that report.
pub(crate) async fn create_check(
    State(state): State<AppState>,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = json_body(body, &format!("{{\"question\": \"...\"}} (at most {BODY_LIMIT} bytes)"))?;
    let question = validated(&request.question)?;
    if !request.fresh {
        let known = state.similar(&question)?;
        if let Some(existing) = known {
            let url = summary_path(&existing);
            return Ok(Json(serde_json::json!({
                "status": "existing",
                "message": "this claim was checked before; send \"fresh\": true to check it again",
                "report": existing,
                "report_url": url,
            }))
            .into_response());
        }
    }
    let id = start_job(&state, Work::Check(question.clone()), &question)?;
    Ok((axum::Extension(JobStarted), accepted(&id, &state)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TextRequest {
    text: Option<String>,
    url: Option<String>,
    /// A JSON number: `20` and `20.0` are the same integer to JSON Schema.
    limit: Option<serde_json::Number>,
}

/// 202 with the job that checks the text; the job's `report_url` is the checked text's page once it is done.
pub(crate) async fn create_text(
    State(state): State<AppState>,
    body: Result<Json<TextRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = json_body(body, "{\"text\": \"...\"} or {\"url\": \"https://...\"}, optionally with \"limit\"")?;
    if request.text.is_some() && request.url.is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_text",
            "send either `text` or `url`, not both",
        ));
    }
    // Reading a page waits on the network: off the runtime.
    let work = {
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            // Any integral JSON number; a fraction or a negative one is out of range, which `text_work` says.
            let limit = request.limit.as_ref().map(|n| {
                n.as_u64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e6).map(|f| f as u64))
                    .map_or(usize::MAX, |n| n as usize)
            });
            crate::texts::text_work(&state.0.engine, request.text.as_deref(), request.url.as_deref(), limit)
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??
    };
    let id = crate::texts::start(&state, work)?;
    Ok((axum::Extension(JobStarted), accepted(&id, &state)).into_response())
}

pub(crate) async fn get_text(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(state.0.engine.text(&id)?).into_response())
}

/// 202 with the job that checks a stored text again, as its next version.
pub(crate) async fn refresh_text(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = crate::texts::start_refresh(&state, id)?;
    Ok((axum::Extension(JobStarted), accepted(&id, &state)).into_response())
}

pub(crate) async fn refresh(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response, ApiError> {
    let report = state.reports().view().show(&key)?;
    let id = start_job(&state, Work::Refresh(report.id.clone()), &report.question)?;
    Ok((axum::Extension(JobStarted), accepted(&id, &state)).into_response())
}

fn job(state: &AppState, id: &str) -> Result<crate::jobs::Job, ApiError> {
    crate::job_snapshot(state, id)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no job {id:?}")))
}

pub(crate) async fn job_status(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(job(&state, &id)?).into_response())
}

/// Operator: calls a running check off. It stops at its next stage (a page being read or a model request under
/// way finishes first, within its timeout) and publishes nothing.
pub(crate) async fn cancel_job(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let cancelled = match state.0.jobs.cancel(&id) {
        None if crate::queue::is_shared(&state) => state.0.engine.cancel_job(&id)?,
        local => local,
    };
    match cancelled {
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no job {id:?}"))),
        Some(false) => Err(ApiError::new(StatusCode::CONFLICT, "finished", format!("job {id:?} has already finished"))),
        Some(true) => Ok((StatusCode::ACCEPTED, Json(job(&state, &id)?)).into_response()),
    }
}

pub(crate) async fn job_events(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    if let Some(sender) = state.0.jobs.get(&id) {
        return Ok(Sse::new(crate::jobs::events(&sender)).keep_alive(KeepAlive::default()).into_response());
    }
    // Streams run on the runtime: the store is read on the blocking pool.
    let known = {
        let (state, id) = (state.clone(), id.clone());
        tokio::task::spawn_blocking(move || job(&state, &id).map(drop)).await
    };
    known.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(Sse::new(crate::queue::events(state, id)).keep_alive(KeepAlive::default()).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    category: Option<String>,
    topic: Option<String>,
    q: Option<String>,
}

impl ListQuery {
    /// The page number, the page size (at most [`PER_PAGE_MAX`]) and the offset; pages and sizes start at 1.
    fn window(&self) -> Result<(usize, usize, usize), ApiError> {
        if self.page == Some(0) || self.per_page == Some(0) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "page and per_page start at 1"));
        }
        let per_page = self.per_page.unwrap_or(PER_PAGE_DEFAULT).min(PER_PAGE_MAX);
        let page = self.page.unwrap_or(1);
        Ok((page, per_page, (page - 1).saturating_mul(per_page)))
    }
}

fn paged<T: serde::Serialize>(page: verity_engine::Page<T>, number: usize, per_page: usize) -> Response {
    Json(serde_json::json!({
        "items": page.items, "total": page.total, "page": number, "per_page": per_page,
    }))
    .into_response()
}

/// Query parameters, or a JSON error that names the one that is wrong.
fn query_params<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
}

pub(crate) async fn list_reports(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query_params(query)?;
    let (page, per_page, offset) = query.window()?;
    let filter = ReportFilter { category: query.category.clone(), topic: query.topic.clone() };
    Ok(paged(state.reports().view().page(&filter, offset, per_page)?, page, per_page))
}

pub(crate) async fn search(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query_params(query)?;
    let (page, per_page, offset) = query.window()?;
    let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "give the words to search for as ?q=..."));
    };
    Ok(paged(state.reports().view().search(q, offset, per_page)?, page, per_page))
}

pub(crate) async fn get_report(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(state.reports().view().show(&key)?).into_response())
}

pub(crate) async fn versions(State(state): State<AppState>, Path(key): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(state.reports().view().versions(&key)?).into_response())
}

pub(crate) async fn get_version(
    State(state): State<AppState>,
    Path((key, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let version: u32 = version.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{version:?} is not a version number; versions start at 1"),
        )
    })?;
    Ok(Json(state.reports().view().show_version(&key, version)?).into_response())
}

pub(crate) async fn corrections(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.reports().view().corrections(200)?).into_response())
}

pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json")).into_response()
}

/// The campaign in force and its progress.
pub(crate) async fn campaign(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(crate::pages::progress(&state)?.map(|p| {
        serde_json::json!({
            "campaign": p.campaign, "supporters": p.totals.supporters, "amount": p.totals.amount,
            "days_left": p.days_left,
        })
    }))
    .into_response())
}

/// Whether this node can serve: 200 with its index position and lag, or 503 when its store cannot be reached
/// (for a load balancer's health check).
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let health = state.0.engine.health();
    let status = if health.store_reachable { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut body = serde_json::to_value(&health).expect("health serialises");
    body["status"] = if health.store_reachable { "ok" } else { "unavailable" }.into();
    (status, Json(body)).into_response()
}

/// Stripe's webhook: a verified, paid checkout is one supporter, however often Stripe resends it.
pub(crate) async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(secret) = state.0.site.stripe_webhook_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "webhook_disabled",
            "the Stripe webhook is off; set stripe_webhook_secret in the site file",
        ));
    };
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    crate::stripe::verify(signature, &body, secret, now, state.0.site.webhook_tolerance_seconds)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_signature", e.to_string()))?;
    let payment =
        crate::stripe::payment(&body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_event", e.0))?;
    let recorded = match payment {
        Some(p) => {
            let received = verity_engine::now();
            state.reports().site().record_supporter(&p.event_id, &p.kind, p.amount, p.currency.as_deref(), &received)?
        }
        None => false,
    };
    if recorded {
        state.forget_progress();
    }
    Ok(Json(serde_json::json!({"received": true, "recorded": recorded})).into_response())
}

impl From<verity_engine::StoreError> for ApiError {
    fn from(e: verity_engine::StoreError) -> ApiError {
        verity_engine::EngineError::from(e).into()
    }
}

#[derive(Deserialize)]
pub(crate) struct Documents {
    documents: Vec<serde_json::Value>,
}

/// Stores and indexes documents sent as JSON (the fields of a JSON Lines record).
pub(crate) async fn add_documents(
    State(state): State<AppState>,
    body: Result<Json<Documents>, JsonRejection>,
) -> Result<Response, ApiError> {
    let documents = json_body(body, "{\"documents\": [{\"id\", \"title\", \"text\", ...}]}")?.documents;
    let count = documents.len();
    // Like every handler behind `off_the_runtime`, this already runs on the blocking pool.
    match state.0.engine.ingest_records(documents)? {
        RecordsOutcome::Stored(stored) => Ok(Json(serde_json::json!({"stored": stored})).into_response()),
        RecordsOutcome::Refused(refused) => {
            let message = format!("{} of {count} records are not valid; nothing was stored", refused.len());
            let body = serde_json::json!({"error": {"code": "bad_documents", "message": message}, "refused": refused});
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}

pub(crate) async fn delete_report(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    state.0.engine.delete_report(&key)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Replaces the campaign (`null` ends it).
pub(crate) async fn put_campaign(
    State(state): State<AppState>,
    body: Result<Json<Option<Campaign>>, JsonRejection>,
) -> Result<Response, ApiError> {
    let campaign = json_body(body, "a campaign object (see the OpenAPI document), or null")?;
    if let Some(c) = &campaign {
        c.validate().map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_campaign", e.0))?;
    }
    let json = serde_json::to_string(&campaign).expect("a campaign serialises");
    state.reports().site().put_setting(CAMPAIGN_SETTING, &json)?;
    state.forget_progress();
    Ok(Json(campaign).into_response())
}
