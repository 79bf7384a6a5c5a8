//! What the public site keeps besides reports (supporters recorded from payment events, settings an operator
//! changes while the site runs), and the news feeds an archive follows: where each is, what the last poll learnt
//! (cache validators, errors), and which items were already read.

use std::collections::HashSet;

use crate::sql::{Arg, ROWS_PER_STATEMENT, ReadRow, Row, args, insert_rows, placeholders};
use crate::{FeedPoll, FeedRow, Result, Store, SupporterEvent, SupporterTotals};

impl ReadRow for SupporterEvent {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(SupporterEvent {
            event_id: r.get(0)?,
            kind: r.get(1)?,
            amount: r.get(2)?,
            currency: r.get(3)?,
            received_at: r.get(4)?,
        })
    }
}

impl ReadRow for FeedRow {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(FeedRow {
            url: r.get(0)?,
            title: r.get(1)?,
            etag: r.get(2)?,
            last_modified: r.get(3)?,
            added_at: r.get(4)?,
            polled_at: r.get(5)?,
            last_error: r.get(6)?,
            items: r.get::<i64>(7)? as usize,
        })
    }
}

impl Store {
    /// Records a payment event once: false when an event with this id was already recorded (providers resend
    /// events, and a resent event must not count twice).
    pub fn record_supporter(
        &self,
        event_id: &str,
        kind: &str,
        amount: Option<i64>,
        currency: Option<&str>,
        received_at: &str,
    ) -> Result<bool> {
        let inserted = self.write(|s| {
            s.execute(
                "INSERT INTO supporter_events (event_id, kind, amount, currency, received_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
                args![event_id, kind, amount, currency.map(|c| c.to_ascii_lowercase()), received_at],
            )
        })?;
        Ok(inserted == 1)
    }

    /// Supporters recorded on or after `since` (a date or timestamp; `""` for all), with amounts in `currency`.
    pub fn supporter_totals(&self, since: &str, currency: &str) -> Result<SupporterTotals> {
        let (supporters, amount): (i64, i64) = self.one(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN currency = $2 THEN amount END), 0) AS BIGINT)
                 FROM supporter_events WHERE received_at >= $1",
            args![since, currency.to_ascii_lowercase()],
        )?;
        Ok(SupporterTotals { supporters: supporters as usize, amount })
    }

    /// Every recorded payment event, oldest first.
    pub fn supporter_events(&self) -> Result<Vec<SupporterEvent>> {
        self.all(
            "SELECT event_id, kind, amount, currency, received_at FROM supporter_events
                 ORDER BY received_at, event_id",
            &[],
        )
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.optional("SELECT value FROM settings WHERE key = $1", args![key])
    }

    pub fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(|s| {
            s.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
                args![key, value],
            )
        })?;
        Ok(())
    }

    /// Every run-time setting, by key.
    pub fn settings(&self) -> Result<Vec<(String, String)>> {
        self.all("SELECT key, value FROM settings ORDER BY key", &[])
    }

    /// Follows a feed; false when it was already followed.
    pub fn add_feed(&self, url: &str, now: &str) -> Result<bool> {
        let added = self.write(|s| {
            s.execute("INSERT INTO feeds (url, added_at) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING", args![url, now])
        })?;
        Ok(added == 1)
    }

    /// Stops following a feed (its items stay in the archive); false when it was not followed.
    pub fn remove_feed(&self, url: &str) -> Result<bool> {
        self.write(|s| {
            s.execute("DELETE FROM feed_items WHERE feed_url = $1", args![url])?;
            Ok(s.execute("DELETE FROM feeds WHERE url = $1", args![url])? == 1)
        })
    }

    pub fn feeds(&self) -> Result<Vec<FeedRow>> {
        self.all(
            "SELECT f.url, f.title, f.etag, f.last_modified, f.added_at, f.polled_at, f.last_error,
                        (SELECT COUNT(*) FROM feed_items i WHERE i.feed_url = f.url)
                 FROM feeds f ORDER BY f.added_at, f.url",
            &[],
        )
    }

    /// Records a poll.
    pub fn feed_polled(&self, url: &str, poll: &FeedPoll<'_>, now: &str) -> Result<()> {
        self.write(|s| {
            s.execute(
                "UPDATE feeds SET polled_at = $2, last_error = $3, title = COALESCE($4, title) WHERE url = $1",
                args![url, now, poll.error, poll.title],
            )?;
            if let Some((etag, last_modified)) = poll.validators {
                s.execute(
                    "UPDATE feeds SET etag = $2, last_modified = $3 WHERE url = $1",
                    args![url, etag, last_modified],
                )?;
            }
            Ok(())
        })
    }

    /// The items of `urls` not yet read from this feed, in the order given.
    pub fn unseen_items(&self, feed: &str, urls: &[String]) -> Result<Vec<String>> {
        let mut seen = HashSet::new();
        self.read(|s| {
            for chunk in urls.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "SELECT item_url FROM feed_items WHERE feed_url = $1 AND item_url IN ({})",
                    placeholders(2, chunk.len())
                );
                let values: Vec<Arg> = std::iter::once(feed.into()).chain(chunk.iter().map(Arg::from)).collect();
                seen.extend(s.all::<String>(&sql, &values)?);
            }
            Ok(())
        })?;
        Ok(urls.iter().filter(|url| !seen.contains(*url)).cloned().collect())
    }

    /// Marks items as read from this feed.
    pub fn mark_items(&self, feed: &str, urls: &[String], now: &str) -> Result<()> {
        let rows: Vec<Arg> = urls.iter().flat_map(|url| [feed.into(), url.into(), now.into()]).collect();
        self.write(|s| {
            insert_rows(s, "INSERT INTO feed_items (feed_url, item_url, seen_at)", "ON CONFLICT DO NOTHING", 3, &rows)
        })
    }

    /// The items read from a feed, as (item URL, when it was read).
    pub fn feed_items(&self, feed: &str) -> Result<Vec<(String, String)>> {
        self.all("SELECT item_url, seen_at FROM feed_items WHERE feed_url = $1 ORDER BY seen_at, item_url", args![feed])
    }
}
