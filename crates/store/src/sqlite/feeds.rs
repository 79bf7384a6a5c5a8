//! News feeds an archive follows: where each is, what the last poll learnt (cache validators, errors), and
//! which items were already read.

use rusqlite::params;

use super::Sqlite;
use crate::{FeedPoll, FeedRow, Result};

impl Sqlite {
    /// Follows a feed; false when it was already followed.
    pub(crate) fn add_feed(&self, url: &str, now: &str) -> Result<bool> {
        let conn = self.write();
        Ok(conn.execute("INSERT OR IGNORE INTO feeds (url, added_at) VALUES (?1, ?2)", params![url, now])? == 1)
    }

    /// Stops following a feed (its items stay in the archive); false when it was not followed.
    pub(crate) fn remove_feed(&self, url: &str) -> Result<bool> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        tx.execute("DELETE FROM feed_items WHERE feed_url = ?1", [url])?;
        let removed = tx.execute("DELETE FROM feeds WHERE url = ?1", [url])?;
        tx.commit()?;
        Ok(removed == 1)
    }

    pub(crate) fn feeds(&self) -> Result<Vec<FeedRow>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT f.url, f.title, f.etag, f.last_modified, f.added_at, f.polled_at, f.last_error,
                    (SELECT COUNT(*) FROM feed_items i WHERE i.feed_url = f.url)
             FROM feeds f ORDER BY f.added_at, f.url",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedRow {
                url: r.get(0)?,
                title: r.get(1)?,
                etag: r.get(2)?,
                last_modified: r.get(3)?,
                added_at: r.get(4)?,
                polled_at: r.get(5)?,
                last_error: r.get(6)?,
                items: r.get::<_, i64>(7)? as usize,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// Records a poll.
    pub(crate) fn feed_polled(&self, url: &str, poll: &FeedPoll<'_>, now: &str) -> Result<()> {
        let conn = self.write();
        conn.execute(
            "UPDATE feeds SET polled_at = ?2, last_error = ?3, title = COALESCE(?4, title) WHERE url = ?1",
            params![url, now, poll.error, poll.title],
        )?;
        if let Some((etag, last_modified)) = poll.validators {
            conn.execute(
                "UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE url = ?1",
                params![url, etag, last_modified],
            )?;
        }
        Ok(())
    }

    /// The items of `urls` not yet read from this feed, in the order given.
    pub(crate) fn unseen_items(&self, feed: &str, urls: &[String]) -> Result<Vec<String>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached("SELECT 1 FROM feed_items WHERE feed_url = ?1 AND item_url = ?2")?;
        let mut unseen = Vec::new();
        for url in urls {
            if !stmt.exists(params![feed, url])? {
                unseen.push(url.clone());
            }
        }
        Ok(unseen)
    }

    /// Marks items as read from this feed.
    pub(crate) fn mark_items(&self, feed: &str, urls: &[String], now: &str) -> Result<()> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        for url in urls {
            tx.execute(
                "INSERT OR IGNORE INTO feed_items (feed_url, item_url, seen_at) VALUES (?1, ?2, ?3)",
                params![feed, url, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn feed_items(&self, feed: &str) -> Result<Vec<(String, String)>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT item_url, seen_at FROM feed_items WHERE feed_url = ?1 ORDER BY seen_at, item_url",
        )?;
        let rows = stmt.query_map([feed], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }
}
