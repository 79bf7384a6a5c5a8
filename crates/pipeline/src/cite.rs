//! The citation check: the gate every report passes before it is published.
//!
//! Twice over: [`verify_evidence`] keeps only evidence whose offsets still point at the same words in the
//! stored snapshot, so the writer can only quote what is stored; [`gate`] then re-reads every cited sentence of
//! the finished report and drops any whose quotes are not found verbatim in the snapshot of each source it
//! cites. Sources no surviving sentence cites are removed and the rest renumbered, so every `[n]` resolves.

use std::collections::HashMap;

use verity_model::{CitationCheck, Diagnostic, Report, Sentence, Verification};

use crate::Corpus;
use crate::evidence::Evidence;

struct Snapshots<'a> {
    corpus: &'a dyn Corpus,
    cache: HashMap<i64, Option<String>>,
}

impl Snapshots<'_> {
    fn get(&mut self, version_id: i64) -> Option<&str> {
        let corpus = self.corpus;
        self.cache.entry(version_id).or_insert_with(|| corpus.snapshot(version_id)).as_deref()
    }
}

pub fn verify_evidence(evidence: Vec<Evidence>, corpus: &dyn Corpus) -> (Vec<Evidence>, Vec<Diagnostic>) {
    let mut snapshots = Snapshots { corpus, cache: HashMap::new() };
    let mut diagnostics = Vec::new();
    let kept = evidence
        .into_iter()
        .filter(|e| {
            let ok = snapshots.get(e.source.version_id).and_then(|s| s.get(e.start..e.end)) == Some(e.text.as_str());
            if !ok {
                diagnostics.push(Diagnostic {
                    stage: "citation check".into(),
                    message: format!("evidence from {} no longer matches its stored text; not used", e.source.doc_id),
                });
            }
            ok
        })
        .collect();
    (kept, diagnostics)
}

/// Verifies every cited sentence of `report` against the stored snapshots and returns the publishable report.
pub fn gate(mut report: Report, corpus: &dyn Corpus) -> Report {
    let mut snapshots = Snapshots { corpus, cache: HashMap::new() };
    let versions: HashMap<u32, i64> = report.sources.iter().map(|s| (s.n, s.version_id)).collect();
    let names: HashMap<u32, String> = report.sources.iter().map(|s| (s.n, source_name(s))).collect();
    // What the writer already rewrote is part of the record.
    let mut totals = CitationCheck {
        written: report.citation_check.written,
        rewritten: report.citation_check.rewritten,
        ..CitationCheck::default()
    };
    let mut dropped_notes = Vec::new();
    {
        // The check borrows the totals; it ends before they are read.
        let mut keep = |sentence: &Sentence| -> bool {
            if sentence.citations.is_empty() {
                return true;
            }
            totals.cited_sentences += 1;
            let mut in_every_cited_source = |quotes: &[String]| {
                !quotes.is_empty()
                    && sentence.citations.iter().all(|n| {
                        versions
                            .get(n)
                            .and_then(|v| snapshots.get(*v))
                            .is_some_and(|snap| quotes.iter().any(|q| snap.contains(q.as_str())))
                    })
            };
            let ok = match &sentence.verification {
                Some(Verification::Verbatim { quotes } | Verification::Rewritten { quotes }) => {
                    quotes.iter().all(|q| sentence.text.contains(q.as_str())) && in_every_cited_source(quotes)
                }
                // Recomputed, not trusted: the writer's claim of support counts for nothing.
                Some(Verification::Lexical { quotes, .. }) => {
                    let names: Vec<String> = sentence.citations.iter().filter_map(|n| names.get(n).cloned()).collect();
                    backed(&sentence.text, quotes, &names) && in_every_cited_source(quotes)
                }
                None => false,
            };
            if ok {
                totals.verified += 1;
            } else {
                totals.dropped += 1;
                dropped_notes.push(format!("dropped a sentence whose citation did not check out: {:?}", sentence.text));
            }
            ok
        };
        report.summary.retain(&mut keep);
        for section in &mut report.sections {
            section.sentences.retain(&mut keep);
        }
    }
    for message in dropped_notes {
        report.diagnostics.push(Diagnostic { stage: "citation check".into(), message });
    }
    for section in &mut report.sections {
        if section.sentences.is_empty() {
            section.sentences.push(Sentence {
                text: "Nothing in the sources read speaks to this.".into(),
                citations: vec![],
                verification: None,
            });
        }
    }
    renumber(&mut report);
    report.citation_check = totals;
    report
}

/// The least [`support`] a sentence in a writer's own words needs from the sentences it cites.
pub const SUPPORTED: f32 = 0.7;
/// With several citations, the least each cited sentence must back on its own: a source named beside the one
/// that says it ("X and Y both report ...") is a false attribution.
pub const SUPPORTED_BY_EACH: f32 = 0.4;

/// Whether `quotes` (one per cited source) back a writer's sentence: together at least [`SUPPORTED`], and each
/// at least [`SUPPORTED_BY_EACH`] when there are several. `names` are the cited sources' names: the attribution
/// ("The Ledger reports that ...") is what the citation itself checks, so it is not scored as content.
pub fn backed(sentence: &str, quotes: &[String], names: &[String]) -> bool {
    let content = without_names(sentence, names);
    support(&content, quotes) >= SUPPORTED
        && (quotes.len() < 2 || quotes.iter().all(|q| support(&content, std::slice::from_ref(q)) >= SUPPORTED_BY_EACH))
}

/// The sentence without the cited sources' names (with or without a leading "The") and without ISO dates, which
/// are the sources' publication dates, not their content.
pub fn without_names(sentence: &str, names: &[String]) -> String {
    let mut out = sentence.to_string();
    for name in names {
        let bare = name.strip_prefix("The ").unwrap_or(name);
        if bare.len() >= 3 {
            out = out.replace(bare, " ");
        }
    }
    out.split_whitespace().filter(|w| !is_iso_date(w)).collect::<Vec<_>>().join(" ")
}

/// "2025-03-21", "(2025-03-21)", "2025-03-21," ...
fn is_iso_date(word: &str) -> bool {
    let w: Vec<char> = word.trim_matches(|c: char| !c.is_ascii_alphanumeric()).chars().collect();
    w.len() == 10 && w.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == '-' } else { c.is_ascii_digit() })
}

/// Words that attribute rather than assert: they are not scored as a sentence's content.
const ATTRIBUTION: &[&str] = &[
    "report",
    "reports",
    "reported",
    "reporting",
    "say",
    "says",
    "said",
    "state",
    "states",
    "stated",
    "note",
    "notes",
    "noted",
    "according",
    "write",
    "writes",
    "wrote",
    "add",
    "adds",
    "added",
    "mention",
    "mentions",
    "mentioned",
    "both",
    "also",
    "source",
    "sources",
    "describe",
    "describes",
    "described",
    "frame",
    "frames",
    "framed",
];

/// How well `quotes` (sentences of the cited sources) back `sentence`: the share of the sentence's content words
/// (stems; citation marks ignored) that the quotes contain. Zero when the sentence has a number the quotes lack,
/// or when one side is negated and the other is not ("did not hand over" is not backed by "handed over").
pub fn support(sentence: &str, quotes: &[String]) -> f32 {
    let sentence = strip_citation_marks(sentence);
    let quoted: std::collections::HashSet<String> = quotes.iter().flat_map(|q| verity_text::content_terms(q)).collect();
    let quoted_words: std::collections::HashSet<String> = quotes.iter().flat_map(|q| verity_text::words(q)).collect();
    let words = verity_text::words(&sentence);
    let numbers_backed =
        words.iter().filter(|w| w.chars().any(|c| c.is_ascii_digit())).all(|w| quoted_words.contains(w));
    let negated = |ws: &[String]| ws.iter().any(|w| crate::claim::is_negation(w));
    let quotes_negated = quotes.iter().any(|q| negated(&verity_text::words(q)));
    if !numbers_backed || negated(&words) != quotes_negated {
        return 0.0;
    }
    let attribution: std::collections::HashSet<String> = ATTRIBUTION.iter().map(|w| verity_text::stem(w)).collect();
    let terms: Vec<String> =
        verity_text::content_terms(&sentence).into_iter().filter(|t| !attribution.contains(t)).collect();
    if terms.is_empty() {
        return 0.0;
    }
    terms.iter().filter(|t| quoted.contains(*t)).count() as f32 / terms.len() as f32
}

/// How prose names a report source: its outlet, else its title.
pub fn source_name(source: &verity_model::ReportSource) -> String {
    source.outlet.clone().unwrap_or_else(|| source.title.clone())
}

/// "Text [1][2]." -> "Text ."
pub fn strip_citation_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|c| open + c);
        match close {
            Some(close)
                if close > open + 1
                    && rest[open + 1..close].chars().all(|c| c.is_ascii_digit() || c == ',' || c == ' ') =>
            {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drops sources no sentence cites and renumbers the rest in order of first citation.
fn renumber(report: &mut Report) {
    let mut order: Vec<u32> = Vec::new();
    for s in report.sentences() {
        for n in &s.citations {
            if !order.contains(n) {
                order.push(*n);
            }
        }
    }
    let map: HashMap<u32, u32> = order.iter().enumerate().map(|(i, n)| (*n, i as u32 + 1)).collect();
    let fix = |s: &mut Sentence| s.citations.iter_mut().for_each(|n| *n = map[n]);
    report.summary.iter_mut().for_each(fix);
    report.sections.iter_mut().flat_map(|s| s.sentences.iter_mut()).for_each(fix);
    // Quotes a source keeps are those of sentences that survived.
    let mut quotes: HashMap<u32, Vec<String>> = HashMap::new();
    for s in report.sentences() {
        if let Some(
            Verification::Verbatim { quotes: q }
            | Verification::Rewritten { quotes: q }
            | Verification::Lexical { quotes: q, .. },
        ) = &s.verification
        {
            for n in &s.citations {
                let list = quotes.entry(*n).or_default();
                for quote in q {
                    if !list.contains(quote) {
                        list.push(quote.clone());
                    }
                }
            }
        }
    }
    report.sources.retain(|s| map.contains_key(&s.n));
    for source in &mut report.sources {
        source.n = map[&source.n];
        source.quotes = quotes.remove(&source.n).unwrap_or_default();
        for r in &mut source.relies_on {
            r.source = r.source.and_then(|n| map.get(&n).copied());
        }
    }
    report.sources.sort_by_key(|s| s.n);
    for line in &mut report.independence.shared_lines {
        line.original_source = line.original_source.and_then(|n| map.get(&n).copied());
        line.sources = line.sources.iter().filter_map(|n| map.get(n).copied()).collect();
        line.sources.sort_unstable();
    }
}
