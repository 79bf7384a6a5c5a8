//! When a check must be finished, and whether it was called off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A check's time limit and its cancellation, shared by every stage: the web gathering stops taking new pages once
/// it has passed, the judge and writer that need a language model are skipped, and requests in flight get no more
/// than the time left. Clones share one cancellation, so whoever started a check can call it off from another
/// thread. The default has no limit and is never cancelled.
#[derive(Debug, Clone, Default)]
pub struct Deadline {
    at: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

impl Deadline {
    /// No time limit (evaluation runs, tests); it can still be cancelled.
    pub fn none() -> Deadline {
        Deadline::default()
    }

    /// A limit `limit` from now.
    pub fn after(limit: Duration) -> Deadline {
        Deadline { at: Instant::now().checked_add(limit), cancelled: Arc::default() }
    }

    /// Calls the check off: every clone sees it at its next stage.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// True once the check should stop starting work: cancelled, or out of time.
    pub fn passed(&self) -> bool {
        self.is_cancelled() || self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// The time left, for a request's own timeout: `None` without a limit, zero once passed.
    pub fn remaining(&self) -> Option<Duration> {
        if self.is_cancelled() {
            return Some(Duration::ZERO);
        }
        self.at.map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// The shorter of `timeout` and the time left.
    pub fn bound(&self, timeout: Duration) -> Duration {
        self.remaining().map_or(timeout, |left| left.min(timeout))
    }

    /// Why a stage was skipped, for the report's diagnostics.
    pub fn reason(&self) -> &'static str {
        if self.is_cancelled() { "the check was cancelled" } else { "the check ran out of time" }
    }
}

/// Two deadlines are equal when they share a cancellation and a limit: the same check's.
impl PartialEq for Deadline {
    fn eq(&self, other: &Deadline) -> bool {
        self.at == other.at && Arc::ptr_eq(&self.cancelled, &other.cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_with_time_or_when_any_clone_cancels() {
        let open = Deadline::none();
        assert!(!open.passed() && open.remaining().is_none());
        assert_eq!(open.bound(Duration::from_secs(5)), Duration::from_secs(5));

        // No clock is waited on: a limit of an hour has not passed, a limit of nothing has.
        let hour = Deadline::after(Duration::from_secs(3600));
        assert!(!hour.passed() && hour.bound(Duration::from_secs(5)) == Duration::from_secs(5));
        assert!(hour.bound(Duration::from_secs(7200)) <= Duration::from_secs(3600));
        let spent = Deadline::after(Duration::ZERO);
        assert!(spent.passed() && !spent.is_cancelled());
        assert_eq!((spent.remaining(), spent.reason()), (Some(Duration::ZERO), "the check ran out of time"));

        let long = Deadline::after(Duration::from_secs(600));
        let handle = long.clone();
        std::thread::spawn(move || handle.cancel()).join().unwrap();
        assert!(long.passed() && long.is_cancelled());
        assert_eq!((long.remaining(), long.reason()), (Some(Duration::ZERO), "the check was cancelled"));
    }
}
