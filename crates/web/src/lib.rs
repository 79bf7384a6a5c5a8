//! The web as a source: a fetcher that reads pages safely and keeps what it read, and search providers.
//!
//! Main items: [`Guard`] (the SSRF guard: public addresses only, checked at every redirect hop and at the
//! address actually connected), [`Fetcher`] (size, time, redirect and content-type limits, charset decoding,
//! robots.txt, a per-host interval, concurrent fetches; main-content extraction through `verity-ingest`),
//! [`Page`] (what was read: URL, fetch time, status, the extracted document and the sha256 of its text),
//! [`WebSearch`] with [`Wikipedia`], [`Gdelt`], [`Searxng`] and [`Brave`], and [`feed`] (RSS and Atom, polled
//! with conditional GETs through [`Fetcher::fetch_feed`]).
//!
//! This crate talks HTTP and nothing else: it decides nothing about claims, stores nothing, and is reached by
//! the engine only. It is one of the crates allowed an outbound HTTP client.
//!
//! ```
//! let base = url::Url::parse("https://news.example/").unwrap();
//! let rss = br#"<rss version="2.0"><channel><title>News</title>
//!   <item><title>Council bans cars</title><link>/2026/council</link></item>
//! </channel></rss>"#;
//! let feed = verity_web::feed::parse(rss, &base).unwrap();
//! assert_eq!(feed.items[0].url, "https://news.example/2026/council");
//! // What a user gives as a search provider's address is checked, not trusted.
//! assert!(verity_web::base_url("not a url").is_err());
//! ```

pub mod feed;
pub mod fetch;
pub mod guard;
pub mod search;

pub use feed::{Feed, FeedItem};
pub use fetch::{FeedResponse, FetchConfig, FetchError, Fetcher, Page};
pub use guard::{Blocked, Guard};
pub use search::{Brave, Gdelt, SearchError, SearchResult, Searxng, WebSearch, Wikipedia, base_url};
