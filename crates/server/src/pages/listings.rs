//! Lists of reports: the archive, categories, topics, search, corrections and "your checks".

use super::*;

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

pub(super) fn listing(
    state: &AppState,
    title: &str,
    intro: &str,
    base: &str,
    filter: ReportFilter,
    page: usize,
) -> Response {
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
pub(super) fn utf8_percent_encode(s: &str) -> String {
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
