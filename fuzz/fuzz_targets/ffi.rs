//! The C ABI fed arbitrary bytes and lengths, called as Rust functions.
//!
//! Policy text (TOML, JSON, preset names) and JSON requests are arbitrary
//! bytes, invalid UTF-8 included; asks and events are C structs with
//! arbitrary enum integers, flags, times and strings; output buffers have
//! arbitrary capacities. Every call returns a status (never unwinds), sets
//! `*out_error` exactly when it fails, and a failed decide leaves a
//! decision that does not allow. Every handle is freed, so the target also
//! runs clean under AddressSanitizer's leak checker.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use contactguard_ffi::*;
use libfuzzer_sys::fuzz_target;
use std::os::raw::c_char;
use std::ptr;

#[derive(Arbitrary, Debug)]
struct RawStr {
    bytes: Vec<u8>,
    null: bool,
}

#[derive(Arbitrary, Debug)]
struct RawTime {
    seconds: i64,
    nanos: i32,
    near: bool,
}

impl RawTime {
    fn c(&self) -> cg_timestamp {
        if self.near {
            // Within a month of 2026-03-02, so that rules bite.
            cg_timestamp {
                seconds: 1_772_409_600 + self.seconds % (31 * 86_400),
                nanos: self.nanos.rem_euclid(1_000_000_000),
            }
        } else {
            cg_timestamp {
                seconds: self.seconds,
                nanos: self.nanos,
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct RawAsk {
    at: RawTime,
    to: RawStr,
    debt: RawStr,
    zones: Vec<RawStr>,
    zones_null: bool,
    days_past_due: i64,
    channel: u32,
    role: u32,
    place: u32,
    purpose: u32,
    flags: [u8; 5],
}

#[derive(Arbitrary, Debug)]
struct RawEvent {
    kind: u32,
    channel: u32,
    at: RawTime,
    to: RawStr,
    debt: RawStr,
    role: u32,
    result: u32,
    place: u32,
    reason: u32,
    until: RawTime,
    kind_text: RawStr,
    start: RawStr,
    end: RawStr,
    weekdays: Vec<RawStr>,
    flags: [u8; 8],
}

#[derive(Arbitrary, Debug)]
enum PolicySource {
    Presets(RawStr),
    Toml(RawStr),
    Json(RawStr),
}

#[derive(Arbitrary, Debug)]
struct Input {
    policy: PolicySource,
    events: Vec<RawEvent>,
    asks: Vec<RawAsk>,
    json: RawStr,
    cap: u16,
    index: usize,
    ledger: LedgerOps,
}

/// The ledger handles: a key, results for the tickets, a snapshot callback
/// that may abort, and bytes to restore.
#[derive(Arbitrary, Debug)]
struct LedgerOps {
    key: RawStr,
    results: Vec<u32>,
    abort_after: Option<u8>,
    restore: Vec<u8>,
    prune: RawTime,
}

/// Collects snapshot chunks into a `Vec<u8>`; aborts after `limit` calls.
struct Sink {
    bytes: Vec<u8>,
    calls: usize,
    limit: Option<usize>,
}

unsafe extern "C" fn sink_write(user: *mut std::ffi::c_void, data: *const u8, len: usize) -> i32 {
    // SAFETY: `user` is the `Sink` passed to cg_ledger_snapshot below, and
    // `data` holds `len` bytes during the call, per the header.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    sink.calls += 1;
    if sink.limit.is_some_and(|l| sink.calls > l) {
        return 7;
    }
    sink.bytes
        .extend_from_slice(unsafe { std::slice::from_raw_parts(data, len) });
    0
}

fn snapshot(ledger: *const cg_ledger, limit: Option<usize>) -> (cg_result, Vec<u8>) {
    let mut sink = Sink {
        bytes: Vec::new(),
        calls: 0,
        limit,
    };
    let mut len = 0u64;
    let mut err = ptr::null_mut();
    let r = settle(
        cg_ledger_snapshot(
            ledger,
            Some(sink_write),
            (&mut sink as *mut Sink).cast(),
            &mut len,
            &mut err,
        ),
        err,
    );
    if r == cg_result::Ok {
        assert_eq!(
            len as usize,
            sink.bytes.len(),
            "reported length differs from bytes written"
        );
    }
    (r, sink.bytes)
}

/// Exercises the ledger handles with the same asks and events.
fn ledger_ops(policy: *const cg_policy, ops: &LedgerOps, asks: &[cg_ask], events: &[cg_event]) {
    let key = view(&ops.key);
    let mut ledger: *mut cg_ledger = ptr::null_mut();
    let mut err = ptr::null_mut();
    let r = settle(
        cg_ledger_new(policy, key.ptr.cast(), key.len, &mut ledger, &mut err),
        err,
    );
    if r != cg_result::Ok {
        assert!(ledger.is_null());
        return;
    }
    for e in events {
        let mut err = ptr::null_mut();
        let _ = settle(cg_ledger_record(ledger, e, &mut err), err);
    }
    let mut decision: *mut cg_decision = ptr::null_mut();
    assert_eq!(
        cg_decision_new(&mut decision, ptr::null_mut()),
        cg_result::Ok
    );
    let mut tickets = Vec::new();
    for a in asks {
        let mut ticket: *mut cg_ticket = ptr::null_mut();
        let mut err = ptr::null_mut();
        let r = settle(
            cg_ledger_check_and_record(ledger, a, decision, &mut ticket, &mut err),
            err,
        );
        if r == cg_result::Ok {
            // A ticket exactly when admitted.
            assert_eq!(!ticket.is_null(), cg_decision_allow(decision));
        } else {
            assert!(
                !cg_decision_allow(decision),
                "a failed check_and_record allows"
            );
        }
        if !ticket.is_null() {
            let _ = cg_ticket_at(ticket);
            tickets.push(ticket);
        }
    }
    for (i, t) in tickets.iter().enumerate() {
        let result = ops.results.get(i).copied().map_or(3, small_enum);
        let mut err = ptr::null_mut();
        let _ = settle(cg_ledger_complete(ledger, *t, result, &mut err), err);
    }
    // The decisions a failed restore must leave unchanged.
    let probe = |ledger: *const cg_ledger| -> Vec<bool> {
        asks.iter()
            .map(|a| {
                let r = cg_ledger_check(ledger, a, decision, ptr::null_mut());
                r == cg_result::Ok && cg_decision_allow(decision)
            })
            .collect()
    };
    let before = probe(ledger);
    let (r, full) = snapshot(ledger, None);
    assert_eq!(r, cg_result::Ok);
    // A callback that aborts is a ledger error, not a crash.
    if let Some(n) = ops.abort_after {
        let (r, _) = snapshot(ledger, Some(usize::from(n % 4)));
        assert!(r == cg_result::Ok || r == cg_result::Ledger, "{r:?}");
    }
    // Arbitrary bytes: refused (ledger unchanged) or restored.
    let mut err = ptr::null_mut();
    let r = settle(
        cg_ledger_restore(ledger, ops.restore.as_ptr(), ops.restore.len(), &mut err),
        err,
    );
    if r != cg_result::Ok {
        assert_eq!(probe(ledger), before, "a refused restore changed decisions");
        assert_eq!(
            snapshot(ledger, None).1,
            full,
            "a refused restore changed the ledger"
        );
    }
    // Its own snapshot restores.
    let mut err = ptr::null_mut();
    assert_eq!(
        settle(
            cg_ledger_restore(ledger, full.as_ptr(), full.len(), &mut err),
            err
        ),
        cg_result::Ok
    );
    assert_eq!(probe(ledger), before);
    let _ = cg_ledger_prune(ledger, ops.prune.c());
    let mut err = ptr::null_mut();
    assert_eq!(
        settle(cg_ledger_restore(ledger, ptr::null(), 1, &mut err), err),
        cg_result::NullArgument
    );
    for t in tickets {
        cg_ticket_free(t);
    }
    cg_decision_free(decision);
    cg_ledger_free(ledger);
    cg_ledger_free(ptr::null_mut());
    cg_ticket_free(ptr::null_mut());
}

/// Keeps the bytes alive while C views them.
struct Views {
    strs: Vec<cg_str>,
}

fn view(s: &RawStr) -> cg_str {
    if s.null {
        // NULL with a length: the library must refuse it, not read it.
        cg_str {
            ptr: ptr::null(),
            len: s.bytes.len(),
        }
    } else {
        cg_str {
            ptr: s.bytes.as_ptr().cast(),
            len: s.bytes.len(),
        }
    }
}

fn small_enum(v: u32) -> u32 {
    // Mostly valid constants, sometimes anything.
    if v & 0x8000_0000 != 0 {
        v
    } else {
        v % 12
    }
}

fn ask_of(a: &RawAsk, zones: &mut Views) -> cg_ask {
    zones.strs = a.zones.iter().take(4).map(view).collect();
    let [has_place, has_purpose, has_autodialed, autodialed, has_dpd] = a.flags;
    cg_ask {
        at: a.at.c(),
        to: view(&a.to),
        debt: view(&a.debt),
        timezones: if a.zones_null {
            ptr::null()
        } else {
            zones.strs.as_ptr()
        },
        timezones_len: zones.strs.len(),
        days_past_due: a.days_past_due,
        channel: small_enum(a.channel),
        role: small_enum(a.role),
        place: small_enum(a.place),
        purpose: small_enum(a.purpose),
        has_place,
        has_purpose,
        has_autodialed,
        autodialed,
        has_days_past_due: has_dpd,
    }
}

fn event_of(e: &RawEvent, days: &mut Views) -> cg_event {
    days.strs = e.weekdays.iter().take(4).map(view).collect();
    let [has_channel, has_place, has_debt, has_until, has_kind, has_start, has_end, granted] =
        e.flags;
    cg_event {
        r#type: small_enum(e.kind),
        channel: small_enum(e.channel),
        at: e.at.c(),
        to: view(&e.to),
        debt: view(&e.debt),
        role: small_enum(e.role),
        result: small_enum(e.result),
        place: small_enum(e.place),
        reason: small_enum(e.reason),
        until: e.until.c(),
        kind: view(&e.kind_text),
        start: view(&e.start),
        end: view(&e.end),
        weekdays: days.strs.as_ptr(),
        weekdays_len: days.strs.len(),
        has_channel,
        has_place,
        has_debt,
        has_until,
        has_kind,
        has_start,
        has_end,
        granted,
    }
}

/// A status and its error agree: OK with no error, a failure with an error
/// of the same status, which is then freed.
fn settle(r: cg_result, err: *mut cg_error) -> cg_result {
    if r == cg_result::Ok {
        assert!(err.is_null(), "an error object on success");
    } else {
        assert!(!err.is_null(), "a failure without an error object");
        assert_eq!(cg_error_result(err), r);
        assert_ne!(r, cg_result::Panic, "a panic was caught at the boundary");
        let m = cg_error_message(err);
        assert!(m.len > 0 && !m.ptr.is_null(), "an error without a message");
        let _ = (cg_error_code(err), cg_error_help(err));
        // Positions are 1-based; 0 means unknown, for both or neither.
        if cg_error_line(err) > 0 {
            assert!(cg_error_column(err) >= 1, "line without a column");
        }
        let f = cg_error_field(err);
        if f.len > 0 {
            // SAFETY: a string lent by a live error, `len` bytes.
            let field = unsafe { std::slice::from_raw_parts(f.ptr.cast::<u8>(), f.len) };
            assert_ne!(field, b"?", "a placeholder reported as the field");
        }
        cg_error_free(err);
    }
    r
}

fn load(src: &PolicySource) -> *const cg_policy {
    let mut policy: *const cg_policy = ptr::null();
    let mut err: *mut cg_error = ptr::null_mut();
    let (f, s): (
        extern "C" fn(*const c_char, usize, *mut *const cg_policy, *mut *mut cg_error) -> cg_result,
        &RawStr,
    ) = match src {
        PolicySource::Presets(s) => (cg_policy_from_presets, s),
        PolicySource::Toml(s) => (cg_policy_from_toml, s),
        PolicySource::Json(s) => (cg_policy_from_json, s),
    };
    let v = view(s);
    let r = settle(f(v.ptr, v.len, &mut policy, &mut err), err);
    assert_eq!(r == cg_result::Ok, !policy.is_null());
    if r != cg_result::Ok {
        // Fall back to a real policy so that deciding is exercised.
        let names = b"cn+conduct";
        let r = cg_policy_from_presets(
            names.as_ptr().cast(),
            names.len(),
            &mut policy,
            ptr::null_mut(),
        );
        assert_eq!(r, cg_result::Ok);
    }
    policy
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let policy = load(&input.policy);
    let _ = (cg_policy_name(policy), cg_policy_rule_count(policy));
    let extra = cg_policy_clone(policy);

    let mut history: *mut cg_history = ptr::null_mut();
    assert_eq!(cg_history_new(&mut history, ptr::null_mut()), cg_result::Ok);
    let mut pushed = 0;
    let mut day_views: Vec<Views> = Vec::new();
    let mut c_events = Vec::new();
    for e in input.events.iter().take(16) {
        let mut views = Views { strs: Vec::new() };
        let ev = event_of(e, &mut views);
        day_views.push(views);
        c_events.push(ev);
        let mut err = ptr::null_mut();
        let before = cg_history_len(history);
        let r = settle(cg_history_push(history, &ev, &mut err), err);
        // Pushed on success, unchanged on failure.
        assert_eq!(
            cg_history_len(history),
            before + usize::from(r == cg_result::Ok)
        );
        pushed += usize::from(r == cg_result::Ok);
    }
    assert_eq!(cg_history_len(history), pushed);

    let mut decision: *mut cg_decision = ptr::null_mut();
    assert_eq!(
        cg_decision_new(&mut decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(!cg_decision_allow(decision), "a new decision allows");
    let mut c_asks = Vec::new();
    let mut zone_views = Vec::new();
    let mut singles = Vec::new();
    for a in input.asks.iter().take(4) {
        let mut zv = Views { strs: Vec::new() };
        let ask = ask_of(a, &mut zv);
        let mut err = ptr::null_mut();
        let r = settle(cg_decide(policy, history, &ask, decision, &mut err), err);
        let mut verdict = cg_verdict::default();
        assert_eq!(
            cg_decision_verdict(decision, &mut verdict, ptr::null_mut()),
            cg_result::Ok
        );
        if r != cg_result::Ok {
            // Fail closed: a caller that ignores the status does not contact.
            assert_eq!(
                verdict.allow, 0,
                "a failed decide left an allowing decision"
            );
        }
        assert_eq!(
            verdict.allow != 0,
            verdict.denial_count == 0 && r == cg_result::Ok
        );
        assert_eq!(
            cg_decision_denial_count(decision),
            verdict.denial_count as usize
        );
        let mut denial = std::mem::MaybeUninit::<cg_denial>::uninit();
        let count = cg_decision_denial_count(decision);
        for i in [0, count.saturating_sub(1), count, input.index] {
            let mut err = ptr::null_mut();
            let r = settle(
                cg_decision_denial(decision, i, denial.as_mut_ptr(), &mut err),
                err,
            );
            assert_eq!(r == cg_result::Ok, i < count);
            let mut ob = cg_str {
                ptr: ptr::null(),
                len: 0,
            };
            let oc = cg_decision_obligation_count(decision);
            let mut err = ptr::null_mut();
            let r = settle(cg_decision_obligation(decision, i, &mut ob, &mut err), err);
            assert_eq!(r == cg_result::Ok, i < oc);
        }
        let mut retry = cg_timestamp::default();
        assert_eq!(
            cg_decision_retry_at(decision, &mut retry),
            verdict.has_retry_at != 0
        );
        singles.push((r, verdict));
        c_asks.push(ask);
        zone_views.push(zv);
    }
    // The batch agrees with one-by-one decides, all or nothing.
    let mut verdicts = vec![cg_verdict::default(); c_asks.len()];
    let mut err = ptr::null_mut();
    let r = settle(
        cg_decide_batch(
            policy,
            history,
            c_asks.as_ptr(),
            c_asks.len(),
            verdicts.as_mut_ptr(),
            &mut err,
        ),
        err,
    );
    let all_ok = singles.iter().all(|(r, _)| *r == cg_result::Ok);
    assert_eq!(
        r == cg_result::Ok,
        all_ok,
        "batch and single decides disagree on validity"
    );
    if all_ok {
        let one_by_one: Vec<cg_verdict> = singles.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            verdicts, one_by_one,
            "batch verdicts differ from single decides"
        );
    }

    // JSON in, JSON out, with an arbitrary buffer.
    let json = view(&input.json);
    let mut buf = vec![0u8; usize::from(input.cap)];
    let mut len = usize::MAX;
    let mut err = ptr::null_mut();
    let r = settle(
        cg_decide_json(
            policy,
            json.ptr,
            json.len,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
            &mut err,
        ),
        err,
    );
    match r {
        cg_result::Ok => {
            let out: serde_json::Value =
                serde_json::from_slice(&buf[..len]).expect("the decision is JSON");
            let allow = out["allow"].as_bool().expect("allow is a bool");
            assert_eq!(
                allow,
                out["denials"].as_array().is_some_and(|d| d.is_empty())
            );
        }
        cg_result::BufferTooSmall => {
            assert!(
                len > buf.len(),
                "too small, yet {len} fits in {}",
                buf.len()
            );
            let mut big = vec![0u8; len];
            let mut len2 = 0;
            let r = cg_decide_json(
                policy,
                json.ptr,
                json.len,
                big.as_mut_ptr().cast(),
                big.len(),
                &mut len2,
                ptr::null_mut(),
            );
            assert_eq!(r, cg_result::Ok);
            assert_eq!(len2, len);
        }
        _ => assert_eq!(len, usize::MAX, "out_len written on failure"),
    }

    ledger_ops(policy, &input.ledger, &c_asks, &c_events);

    // NULL everywhere is refused, never dereferenced.
    let mut err = ptr::null_mut();
    assert_eq!(
        settle(
            cg_decide(ptr::null(), history, ptr::null(), decision, &mut err),
            err
        ),
        cg_result::NullArgument
    );
    assert!(!cg_decision_allow(decision));

    let mut err = ptr::null_mut();
    let _ = settle(cg_history_clear(history, &mut err), err);
    assert_eq!(cg_history_len(history), 0);
    cg_decision_free(decision);
    cg_history_free(history);
    cg_policy_free(extra);
    cg_policy_free(policy);
    cg_policy_free(ptr::null());
    cg_decision_free(ptr::null_mut());
    cg_history_free(ptr::null_mut());
    cg_error_free(ptr::null_mut());
    drop(zone_views);
    drop(day_views);
});
