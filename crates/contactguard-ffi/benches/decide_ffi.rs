//! Per-call `decide` through the C ABI against the Rust API, in the same
//! run, on the same policy, history and ask (target: C ABI ≤ 1.2 × Rust).
//!
//! The C ABI side includes converting the C structs: the ask from a
//! `cg_ask` into the decision's reused scratch ask, and the decision into
//! the reused `cg_decision`, then reading the verdict, as a C caller would.
#![expect(clippy::expect_used, reason = "benchmark setup fails loudly")]

use contactguard::{decide, Ask, Event, History, Policy};
use contactguard_ffi::*;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::ptr;

const POLICY: &str = "us-reg-f+us-ma+conduct";
const ASK_AT: i64 = 1_792_065_600; // 2026-10-15T12:00:00Z, a Thursday, 08:00 in New York

fn s(text: &str) -> cg_str {
    cg_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// 50 events of history for the asked recipient and debt over the last
/// seven weeks: attempts of every result on every channel, a consent.
fn events() -> Vec<Event> {
    let mut events = Vec::new();
    for i in 0..49_i64 {
        let at = ASK_AT - 3_600 * 23 * (i + 1);
        let (channel, result) = match i % 6 {
            0 => ("call", "no_answer"),
            1 => ("sms", "delivered"),
            2 => ("email", "delivered"),
            3 => ("call", "voicemail"),
            4 => ("call", "not_connected"),
            _ => ("sms", "failed"),
        };
        events.push(
            serde_json::from_value(serde_json::json!({"type": "attempt",
                "at": jiff::Timestamp::from_second(at).expect("time").to_string(),
                "channel": channel, "to": "c1", "role": "debtor", "debt": "d1", "result": result}))
            .expect("event"),
        );
    }
    events.push(
        serde_json::from_value(
            serde_json::json!({"type": "consent", "at": "2026-08-01T12:00:00Z",
            "to": "c1", "channel": "sms", "granted": true}),
        )
        .expect("consent"),
    );
    events
}

fn bench(c: &mut Criterion) {
    let policy = Policy::preset(POLICY).expect("policy");
    let history = History::from_events(events());
    let ask: Ask = serde_json::from_value(serde_json::json!({
        "at": "2026-10-15T12:00:00Z", "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection", "autodialed": false}))
    .expect("ask");

    // The same through the C ABI.
    let mut cpolicy: *const cg_policy = ptr::null();
    let mut chistory: *mut cg_history = ptr::null_mut();
    let mut cdecision: *mut cg_decision = ptr::null_mut();
    let mut err: *mut cg_error = ptr::null_mut();
    assert_eq!(
        cg_policy_from_presets(POLICY.as_ptr().cast(), POLICY.len(), &mut cpolicy, &mut err),
        cg_result::Ok
    );
    assert_eq!(cg_history_new(&mut chistory, &mut err), cg_result::Ok);
    for e in events() {
        push_event(chistory, &e);
    }
    assert_eq!(cg_history_len(chistory), 50);
    assert_eq!(cg_decision_new(&mut cdecision, &mut err), cg_result::Ok);
    let zones = [s("America/New_York")];
    let cask = cg_ask {
        at: cg_timestamp {
            seconds: ASK_AT,
            nanos: 0,
        },
        to: s("c1"),
        debt: s("d1"),
        timezones: zones.as_ptr(),
        timezones_len: zones.len(),
        days_past_due: 0,
        channel: cg_channel::Call as u32,
        role: cg_role::Debtor as u32,
        place: cg_place::Mobile as u32,
        purpose: cg_purpose::Collection as u32,
        has_place: 1,
        has_purpose: 1,
        has_autodialed: 1,
        autodialed: 0,
        has_days_past_due: 0,
    };

    // Both sides must agree before they are timed.
    let rust = decide(&policy, &ask, &history);
    assert_eq!(
        cg_decide(cpolicy, chistory, &cask, cdecision, &mut err),
        cg_result::Ok
    );
    assert_eq!(cg_decision_allow(cdecision), rust.allow);
    assert_eq!(cg_decision_denial_count(cdecision), rust.denials.len());

    let mut group = c.benchmark_group("decide_50_events");
    group.bench_function("rust_api", |b| {
        b.iter(|| {
            let d = decide(black_box(&policy), black_box(&ask), black_box(&history));
            black_box(d.allow)
        })
    });
    group.bench_function("c_abi", |b| {
        b.iter(|| {
            let rc = cg_decide(
                black_box(cpolicy),
                black_box(chistory),
                black_box(&cask),
                cdecision,
                ptr::null_mut(),
            );
            let mut v = cg_verdict::default();
            let _ = cg_decision_verdict(cdecision, &mut v, ptr::null_mut());
            black_box((rc, v.allow))
        })
    });
    group.finish();

    cg_decision_free(cdecision);
    cg_history_free(chistory);
    cg_policy_free(cpolicy);
}

/// Appends one event through a `cg_event` (attempt and consent are all
/// this bench uses).
fn push_event(history: *mut cg_history, e: &Event) {
    let (ty, at, to, channel, role, debt, result, granted) = match e {
        Event::Attempt(a) => (
            cg_event_type::Attempt,
            a.at,
            a.to.clone(),
            a.channel,
            Some(a.role),
            a.debt.clone(),
            Some(a.result),
            0,
        ),
        Event::Consent(c) => (
            cg_event_type::Consent,
            c.at,
            c.to.clone(),
            c.channel,
            None,
            String::new(),
            None,
            1,
        ),
        _ => return,
    };
    let role = role.map_or(0, |r| ffi_index(contactguard::Role::ALL, r));
    let result = result.map_or(0, |r| ffi_index(contactguard::AttemptResult::ALL, r));
    let mut ev = blank_event();
    ev.r#type = ty as u32;
    ev.at = cg_timestamp {
        seconds: at.as_second(),
        nanos: 0,
    };
    ev.to = s(&to);
    ev.debt = s(&debt);
    ev.channel = ffi_index(contactguard::Channel::ALL, channel);
    ev.role = role;
    ev.result = result;
    ev.granted = granted;
    assert_eq!(
        cg_history_push(history, &ev, ptr::null_mut()),
        cg_result::Ok
    );
}

/// The C constants follow the core's declaration order (a unit test in the
/// crate proves it), so the position is the constant.
fn ffi_index<T: PartialEq>(all: &[T], v: T) -> u32 {
    all.iter().position(|x| *x == v).expect("known value") as u32
}

fn blank_event() -> cg_event {
    cg_event {
        r#type: 0,
        channel: 0,
        at: cg_timestamp::default(),
        to: s(""),
        debt: s(""),
        role: 0,
        result: 0,
        place: 0,
        reason: 0,
        until: cg_timestamp::default(),
        kind: s(""),
        start: s(""),
        end: s(""),
        weekdays: ptr::null(),
        weekdays_len: 0,
        has_channel: 0,
        has_place: 0,
        has_debt: 0,
        has_until: 0,
        has_kind: 0,
        has_start: 0,
        has_end: 0,
        granted: 0,
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
