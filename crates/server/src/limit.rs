//! A per-client rate limit on starting checks: a token bucket per client address that refills at the
//! configured rate per minute and holds at most that many.
//!
//! Hand-written rather than `governor`'s keyed limiter: it is 40 lines with one lock, refunds a token (which
//! `governor` has no way to do), and forgets full buckets in sweeps whose cost is amortised over the requests that
//! grew the table: `cargo run --release -p verity-server --example rate_limit` measures a take at 10,000 to
//! 1,000,000 tracked clients (docs/BENCHMARKS.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets are forgotten once this many clients are tracked and theirs are full again.
const CLIENTS_KEPT: usize = 10_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    by_client: HashMap<IpAddr, (f64, Instant)>,
    /// The table's size at which the next sweep for full buckets runs: twice what the last sweep left, so that a
    /// sweep (linear in the table) comes only after as many new clients as it kept, whatever those clients do.
    sweep_at: usize,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute: f64::from(per_minute.max(1)), buckets: Mutex::default() }
    }

    /// Takes a token for `client`, or says how long until one is free.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut guard = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *guard;
        if state.by_client.len() > CLIENTS_KEPT.max(state.sweep_at) {
            let full = self.per_minute;
            let rate = self.per_minute / 60.0;
            state.by_client.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < full);
            state.sweep_at = 2 * state.by_client.len();
        }
        let (tokens, at) = state.by_client.entry(client).or_insert((self.per_minute, now));
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
        if let Some((tokens, _)) = buckets.by_client.get_mut(&client) {
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

    /// Past the clients kept, full buckets are forgotten and busy ones kept, and sweeps come only after the table
    /// has doubled since the last one (so their cost is spread over the requests that grew it).
    #[test]
    fn full_buckets_are_forgotten_in_sweeps_spread_over_new_clients() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        let client = |i: u32| IpAddr::from(i.to_be_bytes());
        for i in 0..=CLIENTS_KEPT as u32 {
            limiter.take(client(i), t0).unwrap();
        }
        let tracked = |limiter: &RateLimiter| limiter.buckets.lock().unwrap().by_client.len();
        assert_eq!(tracked(&limiter), CLIENTS_KEPT + 1);
        // A minute on, every bucket is full again: the next request sweeps them all away.
        limiter.take(client(u32::MAX), t0 + Duration::from_secs(60)).unwrap();
        assert_eq!(tracked(&limiter), 1);
        // Busy clients (buckets not full) are kept, and the next sweep waits for the table to double.
        for i in 0..=CLIENTS_KEPT as u32 {
            limiter.take(client(i), t0 + Duration::from_secs(60)).unwrap();
        }
        let kept = tracked(&limiter);
        assert_eq!(kept, CLIENTS_KEPT + 2);
        assert_eq!(limiter.buckets.lock().unwrap().sweep_at, 2 * (CLIENTS_KEPT + 1));
    }
}
