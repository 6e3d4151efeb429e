//! Status codes and the error object.

use crate::boundary::value_guard;
use crate::types::cg_str;
use contactguard::{Diagnostic, ErrorCode, PolicyError};

/// The status of a call. Values are fixed and never reused: a code that is
/// retired stays reserved.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_result {
    /// Success.
    Ok = 0,
    /// A panic was caught at the boundary; the call had no effect that can
    /// be relied on. Please report it.
    Panic = 1,
    /// A required pointer argument was NULL (or a string slice had a NULL
    /// pointer and a non-zero length).
    NullArgument = 2,
    /// A string was not valid UTF-8.
    InvalidUtf8 = 3,
    /// An enum integer is not one of its named constants.
    InvalidEnum = 4,
    /// A time is out of range (nanoseconds outside `0..1000000000`, or an
    /// instant outside the supported years).
    InvalidTime = 5,
    /// Any other invalid argument (an unknown event type, a length that is
    /// too large).
    InvalidArgument = 6,
    /// An index past the end (a denial or obligation index).
    IndexOutOfRange = 7,
    /// The caller's buffer is too small; the needed size was reported.
    BufferTooSmall = 8,
    /// JSON input could not be parsed or has the wrong shape.
    InvalidJson = 9,
    /// A required field was left at 0, its enum's `UNSET` (a `cg_ask`'s or
    /// an attempt's `role` or `channel`, an attempt's `result`); the
    /// error's field names it.
    MissingField = 10,
    /// A policy could not be loaded: see the error's code, line, column and
    /// field.
    Policy = 100,
    /// A ledger operation failed: see the error's code (`ledger.checksum`,
    /// `ledger.truncated`, `ledger.unknown_ticket`...).
    Ledger = 110,
}

impl cg_result {
    /// The code of a status that has one code; `None` for success and for
    /// the statuses whose errors carry the code of the failure (policy,
    /// ledger).
    fn code(self) -> Option<ErrorCode> {
        Some(match self {
            cg_result::Ok | cg_result::Policy | cg_result::Ledger => return None,
            cg_result::Panic => ErrorCode::InternalPanic,
            cg_result::NullArgument => ErrorCode::FfiNullArgument,
            cg_result::InvalidUtf8 => ErrorCode::FfiInvalidUtf8,
            cg_result::InvalidEnum => ErrorCode::FfiInvalidEnum,
            cg_result::InvalidTime => ErrorCode::FfiInvalidTime,
            cg_result::InvalidArgument => ErrorCode::FfiInvalidArgument,
            cg_result::IndexOutOfRange => ErrorCode::FfiIndexOutOfRange,
            cg_result::BufferTooSmall => ErrorCode::FfiBufferTooSmall,
            cg_result::InvalidJson => ErrorCode::JsonInvalid,
            cg_result::MissingField => ErrorCode::FfiMissingField,
        })
    }
}

/// An error: what failed and where. Owned by the caller once returned
/// through `out_error`; free it with `cg_error_free`.
///
/// The shape is the one every front end shares (`docs/errors.md`): a
/// status, and the core's diagnostic: a stable code (`policy.syntax`,
/// `ffi.null_argument`...), a message, a help hint, and where: the file,
/// line and column, the field, the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct cg_error {
    pub(crate) result: cg_result,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    pub(crate) field: String,
    pub(crate) help: String,
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) row: Option<u64>,
}

impl cg_error {
    /// An error of a status that has one code (not `Policy` or `Ledger`:
    /// see [`cg_error::coded`]).
    pub(crate) fn new(result: cg_result, message: impl Into<String>) -> cg_error {
        // Every status but OK, POLICY and LEDGER has its code; those two
        // are built from their errors' diagnostics, so the fallback is
        // never used.
        let code = result.code().unwrap_or(ErrorCode::InternalPanic);
        cg_error::coded(result, code, message)
    }

    /// An error with a status and a code of its own.
    pub(crate) fn coded(
        result: cg_result,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> cg_error {
        cg_error::diagnostic(result, Diagnostic::new(code, message))
    }

    /// An error with a status and the core's diagnostic.
    pub(crate) fn diagnostic(result: cg_result, d: Diagnostic) -> cg_error {
        cg_error {
            result,
            code: d.code,
            message: d.message,
            field: d.field.unwrap_or_default(),
            help: d.help.unwrap_or_default(),
            file: d.file.unwrap_or_default(),
            line: d.line.unwrap_or(0),
            column: d.column.unwrap_or(0),
            row: d.row,
        }
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> cg_error {
        self.field = field.into();
        self
    }

    /// Prefixes the field path (`asks[3]` + `channel` = `asks[3].channel`).
    pub(crate) fn within(mut self, prefix: &str) -> cg_error {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }

    pub(crate) fn null(field: &str) -> cg_error {
        cg_error::new(cg_result::NullArgument, format!("`{field}` is NULL")).with_field(field)
    }

    /// A policy error; its source (a file path, `preset:NAME`, or
    /// `policy` for text with no name) is the file.
    pub(crate) fn policy(e: PolicyError) -> cg_error {
        let mut d = e.diagnostic();
        // Text passed in without a name is reported as `policy`: no file.
        if d.file.as_deref() == Some("policy") {
            d.file = None;
        }
        cg_error::diagnostic(cg_result::Policy, d)
    }

    pub(crate) fn json(path: Option<String>, inner: serde_json::Error) -> cg_error {
        let code = if inner.is_syntax() || inner.is_eof() {
            ErrorCode::JsonSyntax
        } else {
            ErrorCode::JsonInvalid
        };
        let mut err = cg_error::coded(
            cg_result::InvalidJson,
            code,
            strip_position(&inner.to_string()),
        );
        err.line = u32::try_from(inner.line()).unwrap_or(u32::MAX);
        // serde_json counts the position before a line's first character as
        // column 0; columns here are 1-based (0 means unknown).
        let column = if inner.line() > 0 {
            inner.column().max(1)
        } else {
            0
        };
        err.column = u32::try_from(column).unwrap_or(u32::MAX);
        // `.` is the document and `?` serde_path_to_error's placeholder for
        // a place it cannot name (the end of the input): neither is a field.
        if let Some(path) = path.filter(|p| p != "." && p != "?") {
            err.field = path;
        }
        err
    }
}

/// serde_json appends " at line L column C"; the error carries them apart.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_owned(),
        None => msg.to_owned(),
    }
}

/// The status of an error; `CG_RESULT_OK` for NULL (no error).
///
/// Thread safety: reads only; an error may be read from several threads.
#[no_mangle]
pub extern "C" fn cg_error_result(error: *const cg_error) -> cg_result {
    value_guard(cg_result::Panic, || {
        // SAFETY: the caller passes NULL or an error returned by this library
        // and not yet freed.
        unsafe { error.as_ref() }.map_or(cg_result::Ok, |e| e.result)
    })
}

/// The stable code of an error, such as `policy.syntax`, `policy.invalid`,
/// `policy.unknown_preset`, `json.syntax` or `ffi.null_argument`: one of the
/// list in `docs/errors.md`. Static (valid for the life of the library);
/// not NUL-terminated. Empty for NULL.
#[no_mangle]
pub extern "C" fn cg_error_code(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(e.code.as_str()))
    })
}

/// What went wrong, lowercase, user input in backticks. Borrowed from the
/// error (valid until `cg_error_free`); not NUL-terminated. Empty for NULL.
#[no_mangle]
pub extern "C" fn cg_error_message(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(&e.message))
    })
}

/// The path of the field at fault (`rules[3].limit`, `ask.channel`,
/// `events[2].at`), or empty. Borrowed from the error; not NUL-terminated.
#[no_mangle]
pub extern "C" fn cg_error_field(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(&e.field))
    })
}

/// A hint on how to fix it, or empty. Borrowed from the error; not
/// NUL-terminated.
#[no_mangle]
pub extern "C" fn cg_error_help(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(&e.help))
    })
}

/// The file the mistake is in: the path given to `cg_policy_load`, or
/// `preset:NAME` for an error inside a preset; empty when the text came
/// with no file name (`cg_policy_from_toml`, JSON input) or for NULL.
/// Borrowed from the error; not NUL-terminated.
#[no_mangle]
pub extern "C" fn cg_error_file(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(&e.file))
    })
}

/// The 0-based row of an audited log or table the error is about; -1 when
/// it is about no row (every error of the C ABI today: it reads no logs)
/// or for NULL.
#[no_mangle]
pub extern "C" fn cg_error_row(error: *const cg_error) -> i64 {
    // SAFETY: NULL or a live error.
    value_guard(-1, || {
        unsafe { error.as_ref() }
            .and_then(|e| e.row)
            .map_or(-1, |r| i64::try_from(r).unwrap_or(i64::MAX))
    })
}

/// The 1-based line of the mistake in the policy or JSON text; 0 when not
/// known or for NULL.
#[no_mangle]
pub extern "C" fn cg_error_line(error: *const cg_error) -> u32 {
    // SAFETY: NULL or a live error.
    value_guard(0, || unsafe { error.as_ref() }.map_or(0, |e| e.line))
}

/// The 1-based column of the mistake; 0 when not known or for NULL.
#[no_mangle]
pub extern "C" fn cg_error_column(error: *const cg_error) -> u32 {
    // SAFETY: NULL or a live error.
    value_guard(0, || unsafe { error.as_ref() }.map_or(0, |e| e.column))
}

/// Frees an error. NULL does nothing. Free each error once.
#[no_mangle]
pub extern "C" fn cg_error_free(error: *mut cg_error) {
    value_guard((), || {
        if !error.is_null() {
            // SAFETY: a non-NULL error was made by `Box::into_raw` in this
            // library and, per the contract, is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    });
}
