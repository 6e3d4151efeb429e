//! Per-call `decide` through the C ABI against the Rust API, in the same
//! run, on the same policy, history and ask (target: C ABI ≤ 1.2 × Rust).
//!
//! Two scenarios, 50 events of history each:
//! - `allowed`: a 10:30 call to a debtor under `us-reg-f+us-ma`, with a
//!   history of emails, letters and one earlier call — the common case;
//! - `denied`: a call under `us-reg-f+us-ma+conduct` that a cap denies, so
//!   the engine also searches for `retry_at`.
//!
//! The C ABI side includes what a C caller pays: converting the `cg_ask`
//! into the decision's reused scratch ask, the panic boundary, storing the
//! decision in the reused `cg_decision`, and reading the verdict. Like the
//! Rust side's `Ask`, the `cg_ask` is built once, not per call.
//!
//! Under `cargo bench` it then times single calls of both sides, taking
//! turns, and prints their median and 99th percentile (what
//! `make bench-bindings` reads). Timings on a shared machine are noisy;
//! for a figure that does not depend on load, count instructions instead:
//!
//! ```text
//! CG_BENCH_COUNT=rust:allowed valgrind --tool=callgrind target/release/deps/decide_ffi-* --bench
//! CG_BENCH_COUNT=c:allowed    valgrind --tool=callgrind target/release/deps/decide_ffi-* --bench
//! ```
//!
//! which runs 1,000 decides of that kind (`CG_BENCH_N` to change it; 0
//! counts the set-up alone, to subtract) and exits. `CG_BENCH_COUNT=c-fresh:allowed`
//! alternates two recipients, so that no call finds its keys unchanged
//! since the previous one (the decisions differ: compare the C ABI's own
//! functions, not the totals).
#![expect(clippy::expect_used, reason = "benchmark setup fails loudly")]

use contactguard::{decide, Ask, Event, History, Policy};
use contactguard_ffi::*;
use criterion::{BenchmarkId, Criterion};
use std::hint::black_box;
use std::ptr;

// The scenarios (histories, ask, presets), shared with the core's benches
// and `examples/count_decide.rs`.
#[path = "../../contactguard/benches/scenario/mod.rs"]
mod scenario;
use scenario::ASK_AT;

fn s(text: &str) -> cg_str {
    cg_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// One scenario, ready on both sides.
struct Fixture {
    name: &'static str,
    policy: Policy,
    history: History,
    ask: Ask,
    cpolicy: *const cg_policy,
    chistory: *mut cg_history,
    cdecision: *mut cg_decision,
    /// The ask as C passes it, built once like `ask` (its zone array is
    /// `zones`, boxed so that it does not move with the fixture).
    cask: cg_ask,
    zones: Box<[cg_str; 1]>,
}

impl Fixture {
    fn new(name: &'static str, presets: &'static str, denied: bool) -> Fixture {
        let policy = Policy::preset(presets).expect("policy");
        // 49 attempts and a consent, one attempt every 23 hours.
        let events = scenario::history(denied, 50, false);
        let ask = scenario::ask();
        let mut f = Fixture {
            name,
            policy,
            history: History::from_events(events.clone()),
            ask,
            cpolicy: ptr::null(),
            chistory: ptr::null_mut(),
            cdecision: ptr::null_mut(),
            cask: Fixture::cask(ptr::null()),
            zones: Box::new([s("America/New_York")]),
        };
        f.cask = Fixture::cask(f.zones.as_ptr());
        let null = ptr::null_mut();
        assert_eq!(
            cg_policy_from_presets(presets.as_ptr().cast(), presets.len(), &mut f.cpolicy, null),
            cg_result::Ok
        );
        assert_eq!(cg_history_new(&mut f.chistory, null), cg_result::Ok);
        for e in &events {
            push_event(f.chistory, e);
        }
        assert_eq!(cg_history_len(f.chistory), 50);
        assert_eq!(cg_decision_new(&mut f.cdecision, null), cg_result::Ok);

        // Both sides agree, and the scenario is what it says.
        let rust = f.rust();
        assert_eq!(rust.allow, !denied, "{name}: {:?}", rust.denials);
        let v = f.c();
        assert_eq!(v.allow != 0, rust.allow);
        assert_eq!(v.denial_count as usize, rust.denials.len());
        assert_eq!(v.has_retry_at != 0, rust.retry_at.is_some());
        f
    }

    /// The scenario's ask as a `cg_ask` whose one time zone is at `zones`.
    fn cask(zones: *const cg_str) -> cg_ask {
        cg_ask {
            at: cg_timestamp {
                seconds: ASK_AT,
                nanos: 0,
            },
            to: s("c1"),
            debt: s("d1"),
            timezones: zones,
            timezones_len: 1,
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
        }
    }

    fn rust(&self) -> contactguard::Decision {
        decide(
            black_box(&self.policy),
            black_box(&self.ask),
            black_box(&self.history),
        )
    }

    fn c(&self) -> cg_verdict {
        self.c_with(&self.cask)
    }

    fn c_with(&self, ask: &cg_ask) -> cg_verdict {
        let rc = cg_decide(
            black_box(self.cpolicy),
            black_box(self.chistory),
            black_box(ask),
            self.cdecision,
            ptr::null_mut(),
        );
        let mut v = cg_verdict::default();
        let rc2 = cg_decision_verdict(self.cdecision, &mut v, ptr::null_mut());
        assert!(rc == cg_result::Ok && rc2 == cg_result::Ok);
        v
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        cg_decision_free(self.cdecision);
        cg_history_free(self.chistory);
        cg_policy_free(self.cpolicy);
    }
}

/// Appends one event through a `cg_event` (attempts and consents are all
/// this bench uses).
fn push_event(history: *mut cg_history, e: &Event) {
    let mut ev = blank_event();
    let (to, debt) = match e {
        Event::Attempt(a) => {
            ev.r#type = cg_event_type::Attempt as u32;
            ev.at.seconds = a.at.as_second();
            ev.channel = ffi_index(contactguard::Channel::ALL, a.channel);
            ev.role = ffi_index(contactguard::Role::ALL, a.role);
            ev.result = ffi_index(contactguard::AttemptResult::ALL, a.result);
            (a.to.as_str(), a.debt.as_str())
        }
        Event::Consent(c) => {
            ev.r#type = cg_event_type::Consent as u32;
            ev.at.seconds = c.at.as_second();
            ev.channel = ffi_index(contactguard::Channel::ALL, c.channel);
            ev.granted = u8::from(c.granted);
            (c.to.as_str(), "")
        }
        _ => return,
    };
    ev.to = s(to);
    ev.debt = s(debt);
    assert_eq!(
        cg_history_push(history, &ev, ptr::null_mut()),
        cg_result::Ok
    );
}

/// The C constants are 0 for `UNSET`, then the core's declaration order
/// from 1, so the position plus one is the constant.
fn ffi_index<T: PartialEq>(all: &[T], v: T) -> u32 {
    all.iter().position(|x| *x == v).expect("known value") as u32 + 1
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

fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture::new("allowed", scenario::presets(false), false),
        Fixture::new("denied", scenario::presets(true), true),
    ]
}

fn main() {
    let fixtures = fixtures();
    // Instruction counting under callgrind: `CG_BENCH_COUNT=c:allowed`.
    if let Ok(spec) = std::env::var("CG_BENCH_COUNT") {
        let (side, name) = spec
            .split_once(':')
            .expect("CG_BENCH_COUNT=rust|c|c-fresh:allowed|denied");
        let f = fixtures.iter().find(|f| f.name == name).expect("scenario");
        let n: u32 = std::env::var("CG_BENCH_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000);
        // `c-fresh`: keys that change on every call (another recipient and
        // debt every other call), so the C ABI checks and copies them each
        // time instead of finding them unchanged in its scratch ask.
        let mut other = f.cask;
        (other.to, other.debt) = (s("c2"), s("d2"));
        for i in 0..n {
            match side {
                "c" => black_box(f.c().allow),
                "c-fresh" => black_box(f.c_with(if i % 2 == 0 { &other } else { &f.cask }).allow),
                _ => black_box(u8::from(f.rust().allow)),
            };
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("decide_50_events");
    for f in &fixtures {
        // Interleaved, so both sides see the same machine load.
        group.bench_function(BenchmarkId::new("rust_api", f.name), |b| {
            b.iter(|| f.rust().allow)
        });
        group.bench_function(BenchmarkId::new("c_abi", f.name), |b| {
            b.iter(|| f.c().allow)
        });
    }
    group.finish();
    c.final_summary();
    // Under `cargo bench` (not `cargo test` nor `--test`): the median and p99 of single
    // calls, which a loaded machine inflates far less than criterion's
    // per-iteration times; `make bench-bindings` reads these lines.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test") {
        let mut fs: Vec<Box<dyn Fn() + '_>> = Vec::new();
        let mut names = Vec::new();
        for f in &fixtures {
            fs.push(Box::new(move || {
                black_box(f.rust().allow);
            }));
            names.push(format!("rust_api.{}", f.name));
            fs.push(Box::new(move || {
                black_box(f.c().allow);
            }));
            names.push(format!("c_abi.{}", f.name));
        }
        let refs: Vec<&dyn Fn()> = fs.iter().map(|f| f.as_ref()).collect();
        let samples = scenario::time_each(&refs, 40_000, 200);
        println!("single calls, each timed alone (40,000 each, taking turns 200 at a time):");
        for (name, s) in names.iter().zip(&samples) {
            println!(
                "single.{name}.median_ns={} single.{name}.p99_ns={}",
                scenario::quantile(s, 0.5),
                scenario::quantile(s, 0.99)
            );
        }
    }
}
