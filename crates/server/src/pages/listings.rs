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
    intro: Markup,
    base: &str,
    filter: ReportFilter,
    page: usize,
) -> Response {
    let found = state.reports().view().page(&filter, (page - 1) * PER_PAGE, PER_PAGE);
    match found {
        Ok(found) => {
            let body = html! {
                h1 { (title) }
                (intro)
                (summary_list(&found.items))
                (pager(base, page, found.total))
            };
            layout(state, title, html! {}, body).into_response()
        }
        Err(e) => page_error(state, e),
    }
}

pub(crate) async fn archive(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    let intro = html! { p { "Every check, newest first." } };
    listing(&state, "Archive", intro, "/archive", ReportFilter::default(), query.number())
}

pub(crate) async fn categories(State(state): State<AppState>) -> Response {
    let (categories, topics) = {
        let reports = state.reports();
        let view = reports.view();
        (view.categories(), view.topics(50))
    };
    let (categories, topics) = match (categories, topics) {
        (Ok(categories), Ok(topics)) => (categories, topics),
        (Err(e), _) | (_, Err(e)) => return page_error(&state, e),
    };
    let body = html! {
        h1 { "Categories" }
        ul {
            @for (key, count) in &categories {
                li { a href={ "/categories/" (key) } { (category_name(key)) } " (" (count) ")" }
            }
        }
        h2 { "Topics" }
        @if topics.is_empty() {
            p { "Topics appear once two checks share a name." }
        } @else {
            ul {
                @for t in &topics {
                    li { a href={ "/topics/" (t.key) } { (t.name) } " (" (t.reports) ")" }
                }
            }
        }
    };
    layout(&state, "Categories", html! {}, body).into_response()
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
    listing(&state, title, html! {}, &format!("/categories/{category}"), filter, query.number())
}

pub(crate) async fn topic(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let filter = ReportFilter { category: None, topic: Some(topic.clone()) };
    let title = format!("Topic: {}", topic.replace('-', " "));
    listing(&state, &title, html! {}, &format!("/topics/{topic}"), filter, query.number())
}

pub(crate) async fn search(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    let q = query.q.clone().unwrap_or_default();
    let results = match q.trim() {
        "" => None,
        _ => {
            let page = query.number();
            match state.reports().view().search(&q, (page - 1) * PER_PAGE, PER_PAGE) {
                Ok(found) => Some((page, found)),
                Err(e) => return page_error(&state, e),
            }
        }
    };
    let body = html! {
        h1 { "Search" }
        form method="get" action="/search" role="search" {
            label for="s" { "Search past checks" }
            input type="search" id="s" name="q" value=(q);
            " "
            button type="submit" { "Search" }
        }
        @if let Some((page, found)) = results {
            p { (found.total) " found." }
            (summary_list(&found.items))
            (pager(&format!("/search?q={}", utf8_percent_encode(&q)), page, found.total))
        }
    };
    layout(&state, "Search", html! {}, body).into_response()
}

/// A query parameter's value: everything but RFC 3986's unreserved characters is percent-encoded.
pub(super) fn utf8_percent_encode(s: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

pub(crate) async fn corrections(State(state): State<AppState>) -> Response {
    let found = state.reports().view().corrections(200);
    let corrections = match found {
        Ok(corrections) => corrections,
        Err(e) => return page_error(&state, e),
    };
    let body = html! {
        h1 { "Corrections" }
        p {
            "Every time a fresh check changed a report's verdict, newest first. Earlier versions stay readable from \
             each report's page."
        }
        @if corrections.is_empty() {
            p { "No verdict has changed yet." }
        } @else {
            table {
                thead { tr { th { "Date" } th { "Question" } th { "Before" } th { "After" } th { "Change" } } }
                tbody {
                    @for c in &corrections {
                        @let path = summary_path(&c.report);
                        tr {
                            td { (c.changed_on) }
                            td { a href=(path) { (c.report.question) } }
                            td { (c.from.headline()) }
                            td { (c.to.headline()) }
                            td {
                                a href={ (path) "/diff?from=" (c.version - 1) "&to=" (c.version) } {
                                    "version " (c.version - 1) " → " (c.version)
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&state, "Corrections", html! {}, body).into_response()
}

pub(crate) async fn mine(State(state): State<AppState>) -> Response {
    let body = html! {
        h1 { "Your checks" }
        p {
            "The checks you asked for in this browser. They are kept only here, in your browser's storage: Verity \
             has no accounts and keeps no record of who asked what."
        }
        ul #mine {}
        p #mine-empty { "None yet (or script is off in this browser)." }
    };
    layout(&state, "Your checks", html! {}, body).into_response()
}
