//! Every C ABI entry point once, through its success and failure paths,
//! with every handle freed: ownership (Box and Arc handles, borrowed
//! strings), NULL and invalid arguments, buffers. Small on purpose (one
//! inline rule, the UTC zone) so that `make miri` can run it under Miri,
//! which checks the crate's `unsafe` code for undefined behaviour (aliasing,
//! use after free, leaks) that AddressSanitizer and valgrind cannot see.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(
    unsafe_code,
    reason = "reads strings the library lends and writes the snapshot sink"
)]

use contactguard_ffi::*;
use std::ffi::c_void;
use std::ptr;

const POLICY: &str = r#"
format = "contactguard-policy/1"
name = "mem"
[[rules]]
id = "two"
title = "two calls a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
rolling = "24h"
count = { channels = ["call"] }
when = { channels = ["call"] }

[[rules]]
id = "notice"
title = "an opt-out notice in texts"
cite = "t"
status = "convention"
kind = "oblige"
obligations = ["opt_out_notice"]
when = { channels = ["sms"] }
"#;

fn s(text: &'static str) -> cg_str {
    cg_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

fn read(v: cg_str) -> String {
    if v.len == 0 {
        return String::new();
    }
    // SAFETY: `v` was lent by a live handle, `len` bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(v.ptr.cast::<u8>(), v.len) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Checks a failure's error object, frees it, and returns its code.
fn failed(r: cg_result, err: *mut cg_error, want: cg_result) -> String {
    assert_eq!(r, want);
    assert!(!err.is_null());
    assert_eq!(cg_error_result(err), want);
    let code = read(cg_error_code(err));
    assert!(!read(cg_error_message(err)).is_empty());
    let _ = (read(cg_error_field(err)), read(cg_error_help(err)));
    let _ = (cg_error_line(err), cg_error_column(err));
    cg_error_free(err);
    code
}

const AT: i64 = 1_772_503_200; // 2026-03-03T02:00:00Z

fn ask(channel: cg_channel, zones: &[cg_str]) -> cg_ask {
    cg_ask {
        at: cg_timestamp {
            seconds: AT,
            nanos: 5,
        },
        to: s("c1"),
        debt: s("d1"),
        timezones: zones.as_ptr(),
        timezones_len: zones.len(),
        days_past_due: 12,
        channel: channel as u32,
        role: cg_role::Debtor as u32,
        place: cg_place::Mobile as u32,
        purpose: cg_purpose::Collection as u32,
        has_place: 1,
        has_purpose: 1,
        has_autodialed: 1,
        autodialed: 0,
        has_days_past_due: 1,
    }
}

fn call_event(seconds_before: i64) -> cg_event {
    cg_event {
        r#type: cg_event_type::Attempt as u32,
        channel: cg_channel::Call as u32,
        at: cg_timestamp {
            seconds: AT - seconds_before,
            nanos: 0,
        },
        to: s("c1"),
        debt: s("d1"),
        role: cg_role::Debtor as u32,
        result: cg_attempt_result::NoAnswer as u32,
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

fn load() -> *const cg_policy {
    let mut policy: *const cg_policy = ptr::null();
    let mut err = ptr::null_mut();
    let r = cg_policy_from_toml(POLICY.as_ptr().cast(), POLICY.len(), &mut policy, &mut err);
    assert_eq!(r, cg_result::Ok);
    assert!(err.is_null() && !policy.is_null());
    policy
}

#[test]
fn policies_errors_and_reference_counts() {
    let policy = load();
    assert_eq!(read(cg_policy_name(policy)), "mem");
    assert_eq!(cg_policy_rule_count(policy), 2);
    // Two more references, three frees.
    let a = cg_policy_clone(policy);
    let b = cg_policy_clone(a);
    cg_policy_free(a);
    cg_policy_free(policy);
    assert_eq!(cg_policy_rule_count(b), 2);
    cg_policy_free(b);
    assert!(cg_policy_clone(ptr::null()).is_null());
    cg_policy_free(ptr::null());
    assert_eq!(cg_policy_rule_count(ptr::null()), 0);
    assert_eq!(read(cg_policy_name(ptr::null())), "");

    let mut out: *const cg_policy = ptr::null();
    let mut err = ptr::null_mut();
    let bad = "format = \"contactguard-policy/1\"\n[[rules]]\nid = 3\n";
    let r = cg_policy_from_toml(bad.as_ptr().cast(), bad.len(), &mut out, &mut err);
    assert!(failed(r, err, cg_result::Policy).starts_with("policy."));
    assert!(out.is_null(), "an output written on failure");
    let mut err = ptr::null_mut();
    let r = cg_policy_from_json(b"{".as_ptr().cast(), 1, &mut out, &mut err);
    failed(r, err, cg_result::Policy);
    let mut err = ptr::null_mut();
    let r = cg_policy_from_presets(b"nosuch".as_ptr().cast(), 6, &mut out, &mut err);
    assert_eq!(failed(r, err, cg_result::Policy), "policy.unknown_preset");
    let mut err = ptr::null_mut();
    let r = cg_policy_from_toml([0xff_u8, 0xfe].as_ptr().cast(), 2, &mut out, &mut err);
    failed(r, err, cg_result::InvalidUtf8);
    let mut err = ptr::null_mut();
    let r = cg_policy_from_toml(ptr::null(), 4, &mut out, &mut err);
    failed(r, err, cg_result::NullArgument);
    let mut err = ptr::null_mut();
    let r = cg_policy_from_toml(ptr::null(), 0, ptr::null_mut(), &mut err);
    failed(r, err, cg_result::NullArgument);
    // Without an error slot, the status alone.
    let r = cg_policy_from_toml(ptr::null(), 4, &mut out, ptr::null_mut());
    assert_eq!(r, cg_result::NullArgument);
    assert!(out.is_null());

    // Error accessors on NULL.
    assert_eq!(cg_error_result(ptr::null()), cg_result::Ok);
    assert_eq!(read(cg_error_message(ptr::null())), "");
    assert_eq!(cg_error_line(ptr::null()), 0);
    cg_error_free(ptr::null_mut());
}

#[test]
fn histories_decisions_batches_and_json() {
    let policy = load();
    let mut history: *mut cg_history = ptr::null_mut();
    assert_eq!(cg_history_new(&mut history, ptr::null_mut()), cg_result::Ok);
    let one = call_event(3_600);
    assert_eq!(
        cg_history_push(history, &one, ptr::null_mut()),
        cg_result::Ok
    );
    // All or nothing: the second event is invalid.
    let mut bad = call_event(60);
    bad.role = 99;
    let two = [call_event(120), bad];
    let mut err = ptr::null_mut();
    let r = cg_history_push_many(history, two.as_ptr(), two.len(), &mut err);
    assert_eq!(failed(r, err, cg_result::InvalidEnum), "ffi.invalid_enum");
    assert_eq!(cg_history_len(history), 1);
    let ok = [call_event(120)];
    assert_eq!(
        cg_history_push_many(history, ok.as_ptr(), 1, ptr::null_mut()),
        cg_result::Ok
    );
    assert_eq!(cg_history_len(history), 2);

    let mut decision: *mut cg_decision = ptr::null_mut();
    assert_eq!(
        cg_decision_new(&mut decision, ptr::null_mut()),
        cg_result::Ok
    );
    let zones = [s("UTC")];
    // Two calls in 24 hours: the third is denied, with a retry time.
    let call = ask(cg_channel::Call, &zones);
    assert_eq!(
        cg_decide(policy, history, &call, decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(!cg_decision_allow(decision));
    assert_eq!(cg_decision_denial_count(decision), 1);
    let mut denial = cg_denial {
        id: s(""),
        cite: s(""),
        message: s(""),
    };
    assert_eq!(
        cg_decision_denial(decision, 0, &mut denial, ptr::null_mut()),
        cg_result::Ok
    );
    assert_eq!(read(denial.id), "two");
    assert!(!read(denial.message).is_empty());
    let mut err = ptr::null_mut();
    let r = cg_decision_denial(decision, 1, &mut denial, &mut err);
    failed(r, err, cg_result::IndexOutOfRange);
    let mut retry = cg_timestamp::default();
    assert!(cg_decision_retry_at(decision, &mut retry));
    assert!(retry.seconds > AT);
    let mut verdict = cg_verdict::default();
    assert_eq!(
        cg_decision_verdict(decision, &mut verdict, ptr::null_mut()),
        cg_result::Ok
    );
    assert_eq!((verdict.allow, verdict.denial_count), (0, 1));

    // A text: allowed, with an obligation borrowed from the decision.
    let text = ask(cg_channel::Sms, &zones);
    assert_eq!(
        cg_decide(policy, history, &text, decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(cg_decision_allow(decision));
    assert_eq!(cg_decision_obligation_count(decision), 1);
    let mut ob = s("");
    assert_eq!(
        cg_decision_obligation(decision, 0, &mut ob, ptr::null_mut()),
        cg_result::Ok
    );
    assert_eq!(read(ob), "opt_out_notice");

    // Invalid asks fail and leave a decision that does not allow.
    let mut bad = text;
    bad.at.nanos = 1_000_000_000;
    let mut err = ptr::null_mut();
    let r = cg_decide(policy, history, &bad, decision, &mut err);
    failed(r, err, cg_result::InvalidTime);
    assert!(!cg_decision_allow(decision));
    let mut bad = text;
    bad.to = cg_str {
        ptr: [0xc3_u8].as_ptr().cast(),
        len: 1,
    };
    let mut err = ptr::null_mut();
    failed(
        cg_decide(policy, history, &bad, decision, &mut err),
        err,
        cg_result::InvalidUtf8,
    );
    let mut bad = text;
    bad.timezones = ptr::null();
    let mut err = ptr::null_mut();
    failed(
        cg_decide(policy, history, &bad, decision, &mut err),
        err,
        cg_result::NullArgument,
    );
    let mut err = ptr::null_mut();
    failed(
        cg_decide(policy, ptr::null(), &text, decision, &mut err),
        err,
        cg_result::NullArgument,
    );
    // A role or channel left at 0 (UNSET) is a missing field, never a call
    // to the debtor; the error names the role first.
    let mut forgot = text;
    forgot.role = cg_role::Unset as u32;
    forgot.channel = cg_channel::Unset as u32;
    let mut err = ptr::null_mut();
    let r = cg_decide(policy, history, &forgot, decision, &mut err);
    assert_eq!(read(cg_error_field(err)), "ask.role");
    assert_eq!(failed(r, err, cg_result::MissingField), "ffi.missing_field");
    assert!(!cg_decision_allow(decision));
    // An attempt whose role was forgotten is refused by the history too.
    let mut no_role = call_event(60);
    no_role.role = 0;
    let mut err = ptr::null_mut();
    failed(
        cg_history_push(history, &no_role, &mut err),
        err,
        cg_result::MissingField,
    );
    // An event whose type was forgotten is never read as an attempt, and a
    // hold whose reason was forgotten never as a dispute: both are missing
    // fields, named with their place in a batch, and nothing is appended.
    let before = cg_history_len(history);
    let mut untyped = call_event(60);
    untyped.r#type = cg_event_type::Unset as u32;
    let mut err = ptr::null_mut();
    let r = cg_history_push(history, &untyped, &mut err);
    assert_eq!(read(cg_error_field(err)), "event.type");
    assert_eq!(failed(r, err, cg_result::MissingField), "ffi.missing_field");
    let mut hold = call_event(60);
    hold.r#type = cg_event_type::Hold as u32;
    let mut err = ptr::null_mut();
    let r = cg_history_push(history, &hold, &mut err);
    assert_eq!(read(cg_error_field(err)), "event.reason");
    assert_eq!(failed(r, err, cg_result::MissingField), "ffi.missing_field");
    let both = [call_event(90), untyped];
    let mut err = ptr::null_mut();
    let r = cg_history_push_many(history, both.as_ptr(), both.len(), &mut err);
    assert_eq!(read(cg_error_field(err)), "events[1].type");
    assert_eq!(failed(r, err, cg_result::MissingField), "ffi.missing_field");
    assert_eq!(cg_history_len(history), before);
    // With a reason, the same hold is taken (in a history of its own).
    hold.reason = cg_hold_reason::Dispute as u32;
    let mut held = ptr::null_mut();
    assert_eq!(cg_history_new(&mut held, ptr::null_mut()), cg_result::Ok);
    assert_eq!(cg_history_push(held, &hold, ptr::null_mut()), cg_result::Ok);
    assert_eq!(cg_history_len(held), 1);
    cg_history_free(held);
    // An unknown zone is a denial, not an error.
    let mars = [s("Mars/Base")];
    let lost = ask(cg_channel::Sms, &mars);
    assert_eq!(
        cg_decide(policy, history, &lost, decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(!cg_decision_allow(decision));

    // Batch: one verdict per ask; all or nothing.
    let asks = [call, text, lost];
    let mut verdicts = [cg_verdict::default(); 3];
    assert_eq!(
        cg_decide_batch(
            policy,
            history,
            asks.as_ptr(),
            3,
            verdicts.as_mut_ptr(),
            ptr::null_mut()
        ),
        cg_result::Ok
    );
    assert_eq!(
        verdicts.map(|v| v.allow),
        [0, 1, 0],
        "batch verdicts: {verdicts:?}"
    );
    let mut err = ptr::null_mut();
    let r = cg_decide_batch(policy, history, asks.as_ptr(), 3, ptr::null_mut(), &mut err);
    failed(r, err, cg_result::NullArgument);

    // JSON: ask for the size, then decide into a buffer that fits.
    let json = r#"{"ask": {"at": "2026-03-03T02:00:00Z", "channel": "sms", "to": "c1",
        "role": "debtor", "debt": "d1", "timezones": ["UTC"]}, "history": []}"#;
    let mut len = 0usize;
    let mut err = ptr::null_mut();
    let r = cg_decide_json(
        policy,
        json.as_ptr().cast(),
        json.len(),
        ptr::null_mut(),
        0,
        &mut len,
        &mut err,
    );
    failed(r, err, cg_result::BufferTooSmall);
    let mut buf = vec![0u8; len];
    let mut got = 0usize;
    assert_eq!(
        cg_decide_json(
            policy,
            json.as_ptr().cast(),
            json.len(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut got,
            ptr::null_mut()
        ),
        cg_result::Ok
    );
    assert_eq!(got, len);
    assert!(String::from_utf8(buf).unwrap().contains("\"allow\":true"));
    let mut err = ptr::null_mut();
    let r = cg_decide_json(
        policy,
        b"{\"ask\": 1}".as_ptr().cast(),
        10,
        ptr::null_mut(),
        0,
        &mut len,
        &mut err,
    );
    assert_eq!(failed(r, err, cg_result::InvalidJson), "json.invalid");

    assert_eq!(cg_history_clear(history, ptr::null_mut()), cg_result::Ok);
    assert_eq!(cg_history_len(history), 0);
    cg_decision_free(decision);
    cg_history_free(history);
    cg_policy_free(policy);
    cg_decision_free(ptr::null_mut());
    cg_history_free(ptr::null_mut());
    assert!(!cg_decision_allow(ptr::null()));
    assert!(cg_abi_sizeof(cg_abi_struct::Ask as u32) > 0);
    assert_eq!(cg_abi_sizeof(999), 0);
}

unsafe extern "C" fn collect(user: *mut c_void, data: *const u8, len: usize) -> i32 {
    // SAFETY: `user` is the Vec passed below; `data` holds `len` bytes.
    let out = unsafe { &mut *user.cast::<Vec<u8>>() };
    out.extend_from_slice(unsafe { std::slice::from_raw_parts(data, len) });
    0
}

unsafe extern "C" fn refuse(_: *mut c_void, _: *const u8, _: usize) -> i32 {
    5
}

#[test]
fn ledgers_tickets_and_snapshots() {
    let policy = load();
    let key = b"sixteen bytes or more of secret";
    let mut ledger: *mut cg_ledger = ptr::null_mut();
    assert_eq!(
        cg_ledger_new(
            policy,
            key.as_ptr(),
            key.len(),
            &mut ledger,
            ptr::null_mut()
        ),
        cg_result::Ok
    );
    // The ledger holds its own reference.
    cg_policy_free(policy);
    let zones = [s("UTC")];
    let call = ask(cg_channel::Call, &zones);
    let mut decision: *mut cg_decision = ptr::null_mut();
    assert_eq!(
        cg_decision_new(&mut decision, ptr::null_mut()),
        cg_result::Ok
    );
    let mut tickets = Vec::new();
    for _ in 0..3 {
        let mut ticket: *mut cg_ticket = ptr::null_mut();
        assert_eq!(
            cg_ledger_check_and_record(ledger, &call, decision, &mut ticket, ptr::null_mut()),
            cg_result::Ok
        );
        assert_eq!(!ticket.is_null(), cg_decision_allow(decision));
        if !ticket.is_null() {
            assert_eq!(cg_ticket_at(ticket).seconds, AT);
            tickets.push(ticket);
        }
    }
    assert_eq!(tickets.len(), 2, "a cap of two admits two");
    for t in &tickets {
        assert_eq!(
            cg_ledger_complete(
                ledger,
                *t,
                cg_attempt_result::Conversation as u32,
                ptr::null_mut()
            ),
            cg_result::Ok
        );
    }
    let mut err = ptr::null_mut();
    let r = cg_ledger_complete(ledger, tickets[0], 3, &mut err);
    assert_eq!(failed(r, err, cg_result::Ledger), "ledger.unknown_ticket");
    let mut err = ptr::null_mut();
    let r = cg_ledger_complete(ledger, tickets[0], 42, &mut err);
    failed(r, err, cg_result::InvalidEnum);
    let old = call_event(3_600);
    assert_eq!(
        cg_ledger_record(ledger, &old, ptr::null_mut()),
        cg_result::Ok
    );
    let mut far = call_event(0);
    far.at.seconds = 10_000_000_000; // 2286: past what the ledger stores
    let mut err = ptr::null_mut();
    let r = cg_ledger_record(ledger, &far, &mut err);
    assert_eq!(
        failed(r, err, cg_result::Ledger),
        "ledger.time_out_of_range"
    );

    // Snapshot through the callback; an aborting callback is an error.
    let mut bytes: Vec<u8> = Vec::new();
    let mut len = 0u64;
    assert_eq!(
        cg_ledger_snapshot(
            ledger,
            Some(collect),
            (&mut bytes as *mut Vec<u8>).cast(),
            &mut len,
            ptr::null_mut()
        ),
        cg_result::Ok
    );
    assert_eq!(len as usize, bytes.len());
    let mut err = ptr::null_mut();
    let r = cg_ledger_snapshot(
        ledger,
        Some(refuse),
        ptr::null_mut(),
        ptr::null_mut(),
        &mut err,
    );
    assert_eq!(failed(r, err, cg_result::Ledger), "ledger.io");
    let mut err = ptr::null_mut();
    let r = cg_ledger_snapshot(ledger, None, ptr::null_mut(), ptr::null_mut(), &mut err);
    failed(r, err, cg_result::NullArgument);

    // Restore: a damaged copy is refused, the ledger unchanged; the good
    // one restores into a fresh ledger with the same key.
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x40;
    let mut err = ptr::null_mut();
    let r = cg_ledger_restore(ledger, damaged.as_ptr(), damaged.len(), &mut err);
    // A structural check or the checksum, whichever sees the damage first.
    let code = failed(r, err, cg_result::Ledger);
    assert!(
        ["ledger.checksum", "ledger.corrupt"].contains(&code.as_str()),
        "{code}"
    );
    assert_eq!(
        cg_ledger_check(ledger, &call, decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(
        !cg_decision_allow(decision),
        "a refused restore emptied the ledger"
    );
    let policy = load();
    let mut twin: *mut cg_ledger = ptr::null_mut();
    assert_eq!(
        cg_ledger_new(policy, key.as_ptr(), key.len(), &mut twin, ptr::null_mut()),
        cg_result::Ok
    );
    cg_policy_free(policy);
    assert_eq!(
        cg_ledger_restore(twin, bytes.as_ptr(), bytes.len(), ptr::null_mut()),
        cg_result::Ok
    );
    assert_eq!(
        cg_ledger_check(twin, &call, decision, ptr::null_mut()),
        cg_result::Ok
    );
    assert!(
        !cg_decision_allow(decision),
        "the restored ledger forgot the calls"
    );
    let later = cg_timestamp {
        seconds: AT + 10 * 86_400,
        nanos: 0,
    };
    assert!(cg_ledger_prune(twin, later) > 0);
    assert_eq!(cg_ledger_prune(ptr::null(), later), 0);

    for t in tickets {
        cg_ticket_free(t);
    }
    cg_ticket_free(ptr::null_mut());
    cg_decision_free(decision);
    cg_ledger_free(twin);
    cg_ledger_free(ledger);
    cg_ledger_free(ptr::null_mut());
}

/// Found by fuzzing `policy_json`, the same in `cg_decide_json`: an error at
/// the start of a line (an empty or unfinished document) was reported at
/// column 0, which the header reserves for "unknown", and the end of the
/// input was named as the field `?` (serde_path_to_error's placeholder).
#[test]
fn json_errors_have_one_based_columns_and_no_placeholder_field() {
    let policy = load();
    for (json, line, field) in [("", 1, ""), ("{\n", 2, ""), ("{\"ask\":", 1, "ask")] {
        let mut len = 0usize;
        let mut err = ptr::null_mut();
        let r = cg_decide_json(
            policy,
            json.as_ptr().cast(),
            json.len(),
            ptr::null_mut(),
            0,
            &mut len,
            &mut err,
        );
        assert_eq!(r, cg_result::InvalidJson);
        assert_eq!(cg_error_line(err), line, "{json:?}");
        assert!(cg_error_column(err) >= 1, "{json:?}");
        assert_eq!(read(cg_error_field(err)), field, "{json:?}");
        assert!(read(cg_error_message(err)).starts_with("EOF while parsing"));
        cg_error_free(err);
    }
    cg_policy_free(policy);
}
