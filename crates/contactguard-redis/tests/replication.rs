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

use common::{connect, enabled, recipient_key, redis_url, Server, TempDir};
use contactguard::{Ask, Channel, Event, OptOut, Policy};
use contactguard_redis::{Config, Error, RedisLedger, REDIS_RULE_ID};
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"contactguard-redis replication test secret";

fn cap_policy() -> Policy {
    common::cap_policy("wait.calls")
}

fn ask(to: &str) -> Ask {
    common::ask(to, "d", "2026-03-02T02:00:00Z")
}

fn conn(port: u16) -> redis::Connection {
    connect(&redis_url(port))
}

fn len(port: u16, prefix: &str, to: &str) -> i64 {
    redis::cmd("LLEN")
        .arg(recipient_key(SECRET, prefix, to))
        .query(&mut conn(port))
        .unwrap()
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
    // No 5 s wait for more replicas before a full sync (the default).
    let quick = ["repl-diskless-sync-delay 0"];
    let primary = Server::start(dir, "primary", quick);
    let replica = Server::options()
        .replica_of(primary.port)
        .lines(quick)
        .start(dir, "replica");
    let (p, r) = (primary.port, replica.port);
    let start = Instant::now();
    loop {
        // The replica has loaded the primary's data, and the primary has
        // put it online (after its first acknowledgement): only then does
        // it count for WAIT.
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut conn(r))
            .unwrap();
        let on_primary: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut conn(p))
            .unwrap();
        if info.contains("master_link_status:up") && on_primary.contains("state=online") {
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
    let wait = Duration::from_millis(1000);
    let cfg = Config::new(&primary.url())
        .with_prefix("cg:wait:")
        .with_wait(1, wait);
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();

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
    assert!(took >= wait && took < wait * 3, "{took:?}");
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
        cap_policy(),
        SECRET,
        Config::new(&primary.url()).with_prefix("cg:nowait:"),
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

/// A primary, its replica and a Sentinel (quorum 1) watching them as `m`;
/// the ledger finds the primary through the Sentinel and waits for the
/// replica. The primary is killed mid-run: every ask is denied until the
/// Sentinel has promoted the replica and a replica follows it again (the
/// old primary, restarted as the new one's replica, as an operator would);
/// no attempt admitted before the kill is lost.
#[test]
fn a_sentinel_failover_loses_no_admitted_attempt_and_denies_during_the_outage() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("sentinel");
    let (primary, replica) = primary_and_replica(&dir);
    let sentinel = Server::options()
        .sentinel()
        .lines([
            format!("sentinel monitor m 127.0.0.1 {} 1", primary.port),
            "sentinel down-after-milliseconds m 400".to_owned(),
            "sentinel failover-timeout m 4000".to_owned(),
        ])
        .start(&dir, "sentinel");
    let master = || -> u16 {
        let (_, port): (String, u16) = redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg("m")
            .query(&mut sentinel.connect())
            .unwrap();
        port
    };
    // The Sentinel knows the replica.
    let start = Instant::now();
    loop {
        let replicas: Vec<redis::Value> = redis::cmd("SENTINEL")
            .arg("replicas")
            .arg("m")
            .query(&mut sentinel.connect())
            .unwrap();
        if replicas.len() == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{replicas:?}");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The URL's host and port are not used: the Sentinel names the primary.
    let cfg = Config::new("redis://127.0.0.1:1/")
        .with_sentinel("m", &[&sentinel.url()])
        .with_prefix("cg:sentinel:")
        .with_wait(1, Duration::from_millis(1000))
        .with_deadline(Duration::from_millis(500));
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    ledger.connect().unwrap();
    for _ in 0..2 {
        assert!(ledger.check_and_record(&ask("r")).decision.allow);
    }

    // kill -9 the primary: asks are denied while it is down, and after the
    // promotion while the new primary has no replica to acknowledge.
    let old = primary.port;
    drop(primary);
    let start = Instant::now();
    let mut denied = 0;
    let mut rejoined = None;
    // Each probe asks for another recipient: a probe denied after its
    // pending attempt reached the new primary (unacknowledged) leaves that
    // attempt recorded, which counts for its recipient only.
    loop {
        let a = ledger.check_and_record(&ask(&format!("probe-{denied}")));
        if a.decision.allow {
            break;
        }
        assert_eq!(a.decision.denials[0].id, REDIS_RULE_ID, "{:?}", a.decision);
        denied += 1;
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no failover: {:?}",
            a.decision
        );
        if rejoined.is_none() && master() == replica.port {
            // Promoted: the old primary comes back as its replica.
            rejoined = Some(
                Server::options()
                    .port(old)
                    .replica_of(replica.port)
                    .start(&dir, "rejoined"),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(rejoined.is_some(), "admitted before the failover was over");
    assert!(denied > 0, "the outage was not seen");
    assert_eq!(master(), replica.port);
    // Both attempts admitted before the kill survived: the cap of 3 is
    // reached with one more.
    assert!(ledger.check_and_record(&ask("r")).decision.allow);
    let fourth = ledger.check_and_record(&ask("r"));
    assert_eq!(
        fourth.decision.denials[0].id, "wait.calls",
        "{:?}",
        fourth.decision
    );
    assert_eq!(len(replica.port, "cg:sentinel:", "r"), 3);
    eprintln!(
        "failover: {denied} asks denied over {:?}, new primary on port {}",
        start.elapsed(),
        replica.port
    );
    drop(sentinel);
}

/// The primary becomes a replica under a connected ledger (roles swapped
/// by hand): nothing is admitted on it, and the ledger says why.
#[test]
fn a_replica_or_a_demoted_primary_admits_nothing() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("demoted");
    let (primary, replica) = primary_and_replica(&dir);
    let cfg = |port: u16| {
        Config::new(&redis_url(port))
            .with_prefix("cg:demoted:")
            .with_deadline(Duration::from_millis(300))
    };
    let policy = cap_policy();

    // A replica's address: refused at connect, every ask denied.
    let on_replica = RedisLedger::new(policy.clone(), SECRET, cfg(replica.port)).unwrap();
    let err = on_replica.connect().unwrap_err();
    assert!(err.to_string().contains("is a replica"), "{err}");
    let a = on_replica.check_and_record(&ask("r"));
    assert!(!a.decision.allow && a.decision.denials[0].id == REDIS_RULE_ID);
    assert!(a.decision.denials[0].message.contains("is a replica"));

    // Connected to the primary (waiting for the replica, so that the first
    // attempt is there before the swap), which is then demoted.
    let ledger = RedisLedger::new(
        policy,
        SECRET,
        cfg(primary.port).with_wait(1, Duration::from_millis(1000)),
    )
    .unwrap();
    assert!(ledger.check_and_record(&ask("r")).decision.allow);
    redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .exec(&mut conn(replica.port))
        .unwrap();
    redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(replica.port)
        .exec(&mut conn(primary.port))
        .unwrap();
    for _ in 0..3 {
        let a = ledger.check_and_record(&ask("r"));
        assert!(!a.decision.allow, "{:?}", a.decision);
        assert_eq!(a.decision.denials[0].id, REDIS_RULE_ID);
    }
    // Pointed at the new primary, the ledger goes on: the first attempt
    // was replicated before the swap, so two more fit under the cap.
    let moved = RedisLedger::new(cap_policy(), SECRET, cfg(replica.port)).unwrap();
    let admitted = (0..4)
        .filter(|_| moved.check_and_record(&ask("r")).decision.allow)
        .count();
    assert_eq!(admitted, 2);
}
