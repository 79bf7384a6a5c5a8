//! Following news feeds: `verity feeds add URL`, `verity feeds poll`. A poll asks each feed with its last
//! ETag and Last-Modified (a 304 costs nothing), reads the new items' articles in full and stores them as
//! snapshots, so a newsroom's archive keeps up with the news.

use verity_store::{FeedPoll, FeedRow};
use verity_web::{FeedResponse, FetchConfig, Fetcher};

use crate::{Engine, Result, now};

/// What one feed's poll did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The server said nothing changed since the last poll.
    NotModified,
    /// The feed was read: how many items it lists, how many were new, how many of those were stored.
    Read {
        items: usize,
        new: usize,
        stored: usize,
        failed: Vec<String>,
    },
    Failed(String),
}

impl Engine {
    /// Follows a feed; the URL must be one the fetcher may read. False when it was already followed.
    pub fn add_feed(&mut self, url: &str, guard: &verity_web::Guard) -> Result<bool> {
        let url = guard.check_url(url).map_err(verity_web::FetchError::from)?;
        Ok(self.store.add_feed(url.as_str(), &now())?)
    }

    pub fn remove_feed(&mut self, url: &str) -> Result<bool> {
        Ok(self.store.remove_feed(url)?)
    }

    pub fn feeds(&self) -> Result<Vec<FeedRow>> {
        Ok(self.store.feeds()?)
    }

    /// Polls every followed feed once; a failing feed is recorded and the rest go on.
    pub fn poll_feeds(&mut self, fetch: FetchConfig) -> Result<Vec<(String, PollOutcome)>> {
        let fetcher = Fetcher::new(fetch)?;
        let mut outcomes = Vec::new();
        for feed in self.store.feeds()? {
            let outcome = self.poll_one(&fetcher, &feed)?;
            outcomes.push((feed.url, outcome));
        }
        Ok(outcomes)
    }

    fn poll_one(&mut self, fetcher: &Fetcher, feed: &FeedRow) -> Result<PollOutcome> {
        let response = fetcher.fetch_feed(&feed.url, feed.etag.as_deref(), feed.last_modified.as_deref());
        let (url, bytes, etag, last_modified) = match response {
            Ok(FeedResponse::NotModified) => {
                self.store.feed_polled(&feed.url, &FeedPoll::default(), &now())?;
                return Ok(PollOutcome::NotModified);
            }
            Ok(FeedResponse::Fresh { url, bytes, etag, last_modified }) => (url, bytes, etag, last_modified),
            Err(e) => return self.poll_failed(feed, e.to_string()),
        };
        let parsed = match verity_web::feed::parse(&bytes, &url) {
            Ok(parsed) => parsed,
            Err(e) => return self.poll_failed(feed, e.0),
        };
        let listed: Vec<String> = parsed.items.iter().map(|i| i.url.clone()).collect();
        let new = self.store.unseen_items(&feed.url, &listed)?;
        let mut stored = Vec::new();
        let mut read = Vec::new();
        let mut failed = Vec::new();
        for (item, page) in new.iter().zip(fetcher.fetch_all(&new)) {
            match page {
                Ok(mut page) => {
                    // The feed's date stands in for a page that gives none.
                    if page.document.published.is_none() {
                        page.document.published =
                            parsed.items.iter().find(|i| &i.url == item).and_then(|i| i.published.clone());
                    }
                    read.push(item.clone());
                    stored.push(page);
                }
                Err(e) => failed.push(format!("{item}: {e}")),
            }
        }
        self.store_pages(&stored)?;
        // Items that could not be read are tried again next time.
        self.store.mark_items(&feed.url, &read, &now())?;
        let poll = FeedPoll {
            title: parsed.title.as_deref(),
            validators: Some((etag.as_deref(), last_modified.as_deref())),
            error: None,
        };
        self.store.feed_polled(&feed.url, &poll, &now())?;
        Ok(PollOutcome::Read { items: listed.len(), new: new.len(), stored: stored.len(), failed })
    }

    fn poll_failed(&mut self, feed: &FeedRow, error: String) -> Result<PollOutcome> {
        self.store.feed_polled(&feed.url, &FeedPoll { error: Some(&error), ..FeedPoll::default() }, &now())?;
        Ok(PollOutcome::Failed(error))
    }
}
