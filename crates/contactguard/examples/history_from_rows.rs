//! A service that keeps contact history in its own database decides without
//! a ledger: it loads the rows about the recipient and the debt, turns them
//! into events, builds a `History` and calls `decide`.
//!
//! Run with `cargo run -p contactguard --example history_from_rows`.
//!
//! The rows here are a `Vec` of tuples standing in for the result of a query
//! such as
//!
//! ```sql
//! SELECT kind, at, channel, recipient, role, debt, result
//! FROM contact_events
//! WHERE (recipient = $1 OR debt = $2) AND at > now() - interval '35 days'
//! ORDER BY at;
//! ```
//!
//! Fetch every row about the recipient *or* the debt: debt-wide caps and the
//! out-of-contact condition read other recipients' attempts about the same
//! debt. Rows older than `Policy::lookback_seconds()` (plus a day for time
//! zones) cannot change the decision, so the query may stop there — unless
//! the policy has a lifetime cap (`lookback_seconds()` is `None`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use contactguard::{
    decide, Ask, Attempt, AttemptResult, Channel, Event, History, OptOut, Policy, Role,
};
use jiff::Timestamp;

/// One row of the caller's own table.
type Row = (
    &'static str, // kind: "attempt" | "opt_out"
    &'static str, // at, RFC 3339
    &'static str, // channel
    &'static str, // recipient
    &'static str, // role
    &'static str, // debt
    &'static str, // result (attempts only)
);

fn rows() -> Vec<Row> {
    vec![
        (
            "attempt",
            "2026-04-06T09:10:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "no_answer",
        ),
        (
            "attempt",
            "2026-04-07T10:00:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "voicemail",
        ),
        (
            "attempt",
            "2026-04-08T11:30:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "no_answer",
        ),
        (
            "attempt",
            "2026-04-09T17:45:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "no_answer",
        ),
        (
            "attempt",
            "2026-04-10T12:00:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "failed",
        ),
        (
            "attempt",
            "2026-04-11T13:15:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "no_answer",
        ),
        (
            "attempt",
            "2026-04-12T14:00:00-04:00",
            "call",
            "+16175550100",
            "debtor",
            "card-1",
            "voicemail",
        ),
        (
            "opt_out",
            "2026-04-12T14:01:00-04:00",
            "email",
            "+16175550100",
            "",
            "",
            "",
        ),
    ]
}

/// Converts one row. A real service maps its own codes here; unknown codes
/// are an error, never silently dropped (a dropped attempt would under-count).
fn event(row: &Row) -> Result<Event, String> {
    let (kind, at, channel, to, role, debt, result) = *row;
    let at: Timestamp = at.parse().map_err(|e| format!("bad time `{at}`: {e}"))?;
    let channel = Channel::from_wire(channel).ok_or(format!("unknown channel `{channel}`"))?;
    Ok(match kind {
        "attempt" => Event::Attempt(Attempt {
            at,
            channel,
            to: to.to_owned(),
            role: Role::from_wire(role).ok_or(format!("unknown role `{role}`"))?,
            debt: debt.to_owned(),
            result: AttemptResult::from_wire(result).ok_or(format!("unknown result `{result}`"))?,
            place: None,
        }),
        "opt_out" => Event::OptOut(OptOut {
            at,
            to: to.to_owned(),
            channel,
            place: None,
        }),
        other => return Err(format!("unknown row kind `{other}`")),
    })
}

fn main() {
    let policy = Policy::preset("us-reg-f+us-ma").expect("bundled presets load");
    let events: Vec<Event> = rows()
        .iter()
        .map(event)
        .collect::<Result<_, _>>()
        .expect("rows convert");
    // Any order works; `push` appends one more row as it arrives.
    let history = History::from_events(events);

    for (when, channel) in [
        ("2026-04-12T15:00:00-04:00", "call"),
        ("2026-04-13T10:00:00-04:00", "call"),
        ("2026-04-13T10:00:00-04:00", "email"),
    ] {
        let ask: Ask = serde_json::from_value(serde_json::json!({
            "at": when, "channel": channel, "to": "+16175550100", "role": "debtor",
            "debt": "card-1", "timezones": ["America/New_York"], "purpose": "collection",
            "place": "mobile", "autodialed": false
        }))
        .expect("a valid ask");
        let d = decide(&policy, &ask, &history);
        println!(
            "{when} {channel}: {}",
            if d.allow { "allow" } else { "deny" }
        );
        for denial in &d.denials {
            println!("  {} ({}): {}", denial.id, denial.cite, denial.message);
        }
        if let Some(t) = d.retry_at {
            println!("  retry at {t}");
        }
    }
}
