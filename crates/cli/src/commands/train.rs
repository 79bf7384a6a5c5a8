//! `verity train`: training pairs and fitted settings from the data sets' training splits.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use verity_engine::{Config, JudgeConfig};

use crate::args::*;

pub(crate) fn run(data_dir: &Path, what: TrainCommand) -> anyhow::Result<ExitCode> {
    match what {
        TrainCommand::Pairs { data, split, out } => {
            let training = match split.as_str() {
                "train" => true,
                "dev" => false,
                other => anyhow::bail!("--split is `train` or `dev`, not {other:?}"),
            };
            let pairs = verity_lab::train::entailment_pairs(&data.into(), training)
                .context("building the entailment pairs failed")?;
            let mut lines = String::new();
            for pair in &pairs {
                lines.push_str(&serde_json::to_string(pair)?);
                lines.push('\n');
            }
            std::fs::write(&out, lines).with_context(|| format!("cannot write {}", out.display()))?;
            let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
            for pair in &pairs {
                *counts.entry((pair.source.as_str(), pair.label)).or_default() += 1;
            }
            for ((source, label), n) in counts {
                eprintln!("{source:<22} {label:<9} {n}");
            }
            Ok(ExitCode::SUCCESS)
        }
        TrainCommand::Verdict { data, judge, llm, limit, out } => {
            let guard = judge.guard().unwrap_or_default();
            let judge = judge.config(&llm, JudgeConfig::default())?;
            if judge == JudgeConfig::Lexical {
                anyhow::bail!("the lexical rules have no settings to fit; use `verity train calibration`");
            }
            let kind = judge.kind();
            let models = Some(Config::new(data_dir).models_dir());
            let (settings, report) = verity_lab::train::fit_verdict(&data.into(), judge, guard, models, limit)
                .context("fitting the verdict settings failed")?;
            write_verdict_settings(&out, kind, &settings)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        TrainCommand::Checkworthy { ct24, out } => {
            let (scorer, report) =
                verity_lab::checkworthy::fit(&ct24).context("fitting the check-worthiness scorer failed")?;
            let header = format!(
                "Verity's check-worthiness scorer: logistic regression over words, word pairs, length and figures.\n\
                 Written by `verity train checkworthy --ct24 {}`: {} sentences, {} features,\n\
                 threshold {} chosen on a held-out seventh (F1 of the Yes class {:.3}). Trained on CheckThat! 2024\n\
                 English (ClaimBuster: Arslan et al. 2020, CC BY 4.0); see PROVENANCE.md.",
                ct24.file_name().map_or_else(|| ct24.display().to_string(), |n| n.to_string_lossy().into_owned()),
                report.sentences,
                report.features,
                report.threshold,
                report.held_out_f1
            );
            std::fs::write(&out, scorer.write(&header)).with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        TrainCommand::Calibration { data, out } => {
            let data = data.into();
            let (calibration, report) =
                verity_lab::train::fit_calibration(&data).context("fitting the calibration failed")?;
            std::fs::write(&out, serde_json::to_string_pretty(&calibration)?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes fitted verdict settings: into a model's folder as its own `verdict.json` (the settings travel with the
/// model they were fitted for), or into a settings file under the judge's kind, keeping the other kinds'.
fn write_verdict_settings(
    out: &Path,
    kind: verity_model::JudgeKind,
    settings: &verity_pipeline::verdict::Judged,
) -> anyhow::Result<()> {
    if out.is_dir() {
        let path = out.join(verity_engine::judge::VERDICT_FILE);
        return std::fs::write(&path, serde_json::to_string_pretty(settings)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()));
    }
    let mut all: std::collections::BTreeMap<String, serde_json::Value> = match std::fs::read_to_string(out) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not a settings file", out.display()))?,
        Err(_) => Default::default(),
    };
    all.insert(kind.as_str().to_string(), serde_json::to_value(settings)?);
    std::fs::write(out, serde_json::to_string_pretty(&all)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))
}
