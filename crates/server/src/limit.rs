//! A per-client rate limit on starting checks: a token bucket per client address that refills at the
//! configured rate per minute and holds at most that many.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets are forgotten once this many clients are tracked and theirs are full again.
const CLIENTS_KEPT: usize = 10_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute: f64::from(per_minute.max(1)), buckets: Mutex::default() }
    }

    /// Takes a token for `client`, or says how long until one is free.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > CLIENTS_KEPT {
            let full = self.per_minute;
            let rate = self.per_minute / 60.0;
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < full);
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0).min(self.per_minute);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) * 60.0 / self.per_minute))
        }
    }

    /// Gives back a token taken for a request that started no check (it was malformed, or answered by a report
    /// checked before): only checks count against a client.
    pub fn refund(&self, client: IpAddr) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((tokens, _)) = buckets.get_mut(&client) {
            *tokens = (*tokens + 1.0).min(self.per_minute);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let limiter = RateLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(a, t0), Ok(()));
        }
        let wait = limiter.take(a, t0).unwrap_err();
        assert!((19.0..=20.0).contains(&wait.as_secs_f64()), "{wait:?}");
        assert_eq!(limiter.take(b, t0), Ok(()));
        assert_eq!(limiter.take(a, t0 + Duration::from_secs(20)), Ok(()), "one token back after a third of a minute");
        assert!(limiter.take(a, t0 + Duration::from_secs(21)).is_err());
        limiter.refund(a);
        assert_eq!(limiter.take(a, t0 + Duration::from_secs(21)), Ok(()), "a refunded token is taken again");
    }
}
