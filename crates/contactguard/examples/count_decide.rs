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
//! valgrind ... count_decide denied 50 1000 dense messages
//! ```
//!
//! Each decision's verdict, denial ids and `retry_at` are read; a denial's
//! message is written only when read (`model::Message`), so it is read
//! (and its text written) only with a fifth argument `messages`.
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
//! holds EVENTS / 50 times as many events. The scenarios are built in
//! `benches/scenario/mod.rs`, shared with the benches.
#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use contactguard::{decide, History, Policy};
use std::hint::black_box;

// The scenarios, shared with the benches (decide_history.rs, decide_ffi.rs).
#[path = "../benches/scenario/mod.rs"]
mod scenario;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("allowed", String::as_str);
    let events: i64 = args.get(2).map_or(50, |s| s.parse().expect("EVENTS"));
    let n: usize = args.get(3).map_or(1000, |s| s.parse().expect("N"));
    let dense = args.get(4).map_or("dense", String::as_str) != "spread";
    let messages = match args.get(5).map(String::as_str) {
        None => false,
        Some("messages") => true,
        Some(other) => panic!("unknown option `{other}` (messages)"),
    };
    let denied = match which {
        "allowed" => false,
        "denied" => true,
        other => panic!("unknown scenario `{other}` (allowed|denied)"),
    };
    let policy = Policy::preset(scenario::presets(denied)).expect("policy");
    let history = History::from_events(scenario::history(denied, events, dense));
    let ask = scenario::ask();
    // The scenario is what it says (also warms the zone cache).
    let d = decide(&policy, &ask, &history);
    assert_eq!(d.allow, !denied, "{which}: {:?}", d.denials);
    assert_eq!(d.retry_at.is_some(), denied);
    let mut sink = 0usize;
    for _ in 0..n {
        let d = decide(black_box(&policy), black_box(&ask), black_box(&history));
        // Read what a caller reads: the verdict, the denials' ids (and
        // messages, when asked), retry_at.
        sink += usize::from(d.allow) + d.denials.len();
        for x in &d.denials {
            sink += x.id.len();
            if messages {
                sink += x.message.len();
            }
        }
        sink += usize::from(d.retry_at.is_some());
    }
    println!(
        "{which} {events} events ({}): {n} decides; allow={} denials={:?} retry_at={:?} [{sink}]",
        if dense { "dense" } else { "spread" },
        d.allow,
        d.denials.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        d.retry_at.map(|t| t.to_string())
    );
}
