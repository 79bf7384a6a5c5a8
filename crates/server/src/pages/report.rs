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
        None => Html(report_html(&state, &report, &versions, &topics, None, query.asked.is_some())).into_response(),
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
