//! A throwaway PostgreSQL server for development and tests.
//!
//! Used when `DATABASE_URL` is unset and nothing answers on 127.0.0.1:5432: we run
//! `initdb` into a fresh folder, start `postgres` on a free loopback port with trust
//! auth and durability switched off (the data is disposable), and remove it all on
//! `stop`/drop. Only the locally installed server binaries and `std` are needed.
//!
//! Beside this file: `binaries.rs` (finding the server binaries), `run_as.rs` (the
//! unprivileged user when we are root) and `error.rs`.

mod binaries;
mod error;
mod run_as;

pub use binaries::find_server_binaries;
pub use error::PrivatePgError;

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use binaries::find_tool;
use run_as::{RunAs, Wrapper};

/// How long a fresh server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long we wait for the postmaster to exit after `pg_ctl stop`.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A port we picked can be taken by someone else before postgres binds it; retry a few times.
const START_ATTEMPTS: usize = 3;
/// Lines of the server log shown when it fails to come up.
const LOG_TAIL_LINES: usize = 25;

/// True when something accepts TCP connections at addr within the timeout.
pub fn port_answers(addr: &str, timeout: Duration) -> bool {
    let Ok(addrs) = addr.to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

/// A port the kernel just considered free on loopback. Racy by nature; `start` retries.
fn free_port() -> Result<u16, PrivatePgError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| PrivatePgError::Io("finding a free port on 127.0.0.1".into(), e))
}

/// A new, empty folder under base_dir that no other call (in any process) can get.
fn unique_cluster_dir(base_dir: &Path) -> Result<PathBuf, PrivatePgError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    fs::create_dir_all(base_dir)
        .map_err(|e| PrivatePgError::Io(format!("creating {}", base_dir.display()), e))?;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base_dir.join(format!("pg-{}-{n}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            // Left over from an earlier process that had our pid; take the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(PrivatePgError::Io(format!("creating {}", dir.display()), e)),
        }
    }
}

/// Runs a command to completion; failure carries its combined output.
fn run(mut cmd: Command, what: &str) -> Result<(), PrivatePgError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| PrivatePgError::Io(format!("running {what}"), e))?;
    if out.status.success() {
        return Ok(());
    }
    let output = format!(
        "{}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    Err(PrivatePgError::CommandFailed {
        what: what.to_string(),
        output,
    })
}

/// The last lines of a (possibly large) log file.
fn log_tail(path: &Path) -> String {
    let read = || -> io::Result<String> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    match read() {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// A running throwaway PostgreSQL cluster; stopped and deleted on `stop` or drop.
pub struct PrivatePostgres {
    /// Our unique folder: holds `data/` and `server.log`; removed as a whole.
    cluster_dir: PathBuf,
    data_dir: PathBuf,
    port: u16,
    bin_dir: PathBuf,
    run_as: Option<RunAs>,
    /// The postmaster (or the runuser wrapping it), reaped in `stop`.
    server: Option<Child>,
    removed: bool,
}

impl PrivatePostgres {
    /// Initialise a fresh cluster under `base_dir` (creating it; a unique subfolder per call) and start it.
    pub fn start(base_dir: &Path) -> Result<PrivatePostgres, PrivatePgError> {
        let bin_dir = find_server_binaries().ok_or(PrivatePgError::NoBinaries)?;
        let run_as = RunAs::for_root()?;
        let cluster_dir = unique_cluster_dir(base_dir)?;
        // From here on, dropping `pg` cleans up whatever we managed to create.
        let mut pg = PrivatePostgres {
            data_dir: cluster_dir.join("data"),
            cluster_dir,
            port: 0,
            bin_dir,
            run_as,
            server: None,
            removed: false,
        };
        if let Some(r) = &pg.run_as {
            // initdb (running as that user) must be able to create data/ in here.
            std::os::unix::fs::chown(&pg.cluster_dir, Some(r.uid), Some(r.gid)).map_err(|e| {
                PrivatePgError::Io(
                    format!("handing {} to user {}", pg.cluster_dir.display(), r.user),
                    e,
                )
            })?;
            pg.check_user_can_write(r)?;
        }
        pg.initdb()?;
        let mut last_err = None;
        for _ in 0..START_ATTEMPTS {
            match pg.launch() {
                Ok(()) => return Ok(pg),
                Err((err, port_taken)) => {
                    last_err = Some(err);
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        Err(last_err.unwrap_or(PrivatePgError::NotReady {
            log_tail: String::new(),
        }))
    }

    /// e.g. postgres://postgres@127.0.0.1:PORT/postgres  (superuser `postgres`, trust auth)
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stop the server (pg_ctl stop -m immediate) and remove the data folder. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let mut cmd = self.command("pg_ctl");
            cmd.arg("stop")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-m", "immediate", "-w", "-s"]);
            let stopped = run(cmd, "pg_ctl stop");
            if !wait_for_exit(&mut child, EXIT_TIMEOUT) {
                if let Err(e) = stopped {
                    eprintln!("warning: {e}; killing the server");
                }
                // Backends notice the postmaster's death and exit on their own.
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if !self.removed {
            self.removed = true;
            match fs::remove_dir_all(&self.cluster_dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => eprintln!(
                    "warning: could not remove private PostgreSQL folder {}: {e}",
                    self.cluster_dir.display()
                ),
            }
        }
    }

    /// A command for one of the server binaries, as the unprivileged user when we are root.
    fn command(&self, binary: &str) -> Command {
        self.command_for(&self.bin_dir.join(binary))
    }

    fn command_for(&self, program: &Path) -> Command {
        let mut cmd = match &self.run_as {
            None => Command::new(program),
            Some(r) => {
                let mut cmd = match &r.wrapper {
                    Wrapper::Setpriv(setpriv) => {
                        let mut c = Command::new(setpriv);
                        c.arg(format!("--reuid={}", r.uid))
                            .arg(format!("--regid={}", r.gid))
                            .arg("--clear-groups");
                        c
                    }
                    Wrapper::Runuser(runuser) => {
                        let mut c = Command::new(runuser);
                        c.args(["-u", &r.user]);
                        c
                    }
                };
                cmd.arg("--").arg(program);
                cmd
            }
        };
        // Our own cwd may be unreadable for the other user (e.g. /root).
        cmd.current_dir(&self.cluster_dir);
        cmd
    }

    /// Chowning our folder is not enough when a parent (e.g. /root) is closed to the
    /// other user; say so plainly instead of letting initdb fail obscurely.
    fn check_user_can_write(&self, r: &RunAs) -> Result<(), PrivatePgError> {
        let Some(test) = find_tool("test") else {
            return Ok(()); // initdb will still report the problem itself
        };
        let mut cmd = self.command_for(&test);
        cmd.arg("-w").arg(&self.cluster_dir);
        run(cmd, "checking folder access").map_err(|_| PrivatePgError::CommandFailed {
            what: format!("preparing a data folder for user {}", r.user),
            output: format!(
                "{} is not writable by {} (initdb/postgres refuse to run as root); \
                 choose a base folder whose parents that user can enter, e.g. under /tmp",
                self.cluster_dir.display(),
                r.user
            ),
        })
    }

    fn initdb(&self) -> Result<(), PrivatePgError> {
        let mut cmd = self.command("initdb");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        let what = match &self.run_as {
            Some(r) => format!("initdb as user {}", r.user),
            None => "initdb".to_string(),
        };
        run(cmd, &what)
    }

    /// Starts postgres on a fresh port and waits until it is ready.
    /// On failure also says whether the port was taken under us (worth a retry).
    fn launch(&mut self) -> Result<(), (PrivatePgError, bool)> {
        self.port = free_port().map_err(|e| (e, false))?;
        let log_path = self.cluster_dir.join("server.log");
        let io_err = |what: &str, e| (PrivatePgError::Io(what.to_string(), e), false);
        let log = File::create(&log_path).map_err(|e| io_err("creating server.log", e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| io_err("duplicating server.log handle", e))?;
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            // Loopback TCP only: no unix socket whose path could exceed the 107-byte limit.
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            // Throwaway data: trade durability for speed.
            .args(["-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        let child = cmd.spawn().map_err(|e| io_err("starting postgres", e))?;
        let child = self.server.insert(child);

        let addr = format!("127.0.0.1:{}", self.port);
        let pid_file = self.data_dir.join("postmaster.pid");
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                self.server = None;
                let tail = log_tail(&log_path);
                let port_taken = tail.contains("could not bind")
                    || tail.contains("could not create any TCP/IP sockets");
                return Err((PrivatePgError::NotReady { log_tail: tail }, port_taken));
            }
            // "ready" in postmaster.pid proves the listener is *our* server, not a
            // stranger who grabbed the port after we released it.
            if postmaster_ready(&pid_file) && port_answers(&addr, Duration::from_millis(250)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let tail = log_tail(&log_path);
                // Leave the half-started server to stop() (via drop of self by the caller).
                return Err((PrivatePgError::NotReady { log_tail: tail }, false));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop()
    }
}

/// Line 8 of postmaster.pid is the postmaster's status; "ready" once it accepts connections.
fn postmaster_ready(pid_file: &Path) -> bool {
    fs::read_to_string(pid_file)
        .is_ok_and(|text| text.lines().nth(7).is_some_and(|s| s.trim() == "ready"))
}

fn wait_for_exit(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return true,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::binaries::{debian_bin_dirs, is_executable_file};
    use super::*;

    fn test_base() -> PathBuf {
        std::env::temp_dir().join("mcfp-private-pg-tests")
    }

    /// psql next to the server binaries, else Debian's wrapper.
    fn psql_select_1(pg: &PrivatePostgres) -> String {
        let bin = find_server_binaries().expect("server binaries");
        let psql = [bin.join("psql"), PathBuf::from("/usr/bin/psql")]
            .into_iter()
            .find(|p| p.exists())
            .expect("a psql binary");
        let out = Command::new(psql)
            .args(["-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &pg.port().to_string(), "-d", "postgres"])
            .args(["-c", "select 1 as one, current_user, version()"])
            .env("PGCONNECT_TIMEOUT", "5")
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn port_answers_false_on_closed_port_true_on_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().to_string();
        assert!(port_answers(&open, Duration::from_secs(1)));
        drop(listener);
        assert!(!port_answers(&open, Duration::from_secs(1)));
        assert!(!port_answers("not an address", Duration::from_secs(1)));
    }

    #[test]
    fn finds_server_binaries_on_this_machine() {
        let bin = find_server_binaries().expect("PostgreSQL server binaries are installed");
        for b in ["initdb", "pg_ctl", "postgres"] {
            assert!(is_executable_file(&bin.join(b)), "{b} missing in {bin:?}");
        }
        // Symlinks on PATH resolve to the real install, not e.g. /usr/local/bin.
        assert_eq!(fs::canonicalize(&bin).unwrap(), bin);
    }

    #[test]
    fn debian_versions_sort_highest_first() {
        let root = test_base().join(format!("versions-{}", std::process::id()));
        for v in ["9.6", "15", "13", "notaversion"] {
            fs::create_dir_all(root.join(v).join("bin")).unwrap();
        }
        let dirs = debian_bin_dirs(&root);
        let names: Vec<String> = dirs
            .iter()
            .map(|d| {
                d.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into()
            })
            .collect();
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(names, ["15", "13", "9.6"]);
    }

    #[test]
    fn no_binaries_message_says_how_to_get_a_server() {
        let msg = PrivatePgError::NoBinaries.to_string();
        assert!(
            msg.contains("postgresql") && msg.contains("DATABASE_URL"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
        let failed = PrivatePgError::CommandFailed {
            what: "initdb".into(),
            output: "line one\n\nline two\n".into(),
        };
        assert_eq!(
            failed.to_string(),
            "private PostgreSQL: initdb failed: line one | line two"
        );
    }

    #[test]
    fn starts_serves_and_stops_a_private_cluster() {
        let t0 = Instant::now();
        let mut pg = PrivatePostgres::start(&test_base()).expect("start private postgres");
        let started = t0.elapsed();
        let port = pg.port();
        assert_ne!(port, 5432);
        assert_eq!(
            pg.url("mcfp"),
            format!("postgres://postgres@127.0.0.1:{port}/mcfp")
        );
        assert!(pg.data_dir().join("PG_VERSION").is_file());

        let out = psql_select_1(&pg);
        assert!(
            out.starts_with("1|postgres|PostgreSQL "),
            "psql said: {out}"
        );

        let data_dir = pg.data_dir().to_path_buf();
        let t1 = Instant::now();
        pg.stop();
        let stopped = t1.elapsed();
        eprintln!("private postgres: start {started:?}, stop {stopped:?}");
        assert!(!port_answers(
            &format!("127.0.0.1:{port}"),
            Duration::from_millis(500)
        ));
        assert!(!data_dir.exists());
        assert!(!data_dir.parent().unwrap().exists());
        pg.stop(); // idempotent
    }

    #[test]
    fn two_clusters_at_once_get_different_ports_and_drop_cleans_up() {
        let (a, b) = thread::scope(|s| {
            let a = s.spawn(|| PrivatePostgres::start(&test_base()));
            let b = s.spawn(|| PrivatePostgres::start(&test_base()));
            (a.join().unwrap(), b.join().unwrap())
        });
        let (a, b) = (a.expect("start a"), b.expect("start b"));
        assert_ne!(a.port(), b.port());
        assert_ne!(a.data_dir(), b.data_dir());
        for pg in [&a, &b] {
            assert!(psql_select_1(pg).starts_with("1|postgres|"));
        }
        let dirs = [a.data_dir().to_path_buf(), b.data_dir().to_path_buf()];
        let ports = [a.port(), b.port()];
        drop(a);
        drop(b);
        for (dir, port) in dirs.iter().zip(ports) {
            assert!(!dir.exists());
            assert!(!port_answers(
                &format!("127.0.0.1:{port}"),
                Duration::from_millis(500)
            ));
        }
    }
}
