//! A throwaway PostgreSQL cluster for tests: Debian's `postgresql` binaries (`initdb`, `postgres`) run in a
//! temporary directory, listening only on a Unix socket there, as a non-root user (PostgreSQL refuses to run as
//! root, and CI runs as root), and removed when the test process ends.
//!
//! Main items: [`Cluster::shared`] (one cluster per test process, started on first use) and
//! [`Cluster::database`] (a new, empty database in it, as the connection URL Verity takes).
//!
//! A test helper only (a dev-dependency). It needs PostgreSQL installed and says how to install it when it is
//! missing; it never falls back to anything else, so a test that needs a database cannot pass without one.
//!
//! ```
//! let cluster = verity_pgtest::Cluster::shared();
//! let url = cluster.database();
//! assert!(url.starts_with("postgres://verity@"));
//! assert_eq!(cluster.psql(&url, "SELECT 1 + 1"), "2");
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running cluster. Its server is stopped and its directory removed when the test process exits (or when
/// the value is dropped): a watchdog shell holds the server and waits on a pipe only this process writes to.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    watchdog: Mutex<Option<Child>>,
    /// For [`Cluster::database`]'s names.
    next: AtomicUsize,
}

/// The role every database belongs to.
pub const USER: &str = "verity";

impl Cluster {
    /// The cluster of this test process, started on first use.
    pub fn shared() -> &'static Cluster {
        static SHARED: OnceLock<Cluster> = OnceLock::new();
        SHARED.get_or_init(Cluster::start)
    }

    /// Starts a new cluster; panics with advice when PostgreSQL is not installed or does not start.
    pub fn start() -> Cluster {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let bin = binaries().unwrap_or_else(|| {
            panic!(
                "PostgreSQL's server binaries were not found (looked in /usr/lib/postgresql/*/bin and $VERITY_PG_BIN): \
                 install Debian's `postgresql` package (`apt-get install postgresql`); .ci/run does"
            )
        });
        let as_root = is_root();
        // As root the server runs as `nobody`, which must reach the directory: /tmp, whatever TMPDIR says.
        let base = if as_root { PathBuf::from("/tmp") } else { std::env::temp_dir() };
        let dir = base.join(format!("verity-pg-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        if as_root {
            run(Command::new("chown").args(["nobody:nogroup"]).arg(&dir), "chown");
        }
        let data = dir.join("data");
        run(
            unprivileged(&bin.join("initdb"), as_root).arg("-D").arg(&data).args([
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            "initdb",
        );
        // The server runs under a shell that stops it and removes the directory when its stdin closes, which
        // happens when this process exits, however it exits.
        let server = unprivileged(&bin.join("postgres"), as_root);
        let mut argv: Vec<String> = std::iter::once(server.get_program().to_string_lossy().into_owned())
            .chain(server.get_args().map(|a| a.to_string_lossy().into_owned()))
            .collect();
        argv.extend(
            [
                "-D",
                &data.to_string_lossy(),
                "-k",
                &dir.to_string_lossy(),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ]
            .map(str::to_string),
        );
        let script = format!(
            "{} >{log} 2>&1 & pid=$!; cat >/dev/null; kill -INT $pid; wait $pid; rm -rf {dir}",
            argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" "),
            log = quote(&dir.join("server.log").to_string_lossy()),
            dir = quote(&dir.to_string_lossy()),
        );
        let watchdog = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("sh runs");
        let cluster = Cluster { dir, bin, watchdog: Mutex::new(Some(watchdog)), next: AtomicUsize::new(0) };
        cluster.wait_until_ready();
        cluster
    }

    fn wait_until_ready(&self) {
        let started = Instant::now();
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .arg("-h")
                .arg(&self.dir)
                .args(["-U", USER, "-d", "postgres", "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
                panic!("the test PostgreSQL server did not start within 60 s:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The directory of the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// A new, empty database, as a `postgres://` URL.
    pub fn database(&self) -> String {
        let name = format!("t{}", self.next.fetch_add(1, Ordering::Relaxed));
        run(Command::new(self.bin.join("createdb")).arg("-h").arg(&self.dir).args(["-U", USER, &name]), "createdb");
        self.url(&name)
    }

    /// The URL of database `name` in this cluster (the socket directory is the URL's host, percent-encoded).
    pub fn url(&self, name: &str) -> String {
        let host: String = self
            .dir
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c.to_string()
                } else {
                    format!("%{:02X}", c as u32)
                }
            })
            .collect();
        format!("postgres://{USER}@{host}/{name}")
    }

    /// Runs SQL through `psql` in the database at `url` (one of this cluster's), for tests that set up what
    /// Verity itself would never write; returns what it printed, unaligned.
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let name = url.rsplit('/').next().expect("a database URL ends with its name");
        let output = Command::new(self.bin.join("psql"))
            .arg("-h")
            .arg(&self.dir)
            .args(["-U", USER, "-d", name, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(output.status.success(), "psql: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

/// A database cut off from its clients, as in an outage: every connection to it is broken and new ones are
/// refused until this is dropped. The cluster itself keeps running, so other tests sharing it are untouched.
pub struct Outage<'a> {
    cluster: &'a Cluster,
    name: String,
}

impl Cluster {
    /// Cuts the database at `url` (one of this cluster's) off from its clients until the returned value is
    /// dropped.
    pub fn outage(&self, url: &str) -> Outage<'_> {
        let name = url.rsplit('/').next().expect("a database URL ends with its name").to_string();
        // Refused first, then broken: a client cut off in between cannot get back in.
        self.admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
        self.admin(&format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'"));
        Outage { cluster: self, name }
    }

    /// Runs SQL in the cluster's `postgres` database, which outages leave alone.
    fn admin(&self, sql: &str) {
        self.psql(&self.url("postgres"), sql);
    }
}

impl Drop for Outage<'_> {
    fn drop(&mut self) {
        self.cluster.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", self.name));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.lock().unwrap_or_else(|p| p.into_inner()).take() {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// Where PostgreSQL's server binaries are: `$VERITY_PG_BIN`, or the newest `/usr/lib/postgresql/<major>/bin`.
fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VERITY_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program`, as `nobody` when this process is root.
fn unprivileged(program: &Path, as_root: bool) -> Command {
    if as_root {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what} did not run: {e}"));
    if !output.status.success() {
        let mut err = std::io::stderr();
        let _ = err.write_all(&output.stdout);
        let _ = err.write_all(&output.stderr);
        panic!("{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
}

/// A word for `sh`, single-quoted.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
