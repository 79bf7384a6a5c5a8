//! `verity check`: one question, one stored report, printed.

use std::path::Path;
use std::process::ExitCode;

use verity_engine::Engine;

use crate::args::*;
use crate::output::*;

pub(crate) fn check(data_dir: &Path, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let CheckArgs { question, explain, json, format, checking } = args;
    let engine = Engine::open(checking.config(data_dir)?)?;
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    if engine.store().counts()?.documents == 0 {
        eprintln!(
            "note: the data directory {} holds no documents yet; run `verity ingest PATH` first",
            data_dir.display()
        );
    }
    let (report, assessment) = engine.check_explained(&question)?;
    if report.coverage.web.as_ref().is_some_and(|web| web.unavailable) {
        eprintln!("note: web search is unavailable; only the local archive was checked");
    }
    if explain {
        explain_evidence(&assessment);
    }
    print_report(&report, if json { Format::Json } else { format })?;
    Ok(ExitCode::SUCCESS)
}
