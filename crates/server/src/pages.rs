//! The site's HTML pages. Every value from a report, a source or a visitor goes through [`escape`].

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use verity_engine::{EngineError, ReportFilter, SupporterTotals};
use verity_model::{Report, ReportSummary, VersionSummary};
use verity_render::{FollowUps, escape};

use crate::{
    ApiError, AppState, Campaign, JobStarted, QUESTION_LIMIT, Work, report_path, start_job, summary_path, validated,
};

const PER_PAGE: usize = 20;

/// Site styles on top of the report's own.
const SITE_CSS: &str = "header.site{background:#1d2b3a;color:#fff;padding:.6rem 1rem}header.site a{color:#fff;\
margin-right:1rem;text-decoration:none}header.site .brand{font-weight:bold}.banner{background:#fff4d6;padding:.5rem 1rem;\
border-bottom:1px solid #e5d29b;font-size:.95rem}.banner progress{vertical-align:middle}.error{color:#b71c1c}\
input[type=text],input[type=search]{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}\
.notice{background:#fff;border-left:6px solid #ef6c00;padding:.5rem .8rem}.actions form{display:inline}\
.actions a,.actions button{margin-right:.8rem}.pager a{margin-right:1rem}ins{background:#e6f4e6}del{background:#fbe3e3}\
footer.site-footer{max-width:46rem;margin:2rem auto;padding:0 1rem;color:#555;font-size:.85rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;font-size:.9rem;text-align:left}\
ol.stages li{margin:.2rem 0}";

/// A campaign with its progress, as the banner and `/api/v1/campaign` show it.
#[derive(Clone)]
pub(crate) struct Progress {
    pub campaign: Campaign,
    pub totals: SupporterTotals,
    pub days_left: i64,
}

/// The campaign's progress, read from the store at most once per [`crate::CAMPAIGN_TTL`] (every page shows it) and
/// afresh after this server changed it.
pub(crate) fn progress(state: &AppState) -> Result<Option<Progress>, ApiError> {
    if let Some(cached) = state.cached_progress() {
        return Ok(cached);
    }
    let progress = read_progress(state)?;
    state.keep_progress(progress.clone());
    Ok(progress)
}

fn read_progress(state: &AppState) -> Result<Option<Progress>, ApiError> {
    let Some(campaign) = state.campaign() else { return Ok(None) };
    let since = campaign.starts_on.clone().unwrap_or_default();
    let totals = state.reports().site().supporter_totals(&since, &campaign.currency)?;
    let ends = crate::config::parse_date(&campaign.ends_on).unwrap_or_else(|| state.today());
    let days_left = (ends - state.today()).whole_days().max(-1) + 1;
    Ok(Some(Progress { campaign, totals, days_left }))
}

fn banner(state: &AppState) -> String {
    let Ok(Some(p)) = progress(state) else { return String::new() };
    if p.days_left <= 0 {
        return String::new();
    }
    let (done, goal, unit) = match (p.campaign.goal_supporters, p.campaign.goal_amount) {
        (Some(goal), _) => (p.totals.supporters as i64, goal as i64, "supporters".to_string()),
        (None, Some(goal)) => (p.totals.amount / 100, goal / 100, p.campaign.currency.to_uppercase()),
        (None, None) => return String::new(),
    };
    let days = if p.days_left == 1 { "last day".to_string() } else { format!("{} days left", p.days_left) };
    format!(
        "<div class=\"banner\" role=\"region\" aria-label=\"Support\"><strong>{}</strong> · \
         <progress max=\"{goal}\" value=\"{}\">{done} of {goal}</progress> {done} of {goal} {} · {days} · \
         <a href=\"{}\" rel=\"noopener\">Support Verity</a></div>",
        escape(&p.campaign.title),
        done.min(goal),
        escape(&unit),
        escape(&p.campaign.checkout_url)
    )
}

/// A page of the site around `body` (already escaped HTML).
fn layout(state: &AppState, title: &str, head: &str, body: &str) -> String {
    page_html(title, head, &banner(state), body)
}

fn page_html(title: &str, head: &str, banner: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — Verity</title>\
         <link rel=\"stylesheet\" href=\"/static/site.css\"><script src=\"/static/verity.js\" defer></script>{head}\
         </head><body><header class=\"site\"><nav aria-label=\"Site\"><a class=\"brand\" href=\"/\">Verity</a>\
         <a href=\"/archive\">Archive</a><a href=\"/categories\">Categories</a><a href=\"/search\">Search</a>\
         <a href=\"/corrections\">Corrections</a><a href=\"/mine\">Your checks</a><a href=\"/about\">About</a></nav>\
         </header>{banner}<main>{body}</main><footer class=\"site-footer\">Verity is an automated fact-checker: it \
         can make mistakes. Every citation quotes the stored text it cites. <a href=\"/about\">How checks are made</a> \
         · <a href=\"/api/v1/openapi.json\">API</a></footer></body></html>\n",
        escape(title)
    )
}

/// A page with a title and one message, for errors raised before a page's state is at hand.
pub(crate) fn message_page(title: &str, message: &str) -> String {
    page_html(
        title,
        "",
        "",
        &format!("<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>", escape(title), escape(message)),
    )
}

fn error_page(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/\">Ask a question</a></p>",
        escape(title),
        escape(message)
    );
    (status, Html(layout(state, title, "", &body))).into_response()
}

fn page_error(state: &AppState, e: EngineError) -> Response {
    match e {
        EngineError::NoSuchReport(_) => {
            error_page(state, StatusCode::NOT_FOUND, "Not found", "There is no report here.")
        }
        EngineError::NoSuchVersion { version, latest, .. } => error_page(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("This report has versions 1 to {latest}; there is no version {version}."),
        ),
        other => error_page(state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", &other.to_string()),
    }
}

pub(crate) async fn not_found(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no route {}", uri.path())).into_response();
    }
    error_page(&state, StatusCode::NOT_FOUND, "Not found", "There is no page here.")
}

pub(crate) async fn stylesheet() -> Response {
    let css = format!("{}{SITE_CSS}", verity_render::CSS);
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], css).into_response()
}

pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("../static/verity.js"),
    )
        .into_response()
}

fn summary_list(items: &[ReportSummary]) -> String {
    if items.is_empty() {
        return "<p>No checks here yet.</p>".into();
    }
    let mut out = String::from("<ul class=\"reports\">");
    for r in items {
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a> — {} · {}</li>",
            escape(&summary_path(r)),
            escape(&r.question),
            escape(r.verdict.headline()),
            escape(&r.checked_on)
        );
    }
    out.push_str("</ul>");
    out
}

/// "Newer / older" links for a listing at `base` (which may carry a query already).
fn pager(base: &str, page: usize, total: usize) -> String {
    let pages = total.div_ceil(PER_PAGE).max(1);
    let join = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("<p class=\"pager\">Page {page} of {pages}. ");
    if page > 1 {
        let _ = write!(out, "<a href=\"{}{join}page={}\" rel=\"prev\">Newer</a>", escape(base), page - 1);
    }
    if page < pages {
        let _ = write!(out, "<a href=\"{}{join}page={}\" rel=\"next\">Older</a>", escape(base), page + 1);
    }
    out.push_str("</p>");
    out
}

fn ask_form(question: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/checks\" class=\"ask\"><label for=\"q\">Your question</label><br>\
         <input type=\"text\" id=\"q\" name=\"question\" maxlength=\"{QUESTION_LIMIT}\" required value=\"{}\" \
         placeholder=\"Did the minister hand over protected informants?\"> <button type=\"submit\">Check</button></form>",
        escape(question)
    )
}

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

fn offer_page(state: &AppState, question: &str, existing: &ReportSummary) -> String {
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

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    asked: Option<String>,
}

/// A report: its page, or `<slug>.md` / `<slug>.json` downloads.
pub(crate) async fn report_page(
    State(state): State<AppState>,
    Path((category, slug)): Path<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let (key, download) = match slug.rsplit_once('.') {
        Some((key, ext @ ("md" | "json"))) => (key.to_string(), Some(ext)),
        _ => (slug.clone(), None),
    };
    let (report, versions, topics) = {
        let reports = state.reports();
        let view = reports.view();
        let report = match view.show(&key) {
            Ok(r) => r,
            Err(e) => return page_error(&state, e),
        };
        let versions = view.versions(&report.id).unwrap_or_default();
        let topics = view.topics_of(&report.id).unwrap_or_default();
        (report, versions, topics)
    };
    if category != report.category || key != report.slug {
        return Redirect::permanent(&report_path(&report)).into_response();
    }
    match download {
        Some("md") => {
            download_response(&report, "md", "text/markdown; charset=utf-8", verity_render::markdown(&report))
        }
        Some(_) => download_response(
            &report,
            "json",
            "application/json",
            serde_json::to_string_pretty(&report).expect("a report serialises"),
        ),
        None => Html(report_html(&state, &report, &versions, &topics, None, query.asked.is_some())).into_response(),
    }
}

fn download_response(report: &Report, ext: &str, content_type: &'static str, body: String) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let disposition = format!(
        "attachment; filename=\"{}.{ext}\"",
        report.slug.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    response.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ascii"));
    response
}

/// The report page; `older` is set when showing a version that is not the latest.
fn report_html(
    state: &AppState,
    report: &Report,
    versions: &[VersionSummary],
    topics: &[verity_model::Topic],
    older: Option<&Report>,
    asked: bool,
) -> String {
    let path = report_path(report);
    let shown = older.unwrap_or(report);
    let mut body = String::new();
    let category_title = category_name(&report.category);
    let _ = write!(
        body,
        "<p class=\"meta\"><a href=\"/categories/{}\">{}</a></p>",
        escape(&report.category),
        escape(category_title)
    );
    if let Some(old) = older {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"note\">This is version {} of this report, checked on {}. <a href=\"{}\">Read the \
             latest version</a> (version {}, checked on {}).</p>",
            old.version,
            escape(&old.checked_on),
            escape(&path),
            report.version,
            escape(&report.checked_on)
        );
    } else if let Some(days) = age_in_days(state, &report.checked_on).filter(|d| *d > state.0.site.outdated_after_days)
    {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"note\">This report was checked {days} days ago and may be outdated. Use \
             \u{201c}Check again\u{201d} below for a fresh check against the current sources.</p>"
        );
    }
    let mut data = String::new();
    if asked {
        let _ = write!(
            data,
            " data-asked=\"{}\" data-question=\"{}\" data-date=\"{}\"",
            escape(&path),
            escape(&shown.question),
            escape(&shown.checked_on)
        );
    }
    let _ = write!(body, "<div id=\"report\"{data}>{}</div>", verity_render::article(shown, FollowUps::Ask("/checks")));
    let _ = write!(
        body,
        "<section class=\"actions\" aria-label=\"Actions\"><h2>Keep, share, check again</h2><div>\
         <a href=\"{p}.md\" download>Markdown</a><a href=\"{p}.json\" download>JSON</a>\
         <button type=\"button\" id=\"print\" hidden>Print</button>\
         <form method=\"post\" action=\"{p}/refresh\"><button type=\"submit\">Check again</button></form></div></section>",
        p = escape(&report_path(report))
    );
    if !topics.is_empty() {
        body.push_str("<p>Topics: ");
        let links: Vec<String> =
            topics.iter().map(|t| format!("<a href=\"/topics/{}\">{}</a>", escape(&t.key), escape(&t.name))).collect();
        body.push_str(&links.join(", "));
        body.push_str("</p>");
    }
    if versions.len() > 1 {
        body.push_str("<h2>Versions</h2><ol class=\"versions\">");
        for (i, v) in versions.iter().enumerate() {
            let link = if v.version == report.version {
                format!("<a href=\"{}\">latest</a>", escape(&report_path(report)))
            } else {
                format!("<a href=\"{}/versions/{}\">read</a>", escape(&report_path(report)), v.version)
            };
            let diff = match i {
                0 => String::new(),
                _ => format!(
                    " · <a href=\"{}/diff?from={}&amp;to={}\">what changed</a>",
                    escape(&report_path(report)),
                    versions[i - 1].version,
                    v.version
                ),
            };
            let _ = write!(
                body,
                "<li value=\"{}\">Checked on {}: {} ({:.0}%) · {link}{diff}</li>",
                v.version,
                escape(&v.checked_on),
                escape(v.verdict.headline()),
                v.confidence * 100.0
            );
        }
        body.push_str("</ol>");
    }
    let public = state.0.site.public_url.as_deref().map(|base| format!("{}{}", base.trim_end_matches('/'), path));
    let head = format!(
        "<link rel=\"canonical\" href=\"{}\">{}",
        escape(&report_path(report)),
        verity_render::head(shown, public.as_deref())
    );
    layout(state, &shown.question, &head, &body)
}

fn category_name(key: &str) -> &'static str {
    verity_engine::category_title(key).unwrap_or("Other")
}

fn age_in_days(state: &AppState, checked_on: &str) -> Option<i64> {
    crate::config::parse_date(checked_on).map(|d| (state.today() - d).whole_days())
}

pub(crate) async fn version_page(
    State(state): State<AppState>,
    Path((_category, slug, version)): Path<(String, String, u32)>,
) -> Response {
    let found = {
        let reports = state.reports();
        let view = reports.view();
        view.show(&slug).and_then(|latest| {
            let old = view.show_version(&latest.id, version)?;
            let versions = view.versions(&latest.id)?;
            Ok((latest, old, versions))
        })
    };
    match found {
        Ok((latest, old, versions)) => {
            let older = (old.version != latest.version).then_some(&old);
            Html(report_html(&state, &latest, &versions, &[], older, false)).into_response()
        }
        Err(e) => page_error(&state, e),
    }
}

/// Which versions to compare; by default the latest and the one before it.
#[derive(Deserialize)]
pub(crate) struct DiffQuery {
    from: Option<u32>,
    to: Option<u32>,
}

pub(crate) async fn diff_page(
    State(state): State<AppState>,
    Path((_category, slug)): Path<(String, String)>,
    Query(query): Query<DiffQuery>,
) -> Response {
    let found = {
        let reports = state.reports();
        let view = reports.view();
        view.show(&slug).and_then(|latest| {
            let to = query.to.unwrap_or(latest.version);
            let from = query.from.unwrap_or(to.saturating_sub(1).max(1));
            Ok((view.show_version(&latest.id, from)?, view.show_version(&latest.id, to)?, latest))
        })
    };
    match found {
        Ok((old, new, latest)) => {
            let body = format!(
                "<h1>What changed</h1><p><a href=\"{}\">{}</a></p>{}",
                escape(&report_path(&latest)),
                escape(&latest.question),
                verity_render::diff_html(&verity_render::diff(&old, &new))
            );
            Html(layout(&state, "What changed", "<meta name=\"robots\" content=\"noindex\">", &body)).into_response()
        }
        Err(e) => page_error(&state, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<usize>,
    q: Option<String>,
}

impl PageQuery {
    fn number(&self) -> usize {
        self.page.unwrap_or(1).max(1)
    }
}

fn listing(state: &AppState, title: &str, intro: &str, base: &str, filter: ReportFilter, page: usize) -> Response {
    let found = state.reports().view().page(&filter, (page - 1) * PER_PAGE, PER_PAGE);
    match found {
        Ok(found) => {
            let body = format!(
                "<h1>{}</h1>{intro}{}{}",
                escape(title),
                summary_list(&found.items),
                pager(base, page, found.total)
            );
            Html(layout(state, title, "", &body)).into_response()
        }
        Err(e) => page_error(state, e),
    }
}

pub(crate) async fn archive(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    listing(&state, "Archive", "<p>Every check, newest first.</p>", "/archive", ReportFilter::default(), query.number())
}

pub(crate) async fn categories(State(state): State<AppState>) -> Response {
    let (categories, topics) = {
        let reports = state.reports();
        let view = reports.view();
        (view.categories(), view.topics(50))
    };
    let (Ok(categories), Ok(topics)) = (categories, topics) else {
        return error_page(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The categories could not be read.",
        );
    };
    let mut body = String::from("<h1>Categories</h1><ul>");
    for (key, count) in &categories {
        let _ = write!(
            body,
            "<li><a href=\"/categories/{}\">{}</a> ({count})</li>",
            escape(key),
            escape(category_name(key))
        );
    }
    body.push_str("</ul><h2>Topics</h2>");
    if topics.is_empty() {
        body.push_str("<p>Topics appear once two checks share a name.</p>");
    } else {
        body.push_str("<ul>");
        for t in &topics {
            let _ =
                write!(body, "<li><a href=\"/topics/{}\">{}</a> ({})</li>", escape(&t.key), escape(&t.name), t.reports);
        }
        body.push_str("</ul>");
    }
    Html(layout(&state, "Categories", "", &body)).into_response()
}

pub(crate) async fn category(
    State(state): State<AppState>,
    Path(category): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(title) = verity_engine::category_title(&category) else {
        return error_page(&state, StatusCode::NOT_FOUND, "Not found", "There is no such category.");
    };
    let filter = ReportFilter { category: Some(category.clone()), topic: None };
    listing(&state, title, "", &format!("/categories/{category}"), filter, query.number())
}

pub(crate) async fn topic(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let filter = ReportFilter { category: None, topic: Some(topic.clone()) };
    let title = format!("Topic: {}", topic.replace('-', " "));
    listing(&state, &title, "", &format!("/topics/{topic}"), filter, query.number())
}

pub(crate) async fn search(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    let q = query.q.clone().unwrap_or_default();
    let form = format!(
        "<form method=\"get\" action=\"/search\" role=\"search\"><label for=\"s\">Search past checks</label>\
         <input type=\"search\" id=\"s\" name=\"q\" value=\"{}\"> <button type=\"submit\">Search</button></form>",
        escape(&q)
    );
    let mut body = format!("<h1>Search</h1>{form}");
    if !q.trim().is_empty() {
        let page = query.number();
        let found = state.reports().view().search(&q, (page - 1) * PER_PAGE, PER_PAGE);
        match found {
            Ok(found) => {
                let base = format!("/search?q={}", utf8_percent_encode(&q));
                let _ = write!(
                    body,
                    "<p>{} found.</p>{}{}",
                    found.total,
                    summary_list(&found.items),
                    pager(&base, page, found.total)
                );
            }
            Err(e) => return page_error(&state, e),
        }
    }
    Html(layout(&state, "Search", "", &body)).into_response()
}

/// A query parameter's value: everything but RFC 3986's unreserved characters is percent-encoded.
fn utf8_percent_encode(s: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

pub(crate) async fn corrections(State(state): State<AppState>) -> Response {
    let found = state.reports().view().corrections(200);
    let Ok(corrections) = found else {
        return error_page(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The corrections could not be read.",
        );
    };
    let mut body = String::from(
        "<h1>Corrections</h1><p>Every time a fresh check changed a report's verdict, newest first. Earlier versions stay \
         readable from each report's page.</p>",
    );
    if corrections.is_empty() {
        body.push_str("<p>No verdict has changed yet.</p>");
    } else {
        body.push_str("<table><thead><tr><th>Date</th><th>Question</th><th>Before</th><th>After</th><th>Change</th></tr></thead><tbody>");
        for c in &corrections {
            let path = summary_path(&c.report);
            let _ = write!(
                body,
                "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td>\
                 <td><a href=\"{}/diff?from={}&amp;to={}\">version {} → {}</a></td></tr>",
                escape(&c.changed_on),
                escape(&path),
                escape(&c.report.question),
                escape(c.from.headline()),
                escape(c.to.headline()),
                escape(&path),
                c.version - 1,
                c.version,
                c.version - 1,
                c.version
            );
        }
        body.push_str("</tbody></table>");
    }
    Html(layout(&state, "Corrections", "", &body)).into_response()
}

pub(crate) async fn mine(State(state): State<AppState>) -> Response {
    let body = "<h1>Your checks</h1><p>The checks you asked for in this browser. They are kept only here, in your \
                browser's storage: Verity has no accounts and keeps no record of who asked what.</p>\
                <ul id=\"mine\"></ul><p id=\"mine-empty\">None yet (or script is off in this browser).</p>";
    Html(layout(&state, "Your checks", "", body)).into_response()
}

/// The accuracy table published in docs/BENCHMARKS.md, between its markers.
fn accuracy_table() -> String {
    let doc = include_str!("../../../docs/BENCHMARKS.md");
    let table =
        doc.split("<!-- accuracy -->").nth(1).and_then(|rest| rest.split("<!-- /accuracy -->").next()).unwrap_or("");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let mut out = String::from("<table>");
    for (i, row) in rows.iter().enumerate() {
        let cell = if i == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<{cell}>{}</{cell}>", escape(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

pub(crate) async fn about(State(state): State<AppState>) -> Response {
    let labels: String = verity_model::VerdictLabel::ALL
        .iter()
        .map(|l| format!("<dt>{}</dt><dd>{}</dd>", escape(l.headline()), escape(label_meaning(*l))))
        .collect();
    let body = format!(
        "<h1>How Verity checks a claim</h1>\
         <h2>Method</h2><ol>\
         <li>The question is turned into one checkable claim; a compound claim (\u{201c}X did Y to get Z\u{201d}) is \
         split into parts, each judged on its own evidence.</li>\
         <li>The archive is searched (keyword and, when the model is installed, meaning), and the passages found are \
         read sentence by sentence for evidence that supports or refutes each part. The reader is the site's \
         judge: by default a small entailment model trained for Verity on public fact-checking data (it reads \
         topic better than negation; its accuracy is below); the site may use word-overlap rules or a \
         language model instead, and each report names its judge. When the site reads the web, \
         it also asks Wikipedia and a news search with several queries, reads up to 15 pages through a fetcher that \
         respects robots.txt and never reaches private addresses, and keeps a snapshot of each page it cites.</li>\
         <li>Sources are traced to their origins: ten outlets repeating one original report count as one line of \
         evidence, and the report says who relies on whom. A party's own statement counts for less than \
         independent reporting.</li>\
         <li>The verdict weighs independent lines of evidence. Thin coverage gives \u{201c}Not enough evidence\u{201d}, \
         never a debunk.</li>\
         <li>Every cited sentence is checked against the stored snapshot of the source it cites; a sentence the \
         source does not back is rewritten as a quotation or dropped before publication.</li>\
         <li>Reports are dated and kept: a fresh check adds a version, the page links every earlier version and what \
         changed, and every verdict change is listed under <a href=\"/corrections\">Corrections</a>.</li></ol>\
         <h2>What the verdicts mean</h2><dl>{labels}</dl>\
         <p>The confidence is calibrated on the training splits of public benchmarks: among verdicts given with 70% \
         confidence, about 70% were right there.</p>\
         <h2>How accurate it is</h2><p>Measured on public benchmarks and published with the code \
         (docs/BENCHMARKS.md, with the command for every figure):</p>{}\
         <h2>Corrections policy</h2><p>When new sources change a verdict, the report is checked again and the new \
         version says so; the old version stays readable and the change is listed on the \
         <a href=\"/corrections\">corrections page</a> with its date. If you find an error, ask Verity to check the \
         claim again with the sources that show it, or tell the operator of this site.</p>\
         <h2>Independence and funding</h2><p>Verity is open-source software; each site that runs it is run by its \
         operator. Supporters fund the work; they never see a report before it is published and cannot change \
         one.</p>",
        accuracy_table()
    );
    Html(layout(&state, "How checks are made", "", &body)).into_response()
}

fn label_meaning(label: verity_model::VerdictLabel) -> &'static str {
    use verity_model::VerdictLabel::*;
    match label {
        Supported => "Independent sources back the claim and none credibly contradicts it.",
        Refuted => "Independent sources contradict the claim on its specific point.",
        PartlySupported => "Part of the claim holds and part does not, or it holds only with qualifications.",
        Conflicting => "Credible sources disagree, and the evidence does not settle it.",
        NotEnoughEvidence => "The sources read do not establish the claim either way. This is not a debunk.",
    }
}
