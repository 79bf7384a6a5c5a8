//! What the public site keeps besides reports: supporters recorded from payment events, and settings an
//! operator changes while the site runs.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store};

/// Supporters so far: events recorded, and the sum of their amounts in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SupporterTotals {
    pub supporters: usize,
    /// In the currency's smallest unit (cents), as payment providers send it.
    pub amount: i64,
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
        let conn = self.write();
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO supporter_events (event_id, kind, amount, currency, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![event_id, kind, amount, currency.map(|c| c.to_ascii_lowercase()), received_at],
        )?;
        Ok(inserted == 1)
    }

    /// Supporters recorded on or after `since` (a date or timestamp; `""` for all), with amounts in `currency`.
    pub fn supporter_totals(&self, since: &str, currency: &str) -> Result<SupporterTotals> {
        let conn = self.read()?;
        let (supporters, amount): (i64, i64) = conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN currency = ?2 THEN amount END), 0)
             FROM supporter_events WHERE received_at >= ?1",
            params![since, currency.to_ascii_lowercase()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(SupporterTotals { supporters: supporters as usize, amount })
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let conn = self.read()?;
        Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.write();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}
