//! Replaying a log through the engine: each attempt is decided as the ask
//! it was, against the history of every earlier row, then recorded (a
//! violation still happened, so it counts for later rows).
//!
//! The history is a [`Ledger`]: its `check` returns what `decide` returns
//! over a `History` of every recorded event, and it drops attempts older
//! than the policy's look-back as it goes, so memory stays bounded by the
//! look-back window instead of the log's length. Rows arrive in time order,
//! so every ask is at or after the ledger's pruning horizon.

use super::log::{Record, Row, Zones};
use contactguard::ledger::Ledger;
use contactguard::{Ask, Attempt, Decision, Event, Policy};

/// What the replay saw at one row.
pub enum Step<'a> {
    /// An attempt, the ask it represented and the decision it would have got.
    Attempt {
        /// The row's line.
        line: u64,
        /// The ask.
        ask: &'a Ask,
        /// Index of the ask's zones in the zone table.
        zones: u32,
        /// The decision at that moment.
        decision: &'a Decision,
    },
    /// Another event, recorded into the history.
    Event {
        /// The event.
        event: &'a Event,
    },
}

/// Replays `rows` (already in time order) through `policy`, calling
/// `observe` for each row in order.
///
/// # Errors
///
/// A row the ledger cannot store (an instant before 1677 or after 2262;
/// the log reader refuses those first), with its line.
pub fn replay(
    policy: &Policy,
    rows: Vec<Row>,
    zones: &Zones,
    mut observe: impl FnMut(Step<'_>),
) -> Result<(), String> {
    let ledger = Ledger::new(policy.clone());
    for row in rows {
        let line = row.line;
        match row.record {
            Record::Attempt {
                attempt,
                zones: zi,
                purpose,
                autodialed,
                days_past_due,
            } => {
                let Attempt {
                    at,
                    channel,
                    to,
                    role,
                    debt,
                    result,
                    place,
                } = attempt;
                let ask = Ask {
                    at,
                    channel,
                    to,
                    role,
                    debt,
                    timezones: zones.names(zi).to_vec(),
                    place,
                    autodialed,
                    purpose,
                    days_past_due,
                };
                let decision = ledger.check(&ask);
                observe(Step::Attempt {
                    line: row.line,
                    ask: &ask,
                    zones: zi,
                    decision: &decision,
                });
                let event = Event::Attempt(Attempt {
                    at,
                    channel,
                    to: ask.to,
                    role,
                    debt: ask.debt,
                    result,
                    place,
                });
                ledger
                    .record(&event)
                    .map_err(|e| format!("line {line}: {e}"))?;
            }
            Record::Event(event) => {
                observe(Step::Event { event: &event });
                ledger
                    .record(&event)
                    .map_err(|e| format!("line {line}: {e}"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly; `allow` because clippy.toml may already allow these in tests"
)]
mod tests {
    use super::*;
    use crate::audit::log::{read, Format, Options};
    use contactguard::{decide, History};

    const POLICY: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "t.night"
title = "No contact 22:00-08:00"
cite = "test"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "22:00", bounds = "half_open" }]
[[rules]]
id = "t.sms"
title = "At most 2 texts a day"
cite = "test"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
period = "day"
count = { channels = ["sms"] }
when = { channels = ["sms"] }
[[rules]]
id = "t.hold"
title = "No collection on hold"
cite = "test"
status = "convention"
kind = "hold"
reasons = ["repayment_plan"]
when = { purposes = ["collection"] }
[[rules]]
id = "t.optout"
title = "Opt-out"
cite = "test"
status = "convention"
kind = "opt_out"
"#;

    const LOG: &str = "at,type,channel,to,role,debt,result,timezone,purpose,reason\n\
2026-03-01T09:00:00+08:00,,sms,c1,debtor,L1,delivered,Asia/Shanghai,collection,\n\
2026-03-01T09:00:00+08:00,,sms,c1,debtor,L1,delivered,Asia/Shanghai,collection,\n\
2026-03-01T09:00:00+08:00,,sms,c1,debtor,L1,delivered,Asia/Shanghai,collection,\n\
2026-03-01T23:30:00+08:00,,call,c1,debtor,L1,no_answer,Asia/Shanghai,collection,\n\
2026-03-02T10:00:00+08:00,hold,,,,L1,,,,repayment_plan\n\
2026-03-02T11:00:00+08:00,,call,c1,debtor,L1,conversation,Asia/Shanghai,collection,\n\
2026-03-02T11:00:00+08:00,,sms,c1,debtor,L1,delivered,Asia/Shanghai,notice,\n\
2026-03-01T12:00:00+08:00,opt_out,email,c2,,,,,,\n\
2026-03-03T12:00:00+08:00,,email,c2,third_party,L1,delivered,Asia/Shanghai,location,\n\
2026-03-03T12:00:00+08:00,,email,c3,third_party,L1,delivered,,location,\n";

    /// The replay's verdicts equal `decide` called row by row on a history
    /// rebuilt from scratch out of every earlier row.
    #[test]
    fn verdicts_equal_decide_on_the_growing_history() {
        let policy = contactguard::Policy::from_toml(POLICY).unwrap();
        let log = read(LOG, Format::Csv, &Options::default()).unwrap();
        assert!(log.bad.is_empty(), "{:?}", log.bad);
        let rows = log.rows.clone();
        let mut seen = Vec::new();
        replay(&policy, log.rows, &log.zones, |step| {
            if let Step::Attempt {
                line,
                ask,
                decision,
                ..
            } = step
            {
                seen.push((line, ask.clone(), decision.clone()));
            }
        })
        .unwrap();
        let mut checked = 0;
        for (i, row) in rows.iter().enumerate() {
            let Record::Attempt { .. } = row.record else {
                continue;
            };
            let earlier: Vec<Event> = rows[..i]
                .iter()
                .map(|r| match &r.record {
                    Record::Attempt { attempt, .. } => Event::Attempt(attempt.clone()),
                    Record::Event(e) => e.clone(),
                })
                .collect();
            let (line, ask, decision) = &seen[checked];
            assert_eq!(*line, row.line);
            let expected = decide(&policy, ask, &History::from_events(earlier));
            assert_eq!(decision, &expected, "line {line}");
            checked += 1;
        }
        assert_eq!(checked, seen.len());
        let denied: Vec<(u64, Vec<&str>)> = seen
            .iter()
            .filter(|(_, _, d)| !d.allow)
            .map(|(l, _, d)| (*l, d.denials.iter().map(|x| x.id.as_str()).collect()))
            .collect();
        assert_eq!(
            denied,
            [
                (4, vec!["t.sms"]),
                (5, vec!["t.night"]),
                (7, vec!["t.hold"]),
                (10, vec!["t.optout"]),
                (11, vec!["contactguard.zone"]),
            ]
        );
    }
}
