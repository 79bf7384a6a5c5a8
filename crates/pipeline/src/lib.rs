//! The fact-checking pipeline: question -> claim -> retrieval -> evidence -> stance -> verdict -> report ->
//! citation check.
//!
//! Main items: [`check`] runs the whole loop; [`Corpus`] is the one trait through which it reaches stored
//! sources (search, term weights, stored text); [`CheckContext`] carries what the outside world decides (today's
//! date, the report id). Each stage is its own module with its own tests: [`claim`], [`evidence`], [`stance`],
//! [`verdict`], [`report`], [`cite`]. [`memory::MemoryCorpus`] is an in-memory corpus for tests.
//!
//! The pipeline does no I/O of its own, holds no clock and no randomness, and never fails because a source
//! failed: a search error becomes a [`verity_model::Diagnostic`] in the report. The only refusal is an
//! [`Uncheckable`] question.

pub mod cite;
pub mod claim;
pub mod evidence;
pub mod memory;
pub mod report;
pub mod stance;
pub mod verdict;

use verity_model::{Coverage, Diagnostic, PassageHit, Report};

pub use claim::Uncheckable;

/// How many passages one check reads. Enough for a local corpus; web search (a later stage) brings its own.
pub const PASSAGES_PER_CHECK: usize = 40;

/// The stored sources, as the pipeline sees them.
pub trait Corpus {
    /// The best passages for a query, best first.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<PassageHit>, String>;
    /// Inverse document frequency of each word of `text` that the index knows, keyed by the stem the pipeline
    /// uses (`verity_text::stem`). Words it does not know are left out and weigh 1.
    fn term_weights(&self, text: &str) -> Vec<(String, f32)>;
    /// The full stored text of a document version: what a citation is checked against.
    fn snapshot(&self, version_id: i64) -> Option<String>;
}

/// What the caller decides for the pipeline.
#[derive(Debug, Clone)]
pub struct CheckContext {
    /// ISO date of the check, YYYY-MM-DD.
    pub today: String,
    /// A unique id for the report (the caller's choice: random, or derived for reproducible runs).
    pub report_id: String,
}

impl CheckContext {
    fn year(&self) -> i32 {
        self.today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026)
    }
}

/// Runs a check. Returns a report whenever the question is checkable, however little was found.
pub fn check(question: &str, ctx: &CheckContext, corpus: &dyn Corpus) -> Result<Report, Uncheckable> {
    check_detailed(question, ctx, corpus).map(|(report, _)| report)
}

/// What the pipeline found before writing: for evaluation and debugging.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub claim: verity_model::Claim,
    /// Verified evidence, best first, with stances.
    pub evidence: Vec<evidence::Evidence>,
    pub outcome: verdict::Outcome,
}

/// Runs a check and also returns the assessment the report was written from.
pub fn check_detailed(
    question: &str,
    ctx: &CheckContext,
    corpus: &dyn Corpus,
) -> Result<(Report, Assessment), Uncheckable> {
    let claim = claim::extract(question, ctx.year())?;
    let mut diagnostics = Vec::new();
    let queries = vec![claim.text.clone()];
    let mut hits: Vec<PassageHit> = Vec::new();
    for q in &queries {
        match corpus.search(q, PASSAGES_PER_CHECK) {
            Ok(found) => {
                for hit in found {
                    if !hits.iter().any(|h| h.passage.passage_id == hit.passage.passage_id) {
                        hits.push(hit);
                    }
                }
            }
            Err(message) => diagnostics.push(Diagnostic { stage: "retrieval".into(), message }),
        }
    }
    let weights = evidence::TermWeights::new(corpus.term_weights(&claim.text));
    let mut ranked = evidence::rank(&claim, &hits, &weights);
    for e in &mut ranked {
        e.stance = stance::classify(&claim, &e.text, e.relevance);
    }
    let (evidence, failed) = cite::verify_evidence(ranked, corpus);
    diagnostics.extend(failed);
    let outcome = verdict::decide(&claim, &evidence);
    let coverage = coverage(queries, &hits, &evidence);
    let draft = report::compose(report::Draft {
        question,
        claim: &claim,
        ctx,
        evidence: &evidence,
        outcome: &outcome,
        coverage,
        diagnostics,
    });
    let report = cite::gate(draft, corpus);
    Ok((report, Assessment { claim, evidence, outcome }))
}

fn coverage(queries: Vec<String>, hits: &[PassageHit], evidence: &[evidence::Evidence]) -> Coverage {
    let mut docs: Vec<&str> = hits.iter().map(|h| h.source.doc_id.as_str()).collect();
    docs.sort_unstable();
    docs.dedup();
    let mut dates: Vec<&str> = hits.iter().filter_map(|h| h.source.published.as_deref()).collect();
    dates.sort_unstable();
    Coverage {
        queries,
        passages_considered: hits.len(),
        documents_considered: docs.len(),
        evidence_sentences: evidence.iter().filter(|e| e.relevance >= evidence::RELEVANT).count(),
        date_range: match (dates.first(), dates.last()) {
            (Some(a), Some(b)) => Some((a.to_string(), b.to_string())),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use verity_model::{StanceLabel, VerdictLabel};

    use super::*;
    use crate::memory::MemoryCorpus;

    fn ctx() -> CheckContext {
        CheckContext { today: "2026-11-26".into(), report_id: "0123456789ab".into() }
    }

    fn check(corpus: &MemoryCorpus, question: &str, expected: VerdictLabel) -> Report {
        let report = super::check(question, &ctx(), corpus).unwrap();
        assert_eq!(report.verdict.label, expected, "{:#?}", report.summary);
        report
    }

    #[test]
    fn supporting_and_refuting_sources_make_a_conflict_with_one_quote_each() {
        let corpus = MemoryCorpus::new()
            .with("a", "The Ledger", "The council banned cars downtown on Monday, officials said.")
            .with("b", "The Courier", "The council did not ban cars downtown, the mayor said.");
        let report = check(&corpus, "Did the council ban cars downtown?", VerdictLabel::Conflicting);
        let stances: Vec<StanceLabel> = report.sources.iter().map(|s| s.stance).collect();
        assert!(stances.contains(&StanceLabel::Supports) && stances.contains(&StanceLabel::Refutes), "{stances:?}");
        assert_eq!(report.slug, "council-ban-cars-downtown-01234567");
    }

    #[test]
    fn a_sentence_whose_snapshot_changed_is_never_published() {
        let corpus = MemoryCorpus::new()
            .with("a", "The Ledger", "The council banned cars downtown on Monday, officials said.")
            .tamper("a", "This page was rewritten after the check.");
        let report = check(&corpus, "Did the council ban cars downtown?", VerdictLabel::NotEnoughEvidence);
        assert!(report.sources.is_empty());
        assert!(report.sentences().all(|s| s.citations.is_empty()));
        assert!(report.diagnostics.iter().any(|d| d.stage == "citation check"), "{:?}", report.diagnostics);
    }

    #[test]
    fn the_gate_drops_unverifiable_sentences_and_renumbers_sources() {
        let corpus = MemoryCorpus::new()
            .with("a", "The Ledger", "The council banned cars downtown on Monday, officials said.")
            .with("b", "The Courier", "Officials said the council banned cars downtown after a vote.");
        let mut report = check(&corpus, "Did the council ban cars downtown?", VerdictLabel::Supported);
        assert_eq!(report.sources.len(), 2);
        // Corrupt every sentence citing source 1: the gate must drop them and make the old [2] the new [1].
        for s in report.summary.iter_mut().chain(report.sections.iter_mut().flat_map(|s| s.sentences.iter_mut())) {
            if s.citations == [1] {
                s.verification =
                    Some(verity_model::Verification::Verbatim { quotes: vec!["words no source has".into()] });
            }
        }
        let second = report.sources[1].doc_id.clone();
        let gated = cite::gate(report, &corpus);
        assert!(gated.citation_check.dropped > 0);
        assert_eq!(gated.sources.len(), 1);
        assert_eq!((gated.sources[0].n, gated.sources[0].doc_id.as_str()), (1, second.as_str()));
        assert!(gated.sentences().all(|s| s.citations.iter().all(|n| *n == 1)));
    }

    #[test]
    fn a_failing_search_becomes_a_diagnostic_not_an_error() {
        let corpus = MemoryCorpus::new().failing("index unavailable");
        let report = check(&corpus, "Did the council ban cars downtown?", VerdictLabel::NotEnoughEvidence);
        assert_eq!(report.diagnostics[0].message, "index unavailable");
        assert_eq!(report.sections.len(), 7);
    }
}
