//! The fetcher against real HTTP servers on loopback started here: articles, charsets, redirects, robots.txt,
//! huge, endless and slow responses, and the SSRF guard, which must stop every blocked URL before it is sent.

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use verity_loopback::{Request, Server, respond};

use verity_web::{Blocked, FetchConfig, FetchError, Fetcher, Guard};

const ARTICLE: &str = r#"<!doctype html><html><head><title>Council bans cars | The Ledger</title>
<meta property="og:site_name" content="The Ledger"><meta property="article:published_time" content="2026-11-20T08:00:00Z">
<meta name="author" content="A. Writer"><link rel="canonical" href="/news/council-bans-cars">
</head><body><nav>Home News Sport</nav><article><h1>Council bans cars</h1>
<p>The council banned cars from the old town of Brelin on Monday, officials said. The ban starts in March.</p>
<p>Shop owners said they had not been asked. The council said the vote was unanimous and final.</p>
<p>Residents will be able to apply for permits for deliveries and for disabled drivers from January.</p>
</article><footer>Copyright</footer></body></html>"#;

/// Slow pages in flight across every server (only one test asks for them).
static SLOW_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static SLOW_MOST: AtomicUsize = AtomicUsize::new(0);
/// Slow pages in flight per host, and the most at once: (now, most) by server address. Counted down before the
/// answer is written, so a client that asks again once it has its answer is never counted twice, however late
/// the server's thread runs on a busy machine.
static SLOW_BY_HOST: std::sync::Mutex<Option<HashMap<SocketAddr, (usize, usize)>>> = std::sync::Mutex::new(None);

fn slow_by_host(addr: SocketAddr, change: isize) {
    let mut hosts = SLOW_BY_HOST.lock().unwrap();
    let entry = hosts.get_or_insert_with(HashMap::new).entry(addr).or_default();
    entry.0 = entry.0.checked_add_signed(change).unwrap();
    entry.1 = entry.1.max(entry.0);
}

fn route(request: &Request, stream: &mut TcpStream) {
    let (path, addr) = (request.path.as_str(), request.server);
    let html = [("Content-Type", "text/html; charset=utf-8")];
    match path {
        "/robots.txt" => {
            respond(stream, "200 OK", &[("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /private/\n")
        }
        "/article" | "/private/page" => respond(stream, "200 OK", &html, ARTICLE.as_bytes()),
        "/latin1" => {
            let body: Vec<u8> = b"<html><body><p>Caf\xe9 owners in Br\xfcssel said the ban was na\xefve and costly for everyone involved.</p></body></html>".to_vec();
            respond(stream, "200 OK", &[("Content-Type", "text/html; charset=windows-1252")], &body)
        }
        "/meta-charset" => {
            let body: Vec<u8> = b"<html><head><meta charset=\"iso-8859-1\"></head><body><p>R\xe9sum\xe9 of the council's d\xe9cision on the old town of Brelin.</p></body></html>".to_vec();
            respond(stream, "200 OK", &[("Content-Type", "text/html")], &body)
        }
        "/bad-utf8" => respond(
            stream,
            "200 OK",
            &html,
            b"<html><body><p>Broken \xff\xfe bytes do not stop the council report.</p></body></html>",
        ),
        "/binary" => respond(stream, "200 OK", &html, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"),
        "/plain" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "text/plain; charset=utf-8")],
            b"The council banned cars from the old town.",
        ),
        "/redirect" => respond(stream, "302 Found", &[("Location", "/article")], b""),
        "/loop" => respond(stream, "302 Found", &[("Location", "/loop")], b""),
        "/to-metadata" => {
            respond(stream, "302 Found", &[("Location", "http://169.254.169.254/latest/meta-data/")], b"")
        }
        "/to-private" => respond(stream, "301 Moved", &[("Location", "http://10.0.0.1/admin")], b""),
        "/to-other-port" => respond(stream, "307 Temporary", &[("Location", "http://127.0.0.1:9/")], b""),
        "/to-localhost" => {
            let location = format!("http://localhost:{}/article", addr.port());
            respond(stream, "302 Found", &[("Location", &location)], b"")
        }
        "/to-file" => respond(stream, "302 Found", &[("Location", "file:///etc/passwd")], b""),
        "/pdf" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "application/pdf")],
            &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/council.pdf")).unwrap(),
        ),
        "/broken-pdf" => respond(stream, "200 OK", &[("Content-Type", "application/pdf")], b"%PDF-1.4 not really"),
        "/image" => respond(stream, "200 OK", &[("Content-Type", "image/png")], b"\x89PNG"),
        "/missing" => respond(stream, "404 Not Found", &html, b"gone"),
        "/declared-huge" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1073741824\r\n\r\n<html>");
        }
        "/endless" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>");
            let chunk = vec![b'a'; 64 * 1024];
            while stream.write_all(&chunk).is_ok() {}
        }
        "/trickle" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>");
            for _ in 0..600 {
                if stream.write_all(b"a").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        p if p.starts_with("/slow/") => {
            let now = SLOW_IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
            SLOW_MOST.fetch_max(now, Ordering::SeqCst);
            slow_by_host(addr, 1);
            std::thread::sleep(Duration::from_millis(200));
            SLOW_IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
            slow_by_host(addr, -1);
            respond(stream, "200 OK", &html, ARTICLE.as_bytes())
        }
        _ => respond(stream, "404 Not Found", &html, b"no route"),
    }
}

fn fetcher_for(servers: &[&Server], tweak: impl FnOnce(&mut FetchConfig)) -> Fetcher {
    let mut config = FetchConfig {
        guard: Guard { allow_private: false, allowed: servers.iter().map(|s| s.addr).collect() },
        host_interval: Duration::ZERO,
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(3),
        ..FetchConfig::default()
    };
    tweak(&mut config);
    Fetcher::new(config).unwrap()
}

fn check(fetcher: &Fetcher, server: &Server, path: &str) -> Result<verity_web::Page, FetchError> {
    fetcher.fetch(&server.url(path))
}

#[test]
fn an_article_is_read_with_its_metadata_and_a_hash_of_what_was_read() {
    let server = Server::start("127.0.0.1", route);
    let fetcher = fetcher_for(&[&server], |_| {});
    let page = check(&fetcher, &server, "/redirect").unwrap();
    assert_eq!(page.url.path(), "/article", "the redirect was followed");
    assert_eq!(page.status, 200);
    let doc = &page.document;
    assert!(doc.title.starts_with("Council bans cars"), "{}", doc.title);
    assert_eq!(
        (doc.outlet.as_deref(), doc.published.as_deref(), doc.author.as_deref()),
        (Some("The Ledger"), Some("2026-11-20"), Some("A. Writer"))
    );
    assert_eq!(doc.url.as_deref(), Some(server.url("/news/council-bans-cars").as_str()), "the canonical URL, resolved");
    assert!(doc.text.contains("banned cars from the old town") && !doc.text.contains("Copyright"), "{}", doc.text);
    assert_eq!(page.text_sha256.len(), 64);
    assert!(page.fetched_at.starts_with("20"), "{}", page.fetched_at);
    assert_eq!(server.paths(), ["/robots.txt", "/redirect", "/article"]);
    // robots.txt is read once per site.
    check(&fetcher, &server, "/plain").unwrap();
    assert_eq!(server.paths().iter().filter(|p| *p == "/robots.txt").count(), 1);
}

#[test]
fn pdf_text_is_read() {
    let server = Server::start("127.0.0.1", route);
    let fetcher = fetcher_for(&[&server], |c| c.respect_robots = false);
    let page = check(&fetcher, &server, "/pdf").unwrap();
    assert!(
        page.document.text.contains("The council of Brelin banned cars from the old town on Monday."),
        "{:?}",
        page.document.text
    );
    assert_eq!(page.content_type, "application/pdf");
}

#[test]
fn charsets_are_decoded_by_header_by_meta_and_bad_bytes_do_not_fail_a_page_but_binary_does() {
    let server = Server::start("127.0.0.1", route);
    let fetcher = fetcher_for(&[&server], |c| c.respect_robots = false);
    assert!(
        check(&fetcher, &server, "/latin1")
            .unwrap()
            .document
            .text
            .contains("Café owners in Brüssel said the ban was naïve")
    );
    assert!(
        check(&fetcher, &server, "/meta-charset").unwrap().document.text.contains("Résumé of the council's décision")
    );
    // Declared UTF-8 and not: the bytes are read by a guessed charset rather than as replacement characters.
    let text = check(&fetcher, &server, "/bad-utf8").unwrap().document.text;
    assert!(text.contains("bytes do not stop the council report") && !text.contains('\u{fffd}'), "{text}");
    let binary = check(&fetcher, &server, "/binary").unwrap_err();
    assert!(matches!(&binary, FetchError::NotText(why) if why.contains("NUL bytes")), "{binary}");
    assert_eq!(check(&fetcher, &server, "/plain").unwrap().document.text, "The council banned cars from the old town.");
}

#[test]
fn limits_stop_huge_endless_and_slow_responses_and_refuse_what_is_not_a_page() {
    let server = Server::start("127.0.0.1", route);
    let fetcher = fetcher_for(&[&server], |c| {
        c.respect_robots = false;
        c.timeout = Duration::from_secs(1);
    });
    assert_eq!(check(&fetcher, &server, "/declared-huge").unwrap_err(), FetchError::TooLarge(1024 * 1024));
    assert_eq!(
        check(&fetcher, &server, "/endless").unwrap_err(),
        FetchError::TooLarge(1024 * 1024),
        "stops at the cap"
    );
    let slow = check(&fetcher, &server, "/trickle").unwrap_err();
    assert!(
        matches!(&slow, FetchError::Http(m) if m.contains("timed out") || m.contains("reading the body")),
        "{slow:?}"
    );
    assert_eq!(check(&fetcher, &server, "/image").unwrap_err(), FetchError::ContentType("image/png".into()));
    assert!(
        matches!(check(&fetcher, &server, "/broken-pdf"), Err(FetchError::Http(m)) if m.contains("PDF")),
        "a broken PDF is an error"
    );
    assert_eq!(check(&fetcher, &server, "/missing").unwrap_err(), FetchError::Status(404));
    assert_eq!(check(&fetcher, &server, "/loop").unwrap_err(), FetchError::Redirects(5));
}

#[test]
fn robots_txt_is_respected() {
    let server = Server::start("127.0.0.1", route);
    let fetcher = fetcher_for(&[&server], |_| {});
    assert!(matches!(check(&fetcher, &server, "/private/page"), Err(FetchError::Robots(_))));
    assert!(!server.paths().contains(&"/private/page".to_string()));
    let ignoring = fetcher_for(&[&server], |c| c.respect_robots = false);
    assert!(check(&ignoring, &server, "/private/page").is_ok());
}

/// At least 40 URLs that must never be fetched; the loopback forms aim at the test server's own port, so any
/// request that slipped through would show in its log.
#[test]
fn the_ssrf_guard_stops_every_blocked_url_and_redirect_before_it_is_sent() {
    let server = Server::start("127.0.0.1", route);
    let port = server.addr.port();
    let strict = Fetcher::new(FetchConfig {
        host_interval: Duration::ZERO,
        timeout: Duration::from_secs(2),
        ..FetchConfig::default()
    })
    .unwrap();
    let direct: Vec<String> = [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "017700000001",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "0.0.0.0",
        "0",
        "[::]",
        "localhost",
        "127.0.0.2",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",
        "169.254.169.254",
        "2852039166",
        "[::ffff:169.254.169.254]",
        "[fe80::1]",
        "[fc00::1]",
        "[fd00::1]",
        "[fec0::1]",
        "[ff02::1]",
        "224.0.0.1",
        "255.255.255.255",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[2001:db8::1]",
        "198.18.0.1",
    ]
    .iter()
    .map(|host| format!("http://{host}:{port}/article"))
    .chain(["file:///etc/passwd".to_string(), "gopher://127.0.0.1/".to_string(), format!("ftp://127.0.0.1:{port}/")])
    .collect();
    assert!(direct.len() >= 38);
    for url in &direct {
        let error = strict.fetch(url).unwrap_err();
        assert!(matches!(error, FetchError::Blocked(_)), "{url}: {error:?}");
    }
    assert_eq!(server.paths(), Vec::<String>::new(), "nothing reached the server");

    // Redirects: the server itself is allowed (by exact address), every hop after it is checked again.
    let fetcher = fetcher_for(&[&server], |c| c.respect_robots = false);
    let hops = [
        ("/to-metadata", Blocked::Address("169.254.169.254".parse().unwrap())),
        ("/to-private", Blocked::Address("10.0.0.1".parse().unwrap())),
        ("/to-other-port", Blocked::Address("127.0.0.1".parse().unwrap())),
        ("/to-file", Blocked::Scheme("file".into())),
    ];
    for (path, blocked) in hops {
        assert_eq!(check(&fetcher, &server, path).unwrap_err(), FetchError::Blocked(blocked), "{path}");
    }
    let name = check(&fetcher, &server, "/to-localhost").unwrap_err();
    assert!(
        matches!(name, FetchError::Blocked(Blocked::Resolves { .. })),
        "a name that resolves to loopback: {name:?}"
    );
    assert_eq!(server.paths(), ["/to-metadata", "/to-private", "/to-other-port", "/to-file", "/to-localhost"]);
    assert!(direct.len() + 5 >= 40);
}

#[test]
fn pages_on_different_hosts_are_fetched_at_once_and_one_host_is_asked_one_at_a_time() {
    // Four hosts (127.0.0.1 to 127.0.0.4 all reach this machine), four slow pages each.
    let servers: Vec<Server> = (1..=4).map(|i| Server::start(&format!("127.0.0.{i}"), route)).collect();
    let refs: Vec<&Server> = servers.iter().collect();
    let fetcher = fetcher_for(&refs, |c| {
        c.respect_robots = false;
        c.host_interval = Duration::from_millis(50);
    });
    let urls: Vec<String> = servers.iter().flat_map(|s| (0..4).map(move |i| s.url(&format!("/slow/{i}")))).collect();
    let pages = fetcher.fetch_all(&urls);
    assert!(pages.iter().all(|p| p.is_ok()), "{pages:?}");
    assert_eq!(pages[5].as_ref().unwrap().requested.as_str(), urls[5], "results keep the order asked");
    let by_host = SLOW_BY_HOST.lock().unwrap().clone().unwrap_or_default();
    let busiest: HashMap<SocketAddr, usize> =
        servers.iter().map(|s| (s.addr, by_host.get(&s.addr).map_or(0, |h| h.1))).collect();
    assert!(
        busiest.values().all(|n| *n == 1),
        "one request at a time per host (interval 50 ms, page 200 ms): {busiest:?}"
    );
    assert!(SLOW_MOST.load(Ordering::SeqCst) >= 2, "different hosts were asked at the same time");
    assert!(servers.iter().all(|s| s.in_flight.load(Ordering::SeqCst) == 0));
    let total: usize = servers.iter().map(|s| s.paths().len()).sum();
    assert_eq!(total, 16);
}
