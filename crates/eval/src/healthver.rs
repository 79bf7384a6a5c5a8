//! HealthVer (Sarrouti et al., 2021): (evidence passage, claim) pairs about COVID-19 with a pair label
//! (Supports, Refutes, Neutral), read from its CSV (`id, evidence, claim, label, ...`). It measures the stance
//! judge alone, pair by pair.

use std::path::Path;

use crate::EvalError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Supports,
    Refutes,
    Neutral,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Supports, Label::Refutes, Label::Neutral];
    pub const NAMES: [&'static str; 3] = ["Supports", "Refutes", "Neutral"];

    pub fn index(self) -> usize {
        Label::ALL.iter().position(|l| *l == self).expect("listed")
    }
}

#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    pub evidence: String,
    pub claim: String,
    pub label: Label,
}

pub fn read_pairs(path: &Path) -> Result<Vec<Pair>, EvalError> {
    let error = |message: String| EvalError::Read { path: path.display().to_string(), message };
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| error(format!("{e} (point --healthver at HealthVer's CSV, e.g. healthver_dev.csv)")))?;
    let headers = reader.headers().map_err(|e| error(e.to_string()))?.clone();
    let column =
        |name: &str| headers.iter().position(|h| h.trim() == name).ok_or_else(|| error(format!("no `{name}` column")));
    let (id, evidence, claim, label) = (column("id")?, column("evidence")?, column("claim")?, column("label")?);
    let mut pairs = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| error(format!("record {}: {e}", i + 1)))?;
        let field = |k: usize| record.get(k).unwrap_or("").trim().to_string();
        let label = match field(label).as_str() {
            "Supports" => Label::Supports,
            "Refutes" => Label::Refutes,
            "Neutral" => Label::Neutral,
            other => return Err(error(format!("record {}: unknown label {other:?}", i + 1))),
        };
        pairs.push(Pair { id: field(id), evidence: field(evidence), claim: field(claim), label });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_with_quoted_commas_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.csv");
        std::fs::write(
            &path,
            "id,evidence,claim,label,topic_ip,question\n\
             1,\"Masks cut spread, a trial found.\",Masks work,Supports,3,Do masks work?\n\
             2,\"Zinc had no effect, \"\"none\"\".\",Zinc cures COVID-19,Refutes,4,Zinc?\n",
        )
        .unwrap();
        let pairs = read_pairs(&path).unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].evidence, "Masks cut spread, a trial found.");
        assert_eq!((pairs[1].label, pairs[1].evidence.as_str()), (Label::Refutes, "Zinc had no effect, \"none\"."));

        std::fs::write(&path, "id,evidence,claim,label\n1,e,c,Maybe\n").unwrap();
        let err = read_pairs(&path).unwrap_err().to_string();
        assert!(err.contains("record 1") && err.contains("Maybe"), "{err}");
    }
}
