//! How long `r2d2` (with `r2d2_postgres`) takes to give up when PostgreSQL is down (a port nothing listens on),
//! and what its error keeps, against one connect attempt of the driver's own.

use std::time::{Duration, Instant};

const DOWN: &str = "postgres://verity@127.0.0.1:9/verity";

fn main() {
    let config: postgres::Config = DOWN.parse().expect("a valid URL");
    for timeout in [Duration::from_secs(1), Duration::from_secs(5)] {
        let manager = r2d2_postgres::PostgresConnectionManager::new(config.clone(), postgres::NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .test_on_check_out(true)
            .build_unchecked(manager);
        let started = Instant::now();
        let err = pool.get().err().expect("nothing listens there");
        println!("r2d2, connection_timeout {timeout:?}: get() failed after {:.3} s: {err}", started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    let err = config.connect(postgres::NoTls).err().expect("nothing listens there");
    println!("one connect attempt: failed after {:.3} s: {err:?}", started.elapsed().as_secs_f64());
}
