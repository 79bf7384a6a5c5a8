//! What changed between two versions of a report, for readers: the verdict, the confidence, the sources and
//! the summary.

use maud::{Markup, html};
use serde::Serialize;
use verity_model::{Report, VerdictLabel};

use crate::percent;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDiff {
    pub from_version: u32,
    pub to_version: u32,
    pub from_checked_on: String,
    pub to_checked_on: String,
    /// `Some((before, after))` when the verdict changed.
    pub verdict: Option<(VerdictLabel, VerdictLabel)>,
    pub confidence: (f32, f32),
    /// Sources cited only by the newer version, as "title (outlet)".
    pub sources_added: Vec<String>,
    pub sources_removed: Vec<String>,
    /// Sources both cite, at a newer stored version of the document in the newer report.
    pub sources_updated: Vec<String>,
    pub summary_added: Vec<String>,
    pub summary_removed: Vec<String>,
}

impl ReportDiff {
    pub fn is_empty(&self) -> bool {
        self.verdict.is_none()
            && self.sources_added.is_empty()
            && self.sources_removed.is_empty()
            && self.sources_updated.is_empty()
            && self.summary_added.is_empty()
            && self.summary_removed.is_empty()
    }
}

/// The changes from `old` to `new`.
pub fn diff(old: &Report, new: &Report) -> ReportDiff {
    let name = |s: &verity_model::ReportSource| match &s.outlet {
        Some(outlet) => format!("{} ({outlet})", s.title),
        None => s.title.clone(),
    };
    let in_old = |doc: &str| old.sources.iter().find(|s| s.doc_id == doc);
    let in_new = |doc: &str| new.sources.iter().find(|s| s.doc_id == doc);
    let summary = |r: &Report| r.summary.iter().map(|s| s.text.clone()).collect::<Vec<_>>();
    let (old_summary, new_summary) = (summary(old), summary(new));
    ReportDiff {
        from_version: old.version,
        to_version: new.version,
        from_checked_on: old.checked_on.clone(),
        to_checked_on: new.checked_on.clone(),
        verdict: (old.verdict.label != new.verdict.label).then_some((old.verdict.label, new.verdict.label)),
        confidence: (old.verdict.confidence, new.verdict.confidence),
        sources_added: new.sources.iter().filter(|s| in_old(&s.doc_id).is_none()).map(name).collect(),
        sources_removed: old.sources.iter().filter(|s| in_new(&s.doc_id).is_none()).map(name).collect(),
        sources_updated: new
            .sources
            .iter()
            .filter(|s| in_old(&s.doc_id).is_some_and(|o| o.version != s.version))
            .map(name)
            .collect(),
        summary_added: new_summary.iter().filter(|s| !old_summary.contains(s)).cloned().collect(),
        summary_removed: old_summary.iter().filter(|s| !new_summary.contains(s)).cloned().collect(),
    }
}

/// The diff as HTML: a list of changes, removed text struck through, added text marked.
pub fn diff_html(d: &ReportDiff) -> Markup {
    let (before, after) = (percent(d.confidence.0), percent(d.confidence.1));
    html! {
        p {
            "From version " (d.from_version) " (checked on " (d.from_checked_on) ") to version " (d.to_version)
            " (checked on " (d.to_checked_on) ")."
        }
        @if d.is_empty() {
            p { "Nothing changed: the same verdict, the same sources and the same summary." }
        }
        ul.diff {
            @match d.verdict {
                Some((was, is)) => li {
                    "Verdict changed: " del { (was.headline()) } " → " ins { (is.headline()) }
                    " (confidence " (before) "% → " (after) "%)"
                },
                None => li { "Verdict unchanged (confidence " (before) "% → " (after) "%)" },
            }
            @for item in &d.sources_added { li { "Source added: " ins { (item) } } }
            @for item in &d.sources_removed { li { "Source removed: " del { (item) } } }
            @for item in &d.sources_updated { li { "Source updated (a newer stored version): " span { (item) } } }
            @for item in &d.summary_added { li { "Summary sentence added: " ins { (item) } } }
            @for item in &d.summary_removed { li { "Summary sentence removed: " del { (item) } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(version: u32, verdict: &str, sources: &[(&str, u32)], summary: &[&str]) -> Report {
        serde_json::from_value(serde_json::json!({
            "schema": "verity.report/1", "id": "abc", "slug": "s", "version": version, "question": "Q?",
            "claim": {"text": "Q.", "entities": [], "key_terms": [], "negated": false},
            "checked_on": format!("2026-0{version}-01"), "verdict": {"label": verdict, "confidence": 0.5},
            "disclaimer": "d", "summary": summary.iter().map(|t| serde_json::json!({"text": t, "citations": []})).collect::<Vec<_>>(),
            "sections": [], "follow_ups": [],
            "sources": sources.iter().enumerate().map(|(i, (doc, v))| serde_json::json!({
                "n": i + 1, "doc_id": doc, "version_id": i, "version": v, "title": doc.to_uppercase(),
                "outlet": "Post", "stance": "supports", "quotes": []})).collect::<Vec<_>>(),
            "coverage": {"queries": [], "passages_considered": 0, "documents_considered": 0, "evidence_sentences": 0}
        }))
        .unwrap()
    }

    #[test]
    fn verdict_sources_and_summary_changes_are_listed_and_escaped() {
        let old = report(1, "not_enough_evidence", &[("a", 1), ("b", 1)], &["Little is known."]);
        let new = report(2, "supported", &[("a", 2), ("c", 1)], &["Two outlets report it <b>."]);
        let d = diff(&old, &new);
        assert_eq!(d.verdict, Some((VerdictLabel::NotEnoughEvidence, VerdictLabel::Supported)));
        assert_eq!(
            (d.sources_added.clone(), d.sources_removed.clone()),
            (vec!["C (Post)".into()], vec!["B (Post)".into()])
        );
        assert_eq!(d.sources_updated, ["A (Post)"]);
        assert_eq!((d.summary_added.len(), d.summary_removed.len()), (1, 1));
        let html = diff_html(&d).into_string();
        assert!(html.contains("<del>Not enough evidence</del> → <ins>Supported</ins>"), "{html}");
        assert!(html.contains("it &lt;b&gt;."));
        assert!(diff(&old, &old).is_empty());
    }
}
