//! A checked text for people: the text itself with each checked sentence marked by its verdict and linked to its
//! report, then a table of the claims (sentence, claim, matched or new, verdict, confidence), then why the
//! other sentences were not checked.

use std::fmt::Write;

use maud::{Markup, html};
use verity_model::{CheckedSentence, ReportSummary, SentenceOutcome, TextCheck};

use crate::percent;

/// The verdict a sentence shows: its own report's, or, for a repeat, the report of the sentence it repeats.
fn answer<'a>(check: &'a TextCheck, s: &'a CheckedSentence) -> Option<&'a ReportSummary> {
    match &s.outcome {
        SentenceOutcome::SameAs { position } => check.sentences.get(*position).and_then(|first| first.outcome.report()),
        other => other.report(),
    }
}

/// Whether a sentence's report is new, and for a match, the date it was checked on.
fn new_or_matched(outcome: &SentenceOutcome) -> String {
    match outcome {
        SentenceOutcome::Matched { report } => format!("checked before, on {}", report.checked_on),
        SentenceOutcome::Checked { .. } => "new check".into(),
        SentenceOutcome::SameAs { position } => format!("repeats sentence {}", position + 1),
        _ => String::new(),
    }
}

/// One line on what was done.
pub fn text_counts(check: &TextCheck) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}; {} to check: {} checked before, {} checked now{}.",
        plural(check.sentences.len(), "sentence", "sentences"),
        plural(check.candidates, "claim", "claims"),
        check.matched,
        check.checked,
        if check.over_limit > 0 {
            format!(", {} over the limit of {} new checks", check.over_limit, check.limit)
        } else {
            String::new()
        }
    )
}

/// Markdown: the text with verdict marks, the claims table, and the sentences not checked. `link` gives a
/// report's address (a URL, or the command that shows it).
pub fn text_markdown(check: &TextCheck, link: &dyn Fn(&ReportSummary) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Text check\n");
    let _ = writeln!(out, "{}  ", text_counts(check));
    if let Some(url) = &check.source_url {
        let _ = writeln!(out, "Read from {url}  ");
    }
    let _ = writeln!(out, "Checked at {} · text `{}`\n", check.checked_at, check.id);
    let _ = writeln!(out, "## The text\n");
    let mut speaker: Option<&str> = None;
    let mut paragraph: Vec<String> = Vec::new();
    let flush = |paragraph: &mut Vec<String>, out: &mut String| {
        if !paragraph.is_empty() {
            let _ = writeln!(out, "{}\n", paragraph.join(" "));
            paragraph.clear();
        }
    };
    for s in &check.sentences {
        if s.speaker.as_deref() != speaker {
            flush(&mut paragraph, &mut out);
            speaker = s.speaker.as_deref();
            if let Some(name) = speaker {
                paragraph.push(format!("**{name}:**"));
            }
        }
        paragraph.push(match answer(check, s) {
            Some(report) => format!(
                "**{}** [{} {}%]({})",
                s.text,
                report.verdict.headline(),
                percent(report.confidence),
                link(report)
            ),
            None => s.text.clone(),
        });
    }
    flush(&mut paragraph, &mut out);
    let _ = writeln!(out, "## Claims\n");
    let _ = writeln!(out, "| # | Sentence | Claim | Matched or new | Verdict | Confidence |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let cell = |t: &str| t.replace('|', "\\|");
    for s in &check.sentences {
        if let Some(report) = answer(check, s) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | [{}]({}) | {}% |",
                s.position + 1,
                cell(&s.text),
                if s.claim == s.text { "as said".to_string() } else { cell(&s.claim) },
                new_or_matched(&s.outcome),
                report.verdict.headline(),
                link(report),
                percent(report.confidence)
            );
        }
    }
    let skipped: Vec<&CheckedSentence> = check
        .sentences
        .iter()
        .filter(|s| answer(check, s).is_none() && !matches!(s.outcome, SentenceOutcome::NotCheckWorthy))
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n## Check-worthy, not checked\n");
        for s in skipped {
            let _ = writeln!(out, "- {}. {} — {}", s.position + 1, s.text, s.outcome.why_not().unwrap_or_default());
        }
    }
    let not_worthy = check.sentences.iter().filter(|s| matches!(s.outcome, SentenceOutcome::NotCheckWorthy)).count();
    let _ = writeln!(
        out,
        "\n{not_worthy} sentences were not check-worthy (opinion, questions, promises, greetings, procedure)."
    );
    out
}

/// The checked text as an HTML `<article>` for a page that supplies the rest; every value is escaped.
pub fn text_article(check: &TextCheck, link: &dyn Fn(&ReportSummary) -> String) -> Markup {
    // Sentences grouped into turns by speaker, so a transcript reads as one.
    let mut turns: Vec<(Option<&str>, Vec<&CheckedSentence>)> = Vec::new();
    for s in &check.sentences {
        match turns.last_mut() {
            Some((speaker, list)) if *speaker == s.speaker.as_deref() => list.push(s),
            _ => turns.push((s.speaker.as_deref(), vec![s])),
        }
    }
    let skipped: Vec<&CheckedSentence> = check
        .sentences
        .iter()
        .filter(|s| answer(check, s).is_none() && !matches!(s.outcome, SentenceOutcome::NotCheckWorthy))
        .collect();
    html! {
        article.text-check {
            p.counts { (text_counts(check)) }
            @if let Some(url) = &check.source_url { p.source { "Read from " a href=(url) rel="nofollow noopener" { (url) } } }
            section.text aria-label="The text" {
                h2 { "The text" }
                @for (speaker, sentences) in &turns {
                    p {
                        @if let Some(name) = speaker { strong.speaker { (name) ": " } }
                        @for s in sentences {
                            @match answer(check, s) {
                                Some(report) => {
                                    mark class={ "checked verdict-" (report.verdict.as_str()) } id={ "s" (s.position + 1) } {
                                        (s.text) " "
                                        a.text-verdict href=(link(report)) { (report.verdict.headline()) " " (percent(report.confidence)) "%" }
                                    }
                                    " "
                                }
                                None => {
                                    span id={ "s" (s.position + 1) } title=[s.outcome.why_not()] { (s.text) } " "
                                }
                            }
                        }
                    }
                }
            }
            section.claims aria-label="Claims" {
                h2 { "Claims" }
                div.table-scroll {
                    table {
                        thead { tr { th { "#" } th { "Sentence" } th { "Claim" } th { "Matched or new" } th { "Verdict" } th { "Confidence" } } }
                        tbody {
                            @for s in &check.sentences {
                                @if let Some(report) = answer(check, s) {
                                    tr {
                                        td { a href={ "#s" (s.position + 1) } { (s.position + 1) } }
                                        td { (s.text) }
                                        td { @if s.claim == s.text { "as said" } @else { (s.claim) } }
                                        td { (new_or_matched(&s.outcome)) }
                                        td { a href=(link(report)) { (report.verdict.headline()) } }
                                        td { (percent(report.confidence)) "%" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !skipped.is_empty() {
                section.not-checked aria-label="Not checked" {
                    h2 { "Check-worthy, not checked" }
                    ul {
                        @for s in &skipped {
                            li { a href={ "#s" (s.position + 1) } { (s.position + 1) } ". " (s.text) " — " (s.outcome.why_not().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verity_model::VerdictLabel;

    fn check(sentences: Vec<(&str, SentenceOutcome)>) -> TextCheck {
        let mut text = String::new();
        let sentences = sentences
            .into_iter()
            .enumerate()
            .map(|(position, (said, outcome))| {
                let start = text.len();
                text.push_str(said);
                text.push(' ');
                CheckedSentence {
                    position,
                    start,
                    end: start + said.len(),
                    speaker: Some("SMITH".into()),
                    text: said.into(),
                    score: 0.9,
                    claim: said.into(),
                    resolved: Vec::new(),
                    outcome,
                }
            })
            .collect();
        TextCheck {
            schema: verity_model::text_check::TEXT_SCHEMA.into(),
            id: "text-1".into(),
            version: 1,
            checked_at: "2026-12-07T10:00:00.000000Z".into(),
            source_url: None,
            text,
            sentences,
            candidates: 2,
            matched: 1,
            checked: 0,
            over_limit: 0,
            limit: 20,
        }
    }

    fn report() -> ReportSummary {
        ReportSummary {
            id: "r1".into(),
            slug: "council-banned-cars".into(),
            category: "politics".into(),
            version: 1,
            question: "Did the council ban cars?".into(),
            verdict: VerdictLabel::Refuted,
            confidence: 0.8,
            checked_on: "2026-11-26".into(),
        }
    }

    #[test]
    fn a_matched_sentence_shows_its_verdict_date_and_link_and_a_repeat_shows_the_same() {
        let checked = check(vec![
            ("The council banned cars.", SentenceOutcome::Matched { report: report() }),
            ("Thank you.", SentenceOutcome::NotCheckWorthy),
            ("The council banned cars!", SentenceOutcome::SameAs { position: 0 }),
            ("He did it.", SentenceOutcome::NeedsContext { word: "He".into() }),
        ]);
        let link = |r: &ReportSummary| format!("/checks/{}/{}", r.category, r.slug);
        let md = text_markdown(&checked, &link);
        assert!(
            md.contains("**The council banned cars.** [Refuted 80%](/checks/politics/council-banned-cars)"),
            "{md}"
        );
        assert!(md.contains("| checked before, on 2026-11-26 |") && md.contains("| repeats sentence 1 |"), "{md}");
        assert!(md.contains("- 4. He did it. — needs context"), "{md}");
        let page = text_article(&checked, &link).into_string();
        assert_eq!(page.matches("<mark class=\"checked verdict-refuted\"").count(), 2, "{page}");
    }

    #[test]
    fn hostile_text_is_escaped() {
        let checked = check(vec![("<script>alert(1)</script> rose 5%.", SentenceOutcome::NotCheckWorthy)]);
        let page = text_article(&checked, &|_| String::new()).into_string();
        assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"), "{page}");
    }
}
