//! No panic crosses the C ABI: a panic inside an export becomes
//! `CG_RESULT_PANIC` with an error object, the calling thread and process
//! keep running, and the library keeps working afterwards, also while
//! other threads decide.
//!
//! The forced panic comes from `cg_test_panic`, which exists only with the
//! `test-panic` feature (never in a release build or the header), so most
//! of this file runs with `cargo test -p contactguard-ffi --features
//! test-panic` (`make panic-test`, part of `make test`). The checks that
//! need no hook — every export is guarded, the hook is not in the header —
//! run in a plain `cargo test` too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn src(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether a body calls one of the panic boundaries: `guard`,
/// `guard_boxed` or `value_guard`.
fn calls_a_guard(body: &str) -> bool {
    body.contains("guard(") || body.contains("guard_boxed(")
}

/// The top-level functions of a source file whose body calls `guard`,
/// `guard_boxed` or `value_guard`: exports may delegate to them (`load`,
/// `with_decision`).
fn guarded_helpers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("\nfn ") {
        let after = &text[i + "\nfn ".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let body = &after[..after.find("\n}\n").unwrap_or(after.len())];
        if calls_a_guard(body) {
            out.push(name);
        }
    }
    out
}

/// Every `extern "C"` function body runs inside `guard`, `guard_boxed` or
/// `value_guard` (the panic boundary), directly or through a helper that does, except
/// `cg_version`, which returns a static pointer and cannot panic. A
/// tripwire for a new export that forgets it.
#[test]
fn every_export_is_inside_a_panic_boundary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut exports = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".rs") {
            continue;
        }
        let text = src(&name);
        let helpers = guarded_helpers(&text);
        let mut rest = text.as_str();
        while let Some(i) = rest.find("extern \"C\" fn ") {
            let after = &rest[i + "extern \"C\" fn ".len()..];
            let fn_name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // The body: from the first `{` after the signature to the end
            // of the item.
            let body_start = after.find('{').unwrap();
            let body = &after[body_start..];
            let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
            let guarded =
                calls_a_guard(body) || helpers.iter().any(|h| body.contains(&format!("{h}(")));
            if fn_name != "cg_version" {
                assert!(
                    guarded,
                    "{name}: `{fn_name}` does not run inside a panic boundary"
                );
            }
            exports += 1;
            rest = &after[body_start..];
        }
    }
    assert!(
        exports > 30,
        "only {exports} exports found: is the scan broken?"
    );
}

#[test]
fn the_test_hook_is_not_in_the_header() {
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/contactguard.h");
    let text = std::fs::read_to_string(header).unwrap();
    assert!(text.contains("cg_decide"), "not the header");
    assert!(!text.contains("cg_test_panic"));
}

#[cfg(feature = "test-panic")]
mod forced {
    use contactguard_ffi::*;
    use std::ptr;
    use std::sync::Barrier;

    #[allow(unsafe_code, reason = "reads a string the library lent us")]
    fn text(s: cg_str) -> String {
        if s.ptr.is_null() {
            return String::new();
        }
        // SAFETY: a string borrowed from a live error, `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Silences the default hook's message for the panics we force, so the
    /// test output stays readable; other panics still print.
    fn quiet_hook() {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let forced = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|s| s.contains("cg_test_panic"));
            if !forced {
                default(info);
            }
        }));
    }

    fn panic_once() {
        let mut err: *mut cg_error = ptr::null_mut();
        assert_eq!(cg_test_panic(&mut err), cg_result::Panic);
        assert!(!err.is_null(), "a panic without an error object");
        assert_eq!(cg_error_result(err), cg_result::Panic);
        assert_eq!(text(cg_error_code(err)), "internal.panic");
        let message = text(cg_error_message(err));
        assert!(
            message.contains("panic caught at the C boundary"),
            "{message}"
        );
        assert!(message.contains("test panic"), "{message}");
        cg_error_free(err);
        // Without an error pointer the status alone reports it.
        assert_eq!(cg_test_panic(ptr::null_mut()), cg_result::Panic);
    }

    /// Loads a preset and decides one ask: the library still works.
    fn still_works() -> bool {
        let names = b"cn+conduct";
        let mut policy: *const cg_policy = ptr::null();
        assert_eq!(
            cg_policy_from_presets(
                names.as_ptr().cast(),
                names.len(),
                &mut policy,
                ptr::null_mut()
            ),
            cg_result::Ok
        );
        let mut history: *mut cg_history = ptr::null_mut();
        assert_eq!(cg_history_new(&mut history, ptr::null_mut()), cg_result::Ok);
        let mut decision: *mut cg_decision = ptr::null_mut();
        assert_eq!(
            cg_decision_new(&mut decision, ptr::null_mut()),
            cg_result::Ok
        );
        let zone = "Asia/Shanghai";
        let zones = [cg_str {
            ptr: zone.as_ptr().cast(),
            len: zone.len(),
        }];
        let ask = cg_ask {
            // 2026-03-03T10:00:00+08:00, a Tuesday morning in Shanghai.
            at: cg_timestamp {
                seconds: 1_772_503_200,
                nanos: 0,
            },
            to: cg_str {
                ptr: "c1".as_ptr().cast(),
                len: 2,
            },
            debt: cg_str {
                ptr: "d1".as_ptr().cast(),
                len: 2,
            },
            timezones: zones.as_ptr(),
            timezones_len: 1,
            days_past_due: 0,
            channel: cg_channel::Call as u32,
            role: cg_role::Debtor as u32,
            place: 0,
            purpose: cg_purpose::Collection as u32,
            has_place: 0,
            has_purpose: 1,
            has_autodialed: 0,
            autodialed: 0,
            has_days_past_due: 0,
        };
        assert_eq!(
            cg_decide(policy, history, &ask, decision, ptr::null_mut()),
            cg_result::Ok
        );
        let allowed = cg_decision_allow(decision);
        cg_decision_free(decision);
        cg_history_free(history);
        cg_policy_free(policy);
        allowed
    }

    #[test]
    fn a_panic_becomes_a_status_and_the_library_keeps_working() {
        quiet_hook();
        assert!(still_works());
        for _ in 0..100 {
            panic_once();
        }
        // The thread that called through the panic is alive and the
        // library's state is intact.
        assert!(still_works());
    }

    #[test]
    fn panics_on_some_threads_leave_others_deciding() {
        quiet_hook();
        let threads = 8;
        let barrier = Barrier::new(threads);
        std::thread::scope(|s| {
            for t in 0..threads {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    for _ in 0..50 {
                        if t % 2 == 0 {
                            panic_once();
                        } else {
                            assert!(still_works());
                        }
                    }
                });
            }
        });
        assert!(still_works());
    }
}
