//! The panic boundary every export runs inside, and the helpers that turn
//! raw C arguments into Rust references.

use crate::error::{cg_error, cg_result};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f` inside a panic boundary and reports its outcome: the status is
/// returned and, when `out_error` is not NULL, `*out_error` is set to NULL on
/// success or to a new error on failure.
pub(crate) fn guard(
    out_error: *mut *mut cg_error,
    f: impl FnOnce() -> Result<(), cg_error>,
) -> cg_result {
    guard_any(out_error, f)
}

/// [`guard`] for the per-call paths (`cg_decide`), where moving an
/// error-sized result through the boundary costs more than the call's own
/// checks: `f` fails with a boxed error, one pointer.
pub(crate) fn guard_boxed(
    out_error: *mut *mut cg_error,
    f: impl FnOnce() -> Result<(), Box<cg_error>>,
) -> cg_result {
    guard_any(out_error, f)
}

#[inline(always)]
fn guard_any<E: Into<Box<cg_error>>>(
    out_error: *mut *mut cg_error,
    f: impl FnOnce() -> Result<(), E>,
) -> cg_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => {
            if !out_error.is_null() {
                // SAFETY: `out_error` is not NULL and, per every function's
                // contract, points to writable storage for one pointer.
                unsafe { out_error.write(std::ptr::null_mut()) };
            }
            cg_result::Ok
        }
        Ok(Err(e)) => report(out_error, e.into()),
        Err(payload) => report(out_error, Box::new(panic_error(payload.as_ref()))),
    }
}

/// Hands a failure to the caller: its status, and the error through
/// `out_error` unless that is NULL.
#[cold]
#[inline(never)]
fn report(out_error: *mut *mut cg_error, error: Box<cg_error>) -> cg_result {
    let result = error.result;
    if !out_error.is_null() {
        // SAFETY: as in `guard`.
        unsafe { out_error.write(Box::into_raw(error)) };
    }
    result
}

/// Runs an infallible accessor inside a panic boundary; a panic yields
/// `fallback`.
pub(crate) fn value_guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

fn panic_error(payload: &(dyn Any + Send)) -> cg_error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    cg_error::new(
        cg_result::Panic,
        format!("panic caught at the C boundary: {what}"),
    )
}

/// `&T` from a pointer that must not be NULL.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `T` for `'a`.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, cg_error> {
    // SAFETY: forwarded from the caller.
    unsafe { ptr.as_ref() }.ok_or_else(|| cg_error::null(name))
}

/// `&mut T` from a pointer that must not be NULL.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads and writes of `T`, exclusively, for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, cg_error> {
    // SAFETY: forwarded from the caller.
    unsafe { ptr.as_mut() }.ok_or_else(|| cg_error::null(name))
}

/// A slice of `len` elements at `ptr`; NULL is accepted only for `len == 0`.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `len` elements of `T` for `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [T], cg_error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(cg_error::null(name));
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(cg_error::new(
            cg_result::InvalidArgument,
            format!("`{name}` length {len} is too large"),
        )
        .with_field(name));
    }
    // SAFETY: not NULL, length bounded, validity forwarded from the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Text given as a pointer and a length.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn text_arg<'a>(
    ptr: *const std::os::raw::c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, cg_error> {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { slice_arg(ptr.cast::<u8>(), len, name) }?;
    std::str::from_utf8(bytes).map_err(|e| {
        cg_error::new(
            cg_result::InvalidUtf8,
            format!("`{name}` is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
        .with_field(name)
    })
}

/// Writes an output pointer that must not be NULL.
///
/// # Safety
///
/// `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: not NULL; validity forwarded from the caller.
        unsafe { out.write(value) };
    }
}

/// Test hook: panics inside the boundary, to prove that a panic becomes
/// `CG_RESULT_PANIC` and never unwinds into the caller. Only built with the
/// `test-panic` feature; not part of the release ABI or the header.
#[cfg(feature = "test-panic")]
#[no_mangle]
pub extern "C" fn cg_test_panic(out_error: *mut *mut cg_error) -> cg_result {
    guard(out_error, || {
        #[expect(clippy::panic, reason = "the point of this test hook")]
        {
            panic!("test panic requested through cg_test_panic")
        }
    })
}
