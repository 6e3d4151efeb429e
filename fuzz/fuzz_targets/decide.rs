//! `decide` on arbitrary compiled policies and histories.
//!
//! A small policy is built from arbitrary rule shapes (every kind, with
//! conditions, periods, filters and windows), rendered to TOML and to JSON;
//! a history of arbitrary events over a few recipients and debts; a few
//! asks. For every ask:
//!
//! - a decision comes back, `allow == denials.is_empty()`, every denial has
//!   an id and a reason, `retry_at` lies after the ask;
//! - `explain` agrees with `decide`;
//! - the TOML and JSON renderings of one policy decide alike;
//! - the ask moved to its `retry_at`, over the same history, is allowed;
//! - a ledger fed the same events checks the ask as `decide` does (for asks
//!   at or after its pruning horizon), and `check_and_record` admits only
//!   what `check` allows.
#![no_main]

use arbitrary::Unstructured;
use cg_fuzz::{check_decision, essence, Scenario};
use contactguard::{decide, explain, Ask, Event, History, Ledger, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(s) = Scenario::read(&mut u) else {
        return;
    };
    let file = s.policy.file();
    let Ok(toml_text) = toml::to_string(&file) else {
        return;
    };
    let json_text = serde_json::to_string(&file).unwrap_or_default();
    let from_toml = Policy::from_toml(&toml_text);
    let from_json = Policy::from_json(&json_text);
    // One policy, two syntaxes: both load or neither does.
    assert_eq!(
        from_toml.as_ref().map(|_| ()).map_err(|e| e.code),
        from_json.as_ref().map(|_| ()).map_err(|e| e.code),
        "TOML and JSON disagree on\n{toml_text}"
    );
    let (Ok(policy), Ok(twin)) = (from_toml, from_json) else {
        return;
    };

    let events: Vec<Event> = s.events.iter().map(|e| e.event()).collect();
    let history = History::from_events(events.clone());
    let ledger = Ledger::new(policy.clone());
    let recorded_all = events.iter().all(|e| ledger.record(e).is_ok());
    // Opportunistic pruning keeps everything an ask at or after the latest
    // attempt less an hour (and the look-back) can read.
    let horizon = events
        .iter()
        .filter(|e| matches!(e, Event::Attempt(_)))
        .map(Event::at)
        .max()
        .and_then(|t| t.checked_sub(jiff::SignedDuration::from_hours(1)).ok());

    for shape in &s.asks {
        let ask = shape.ask();
        let d = decide(&policy, &ask, &history);
        check_decision(&ask, &d);
        assert_eq!(explain(&policy, &ask, &history).decision, d);
        assert_eq!(
            essence(&decide(&twin, &ask, &history)),
            essence(&d),
            "TOML and JSON renderings decide differently:\n{toml_text}"
        );

        if let Some(r) = d.retry_at {
            // The same history: only what the first decision could read.
            let seen: History = events
                .iter()
                .filter(|e| e.at() <= ask.at)
                .cloned()
                .collect();
            let later = Ask {
                at: r,
                ..ask.clone()
            };
            let again = decide(&policy, &later, &seen);
            assert!(
                again.allow,
                "denied again at its retry_at {r}: {again:?}\nfirst: {d:?}\npolicy:\n{toml_text}"
            );
        }

        if recorded_all && horizon.is_none_or(|h| ask.at >= h) {
            let c = ledger.check(&ask);
            // The ledger refuses asks it cannot store only through
            // check_and_record; `check` decides them like `decide`.
            assert_eq!(
                essence(&c),
                essence(&d),
                "ledger check disagrees with decide"
            );
        }
    }
    // Then admit the asks in turn (after the comparisons, which need the
    // ledger to hold exactly the history).
    for shape in &s.asks {
        let ask = shape.ask();
        let checked = ledger.check(&ask);
        let admission = ledger.check_and_record(&ask);
        check_decision(&ask, &admission.decision);
        assert_eq!(admission.decision.allow, admission.ticket.is_some());
        if admission.decision.allow {
            assert!(
                checked.allow || admission.at != ask.at,
                "admitted what check denied"
            );
        }
    }
});
