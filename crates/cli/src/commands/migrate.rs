//! `verity migrate`: the whole store from the data directory into PostgreSQL, or back.

use std::process::ExitCode;

use verity_engine::migrate::{self, MigrateProgress};

use crate::args::MigrateArgs;
use crate::output::{count_style, redact};

pub(crate) fn migrate(base: &verity_engine::Config, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    // The data directory's own store, whatever --database says: this command moves data between the two.
    let local = verity_engine::Config { database: None, ..base.clone() };
    let database = |url: &str| verity_engine::Config { database: Some(url.to_string()), ..base.clone() }.open_store();
    let (from, to, from_name, to_name) = match (args.to, args.from) {
        (Some(url), None) => (local.open_store()?, database(&url)?, local.data_dir.display().to_string(), redact(&url)),
        (None, Some(url)) => (database(&url)?, local.open_store()?, redact(&url), local.data_dir.display().to_string()),
        _ => anyhow::bail!(
            "give either --to URL (data directory to database) or --from URL (database to data directory)"
        ),
    };
    let started = std::time::Instant::now();
    let bar = crate::output::progress_bar();
    let mut stage = "";
    let summary = migrate::copy(&from, &to, &mut |p: MigrateProgress| {
        if p.stage != stage {
            stage = p.stage;
            bar.set_style(count_style(p.stage));
            bar.set_position(0);
        }
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    })?;
    bar.finish_and_clear();
    let (a, b) = (from.counts()?, to.counts()?);
    eprintln!(
        "copied {from_name} into {to_name} in {:.1} s: {} new document versions, {} vectors, {} reports ({} versions), \
         {} supporters, {} settings, {} feeds",
        started.elapsed().as_secs_f64(),
        summary.versions,
        summary.vectors,
        summary.reports,
        summary.report_versions,
        summary.supporters,
        summary.settings,
        summary.feeds
    );
    println!(
        "source: {} documents, {} versions, {} passages, {} reports; target: {} documents, {} versions, {} passages, {} reports",
        a.documents, a.versions, a.passages, a.reports, b.documents, b.versions, b.passages, b.reports
    );
    Ok(ExitCode::SUCCESS)
}
