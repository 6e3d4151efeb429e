//! Worker processes for the multi-process tests and the throughput
//! benchmark of the Redis ledger.
//!
//! ```text
//! contactguard-redis-tool race URL PREFIX RECIPIENTS ASKS_PER_RECIPIENT SEED
//!     races check_and_record on RECIPIENTS shared recipients under a cap of
//!     3 calls a day (CAP_POLICY); prints one line per recipient:
//!     `<recipient> <admitted> <redis-denials>`
//! contactguard-redis-tool bench URL PROCESSES ASKS ROUNDS
//!     spawns PROCESSES workers (bench-worker), each making ASKS asks on its
//!     own recipients, ROUNDS times; prints the median asks/s of Redis and
//!     of the in-memory ledger on the same asks in one process
//! contactguard-redis-tool bench-worker URL PREFIX ASKS WORKER
//! ```

use contactguard::ledger::Ledger;
use contactguard::{Ask, AttemptResult, Channel, Policy, Role};
use contactguard_redis::{Config, RedisLedger, REDIS_RULE_ID};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The policy of the race: at most three calls a day to a recipient.
pub const CAP_POLICY: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "race.calls"
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

const SECRET: &[u8] = b"contactguard-redis test secret";

fn ask(to: &str, debt: &str, at: jiff::Timestamp) -> Ask {
    Ask {
        at,
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

fn base_time() -> Result<jiff::Timestamp, String> {
    "2026-03-02T02:00:00Z"
        .parse()
        .map_err(|e: jiff::Error| e.to_string())
}

fn num(args: &[String], i: usize, what: &str) -> Result<u64, String> {
    args.get(i)
        .ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|e| format!("{what}: {e}"))
}

fn arg<'a>(args: &'a [String], i: usize, what: &str) -> Result<&'a str, String> {
    args.get(i)
        .map(String::as_str)
        .ok_or_else(|| format!("missing {what}"))
}

fn patient(url: &str, prefix: &str) -> Config {
    let mut c = Config::new(url);
    c.prefix = prefix.to_owned();
    c.max_attempts = 10_000;
    c.deadline = Duration::from_secs(30);
    c.io_timeout = Duration::from_secs(2);
    c
}

fn race(args: &[String]) -> Result<(), String> {
    let (url, prefix) = (arg(args, 2, "URL")?, arg(args, 3, "PREFIX")?);
    let recipients = num(args, 4, "RECIPIENTS")?;
    let per = num(args, 5, "ASKS_PER_RECIPIENT")?;
    let seed = num(args, 6, "SEED")?;
    let policy = Policy::from_toml(CAP_POLICY).map_err(|e| e.to_string())?;
    let ledger =
        RedisLedger::new(policy, SECRET, patient(url, prefix)).map_err(|e| e.to_string())?;
    let base = base_time()?;
    let mut admitted = vec![0u64; usize::try_from(recipients).map_err(|e| e.to_string())?];
    let mut failed = vec![0u64; admitted.len()];
    // Every process walks the recipients in its own order, so that they
    // collide on each one at different moments.
    for round in 0..per {
        for i in 0..recipients {
            let r = (i.wrapping_mul(7) + seed.wrapping_mul(13) + round) % recipients;
            let at = base
                .checked_add(jiff::SignedDuration::from_millis(
                    i64::try_from(round).unwrap_or(0),
                ))
                .map_err(|e| e.to_string())?;
            let a = ledger.check_and_record(&ask(&format!("r{r}"), &format!("d{r}"), at));
            let slot = usize::try_from(r).map_err(|e| e.to_string())?;
            if a.decision.allow {
                if let Some(n) = admitted.get_mut(slot) {
                    *n += 1;
                }
                if let Some(t) = &a.ticket {
                    ledger
                        .complete(t, AttemptResult::NoAnswer)
                        .map_err(|e| e.to_string())?;
                }
            } else if a.decision.denials.iter().any(|d| d.id == REDIS_RULE_ID) {
                if let Some(n) = failed.get_mut(slot) {
                    *n += 1;
                }
            }
        }
    }
    for (r, (a, f)) in admitted.iter().zip(&failed).enumerate() {
        println!("r{r} {a} {f}");
    }
    Ok(())
}

/// Asks for worker `w`: its own recipients, each asked about 10 times a
/// day over several days, so that most asks are decided over a short
/// history and some are denied by the cap.
fn bench_asks(w: u64, n: u64) -> Result<Vec<Ask>, String> {
    let base = base_time()?;
    (0..n)
        .map(|i| {
            let r = i % 500;
            let at = base
                .checked_add(jiff::SignedDuration::from_secs(
                    i64::try_from(i / 500 * 8_640).unwrap_or(0),
                ))
                .map_err(|e| e.to_string())?;
            Ok(ask(&format!("w{w}-r{r}"), &format!("w{w}-d{r}"), at))
        })
        .collect()
}

fn bench_worker(args: &[String]) -> Result<(), String> {
    let (url, prefix) = (arg(args, 2, "URL")?, arg(args, 3, "PREFIX")?);
    let n = num(args, 4, "ASKS")?;
    let w = num(args, 5, "WORKER")?;
    let policy = Policy::from_toml(CAP_POLICY).map_err(|e| e.to_string())?;
    let ledger =
        RedisLedger::new(policy, SECRET, patient(url, prefix)).map_err(|e| e.to_string())?;
    let asks = bench_asks(w, n)?;
    let mut errors = 0u64;
    for a in &asks {
        let adm = ledger.check_and_record(a);
        if adm.decision.denials.iter().any(|d| d.id == REDIS_RULE_ID) {
            errors += 1;
        }
    }
    println!("{errors}");
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn bench(args: &[String]) -> Result<(), String> {
    let url = arg(args, 2, "URL")?;
    let procs = num(args, 3, "PROCESSES")?;
    let n = num(args, 4, "ASKS")?;
    let rounds = num(args, 5, "ROUNDS")?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let policy = Policy::from_toml(CAP_POLICY).map_err(|e| e.to_string())?;
    let mut redis_rates = Vec::new();
    let mut mem_rates = Vec::new();
    for round in 0..rounds {
        let prefix = format!("bench:{}:{round}:{procs}:", std::process::id());
        let start = Instant::now();
        let children = (0..procs)
            .map(|w| {
                Command::new(&exe)
                    .args(["bench-worker", url, &prefix, &n.to_string(), &w.to_string()])
                    .stdout(Stdio::piped())
                    .spawn()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, String>>()?;
        for c in children {
            let out = c.wait_with_output().map_err(|e| e.to_string())?;
            let errors = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !out.status.success() || errors != "0" {
                return Err(format!(
                    "a worker failed: {:?}, errors {errors}",
                    out.status
                ));
            }
        }
        let secs = start.elapsed().as_secs_f64();
        redis_rates.push((procs * n) as f64 / secs);
        // The in-memory ledger on the same asks, in this process.
        let asks = (0..procs)
            .map(|w| bench_asks(w, n))
            .collect::<Result<Vec<_>, String>>()?;
        let mem = Ledger::with_key(policy.clone(), SECRET);
        let start = Instant::now();
        for a in asks.iter().flatten() {
            let _ = mem.check_and_record(a);
        }
        mem_rates.push((procs * n) as f64 / start.elapsed().as_secs_f64());
        // Drop the benchmark's keys.
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let mut c = client.get_connection().map_err(|e| e.to_string())?;
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query(&mut c)
            .map_err(|e| e.to_string())?;
        for chunk in keys.chunks(500) {
            redis::cmd("DEL")
                .arg(chunk)
                .exec(&mut c)
                .map_err(|e| e.to_string())?;
        }
    }
    let each: Vec<String> = redis_rates.iter().map(|r| format!("{r:.0}")).collect();
    let (r, m) = (median(redis_rates), median(mem_rates));
    println!(
        "processes={procs} asks_per_process={n} rounds={rounds} redis_asks_per_s={r:.0} (rounds: {}) in_memory_asks_per_s={m:.0} in_memory_over_redis={:.0}",
        each.join(" "),
        m / r
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let r = match args.get(1).map(String::as_str) {
        Some("race") => race(&args),
        Some("bench") => bench(&args),
        Some("bench-worker") => bench_worker(&args),
        _ => Err(
            "usage: contactguard-redis-tool race|bench|bench-worker … (see the source)".to_owned(),
        ),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("contactguard-redis-tool: {e}");
            ExitCode::FAILURE
        }
    }
}
