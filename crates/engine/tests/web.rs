//! Checks that read the web: a search provider and news pages served on loopback here, the SSRF guard
//! allowing only that server, pages stored as snapshots and cited; and an unreachable web leaving a local check.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use verity_engine::web::{Provider, SourcePolicy, WebConfig};
use verity_engine::{CheckRequest, Config, Engine};
use verity_model::{Deadline, SourceTier, VerdictLabel};
use verity_web::{FetchConfig, Guard};

/// An answer: status, content type, extra headers, body.
type Answer = (u16, &'static str, Vec<(String, String)>, String);

/// Serves requests with `answer(path, headers)` on loopback, each connection on a thread of its own (an answer may
/// wait); logs each path (with its query).
fn serve_with(
    answer: impl Fn(&str, &[(String, String)]) -> Answer + Send + Sync + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    serve_at("127.0.0.1", answer)
}

/// Like [`serve_with`], on another loopback address (another host to the fetcher, which limits requests per host).
fn serve_at(
    ip: &str,
    answer: impl Fn(&str, &[(String, String)]) -> Answer + Send + Sync + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let server = verity_loopback::Server::start(ip, move |request, stream| {
        seen.lock().unwrap().push(request.path.clone());
        let (status, kind, extra, body) = answer(&request.path, &request.headers);
        let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    (server.addr, log)
}

/// Serves fixed `pages` (path, content type, body; `{base}` in a body becomes the server's address).
fn serve(pages: Vec<(&'static str, &'static str, String)>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let base = Arc::new(Mutex::new(String::new()));
    let at = base.clone();
    let (addr, log) = serve_with(move |path, _| {
        let route = path.split('?').next().unwrap_or("/");
        match pages.iter().find(|(p, ..)| *p == route) {
            Some((_, kind, body)) => (200, kind, vec![], body.replace("{base}", &at.lock().unwrap())),
            None => (404, "text/plain", vec![], "not here".into()),
        }
    });
    *base.lock().unwrap() = format!("http://{addr}");
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
    let engine = engine(dir.path(), web_config(addr, vec![addr]));
    let mut stages = Vec::new();
    let mut observe = |s| stages.push(s);
    let question = "Did the council of Brelin ban cars from the old town?";
    let report = engine.check(CheckRequest::question(question).observe(&mut observe)).unwrap().0;

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
    let again =
        engine.check(CheckRequest::question("Did the council of Brelin ban cars from the old town?")).unwrap().0;
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
    let report =
        engine.check(CheckRequest::question("Did the council of Brelin ban cars from the old town?")).unwrap().0;
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
    let web = report.coverage.web.as_ref().unwrap();
    assert_eq!((web.pages_read, web.unavailable), (0, true));
    let gaps: String = report.sections[4].sentences.iter().map(|s| s.text.as_str()).collect();
    assert!(gaps.contains("the web was searched (searxng) but no page could be read"), "{gaps}");
}

#[test]
fn followed_feeds_bring_new_articles_in_and_an_unchanged_feed_costs_one_conditional_request() {
    let feed = Arc::new(Mutex::new(vec!["one"]));
    let items = feed.clone();
    let (addr, log) = serve_with(move |path, headers| {
        let items = items.lock().unwrap().clone();
        let etag = format!("\"v{}\"", items.len());
        match path {
            "/feed.xml" if headers.iter().any(|(k, v)| k == "if-none-match" && *v == etag) => {
                (304, "text/plain", vec![], String::new())
            }
            "/feed.xml" => {
                let entries: String = items
                    .iter()
                    .map(|i| format!("<item><title>{i}</title><link>/news/{i}</link><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>"))
                    .collect();
                let xml = format!(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Brelin Post</title>{entries}</channel></rss>"
                );
                (200, "application/rss+xml", vec![("ETag".into(), etag)], xml)
            }
            "/news/one" => (
                200,
                "text/html",
                vec![],
                article("Brelin Post", "", "The council of Brelin closed the harbour to ferries on Tuesday."),
            ),
            "/news/two" => (
                200,
                "text/html",
                vec![],
                article(
                    "Brelin Post",
                    "2026-11-24",
                    "Ferries will return to the harbour of Brelin in spring, the council said.",
                ),
            ),
            _ => (404, "text/plain", vec![], String::new()),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut engine =
        Engine::open(Config { models: Some(dir.path().join("no-models")), ..Config::new(dir.path().join("data")) })
            .unwrap();
    let fetch = FetchConfig {
        guard: Guard { allow_private: false, allowed: vec![addr] },
        host_interval: Duration::ZERO,
        ..FetchConfig::default()
    };
    let url = format!("http://{addr}/feed.xml");
    assert!(engine.add_feed(&url, &fetch.guard).unwrap());
    assert!(!engine.add_feed(&url, &fetch.guard).unwrap());
    assert!(engine.add_feed("http://169.254.169.254/feed", &fetch.guard).is_err(), "the guard checks feeds too");

    use verity_engine::feeds::PollOutcome;
    let first = engine.poll_feeds(fetch.clone()).unwrap();
    assert_eq!(first, [(url.clone(), PollOutcome::Read { items: 1, new: 1, stored: 1, failed: vec![] })]);
    let stored = engine.store().versions_of(&format!("http://{addr}/news/one")).unwrap();
    assert_eq!(stored[0].meta.published.as_deref(), Some("2026-11-23"), "the feed's date, as the page has none");
    assert!(stored[0].meta.fetched_at.is_some());

    assert_eq!(engine.poll_feeds(fetch.clone()).unwrap(), [(url.clone(), PollOutcome::NotModified)]);
    feed.lock().unwrap().push("two");
    let third = engine.poll_feeds(fetch.clone()).unwrap();
    assert_eq!(third, [(url.clone(), PollOutcome::Read { items: 2, new: 1, stored: 1, failed: vec![] })]);
    let requests: Vec<String> = log.lock().unwrap().clone();
    assert_eq!(requests.iter().filter(|p| *p == "/news/one").count(), 1, "an item is read once: {requests:?}");
    let report = engine
        .check(CheckRequest::question("Did the council say ferries would return to the harbour of Brelin in spring?"))
        .unwrap()
        .0;
    assert!(report.sources.iter().any(|s| s.doc_id.ends_with("/news/two")), "the new article is searchable");
    let row = &engine.feeds().unwrap()[0];
    assert_eq!((row.title.as_deref(), row.etag.as_deref(), row.items), (Some("Brelin Post"), Some("\"v2\""), 2));
}

/// Checks share one engine and run at once: a check waiting on a slow page holds nothing another check needs. (The
/// slow page is on another host: the fetcher's politeness limit per host would rightly make the second wait.)
#[test]
fn a_check_waiting_on_a_slow_page_does_not_hold_up_another() {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Mutex::new(released);
    let (slow_host, slow_log) = serve_at("127.0.0.2", move |_, _| {
        let _ = released.lock().unwrap().recv_timeout(Duration::from_secs(60));
        (200, "text/html", vec![], article("Ledger", "2026-11-20", "The Brelin tramway opened on Monday."))
    });
    let base = Arc::new(Mutex::new(String::new()));
    let at = base.clone();
    let (addr, _) = serve_with(move |path, _| {
        let base = at.lock().unwrap().clone();
        if path.starts_with("/search") && path.contains("tramway") {
            let results = format!(
                r#"{{"results": [{{"url": "http://{slow_host}/slow", "title": "Tramway", "content": "..."}}]}}"#
            );
            (200, "application/json", vec![], results)
        } else if path.starts_with("/search") {
            let results = format!(r#"{{"results": [{{"url": "{base}/cars", "title": "Cars", "content": "..."}}]}}"#);
            (200, "application/json", vec![], results)
        } else {
            let text = "The Brelin city council voted on Tuesday to ban private cars from the old town.";
            (200, "text/html", vec![], article("Courier", "2026-11-21", text))
        }
    });
    *base.lock().unwrap() = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let mut config = web_config(addr, vec![addr, slow_host]);
    config.fetch.timeout = Duration::from_secs(60);
    config.fetch.respect_robots = false;
    let engine = engine(dir.path(), config);
    std::thread::scope(|scope| {
        let slow =
            scope.spawn(|| engine.check(CheckRequest::question("Did the Brelin tramway open on Monday?")).unwrap().0);
        let started = std::time::Instant::now();
        while !slow_log.lock().unwrap().iter().any(|p| p == "/slow") {
            assert!(started.elapsed() < Duration::from_secs(30), "the slow page was never asked for");
            std::thread::sleep(Duration::from_millis(20));
        }
        let report =
            engine.check(CheckRequest::question("Did the Brelin council ban cars from the old town?")).unwrap().0;
        assert!(!slow.is_finished(), "the first check is still waiting on its page");
        assert_eq!(report.verdict.label, VerdictLabel::Supported, "{:?}", report.verdict);
        release.send(()).unwrap();
        let first = slow.join().unwrap();
        let cited = first.sources.iter().any(|s| s.url.as_deref().is_some_and(|u| u.ends_with("/slow")));
        assert!(cited, "{:?} {:?}", first.verdict, first.diagnostics);
    });
}

/// A page nested deeper than main-content extraction can afford is read as plain text, and the report says so.
#[test]
fn a_deeply_nested_page_is_read_as_text_and_the_report_says_so() {
    let depth = 20_000;
    let nested = format!(
        "<html><head><title>Brelin bans cars</title></head><body>{}<p>The Brelin city council voted on Tuesday to \
         ban private cars from the old town.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let results = r#"{"results": [{"url": "{base}/nested", "title": "Cars", "content": "..."}]}"#;
    let (addr, _) = serve(vec![("/search", "application/json", results.to_string()), ("/nested", "text/html", nested)]);
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), web_config(addr, vec![addr]));
    let report = engine.check(CheckRequest::question("Did the Brelin council ban cars from the old town?")).unwrap().0;
    let note = report.diagnostics.iter().find(|d| d.message.contains("levels deep"));
    assert!(note.is_some_and(|d| d.stage == "web"), "{:?}", report.diagnostics);
    assert!(report.sources.iter().any(|s| s.url.as_deref().is_some_and(|u| u.ends_with("/nested"))));
}

/// A search that finds two pages on a slow host, read one at a time. The host answers a page only once `answer`
/// says so of the check's deadline (set in `deadline` once the check has one): the tests wait on events, not on
/// clocks, so a loaded machine cannot change what they see.
fn slow_pages(
    deadline: Arc<std::sync::OnceLock<Deadline>>,
    answer: fn(&Deadline) -> bool,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>, SocketAddr) {
    let (slow_host, slow_log) = serve_at("127.0.0.2", move |_, _| {
        while !deadline.get().is_some_and(answer) {
            std::thread::sleep(Duration::from_millis(5));
        }
        (200, "text/html", vec![], article("Ledger", "2026-11-20", "The Brelin tramway opened on Monday."))
    });
    let (addr, _) = serve_with(move |_, _| {
        let results = format!(
            r#"{{"results": [{{"url": "http://{slow_host}/first", "title": "Tramway", "content": "..."}},
                            {{"url": "http://{slow_host}/second", "title": "Tramway", "content": "..."}}]}}"#
        );
        (200, "application/json", vec![], results)
    });
    (addr, slow_log, slow_host)
}

fn slow_engine(dir: &std::path::Path, search: SocketAddr, slow_host: SocketAddr) -> Engine {
    let mut web = web_config(search, vec![search, slow_host]);
    web.fetch.timeout = Duration::from_secs(300);
    web.fetch.respect_robots = false;
    web.fetch.concurrency = 1;
    Engine::open(Config {
        today: Some("2026-11-26".into()),
        web: Some(web),
        models: Some(dir.join("no-models")),
        ..Config::new(dir.join("data"))
    })
    .unwrap()
}

/// Past its deadline a check takes no new page and starts no new round, yet still publishes what it read, and
/// says what it left out. The first page is answered only once the deadline has passed, so it is read across it.
#[test]
fn a_check_that_runs_out_of_time_publishes_what_it_read_and_says_what_it_skipped() {
    let shared = Arc::new(std::sync::OnceLock::new());
    let (search, log, slow_host) = slow_pages(shared.clone(), Deadline::passed);
    let dir = tempfile::tempdir().unwrap();
    let engine = slow_engine(dir.path(), search, slow_host);
    // Long enough for the check to reach its first page on a loaded machine.
    let deadline = shared.get_or_init(|| Deadline::after(Duration::from_secs(5)));
    let report = engine
        .check(CheckRequest::question("Did the Brelin tramway open on Monday?").deadline(deadline.clone()))
        .unwrap()
        .0;
    assert_eq!(*log.lock().unwrap(), ["/first"], "the second page was never asked for");
    let messages: Vec<&str> = report.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(messages.contains(&"the check ran out of time: 1 of 2 pages found were not read"), "{messages:?}");
    assert!(report.sources.iter().any(|s| s.url.as_deref().is_some_and(|u| u.ends_with("/first"))), "{messages:?}");
    assert_eq!(engine.list(10).unwrap().len(), 1);
}

/// A check called off from another thread stops at its next stage and publishes nothing. The first page is
/// answered only once the check is called off, which happens once the page was asked for.
#[test]
fn a_cancelled_check_stops_and_publishes_nothing() {
    let shared = Arc::new(std::sync::OnceLock::new());
    let (search, log, slow_host) = slow_pages(shared.clone(), Deadline::is_cancelled);
    let dir = tempfile::tempdir().unwrap();
    let engine = slow_engine(dir.path(), search, slow_host);
    let deadline = shared.get_or_init(Deadline::none);
    std::thread::scope(|scope| {
        let check = scope.spawn(|| {
            engine.check(CheckRequest::question("Did the Brelin tramway open on Monday?").deadline(deadline.clone()))
        });
        while log.lock().unwrap().is_empty() {
            assert!(!check.is_finished(), "the check ended without asking for the page");
            std::thread::sleep(Duration::from_millis(5));
        }
        deadline.cancel();
        let outcome = check.join().unwrap();
        assert!(matches!(outcome, Err(verity_engine::EngineError::Cancelled)), "{outcome:?}");
    });
    assert_eq!(*log.lock().unwrap(), ["/first"]);
    assert!(engine.list(10).unwrap().is_empty(), "nothing was published");
}
