//! "Checked before" matching against a suite of question pairs (`same_claim.tsv`): rewordings of one claim, and
//! near-misses that change one part of it (subject, action, object, a number or date, negation, scope). A false
//! match shows a reader another claim's verdict, so precision comes first.
//!
//! This test reads words only (no sentence vectors); `crates/engine/tests/same_claim.rs` adds the vectors of the
//! shipped embedding model and holds the recall target.

use verity_pipeline::similar;

/// One suite line: whether the pair is one claim, what changed, and the two questions.
pub struct Pair<'a> {
    pub same: bool,
    pub kind: &'a str,
    pub a: &'a str,
    pub b: &'a str,
}

fn suite() -> Vec<Pair<'static>> {
    include_str!("same_claim.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 4, "a suite line has same, kind and two questions: {line:?}");
            Pair { same: f[0] == "1", kind: f[1], a: f[2], b: f[3] }
        })
        .collect()
}

#[test]
fn words_alone_never_take_another_claim_for_this_one() {
    let suite = suite();
    assert!(suite.len() >= 200, "the suite has {} pairs", suite.len());
    let (mut found, mut wrong, mut missed) = (0, Vec::new(), 0);
    for p in &suite {
        // Either order: matching is symmetric.
        let said = similar::same_claim(p.a, p.b, None);
        assert_eq!(said, similar::same_claim(p.b, p.a, None), "{} | {}", p.a, p.b);
        match (said, p.same) {
            (true, true) => found += 1,
            (true, false) => wrong.push(format!("{} ({}): {} | {}", p.kind, "near-miss", p.a, p.b)),
            (false, true) => missed += 1,
            (false, false) => {}
        }
    }
    let precision = found as f64 / (found + wrong.len()).max(1) as f64;
    let recall = found as f64 / (found + missed) as f64;
    eprintln!("words only: precision {precision:.3}, recall {recall:.3} ({found} of {} rewordings)", found + missed);
    assert!(wrong.is_empty(), "near-misses taken as the same claim:\n{}", wrong.join("\n"));
    assert!(recall >= 0.6, "recall {recall:.3}");
}
