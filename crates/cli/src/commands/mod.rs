//! One module per command (or family of subcommands), each reading its arguments and printing its results.

pub(crate) mod check;
pub(crate) mod eval;
pub(crate) mod feeds;
pub(crate) mod ingest;
pub(crate) mod migrate;
pub(crate) mod models;
pub(crate) mod reports;
pub(crate) mod serve;
pub(crate) mod train;
pub(crate) mod worker;

/// Opens the data (directory, and database if any) for a command that writes (or may write) it.
pub(crate) fn open(base: &verity_engine::Config) -> Result<verity_engine::Engine, verity_engine::EngineError> {
    verity_engine::Engine::open(base.clone())
}

/// Opens the engine for a long-running process (`serve`, `worker`): while its database is out of reach (started
/// before PostgreSQL, or during an outage) it says so and tries again with backoff, instead of exiting for a
/// service manager to give up on. `None` when `stop` was set meanwhile; other errors end it.
pub(crate) fn open_when_reachable(
    config: &verity_engine::Config,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Option<verity_engine::Engine>, verity_engine::EngineError> {
    let mut backoff = verity_engine::worker::Backoff::default();
    loop {
        match verity_engine::Engine::open(config.clone()) {
            Ok(engine) => {
                if backoff.waiting() {
                    eprintln!("note: the database answers again");
                }
                return Ok(Some(engine));
            }
            Err(e) if e.is_unavailable() => {
                let wait = backoff.next_wait();
                eprintln!("note: {e}; trying again in {:.1} s", wait.as_secs_f64());
                verity_engine::worker::sleep_unless_stopped(wait, stop);
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
}
