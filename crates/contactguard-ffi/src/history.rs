//! `cg_history`: events a decision reads, built from C structs.

use crate::boundary::{arg, arg_mut, guard, slice_arg, value_guard, write_out};
use crate::error::{cg_error, cg_result};
use crate::types::cg_event;
use contactguard::History;

/// Contact history: events in time order, indexed by recipient and debt.
/// Mutable: `cg_history*` needs exclusive access; `const cg_history*` (as
/// `cg_decide` takes it) may be read from many threads while nobody writes.
/// Free with `cg_history_free`.
pub struct cg_history {
    pub(crate) history: History,
}

/// Creates an empty history. On success `*out_history` is a new history the
/// caller owns (free with `cg_history_free`).
#[no_mangle]
pub extern "C" fn cg_history_new(
    out_history: *mut *mut cg_history,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        if out_history.is_null() {
            return Err(cg_error::null("out_history"));
        }
        let h = Box::into_raw(Box::new(cg_history {
            history: History::new(),
        }));
        // SAFETY: checked not NULL; the caller provides the storage.
        unsafe { write_out(out_history, h) };
        Ok(())
    })
}

/// Appends one event (copied; `event` is read during the call only).
/// Appending in time order is cheap; an older event is inserted at its
/// place. Errors: `CG_RESULT_NULL_ARGUMENT`, `CG_RESULT_MISSING_FIELD`,
/// `CG_RESULT_INVALID_ENUM`,
/// `CG_RESULT_INVALID_TIME`, `CG_RESULT_INVALID_UTF8`, with the error's
/// field naming the member at fault. On failure the history is unchanged.
#[no_mangle]
pub extern "C" fn cg_history_push(
    history: *mut cg_history,
    event: *const cg_event,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live history used exclusively by this call.
        let h = unsafe { arg_mut(history, "history") }?;
        // SAFETY: NULL or a readable event.
        let e = unsafe { arg(event, "event") }?;
        // SAFETY: the event's pointers are valid per the contract.
        let event = unsafe { e.read() }.map_err(|e| e.within("event"))?;
        h.history.push(event);
        Ok(())
    })
}

/// Appends `events_len` events from a contiguous array, all or none: when
/// one is invalid nothing is appended and the error's field names it
/// (`events[3].channel`).
#[no_mangle]
pub extern "C" fn cg_history_push_many(
    history: *mut cg_history,
    events: *const cg_event,
    events_len: usize,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live history used exclusively by this call.
        let h = unsafe { arg_mut(history, "history") }?;
        // SAFETY: NULL (with 0) or `events_len` readable events.
        let events = unsafe { slice_arg(events, events_len, "events") }?;
        let mut converted = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            // SAFETY: the events' pointers are valid per the contract.
            converted.push(unsafe { e.read() }.map_err(|err| err.within(&format!("events[{i}]")))?);
        }
        if h.history.is_empty() {
            h.history = History::from_events(converted);
        } else {
            for e in converted {
                h.history.push(e);
            }
        }
        Ok(())
    })
}

/// Removes every event.
#[no_mangle]
pub extern "C" fn cg_history_clear(
    history: *mut cg_history,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live history used exclusively by this call.
        let h = unsafe { arg_mut(history, "history") }?;
        h.history = History::new();
        Ok(())
    })
}

/// How many events; 0 for NULL.
#[no_mangle]
pub extern "C" fn cg_history_len(history: *const cg_history) -> usize {
    value_guard(0, || {
        // SAFETY: NULL or a live history.
        unsafe { arg(history, "history") }.map_or(0, |h| h.history.len())
    })
}

/// Frees a history. NULL does nothing. Free each history once.
#[no_mangle]
pub extern "C" fn cg_history_free(history: *mut cg_history) {
    value_guard((), || {
        if !history.is_null() {
            // SAFETY: made by `Box::into_raw` here, freed once per the contract.
            drop(unsafe { Box::from_raw(history) });
        }
    });
}
