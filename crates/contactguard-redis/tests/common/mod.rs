//! Helpers shared by the Redis ledger's test files: whether a server is
//! expected, temporary directories, free loopback ports, `redis-server`
//! processes (plain, TLS, replica or Sentinel) killed on drop, their URLs,
//! and the asks, policy and keys the tests build.
#![allow(dead_code, reason = "each test file uses some of the helpers")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::ledger::KeyedHash;
use contactguard::{Ask, Channel, Decision, Policy, Role};
use contactguard_redis::REDIS_RULE_ID;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SKIPPED: &str = "CONTACTGUARD_REDIS_URL not set: skipped (run `make redis-test`)";

/// Whether the tests that start their own servers run: under
/// `make redis-test` (CONTACTGUARD_REDIS_URL or _REQUIRED set).
pub fn enabled() -> bool {
    if std::env::var_os("CONTACTGUARD_REDIS_URL").is_some()
        || std::env::var_os("CONTACTGUARD_REDIS_REQUIRED").is_some()
    {
        return true;
    }
    eprintln!("{SKIPPED}");
    false
}

/// The URL of the server `make redis-test` started, or `None` (with a
/// message) when there is none; a missing URL fails when
/// CONTACTGUARD_REDIS_REQUIRED is set.
pub fn shared_url() -> Option<String> {
    match std::env::var("CONTACTGUARD_REDIS_URL") {
        Ok(u) => Some(u),
        Err(_) => {
            assert!(
                std::env::var_os("CONTACTGUARD_REDIS_REQUIRED").is_none(),
                "CONTACTGUARD_REDIS_URL is not set"
            );
            eprintln!("{SKIPPED}");
            None
        }
    }
}

/// `{process id}:{nanoseconds since the epoch}`: unique to one run.
pub fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}:{nanos}", std::process::id())
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "contactguard-{what}-{}",
            unique().replace(':', "-")
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `redis://127.0.0.1:{port}/`.
pub fn redis_url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}/")
}

/// A plain connection to `url`, for the test's own commands.
pub fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// A policy with one rule `id`: at most three calls a day to a recipient.
pub fn cap_policy(id: &str) -> Policy {
    Policy::from_toml(&format!(
        r#"
format = "contactguard-policy/1"
[[rules]]
id = "{id}"
title = "At most three calls a day"
cite = "test"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = {{ channels = ["call"] }}
when = {{ channels = ["call"] }}
"#
    ))
    .unwrap()
}

/// A time an ask is at: a timestamp, or its text.
pub trait When {
    fn timestamp(self) -> jiff::Timestamp;
}

impl When for jiff::Timestamp {
    fn timestamp(self) -> jiff::Timestamp {
        self
    }
}

impl When for &str {
    fn timestamp(self) -> jiff::Timestamp {
        self.parse().unwrap()
    }
}

impl When for &String {
    fn timestamp(self) -> jiff::Timestamp {
        self.parse().unwrap()
    }
}

/// A call to debtor `to` about `debt` at `at`, in Asia/Shanghai.
pub fn ask(to: &str, debt: &str, at: impl When) -> Ask {
    Ask {
        at: at.timestamp(),
        channel: Channel::Call,
        to: to.to_owned(),
        role: Role::Debtor,
        debt: debt.to_owned(),
        timezones: vec!["Asia/Shanghai".to_owned()],
        place: None,
        autodialed: None,
        purpose: None,
        days_past_due: None,
    }
}

/// A denial because Redis could not be used (fail closed).
pub fn is_redis_denial(d: &Decision) -> bool {
    !d.allow && d.denials.iter().any(|x| x.id == REDIS_RULE_ID)
}

/// The Redis key of recipient `to`'s list under `prefix`.
pub fn recipient_key(secret: &[u8], prefix: &str, to: &str) -> Vec<u8> {
    let mut k = prefix.as_bytes().to_vec();
    k.extend_from_slice(b"r:");
    k.extend_from_slice(&KeyedHash::new(secret).recipient(to));
    k
}

/// How to start a [`Server`]: `Server::options()`, then any of these,
/// then [`Options::start`].
#[derive(Default)]
pub struct Options {
    port: Option<u16>,
    tls: bool,
    replica_of: Option<u16>,
    sentinel: bool,
    lines: Vec<String>,
}

impl Options {
    /// Listens on `port` (by default a free one).
    pub fn port(mut self, port: u16) -> Options {
        self.port = Some(port);
        self
    }

    /// TLS only, with `server.pem`, `server.key` and `ca.pem` of the
    /// server's directory (plain TCP off).
    pub fn tls(mut self) -> Options {
        self.tls = true;
        self
    }

    /// A replica of the server on `primary`.
    pub fn replica_of(mut self, primary: u16) -> Options {
        self.replica_of = Some(primary);
        self
    }

    /// A Sentinel (`--sentinel`).
    pub fn sentinel(mut self) -> Options {
        self.sentinel = true;
        self
    }

    /// More configuration lines.
    pub fn lines<S: Into<String>>(mut self, lines: impl IntoIterator<Item = S>) -> Options {
        self.lines.extend(lines.into_iter().map(Into::into));
        self
    }

    /// Starts `redis-server` (its configuration, log and data in `dir`
    /// under `name`, no persistence), waiting until it listens.
    pub fn start(self, dir: &TempDir, name: &str) -> Server {
        let port = self.port.unwrap_or_else(free_port);
        let file = |n: &str| dir.path(n).display().to_string();
        let log = file(&format!("{name}.log"));
        let mut text = format!(
            "bind 127.0.0.1 127.0.0.2\ndir {}\nsave \"\"\nappendonly no\nlogfile {log}\n",
            dir.0.display(),
        );
        let mut lines = Vec::new();
        if self.tls {
            lines.extend([
                "port 0".to_owned(),
                format!("tls-port {port}"),
                format!("tls-cert-file {}", file("server.pem")),
                format!("tls-key-file {}", file("server.key")),
                format!("tls-ca-cert-file {}", file("ca.pem")),
            ]);
        } else {
            lines.push(format!("port {port}"));
        }
        if let Some(primary) = self.replica_of {
            lines.push(format!("replicaof 127.0.0.1 {primary}"));
        }
        for l in lines.iter().chain(&self.lines) {
            text.push_str(l);
            text.push('\n');
        }
        let conf = dir.path(&format!("{name}.conf"));
        std::fs::write(&conf, text).unwrap();
        let mut command = Command::new("redis-server");
        command.arg(&conf);
        if self.sentinel {
            command.arg("--sentinel");
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed (make redis-deps)");
        // Killed on drop from here on, should the wait fail.
        let server = Server {
            child,
            port,
            tls: self.tls,
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server {name} did not listen on {port}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

/// A `redis-server` child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    tls: bool,
}

impl Server {
    pub fn options() -> Options {
        Options::default()
    }

    /// A plain server on a free port with `lines` added to its
    /// configuration.
    pub fn start<S: Into<String>>(
        dir: &TempDir,
        name: &str,
        lines: impl IntoIterator<Item = S>,
    ) -> Server {
        Server::options().lines(lines).start(dir, name)
    }

    /// `redis://127.0.0.1:{port}/`, or `rediss://` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/", self.port)
    }

    /// A plain connection to this server.
    pub fn connect(&self) -> redis::Connection {
        connect(&self.url())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
