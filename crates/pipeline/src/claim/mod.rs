//! Reading the claim, the first stage of a check: the question turned into the claim sentence ([`reader`]), its
//! parts when it is compound ([`parts`]), and [`Claim`], all that the later stages read of it, worked out once
//! per check by [`read`]. No stage tokenises the claim's text again.

pub mod parts;
pub mod reader;

pub use parts::{Facet, split};
pub use reader::*;

/// The claim as every stage of a check reads it. It derefs to the claim sentence as reports keep it
/// ([`verity_model::Claim`]: the text, names, key terms and polarity).
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The user's words.
    pub question: String,
    pub stated: verity_model::Claim,
    /// The claim sentence's words and their stems.
    pub tokens: verity_text::Tokens,
    /// Its content terms (stems of words that are not stop words), in order, repeats kept.
    pub content_terms: Vec<String>,
    /// The stems evidence is scored on: content terms without light verbs, each once ([`stems`]).
    pub stems: Vec<String>,
    /// [`stems`] of its main clause ([`main_clause`]), when it has a subordinate one.
    pub main_stems: Vec<String>,
    /// Its parts when it is compound ([`split`]); empty for a claim of one part, and for a part itself.
    pub facets: Vec<Facet>,
}

impl std::ops::Deref for Claim {
    type Target = verity_model::Claim;

    fn deref(&self) -> &verity_model::Claim {
        &self.stated
    }
}

/// Reads a question once for the whole check: [`extract`] with the check's year, then everything the stages
/// read of the claim.
pub fn read(question: &str, current_year: i32) -> Result<Claim, Uncheckable> {
    let (stated, tokens) = reader::extract_with_tokens(question, current_year)?;
    let facets = split(&stated);
    Ok(Claim { facets, ..Claim::with_tokens(question.to_string(), stated, tokens) })
}

impl Claim {
    /// A claim already in declarative form (a part of a larger claim, a statement read on its own), without the
    /// question checks ([`from_statement`]); it has no parts of its own.
    pub fn of_statement(text: &str) -> Claim {
        let (stated, tokens) = reader::statement_with_tokens(text);
        Claim::with_tokens(text.to_string(), stated, tokens)
    }

    fn with_tokens(question: String, stated: verity_model::Claim, tokens: verity_text::Tokens) -> Claim {
        let content_terms: Vec<String> = tokens.content_terms().cloned().collect();
        let stems = scored_stems(content_terms.iter().cloned());
        let main_stems = main_clause(&stated.text).map(reader::stems).unwrap_or_default();
        Claim { question, tokens, content_terms, stems, main_stems, facets: Vec::new(), stated }
    }
}
