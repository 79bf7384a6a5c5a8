//! `verity check`: one question, one stored report, printed.

use std::process::ExitCode;

use verity_engine::{Config, Engine};

use crate::args::*;
use crate::output::*;

pub(crate) fn check(base: &Config, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let CheckArgs { question, explain, json, format, checking } = args;
    let engine = Engine::open(checking.config(base)?)?;
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    if engine.document_count()? == 0 {
        eprintln!("note: {} holds no documents yet; run `verity ingest PATH` first", where_data_is(base));
    }
    let (report, assessment) = engine.check(verity_engine::CheckRequest::question(&question))?;
    if report.coverage.web.as_ref().is_some_and(|web| web.unavailable) {
        eprintln!("note: web search is unavailable; only the local archive was checked");
    }
    if explain {
        explain_evidence(&assessment);
    }
    print_report(&report, if json { Format::Json } else { format })?;
    Ok(ExitCode::SUCCESS)
}
