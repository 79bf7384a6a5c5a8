//! A checked text (schema `verity.text/1`): a speech, transcript or article, every sentence of it in order, and
//! what became of each: not check-worthy, needing context, the same claim as another sentence, matched to a past
//! report, checked now, or left over the limit of new checks.

use serde::{Deserialize, Serialize};

use crate::ReportSummary;

pub const TEXT_SCHEMA: &str = "verity.text/1";

/// A text and its sentences' outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextCheck {
    pub schema: String,
    /// A stable id (a store's text id; reruns keep it).
    pub id: String,
    /// Which run of the text this is, from 1.
    pub version: u32,
    /// When it was checked (UTC, RFC 3339).
    pub checked_at: String,
    /// Where the text was read from, when it was a page.
    pub source_url: Option<String>,
    /// The text as read (normalised); each sentence's `start` and `end` are byte offsets into it.
    pub text: String,
    pub sentences: Vec<CheckedSentence>,
    /// Sentences that were claims to check (check-worthy, standing on their own, not repeats).
    pub candidates: usize,
    pub matched: usize,
    pub checked: usize,
    pub over_limit: usize,
    /// The most new checks this run could make.
    pub limit: usize,
}

/// One sentence of a checked text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedSentence {
    /// Its place among the text's sentences, from 0.
    pub position: usize,
    pub start: usize,
    pub end: usize,
    /// The speaker a transcript names for it.
    pub speaker: Option<String>,
    pub text: String,
    /// The probability that it is check-worthy.
    pub score: f32,
    /// The claim that stands on its own (references resolved in brackets), or the sentence as said.
    pub claim: String,
    /// What was resolved: (the word said, what it refers to).
    pub resolved: Vec<(String, String)>,
    #[serde(flatten)]
    pub outcome: SentenceOutcome,
}

/// What became of a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SentenceOutcome {
    NotCheckWorthy,
    /// The text does not make clear who or what `word` is.
    NeedsContext {
        word: String,
    },
    /// The claim reader refused it (an opinion, a prediction, too long).
    Uncheckable {
        reason: String,
    },
    /// Checked once, at the earlier sentence that makes the same claim.
    SameAs {
        position: usize,
    },
    /// A past report answers the same claim.
    Matched {
        report: ReportSummary,
    },
    Checked {
        report: ReportSummary,
    },
    /// A claim past the limit of new checks.
    OverLimit,
    /// The check could not run; the rest of the text went on.
    Failed {
        message: String,
    },
}

impl SentenceOutcome {
    /// The report that answers the sentence, matched or new.
    pub fn report(&self) -> Option<&ReportSummary> {
        match self {
            SentenceOutcome::Matched { report } | SentenceOutcome::Checked { report } => Some(report),
            _ => None,
        }
    }

    /// Why the sentence has no report, in words shown beside it.
    pub fn why_not(&self) -> Option<String> {
        Some(match self {
            SentenceOutcome::NotCheckWorthy => "not check-worthy".into(),
            SentenceOutcome::NeedsContext { word } => {
                format!("needs context: the text does not make clear who or what \"{word}\" is")
            }
            SentenceOutcome::Uncheckable { reason } => format!("not checkable: {reason}"),
            SentenceOutcome::SameAs { position } => format!("the same claim as sentence {}", position + 1),
            SentenceOutcome::OverLimit => "over the limit of new checks".into(),
            SentenceOutcome::Failed { message } => format!("the check failed: {message}"),
            SentenceOutcome::Matched { .. } | SentenceOutcome::Checked { .. } => return None,
        })
    }
}
