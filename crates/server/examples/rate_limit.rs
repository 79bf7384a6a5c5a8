//! What one rate-limited request costs as the number of tracked clients grows: `cargo run --release -p
//! verity-server --example rate_limit`. Busy clients (buckets not full) are never forgotten, so the table holds
//! them all; before the sweeps were spread out, every request past 10,000 clients swept the whole table, which is
//! what "one sweep" shows.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use verity_server::limit::RateLimiter;

fn main() {
    let client = |i: u32| IpAddr::from(i.to_be_bytes());
    for tracked in [10_000u32, 100_000, 1_000_000] {
        let limiter = RateLimiter::new(60);
        let t0 = Instant::now();
        for i in 0..tracked {
            limiter.take(client(i), t0).unwrap();
        }
        // New clients keep arriving (an address range rotating): sweeps come as the table doubles.
        let arriving = 200_000u32;
        let started = Instant::now();
        for i in 0..arriving {
            let _ = limiter.take(client(tracked + i), t0 + Duration::from_millis(1));
        }
        let per_take = started.elapsed().as_nanos() as f64 / f64::from(arriving);
        // The old rule's cost per request at this size: one sweep of every bucket.
        let mut table: std::collections::HashMap<IpAddr, (f64, Instant)> =
            (0..tracked).map(|i| (client(i), (59.0, t0))).collect();
        let started = Instant::now();
        table.retain(|_, (tokens, at)| *tokens + t0.duration_since(*at).as_secs_f64() < 60.0);
        let sweep = started.elapsed().as_nanos();
        println!(
            "{tracked:>9} busy clients: {per_take:>6.0} ns per request (200,000 new clients arriving); one sweep {:.2} ms",
            sweep as f64 / 1e6
        );
    }
}
