//! `verity show`, `verity list` and `verity status`: what the data directory holds, read without writing.

use std::process::ExitCode;

use verity_engine::{EngineError, Reports};

use crate::args::*;
use crate::output::*;

pub(crate) fn show(base: &verity_engine::Config, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let ShowArgs { id, json, format } = args;
    let reports = Reports::open_read_only(base)?;
    let report = match &reports {
        Some(reports) => reports.view().show(&id)?,
        None => return Err(EngineError::NoSuchReport(id).into()),
    };
    print_report(&report, if json { Format::Json } else { format })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn list(base: &verity_engine::Config, args: ListArgs) -> anyhow::Result<ExitCode> {
    let ListArgs { limit, json } = args;
    let reports = match Reports::open_read_only(base)? {
        Some(reports) => reports.view().list(limit)?,
        None => Vec::new(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else if reports.is_empty() {
        println!("no reports yet: run `verity check \"QUESTION\"`");
    } else {
        for r in reports {
            println!(
                "{}  {}  {:<20} {:>4.0}%  {}",
                r.id,
                r.checked_on,
                r.verdict.as_str(),
                r.confidence * 100.0,
                r.question
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn status(base: &verity_engine::Config, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let StatusArgs { json } = args;
    let status = super::open(base)?.status()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        println!(
            "{} documents ({} versions, {} passages), {} reports",
            status.documents, status.versions, status.passages, status.reports
        );
        println!(
            "search index: {} documents, {} passages{}",
            status.indexed_documents,
            status.indexed_passages,
            match status.pending_index {
                0 => String::new(),
                n => format!("; {n} documents still being indexed by another process"),
            }
        );
        match (status.embedded_passages, status.vector_index) {
            (Some(n), Some(index)) => println!(
                "semantic search: {n} passages embedded; vector index: {} in the saved graph, {} beside it",
                index.graph, index.beside
            ),
            (Some(n), None) => println!("semantic search: {n} passages embedded"),
            _ => println!("semantic search: off (`verity models install` turns it on)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
