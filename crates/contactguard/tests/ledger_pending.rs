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
