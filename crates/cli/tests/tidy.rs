//! House rules that keep the workspace readable, checked like any other behaviour.

use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn check(rule: &str, offenders: Vec<String>) {
    assert!(offenders.is_empty(), "{rule}: {offenders:?}");
}

#[test]
fn every_crate_root_opens_with_a_doc_comment() {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        for root in ["lib.rs", "main.rs"] {
            let path = src.join(root);
            if let Ok(text) = std::fs::read_to_string(&path)
                && !text.starts_with("//!")
            {
                offenders.push(path.display().to_string());
            }
        }
    }
    check("a crate root must start with a //! comment saying what the crate is", offenders);
}

/// Crates outside `allowed` whose manifest depends on any of `deps`.
fn crates_depending_on(deps: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        if allowed.iter().any(|a| dir.ends_with(a)) {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        if manifest.lines().any(|l| deps.iter().any(|dep| l.starts_with(dep))) {
            offenders.push(dir.display().to_string());
        }
    }
    offenders
}

#[test]
fn sql_lives_only_in_the_store_crate() {
    check("only crates/store may depend on rusqlite", crates_depending_on(&["rusqlite"], &["store"]));
}

#[test]
fn the_pipeline_depends_on_no_storage_index_or_network_crate() {
    let manifest = std::fs::read_to_string(workspace().join("crates/pipeline/Cargo.toml")).unwrap();
    let offenders = ["rusqlite", "tantivy", "reqwest", "verity-store", "verity-index", "tokio"]
        .iter()
        .filter(|dep| manifest.lines().any(|l| l.starts_with(*dep)))
        .map(|d| d.to_string())
        .collect();
    check("the pipeline reaches the world only through traits", offenders);
}

#[test]
fn outbound_http_lives_only_in_the_crates_that_talk_to_the_network() {
    let offenders = crates_depending_on(&["reqwest", "hyper", "ureq"], &["models", "llm", "web"]);
    check("only crates/models, crates/llm and crates/web may make HTTP requests", offenders);
}

#[test]
fn inbound_http_lives_only_in_the_server_crate() {
    check("only crates/server may serve HTTP", crates_depending_on(&["axum", "tower-http"], &["server"]));
}
