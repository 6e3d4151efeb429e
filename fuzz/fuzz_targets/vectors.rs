//! Conformance-vector decoding and running (`contactguard::vectors`) on
//! arbitrary JSON: a case passes or fails with a reason, a file runs or is
//! refused with a reason, never a panic.
#![no_main]

use contactguard::vectors::{case_policy, run_case, run_file};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match run_file(text) {
        Ok(results) => {
            for r in results {
                assert_eq!(r.passed(), r.failure.is_none());
                if let Some(d) = &r.decision {
                    assert_eq!(d.allow, d.denials.is_empty());
                }
            }
        }
        Err(e) => assert!(!e.0.is_empty()),
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    // The value as one case, and each element of `cases` as one.
    let mut cases = vec![value.clone()];
    if let Some(list) = value.get("cases").and_then(Value::as_array) {
        cases.extend(list.iter().take(8).cloned());
    }
    for case in &cases {
        let r = run_case(case);
        match (&r.decision, &r.failure) {
            (Some(d), _) => assert_eq!(d.allow, d.denials.is_empty()),
            (None, failure) => assert!(failure.is_some(), "no decision and no failure"),
        }
        if let Some(p) = case.get("policy") {
            let _ = case_policy(p);
        }
    }
});
