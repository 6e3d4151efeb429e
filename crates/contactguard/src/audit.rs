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

mod replay;
mod row;

pub use replay::{
    components, partition, replay, replay_all, sort_rows, ReplayError, Replayer, SWEEP_ROWS,
};
pub use row::{
    parse_flag, parse_instant, parse_weekday, parse_wire, result_when_unknown, split_list,
    storable, Cells, Column, Item, Parsed, Problem, Row, RowError, RowReader, Wire,
};

use crate::model::{Decision, Denial};

/// Whether a denial says only that the engine could not evaluate the
/// ask: the recipient's local time is unknown (rule `contactguard.zone`: no
/// zone, or an unknown one) or a holiday calendar has no data for the
/// local date's year. Both fail closed; neither says the contact broke a
/// rule, and both are fixed in the data (a zone column, a calendar year),
/// not by the collector.
pub fn is_unevaluable(denial: &Denial) -> bool {
    denial.id == crate::engine::ZONE_RULE_ID
        || (denial.message.starts_with("holiday calendar ")
            && denial.message.contains(" has no data for "))
}

/// Whether an attempt was denied only because the engine could not
/// evaluate it ([`is_unevaluable`] for every denial): "could not
/// evaluate", reported apart from violations.
pub fn could_not_evaluate(decision: &Decision) -> bool {
    !decision.allow && !decision.denials.is_empty() && decision.denials.iter().all(is_unevaluable)
}
