//! `verity`: the command-line front of the engine. Parses arguments, calls [`verity_engine`], prints.
//!
//! Exit codes: 0 success; 1 error; 2 bad arguments; 3 ingest finished but skipped some records;
//! 4 the question cannot be checked (empty, opinion, prediction, open question).
//!
//! `args` is the command line as clap reads it; `commands` holds one module per command; `output` prints.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use verity_engine::{Config, EngineError};

use args::{Cli, Command};

fn main() -> ExitCode {
    // SAFETY: first in `main`, before this process starts any thread (the allocator's policy is MT-Unsafe to
    // change).
    unsafe { verity_engine::keep_tensors_on_the_heap() };
    end_quietly_when_the_reader_goes_away();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let uncheckable = matches!(
                err.downcast_ref::<EngineError>(),
                Some(EngineError::Uncheckable(_) | EngineError::Text(_) | EngineError::SourceRefused(_))
            );
            eprintln!("error: {err:#}");
            ExitCode::from(if uncheckable { 4 } else { 1 })
        }
    }
}

/// `println!` panics when standard output is a pipe whose reader has gone (`verity list | head -3`). That is no
/// error of ours: such a panic prints nothing and ends the process as a closed pipe ends other tools, with 141
/// (128 + SIGPIPE). The signal itself stays ignored, as Rust sets it: `serve` and web reads write to sockets, and a
/// peer that hangs up must be an error there, not the end of the process.
fn end_quietly_when_the_reader_goes_away() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<String>().map(String::as_str).or(payload.downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.starts_with("failed printing to stdout") && m.contains("Broken pipe")) {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Where the data is: the data directory, and the database when the store is elsewhere.
    let base = Config {
        database: cli.database,
        merge_vectors_at: cli.merge_vectors_at,
        ..Config::new(cli.data_dir.unwrap_or_else(Config::default_data_dir))
    };
    let data_dir = base.data_dir.as_path();
    match cli.command {
        Command::Ingest(args) => commands::ingest::ingest(&base, args),
        Command::Embed => commands::ingest::embed(&base),
        Command::Check(args) => commands::check::check(&base, args),
        Command::Serve(args) => commands::serve::serve(&base, args),
        Command::Feeds(args) => commands::feeds::feeds(&base, args),
        Command::Show(args) => commands::reports::show(&base, args),
        Command::List(args) => commands::reports::list(&base, args),
        Command::Status(args) => commands::reports::status(&base, args),
        Command::Migrate(args) => commands::migrate::migrate(&base, args),
        Command::Worker(args) => commands::worker::worker(&base, args),
        Command::Models { what } => commands::models::run(data_dir, what),
        Command::Train { what } => commands::train::run(data_dir, what),
        Command::Eval { what } => commands::eval::run(&base, what),
    }
}
