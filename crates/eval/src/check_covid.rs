//! Check-COVID (Wang et al., 2023): news claims checked against CORD-19 abstracts. Claims are JSON Lines under
//! `DIR/<split>/covidCheck_<split>_composed+extracted.json` (`id`, `claim`, `cord_id`, `label`, `evidence_set`);
//! the abstracts are `DIR/corpus.json` (`cord_id`, `title`, `abstract`), which ingest reads as it is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::beir::Qrels;
use crate::{EvalError, read_json_lines};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Label {
    #[serde(rename = "SUPPORT")]
    Support,
    #[serde(rename = "REFUTE")]
    Refute,
    #[serde(rename = "NOTENOUGHINFO")]
    NotEnoughInfo,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EvidenceSentence {
    /// Index into the abstract's sentence list.
    pub sent_index: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    pub id: String,
    pub claim: String,
    /// The abstract the claim was written against (every claim has one, "not enough info" ones included).
    pub cord_id: String,
    pub label: Label,
    /// The abstract's sentences that bear on the claim (for "not enough info" claims, the ones annotators read).
    #[serde(default)]
    pub evidence_set: Vec<EvidenceSentence>,
    /// True for claims journalists wrote ("extracted"), false for annotators' ("composed").
    #[serde(default)]
    pub is_auth: bool,
}

/// The claims file of a split: both claim kinds together, as the data set's README scores them.
pub fn claims_path(dir: &Path, split: &str) -> PathBuf {
    dir.join(split).join(format!("covidCheck_{split}_composed+extracted.json"))
}

pub fn read_claims(path: &Path) -> Result<Vec<Claim>, EvalError> {
    read_json_lines(path)
}

/// Claims as retrieval queries: query id -> claim text, and qrels naming each claim's abstract.
pub fn as_retrieval(claims: &[Claim]) -> (HashMap<String, String>, Qrels) {
    let queries = claims.iter().map(|c| (c.id.clone(), c.claim.clone())).collect();
    let qrels = claims.iter().map(|c| (c.id.clone(), HashMap::from([(c.cord_id.clone(), 1)]))).collect();
    (queries, qrels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_read_with_labels_and_become_one_relevant_abstract_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = claims_path(dir.path(), "dev");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            concat!(
                r#"{"id": "c_0", "claim": "Bats tolerate viruses.", "cord_id": "asn", "label": "SUPPORT", "evidence_set": [{"sent_index": 3, "type": "PRIMARY"}], "is_auth": false}"#,
                "\n",
                r#"{"id": "c_1", "claim": "Masks fail.", "cord_id": "xyz", "label": "NOTENOUGHINFO", "evidence_set": [], "is_auth": true}"#,
                "\n"
            ),
        )
        .unwrap();
        let claims = read_claims(&path).unwrap();
        assert_eq!(claims.iter().map(|c| c.label).collect::<Vec<_>>(), [Label::Support, Label::NotEnoughInfo]);
        assert!(claims[1].is_auth);
        assert_eq!(claims[0].evidence_set.iter().map(|e| e.sent_index).collect::<Vec<_>>(), [3]);
        assert!(claims[1].evidence_set.is_empty());
        let (queries, qrels) = as_retrieval(&claims);
        assert_eq!(queries["c_1"], "Masks fail.");
        assert_eq!(qrels["c_0"], HashMap::from([("asn".to_string(), 1)]));

        std::fs::write(&path, "{\"id\": \"c_2\", \"claim\": \"x\", \"cord_id\": \"a\", \"label\": \"MAYBE\"}\n")
            .unwrap();
        let err = read_claims(&path).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("MAYBE"), "{err}");
    }
}
