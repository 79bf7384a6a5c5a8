//! How long reading many pages takes: `cargo run --release -p verity-web --example fetch_many -- [PAGES] [HOSTS] [DELAY_MS]`.
//!
//! Starts one loopback server per host (127.0.0.1, 127.0.0.2, ...: all reach this machine on Linux), each
//! answering every request after DELAY_MS with a small article, then fetches PAGES pages spread over the hosts
//! with the fetcher's defaults (8 at once, one per host), and prints the wall time beside the sum of the delays.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use verity_web::{FetchConfig, Fetcher, Guard};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (pages, hosts, delay) =
        (args.first().copied().unwrap_or(15), args.get(1).copied().unwrap_or(15), args.get(2).copied().unwrap_or(300));
    let mut addrs = Vec::new();
    for h in 1..=hosts {
        let listener = TcpListener::bind(format!("127.0.0.{h}:0")).expect("a loopback address");
        addrs.push(listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                        line.clear();
                    }
                    std::thread::sleep(Duration::from_millis(delay as u64));
                    let body = "<html><head><title>Report</title></head><body><article><p>The council banned cars from \
                                the old town on Monday, officials said, after a vote that ended a long debate.</p></article></body></html>";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
    }
    let fetcher = Fetcher::new(FetchConfig {
        guard: Guard { allow_private: false, allowed: addrs.clone() },
        respect_robots: false,
        ..FetchConfig::default()
    })
    .unwrap();
    let urls: Vec<String> = (0..pages).map(|i| format!("http://{}/article/{i}", addrs[i % hosts])).collect();
    let started = Instant::now();
    let results = fetcher.fetch_all(&urls);
    let took = started.elapsed();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!(
        "{ok}/{pages} pages from {hosts} hosts, {delay} ms each: {:.2} s (one after another: {:.2} s)",
        took.as_secs_f64(),
        (pages * delay) as f64 / 1000.0
    );
}
