//! What both back ends share: the column lists their queries read in the same order, and what is made of a row's
//! values once read. The row readers themselves stay in each back end (their row types differ).

use verity_model::{Report, VerdictLabel};

use crate::{PutOutcome, Result, StoreError};

/// The columns each back end's `source_meta` reads, first in a query over `versions v JOIN documents d`.
pub(crate) const SOURCE_COLUMNS: &str =
    "v.id, v.version, v.title, v.url, v.outlet, v.published, v.author, d.external_id, v.fetched_at";
/// How many columns [`SOURCE_COLUMNS`] has: the index of the first column a query adds after them.
pub(crate) const AFTER_SOURCE: usize = 9;

/// The columns each back end's `summary` reads, over `reports r`.
pub(crate) const SUMMARY_COLUMNS: &str =
    "r.id, r.slug, r.category, r.version, r.question, r.verdict, r.confidence, r.checked_on";

/// The columns each back end's `job` reads, over `jobs`.
pub(crate) const JOB_COLUMNS: &str = "id, kind, input, question, status, worker, attempt, cancel_requested, report_id, error_code, error_message, \
     created_at";

/// A stored verdict label; an unknown one (written by another Verity) reads as "not enough evidence".
pub(crate) fn label(s: String) -> VerdictLabel {
    VerdictLabel::parse(&s).unwrap_or(VerdictLabel::NotEnoughEvidence)
}

/// A stored report body.
pub(crate) fn parse_report(id: String, body: String) -> Result<Report> {
    serde_json::from_str(&body).map_err(|source| StoreError::CorruptReport { id, source })
}

/// What storing a document's new version (number `version`) came to.
pub(crate) fn stored(version: i64, version_id: i64, passages: usize) -> PutOutcome {
    if version == 1 {
        PutOutcome::Added { version_id, passages }
    } else {
        PutOutcome::NewVersion { version_id, version: version as u32, passages }
    }
}
