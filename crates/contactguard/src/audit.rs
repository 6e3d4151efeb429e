//! The audit: replay a historical contact log through a policy and say,
//! for every attempt, what the engine would have decided at that moment.
//!
//! There is one replay, here; the command line and the Python module only
//! read cells into it and render what it returns.
//!
//! - [`RowReader`] turns the cells of one row ([`Cells`], by [`Column`])
//!   into an [`Item`]: the [`Ask`](crate::Ask) an attempt made and its
//!   result, or another [`Event`](crate::Event). One set of rules for
//!   column names (any ASCII case), enum spellings (any ASCII case),
//!   booleans, instants, zones, weekdays and lists. **A contact that
//!   happened is never dropped**: an attempt naming its instant, channel,
//!   recipient, role and debt is an item even when another cell is bad
//!   (an unknown zone is kept, so the engine denies it with
//!   `contactguard.zone` as [`decide`](crate::decide) does; see
//!   [`Parsed::flaws`]). Only a row that cannot be an event is refused.
//! - [`Replayer`] decides each attempt against every earlier row over a
//!   [`Ledger`](crate::Ledger) (its retention is the only pruning) and
//!   records it whatever the verdict.
//! - [`components`] and [`partition`] split a log into parts that share no
//!   recipient and no debt; [`replay_all`] sorts, splits and replays them
//!   (in parallel with the `rayon` feature).
//! - [`could_not_evaluate`] tells a denial that says nothing about the
//!   contact (a zone or a calendar year is missing) from a violation.
//! - [`unread_events`] words the warning about event rows no rule of the
//!   policy reads, for the command line and the Python module alike.

mod replay;
mod row;

pub use replay::{
    components, partition, replay, replay_all, sort_rows, ReplayError, Replayer, SWEEP_ROWS,
};
pub use row::{
    names_from_text, parse_flag, parse_instant, parse_weekday, parse_wire, result_when_unknown,
    split_list, storable, trim_cell, Cells, Column, Item, Parsed, Problem, Row, RowError,
    RowReader, Wire,
};

use crate::model::{Decision, Denial, EventType, HoldReason};
use crate::policy::{preset_names, Policy};
use std::collections::BTreeMap;

/// Whether a denial says only that the engine could not evaluate the
/// ask: the recipient's local time is unknown (rule `contactguard.zone`: no
/// zone, or an unknown one) or a holiday calendar has no data for the
/// local date's year. Both fail closed; neither says the contact broke a
/// rule, and both are fixed in the data (a zone column, a calendar year),
/// not by the collector.
pub fn is_unevaluable(denial: &Denial) -> bool {
    denial.id == crate::engine::ZONE_RULE_ID || denial.message.cause().is_calendar_gap()
}

/// Whether an attempt was denied only because the engine could not
/// evaluate it ([`is_unevaluable`] for every denial): "could not
/// evaluate", reported apart from violations.
pub fn could_not_evaluate(decision: &Decision) -> bool {
    !decision.allow && !decision.denials.is_empty() && decision.denials.iter().all(is_unevaluable)
}

/// Event rows of one type that no rule of a policy reads: they change no
/// verdict under it (see [`unread_events`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadEvents {
    /// The event type.
    pub event_type: EventType,
    /// How many rows of that type no rule reads.
    pub rows: u64,
    /// For holds, the reasons of those rows (a policy may read some hold
    /// reasons and not others), in the order of `seen`.
    pub reasons: Vec<HoldReason>,
    /// The warning, e.g. "1 hold row (repayment_plan), but no rule of cn
    /// reads holds with that reason; add `conduct`".
    pub message: String,
}

/// The event rows no rule of `policy` reads, one entry per event type in
/// [`EventType::ALL`] order, each with its warning, which names a preset
/// that would read them all (`conduct` first, else the first preset that
/// does) when there is one.
///
/// `seen` counts the event rows of a log (not its attempts) by type and,
/// for holds, reason; a row is unread when [`Policy::reads`] would say so
/// of it ([`Policy::reads_hold`] for a hold, [`Policy::reads_event`] for
/// the rest).
///
/// # Examples
///
/// ```
/// use contactguard::audit::unread_events;
/// use contactguard::{EventType, HoldReason, Policy};
/// use std::collections::BTreeMap;
/// # fn main() -> Result<(), contactguard::PolicyError> {
/// let seen = BTreeMap::from([((EventType::Hold, Some(HoldReason::RepaymentPlan)), 1)]);
/// let unread = unread_events(&seen, &Policy::preset("cn")?);
/// assert_eq!(
///     unread[0].message,
///     "1 hold row (repayment_plan), but no rule of cn reads holds with that reason; add `conduct`"
/// );
/// assert!(unread_events(&seen, &Policy::preset("cn+conduct")?).is_empty());
/// # Ok(())
/// # }
/// ```
pub fn unread_events(
    seen: &BTreeMap<(EventType, Option<HoldReason>), u64>,
    policy: &Policy,
) -> Vec<UnreadEvents> {
    let reads = |p: &Policy, t: EventType, reason: Option<HoldReason>| match reason {
        Some(r) => p.reads_hold(r),
        None => p.reads_event(t),
    };
    let mut out = Vec::new();
    for t in EventType::ALL {
        let unread: Vec<(Option<HoldReason>, u64)> = seen
            .iter()
            .filter(|((et, reason), _)| *et == t && !reads(policy, t, *reason))
            .map(|((_, reason), n)| (*reason, *n))
            .collect();
        let rows: u64 = unread.iter().map(|(_, n)| n).sum();
        if rows == 0 {
            continue;
        }
        let reasons: Vec<HoldReason> = unread.iter().filter_map(|(r, _)| *r).collect();
        let preset = std::iter::once("conduct")
            .chain(preset_names())
            .find(|name| {
                Policy::preset(name).is_ok_and(|p| unread.iter().all(|(r, _)| reads(&p, t, *r)))
            });
        let mut message = format!("{rows} {t} row{}", if rows == 1 { "" } else { "s" });
        if reasons.is_empty() {
            message.push_str(&format!(
                ", but no rule of {} reads `{t}` events",
                policy.name()
            ));
        } else {
            let names: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            message.push_str(&format!(
                " ({}), but no rule of {} reads holds with {}",
                names.join(", "),
                policy.name(),
                if reasons.len() == 1 {
                    "that reason"
                } else {
                    "those reasons"
                }
            ));
        }
        if let Some(p) = preset {
            message.push_str(&format!("; add `{p}`"));
        }
        out.push(UnreadEvents {
            event_type: t,
            rows,
            reasons,
            message,
        });
    }
    out
}
