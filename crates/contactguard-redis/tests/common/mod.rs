//! Helpers shared by the test files that start their own `redis-server`
//! processes: temporary directories, free loopback ports, servers killed
//! on drop.
#![allow(dead_code, reason = "each test file uses some of the helpers")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn enabled() -> bool {
    if std::env::var_os("CONTACTGUARD_REDIS_URL").is_some()
        || std::env::var_os("CONTACTGUARD_REDIS_REQUIRED").is_some()
    {
        return true;
    }
    eprintln!("CONTACTGUARD_REDIS_URL not set: skipped (run `make redis-test`)");
    false
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!(
            "contactguard-{what}-{}-{nanos}",
            std::process::id()
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

/// A `redis-server` child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `redis-server` with `lines` as its configuration (plus a
    /// directory, no persistence), waiting until it listens on `port`.
    pub fn start(dir: &TempDir, name: &str, port: u16, lines: &[String]) -> Server {
        Server::start_with(dir, name, port, lines, &[])
    }

    /// As [`Server::start`], with `args` after the configuration file.
    pub fn start_with(
        dir: &TempDir,
        name: &str,
        port: u16,
        lines: &[String],
        args: &[&str],
    ) -> Server {
        let conf = dir.path(&format!("{name}.conf"));
        let mut text = format!(
            "bind 127.0.0.1 127.0.0.2\ndir {}\nsave \"\"\nappendonly no\nlogfile {}\n",
            dir.0.display(),
            dir.path(&format!("{name}.log")).display()
        );
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(&conf, text).unwrap();
        let child = Command::new("redis-server")
            .arg(&conf)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed (make redis-deps)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server {name} did not listen on {port}: {}",
                std::fs::read_to_string(dir.path(&format!("{name}.log"))).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
