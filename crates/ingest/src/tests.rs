use std::path::PathBuf;

use super::*;

/// Writes `files` (name, contents) into a temporary folder, plans the given entries (or the folder itself) and
/// reads everything, returning documents and skips in order.
fn check(files: &[(&str, &str)]) -> (Vec<Document>, Vec<Skipped>) {
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
            Ok(d) => docs.push(d),
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
    assert_eq!(docs[0].text, "A heading\n\nSome bold text with a link.\nOne item\n\nTwo 5 * 3");
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
