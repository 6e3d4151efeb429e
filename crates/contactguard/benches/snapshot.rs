//! Snapshot and restore throughput of a ledger of 200,000 attempts (10,000
//! debtors × 20 calls, one debt each, plus a few state events).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use contactguard::model::{Attempt, AttemptResult, Channel, Consent, Place, Role};
use contactguard::{Event, Ledger};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;

fn filled() -> Ledger {
    let (policy, _) = common::policy("us-reg-f+us-ma");
    let ledger = Ledger::with_key(policy, b"bench secret");
    let start: Timestamp = "2026-04-01T14:00:00Z".parse().unwrap();
    for k in 0..20i64 {
        for i in 0..10_000 {
            let at = start + SignedDuration::from_mins(13 * k) + SignedDuration::from_secs(i % 600);
            ledger
                .record(&Event::Attempt(Attempt {
                    at,
                    channel: if k % 3 == 0 {
                        Channel::Sms
                    } else {
                        Channel::Call
                    },
                    to: format!("+1617{i:07}"),
                    role: Role::Debtor,
                    debt: format!("card-{i}"),
                    result: AttemptResult::ALL[(k as usize + i as usize) % 6],
                    place: Some(Place::Mobile),
                }))
                .unwrap();
        }
    }
    for i in (0..10_000).step_by(10) {
        ledger
            .record(&Event::Consent(Consent {
                at: start,
                to: format!("+1617{i:07}"),
                channel: Channel::Sms,
                granted: true,
                kind: Some("tcpa".into()),
            }))
            .unwrap();
    }
    ledger
}

fn bench_snapshot(c: &mut Criterion) {
    let ledger = filled();
    let mut bytes = Vec::new();
    ledger.snapshot(&mut bytes).unwrap();
    let attempts = ledger.stats().attempts;
    eprintln!(
        "snapshot of {attempts} attempts: {} bytes ({:.1} bytes per attempt)",
        bytes.len(),
        bytes.len() as f64 / attempts as f64
    );
    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(20);
    let mut out = Vec::with_capacity(bytes.len());
    group.bench_function("write", |b| {
        b.iter(|| {
            out.clear();
            ledger.snapshot(black_box(&mut out)).unwrap()
        })
    });
    let target = Ledger::with_key(ledger.policy().clone(), b"bench secret");
    group.bench_function("restore", |b| {
        b.iter(|| target.restore(black_box(bytes.as_slice())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_snapshot);
criterion_main!(benches);
