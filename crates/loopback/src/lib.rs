//! An HTTP/1.1 server on a loopback address for the tests of everything that talks HTTP (web search, page fetch,
//! language model servers, the model installer): real sockets, one thread per connection, every request kept.
//!
//! Main items: [`Server::start`] (the handler reads the [`Request`] and writes its answer to the stream itself, so
//! it can answer slowly, trickle, stream or hang up) and [`respond`] (a plain answer with a length).
//!
//! A test helper only (a dev-dependency): it parses just enough HTTP for the tests, never anything it would have
//! to trust.
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let server = verity_loopback::Server::start("127.0.0.1", |_request, stream| {
//!     verity_loopback::respond(stream, "200 OK", &[("content-type", "text/plain")], b"hello");
//! });
//! let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
//! write!(stream, "GET /hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).unwrap();
//! assert!(answer.ends_with("hello"));
//! assert_eq!(server.requests()[0].path, "/hi");
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path with its query.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// As many bytes as `Content-Length` said.
    pub body: Vec<u8>,
    /// The server's own address (for absolute links in answers).
    pub server: SocketAddr,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A server on an ephemeral port of a loopback address; it runs until the test process ends.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    /// Requests being answered now, and the most at once so far.
    pub in_flight: Arc<AtomicUsize>,
    pub most_in_flight: Arc<AtomicUsize>,
}

impl Server {
    /// Serves on `ip` (`127.0.0.1`, or another loopback address to be another host); `handler` answers each
    /// request by writing to the stream, on the connection's own thread.
    pub fn start(ip: &str, handler: impl Fn(&Request, &mut TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most_in_flight = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let (kept, now, most) = (requests.clone(), in_flight.clone(), most_in_flight.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, kept, now, most) = (handler.clone(), kept.clone(), now.clone(), most.clone());
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let Some(request) = read_request(&stream, addr) else { return };
                    kept.lock().unwrap().push(request.clone());
                    most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    handler(&request, &mut stream);
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Server { addr, requests, in_flight, most_in_flight }
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The path (with query) of every request so far.
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }
}

fn read_request(stream: &TcpStream, server: SocketAddr) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, headers, body, server })
}

/// Writes a whole answer: `status` as it goes on the status line (`"200 OK"`), the headers, the body with its
/// length; the connection closes after it.
pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_kept_and_answered() {
        let server = Server::start("127.0.0.1", |request, stream| {
            respond(
                stream,
                "200 OK",
                &[("Content-Type", "text/plain")],
                format!("{} {}", request.method, request.path).as_bytes(),
            )
        });
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream.write_all(b"POST /x?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("POST /x?q=1"), "{answer}");
        let kept = &server.requests()[0];
        assert_eq!((kept.header("HOST"), kept.body.as_slice()), (Some("a"), b"body".as_slice()));
    }
}
