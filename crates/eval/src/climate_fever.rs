//! Climate-FEVER (Diggelmann et al., 2020): 1,535 claims, each with five Wikipedia sentences and a claim label
//! (SUPPORTS, REFUTES, NOT_ENOUGH_INFO, DISPUTED). Verity checks each claim against its own five sentences.
//!
//! The data set has no official split; this module fixes one: a claim whose numeric `claim_id` is divisible by 5
//! is `heldout` (304 claims), the rest `train` (1,231). Anything trained or tuned on Climate-FEVER uses `train` only.

use std::path::Path;

use serde::Deserialize;

use crate::{EvalError, read_json_lines};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Label {
    #[serde(rename = "SUPPORTS")]
    Supports,
    #[serde(rename = "REFUTES")]
    Refutes,
    #[serde(rename = "NOT_ENOUGH_INFO")]
    NotEnoughInfo,
    #[serde(rename = "DISPUTED")]
    Disputed,
}

impl Label {
    pub const ALL: [Label; 4] = [Label::Supports, Label::Refutes, Label::NotEnoughInfo, Label::Disputed];

    pub fn index(self) -> usize {
        Label::ALL.iter().position(|l| *l == self).expect("listed")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Evidence {
    pub evidence_id: String,
    pub article: String,
    pub evidence: String,
    pub evidence_label: Label,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    pub claim_id: String,
    pub claim: String,
    pub claim_label: Label,
    pub evidences: Vec<Evidence>,
}

impl Claim {
    /// `heldout` or `train` (see the module comment).
    pub fn split(&self) -> &'static str {
        match self.claim_id.trim().parse::<u64>() {
            Ok(n) if n % 5 == 0 => "heldout",
            _ => "train",
        }
    }
}

pub fn read_claims(path: &Path) -> Result<Vec<Claim>, EvalError> {
    read_json_lines(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_read_with_their_evidence_and_split_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("climate-fever.jsonl");
        let line = |id: &str, label: &str| {
            format!(
                r#"{{"claim_id":"{id}","claim":"Sea levels rise.","claim_label":"{label}","evidences":[{{"evidence_id":"Sea level:3","evidence_label":"SUPPORTS","article":"Sea level","evidence":"Sea level has risen.","entropy":0.0,"votes":["SUPPORTS",null]}}]}}"#
            )
        };
        std::fs::write(&path, format!("{}\n{}\n", line("10", "DISPUTED"), line("11", "SUPPORTS"))).unwrap();
        let claims = read_claims(&path).unwrap();
        assert_eq!(claims[0].claim_label, Label::Disputed);
        assert_eq!(claims[0].evidences[0].article, "Sea level");
        assert_eq!((claims[0].split(), claims[1].split()), ("heldout", "train"));
        assert_eq!(Label::Disputed.index(), 3);
    }
}
