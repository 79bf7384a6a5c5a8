//! What the public site keeps besides reports: supporters recorded from payment events, and settings an
//! operator changes while the site runs.

use rusqlite::{OptionalExtension, params};

use super::Sqlite;
use crate::{Result, SupporterEvent, SupporterTotals};

impl Sqlite {
    /// Records a payment event once: false when an event with this id was already recorded (providers resend
    /// events, and a resent event must not count twice).
    pub(crate) fn record_supporter(
        &self,
        event_id: &str,
        kind: &str,
        amount: Option<i64>,
        currency: Option<&str>,
        received_at: &str,
    ) -> Result<bool> {
        let conn = self.write();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO supporter_events (event_id, kind, amount, currency, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![event_id, kind, amount, currency.map(|c| c.to_ascii_lowercase()), received_at],
        )?;
        Ok(inserted == 1)
    }

    /// Supporters recorded on or after `since` (a date or timestamp; `""` for all), with amounts in `currency`.
    pub(crate) fn supporter_totals(&self, since: &str, currency: &str) -> Result<SupporterTotals> {
        let conn = self.read()?;
        let (supporters, amount): (i64, i64) = conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN currency = ?2 THEN amount END), 0)
             FROM supporter_events WHERE received_at >= ?1",
            params![since, currency.to_ascii_lowercase()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(SupporterTotals { supporters: supporters as usize, amount })
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        let conn = self.read()?;
        Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub(crate) fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.write();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    pub(crate) fn supporter_events(&self) -> Result<Vec<SupporterEvent>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT event_id, kind, amount, currency, received_at FROM supporter_events ORDER BY received_at, event_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SupporterEvent {
                event_id: r.get(0)?,
                kind: r.get(1)?,
                amount: r.get(2)?,
                currency: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    pub(crate) fn settings(&self) -> Result<Vec<(String, String)>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }
}
