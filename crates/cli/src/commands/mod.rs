//! One module per command (or family of subcommands), each reading its arguments and printing its results.

pub(crate) mod check;
pub(crate) mod eval;
pub(crate) mod feeds;
pub(crate) mod ingest;
pub(crate) mod models;
pub(crate) mod reports;
pub(crate) mod serve;
pub(crate) mod train;

/// Opens the data directory for a command that writes (or may write) it.
pub(crate) fn open(data_dir: &std::path::Path) -> Result<verity_engine::Engine, verity_engine::EngineError> {
    verity_engine::Engine::open(verity_engine::Config::new(data_dir))
}
