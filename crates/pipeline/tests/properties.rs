//! Properties of the claim reader, the query planner, the facet splitter and provenance on text no one wrote by
//! hand (proptest): any text is either read as a claim or refused with a reason, never a panic; a claim always
//! yields a query and splits into parts; any texts are traced. The alphabet holds letters whose lower case has
//! another length in bytes ("İ", "ẞ", the Kelvin sign), a ligature and final sigma: offsets found in lower case
//! and applied to the original panicked on them.

use proptest::prelude::*;
use verity_pipeline::{claim, facet, plan, provenance};

fn question() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Did",
        "did",
        "the",
        "council",
        "not",
        "ban",
        "cars",
        "downtown",
        "?",
        "!",
        ".",
        ",",
        "\"",
        "'",
        "in",
        "2025",
        "on",
        "March",
        "3",
        "%",
        "$",
        "1e9",
        "never",
        "and",
        "or",
        "Is",
        "it",
        "true",
        "that",
        "Dr.",
        "U.S.",
        "—",
        "(",
        ")",
        " ",
        "  ",
        "\n",
        "é",
        "\u{200b}",
        "日本",
        "ban?",
        "I",
        "think",
        "pizza",
        "best",
        "will",
        "say",
        "İ",
        "İmamoğlu",
        "ẞ",
        "STRAẞE",
        "\u{212a}",
        "\u{fb01}nance",
        "ΟΔΟΣ",
        "ς",
        "after",
        "because",
        "in",
        "order",
        "to",
        "according",
        "reported",
        "Ledger",
        "Özel",
        "resign",
        "resigned",
        "and",
        "then",
        "but",
        "was",
    ]);
    prop_oneof![prop::collection::vec(words, 0..40).prop_map(|w| w.join(" ")), any::<String>(),]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_question_is_read_or_refused_with_a_reason(question in question()) {
        match claim::read(&question, 2026) {
            Ok(claim) => {
                prop_assert!(!claim.text.trim().is_empty());
                let _ = plan::web_queries(&claim);
                let _ = plan::more_queries(&claim);
            }
            Err(reason) => prop_assert!(!reason.to_string().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_claim_splits_into_parts_cut_at_character_boundaries(question in question()) {
        if let Ok(claim) = claim::extract(&question, 2026) {
            for part in facet::split(&claim) {
                prop_assert!(!part.text.is_empty());
            }
            let _ = claim::main_clause(&claim.text);
            let _ = claim::opposite(&claim.text);
        }
    }

    #[test]
    fn any_texts_are_traced(texts in prop::collection::vec(question(), 1..4)) {
        let metas: Vec<verity_model::SourceMeta> = (0..texts.len())
            .map(|i| verity_model::SourceMeta {
                doc_id: format!("d{i}"),
                version: 1,
                version_id: i as i64 + 1,
                title: texts[i].chars().take(20).collect(),
                outlet: Some(["The Capital Ledger", "Özel Haber", "İstanbul Times"][i % 3].to_string()),
                url: None,
                published: None,
                author: None,
                fetched_at: None,
            })
            .collect();
        let sources: Vec<provenance::SourceText<'_>> =
            metas.iter().zip(&texts).map(|(meta, text)| provenance::SourceText { meta, text }).collect();
        let traced = provenance::trace(&sources);
        prop_assert_eq!(traced.sources.len(), texts.len());
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128)
}
