//! The negation benchmark of Hossain et al. (EMNLP 2020): MNLI, SNLI and RTE pairs with a negation added to the
//! premise, the hypothesis or both, relabelled by people. It measures whether a judge reads "not". Each subset is a
//! tab-separated file (`index, Text, Hypothesis, gold_label`, a header line; MNLI and RTE are Windows-1252, not
//! UTF-8). MNLI and SNLI are three-way; RTE is two-way (entailment / not_entailment), read here as supports /
//! neutral, and scored with refutes counted as not_entailment.

use std::path::Path;

use crate::EvalError;
use crate::healthver::{Label, Pair};

/// The subsets, as named in the file names.
pub const SUBSETS: [&str; 3] = ["MNLI", "SNLI", "RTE"];

/// The pairs of one subset (`MNLI`, `SNLI` or `RTE`) in `dir`, as stance pairs: the premise is the evidence, the
/// hypothesis the claim.
pub fn read_subset(dir: &Path, subset: &str) -> Result<Vec<Pair>, EvalError> {
    let path = dir.join(format!("{subset}.txt"));
    let error = |message: String| EvalError::Read { path: path.display().to_string(), message };
    let bytes = std::fs::read(&path).map_err(|e| {
        error(format!("{e} (point --negation at the benchmark's folder, e.g. ../shared/data/nli/negation)"))
    })?;
    let text = String::from_utf8(bytes).unwrap_or_else(|e| windows_1252(e.as_bytes()));
    let mut pairs = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [index, premise, hypothesis, label, ..] = fields[..] else {
            return Err(error(format!("line {}: {} fields, expected 4", n + 1, fields.len())));
        };
        let label = match label.trim() {
            "entailment" => Label::Supports,
            "contradiction" => Label::Refutes,
            "neutral" | "not_entailment" => Label::Neutral,
            other => return Err(error(format!("line {}: unknown label {other:?}", n + 1))),
        };
        pairs.push(Pair {
            id: format!("{}-{}", subset.to_lowercase(), index.trim()),
            evidence: premise.trim().to_string(),
            claim: hypothesis.trim().to_string(),
            label,
        });
    }
    Ok(pairs)
}

/// Whether a subset is two-way (a judge's refutes then counts as not_entailment, i.e. neutral).
pub fn two_way(subset: &str) -> bool {
    subset == "RTE"
}

/// Windows-1252 bytes as text: Latin-1, except 0x80-0x9F, where the code page puts curly quotes, dashes and a few
/// letters.
fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    bytes.iter().map(|&b| if (0x80..0xa0).contains(&b) { HIGH[usize::from(b - 0x80)] } else { char::from(b) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: &[u8], expected: &[(&str, &str, &str, Label)]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("MNLI.txt"), file).unwrap();
        let pairs = read_subset(dir.path(), "MNLI").unwrap();
        let got: Vec<(&str, &str, &str, Label)> =
            pairs.iter().map(|p| (p.id.as_str(), p.evidence.as_str(), p.claim.as_str(), p.label)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn pairs_are_read_in_either_encoding_with_labels_mapped() {
        check(
            b"index\tText\tHypothesis\tgold_label\r\n0\tThe council did not ban cars.\tThe council banned cars.\tcontradiction\r\n1\tHe said \x93no\x94.\tHe spoke.\tentailment\r\n",
            &[
                ("mnli-0", "The council did not ban cars.", "The council banned cars.", Label::Refutes),
                ("mnli-1", "He said \u{201c}no\u{201d}.", "He spoke.", Label::Supports),
            ],
        );
        check(
            "index\tText\tHypothesis\tgold_label\n7\tCafé “open”.\tIt is shut.\tnot_entailment\n".as_bytes(),
            &[("mnli-7", "Café “open”.", "It is shut.", Label::Neutral)],
        );
    }

    #[test]
    fn a_malformed_line_or_label_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("MNLI.txt"), "h\n0\tonly two\n").unwrap();
        let err = read_subset(dir.path(), "MNLI").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        std::fs::write(dir.path().join("MNLI.txt"), "h\n0\ta\tb\tmaybe\n").unwrap();
        let err = read_subset(dir.path(), "MNLI").unwrap_err().to_string();
        assert!(err.contains("maybe"), "{err}");
        let err = read_subset(&dir.path().join("missing"), "MNLI").unwrap_err().to_string();
        assert!(err.contains("--negation"), "{err}");
    }
}
