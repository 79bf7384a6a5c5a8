//! CheckThat! 2024 Task 1, English (ClaimBuster debate sentences): is a sentence a factual claim the public would
//! want checked? Read from the lab's TSV (`Sentence_id`, `Text`, `class_label` = Yes / No) and scored by the
//! lab's official measure, F1 of the Yes class.

use std::path::Path;

use crate::EvalError;

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub id: String,
    pub text: String,
    pub worthy: bool,
}

/// Reads a CT24 file. Line ends may be CRLF; a line where two records were joined (the label run into the next
/// record's id: `No29286<TAB>text<TAB>No`) is read as the two records it holds.
pub fn read(path: &Path) -> Result<Vec<Sentence>, EvalError> {
    let error = |message: String| EvalError::Read { path: path.display().to_string(), message };
    let text = crate::read_to_string(path)?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_end().split('\t').eq(["Sentence_id", "Text", "class_label"]) => {}
        _ => {
            return Err(error(
                "the first line is not `Sentence_id<TAB>Text<TAB>class_label` (point --ct24 at a CheckThat! 2024 \
                 English file, e.g. ct24_english_dev.tsv)"
                    .into(),
            ));
        }
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let bad = || error(format!("line {}: expected id, text and Yes/No, found {line:?}", i + 1));
        let mut id = *fields.first().ok_or_else(bad)?;
        let mut rest = &fields[1..];
        loop {
            let [text, label, more @ ..] = rest else { return Err(bad()) };
            let (worthy, next_id) = if let Some(tail) = label.strip_prefix("Yes") {
                (true, tail)
            } else if let Some(tail) = label.strip_prefix("No") {
                (false, tail)
            } else {
                return Err(bad());
            };
            out.push(Sentence { id: id.trim().to_string(), text: text.trim().to_string(), worthy });
            if next_id.is_empty() {
                if !more.is_empty() {
                    return Err(bad());
                }
                break;
            }
            if !next_id.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            id = next_id;
            rest = more;
        }
    }
    Ok(out)
}

/// Precision, recall and F1 of the Yes class.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct YesScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Scores predictions (`true` = check-worthy) against gold labels, pair by pair.
pub fn yes_scores(gold: &[bool], predicted: &[bool]) -> YesScores {
    let mut confusion = crate::labels::Confusion::new(&["No", "Yes"]);
    for (g, p) in gold.iter().zip(predicted) {
        confusion.add(usize::from(*g), usize::from(*p));
    }
    YesScores { precision: confusion.precision(1), recall: confusion.recall(1), f1: confusion.f1_per_label()[1] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: &str) -> Result<Vec<(String, String, bool)>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ct24.tsv");
        std::fs::write(&path, file).unwrap();
        read(&path).map(|rows| rows.into_iter().map(|s| (s.id, s.text, s.worthy)).collect()).map_err(|e| e.to_string())
    }

    #[test]
    fn rows_are_read_with_crlf_line_ends_and_a_joined_line_split_in_two() {
        let rows = check(
            "Sentence_id\tText\tclass_label\r\n\
             1\tWe cut taxes by 10% in 2019.\tYes\r\n\
             2\tWe've got to grow.\tNo3\tYou can't bring jobs back.\tNo\r\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                ("1".into(), "We cut taxes by 10% in 2019.".into(), true),
                ("2".into(), "We've got to grow.".into(), false),
                ("3".into(), "You can't bring jobs back.".into(), false),
            ]
        );
    }

    #[test]
    fn another_layout_or_label_is_an_error_that_names_the_line() {
        let err = check("id,text,label\n1,x,Yes\n").unwrap_err();
        assert!(err.contains("Sentence_id") && err.contains("--ct24"), "{err}");
        let err = check("Sentence_id\tText\tclass_label\n1\tA sentence.\tMaybe\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("Maybe"), "{err}");
    }

    #[test]
    fn f1_is_of_the_yes_class() {
        let scores = yes_scores(&[true, true, false, false], &[true, false, true, false]);
        assert_eq!((scores.precision, scores.recall, scores.f1), (0.5, 0.5, 0.5));
        assert_eq!(yes_scores(&[true], &[false]).f1, 0.0);
    }
}
