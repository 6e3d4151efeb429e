//! Pending attempts in the ledger: an admitted attempt whose outcome is not
//! reported yet counts under every cap it could fall under, so a dialer
//! with calls in flight never ends a day past a cap, whatever the outcomes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::model::{Attempt, AttemptResult, Channel, Role};
use contactguard::{Ask, Event, Ledger, Policy};
use jiff::{SignedDuration, Timestamp};
use std::sync::{Barrier, Mutex};

fn call(at: Timestamp) -> Ask {
    Ask {
        at,
        channel: Channel::Call,
        to: "+8613800000000".into(),
        role: Role::Debtor,
        debt: "loan-1".into(),
        timezones: vec!["Asia/Shanghai".into()],
        place: None,
        autodialed: None,
        purpose: None,
        days_past_due: None,
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// `cn`, a debtor with 5 unanswered calls on Tuesday 3 March 2026.
fn five_unanswered() -> Ledger {
    let ledger = Ledger::with_key(Policy::preset("cn").unwrap(), b"secret");
    for i in 0..5 {
        let a = call(at("2026-03-03T01:00:00Z") + SignedDuration::from_mins(10 * i));
        ledger
            .record(&Event::Attempt(Attempt {
                at: a.at,
                channel: a.channel,
                to: a.to.clone(),
                role: a.role,
                debt: a.debt.clone(),
                result: AttemptResult::NoAnswer,
                place: None,
            }))
            .unwrap();
    }
    ledger
}

/// After every admitted call ends unanswered, the day's unanswered calls.
fn unanswered_at_end_of_day(ledger: &Ledger, tickets: &[contactguard::Ticket]) -> usize {
    for t in tickets {
        ledger.complete(t, AttemptResult::NoAnswer).unwrap();
    }
    5 + tickets.len()
}

#[test]
fn three_calls_in_flight_admit_one_under_cn_3_sequentially() {
    let ledger = five_unanswered();
    let mut tickets = Vec::new();
    for s in 0..3 {
        let a = ledger.check_and_record(&call(
            at("2026-03-03T03:00:00Z") + SignedDuration::from_secs(s),
        ));
        if let Some(t) = a.ticket {
            tickets.push(t);
        } else {
            assert!(
                a.decision.denials.iter().any(|d| d.id == "cn.3"),
                "{:?}",
                a.decision
            );
        }
    }
    assert_eq!(tickets.len(), 1);
    assert_eq!(ledger.stats().pending, 1);
    assert_eq!(unanswered_at_end_of_day(&ledger, &tickets), 6);
    assert!(!ledger.check(&call(at("2026-03-03T05:00:00Z"))).allow);
}

#[test]
fn three_calls_in_flight_admit_one_under_cn_3_on_8_threads() {
    for round in 0..20 {
        let ledger = five_unanswered();
        let barrier = Barrier::new(8);
        let tickets = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for th in 0..8 {
                let (ledger, barrier, tickets) = (&ledger, &barrier, &tickets);
                s.spawn(move || {
                    barrier.wait();
                    // Three of the threads ask; the others check.
                    let ask = call(
                        at("2026-03-03T03:00:00Z") + SignedDuration::from_millis(th * 7 + round),
                    );
                    if th < 3 {
                        if let Some(t) = ledger.check_and_record(&ask).ticket {
                            tickets.lock().unwrap().push(t);
                        }
                    } else {
                        let _ = ledger.check(&ask);
                    }
                });
            }
        });
        let tickets = tickets.into_inner().unwrap();
        assert_eq!(tickets.len(), 1, "round {round}");
        assert_eq!(unanswered_at_end_of_day(&ledger, &tickets), 6);
    }
}

#[test]
fn a_connected_outcome_gives_back_the_capacity() {
    let ledger = five_unanswered();
    let first = ledger.check_and_record(&call(at("2026-03-03T03:00:00Z")));
    let t = first.ticket.unwrap();
    assert!(!ledger.check(&call(at("2026-03-03T03:01:00Z"))).allow);
    ledger.complete(&t, AttemptResult::Conversation).unwrap();
    assert!(ledger.check(&call(at("2026-03-03T03:01:00Z"))).allow);
}

/// A snapshot written before `pending` was a result and before the CRC came
/// from `crc32fast` (commit 0d3d7f3: the hand-written CRC table, pending
/// attempts stored as `conversation`/`delivered` with the pending bit):
/// it restores with its two pending attempts, and writes back byte for byte.
#[test]
fn an_earlier_snapshot_restores_byte_identically_with_its_pending_attempts() {
    let old = include_bytes!("data/ledger-v1.snapshot");
    let ledger = Ledger::with_key(Policy::preset("cn+conduct").unwrap(), b"fixture secret");
    ledger.restore(old.as_slice()).unwrap();
    assert_eq!(ledger.stats().pending, 2);
    assert_eq!(ledger.stats().attempts, 4);
    let mut again = Vec::new();
    ledger.snapshot(&mut again).unwrap();
    assert_eq!(again.as_slice(), old.as_slice());
}

// ---------------------------------------------------------------------------
// Property: with pending attempts, no cap is exceeded once outcomes arrive

const POLICIES: &[&str] = &[
    // Unanswered calls a day, and connected ones (cn.2 / cn.3 shaped).
    r#"
format = "contactguard-policy/1"
[[rules]]
id = "unanswered.day"
title = "t"
cite = "t"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { channels = ["call"], results = ["not_connected", "no_answer", "voicemail", "failed"] }
[[rules]]
id = "connected.day"
title = "t"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
period = "day"
count = { channels = ["call"], results = ["conversation"] }
"#,
    // A rolling cap of reached contacts per debt, and a pause after a
    // conversation.
    r#"
format = "contactguard-policy/1"
[[rules]]
id = "reached.4h"
title = "t"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "debt"
rolling = "4h"
count = { results = ["conversation", "delivered"] }
[[rules]]
id = "pause"
title = "t"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "recipient"
rolling = "90m"
after = { channels = ["call"], results = ["conversation"] }
when = { channels = ["call"] }
"#,
];

#[derive(Clone, Debug)]
enum Op {
    /// Ask for recipient `to` (of 3) on `channel`, `minutes` after the last.
    Ask { to: usize, sms: bool, minutes: i64 },
    /// Complete the `which`-th outstanding ticket with result `result`.
    Complete { which: usize, result: usize },
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0usize..3, any::<bool>(), 0i64..40).prop_map(|(to, sms, minutes)| Op::Ask { to, sms, minutes }),
        2 => (0usize..8, 0usize..6).prop_map(|(which, result)| Op::Complete { which, result }),
    ]
}

fn ask_for(to: usize, sms: bool, at: Timestamp) -> Ask {
    Ask {
        channel: if sms { Channel::Sms } else { Channel::Call },
        to: format!("r{to}"),
        debt: format!("d{}", to % 2),
        ..call(at)
    }
}

/// Every admitted attempt, with its final result, is allowed by `decide`
/// over the attempts admitted before it with their final results: what the
/// ledger counted as pending can only have counted more.
fn assert_no_cap_exceeded(policy: &Policy, admitted: &[(Ask, AttemptResult)]) {
    for (i, (a, _)) in admitted.iter().enumerate() {
        let before: contactguard::History = admitted[..i]
            .iter()
            .map(|(b, r)| Event::attempt_from(b, *r))
            .collect();
        let d = contactguard::decide(policy, a, &before);
        assert!(
            d.allow,
            "admitted at {} but its outcome-known history denies it: {:?}",
            a.at, d.denials
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]

    #[test]
    fn no_cap_is_exceeded_once_outcomes_arrive(p in 0usize..2, ops in proptest::collection::vec(op(), 1..80)) {
        let policy = Policy::from_toml(POLICIES[p]).unwrap();
        let ledger = Ledger::new(policy.clone());
        let mut t = at("2026-03-03T01:00:00Z");
        let mut outstanding: Vec<(usize, contactguard::Ticket)> = Vec::new();
        let mut admitted: Vec<(Ask, AttemptResult)> = Vec::new();
        let results = &AttemptResult::ALL[..6];
        for op in ops {
            match op {
                Op::Ask { to, sms, minutes } => {
                    t += SignedDuration::from_mins(minutes);
                    let a = ask_for(to, sms, t);
                    let got = ledger.check_and_record(&a);
                    if let Some(ticket) = got.ticket {
                        outstanding.push((admitted.len(), ticket));
                        admitted.push((Ask { at: got.at, ..a }, AttemptResult::Pending));
                    }
                }
                Op::Complete { which, result } => {
                    if !outstanding.is_empty() {
                        let (i, ticket) = outstanding.swap_remove(which % outstanding.len());
                        ledger.complete(&ticket, results[result]).unwrap();
                        admitted[i].1 = results[result];
                    }
                }
            }
        }
        // The rest end unanswered (or undelivered): the outcome the caps of
        // unanswered calls count.
        for (i, ticket) in outstanding {
            ledger.complete(&ticket, AttemptResult::NoAnswer).unwrap();
            admitted[i].1 = AttemptResult::NoAnswer;
        }
        assert_eq!(ledger.stats().pending, 0);
        assert_no_cap_exceeded(&policy, &admitted);
    }
}

/// 8 threads dial 4 debtors under `cn` all day, completing their calls in
/// a random order with random outcomes while the others keep asking; once
/// every outcome is in, no debtor's day has more than 6 unanswered calls
/// (cn.3) or 3 connected ones (cn.2).
#[test]
fn cn_caps_hold_on_8_threads_with_calls_in_flight() {
    let ledger = Ledger::new(Policy::preset("cn").unwrap());
    let barrier = Barrier::new(8);
    let finals: Mutex<Vec<(usize, AttemptResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for th in 0..8u64 {
            let (ledger, barrier, finals) = (&ledger, &barrier, &finals);
            s.spawn(move || {
                let mut rng = th.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                let mut next = move |n: u64| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng % n
                };
                let mut held: Vec<(usize, contactguard::Ticket)> = Vec::new();
                barrier.wait();
                for i in 0..60i64 {
                    let who = next(4) as usize;
                    // 09:00 to 19:00 Shanghai, every thread in step.
                    let t = at("2026-03-03T01:00:00Z") + SignedDuration::from_secs(i * 600);
                    let a = Ask {
                        to: format!("debtor-{who}"),
                        debt: format!("loan-{who}"),
                        ..call(t)
                    };
                    if let Some(ticket) = ledger.check_and_record(&a).ticket {
                        held.push((who, ticket));
                    }
                    while !held.is_empty() && next(3) == 0 {
                        let (who, ticket) = held.swap_remove(next(held.len() as u64) as usize);
                        let r = [
                            AttemptResult::Conversation,
                            AttemptResult::NoAnswer,
                            AttemptResult::NotConnected,
                            AttemptResult::Voicemail,
                        ][next(4) as usize];
                        ledger.complete(&ticket, r).unwrap();
                        finals.lock().unwrap().push((who, r));
                    }
                }
                for (who, ticket) in held {
                    ledger.complete(&ticket, AttemptResult::NoAnswer).unwrap();
                    finals.lock().unwrap().push((who, AttemptResult::NoAnswer));
                }
            });
        }
    });
    let finals = finals.into_inner().unwrap();
    for who in 0..4 {
        let connected = finals
            .iter()
            .filter(|(w, r)| *w == who && *r == AttemptResult::Conversation)
            .count();
        let unanswered = finals
            .iter()
            .filter(|(w, r)| *w == who && *r != AttemptResult::Conversation)
            .count();
        assert!(connected <= 3, "debtor {who}: {connected} connected calls");
        assert!(
            unanswered <= 6,
            "debtor {who}: {unanswered} unanswered calls"
        );
    }
    assert_eq!(ledger.stats().pending, 0);
    assert!(finals.len() >= 4, "the race admitted almost nothing");
}
