use std::path::PathBuf;

use super::*;

/// Writes `files` (name, contents) into a temporary folder, plans the given entries (or the folder itself) and
/// reads everything, returning documents and skips in order.
fn check(files: &[(&str, &str)]) -> (Vec<Document>, Vec<Skipped>) {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(name, contents)| (*name, contents.as_bytes())).collect();
    check_bytes(&files)
}

fn check_bytes(files: &[(&str, &[u8])]) -> (Vec<Document>, Vec<Skipped>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    let planned = plan(&[dir.path().to_path_buf()]).unwrap();
    let (mut docs, mut skips) = (Vec::new(), Vec::new());
    for file in &planned {
        read_file(file, &mut |_| {}, &mut |r| match r {
            Ok(read) => docs.push(read.document),
            Err(mut s) => {
                s.file = PathBuf::from(s.file.file_name().unwrap());
                skips.push(s)
            }
        });
    }
    (docs, skips)
}

#[test]
fn verity_jsonl_with_metadata() {
    let (docs, skips) = check(&[(
        "a.jsonl",
        r#"{"id":"wp-1","title":"Deal","text":"The minister promised.","url":"https://example.org/a","outlet":"The Post","published":"2025-04-17T10:00:00Z","author":"A. Writer"}"#,
    )]);
    assert!(skips.is_empty());
    assert_eq!(docs[0].external_id, "wp-1");
    assert_eq!(docs[0].published.as_deref(), Some("2025-04-17"));
    assert_eq!(docs[0].outlet.as_deref(), Some("The Post"));
}

#[test]
fn beir_and_scifact_shapes_load_as_they_are() {
    let (docs, skips) = check(&[(
        "corpus.jsonl",
        concat!(
            r#"{"_id": "4983", "title": "T", "text": "Body.", "metadata": {}}"#,
            "\n",
            r#"{"doc_id": 13, "title": "S", "abstract": ["One.", " Two."], "structured": false}"#,
            "\n",
        ),
    )]);
    assert!(skips.is_empty(), "{skips:?}");
    assert_eq!((docs[0].external_id.as_str(), docs[0].text.as_str()), ("4983", "Body."));
    assert_eq!((docs[1].external_id.as_str(), docs[1].text.as_str()), ("13", "One. Two."));
}

#[test]
fn json_files_hold_json_lines_or_one_array() {
    let (docs, skips) = check(&[
        (
            "covid.json",
            concat!(r#"{"cord_id": "8vp57c1o", "title": "Saliva", "abstract": ["Rapid testing.", "It works."]}"#, "\n"),
        ),
        ("list.json", r#" [{"id": "a", "text": "First."}, {"id": "b"}, {"id": "c", "text": "Third."}]"#),
    ]);
    let ids: Vec<&str> = docs.iter().map(|d| d.external_id.as_str()).collect();
    assert_eq!(ids, ["8vp57c1o", "a", "c"]);
    assert_eq!(docs[0].text, "Rapid testing. It works.");
    let lines: Vec<String> = skips.iter().map(|s| s.to_string()).collect();
    assert_eq!(lines, ["list.json:2: missing `text` (or SciFact's `abstract`)"]);
}

#[test]
fn bad_records_are_skipped_with_line_and_reason() {
    let (docs, skips) = check(&[(
        "mixed.jsonl",
        concat!(
            r#"{"id":"1","text":"fine"}"#,
            "\n",
            "{not json\n",
            "\n",
            r#"{"title":"no id","text":"x"}"#,
            "\n",
            r#"{"id":"4","text":""}"#,
            "\n",
            r#"{"id":"5","text":"ok","url":7}"#,
            "\n",
            r#"{"id":"6","text":"also fine"}"#,
            "\n",
        ),
    )]);
    assert_eq!(docs.iter().map(|d| d.external_id.as_str()).collect::<Vec<_>>(), ["1", "6"]);
    let lines: Vec<String> = skips.iter().map(|s| s.to_string()).collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("mixed.jsonl:2: invalid JSON"), "{}", lines[0]);
    assert_eq!(lines[1], "mixed.jsonl:4: missing document id: expected `id`, `_id`, `doc_id` or `cord_id`");
    assert_eq!(lines[2], "mixed.jsonl:5: `text` is empty");
    assert_eq!(lines[3], "mixed.jsonl:6: `url` must be a string");
}

#[test]
fn folder_of_text_markdown_and_html() {
    let html = r#"<html><head><title>Ministry deal | Daily News</title>
<link rel="canonical" href="https://news.example/deal">
<meta property="article:published_time" content="2025-04-18T08:00:00Z">
<meta property="og:site_name" content="Daily News">
</head><body><nav>Home | World | Sport</nav><article><h1>Ministry deal</h1>
<p>The minister promised to deliver nine gang leaders to the president, according to officials familiar with the call.</p>
<p>Critics said the move endangered cooperating witnesses and damaged trust in future investigations of the gang.</p>
<p>The ministry said the agreement improved public safety and allowed hundreds of removals.</p>
</article><footer>Copyright</footer></body></html>"#;
    let (docs, skips) = check(&[
        ("notes/a.txt", "Short title\n\nThe first paragraph of the note."),
        ("b.md", "# A heading\n\nSome **bold** text with a [link](https://x.example).\n- *One* item\n- Two 5 * 3\n"),
        ("c.html", html),
        ("ignored.csv", "a,b"),
    ]);
    assert!(skips.is_empty());
    let ids: Vec<&str> = docs.iter().map(|d| d.external_id.as_str()).collect();
    assert_eq!(ids, ["b.md", "c.html", "notes/a.txt"]);
    assert_eq!(docs[0].title, "A heading");
    assert_eq!(docs[0].text, "A heading\n\nSome bold text with a link.\n\nOne item\n\nTwo 5 * 3");
    let page = &docs[1];
    assert_eq!(page.url.as_deref(), Some("https://news.example/deal"));
    assert_eq!(page.published.as_deref(), Some("2025-04-18"));
    assert_eq!(page.outlet.as_deref(), Some("Daily News"));
    assert!(page.title.contains("Ministry deal"));
    assert!(page.text.contains("promised to deliver nine gang leaders"));
    assert!(!page.text.contains("Copyright"), "boilerplate kept: {}", page.text);
    assert_eq!(docs[2].title, "Short title");
}

#[test]
fn missing_and_unsupported_paths_are_errors_that_name_the_path() {
    let err = plan(&[PathBuf::from("/nonexistent/verity")]).unwrap_err();
    assert_eq!(err.to_string(), "/nonexistent/verity: no such file or folder");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "a").unwrap();
    assert!(plan(&[csv]).unwrap_err().to_string().contains("unsupported file type"));
}

#[test]
fn empty_html_file_is_skipped() {
    let (docs, skips) = check(&[("empty.html", "<html><body><script>x()</script></body></html>")]);
    assert!(docs.is_empty());
    assert_eq!(skips[0].reason, "no text found in the file");
}

/// A page built to make tree building quadratic (each `<div>` walks every open element) is read as plain text in
/// linear time, and says so; an ordinary page, inline SVG icons included, still gets main-content extraction.
#[test]
fn deeply_nested_pages_are_read_as_plain_text() {
    let depth = 50_000;
    let deep = format!(
        "<html><head><title>Deep &amp; wide</title><script>var x = '<div>';</script></head><body>{}\
         <p>The council banned cars downtown.</p>{}<nav>Menu</nav></body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let page = html::read(&deep, "deep.html", "deep");
    assert_eq!(page.document.title, "Deep & wide");
    assert_eq!(page.document.text, "The council banned cars downtown.");
    let note = page.note.expect("a flattened page says so");
    assert!(note.contains("50002 levels deep"), "{note}");

    // `<div/>` opens a div outside SVG, so it nests too.
    let slashed = format!("<body>{}<p>Text.</p></body>", "<div/>".repeat(html::MAX_NESTING + 1));
    assert!(html::read(&slashed, "s.html", "s").note.is_some());

    let icons = "<svg viewBox='0 0 1 1'><path d='M0'/></svg>".repeat(2_000);
    let ordinary = format!(
        "<html><head><title>Cars | Daily</title></head><body><nav>Home</nav>{icons}<article><h1>Cars</h1>\
         <p>The council voted on Tuesday to ban private cars from the old town from next spring, after two years \
         of consultation with residents and shop owners.</p><p>Delivery vans keep access before ten in the \
         morning, and residents may apply for a permit.</p></article></body></html>"
    );
    let page = html::read(&ordinary, "o.html", "o");
    assert!(page.note.is_none());
    assert!(page.document.text.contains("ban private cars"), "{}", page.document.text);
    assert!(!page.document.text.contains("Home"), "{}", page.document.text);
}

/// Every format follows one rule for bytes ([`encoding::decode`]): Latin-1 is read as Latin-1 whether it is a
/// `.txt`, a page or a JSON Lines record, and what is not text is skipped with a reason, never stored as U+FFFD.
#[test]
fn encodings_are_detected_and_binary_is_skipped_in_every_format() {
    let latin1: &[u8] =
        b"Le minist\xe8re a d\xe9menti la r\xe9forme annonc\xe9e \xe0 l'Assembl\xe9e nationale hier soir.";
    let page = [
        b"<html><head><meta charset=\"iso-8859-1\"><title>R\xe9forme</title></head><body><p>".as_slice(),
        latin1,
        b"</p></body></html>",
    ]
    .concat();
    let record =
        [b"{\"id\": \"fr-1\", \"text\": \"".as_slice(), latin1, b"\"}\n{\"id\": \"fr-2\", \"text\": \"Plain.\"}\n"]
            .concat();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0";
    let jpeg: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01";
    let (docs, skips) = check_bytes(&[
        ("a.txt", latin1),
        ("b.html", &page),
        ("c.jsonl", &record),
        ("d.txt", png),
        ("e.jsonl", &[b"{\"id\": \"x\", \"text\": \"".as_slice(), jpeg, b"\"}\n"].concat()),
    ]);
    let expected = "Le ministère a démenti la réforme annoncée à l'Assemblée nationale hier soir.";
    let texts: Vec<(&str, &str)> = docs.iter().map(|d| (d.external_id.as_str(), d.text.as_str())).collect();
    assert_eq!(texts, [("a.txt", expected), ("b.html", expected), ("fr-1", expected), ("fr-2", "Plain.")]);
    assert_eq!(docs[1].title, "Réforme");
    let lines: Vec<String> = skips.iter().map(|s| s.to_string()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("d.txt: not text: it holds NUL bytes"), "{}", lines[0]);
    assert!(lines[1].starts_with("e.jsonl:1: not text"), "{}", lines[1]);
}

/// UTF-8 with one damaged byte is read as UTF-8 with that byte replaced, and the reader says so: never the whole
/// file as Latin-1 mojibake ("cafÃ©").
#[test]
fn a_stray_invalid_byte_is_replaced_and_noted_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"Le caf\xc3\xa9 du minist\xc3\xa8re \xff a ferm\xc3\xa9.";
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    let record = [b"{\"id\": \"r\", \"text\": \"".as_slice(), text, b"\"}\n"].concat();
    std::fs::write(
        dir.path().join("b.jsonl"),
        [b"{\"id\": \"first\", \"text\": \"Fine.\"}\n".as_slice(), &record].concat(),
    )
    .unwrap();
    let mut read = Vec::new();
    for file in &plan(&[dir.path().to_path_buf()]).unwrap() {
        read_file(file, &mut |_| {}, &mut |r| read.push(r.unwrap()));
    }
    let got: Vec<(&str, Option<&str>)> = read.iter().map(|r| (r.document.text.as_str(), r.note.as_deref())).collect();
    let note = "read as UTF-8 with 1 byte that was not valid UTF-8 replaced by \u{FFFD} (check the file for damage)";
    let line_note = format!("line 2: {note}");
    assert_eq!(
        got,
        [
            ("Le café du ministère \u{FFFD} a fermé.", Some(note)),
            ("Fine.", None),
            ("Le café du ministère \u{FFFD} a fermé.", Some(line_note.as_str())),
        ]
    );
}

/// A document over [`MAX_DOCUMENT_BYTES`] is skipped with its size and what to do, whether it is a whole file or
/// one JSON Lines record, and the records after it are still read.
#[test]
fn documents_over_the_size_limit_are_skipped_with_what_to_do() {
    let huge = "word ".repeat(MAX_DOCUMENT_BYTES as usize / 5 + 10);
    let lines =
        format!("{{\"id\": \"big\", \"text\": \"{huge}\"}}\n{{\"id\": \"after\", \"text\": \"Still read.\"}}\n");
    let (docs, skips) = check(&[("big.txt", &huge), ("records.jsonl", &lines)]);
    assert_eq!(docs.iter().map(|d| d.external_id.as_str()).collect::<Vec<_>>(), ["after"]);
    let lines: Vec<String> = skips.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        lines,
        [
            "big.txt: 10.0 MB is over the 10 MB limit for one document: split it into several documents (one article, \
             chapter or record each)",
            "records.jsonl:1: 10.0 MB is over the 10 MB limit for one document: split it into several documents (one \
             article, chapter or record each)",
        ]
    );
}

#[test]
fn skips_past_the_first_twenty_are_counted_by_file() {
    let skip = |file: &str, line| Skipped { file: file.into(), line: Some(line), reason: "not text".into() };
    let few: Vec<Skipped> = (1..=3).map(|n| skip("a.jsonl", n)).collect();
    assert_eq!(
        skip_report(&few),
        ["skipped a.jsonl:1: not text", "skipped a.jsonl:2: not text", "skipped a.jsonl:3: not text"]
    );
    let many: Vec<Skipped> =
        (1..=810).map(|n| skip("blob.jsonl", n)).chain((1..=4).map(|n| skip("other.jsonl", n))).collect();
    let report = skip_report(&many);
    assert_eq!(report.len(), SKIPS_SHOWN + 1);
    assert_eq!(report[19], "skipped blob.jsonl:20: not text");
    assert_eq!(report[20], "skipped 794 more: 790 in blob.jsonl, 4 in other.jsonl");
}

/// Found by `scripts/fuzz.sh`: text made only of invisible characters is no text, in a page or in a record.
#[test]
fn text_of_invisible_characters_only_is_no_text() {
    let (docs, skips) =
        check(&[("a.html", "<div>\u{200b}<div>"), ("b.jsonl", "{\"id\": \"z\", \"text\": \"\u{200b}\u{feff}\"}\n")]);
    assert!(docs.is_empty(), "{docs:?}");
    let lines: Vec<String> = skips.iter().map(|s| s.to_string()).collect();
    assert_eq!(lines, ["a.html: no text found in the file", "b.jsonl:1: `text` is empty"]);
}
