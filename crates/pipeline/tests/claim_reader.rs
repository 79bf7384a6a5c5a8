//! The claim reader against a suite of questions people ask (`claim_reader.tsv`: question, the claim it must read
//! as, where the claim comes from). The claims are training-split claims of SciFact (CC BY 4.0) and Check-COVID
//! (MIT), turned into the yes/no questions a reader would type (drafted by `scripts/claim_suite.py`, every line
//! reviewed by hand), and news questions written for this suite. The reader must return the claim word for word.

use verity_pipeline::claim;

/// The share of the suite the reader must read exactly.
const REQUIRED: f64 = 0.95;

#[test]
fn the_claim_reader_keeps_the_users_words_on_the_suite() {
    let suite = include_str!("claim_reader.tsv");
    let mut misses = Vec::new();
    let mut total = 0;
    for line in suite.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "a suite line has question, claim and source: {line:?}");
        let (question, expected) = (fields[0], fields[1]);
        total += 1;
        match claim::extract(question, 2026) {
            Ok(c) if c.text == expected => {}
            Ok(c) => misses.push(format!("{question}\n    got:  {}\n    want: {expected}", c.text)),
            Err(e) => misses.push(format!("{question}\n    refused: {e}\n    want: {expected}")),
        }
    }
    let exact = (total - misses.len()) as f64 / total as f64;
    eprintln!("claim reader: {} of {total} exact ({:.1}%)", total - misses.len(), exact * 100.0);
    for miss in &misses {
        eprintln!("{miss}");
    }
    assert!(total >= 300, "the suite has {total} questions");
    assert!(exact >= REQUIRED, "{:.1}% exact, below {:.0}%", exact * 100.0, REQUIRED * 100.0);
}
