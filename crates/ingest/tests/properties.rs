//! Properties of the readers on input no one wrote by hand (proptest): whatever the bytes, reading never panics,
//! every record is a document with text or a skip with a reason, and decoding follows one rule. `scripts/fuzz.sh`
//! runs these for longer; failures found are kept in `proptest-regressions/` and replayed here.

use proptest::prelude::*;
use verity_ingest::{InputFile, InputKind, Record, encoding, html};

/// Pieces that markup, JSON and prose are made of, so generated input reaches deep into each reader.
fn soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<script>",
        "</script>",
        "<svg>",
        "<math>",
        "<br/>",
        "<!--",
        "-->",
        "<![CDATA[",
        "<title>",
        "</title>",
        "<a href=\"x\">",
        "</a>",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "&",
        "<",
        ">",
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"id\"",
        "\"text\"",
        "\"abstract\"",
        "null",
        "1e999",
        "\\u0000",
        "\\ud800",
        "# ",
        "**",
        "[link](",
        ")",
        "```",
        "\n",
        "\n\n",
        "\r\n",
        " ",
        "\t",
        "The council did not ban cars.",
        "é",
        "\u{200b}",
        "\u{feff}",
        "\u{202e}",
        "日本",
    ]);
    prop::collection::vec(pieces, 0..120).prop_map(|p| p.concat())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..2_000), soup().prop_map(String::into_bytes)]
}

fn read(bytes: &[u8], extension: &str) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("input.{extension}"));
    std::fs::write(&path, bytes).unwrap();
    let kind = match extension {
        "jsonl" => InputKind::JsonLines,
        "json" => InputKind::Json,
        "md" => InputKind::Markdown,
        "html" => InputKind::Html,
        _ => InputKind::Text,
    };
    let file = InputFile { path, kind, size: bytes.len() as u64, root: None };
    let mut records = Vec::new();
    verity_ingest::read_file(&file, &mut |_| {}, &mut |r| records.push(r));
    records
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn every_file_reads_to_documents_with_text_or_skips_with_reasons(
        bytes in bytes(),
        extension in prop::sample::select(vec!["jsonl", "json", "txt", "md", "html"]),
    ) {
        for record in read(&bytes, extension) {
            match record {
                Ok(read) => {
                    let doc = read.document;
                    prop_assert!(!doc.text.trim().is_empty());
                    prop_assert!(!doc.text.contains('\0') && !doc.external_id.is_empty());
                }
                Err(skip) => prop_assert!(!skip.reason.is_empty()),
            }
        }
    }

    #[test]
    fn decoded_text_is_never_binary_and_utf8_is_kept_as_it_is(bytes in bytes()) {
        if let Ok(decoded) = encoding::decode(&bytes, None) {
            prop_assert!(!decoded.text.contains('\0'));
            if let Ok(utf8) = std::str::from_utf8(&bytes) {
                prop_assert_eq!(decoded.text.as_str(), utf8.strip_prefix('\u{feff}').unwrap_or(utf8));
            }
        }
    }

    #[test]
    fn any_page_is_read_whatever_its_markup(page in soup()) {
        let read = html::read(&page, "page.html", "page");
        prop_assert!(!read.document.text.contains('\0'));
        let _ = html::fragment_text(&page);
    }
}

/// Cases per property: few in the test suite, many from `scripts/fuzz.sh` (`PROPTEST_CASES`).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64)
}
