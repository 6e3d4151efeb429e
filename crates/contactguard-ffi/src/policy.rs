//! `cg_policy`: a compiled, immutable policy behind an `Arc`.

use crate::boundary::{arg, guard, text_arg, value_guard, write_out};
use crate::error::{cg_error, cg_result};
use crate::types::cg_str;
use contactguard::{Policy, PolicyError};
use std::os::raw::c_char;
use std::sync::Arc;

/// A compiled policy: immutable, reference-counted, safe to use from many
/// threads at once through `const cg_policy*`. Each reference (from a
/// `cg_policy_from_*` function or `cg_policy_clone`) is released once with
/// `cg_policy_free`.
pub struct cg_policy {
    pub(crate) policy: Policy,
}

fn load(
    text: *const c_char,
    len: usize,
    out_policy: *mut *const cg_policy,
    out_error: *mut *mut cg_error,
    what: &str,
    parse: fn(&str) -> Result<Policy, PolicyError>,
) -> cg_result {
    guard(out_error, || {
        if out_policy.is_null() {
            return Err(cg_error::null("out_policy"));
        }
        // SAFETY: the caller passes `len` readable bytes (or NULL and 0).
        let text = unsafe { text_arg(text, len, what) }?;
        let policy = parse(text).map_err(cg_error::policy)?;
        let handle = Arc::into_raw(Arc::new(cg_policy { policy }));
        // SAFETY: checked not NULL above; the caller provides the storage.
        unsafe { write_out(out_policy, handle) };
        Ok(())
    })
}

/// Loads presets by name, joined by `+`: `"us-reg-f+us-ma"`, `"cn+conduct"`.
///
/// `names` is `names_len` bytes of UTF-8, read during the call only. On
/// success `*out_policy` is a new reference the caller owns (free with
/// `cg_policy_free`). Errors: `CG_RESULT_NULL_ARGUMENT`,
/// `CG_RESULT_INVALID_UTF8`, `CG_RESULT_POLICY` (code
/// `policy.unknown_preset`).
#[no_mangle]
pub extern "C" fn cg_policy_from_presets(
    names: *const c_char,
    names_len: usize,
    out_policy: *mut *const cg_policy,
    out_error: *mut *mut cg_error,
) -> cg_result {
    load(
        names,
        names_len,
        out_policy,
        out_error,
        "names",
        Policy::preset,
    )
}

/// Parses and compiles a policy written in TOML; `extends` may name presets.
///
/// On failure with `CG_RESULT_POLICY` the error carries the code, the
/// 1-based line and column, and the field path of the mistake. Ownership as
/// for `cg_policy_from_presets`.
#[no_mangle]
pub extern "C" fn cg_policy_from_toml(
    text: *const c_char,
    text_len: usize,
    out_policy: *mut *const cg_policy,
    out_error: *mut *mut cg_error,
) -> cg_result {
    load(
        text,
        text_len,
        out_policy,
        out_error,
        "text",
        Policy::from_toml,
    )
}

/// Parses and compiles a policy written in JSON (the inline policy objects
/// of the conformance vectors). Errors and ownership as for
/// `cg_policy_from_toml`.
#[no_mangle]
pub extern "C" fn cg_policy_from_json(
    text: *const c_char,
    text_len: usize,
    out_policy: *mut *const cg_policy,
    out_error: *mut *mut cg_error,
) -> cg_result {
    load(
        text,
        text_len,
        out_policy,
        out_error,
        "text",
        Policy::from_json,
    )
}

/// Loads a policy file, TOML or JSON by its name (`.toml`, `.json`);
/// `extends` may name presets.
///
/// `path` is `path_len` bytes of UTF-8, read during the call only. Every
/// error names the file (`cg_error_file`): `CG_RESULT_POLICY` with code
/// `policy.io` (the file cannot be read), `policy.encoding` (not UTF-8
/// text), `policy.file_type` (neither `.toml` nor `.json`), or a policy
/// mistake with its line, column and field as for `cg_policy_from_toml`.
/// Ownership as for `cg_policy_from_presets`.
#[no_mangle]
pub extern "C" fn cg_policy_load(
    path: *const c_char,
    path_len: usize,
    out_policy: *mut *const cg_policy,
    out_error: *mut *mut cg_error,
) -> cg_result {
    load(path, path_len, out_policy, out_error, "path", |path| {
        Policy::load(std::path::Path::new(path), std::fs::read)
    })
}

/// Takes another reference to a policy, to hand to another owner (another
/// thread, another object). Returns NULL for NULL. Free each reference once.
#[no_mangle]
pub extern "C" fn cg_policy_clone(policy: *const cg_policy) -> *const cg_policy {
    value_guard(std::ptr::null(), || {
        if !policy.is_null() {
            // SAFETY: a non-NULL policy is a live reference from
            // `Arc::into_raw` in this library.
            unsafe { Arc::increment_strong_count(policy) };
        }
        policy
    })
}

/// Releases one reference to a policy; the policy is freed with its last
/// reference. NULL does nothing.
#[no_mangle]
pub extern "C" fn cg_policy_free(policy: *const cg_policy) {
    value_guard((), || {
        if !policy.is_null() {
            // SAFETY: a non-NULL policy is a reference from `Arc::into_raw`
            // in this library, released once per the contract.
            drop(unsafe { Arc::from_raw(policy) });
        }
    });
}

/// The policy's name (the preset expression or the file's `name`), borrowed
/// from the policy; not NUL-terminated. Empty for NULL.
#[no_mangle]
pub extern "C" fn cg_policy_name(policy: *const cg_policy) -> cg_str {
    value_guard(cg_str::EMPTY, || {
        // SAFETY: NULL or a live policy.
        unsafe { arg(policy, "policy") }.map_or(cg_str::EMPTY, |p| cg_str::of(p.policy.name()))
    })
}

/// How many rules the policy has; 0 for NULL.
#[no_mangle]
pub extern "C" fn cg_policy_rule_count(policy: *const cg_policy) -> usize {
    value_guard(0, || {
        // SAFETY: NULL or a live policy.
        unsafe { arg(policy, "policy") }.map_or(0, |p| p.policy.rules().len())
    })
}
