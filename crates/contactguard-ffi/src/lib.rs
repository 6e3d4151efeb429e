//! The C ABI of contactguard.
//!
//! This is the only crate of the workspace with `unsafe` code: every export
//! takes raw pointers from C. The rules every function follows are written
//! once in the header's preamble (`cbindgen.toml`) and restated per function:
//!
//! - every pointer argument is checked for NULL, every string for UTF-8 and
//!   every enum integer for range before anything else happens;
//! - every export runs inside a panic boundary: a panic becomes
//!   `CG_RESULT_PANIC`, never an unwind into C and never an abort;
//! - functions that can fail return a [`cg_result`] and take a
//!   `cg_error **out_error` last: NULL on success, an owned [`cg_error`] on
//!   failure (pass NULL to discard the details);
//! - other outputs are written only on success;
//! - `const T*` handles may be used from many threads at once, `T*` handles
//!   need exclusive access; each handle is freed once, by its `_free`
//!   function, and freeing NULL does nothing.
#![expect(
    unsafe_code,
    reason = "the C ABI: raw pointers from C are checked and dereferenced here, and nowhere else"
)]
#![expect(
    clippy::not_unsafe_ptr_arg_deref,
    reason = "exports are called from C, which cannot see `unsafe`; each one checks its pointers and states its contract in the header"
)]
#![allow(
    non_camel_case_types,
    reason = "C names: the header exposes `cg_policy`, `cg_result`... exactly as Rust spells them"
)]

mod boundary;
mod decide;
mod error;
mod history;
#[cfg(feature = "java")]
mod java;
mod ledger;
mod policy;
mod redis;
mod types;
mod version;

pub use decide::{
    cg_decide, cg_decide_batch, cg_decide_json, cg_decision, cg_decision_allow, cg_decision_denial,
    cg_decision_denial_count, cg_decision_free, cg_decision_new, cg_decision_obligation,
    cg_decision_obligation_count, cg_decision_retry_at, cg_decision_verdict, cg_denial, cg_verdict,
};
pub use error::{
    cg_error, cg_error_code, cg_error_column, cg_error_field, cg_error_free, cg_error_help,
    cg_error_line, cg_error_message, cg_error_result, cg_result,
};
pub use history::{
    cg_history, cg_history_clear, cg_history_free, cg_history_len, cg_history_new, cg_history_push,
    cg_history_push_many,
};
pub use ledger::{
    cg_journal_sync, cg_ledger, cg_ledger_check, cg_ledger_check_and_record, cg_ledger_checkpoint,
    cg_ledger_complete, cg_ledger_free, cg_ledger_new, cg_ledger_open_journaled, cg_ledger_prune,
    cg_ledger_record, cg_ledger_restore, cg_ledger_snapshot, cg_ticket, cg_ticket_at,
    cg_ticket_free, cg_write_fn,
};
pub use policy::{
    cg_policy, cg_policy_clone, cg_policy_free, cg_policy_from_json, cg_policy_from_presets,
    cg_policy_from_toml, cg_policy_name, cg_policy_rule_count,
};
pub use redis::{cg_ledger_open_redis, cg_redis_options};
pub use types::{
    cg_abi_sizeof, cg_abi_struct, cg_ask, cg_attempt_result, cg_channel, cg_event, cg_event_type,
    cg_hold_reason, cg_place, cg_purpose, cg_role, cg_str, cg_timestamp,
};
pub use version::{
    cg_abi_version, cg_version, CG_ABI_VERSION, CG_VERSION_MAJOR, CG_VERSION_MINOR,
    CG_VERSION_PATCH,
};

#[cfg(feature = "test-panic")]
pub use boundary::cg_test_panic;
