//! The frame of every page: layout, banner (the campaign's progress), error pages, styles and script, and the pieces listings share.

use super::*;

pub(super) const PER_PAGE: usize = 20;

/// Site styles on top of the report's own.
pub(super) const SITE_CSS: &str = "header.site{background:#1d2b3a;color:#fff;padding:.6rem 1rem}\
header.site nav{display:flex;flex-wrap:wrap;gap:.3rem 1rem}header.site a{color:#fff;text-decoration:none;white-space:nowrap}\
header.site .brand{font-weight:bold}.banner{background:#fff4d6;padding:.5rem 1rem;\
border-bottom:1px solid #e5d29b;font-size:.95rem}.banner progress{vertical-align:middle}.error{color:#b71c1c}\
input[type=text],input[type=search]{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}\
.notice{background:#fff;border-left:6px solid #ef6c00;padding:.5rem .8rem}.actions form{display:inline}\
.actions a,.actions button{margin-right:.8rem}.pager a{margin-right:1rem}ins{background:#e6f4e6}del{background:#fbe3e3}\
footer.site-footer{max-width:46rem;margin:2rem auto;padding:0 1rem;color:#555;font-size:.85rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;font-size:.9rem;text-align:left}\
ol.stages li{margin:.2rem 0}.table-scroll{overflow-x:auto}\
textarea,input[type=url],input[type=number]{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}\
.text-form label{display:block;margin-top:.8rem}mark.checked{background:#fff1b8;padding:0 .1rem}\
mark.verdict-supported{background:#dff0d8}mark.verdict-refuted{background:#f8d7da}a.text-verdict{font-size:.85rem;\
font-weight:bold;white-space:nowrap}";

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

pub(super) fn read_progress(state: &AppState) -> Result<Option<Progress>, ApiError> {
    let Some(campaign) = state.campaign() else { return Ok(None) };
    let since = campaign.starts_on.clone().unwrap_or_default();
    let totals = state.reports().site().supporter_totals(&since, &campaign.currency)?;
    let ends = crate::config::parse_date(&campaign.ends_on).unwrap_or_else(|| state.today());
    let days_left = (ends - state.today()).whole_days().max(-1) + 1;
    Ok(Some(Progress { campaign, totals, days_left }))
}

pub(super) fn banner(state: &AppState) -> Markup {
    let Ok(Some(p)) = progress(state) else { return html! {} };
    if p.days_left <= 0 {
        return html! {};
    }
    let (done, goal, unit) = match (p.campaign.goal_supporters, p.campaign.goal_amount) {
        (Some(goal), _) => (p.totals.supporters as i64, goal as i64, "supporters".to_string()),
        (None, Some(goal)) => (p.totals.amount / 100, goal / 100, p.campaign.currency.to_uppercase()),
        (None, None) => return html! {},
    };
    let days = if p.days_left == 1 { "last day".to_string() } else { format!("{} days left", p.days_left) };
    html! {
        div.banner role="region" aria-label="Support" {
            strong { (p.campaign.title) } " · "
            progress max=(goal) value=(done.min(goal)) { (done) " of " (goal) }
            " " (done) " of " (goal) " " (unit) " · " (days) " · "
            a href=(p.campaign.checkout_url) rel="noopener" { "Support Verity" }
        }
    }
}

/// A page of the site around `body`.
pub(super) fn layout(state: &AppState, title: &str, head: Markup, body: Markup) -> Html<String> {
    page_html(title, head, banner(state), body)
}

pub(super) fn page_html(title: &str, head: Markup, banner: Markup, body: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE) "\n"
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Verity" }
                link rel="stylesheet" href="/static/site.css";
                script src="/static/verity.js" defer {}
                (head)
            }
            body {
                header.site {
                    nav aria-label="Site" {
                        a.brand href="/" { "Verity" }
                        a href="/texts/new" { "Check a text" }
                        a href="/archive" { "Archive" }
                        a href="/categories" { "Categories" }
                        a href="/search" { "Search" }
                        a href="/corrections" { "Corrections" }
                        a href="/mine" { "Your checks" }
                        a href="/about" { "About" }
                    }
                }
                (banner)
                main { (body) }
                footer.site-footer {
                    "Verity is an automated fact-checker: it can make mistakes. Every citation quotes the stored text \
                     it cites. "
                    a href="/about" { "How checks are made" }
                    " · "
                    a href="/api/v1/openapi.json" { "API" }
                }
            }
        }
        "\n"
    };
    Html(page.into_string())
}

/// A page's title and a message for the visitor, marked as an alert.
pub(super) fn alert(title: &str, message: &str) -> Markup {
    html! {
        h1 { (title) }
        p.error role="alert" { (message) }
    }
}

/// A page with a title and one message, for errors raised before a page's state is at hand.
pub(crate) fn message_page(title: &str, message: &str) -> Html<String> {
    page_html(title, html! {}, html! {}, alert(title, message))
}

pub(super) fn error_page(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    let body = html! {
        (alert(title, message))
        p { a href="/" { "Ask a question" } }
    };
    (status, layout(state, title, html! {}, body)).into_response()
}

pub(super) fn page_error(state: &AppState, e: EngineError) -> Response {
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
        e if e.is_unavailable() => error_page(
            state,
            StatusCode::SERVICE_UNAVAILABLE,
            "Back in a moment",
            "The archive cannot be reached just now. Nothing is lost: try again in a few seconds.",
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
        include_str!("../../static/verity.js"),
    )
        .into_response()
}

pub(super) fn summary_list(items: &[ReportSummary]) -> Markup {
    html! {
        @if items.is_empty() {
            p { "No checks here yet." }
        } @else {
            ul.reports {
                @for r in items {
                    li {
                        a href=(summary_path(r)) { (r.question) }
                        " — " (r.verdict.headline()) " · " (r.checked_on)
                    }
                }
            }
        }
    }
}

/// "Newer / older" links for a listing at `base` (which may carry a query already).
pub(super) fn pager(base: &str, page: usize, total: usize) -> Markup {
    let pages = total.div_ceil(PER_PAGE).max(1);
    let join = if base.contains('?') { '&' } else { '?' };
    html! {
        p.pager {
            "Page " (page) " of " (pages) ". "
            @if page > 1 {
                a href={ (base) (join) "page=" (page - 1) } rel="prev" { "Newer" }
            }
            @if page < pages {
                a href={ (base) (join) "page=" (page + 1) } rel="next" { "Older" }
            }
        }
    }
}

pub(super) fn ask_form(question: &str) -> Markup {
    html! {
        form.ask method="post" action="/checks" {
            label for="q" { "Your question" }
            br;
            input type="text" id="q" name="question" maxlength=(QUESTION_LIMIT) required value=(question)
                placeholder="Did the minister hand over protected informants?";
            " "
            button type="submit" { "Check" }
        }
    }
}
