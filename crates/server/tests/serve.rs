//! The server over real TCP on loopback: what a client that misbehaves at the connection level gets.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use verity_engine::{Config, Engine};
use verity_server::SiteConfig;

/// Serves an empty data directory on a loopback port with `header_timeout`; the runtime stops with the guard.
fn serving(header_timeout: Duration) -> (SocketAddr, tokio::runtime::Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { models: Some(dir.path().join("no-models")), ..Config::new(dir.path().join("data")) };
    let app = verity_server::router(Engine::open(config).unwrap(), SiteConfig::default()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(verity_server::serve_connections(listener, app, header_timeout, std::future::pending()));
    (addr, runtime, dir)
}

/// Sends `request` and reads until the server closes the connection (or 10 s pass); returns what came back and
/// how long the server kept the connection.
fn check(addr: SocketAddr, request: &str) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let (addr, _runtime, _dir) = serving(Duration::from_millis(500));
    let (answer, _) = check(addr, "GET /about HTTP/1.1\r\nHost: verity.test\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (answer, held) = check(addr, "GET /about HTTP/1.1\r\nHost: verity.test\r\nX-Slow: ");
    assert!(held < Duration::from_secs(5), "the connection was held {held:?}");
    assert!(!answer.contains(" 200 "), "{answer}");
}
