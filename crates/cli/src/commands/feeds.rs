//! `verity feeds`: following RSS and Atom feeds.

use std::process::ExitCode;

use crate::args::*;

pub(crate) fn feeds(base: &verity_engine::Config, args: FeedsArgs) -> anyhow::Result<ExitCode> {
    let FeedsArgs { action, allow_private_addresses } = args;
    let mut engine = super::open(base)?;
    let mut fetch = verity_engine::web::WebConfig::default().fetch;
    fetch.guard.allow_private = allow_private_addresses;
    match action {
        FeedsAction::Add { url } => {
            let added = engine.add_feed(&url, &fetch.guard)?;
            println!("{} {url}", if added { "following" } else { "already following" });
        }
        FeedsAction::Remove { url } => {
            if !engine.remove_feed(&url)? {
                anyhow::bail!("no feed {url} is followed; `verity feeds list` shows them");
            }
            println!("stopped following {url}");
        }
        FeedsAction::List => {
            for feed in engine.feeds()? {
                let last = match (&feed.polled_at, &feed.last_error) {
                    (None, _) => "never polled".to_string(),
                    (Some(at), None) => format!("polled {at}"),
                    (Some(at), Some(e)) => format!("polled {at}: failed: {e}"),
                };
                println!("{}\t{}\t{} items\t{last}", feed.url, feed.title.as_deref().unwrap_or("-"), feed.items);
            }
        }
        FeedsAction::Poll => {
            use verity_engine::feeds::PollOutcome;
            let mut failures = 0;
            for (url, outcome) in engine.poll_feeds(fetch)? {
                match outcome {
                    PollOutcome::NotModified => println!("{url}: not modified"),
                    PollOutcome::Read { items, new, stored, failed } => {
                        println!("{url}: {items} items, {new} new, {stored} stored");
                        for f in failed {
                            eprintln!("  could not read {f}");
                        }
                    }
                    PollOutcome::Failed(e) => {
                        failures += 1;
                        eprintln!("{url}: failed: {e}");
                    }
                }
            }
            if failures > 0 {
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
