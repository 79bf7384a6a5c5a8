//! HTML pages: main-content extraction (readability-style, through `dom_smoothie`) with the page's title,
//! publication date, author, site name and canonical URL from its metadata.

use dom_query::Document as Dom;
use dom_smoothie::{Config, Readability, TextMode};

use crate::{Document, normalize_date};

/// Extracts the readable article of a page. When the extractor finds no article (a very short page), the
/// visible text of `<body>` is used instead, so a short note is not lost.
pub fn extract(raw: &str, external_id: &str, fallback_title: &str) -> Document {
    let dom = Dom::from(raw);
    let canonical = first_attr(&dom, &[("link[rel=\"canonical\"]", "href"), ("meta[property=\"og:url\"]", "content")]);
    let meta_date = first_attr(
        &dom,
        &[
            ("meta[property=\"article:published_time\"]", "content"),
            ("meta[name=\"date\"]", "content"),
            ("meta[name=\"pubdate\"]", "content"),
            ("meta[itemprop=\"datePublished\"]", "content"),
            ("time[datetime]", "datetime"),
        ],
    );
    let meta_outlet = first_attr(&dom, &[("meta[property=\"og:site_name\"]", "content")]);
    let meta_author = first_attr(&dom, &[("meta[name=\"author\"]", "content")]);
    let page_title = dom.select("title").text().trim().to_string();

    let config = Config { text_mode: TextMode::Formatted, ..Config::default() };
    let article = Readability::with_document(dom, None, Some(config)).ok().and_then(|mut r| r.parse().ok());
    let (title, text, published, author, outlet) = match article {
        Some(a) if !a.text_content.trim().is_empty() => (
            a.title.clone(),
            a.text_content.to_string(),
            a.published_time.clone().or(meta_date),
            a.byline.clone().or(meta_author),
            a.site_name.clone().or(meta_outlet),
        ),
        _ => (page_title.clone(), body_text(raw), meta_date, meta_author, meta_outlet),
    };
    let title = [title, page_title].into_iter().map(|t| t.trim().to_string()).find(|t| !t.is_empty());
    Document {
        external_id: external_id.to_string(),
        title: title.unwrap_or_else(|| fallback_title.to_string()),
        text: tidy(&text),
        url: canonical,
        outlet,
        published: published.and_then(|d| normalize_date(&d)),
        author,
    }
}

fn first_attr(dom: &Dom, selectors: &[(&str, &str)]) -> Option<String> {
    selectors
        .iter()
        .find_map(|(sel, attr)| dom.select(sel).attr(attr).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
}

fn body_text(raw: &str) -> String {
    let dom = Dom::from(raw);
    dom.select("script, style, noscript, nav, header, footer").remove();
    dom.select("body").text().to_string()
}

/// Collapses runs of spaces inside lines and runs of blank lines, keeping paragraph breaks.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}
