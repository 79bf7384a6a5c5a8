//! The vocabulary of Verity: plain data shared by every other crate.
//!
//! Main types: [`Document`] (what ingest produces), [`Passage`] (a window of sentences with offsets into a
//! stored document version), [`Claim`], [`Stance`], [`Verdict`], and [`Report`] — the published fact-check,
//! whose JSON form is versioned as [`REPORT_SCHEMA`] and documented in `docs/report-format.md`.
//!
//! [`timestamp`] is the one format every stored time uses (RFC 3339, UTC, fixed width); [`Deadline`] is a check's
//! time limit and cancellation; [`Retry`] is when every HTTP client asks a busy server again; [`Failure`] is why a
//! corpus, a judge or a language model gave no answer.
//!
//! This crate does no I/O (reading the clock aside) and holds no logic beyond small constructors and invariants
//! that belong to the data itself (for example, that a verdict's confidence lies in `[0, 1]`).
//!
//! ```
//! use std::time::Duration;
//! use verity_model::Deadline;
//!
//! // A check's deadline, shared by every stage; any clone can call the check off.
//! let deadline = Deadline::after(Duration::from_secs(3600));
//! let handle = deadline.clone();
//! assert!(!deadline.passed());
//! handle.cancel();
//! assert!(deadline.passed() && deadline.reason() == "the check was cancelled");
//! ```

use serde::{Deserialize, Serialize};

mod deadline;
mod failure;
mod retry;
pub mod text_check;
pub mod timestamp;

pub use deadline::Deadline;
pub use failure::{Failure, Invalid};
pub use retry::Retry;
pub use text_check::{CheckedSentence, SentenceOutcome, TextCheck};

/// The schema tag every report JSON carries. Bump the number when a field changes meaning or disappears;
/// adding an optional field keeps the number.
pub const REPORT_SCHEMA: &str = "verity.report/1";

/// A document as read from an input file, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The identifier the document was ingested under: taken from the input (`id`, `_id`, `doc_id`) or, for
    /// files in a folder, the path relative to that folder.
    pub external_id: String,
    pub title: String,
    pub text: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    /// Publication date as given by the source (ISO 8601 where it could be read).
    pub published: Option<String>,
    pub author: Option<String>,
}

/// A span of a stored document version: a window of whole sentences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub passage_id: i64,
    pub version_id: i64,
    /// Byte offsets of the passage inside the version's text.
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What retrieval hands to the pipeline: a passage together with the metadata of the document it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageHit {
    pub passage: Passage,
    pub source: SourceMeta,
    /// Retrieval score (BM25, or its fusion with the dense ranking); only comparable within one result list.
    pub score: f32,
}

/// The metadata of one stored document version, as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    pub doc_id: String,
    pub version: u32,
    pub version_id: i64,
    pub title: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub author: Option<String>,
    /// When the page was read from the web (UTC, RFC 3339); `None` for documents ingested from files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
}

/// The declarative statement a question is turned into, with the words retrieval and scoring work from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub text: String,
    /// Names, acronyms and numbers, as written.
    pub entities: Vec<String>,
    /// Content words of the claim, lower-cased, in order of first appearance.
    pub key_terms: Vec<String>,
    /// True when the claim itself is negative ("X did not ..."), which flips how negated evidence reads.
    pub negated: bool,
    /// The question asked about a plan or an announcement ("Will the plant close?"): what is checked is what
    /// has been announced or decided.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub announcement: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StanceLabel {
    Supports,
    Refutes,
    Neutral,
}

/// Who judged what each evidence sentence says about the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum JudgeKind {
    /// Word overlap, negation and opposite terms: no model.
    #[default]
    Lexical,
    /// The entailment model (a cross-encoder trained for this).
    Nli,
    /// A language model, with the entailment model for what it leaves unjudged.
    Llm,
}

impl JudgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JudgeKind::Lexical => "lexical",
            JudgeKind::Nli => "nli",
            JudgeKind::Llm => "llm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictLabel {
    Supported,
    PartlySupported,
    Conflicting,
    Refuted,
    NotEnoughEvidence,
}

impl VerdictLabel {
    pub const ALL: [VerdictLabel; 5] = [
        VerdictLabel::Supported,
        VerdictLabel::PartlySupported,
        VerdictLabel::Conflicting,
        VerdictLabel::Refuted,
        VerdictLabel::NotEnoughEvidence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictLabel::Supported => "supported",
            VerdictLabel::PartlySupported => "partly_supported",
            VerdictLabel::Conflicting => "conflicting",
            VerdictLabel::Refuted => "refuted",
            VerdictLabel::NotEnoughEvidence => "not_enough_evidence",
        }
    }

    /// The words a reader sees.
    pub fn headline(self) -> &'static str {
        match self {
            VerdictLabel::Supported => "Supported",
            VerdictLabel::PartlySupported => "Partly supported",
            VerdictLabel::Conflicting => "Conflicting evidence",
            VerdictLabel::Refuted => "Refuted",
            VerdictLabel::NotEnoughEvidence => "Not enough evidence",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub label: VerdictLabel,
    /// In `[0, 1]`: how sure the engine is of the label (not of the claim).
    pub confidence: f32,
}

/// One sentence of the report. A sentence with citations is either a verbatim quote of the cited sources'
/// stored text wrapped in attribution, or a statement the engine derived from the evidence it lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub text: String,
    #[serde(default)]
    pub citations: Vec<u32>,
    /// How the citation check verified this sentence; `None` for sentences that carry no citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Verification {
    /// Every quoted span of the sentence was found verbatim in the stored text of each cited source.
    Verbatim { quotes: Vec<String> },
    /// A sentence in the writer's own words (a language model's): `support` is the share of its content words,
    /// numbers included, found in `quotes`, which are sentences of the cited sources' stored text; its negation
    /// agrees with theirs.
    Lexical { support: f32, quotes: Vec<String> },
    /// The writer's sentence failed the check and was replaced by a quotation of the evidence it cited.
    Rewritten { quotes: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub sentences: Vec<Sentence>,
}

/// What a part of a compound claim asserts: the act itself, its purpose or price, its cause, or its timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetRole {
    Act,
    Purpose,
    Cause,
    Timing,
}

/// One part of a compound claim and how the evidence bears on it on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetFinding {
    /// The part in the claim's own words.
    pub text: String,
    pub role: FacetRole,
    pub verdict: VerdictLabel,
    /// Why, in one plain sentence.
    pub reason: String,
}

/// A source as listed at the end of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSource {
    pub n: u32,
    pub doc_id: String,
    /// The stored version whose text was read; older versions stay readable after a re-ingest.
    pub version: u32,
    /// The store's id of that version (its snapshot).
    pub version_id: i64,
    pub title: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    /// When the page was read from the web; the snapshot cited is what was read then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// How the site's source policy ranks the source's domain, when it has a policy for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<SourceTier>,
    /// The stance of this source toward the claim, from its strongest evidence sentence.
    pub stance: StanceLabel,
    /// Exact substrings of the stored text that the report cites.
    pub quotes: Vec<String>,
    /// Whom this source relies on: outlets it credits, sources it links to, texts it copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relies_on: Vec<SourceReliance>,
    /// The source is a party's own statement (a press release, an organisation's statement), not reporting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub party_statement: bool,
    /// The line of evidence the source belongs to (1 = the largest); sources sharing a line are not independent.
    #[serde(default)]
    pub line: u32,
}

/// A source policy's rank of a domain (issue #7): shown beside each source, never a verdict by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceTier {
    /// The record itself: a court, a parliament, a statistics office, the original document.
    PrimaryRecord,
    /// An outlet with editorial standards and a corrections policy.
    EstablishedOutlet,
    Other,
    /// The claimant's own site or channel.
    ClaimantOwn,
}

impl SourceTier {
    pub fn describe(self) -> &'static str {
        match self {
            SourceTier::PrimaryRecord => "primary record",
            SourceTier::EstablishedOutlet => "established outlet",
            SourceTier::Other => "other source",
            SourceTier::ClaimantOwn => "the claimant's own",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelianceKind {
    /// The text credits the other outlet: "according to ...", "... reported".
    Attribution,
    /// The text contains the other source's URL.
    Link,
    /// Most of the text is found in the other source's text.
    NearCopy,
}

/// One source a report source relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReliance {
    /// The outlet or title relied on.
    pub name: String,
    /// Its number in this report's source list, when the report cites it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<u32>,
    /// Its document id, when it was among the sources read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<String>,
    pub how: RelianceKind,
}

/// How many lines of evidence the documents with relevant evidence make.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Independence {
    /// Documents with relevant evidence.
    pub documents: usize,
    /// Independent lines of evidence among them.
    pub independent: usize,
    /// Lines with more than one document, largest first.
    pub shared_lines: Vec<SharedLine>,
}

/// Documents that repeat or rely on one original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedLine {
    /// The original: an outlet or title, read or only cited.
    pub original: String,
    /// Its number in the source list when the report cites it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_source: Option<u32>,
    /// Documents in the line (the original included when it was read).
    pub documents: usize,
    /// Numbers of the report's sources in this line.
    pub sources: Vec<u32>,
}

/// What was searched, so a reader can tell "the sources are silent" from "nothing was searched".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub queries: Vec<String>,
    pub passages_considered: usize,
    pub documents_considered: usize,
    pub evidence_sentences: usize,
    /// Earliest and latest publication date among the sources read, where known.
    pub date_range: Option<(String, String)>,
    /// What was searched and read on the web, when the check used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<WebCoverage>,
}

/// The web part of a check's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebCoverage {
    /// The providers asked, e.g. `wikipedia`, `gdelt`.
    pub providers: Vec<String>,
    pub queries: Vec<String>,
    /// Distinct result URLs the providers returned.
    pub results: usize,
    /// Pages read and stored as snapshots.
    pub pages_read: usize,
    /// Pages that could not be read (each has a diagnostic).
    pub pages_failed: usize,
    /// Search rounds: 2 when the first left the evidence thin.
    pub rounds: usize,
    /// No provider answered at all: only the local archive was checked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unavailable: bool,
}

/// A note about something that went wrong or was skipped while checking; the report is still produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub stage: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub id: String,
    pub slug: String,
    /// Which run of this check the report is: 1 for the first, one more for each refresh.
    #[serde(default = "first_version")]
    pub version: u32,
    /// The section of the site the report is filed under (`politics`, `health`, ...), assigned at check time.
    #[serde(default = "general")]
    pub category: String,
    pub question: String,
    pub claim: Claim,
    /// ISO date (YYYY-MM-DD) of the check.
    pub checked_on: String,
    pub verdict: Verdict,
    pub disclaimer: String,
    pub summary: Vec<Sentence>,
    /// The parts of a compound claim, each judged on its own evidence; empty for a claim with one part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facets: Vec<FacetFinding>,
    pub sections: Vec<Section>,
    pub follow_ups: Vec<String>,
    pub sources: Vec<ReportSource>,
    /// Lines of evidence: which documents repeat one original.
    #[serde(default)]
    pub independence: Independence,
    pub coverage: Coverage,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
    #[serde(default)]
    pub citation_check: CitationCheck,
    /// Who wrote the prose: `extractive` (no language model), or the language model's name.
    #[serde(default = "extractive")]
    pub writer: String,
    /// Who judged the evidence sentences (the kind, and the model's name where there is one).
    #[serde(default)]
    pub judge: JudgeRecord,
}

/// The judge a report was checked with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeRecord {
    pub kind: JudgeKind,
    /// e.g. `entailment model verity-nli-minilm-l6`; `word overlap` for the lexical rules.
    pub name: String,
    /// Sentences the judge read (the most relevant ones; the rest count as saying nothing).
    pub sentences: usize,
    /// Of those, the ones it read the same way against the claim and against its opposite: unclear readings,
    /// counted as saying nothing (the judge's guard).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unclear: usize,
}

impl JudgeRecord {
    /// The lexical rules' record: what judged when no model did (or a model failed).
    pub fn lexical() -> JudgeRecord {
        JudgeRecord { kind: JudgeKind::Lexical, name: "word overlap".into(), sentences: 0, unclear: 0 }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn extractive() -> String {
    "extractive".to_string()
}

fn first_version() -> u32 {
    1
}

fn general() -> String {
    "general".to_string()
}

/// A step of a running check, reported as it happens (the site shows them live).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// The claim was read from the question; `parts` > 1 for a compound claim.
    Claim { claim: String, parts: usize },
    /// The archive was searched.
    Searched { queries: usize, passages: usize, documents: usize },
    /// Evidence was read and traced to its origins.
    Weighed { evidence: usize, sources: usize, independent: usize },
    /// The report's prose is being written.
    Writing { writer: String },
    /// The web was searched and pages were read (and stored as snapshots).
    Web { queries: usize, results: usize, pages_read: usize },
    /// Every cited sentence was checked against the stored snapshots.
    Verified { cited_sentences: usize, verified: usize },
    /// A whole text was read: its sentences, and how many of them are claims to check.
    TextRead { sentences: usize, candidates: usize },
    /// A claim of a text (by its sentence's position, from 0) matched a past report.
    TextMatched { position: usize, claim: String },
    /// A claim of a text is being checked.
    TextChecking { position: usize, claim: String },
}

impl Stage {
    /// One line for a reader watching the check.
    pub fn describe(&self) -> String {
        match self {
            Stage::Claim { claim, parts } if *parts > 1 => {
                format!("Read the claim \u{201c}{claim}\u{201d} in {parts} parts")
            }
            Stage::Claim { claim, .. } => format!("Read the claim \u{201c}{claim}\u{201d}"),
            Stage::Searched { queries, passages, documents } => {
                format!("Searched the archive with {queries} queries: {passages} passages in {documents} documents")
            }
            Stage::Weighed { evidence, sources, independent } => format!(
                "Weighed {evidence} pieces of evidence from {sources} sources ({independent} independent lines)"
            ),
            Stage::Writing { writer } => format!("Writing the report ({writer})"),
            Stage::Web { queries, results, pages_read } => {
                format!("Searched the web with {queries} queries: {results} results, {pages_read} pages read")
            }
            Stage::Verified { cited_sentences, verified } => {
                format!("Checked citations: {verified} of {cited_sentences} cited sentences verified")
            }
            Stage::TextRead { sentences, candidates } => {
                format!("Read the text: {sentences} sentences, {candidates} claims to check")
            }
            Stage::TextMatched { position, claim } => {
                format!("Sentence {}: checked before, \u{201c}{claim}\u{201d}", position + 1)
            }
            Stage::TextChecking { position, claim } => {
                format!("Checking sentence {}: \u{201c}{claim}\u{201d}", position + 1)
            }
        }
    }
}

/// Totals of the citation check every report passes before it is published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitationCheck {
    pub cited_sentences: usize,
    pub verified: usize,
    pub dropped: usize,
    /// Sentences a language model wrote (0 for the extractive writer); each was kept, rewritten or dropped.
    #[serde(default)]
    pub written: usize,
    /// Writer's sentences that failed the check and were replaced by a quotation of the evidence they cited.
    #[serde(default)]
    pub rewritten: usize,
}

impl Report {
    /// Every sentence of the report that could carry citations, in reading order.
    pub fn sentences(&self) -> impl Iterator<Item = &Sentence> {
        self.summary.iter().chain(self.sections.iter().flat_map(|s| s.sentences.iter()))
    }

    pub fn source(&self, n: u32) -> Option<&ReportSource> {
        self.sources.iter().find(|s| s.n == n)
    }
}

/// Who speaks in a chat with a language model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of a chat with a language model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> ChatMessage {
        ChatMessage { role, content: content.into() }
    }
}

/// How a language model should answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatOptions {
    pub max_tokens: usize,
    pub temperature: f32,
    /// Ask for a JSON object (servers that support it constrain the output; others are asked in words).
    pub json: bool,
    /// The first characters of the answer, for models whose answer can be started for them (a local model): it
    /// keeps a small model in the form asked for. Servers ignore it.
    pub prime: String,
    /// The check's deadline: a request gets no more than the time left, and a local model stops generating
    /// once it has passed.
    pub deadline: Deadline,
}

impl Default for ChatOptions {
    fn default() -> ChatOptions {
        ChatOptions { max_tokens: 500, temperature: 0.0, json: true, prime: String::new(), deadline: Deadline::none() }
    }
}

/// A stored report as listed by `verity list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: String,
    pub slug: String,
    #[serde(default = "general")]
    pub category: String,
    /// The latest version's number.
    #[serde(default = "first_version")]
    pub version: u32,
    pub question: String,
    pub verdict: VerdictLabel,
    pub confidence: f32,
    pub checked_on: String,
}

/// One stored run of a report, as listed beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: u32,
    pub verdict: VerdictLabel,
    pub confidence: f32,
    pub checked_on: String,
    /// When the run was stored (UTC, `YYYY-MM-DD HH:MM:SS...`).
    pub created_at: String,
}

/// A verdict that changed between two versions of a report: an entry of the corrections log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub report: ReportSummary,
    /// The version whose verdict differs from the one before it.
    pub version: u32,
    pub from: VerdictLabel,
    pub to: VerdictLabel,
    /// The date of the run that changed the verdict.
    pub changed_on: String,
}

/// A topic: a name that claims of several reports share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub key: String,
    pub name: String,
    pub reports: usize,
}

impl VerdictLabel {
    /// The label named `s` by [`VerdictLabel::as_str`].
    pub fn parse(s: &str) -> Option<VerdictLabel> {
        VerdictLabel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}
