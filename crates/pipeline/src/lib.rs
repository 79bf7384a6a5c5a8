//! The fact-checking pipeline: question -> claim -> retrieval -> evidence -> stance -> verdict -> report ->
//! citation check.
//!
//! Main items: [`check`] runs the whole loop; [`Corpus`] is the one trait through which it reaches stored
//! sources (search, term weights, stored text); [`CheckContext`] carries what the outside world decides (today's
//! date, the report id). Each stage is its own module with its own tests, and each uses only those before it
//! (`crates/cli/tests/tidy.rs` refuses an import cycle): [`claim`] ([`claim::read`] reads the question once into
//! a [`claim::Claim`], with its tokens, stems and parts, which every later stage takes), [`facet`] (each part of
//! a compound claim checked on its own evidence), [`plan`] (web search queries for a claim), [`evidence`], [`stance`]
//! (lexical), [`judge`] (the [`judge::Judge`] trait through which a model reads the most relevant sentences: the
//! caller's entailment model, or a language model), [`provenance`] (who relies on whom: attribution, links,
//! near-copies), [`verdict`], [`extractive`] (the report's prose from the evidence itself), [`model_writer`]
//! (prose by a language model, each sentence checked), [`cite`] (the citation gate), [`category`] (where the
//! site files the report), [`similar`] (one claim asked twice). [`prompt`] holds what the judge and the model
//! writer share: the [`LanguageModel`] trait and the fencing of source text. A [`CheckRequest`] says what one
//! check is to use; [`check`] runs it and reports each
//! [`verity_model::Stage`] as it finishes. [`memory::MemoryCorpus`] is an in-memory corpus for tests.
//!
//! The pipeline does no I/O of its own, holds no clock and no randomness, and never fails because a source
//! failed: a search error becomes a [`verity_model::Diagnostic`] in the report. The only refusal is an
//! [`Uncheckable`] question.
//!
//! ```
//! use verity_model::{Deadline, VerdictLabel};
//! use verity_pipeline::{CheckContext, CheckRequest, memory::MemoryCorpus};
//!
//! let corpus = MemoryCorpus::new()
//!     .with("a", "The Ledger", "The council banned cars downtown on Monday, officials said.")
//!     .with("b", "The Courier", "After a vote of 7 to 2, the council banned cars downtown.");
//! let ctx = CheckContext {
//!     today: "2026-12-07".into(),
//!     report_id: "example".into(),
//!     web: None,
//!     deadline: Deadline::none(),
//! };
//! let request = CheckRequest::new("Did the council ban cars downtown?", &ctx).unwrap();
//! let (report, _assessment) = verity_pipeline::check(request, &corpus);
//! assert_eq!(report.verdict.label, VerdictLabel::Supported);
//! assert!(!report.sources.is_empty());
//! ```

pub mod category;
pub mod cite;
pub mod claim;
pub mod evidence;
pub mod extractive;
pub mod facet;
pub mod judge;
pub mod memory;
pub mod model_writer;
pub mod plan;
pub mod prompt;
pub mod provenance;
pub mod question;
pub mod similar;
pub mod stance;
pub mod verdict;

use verity_model::{Coverage, Diagnostic, JudgeRecord, PassageHit, Report, StanceLabel};

pub use claim::{QUESTION_LIMIT, Uncheckable};
pub use prompt::LanguageModel;

/// How many passages one check reads. Enough for a local corpus; web search (a later stage) brings its own.
pub const PASSAGES_PER_CHECK: usize = 40;

/// The stored sources, as the pipeline sees them.
pub trait Corpus {
    /// The best passages for a query, best first.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<PassageHit>, verity_model::Failure>;
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
    /// What the caller searched and read on the web before this check (the pages are in the corpus by now);
    /// `None` when the check is local. The report says which.
    pub web: Option<verity_model::WebCoverage>,
    /// When the check must be done: a language model's judging and writing are skipped once it has passed (the
    /// report keeps the fallback judge's stances and the extractive prose, and says why).
    pub deadline: verity_model::Deadline,
}

impl CheckContext {
    /// The year of the check, which the claim reader fills in where a question names a day without one.
    pub fn year(&self) -> i32 {
        year_of(&self.today)
    }
}

/// The year of an ISO date (`YYYY-MM-DD`). Callers pass dates they have validated; anything else reads as the
/// year this build was made for rather than failing a check.
pub fn year_of(today: &str) -> i32 {
    today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026)
}

/// What the pipeline found before writing: for evaluation and debugging.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub claim: claim::Claim,
    /// Verified evidence, best first, with stances.
    pub evidence: Vec<evidence::Evidence>,
    /// The parts of a compound claim with their own evidence and verdicts (empty for a one-part claim).
    pub facets: Vec<facet::Assessed>,
    /// Who relies on whom among the documents the evidence comes from.
    pub provenance: provenance::Provenance,
    pub outcome: verdict::Outcome,
    /// A language model's reply as it came, before the citation check (for `--explain`).
    pub writer_reply: Option<String>,
}

/// One check as its caller wants it run: the claim (read once, [`claim::read`]), what the caller decides
/// ([`CheckContext`]), and, when given, a model judge that reads the most relevant sentences (the lexical rules
/// decide when there is none, or when it fails, which becomes a diagnostic), a language model that writes the
/// narrative sections ([`model_writer`]: the citation gate checks whatever it wrote, and a failing model leaves the
/// extractive text), and an observer told each [`verity_model::Stage`] as it finishes.
pub struct CheckRequest<'a> {
    pub claim: claim::Claim,
    pub ctx: &'a CheckContext,
    pub judge: Option<&'a dyn judge::Judge>,
    pub writer: Option<&'a dyn LanguageModel>,
    pub observe: Option<&'a mut dyn FnMut(verity_model::Stage)>,
}

impl<'a> CheckRequest<'a> {
    /// A check of `question`, read with the check's year; the lexical judge, the extractive writer.
    pub fn new(question: &str, ctx: &'a CheckContext) -> Result<CheckRequest<'a>, Uncheckable> {
        Ok(CheckRequest::of_claim(claim::read(question, ctx.year())?, ctx))
    }

    /// A check of a claim the caller has already read (a check that searches the web first reads the claim once,
    /// for its queries and for the check).
    pub fn of_claim(claim: claim::Claim, ctx: &'a CheckContext) -> CheckRequest<'a> {
        CheckRequest { claim, ctx, judge: None, writer: None, observe: None }
    }

    pub fn judge(self, judge: Option<&'a dyn judge::Judge>) -> CheckRequest<'a> {
        CheckRequest { judge, ..self }
    }

    pub fn writer(self, writer: Option<&'a dyn LanguageModel>) -> CheckRequest<'a> {
        CheckRequest { writer, ..self }
    }

    pub fn observe(self, observe: &'a mut dyn FnMut(verity_model::Stage)) -> CheckRequest<'a> {
        CheckRequest { observe: Some(observe), ..self }
    }
}

/// Runs a check: always a report, however little was found, and the assessment it was written from.
pub fn check(request: CheckRequest<'_>, corpus: &dyn Corpus) -> (Report, Assessment) {
    let CheckRequest { claim, ctx, judge, writer, observe } = request;
    let observe: &mut dyn FnMut(verity_model::Stage) = match observe {
        Some(observe) => observe,
        None => &mut |_| {},
    };
    use verity_model::Stage;
    let corpus = &ReadOnce::new(corpus);
    observe(Stage::Claim { claim: claim.text.clone(), parts: claim.facets.len().max(1) });
    let mut diagnostics = Vec::new();
    let (queries, hits) = retrieve(&claim, corpus, &mut diagnostics);
    let documents: std::collections::HashSet<&str> = hits.iter().map(|h| h.source.doc_id.as_str()).collect();
    observe(Stage::Searched { queries: queries.len(), passages: hits.len(), documents: documents.len() });
    let weights = evidence::TermWeights::new(corpus.term_weights(&claim.text));
    let mut ranked = evidence::rank(&claim, &hits, &weights);
    for e in &mut ranked {
        e.stance = stance::classify(&claim, &e.text, &e.tokens, e.relevance);
    }
    let (judged_by, model_judge) = match judge {
        Some(judge) => judge_the_evidence(&claim, &mut ranked, judge, &mut diagnostics),
        None => (JudgeRecord::lexical(), None),
    };
    let (evidence, failed) = cite::verify_evidence(ranked, corpus);
    diagnostics.extend(failed);
    let provenance = trace_provenance(&evidence, &hits, corpus);
    let sources: std::collections::HashSet<&str> = evidence.iter().map(|e| e.source.doc_id.as_str()).collect();
    observe(Stage::Weighed { evidence: evidence.len(), sources: sources.len(), independent: provenance.lines.len() });
    let facets: Vec<facet::Assessed> = (claim.facets.iter().cloned())
        .map(|f| assess_facet(f, &claim, &hits, corpus, &provenance, model_judge))
        .collect();
    let decided = match model_judge {
        Some(judge) => verdict::decide_judged(&claim, &evidence, &provenance, judge.verdict()),
        None => verdict::decide_traced(&claim, &evidence, &provenance),
    };
    let outcome = facet::combine(decided, &facets);
    // Readers see the calibrated confidence; the assessment keeps the raw one (what calibration is fitted on).
    let mut published = outcome.clone();
    // Without a model judge's readings the lexical rules decided (`judged_by` says so), under their own curves.
    let calibration = match model_judge {
        Some(judge) => &judge.verdict().calibration,
        None => verdict::Calibration::shipped(),
    };
    published.verdict.confidence = calibration.apply(outcome.verdict.label, outcome.verdict.confidence);
    let mut coverage = coverage(queries, &hits, &evidence);
    coverage.web = ctx.web.clone();
    let draft = extractive::compose(extractive::Draft {
        question: &claim.question,
        claim: &claim,
        ctx,
        evidence: &evidence,
        facets: &facets,
        provenance: &provenance,
        outcome: &published,
        coverage,
        diagnostics,
        judge: &judged_by,
    });
    let (draft, written) = match writer {
        Some(model) => {
            observe(Stage::Writing { writer: model.name() });
            model_writer::write(draft, model, &ctx.deadline)
        }
        None => (draft, model_writer::WriteStats::default()),
    };
    let report = cite::gate(draft, corpus);
    observe(Stage::Verified {
        cited_sentences: report.citation_check.cited_sentences,
        verified: report.citation_check.verified,
    });
    (report, Assessment { claim, evidence, facets, provenance, outcome, writer_reply: written.reply })
}

/// Searches the corpus for the whole claim first, then for each part of a compound claim (a source about one part
/// alone may not rank for the whole); returns the queries and the passages found, each once. A failed search is
/// a diagnostic.
fn retrieve(
    claim: &claim::Claim,
    corpus: &dyn Corpus,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<String>, Vec<PassageHit>) {
    let queries: Vec<String> =
        std::iter::once(claim.text.clone()).chain(claim.facets.iter().map(|f| f.statement.clone())).collect();
    let mut hits: Vec<PassageHit> = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let limit = if i == 0 { PASSAGES_PER_CHECK } else { PASSAGES_PER_CHECK / 2 };
        match corpus.search(q, limit) {
            Ok(found) => {
                for hit in found {
                    if !hits.iter().any(|h| h.passage.passage_id == hit.passage.passage_id) {
                        hits.push(hit);
                    }
                }
            }
            Err(failure) => diagnostics.push(Diagnostic { stage: "retrieval".into(), message: failure.to_string() }),
        }
    }
    (queries, hits)
}

/// Lets a model judge read the most relevant sentences of the whole claim. Returns the record of who judged and
/// the judge, or, when it failed, the lexical record and a diagnostic saying so (the stances stay lexical).
fn judge_the_evidence<'j>(
    claim: &claim::Claim,
    ranked: &mut Vec<evidence::Evidence>,
    judge: &'j dyn judge::Judge,
    diagnostics: &mut Vec<Diagnostic>,
) -> (JudgeRecord, Option<&'j dyn judge::Judge>) {
    match judge_evidence(claim, ranked, judge, JUDGED_SENTENCES) {
        Ok((sentences, notes)) => {
            let unclear = ranked.iter().filter(|e| e.reading.as_ref().is_some_and(|r| r.unclear)).count();
            diagnostics.extend(notes.into_iter().map(|message| Diagnostic { stage: "judge".into(), message }));
            (JudgeRecord { kind: judge.kind(), name: judge.name(), sentences, unclear }, Some(judge))
        }
        Err(message) => {
            diagnostics.push(Diagnostic {
                stage: "judge".into(),
                message: format!("{} could not read the evidence ({message}); stances are lexical", judge.name()),
            });
            (JudgeRecord::lexical(), None)
        }
    }
}

/// The verdict a check's assessment gives under other verdict settings: what `verity train verdict` searches over
/// without reading any sentence again. Needs an assessment whose evidence a model judge read.
pub fn redecide(assessment: &Assessment, settings: &verdict::Judged) -> verdict::Outcome {
    let facets: Vec<facet::Assessed> = assessment
        .facets
        .iter()
        .map(|f| {
            let part = f.facet.claim(&assessment.claim);
            let outcome = if f.evidence.iter().any(|e| e.reading.is_some()) {
                verdict::decide_judged(&part, &f.evidence, &assessment.provenance, settings)
            } else {
                f.outcome.clone()
            };
            facet::Assessed { facet: f.facet.clone(), evidence: f.evidence.clone(), outcome }
        })
        .collect();
    let whole = verdict::decide_judged(&assessment.claim, &assessment.evidence, &assessment.provenance, settings);
    facet::combine(whole, &facets)
}

/// The corpus with each stored snapshot read once per check: the evidence, each part of a compound claim, the
/// provenance trace and the gate all read the same versions.
struct ReadOnce<'a> {
    corpus: &'a dyn Corpus,
    snapshots: std::cell::RefCell<std::collections::HashMap<i64, Option<String>>>,
}

impl<'a> ReadOnce<'a> {
    fn new(corpus: &'a dyn Corpus) -> ReadOnce<'a> {
        ReadOnce { corpus, snapshots: Default::default() }
    }
}

impl Corpus for ReadOnce<'_> {
    fn search(&self, query: &str, limit: usize) -> Result<Vec<PassageHit>, verity_model::Failure> {
        self.corpus.search(query, limit)
    }

    fn term_weights(&self, text: &str) -> Vec<(String, f32)> {
        self.corpus.term_weights(text)
    }

    fn snapshot(&self, version_id: i64) -> Option<String> {
        self.snapshots.borrow_mut().entry(version_id).or_insert_with(|| self.corpus.snapshot(version_id)).clone()
    }
}

/// The provenance of every document read for the check, those the evidence comes from first (best evidence
/// first), then the other documents retrieved: a source credited by the evidence ("according to The Capital
/// Ledger") is then tied to that source's own document whenever the archive holds it and the search found it,
/// even where it took no side. Read from the stored texts.
fn trace_provenance(
    evidence: &[evidence::Evidence],
    hits: &[PassageHit],
    corpus: &dyn Corpus,
) -> provenance::Provenance {
    let mut seen = std::collections::HashSet::new();
    let documents: Vec<(&verity_model::SourceMeta, String)> = evidence
        .iter()
        .map(|e| &e.source)
        .chain(hits.iter().map(|h| &h.source))
        .filter(|source| seen.insert(source.version_id))
        .filter_map(|source| corpus.snapshot(source.version_id).map(|text| (source, text)))
        .collect();
    let texts: Vec<provenance::SourceText<'_>> =
        documents.iter().map(|(meta, text)| provenance::SourceText { meta, text }).collect();
    provenance::trace(&texts)
}

/// One part of a compound claim against the evidence already retrieved: its own ranking, stances and verdict.
/// Only sentences naming the part's most specific words take a side on it. (Sentences whose snapshot changed
/// were reported once, for the whole claim.)
fn assess_facet(
    facet: facet::Facet,
    whole: &claim::Claim,
    hits: &[PassageHit],
    corpus: &dyn Corpus,
    provenance: &provenance::Provenance,
    judge: Option<&dyn judge::Judge>,
) -> facet::Assessed {
    let part = facet.claim(whole);
    let weights = evidence::TermWeights::new(corpus.term_weights(&part.text));
    let mut ranked = evidence::rank(&part, hits, &weights);
    // A part is short, so its most specific words are exact: a sentence without them is about another part.
    ranked.retain(|e| e.missing_anchors.is_empty());
    for e in &mut ranked {
        e.stance = stance::classify(&part, &e.text, &e.tokens, e.relevance);
    }
    let judged = judge.filter(|judge| judge_evidence(&part, &mut ranked, *judge, FACET_JUDGED_SENTENCES).is_ok());
    let (evidence, _) = cite::verify_evidence(ranked, corpus);
    let outcome = match judged {
        Some(judge) => verdict::decide_judged(&part, &evidence, provenance, judge.verdict()),
        None => verdict::decide_traced(&part, &evidence, provenance),
    };
    facet::Assessed { facet, evidence, outcome }
}

/// How many of the most relevant sentences a model judge reads for a whole claim, and for each part of a
/// compound one. A sentence further down the ranking is not evidence once a model judges.
pub const JUDGED_SENTENCES: usize = 12;
const FACET_JUDGED_SENTENCES: usize = 6;

/// Lets `judge` read the `limit` most relevant sentences (fewer when the judge reads fewer per check); they keep
/// its reading and the stance it implies, and the rest are dropped. Returns how many it read and its notes.
fn judge_evidence(
    claim: &claim::Claim,
    ranked: &mut Vec<evidence::Evidence>,
    judge: &dyn judge::Judge,
    limit: usize,
) -> Result<(usize, Vec<String>), verity_model::Failure> {
    let mut judged: Vec<evidence::Evidence> =
        ranked.iter().take(limit.min(judge.sentences_per_check())).cloned().collect();
    if judged.is_empty() {
        ranked.clear();
        return Ok((0, Vec::new()));
    }
    let texts: Vec<&str> = judged.iter().map(|e| e.text.as_str()).collect();
    let readings = judge.read(claim, &texts)?;
    if readings.readings.len() != judged.len() {
        return Err(verity_model::Failure::Other(format!(
            "{} readings for {} sentences",
            readings.readings.len(),
            judged.len()
        )));
    }
    for (e, reading) in judged.iter_mut().zip(readings.readings) {
        let label = reading.label();
        let strength = match label {
            StanceLabel::Supports => reading.supports(),
            StanceLabel::Refutes => reading.refutes(),
            StanceLabel::Neutral => 0.0,
        };
        // Hedging ("promised", "may") is read from the words: support in hedged terms is partial support.
        let cues = (label == StanceLabel::Supports).then(|| stance::cues(claim, &e.text, &e.tokens));
        let (hedged, intent) = cues.map_or((false, false), |c| (c.hedged, c.intent));
        e.stance = stance::Stance { label, strength, hedged, intent };
        e.reading = Some(reading);
    }
    *ranked = judged;
    Ok((ranked.len(), readings.notes))
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
        evidence_sentences: evidence.iter().filter(|e| e.is_relevant()).count(),
        date_range: match (dates.first(), dates.last()) {
            (Some(a), Some(b)) => Some((a.to_string(), b.to_string())),
            _ => None,
        },
        web: None,
    }
}

#[cfg(test)]
mod tests {
    use verity_model::{JudgeKind, StanceLabel, VerdictLabel};

    use super::*;
    use crate::memory::MemoryCorpus;

    fn ctx() -> CheckContext {
        CheckContext {
            today: "2026-11-26".into(),
            report_id: "0123456789ab".into(),
            web: None,
            deadline: Default::default(),
        }
    }

    fn check(corpus: &MemoryCorpus, question: &str, expected: VerdictLabel) -> Report {
        let report = super::check(CheckRequest::new(question, &ctx()).unwrap(), corpus).0;
        assert_eq!(report.verdict.label, expected, "{:#?}", report.summary);
        report
    }

    /// Two outlets reporting, each in its own words, that the council banned cars downtown.
    fn two_reports_of_the_ban() -> MemoryCorpus {
        MemoryCorpus::new().with("a", "The Ledger", "The council banned cars downtown on Monday, officials said.").with(
            "b",
            "The Courier",
            "Officials said the council banned cars downtown after a vote.",
        )
    }

    /// A judge that reads every sentence the same way, or fails.
    struct Always(Result<[f32; 3], &'static str>);

    impl judge::Judge for Always {
        fn kind(&self) -> JudgeKind {
            JudgeKind::Nli
        }
        fn name(&self) -> String {
            "a test judge".into()
        }
        fn read(&self, _claim: &claim::Claim, sentences: &[&str]) -> Result<judge::Readings, verity_model::Failure> {
            let p = self.0.map_err(|message| verity_model::Failure::Other(message.into()))?;
            Ok(judge::Readings { readings: vec![judge::Reading::new(p); sentences.len()], notes: vec![] })
        }
    }

    #[test]
    fn each_stage_is_reported_once_in_order_and_the_last_matches_the_report() {
        let corpus = two_reports_of_the_ban();
        let mut stages = Vec::new();
        let ctx = ctx();
        let mut observe = |s| stages.push(s);
        let request = CheckRequest::new("Did the council ban cars downtown?", &ctx).unwrap().observe(&mut observe);
        let (report, _) = super::check(request, &corpus);
        let names: Vec<String> =
            stages.iter().map(|s| serde_json::to_value(s).unwrap()["stage"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, ["claim", "searched", "weighed", "verified"], "no writer, no writing stage");
        assert!(matches!(stages[1], verity_model::Stage::Searched { documents: 2, .. }), "{:?}", stages[1]);
        assert_eq!(
            stages[3],
            verity_model::Stage::Verified {
                cited_sentences: report.citation_check.cited_sentences,
                verified: report.citation_check.verified
            }
        );
        assert_eq!(report.category, "politics");
    }

    #[test]
    fn a_model_judge_decides_the_stances_and_a_failing_one_leaves_lexical_stance_with_a_diagnostic() {
        let corpus = two_reports_of_the_ban();
        let question = "Did the council ban cars downtown?";
        let judged =
            |judge: Always| super::check(CheckRequest::new(question, &ctx()).unwrap().judge(Some(&judge)), &corpus).0;
        // Lexically this is supported; a judge that finds every sentence beside the point leaves nothing decided.
        assert_eq!(check(&corpus, question, VerdictLabel::Supported).verdict.label, VerdictLabel::Supported);
        let neutral = judged(Always(Ok([0.05, 0.05, 0.9])));
        assert_eq!(neutral.verdict.label, VerdictLabel::NotEnoughEvidence);
        assert!(neutral.diagnostics.is_empty(), "{:?}", neutral.diagnostics);
        assert_eq!((neutral.judge.kind, neutral.judge.sentences), (JudgeKind::Nli, 2));
        let refuting = judged(Always(Ok([0.02, 0.96, 0.02])));
        assert_eq!(refuting.verdict.label, VerdictLabel::Refuted);
        assert!(refuting.sections[4].sentences.iter().any(|s| s.text.contains("read by a test judge")));
        // A judge that fails: lexical stance, and the report says why.
        let report = judged(Always(Err("out of memory")));
        assert_eq!(report.verdict.label, VerdictLabel::Supported);
        assert_eq!(report.judge.kind, JudgeKind::Lexical);
        assert!(report.diagnostics.iter().any(|d| d.stage == "judge" && d.message.contains("out of memory")));
    }

    /// A judge that brings its own verdict settings, as an installed model does.
    struct WithSettings(Always, verdict::Judged);

    impl judge::Judge for WithSettings {
        fn kind(&self) -> JudgeKind {
            self.0.kind()
        }
        fn name(&self) -> String {
            self.0.name()
        }
        fn read(&self, claim: &claim::Claim, sentences: &[&str]) -> Result<judge::Readings, verity_model::Failure> {
            self.0.read(claim, sentences)
        }
        fn verdict(&self) -> &verdict::Judged {
            &self.1
        }
    }

    #[test]
    fn a_judge_with_its_own_verdict_settings_is_decided_and_calibrated_by_them() {
        let corpus = two_reports_of_the_ban();
        let question = "Did the council ban cars downtown?";
        let judged = |judge: &dyn judge::Judge| {
            super::check(CheckRequest::new(question, &ctx()).unwrap().judge(Some(judge)), &corpus).0
        };
        let reading = [0.7, 0.1, 0.2];
        let shipped = judged(&Always(Ok(reading)));
        assert_eq!(shipped.verdict.label, VerdictLabel::Supported, "0.7 passes the shipped threshold");
        // The same readings, from a model whose probabilities run higher: its own threshold is not reached.
        let strict = verdict::Judged { support: 0.9, ..verdict::Judged::default() };
        assert_eq!(judged(&WithSettings(Always(Ok(reading)), strict)).verdict.label, VerdictLabel::NotEnoughEvidence);
        // Its own calibration sets the published confidence: here, every support verdict made 0.25 (logit 0 + ln 1/3).
        let calibration = verdict::Calibration {
            by_label: vec![(VerdictLabel::Supported, 0.0, -(3.0f32).ln())],
            provenance: serde_json::Value::Null,
        };
        let calibrated = verdict::Judged { support: 0.5, calibration, ..verdict::Judged::default() };
        let report = judged(&WithSettings(Always(Ok(reading)), calibrated));
        assert_eq!(report.verdict.label, VerdictLabel::Supported);
        assert!((report.verdict.confidence - 0.25).abs() < 1e-3, "{}", report.verdict.confidence);
        assert_ne!(shipped.verdict.confidence, report.verdict.confidence);
    }

    #[test]
    fn under_the_plurality_rule_a_reading_counts_for_a_side_only_where_that_side_is_most_likely() {
        let corpus = two_reports_of_the_ban();
        let question = "Did the council ban cars downtown?";
        let decided = |reading: [f32; 3], side_needs_plurality: bool| {
            let settings =
                verdict::Judged { support: 0.35, refute: 0.35, side_needs_plurality, ..verdict::Judged::default() };
            let judge = WithSettings(Always(Ok(reading)), settings);
            super::check(CheckRequest::new(question, &ctx()).unwrap().judge(Some(&judge)), &corpus).0.verdict.label
        };
        // An unsure reading, neutral by a hair: past a low threshold, but not what the judge reads most.
        assert_eq!(decided([0.37, 0.25, 0.38], false), VerdictLabel::Supported);
        assert_eq!(decided([0.37, 0.25, 0.38], true), VerdictLabel::NotEnoughEvidence);
        assert_eq!(decided([0.25, 0.37, 0.38], true), VerdictLabel::NotEnoughEvidence);
        // Where the side is the most likely reading, the rule changes nothing.
        assert_eq!(decided([0.40, 0.25, 0.35], true), VerdictLabel::Supported);
        assert_eq!(decided([0.25, 0.40, 0.35], true), VerdictLabel::Refuted);
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
        let corpus = two_reports_of_the_ban();
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
    fn a_compound_claim_is_judged_part_by_part_and_the_report_says_which_part_holds() {
        let corpus = MemoryCorpus::new()
            .with(
                "a",
                "The Ledger",
                "Rubio turned over DOJ MS13 informants to the government of El Salvador, officials said on Monday.",
            )
            .with("b", "The Courier", "The weather in the capital was mild and dry for most of the week.");
        let question = "Did Rubio turn over DOJ MS13 informants to get access to El Salvadoran prisons?";
        let report = check(&corpus, question, VerdictLabel::PartlySupported);
        let parts: Vec<(&str, VerdictLabel)> = report.facets.iter().map(|f| (f.text.as_str(), f.verdict)).collect();
        assert_eq!(
            parts,
            [
                ("Rubio turned over DOJ MS13 informants", VerdictLabel::Supported),
                ("to get access to El Salvadoran prisons", VerdictLabel::NotEnoughEvidence),
            ]
        );
        assert!(report.facets[1].reason.contains("purpose"), "{:?}", report.facets[1]);
        // The summary names both parts; section 5 quotes the evidence for the part that holds.
        assert!(report.summary.iter().any(|s| s.text.contains("2 parts")), "{:#?}", report.summary);
        let gaps = &report.sections[4].sentences;
        assert!(gaps[0].text.starts_with("Part 1") && gaps[0].citations == [1], "{gaps:#?}");
        assert!(gaps[1].text.starts_with("Part 2") && gaps[1].citations.is_empty(), "{gaps:#?}");
        assert!(report.follow_ups.iter().any(|q| q.contains("to get access to El Salvadoran prisons")));
        // Each part was searched for as well as the whole claim.
        assert_eq!(report.coverage.queries.len(), 3);
    }

    #[test]
    fn sources_on_opposite_sides_of_different_parts_make_a_partly_supported_claim_not_a_conflict() {
        let corpus = MemoryCorpus::new()
            .with("a", "The Ledger", "The mayor of Springfield resigned on Tuesday, officials said.")
            .with("b", "The Courier", "The mayor of Springfield did not move abroad, aides said on Friday.");
        let report =
            check(&corpus, "Did the mayor of Springfield resign and move abroad?", VerdictLabel::PartlySupported);
        let verdicts: Vec<VerdictLabel> = report.facets.iter().map(|f| f.verdict).collect();
        assert_eq!(verdicts, [VerdictLabel::Supported, VerdictLabel::Refuted], "{:#?}", report.facets);
        assert!(report.summary[0].text.contains("contradict"), "{}", report.summary[0].text);
    }

    #[test]
    fn ten_documents_repeating_one_report_are_one_line_of_evidence_and_the_report_says_so() {
        let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "May 3", "May 4"];
        let mut corpus = MemoryCorpus::new().with(
            "ledger",
            "The Capital Ledger",
            "The port authority sold the harbour cranes to a private firm in May, officials told reporters.",
        );
        for (i, day) in days.iter().enumerate() {
            corpus = corpus.with(
                &format!("copy-{i}"),
                &format!("Regional Paper {i}"),
                &format!("The port authority sold the harbour cranes to a private firm, The Capital Ledger reported on {day}."),
            );
        }
        let corpus = corpus.with(
            "union",
            "Dockworkers Bulletin",
            "Crane operators confirmed that the port authority sold the harbour cranes to a private firm last spring.",
        );
        let report = check(
            &corpus,
            "Did the port authority sell the harbour cranes to a private firm?",
            VerdictLabel::Supported,
        );
        let independence = &report.independence;
        assert_eq!((independence.documents, independence.independent), (11, 2), "{independence:?}");
        let line = &independence.shared_lines[0];
        assert_eq!((line.original.as_str(), line.documents), ("The Capital Ledger", 10));
        let original = report.source(line.original_source.expect("the original is cited")).unwrap();
        assert_eq!(original.doc_id, "ledger");
        // Every cited repeat names the original it relies on, by its number in this report.
        for s in report.sources.iter().filter(|s| s.doc_id.starts_with("copy-")) {
            assert_eq!(s.relies_on[0].source, Some(original.n), "{s:?}");
            assert_eq!(s.line, original.line);
        }
        let core = &report.sections[0].sentences[0].text;
        assert!(core.starts_with("The reporting traces back to The Capital Ledger: 9 other documents"), "{core}");
        let framing = &report.sections[1].sentences[0].text;
        assert!(framing.contains("only 2 independently (9 rely on The Capital Ledger)"), "{framing}");
        // Only reporting was read: the report says that no primary record is among the sources.
        assert!(report.sections[4].sentences.iter().any(|s| s.text.starts_with("No primary record")));
    }

    #[test]
    fn an_original_known_only_through_those_who_credit_it_is_named_as_missing() {
        let corpus = MemoryCorpus::new()
            .with(
                "a",
                "Harbor Times",
                "The port authority sold the harbour cranes to a private firm, Reuters reported.",
            )
            .with("b", "Daily Star", "According to Reuters, the port authority sold the harbour cranes to a buyer.");
        let report = check(&corpus, "Did the port authority sell the harbour cranes?", VerdictLabel::Supported);
        assert_eq!(report.independence.shared_lines[0].original, "Reuters");
        assert_eq!(report.independence.shared_lines[0].original_source, None);
        let gaps: Vec<&str> = report.sections[4].sentences.iter().map(|s| s.text.as_str()).collect();
        assert!(gaps.iter().any(|s| s.starts_with("The original report, by Reuters, is not among")), "{gaps:#?}");
        assert!(report.follow_ups[0].starts_with("Did Reuters report the claim"), "{:?}", report.follow_ups);
        assert!(report.sections[0].sentences[0].text.starts_with("The reporting traces back to Reuters, which is not"));
    }

    #[test]
    fn a_partys_own_denial_is_labelled_and_weighs_less_than_independent_reporting() {
        let corpus = MemoryCorpus::new()
            .with("a", "The Ledger", "The ministry closed the northern border crossing on Monday, officials said.")
            .with("b", "The Courier", "Officials said the ministry closed the northern border crossing after a vote.")
            .with(
                "statement",
                "Ministry of Transport",
                "Press statement: the ministry did not close the northern border crossing, a spokesperson said.",
            );
        let report = check(&corpus, "Did the ministry close the northern border crossing?", VerdictLabel::Supported);
        let denial = report.sources.iter().find(|s| s.doc_id == "statement").expect("the denial is cited");
        assert!(denial.party_statement);
        assert!(report.sentences().any(|s| s.text.contains("Ministry of Transport (its own statement)")));
    }

    #[test]
    fn a_promise_is_not_the_act_the_original_is_found_and_a_partys_denial_is_the_other_side() {
        let corpus = MemoryCorpus::new()
            .with(
                "ledger",
                "The Capital Ledger",
                "Minister Okafor promised to hand over protected informants to Norland, four officials said. Okafor \
                 then asked prosecutors to withdraw the protections of two informants.",
            )
            .with(
                "courier",
                "The Northern Courier",
                "Minister Okafor promised to hand over protected informants to Norland, according to The Capital Ledger.",
            )
            .with(
                "ministry",
                "Ministry of the Interior",
                "Press statement: the ministry did not hand over any protected informants to Norland, a spokesperson said.",
            );
        // A judge that reads every sentence as support, whatever it says: asked about the claim's opposite too, it
        // decides nothing.
        let topic_only = Always(Ok([0.8, 0.05, 0.15]));
        let judge = judge::Guarded { judge: &topic_only, guard: judge::Guard::Unclear };
        let question = "Did Minister Okafor hand over protected informants to Norland?";
        let (report, assessment) =
            super::check(CheckRequest::new(question, &ctx()).unwrap().judge(Some(&judge)), &corpus);
        assert_eq!(report.verdict.label, VerdictLabel::NotEnoughEvidence);
        let text = |i: usize| report.sections[i].sentences.iter().map(|s| s.text.clone()).collect::<Vec<_>>().join(" ");
        assert!(text(0).starts_with("The reporting traces back to The Capital Ledger"), "{}", text(0));
        assert!(text(6).contains("is not established as stated") && text(6).contains("denies it"), "{}", text(6));
        assert!(text(5).contains("Ministry of the Interior") && text(5).contains("did not hand over"), "{}", text(5));
        assert!(report.summary.iter().any(|s| s.text.starts_with("What the sources do report is an intention")));
        // The Courier credits the Ledger, which the archive holds: tied to its document, not called unread.
        let courier = assessment.provenance.get("courier").expect("the Courier was read");
        assert_eq!(courier.relies_on[0].doc_id.as_deref(), Some("ledger"));
    }

    #[test]
    fn follow_up_questions_name_who_could_answer_never_an_adjective() {
        let corpus = MemoryCorpus::new().with(
            "a",
            "The Ledger",
            "European regulators fined Google 2 billion euros on Monday, officials said.",
        );
        let report = check(&corpus, "Did European regulators fine Google?", VerdictLabel::Supported);
        assert!(report.follow_ups.iter().all(|q| !q.starts_with("Did European ")), "{:?}", report.follow_ups);
        assert!(report.follow_ups.iter().any(|q| q.starts_with("Did Google respond")), "{:?}", report.follow_ups);
    }

    #[test]
    fn a_question_is_stored_without_control_characters_or_bidi_overrides() {
        let corpus = MemoryCorpus::new().with("a", "The Ledger", "The council banned cars downtown on Monday.");
        let question = "Did the council ban\u{202e} cars\u{0} downtown?\u{1b}[2J";
        let report = super::check(CheckRequest::new(question, &ctx()).unwrap(), &corpus).0;
        assert_eq!(report.question, "Did the council ban cars downtown?[2J", "no escape is left to reach a terminal");
    }

    #[test]
    fn a_failing_search_becomes_a_diagnostic_not_an_error() {
        let corpus = MemoryCorpus::new().failing("index unavailable");
        let report = check(&corpus, "Did the council ban cars downtown?", VerdictLabel::NotEnoughEvidence);
        assert_eq!(report.diagnostics[0].message, "index unavailable");
        assert_eq!(report.sections.len(), 7);
    }
}
