//! The About page: what Verity is, what each verdict means, and its measured accuracy.

use super::*;

/// The accuracy table published in docs/BENCHMARKS.md, between its markers.
pub(super) fn accuracy_table() -> Markup {
    let doc = include_str!("../../../../docs/BENCHMARKS.md");
    let table =
        doc.split("<!-- accuracy -->").nth(1).and_then(|rest| rest.split("<!-- /accuracy -->").next()).unwrap_or("");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    // Five columns do not fit a phone's width: the table scrolls inside its box, the page does not.
    html! {
        div.table-scroll {
            table {
                @for (i, row) in rows.iter().enumerate() {
                    tr {
                        @for cell in row {
                            @if i == 0 { th { (cell) } } @else { td { (cell) } }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn about(State(state): State<AppState>) -> Response {
    let body = html! {
        h1 { "How Verity checks a claim" }
        h2 { "Method" }
        ol {
            li {
                "The question is turned into one checkable claim; a compound claim (\u{201c}X did Y to get Z\u{201d}) \
                 is split into parts, each judged on its own evidence."
            }
            li {
                "The archive is searched (keyword and, when the model is installed, meaning), and the passages found \
                 are read sentence by sentence for evidence that supports or refutes each part. The reader is the \
                 site's judge: by default a small entailment model trained for Verity on public fact-checking data \
                 (it reads topic better than negation), or, where the site has installed it, a base-size one \
                 trained the same way that reads negation and opposites better, at six times the time a check (both \
                 measured below); the site may use word-overlap rules or a language model instead, and each report \
                 names its judge. When the site reads the web, it also \
                 asks Wikipedia and a news search with several queries, reads up to 15 pages through a fetcher that \
                 respects robots.txt and never reaches private addresses, and keeps a snapshot of each page it cites."
            }
            li {
                "Sources are traced to their origins: ten outlets repeating one original report count as one line of \
                 evidence, and the report says who relies on whom. A party's own statement counts for less than \
                 independent reporting."
            }
            li {
                "The verdict weighs independent lines of evidence. Thin coverage gives \u{201c}Not enough \
                 evidence\u{201d}, never a debunk."
            }
            li {
                "Every cited sentence is checked against the stored snapshot of the source it cites; a sentence the \
                 source does not back is rewritten as a quotation or dropped before publication."
            }
            li {
                "Reports are dated and kept: a fresh check adds a version, the page links every earlier version and \
                 what changed, and every verdict change is listed under "
                a href="/corrections" { "Corrections" } "."
            }
        }
        h2 { "What the verdicts mean" }
        dl {
            @for label in verity_model::VerdictLabel::ALL {
                dt { (label.headline()) }
                dd { (label_meaning(label)) }
            }
        }
        p {
            "The confidence is calibrated on the training splits of public benchmarks: among verdicts given with 70% \
             confidence, about 70% were right there."
        }
        h2 { "How accurate it is" }
        p {
            "Measured on public benchmarks and published with the code (docs/BENCHMARKS.md, with the command for \
             every figure):"
        }
        (accuracy_table())
        h2 { "Corrections policy" }
        p {
            "When new sources change a verdict, the report is checked again and the new version says so; the old \
             version stays readable and the change is listed on the "
            a href="/corrections" { "corrections page" }
            " with its date. If you find an error, ask Verity to check the claim again with the sources that show \
             it, or tell the operator of this site."
        }
        h2 { "Independence and funding" }
        p {
            "Verity is open-source software; each site that runs it is run by its operator. Supporters fund the \
             work; they never see a report before it is published and cannot change one."
        }
    };
    layout(&state, "How checks are made", html! {}, body).into_response()
}

pub(super) fn label_meaning(label: verity_model::VerdictLabel) -> &'static str {
    use verity_model::VerdictLabel::*;
    match label {
        Supported => "Independent sources back the claim and none credibly contradicts it.",
        Refuted => "Independent sources contradict the claim on its specific point.",
        PartlySupported => "Part of the claim holds and part does not, or it holds only with qualifications.",
        Conflicting => "Credible sources disagree, and the evidence does not settle it.",
        NotEnoughEvidence => "The sources read do not establish the claim either way. This is not a debunk.",
    }
}
