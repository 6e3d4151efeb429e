//! The shared ledger scenarios (`tests/ledger-scenarios/*.json`,
//! `contactguard-ledger-scenario/1`) on a fresh in-memory ledger and on a
//! fresh Redis ledger (a private `redis-server` started here on a free
//! port, a unique key prefix per run): every step's `expect` holds on both,
//! and both give the same decision (allow, denying rule ids, retry_at).
//! Without `redis-server` on the PATH the Redis half is skipped with a
//! message, unless CONTACTGUARD_REDIS_REQUIRED is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{unique, Server, TempDir};
use contactguard::ledger::{Admission, Ledger, Ticket};
use contactguard::vectors::{case_policy, compare, Expect};
use contactguard::{Ask, AttemptResult, Decision, Event, Policy};
use contactguard_redis::{Config, RedisLedger};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

const FORMAT: &str = "contactguard-ledger-scenario/1";

/// The operations a runner needs, on either backend.
trait Backend {
    fn check(&self, ask: &Ask) -> Decision;
    fn check_and_record(&self, ask: &Ask) -> Admission;
    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), String>;
    fn record(&self, event: &Event) -> Result<(), String>;
}

impl Backend for Ledger {
    fn check(&self, ask: &Ask) -> Decision {
        Ledger::check(self, ask)
    }
    fn check_and_record(&self, ask: &Ask) -> Admission {
        Ledger::check_and_record(self, ask)
    }
    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), String> {
        Ledger::complete(self, ticket, result).map_err(|e| e.to_string())
    }
    fn record(&self, event: &Event) -> Result<(), String> {
        Ledger::record(self, event).map_err(|e| e.to_string())
    }
}

impl Backend for RedisLedger {
    fn check(&self, ask: &Ask) -> Decision {
        RedisLedger::check(self, ask)
    }
    fn check_and_record(&self, ask: &Ask) -> Admission {
        RedisLedger::check_and_record(self, ask)
    }
    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), String> {
        RedisLedger::complete(self, ticket, result).map_err(|e| e.to_string())
    }
    fn record(&self, event: &Event) -> Result<(), String> {
        RedisLedger::record(self, event).map_err(|e| e.to_string())
    }
}

/// What a decision is compared on across backends.
type Outcome = (bool, BTreeSet<String>, Option<jiff::Timestamp>);

fn outcome(d: &Decision) -> Outcome {
    (
        d.allow,
        d.denials.iter().map(|x| x.id.to_string()).collect(),
        d.retry_at,
    )
}

struct Scenario {
    name: String,
    policy: Policy,
    secret: String,
    steps: Vec<Value>,
}

fn scenarios() -> Vec<Scenario> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/ledger-scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "scenarios missing in {}", dir.display());
    paths
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(v["format"], FORMAT, "{}", p.display());
            Scenario {
                name: v["name"].as_str().unwrap().to_owned(),
                policy: case_policy(&v["policy"])
                    .unwrap_or_else(|e| panic!("{}: policy: {e}", p.display())),
                secret: v["secret"].as_str().unwrap().to_owned(),
                steps: v["steps"].as_array().unwrap().clone(),
            }
        })
        .collect()
}

/// Runs a scenario's steps on `ledger`; returns each decision's outcome
/// (one per check / check_and_record) for the cross-backend comparison.
fn run(s: &Scenario, ledger: &dyn Backend, backend: &str) -> Vec<Outcome> {
    let mut tickets: HashMap<String, Ticket> = HashMap::new();
    let mut outcomes = Vec::new();
    for (i, step) in s.steps.iter().enumerate() {
        let at = format!("{} ({backend}) step {i}", s.name);
        let op = step["op"].as_str().unwrap();
        let decision = match op {
            "check" | "check_and_record" => {
                let ask: Ask = serde_json::from_value(step["ask"].clone())
                    .unwrap_or_else(|e| panic!("{at}: ask: {e}"));
                let decision = if op == "check" {
                    ledger.check(&ask)
                } else {
                    let admission = ledger.check_and_record(&ask);
                    assert_eq!(
                        admission.ticket.is_some(),
                        admission.decision.allow,
                        "{at}: a ticket exactly when admitted"
                    );
                    if let Some(name) = step.get("ticket").and_then(Value::as_str) {
                        let ticket = admission
                            .ticket
                            .unwrap_or_else(|| panic!("{at}: ticket {name} was not admitted"));
                        tickets.insert(name.to_owned(), ticket);
                    }
                    admission.decision
                };
                Some(decision)
            }
            "complete" => {
                let name = step["ticket"].as_str().unwrap();
                let result: AttemptResult = serde_json::from_value(step["result"].clone())
                    .unwrap_or_else(|e| panic!("{at}: result: {e}"));
                let ticket = tickets
                    .get(name)
                    .unwrap_or_else(|| panic!("{at}: no ticket {name}"));
                ledger
                    .complete(ticket, result)
                    .unwrap_or_else(|e| panic!("{at}: complete: {e}"));
                None
            }
            "record" => {
                let event: Event = serde_json::from_value(step["event"].clone())
                    .unwrap_or_else(|e| panic!("{at}: event: {e}"));
                ledger
                    .record(&event)
                    .unwrap_or_else(|e| panic!("{at}: record: {e}"));
                None
            }
            other => panic!("{at}: unknown op `{other}`"),
        };
        if let Some(decision) = decision {
            let expect: Expect = serde_json::from_value(step["expect"].clone())
                .unwrap_or_else(|e| panic!("{at}: expect: {e}"));
            if let Some(problem) = compare(&expect, &decision) {
                panic!("{at}: {problem}\n  decision: {decision:?}");
            }
            outcomes.push(outcome(&decision));
        }
    }
    outcomes
}

#[test]
fn scenarios_on_memory_and_redis_agree() {
    let all = scenarios();
    let memory: Vec<Vec<Outcome>> = all
        .iter()
        .map(|s| {
            let ledger = Ledger::with_key(s.policy.clone(), s.secret.as_bytes());
            run(s, &ledger, "memory")
        })
        .collect();

    let dir = TempDir::new("scenarios");
    if std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CONTACTGUARD_REDIS_REQUIRED").is_none(),
            "redis-server is not installed (make redis-deps)"
        );
        eprintln!("redis-server not found: the Redis half is skipped (make redis-deps)");
        return;
    }
    let server = Server::options().start(&dir, "scenarios");
    let run_id = unique();
    for (s, mem) in all.iter().zip(&memory) {
        let config =
            Config::new(&server.url()).with_prefix(&format!("scenario:{}:{run_id}:", s.name));
        let ledger = RedisLedger::new(s.policy.clone(), s.secret.as_bytes(), config).unwrap();
        ledger.connect().unwrap();
        let redis = run(s, &ledger, "redis");
        assert_eq!(&redis, mem, "{}: the backends disagree", s.name);
    }
}
