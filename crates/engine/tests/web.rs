//! Checks that read the web: a search provider and news pages served on loopback here, the SSRF guard
//! allowing only that server, pages stored as snapshots and cited; and an unreachable web leaving a local check.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use verity_engine::web::{Provider, SourcePolicy, WebConfig};
use verity_engine::{Config, Engine};
use verity_model::{SourceTier, VerdictLabel};
use verity_web::{FetchConfig, Guard};

/// Serves `pages` (path to content type and body, `{base}` replaced by the server's address) and logs paths.
fn serve(pages: Vec<(&'static str, &'static str, String)>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let pages: Vec<(String, String, String)> = pages
        .into_iter()
        .map(|(p, t, b)| (p.to_string(), t.to_string(), b.replace("{base}", &format!("http://{addr}"))))
        .collect();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut request).unwrap_or(0);
            while reader.read_line(&mut String::new()).map(|n| n > 2).unwrap_or(false) {}
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            seen.lock().unwrap().push(path.clone());
            let route = path.split('?').next().unwrap_or("/");
            let (status, kind, body) = match pages.iter().find(|(p, ..)| p == route) {
                Some((_, kind, body)) => ("200 OK", kind.as_str(), body.as_str()),
                None => ("404 Not Found", "text/plain", "not here"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, log)
}

fn article(outlet: &str, date: &str, text: &str) -> String {
    format!(
        "<html><head><title>{outlet} report</title><meta property=\"og:site_name\" content=\"{outlet}\">\
         <meta property=\"article:published_time\" content=\"{date}\"></head><body><article><h1>Brelin bans cars</h1>\
         <p>{text}</p><p>The decision was reported on the council's website and in the local press the same day.</p>\
         </article></body></html>"
    )
}

fn engine(dir: &std::path::Path, web: WebConfig) -> Engine {
    Engine::open(Config {
        today: Some("2026-11-26".into()),
        web: Some(web),
        models: Some(dir.join("no-models")),
        ..Config::new(dir.join("data"))
    })
    .unwrap()
}

fn web_config(search: SocketAddr, allowed: Vec<SocketAddr>) -> WebConfig {
    WebConfig {
        providers: vec![Provider::Searxng { base_url: format!("http://{search}/") }],
        fetch: FetchConfig {
            guard: Guard { allow_private: false, allowed },
            host_interval: Duration::ZERO,
            timeout: Duration::from_secs(3),
            ..FetchConfig::default()
        },
        search_timeout: Duration::from_secs(3),
        policy: SourcePolicy {
            deny: vec!["denied.example".into()],
            tiers: vec![("127.0.0.1".into(), SourceTier::EstablishedOutlet)],
            ..SourcePolicy::default()
        },
        ..WebConfig::default()
    }
}

#[test]
fn a_check_searches_the_web_reads_pages_within_the_guard_and_cites_their_snapshots() {
    let results = r#"{"results": [
        {"url": "{base}/ledger/cars", "title": "Council bans cars", "content": "..."},
        {"url": "{base}/courier/cars?utm_source=feed", "title": "Brelin car-free", "content": "..."},
        {"url": "{base}/courier/cars", "title": "Brelin car-free (again)", "content": "..."},
        {"url": "http://10.0.0.1/internal", "title": "An intranet page", "content": "..."},
        {"url": "https://denied.example/cars", "title": "A denied site", "content": "..."}
    ]}"#;
    let (addr, log) = serve(vec![
        ("/search", "application/json", results.to_string()),
        (
            "/ledger/cars",
            "text/html",
            article(
                "The Ledger",
                "2026-11-20",
                "The council of Brelin banned cars from the old town on Monday, officials said.",
            ),
        ),
        (
            "/courier/cars",
            "text/html",
            article(
                "The Courier",
                "2026-11-21",
                "Brelin's council voted on Monday to ban cars from the old town of Brelin.",
            ),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine(dir.path(), web_config(addr, vec![addr]));
    let mut stages = Vec::new();
    let report = engine
        .check_observed("Did the council of Brelin ban cars from the old town?", &mut |s| stages.push(s))
        .unwrap();

    assert_eq!(report.verdict.label, VerdictLabel::Supported, "{:#?}", report.summary);
    let web = report.coverage.web.as_ref().unwrap();
    assert_eq!(
        (web.providers.as_slice(), web.pages_read, web.results),
        (&["searxng".to_string()][..], 2, 4),
        "{web:?}"
    );
    assert!(stages.iter().any(|s| matches!(s, verity_model::Stage::Web { pages_read: 2, .. })), "{stages:?}");
    // The same page behind a tracking parameter was read once; the intranet address never; the denied site never.
    let fetched: Vec<String> =
        log.lock().unwrap().iter().filter(|p| !p.starts_with("/search") && *p != "/robots.txt").cloned().collect();
    assert_eq!(fetched.len(), 2, "{fetched:?}");
    assert!(
        report.diagnostics.iter().any(|d| d.stage == "web"
            && d.message.contains("http://10.0.0.1/internal")
            && d.message.contains("address guard")),
        "{:?}",
        report.diagnostics
    );
    // Cited sources are the stored snapshots, with when they were read and the site's rank of them.
    let ledger =
        report.sources.iter().find(|s| s.outlet.as_deref() == Some("The Ledger")).expect("the Ledger is cited");
    assert!(ledger.fetched_at.as_deref().is_some_and(|t| t.starts_with("20")));
    assert_eq!(ledger.tier, Some(SourceTier::EstablishedOutlet));
    assert_eq!(ledger.published.as_deref(), Some("2026-11-20"));
    let stored = engine.store().version(ledger.version_id).unwrap().unwrap();
    assert!(ledger.quotes.iter().all(|q| stored.text.contains(q.as_str())));
    assert_eq!(stored.meta.fetched_at, ledger.fetched_at);
    // Checking again reads the pages again, and unchanged pages stay one version each.
    let again = engine.check("Did the council of Brelin ban cars from the old town?").unwrap();
    assert_eq!(again.sources.iter().find(|s| s.outlet.as_deref() == Some("The Ledger")).unwrap().version, 1);
    let gaps: String = report.sections[4].sentences.iter().map(|s| s.text.as_str()).collect();
    assert!(
        gaps.contains("the web was searched with") && gaps.contains("(searxng) and 2 pages were read into the archive"),
        "{gaps}"
    );
    let markdown = verity_render::markdown(&report);
    assert!(markdown.contains("Web: ") && markdown.contains("pages read and stored as snapshots"), "{markdown}");
}

#[test]
fn with_the_web_unreachable_the_check_says_so_and_uses_the_local_archive() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local.jsonl");
    std::fs::write(&local, r#"{"id": "l1", "title": "Cars banned", "outlet": "Archive", "text": "The council of Brelin banned cars from the old town on Monday, officials said."}"#).unwrap();
    let mut engine = engine(dir.path(), web_config(closed, vec![]));
    engine.ingest(&[local], &mut |_| {}).unwrap();
    let report = engine.check("Did the council of Brelin ban cars from the old town?").unwrap();
    assert!(
        report.diagnostics.iter().any(|d| d.message == "web search is unavailable; only the local archive was checked"),
        "{:?}",
        report.diagnostics
    );
    assert!(
        report.diagnostics.iter().any(|d| d.message.starts_with("searxng could not be reached")),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(report.sources[0].doc_id, "l1");
    assert_eq!(report.coverage.web.as_ref().unwrap().pages_read, 0);
    let gaps: String = report.sections[4].sentences.iter().map(|s| s.text.as_str()).collect();
    assert!(gaps.contains("the web was searched (searxng) but no page could be read"), "{gaps}");
}
