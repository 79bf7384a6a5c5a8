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
    let mut embedding = false;
    let summary = engine.ingest(&paths, &mut |p| match p {
        Progress::Reading { bytes_done, bytes_total, documents } => {
            bar.set_length(bytes_total);
            bar.set_position(bytes_done);
            bar.set_message(format!("{documents} documents"));
        }
        Progress::Embedding { done, total } => {
            if !embedding {
                embedding = true;
                bar.set_style(count_style("passages embedded"));
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    })?;
    bar.finish_and_clear();
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
    let done = engine.embed(&mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!("embedded {done} passages in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
