//! A pending attempt (admitted, outcome not yet reported) counts under every
//! result filter, so a cap of unanswered calls and a cap of connected calls
//! both hold while outcomes are unknown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::ledger::Ledger;
use contactguard::{Ask, AttemptResult, Policy};

fn ask(at: &str) -> Ask {
    serde_json::from_value(serde_json::json!({
        "at": at, "channel": "call", "to": "b1", "role": "debtor", "debt": "d1",
        "timezones": ["Asia/Shanghai"], "place": "mobile", "purpose": "collection"
    }))
    .unwrap()
}

const UNANSWERED_CAP: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "unanswered"
title = "At most 2 unanswered calls a day"
cite = "test"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
period = "day"
count = { channels = ["call"], results = ["no_answer", "not_connected", "failed", "voicemail"] }
"#;

#[test]
fn pending_attempts_count_as_unanswered_until_completed() {
    let ledger = Ledger::new(Policy::from_toml(UNANSWERED_CAP).unwrap());
    let first = ledger.check_and_record(&ask("2026-03-02T09:00:00+08:00"));
    let second = ledger.check_and_record(&ask("2026-03-02T09:10:00+08:00"));
    assert!(first.decision.allow && second.decision.allow);
    // Two outcomes unknown: either could end unanswered, so a third waits.
    let third = ledger.check_and_record(&ask("2026-03-02T09:20:00+08:00"));
    assert!(!third.decision.allow, "{:?}", third.decision);
    assert!(third.ticket.is_none());
    // One of them connected: room for one more unanswered call.
    ledger
        .complete(first.ticket.as_ref().unwrap(), AttemptResult::Conversation)
        .unwrap();
    assert!(ledger.check(&ask("2026-03-02T09:30:00+08:00")).allow);
    // The other went unanswered too: still room for exactly one.
    ledger
        .complete(second.ticket.as_ref().unwrap(), AttemptResult::NoAnswer)
        .unwrap();
    let fourth = ledger.check_and_record(&ask("2026-03-02T09:40:00+08:00"));
    assert!(fourth.decision.allow);
    ledger
        .complete(fourth.ticket.as_ref().unwrap(), AttemptResult::NoAnswer)
        .unwrap();
    assert!(!ledger.check(&ask("2026-03-02T09:50:00+08:00")).allow);
}
