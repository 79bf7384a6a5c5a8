//! Web search providers behind one trait: Wikipedia (MediaWiki search API) and GDELT's DOC 2.0 news search, which
//! need no key; a self-hosted SearxNG instance; Brave Search (API key). Each has timeouts, retries with backoff on
//! 429 and 5xx (honouring Retry-After) and a limit on requests in flight; a failure is an error for the caller to
//! report, never a panic.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use serde_json::Value;
use url::Url;
use verity_model::Retry;

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    pub url: String,
    pub title: String,
    pub snippet: String,
    /// As the provider gives it, when it does.
    pub published: Option<String>,
    pub provider: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("{provider} could not be reached: {message}")]
    Unreachable { provider: String, message: String },
    #[error("{provider} answered HTTP {status}")]
    Status { provider: String, status: u16 },
    #[error("{provider} answered something that is not its search format: {message}")]
    Format { provider: String, message: String },
}

pub trait WebSearch: Send + Sync {
    fn name(&self) -> &str;
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, SearchError>;
}

/// Retries after 429 or 5xx.
const RETRIES: u32 = 2;
/// Longest wait a server's Retry-After may ask for before the search gives up instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// The HTTP side every provider shares.
struct Api {
    name: String,
    client: reqwest::blocking::Client,
    in_flight: Mutex<usize>,
    freed: Condvar,
    max_in_flight: usize,
    backoff: Duration,
}

impl Api {
    fn new(name: &str, timeout: Duration, max_in_flight: usize) -> Api {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .user_agent(format!("Verity/{} (open-source fact-checker)", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client with a timeout builds");
        Api {
            name: name.into(),
            client,
            in_flight: Mutex::new(0),
            freed: Condvar::new(),
            max_in_flight,
            backoff: Duration::from_millis(500),
        }
    }

    fn get_json(&self, url: Url, headers: &[(&str, &str)]) -> Result<Value, SearchError> {
        {
            let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            while *n >= self.max_in_flight.max(1) {
                n = self.freed.wait(n).unwrap_or_else(|p| p.into_inner());
            }
            *n += 1;
        }
        let result = self.get_with_retries(url, headers);
        *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.freed.notify_one();
        result
    }

    fn get_with_retries(&self, url: Url, headers: &[(&str, &str)]) -> Result<Value, SearchError> {
        let mut attempt = 0;
        loop {
            let mut request = self.client.get(url.clone()).header("Accept", "application/json");
            for (k, v) in headers {
                request = request.header(*k, *v);
            }
            let response = request
                .send()
                .map_err(|e| SearchError::Unreachable { provider: self.name.clone(), message: e.to_string() })?;
            let status = response.status();
            let retry = Retry { attempts: RETRIES, first_wait: self.backoff, longest_wait: MAX_RETRY_AFTER };
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok());
            if let Some(wait) = retry.after_status(attempt, status.as_u16(), retry_after) {
                std::thread::sleep(wait);
                attempt += 1;
                continue;
            }
            if !status.is_success() {
                return Err(SearchError::Status { provider: self.name.clone(), status: status.as_u16() });
            }
            return response
                .json::<Value>()
                .map_err(|e| SearchError::Format { provider: self.name.clone(), message: e.to_string() });
        }
    }

    fn format_error(&self, message: &str) -> SearchError {
        SearchError::Format { provider: self.name.clone(), message: message.into() }
    }
}

fn base(raw: &str) -> Url {
    Url::parse(raw).expect("a provider's base URL is valid: checked by `base_url` where a user gives it")
}

/// A provider's base URL as a user gives it (`--searxng-url`): an absolute http or https URL with a host, or a
/// message saying what is expected.
pub fn base_url(raw: &str) -> Result<String, verity_model::Invalid> {
    let expected = "expected an http or https URL such as http://127.0.0.1:8888/";
    match Url::parse(raw.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url.to_string()),
        Ok(url) => Err(format!("{raw:?} is a {} URL; {expected}", url.scheme()).into()),
        Err(e) => Err(format!("{raw:?} is not a URL ({e}); {expected}").into()),
    }
}

/// Wikipedia through the MediaWiki search API; results are article pages.
pub struct Wikipedia {
    base: Url,
    api: Api,
}

impl Wikipedia {
    pub const DEFAULT_BASE: &'static str = "https://en.wikipedia.org";

    pub fn new(base_url: &str, timeout: Duration) -> Wikipedia {
        Wikipedia { base: base(base_url), api: Api::new("wikipedia", timeout, 2) }
    }
}

impl WebSearch for Wikipedia {
    fn name(&self) -> &str {
        "wikipedia"
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, SearchError> {
        let mut url = self.base.join("/w/api.php").expect("a path");
        url.query_pairs_mut()
            .append_pair("action", "query")
            .append_pair("list", "search")
            .append_pair("srsearch", query)
            .append_pair("srlimit", &limit.to_string())
            .append_pair("format", "json")
            .append_pair("utf8", "1");
        let body = self.api.get_json(url, &[])?;
        let hits = body["query"]["search"].as_array().ok_or_else(|| self.api.format_error("no query.search list"))?;
        Ok(hits
            .iter()
            .filter_map(|hit| {
                let title = hit["title"].as_str()?;
                let page = self.base.join(&format!("/wiki/{}", title.replace(' ', "_"))).ok()?;
                Some(SearchResult {
                    url: page.to_string(),
                    title: title.to_string(),
                    snippet: strip_tags(hit["snippet"].as_str().unwrap_or_default()),
                    published: hit["timestamp"].as_str().map(|t| t.chars().take(10).collect()),
                    provider: "wikipedia".into(),
                })
            })
            .take(limit)
            .collect())
    }
}

/// GDELT's DOC 2.0 API: recent news articles worldwide.
pub struct Gdelt {
    base: Url,
    api: Api,
}

impl Gdelt {
    pub const DEFAULT_BASE: &'static str = "https://api.gdeltproject.org";

    pub fn new(base_url: &str, timeout: Duration) -> Gdelt {
        Gdelt { base: base(base_url), api: Api::new("gdelt", timeout, 1) }
    }
}

impl WebSearch for Gdelt {
    fn name(&self) -> &str {
        "gdelt"
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, SearchError> {
        let mut url = self.base.join("/api/v2/doc/doc").expect("a path");
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("mode", "ArtList")
            .append_pair("format", "json")
            .append_pair("maxrecords", &limit.clamp(1, 250).to_string())
            .append_pair("sort", "HybridRel");
        let body = self.api.get_json(url, &[])?;
        // GDELT answers `{}` when nothing matches.
        let Some(articles) = body.get("articles") else { return Ok(Vec::new()) };
        let articles = articles.as_array().ok_or_else(|| self.api.format_error("articles is not a list"))?;
        Ok(articles
            .iter()
            .filter_map(|a| {
                Some(SearchResult {
                    url: a["url"].as_str()?.to_string(),
                    title: a["title"].as_str().unwrap_or_default().to_string(),
                    snippet: String::new(),
                    published: a["seendate"].as_str().and_then(gdelt_date),
                    provider: "gdelt".into(),
                })
            })
            .take(limit)
            .collect())
    }
}

/// `20250321T120000Z` to `2025-03-21`.
fn gdelt_date(raw: &str) -> Option<String> {
    let d = raw.get(..8)?;
    d.chars().all(|c| c.is_ascii_digit()).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
}

/// A SearxNG instance's JSON API (the instance must have the `json` format enabled).
pub struct Searxng {
    base: Url,
    api: Api,
}

impl Searxng {
    pub fn new(base_url: &str, timeout: Duration) -> Searxng {
        Searxng { base: base(base_url), api: Api::new("searxng", timeout, 2) }
    }
}

impl WebSearch for Searxng {
    fn name(&self) -> &str {
        "searxng"
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, SearchError> {
        let mut url = self.base.join("search").expect("a path");
        url.query_pairs_mut().append_pair("q", query).append_pair("format", "json");
        let body = self.api.get_json(url, &[])?;
        let results = body["results"].as_array().ok_or_else(|| self.api.format_error("no results list"))?;
        Ok(results
            .iter()
            .filter_map(|r| {
                Some(SearchResult {
                    url: r["url"].as_str()?.to_string(),
                    title: r["title"].as_str().unwrap_or_default().to_string(),
                    snippet: r["content"].as_str().unwrap_or_default().to_string(),
                    published: r["publishedDate"].as_str().map(|t| t.chars().take(10).collect()),
                    provider: "searxng".into(),
                })
            })
            .take(limit)
            .collect())
    }
}

/// Brave Search's web search API.
pub struct Brave {
    base: Url,
    key: String,
    api: Api,
}

impl Brave {
    pub const DEFAULT_BASE: &'static str = "https://api.search.brave.com";

    pub fn new(base_url: &str, key: &str, timeout: Duration) -> Brave {
        Brave { base: base(base_url), key: key.to_string(), api: Api::new("brave", timeout, 1) }
    }
}

impl WebSearch for Brave {
    fn name(&self) -> &str {
        "brave"
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, SearchError> {
        let mut url = self.base.join("/res/v1/web/search").expect("a path");
        url.query_pairs_mut().append_pair("q", query).append_pair("count", &limit.clamp(1, 20).to_string());
        let body = self.api.get_json(url, &[("X-Subscription-Token", &self.key)])?;
        let Some(results) = body["web"]["results"].as_array() else { return Ok(Vec::new()) };
        Ok(results
            .iter()
            .filter_map(|r| {
                Some(SearchResult {
                    url: r["url"].as_str()?.to_string(),
                    title: strip_tags(r["title"].as_str().unwrap_or_default()),
                    snippet: strip_tags(r["description"].as_str().unwrap_or_default()),
                    published: r["page_age"].as_str().map(|t| t.chars().take(10).collect()),
                    provider: "brave".into(),
                })
            })
            .take(limit)
            .collect())
    }
}

/// Removes the markup search APIs put in snippets (`<span class="searchmatch">`, `<strong>`) and decodes entities.
fn strip_tags(s: &str) -> String {
    verity_ingest::html::fragment_text(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_given_by_a_user_is_checked_not_trusted() {
        assert_eq!(base_url(" http://127.0.0.1:8888 ").as_deref(), Ok("http://127.0.0.1:8888/"));
        for bad in ["not a url", "ftp://example.org/", "file:///etc/passwd", "http://"] {
            let err = base_url(bad).unwrap_err();
            assert!(err.0.contains("expected an http or https URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn snippet_markup_and_gdelt_dates_are_read() {
        assert_eq!(strip_tags("the <span class=\"searchmatch\">council</span> &quot;ban&quot;"), "the council \"ban\"");
        // Every entity, not a hand-picked three.
        assert_eq!(strip_tags("5 &lt; 7 &amp; caf&eacute; &#8220;x&#8221;"), "5 < 7 & café \u{201c}x\u{201d}");
        assert_eq!(gdelt_date("20250321T120000Z").as_deref(), Some("2025-03-21"));
        assert_eq!(gdelt_date("soon"), None);
    }
}
