//! Properties of a text's triage on text no one wrote by hand (proptest): whatever a newsroom pastes, every
//! sentence comes back in order, as a span of the text on character boundaries, with a claim, and either a
//! reason it is not checked or none; and a replacement is always bracketed.

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
}

fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "SMITH: ",
        "Sen. Jones (D-Ohio): ",
        "MODERATOR (Jane Doe): ",
        "Note: ",
        "\n",
        "\n\n",
        " ",
        "I ",
        "I'm ",
        "He ",
        "he's ",
        "She ",
        "her ",
        "It ",
        "it\u{2019}s ",
        "They ",
        "they're ",
        "That ",
        "This ",
        "my ",
        "Maria Chen ",
        "Senator Ruiz ",
        "The Vice President ",
        "unemployment ",
        "rose ",
        "fell ",
        "by 8% ",
        "$3 billion ",
        "in 2019",
        "said ",
        "that ",
        "is true ",
        ".",
        "?",
        "\"",
        "İ",
        "ẞ",
        "\u{200b}",
        "\u{202e}",
        "\u{200f}",
        "ﬁ",
        "Ｉ ",
        "日本語。",
        ":",
    ]);
    prop_oneof![prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat()), any::<String>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn every_sentence_is_a_span_of_the_text_with_a_claim_and_a_clear_outcome(text in text()) {
        let triaged = verity_triage::triage(&text, 2026);
        let mut last_end = 0;
        for (i, t) in triaged.iter().enumerate() {
            let s = &t.statement;
            prop_assert_eq!(s.position, i);
            prop_assert!(s.start >= last_end && s.start < s.end && s.end <= text.len());
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            last_end = s.end;
            prop_assert!((0.0..=1.0).contains(&t.score));
            prop_assert!(!t.claim.claim.is_empty());
            if t.claim.needs_context.is_some() {
                prop_assert_eq!(&t.claim.claim, &s.text);
            }
            for (_, meant) in &t.claim.resolved {
                let bracketed = format!("[{meant}]");
                prop_assert!(t.claim.claim.contains(&bracketed), "{} lacks {}", t.claim.claim, bracketed);
            }
            if let Some(verity_triage::Skip::SameAs { position }) = t.reason() {
                prop_assert!(position < i);
            }
        }
    }
}
