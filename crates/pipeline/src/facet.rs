//! Facets assessed: each part of a compound claim ([`crate::claim::parts`]) with its own evidence and verdict,
//! and how the parts' verdicts fold into the whole claim's.

use verity_model::{FacetRole, VerdictLabel};

pub use crate::claim::{Facet, split};
use crate::evidence::Evidence;
use crate::verdict::Outcome;

/// A facet with its own evidence and verdict.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub facet: Facet,
    pub evidence: Vec<Evidence>,
    pub outcome: Outcome,
}

/// Folds the parts' verdicts into the whole claim's: a claim holds only as far as each of its parts does. A
/// whole-claim `supported` with a part no source supports becomes `partly_supported`; so does a `refuted` or
/// `conflicting` claim one of whose parts the sources do support (and, for `conflicting`, another they refute); a claim with too little evidence as a whole is `partly_supported`
/// when its main act is supported outright and another part is unaddressed (never `refuted`: the gate holds).
pub fn combine(whole: Outcome, parts: &[Assessed]) -> Outcome {
    if parts.len() < 2 {
        return whole;
    }
    let holds = |a: &&Assessed| matches!(a.outcome.verdict.label, VerdictLabel::Supported);
    let held: Vec<&Assessed> = parts.iter().filter(holds).collect();
    let failed: Vec<&Assessed> = parts.iter().filter(|a| a.outcome.verdict.label == VerdictLabel::Refuted).collect();
    let open: Vec<&Assessed> = parts.iter().filter(|a| !holds(a)).collect();
    let list = |parts: &[&Assessed]| {
        parts.iter().map(|a| format!("\u{201c}{}\u{201d}", a.facet.text)).collect::<Vec<_>>().join(" and ")
    };
    let partly = |reason: String, from: &Outcome| Outcome {
        verdict: verity_model::Verdict { label: VerdictLabel::PartlySupported, confidence: from.verdict.confidence },
        reason,
        ..whole.clone()
    };
    match whole.verdict.label {
        VerdictLabel::Supported if !open.is_empty() => partly(
            if held.is_empty() {
                format!("the sources support the claim as a whole, but not {} on its own terms", list(&open))
            } else {
                format!("the sources support {}, but not {}", list(&held), list(&open))
            },
            &whole,
        ),
        // Sources that take opposite sides on different parts do not conflict: one part holds, another fails.
        VerdictLabel::Refuted | VerdictLabel::Conflicting if !held.is_empty() && !failed.is_empty() => {
            partly(format!("the sources support {} but contradict {}", list(&held), list(&failed)), &whole)
        }
        // Already partly supported: the parts say which part.
        VerdictLabel::PartlySupported if !held.is_empty() && !open.is_empty() => partly(
            if failed.is_empty() {
                format!("the sources support {}, but not {}", list(&held), list(&open))
            } else {
                format!("the sources support {} but contradict {}", list(&held), list(&failed))
            },
            &whole,
        ),
        VerdictLabel::Refuted if !held.is_empty() => partly(
            format!("the sources support {}; the evidence against the claim does not bear on that part", list(&held)),
            &whole,
        ),
        VerdictLabel::NotEnoughEvidence => match parts.first() {
            Some(act) if act.facet.role == FacetRole::Act && holds(&act) && failed.is_empty() => {
                partly(format!("the sources support {}, but none addresses {}", list(&held), list(&open)), &act.outcome)
            }
            _ => whole,
        },
        _ => whole,
    }
}
