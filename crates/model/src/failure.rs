//! Why a corpus, a judge or a language model gave no answer.

use std::fmt;

/// Why a corpus, a judge or a language model gave no answer: the error of every boundary trait the pipeline
/// calls (`Corpus::search`, `Judge::read`, `LanguageModel::chat`), in kinds a caller treats differently. Each
/// carries its message in words, which is what a report's diagnostic says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The check ran out of time, or was cancelled, before the answer came: not the source's fault, and no
    /// reason to distrust it.
    Deadline(String),
    /// Out of reach for now (a server down or unreachable, a store out of reach): asking later may work.
    Unavailable(String),
    /// What was asked was refused as not what the other side accepts (a request it cannot read, a model that
    /// gives the wrong number of classes): asking again the same way will not work.
    BadInput(String),
    /// Anything else.
    Other(String),
}

impl Failure {
    /// The message, without its kind.
    pub fn message(&self) -> &str {
        match self {
            Failure::Deadline(m) | Failure::Unavailable(m) | Failure::BadInput(m) | Failure::Other(m) => m,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Failure {}

/// Input refused as not what was expected (a file, a flag, a record, a request body), with what is wrong in
/// words: the error of every parser whose only failure is bad input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

impl From<String> for Invalid {
    fn from(message: String) -> Invalid {
        Invalid(message)
    }
}

impl From<&str> for Invalid {
    fn from(message: &str) -> Invalid {
        Invalid(message.to_string())
    }
}
