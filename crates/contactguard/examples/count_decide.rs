//! A driver for counting instructions per `decide` with callgrind
//! (BENCHMARKS.md, "Instructions per decide"). Not a benchmark harness:
//! it builds one scenario, checks it is what it says, runs `decide` N times
//! and exits, so that `valgrind --tool=callgrind` counts a fixed amount of
//! work independent of machine load.
//!
//! ```text
//! cargo build --release -p contactguard --example count_decide
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/count_decide allowed 50 1000
//! valgrind ... count_decide allowed 50 0     # the set-up alone, to subtract
//! ```
//!
//! Scenarios (the same shape as the C ABI bench, `decide_ffi.rs`): a 10:30
//! call (Thursday 2026-10-15, New York) to debtor `c1` about debt `d1`;
//! - `allowed`: `us-reg-f+us-ma`, a history of letters, emails and calls
//!   only in its oldest part;
//! - `denied`: `us-reg-f+us-ma+conduct`, a history of calls and texts that
//!   a cap denies, so `retry_at` is searched.
//!
//! EVENTS is the history size: EVENTS - 1 attempts and one consent.
//! `spread` places an attempt every 23 hours going back (1,000 events reach
//! back 958 days); `dense` (the default) squeezes however many attempts
//! into the same 47 days that 50 events span, so every rule's look-back
//! holds EVENTS / 50 times as many events.
#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use contactguard::{decide, Ask, Event, History, Policy};
use std::hint::black_box;

const ASK_AT: i64 = 1_792_074_600; // 2026-10-15T14:30:00Z, 10:30 in New York

fn event(v: serde_json::Value) -> Event {
    serde_json::from_value(v).expect("event")
}

fn at(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .expect("time")
        .to_string()
}

fn history(denied: bool, events: i64, dense: bool) -> Vec<Event> {
    let attempts = (events - 1).max(0);
    // 50 events: one attempt every 23 hours, as in decide_ffi.rs.
    let step = if dense && attempts > 49 {
        3_600 * 23 * 49 / attempts
    } else {
        3_600 * 23
    };
    let mut out = Vec::new();
    for i in 0..attempts {
        let when = ASK_AT - step * (i + 1);
        let old = (ASK_AT - when) > 3_600 * 23 * 41;
        let (channel, result) = match (denied, i % 6) {
            (true, 0) => ("call", "no_answer"),
            (true, 1) => ("sms", "delivered"),
            (true, 3) => ("call", "voicemail"),
            (true, 4) => ("call", "not_connected"),
            (true, 5) => ("sms", "failed"),
            (false, 0) if old => ("call", "no_answer"),
            (false, 0 | 2 | 4) => ("letter", "delivered"),
            _ => ("email", "delivered"),
        };
        out.push(event(serde_json::json!({
            "type": "attempt", "at": at(when), "channel": channel,
            "to": "c1", "role": "debtor", "debt": "d1", "result": result})));
    }
    out.push(event(serde_json::json!({
        "type": "consent", "at": "2026-08-01T12:00:00Z",
        "to": "c1", "channel": "sms", "granted": true})));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).map_or("allowed", String::as_str);
    let events: i64 = args.get(2).map_or(50, |s| s.parse().expect("EVENTS"));
    let n: usize = args.get(3).map_or(1000, |s| s.parse().expect("N"));
    let dense = args.get(4).map_or("dense", String::as_str) != "spread";
    let denied = match scenario {
        "allowed" => false,
        "denied" => true,
        other => panic!("unknown scenario `{other}` (allowed|denied)"),
    };
    let presets = if denied {
        "us-reg-f+us-ma+conduct"
    } else {
        "us-reg-f+us-ma"
    };
    let policy = Policy::preset(presets).expect("policy");
    let history = History::from_events(history(denied, events, dense));
    let ask: Ask = serde_json::from_value(serde_json::json!({
        "at": at(ASK_AT), "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection",
        "autodialed": false}))
    .expect("ask");
    // The scenario is what it says (also warms the zone cache).
    let d = decide(&policy, &ask, &history);
    assert_eq!(d.allow, !denied, "{scenario}: {:?}", d.denials);
    assert_eq!(d.retry_at.is_some(), denied);
    let mut sink = 0usize;
    for _ in 0..n {
        let d = decide(black_box(&policy), black_box(&ask), black_box(&history));
        // Read what a caller reads: the verdict, the denials' ids and
        // messages, retry_at.
        sink += usize::from(d.allow) + d.denials.len();
        for x in &d.denials {
            sink += x.id.len() + x.message.len();
        }
        sink += usize::from(d.retry_at.is_some());
    }
    println!(
        "{scenario} {events} events ({}): {n} decides; allow={} denials={:?} retry_at={:?} [{sink}]",
        if dense { "dense" } else { "spread" },
        d.allow,
        d.denials.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        d.retry_at.map(|t| t.to_string())
    );
}
