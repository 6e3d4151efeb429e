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
use std::collections::HashMap;

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

/// Splits time-ordered rows into at most `parts` partitions that can be
/// replayed independently: every row about one recipient, and every row
/// about one debt, lands in the same partition, so every scope a rule reads
/// (the recipient's events, the debt's events) is whole in one partition.
/// Debts and recipients are joined into connected components (a recipient
/// contacted about two debts joins them), and components are dealt to the
/// least-loaded partition in order of first appearance. Each partition
/// keeps the rows' order. Deterministic.
pub fn partition(rows: Vec<Row>, parts: usize) -> Vec<Vec<Row>> {
    let parts = parts.max(1);
    if parts == 1 || rows.len() < 2 {
        return vec![rows];
    }
    // Union-find over interned keys (recipients and debts kept apart).
    let mut ids: HashMap<(bool, &str), u32> = HashMap::new();
    let mut parent: Vec<u32> = Vec::new();
    fn id_of<'a>(
        ids: &mut HashMap<(bool, &'a str), u32>,
        parent: &mut Vec<u32>,
        key: (bool, &'a str),
    ) -> u32 {
        let next = u32::try_from(parent.len()).unwrap_or(u32::MAX);
        *ids.entry(key).or_insert_with(|| {
            parent.push(next);
            next
        })
    }
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while let Some(&p) = parent.get(x as usize) {
            if p == x {
                break;
            }
            // Path halving.
            let gp = parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = parent.get_mut(x as usize) {
                *slot = gp;
            }
            x = gp;
        }
        x
    }
    let mut row_key: Vec<u32> = Vec::with_capacity(rows.len());
    for row in &rows {
        let (to, debt) = match &row.record {
            Record::Attempt { attempt, .. } => {
                (Some(attempt.to.as_str()), Some(attempt.debt.as_str()))
            }
            Record::Event(e) => (e.recipient(), e.debt()),
        };
        let a = to.map(|t| id_of(&mut ids, &mut parent, (false, t)));
        let b = debt.map(|d| id_of(&mut ids, &mut parent, (true, d)));
        let key = match (a, b) {
            (Some(a), Some(b)) => {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    if let Some(slot) = parent.get_mut(ra as usize) {
                        *slot = rb;
                    }
                }
                a
            }
            (Some(k), None) | (None, Some(k)) => k,
            (None, None) => 0,
        };
        row_key.push(key);
    }
    drop(ids);
    // Component sizes, then deal components to partitions.
    let mut size: Vec<u64> = vec![0; parent.len()];
    let mut roots: Vec<u32> = Vec::with_capacity(rows.len());
    for &k in &row_key {
        let r = find(&mut parent, k);
        if let Some(n) = size.get_mut(r as usize) {
            *n += 1;
        }
        roots.push(r);
    }
    let mut assigned: Vec<Option<u32>> = vec![None; parent.len()];
    let mut load: Vec<u64> = vec![0; parts];
    let mut out: Vec<Vec<Row>> = (0..parts)
        .map(|_| Vec::with_capacity(rows.len() / parts + 1))
        .collect();
    for (row, r) in rows.into_iter().zip(roots) {
        let slot = assigned.get_mut(r as usize);
        let p = match slot {
            Some(Some(p)) => *p,
            Some(slot) => {
                let (p, _) = load
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, l)| **l)
                    .unwrap_or((0, &0));
                let p = u32::try_from(p).unwrap_or(0);
                *slot = Some(p);
                if let Some(l) = load.get_mut(p as usize) {
                    *l += size.get(r as usize).copied().unwrap_or(1);
                }
                p
            }
            None => 0,
        };
        if let Some(part) = out.get_mut(p as usize) {
            part.push(row);
        }
    }
    out.retain(|p| !p.is_empty());
    out
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

    #[test]
    fn partitions_keep_recipients_and_debts_whole() {
        // c9 is contacted about L1 and L2, which joins them.
        let text = "at,type,channel,to,role,debt,result\n\
2026-03-01T01:00:00Z,,sms,c1,debtor,L1,delivered\n\
2026-03-01T02:00:00Z,,sms,c2,debtor,L2,delivered\n\
2026-03-01T03:00:00Z,,sms,c3,debtor,L3,delivered\n\
2026-03-01T04:00:00Z,,call,c9,emergency_contact,L1,no_answer\n\
2026-03-01T05:00:00Z,,call,c9,emergency_contact,L2,no_answer\n\
2026-03-01T06:00:00Z,hold,,,,L3,\n\
2026-03-01T07:00:00Z,opt_out,sms,c4,,,\n";
        let log = read(text, Format::Csv, &Options::default()).unwrap();
        assert_eq!(log.bad.len(), 1, "the hold lacks a reason: {:?}", log.bad);
        let parts = partition(log.rows.clone(), 2);
        let lines: Vec<Vec<u64>> = parts
            .iter()
            .map(|p| p.iter().map(|r| r.line).collect())
            .collect();
        assert_eq!(lines, [vec![2, 3, 5, 6], vec![4, 8]]);
        assert_eq!(partition(log.rows.clone(), 1).len(), 1);
    }
}
