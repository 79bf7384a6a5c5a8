//! `verity serve`: the site and the API.

use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use verity_engine::Config;

use crate::args::*;
use crate::output::where_data_is;

pub(crate) fn serve(base: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let ServeArgs { addr, site, mut checking } = args;
    let site = match &site {
        Some(path) => verity_server::SiteConfig::load(path).map_err(anyhow::Error::msg)?,
        None => verity_server::SiteConfig::default(),
    };
    // The flag (or VERITY_JUDGE) wins over the site file, which wins over the default.
    if let (None, Some(name)) = (checking.judge.judge, site.judge.as_deref()) {
        checking.judge.judge = Some(
            JudgeChoice::from_str(name, true)
                .map_err(|_| anyhow::anyhow!("the site file's judge is {name:?}; it is `lexical`, `nli` or `llm`"))?,
        );
    }
    let config = checking.config(base)?;
    // Ctrl-C ends the process by default until the server installs its own handler.
    let never = std::sync::atomic::AtomicBool::new(false);
    let Some(engine) = super::open_when_reachable(&config, &never)? else { return Ok(ExitCode::SUCCESS) };
    for notice in engine.notices() {
        eprintln!("note: {notice}");
    }
    let serving = where_data_is(base);
    verity_server::serve(engine, site, addr, |bound| {
        eprintln!("Verity is serving {serving} on http://{bound}/ (Ctrl-C stops it)")
    })
    .with_context(|| format!("cannot serve on {addr}"))?;
    Ok(ExitCode::SUCCESS)
}
