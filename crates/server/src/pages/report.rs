//! A report's pages: the report with its downloads, one version, and the diff between two.

use super::*;

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
        None => report_html(&state, &report, &versions, &topics, None, query.asked.is_some()).into_response(),
    }
}

pub(super) fn download_response(report: &Report, ext: &str, content_type: &'static str, body: String) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let disposition = format!(
        "attachment; filename=\"{}.{ext}\"",
        report.slug.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    response.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ascii"));
    response
}

/// The report page; `older` is set when showing a version that is not the latest.
pub(super) fn report_html(
    state: &AppState,
    report: &Report,
    versions: &[VersionSummary],
    topics: &[verity_model::Topic],
    older: Option<&Report>,
    asked: bool,
) -> Html<String> {
    let path = report_path(report);
    let shown = older.unwrap_or(report);
    let outdated = match older {
        Some(_) => None,
        None => age_in_days(state, &report.checked_on).filter(|d| *d > state.0.site.outdated_after_days),
    };
    // Set when the visitor just asked for this check: the script keeps it in the browser's list of their checks.
    let asked = asked.then_some(&shown.checked_on);
    let body = html! {
        p.meta { a href={ "/categories/" (report.category) } { (category_name(&report.category)) } }
        @if let Some(old) = older {
            p.notice role="note" {
                "This is version " (old.version) " of this report, checked on " (old.checked_on) ". "
                a href=(path) { "Read the latest version" }
                " (version " (report.version) ", checked on " (report.checked_on) ")."
            }
        } @else if let Some(days) = outdated {
            p.notice role="note" {
                "This report was checked " (days) " days ago and may be outdated. Use \u{201c}Check again\u{201d} \
                 below for a fresh check against the current sources."
            }
        }
        div #report
            data-asked=[asked.map(|_| &path)]
            data-question=[asked.map(|_| &shown.question)]
            data-date=[asked]
        {
            (verity_render::article(shown, FollowUps::Ask("/checks")))
        }
        section.actions aria-label="Actions" {
            h2 { "Keep, share, check again" }
            div {
                a href={ (path) ".md" } download { "Markdown" }
                a href={ (path) ".json" } download { "JSON" }
                button type="button" #print hidden { "Print" }
                form method="post" action={ (path) "/refresh" } { button type="submit" { "Check again" } }
            }
        }
        @if !topics.is_empty() {
            p {
                "Topics: "
                @for (i, t) in topics.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "/topics/" (t.key) } { (t.name) }
                }
            }
        }
        @if versions.len() > 1 {
            h2 { "Versions" }
            ol.versions {
                @for (i, v) in versions.iter().enumerate() {
                    li value=(v.version) {
                        "Checked on " (v.checked_on) ": " (v.verdict.headline()) " ("
                        (verity_render::percent(v.confidence)) "%) · "
                        @if v.version == report.version {
                            a href=(path) { "latest" }
                        } @else {
                            a href={ (path) "/versions/" (v.version) } { "read" }
                        }
                        @if i > 0 {
                            " · "
                            a href={ (path) "/diff?from=" (versions[i - 1].version) "&to=" (v.version) } { "what changed" }
                        }
                    }
                }
            }
        }
    };
    let public = state.0.site.public_url.as_deref().map(|base| format!("{}{}", base.trim_end_matches('/'), path));
    let head = html! {
        link rel="canonical" href=(path);
        (verity_render::head(shown, public.as_deref()))
    };
    layout(state, &shown.question, head, body)
}

pub(super) fn category_name(key: &str) -> &'static str {
    verity_engine::category_title(key).unwrap_or("Other")
}

pub(super) fn age_in_days(state: &AppState, checked_on: &str) -> Option<i64> {
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
            report_html(&state, &latest, &versions, &[], older, false).into_response()
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
            let body = html! {
                h1 { "What changed" }
                p { a href=(report_path(&latest)) { (latest.question) } }
                (verity_render::diff_html(&verity_render::diff(&old, &new)))
            };
            let head = html! { meta name="robots" content="noindex"; };
            layout(&state, "What changed", head, body).into_response()
        }
        Err(e) => page_error(&state, e),
    }
}
