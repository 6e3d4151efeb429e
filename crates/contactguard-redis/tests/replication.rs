//! `Config::wait` against a real primary and replica this file starts (on
//! free loopback ports): an ask is admitted only once a replica has its
//! pending attempt; with the replica stopped (SIGSTOP) asks are denied,
//! fail closed, and the attempts written to the primary meanwhile still
//! count. Run by `make redis-test`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{enabled, free_port, Server, TempDir};
use contactguard::ledger::KeyedHash;
use contactguard::{Ask, Channel, Event, OptOut, Policy, Role};
use contactguard_redis::{Config, Error, RedisLedger, REDIS_RULE_ID};
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"contactguard-redis replication test secret";

const CAP_POLICY: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "wait.calls"
title = "At most three calls a day"
cite = "test"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { channels = ["call"] }
when = { channels = ["call"] }
"#;

fn ask(to: &str) -> Ask {
    Ask {
        at: "2026-03-02T02:00:00Z".parse().unwrap(),
        channel: Channel::Call,
        to: to.to_owned(),
        role: Role::Debtor,
        debt: "d".to_owned(),
        timezones: vec!["Asia/Shanghai".to_owned()],
        place: None,
        autodialed: None,
        purpose: None,
        days_past_due: None,
    }
}

fn conn(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap()
        .get_connection()
        .unwrap()
}

fn len(port: u16, prefix: &str, to: &str) -> i64 {
    let mut k = prefix.as_bytes().to_vec();
    k.extend_from_slice(b"r:");
    k.extend_from_slice(&KeyedHash::new(SECRET).recipient(to));
    redis::cmd("LLEN").arg(k).query(&mut conn(port)).unwrap()
}

fn signal(server: &Server, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &server.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

/// A primary and a replica in sync with it.
fn primary_and_replica(dir: &TempDir) -> (Server, Server) {
    let (p, r) = (free_port(), free_port());
    // No 5 s wait for more replicas before a full sync (the default).
    let quick = "repl-diskless-sync-delay 0".to_owned();
    let primary = Server::start(dir, "primary", p, &[format!("port {p}"), quick.clone()]);
    let replica = Server::start(
        dir,
        "replica",
        r,
        &[
            format!("port {r}"),
            format!("replicaof 127.0.0.1 {p}"),
            quick,
        ],
    );
    let start = Instant::now();
    loop {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut conn(r))
            .unwrap();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{info}");
        std::thread::sleep(Duration::from_millis(20));
    }
    (primary, replica)
}

#[test]
fn with_wait_an_ask_is_admitted_only_once_a_replica_has_it() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("wait");
    let (primary, replica) = primary_and_replica(&dir);
    let wait = Duration::from_millis(300);
    let cfg = Config::new(&format!("redis://127.0.0.1:{}/", primary.port))
        .with_prefix("cg:wait:")
        .with_wait(1, wait);
    let ledger = RedisLedger::new(Policy::from_toml(CAP_POLICY).unwrap(), SECRET, cfg).unwrap();

    // Each admission is on the replica when the ask is admitted.
    for n in 1..=3 {
        assert!(ledger.check_and_record(&ask("r")).decision.allow);
        assert_eq!(len(replica.port, "cg:wait:", "r"), n);
    }
    assert_eq!(
        ledger.check_and_record(&ask("r")).decision.denials[0].id,
        "wait.calls"
    );

    // The replica stops acknowledging: asks are written to the primary but
    // not admitted.
    signal(&replica, "-STOP");
    let start = Instant::now();
    let a = ledger.check_and_record(&ask("s"));
    let took = start.elapsed();
    assert!(!a.decision.allow && a.ticket.is_none(), "{:?}", a.decision);
    assert_eq!(a.decision.denials[0].id, REDIS_RULE_ID);
    let message = &a.decision.denials[0].message;
    assert!(message.contains("0 of 1 replicas"), "{message}");
    assert!(took >= wait && took < Duration::from_secs(2), "{took:?}");
    assert_eq!(len(primary.port, "cg:wait:", "s"), 1);
    // A recorded event is on the primary, and the caller is told.
    let optout = Event::OptOut(OptOut {
        at: "2026-03-02T02:00:00Z".parse().unwrap(),
        to: "t".to_owned(),
        channel: Channel::Sms,
        place: None,
    });
    let err = ledger.record(&optout).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotReplicated {
                acknowledged: 0,
                wanted: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // Without `wait` the primary's acknowledgement is enough: this is the
    // window an asynchronous failover could lose.
    let no_wait = RedisLedger::new(
        Policy::from_toml(CAP_POLICY).unwrap(),
        SECRET,
        Config::new(&format!("redis://127.0.0.1:{}/", primary.port)).with_prefix("cg:nowait:"),
    )
    .unwrap();
    assert!(no_wait.check_and_record(&ask("s")).decision.allow);

    // Back: asks are admitted again, and the attempt written while the
    // replica was away counts (pending): 2 more under the cap of 3.
    signal(&replica, "-CONT");
    let admitted = (0..5)
        .filter(|_| ledger.check_and_record(&ask("s")).decision.allow)
        .count();
    assert_eq!(admitted, 2);
    assert_eq!(len(replica.port, "cg:wait:", "s"), 3);
}

/// A primary, two replicas and a Sentinel (quorum 1) watching them as `m`.
/// The primary is killed mid-run: every ask until the Sentinel has
/// promoted a replica is denied, and no attempt admitted before (with
/// `wait(1, …)`) is lost.
#[test]
fn a_sentinel_failover_loses_no_admitted_attempt_and_denies_during_the_outage() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("sentinel");
    let (primary, replica) = primary_and_replica(&dir);
    let r2 = free_port();
    let replica2 = Server::start(
        &dir,
        "replica2",
        r2,
        &[
            format!("port {r2}"),
            format!("replicaof 127.0.0.1 {}", primary.port),
        ],
    );
    let s = free_port();
    let sentinel = Server::start_with(
        &dir,
        "sentinel",
        s,
        &[
            format!("port {s}"),
            format!("sentinel monitor m 127.0.0.1 {} 1", primary.port),
            "sentinel down-after-milliseconds m 400".to_owned(),
            "sentinel failover-timeout m 4000".to_owned(),
            "sentinel parallel-syncs m 2".to_owned(),
        ],
        &["--sentinel"],
    );
    // The Sentinel knows both replicas, and both are in sync.
    let start = Instant::now();
    loop {
        let replicas: Vec<redis::Value> = redis::cmd("SENTINEL")
            .arg("replicas")
            .arg("m")
            .query(&mut conn(s))
            .unwrap();
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut conn(r2))
            .unwrap();
        if replicas.len() == 2 && info.contains("master_link_status:up") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{replicas:?} {info}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The URL's host and port are not used: the Sentinel names the primary.
    let cfg = Config::new("redis://127.0.0.1:1/")
        .with_sentinel("m", &[&format!("redis://127.0.0.1:{s}/")])
        .with_prefix("cg:sentinel:")
        .with_wait(1, Duration::from_millis(300))
        .with_deadline(Duration::from_millis(500));
    let ledger = RedisLedger::new(Policy::from_toml(CAP_POLICY).unwrap(), SECRET, cfg).unwrap();
    ledger.connect().unwrap();
    for _ in 0..2 {
        assert!(ledger.check_and_record(&ask("r")).decision.allow);
    }

    // kill -9 the primary: asks are denied until a replica is promoted.
    let old = primary.port;
    drop(primary);
    let start = Instant::now();
    let mut denied = 0;
    let third = loop {
        let a = ledger.check_and_record(&ask("r"));
        if a.decision.allow {
            break a;
        }
        assert_eq!(a.decision.denials[0].id, REDIS_RULE_ID, "{:?}", a.decision);
        denied += 1;
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no failover: {:?}",
            a.decision
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(third.ticket.is_some());
    assert!(denied > 0, "the outage was not seen");
    let (_, port): (String, u16) = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg("m")
        .query(&mut conn(s))
        .unwrap();
    assert!(
        port == replica.port || port == replica2.port,
        "{port} (was {old})"
    );
    // Both attempts admitted before the kill survived: the cap of 3 is
    // reached with the one admitted after the failover.
    let fourth = ledger.check_and_record(&ask("r"));
    assert_eq!(
        fourth.decision.denials[0].id, "wait.calls",
        "{:?}",
        fourth.decision
    );
    assert_eq!(len(port, "cg:sentinel:", "r"), 3);
    eprintln!(
        "failover: {denied} asks denied over {:?}, new primary on port {port}",
        start.elapsed()
    );
    drop(sentinel);
}
