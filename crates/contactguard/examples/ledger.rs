//! A dialer that keeps its contact history in a `Ledger`: worker threads
//! ask `check_and_record` before each call, report the outcome with
//! `complete`, and the process snapshots the ledger so a restart loses
//! nothing.
//!
//! Run with `cargo run -p contactguard --example ledger`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use contactguard::{Ask, AttemptResult, Channel, Ledger, Place, Policy, Purpose, Role};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Mutex;

fn main() {
    let policy = Policy::preset("cn+conduct").expect("bundled presets load");
    // The secret comes from the operator's vault; the ledger and its
    // snapshots then hold only keyed hashes of phone numbers and accounts.
    let secret = b"replace with 32 random bytes from your secret store";
    let ledger = Ledger::with_key(policy.clone(), secret);

    // A morning's campaign: every worker tries to call every debtor, five
    // times. The `cn` preset admits three connected calls a day per debtor;
    // the rest are denied with the rule and a retry time. The workers share
    // a clock (here simulated: 20 seconds per ask), read just before asking,
    // so their asks race a little out of order, as real ones do.
    let debtors: Vec<String> = (0..20).map(|i| format!("+86138000000{i:02}")).collect();
    let start: Timestamp = "2026-03-02T09:00:00+08:00".parse().unwrap();
    let clock = AtomicI64::new(0);
    let admitted = AtomicUsize::new(0);
    let denied: Mutex<BTreeMap<String, usize>> = Mutex::default();
    std::thread::scope(|s| {
        for worker in 0..4usize {
            let (ledger, debtors, clock) = (&ledger, &debtors, &clock);
            let (admitted, denied) = (&admitted, &denied);
            s.spawn(move || {
                for round in 0..5i64 {
                    for (i, phone) in debtors.iter().enumerate() {
                        let ask = Ask {
                            at: start
                                + SignedDuration::from_secs(clock.fetch_add(20, Ordering::Relaxed)),
                            channel: Channel::Call,
                            to: phone.clone(),
                            role: Role::Debtor,
                            debt: format!("loan-{i}"),
                            timezones: vec!["Asia/Shanghai".into()],
                            place: Some(Place::Mobile),
                            autodialed: Some(true),
                            purpose: Some(Purpose::Collection),
                            days_past_due: Some(45),
                        };
                        let admission = ledger.check_and_record(&ask);
                        let Some(ticket) = admission.ticket else {
                            let mut tally = denied.lock().unwrap();
                            for d in &admission.decision.denials {
                                *tally.entry(d.id.to_string()).or_default() += 1;
                            }
                            continue;
                        };
                        admitted.fetch_add(1, Ordering::Relaxed);
                        // ... place the call; here every third one connects.
                        let result = if (i + worker + round as usize) % 3 == 0 {
                            AttemptResult::Conversation
                        } else {
                            AttemptResult::NoAnswer
                        };
                        ledger.complete(&ticket, result).expect("just admitted");
                    }
                }
            });
        }
    });
    println!("admitted {} calls; denials by rule:", admitted.into_inner());
    for (rule, n) in denied.into_inner().unwrap() {
        println!("  {rule}: {n}");
    }

    let ask = Ask {
        at: start + SignedDuration::from_hours(3),
        channel: Channel::Call,
        to: debtors[0].clone(),
        role: Role::Debtor,
        debt: "loan-0".into(),
        timezones: vec!["Asia/Shanghai".into()],
        place: Some(Place::Mobile),
        autodialed: Some(true),
        purpose: Some(Purpose::Collection),
        days_past_due: Some(45),
    };
    let d = ledger.check(&ask);
    println!("{} at {}: allow = {}", ask.to, ask.at, d.allow);
    for denial in &d.denials {
        println!("  {}: {}", denial.id, denial.message);
    }
    if let Some(t) = d.retry_at {
        println!("  retry at {t}");
    }

    // Snapshot: any `std::io::Write` (a buffered file in production; the core
    // crate never opens files itself).
    let mut saved = Vec::new();
    let bytes = ledger.snapshot(&mut saved).expect("writing to a Vec");
    let stats = ledger.stats();
    println!(
        "snapshot: {bytes} bytes for {} attempts, {} recipients, {} debts",
        stats.attempts, stats.recipients, stats.debts
    );
    assert!(
        !saved.windows(5).any(|w| w == b"+8613"),
        "no phone numbers in the snapshot"
    );

    // After a restart: the same secret, restore, and the same answers.
    let restarted = Ledger::with_key(policy, secret);
    restarted
        .restore(saved.as_slice())
        .expect("a valid snapshot");
    assert_eq!(restarted.check(&ask), d);
    // A damaged snapshot is refused and the ledger keeps what it had.
    saved[40] ^= 1;
    let err = restarted.restore(saved.as_slice()).unwrap_err();
    println!("restoring a damaged copy: {err}");
    assert_eq!(restarted.check(&ask), d);

    // Periodically: forget what no rule can read any more.
    let dropped = restarted.prune(start + SignedDuration::from_hours(24 * 30));
    println!("pruned {dropped} attempts a month later");
}
