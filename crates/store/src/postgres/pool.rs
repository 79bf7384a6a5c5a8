//! Reaching PostgreSQL: a `deadpool-postgres` pool of `tokio-postgres` connections driven by a small runtime the
//! store owns, connecting within a time limit (the handshake included), each connection checked as it is handed
//! out, and what a driver's error means (out of reach, or refused).
//!
//! Chosen over `r2d2` and over the hand-written pool it replaced by measurement (ARCHITECTURE.md, crates/store):
//! against a database out of reach, `get` fails at once with the driver's typed error, or after exactly the
//! connect timeout, and an attempt given up on is dropped rather than left waiting on a thread.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Timeouts};
use tokio_postgres::error::Error;

use super::schema;
use crate::{Result, StoreError};

/// Connections one process opens at most; a thread that needs one while all are in use waits for one to be
/// returned. Opening a connection starts a server process, so a pool that opened one per concurrent request
/// and closed the surplus would spend a busy server's time forking.
const MAX_CONNECTIONS: usize = 16;
/// How long connecting may take, the server's handshake included, when the URL does not say
/// (`?connect_timeout=` seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a pooled connection may take to answer the check it gets before it is handed out (the server may have
/// restarted while it stood idle); one that fails is closed and another taken or opened.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a thread waits for a connection while all [`MAX_CONNECTIONS`] are in use, before it gives up and
/// says the database is busy (a server answers 503, a worker tries again later) instead of queueing forever.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);
/// Unless the URL's `options` set it: the longest one statement may run on the server. Far beyond any query
/// Verity makes, so that only a stuck one (a lock never released) meets it.
const STATEMENT_TIMEOUT: &str = "-c statement_timeout=300000";
/// Without an answer to TCP keepalives or to data sent for this long, the connection is taken for broken (a
/// server whose machine vanished, a network that dropped it): queries fail instead of waiting forever.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Postgres {
    pub(super) config: tokio_postgres::Config,
    pool: Pool,
    /// Drives the connections; callers block on it. Taken when the store is dropped, to be shut down without
    /// waiting (a server shutting down drops its store inside a runtime of its own).
    runtime: Option<tokio::runtime::Runtime>,
    pub(super) connect_timeout: Duration,
    /// [`CHECKOUT_TIMEOUT`], shorter in tests.
    pub(crate) checkout_timeout: Duration,
}

/// Whether `e` says the database is out of reach (so that trying again later may work), rather than that it
/// refused what was asked.
pub(crate) fn out_of_reach(e: &Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(db) = e.as_db_error() {
        // Connection exceptions, and the server shutting down, crashing or starting up, or full.
        let code = db.code().code();
        return code.starts_with("08") || code.starts_with("57P") || code == "53300";
    }
    // The driver's own errors with an I/O cause: the connection broke.
    std::error::Error::source(e).is_some_and(|cause| cause.is::<std::io::Error>())
}

/// What a PostgreSQL error says, once: the server's message with its detail and hint, or the driver's.
pub(crate) fn message(e: &Error) -> String {
    let Some(db) = e.as_db_error() else { return e.to_string() };
    let mut message = db.message().to_string();
    for extra in [db.detail(), db.hint()].into_iter().flatten() {
        message.push_str(" (");
        message.push_str(extra);
        message.push(')');
    }
    message
}

/// A failure to connect is the database being out of reach, except where the server answered that the address
/// itself is wrong (no such role or database, a bad password): retrying would not help, and the user must act.
pub(super) fn connect_error(e: Error) -> StoreError {
    match e.as_db_error().map(|db| db.code().code()) {
        Some(code) if code.starts_with("28") || code == "3D000" => StoreError::Postgres(e),
        _ => StoreError::Unavailable(message(&e)),
    }
}

/// The connect timeout, said as people read it.
pub(super) fn no_answer(timeout: Duration) -> StoreError {
    StoreError::Unavailable(format!("the server did not answer within {} s of connecting", timeout.as_secs_f64()))
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Postgres {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or a Unix socket
    /// directory as the percent-encoded host) and brings its schema up to date.
    pub(crate) fn connect(url: &str) -> Result<Postgres> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::BadDatabaseUrl(format!("{e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let connect_timeout = config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        let options = config.get_options().unwrap_or_default().to_string();
        if !options.contains("statement_timeout") {
            config.options(format!("{options} {STATEMENT_TIMEOUT}").trim());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("verity-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("cannot start the database client's runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Verified },
        );
        let pool = Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .expect("a pool with a runtime and no hooks always builds");
        let store =
            Postgres { config, pool, runtime: Some(runtime), connect_timeout, checkout_timeout: CHECKOUT_TIMEOUT };
        schema::migrate(&store)?;
        Ok(store)
    }

    pub(super) fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("held until dropped")
    }

    /// A connection from the pool, held until dropped: tests fill the pool with it.
    #[cfg(test)]
    pub(crate) fn hold_connection(&self) -> Object {
        self.conn().expect("the test database is up")
    }

    /// A connection from the pool, checked as it is handed out, or a new one opened within the connect timeout.
    pub(super) fn conn(&self) -> Result<Object> {
        let timeouts = Timeouts {
            wait: Some(self.checkout_timeout),
            create: Some(self.connect_timeout),
            recycle: Some(CHECK_TIMEOUT),
        };
        self.runtime().block_on(self.pool.timeout_get(&timeouts)).map_err(|e| match e {
            PoolError::Backend(e) => connect_error(e),
            PoolError::Timeout(deadpool_postgres::TimeoutType::Create) => no_answer(self.connect_timeout),
            PoolError::Timeout(_) => StoreError::Unavailable(format!(
                "all {MAX_CONNECTIONS} connections of this process stayed in use for {} s",
                self.checkout_timeout.as_secs_f64()
            )),
            other => StoreError::Unavailable(other.to_string()),
        })
    }
}
