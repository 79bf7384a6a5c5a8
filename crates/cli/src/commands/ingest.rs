//! `verity ingest` and `verity embed`: documents into the data directory, and their vectors.

use std::process::ExitCode;

use verity_engine::Progress;

use crate::args::*;
use crate::output::*;

pub(crate) fn ingest(base: &verity_engine::Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let IngestArgs { paths } = args;
    let mut engine = super::open(base)?;
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    let bar = progress_bar();
    let mut embedding = None;
    let summary = engine.ingest(&paths, &mut |p| match p {
        Progress::Reading { bytes_done, bytes_total, documents } => {
            bar.set_length(bytes_total);
            bar.set_position(bytes_done);
            bar.set_message(format!("{documents} documents"));
        }
        Progress::Embedding(status) => {
            let started = *embedding.get_or_insert_with(|| {
                bar.set_style(count_style("passages embedded"));
                std::time::Instant::now()
            });
            show_embedding(&bar, status, started);
        }
    })?;
    bar.finish_and_clear();
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    for line in verity_engine::skip_report(&summary.skipped) {
        eprintln!("{line}");
    }
    println!(
        "ingested {} documents from {} files in {:.2} s: {} new, {} new versions, {} unchanged; {} passages{}; {} skipped",
        summary.documents(),
        summary.files,
        summary.seconds,
        summary.added,
        summary.new_versions,
        summary.unchanged,
        summary.passages,
        if summary.embedded > 0 {
            format!(" ({} embedded in {:.1} s)", summary.embedded, summary.embed_seconds)
        } else {
            String::new()
        },
        summary.skipped.len()
    );
    Ok(if summary.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

pub(crate) fn embed(base: &verity_engine::Config) -> anyhow::Result<ExitCode> {
    let engine = super::open(base)?;
    if !engine.semantic_search() {
        for notice in engine.notices() {
            eprintln!("note: {notice}");
        }
        anyhow::bail!("no embedding model is installed; run `verity models install` first");
    }
    let bar = progress_bar();
    bar.set_style(count_style("passages embedded"));
    let started = std::time::Instant::now();
    let done = engine.embed(&mut |status| show_embedding(&bar, status, started))?;
    bar.finish_and_clear();
    println!("embedded {done} passages in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Passages done out of how many, the encoder's speed in tokens per second and, from the bar, the time left.
fn show_embedding(bar: &indicatif::ProgressBar, status: verity_engine::EmbedProgress, started: std::time::Instant) {
    bar.set_length(status.passages_total as u64);
    bar.set_position(status.passages_done as u64);
    let seconds = started.elapsed().as_secs_f64().max(1e-3);
    bar.set_message(format!("{:.0} tokens/s", status.tokens_done as f64 / seconds));
}
