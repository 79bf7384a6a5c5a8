//! Renders a [`Report`] for people: Markdown for terminals and files, and a standalone HTML page.
//!
//! Main items: [`markdown`], [`html`] (a standalone page), [`article`] and [`head`] (the report inside a page
//! the site lays out), [`claim_review`], [`diff`] (what changed between two versions of a report). JSON is the report's own serde form and needs no renderer.
//!
//! Rendering adds nothing to the report and checks nothing: the pipeline's citation check has already run.
//! HTML is built with `maud` templates, which escape every value spliced into them, so a source can never inject
//! markup or script; the only unescaped text is the stylesheet and the JSON-LD block (which escapes `<` itself).
//! [`article`], [`head`] and [`diff_html`] return [`maud::Markup`], so a page that embeds them keeps that property.
//!
//! ```
//! use verity_pipeline::{CheckContext, CheckRequest, memory::MemoryCorpus};
//!
//! let corpus = MemoryCorpus::new().with("a", "The Ledger", "The council banned <b>cars</b> downtown on Monday.");
//! let ctx = CheckContext {
//!     today: "2026-12-07".into(),
//!     report_id: "example".into(),
//!     web: None,
//!     deadline: verity_model::Deadline::none(),
//! };
//! let request = CheckRequest::new("Did the council ban cars downtown?", &ctx).unwrap();
//! let (report, _) = verity_pipeline::check(request, &corpus);
//! let page = verity_render::html(&report);
//! assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Checked on"));
//! // Source text is data: its markup is escaped, never rendered.
//! assert!(!page.contains("<b>cars</b>"));
//! assert!(verity_render::markdown(&report).contains("## Sources"));
//! ```

mod diff;
mod text;

use std::fmt::Write;

pub use diff::{ReportDiff, diff, diff_html};
use maud::{DOCTYPE, Markup, PreEscaped, html};
pub use text::{text_article, text_counts, text_markdown};

use verity_model::{Report, Sentence};

fn cited(s: &Sentence) -> String {
    let marks: Vec<String> = s.citations.iter().map(|n| format!("[{n}]")).collect();
    if marks.is_empty() { s.text.clone() } else { format!("{} {}", s.text, marks.join(" ")) }
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", r.question);
    let _ =
        writeln!(out, "**Verdict: {}** (confidence {}%)  ", r.verdict.label.headline(), percent(r.verdict.confidence));
    let _ = writeln!(out, "Claim checked: {}  ", r.claim.text);
    let _ = writeln!(out, "Checked on {}  ", r.checked_on);
    let _ = writeln!(out, "_{}_\n", r.disclaimer);
    let _ = writeln!(out, "## Executive summary\n");
    let summary: Vec<String> = r.summary.iter().map(cited).collect();
    let _ = writeln!(out, "{}\n", summary.join(" "));
    if !r.facets.is_empty() {
        let _ = writeln!(out, "### The claim, part by part\n");
        for f in &r.facets {
            let _ = writeln!(out, "- \u{201c}{}\u{201d}: **{}** ({})", f.text, f.verdict.headline(), f.reason);
        }
        out.push('\n');
    }
    for (i, section) in r.sections.iter().enumerate() {
        let _ = writeln!(out, "## {}. {}\n", i + 1, section.title);
        let body: Vec<String> = section.sentences.iter().map(cited).collect();
        let _ = writeln!(out, "{}\n", body.join(" "));
    }
    let _ = writeln!(out, "## Want to dive deeper?\n");
    for q in &r.follow_ups {
        let _ = writeln!(out, "- {q}");
    }
    let _ = writeln!(out, "\n## Sources\n");
    for s in &r.sources {
        let mut line = format!("[{}] {}", s.n, s.title);
        for part in [s.outlet.as_deref(), s.published.as_deref(), s.url.as_deref()].into_iter().flatten() {
            line.push_str(" — ");
            line.push_str(part);
        }
        let _ = writeln!(out, "{line} (document `{}`, version {}{})", s.doc_id, s.version, snapshot_note(s));
        if let Some(note) = provenance_note(s) {
            let _ = writeln!(out, "    _{note}_");
        }
        for q in &s.quotes {
            let _ = writeln!(out, "    > {q}");
        }
    }
    let c = &r.coverage;
    let _ = writeln!(
        out,
        "\n## How this was checked\n\nQueries: {}. Passages read: {}; documents: {}; evidence sentences: {}. {} \
         Citation check: {} cited sentences, {} verified against the stored text, {} dropped.",
        c.queries.iter().map(|q| format!("\u{201c}{q}\u{201d}")).collect::<Vec<_>>().join(", "),
        c.passages_considered,
        c.documents_considered,
        c.evidence_sentences,
        judge_note(r),
        r.citation_check.cited_sentences,
        r.citation_check.verified,
        r.citation_check.dropped
    );
    if let Some(note) = web_note(r) {
        let _ = writeln!(out, "\n{note}");
    }
    let _ = writeln!(out, "\n{}", writer_note(r));
    for d in &r.diagnostics {
        let _ = writeln!(out, "\n- note ({}): {}", d.stage, d.message);
    }
    let _ = writeln!(out, "\nReport `{}` · {}", r.id, r.schema);
    out
}

/// The report as schema.org ClaimReview, for search engines and fact-check aggregators. The rating runs from 1
/// (refuted) to 5 (supported); "not enough evidence" has a name and no number, because it rates the corpus, not
/// the claim.
pub fn claim_review(r: &Report) -> serde_json::Value {
    use verity_model::VerdictLabel;
    let value = match r.verdict.label {
        VerdictLabel::Supported => Some(5),
        VerdictLabel::PartlySupported => Some(3),
        VerdictLabel::Conflicting => Some(2),
        VerdictLabel::Refuted => Some(1),
        VerdictLabel::NotEnoughEvidence => None,
    };
    let mut rating = serde_json::json!({
        "@type": "Rating",
        "alternateName": r.verdict.label.headline(),
        "bestRating": 5,
        "worstRating": 1,
    });
    if let Some(value) = value {
        rating["ratingValue"] = value.into();
    }
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": r.claim.text,
        "datePublished": r.checked_on,
        "author": { "@type": "Organization", "name": "Verity" },
        "reviewRating": rating,
        "itemReviewed": {
            "@type": "Claim",
            "appearance": r.sources.iter().filter_map(|s| s.url.as_deref()).filter(|u| safe_url(u).is_some())
                .map(|u| serde_json::json!({ "@type": "CreativeWork", "url": u })).collect::<Vec<_>>(),
        },
    })
}

/// JSON inside a script element. A script's text is raw (entities are not decoded there), so it is not
/// HTML-escaped; instead `<` is written as `\u003c`, so no text can close the element or open a comment.
fn json_ld(value: &serde_json::Value) -> PreEscaped<String> {
    PreEscaped(value.to_string().replace('<', "\\u003c"))
}

/// "; read 2026-11-26T10:00:00Z; established outlet": when a web page was read, and the site's rank of it.
fn snapshot_note(s: &verity_model::ReportSource) -> String {
    let mut note = String::new();
    if let Some(at) = &s.fetched_at {
        note.push_str(&format!("; read {at}"));
    }
    if let Some(tier) = s.tier {
        note.push_str(&format!("; {}", tier.describe()));
    }
    note
}

/// What the web part of the check searched and read.
fn web_note(r: &Report) -> Option<String> {
    let w = r.coverage.web.as_ref()?;
    Some(format!(
        "Web: {} queries to {} in {} round{}; {} results, {} pages read and stored as snapshots{}.",
        w.queries.len(),
        if w.providers.is_empty() { "no provider".to_string() } else { w.providers.join(", ") },
        w.rounds,
        if w.rounds == 1 { "" } else { "s" },
        w.results,
        w.pages_read,
        if w.pages_failed > 0 { format!(", {} could not be read", w.pages_failed) } else { String::new() }
    ))
}

/// Who judged what the evidence sentences say.
fn judge_note(r: &Report) -> String {
    match r.judge.kind {
        verity_model::JudgeKind::Lexical => "Judge: word overlap, negation and opposite terms (no model).".to_string(),
        _ => format!("Judge: {}, which read the {} most relevant sentences.", r.judge.name, r.judge.sentences),
    }
}

/// Who wrote the prose, and what the citation check made of a language model's sentences.
fn writer_note(r: &Report) -> String {
    let c = &r.citation_check;
    if c.written == 0 {
        return "Written by the extractive writer: every cited sentence quotes its source.".to_string();
    }
    let kept =
        r.sentences().filter(|s| matches!(s.verification, Some(verity_model::Verification::Lexical { .. }))).count();
    format!(
        "Written by {}: of its {} sentences, {kept} were kept (their cited sources back them), {} were replaced by \
         quotations of the evidence they cited, and {} were dropped; the rest of the report is extractive.",
        r.writer,
        c.written,
        c.rewritten,
        c.written.saturating_sub(kept + c.rewritten)
    )
}

/// "Its own statement; relies on [3] The Capital Ledger (credits it)": what a reader needs to weigh a source.
fn provenance_note(s: &verity_model::ReportSource) -> Option<String> {
    let mut parts = Vec::new();
    if s.party_statement {
        parts.push("a party's own statement, not independent reporting".to_string());
    }
    for r in &s.relies_on {
        let how = match r.how {
            verity_model::RelianceKind::Attribution => "credits it",
            verity_model::RelianceKind::Link => "links to it",
            verity_model::RelianceKind::NearCopy => "repeats its text",
        };
        let who = match r.source {
            Some(n) => format!("[{n}] {}", r.name),
            None => match &r.doc_id {
                Some(doc) => format!("{} (in the archive as `{doc}`, not quoted here)", r.name),
                None => format!("{} (not among the sources read)", r.name),
            },
        };
        parts.push(format!("relies on {who} ({how})"));
    }
    (!parts.is_empty()).then(|| {
        let text = parts.join("; ");
        let mut chars = text.chars();
        chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
    })
}

/// Only http(s) links become clickable; anything else (javascript:, data:) is shown as text.
fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

/// A sentence and its citation marks; the quoted passage shows on hover, the link jumps to the source and its
/// quotations.
fn html_sentence(r: &Report, s: &Sentence) -> Markup {
    html! {
        (s.text)
        @for n in &s.citations {
            " "
            a.cite href={ "#source-" (n) } title=(r.source(*n).and_then(|src| src.quotes.first()).map_or("", String::as_str)) {
                "[" (n) "]"
            }
        }
    }
}

/// Sentences one after another, a space between them.
fn html_sentences(r: &Report, sentences: &[Sentence]) -> Markup {
    html! {
        @for (i, s) in sentences.iter().enumerate() {
            @if i > 0 { " " }
            (html_sentence(r, s))
        }
    }
}

/// A share (0 to 1) as reports and pages show it, a whole percentage: "62".
pub fn percent(share: f32) -> String {
    format!("{:.0}", share * 100.0)
}

/// How a report's follow-up questions are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUps<'a> {
    /// As text (a standalone page: there is nowhere to send them).
    Text,
    /// Each as a button that posts the question to this form action, starting a new check.
    Ask(&'a str),
}

/// What goes in the page head for a report: its ClaimReview JSON-LD block; `url` is the page's public address,
/// when the site knows it.
pub fn head(r: &Report, url: Option<&str>) -> Markup {
    let mut review = claim_review(r);
    if let Some(url) = url {
        review["url"] = url.into();
    }
    html! { script type="application/ld+json" { (json_ld(&review)) } }
}

/// A standalone HTML page: the report and its styles, nothing else.
pub fn html(r: &Report) -> String {
    standalone(&format!("{} — Verity", r.question), head(r, None), article(r, FollowUps::Text))
}

/// A standalone HTML page of a checked text; `link` gives each report's address.
pub fn text_html(check: &verity_model::TextCheck, link: &dyn Fn(&verity_model::ReportSummary) -> String) -> String {
    standalone("Text check — Verity", html! {}, html! { h1 { "Text check" } (text_article(check, link)) })
}

/// A page holding `body` and the styles, with `head` in its head.
fn standalone(title: &str, head: Markup, body: Markup) -> String {
    let page = html! {
        (DOCTYPE) "\n"
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
                (head)
            }
            body { main { (body) } }
        }
        "\n"
    };
    page.into_string()
}

/// The report as an HTML `<article>`, for a page that supplies the rest ([`CSS`] styles it).
pub fn article(r: &Report, follow_ups: FollowUps<'_>) -> Markup {
    let c = &r.coverage;
    html! {
        article.report {
            h1 { (r.question) }
            p class={ "verdict " (r.verdict.label.as_str()) } {
                strong { (r.verdict.label.headline()) } " · confidence " (percent(r.verdict.confidence)) "%"
            }
            p.meta {
                "Claim checked: " (r.claim.text) br;
                "Checked on " time datetime=(r.checked_on) { (r.checked_on) }
            }
            p.disclaimer { (r.disclaimer) }
            h2 { "Executive summary" }
            p { (html_sentences(r, &r.summary)) }
            @if !r.facets.is_empty() {
                h3 { "The claim, part by part" }
                ul.facets {
                    @for f in &r.facets {
                        li {
                            "\u{201c}" (f.text) "\u{201d}: "
                            strong class=(f.verdict.as_str()) { (f.verdict.headline()) }
                            " (" (f.reason) ")"
                        }
                    }
                }
            }
            @for (i, section) in r.sections.iter().enumerate() {
                h2 { (i + 1) ". " (section.title) }
                p { (html_sentences(r, &section.sentences)) }
            }
            h2 { "Want to dive deeper?" }
            ul.follow-ups {
                @for q in &r.follow_ups {
                    li {
                        @match follow_ups {
                            FollowUps::Text => (q),
                            FollowUps::Ask(action) => form method="post" action=(action) {
                                input type="hidden" name="question" value=(q);
                                button type="submit" .follow-up { (q) }
                            },
                        }
                    }
                }
            }
            h2 { "Sources" }
            ol.sources {
                @for s in &r.sources {
                    li id={ "source-" (s.n) } value=(s.n) {
                        @match s.url.as_deref().and_then(safe_url) {
                            Some(href) => a href=(href) rel="noopener nofollow" { (s.title) },
                            None => (s.title),
                        }
                        br;
                        small {
                            @for (i, part) in [s.outlet.as_deref(), s.published.as_deref(), s.url.as_deref()]
                                .into_iter()
                                .flatten()
                                .enumerate()
                            {
                                @if i > 0 { " · " }
                                (part)
                            }
                            " · document " (s.doc_id) " v" (s.version) (snapshot_note(s))
                        }
                        @if let Some(note) = provenance_note(s) {
                            br;
                            small.provenance { (note) }
                        }
                        @for q in &s.quotes {
                            blockquote { (q) }
                        }
                    }
                }
            }
            h2 { "How this was checked" }
            p {
                "Queries: " (c.queries.join("; ")) ". Passages read: " (c.passages_considered) "; documents: "
                (c.documents_considered) "."
                @if let Some((from, to)) = &c.date_range {
                    " Sources dated " (from) " to " (to) "."
                }
                " " (judge_note(r)) " Citation check: " (r.citation_check.verified) " of "
                (r.citation_check.cited_sentences) " cited sentences verified against the stored text. "
                (writer_note(r))
                @if let Some(note) = web_note(r) {
                    " " (note)
                }
            }
            footer { "Report " (r.id) " · version " (r.version) " · " (r.schema) }
        }
    }
}

/// The report's styles, screen and print.
pub const CSS: &str = "body{font:17px/1.55 Georgia,serif;margin:0;background:#fbfaf7;color:#1d1d1d}\
main{max-width:46rem;margin:0 auto;padding:2rem 1rem}h1{font-size:1.7rem}h2{font-size:1.2rem;margin-top:2rem}\
.verdict{font-size:1.2rem;padding:.5rem .8rem;border-left:6px solid #888;background:#fff}\
.verdict.supported{border-color:#2e7d32}.verdict.refuted{border-color:#c62828}\
.verdict.partly_supported{border-color:#9e9d24}.verdict.conflicting{border-color:#ef6c00}\
.meta,.disclaimer,small,footer{color:#555;font-size:.9rem}a.cite{text-decoration:none}\
blockquote{margin:.4rem 0 .4rem 1rem;padding-left:.6rem;border-left:3px solid #ccc;font-style:italic}\
li:target{background:#fff6d5}.follow-up{font:inherit;background:none;border:0;padding:0;color:#1a4fa0;text-decoration:underline;cursor:pointer;text-align:left;vertical-align:top}.follow-ups form{margin:0}@media print{a.cite{color:inherit}body{background:#fff;font-size:11pt}main{max-width:none;padding:0}form,header.site,.banner,.actions,.site-footer{display:none}a[href^=\"http\"]::after{content:\" (\" attr(href) \")\";font-size:.8em}blockquote{break-inside:avoid}}";

#[cfg(test)]
mod tests {
    use super::*;

    /// A report whose every text field holds `hostile`.
    fn report_with_text(hostile: &str) -> Report {
        let sentence = serde_json::json!({"text": hostile, "citations": [1]});
        serde_json::from_value(serde_json::json!({
            "schema": "verity.report/1", "id": hostile, "slug": "s", "question": hostile,
            "claim": {"text": hostile, "entities": [], "key_terms": [], "negated": false},
            "checked_on": hostile, "verdict": {"label": "refuted", "confidence": 0.8}, "disclaimer": hostile,
            "facets": [{"text": hostile, "role": "act", "verdict": "refuted", "reason": hostile}],
            "summary": [sentence], "sections": [{"title": hostile, "sentences": [sentence]}],
            "follow_ups": [hostile],
            "sources": [{"n": 1, "doc_id": hostile, "version_id": 1, "version": 1, "title": hostile,
                "outlet": hostile, "published": hostile, "url": hostile, "stance": "supports", "quotes": [hostile]}],
            "coverage": {"queries": [hostile], "passages_considered": 0, "documents_considered": 0,
                "evidence_sentences": 0, "date_range": [hostile, hostile]}
        }))
        .unwrap()
    }

    /// Renders a report full of `hostile` text both ways and checks that the page holds the text, escaped, and
    /// none of its markup.
    fn check(hostile: &str, escaped: &str) {
        let report = report_with_text(hostile);
        for page in [html(&report), article(&report, FollowUps::Ask("/checks")).into_string()] {
            let body = &page[page.find("<article").unwrap()..];
            assert!(!body.contains(hostile), "unescaped text in {body}");
            assert!(body.matches(escaped).count() >= 15, "the text is shown, escaped: {body}");
        }
    }

    #[test]
    fn source_and_visitor_text_is_escaped_everywhere() {
        check("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;");
        check("\"><script>alert(1)</script>", "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
        check("Tom & Jerry <b>", "Tom &amp; Jerry &lt;b&gt;");
    }

    #[test]
    fn report_pages_carry_claim_review_markup_that_text_cannot_break_out_of() {
        let mut report: Report = serde_json::from_value(serde_json::json!({
            "schema": "verity.report/1", "id": "0123456789ab", "slug": "s-01234567",
            "question": "Did it happen?", "claim": {"text": "It happened </script><script>alert(1)</script>.",
            "entities": [], "key_terms": [], "negated": false},
            "checked_on": "2026-11-26", "verdict": {"label": "refuted", "confidence": 0.8},
            "disclaimer": "d", "summary": [], "sections": [], "follow_ups": [], "sources": [],
            "coverage": {"queries": [], "passages_considered": 0, "documents_considered": 0, "evidence_sentences": 0}
        }))
        .unwrap();
        let page = html(&report);
        let start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
        let end = start + page[start..].find("</script>").unwrap();
        let review: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(review["@type"], "ClaimReview");
        assert_eq!(review["claimReviewed"], report.claim.text, "the text survives, escaped");
        assert_eq!(
            (review["reviewRating"]["ratingValue"].as_i64(), review["datePublished"].as_str()),
            (Some(1), Some("2026-11-26"))
        );
        assert_eq!(page.matches("<script").count(), 1, "no script element besides the data block");
        report.verdict.label = verity_model::VerdictLabel::NotEnoughEvidence;
        assert!(claim_review(&report)["reviewRating"].get("ratingValue").is_none());
    }

    #[test]
    fn only_web_links_are_clickable() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url(" https://a.example/?q=1 "), Some("https://a.example/?q=1"));
        let page = html(&report_with_text("javascript:alert(1)"));
        assert!(!page.contains("href=\"javascript:"), "{page}");
    }
}
