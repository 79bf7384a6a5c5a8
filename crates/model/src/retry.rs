//! When to ask a server again: the one rule every HTTP client in Verity follows.

use std::time::Duration;

/// Retries of a request a server turned away for now (HTTP 429, or a 5xx): exponential backoff from `first_wait`,
/// or the server's own `Retry-After` in seconds, but never a wait longer than `longest_wait` (past it the caller
/// gives up and says what the server answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Further attempts after the first.
    pub attempts: u32,
    pub first_wait: Duration,
    pub longest_wait: Duration,
}

impl Retry {
    /// How long to wait before asking again after attempt `attempt` (0 for the first) was answered with `status`
    /// and `retry_after` (the header's value); `None` to give up.
    pub fn after_status(&self, attempt: u32, status: u16, retry_after: Option<&str>) -> Option<Duration> {
        if !(status == 429 || (500..600).contains(&status)) {
            return None;
        }
        let asked = retry_after.and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        asked
            .map_or_else(|| self.backoff(attempt), |wait| (attempt < self.attempts).then_some(wait))
            .filter(|wait| *wait <= self.longest_wait)
    }

    /// The wait before another attempt when no server said anything (a connection that failed); `None` once the
    /// attempts are used up.
    pub fn backoff(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.attempts).then(|| self.first_wait.saturating_mul(2u32.saturating_pow(attempt)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_servers_are_asked_again_with_backoff_or_as_they_ask() {
        let retry =
            Retry { attempts: 2, first_wait: Duration::from_millis(500), longest_wait: Duration::from_secs(10) };
        assert_eq!(retry.after_status(0, 503, None), Some(Duration::from_millis(500)));
        assert_eq!(retry.after_status(1, 429, None), Some(Duration::from_secs(1)));
        assert_eq!(retry.after_status(2, 429, None), None, "attempts used up");
        assert_eq!(retry.after_status(0, 429, Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(retry.after_status(0, 429, Some("3600")), None, "asks for longer than we wait");
        assert_eq!(retry.after_status(0, 404, None), None, "not a status worth retrying");
        assert_eq!(retry.backoff(1), Some(Duration::from_secs(1)));
    }
}
