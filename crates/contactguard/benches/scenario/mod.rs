//! The two `decide` scenarios the per-call benchmarks share: built once
//! here and included by path from `benches/decide_history.rs`,
//! `examples/count_decide.rs` and the C ABI bench
//! (`crates/contactguard-ffi/benches/decide_ffi.rs`), so every figure in
//! BENCHMARKS.md that names them measures the same asks and histories.
//! The Java (`Bench.java`) and Python (`bench/decide_50.py`) benches build
//! the 50-event case the same way in their own language.
//!
//! A 10:30 call (Thursday 2026-10-15, New York) to debtor `c1` about debt
//! `d1`, from a mobile number, not autodialed:
//! - **allowed**: `us-reg-f+us-ma`, a history of letters, emails and calls
//!   only in its oldest part;
//! - **denied**: `us-reg-f+us-ma+conduct`, a history of calls and texts
//!   that a cap denies, so `retry_at` is searched.
//!
//! A history of EVENTS events is EVENTS − 1 attempts and one consent (and
//! empty for 0). `spread` places an attempt every 23 hours going back
//! (1,000 events reach back 958 days); `dense` squeezes however many
//! attempts into the same 47 days that 50 events span, so every rule's
//! look-back holds EVENTS / 50 times as many events.
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use contactguard::{Ask, Event};

/// 2026-10-15T14:30:00Z, 10:30 in New York.
pub const ASK_AT: i64 = 1_792_074_600;

/// The composed presets of a scenario.
pub fn presets(denied: bool) -> &'static str {
    if denied {
        "us-reg-f+us-ma+conduct"
    } else {
        "us-reg-f+us-ma"
    }
}

fn event(v: serde_json::Value) -> Event {
    serde_json::from_value(v).expect("event")
}

/// RFC 3339 text of a Unix time.
pub fn at(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .expect("time")
        .to_string()
}

/// The scenario's history of `events` events (see the module docs).
pub fn history(denied: bool, events: i64, dense: bool) -> Vec<Event> {
    if events <= 0 {
        return Vec::new();
    }
    let attempts = events - 1;
    // 50 events: one attempt every 23 hours.
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

/// The scenario's ask (the same in both).
pub fn ask() -> Ask {
    serde_json::from_value(serde_json::json!({
        "at": at(ASK_AT), "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection",
        "autodialed": false}))
    .expect("ask")
}

/// Times every call of each of `fs` alone (`Instant::now()` before and
/// after; the TSC through the vDSO on Linux x86-64) after a warm-up:
/// `calls` calls each, the functions taking turns `block` calls at a time
/// so that load on the machine falls on all alike. Returns each one's
/// samples in ns, sorted. A sample holds the timer's own cost (about
/// 20 ns); one preempted by the scheduler shows as an outlier, which the
/// median ignores and the 99th percentile only sees when more than 1% of
/// calls are hit.
pub fn time_each(fs: &[&dyn Fn()], calls: usize, block: usize) -> Vec<Vec<u64>> {
    for f in fs {
        for _ in 0..block * 10 {
            f();
        }
    }
    let mut samples = vec![Vec::with_capacity(calls); fs.len()];
    for _ in 0..calls.div_ceil(block) {
        for (f, s) in fs.iter().zip(samples.iter_mut()) {
            for _ in 0..block {
                let t = std::time::Instant::now();
                f();
                s.push(t.elapsed().as_nanos() as u64);
            }
        }
    }
    for s in &mut samples {
        s.sort_unstable();
    }
    samples
}

/// The `q` quantile of sorted samples (nearest rank); 0 when empty.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let k = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}
