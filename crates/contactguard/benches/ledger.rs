//! `Ledger::check_and_record` (then `complete`), the dialer's hot path, on
//! one thread and on two threads sharing one ledger; and `check` alone.
//!
//! Each operation asks about the next of 10,000 debtors (one debt each);
//! a debtor comes round again one local day later, so the `cn` caps reset
//! and every ask is admitted: the figure is the admit path (decide, record,
//! complete). The ledger keeps about eight days of attempts per debtor and
//! prunes as it goes. With two threads each thread has its own half of the
//! debtors (a dialer partitions its queue the same way), and both share the
//! ledger, its shards and their locks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use contactguard::{Ask, AttemptResult, Ledger};
use criterion::{criterion_group, criterion_main, Criterion};
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DEBTORS: u64 = 10_000;

struct Fixture {
    ledger: Ledger,
    keys: Vec<(String, String)>,
    start: Timestamp,
    next: [AtomicU64; 2],
}

impl Fixture {
    fn new() -> Fixture {
        let (policy, label) = common::policy("cn");
        eprintln!("ledger benchmarks use policy `{label}`");
        Fixture {
            ledger: Ledger::with_key(policy, b"bench secret, 32 bytes long....."),
            keys: (0..DEBTORS)
                .map(|i| (format!("+86138{i:08}"), format!("loan-{i}")))
                .collect(),
            start: "2026-03-02T09:00:00+08:00".parse().unwrap(),
            next: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    /// Thread `t` of `threads`'s `k`-th ask: the next of its debtors, a
    /// local day after that debtor's previous ask, at 09:00 plus a second
    /// per debtor (within the permitted hours).
    fn ask(&self, t: u64, threads: u64, k: u64) -> Ask {
        let per = DEBTORS / threads;
        let i = (k % per) * threads + t;
        let (to, debt) = &self.keys[i as usize];
        let at = self.start
            + SignedDuration::from_hours(24 * (k / per) as i64)
            + SignedDuration::from_secs(i as i64);
        common::call(at, "Asia/Shanghai", to, debt)
    }

    fn admit_one(&self, t: u64, threads: u64) {
        let k = self.next[t as usize].fetch_add(1, Ordering::Relaxed);
        let ask = self.ask(t, threads, k);
        let a = self.ledger.check_and_record(black_box(&ask));
        let Some(ticket) = a.ticket else {
            panic!("the admit path denied {ask:?}: {:?}", a.decision.denials);
        };
        self.ledger
            .complete(&ticket, AttemptResult::NoAnswer)
            .unwrap();
    }

    /// Fills eight days of attempts per debtor.
    fn warmed(threads: u64) -> Fixture {
        let f = Fixture::new();
        for t in 0..threads {
            for _ in 0..8 * DEBTORS / threads {
                f.admit_one(t, threads);
            }
        }
        f
    }
}

fn run_threads(f: &Fixture, threads: u64, iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let n = iters / threads + u64::from(t < iters % threads);
            s.spawn(move || {
                for _ in 0..n {
                    f.admit_one(t, threads);
                }
            });
        }
    });
    start.elapsed()
}

fn bench_ledger(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger");
    let one = Fixture::warmed(1);
    group.bench_function("check_and_record+complete/1_thread", |b| {
        b.iter(|| one.admit_one(0, 1))
    });
    let probe = one.ask(0, 1, one.next[0].load(Ordering::Relaxed));
    group.bench_function("check/1_thread", |b| {
        b.iter(|| one.ledger.check(black_box(&probe)))
    });
    // Wall time per operation with two threads admitting concurrently: the
    // ledger's throughput, not one call's latency.
    let two = Fixture::warmed(2);
    group.bench_function("check_and_record+complete/2_threads", |b| {
        b.iter_custom(|iters| run_threads(&two, 2, iters))
    });
    group.finish();
    let s = two.ledger.stats();
    eprintln!(
        "two-thread ledger after the run: {} attempts, {} recipients, {} debts, {} pending",
        s.attempts, s.recipients, s.debts, s.pending
    );
}

criterion_group!(benches, bench_ledger);
criterion_main!(benches);
