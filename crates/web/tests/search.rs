//! Each search provider against a loopback server that answers like it (response bodies recorded in
//! `tests/fixtures`): the request it sends, the results it reads, its retries and its errors.

use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use verity_loopback::{Request, Server, respond};
use verity_web::{Brave, Gdelt, SearchError, Searxng, WebSearch, Wikipedia};

const TIMEOUT: Duration = Duration::from_secs(3);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

static FLAKY_CALLS: AtomicUsize = AtomicUsize::new(0);

fn route(request: &Request, stream: &mut TcpStream) {
    let (path, headers) = (request.path.as_str(), &request.headers);
    let json = [("Content-Type", "application/json")];
    let (path_only, _) = path.split_once('?').unwrap_or((path, ""));
    match path_only {
        "/w/api.php" => respond(stream, "200 OK", &json, &fixture("wikipedia.json")),
        "/api/v2/doc/doc" if path.contains("nothing") => respond(stream, "200 OK", &json, b"{}"),
        "/api/v2/doc/doc" => respond(stream, "200 OK", &json, &fixture("gdelt.json")),
        "/search" => respond(stream, "200 OK", &json, &fixture("searxng.json")),
        "/res/v1/web/search" => {
            let key = headers.iter().find(|(k, _)| k == "x-subscription-token").map(|(_, v)| v.as_str());
            if key == Some("brave-key") {
                respond(stream, "200 OK", &json, &fixture("brave.json"))
            } else {
                respond(stream, "401 Unauthorized", &json, b"{\"error\":\"bad key\"}")
            }
        }
        _ => respond(stream, "404 Not Found", &[], b""),
    }
}

fn check(provider: &dyn WebSearch, query: &str) -> Vec<(String, String, Option<String>)> {
    provider.search(query, 10).unwrap().into_iter().map(|r| (r.url, r.title, r.published)).collect()
}

#[test]
fn wikipedia_results_are_article_pages() {
    let server = Server::start("127.0.0.1", route);
    let wiki = Wikipedia::new(&server.url(""), TIMEOUT);
    let results = wiki.search("council ban cars", 10).unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].url, server.url("/wiki/Brelin_old_town"));
    assert_eq!(results[0].snippet, "In 2026 the council banned cars from the old town");
    assert_eq!(results[1].snippet, "A car-free zone is an area \"closed\" to motor traffic");
    assert_eq!(results[0].published.as_deref(), Some("2026-11-21"));
    let asked = &server.paths()[0];
    assert!(
        asked.contains("action=query") && asked.contains("list=search") && asked.contains("srsearch=council+ban+cars"),
        "{asked}"
    );
}

#[test]
fn gdelt_results_are_news_articles_and_no_match_is_an_empty_list() {
    let server = Server::start("127.0.0.1", route);
    let gdelt = Gdelt::new(&server.url(""), TIMEOUT);
    assert_eq!(
        check(&gdelt, "council ban cars"),
        [
            (
                "https://ledger.example/2026/11/20/council-bans-cars".into(),
                "Council bans cars from Brelin old town".into(),
                Some("2026-11-20".into())
            ),
            (
                "https://courier.example/brelin-car-free".into(),
                "Brelin goes car-free".into(),
                Some("2026-11-21".into())
            ),
        ]
    );
    assert!(server.paths()[0].contains("mode=ArtList") && server.paths()[0].contains("format=json"));
    assert_eq!(gdelt.search("nothing at all", 10).unwrap(), []);
}

#[test]
fn searxng_and_brave_are_read_and_brave_sends_its_key() {
    let server = Server::start("127.0.0.1", route);
    let searx = Searxng::new(&server.url("/"), TIMEOUT);
    let results = searx.search("council ban cars brelin", 10).unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!((results[0].published.as_deref(), results[1].published.as_deref()), (Some("2026-11-20"), None));
    assert!(server.paths()[0].starts_with("/search?q=council+ban+cars+brelin&format=json"));
    let brave = Brave::new(&server.url(""), "brave-key", TIMEOUT);
    let results = brave.search("council ban cars brelin", 5).unwrap();
    assert_eq!(
        (results[0].title.as_str(), results[0].snippet.as_str()),
        ("Council bans cars", "The council banned cars from the old town.")
    );
    let wrong = Brave::new(&server.url(""), "stolen", TIMEOUT);
    assert_eq!(wrong.search("x", 5).unwrap_err(), SearchError::Status { provider: "brave".into(), status: 401 });
}

/// A provider that is busy twice, then answers.
fn flaky(_: &Request, stream: &mut TcpStream) {
    if FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) < 2 {
        respond(stream, "429 Too Many Requests", &[("Retry-After", "0")], b"")
    } else {
        respond(stream, "200 OK", &[("Content-Type", "application/json")], &fixture("wikipedia.json"))
    }
}

fn down(_: &Request, stream: &mut TcpStream) {
    respond(stream, "503 Service Unavailable", &[("Retry-After", "0")], b"")
}

fn not_json(_: &Request, stream: &mut TcpStream) {
    respond(stream, "200 OK", &[("Content-Type", "text/html")], b"<html>maintenance</html>")
}

#[test]
fn rate_limits_are_retried_and_failures_say_which_provider_failed() {
    let busy = Server::start("127.0.0.1", flaky);
    assert_eq!(Wikipedia::new(&busy.url(""), TIMEOUT).search("council", 10).unwrap().len(), 2);
    assert_eq!(busy.paths().len(), 3, "two 429s, then the answer");

    let broken = Server::start("127.0.0.1", down);
    let error = Gdelt::new(&broken.url(""), TIMEOUT).search("council", 10).unwrap_err();
    assert_eq!(error, SearchError::Status { provider: "gdelt".into(), status: 503 });
    assert_eq!(broken.paths().len(), 3, "the first try and two retries");

    let odd = Server::start("127.0.0.1", not_json);
    assert!(matches!(Searxng::new(&odd.url("/"), TIMEOUT).search("x", 5), Err(SearchError::Format { .. })));

    // Nothing listening: offline, or the wrong address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let error = Wikipedia::new(&format!("http://{closed}"), TIMEOUT).search("x", 5).unwrap_err();
    assert!(matches!(&error, SearchError::Unreachable { provider, .. } if provider == "wikipedia"), "{error:?}");
    assert!(error.to_string().starts_with("wikipedia could not be reached"));
}
