//! `decide` on composed presets over 0, 50, 200 and 1,000 events of
//! history, allowed and denied: criterion's median (and its interval), then
//! the median and 99th percentile of single calls (issue 14: median
//! ≤ 250 ns and p99 ≤ 1 µs at 50 events). BENCHMARKS.md records them.
//!
//! The scenarios are `benches/scenario/mod.rs`'s (those of
//! `examples/count_decide.rs` and the C ABI bench): **allowed** under
//! `us-reg-f+us-ma`, **denied** under `us-reg-f+us-ma+conduct` (a cap
//! denies, so `retry_at` is searched), with the `dense` layout: the extra
//! events of 200 and 1,000 fall inside the 47 days that 50 span, so every
//! rule's look-back holds them (the harder case). With no history both
//! scenarios are allowed.
//!
//! Percentiles: criterion times batches and reports per-call means, which
//! hide the tail, and on a loaded machine count the time the process waits
//! for a core. After it, [`percentiles`] times every call alone
//! (`scenario::time_each`: `Instant::now()` before and after, the TSC
//! through the vDSO here) for [`CALLS`] calls per case, the cases taking
//! turns [`BLOCK`] calls at a time so that load on the machine falls on all
//! alike, and reads the median and the 99th percentile of the sorted
//! samples. The same loop around an empty call is printed as the timer's
//! own cost (it is included in every sample, not subtracted).
//!
//! ```text
//! make bench        # or:
//! cargo bench -p contactguard --bench decide_history -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod scenario;

use contactguard::{decide, Ask, History, Policy};
use criterion::{BenchmarkId, Criterion};
use std::hint::black_box;

/// History sizes.
const SIZES: [i64; 4] = [0, 50, 200, 1_000];
/// Calls timed alone per case.
const CALLS: usize = 40_000;
/// Calls per case before the next case takes its turn.
const BLOCK: usize = 200;

struct Case {
    name: String,
    policy: Policy,
    history: History,
    ask: Ask,
}

impl Case {
    fn call(&self) -> bool {
        let d = decide(
            black_box(&self.policy),
            black_box(&self.ask),
            black_box(&self.history),
        );
        black_box(d.retry_at);
        d.allow
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for denied in [false, true] {
        let policy = Policy::preset(scenario::presets(denied)).expect("policy");
        for events in SIZES {
            let events_list = scenario::history(denied, events, true);
            assert_eq!(events_list.len() as i64, events);
            let history = History::from_events(events_list);
            let ask = scenario::ask();
            let d = decide(&policy, &ask, &history);
            // Each case is what it says: an empty history allows both.
            let want_allow = !denied || events == 0;
            assert_eq!(d.allow, want_allow, "{events} events: {:?}", d.denials);
            assert_eq!(d.retry_at.is_some(), !want_allow);
            let label = if denied { "denied" } else { "allowed" };
            eprintln!(
                "decide_history/{label}/{events}: {} ({}), denials {:?}",
                scenario::presets(denied),
                if d.allow { "allow" } else { "deny" },
                d.denials.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()
            );
            out.push(Case {
                name: format!("{label}/{events}"),
                policy: policy.clone(),
                history,
                ask,
            });
        }
    }
    out
}

/// Median and p99 of single calls, per case; printed as a table.
fn percentiles(cases: &[Case]) {
    let mut fs: Vec<Box<dyn Fn()>> = cases
        .iter()
        .map(|c| {
            Box::new(move || {
                black_box(c.call());
            }) as Box<dyn Fn()>
        })
        .collect();
    fs.push(Box::new(|| {
        black_box(true);
    }));
    let refs: Vec<&dyn Fn()> = fs.iter().map(|f| f.as_ref()).collect();
    let samples = scenario::time_each(&refs, CALLS, BLOCK);
    println!(
        "\nsingle calls, each timed alone: {CALLS} per case, cases taking turns {BLOCK} calls at a time"
    );
    println!(
        "{:<22} {:>10} {:>10} {:>10}",
        "case", "median ns", "p99 ns", "max ns"
    );
    let names = cases
        .iter()
        .map(|c| c.name.as_str())
        .chain(["timer alone (empty)"]);
    for (name, s) in names.zip(&samples) {
        println!(
            "{name:<22} {:>10} {:>10} {:>10}",
            scenario::quantile(s, 0.5),
            scenario::quantile(s, 0.99),
            s.last().copied().unwrap_or(0)
        );
    }
    println!("(issue 14 targets at 50 events: median <= 250 ns, p99 <= 1,000 ns)");
    println!("load average at the end: {}", loadavg());
}

/// The machine's load (`/proc/loadavg`), which the timings depend on.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".to_owned(), |l| l.trim().to_owned())
}

fn main() {
    let cases = cases();
    println!("load average at the start: {}", loadavg());
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("decide_history");
    for case in &cases {
        let (label, events) = case.name.split_once('/').expect("label/events");
        group.bench_function(BenchmarkId::new(label, events), |b| b.iter(|| case.call()));
    }
    group.finish();
    c.final_summary();
    // Criterion runs each bench once under `cargo test` and with `--test`;
    // the percentiles are for a real `cargo bench` run only.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test") {
        percentiles(&cases);
    }
}
