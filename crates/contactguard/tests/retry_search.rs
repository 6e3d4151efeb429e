//! The `retry_at` search's shortcuts: a rule that denied with an instant at
//! which it passes is not evaluated again (a cap with a limit of 0 offers
//! an instant at which it still denies, and must be); two window rules with
//! the same body are evaluated once. Expected instants are worked out by hand in the
//! comments (New York, EDT, UTC-4).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{decide, Ask, Event, History, Policy};

const HEAD: &str = r#"
format = "contactguard-policy/1"
name = "retry-search"
title = "retry_at shortcuts"
"#;

const HOURS: &str = r#"
[[rules]]
id = "hours"
title = "08:00-21:00 local"
cite = "test"
status = "law"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]
"#;

fn policy(rules: &[&str]) -> Policy {
    let text = format!("{HEAD}{}", rules.concat());
    Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn call(at: &str) -> serde_json::Value {
    serde_json::json!({"type": "attempt", "at": at, "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "result": "no_answer"})
}

fn history(v: Vec<serde_json::Value>) -> History {
    History::from_events(
        serde_json::from_value::<Vec<Event>>(serde_json::Value::Array(v)).expect("events"),
    )
}

fn ask(at: &str, purpose: Option<&str>) -> Ask {
    let mut v = serde_json::json!({
        "at": at, "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "timezones": ["America/New_York"]});
    if let Some(p) = purpose {
        v["purpose"] = serde_json::json!(p);
    }
    serde_json::from_value(v).expect("ask")
}

fn retry(d: &contactguard::Decision) -> Option<String> {
    d.retry_at.map(|t| t.to_string())
}

/// A cap of 0 per local day denies every day: its earliest instant (the
/// next midnight) is not one at which it passes, so the search may not
/// take it as settled, and finds nothing.
#[test]
fn a_cap_of_zero_is_never_taken_as_passing_at_its_earliest_instant() {
    let zero = r#"
[[rules]]
id = "none"
title = "No calls"
cite = "test"
status = "law"
kind = "cap"
limit = 0
scope = "recipient"
period = "day"
count = { channels = ["call"] }
"#;
    let p = policy(&[HOURS, zero]);
    let d = decide(&p, &ask("2026-10-15T10:30:00-04:00", None), &History::new());
    assert!(!d.allow);
    assert_eq!(retry(&d), None, "{d:?}");
}

/// Two calls on the 14th and 15th fill a cap of 2 per 7 local dates until
/// the 14th leaves it: the period 10-15..10-21 starts at 2026-10-21T04:00Z
/// (midnight EDT). A 22:00 ask is outside the window too; at that midnight
/// the window is closed until 08:00, so retry_at is 2026-10-21T12:00Z, the
/// same with one window rule or two identical ones.
#[test]
fn a_settled_cap_and_twin_windows_give_the_instant_worked_out_by_hand() {
    let cap = r#"
[[rules]]
id = "calls"
title = "Two calls per 7 local dates"
cite = "test"
status = "law"
kind = "cap"
limit = 2
scope = "recipient_debt"
dates = 7
count = { channels = ["call"] }
"#;
    let twin = HOURS.replace("id = \"hours\"", "id = \"hours-again\"");
    let h = history(vec![
        call("2026-10-14T10:00:00-04:00"),
        call("2026-10-15T10:00:00-04:00"),
    ]);
    let a = ask("2026-10-15T22:00:00-04:00", None);
    for rules in [vec![HOURS, cap], vec![HOURS, twin.as_str(), cap]] {
        let d = decide(&policy(&rules), &a, &h);
        assert!(!d.allow);
        assert_eq!(retry(&d).as_deref(), Some("2026-10-21T12:00:00Z"), "{d:?}");
    }
}

/// Two window rules, the narrower one lifted for notices: for a notice
/// only the 08:00-21:00 window counts (08:00 on the 16th, 12:00Z), and for
/// a collection call the 09:00-17:00 one holds retry_at to 09:00 (13:00Z).
#[test]
fn a_lifted_window_rule_does_not_hold_retry_at() {
    let narrow = r#"
[[rules]]
id = "office"
title = "09:00-17:00 local unless a notice"
cite = "test"
status = "law"
kind = "window"
windows = [{ days = ["any"], start = "09:00", end = "17:00" }]
unless = { purposes = ["notice"] }
"#;
    let p = policy(&[HOURS, narrow]);
    let h = History::new();
    let collect = decide(
        &p,
        &ask("2026-10-15T22:00:00-04:00", Some("collection")),
        &h,
    );
    assert_eq!(retry(&collect).as_deref(), Some("2026-10-16T13:00:00Z"));
    let notice = decide(&p, &ask("2026-10-15T22:00:00-04:00", Some("notice")), &h);
    assert_eq!(retry(&notice).as_deref(), Some("2026-10-16T12:00:00Z"));
}

/// An inconvenient-place rule that no statement in force applies to (the
/// home statement ended before the ask, the work one names another place,
/// the sms one another channel) passes at every instant, and the 22:00
/// home call waits only for the window: 08:00 on the 16th (12:00Z). With a
/// home statement in force for 07:00-10:00 local, the rule holds retry_at
/// to 10:00 (14:00Z).
#[test]
fn an_inconvenient_rule_no_statement_in_force_applies_to_does_not_hold_retry_at() {
    let places = r#"
[[rules]]
id = "places"
title = "No contact at a place designated inconvenient"
cite = "test"
status = "law"
kind = "inconvenient"
places = ["home", "work"]
"#;
    let p = policy(&[HOURS, places]);
    let stated = |v: serde_json::Value| {
        let mut s = serde_json::json!({"type": "inconvenient",
            "at": "2026-10-01T10:00:00-04:00", "to": "c1"});
        if let (Some(s), Some(v)) = (s.as_object_mut(), v.as_object()) {
            s.extend(v.clone());
        }
        s
    };
    let mut events = vec![
        stated(serde_json::json!({"place": "home", "until": "2026-10-10T00:00:00Z"})),
        stated(serde_json::json!({"place": "work"})),
        stated(serde_json::json!({"place": "home", "channel": "sms"})),
    ];
    let mut a = ask("2026-10-15T22:00:00-04:00", None);
    a.place = Some(contactguard::model::Place::Home);
    let d = decide(&p, &a, &history(events.clone()));
    assert!(!d.allow);
    assert_eq!(retry(&d).as_deref(), Some("2026-10-16T12:00:00Z"), "{d:?}");
    events.push(stated(
        serde_json::json!({"place": "home", "start": "07:00", "end": "10:00"}),
    ));
    let d = decide(&p, &a, &history(events));
    assert_eq!(retry(&d).as_deref(), Some("2026-10-16T14:00:00Z"), "{d:?}");
}
