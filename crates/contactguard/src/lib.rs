//! contactguard answers one question, inline and in well under a
//! microsecond: **may we contact this person, on this channel, right now?**
//!
//! A [`Policy`] is data (TOML or JSON): rules that can only deny, each with
//! an id, a title and a legal citation. [`decide`] evaluates an [`Ask`]
//! against a policy and a [`History`] of earlier events and returns a
//! [`Decision`]: allowed or not, every rule that denied and why, the earliest
//! time the same ask would pass, and the obligations of the contact.
//!
//! The crate is pure: no file, network, clock or environment access. The
//! caller passes the time.
#![forbid(unsafe_code)]
#![doc = ""]
#![doc = include_str!("../../../README.md")]

pub mod audit;
#[doc(hidden)]
pub mod bytes;
pub mod diagnostic;
mod engine;
pub mod history;
#[doc(hidden)]
pub mod local {
    //! Local civil time in a zone, as the engine reads it: shared with the
    //! CLI's audit report (local dates, hours and times of its rows); not
    //! part of the crate's stable API.
    pub use crate::engine::local::{date_of, Clock};
}
pub mod ledger;
pub mod model;
pub mod policy;
pub mod reference;
pub mod vectors;

pub use diagnostic::{Diagnostic, ErrorCode};
pub use engine::{decide, explain, Explanation, RuleOutcome};
pub use history::History;
pub use ledger::{Admission, Ledger, LedgerError, LedgerStats, Ticket};
pub use model::{
    Ask, Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Decision, Denial, Event,
    EventType, Hold, HoldReason, Inconvenient, Message, OptOut, Place, PriorConsentToContact,
    Purpose, RequestContact, Role, SharedStr, Unreachable,
};
pub use policy::{preset_names, preset_source, Policy, PolicyError, Syntax};
