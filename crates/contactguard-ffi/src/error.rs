//! Status codes and the error object.

use crate::boundary::value_guard;
use crate::types::cg_str;
use contactguard::PolicyError;

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
    /// an attempt's `role` or `channel`); the error's field names it.
    MissingField = 10,
    /// A policy could not be loaded: see the error's code, line, column and
    /// field.
    Policy = 100,
    /// A ledger operation failed: see the error's code (`ledger.checksum`,
    /// `ledger.truncated`, `ledger.unknown_ticket`...).
    Ledger = 110,
}

impl cg_result {
    /// The code string of FFI-level failures.
    fn code(self) -> &'static str {
        match self {
            cg_result::Ok => "ok",
            cg_result::Panic => "ffi.panic",
            cg_result::NullArgument => "ffi.null_argument",
            cg_result::InvalidUtf8 => "ffi.invalid_utf8",
            cg_result::InvalidEnum => "ffi.invalid_enum",
            cg_result::InvalidTime => "ffi.invalid_time",
            cg_result::InvalidArgument => "ffi.invalid_argument",
            cg_result::IndexOutOfRange => "ffi.index_out_of_range",
            cg_result::BufferTooSmall => "ffi.buffer_too_small",
            cg_result::InvalidJson => "json.invalid",
            cg_result::MissingField => "ffi.missing_field",
            cg_result::Policy => "policy.invalid",
            cg_result::Ledger => "ledger.error",
        }
    }
}

/// An error: what failed and where. Owned by the caller once returned
/// through `out_error`; free it with `cg_error_free`.
///
/// The shape is the one every binding shares: a status, a stable code
/// (`policy.syntax`, `ffi.null_argument`...), a message, and for policy and
/// JSON errors the line, column and field of the mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct cg_error {
    pub(crate) result: cg_result,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) field: String,
    pub(crate) help: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl cg_error {
    pub(crate) fn new(result: cg_result, message: impl Into<String>) -> cg_error {
        cg_error {
            result,
            code: result.code().to_owned(),
            message: message.into(),
            field: String::new(),
            help: String::new(),
            line: 0,
            column: 0,
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

    pub(crate) fn policy(e: PolicyError) -> cg_error {
        let message = match &e.source_name {
            Some(src) => format!("{src}: {}", e.message),
            None => e.message.clone(),
        };
        cg_error {
            result: cg_result::Policy,
            code: e.code.to_owned(),
            message,
            field: e.field.unwrap_or_default(),
            help: e.help.unwrap_or_default(),
            line: e.line.unwrap_or(0),
            column: e.column.unwrap_or(0),
        }
    }

    pub(crate) fn json(path: Option<String>, inner: serde_json::Error) -> cg_error {
        let code = if inner.is_syntax() || inner.is_eof() {
            "json.syntax"
        } else {
            "json.invalid"
        };
        let mut err = cg_error::new(cg_result::InvalidJson, strip_position(&inner.to_string()));
        err.code = code.to_owned();
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
/// `policy.unknown_preset`, `json.syntax` or `ffi.null_argument`. Borrowed
/// from the error (valid until `cg_error_free`); not NUL-terminated. Empty
/// for NULL.
#[no_mangle]
pub extern "C" fn cg_error_code(error: *const cg_error) -> cg_str {
    // SAFETY: NULL or a live error.
    value_guard(cg_str::EMPTY, || {
        unsafe { error.as_ref() }.map_or(cg_str::EMPTY, |e| cg_str::of(&e.code))
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
