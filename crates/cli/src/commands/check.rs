//! `verity check`: one question, one stored report, printed.

use std::process::ExitCode;

use verity_engine::{Config, Engine};

use crate::args::*;
use crate::output::*;

pub(crate) fn check(base: &Config, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let CheckArgs { question, text, limit, explain, json, format, checking } = args;
    let engine = Engine::open(checking.config(base)?)?;
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    if engine.document_count()? == 0 {
        eprintln!("note: {} holds no documents yet; run `verity ingest PATH` first", where_data_is(base));
    }
    let format = if json { Format::Json } else { format };
    let Some(question) = question else {
        let source = text.expect("clap requires a question or --text");
        return check_text(&engine, &source, limit, format);
    };
    let (report, assessment) = engine.check(verity_engine::CheckRequest::question(&question))?;
    if report.coverage.web.as_ref().is_some_and(|web| web.unavailable) {
        eprintln!("note: web search is unavailable; only the local archive was checked");
    }
    if explain {
        explain_evidence(&assessment);
    }
    print_report(&report, format)?;
    Ok(ExitCode::SUCCESS)
}

/// `verity check --text`: reads the text (a file, standard input or a URL), checks it and prints the result.
fn check_text(engine: &Engine, source: &str, limit: usize, format: Format) -> anyhow::Result<ExitCode> {
    use verity_engine::texts::{TEXT_LIMIT, TextOptions, text_from_bytes};
    let is_url = source.starts_with("http://") || source.starts_with("https://");
    let text = if is_url {
        engine.text_from_url(source)?
    } else {
        // One byte past the limit is enough to tell the text is too long, without reading all of it.
        let mut bytes = Vec::new();
        let reader: Box<dyn std::io::Read> = if source == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(source).map_err(|e| anyhow::anyhow!("cannot read {source}: {e}"))?)
        };
        std::io::Read::read_to_end(&mut std::io::Read::take(reader, TEXT_LIMIT as u64 + 1), &mut bytes)
            .map_err(|e| anyhow::anyhow!("cannot read {source}: {e}"))?;
        text_from_bytes(&bytes)?
    };
    let mut progress = |stage: verity_model::Stage| eprintln!("{}", stage.describe());
    let id = verity_engine::new_job_id();
    let url = is_url.then(|| source.to_string());
    let options = TextOptions { limit, ..TextOptions::default() };
    let check = engine.check_text(&id, &text, url, &options, &mut progress)?;
    let link = |r: &verity_model::ReportSummary| format!("verity show {}", r.slug);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&check)?),
        Format::Markdown => print!("{}", verity_render::text_markdown(&check, &link)),
        Format::Html => print!("{}", verity_render::text_html(&check, &link)),
    }
    Ok(ExitCode::SUCCESS)
}
