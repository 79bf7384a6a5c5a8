//! Many processes on one PostgreSQL database, as a site that outgrew one machine runs: `verity serve` nodes that
//! only queue checks, `verity worker`s that run them, and any node answering for any job and any report.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `verity` process that is killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn verity(dir: &Path, database: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verity"));
    command.env("VERITY_DATA_DIR", dir).env("VERITY_NO_WEB", "1").args(["--database", database]).args(args);
    command
}

fn newsroom() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/newsroom").to_string_lossy().into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(dir: &Path, database: &str) -> (Process, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    // Every request comes from one address here: a rate limit for a crowd, not for one reader.
    let site = dir.join("site.json");
    std::fs::write(&site, r#"{"checks_per_minute": 10000}"#).unwrap();
    let args = ["serve", "--judge", "lexical", "--addr", &addr, "--site", site.to_str().unwrap()];
    let child = verity(dir, database, &args).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Process(child), addr)
}

fn worker(dir: &Path, database: &str, name: &str) -> Process {
    Process(
        verity(dir, database, &["worker", "--judge", "lexical", "--name", name]).stderr(Stdio::null()).spawn().unwrap(),
    )
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let (status, _, body) = http_with_head(addr, method, path, body);
    (status, body)
}

/// One HTTP/1.1 request; returns the status, the head (status line and headers, lowercased) and the body.
fn http_with_head(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Asks node `addr` about a job until it ends; returns its last state.
fn wait_for(addr: &str, job: &str) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (status, body) = http(addr, "GET", &format!("/api/v1/jobs/{job}"), "");
        assert_eq!(status, 200, "{body}");
        let state = json(&body);
        if state["status"] != "running" {
            return state;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "job {job} never ended: {state}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ask(addr: &str, question: &str) -> String {
    let (status, body) =
        http(addr, "POST", "/api/v1/checks", &serde_json::json!({"question": question, "fresh": true}).to_string());
    assert_eq!(status, 202, "{addr} {question}: {body}");
    json(&body)["id"].as_str().unwrap().to_string()
}

#[test]
fn serve_nodes_queue_checks_that_workers_run_once_and_every_node_answers_for() {
    let cluster = verity_pgtest::Cluster::shared();
    let database = cluster.database();
    let dirs: Vec<tempfile::TempDir> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    let out = verity(dirs[0].path(), &database, &["ingest", &newsroom()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_a, node_a) = serve(dirs[0].path(), &database);
    let (_b, node_b) = serve(dirs[1].path(), &database);

    // No worker yet: the check waits in the queue, and both nodes say so.
    let question = "Did Minister Okafor hand over protected informants to Norland?";
    let job = ask(&node_a, question);
    let (_, queued) = http(&node_b, "GET", &format!("/api/v1/jobs/{job}"), "");
    assert_eq!(json(&queued)["status"], "running", "queued jobs show as running: {queued}");

    // A worker stopped (SIGTERM) in the middle of that check, stuck writing: it calls the check off, puts the job
    // back in the queue and exits.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let llm_url = format!("http://{}/v1", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = silent.incoming().filter_map(Result::ok).collect();
        drop(held);
    });
    let store = verity_store::Store::connect(&database).unwrap();
    let stuck_worker = |name: &str, lease: &str, timeout: &str| {
        let args = [
            "worker",
            "--judge",
            "lexical",
            "--name",
            name,
            "--lease",
            lease,
            "--writer",
            "server",
            "--llm-url",
            &llm_url,
            "--llm-model",
            "m",
            "--llm-timeout",
            timeout,
        ];
        let process = Process(verity(dirs[4].path(), &database, &args).stderr(Stdio::null()).spawn().unwrap());
        let started = Instant::now();
        loop {
            let record = store.job(&job).unwrap().unwrap();
            let writing = store.job_events(&job, 0).unwrap().iter().filter(|(_, e)| e.contains("writing")).count();
            if record.worker.as_deref() == Some(name) && writing > 0 {
                break process;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{name} never got to writing: {record:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut stopping = stuck_worker("stopping", "30", "5");
    let term = Command::new("kill").args(["-TERM", &stopping.0.id().to_string()]).status().unwrap();
    assert!(term.success());
    let started = Instant::now();
    while stopping.0.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(20), "the worker did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let released = store.job(&job).unwrap().unwrap();
    assert_eq!((released.status.as_str(), released.worker.as_deref()), ("queued", None), "{released:?}");

    // A worker killed (SIGKILL) in the middle of that check, stuck writing again: its lease runs out and a live
    // worker runs the job, once.
    let mut stuck = stuck_worker("stuck", "3", "120");
    stuck.0.kill().unwrap(); // SIGKILL
    stuck.0.wait().unwrap();

    let _workers = [worker(dirs[2].path(), &database, "w1"), worker(dirs[3].path(), &database, "w2")];
    let done = wait_for(&node_b, &job);
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(store.report_versions(done["report_id"].as_str().unwrap()).unwrap().len(), 1, "committed once");
    assert!(!done["stages"].as_array().unwrap().is_empty(), "the worker's stages reach node B: {done}");
    let url = done["report_url"].as_str().unwrap();
    let (status, page) = http(&node_b, "GET", url, "");
    assert!(status == 200 && page.contains("protected informants"), "{status}");
    let (_, stream) = http(&node_b, "GET", &format!("/api/v1/jobs/{job}/events"), "");
    assert!(stream.contains("event: stage") && stream.contains("event: done"), "{stream}");

    let record = store.job(&job).unwrap().unwrap();
    assert!(record.attempt >= 2 && record.worker.as_deref() != Some("stuck"), "taken over: {record:?}");

    // Many checks across both nodes: none lost, none run twice, every report readable at both.
    let questions: Vec<String> =
        (0..200).map(|i| format!("Did the council of town number {i} close the harbour?")).collect();
    let jobs: Vec<String> =
        questions.iter().enumerate().map(|(i, q)| ask(if i % 2 == 0 { &node_a } else { &node_b }, q)).collect();
    let mut reports = std::collections::BTreeSet::new();
    for (i, job) in jobs.iter().enumerate() {
        let state = wait_for(if i % 2 == 0 { &node_b } else { &node_a }, job);
        assert_eq!(state["status"], "done", "{state}");
        let id = state["report_id"].as_str().unwrap().to_string();
        for node in [&node_a, &node_b] {
            let (status, _) = http(node, "GET", &format!("/api/v1/reports/{id}"), "");
            assert_eq!(status, 200);
        }
        reports.insert(id);
    }
    assert_eq!(reports.len(), questions.len(), "one report per check");
    for id in &reports {
        assert_eq!(store.report_versions(id).unwrap().len(), 1, "no check ran twice");
    }
}

/// A database outage, as a node and a worker live through it: while PostgreSQL is out of reach, pages and the
/// API answer 503 with Retry-After (never 500), and a worker started meanwhile waits instead of exiting; once it
/// is back, no request fails on a connection the outage broke, the waiting worker runs checks, and the node's
/// index follows new documents again.
#[test]
fn through_a_database_outage_nodes_answer_503_and_everything_resumes_after_it() {
    use std::io::BufRead as _;
    let cluster = verity_pgtest::Cluster::shared();
    let database = cluster.database();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let out = verity(dirs[0].path(), &database, &["ingest", &newsroom()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_node, node) = serve(dirs[0].path(), &database);
    let paths = ["/api/v1/reports", "/", "/archive", "/api/v1/health"];

    let outage = cluster.outage(&database);
    let mut waiting = Process(
        verity(dirs[1].path(), &database, &["worker", "--judge", "lexical", "--name", "patient"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut log = std::io::BufReader::new(waiting.0.stderr.take().unwrap()).lines();
    let said = log.next().expect("the worker says why it waits").unwrap();
    assert!(said.contains("the database is out of reach") && said.contains("trying again in"), "{said}");
    for path in paths {
        let (status, head, body) = http_with_head(&node, "GET", path, "");
        assert_eq!(status, 503, "{path} during the outage: {body}");
        assert!(head.contains("\r\nretry-after: 5"), "{path}: {head}");
    }
    assert!(waiting.0.try_wait().unwrap().is_none(), "the worker waits for the database");
    drop(outage);

    for round in 0..5 {
        for path in paths {
            let (status, body) = http(&node, "GET", path, "");
            assert_eq!(status, 200, "{path}, round {round} after the outage: {body}");
        }
    }
    let job = ask(&node, "Did Minister Okafor hand over protected informants to Norland?");
    let done = wait_for(&node, &job);
    assert_eq!(done["status"], "done", "the worker that waited runs it: {done}");

    let more = dirs[2].path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    std::fs::write(more.join("harbour.txt"), "The harbour authority reopened the north quay on Monday.").unwrap();
    let out = verity(dirs[2].path(), &database, &["ingest", more.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let started = Instant::now();
    loop {
        let (status, body) = http(&node, "GET", "/api/v1/health", "");
        let health = json(&body);
        if status == 200 && health["index_lag"] == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the node's index never caught up: {health}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A text submitted at one node is queued, run by a worker and read at another node; each of its claims is a job
/// of the queue, which any worker may take, checked once.
#[test]
fn a_text_goes_through_the_queue_and_every_node_shows_it() {
    let cluster = verity_pgtest::Cluster::shared();
    let database = cluster.database();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let out = verity(dirs[0].path(), &database, &["ingest", &newsroom()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_a, node_a) = serve(dirs[0].path(), &database);
    let (_b, node_b) = serve(dirs[1].path(), &database);
    let text = "MINISTER: Good evening, and thank you for coming.\n\
                Minister Okafor handed over 12 protected informants to Norland in 2025 to get access to a prison.\n\
                The ministry cut the prison budget by 40 percent in 2024.\n\
                Norland's parliament approved 3 new prisons in 2023.";
    let (status, body) = http(&node_a, "POST", "/api/v1/texts", &serde_json::json!({ "text": text }).to_string());
    assert_eq!(status, 202, "{body}");
    let job = json(&body);
    let text_id = job["text_id"].as_str().unwrap().to_string();
    assert_eq!(job["kind"], "text");
    let _workers = [worker(dirs[2].path(), &database, "w-text-1"), worker(dirs[2].path(), &database, "w-text-2")];
    let done = wait_for(&node_b, job["id"].as_str().unwrap());
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["report_url"], format!("/texts/{text_id}"));
    assert!(done["stages"].as_array().unwrap().iter().any(|s| s["stage"] == "text_read"), "{done}");
    let (status, body) = http(&node_b, "GET", &format!("/api/v1/texts/{text_id}"), "");
    assert_eq!(status, 200, "{body}");
    let checked = json(&body);
    let claims = checked["checked"].as_u64().unwrap() as usize;
    assert_eq!(checked["version"].as_u64(), Some(1), "{body}");
    assert!(claims >= 2, "{body}");
    // Each claim was a job of the queue under the text's job, run once.
    let store = verity_store::Store::connect(&database).unwrap();
    let children = store.child_jobs(job["id"].as_str().unwrap()).unwrap();
    assert_eq!(children.len(), claims, "{children:?}");
    for child in &children {
        assert_eq!((child.kind.as_str(), child.status.as_str()), ("check", "done"), "{child:?}");
        assert_eq!(store.report_versions(child.report_id.as_deref().unwrap()).unwrap().len(), 1, "checked once");
    }
    let report = &checked["sentences"][1]["report"];
    let (status, _) = http(&node_a, "GET", &format!("/api/v1/reports/{}", report["id"].as_str().unwrap()), "");
    assert_eq!(status, 200);
    let (status, page) = http(&node_a, "GET", &format!("/texts/{text_id}"), "");
    assert!(status == 200 && page.contains("mark class=\"checked"), "{status}");
}
