//! The fetcher: HTTP(S) pages read safely and kept exactly as read.
//!
//! Each hop of a redirect chain is checked by the [`Guard`] and the fetcher connects only to addresses the guard
//! resolved and allowed. Responses are capped in size (a never-ending body stops at the cap) and in time (a
//! trickling one stops at the timeout), must be HTML or text, are decoded by their declared or sniffed charset,
//! and are read only where the site's robots.txt allows. Requests to one host are spaced by an interval (or the
//! site's Crawl-delay, if longer); different hosts are fetched concurrently.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, USER_AGENT};
use sha2::{Digest, Sha256};
use url::Url;
use verity_model::Document;

use crate::guard::{Blocked, Guard};

/// How the fetcher behaves; [`FetchConfig::default`] suits reading news pages.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub guard: Guard,
    /// Bytes of body read at most; a longer response is refused, not truncated.
    pub max_bytes: usize,
    /// The whole request, body included.
    pub timeout: Duration,
    pub max_redirects: usize,
    /// Sent with every request; names Verity and where to learn about it.
    pub user_agent: String,
    /// The least time between two requests to one host.
    pub host_interval: Duration,
    /// Pages fetched at once (across hosts).
    pub concurrency: usize,
    /// Requests to one host at once.
    pub per_host: usize,
    pub respect_robots: bool,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            guard: Guard::default(),
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(15),
            max_redirects: 5,
            user_agent: format!(
                "Verity/{} (open-source fact-checker; +https://github.com/verity-fact-check/verity)",
                env!("CARGO_PKG_VERSION")
            ),
            host_interval: Duration::from_millis(500),
            concurrency: 8,
            per_host: 1,
            respect_robots: true,
        }
    }
}

/// Why a page was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused by the address guard: {0}")]
    Blocked(#[from] Blocked),
    #[error("robots.txt of {0} disallows this page")]
    Robots(String),
    #[error("more than {0} redirects")]
    Redirects(usize),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the response is over the {0}-byte limit")]
    TooLarge(usize),
    #[error("the response is {0:?}, not HTML, text or PDF")]
    ContentType(String),
    #[error("the request failed: {0}")]
    Http(String),
    #[error("the page has no readable text")]
    Empty,
    #[error("the response is {0}")]
    NotText(String),
    #[error("not read: the fetch was stopped before it started")]
    NotStarted,
}

/// A page as read: the response and what was extracted from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The URL asked for, and the one that answered after redirects.
    pub requested: Url,
    pub url: Url,
    pub status: u16,
    /// UTC, RFC 3339.
    pub fetched_at: String,
    pub content_type: String,
    /// The article: title, text, outlet, author, date, canonical URL (or the answering URL).
    pub document: Document,
    /// sha256 of the extracted text, hex: what a report citing this page cites.
    pub text_sha256: String,
    /// What reading the page simplified (a page nested too deeply is read as plain text), for the diagnostics.
    pub note: Option<String>,
}

/// A response: where it came from, its body (and, decoded, its text), its cache validators.
struct Body {
    url: Url,
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
    text: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Got {
    NotModified,
    Body(Box<Body>),
}

const PAGE_TYPES: &[&str] = &["text/html", "application/xhtml+xml", "text/plain", "application/pdf"];
/// Feeds are served under many types; a server that sends a feed as text/html is not read as one.
const FEED_TYPES: &[&str] =
    &["application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml"];

/// What a response may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accept {
    /// HTML or plain text.
    Page,
    /// RSS, Atom or other XML.
    Feed,
    /// Anything (robots.txt).
    Any,
}

/// A feed poll's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedResponse {
    NotModified,
    Fresh { url: Url, bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

pub struct Fetcher {
    client: reqwest::blocking::Client,
    config: FetchConfig,
    next_slot: Mutex<HashMap<String, Instant>>,
    /// Requests in flight per host, and a signal when one ends.
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
    robots: Mutex<HashMap<String, Option<Arc<texting_robots::Robot>>>>,
}

/// Resolves names through the guard, so the connection goes to an address that was checked.
struct GuardedResolver(Guard);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // The system resolver blocks: on the blocking pool, lookups for fetches at once run at once.
            let resolved = tokio::task::spawn_blocking(move || guard.resolve(&host))
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            match resolved {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(e) => Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
            }
        })
    }
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .dns_resolver(Arc::new(GuardedResolver(config.guard.clone())))
            .build()
            .map_err(|e| FetchError::Http(e.to_string()))?;
        Ok(Fetcher {
            client,
            config,
            next_slot: Mutex::default(),
            busy: Mutex::default(),
            freed: Condvar::new(),
            robots: Mutex::default(),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Reads one page, waiting while its host already has `per_host` requests in flight.
    pub fn fetch(&self, raw: &str) -> Result<Page, FetchError> {
        let requested = self.config.guard.check_url(raw)?;
        self.in_host_slot(&requested, || self.fetch_in_slot(requested.clone()))
    }

    /// Reads a news feed with a conditional GET: `NotModified` when the server says the `etag` or
    /// `last_modified` from the previous poll still hold.
    pub fn fetch_feed(
        &self,
        raw: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FeedResponse, FetchError> {
        let requested = self.config.guard.check_url(raw)?;
        self.in_host_slot(&requested, || {
            if self.config.respect_robots && !self.robots_allow(&requested) {
                return Err(FetchError::Robots(requested.origin().ascii_serialization()));
            }
            match self.get(&requested, Accept::Feed, (etag, last_modified))? {
                Got::NotModified => Ok(FeedResponse::NotModified),
                Got::Body(body) => Ok(FeedResponse::Fresh {
                    url: body.url,
                    bytes: body.bytes,
                    etag: body.etag,
                    last_modified: body.last_modified,
                }),
            }
        })
    }

    fn in_host_slot<T>(&self, url: &Url, work: impl FnOnce() -> Result<T, FetchError>) -> Result<T, FetchError> {
        let host = url.host_str().unwrap_or_default().to_string();
        {
            let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            while busy.get(&host).copied().unwrap_or(0) >= self.config.per_host.max(1) {
                busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
            }
            *busy.entry(host.clone()).or_insert(0) += 1;
        }
        let result = work();
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = busy.get_mut(&host) {
            *n -= 1;
        }
        self.freed.notify_all();
        result
    }

    fn host_is_free(&self, raw: &str) -> bool {
        let host = url::Url::parse(raw).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        self.busy.lock().unwrap_or_else(|p| p.into_inner()).get(&host).copied().unwrap_or(0)
            < self.config.per_host.max(1)
    }

    fn fetch_in_slot(&self, requested: Url) -> Result<Page, FetchError> {
        if self.config.respect_robots && !self.robots_allow(&requested) {
            return Err(FetchError::Robots(requested.origin().ascii_serialization()));
        }
        let Got::Body(raw) = self.get(&requested, Accept::Page, (None, None))? else {
            return Err(FetchError::Status(304));
        };
        let is_pdf = raw.content_type.starts_with("application/pdf");
        let text = if is_pdf { pdf_text(&raw.bytes)? } else { decode(&raw.bytes, &raw.content_type)? };
        let body = Body { text, ..*raw };
        let id = body.url.to_string();
        let fallback = body.url.path_segments().and_then(|mut s| s.next_back().map(str::to_string)).unwrap_or_default();
        let mut note = None;
        let document = if body.content_type.contains("html") {
            let read = verity_ingest::html::read(&body.text, &id, &fallback);
            note = read.note;
            read.document
        } else {
            // Plain text and PDF: the text as it is, titled by its first line when that reads like a title.
            let text = body.text.trim().to_string();
            let first = text.lines().next().unwrap_or_default().trim();
            let title = if is_pdf && (8..=140).contains(&first.len()) { first.to_string() } else { fallback };
            Document { external_id: id.clone(), title, text, url: None, outlet: None, published: None, author: None }
        };
        let mut document = verity_ingest::normalized(document);
        if document.text.trim().is_empty() {
            return Err(FetchError::Empty);
        }
        // A canonical URL elsewhere is the page's own claim; the address that answered is what was read.
        let canonical =
            document.url.take().and_then(|u| body.url.join(&u).ok()).filter(|u| matches!(u.scheme(), "http" | "https"));
        document.url = Some(canonical.unwrap_or_else(|| body.url.clone()).to_string());
        if document.outlet.is_none() {
            document.outlet = body.url.host_str().map(|h| h.trim_start_matches("www.").to_string());
        }
        let text_sha256 = hex::encode(Sha256::digest(document.text.as_bytes()));
        Ok(Page {
            requested,
            url: body.url,
            status: body.status,
            fetched_at: now(),
            content_type: body.content_type,
            document,
            text_sha256,
            note,
        })
    }

    /// Reads many pages at once (up to `concurrency`), never more than `per_host` per host, each host's requests
    /// spaced by the interval: a worker takes the first waiting URL whose host is free. Results are in the order
    /// of `urls`.
    pub fn fetch_all(&self, urls: &[String]) -> Vec<Result<Page, FetchError>> {
        self.fetch_all_until(urls, &|| false)
    }

    /// Like [`Fetcher::fetch_all`], starting no fetch once `stop` says so: those pages are
    /// [`FetchError::NotStarted`]. Fetches under way finish (within the fetcher's timeout).
    pub fn fetch_all_until(&self, urls: &[String], stop: &(dyn Fn() -> bool + Sync)) -> Vec<Result<Page, FetchError>> {
        let pending: Mutex<Vec<usize>> = Mutex::new((0..urls.len()).collect());
        let results: Mutex<Vec<Option<Result<Page, FetchError>>>> = Mutex::new(vec![None; urls.len()]);
        std::thread::scope(|scope| {
            for _ in 0..self.config.concurrency.clamp(1, urls.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let next = {
                            let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
                            if pending.is_empty() || stop() {
                                break;
                            }
                            let at = pending.iter().position(|&i| self.host_is_free(&urls[i])).unwrap_or(0);
                            pending.remove(at)
                        };
                        let result = self.fetch(&urls[next]);
                        results.lock().unwrap_or_else(|p| p.into_inner())[next] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .map(|r| r.unwrap_or(Err(FetchError::NotStarted)))
            .collect()
    }

    /// GET with redirects followed by hand, each hop checked; the body capped. `conditional` holds the
    /// validators of an earlier answer (ETag, Last-Modified).
    fn get(&self, start: &Url, accept: Accept, conditional: (Option<&str>, Option<&str>)) -> Result<Got, FetchError> {
        let mut url = start.clone();
        for _ in 0..=self.config.max_redirects {
            self.config.guard.check_parsed(&url)?;
            self.wait_for_host(&url);
            let started = Instant::now();
            let mut request = self.client.get(url.clone()).header(USER_AGENT, &self.config.user_agent);
            if let Some(etag) = conditional.0 {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = conditional.1 {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
            let response = request.send().map_err(|e| {
                blocked_cause(&e).map(FetchError::Blocked).unwrap_or_else(|| FetchError::Http(describe(&e)))
            })?;
            let status = response.status();
            if status.as_u16() == 304 && (conditional.0.is_some() || conditional.1.is_some()) {
                return Ok(Got::NotModified);
            }
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                url = url.join(location).map_err(|_| FetchError::Blocked(Blocked::Invalid(location.to_string())))?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_ascii_lowercase();
            let acceptable = match accept {
                Accept::Page => PAGE_TYPES.iter().any(|t| content_type.starts_with(t)),
                Accept::Feed => FEED_TYPES.iter().any(|t| content_type.starts_with(t)),
                Accept::Any => true,
            };
            if !acceptable {
                return Err(FetchError::ContentType(content_type));
            }
            let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
            let limit = self.config.max_bytes;
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(FetchError::TooLarge(limit));
            }
            let bytes = self.read_body(response, started)?;
            return Ok(Got::Body(Box::new(Body {
                url,
                status: status.as_u16(),
                content_type,
                bytes,
                text: String::new(),
                etag,
                last_modified,
            })));
        }
        Err(FetchError::Redirects(self.config.max_redirects))
    }

    /// The body, read in chunks against one deadline (a server that trickles bytes must not keep the fetch
    /// forever) and capped at the size limit.
    fn read_body(&self, mut response: impl Read, started: Instant) -> Result<Vec<u8>, FetchError> {
        let (limit, deadline) = (self.config.max_bytes, started + self.config.timeout);
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            let n = response.read(&mut chunk).map_err(|e| FetchError::Http(format!("reading the body: {e}")))?;
            if n == 0 {
                return Ok(bytes);
            }
            bytes.extend_from_slice(&chunk[..n]);
            if bytes.len() > limit {
                return Err(FetchError::TooLarge(limit));
            }
            if Instant::now() > deadline {
                return Err(FetchError::Http(format!("timed out after {:?} reading the body", self.config.timeout)));
            }
        }
    }

    /// Waits until this host may be asked again, and books the next slot.
    fn wait_for_host(&self, url: &Url) {
        let host = url.host_str().unwrap_or_default().to_string();
        let interval = self.config.host_interval.max(self.crawl_delay(url));
        let wait = {
            let mut slots = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = slots.get(&host).copied().filter(|s| *s > now).unwrap_or(now);
            slots.insert(host, slot + interval);
            slot - now
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    fn crawl_delay(&self, url: &Url) -> Duration {
        let robots = self.robots.lock().unwrap_or_else(|p| p.into_inner());
        robots
            .get(&url.origin().ascii_serialization())
            .and_then(|r| r.as_ref())
            .and_then(|r| r.delay)
            .map(|d| Duration::from_secs_f32(d.clamp(0.0, 30.0)))
            .unwrap_or_default()
    }

    /// Whether robots.txt allows `url` for our user agent. A site without a readable robots.txt allows all.
    fn robots_allow(&self, url: &Url) -> bool {
        let origin = url.origin().ascii_serialization();
        let known = self.robots.lock().unwrap_or_else(|p| p.into_inner()).get(&origin).cloned();
        let robot = match known {
            Some(robot) => robot,
            None => {
                let robots_url = url.join("/robots.txt").expect("a path joins");
                let robot = match self.get(&robots_url, Accept::Any, (None, None)) {
                    Ok(Got::Body(body)) => texting_robots::Robot::new(&self.config.user_agent, &body.bytes).ok(),
                    _ => None,
                }
                .map(Arc::new);
                self.robots.lock().unwrap_or_else(|p| p.into_inner()).insert(origin, robot.clone());
                robot
            }
        };
        robot.is_none_or(|r| r.allowed(url.as_str()))
    }
}

/// The guard's refusal inside a reqwest error (from the resolver), if that is what failed.
fn blocked_cause(e: &reqwest::Error) -> Option<Blocked> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(blocked) = err.downcast_ref::<Blocked>() {
            return Some(blocked.clone());
        }
        source = err.source();
    }
    None
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

/// The text of a PDF, through `pdf-extract`. A malformed file is an error, never a crash: the parser may
/// panic on broken input, so it runs behind `catch_unwind`.
fn pdf_text(bytes: &[u8]) -> Result<String, FetchError> {
    let bytes = bytes.to_vec();
    let extracted = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes))
        .map_err(|_| FetchError::Http("the PDF could not be parsed".into()))?;
    let text = extracted.map_err(|e| FetchError::Http(format!("the PDF could not be read: {e}")))?;
    // PDF text comes with hard line breaks inside paragraphs: join lines, keep blank-line paragraph breaks.
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        let joined = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        if !joined.is_empty() {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&joined);
        }
    }
    Ok(out)
}

/// Decodes a body by the rule every input follows ([`verity_ingest::encoding`]): a byte-order mark, else the
/// charset the Content-Type or (for HTML) a `<meta>` in the first kilobyte declares, else UTF-8 or a guess; a body
/// that is not text at all is refused.
pub fn decode(bytes: &[u8], content_type: &str) -> Result<String, FetchError> {
    let declared = charset_param(content_type)
        .or_else(|| content_type.contains("html").then(|| verity_ingest::encoding::meta_charset(bytes)).flatten());
    verity_ingest::encoding::decode(bytes, declared.as_deref()).map(|d| d.text).map_err(|e| FetchError::NotText(e.0))
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| p.trim().strip_prefix("charset=")).map(|c| c.trim_matches('"').to_string())
}

fn now() -> String {
    verity_model::timestamp::now()
}
