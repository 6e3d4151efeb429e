//! The Redis ledger against a real server. `make redis-test` starts one and
//! sets CONTACTGUARD_REDIS_URL (and _CONF, _PIDFILE for the restart test);
//! without it these tests say so and pass, unless
//! CONTACTGUARD_REDIS_REQUIRED is set. Run one at a time
//! (`--test-threads=1`): the restart test kills the server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{
    ask, connect, free_port, is_redis_denial, recipient_key, redis_url, shared_url, unique,
};
use contactguard::ledger::{KeyedHash, Ledger};
use contactguard::{
    AttemptResult, Channel, Consent, Event, Hold, HoldReason, OptOut, Place, Policy,
};
use contactguard_redis::{Config, RedisLedger, GRACE_SECONDS};
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"contactguard-redis test secret";

fn prefix(test: &str) -> String {
    format!("test:{test}:{}:", unique())
}

fn config(url: &str, test: &str) -> Config {
    let mut c = Config::new(url);
    c.prefix = prefix(test);
    c
}

fn cap_policy() -> Policy {
    common::cap_policy("race.calls")
}

fn rec_key(prefix: &str, to: &str) -> Vec<u8> {
    recipient_key(SECRET, prefix, to)
}

#[test]
fn processes_racing_admit_exactly_the_cap() {
    let Some(url) = shared_url() else { return };
    let p = prefix("race");
    let (procs, recipients, per) = (4, 20, 6);
    let children: Vec<_> = (0..procs)
        .map(|seed| {
            Command::new(env!("CARGO_BIN_EXE_contactguard-redis-tool"))
                .args([
                    "race",
                    &url,
                    &p,
                    &recipients.to_string(),
                    &per.to_string(),
                    &seed.to_string(),
                ])
                .output()
                .unwrap()
        })
        .collect();
    let mut admitted = vec![0u64; recipients];
    for out in children {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let r: usize = f[0].trim_start_matches('r').parse().unwrap();
            admitted[r] += f[1].parse::<u64>().unwrap();
            assert_eq!(f[2], "0", "Redis denials in {line}");
        }
    }
    // 4 processes x 6 asks = 24 asks per recipient, a cap of 3.
    assert_eq!(admitted, vec![3; recipients]);
    // And Redis holds exactly the admitted attempts.
    let mut c = connect(&url);
    for r in 0..recipients {
        let n: usize = redis::cmd("LLEN")
            .arg(rec_key(&p, &format!("r{r}")))
            .query(&mut c)
            .unwrap();
        assert_eq!(n, 3, "r{r}");
    }
}

/// A small deterministic generator (xorshift), to vary the asks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn decisions_equal_the_in_memory_ledger() {
    let Some(url) = shared_url() else { return };
    for (name, policy) in [
        ("cap", cap_policy()),
        ("cn+conduct", Policy::preset("cn+conduct").unwrap()),
        ("us-reg-f", Policy::preset("us-reg-f").unwrap()),
    ] {
        let redis_ledger = RedisLedger::new(policy.clone(), SECRET, config(&url, "eq")).unwrap();
        let mem = Ledger::with_key(policy, SECRET);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut t: jiff::Timestamp = "2026-03-02T00:30:00Z".parse().unwrap();
        let mut tickets = Vec::new();
        let mut allowed = 0;
        for step in 0..600 {
            t = t
                .checked_add(jiff::SignedDuration::from_secs(
                    i64::try_from(rng.below(3 * 3600)).unwrap(),
                ))
                .unwrap();
            let who = rng.below(4);
            let debt = rng.below(3);
            let to = format!("+86138000000{who}");
            let debt = format!("loan-{debt}");
            let roll = rng.below(100);
            if roll < 5 {
                let event = match rng.below(4) {
                    0 => Event::OptOut(OptOut {
                        at: t,
                        to: to.clone(),
                        channel: Channel::Sms,
                        place: None,
                    }),
                    1 => Event::Consent(Consent {
                        at: t,
                        to: to.clone(),
                        channel: Channel::Call,
                        granted: rng.below(2) == 0,
                        kind: None,
                    }),
                    2 => Event::Hold(Hold {
                        at: t,
                        debt: debt.clone(),
                        reason: HoldReason::PromiseToPay,
                        until: t.checked_add(jiff::SignedDuration::from_hours(30)).ok(),
                    }),
                    // An attempt made elsewhere, its outcome known or not.
                    _ => Event::attempt_from(
                        &ask(&to, &debt, &t.to_string()),
                        if rng.below(2) == 0 {
                            AttemptResult::Conversation
                        } else {
                            AttemptResult::Pending
                        },
                    ),
                };
                mem.record(&event).unwrap();
                redis_ledger.record(&event).unwrap();
                continue;
            }
            // Now and then an ask a little (or too far) behind the latest.
            let at = match roll {
                5..=8 => t.checked_sub(jiff::SignedDuration::from_secs(30)).unwrap(),
                9..=10 => t.checked_sub(jiff::SignedDuration::from_secs(600)).unwrap(),
                _ => t,
            };
            let mut a = ask(&to, &debt, &at.to_string());
            a.channel = [Channel::Call, Channel::Sms, Channel::Call, Channel::Visit]
                [usize::try_from(rng.below(4)).unwrap()];
            a.place = [None, Some(Place::Mobile), Some(Place::Work)]
                [usize::try_from(rng.below(3)).unwrap()];
            let want = mem.check_and_record(&a);
            let got = redis_ledger.check_and_record(&a);
            assert_eq!(got.decision, want.decision, "{name}, step {step}: {a:?}");
            assert_eq!(got.at, want.at, "{name}, step {step}");
            assert_eq!(got.ticket.is_some(), want.ticket.is_some());
            if let (Some(g), Some(w)) = (got.ticket, want.ticket) {
                allowed += 1;
                tickets.push((g, w));
            }
            // Complete some of the pending attempts, in a shuffled order.
            if tickets.len() > 2 && rng.below(3) > 0 {
                let i = usize::try_from(rng.below(tickets.len() as u64)).unwrap();
                let (g, w) = tickets.swap_remove(i);
                // Any outcome; `pending` is refused by both.
                let result = AttemptResult::ALL
                    [usize::try_from(rng.below(AttemptResult::ALL.len() as u64)).unwrap()];
                if result == AttemptResult::Pending {
                    assert!(mem.complete(&w, result).is_err());
                    assert!(redis_ledger.complete(&g, result).is_err());
                    tickets.push((g, w));
                } else {
                    let want = mem.complete(&w, result);
                    let got = redis_ledger.complete(&g, result);
                    // Either ledger may already have dropped an attempt
                    // older than the look-back that the other keeps (Redis
                    // does not trim lists with state events; the in-memory
                    // ledger prunes only when a list is full); such
                    // attempts no longer change decisions.
                    let old = mem.policy().lookback_seconds().is_some_and(|l| {
                        w.at() < t - jiff::SignedDuration::from_secs(l + GRACE_SECONDS)
                    });
                    if !old {
                        assert!(want.is_ok(), "{name}, step {step}: {want:?}");
                        assert!(got.is_ok(), "{name}, step {step}: {got:?}");
                    }
                }
            }
            let check = ask(&to, &debt, &t.to_string());
            assert_eq!(redis_ledger.check(&check), mem.check(&check), "{name}");
        }
        assert!(allowed > 20, "{name}: only {allowed} admitted");
    }
}

/// Issue 13's scenario: `cn` allows 6 unanswered calls a day (`cn.3`); with
/// 5 recorded, three dialers racing `check_and_record` get one admission,
/// so when every call in flight ends unanswered the day has 6.
#[test]
fn cn_calls_in_flight_never_end_the_day_past_cn_3() {
    let Some(url) = shared_url() else { return };
    let policy = Policy::preset("cn").unwrap();
    for round in 0..10 {
        let cfg = config(&url, "cn3");
        let first = RedisLedger::new(policy.clone(), SECRET, cfg.clone()).unwrap();
        for i in 0..5 {
            let a = ask(
                "+8613800000000",
                "loan-1",
                &format!("2026-03-03T01:{i}0:00Z"),
            );
            first
                .record(&Event::attempt_from(&a, AttemptResult::NoAnswer))
                .unwrap();
        }
        let barrier = std::sync::Barrier::new(3);
        let admitted: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3)
                .map(|i| {
                    let (policy, cfg, barrier) = (policy.clone(), cfg.clone(), &barrier);
                    s.spawn(move || {
                        let dialer = RedisLedger::new(policy, SECRET, cfg).unwrap();
                        let a = ask(
                            "+8613800000000",
                            "loan-1",
                            &format!("2026-03-03T03:00:0{i}.{round}Z"),
                        );
                        barrier.wait();
                        let got = dialer.check_and_record(&a);
                        assert!(!is_redis_denial(&got.decision), "{:?}", got.decision);
                        got.ticket.map(|t| (dialer, t))
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(admitted.len(), 1, "round {round}");
        for (dialer, t) in &admitted {
            dialer.complete(t, AttemptResult::NoAnswer).unwrap();
        }
        // Six unanswered now: cn.3 denies the next call.
        let next = first.check(&ask("+8613800000000", "loan-1", "2026-03-03T05:00:00Z"));
        assert!(next.denials.iter().any(|d| d.id == "cn.3"), "{next:?}");
    }
}

fn pid_of_server() -> Option<i32> {
    let f = std::env::var("CONTACTGUARD_REDIS_PIDFILE").ok()?;
    std::fs::read_to_string(f).ok()?.trim().parse().ok()
}

fn wait_for(url: &str, up: bool) {
    let start = Instant::now();
    loop {
        let ok = redis::Client::open(url)
            .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(100)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok();
        if ok == up {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "server up={ok}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_and_restart_loses_nothing_acknowledged() {
    let Some(url) = shared_url() else { return };
    let (Some(pid), Ok(conf)) = (pid_of_server(), std::env::var("CONTACTGUARD_REDIS_CONF")) else {
        panic!(
            "CONTACTGUARD_REDIS_PIDFILE and CONTACTGUARD_REDIS_CONF are needed to restart Redis"
        );
    };
    let ledger = RedisLedger::new(cap_policy(), SECRET, config(&url, "restart")).unwrap();
    let at = "2026-03-02T02:00:00Z";
    let first = ledger.check_and_record(&ask("r", "d", at));
    let second = ledger.check_and_record(&ask("r", "d", at));
    assert!(first.decision.allow && second.decision.allow);
    let ticket = second.ticket.unwrap();

    // kill -9: only what was fsynced to the append-only file survives.
    assert!(Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    wait_for(&url, false);
    let start = Instant::now();
    let down = ledger.check_and_record(&ask("r", "d", at));
    assert!(is_redis_denial(&down.decision), "{:?}", down.decision);
    assert!(down.ticket.is_none());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "denied after {:?}",
        start.elapsed()
    );
    assert!(ledger.complete(&ticket, AttemptResult::NoAnswer).is_err());
    let message = &down.decision.denials[0].message;
    assert!(message.contains("fail closed"), "{message}");

    assert!(Command::new("redis-server")
        .arg(&conf)
        .status()
        .unwrap()
        .success());
    wait_for(&url, true);
    // Both acknowledged attempts are there: one more fits under the cap.
    ledger.complete(&ticket, AttemptResult::NoAnswer).unwrap();
    let third = ledger.check_and_record(&ask("r", "d", at));
    assert!(third.decision.allow, "{:?}", third.decision);
    let fourth = ledger.check_and_record(&ask("r", "d", at));
    assert!(!fourth.decision.allow);
    assert_eq!(fourth.decision.denials[0].id, "race.calls");
}

#[test]
fn a_paused_server_is_denied_within_the_deadline_then_works() {
    let Some(url) = shared_url() else { return };
    let mut cfg = config(&url, "pause");
    cfg.io_timeout = Duration::from_millis(100);
    cfg.deadline = Duration::from_millis(400);
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    let at = "2026-03-02T02:00:00Z";
    assert!(ledger.check_and_record(&ask("r", "d", at)).decision.allow);
    let mut c = connect(&url);
    redis::cmd("CLIENT")
        .arg(&["PAUSE", "1500", "ALL"])
        .exec(&mut c)
        .unwrap();
    let start = Instant::now();
    let slow = ledger.check_and_record(&ask("r", "d", at));
    let took = start.elapsed();
    assert!(is_redis_denial(&slow.decision), "{:?}", slow.decision);
    // The deadline plus at most one I/O timeout and a connect.
    assert!(took < Duration::from_millis(1_000), "took {took:?}");
    std::thread::sleep(Duration::from_millis(1_600));
    assert!(ledger.check_and_record(&ask("r", "d", at)).decision.allow);
    assert!(ledger.check_and_record(&ask("r", "d", at)).decision.allow);
    // The cap holds: whatever the paused attempt left, never a fourth.
    assert!(!ledger.check_and_record(&ask("r", "d", at)).decision.allow);
}

#[test]
fn a_commit_that_fails_is_not_an_admission() {
    let Some(url) = shared_url() else { return };
    let mut cfg = config(&url, "midtx");
    cfg.io_timeout = Duration::from_millis(150);
    let p = cfg.prefix.clone();
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    let at = "2026-03-02T02:00:00Z";
    let mut c = connect(&url);
    // Reads go through, the EXEC of a transaction that writes waits.
    redis::cmd("CLIENT")
        .arg(&["PAUSE", "1000", "WRITE"])
        .exec(&mut c)
        .unwrap();
    let a = ledger.check_and_record(&ask("r", "d", at));
    assert!(is_redis_denial(&a.decision), "{:?}", a.decision);
    assert!(a.ticket.is_none());
    let message = &a.decision.denials[0].message;
    assert!(message.contains("unknown"), "{message}");
    std::thread::sleep(Duration::from_millis(1_100));
    redis::cmd("CLIENT").arg("UNPAUSE").exec(&mut c).unwrap();
    // The unknown commit was applied or not; either way the admitted
    // attempts plus the recorded ones never pass the cap.
    let recorded: usize = redis::cmd("LLEN")
        .arg(rec_key(&p, "r"))
        .query(&mut c)
        .unwrap();
    assert!(recorded <= 1);
    let mut admitted = 0;
    for _ in 0..5 {
        if ledger.check_and_record(&ask("r", "d", at)).decision.allow {
            admitted += 1;
        }
    }
    assert_eq!(admitted + recorded, 3);
}

#[test]
fn an_unreachable_server_is_denied_quickly() {
    if shared_url().is_none() {
        return;
    }
    // A loopback port nothing listens on.
    let mut cfg = Config::new(&redis_url(free_port()));
    cfg.deadline = Duration::from_millis(300);
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    let start = Instant::now();
    let a = ledger.check_and_record(&ask("r", "d", "2026-03-02T02:00:00Z"));
    assert!(is_redis_denial(&a.decision));
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(is_redis_denial(&ledger.check(&ask(
        "r",
        "d",
        "2026-03-02T02:00:00Z"
    ))));
    let optout = Event::OptOut(OptOut {
        at: "2026-03-02T02:00:00Z".parse().unwrap(),
        to: "r".to_owned(),
        channel: Channel::Call,
        place: None,
    });
    assert!(ledger.record(&optout).is_err());
}

#[test]
fn keys_expire_with_the_lookback_and_old_attempts_are_trimmed() {
    let Some(url) = shared_url() else { return };
    let cfg = config(&url, "expiry");
    let p = cfg.prefix.clone();
    let policy = cap_policy();
    let lookback = policy.lookback_seconds().unwrap();
    let ledger = RedisLedger::new(policy, SECRET, cfg).unwrap();
    let mut c = connect(&url);
    // One ask a day for ten days: only the recent ones stay.
    for day in 1..=10 {
        let at = format!("2026-03-{day:02}T02:00:00Z");
        assert!(ledger.check_and_record(&ask("r", "d", &at)).decision.allow);
    }
    let len: i64 = redis::cmd("LLEN")
        .arg(rec_key(&p, "r"))
        .query(&mut c)
        .unwrap();
    let kept_days = (lookback + contactguard_redis::GRACE_SECONDS) / 86_400 + 2;
    assert!(len <= kept_days, "{len} attempts kept");
    let ttl: i64 = redis::cmd("TTL")
        .arg(rec_key(&p, "r"))
        .query(&mut c)
        .unwrap();
    assert!(
        ttl > 0 && ttl <= lookback + contactguard_redis::GRACE_SECONDS,
        "{ttl}"
    );
    // A state event is kept for good: the key no longer expires.
    let optout = Event::OptOut(OptOut {
        at: "2026-03-10T03:00:00Z".parse().unwrap(),
        to: "r".to_owned(),
        channel: Channel::Sms,
        place: None,
    });
    ledger.record(&optout).unwrap();
    let ttl: i64 = redis::cmd("TTL")
        .arg(rec_key(&p, "r"))
        .query(&mut c)
        .unwrap();
    assert_eq!(ttl, -1);
    // Only the two keyed-hash keys exist: no key is stored in the clear.
    let mut keys: Vec<Vec<u8>> = redis::cmd("KEYS")
        .arg(format!("{p}*"))
        .query(&mut c)
        .unwrap();
    keys.sort();
    let mut debt_key = p.as_bytes().to_vec();
    debt_key.extend_from_slice(b"d:");
    debt_key.extend_from_slice(&KeyedHash::new(SECRET).debt("d"));
    let mut want = vec![debt_key, rec_key(&p, "r")];
    want.sort();
    assert_eq!(keys, want);
}
