//! Checking a whole text through the engine: matched claims cost no check, a claim of the opposite polarity is
//! not a match, new checks stop at the limit in order of check-worthiness, and bad input stores nothing.

use std::path::Path;

use verity_engine::texts::{TextOptions, text_from_bytes};
use verity_engine::{CheckRequest, Config, Engine, EngineError};
use verity_model::{SentenceOutcome, Stage, TextCheck};

fn engine(dir: &Path) -> Engine {
    let mut engine = Engine::open(Config { today: Some("2026-12-07".into()), ..Config::new(dir) }).unwrap();
    let archive = dir.join("archive.jsonl");
    std::fs::write(
        &archive,
        r#"{"id": "ban", "title": "Council bans cars", "outlet": "The Ledger", "text": "The Brelin city council banned cars from the old town on Monday. The ban starts in March."}
{"id": "budget", "title": "Budget", "outlet": "The Ledger", "text": "The Brelin council raised the parking fee by 40 percent in 2025."}
"#,
    )
    .unwrap();
    engine.ingest(&[archive], &mut |_| {}).unwrap();
    engine
}

fn check(engine: &Engine, text: &str, limit: usize) -> (TextCheck, Vec<Stage>) {
    let mut seen = Vec::new();
    let result = engine
        .check_text("text-1", text, None, &TextOptions { limit, ..TextOptions::default() }, &mut |p| seen.push(p))
        .unwrap();
    (result, seen)
}

fn outcome_of<'a>(result: &'a TextCheck, fragment: &str) -> &'a SentenceOutcome {
    &result.sentences.iter().find(|s| s.text.contains(fragment)).unwrap_or_else(|| panic!("{fragment}")).outcome
}

#[test]
fn a_claim_checked_before_is_matched_and_the_opposite_claim_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let earlier = engine
        .check(CheckRequest::question("Did the Brelin city council ban all 3,000 cars from the old town?"))
        .unwrap()
        .0;
    let reports_before = engine.list(100).unwrap().len();
    let (result, _) = check(
        &engine,
        "The Brelin city council banned all 3,000 cars from the old town. \
         The Brelin city council lifted the ban on all 3,000 cars in the old town.",
        20,
    );
    match outcome_of(&result, "banned all") {
        SentenceOutcome::Matched { report } => assert_eq!(report.id, earlier.id),
        other => panic!("not matched: {other:?}"),
    }
    assert!(matches!(outcome_of(&result, "lifted the ban"), SentenceOutcome::Checked { .. }), "{result:#?}");
    assert_eq!((result.matched, result.checked), (1, 1));
    // The match cost no check: one new report, for the lifted ban.
    assert_eq!(engine.list(100).unwrap().len(), reports_before + 1);
}

#[test]
fn new_checks_stop_at_the_limit_most_check_worthy_first() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let text = "Good evening, and thank you all for coming tonight.\n\
                The Brelin council raised the parking fee by 40 percent in 2025.\n\
                The Brelin city council banned cars from the old town on Monday.\n\
                Unemployment in Brelin fell from 9 percent to 4 percent between 2015 and 2024.\n";
    let (result, progress) = check(&engine, text, 1);
    assert_eq!(result.sentences.len(), 4);
    assert_eq!(result.sentences[0].outcome, SentenceOutcome::NotCheckWorthy);
    assert_eq!((result.checked, result.over_limit), (1, result.candidates - 1), "{result:#?}");
    let checked = result.sentences.iter().find(|s| matches!(s.outcome, SentenceOutcome::Checked { .. })).unwrap();
    let best_left = result
        .sentences
        .iter()
        .filter(|s| s.outcome == SentenceOutcome::OverLimit)
        .map(|s| s.score)
        .fold(f32::MIN, f32::max);
    assert!(checked.score >= best_left, "the most check-worthy claim goes first");
    assert!(matches!(progress[0], Stage::TextRead { sentences: 4, .. }));
    assert!(progress.contains(&Stage::TextChecking { position: checked.position, claim: checked.claim.clone() }));
}

#[test]
fn bad_input_is_refused_with_what_to_do_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let refused = |e: EngineError| match e {
        EngineError::Text(message) => message,
        other => panic!("not a text error: {other}"),
    };
    assert!(refused(text_from_bytes(b"   \n ").unwrap_err()).contains("empty"));
    let long = "The council banned cars. ".repeat(10_000);
    let message = refused(text_from_bytes(long.as_bytes()).unwrap_err());
    assert!(message.contains("200000 bytes") && message.contains("250000 read"), "{message}");
    assert!(refused(text_from_bytes(b"\x00\x01\x02PK\x03\x04binary\x00\x00").unwrap_err()).contains("plain words"));
    assert!(
        refused(engine.check_text("t", "", None, &TextOptions::default(), &mut |_| {}).unwrap_err()).contains("empty")
    );
    assert!(refused(engine.text_from_url("not a url").unwrap_err()).contains("not a URL"));
    // A loopback address is refused by the guarded fetcher unless private addresses are allowed.
    match engine.text_from_url("http://127.0.0.1:9/article").unwrap_err() {
        EngineError::PageUnreadable(message) => assert!(message.contains("paste the text"), "{message}"),
        other => panic!("{other}"),
    }
    assert!(engine.list(10).unwrap().is_empty(), "nothing was stored");
}

#[test]
fn the_text_keeps_speakers_and_resolved_claims() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let (result, _) = check(&engine, "MAYOR DIAZ: I raised the parking fee by 40 percent in 2025.\n", 5);
    let s = &result.sentences[0];
    assert_eq!(s.speaker.as_deref(), Some("MAYOR DIAZ"));
    assert_eq!(s.claim, "[Mayor Diaz] raised the parking fee by 40 percent in 2025.");
    assert!(s.outcome.report().is_some(), "{s:#?}");
    assert_eq!(&result.text[s.start..s.end], s.text);
}

#[test]
fn a_stored_text_is_read_back_and_a_refresh_checks_its_reports_again_as_its_next_version() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let (first, _) = check(&engine, "The Brelin council raised the parking fee by 40 percent in 2025.", 5);
    assert_eq!((first.version, first.checked), (1, 1));
    let stored = engine.text("text-1").unwrap();
    assert_eq!(stored, first);
    let report = first.sentences[0].outcome.report().unwrap().clone();
    let again =
        engine.refresh_text("text-1", &TextOptions { limit: 5, ..TextOptions::default() }, &mut |_| {}).unwrap();
    assert_eq!((again.version, again.checked, again.matched), (2, 1, 0));
    let refreshed = again.sentences[0].outcome.report().unwrap();
    assert_eq!((refreshed.id.as_str(), refreshed.version), (report.id.as_str(), report.version + 1));
    assert!(matches!(engine.text("no-such-text"), Err(EngineError::NoSuchText(_))));
}

#[test]
fn a_page_on_a_host_the_source_policy_refuses_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let web = verity_engine::web::WebConfig {
        policy: verity_engine::web::SourcePolicy::parse(r#"{"deny": ["blocked.example"]}"#).unwrap(),
        ..Default::default()
    };
    let engine = Engine::open(Config { web: Some(web), ..Config::new(dir.path()) }).unwrap();
    match engine.text_from_url("https://news.blocked.example/story").unwrap_err() {
        EngineError::SourceRefused(message) => {
            assert!(message.contains("news.blocked.example") && message.contains("paste the text"), "{message}")
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_page_is_read_through_the_guarded_fetcher_and_its_article_checked_as_a_text() {
    let server = verity_loopback::Server::start("127.0.0.1", |request, stream| {
        match request.path.as_str() {
        "/robots.txt" => verity_loopback::respond(stream, "404 Not Found", &[], b""),
        _ => verity_loopback::respond(
            stream,
            "200 OK",
            &[("content-type", "text/html; charset=utf-8")],
            b"<html><head><title>Council votes</title></head><body><nav>Home | Sport</nav><article><h1>Council \
              votes</h1><p>The Brelin council raised the parking fee by 40 percent in 2025, officials said on \
              Monday.</p><p>Shop owners said they were not asked before the vote took place.</p></article></body></html>",
        ),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let web = verity_engine::web::WebConfig {
        providers: Vec::new(),
        fetch: verity_web::FetchConfig {
            guard: verity_web::Guard { allow_private: false, allowed: vec![server.addr] },
            host_interval: std::time::Duration::ZERO,
            ..Default::default()
        },
        ..Default::default()
    };
    let engine = Engine::open(Config { web: Some(web), ..Config::new(dir.path()) }).unwrap();
    let url = server.url("/story");
    let text = engine.text_from_url(&url).unwrap();
    assert!(text.contains("raised the parking fee by 40 percent") && !text.contains("Home | Sport"), "{text}");
    let checked = engine.check_text("t-url", &text, Some(url.clone()), &TextOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(checked.source_url.as_deref(), Some(url.as_str()));
    assert!(
        checked.sentences.iter().any(|s| s.text.contains("parking fee") && s.outcome.report().is_some()),
        "{checked:#?}"
    );
}
