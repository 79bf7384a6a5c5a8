//! What commands print: reports in each format, evidence tables, evaluation summaries, progress bars.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::args::Format;

pub(crate) fn print_scifact(r: &verity_lab::eval::VerdictEval) {
    println!(
        "{}: {} claims ({} refused by the claim reader)\n\
         abstract-level label-only          P {:.3}  R {:.3}  F1 {:.3}\n\
         abstract-level rationale-selected  P {:.3}  R {:.3}  F1 {:.3}\n\
         verdict accuracy (3-way)           {:.3}   calibration error {:.3}\n\
         confusion (rows gold, cols predicted: support, contradict, none): {:?}\n\
         citations                          {} cited sentences, {} dropped by the gate; {} quotes re-read, {} not found\n\
         time per check                     mean {:.1} ms, p50 {:.1} ms, p99 {:.1} ms",
        r.dataset,
        r.claims,
        r.uncheckable,
        r.abstract_label_only.precision,
        r.abstract_label_only.recall,
        r.abstract_label_only.f1,
        r.abstract_rationale_selected.precision,
        r.abstract_rationale_selected.recall,
        r.abstract_rationale_selected.f1,
        r.verdict_accuracy,
        r.calibration_error,
        r.confusion,
        r.cited_sentences,
        r.dropped_sentences,
        r.quotes_checked,
        r.quotes_not_found,
        r.check_latency.mean_ms,
        r.check_latency.p50_ms,
        r.check_latency.p99_ms
    );
}

pub(crate) fn print_report(report: &verity_model::Report, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
        Format::Markdown => print!("{}", verity_render::markdown(report)),
        Format::Html => print!("{}", verity_render::html(report)),
    }
    Ok(())
}

pub(crate) fn explain_evidence(a: &verity_pipeline::Assessment) {
    eprintln!(
        "claim: {}\nverdict: {:?} ({}), {} independent sources",
        a.claim.text, a.outcome.verdict.label, a.outcome.reason, a.outcome.independent_sources
    );
    eprintln!("{:>5}  {:<8} {:<14} {:<6} {:<28} sentence", "rel", "stance", "p(s/r/n)", "hedged", "document");
    for e in &a.evidence {
        let text: String = e.text.chars().take(90).collect();
        let read = match &e.reading {
            Some(r) => format!("{:.2}/{:.2}/{:.2}", r.supports(), r.refutes(), r.neutral()),
            None => "-".to_string(),
        };
        eprintln!(
            "{:>5.2}  {:<8} {:<14} {:<6} {:<28} {}",
            e.relevance,
            format!("{:?}", e.stance.label).to_lowercase(),
            read,
            e.stance.hedged,
            e.source.doc_id.chars().take(28).collect::<String>(),
            text.replace('\n', " ")
        );
        if let Some(reason) = e.reading.as_ref().and_then(|r| r.reason.as_deref()) {
            eprintln!("{:>38} {reason}", "reason:");
        }
    }
    if let Some(reply) = &a.writer_reply {
        eprintln!("the language model's reply, before the citation check:\n{reply}");
    }
}

pub(crate) fn count_style(what: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!("{{spinner}} [{{bar:30}}] {{pos}}/{{len}} {what} {{msg}} ({{eta}} left)"))
        .expect("static template")
        .progress_chars("=> ")
}

pub(crate) fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar
}

/// Where the data is, for messages: the data directory, and the database when the store is there.
pub(crate) fn where_data_is(base: &verity_engine::Config) -> String {
    match &base.database {
        Some(url) => format!("the database {} (index in {})", redact(url), base.data_dir.display()),
        None => format!("the data directory {}", base.data_dir.display()),
    }
}

/// A database URL without its password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
