//! A dialer-fleet worker (the fleet protocol of issue #17, also spoken by
//! the Python, C++ and Java workers): one process asking the shared Redis
//! ledger line by line.
//!
//! ```text
//! contactguard-fleet-worker URL POLICY SECRET < asks
//! ```
//!
//! POLICY is a policy file (`.json`: JSON, anything else: TOML) or, when
//! no such file exists, a preset expression. URL is the Redis URL, `-`
//! with Sentinel, or `memory` for the in-process ledger (a benchmark
//! baseline: nothing is shared). Environment: `CG_SENTINEL_MASTER` with
//! `CG_SENTINEL_URLS` (comma-separated), `CG_WAIT_REPLICAS`,
//! `CG_WAIT_TIMEOUT_MS`, `CG_KEY_PREFIX`, `CG_CA_FILE`; and
//! `CG_LATENCY=1` to end each answer with ` us=<microseconds>` (the
//! `check_and_record` and, when admitted, the `complete`).
//!
//! Each input line is `ASK <to> <debt> <at-rfc3339> <result>` or
//! `SLEEP <ms>`. An ask (a call to the debtor's mobile, zone
//! `America/New_York`, collection, not autodialed, 30 days past due) is
//! `check_and_record`ed; admitted, its ticket is completed with
//! `<result>` and the worker prints `ADMIT <to> <debt> <at> <result>`,
//! denied it prints `DENY <to> <debt> <at> <rule ids, comma-separated>`.
//! Output is flushed after every line; the exit status is 0 at the end of
//! the input, 2 on a setup error (message on stderr) and 1 on a malformed
//! line or a completion that fails.

use contactguard::{Admission, Ask, AttemptResult, Policy};
use contactguard_redis::{Config, RedisLedger, Ticket};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

enum Backend {
    Redis(Box<RedisLedger>),
    Memory(Box<contactguard::ledger::Ledger>),
}

impl Backend {
    fn check_and_record(&self, ask: &Ask) -> Admission {
        match self {
            Backend::Redis(l) => l.check_and_record(ask),
            Backend::Memory(l) => l.check_and_record(ask),
        }
    }

    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), String> {
        match self {
            Backend::Redis(l) => l.complete(ticket, result).map_err(|e| e.to_string()),
            Backend::Memory(l) => l.complete(ticket, result).map_err(|e| e.to_string()),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_num(name: &str) -> Result<Option<u64>, String> {
    env(name)
        .map(|v| v.parse().map_err(|e| format!("{name}=`{v}`: {e}")))
        .transpose()
}

fn load_policy(arg: &str) -> Result<Policy, String> {
    let path = std::path::Path::new(arg);
    if path.is_file() {
        Policy::load(path, std::fs::read).map_err(|e| e.to_string())
    } else {
        Policy::preset(arg).map_err(|e| format!("policy `{arg}` (no such file, nor a preset): {e}"))
    }
}

fn open(url: &str, policy: Policy, secret: &[u8]) -> Result<Backend, String> {
    if url == "memory" {
        return Ok(Backend::Memory(Box::new(
            contactguard::ledger::Ledger::with_key(policy, secret),
        )));
    }
    // With Sentinel the URL gives only the scheme, user, password and
    // database: `-` is a plain `redis://` one.
    let dash = url == "-";
    let url = if dash { "redis://localhost/" } else { url };
    let mut config = Config::new(url);
    if let Some(prefix) = env("CG_KEY_PREFIX") {
        config = config.with_prefix(&prefix);
    }
    if let Some(ca) = env("CG_CA_FILE") {
        config = config.with_ca_file(ca);
    }
    if let Some(n) = env_num("CG_WAIT_REPLICAS")?.filter(|n| *n > 0) {
        let ms = env_num("CG_WAIT_TIMEOUT_MS")?.unwrap_or(1000);
        let n = u32::try_from(n).map_err(|e| format!("CG_WAIT_REPLICAS: {e}"))?;
        config = config.with_wait(n, Duration::from_millis(ms));
    }
    match (env("CG_SENTINEL_MASTER"), env("CG_SENTINEL_URLS")) {
        (Some(master), Some(urls)) => {
            let urls: Vec<&str> = urls.split(',').map(str::trim).collect();
            config = config.with_sentinel(&master, &urls);
        }
        (None, None) if dash => {
            return Err("URL `-` needs CG_SENTINEL_MASTER and CG_SENTINEL_URLS".to_owned())
        }
        (None, None) => {}
        _ => return Err("CG_SENTINEL_MASTER and CG_SENTINEL_URLS go together".to_owned()),
    }
    let ledger = RedisLedger::new(policy, secret, config).map_err(|e| e.to_string())?;
    ledger.connect().map_err(|e| e.to_string())?;
    Ok(Backend::Redis(Box::new(ledger)))
}

/// The ask of the protocol for `to`, `debt` at `at`.
fn fleet_ask(to: &str, debt: &str, at: &str) -> Result<Ask, String> {
    let wire = serde_json::json!({
        "at": at, "channel": "call", "to": to, "role": "debtor", "debt": debt,
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection",
        "autodialed": false, "days_past_due": 30,
    });
    serde_json::from_value(wire).map_err(|e| format!("ask: {e}"))
}

/// Answers one input line; `None` for a line that prints nothing.
fn answer(ledger: &Backend, line: &str, latency: bool) -> Result<Option<String>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(None),
        ["SLEEP", ms] => {
            let ms: u64 = ms.parse().map_err(|e| format!("SLEEP `{ms}`: {e}"))?;
            std::thread::sleep(Duration::from_millis(ms));
            Ok(None)
        }
        ["ASK", to, debt, at, result] => {
            let outcome = AttemptResult::from_wire(result)
                .ok_or_else(|| format!("unknown result `{result}`"))?;
            let ask = fleet_ask(to, debt, at)?;
            let start = Instant::now();
            let admission = ledger.check_and_record(&ask);
            let mut out = match &admission.ticket {
                Some(ticket) if admission.decision.allow => {
                    ledger.complete(ticket, outcome)?;
                    format!("ADMIT {to} {debt} {at} {result}")
                }
                _ => {
                    let ids: Vec<&str> = admission
                        .decision
                        .denials
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect();
                    format!("DENY {to} {debt} {at} {}", ids.join(","))
                }
            };
            if latency {
                out.push_str(&format!(" us={}", start.elapsed().as_micros()));
            }
            Ok(Some(out))
        }
        _ => Err(format!(
            "not `ASK to debt at result` nor `SLEEP ms`: `{line}`"
        )),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, policy, secret] = args.as_slice() else {
        eprintln!("usage: contactguard-fleet-worker URL POLICY SECRET < asks");
        return ExitCode::from(2);
    };
    let ledger = match load_policy(policy).and_then(|p| open(url, p, secret.as_bytes())) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("contactguard-fleet-worker: {e}");
            return ExitCode::from(2);
        }
    };
    let latency = env("CG_LATENCY").is_some_and(|v| v != "0");
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("contactguard-fleet-worker: reading stdin: {e}");
                return ExitCode::FAILURE;
            }
        };
        match answer(&ledger, &line, latency) {
            Ok(None) => {}
            Ok(Some(out)) => {
                if writeln!(stdout, "{out}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return ExitCode::FAILURE;
                }
            }
            Err(e) => {
                eprintln!("contactguard-fleet-worker: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const CAP: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "t.calls"
title = "At most two calls a day"
cite = "test"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
period = "day"
count = { channels = ["call"] }
"#;

    fn memory() -> Backend {
        let policy = Policy::from_toml(CAP).unwrap();
        open("memory", policy, b"worker test secret").unwrap()
    }

    #[test]
    fn answers_in_the_protocol() {
        let l = memory();
        let at = "2026-03-03T10:00:00-05:00";
        for _ in 0..2 {
            assert_eq!(
                answer(&l, &format!("ASK c1 d1 {at} no_answer"), false).unwrap(),
                Some(format!("ADMIT c1 d1 {at} no_answer"))
            );
        }
        assert_eq!(
            answer(&l, &format!("ASK c1 d1 {at} no_answer"), false).unwrap(),
            Some(format!("DENY c1 d1 {at} t.calls"))
        );
        let timed = answer(&l, &format!("ASK c2 d1 {at} voicemail"), true)
            .unwrap()
            .unwrap();
        let (line, us) = timed.rsplit_once(" us=").unwrap();
        assert_eq!(line, format!("ADMIT c2 d1 {at} voicemail"));
        assert!(us.parse::<u64>().is_ok(), "{timed}");
        assert_eq!(answer(&l, "SLEEP 1", false).unwrap(), None);
        assert_eq!(answer(&l, "   ", false).unwrap(), None);
    }

    #[test]
    fn malformed_lines_are_errors() {
        let l = memory();
        for bad in [
            "ASK c1 d1 2026-03-03T10:00:00-05:00 maybe",
            "ASK c1 d1 yesterday no_answer",
            "ASK c1 d1",
            "SLEEP soon",
            "DIAL c1",
        ] {
            assert!(answer(&l, bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn setup_errors() {
        assert!(load_policy("no-such-preset-or-file").is_err());
        assert!(load_policy("us-reg-f").is_ok());
        let policy = Policy::from_toml(CAP).unwrap();
        assert!(open("-", policy.clone(), b"s").is_err());
        assert!(open("not a url", policy, b"s").is_err());
    }
}
