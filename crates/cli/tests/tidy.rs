//! House rules that keep the workspace readable, checked like any other behaviour.

use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn check(rule: &str, offenders: Vec<String>) {
    assert!(offenders.is_empty(), "{rule}: {offenders:?}");
}

/// Every file under `path` (or `path` itself, a file), folders walked recursively; none where it does not exist.
fn files_under(path: &Path) -> Vec<std::path::PathBuf> {
    let (mut files, mut stack) = (Vec::new(), vec![path.to_path_buf()]);
    while let Some(path) = stack.pop() {
        match std::fs::read_dir(&path) {
            Ok(entries) => stack.extend(entries.map(|e| e.unwrap().path())),
            Err(_) if path.is_file() => files.push(path),
            Err(_) => {}
        }
    }
    files
}

/// The Rust files under `path`, each with its text.
fn rust_sources(path: &Path) -> Vec<(std::path::PathBuf, String)> {
    files_under(path)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// The `src` folder of every crate in the workspace.
fn crate_sources() -> Vec<std::path::PathBuf> {
    std::fs::read_dir(workspace().join("crates")).unwrap().map(|e| e.unwrap().path().join("src")).collect()
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

/// Every library's overview (its `lib.rs` comment) shows its main type at work in an example that runs as a
/// doctest, so the overview cannot drift from the code.
#[test]
fn every_library_overview_has_an_example_that_runs() {
    let mut offenders = Vec::new();
    let mut read = 0;
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let path = entry.unwrap().path().join("src/lib.rs");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        read += 1;
        let overview: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        let fences: Vec<&&str> =
            overview.iter().filter(|l| l.trim_start_matches("//!").trim().starts_with("```")).collect();
        let runs = fences.first().is_some_and(|f| !f.contains("no_run") && !f.contains("ignore"));
        if fences.len() < 2 || !runs {
            offenders.push(path.display().to_string());
        }
    }
    assert!(read >= 15, "the crates were read ({read})");
    check("a library's lib.rs overview needs an example that runs (a doctest)", offenders);
}

/// The workspace's dependency graph as `cargo metadata` resolves it (from `Cargo.lock`, offline): for each
/// package, its normal and build dependencies by name (dev-dependencies are for tests and may reach anything).
struct Graph {
    members: Vec<String>,
    deps: std::collections::HashMap<String, Vec<String>>,
}

impl Graph {
    fn load() -> Graph {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // The host's dependencies only: others' (Android, Windows) need not have been downloaded.
        let rustc = std::process::Command::new("rustc").arg("-vV").output().unwrap();
        let host = String::from_utf8_lossy(&rustc.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
            .expect("rustc -vV names the host");
        let output = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host])
            .current_dir(workspace())
            .output()
            .unwrap();
        assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let name_of = |id: &str| -> String {
            let package = metadata["packages"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap();
            package["name"].as_str().unwrap().to_string()
        };
        let members =
            metadata["workspace_members"].as_array().unwrap().iter().map(|id| name_of(id.as_str().unwrap())).collect();
        let mut deps = std::collections::HashMap::new();
        for node in metadata["resolve"]["nodes"].as_array().unwrap() {
            let runtime: Vec<String> = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"] != "dev"))
                .map(|d| name_of(d["pkg"].as_str().unwrap()))
                .collect();
            deps.insert(name_of(node["id"].as_str().unwrap()), runtime);
        }
        Graph { members, deps }
    }

    /// Every package `package` reaches through normal and build dependencies.
    fn reaches(&self, package: &str) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![package.to_string()];
        while let Some(next) = todo.pop() {
            for dep in self.deps.get(&next).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
        seen
    }

    /// Workspace crates outside `allowed` that depend directly on any of `deps`, as `crate -> dep`.
    fn direct(&self, deps: &[&str], allowed: &[&str]) -> Vec<String> {
        let mut offenders = Vec::new();
        for member in self.members.iter().filter(|m| !allowed.iter().any(|a| format!("verity-{a}") == **m)) {
            for dep in self.deps.get(member).into_iter().flatten().filter(|d| deps.contains(&d.as_str())) {
                offenders.push(format!("{member} -> {dep}"));
            }
        }
        offenders
    }
}

fn graph() -> &'static Graph {
    static GRAPH: std::sync::OnceLock<Graph> = std::sync::OnceLock::new();
    GRAPH.get_or_init(Graph::load)
}

#[test]
fn sql_lives_only_in_the_store_crate() {
    assert_eq!(
        graph().direct(&["rusqlite", "tokio-postgres"], &[]),
        ["verity-store -> rusqlite", "verity-store -> tokio-postgres"],
        "the graph was read"
    );
    check(
        "only crates/store may talk to a database",
        graph().direct(&["rusqlite", "postgres", "tokio-postgres", "deadpool-postgres", "sqlx"], &["store"]),
    );
}

/// Not only its manifest: nothing the pipeline depends on may bring storage, an index, the network, a runtime
/// or a model in by the back door.
#[test]
fn the_pipeline_reaches_no_storage_index_network_or_model_crate() {
    let reached = graph().reaches("verity-pipeline");
    assert!(
        reached.contains("verity-text") && reached.contains("unicode-normalization"),
        "the graph was read: {reached:?}"
    );
    let forbidden = [
        "rusqlite",
        "tantivy",
        "reqwest",
        "hyper",
        "tokio",
        "candle-core",
        "tokenizers",
        "verity-store",
        "verity-index",
        "verity-web",
        "verity-llm",
        "verity-embed",
        "verity-engine",
    ];
    let offenders = forbidden.iter().filter(|f| reached.contains(**f)).map(|f| f.to_string()).collect();
    check("the pipeline reaches the world only through traits", offenders);
}

#[test]
fn outbound_http_lives_only_in_the_crates_that_talk_to_the_network() {
    let offenders = graph().direct(&["reqwest", "ureq", "hyper-rustls"], &["models", "llm", "web"]);
    check("only crates/models, crates/llm and crates/web may make HTTP requests", offenders);
}

#[test]
fn inbound_http_lives_only_in_the_server_crate() {
    let offenders = graph().direct(&["axum", "tower-http", "hyper", "hyper-util"], &["server"]);
    check("only crates/server may serve HTTP", offenders);
}

/// Measuring and training (`crates/lab`, and the data-set readers of `crates/eval` it uses) are for the command
/// line: the engine, the server and a worker carry none of it.
#[test]
fn evaluation_and_training_are_linked_only_by_the_command_line() {
    let graph = graph();
    assert!(graph.reaches("verity-cli").contains("verity-lab"), "the graph was read");
    check("only crates/cli may depend on crates/lab", graph.direct(&["verity-lab"], &["cli"]));
    let offenders = ["verity-engine", "verity-server"]
        .iter()
        .flat_map(|m| {
            let reached = graph.reaches(m);
            ["verity-lab", "verity-eval"]
                .into_iter()
                .filter(move |c| reached.contains(*c))
                .map(move |c| format!("{m} -> {c}"))
        })
        .collect();
    check("the engine and the server reach no evaluation code", offenders);
}

/// The loopback test server and the throwaway PostgreSQL cluster are for tests: no crate may ship them.
#[test]
fn test_helpers_are_only_dev_dependencies() {
    let graph = graph();
    let offenders = graph
        .members
        .iter()
        .filter(|m| ["verity-loopback", "verity-pgtest"].iter().any(|helper| graph.reaches(m).contains(*helper)))
        .cloned()
        .collect();
    check("verity-loopback and verity-pgtest may only be dev-dependencies", offenders);
}

/// HTML is built by `maud` templates, which escape every spliced value; markup that bypasses them
/// (`PreEscaped`, or tags written into strings) is allowed only where the content is not a document's text: the
/// renderer's stylesheet and its JSON-LD block, which escapes `<` itself.
#[test]
fn html_is_escaped_by_construction() {
    let allowed = [("render/src/lib.rs", 2)];
    let mut offenders = Vec::new();
    let mut seen = 0;
    for krate in ["render", "server"] {
        for path in files_under(&workspace().join("crates").join(krate).join("src")) {
            let text = std::fs::read_to_string(&path).unwrap();
            // Tests may spell out the markup they expect.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let relative = path.strip_prefix(workspace().join("crates")).unwrap().display().to_string();
            seen += code.matches("html!").count();
            let bypasses = code.matches("PreEscaped(").count();
            let budget = allowed.iter().find(|(file, _)| *file == relative).map_or(0, |(_, n)| *n);
            if bypasses > budget {
                offenders.push(format!("{relative}: PreEscaped used {bypasses} times (allowed {budget})"));
            }
            for (i, line) in code.lines().enumerate() {
                let tag = ["\"<p", "\"<a ", "\"<li", "\"<h1", "\"<div", "\"<ul", "\"<table", "\"<form", "\"<span"];
                if !line.trim_start().starts_with("//") && tag.iter().any(|t| line.contains(t)) {
                    offenders.push(format!("{relative}:{}: markup in a string", i + 1));
                }
            }
        }
    }
    assert!(seen > 20, "the templates were read ({seen})");
    check("HTML goes through maud templates (escaping by construction)", offenders);
}

/// The engine is the only door to the store: other crates ask the engine (`is_shared`, `enqueue_job`, `job`,
/// `cancel_job`, `listen`, ...), never `Engine::store()`, so that what the store is stays the engine's business.
#[test]
fn the_store_is_reached_only_through_the_engine() {
    let mut offenders = Vec::new();
    let mut read = 0;
    for src in crate_sources().iter().filter(|src| !src.starts_with(workspace().join("crates/engine"))) {
        for (path, text) in rust_sources(src) {
            read += 1;
            for (i, line) in text.lines().enumerate() {
                if line.contains("engine.store()") || line.contains("engine().store()") {
                    offenders.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(read > 50, "the sources were read ({read})");
    check("only crates/engine may call Engine::store(); ask the engine instead", offenders);
}

/// The top-level modules of one crate's `src` (a file `name.rs`, or a folder `name/`), each with its code: every
/// file in it, comments and `#[cfg(test)]` parts left out.
fn modules_of(src: &Path) -> Vec<(String, String)> {
    fn code_of(path: &Path) -> String {
        let mut code = String::new();
        for (_, text) in rust_sources(path) {
            let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in before_tests.lines().filter(|l| !l.trim_start().starts_with("//")) {
                code.push_str(line);
                code.push('\n');
            }
        }
        code
    }
    let mut modules: Vec<(String, String)> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_string();
            let module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
            (module && name != "lib" && name != "main").then(|| (name, code_of(&path)))
        })
        .collect();
    modules.sort();
    modules
}

/// The crate-level modules that `code` names: `crate::name`, the names of a `use crate::{...}` group, and (in a
/// module of one file, whose parent is the crate root) `super::name`.
fn names_used(code: &str) -> std::collections::BTreeSet<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut names = std::collections::BTreeSet::new();
    for prefix in ["crate::", "super::"] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut item) = (0, String::new());
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            names.insert(ident(item.trim()));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
                names.insert(ident(item.trim()));
            } else {
                names.insert(ident(rest));
            }
        }
    }
    names
}

/// No import cycle between the modules of one crate: each crate reads as a line of stages, each using only
/// those below it. (Cycles make a module impossible to read, test or move on its own.)
#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let mut offenders = Vec::new();
    let mut read = 0;
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let modules = modules_of(&src);
        read += modules.len();
        let names: Vec<&str> = modules.iter().map(|(name, _)| name.as_str()).collect();
        let edges: Vec<Vec<usize>> = modules
            .iter()
            .map(|(name, code)| {
                let used = names_used(code);
                (0..names.len()).filter(|&i| names[i] != name && used.contains(names[i])).collect()
            })
            .collect();
        // A module is in a cycle when it reaches a module that reaches it back.
        let reach = |from: usize| {
            let (mut seen, mut stack) = (vec![false; names.len()], vec![from]);
            while let Some(at) = stack.pop() {
                for &next in &edges[at] {
                    if !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
            seen
        };
        let reaches: Vec<Vec<bool>> = (0..names.len()).map(reach).collect();
        for a in 0..names.len() {
            let cycle: Vec<&str> =
                (0..names.len()).filter(|&b| reaches[a][b] && reaches[b][a]).map(|b| names[b]).collect();
            if !cycle.is_empty() && cycle[0] == names[a] {
                offenders.push(format!("{}: {}", src.display(), cycle.join(" <-> ")));
            }
        }
    }
    assert!(read > 60, "the modules were read ({read})");
    check("modules of one crate must not import one another in a cycle", offenders);
}

/// Whether a return type is `Result<T, String>` (a `Result` with two arguments, the second `String`).
fn returns_a_string_error(signature: &str) -> bool {
    let Some(at) = signature.find("-> Result<").or_else(|| signature.find("-> std::result::Result<")) else {
        return false;
    };
    let args = &signature[signature[at..].find('<').unwrap() + at + 1..];
    let (mut depth, mut parts, mut part) = (0, Vec::new(), String::new());
    for c in args.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' if depth == 0 => break,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut part));
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    parts.push(part);
    parts.len() == 2 && parts[1].trim() == "String"
}

/// Errors are types at every public boundary: a deadline, a source out of reach and bad input are told apart
/// (`verity_model::Failure`), and a parser's refusal is `verity_model::Invalid` or its crate's error, never a bare
/// `String` that a caller can only print.
#[test]
fn no_public_signature_returns_a_string_error() {
    assert!(returns_a_string_error("pub fn load(path: &Path) -> Result<Config, String> {"));
    assert!(returns_a_string_error("    fn chat(&self, m: &[M]) -> Result<Vec<(u8, u8)>, String>;"));
    assert!(!returns_a_string_error("pub fn keys(&self) -> Result<HashMap<i64, String>> {"));
    assert!(!returns_a_string_error("fn read(&self) -> Result<Readings, Failure>;"));
    let mut offenders = Vec::new();
    let mut signatures = 0;
    for (path, text) in crate_sources().into_iter().flat_map(|src| rust_sources(&src)) {
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            // Public functions, and the methods a trait declares (no body): what other crates call.
            let public = trimmed.starts_with("pub fn ") || trimmed.starts_with("pub async fn ");
            let end = lines[i..].iter().position(|l| l.contains('{') || l.trim_end().ends_with(';')).unwrap_or(0);
            let declared = trimmed.starts_with("fn ") && !lines[i + end].contains('{');
            if !(public || declared) {
                continue;
            }
            signatures += 1;
            let signature = lines[i..=i + end].join(" ");
            if returns_a_string_error(&signature) {
                offenders.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(signatures > 300, "the signatures were read ({signatures})");
    check("a public signature returns a typed error, not Result<_, String>", offenders);
}

/// A function fits on a screen: none is over 80 lines, templates (a function that builds HTML with `maud`'s
/// `html!`, which reads as the page it makes) and tests excepted. A longer one has parts that deserve names.
#[test]
fn no_function_is_over_80_lines_outside_templates() {
    const MOST: usize = 80;
    let mut offenders = Vec::new();
    let mut functions = 0;
    let sources = crate_sources().into_iter().flat_map(|src| rust_sources(&src));
    for (path, text) in sources.filter(|(path, _)| !path.ends_with("tests.rs")) {
        let lines: Vec<&str> = text.split("#[cfg(test)]").next().unwrap_or_default().lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let trimmed = lines[i].trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn ", "async fn ", "pub async fn "]
                .iter()
                .any(|p| trimmed.starts_with(p));
            let indent = lines[i].len() - trimmed.len();
            let Some(open) = lines[i..].iter().position(|l| l.contains('{') || l.trim_end().ends_with(';')) else {
                break;
            };
            if !is_fn || !lines[i + open].contains('{') {
                i += 1;
                continue;
            }
            functions += 1;
            let close = lines[i + open + 1..]
                .iter()
                .position(|l| l.len() > indent && l[..indent].trim().is_empty() && l[indent..].starts_with('}'))
                .map_or(lines.len() - 1, |k| i + open + 1 + k);
            let length = close - i + 1;
            let template = lines[i..=close].iter().any(|l| l.contains("html!"));
            if length > MOST && !template {
                offenders.push(format!("{}:{} ({length} lines)", path.display(), i + 1));
            }
            i += open + 1;
        }
    }
    assert!(functions > 1000, "the functions were read ({functions})");
    check("a function over 80 lines (templates aside) has parts that deserve names", offenders);
}
