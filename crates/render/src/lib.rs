//! Renders a [`Report`] for people: Markdown for terminals and files, and a standalone HTML page.
//!
//! Main items: [`markdown`], [`html`] (a standalone page), [`article`] and [`head`] (the report inside a page
//! the site lays out), [`claim_review`], [`diff`] (what changed between two versions of a report). JSON is the report's own serde form and needs no renderer.
//!
//! Rendering adds nothing to the report and checks nothing: the pipeline's citation check has already run.
//! Every piece of source text is escaped in HTML; a source can never inject markup or script.

mod diff;

use std::fmt::Write;

pub use diff::{ReportDiff, diff, diff_html};

use verity_model::{Report, Sentence};

fn cited(s: &Sentence) -> String {
    let marks: Vec<String> = s.citations.iter().map(|n| format!("[{n}]")).collect();
    if marks.is_empty() { s.text.clone() } else { format!("{} {}", s.text, marks.join(" ")) }
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", r.question);
    let _ = writeln!(
        out,
        "**Verdict: {}** (confidence {:.0}%)  ",
        r.verdict.label.headline(),
        r.verdict.confidence * 100.0
    );
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

/// JSON inside a script element: `<` is written as `\u003c`, so no text can close the element.
fn json_ld(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
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
            None => format!("{} (not among the sources read)", r.name),
        };
        parts.push(format!("relies on {who} ({how})"));
    }
    (!parts.is_empty()).then(|| {
        let text = parts.join("; ");
        let mut chars = text.chars();
        chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
    })
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Only http(s) links become clickable; anything else (javascript:, data:) is shown as text.
fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| escape(url.trim()))
}

fn html_sentence(r: &Report, s: &Sentence) -> String {
    let marks: String = s
        .citations
        .iter()
        .map(|n| {
            // The quoted passage shows on hover; the link jumps to the source and its quotations.
            let quote = r.source(*n).and_then(|src| src.quotes.first()).map(|q| escape(q)).unwrap_or_default();
            format!(" <a class=\"cite\" href=\"#source-{n}\" title=\"{quote}\">[{n}]</a>")
        })
        .collect();
    format!("{}{}", escape(&s.text), marks)
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
pub fn head(r: &Report, url: Option<&str>) -> String {
    let mut review = claim_review(r);
    if let Some(url) = url {
        review["url"] = url.into();
    }
    format!("<script type=\"application/ld+json\">{}</script>", json_ld(&review))
}

/// A standalone HTML page: the report and its styles, nothing else.
pub fn html(r: &Report) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — Verity</title><style>{CSS}</style>{}</head><body><main>{}</main></body></html>\n",
        escape(&r.question),
        head(r, None),
        article(r, FollowUps::Text)
    )
}

/// The report as an HTML `<article>`, for a page that supplies the rest ([`CSS`] styles it).
pub fn article(r: &Report, follow_ups: FollowUps<'_>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<article class=\"report\"><h1>{title}</h1><p class=\"verdict {label}\"><strong>{headline}</strong> · \
         confidence {conf:.0}%</p>\
         <p class=\"meta\">Claim checked: {claim}<br>Checked on <time datetime=\"{date}\">{date}</time></p>\
         <p class=\"disclaimer\">{disclaimer}</p><h2>Executive summary</h2><p>{summary}</p>",
        title = escape(&r.question),
        label = r.verdict.label.as_str(),
        headline = escape(r.verdict.label.headline()),
        conf = r.verdict.confidence * 100.0,
        claim = escape(&r.claim.text),
        date = escape(&r.checked_on),
        disclaimer = escape(&r.disclaimer),
        summary = r.summary.iter().map(|s| html_sentence(r, s)).collect::<Vec<_>>().join(" "),
    );
    if !r.facets.is_empty() {
        out.push_str("<h3>The claim, part by part</h3><ul class=\"facets\">");
        for f in &r.facets {
            let _ = write!(
                out,
                "<li>\u{201c}{}\u{201d}: <strong class=\"{}\">{}</strong> ({})</li>",
                escape(&f.text),
                f.verdict.as_str(),
                escape(f.verdict.headline()),
                escape(&f.reason)
            );
        }
        out.push_str("</ul>");
    }
    for (i, section) in r.sections.iter().enumerate() {
        let body: Vec<String> = section.sentences.iter().map(|s| html_sentence(r, s)).collect();
        let _ = write!(out, "<h2>{}. {}</h2><p>{}</p>", i + 1, escape(&section.title), body.join(" "));
    }
    out.push_str("<h2>Want to dive deeper?</h2><ul class=\"follow-ups\">");
    for q in &r.follow_ups {
        match follow_ups {
            FollowUps::Text => {
                let _ = write!(out, "<li>{}</li>", escape(q));
            }
            FollowUps::Ask(action) => {
                let _ = write!(
                    out,
                    "<li><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"question\" value=\"{}\">\
                     <button type=\"submit\" class=\"follow-up\">{}</button></form></li>",
                    escape(action),
                    escape(q),
                    escape(q)
                );
            }
        }
    }
    out.push_str("</ul><h2>Sources</h2><ol class=\"sources\">");
    for s in &r.sources {
        let title = match s.url.as_deref().and_then(safe_url) {
            Some(href) => format!("<a href=\"{href}\" rel=\"noopener nofollow\">{}</a>", escape(&s.title)),
            None => escape(&s.title),
        };
        let meta: Vec<String> =
            [s.outlet.as_deref(), s.published.as_deref(), s.url.as_deref()].into_iter().flatten().map(escape).collect();
        let _ = write!(
            out,
            "<li id=\"source-{}\" value=\"{}\">{title}<br><small>{} · document {} v{}{}</small>",
            s.n,
            s.n,
            meta.join(" · "),
            escape(&s.doc_id),
            s.version,
            escape(&snapshot_note(s))
        );
        if let Some(note) = provenance_note(s) {
            let _ = write!(out, "<br><small class=\"provenance\">{}</small>", escape(&note));
        }
        for q in &s.quotes {
            let _ = write!(out, "<blockquote>{}</blockquote>", escape(q));
        }
        out.push_str("</li>");
    }
    let c = &r.coverage;
    let range = c.date_range.as_ref().map(|(a, b)| format!(" Sources dated {} to {}.", escape(a), escape(b)));
    let _ = write!(
        out,
        "</ol><h2>How this was checked</h2><p>Queries: {}. Passages read: {}; documents: {}.{} {} Citation check: {} \
         of {} cited sentences verified against the stored text. {}{}</p><footer>Report {} · version {} · {}</footer>\
         </article>",
        escape(&c.queries.join("; ")),
        c.passages_considered,
        c.documents_considered,
        range.unwrap_or_default(),
        escape(&judge_note(r)),
        r.citation_check.verified,
        r.citation_check.cited_sentences,
        escape(&writer_note(r)),
        web_note(r).map(|n| format!(" {}", escape(&n))).unwrap_or_default(),
        escape(&r.id),
        r.version,
        escape(&r.schema)
    );
    out
}

/// The report's styles, screen and print.
pub const CSS: &str = "body{font:17px/1.55 Georgia,serif;margin:0;background:#fbfaf7;color:#1d1d1d}\
main{max-width:46rem;margin:0 auto;padding:2rem 1rem}h1{font-size:1.7rem}h2{font-size:1.2rem;margin-top:2rem}\
.verdict{font-size:1.2rem;padding:.5rem .8rem;border-left:6px solid #888;background:#fff}\
.verdict.supported{border-color:#2e7d32}.verdict.refuted{border-color:#c62828}\
.verdict.partly_supported{border-color:#9e9d24}.verdict.conflicting{border-color:#ef6c00}\
.meta,.disclaimer,small,footer{color:#555;font-size:.9rem}a.cite{text-decoration:none}\
blockquote{margin:.4rem 0 .4rem 1rem;padding-left:.6rem;border-left:3px solid #ccc;font-style:italic}\
li:target{background:#fff6d5}.follow-up{font:inherit;background:none;border:0;padding:0;color:#1a4fa0;text-decoration:underline;cursor:pointer;text-align:left}.follow-ups form{margin:0}@media print{a.cite{color:inherit}body{background:#fff;font-size:11pt}main{max-width:none;padding:0}form,header.site,.banner,.actions,.site-footer{display:none}a[href^=\"http\"]::after{content:\" (\" attr(href) \")\";font-size:.8em}blockquote{break-inside:avoid}}";

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        assert_eq!(escape(text), expected);
    }

    #[test]
    fn escaping() {
        check(
            "<script>alert('x')</script> & \"q\"",
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;",
        );
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
        assert_eq!(safe_url("https://a.example/?q=\"x\"").as_deref(), Some("https://a.example/?q=&quot;x&quot;"));
    }
}
