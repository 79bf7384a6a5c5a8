//! Properties of the claim reader and the query planner on questions no one wrote by hand (proptest): any text
//! is either read as a claim or refused with a reason, never a panic, and a claim always yields a query.

use proptest::prelude::*;
use verity_pipeline::{claim, plan};

fn question() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Did", "did", "the", "council", "not", "ban", "cars", "downtown", "?", "!", ".", ",", "\"", "'", "in", "2025",
        "on", "March", "3", "%", "$", "1e9", "never", "and", "or", "Is", "it", "true", "that", "Dr.", "U.S.", "—", "(",
        ")", " ", "  ", "\n", "é", "\u{200b}", "日本", "ban?", "I", "think", "pizza", "best", "will", "say",
    ]);
    prop_oneof![prop::collection::vec(words, 0..40).prop_map(|w| w.join(" ")), any::<String>(),]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_question_is_read_or_refused_with_a_reason(question in question()) {
        match claim::extract(&question, 2026) {
            Ok(claim) => {
                prop_assert!(!claim.text.trim().is_empty());
                let _ = plan::web_queries(&claim);
                let _ = plan::more_queries(&claim);
            }
            Err(reason) => prop_assert!(!reason.to_string().is_empty()),
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128)
}
