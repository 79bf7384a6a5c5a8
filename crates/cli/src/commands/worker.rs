//! `verity worker`: runs the checks that site nodes queue in a shared database.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use verity_engine::worker::{Worker, WorkerEvent};

use crate::args::WorkerArgs;
use crate::output::where_data_is;

pub(crate) fn worker(base: &verity_engine::Config, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let WorkerArgs { name, lease, checking } = args;
    if base.database.is_none() {
        anyhow::bail!(
            "a worker runs the checks queued in a shared database: give --database postgres://... (or set \
             VERITY_DATABASE), the same one the `verity serve` nodes use"
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signal(stop.clone())?;
    let Some(engine) = super::open_when_reachable(&checking.config(base)?, &stop)? else {
        eprintln!("stopped");
        return Ok(ExitCode::SUCCESS);
    };
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    let name = name.unwrap_or_else(default_name);
    eprintln!("worker {name} is taking checks from {} (SIGTERM or Ctrl-C stops it)", where_data_is(base));
    let worker = Worker::new(&engine, name).with_lease(std::time::Duration::from_secs(lease.max(3)));
    worker.run(&stop, &mut |event| match event {
        WorkerEvent::Job(outcome) => eprintln!("{}: {} {}", outcome.job_id, outcome.status, outcome.detail),
        WorkerEvent::StoreDown { error, retry_in } => {
            eprintln!("note: {error}; trying again in {:.1} s", retry_in.as_secs_f64())
        }
        WorkerEvent::StoreBack => eprintln!("note: the database answers again; taking checks"),
    })?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The host's name and this process's id: unique among running workers.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// Sets `stop` on SIGTERM (how systemd stops a service) or Ctrl-C: the check in hand is called off and its job
/// goes back to the queue.
fn stop_on_signal(stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::spawn(move || {
        runtime.block_on(verity_server::stop_signal());
        stop.store(true, Ordering::Relaxed);
    });
    Ok(())
}
