//! `decide` on composed presets with 0, 10, 50 and 500 events of history,
//! and a baseline (a hash-map lookup of a phone number) measured in the same
//! run, for ratios. BENCHMARKS.md records the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use contactguard::{decide, History};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::collections::HashMap;
use std::hint::black_box;

fn bench_decide(c: &mut Criterion) {
    let cases = [
        (
            "us-reg-f+us-ma",
            "America/New_York",
            "2026-04-15T10:30:00-04:00",
        ),
        ("cn", "Asia/Shanghai", "2026-04-15T10:30:00+08:00"),
    ];
    let mut group = c.benchmark_group("decide");
    for (names, zone, at) in cases {
        let (policy, label) = common::policy(names);
        let ask = common::call(at.parse().unwrap(), zone, "+16175550100", "card-1");
        for n in [0usize, 10, 50, 500] {
            let events = common::compliant_history(&policy, &ask, n);
            assert_eq!(
                events.len(),
                n,
                "could not build a compliant history of {n}"
            );
            let history = History::from_events(events);
            let d = decide(&policy, &ask, &history);
            eprintln!(
                "decide/{label}/{n}: allow = {}, denials = {:?}",
                d.allow,
                d.denials.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()
            );
            group.bench_with_input(BenchmarkId::new(label.as_str(), n), &n, |b, _| {
                b.iter(|| decide(black_box(&policy), black_box(&ask), black_box(&history)))
            });
        }
    }
    group.finish();

    // Baseline: what the cheapest possible "policy" (a lookup of the
    // recipient in a table of 10,000) costs on this machine.
    let table: HashMap<String, u32> = (0..10_000)
        .map(|i| (format!("+1617555{i:04}"), i))
        .collect();
    let key = "+16175550100".to_owned();
    c.bench_function("baseline/hashmap_lookup", |b| {
        b.iter(|| black_box(&table).get(black_box(key.as_str())).copied())
    });
}

criterion_group!(benches, bench_decide);
criterion_main!(benches);
