//! Deciding: `cg_decide` into a reusable `cg_decision`, the batch entry
//! point, and the JSON-in/JSON-out convenience.

use crate::boundary::{arg, guard, guard_boxed, slice_arg, text_arg, value_guard, write_out};
use crate::error::{cg_error, cg_result};
use crate::history::cg_history;
use crate::policy::cg_policy;
use crate::types::{blank_ask, cg_ask, cg_str, cg_timestamp};
use contactguard::{decide, Ask, Decision, Event, History};
use serde::Deserialize;
use std::os::raw::c_char;

/// A decision, reused across calls: `cg_decide` overwrites it. Its strings
/// are borrowed by the accessors until the next `cg_decide` into it or
/// `cg_decision_free`. Mutable: one thread at a time (`cg_decision*`);
/// reading it (`const cg_decision*`) from several threads is fine while
/// nobody decides into it.
pub struct cg_decision {
    pub(crate) decision: Decision,
    /// The last ask, kept so its strings' storage is reused.
    scratch: Ask,
}

impl cg_decision {
    fn undecided() -> Decision {
        Decision {
            allow: false,
            denials: Vec::new(),
            retry_at: None,
            obligations: Vec::new(),
        }
    }
}

/// The summary of a decision, filled in one call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct cg_verdict {
    /// The earliest instant at which the same ask would be allowed given
    /// the same history (read when `has_retry_at`).
    pub retry_at: cg_timestamp,
    /// How many rules denied.
    pub denial_count: u32,
    /// How many obligations the contact must honour if it goes ahead.
    pub obligation_count: u32,
    /// 1 when the contact may go ahead, else 0.
    pub allow: u8,
    /// 1 when `retry_at` is set; 0 when no future instant helps (or the ask
    /// is allowed).
    pub has_retry_at: u8,
}

impl cg_verdict {
    fn of(d: &Decision) -> cg_verdict {
        cg_verdict {
            retry_at: d.retry_at.map(cg_timestamp::of).unwrap_or_default(),
            denial_count: u32::try_from(d.denials.len()).unwrap_or(u32::MAX),
            obligation_count: u32::try_from(d.obligations.len()).unwrap_or(u32::MAX),
            allow: u8::from(d.allow),
            has_retry_at: u8::from(d.retry_at.is_some()),
        }
    }
}

/// One rule that denied, borrowed from the decision.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cg_denial {
    /// The rule's id, e.g. `us-reg-f.10`.
    pub id: cg_str,
    /// Its legal citation.
    pub cite: cg_str,
    /// What was exceeded, with the figures.
    pub message: cg_str,
}

/// Creates a decision to decide into. On success `*out_decision` is a new
/// decision the caller owns (free with `cg_decision_free`); until the first
/// `cg_decide` it does not allow.
#[no_mangle]
pub extern "C" fn cg_decision_new(
    out_decision: *mut *mut cg_decision,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        if out_decision.is_null() {
            return Err(cg_error::null("out_decision"));
        }
        let d = Box::into_raw(Box::new(cg_decision {
            decision: cg_decision::undecided(),
            scratch: blank_ask(),
        }));
        // SAFETY: checked not NULL; the caller provides the storage.
        unsafe { write_out(out_decision, d) };
        Ok(())
    })
}

/// Frees a decision. NULL does nothing. Free each decision once.
#[no_mangle]
pub extern "C" fn cg_decision_free(decision: *mut cg_decision) {
    value_guard((), || {
        if !decision.is_null() {
            // SAFETY: made by `Box::into_raw` here, freed once per the contract.
            drop(unsafe { Box::from_raw(decision) });
        }
    });
}

/// Decides whether `ask` may go ahead under `policy` given `history`, into
/// `decision` (overwritten).
///
/// Deciding never fails on what the engine cannot evaluate (an unknown time
/// zone is a denial with a reason); it fails only on invalid arguments:
/// `CG_RESULT_NULL_ARGUMENT` (every pointer is required: pass an empty
/// history rather than NULL, so that a forgotten history cannot go
/// unnoticed), `CG_RESULT_MISSING_FIELD` (a `channel` or `role` left at
/// 0), `CG_RESULT_INVALID_ENUM`, `CG_RESULT_INVALID_TIME`,
/// `CG_RESULT_INVALID_UTF8`, with the error's field naming the member at
/// fault. On failure `decision` is reset to one that does not allow and has
/// no denials (fail closed), so a caller that ignores the status still
/// does not contact.
///
/// Thread safety: `policy` and `history` are only read; many threads may
/// decide against them at once, each into its own decision. No allocation
/// for the ask when the decision is reused with asks of similar size.
#[no_mangle]
pub extern "C" fn cg_decide(
    policy: *const cg_policy,
    history: *const cg_history,
    ask: *const cg_ask,
    decision: *mut cg_decision,
    out_error: *mut *mut cg_error,
) -> cg_result {
    // The per-call path: failures travel boxed and are built off it, so
    // that a call that succeeds moves no error-sized values around.
    guard_boxed(out_error, || {
        // SAFETY: NULL or a live decision used exclusively by this call.
        let Some(out) = (unsafe { decision.as_mut() }) else {
            return Err(Box::new(cg_error::null("decision")));
        };
        // SAFETY: NULL or live handles / a readable ask, per the contract.
        let (Some(policy), Some(history), Some(ask)) =
            (unsafe { (policy.as_ref(), history.as_ref(), ask.as_ref()) })
        else {
            let name = first_null(&[
                (policy.is_null(), "policy"),
                (history.is_null(), "history"),
                (ask.is_null(), "ask"),
            ]);
            return Err(fail_closed(out, cg_error::null(name)));
        };
        // SAFETY: the ask's pointers are valid per the contract.
        if let Err(e) = unsafe { ask.fill(&mut out.scratch) } {
            return Err(fail_closed(out, e.within("ask")));
        }
        out.decision = decide(&policy.policy, &out.scratch, &history.history);
        Ok(())
    })
}

/// The name of the first argument that is NULL (the last one when none is,
/// which the callers rule out).
#[cold]
fn first_null<'a>(args: &[(bool, &'a str)]) -> &'a str {
    args.iter()
        .find(|(null, _)| *null)
        .or(args.last())
        .map_or("", |(_, name)| name)
}

/// Resets `out` to a decision that does not allow (fail closed) and boxes
/// the error that made it so.
#[cold]
#[inline(never)]
fn fail_closed(out: &mut cg_decision, e: cg_error) -> Box<cg_error> {
    out.decision = cg_decision::undecided();
    Box::new(e)
}

/// Runs `f` with the decision's scratch ask and stores the decision it
/// returns; on failure the decision is reset to one that does not allow
/// (fail closed).
pub(crate) fn decision_slot(
    out: &mut cg_decision,
    f: impl FnOnce(&mut Ask) -> Result<Decision, cg_error>,
) -> Result<(), cg_error> {
    match f(&mut out.scratch) {
        Ok(d) => {
            out.decision = d;
            Ok(())
        }
        Err(e) => {
            out.decision = cg_decision::undecided();
            Err(e)
        }
    }
}

/// Decides `asks_len` asks (a contiguous array) against one policy and
/// history in one call, writing one `cg_verdict` per ask into `out_verdicts`
/// (an array of `asks_len`). For callers whose per-call overhead matters
/// (JNA, JNI): one crossing for many asks. Call `cg_decide` for the denial
/// details of an ask that needs them.
///
/// All or nothing: when an ask is invalid no verdict is written and the
/// error's field names it (`asks[3].channel`). Thread safety as for
/// `cg_decide`.
#[no_mangle]
pub extern "C" fn cg_decide_batch(
    policy: *const cg_policy,
    history: *const cg_history,
    asks: *const cg_ask,
    asks_len: usize,
    out_verdicts: *mut cg_verdict,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY (each): NULL or live handles / readable arrays, per the
        // contract.
        let policy = unsafe { arg(policy, "policy") }?;
        let history = unsafe { arg(history, "history") }?;
        let asks = unsafe { slice_arg(asks, asks_len, "asks") }?;
        if out_verdicts.is_null() && asks_len > 0 {
            return Err(cg_error::null("out_verdicts"));
        }
        let mut scratch = blank_ask();
        let mut verdicts = Vec::with_capacity(asks.len());
        for (i, a) in asks.iter().enumerate() {
            // SAFETY: the ask's pointers are valid per the contract.
            unsafe { a.fill(&mut scratch) }.map_err(|e| e.within(&format!("asks[{i}]")))?;
            verdicts.push(cg_verdict::of(&decide(
                &policy.policy,
                &scratch,
                &history.history,
            )));
        }
        for (i, v) in verdicts.into_iter().enumerate() {
            // SAFETY: `out_verdicts` is not NULL and holds `asks_len`
            // writable verdicts per the contract; `i < asks_len`.
            unsafe { out_verdicts.add(i).write(v) };
        }
        Ok(())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRequest {
    ask: Ask,
    #[serde(default)]
    history: Vec<Event>,
}

/// JSON in, JSON out, for scripting hosts: decides
/// `{"ask": {...}, "history": [{...}, ...]}` (wire names as in the
/// conformance vectors) under `policy` and writes the decision,
/// `{"allow":..,"denials":[{"id":..,"cite":..,"message":..}],"retry_at":..,"obligations":[..]}`,
/// as UTF-8 (not NUL-terminated) into `out_buf`, `out_cap` bytes.
///
/// `*out_len` receives the decision's length on success, and the needed
/// capacity with `CG_RESULT_BUFFER_TOO_SMALL` (the one error that writes an
/// output: retry with a buffer that large). `out_buf` may be NULL when
/// `out_cap` is 0, to ask for the size. Bad input is `CG_RESULT_INVALID_JSON`
/// with the line, column and field path of the mistake.
#[no_mangle]
pub extern "C" fn cg_decide_json(
    policy: *const cg_policy,
    json: *const c_char,
    json_len: usize,
    out_buf: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY (each): NULL or live handles / readable text.
        let policy = unsafe { arg(policy, "policy") }?;
        let text = unsafe { text_arg(json, json_len, "json") }?;
        if out_len.is_null() {
            return Err(cg_error::null("out_len"));
        }
        if out_buf.is_null() && out_cap > 0 {
            return Err(cg_error::null("out_buf"));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let request: JsonRequest = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| cg_error::json(Some(e.path().to_string()), e.into_inner()))?;
        de.end().map_err(|e| cg_error::json(None, e))?;
        let history = History::from_events(request.history);
        let decision = decide(&policy.policy, &request.ask, &history);
        let bytes = serde_json::to_vec(&decision).map_err(|e| {
            cg_error::new(
                cg_result::InvalidJson,
                format!("cannot write the decision: {e}"),
            )
        })?;
        // SAFETY: checked not NULL above.
        unsafe { write_out(out_len, bytes.len()) };
        if bytes.len() > out_cap {
            return Err(cg_error::new(
                cg_result::BufferTooSmall,
                format!(
                    "the decision needs {} bytes, the buffer has {out_cap}",
                    bytes.len()
                ),
            ));
        }
        // SAFETY: `out_buf` holds `out_cap >= bytes.len()` writable bytes and
        // cannot overlap our fresh vector.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), out_buf.cast::<u8>(), bytes.len()) };
        Ok(())
    })
}

fn with_decision<T: Copy>(
    decision: *const cg_decision,
    fallback: T,
    f: impl FnOnce(&Decision) -> T,
) -> T {
    value_guard(fallback, || {
        // SAFETY: NULL or a live decision not being written.
        match unsafe { decision.as_ref() } {
            Some(d) => f(&d.decision),
            None => fallback,
        }
    })
}

/// Whether the contact may go ahead; false for NULL.
#[no_mangle]
pub extern "C" fn cg_decision_allow(decision: *const cg_decision) -> bool {
    with_decision(decision, false, |d| d.allow)
}

/// The decision's summary in one call (allow, counts, retry_at).
/// `*out_verdict` is written on success.
#[no_mangle]
pub extern "C" fn cg_decision_verdict(
    decision: *const cg_decision,
    out_verdict: *mut cg_verdict,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard_boxed(out_error, || {
        // SAFETY: NULL or a live decision.
        let d = unsafe { arg(decision, "decision") }?;
        if out_verdict.is_null() {
            return Err(Box::new(cg_error::null("out_verdict")));
        }
        // SAFETY: checked not NULL.
        unsafe { write_out(out_verdict, cg_verdict::of(&d.decision)) };
        Ok(())
    })
}

/// How many rules denied; 0 for NULL.
#[no_mangle]
pub extern "C" fn cg_decision_denial_count(decision: *const cg_decision) -> usize {
    with_decision(decision, 0, |d| d.denials.len())
}

/// The `index`-th denial (`0..cg_decision_denial_count`): id, cite and
/// message borrowed from the decision, valid until the next `cg_decide` into
/// it or `cg_decision_free`. `cg_decide` keeps only the figures of a
/// denial's message: its text is written (one allocation) the first time
/// this reads the denial, and kept in the decision, so later reads, from
/// any thread, allocate nothing. `CG_RESULT_INDEX_OUT_OF_RANGE` past the
/// end.
#[no_mangle]
pub extern "C" fn cg_decision_denial(
    decision: *const cg_decision,
    index: usize,
    out_denial: *mut cg_denial,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live decision.
        let d = unsafe { arg(decision, "decision") }?;
        if out_denial.is_null() {
            return Err(cg_error::null("out_denial"));
        }
        let denial = d
            .decision
            .denials
            .get(index)
            .ok_or_else(|| out_of_range(index, d.decision.denials.len()))?;
        let view = cg_denial {
            id: cg_str::of(&denial.id),
            cite: cg_str::of(&denial.cite),
            message: cg_str::of(&denial.message),
        };
        // SAFETY: checked not NULL.
        unsafe { write_out(out_denial, view) };
        Ok(())
    })
}

fn out_of_range(index: usize, len: usize) -> cg_error {
    cg_error::new(
        cg_result::IndexOutOfRange,
        format!("index {index} is past the end ({len} items)"),
    )
    .with_field("index")
}

/// How many obligations; 0 for NULL.
#[no_mangle]
pub extern "C" fn cg_decision_obligation_count(decision: *const cg_decision) -> usize {
    with_decision(decision, 0, |d| d.obligations.len())
}

/// The `index`-th obligation (e.g. `no_debt_disclosure`, `opt_out_notice`),
/// borrowed from the decision like the denials. No allocation.
#[no_mangle]
pub extern "C" fn cg_decision_obligation(
    decision: *const cg_decision,
    index: usize,
    out_obligation: *mut cg_str,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live decision.
        let d = unsafe { arg(decision, "decision") }?;
        if out_obligation.is_null() {
            return Err(cg_error::null("out_obligation"));
        }
        let o = d
            .decision
            .obligations
            .get(index)
            .ok_or_else(|| out_of_range(index, d.decision.obligations.len()))?;
        // SAFETY: checked not NULL.
        unsafe { write_out(out_obligation, cg_str::of(o)) };
        Ok(())
    })
}

/// When the same ask would be allowed: returns true when there is such an
/// instant, and writes it to `*out_retry_at` unless that is NULL; false
/// (nothing written) when no future instant helps, when the ask is allowed,
/// or for a NULL decision.
#[no_mangle]
pub extern "C" fn cg_decision_retry_at(
    decision: *const cg_decision,
    out_retry_at: *mut cg_timestamp,
) -> bool {
    with_decision(decision, false, |d| match d.retry_at {
        Some(t) => {
            // SAFETY: NULL (skipped) or storage the caller provides.
            unsafe { write_out(out_retry_at, cg_timestamp::of(t)) };
            true
        }
        None => false,
    })
}
