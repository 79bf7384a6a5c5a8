//! Copying a whole store into another (`verity migrate`): an embedded data directory into PostgreSQL when a site
//! outgrows one machine, or PostgreSQL back into a data directory as a backup.
//!
//! Everything is copied: documents with every version and its snapshot facts (ids kept, since reports cite
//! versions by id and vectors belong to passage ids), passages, vectors, reports with every version and their
//! topics, supporters, settings and feeds. Every step is idempotent, so a copy that stopped is run again and
//! resumes (documents from the last version both stores hold); nothing in the source is changed. Search indexes
//! are not copied: each process builds its own from the store.

use verity_store::{FeedPoll, ReportFilter, Store};

use crate::Result;

/// Document versions copied per transaction.
const VERSION_BATCH: usize = 200;
/// Vectors copied per transaction.
const VECTOR_BATCH: usize = 2_000;

/// What a copy is doing, for a progress bar: `done` of `total` in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrateProgress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MigrateSummary {
    /// Document versions new in the target (a resumed copy counts only what it added).
    pub versions: usize,
    pub vectors: usize,
    pub reports: usize,
    pub report_versions: usize,
    pub supporters: usize,
    pub settings: usize,
    pub feeds: usize,
}

/// Copies everything in `from` into `to`, telling `progress` as it goes.
pub fn copy(from: &Store, to: &Store, progress: &mut dyn FnMut(MigrateProgress)) -> Result<MigrateSummary> {
    let mut summary = MigrateSummary::default();
    let total = from.counts()?.versions;

    // Documents: resume after the last version both hold, when they agree on it; else from the start (what the
    // target already holds is skipped, and a different document under a copied id is refused).
    let mut after = resume_point(from, to)?;
    let mut done = if after > 0 { to.counts()?.versions.min(total) } else { 0 };
    progress(MigrateProgress { stage: "documents", done, total });
    loop {
        let records = from.version_records_after(after, VERSION_BATCH)?;
        let Some(last) = records.last().map(|r| r.id) else { break };
        summary.versions += to.import_versions(&records)?;
        done += records.len();
        after = last;
        progress(MigrateProgress { stage: "documents", done, total });
    }

    for model in from.vector_models()? {
        let vectors = from.vectors(&model)?;
        for (i, chunk) in vectors.chunks(VECTOR_BATCH).enumerate() {
            to.put_vectors(&model, chunk)?;
            summary.vectors += chunk.len();
            progress(MigrateProgress {
                stage: "vectors",
                done: (i * VECTOR_BATCH + chunk.len()).min(vectors.len()),
                total: vectors.len(),
            });
        }
    }

    let reports = from.reports_page(&ReportFilter::default(), 0, usize::MAX >> 1)?.items;
    for (i, report) in reports.iter().enumerate() {
        let topics: Vec<(String, String)> = from.topics_of(&report.id)?.into_iter().map(|t| (t.key, t.name)).collect();
        for version in from.report_versions(&report.id)? {
            // Every run, oldest first, so that the latest is the one listed.
            let Some(body) = from.report_version(&report.id, version.version)? else { continue };
            to.save_report(&body, &topics, &version.created_at)?;
            summary.report_versions += 1;
        }
        summary.reports += 1;
        progress(MigrateProgress { stage: "reports", done: i + 1, total: reports.len() });
    }

    for event in from.supporter_events()? {
        to.record_supporter(&event.event_id, &event.kind, event.amount, event.currency.as_deref(), &event.received_at)?;
        summary.supporters += 1;
    }
    for (key, value) in from.settings()? {
        to.put_setting(&key, &value)?;
        summary.settings += 1;
    }
    for feed in from.feeds()? {
        to.add_feed(&feed.url, &feed.added_at)?;
        if let Some(polled_at) = &feed.polled_at {
            let poll = FeedPoll {
                title: feed.title.as_deref(),
                validators: Some((feed.etag.as_deref(), feed.last_modified.as_deref())),
                error: feed.last_error.as_deref(),
            };
            to.feed_polled(&feed.url, &poll, polled_at)?;
        }
        for (item, seen_at) in from.feed_items(&feed.url)? {
            to.mark_items(&feed.url, &[item], &seen_at)?;
        }
        summary.feeds += 1;
    }
    Ok(summary)
}

/// The last document version both stores hold with the same content, when the target's latest is one: a copy
/// that stopped resumes after it.
fn resume_point(from: &Store, to: &Store) -> Result<i64> {
    let last = to.last_version_id()?;
    if last == 0 {
        return Ok(0);
    }
    let same = match (from.version(last)?, to.version(last)?) {
        (Some(a), Some(b)) => a.content_hash == b.content_hash && a.meta.doc_id == b.meta.doc_id,
        _ => false,
    };
    // Otherwise the target holds more than this source gave it: every version is offered again, and each one
    // the target holds under the same id must be the same (else `StoreError::Conflict`).
    Ok(if same { last } else { 0 })
}
