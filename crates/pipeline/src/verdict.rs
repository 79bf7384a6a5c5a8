//! Verdict: weighs the stances of the evidence into one label with a confidence, behind a coverage gate.
//!
//! Each line of evidence counts once (its strongest sentence on each side): a document, or documents that
//! [`crate::provenance`] tied together (one credits, links to or reprints another), or documents whose relevant
//! sentences nearly copy one another (word-trigram Jaccard >= 0.6). Sentences repeated verbatim across
//! documents were already merged by [`crate::evidence`]. A party's own statement counts half. The gate: without at least one strongly relevant
//! sentence, or two relevant ones from independent lines, the verdict is `not_enough_evidence` — silence in
//! the corpus is never read as a refutation, and a refutation needs a strongly relevant sentence of its own.

use std::collections::HashMap;

use verity_model::{StanceLabel, Verdict, VerdictLabel};

use crate::claim::Claim;

use crate::evidence::{Evidence, RELEVANT};
use crate::provenance::Provenance;

/// A sentence this relevant can carry a verdict on its own.
pub const STRONG: f32 = 0.6;
/// A side at least this share of the other side's weight makes the evidence conflicting.
const CONFLICT_RATIO: f32 = 0.5;
/// Claim words the best support must cover for `supported` rather than `partly_supported`.
const FULL_COVERAGE: f32 = 0.75;

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Documents with relevant evidence.
    pub documents: usize,
    /// Independent lines of evidence among them: documents whose relevant sentences nearly copy one another's
    /// count as one.
    pub independent_sources: usize,
    pub support_weight: f32,
    pub refute_weight: f32,
    /// Claim words no relevant sentence contains.
    pub unaddressed_terms: Vec<String>,
    /// Why the label was chosen, in one plain sentence.
    pub reason: String,
}

pub fn decide(claim: &Claim, evidence: &[Evidence]) -> Outcome {
    decide_traced(claim, evidence, &Provenance::default())
}

/// A party's own statement counts for this much of an independent report: it shows the party's position, not
/// that anyone checked it.
const PARTY_STATEMENT_WEIGHT: f32 = 0.5;

/// Like [`decide`], with the sources' provenance: documents in one line of evidence (attribution, links,
/// near-copies of whole texts) count once, and a party's own statement counts half.
pub fn decide_traced(claim: &Claim, evidence: &[Evidence], provenance: &Provenance) -> Outcome {
    let relevant: Vec<&Evidence> = evidence.iter().filter(|e| e.relevance >= RELEVANT).collect();
    let line_of = lines_of_evidence(&relevant, provenance);
    let documents = line_of.len();
    let per_doc = strongest_per_line(&relevant, &line_of, provenance);
    let support: f32 = per_doc.values().map(|v| v.0).sum();
    let refute: f32 = per_doc.values().map(|v| v.1).sum();
    let best = relevant.iter().map(|e| e.relevance).fold(0.0, f32::max);
    let best_refute =
        relevant.iter().filter(|e| side(e) == StanceLabel::Refutes).map(|e| e.relevance).fold(0.0, f32::max);
    let best_support =
        relevant.iter().filter(|e| side(e) == StanceLabel::Supports).max_by(|a, b| a.relevance.total_cmp(&b.relevance));
    let unaddressed_terms = unaddressed_terms(claim, &relevant);
    // Anchors no relevant sentence contains: the claim's most specific part is unaddressed.
    let unaddressed_anchors: Vec<&String> = relevant
        .first()
        .map(|first| {
            first
                .missing_anchors_in_context
                .iter()
                .filter(|a| relevant.iter().all(|e| e.missing_anchors_in_context.contains(a)))
                .collect()
        })
        .unwrap_or_default();
    let gate_open = best >= STRONG || per_doc.len() >= 2;
    let (label, reason) = if !gate_open {
        (VerdictLabel::NotEnoughEvidence, "too little relevant evidence was found to decide".to_string())
    } else if !unaddressed_anchors.is_empty() {
        let words: Vec<String> = claim
            .key_terms
            .iter()
            .filter(|t| unaddressed_anchors.iter().any(|a| **a == verity_text::stem(t)))
            .map(|t| format!("\u{201c}{t}\u{201d}"))
            .collect();
        (
            VerdictLabel::NotEnoughEvidence,
            format!("no relevant source mentions {}, the most specific part of the claim", words.join(", ")),
        )
    } else if support > 0.0 && refute > 0.0 && support.min(refute) >= CONFLICT_RATIO * support.max(refute) {
        (VerdictLabel::Conflicting, "relevant sources take both sides".to_string())
    } else if refute > support && best_refute >= STRONG {
        (VerdictLabel::Refuted, "the most relevant evidence contradicts the claim".to_string())
    } else if support > refute {
        let full = best_support
            .is_some_and(|e| e.term_coverage >= FULL_COVERAGE && !e.stance.hedged && e.missing_anchors.is_empty());
        if full && unaddressed_terms.len() * 4 <= claim.key_terms.len() {
            (VerdictLabel::Supported, "the most relevant evidence states what the claim says".to_string())
        } else if best_support.is_some_and(|e| only_intended(e)) {
            (VerdictLabel::NotEnoughEvidence, PROMISED_NOT_DONE.to_string())
        } else if best_support.is_some_and(|e| e.stance.hedged) {
            (
                VerdictLabel::PartlySupported,
                "the evidence uses weaker words (promised, may, reportedly) than the claim".to_string(),
            )
        } else {
            (
                VerdictLabel::PartlySupported,
                "the evidence supports part of the claim; other parts are not addressed".to_string(),
            )
        }
    } else if support == 0.0 && refute == 0.0 {
        (VerdictLabel::NotEnoughEvidence, "no relevant sentence takes a side on the claim".to_string())
    } else {
        (
            VerdictLabel::NotEnoughEvidence,
            "the evidence leans against the claim, but not strongly enough to refute it".to_string(),
        )
    };
    let confidence = confidence(label, support, refute, best, per_doc.len());
    Outcome {
        verdict: Verdict { label, confidence },
        documents,
        independent_sources: per_doc.len(),
        support_weight: support,
        refute_weight: refute,
        unaddressed_terms,
        reason,
    }
}

/// The side a sentence takes for the verdict. A sentence that contradicts the claim without naming its most
/// specific term contradicts something else ("did not move abroad" says nothing about resigning): it counts as
/// neutral.
pub fn side(e: &Evidence) -> StanceLabel {
    match e.stance.label {
        StanceLabel::Refutes if !e.missing_anchors.is_empty() => StanceLabel::Neutral,
        label => label,
    }
}

/// What is done about a judge that may read a sentence's topic but not which way it points ("The ministry did not
/// hand over informants" read as support for "The ministry handed over informants"). The judge is asked a second
/// time, about the claim's opposite ([`crate::claim::opposite`]): a sentence that states the claim should refute
/// its opposite, and the reverse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// The judge's readings as it gives them: asked once.
    #[default]
    Off,
    /// A sentence the judge reads as taking the same side on the claim and on its opposite decides nothing: it
    /// counts as neutral, and the report says its reading was unclear.
    Unclear,
    /// Each sentence's reading is the mean of its reading against the claim and its reading against the
    /// opposite with the sides swapped: whatever the judge reads the same both ways cancels out.
    Contrast,
    /// [`Guard::Unclear`], and where the judge reads support but the sentence's own words deny the claim (a
    /// negation or denial next to the claim's words, an opposite term: [`crate::stance::Cues::flipped`]), the
    /// reading's sides are swapped: the judge found the sentence on the claim's topic, the words say which way.
    Polarity,
}

/// How a model judge's readings become a verdict: the thresholds a line of evidence must reach to count for a
/// side, fitted per judge on the training splits (`verity train verdict`), and the calibration of the result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Judged {
    /// A line of evidence supports the claim when its best sentence's support probability reaches this.
    pub support: f32,
    /// A line of evidence refutes the claim when its best sentence's refutation probability reaches this.
    pub refute: f32,
    /// Both sides count as conflicting only when the weaker is at least this share of the stronger.
    pub conflict_ratio: f32,
    /// Whether a refutation must name the claim's most specific term (a sentence contradicting something else
    /// on the same topic is then no refutation).
    pub refute_needs_anchor: bool,
    /// Whether a sentence counts for a side only when that side is the judge's most likely reading of it: with a
    /// threshold under one half, a reading of 0.37 support against 0.38 neutral would otherwise count as support.
    /// Held fixed (on) by `verity train verdict`, like the anchor rule; settings fitted before it lack it (off).
    #[serde(default)]
    pub side_needs_plurality: bool,
    /// Whether the judge is also asked about the claim's opposite, and what is made of it ([`Guard`]).
    #[serde(default)]
    pub guard: Guard,
    pub calibration: Calibration,
}

impl Judged {
    /// The shipped settings for a kind of judge (`crates/pipeline/judged.json`); defaults for a kind without any.
    pub fn shipped(kind: verity_model::JudgeKind) -> &'static Judged {
        static SHIPPED: std::sync::OnceLock<HashMap<verity_model::JudgeKind, Judged>> = std::sync::OnceLock::new();
        static DEFAULT: std::sync::OnceLock<Judged> = std::sync::OnceLock::new();
        let shipped = SHIPPED.get_or_init(|| {
            serde_json::from_str(include_str!("../judged.json")).expect("the shipped verdict settings are valid JSON")
        });
        shipped.get(&kind).unwrap_or_else(|| DEFAULT.get_or_init(Judged::default))
    }
}

impl Default for Judged {
    fn default() -> Judged {
        Judged {
            support: 0.5,
            refute: 0.5,
            conflict_ratio: 0.5,
            refute_needs_anchor: true,
            side_needs_plurality: false,
            guard: Guard::Off,
            calibration: Calibration { by_label: vec![], provenance: serde_json::Value::Null },
        }
    }
}

/// The verdict from a model judge's readings. Each line of evidence counts once, by its best sentence on each
/// side (a party's own statement at half weight); a side counts when a line reaches its threshold. No line past
/// either threshold is `not_enough_evidence`, whatever the corpus holds: silence is never a refutation.
pub fn decide_judged(claim: &Claim, evidence: &[Evidence], provenance: &Provenance, settings: &Judged) -> Outcome {
    let read: Vec<&Evidence> = evidence.iter().filter(|e| e.reading.is_some()).collect();
    let line_of = lines_of_evidence(&read, provenance);
    // Per line: (best support, best refutation, the sentences giving them).
    type Best<'a> = (f32, f32, Option<&'a Evidence>, Option<&'a Evidence>);
    let mut lines: HashMap<usize, Best> = HashMap::new();
    for e in &read {
        let Some(reading) = &e.reading else { continue };
        let party = provenance.get(&e.source.doc_id).is_some_and(|t| t.party_statement);
        let weight = if party { PARTY_STATEMENT_WEIGHT } else { 1.0 };
        let entry = lines.entry(line_of[e.source.doc_id.as_str()]).or_default();
        let plurality = |side: StanceLabel| !settings.side_needs_plurality || reading.label() == side;
        let support = if plurality(StanceLabel::Supports) { weight * reading.supports() } else { 0.0 };
        if support > entry.0 {
            (entry.0, entry.2) = (support, Some(*e));
        }
        let names_the_anchor = !settings.refute_needs_anchor || e.missing_anchors.is_empty();
        let refute = if names_the_anchor && plurality(StanceLabel::Refutes) { weight * reading.refutes() } else { 0.0 };
        if refute > entry.1 {
            (entry.1, entry.3) = (refute, Some(*e));
        }
    }
    let supporting: Vec<_> = lines.values().filter(|l| l.0 >= settings.support && l.0 >= l.1).collect();
    let refuting: Vec<_> = lines.values().filter(|l| l.1 >= settings.refute && l.1 > l.0).collect();
    let best_support = supporting.iter().max_by(|a, b| a.0.total_cmp(&b.0)).and_then(|l| l.2.map(|e| (l.0, e)));
    let best_refute = refuting.iter().max_by(|a, b| a.1.total_cmp(&b.1)).and_then(|l| l.3.map(|e| (l.1, e)));
    let support_weight: f32 = supporting.iter().map(|l| l.0).sum();
    let refute_weight: f32 = refuting.iter().map(|l| l.1).sum();
    let strongest = lines.values().map(|l| l.0.max(l.1)).fold(0.0, f32::max);
    let (label, confidence, reason) = match (best_support, best_refute) {
        (None, None) => (
            VerdictLabel::NotEnoughEvidence,
            1.0 - strongest,
            if read.is_empty() {
                "no sentence in the sources read speaks to the claim".to_string()
            } else {
                format!("none of the {} most relevant sentences states the claim or contradicts it", read.len())
            },
        ),
        (Some((s, se)), Some((r, re))) if s.min(r) >= settings.conflict_ratio * s.max(r) => (
            VerdictLabel::Conflicting,
            s.min(r),
            format!("{} supports the claim, but {} contradicts it", says(se), says(re)),
        ),
        (Some((s, e)), refuted) if refuted.is_none_or(|(r, _)| s >= r) => {
            if only_intended(e) {
                (VerdictLabel::NotEnoughEvidence, s, format!("{}: {PROMISED_NOT_DONE}", says(e)))
            } else if e.stance.hedged {
                (
                    VerdictLabel::PartlySupported,
                    s,
                    format!("{}, but in hedged terms (promised, may, reportedly)", says(e)),
                )
            } else {
                (VerdictLabel::Supported, s, format!("{}, which states what the claim says", says(e)))
            }
        }
        (_, Some((r, e))) => (VerdictLabel::Refuted, r, format!("{}, which contradicts the claim", says(e))),
        (Some(_), None) => unreachable!("handled above"),
    };
    // What the sentences read mention, whichever side they took: a term they all leave out is what the sources do
    // not say, and a term they mention without settling is not "unaddressed".
    let unaddressed_terms = unaddressed_terms(claim, &read);
    let documents = read
        .iter()
        .filter(|e| e.is_relevant())
        .map(|e| e.source.doc_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    Outcome {
        verdict: Verdict { label, confidence: confidence.clamp(0.0, 1.0) },
        documents,
        independent_sources: supporting.len() + refuting.len(),
        support_weight,
        refute_weight,
        unaddressed_terms: if label == VerdictLabel::NotEnoughEvidence { unaddressed_terms } else { vec![] },
        reason,
    }
}

/// Why a claim of an act is not established by sources that only report the act promised, planned or asked for.
const PROMISED_NOT_DONE: &str =
    "the sources report that it was promised, planned or asked for; none reports that it was done";

/// The supporting sentence says the act was promised, planned or asked for, where the claim says it was done
/// ([`crate::stance::Stance::intent`]): that does not establish the act, whatever the judge read.
fn only_intended(e: &Evidence) -> bool {
    e.stance.hedged && e.stance.intent
}

/// The claim's key terms that no sentence of `sentences` contains (by stem). Light verbs ("get", "made") are
/// scored on no sentence, so no sentence can address them: they are never listed.
fn unaddressed_terms(claim: &Claim, sentences: &[&Evidence]) -> Vec<String> {
    let covered: std::collections::HashSet<&str> =
        sentences.iter().flat_map(|e| e.matched.iter().map(String::as_str)).collect();
    // Each key term is one of the claim's words: its stem is the one read with it.
    let stem_of = |term: &str| claim.tokens.words.iter().position(|w| w == term).map(|i| &claim.tokens.stems[i]);
    claim
        .key_terms
        .iter()
        .filter(|t| stem_of(t).is_some_and(|stem| claim.stems.contains(stem) && !covered.contains(stem.as_str())))
        .cloned()
        .collect()
}

/// Per line of evidence (a document, or documents that copy one text): the strength of its strongest supporting
/// sentence, of its strongest contradicting one, and whether the supporting one is hedged. A party's own
/// statement counts for less.
fn strongest_per_line(
    relevant: &[&Evidence],
    line_of: &HashMap<&str, usize>,
    provenance: &Provenance,
) -> HashMap<usize, (f32, f32, bool)> {
    let mut per_line: HashMap<usize, (f32, f32, bool)> = HashMap::new();
    for e in relevant {
        let entry = per_line.entry(line_of[e.source.doc_id.as_str()]).or_default();
        let party = provenance.get(&e.source.doc_id).is_some_and(|t| t.party_statement);
        let strength = if party { PARTY_STATEMENT_WEIGHT * e.stance.strength } else { e.stance.strength };
        match side(e) {
            StanceLabel::Supports => {
                if strength > entry.0 {
                    entry.0 = strength;
                    entry.2 = e.stance.hedged;
                }
            }
            StanceLabel::Refutes => entry.1 = entry.1.max(strength),
            StanceLabel::Neutral => {}
        }
    }
    per_line
}

/// "The Ledger says “…”": the source of a deciding sentence and the sentence, shortened, in the judge's words
/// when it gave a reason.
fn says(e: &Evidence) -> String {
    let who = e.source.outlet.clone().unwrap_or_else(|| {
        let title = e.source.title.trim();
        if title.is_empty() {
            format!("document {}", e.source.doc_id)
        } else {
            format!("\u{201c}{}\u{201d}", short(title, 12))
        }
    });
    match e.reading.as_ref().and_then(|r| r.reason.as_deref()) {
        Some(reason) => format!("{who} ({reason})"),
        None => format!("{who} says \u{201c}{}\u{201d}", short(&e.text, 24)),
    }
}

/// The first `words` words of `text`, with an ellipsis when cut.
fn short(text: &str, words: usize) -> String {
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() <= words {
        all.join(" ")
    } else {
        format!("{}\u{2026}", all[..words].join(" ").trim_end_matches([',', ';', ':']))
    }
}

/// Word-trigram overlap (Jaccard) from which two sentences are copies of one text, lightly edited.
const NEAR_COPY: f32 = 0.6;

/// Groups the documents of `relevant` into lines of evidence: two documents are one line when a relevant sentence
/// of one nearly copies a relevant sentence of the other (a syndicated story, a press release reprinted). Returns
/// each document's line number.
fn lines_of_evidence<'a>(relevant: &[&'a Evidence], provenance: &Provenance) -> HashMap<&'a str, usize> {
    let mut docs: Vec<&str> = Vec::new();
    for e in relevant {
        if !docs.contains(&e.source.doc_id.as_str()) {
            docs.push(e.source.doc_id.as_str());
        }
    }
    let mut parent: Vec<usize> = (0..docs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let shingles: Vec<(usize, std::collections::HashSet<String>)> = relevant
        .iter()
        .map(|e| (docs.iter().position(|d| *d == e.source.doc_id).unwrap_or(0), trigrams(&e.tokens.words)))
        .collect();
    // Documents the provenance trace put in one line (one credits, links to or reprints the other).
    for a in 0..docs.len() {
        for b in a + 1..docs.len() {
            let (ta, tb) = (provenance.get(docs[a]), provenance.get(docs[b]));
            if ta.zip(tb).is_some_and(|(x, y)| x.line == y.line) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    for (i, (doc_a, a)) in shingles.iter().enumerate() {
        for (doc_b, b) in &shingles[i + 1..] {
            if doc_a != doc_b && jaccard(a, b) >= NEAR_COPY {
                let (ra, rb) = (root(&mut parent, *doc_a), root(&mut parent, *doc_b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    (0..docs.len()).map(|i| (docs[i], root(&mut parent, i))).collect()
}

/// The word trigrams of a sentence, from its words as read when it was split out.
fn trigrams(words: &[String]) -> std::collections::HashSet<String> {
    words.windows(3).map(|w| w.join(" ")).collect()
}

fn jaccard(a: &std::collections::HashSet<String>, b: &std::collections::HashSet<String>) -> f32 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f32 / union as f32 }
}

/// A monotone mapping from the weight of evidence to `[0.05, 0.95]`: more independent, stronger, one-sided
/// evidence gives more confidence. This is the raw score; [`Calibration`] turns it into a probability.
fn confidence(label: VerdictLabel, support: f32, refute: f32, best: f32, sources: usize) -> f32 {
    let margin = (support - refute).abs();
    let breadth = 1.0 - (-(sources as f32) / 2.0).exp();
    let c = match label {
        VerdictLabel::NotEnoughEvidence => 0.5 + 0.4 * (1.0 - best),
        VerdictLabel::Conflicting => 0.4 + 0.3 * breadth,
        _ => 0.35 + 0.35 * best + 0.25 * breadth * (margin / (support + refute).max(f32::EPSILON)),
    };
    c.clamp(0.05, 0.95)
}

/// Turns a raw verdict confidence into the probability that the verdict is right: one logistic curve per label
/// (Platt scaling), fitted on the training splits of the evaluation sets (`verity train calibration`). A label
/// without a curve keeps its raw confidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Calibration {
    /// (label, slope, intercept): calibrated = 1 / (1 + exp(-(slope * raw + intercept))).
    pub by_label: Vec<(VerdictLabel, f32, f32)>,
    pub provenance: serde_json::Value,
}

/// A label needs this many training verdicts for a curve of its own; rarer labels share one fitted on all.
const MIN_SAMPLES_PER_LABEL: usize = 30;

impl Calibration {
    /// The calibration shipped with Verity (`crates/pipeline/calibration.json`).
    pub fn shipped() -> &'static Calibration {
        static SHIPPED: std::sync::OnceLock<Calibration> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| {
            serde_json::from_str(include_str!("../calibration.json")).expect("the shipped calibration is valid JSON")
        })
    }

    pub fn apply(&self, label: VerdictLabel, raw: f32) -> f32 {
        match self.by_label.iter().find(|(l, _, _)| *l == label) {
            Some((_, slope, intercept)) => (1.0 / (1.0 + (-(slope * raw + intercept)).exp())).clamp(0.01, 0.99),
            None => raw,
        }
    }

    /// Fits one curve per label from (label, raw confidence, verdict was right) samples.
    pub fn fit(samples: &[(VerdictLabel, f32, bool)]) -> Calibration {
        let pooled: Vec<(f32, bool)> = samples.iter().map(|s| (s.1, s.2)).collect();
        let (pooled_slope, pooled_intercept) = fit_logistic(&pooled);
        let by_label = VerdictLabel::ALL
            .iter()
            .map(|&label| {
                let own: Vec<(f32, bool)> = samples.iter().filter(|s| s.0 == label).map(|s| (s.1, s.2)).collect();
                let (slope, intercept) = if own.len() >= MIN_SAMPLES_PER_LABEL {
                    fit_logistic(&own)
                } else {
                    (pooled_slope, pooled_intercept)
                };
                (label, slope, intercept)
            })
            .collect();
        Calibration { by_label, provenance: serde_json::Value::Null }
    }
}

/// One-feature logistic regression by Newton's method, with a little L2 so that a separable set stays finite.
/// The slope is kept non-negative: more evidence must never lower confidence.
fn fit_logistic(samples: &[(f32, bool)]) -> (f32, f32) {
    let (mut a, mut b) = (0.0f64, 0.0f64);
    let l2 = 1e-2;
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (l2 * a, 0.0, l2, 0.0, 1e-6);
        for &(x, y) in samples {
            let x = x as f64;
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let err = p - if y { 1.0 } else { 0.0 };
            ga += err * x;
            gb += err;
            let w = p * (1.0 - p);
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        a -= (hbb * ga - hab * gb) / det;
        b -= (haa * gb - hab * ga) / det;
    }
    if a < 0.0 {
        // Refit the intercept alone: the base rate of being right.
        let n = samples.len().max(1) as f64;
        let right = samples.iter().filter(|s| s.1).count() as f64;
        let rate = ((right + 0.5) / (n + 1.0)).clamp(0.01, 0.99);
        return (0.0, (rate / (1.0 - rate)).ln() as f32);
    }
    (a as f32, b as f32)
}

#[cfg(test)]
mod tests {
    use verity_model::SourceMeta;

    use super::*;
    use crate::stance::Stance;

    fn ev(doc: &str, relevance: f32, label: StanceLabel, hedged: bool) -> Evidence {
        Evidence {
            source: SourceMeta {
                doc_id: doc.into(),
                version: 1,
                version_id: 1,
                title: doc.into(),
                outlet: None,
                url: None,
                published: None,
                author: None,
                fetched_at: None,
            },
            text: String::new(),
            start: 0,
            end: 0,
            tokens: Default::default(),
            relevance,
            term_coverage: relevance,
            matched: vec!["council".into(), "ban".into(), "car".into(), "downtown".into()],
            missing_anchors: vec![],
            missing_anchors_in_context: vec![],
            stance: Stance { label, strength: relevance, hedged, intent: false },
            reading: None,
            passage_rank: 0,
        }
    }

    fn check(evidence: &[Evidence], expected: VerdictLabel) -> Outcome {
        let claim = crate::claim::read("The council banned cars downtown.", 2026).unwrap();
        let outcome = decide(&claim, evidence);
        assert_eq!(outcome.verdict.label, expected, "{}", outcome.reason);
        assert!((0.0..=1.0).contains(&outcome.verdict.confidence));
        outcome
    }

    use StanceLabel::*;

    #[test]
    fn calibration_maps_raw_confidence_to_the_observed_rate_of_being_right() {
        // Supported verdicts are right 80% of the time whatever their raw score; refuted ones 30%.
        let mut samples = Vec::new();
        for i in 0..100 {
            let raw = 0.5 + (i % 10) as f32 * 0.04;
            // Right or wrong by block of ten, so that being right does not depend on the raw score.
            samples.push((VerdictLabel::Supported, raw, (i / 10) % 5 != 0));
            samples.push((VerdictLabel::Refuted, raw, i / 10 < 3));
        }
        let c = Calibration::fit(&samples);
        assert!((c.apply(VerdictLabel::Supported, 0.7) - 0.8).abs() < 0.05, "{c:?}");
        assert!((c.apply(VerdictLabel::Refuted, 0.7) - 0.3).abs() < 0.05, "{c:?}");
        // No samples of its own: the pooled curve (right 55% of the time overall).
        assert!((c.apply(VerdictLabel::Conflicting, 0.7) - 0.55).abs() < 0.05, "{c:?}");
        let identity = Calibration { by_label: vec![], provenance: serde_json::Value::Null };
        assert_eq!(identity.apply(VerdictLabel::Supported, 0.42), 0.42);
    }

    #[test]
    fn thin_coverage_is_not_enough_evidence_never_refuted() {
        check(&[], VerdictLabel::NotEnoughEvidence);
        check(&[ev("a", 0.5, Refutes, false)], VerdictLabel::NotEnoughEvidence);
        check(&[ev("a", 0.3, Refutes, false), ev("b", 0.2, Refutes, false)], VerdictLabel::NotEnoughEvidence);
    }

    #[test]
    fn strong_one_sided_evidence_decides() {
        check(&[ev("a", 0.9, Supports, false), ev("b", 0.7, Supports, false)], VerdictLabel::Supported);
        check(&[ev("a", 0.9, Refutes, false)], VerdictLabel::Refuted);
    }

    #[test]
    fn evidence_that_never_names_the_claims_most_specific_term_decides_nothing() {
        let mut a = ev("a", 0.9, Supports, false);
        a.missing_anchors_in_context = vec!["downtown".into()];
        let mut b = ev("b", 0.8, Supports, false);
        b.missing_anchors_in_context = vec!["downtown".into()];
        let outcome = check(&[a, b], VerdictLabel::NotEnoughEvidence);
        assert!(outcome.reason.contains("\u{201c}downtown\u{201d}"), "{}", outcome.reason);
    }

    #[test]
    fn hedged_support_is_partial() {
        check(&[ev("a", 0.9, Supports, true)], VerdictLabel::PartlySupported);
    }

    #[test]
    fn both_sides_strongly_is_conflicting() {
        check(&[ev("a", 0.9, Supports, false), ev("b", 0.8, Refutes, false)], VerdictLabel::Conflicting);
    }

    #[test]
    fn near_copies_of_one_text_are_one_line_of_evidence() {
        let with_text = |doc: &str, text: &str| {
            let mut e = ev(doc, 0.9, Supports, false);
            e.text = text.into();
            e.tokens = verity_text::Tokens::of(text);
            e
        };
        let original = "The minister handed nine protected informants to the president on Friday, officials said.";
        let copy =
            "The minister handed nine protected informants to the president on Friday, officials told reporters.";
        let other = "Court records show the transfer of informants to the president's custody was approved in March.";
        let copied = check(&[with_text("a", original), with_text("b", copy)], VerdictLabel::Supported);
        assert_eq!((copied.documents, copied.independent_sources), (2, 1));
        let independent = check(&[with_text("a", original), with_text("c", other)], VerdictLabel::Supported);
        assert_eq!((independent.documents, independent.independent_sources), (2, 2));
        assert!(independent.verdict.confidence > copied.verdict.confidence);
        // A copy alone does not open the coverage gate that two independent sources open.
        let weak = |doc: &str, text: &str| {
            let mut e = with_text(doc, text);
            e.relevance = 0.5;
            e
        };
        let weak_copies = check(&[weak("a", original), weak("b", copy)], VerdictLabel::NotEnoughEvidence);
        assert_eq!(weak_copies.independent_sources, 1);
    }

    #[test]
    fn one_document_counts_once() {
        let one_doc = check(&[ev("a", 0.9, Supports, false), ev("a", 0.85, Supports, false)], VerdictLabel::Supported);
        assert_eq!(one_doc.independent_sources, 1);
        let two_docs = check(&[ev("a", 0.9, Supports, false), ev("b", 0.85, Supports, false)], VerdictLabel::Supported);
        assert!(two_docs.verdict.confidence > one_doc.verdict.confidence);
    }

    /// A claim that an act was done is not established by sources that only report it promised or asked for: not
    /// "partly supported" on the strength of a promise (issue #25, point 6), while weaker words of another kind
    /// ("may", "reportedly") still make support partial.
    #[test]
    fn a_promise_does_not_establish_the_act() {
        let claim = crate::claim::read("Did the minister hand over the informants?", 2026).unwrap();
        // A sentence as the lexical stance reads it against `claim`.
        let said = |claim: &crate::claim::Claim, text: &str| {
            let mut e = ev("a", 0.9, Supports, true);
            e.text = text.into();
            e.tokens = verity_text::Tokens::of(text);
            e.stance = crate::stance::classify(claim, text, &e.tokens, 0.9);
            e
        };
        let promised =
            decide(&claim, &[said(&claim, "The minister promised to hand over the informants, officials said.")]);
        assert_eq!(promised.verdict.label, VerdictLabel::NotEnoughEvidence, "{}", promised.reason);
        assert!(promised.reason.contains("none reports that it was done"), "{}", promised.reason);
        let reported = decide(&claim, &[said(&claim, "The minister reportedly handed over the informants.")]);
        assert_eq!(reported.verdict.label, VerdictLabel::PartlySupported, "{}", reported.reason);
        // A question about the promise itself is answered by it.
        let asked = crate::claim::read("Did the minister promise to hand over the informants?", 2026).unwrap();
        let kept =
            decide(&asked, &[said(&asked, "The minister promised to hand over the informants, officials said.")]);
        assert_ne!(kept.verdict.label, VerdictLabel::NotEnoughEvidence, "{}", kept.reason);
    }
}
