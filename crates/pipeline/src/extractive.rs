//! The extractive report writer: builds every part of a fact-check from the verdict and the evidence, with no
//! language model.
//!
//! Cited sentences quote the stored text verbatim inside an attribution we write ("The Daily News (2025-04-18)
//! reports: “…”"); sentences we write ourselves (counts, gaps, the bottom line) carry no citation. A section
//! with nothing to say says so in one line.

use std::collections::HashMap;

use verity_model::{
    Claim, Coverage, Diagnostic, FacetFinding, FacetRole, Independence, JudgeKind, JudgeRecord, REPORT_SCHEMA, Report,
    ReportSource, Section, Sentence, SharedLine, SourceReliance, StanceLabel, VerdictLabel, Verification,
};

use crate::CheckContext;
use crate::evidence::Evidence;
use crate::facet::Assessed;
use crate::provenance::Provenance;
use crate::verdict::Outcome;

pub const DISCLAIMER: &str = "Verity can make mistakes. This report was assembled automatically from the sources \
listed below; read the quoted passages, verify important information, and note the date: later reporting can \
change the verdict.";

pub const SECTION_TITLES: [&str; 7] = [
    "What the core reporting says",
    "How other sources framed it",
    "Who is involved and why it matters",
    "Consequences and context",
    "Points of disagreement, limitations, and what the sources do not say",
    "Competing perspectives",
    "Bottom line",
];

const CONSEQUENCE_CUES: &[&str] = &[
    "led to",
    "result",
    "consequence",
    "court",
    "judge",
    "law",
    "ruled",
    "ruling",
    "lawsuit",
    "impact",
    "effect",
    "caused",
    "after",
    "following",
    "associated",
    "outcome",
    "risk",
    "because",
    "therefore",
    "mortality",
];

pub struct Draft<'a> {
    pub question: &'a str,
    pub claim: &'a crate::claim::Claim,
    pub ctx: &'a CheckContext,
    pub evidence: &'a [Evidence],
    /// The parts of a compound claim, each with its own evidence and verdict.
    pub facets: &'a [Assessed],
    /// Who relies on whom among the documents the evidence comes from.
    pub provenance: &'a Provenance,
    pub outcome: &'a Outcome,
    pub coverage: Coverage,
    pub diagnostics: Vec<Diagnostic>,
    /// Who judged what the evidence sentences say.
    pub judge: &'a JudgeRecord,
}

/// Numbers sources in order of first citation and remembers the quotes taken from each.
#[derive(Default)]
struct Citer {
    sources: Vec<ReportSource>,
    by_version: HashMap<i64, u32>,
}

impl Citer {
    /// A sentence quoting `e` verbatim after `lead`.
    fn quote(&mut self, lead: &str, e: &Evidence) -> Sentence {
        let n = self.number(e);
        let source = &mut self.sources[n as usize - 1];
        if !source.quotes.contains(&e.text) {
            source.quotes.push(e.text.clone());
        }
        Sentence {
            text: format!("{lead} \u{201c}{}\u{201d}", e.text),
            citations: vec![n],
            verification: Some(Verification::Verbatim { quotes: vec![e.text.clone()] }),
        }
    }

    fn number(&mut self, e: &Evidence) -> u32 {
        if let Some(n) = self.by_version.get(&e.source.version_id) {
            return *n;
        }
        let n = self.sources.len() as u32 + 1;
        let m = &e.source;
        self.sources.push(ReportSource {
            n,
            doc_id: m.doc_id.clone(),
            version: m.version,
            version_id: m.version_id,
            title: m.title.clone(),
            outlet: m.outlet.clone(),
            url: m.url.clone(),
            published: m.published.clone(),
            fetched_at: m.fetched_at.clone(),
            tier: None,
            stance: e.stance.label,
            quotes: vec![],
            relies_on: vec![],
            party_statement: false,
            line: 0,
        });
        self.by_version.insert(m.version_id, n);
        n
    }
}

/// Said after quoting a denial that only its words, not the judge, set against the claim.
const UNCOUNTED_DENIAL: &str = "That denial is read from its words; the judge did not count it as evidence against \
                                the claim, so it does not decide the verdict.";

/// How the sentences were judged, and what that means for a reader.
fn judge_note(judge: &JudgeRecord) -> String {
    match judge.kind {
        JudgeKind::Lexical => {
            "Stances were judged by word overlap, negation and opposite terms, not by a trained model; \
            a sentence that paraphrases the claim in other words can be missed."
                .to_string()
        }
        JudgeKind::Nli | JudgeKind::Llm => format!(
            "The {} most relevant sentences were read by {}, which says whether each states the claim, contradicts \
             it, or neither; sentences further down the ranking count as saying neither.{} A model can misread a \
             sentence: read the quotes.",
            judge.sentences,
            judge.name,
            match judge.unclear {
                0 => String::new(),
                n => format!(
                    " Its reading of {n} of them was unclear: it read {} the same way against the claim and against \
                     its opposite, so {} as saying neither.",
                    if n == 1 { "that sentence" } else { "those sentences" },
                    if n == 1 { "it counts" } else { "they count" }
                ),
            }
        ),
    }
}

fn plain(text: impl Into<String>) -> Sentence {
    Sentence { text: text.into(), citations: vec![], verification: None }
}

/// How a source is named in prose: outlet (or title) and date.
fn name(e: &Evidence, provenance: &Provenance) -> String {
    let m = &e.source;
    let who = match (&m.outlet, m.title.trim()) {
        (Some(o), _) => o.clone(),
        (None, t) if !t.is_empty() => format!("\u{201c}{}\u{201d}", shorten(t, 90)),
        _ => format!("document {}", m.doc_id),
    };
    let own = provenance.get(&m.doc_id).is_some_and(|t| t.party_statement);
    match (&m.published, own) {
        (Some(d), false) => format!("{who} ({d})"),
        (Some(d), true) => format!("{who} ({d}; its own statement)"),
        (None, false) => who,
        (None, true) => format!("{who} (its own statement)"),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{}\u{2026}", cut.trim_end())
}

fn verb(e: &Evidence) -> &'static str {
    match (e.stance.label, e.stance.hedged) {
        (StanceLabel::Supports, false) => "reports",
        (StanceLabel::Supports, true) => "reports, in hedged terms,",
        (StanceLabel::Refutes, _) => "contradicts the claim:",
        (StanceLabel::Neutral, _) => "mentions",
    }
}

/// The report for a draft: the executive summary and the seven sections, each written by its own function in
/// reading order (so citation numbers follow the text), then the sources traced.
pub fn compose(d: Draft<'_>) -> Report {
    let mut c = Composer::new(&d);
    let summary = c.summary();
    let trace = c.trace();
    let sections: Vec<Section> =
        [c.core(&trace), c.others(&trace), c.who(), c.context(), c.gaps(&trace), c.perspectives(), c.bottom()]
            .into_iter()
            .zip(SECTION_TITLES)
            .map(|(sentences, title)| Section { title: title.to_string(), sentences })
            .collect();
    let unread_original = trace.unread.map(|l| l.original_name.clone());
    let (citer, relevant_docs) = (c.citer, c.relevant_docs);
    let (sources, independence) = trace_sources(citer.sources, &d, &relevant_docs);
    Report {
        schema: REPORT_SCHEMA.to_string(),
        id: d.ctx.report_id.clone(),
        slug: slug(d.question, &d.ctx.report_id),
        version: 1,
        category: crate::category::categorize(&d.claim.tokens.stems).to_string(),
        // Stored and shown as typed, less what no one can see: escape sequences and bidi overrides would reach
        // an operator's terminal through `verity list` and `show`.
        question: verity_text::normalize(d.question).trim().to_string(),
        claim: d.claim.stated.clone(),
        checked_on: d.ctx.today.clone(),
        verdict: d.outcome.verdict,
        disclaimer: DISCLAIMER.to_string(),
        summary,
        facets: d
            .facets
            .iter()
            .map(|a| FacetFinding {
                text: a.facet.text.clone(),
                role: a.facet.role,
                verdict: a.outcome.verdict.label,
                reason: part_reason(a),
            })
            .collect(),
        sections,
        follow_ups: follow_ups(d.claim, d.outcome, d.facets, unread_original.as_deref()),
        sources,
        independence,
        coverage: d.coverage,
        diagnostics: d.diagnostics,
        citation_check: Default::default(),
        writer: "extractive".to_string(),
        judge: d.judge.clone(),
    }
}

/// What every section reads (the draft, its relevant evidence and their documents) and what the sections share as
/// they are written: the citation numbers, and the sentences already quoted (no sentence is quoted twice).
struct Composer<'d, 'a> {
    d: &'d Draft<'a>,
    relevant: Vec<&'a Evidence>,
    relevant_docs: Vec<&'a str>,
    /// Documents with any sentence on the claim, whichever side it took (or none).
    spoke_docs: Vec<&'a str>,
    citer: Citer,
    used: Vec<(i64, usize)>,
}

/// Where the top evidence comes from: its line of evidence, that line when its original was never read, and the
/// document the core reporting section starts from.
struct Trace<'a> {
    top_line: Option<&'a crate::provenance::Line>,
    unread: Option<&'a crate::provenance::Line>,
    original_doc: Option<String>,
}

impl<'d, 'a> Composer<'d, 'a> {
    fn new(d: &'d Draft<'a>) -> Composer<'d, 'a> {
        let relevant: Vec<&'a Evidence> = d.evidence.iter().filter(|e| e.is_relevant()).collect();
        let documents = |evidence: &mut dyn Iterator<Item = &'a Evidence>| {
            let mut docs: Vec<&'a str> = Vec::new();
            for e in evidence {
                if !docs.contains(&e.source.doc_id.as_str()) {
                    docs.push(&e.source.doc_id);
                }
            }
            docs
        };
        let relevant_docs = documents(&mut relevant.iter().copied());
        let spoke_docs = documents(&mut d.evidence.iter());
        Composer { d, relevant, relevant_docs, spoke_docs, citer: Citer::default(), used: Vec::new() }
    }

    fn decided(&self) -> bool {
        self.d.outcome.verdict.label != VerdictLabel::NotEnoughEvidence
    }

    fn strongest(&self, label: StanceLabel) -> Option<&'a Evidence> {
        self.relevant.iter().copied().find(|e| e.stance.label == label)
    }

    fn mark(&mut self, e: &Evidence) {
        self.used.push((e.source.version_id, e.start));
    }

    fn is_used(&self, e: &Evidence) -> bool {
        self.used.contains(&(e.source.version_id, e.start))
    }

    /// A line's documents among those with relevant evidence.
    fn in_line(&self, line: &crate::provenance::Line) -> Vec<&'a str> {
        self.d.provenance.members_among(line, &self.relevant_docs)
    }

    fn name(&self, e: &Evidence) -> String {
        name(e, self.d.provenance)
    }

    fn quote(&mut self, lead: &str, e: &Evidence) -> Sentence {
        self.citer.quote(lead, e)
    }

    fn summary(&mut self) -> Vec<Sentence> {
        let d = self.d;
        let label = d.outcome.verdict.label;
        let mut summary = vec![plain(format!(
            "Verdict: {} (confidence {:.0}%): {}.",
            label.headline(),
            d.outcome.verdict.confidence * 100.0,
            d.outcome.reason
        ))];
        if d.claim.announcement {
            summary.push(plain(
                "The question is about something to come: this report checks what has been announced or decided so \
                 far, not whether it will happen.",
            ));
        }
        if self.decided() {
            if let Some(e) = self.strongest(StanceLabel::Supports) {
                let lead = format!("The strongest supporting evidence comes from {}:", self.name(e));
                summary.push(self.quote(&lead, e));
            }
            if let Some(e) = self.strongest(StanceLabel::Refutes) {
                let lead = format!("The strongest contrary evidence comes from {}:", self.name(e));
                summary.push(self.quote(&lead, e));
            }
            if label == VerdictLabel::PartlySupported && (d.facets.is_empty() || self.only_intended()) {
                summary.push(plain(partial_support_note(d.claim, d.outcome, &self.relevant)));
            }
        } else {
            summary.push(plain(format!(
                "Verity read {} from {} for the claim {} and found {} that {} directly to it; that is too little \
                 to rate the claim either way.",
                counted(d.coverage.passages_considered, "passage", "passages"),
                counted(d.coverage.documents_considered, "document", "documents"),
                quoted(&d.claim.text),
                counted(d.coverage.evidence_sentences, "sentence", "sentences"),
                if d.coverage.evidence_sentences == 1 { "speaks" } else { "speak" },
            )));
            if let Some(e) = self.intention() {
                let lead = format!(
                    "What the sources do report is an intention or a request, not the act itself: {} reports",
                    self.name(e)
                );
                summary.push(self.quote(&lead, e));
            }
            let missing = &d.outcome.unaddressed_terms;
            summary.push(plain(if missing.is_empty() {
                "Reporting or records that state the claim, or deny it, would settle it.".to_string()
            } else {
                format!("Reporting or records that mention {} would settle it.", quoted_list(missing))
            }));
        }
        if !d.facets.is_empty() {
            summary.push(plain(facet_overview(d.facets)));
        }
        summary
    }

    fn trace(&self) -> Trace<'a> {
        let d = self.d;
        // The reporting starts from the sentence that takes a side, else from the one most about the claim: a
        // report that only promises or asks is still the core reporting, even if it settles nothing.
        let lead = self.relevant.first().copied().or_else(|| d.evidence.first());
        let top_line = lead.and_then(|e| d.provenance.lines.get(d.provenance.line_of(&e.source.doc_id)));
        // The line the top evidence belongs to, when its original was never read and several documents credit it.
        let unread = top_line.filter(|l| l.original.is_none() && self.in_line(l).len() >= 2);
        let original_doc = top_line
            .and_then(|l| l.original)
            .map(|i| d.provenance.sources[i].doc_id.clone())
            .filter(|doc| d.evidence.iter().any(|e| &e.source.doc_id == doc))
            .or_else(|| lead.map(|e| e.source.doc_id.clone()));
        Trace { top_line, unread, original_doc }
    }

    /// 1. Core reporting: the original of the line of evidence the most relevant sentence belongs to.
    fn core(&mut self, trace: &Trace<'a>) -> Vec<Sentence> {
        let d = self.d;
        let Some(orig) = &trace.original_doc else {
            return vec![plain("No source in the corpus reports on this claim directly.")];
        };
        let mut first: Vec<&Evidence> =
            d.evidence.iter().filter(|e| &e.source.doc_id == orig && e.is_relevant()).take(2).collect();
        if first.is_empty() {
            first = d.evidence.iter().filter(|e| &e.source.doc_id == orig).take(2).collect();
        }
        // Who repeats the original: every document with a sentence on the claim, whichever side it took.
        let others_in_line = trace
            .top_line
            .map(|l| d.provenance.members_among(l, &self.spoke_docs).into_iter().filter(|doc| doc != orig).count())
            .unwrap_or(0);
        let read_original = trace.top_line.is_some_and(|l| l.original.is_some());
        let mut core = vec![plain(match (others_in_line, read_original) {
            (0, _) => format!("The most relevant source found is {}.", self.name(first[0])),
            (k, true) => format!(
                "The reporting traces back to {}: {k} other document{} read credit{} it, link to it or repeat its text.",
                self.name(first[0]),
                if k == 1 { "" } else { "s" },
                if k == 1 { "s" } else { "" },
            ),
            (k, false) => format!(
                "The reporting traces back to {}, which is not among the sources read: {} documents read credit it. \
                 The most relevant of them is {}.",
                trace.top_line.map(|l| l.original_name.clone()).unwrap_or_default(),
                k + 1,
                self.name(first[0])
            ),
        })];
        for e in first {
            // The original's own words, whatever side the judge found them on: "mentions" would undersell them.
            let verb = if e.stance.label == StanceLabel::Neutral { "reports" } else { verb(e) };
            core.push(self.quote(&format!("It {verb}"), e));
            self.mark(e);
        }
        core
    }

    /// 2. Other sources, each with whom it credits, after how many independent lines of evidence they make.
    fn others(&mut self, trace: &Trace<'a>) -> Vec<Sentence> {
        let d = self.d;
        let mut others = Vec::new();
        let mut seen_docs = vec![trace.original_doc.clone().unwrap_or_default()];
        for e in self.relevant.clone() {
            if seen_docs.contains(&e.source.doc_id) || others.len() >= 4 {
                continue;
            }
            seen_docs.push(e.source.doc_id.clone());
            let credits: Vec<String> = d
                .provenance
                .get(&e.source.doc_id)
                .map(|t| t.relies_on.iter().map(|r| r.name.clone()).collect())
                .unwrap_or_default();
            let lead = if credits.is_empty() {
                format!("{} {}", self.name(e), verb(e))
            } else {
                format!("{}, relying on {}, {}", self.name(e), credits.join(" and "), verb(e))
            };
            others.push(self.quote(&lead, e));
            self.mark(e);
        }
        if others.is_empty() {
            let repeating = trace
                .top_line
                .map(|l| d.provenance.members_among(l, &self.spoke_docs).len().saturating_sub(1))
                .unwrap_or(0);
            return vec![plain(match repeating {
                0 => "No other source read takes a side on the claim.".to_string(),
                n => format!(
                    "No other source read takes a side on the claim; {n} other document{} repeat{} the account \
                     described in section 1 and add{} no line of evidence of {}.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" },
                    if n == 1 { "s" } else { "" },
                    if n == 1 { "its own" } else { "their own" }
                ),
            })];
        }
        let (documents, independent) = (d.outcome.documents, d.outcome.independent_sources);
        let shared: Vec<String> = d
            .provenance
            .lines
            .iter()
            .filter_map(|l| {
                let members = self.in_line(l);
                let repeating = if l.original.is_some() { members.len().saturating_sub(1) } else { members.len() };
                (members.len() >= 2).then(|| format!("{repeating} rely on {}", l.original_name))
            })
            .collect();
        others.insert(0, plain(if documents == 1 {
            "One document carries relevant evidence.".to_string()
        } else if independent < documents {
            format!(
                "{documents} documents carry relevant evidence, but only {independent} independently{}: a document that \
                 credits, links to or reprints another counts with it as one line of evidence.",
                if shared.is_empty() { String::new() } else { format!(" ({})", shared.join("; ")) }
            )
        } else {
            format!(
                "{documents} documents carry relevant evidence, independently of one another as far as their texts \
                 show: none credits, links to or reprints another."
            )
        }));
        others
    }

    /// 3. Who is involved: sentences naming the claim's entities, not yet quoted.
    fn who(&mut self) -> Vec<Sentence> {
        let d = self.d;
        let mut who = Vec::new();
        for e in d.evidence.iter() {
            if who.len() >= 2 || self.is_used(e) {
                continue;
            }
            let names = d.claim.entities.iter().filter(|ent| e.text.contains(ent.as_str())).count();
            if names > 0 && e.is_context() {
                let lead = format!("{} notes", self.name(e));
                who.push(self.quote(&lead, e));
                self.mark(e);
            }
        }
        if who.is_empty() {
            who.push(plain(if d.claim.entities.is_empty() {
                "The claim names no person or organisation, and the sources add none that matter to it.".to_string()
            } else {
                format!(
                    "The sources read say nothing more about {} beyond the passages quoted above.",
                    d.claim.entities.join(", ")
                )
            }));
        }
        who
    }

    /// 4. Consequences and context.
    fn context(&mut self) -> Vec<Sentence> {
        let mut context = Vec::new();
        for e in self.d.evidence.iter() {
            if context.len() >= 2 || self.is_used(e) {
                continue;
            }
            let lower = e.text.to_lowercase();
            if CONSEQUENCE_CUES.iter().any(|c| lower.contains(c)) && e.is_context() {
                let lead = format!("{} adds", self.name(e));
                context.push(self.quote(&lead, e));
                self.mark(e);
            }
        }
        if context.is_empty() {
            context.push(plain("The sources read describe no consequences or wider context for the claim."));
        }
        context
    }

    /// 5. Disagreement, limitations and what the sources do not say. A compound claim first, part by part.
    fn gaps(&mut self, trace: &Trace<'a>) -> Vec<Sentence> {
        let d = self.d;
        let mut gaps = Vec::new();
        for (i, part) in d.facets.iter().enumerate() {
            let lead = format!("Part {}, \u{201c}{}\u{201d}", i + 1, part.facet.text);
            let verdict = part.outcome.verdict.label;
            let side = match verdict {
                VerdictLabel::Supported | VerdictLabel::PartlySupported => Some(StanceLabel::Supports),
                VerdictLabel::Refuted => Some(StanceLabel::Refutes),
                _ => None,
            };
            let best = side.and_then(|side| part.evidence.iter().find(|e| e.is_relevant() && e.stance.label == side));
            gaps.push(match best {
                Some(e) => {
                    let lead =
                        format!("{lead}, is {}: {} {}", verdict.headline().to_lowercase(), self.name(e), verb(e));
                    self.quote(&lead, e)
                }
                None => plain(format!("{lead}: {}.", part_reason(part))),
            });
        }
        if let (Some(s), Some(r)) = (self.strongest(StanceLabel::Supports), self.strongest(StanceLabel::Refutes)) {
            gaps.push(plain("The sources disagree: the two quotes below take opposite sides."));
            if !self.is_used(s) {
                let lead = format!("{} reports", self.name(s));
                gaps.push(self.quote(&lead, s));
            }
            if !self.is_used(r) {
                let lead = format!("{} says", self.name(r));
                gaps.push(self.quote(&lead, r));
            }
        }
        if !d.outcome.unaddressed_terms.is_empty() {
            gaps.push(plain(format!(
                "No relevant passage mentions {}: the sources do not establish that part of the claim.",
                quoted_list(&d.outcome.unaddressed_terms)
            )));
        }
        // The records behind the reporting: an original known only through those who credit it, and no statement
        // or document from those involved. (News sources carry an outlet; a corpus of studies is its own primary
        // record.)
        if let Some(line) = trace.unread {
            gaps.push(plain(format!(
                "The original report, by {}, is not among the sources read: what it says is known here only through \
                 the {} documents that credit it.",
                line.original_name,
                self.in_line(line).len()
            )));
        }
        let news = self.relevant.iter().any(|e| e.source.outlet.is_some());
        let party = self.relevant.iter().any(|e| d.provenance.get(&e.source.doc_id).is_some_and(|t| t.party_statement));
        if news && !party && self.decided() {
            gaps.push(plain(
                "No primary record is among the sources read: no official document, transcript or statement from \
                 those involved, only reporting about them.",
            ));
        }
        if self.relevant.iter().any(|e| e.stance.hedged && e.stance.label == StanceLabel::Supports) {
            gaps.push(plain(
                "Some supporting passages speak of intentions, possibilities or reports (\u{201c}promised\u{201d}, \
                 \u{201c}may\u{201d}, \u{201c}reportedly\u{201d}) rather than of things done; they are counted as partial support.",
            ));
        }
        gaps.push(plain(coverage_note(&d.coverage)));
        gaps.push(plain(judge_note(d.judge)));
        gaps
    }

    /// 6. Competing perspectives.
    ///
    /// Where the judge found no sentence against the claim, a sentence that denies it in so many words (a negation
    /// or denial next to the claim's words) is still that side's framing: it is quoted as such, and said not to
    /// have counted as evidence.
    fn perspectives(&mut self) -> Vec<Sentence> {
        let judged_against = self.strongest(StanceLabel::Refutes);
        let against = judged_against.or_else(|| self.worded_denial());
        let counted = |e: &Evidence| e.stance.label != StanceLabel::Neutral;
        match (self.strongest(StanceLabel::Supports), against) {
            (Some(s), Some(r)) => {
                let hedge = if s.stance.hedged { ", in hedged terms," } else { "" };
                let (for_lead, against_lead) = (
                    format!("For the claim{hedge} {} says", self.name(s)),
                    format!("Against it, {} says", self.name(r)),
                );
                let mut out = vec![self.quote(&for_lead, s), self.quote(&against_lead, r)];
                if !counted(r) {
                    out.push(plain(UNCOUNTED_DENIAL));
                }
                out
            }
            (Some(_), None) => vec![plain("No source read argues against the claim.")],
            (None, Some(r)) if counted(r) => vec![plain("No source read argues for the claim.")],
            (None, Some(r)) => {
                let lead = format!("No source read states the claim as it is put. Against it, {} says", self.name(r));
                vec![self.quote(&lead, r), plain(UNCOUNTED_DENIAL)]
            }
            (None, None) => vec![plain("No source read takes a side on the claim.")],
        }
    }

    /// Whether the sources report the claimed act only as promised, planned or asked for: no part holds outright,
    /// and every sentence taken as support says so in words of intention.
    fn only_intended(&self) -> bool {
        let d = self.d;
        match d.outcome.verdict.label {
            VerdictLabel::NotEnoughEvidence => self.intention().is_some(),
            VerdictLabel::PartlySupported => {
                let support: Vec<&&Evidence> =
                    self.relevant.iter().filter(|e| e.stance.label == StanceLabel::Supports).collect();
                !d.claim.announcement
                    && !support.is_empty()
                    && support.iter().all(|e| e.stance.hedged)
                    && d.facets.iter().all(|f| f.outcome.verdict.label != VerdictLabel::Supported)
            }
            _ => false,
        }
    }

    /// The most relevant sentence that reports the claimed act only as promised, planned or asked for, when the
    /// claim is about the act itself (not about a plan).
    fn intention(&self) -> Option<&'a Evidence> {
        let d = self.d;
        if d.claim.announcement {
            return None;
        }
        d.evidence.iter().find(|e| {
            e.relevance >= crate::evidence::RELEVANT
                && !e.is_relevant()
                && crate::stance::cues(d.claim, &e.text, &e.tokens).hedged
        })
    }

    /// The sentence that denies the claim in its own words, when no judge found one against it: from a party's
    /// own statement when one denies it (the denial itself rather than a report of it), else the most relevant.
    fn worded_denial(&self) -> Option<&'a Evidence> {
        let d = self.d;
        let denials: Vec<&'a Evidence> = d
            .evidence
            .iter()
            .filter(|e| {
                e.relevance >= crate::evidence::RELEVANT && crate::stance::cues(d.claim, &e.text, &e.tokens).flipped()
            })
            .collect();
        let own = |e: &&&'a Evidence| d.provenance.get(&e.source.doc_id).is_some_and(|t| t.party_statement);
        denials.iter().find(own).or(denials.first()).copied()
    }

    /// 7. Bottom line.
    fn bottom(&mut self) -> Vec<Sentence> {
        let d = self.d;
        if self.only_intended() {
            let denied = self.strongest(StanceLabel::Refutes).or_else(|| self.worded_denial()).is_some();
            return vec![plain(format!(
                "The claim {} is not established as stated: the sources read report that it was promised, planned \
                 or asked for, and none reports that it was done{}. Promised is not done; a record of the act itself \
                 (an official document, an on-the-record statement) would settle it.",
                quoted(&d.claim.text),
                if denied { ", while a party concerned denies it" } else { "" }
            ))];
        }
        vec![plain(bottom_line(d, d.outcome.independent_sources))]
    }
}

/// What was searched and read, in one sentence.
fn coverage_note(coverage: &Coverage) -> String {
    format!(
        "Coverage: {} quer{} over the archive, {} passages from {} documents read{}; {}.",
        coverage.queries.len(),
        if coverage.queries.len() == 1 { "y" } else { "ies" },
        coverage.passages_considered,
        coverage.documents_considered,
        match &coverage.date_range {
            Some((a, b)) => format!(", published between {a} and {b}"),
            None => String::new(),
        },
        match &coverage.web {
            None => "the web was not searched".to_string(),
            Some(w) if w.pages_read == 0 => format!(
                "the web was searched ({}) but no page could be read, so the archive alone decided",
                w.providers.join(", ")
            ),
            Some(w) => format!(
                "the web was searched with {} quer{} ({}) and {} page{} read into the archive",
                w.queries.len(),
                if w.queries.len() == 1 { "y" } else { "ies" },
                w.providers.join(", "),
                w.pages_read,
                if w.pages_read == 1 { " was" } else { "s were" }
            ),
        }
    )
}

/// Each source's provenance (whom it relies on, by number where the report cites it; its line of evidence; whether
/// it is a party's own statement), and the independence counts.
fn trace_sources(
    mut sources: Vec<ReportSource>,
    d: &Draft<'_>,
    relevant_docs: &[&str],
) -> (Vec<ReportSource>, Independence) {
    let number_of: HashMap<String, u32> = sources.iter().map(|s| (s.doc_id.clone(), s.n)).collect();
    for s in &mut sources {
        if let Some(t) = d.provenance.get(&s.doc_id) {
            s.party_statement = t.party_statement;
            s.line = t.line as u32 + 1;
            s.relies_on = t
                .relies_on
                .iter()
                .map(|r| SourceReliance {
                    name: r.name.clone(),
                    source: r.doc_id.as_ref().and_then(|doc| number_of.get(doc).copied()),
                    doc_id: r.doc_id.clone(),
                    how: r.how,
                })
                .collect();
        }
    }
    let shared_lines = d
        .provenance
        .lines
        .iter()
        .filter_map(|l| {
            let docs = d.provenance.members_among(l, relevant_docs);
            (docs.len() >= 2).then(|| SharedLine {
                original: l.original_name.clone(),
                original_source: l.original.and_then(|i| number_of.get(&d.provenance.sources[i].doc_id).copied()),
                documents: docs.len(),
                sources: docs.iter().filter_map(|doc| number_of.get(*doc).copied()).collect(),
            })
        })
        .collect();
    let independence =
        Independence { documents: d.outcome.documents, independent: d.outcome.independent_sources, shared_lines };
    (sources, independence)
}

fn quoted_list(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\u{201c}{t}\u{201d}")).collect::<Vec<_>>().join(", ")
}

/// How the summary's overview of a compound claim's parts begins: the language-model writer keeps that line last,
/// after its own summary, and finds it by this.
pub(crate) const PARTS_OVERVIEW: &str = "The claim has ";

/// One line for the summary: how many parts the claim has and how each fared.
fn facet_overview(facets: &[Assessed]) -> String {
    let parts: Vec<String> = facets
        .iter()
        .map(|a| {
            let fate = match a.outcome.verdict.label {
                VerdictLabel::Supported => "is supported",
                VerdictLabel::PartlySupported => "is partly supported",
                VerdictLabel::Conflicting => "is disputed",
                VerdictLabel::Refuted => "is contradicted",
                VerdictLabel::NotEnoughEvidence => "is not established by the sources read",
            };
            format!("\u{201c}{}\u{201d} {fate}", a.facet.text)
        })
        .collect();
    format!("{PARTS_OVERVIEW}{} parts, checked separately: {}.", facets.len(), parts.join("; "))
}

/// Why a part got its verdict, in words that fit its role.
fn part_reason(part: &Assessed) -> String {
    match (part.outcome.verdict.label, part.facet.role) {
        (VerdictLabel::NotEnoughEvidence, FacetRole::Purpose) => {
            "no source read says the act was done for this purpose or in exchange for it".to_string()
        }
        (VerdictLabel::NotEnoughEvidence, FacetRole::Cause) => "no source read links the act to this cause".to_string(),
        _ => part.outcome.reason.clone(),
    }
}

/// Which part of a partly supported claim holds, and which does not.
fn partial_support_note(claim: &Claim, outcome: &Outcome, relevant: &[&Evidence]) -> String {
    let hedged = relevant.iter().any(|e| e.stance.label == StanceLabel::Supports && e.stance.hedged);
    let covered: Vec<String> =
        claim.key_terms.iter().filter(|t| !outcome.unaddressed_terms.contains(t)).cloned().collect();
    match (hedged, outcome.unaddressed_terms.is_empty()) {
        (true, _) => "What holds: sources describe an intention, a promise or a report of it; what does not: none \
                      states that the act itself took place."
            .to_string(),
        (false, false) => format!(
            "What holds: the evidence speaks to {}; what does not: no relevant source mentions {}.",
            quoted_list(&covered),
            quoted_list(&outcome.unaddressed_terms)
        ),
        (false, true) => "The evidence matches parts of the claim but no single source states all of it.".to_string(),
    }
}

/// The claim in quotation marks, so it reads right whether it is a statement or a question left as asked.
/// "1 sentence", "3 sentences".
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn quoted(claim: &str) -> String {
    format!("\u{201c}{}\u{201d}", claim.trim_end_matches('.'))
}

fn bottom_line(d: &Draft<'_>, independent: usize) -> String {
    let claim = quoted(&d.claim.text);
    let what_would_change = "A primary record (an official document, an on-the-record statement, or the study itself) \
                             would settle it more firmly.";
    match d.outcome.verdict.label {
        VerdictLabel::Supported => format!(
            "The evidence read supports the claim {claim} ({independent} independent document{}). {what_would_change}",
            if independent == 1 { "" } else { "s" }
        ),
        VerdictLabel::PartlySupported => format!(
            "Part of the claim is supported, but not all of it as stated; read section 5 for what is missing. {what_would_change}"
        ),
        VerdictLabel::Conflicting => format!(
            "Sources disagree about the claim {claim}; neither side clearly outweighs the other in the corpus. \
             {what_would_change}"
        ),
        VerdictLabel::Refuted => format!(
            "The most relevant evidence contradicts the claim {claim}. A later or more authoritative source could \
             still change this."
        ),
        VerdictLabel::NotEnoughEvidence => format!(
            "The sources searched do not settle the claim {claim}; that is a statement about the corpus, not a \
             finding that the claim is false. Adding reporting or records on it to the archive{} would help.",
            if d.coverage.web.is_some() { "" } else { ", or searching the web," }
        ),
    }
}

/// Questions that start new checks: each one a yes/no question the claim reader accepts (open questions such
/// as "who first reported ...?" would be refused when clicked).
fn follow_ups(claim: &Claim, outcome: &Outcome, facets: &[Assessed], unread_original: Option<&str>) -> Vec<String> {
    let c = quoted(&claim.text);
    // An original everyone credits but nobody read is the first thing to find.
    let mut out = vec![match unread_original {
        Some(name) => format!("Did {name} report the claim {c}?"),
        None => format!("Has the claim {c} been traced to one original report?"),
    }];
    // The parts no source settles are the first things to look for.
    for part in facets.iter().filter(|a| a.outcome.verdict.label == VerdictLabel::NotEnoughEvidence).take(2) {
        out.push(match part.facet.role {
            FacetRole::Purpose => format!(
                "Did the people involved say that {} because {}?",
                facets[0].facet.statement.trim_end_matches('.'),
                part.facet.text.trim_end_matches('.')
            ),
            _ => format!("Is there any record that {}?", part.facet.statement.trim_end_matches('.')),
        });
    }
    let topic: Vec<&str> = claim.key_terms.iter().take(4).map(String::as_str).collect();
    for entity in claim.entities.iter().filter(|e| can_respond(e, &claim.text)).take(2) {
        out.push(format!("Did {entity} respond to the claim {c}?"));
    }
    if let Some(term) = outcome.unaddressed_terms.first() {
        out.push(format!("Is there any record of the \u{201c}{term}\u{201d} part of the claim {c}?"));
    }
    match outcome.verdict.label {
        VerdictLabel::Conflicting | VerdictLabel::Refuted => out.push(format!("Has anyone disputed the claim {c}?")),
        _ => out.push(format!("Has an official record or a primary study confirmed or denied the claim {c}?")),
    }
    if out.len() < 3 {
        out.push(format!("Has there been newer reporting on {}?", topic.join(" ")));
    }
    out.dedup();
    out.truncate(5);
    out
}

/// Whether an entity of the claim names someone who could respond to it: a name, not a number or a word that
/// only describes a noun after it ("European regulators": "Did European respond ...?" is no question).
fn can_respond(entity: &str, claim: &str) -> bool {
    use verity_text::lexicon::{Class, VerbForm, lexicon};
    let letters = entity.chars().filter(|c| c.is_alphabetic()).count();
    let tokens: Vec<&str> = claim.split_whitespace().collect();
    let entity_words: Vec<&str> = entity.split_whitespace().collect();
    let describes_a_noun = tokens.windows(entity_words.len() + 1).any(|w| {
        let (written, next) = w.split_at(entity_words.len());
        let next = next[0].trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        written == entity_words.as_slice()
            && !written.last().is_some_and(|last| last.ends_with([',', ';', ':', '.']))
            && lexicon().is(&next, Class::Noun)
            && !lexicon().is_verb_form(&next, VerbForm::Past)
            && !lexicon().is_verb_form(&next, VerbForm::Third)
    });
    letters >= 2 && !describes_a_noun
}

/// A readable, stable URL slug: the question's first words and the start of the id.
pub fn slug(question: &str, id: &str) -> String {
    let words: Vec<String> =
        verity_text::words(question).into_iter().filter(|w| !verity_text::is_stopword(w)).take(8).collect();
    let short: String = id.chars().take(8).collect();
    if words.is_empty() { short } else { format!("{}-{short}", words.join("-")) }
}
