//! Bytes per retained attempt, measured with a counting global allocator:
//! the heap the ledger holds after recording a workload, divided by the
//! attempts it retains. Prints the figures; not a timing benchmark.
//!
//! Two counts: the bytes requested from the allocator, and an estimate of
//! what glibc's malloc really reserves for them (8 bytes of header, rounded
//! up to 16, at least 32 per block).
#![allow(
    unsafe_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use contactguard::model::{Attempt, AttemptResult, Channel, Place, Role};
use contactguard::{Event, Ledger, Policy};
use jiff::{SignedDuration, Timestamp};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static REQUESTED: AtomicIsize = AtomicIsize::new(0);
static RESERVED: AtomicIsize = AtomicIsize::new(0);

fn malloc_size(n: usize) -> isize {
    ((n + 8).div_ceil(16) * 16).max(32) as isize
}

// SAFETY: every method forwards to `System` with the same arguments and
// only adds bookkeeping in atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            REQUESTED.fetch_add(layout.size() as isize, Ordering::Relaxed);
            RESERVED.fetch_add(malloc_size(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            REQUESTED.fetch_add(layout.size() as isize, Ordering::Relaxed);
            RESERVED.fetch_add(malloc_size(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        REQUESTED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        RESERVED.fetch_sub(malloc_size(layout.size()), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            REQUESTED.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
            RESERVED.fetch_add(
                malloc_size(new_size) - malloc_size(layout.size()),
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn counts() -> (isize, isize) {
    (
        REQUESTED.load(Ordering::Relaxed),
        RESERVED.load(Ordering::Relaxed),
    )
}

/// Records `per_debtor` calls to each of `debtors` debtors (one debt each)
/// within the look-back, and reports the heap per retained attempt.
fn workload(policy: &Policy, debtors: usize, per_debtor: i64, third_parties: bool) {
    let before = counts();
    let ledger = Ledger::with_key(policy.clone(), b"bench secret");
    let start: Timestamp = "2026-03-02T01:00:00Z".parse().unwrap();
    for k in 0..per_debtor {
        for i in 0..debtors {
            let third = third_parties && k % 5 == 4;
            let at =
                start + SignedDuration::from_mins(7 * k) + SignedDuration::from_millis(i as i64);
            ledger
                .record(&Event::Attempt(Attempt {
                    at,
                    channel: if k % 3 == 1 {
                        Channel::Sms
                    } else {
                        Channel::Call
                    },
                    to: if third {
                        format!("+86139{i:08}")
                    } else {
                        format!("+86138{i:08}")
                    },
                    role: if third {
                        Role::EmergencyContact
                    } else {
                        Role::Debtor
                    },
                    debt: format!("loan-{i}"),
                    result: AttemptResult::ALL[(k as usize + i) % 6],
                    place: Some(Place::Mobile),
                }))
                .unwrap();
        }
    }
    let after = counts();
    let s = ledger.stats();
    let n = s.attempts as f64;
    println!(
        "{debtors:>7} debtors x {per_debtor:>3} attempts{}: {:>9} retained, {:>5.1} bytes/attempt requested, {:>5.1} with malloc overhead (estimate), {:>5.1} from structure sizes",
        if third_parties { " (1 in 5 to a contact)" } else { "" },
        s.attempts,
        (after.0 - before.0) as f64 / n,
        (after.1 - before.1) as f64 / n,
        s.reserved_bytes as f64 / n,
    );
    drop(ledger);
}

fn main() {
    let (policy, label) = common::policy("cn");
    println!("ledger memory per retained attempt (policy `{label}`; 12-byte entries, one in the recipient's list and one in the debt's)");
    for (debtors, per) in [(10_000, 7), (10_000, 20), (100_000, 20), (1_000, 100)] {
        workload(&policy, debtors, per, false);
    }
    workload(&policy, 10_000, 20, true);
}
