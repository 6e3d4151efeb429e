//! `Policy::from_json` on arbitrary text: a policy or a located error,
//! never a panic. A policy that loads must decide a fixed ask.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match contactguard::Policy::from_json(text) {
        Ok(policy) => cg_fuzz::exercise_policy(&policy),
        Err(e) => cg_fuzz::check_policy_error(&e),
    }
});
