//! `deadpool-postgres` against a PostgreSQL that is out of reach: how long `Pool::get` takes to fail and what the
//! error says, for a refused port and for a server that accepts and never answers.

use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, Timeouts};

fn pool(port: u16) -> Pool {
    let mut config = tokio_postgres::Config::new();
    config.host("127.0.0.1").port(port).user("verity").dbname("verity");
    let manager = Manager::from_config(config, tokio_postgres::NoTls, ManagerConfig {
        recycling_method: RecyclingMethod::Verified,
    });
    let timeouts = Timeouts {
        wait: Some(Duration::from_secs(5)),
        create: Some(Duration::from_secs(1)),
        recycle: Some(Duration::from_secs(1)),
    };
    Pool::builder(manager).max_size(16).timeouts(timeouts).runtime(Runtime::Tokio1).build().expect("a pool")
}

fn kind(e: &PoolError) -> String {
    match e {
        PoolError::Backend(e) => format!("Backend (the driver's typed error: closed={}, db code={:?})", e.is_closed(),
            e.code().map(|c| c.code().to_string())),
        PoolError::Timeout(t) => format!("Timeout({t:?})"),
        other => format!("{other:?}"),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        // A server that accepts connections and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_port = silent.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        for (what, port) in [("refused port", 9), ("silent server", silent_port)] {
            let pool = pool(port);
            for attempt in 1..=2 {
                let started = Instant::now();
                let err = pool.get().await.err().expect("out of reach");
                println!(
                    "deadpool, {what}, attempt {attempt}: get() failed after {:.3} s: {} [{err}]",
                    started.elapsed().as_secs_f64(),
                    kind(&err)
                );
            }
        }
    });
}
