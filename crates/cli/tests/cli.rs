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
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("Checked on"));
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

/// `list`, `show` and `status` read a data directory the user cannot write (a read-only mount, a colleague's
/// archive): they take no lock, migrate nothing and create nothing. A command that must write there (`check`
/// stores its report) says so in plain words, not with the search index's lock-file error. As root, where
/// permissions do not bind, the commands run as `nobody`.
#[test]
fn read_commands_work_on_a_data_dir_the_user_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    check(&data, &["ingest", newsroom().to_str().unwrap()], 0);
    let json = check(&data, &["check", "--json", "Did Minister Okafor hand over protected informants to Norland?"], 0);
    let id = serde_json::from_str::<serde_json::Value>(&json).unwrap()["id"].as_str().unwrap().to_string();

    let set_mode = |path: &Path, dirs: u32, files: u32| {
        for entry in walk(path) {
            let mode = if entry.is_dir() { dirs } else { files };
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    set_mode(&data, 0o555, 0o444);
    let as_reader = |args: &[&str]| -> Output {
        let mut command = if running_as_root() {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_verity")]);
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        };
        command.env("VERITY_DATA_DIR", &data).env("VERITY_NO_WEB", "1").args(args).output().unwrap()
    };
    let before: Vec<PathBuf> = walk(&data);
    let list = as_reader(&["list"]);
    let shown = as_reader(&["show", "--json", &id]);
    let status = as_reader(&["status"]);
    let checked = as_reader(&["check", "Did the harbour close?"]);
    let (list_err, show_err) = (String::from_utf8_lossy(&list.stderr), String::from_utf8_lossy(&shown.stderr));
    set_mode(&data, 0o755, 0o644);
    let status_out = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(0), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(status_out.starts_with("8 documents") && status_out.contains("search index: 8 documents"), "{status_out}");
    let check_err = String::from_utf8_lossy(&checked.stderr);
    assert_ne!(checked.status.code(), Some(0));
    assert!(check_err.contains("the data directory cannot be written here"), "{check_err}");
    assert!(!check_err.contains("Lockfile") && !check_err.contains("IoError"), "{check_err}");
    assert_eq!(list.status.code(), Some(0), "{list_err}");
    assert!(String::from_utf8_lossy(&list.stdout).starts_with(&id), "{list_err}");
    assert_eq!(shown.status.code(), Some(0), "{show_err}");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&shown.stdout).unwrap()["id"], id.as_str());
    assert_eq!(walk(&data), before, "a read command created files");
}

fn walk(path: &Path) -> Vec<PathBuf> {
    let mut out = vec![path.to_path_buf()];
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for entry in entries {
            out.extend(walk(&entry));
        }
    }
    out
}

/// Whether the tests run as root (where file permissions do not stop a write), read from `/proc` so that no FFI
/// crate is needed.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").map(|u| u.split_whitespace().next() == Some("0"))))
        .unwrap_or(false)
}

/// An ingest killed (SIGKILL) at several points leaves a data directory that opens, whose store and index agree,
/// and that takes the rest of the same input once: nothing lost, nothing twice.
#[test]
fn an_ingest_killed_midway_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let corpus = dir.path().join("wire.jsonl");
    let total = 20_000;
    let lines: String = (0..total)
        .map(|i| {
            let record = serde_json::json!({"id": format!("wire-{i}"), "title": format!("Council vote {i}"),
                "text": format!("The council of district {i} voted on Tuesday to close the harbour bridge to trucks \
                                 for {} weeks, officials said. Residents objected at a hearing.", i % 50 + 1)});
            format!("{record}\n")
        })
        .collect();
    std::fs::write(&corpus, lines).unwrap();
    let status =
        |data: &Path| -> serde_json::Value { serde_json::from_str(&check(data, &["status", "--json"], 0)).unwrap() };
    // Documents the store holds now, read as another process would (nothing in it waits for the ingest).
    let in_store = |data: &Path| -> usize {
        verity_store::Store::open_read_only(&data.join("verity.sqlite"))
            .map_or(0, |s| s.counts().map_or(0, |c| c.documents))
    };
    let mut stored = Vec::new();
    // Each kill comes when the store holds at least this many documents: points in the ingest, whatever the
    // machine's speed.
    for kill_after in [1_000, 6_000, 12_000] {
        let mut ingest = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
            .env("VERITY_DATA_DIR", &data)
            .args(["ingest", corpus.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        while in_store(&data) < kill_after && ingest.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        ingest.kill().unwrap(); // SIGKILL on Unix
        ingest.wait().unwrap();
        let now = status(&data);
        assert_eq!(now["documents"], now["indexed_documents"], "after a kill at {kill_after} documents: {now}");
        assert_eq!(now["pending_index"], 0, "{now}");
        assert_eq!(now["documents"], now["versions"], "one version per document: {now}");
        stored.push(now["documents"].as_u64().unwrap());
    }
    assert!(stored[0] < total, "the first kill landed mid-ingest ({stored:?})");
    assert!(stored.windows(2).all(|w| w[0] <= w[1]), "nothing was lost between kills: {stored:?}");
    let out = check(&data, &["ingest", corpus.to_str().unwrap()], 0);
    assert!(out.contains(&format!("{} new", total - stored[2])), "{out}");
    let done = status(&data);
    assert_eq!((done["documents"].as_u64(), done["indexed_documents"].as_u64()), (Some(total), Some(total)), "{done}");
}

/// The saved vector index survives an ingest killed (SIGKILL) while it embeds and writes the graph: the data
/// directory reopens with every embedded passage searchable once (the graph from its last save, the rest read
/// from the store), and the ingest run again extends that graph rather than building it anew.
#[test]
fn an_ingest_killed_while_it_writes_the_vector_index_leaves_it_consistent_with_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models");
    std::os::unix::fs::symlink(models.canonicalize().unwrap(), data.join("models")).unwrap();
    let corpus = dir.path().join("wire.jsonl");
    let total = 1_200;
    let topics = ["harbour bridge", "school meals", "bus lanes", "water rates", "library hours", "night trains"];
    let lines: String = (0..total)
        .map(|i| {
            let topic = topics[i % topics.len()];
            let record = serde_json::json!({"id": format!("wire-{i}"), "title": format!("{topic} {i}"),
                "text": format!("District {i} voted on the {topic} for {} weeks.", i % 50 + 1)});
            format!("{record}\n")
        })
        .collect();
    std::fs::write(&corpus, lines).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
            .env("VERITY_DATA_DIR", &data)
            .env("VERITY_MERGE_VECTORS_AT", "16")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let status = || -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
            .env("VERITY_DATA_DIR", &data)
            .env("VERITY_MERGE_VECTORS_AT", "16")
            .args(["status", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let folder = data.join("vectors").join("all-minilm-l6-v2_title_passage");
    let saved_graphs = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect())
            .unwrap_or_default();
        names.retain(|n| n.starts_with("graph-") && n.ends_with(".usearch"));
        names.sort();
        names
    };
    // Killed once the first graph is saved (after 16 x 20 vectors): mid-run, whatever the
    // machine's speed.
    let mut ingest = run(&["ingest", corpus.to_str().unwrap()]);
    while saved_graphs().is_empty() && ingest.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    ingest.kill().unwrap();
    ingest.wait().unwrap();
    let first = saved_graphs();
    assert_eq!(first.len(), 1, "one graph saved before the kill: {first:?}");
    let after_kill = status();
    let embedded = after_kill["embedded_passages"].as_u64().unwrap();
    let index = &after_kill["vector_index"];
    assert!(embedded < total as u64, "killed mid-run: {after_kill}");
    assert_eq!(index["graph"].as_u64().unwrap() + index["beside"].as_u64().unwrap(), embedded, "{after_kill}");
    // Run again: the rest is embedded, and the graph saved before the kill is extended under the next number.
    assert!(run(&["ingest", corpus.to_str().unwrap()]).wait().unwrap().success());
    let done = status();
    let index = &done["vector_index"];
    assert_eq!(done["embedded_passages"], total, "{done}");
    assert_eq!(index["graph"].as_u64().unwrap() + index["beside"].as_u64().unwrap(), total as u64, "{done}");
    assert!(index["graph"].as_u64().unwrap() >= (total - 16) as u64, "{done}");
    let last = saved_graphs();
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(last[0] > first[0], "{first:?} then {last:?}");
    // Found by meaning, through the graph.
    let out = check(&data, &["check", "Did a district vote on night trains?", "--json"], 0);
    assert!(out.contains("night trains"), "{out}");
}

/// With `--database`, the store is a PostgreSQL database that several data directories (nodes) share: what one
/// ingests and checks, another lists, shows and finds, each through its own search index.
#[test]
fn a_postgresql_store_is_shared_by_the_nodes_that_name_it() {
    let database = verity_pgtest::Cluster::shared().database();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let on = |dir: &Path, args: &[&str]| {
        let mut all = vec!["--database", database.as_str()];
        all.extend_from_slice(args);
        check(dir, &all, 0)
    };
    let out = on(a.path(), &["ingest", newsroom().to_str().unwrap()]);
    assert!(out.contains("ingested 8 documents from 3 files"), "{out}");
    let question = "Did Minister Okafor hand over protected informants to Norland?";
    let report: serde_json::Value = serde_json::from_str(&on(a.path(), &["check", "--json", question])).unwrap();
    assert!(!report["sources"].as_array().unwrap().is_empty(), "{report}");
    let id = report["id"].as_str().unwrap();

    // Node B has never ingested anything: it reads the same store.
    assert!(on(b.path(), &["list"]).lines().next().unwrap().starts_with(id));
    let shown: serde_json::Value = serde_json::from_str(&on(b.path(), &["show", "--json", id])).unwrap();
    assert_eq!(shown, report);
    let status: serde_json::Value = serde_json::from_str(&on(b.path(), &["status", "--json"])).unwrap();
    assert_eq!((status["documents"].as_u64(), status["reports"].as_u64()), (Some(8), Some(1)), "{status}");
    let again: serde_json::Value =
        serde_json::from_str(&on(b.path(), &["check", "--json", "Did Norland agree to hold deportees in a prison?"]))
            .unwrap();
    assert!(!again["sources"].as_array().unwrap().is_empty(), "node B searched its own index of the shared store");
    assert!(!b.path().join("verity.sqlite").exists() && !a.path().join("verity.sqlite").exists());
    assert_eq!(on(a.path(), &["list"]).lines().count(), 2, "node A lists node B's check too");

    // A document ingested through node A after node B built its index reaches B's index too: each node follows
    // the store's change sequence from its own position.
    let late = a.path().join("late.jsonl");
    std::fs::write(
        &late,
        r#"{"id": "late-1", "title": "Lighthouse", "text": "The Brelin lighthouse keeper retired after forty years of service."}"#,
    )
    .unwrap();
    on(a.path(), &["ingest", late.to_str().unwrap()]);
    let found: serde_json::Value =
        serde_json::from_str(&on(b.path(), &["check", "--json", "Did the Brelin lighthouse keeper retire?"])).unwrap();
    let cited: Vec<&str> = found["sources"].as_array().unwrap().iter().filter_map(|s| s["doc_id"].as_str()).collect();
    assert!(cited.contains(&"late-1"), "{found}");
    let status: serde_json::Value = serde_json::from_str(&on(b.path(), &["status", "--json"])).unwrap();
    assert_eq!((status["indexed_documents"].as_u64(), status["pending_index"].as_u64()), (Some(9), Some(0)));
}

/// `verity migrate --to` moves an embedded data directory into PostgreSQL, where other nodes find everything;
/// `--from` copies it back into a data directory.
#[test]
fn migrate_moves_a_data_directory_into_postgresql_and_back() {
    let database = verity_pgtest::Cluster::shared().database();
    let (embedded, node, backup) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    check(embedded.path(), &["ingest", newsroom().to_str().unwrap()], 0);
    let question = "Did Minister Okafor hand over protected informants to Norland?";
    let report: serde_json::Value =
        serde_json::from_str(&check(embedded.path(), &["check", "--json", question], 0)).unwrap();
    let out = check(embedded.path(), &["migrate", "--to", &database], 0);
    assert!(
        out.contains("source: 8 documents, 8 versions") && out.contains("target: 8 documents, 8 versions"),
        "{out}"
    );
    assert!(
        check(embedded.path(), &["migrate", "--to", &database], 0).contains("target: 8 documents, 8 versions"),
        "again: nothing twice"
    );

    let on_node = |args: &[&str]| {
        let mut all = vec!["--database", database.as_str()];
        all.extend_from_slice(args);
        check(node.path(), &all, 0)
    };
    let shown: serde_json::Value =
        serde_json::from_str(&on_node(&["show", "--json", report["id"].as_str().unwrap()])).unwrap();
    assert_eq!(shown, report);
    let again: serde_json::Value = serde_json::from_str(&on_node(&["check", "--json", question])).unwrap();
    assert_eq!(again["sources"].as_array().unwrap().len(), report["sources"].as_array().unwrap().len());

    check(backup.path(), &["migrate", "--from", &database], 0);
    assert_eq!(
        check(backup.path(), &["list"], 0).lines().count(),
        check(node.path(), &["--database", &database, "list"], 0).lines().count()
    );
    let usage = verity(backup.path(), &["migrate"]);
    assert_eq!(usage.status.code(), Some(2), "--to or --from is required");
}

#[test]
fn eval_encoder_times_the_model_and_writes_its_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models/all-minilm-l6-v2");
    let model = model.to_str().unwrap();
    let texts = d.join("texts.jsonl");
    std::fs::write(
        &texts,
        "{\"title\": \"Vitamin D\", \"text\": \"Deficiency raises the risk of tuberculosis.\"}\n\n\
         {\"text\": \"The council approved bus lanes.\"}\n{\"title\": \" \", \"text\": \"Short.\"}\n",
    )
    .unwrap();
    let vectors = d.join("vectors.f32");
    let args = ["eval", "encoder", "--model", model, "--texts", texts.to_str().unwrap()];
    let out = check(d, &[&args[..], &["--json", "--vectors", vectors.to_str().unwrap()]].concat(), 0);
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["texts"], 3, "{out}");
    assert!(result["tokens"].as_u64().unwrap() > 15 && result["tokens_per_s"].as_f64().unwrap() > 0.0, "{out}");
    assert!(result["precision"].as_str().unwrap().contains("f32") || result["precision"] == "bf16 (AMX)", "{out}");
    let bytes = std::fs::read(&vectors).unwrap();
    assert_eq!(bytes.len(), 3 * 384 * 4);
    for row in bytes.chunks(384 * 4) {
        let norm: f32 = row.chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap()).powi(2)).sum();
        assert!((norm - 1.0).abs() < 1e-3, "{norm}");
    }
    // The human form, and a file that is neither form: a clear error naming both.
    assert!(check(d, &args, 0).contains("3 texts"));
    std::fs::write(&texts, "just words\n").unwrap();
    let out = verity(d, &args);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JSON array of strings or JSON Lines"), "{stderr}");
}

#[test]
fn eval_stance_reads_the_negation_benchmark_under_a_guard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bench = d.join("negation");
    std::fs::create_dir(&bench).unwrap();
    let pairs = "index\tText\tHypothesis\tgold_label\n\
                 0\tThe council did not ban cars downtown.\tThe council banned cars downtown.\tcontradiction\n\
                 1\tThe council banned cars downtown on Monday.\tThe council banned cars downtown.\tentailment\n";
    for subset in ["MNLI", "SNLI"] {
        std::fs::write(bench.join(format!("{subset}.txt")), pairs).unwrap();
    }
    std::fs::write(bench.join("RTE.txt"), pairs.replace("contradiction", "not_entailment")).unwrap();
    let args = ["eval", "stance", "--negation", bench.to_str().unwrap(), "--guard", "unclear", "--json"];
    let results: serde_json::Value = serde_json::from_str(&check(d, &args, 0)).unwrap();
    let names: Vec<&str> = results.as_array().unwrap().iter().map(|r| r["dataset"].as_str().unwrap()).collect();
    assert_eq!(names, ["negation MNLI", "negation SNLI", "negation RTE"]);
    assert!(results.as_array().unwrap().iter().all(|r| r["pairs"] == 2));
    let out = verity(d, &["eval", "stance", "--negation", d.join("absent").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--negation"));
    let out = verity(d, &["check", "--guard", "sometimes", "Did the council ban cars?"]);
    assert_eq!(out.status.code(), Some(2), "an unknown guard is a usage error");
}

#[test]
fn a_bad_searxng_url_is_a_usage_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = verity(dir.path(), &["check", "--searxng-url", "not a url", "--search", "searxng", "Did it rain?"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expected an http or https URL"), "{stderr}");
}

#[test]
fn output_to_a_pipe_nobody_reads_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .env("VERITY_DATA_DIR", dir.path())
        .args(["models", "list"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn serve_says_it_is_serving_only_once_the_port_is_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = verity(dir.path(), &["serve", "--addr", &addr]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot serve on") && !stderr.contains("is serving"), "{stderr}");
}

#[test]
fn a_file_that_is_no_model_is_refused_in_one_plain_line_even_with_backtraces_on() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_model = dir.path().join("passwd");
    std::fs::write(&not_a_model, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .env("VERITY_DATA_DIR", dir.path())
        .env("VERITY_NO_WEB", "1")
        .env("RUST_BACKTRACE", "1")
        .args(["check", "--writer", "local", "--llm-file", not_a_model.to_str().unwrap(), "Did it rain in May?"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let error: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("note:")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(error[0].contains("not a GGUF file") && error[0].contains("--llm-file takes a .gguf"), "{stderr}");
}

#[test]
fn a_whole_text_from_a_file_or_standard_input_is_checked_and_bad_text_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    check(d, &["ingest", newsroom().to_str().unwrap()], 0);
    let text = d.join("speech.txt");
    std::fs::write(
        &text,
        "OKAFOR: Thank you all for coming tonight.\n\
         Minister Okafor handed over 12 protected informants to Norland in 2025.\n",
    )
    .unwrap();
    let md = check(d, &["check", "--text", text.to_str().unwrap()], 0);
    assert!(md.contains("# Text check") && md.contains("## Claims") && md.contains("**OKAFOR:**"), "{md}");
    assert!(md.contains("| new check |"), "{md}");
    // The same text again, from standard input: the claim was checked before and costs no new check.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_verity"))
        .env("VERITY_DATA_DIR", d)
        .env("VERITY_NO_WEB", "1")
        .args(["check", "--json", "--text", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &std::fs::read(&text).unwrap()).unwrap();
    let out = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["matched"].as_u64(), json["checked"].as_u64()), (Some(1), Some(0)), "{json}");

    for (contents, says) in [
        (b"  \n\n ".to_vec(), "the text is empty"),
        (b"\x00\x01\x02\x03PK\x03\x04\x00\x00\x00".to_vec(), "plain words"),
        ("The council banned cars. ".repeat(9_000).into_bytes(), "over the limit of 200000 bytes (200001 read)"),
    ] {
        std::fs::write(&text, contents).unwrap();
        let out = verity(d, &["check", "--text", text.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(4));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    let out = verity(d, &["check", "--text", "/no/such/speech.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/speech.txt"));
}

#[test]
fn a_judge_published_as_a_release_file_installs_only_from_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let name = verity_models::VERITY_NLI_MPNET_BASE.name;
    // Not on any package index: the error says where it comes from, and nothing is downloaded.
    let out = verity(dir.path(), &["models", "install", name]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("verity models install {name} --from FILE")), "{stderr}");
    // A file that is not the release pinned: refused, nothing installed.
    let other = dir.path().join("verity-nli-mpnet-base-0.1.0.zip");
    std::fs::write(&other, b"PK\x05\x06 not the release").unwrap();
    let out = verity(dir.path(), &["models", "install", name, "--from", other.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not the pinned") && stderr.contains("nothing was installed"), "{stderr}");
    assert!(!dir.path().join("models").join(name).exists());
    assert!(check(dir.path(), &["models", "list"], 0).contains(&format!("{name:<20} not installed")));
}
