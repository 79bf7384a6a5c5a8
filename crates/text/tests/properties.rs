//! Properties of the text primitives on text no one wrote by hand (proptest).

use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "The council met.",
        " ",
        "\n",
        "\n\n",
        "Dr.",
        "U.S.",
        "e.g.",
        "3.5",
        "?",
        "!",
        "...",
        "\"",
        "# Heading",
        "é",
        "e\u{301}",
        "ﬁ",
        "Ａ",
        "\u{200b}",
        "\u{feff}",
        "\u{202e}",
        "\u{0}",
        "\r",
        "\t",
        "日本語。",
        "–",
        "a",
    ]);
    prop_oneof![prop::collection::vec(pieces, 0..80).prop_map(|p| p.concat()), any::<String>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn sentences_are_ordered_trimmed_spans_on_character_boundaries(text in text()) {
        let mut last = 0;
        for span in verity_text::sentences(&text) {
            prop_assert!(last <= span.start && span.start < span.end && span.end <= text.len());
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            let sentence = &text[span.start..span.end];
            prop_assert_eq!(sentence, sentence.trim());
            last = span.end;
        }
    }

    #[test]
    fn normalizing_twice_changes_nothing_more(text in text()) {
        let once = verity_text::normalize(&text);
        prop_assert_eq!(verity_text::normalize(&once), once.clone());
        let invisible = ['\0', '\u{200b}'];
        prop_assert!(!once.contains(invisible), "{once:?}");
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}
