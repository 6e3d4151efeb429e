//! `cg_ledger`: thread-safe recent contact history with atomic
//! check-and-record, and snapshots through a caller's callback.

use crate::boundary::{arg, arg_mut, guard, slice_arg, value_guard, write_out};
use crate::decide::{cg_decision, decision_slot};
use crate::error::{cg_error, cg_result};
use crate::policy::cg_policy;
use crate::types::{cg_ask, cg_timestamp, required_result};
use contactguard::ledger::{Fsync, Ledger, LedgerError, LocalLedger, Ticket};
use contactguard::ErrorCode;
use std::ffi::c_void;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A ledger over a compiled policy. Internally synchronised: every function
/// takes `const cg_ledger*`, and any number of threads may use one ledger at
/// once. Free with `cg_ledger_free` once no thread uses it.
pub struct cg_ledger {
    pub(crate) ledger: Backend,
    /// The directory of a journaled ledger.
    pub(crate) dir: Option<PathBuf>,
}

/// Where a `cg_ledger` keeps its history.
pub(crate) enum Backend {
    /// In this process: in memory, journaled or not.
    Local(LocalLedger),
    /// In Redis, shared by every process using the same server and prefix.
    #[cfg(feature = "redis")]
    Redis(Box<contactguard_redis::RedisLedger>),
}

/// The error of an operation a Redis ledger does not have (`what`).
#[cfg(feature = "redis")]
fn unsupported(what: &str) -> cg_error {
    coded(
        format!("{what} is not supported on a Redis ledger: its history lives in Redis (use Redis' own persistence and replication)"),
        ErrorCode::LedgerUnsupported,
    )
}

impl Backend {
    fn check(&self, ask: &contactguard::Ask) -> contactguard::Decision {
        match self {
            Backend::Local(l) => l.check(ask),
            #[cfg(feature = "redis")]
            Backend::Redis(l) => l.check(ask),
        }
    }

    fn check_and_record(&self, ask: &contactguard::Ask) -> contactguard::ledger::Admission {
        match self {
            Backend::Local(l) => l.check_and_record(ask),
            #[cfg(feature = "redis")]
            Backend::Redis(l) => l.check_and_record(ask),
        }
    }

    fn complete(
        &self,
        ticket: &Ticket,
        result: contactguard::AttemptResult,
    ) -> Result<(), cg_error> {
        match self {
            Backend::Local(l) => l.complete(ticket, result).map_err(ledger_error),
            #[cfg(feature = "redis")]
            Backend::Redis(l) => {
                if result == contactguard::AttemptResult::Pending {
                    return Err(ledger_error(LedgerError::PendingOutcome));
                }
                l.complete(ticket, result)
                    .map_err(crate::redis::redis_error)
            }
        }
    }

    fn record(&self, event: &contactguard::Event) -> Result<(), cg_error> {
        match self {
            Backend::Local(l) => l.record(event).map_err(ledger_error),
            #[cfg(feature = "redis")]
            Backend::Redis(l) => l.record(event).map_err(crate::redis::redis_error),
        }
    }

    /// The in-process ledger, or `ledger.unsupported` naming `what`.
    #[cfg_attr(
        not(feature = "redis"),
        allow(
            unused_variables,
            reason = "names the operation a Redis ledger refuses"
        )
    )]
    fn local(&self, what: &str) -> Result<&LocalLedger, cg_error> {
        match self {
            Backend::Local(l) => Ok(l),
            #[cfg(feature = "redis")]
            Backend::Redis(_) => Err(unsupported(what)),
        }
    }
}

/// When a journaled ledger's writes are made durable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_journal_sync {
    /// Synced (`fdatasync`) before every write returns: survives a crash of
    /// the machine.
    Always = 1,
    /// Written to the operating system before every write returns, never
    /// synced: survives a crash of the process (`kill -9`), not of the
    /// machine.
    Never = 2,
}

/// A pending attempt admitted by `cg_ledger_check_and_record`; report its
/// result with `cg_ledger_complete`, then free it with `cg_ticket_free`.
pub struct cg_ticket {
    ticket: Ticket,
}

/// Receives snapshot bytes: write `len` bytes from `data` and return 0, or
/// return non-zero to abort the snapshot. `data` is valid during the call
/// only.
pub type cg_write_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize) -> i32>;

pub(crate) fn ledger_error(e: LedgerError) -> cg_error {
    cg_error::diagnostic(cg_result::Ledger, e.diagnostic())
}

/// Creates an empty ledger deciding with `policy` (the ledger takes its own
/// reference; the caller keeps theirs). Recipient and debt keys are stored
/// hashed with a key derived from `key` (`key_len` bytes; use at least 16
/// random bytes kept outside the snapshots), so snapshots hold no phone
/// numbers or names; NULL/0 uses a public default key. A snapshot restores
/// only into a ledger with the same key.
#[no_mangle]
pub extern "C" fn cg_ledger_new(
    policy: *const cg_policy,
    key: *const u8,
    key_len: usize,
    out_ledger: *mut *mut cg_ledger,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live policy; `key_len` readable bytes.
        let policy = unsafe { arg(policy, "policy") }?;
        let key = unsafe { slice_arg(key, key_len, "key") }?;
        if out_ledger.is_null() {
            return Err(cg_error::null("out_ledger"));
        }
        let ledger = Backend::Local(LocalLedger::Memory(Ledger::with_key(
            policy.policy.clone(),
            key,
        )));
        // SAFETY: checked not NULL.
        unsafe {
            write_out(
                out_ledger,
                Box::into_raw(Box::new(cg_ledger { ledger, dir: None })),
            )
        };
        Ok(())
    })
}

/// Frees a ledger. NULL does nothing. Free each ledger once, when no other
/// thread uses it.
#[no_mangle]
pub extern "C" fn cg_ledger_free(ledger: *mut cg_ledger) {
    value_guard((), || {
        if !ledger.is_null() {
            // SAFETY: made by `Box::into_raw` here, freed once per the contract.
            drop(unsafe { Box::from_raw(ledger) });
        }
    });
}

/// Frees a ticket. NULL does nothing.
#[no_mangle]
pub extern "C" fn cg_ticket_free(ticket: *mut cg_ticket) {
    value_guard((), || {
        if !ticket.is_null() {
            // SAFETY: made by `Box::into_raw` here, freed once per the contract.
            drop(unsafe { Box::from_raw(ticket) });
        }
    });
}

/// Decides `ask` against the recorded history, without recording it, into
/// `decision` (overwritten; reset to non-allowing on failure, as with
/// `cg_decide`).
#[no_mangle]
pub extern "C" fn cg_ledger_check(
    ledger: *const cg_ledger,
    ask: *const cg_ask,
    decision: *mut cg_decision,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live decision used exclusively by this call.
        let out = unsafe { arg_mut(decision, "decision") }?;
        decision_slot(out, |scratch| {
            // SAFETY: NULL or a live ledger / a readable ask.
            let ledger = unsafe { arg(ledger, "ledger") }?;
            let ask = unsafe { arg(ask, "ask") }?;
            // SAFETY: the ask's pointers are valid per the contract.
            unsafe { ask.fill(scratch) }.map_err(|e| e.within("ask"))?;
            Ok(ledger.ledger.check(scratch))
        })
    })
}

/// Decides `ask` and, when it is allowed, records the attempt as pending,
/// atomically (no other operation on the recipient or debt runs in
/// between). `*out_ticket` is set to a new ticket the caller owns when the
/// attempt was admitted, and to NULL when it was denied; report its result
/// with `cg_ledger_complete`.
#[no_mangle]
pub extern "C" fn cg_ledger_check_and_record(
    ledger: *const cg_ledger,
    ask: *const cg_ask,
    decision: *mut cg_decision,
    out_ticket: *mut *mut cg_ticket,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live decision used exclusively by this call.
        let out = unsafe { arg_mut(decision, "decision") }?;
        let mut ticket = None;
        decision_slot(out, |scratch| {
            // SAFETY: NULL or a live ledger / a readable ask.
            let ledger = unsafe { arg(ledger, "ledger") }?;
            let ask = unsafe { arg(ask, "ask") }?;
            if out_ticket.is_null() {
                return Err(cg_error::null("out_ticket"));
            }
            // SAFETY: the ask's pointers are valid per the contract.
            unsafe { ask.fill(scratch) }.map_err(|e| e.within("ask"))?;
            let admission = ledger.ledger.check_and_record(scratch);
            ticket = admission.ticket;
            Ok(admission.decision)
        })?;
        let handle = ticket.map_or(std::ptr::null_mut(), |ticket| {
            Box::into_raw(Box::new(cg_ticket { ticket }))
        });
        // SAFETY: checked not NULL inside the slot (which succeeded).
        unsafe { write_out(out_ticket, handle) };
        Ok(())
    })
}

/// Sets the result (`CG_ATTEMPT_RESULT_*`) of a pending attempt. The ticket
/// stays owned by the caller. `CG_RESULT_LEDGER` with code
/// `ledger.unknown_ticket` when it was already completed or pruned, and
/// with `ledger.pending_outcome` for `CG_ATTEMPT_RESULT_PENDING` (not an
/// outcome); `CG_RESULT_MISSING_FIELD` (field `result`) for
/// `CG_ATTEMPT_RESULT_UNSET`.
#[no_mangle]
pub extern "C" fn cg_ledger_complete(
    ledger: *const cg_ledger,
    ticket: *const cg_ticket,
    result: u32,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or live handles.
        let ledger = unsafe { arg(ledger, "ledger") }?;
        let ticket = unsafe { arg(ticket, "ticket") }?;
        let result = required_result(result, "result")?;
        ledger.ledger.complete(&ticket.ticket, result)
    })
}

/// Records an event (an attempt made elsewhere, a consent, an opt-out, a
/// cease, a hold...). `CG_RESULT_LEDGER` for a time the ledger cannot store.
#[no_mangle]
pub extern "C" fn cg_ledger_record(
    ledger: *const cg_ledger,
    event: *const crate::types::cg_event,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live ledger / a readable event.
        let ledger = unsafe { arg(ledger, "ledger") }?;
        let event = unsafe { arg(event, "event") }?;
        // SAFETY: the event's pointers are valid per the contract.
        let event = unsafe { event.read() }.map_err(|e| e.within("event"))?;
        ledger.ledger.record(&event)
    })
}

/// Drops attempts too old to change any decision at `now`; returns how many
/// were dropped (0 for NULL or an invalid time, and always 0 for a Redis
/// ledger, whose old attempts are trimmed and expire in Redis itself).
#[no_mangle]
pub extern "C" fn cg_ledger_prune(ledger: *const cg_ledger, now: cg_timestamp) -> usize {
    value_guard(0, || {
        // SAFETY: NULL or a live ledger.
        match (unsafe { ledger.as_ref() }, now.to_core("now")) {
            (Some(l), Ok(now)) => l.ledger.local("prune").map_or(0, |l| l.prune(now)),
            _ => 0,
        }
    })
}

struct CallbackWriter {
    write: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> i32,
    user_data: *mut c_void,
}

impl Write for CallbackWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // SAFETY: the caller's callback, called as its contract says.
        match unsafe { (self.write)(self.user_data, buf.as_ptr(), buf.len()) } {
            0 => Ok(buf.len()),
            code => Err(std::io::Error::other(format!(
                "the write callback returned {code}"
            ))),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a versioned, checksummed snapshot of the ledger through `write`
/// (called any number of times with consecutive chunks; `user_data` is
/// passed through). `*out_len`, when not NULL, receives the total bytes.
/// `CG_RESULT_LEDGER` (code `ledger.io`) when the callback aborts, and
/// (`ledger.unsupported`) for a Redis ledger.
#[no_mangle]
pub extern "C" fn cg_ledger_snapshot(
    ledger: *const cg_ledger,
    write: cg_write_fn,
    user_data: *mut c_void,
    out_len: *mut u64,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live ledger.
        let ledger = unsafe { arg(ledger, "ledger") }?;
        let write = write.ok_or_else(|| cg_error::null("write"))?;
        let n = ledger
            .ledger
            .local("snapshot")?
            .snapshot(CallbackWriter { write, user_data })
            .map_err(ledger_error)?;
        // SAFETY: NULL (skipped) or storage the caller provides.
        unsafe { write_out(out_len, n) };
        Ok(())
    })
}

/// Restores a snapshot (all `len` bytes at `data`) into the ledger. A
/// corrupt, truncated or foreign-key snapshot is refused with
/// `CG_RESULT_LEDGER` and a code saying why (`ledger.checksum`,
/// `ledger.truncated`, `ledger.key_mismatch`...; `ledger.unsupported` for a
/// Redis ledger).
#[no_mangle]
pub extern "C" fn cg_ledger_restore(
    ledger: *const cg_ledger,
    data: *const u8,
    len: usize,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live ledger; `len` readable bytes.
        let ledger = unsafe { arg(ledger, "ledger") }?;
        let bytes = unsafe { slice_arg(data, len, "data") }?;
        ledger
            .ledger
            .local("restore")?
            .restore(bytes)
            .map_err(ledger_error)
    })
}

/// When the admitted attempt was made (the ask's time). Zero for NULL.
#[no_mangle]
pub extern "C" fn cg_ticket_at(ticket: *const cg_ticket) -> cg_timestamp {
    value_guard(cg_timestamp::default(), || {
        // SAFETY: NULL or a live ticket.
        unsafe { ticket.as_ref() }
            .map_or(cg_timestamp::default(), |t| cg_timestamp::of(t.ticket.at()))
    })
}

pub(crate) fn coded(message: impl Into<String>, code: ErrorCode) -> cg_error {
    cg_error::coded(cg_result::Ledger, code, message)
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> cg_error {
    coded(
        format!("{what} `{}`: {e}", path.display()),
        ErrorCode::LedgerIo,
    )
}

/// Opens (creating it when missing) a ledger journaled to the directory
/// `dir` (UTF-8, `dir_len` bytes): restored from `dir/snapshot` (the last
/// `cg_ledger_checkpoint`, if any) and the journal `dir/journal` written
/// since, a torn tail of which is truncated. Every admission, completion
/// and recorded event is then appended to the journal before the call
/// returns, synced as `sync` says (`CG_JOURNAL_SYNC_ALWAYS` or
/// `CG_JOURNAL_SYNC_NEVER`). Keys as `cg_ledger_new`; the files hold hashed
/// keys only. Use one process per directory. `CG_RESULT_LEDGER` with
/// `ledger.io`, `ledger.key_mismatch`, `ledger.corrupt`... when the files
/// cannot be used.
#[no_mangle]
pub extern "C" fn cg_ledger_open_journaled(
    policy: *const cg_policy,
    key: *const u8,
    key_len: usize,
    dir: *const std::ffi::c_char,
    dir_len: usize,
    sync: u32,
    out_ledger: *mut *mut cg_ledger,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live policy; readable bytes as stated.
        let policy = unsafe { arg(policy, "policy") }?;
        let key = unsafe { slice_arg(key, key_len, "key") }?;
        let dir = unsafe { crate::boundary::text_arg(dir, dir_len, "dir") }?;
        if out_ledger.is_null() {
            return Err(cg_error::null("out_ledger"));
        }
        let fsync = match sync {
            x if x == cg_journal_sync::Always as u32 => Fsync::Always,
            x if x == cg_journal_sync::Never as u32 => Fsync::Never,
            v => {
                return Err(cg_error::new(
                    cg_result::InvalidEnum,
                    format!("`sync` is {v}, not one of the cg_journal_sync constants"),
                )
                .with_field("sync"))
            }
        };
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, &e))?;
        let snapshot = match File::open(dir.join("snapshot")) {
            Ok(f) => Some(std::io::BufReader::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_error("cannot read", &dir.join("snapshot"), &e)),
        };
        let path = dir.join("journal");
        let journal = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_error("cannot open", &path, &e))?;
        let (ledger, _) =
            Ledger::with_journal(policy.policy.clone(), key, snapshot, journal, fsync)
                .map_err(ledger_error)?;
        let handle = cg_ledger {
            ledger: Backend::Local(LocalLedger::Journaled(ledger)),
            dir: Some(dir),
        };
        // SAFETY: checked not NULL.
        unsafe { write_out(out_ledger, Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Writes a journaled ledger's snapshot to `dir/snapshot` (through a
/// synced temporary file renamed over it), then empties its journal, so
/// the journal does not grow without bound. Writes wait meanwhile; checks
/// continue. `CG_RESULT_LEDGER` (`ledger.io`) when a file cannot be
/// written (the journal is then kept), (`ledger.not_journaled`) for a
/// ledger made by `cg_ledger_new`, and (`ledger.unsupported`) for a Redis
/// ledger.
#[no_mangle]
pub extern "C" fn cg_ledger_checkpoint(
    ledger: *const cg_ledger,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live ledger.
        let ledger = unsafe { arg(ledger, "ledger") }?;
        let local = ledger.ledger.local("checkpoint")?;
        let Some(dir) = &ledger.dir else {
            return Err(ledger_error(LedgerError::NotJournaled));
        };
        let ledger = local;
        let tmp = dir.join("snapshot.tmp");
        let file = File::create(&tmp).map_err(|e| io_error("cannot create", &tmp, &e))?;
        ledger
            .checkpoint(&file, || {
                file.sync_all()?;
                std::fs::rename(&tmp, dir.join("snapshot"))?;
                // The rename itself is durable once the directory is synced.
                File::open(dir)?.sync_all()
            })
            .map(|_| ())
            .map_err(ledger_error)
    })
}
