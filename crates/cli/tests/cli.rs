//! The `verity` binary as a user runs it: arguments, output formats and exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;

fn verity(data_dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .env("VERITY_DATA_DIR", data_dir)
        // Tests never reach the network: checks stay on the local archive.
        .env("VERITY_NO_WEB", "1")
        .args(args)
        .output()
        .unwrap()
}

/// Runs `verity` and checks its exit code; returns stdout.
fn check(data_dir: &Path, args: &[&str], code: i32) -> String {
    let out = verity(data_dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "verity {args:?}\nstderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn newsroom() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/newsroom")
}

#[test]
fn ingest_check_show_list() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = check(d, &["ingest", newsroom().to_str().unwrap()], 0);
    assert!(out.contains("ingested 8 documents from 3 files"), "{out}");

    let md = check(d, &["check", "Did Minister Okafor hand over protected informants to Norland?"], 0);
    for part in [
        "**Verdict:",
        "Checked on ",
        "## Executive summary",
        "## 5. Points of disagreement",
        "## 7. Bottom line",
        "## Want to dive deeper?",
        "## Sources",
        "[1]",
    ] {
        assert!(md.contains(part), "missing {part:?} in\n{md}");
    }

    let json = check(d, &["check", "--json", "Did Minister Okafor hand over protected informants to Norland?"], 0);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["schema"], "verity.report/1");
    let id = report["id"].as_str().unwrap();

    let html = check(d, &["show", id, "--format", "html"], 0);
    assert!(html.starts_with("<!doctype html>") && html.contains("Checked on"));
    let shown: serde_json::Value = serde_json::from_str(&check(d, &["show", "--json", id], 0)).unwrap();
    assert_eq!(shown, report);
    let list = check(d, &["list"], 0);
    assert_eq!(list.lines().count(), 2);
    assert!(list.lines().next().unwrap().starts_with(id));
}

#[test]
fn skipped_records_set_exit_code_3_and_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"Fine.\"}\nnot json\n").unwrap();
    let out = verity(&dir.path().join("data"), &["ingest", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in.jsonl:2: invalid JSON"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 skipped"));
}

#[test]
fn unusable_input_gets_a_clear_message_and_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = verity(dir.path(), &["check", "I think pizza is the best food"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("opinion"));
    let out = verity(dir.path(), &["ingest", "/no/such/path.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/path.jsonl: no such file or folder"));
    let out = verity(dir.path(), &["show", "nothing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("verity list"));
    // A language model judge needs a language model: a server named by --llm-url and --llm-model.
    let out = verity(
        dir.path(),
        &["check", "--judge", "llm", "--llm-url", "http://127.0.0.1:9/v1", "Did the council ban cars?"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--judge llm needs the server's address and model"));
    let out = verity(dir.path(), &["embed"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `verity models install` first"));
    let out = verity(dir.path(), &["eval", "retrieval", "--check-covid", "/no/such/folder", "--split", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("covidCheck_dev_composed+extracted.json") && stderr.contains("--check-covid"), "{stderr}");
}
