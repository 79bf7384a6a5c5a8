//! `verity check`: one question, one stored report, printed.

use std::path::Path;
use std::process::ExitCode;

use verity_engine::{Config, Engine, JudgeConfig};

use crate::args::*;
use crate::output::*;

pub(crate) fn check(data_dir: &Path, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let CheckArgs { question, explain, json, format, judge, writer, web, deadline } = args;
    let judge = judge.config(&writer.llm, JudgeConfig::default())?;
    let writer = writer.config()?;
    let web = web.config()?;
    let check_deadline = deadline.limit();
    let engine = Engine::open(Config { judge, writer, web, check_deadline, ..Config::new(data_dir) })?;
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
