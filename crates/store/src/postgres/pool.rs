//! Reaching PostgreSQL: connecting within a time limit (the handshake included), a small pool of connections
//! tested after standing idle, and what a driver's error means (out of reach, or refused).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use super::schema;
use crate::{Result, StoreError};

/// Connections one process opens at most; a thread that needs one while all are in use waits for one to be
/// returned. Opening a connection starts a server process, so a pool that opened one per concurrent request
/// and closed the surplus would spend a busy server's time forking.
const MAX_CONNECTIONS: usize = 16;

/// How long connecting may take, the server's handshake included, when the URL does not say
/// (`?connect_timeout=` seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connection attempts that may be left waiting on a server that accepted and never answered; past this many,
/// a new attempt fails at once instead of leaving one more thread behind.
const ABANDONED_ATTEMPTS: usize = 4;
/// A connection idle in the pool longer than this is tested before it is handed out: the server may have
/// restarted meanwhile, and a broken connection would fail the request that drew it. One that was just returned
/// is not (a restart takes longer than this, and the test costs a round trip).
const TEST_AFTER_IDLE: Duration = Duration::from_secs(1);
const TEST_TIMEOUT: Duration = Duration::from_secs(5);
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
    config: postgres::Config,
    pool: Mutex<Pool>,
    returned: std::sync::Condvar,
    /// Connection attempts still waiting on a server after their caller gave up on them.
    abandoned: std::sync::Arc<AtomicUsize>,
    /// [`TEST_AFTER_IDLE`], but zero in tests, which then need not wait for a connection to age.
    pub(crate) test_after_idle: Duration,
    /// [`CHECKOUT_TIMEOUT`], shorter in tests.
    pub(crate) checkout_timeout: Duration,
}

#[derive(Default)]
struct Pool {
    /// Idle connections, each with when it was returned.
    idle: Vec<(Client, Instant)>,
    /// Connections open, idle or in use.
    open: usize,
}

/// Whether `e` says the database is out of reach (so that trying again later may work), rather than that it
/// refused what was asked.
pub(crate) fn out_of_reach(e: &postgres::Error) -> bool {
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
pub(crate) fn message(e: &postgres::Error) -> String {
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
fn connect_error(e: postgres::Error) -> StoreError {
    match e.as_db_error().map(|db| db.code().code()) {
        Some(code) if code.starts_with("28") || code == "3D000" => StoreError::Postgres(e),
        _ => StoreError::Unavailable(message(&e)),
    }
}

/// Closes a connection on a thread of its own: a client owns a runtime, which must not be dropped where a
/// runtime is being driven (a server shutting down drops its store on one).
pub(super) fn close(client: Client) {
    std::thread::spawn(move || drop(client));
}

impl Drop for Postgres {
    fn drop(&mut self) {
        for (client, _) in std::mem::take(&mut self.pool.get_mut().unwrap_or_else(|p| p.into_inner()).idle) {
            close(client);
        }
    }
}

/// A connection borrowed from the pool, returned to it when dropped (unless it broke).
pub(crate) struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Postgres,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("held until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let mut pool = self.pool.pool.lock().unwrap_or_else(|p| p.into_inner());
        if client.is_closed() {
            pool.open -= 1;
            close(client);
        } else {
            pool.idle.push((client, Instant::now()));
        }
        self.pool.returned.notify_one();
    }
}

impl Postgres {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or a Unix socket
    /// directory as the percent-encoded host) and brings its schema up to date.
    pub(crate) fn connect(url: &str) -> Result<Postgres> {
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::BadDatabaseUrl(format!("{e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        let options = config.get_options().unwrap_or_default().to_string();
        if !options.contains("statement_timeout") {
            config.options(format!("{options} {STATEMENT_TIMEOUT}").trim());
        }
        let store = Postgres {
            config,
            pool: Mutex::default(),
            returned: std::sync::Condvar::new(),
            abandoned: Default::default(),
            test_after_idle: TEST_AFTER_IDLE,
            checkout_timeout: CHECKOUT_TIMEOUT,
        };
        schema::migrate(&mut *store.conn()?)?;
        Ok(store)
    }

    /// Opens a connection, within the connect timeout from the first packet to the server's last word of the
    /// handshake. The driver bounds only the TCP connect, and a server that accepts and never answers (a stopped
    /// process, a wedged proxy) would hold the handshake forever; so the attempt runs on a thread of its own and
    /// is abandoned when the time is up (the thread ends when the server answers or the socket breaks).
    pub(super) fn open_client(&self) -> Result<Client> {
        let timeout = self.config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
        if self.abandoned.load(Ordering::Relaxed) >= ABANDONED_ATTEMPTS {
            return Err(StoreError::Unavailable(format!(
                "{ABANDONED_ATTEMPTS} earlier attempts to connect are still waiting for the server to answer"
            )));
        }
        const WAITING: u8 = 0;
        const ENDED: u8 = 1;
        const ABANDONED: u8 = 2;
        let (sender, answer) = std::sync::mpsc::sync_channel(1);
        let state = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(WAITING));
        let (config, abandoned, attempt) = (self.config.clone(), self.abandoned.clone(), state.clone());
        std::thread::spawn(move || {
            // A connection nobody waits for any more is dropped here, on this thread, which drives no runtime.
            let _ = sender.send(config.connect(NoTls));
            if attempt.swap(ENDED, Ordering::SeqCst) == ABANDONED {
                abandoned.fetch_sub(1, Ordering::SeqCst);
            }
        });
        let connected = match answer.recv_timeout(timeout) {
            Ok(connected) => connected,
            Err(_) => {
                // Counted before it is marked, so the thread's uncounting (which follows the mark) never comes
                // first; an attempt that ended meanwhile is taken after all.
                self.abandoned.fetch_add(1, Ordering::SeqCst);
                if state.compare_exchange(WAITING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    return Err(StoreError::Unavailable(format!(
                        "the server did not answer within {} s of connecting",
                        timeout.as_secs_f64()
                    )));
                }
                self.abandoned.fetch_sub(1, Ordering::SeqCst);
                answer.recv().expect("an attempt that ended has sent its result")
            }
        };
        connected.map_err(connect_error)
    }

    /// A connection from the pool, held until dropped: tests fill the pool with it.
    #[cfg(test)]
    pub(crate) fn hold_connection(&self) -> Conn<'_> {
        self.conn().expect("the test database is up")
    }

    pub(super) fn conn(&self) -> Result<Conn<'_>> {
        let given_up = Instant::now() + self.checkout_timeout;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some((mut client, returned)) = pool.idle.pop() {
                if returned.elapsed() < self.test_after_idle {
                    return Ok(Conn { client: Some(client), pool: self });
                }
                drop(pool);
                if client.is_valid(TEST_TIMEOUT).is_ok() {
                    return Ok(Conn { client: Some(client), pool: self });
                }
                // Broken while idle (the server restarted): closed, and the next one tried.
                close(client);
                pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
                pool.open -= 1;
                continue;
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return match self.open_client() {
                    Ok(client) => Ok(Conn { client: Some(client), pool: self }),
                    Err(e) => {
                        self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let left = given_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Unavailable(format!(
                    "all {MAX_CONNECTIONS} connections of this process stayed in use for {} s",
                    self.checkout_timeout.as_secs_f64()
                )));
            }
            pool = self.returned.wait_timeout(pool, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}
