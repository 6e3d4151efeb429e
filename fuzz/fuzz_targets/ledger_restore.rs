//! `Ledger::restore` on arbitrary bytes: `Ok` or an error, never a panic,
//! and a failed restore leaves the ledger exactly as it was (its snapshot
//! bytes and its decisions unchanged).
//!
//! Two modes, chosen by the first byte: the rest as raw bytes, or a real
//! snapshot of a ledger built from arbitrary events, then mutated
//! (flipped bytes, truncation) with its checksum optionally recomputed so
//! that the structural checks behind it are reached. A snapshot that
//! restores must leave a ledger that decides, records, completes, prunes
//! and snapshots again without panicking, and whose snapshot restores to
//! the same bytes.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cg_fuzz::{check_decision, crc32, essence, fixed_asks, EventShape};
use contactguard::{AttemptResult, Event, Ledger, Policy};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const SECRET: &[u8] = b"fuzz secret, sixteen bytes or more";

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| match Policy::preset("cn+conduct") {
        Ok(p) => p,
        Err(e) => panic!("presets do not load: {e}"),
    })
}

#[derive(Arbitrary, Debug)]
struct Mutated {
    events: Vec<EventShape>,
    same_key: bool,
    flips: Vec<(u32, u8)>,
    truncate: Option<u32>,
    fix_crc: bool,
}

fn snapshot(l: &Ledger) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = l.snapshot(&mut out) {
        panic!("snapshot into a Vec failed: {e}");
    }
    out
}

/// A ledger with some history, to restore over.
fn target() -> Ledger {
    let l = Ledger::with_key(policy().clone(), SECRET);
    for a in fixed_asks() {
        let _ = l.record(&Event::attempt_from(&a, AttemptResult::NoAnswer));
        let adm = l.check_and_record(&a);
        if let Some(t) = adm.ticket {
            let _ = l.complete(&t, AttemptResult::Conversation);
        }
    }
    l
}

fn bytes_of(data: &[u8]) -> Option<Vec<u8>> {
    let (&mode, rest) = data.split_first()?;
    if mode & 1 == 0 {
        return Some(rest.to_vec());
    }
    let m = Mutated::arbitrary(&mut Unstructured::new(rest)).ok()?;
    let key: &[u8] = if m.same_key {
        SECRET
    } else {
        b"another secret"
    };
    let source = Ledger::with_key(policy().clone(), key);
    for e in m.events.iter().take(32) {
        let _ = source.record(&e.event());
    }
    let mut bytes = snapshot(&source);
    for (pos, x) in m.flips.iter().take(8) {
        let n = bytes.len();
        if let Some(b) = bytes.get_mut(*pos as usize % n.max(1)) {
            *b ^= x;
        }
    }
    if let Some(t) = m.truncate {
        bytes.truncate(t as usize % (bytes.len() + 1));
    }
    if m.fix_crc && bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32(&bytes[..body]).to_le_bytes();
        bytes[body..].copy_from_slice(&crc);
    }
    Some(bytes)
}

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = bytes_of(data) else {
        return;
    };
    let ledger = target();
    let before = snapshot(&ledger);
    let asks = fixed_asks();
    let decisions: Vec<_> = asks.iter().map(|a| essence(&ledger.check(a))).collect();

    match ledger.restore(bytes.as_slice()) {
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(e.code().starts_with("ledger."));
            assert_eq!(
                snapshot(&ledger),
                before,
                "a failed restore changed the ledger ({e})"
            );
            let after: Vec<_> = asks.iter().map(|a| essence(&ledger.check(a))).collect();
            assert_eq!(after, decisions, "a failed restore changed decisions ({e})");
        }
        Ok(()) => {
            // Whatever was restored must be usable.
            let _ = ledger.stats();
            for a in &asks {
                check_decision(a, &ledger.check(a));
                let adm = ledger.check_and_record(a);
                check_decision(a, &adm.decision);
                if let Some(t) = adm.ticket {
                    assert!(ledger.complete(&t, AttemptResult::NoAnswer).is_ok());
                }
            }
            let again = snapshot(&ledger);
            let twin = Ledger::with_key(policy().clone(), SECRET);
            if let Err(e) = twin.restore(again.as_slice()) {
                panic!("a ledger's own snapshot does not restore: {e}");
            }
            assert_eq!(
                snapshot(&twin),
                again,
                "restore then snapshot changed the bytes"
            );
            for a in &asks {
                assert_eq!(essence(&twin.check(a)), essence(&ledger.check(a)));
            }
            let _ = ledger.prune(jiff::Timestamp::MAX);
            let _ = snapshot(&ledger);
        }
    }
});
