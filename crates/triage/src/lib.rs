//! Triage of a whole text (a speech, a debate transcript, an article): which of its sentences make claims worth
//! checking, and what each claim says once it stands on its own.
//!
//! Main items: [`statements`] (the text's sentences, with the speaker a transcript names and their position),
//! [`worthiness::Scorer`] (the check-worthiness model compiled in, and how it is fitted), [`context`] (a sentence
//! made to stand on its own, or marked as needing context), and [`triage`], which runs them over a text and says,
//! for each sentence, whether it is a claim to check ([`Triaged::candidate`]) or why not.
//!
//! This crate reads text only: it matches nothing against past reports and checks nothing (the engine does both),
//! and does no I/O.
//!
//! ```
//! let text = "SMITH: Thank you all for coming.\nUnemployment was 5% in 2019. It rose to 8% by 2023.";
//! let sentences = verity_triage::triage(text, 2026);
//! assert!(sentences[0].reason().is_some()); // a greeting is not check-worthy
//! assert_eq!(sentences[2].claim.claim, "[unemployment] rose to 8% by 2023.");
//! ```

pub mod context;
pub mod statements;
pub mod worthiness;

pub use context::StandAlone;
use serde::Serialize;
pub use statements::{Statement, statements};

/// One sentence of a text, triaged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triaged {
    pub statement: Statement,
    /// The probability that it is check-worthy, and whether that reaches the scorer's threshold.
    pub score: f32,
    pub worthy: bool,
    /// The sentence as a claim that stands on its own (or as said, with what it needs context for).
    pub claim: StandAlone,
    /// Why the claim cannot be checked even so (an opinion, a prediction, too long), as the claim reader says.
    pub uncheckable: Option<String>,
    /// The position of an earlier sentence that makes the same claim: it is checked once, there.
    pub same_as: Option<usize>,
}

/// Why a sentence is not checked on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Skip {
    NotCheckWorthy,
    NeedsContext { word: String },
    Uncheckable { reason: String },
    SameAs { position: usize },
}

impl Triaged {
    /// Whether this sentence is a claim to check.
    pub fn candidate(&self) -> bool {
        self.reason().is_none()
    }

    /// Why it is not checked on its own, if it is not.
    pub fn reason(&self) -> Option<Skip> {
        if !self.worthy {
            Some(Skip::NotCheckWorthy)
        } else if let Some(word) = &self.claim.needs_context {
            Some(Skip::NeedsContext { word: word.clone() })
        } else if let Some(reason) = &self.uncheckable {
            Some(Skip::Uncheckable { reason: reason.clone() })
        } else {
            self.same_as.map(|position| Skip::SameAs { position })
        }
    }
}

/// Triages every sentence of `text`. `current_year` tells dated predictions from history, as for a question.
pub fn triage(text: &str, current_year: i32) -> Vec<Triaged> {
    let scorer = worthiness::Scorer::shipped();
    let statements = statements(text);
    let mut out: Vec<Triaged> = Vec::with_capacity(statements.len());
    for (at, statement) in statements.iter().enumerate() {
        let score = scorer.score(&statement.text);
        let worthy = score >= scorer.threshold;
        let claim = if worthy {
            context::stand_alone(&statements, at)
        } else {
            StandAlone { claim: statement.text.clone(), resolved: Vec::new(), needs_context: None }
        };
        let uncheckable = (worthy && claim.needs_context.is_none())
            .then(|| verity_pipeline::claim::read(&claim.claim, current_year).err().map(|e| e.to_string()))
            .flatten();
        let mut triaged = Triaged { statement: statement.clone(), score, worthy, claim, uncheckable, same_as: None };
        if triaged.candidate() {
            triaged.same_as = out
                .iter()
                .find(|earlier| {
                    earlier.candidate()
                        && verity_pipeline::similar::same_claim(&earlier.claim.claim, &triaged.claim.claim, None)
                })
                .map(|earlier| earlier.statement.position);
        }
        out.push(triaged);
    }
    out
}

/// The candidates' positions, the most check-worthy first (earlier first among equals).
pub fn by_worthiness(sentences: &[Triaged]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sentences.len()).filter(|i| sentences[*i].candidate()).collect();
    order.sort_by(|a, b| sentences[*b].score.total_cmp(&sentences[*a].score).then(a.cmp(b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<(String, Option<Skip>)> {
        triage(text, 2026).into_iter().map(|t| (t.claim.claim.clone(), t.reason())).collect()
    }

    #[test]
    fn two_sentences_that_make_one_claim_are_checked_once() {
        let got = check(
            "The city council banned cars downtown in 2024. Residents were surprised. \
             In 2024 the city council banned cars downtown.",
        );
        assert_eq!(got[0].1, None, "{got:?}");
        assert_eq!(got[2].1, Some(Skip::SameAs { position: 0 }), "{got:?}");
    }

    #[test]
    fn the_opposite_claim_is_another_claim() {
        let got =
            check("The council banned cars downtown in 2024. In 2025 the council lifted the ban on cars downtown.");
        assert_eq!((got[0].1.clone(), got[1].1.clone()), (None, None), "{got:?}");
    }

    #[test]
    fn greetings_and_unclear_references_are_not_candidates() {
        let got = check("Thank you so much, it is wonderful to be here tonight. That cost us 2 million jobs in 2009.");
        assert_eq!(got[0].1, Some(Skip::NotCheckWorthy));
        assert_eq!(got[1].1, Some(Skip::NeedsContext { word: "That".into() }));
    }

    #[test]
    fn candidates_are_ordered_by_worthiness() {
        let sentences = triage(
            "Unemployment fell from 10% to 4% between 2010 and 2019. The council banned cars downtown in 2024.",
            2026,
        );
        let order = by_worthiness(&sentences);
        assert_eq!(order.len(), 2);
        assert!(sentences[order[0]].score >= sentences[order[1]].score);
    }
}
