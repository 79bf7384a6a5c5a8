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
