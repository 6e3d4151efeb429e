//! Unit tests per rule family, on small inline policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{decide, Ask, Decision, Event, History, Ledger, Policy};

fn policy(rules: &str) -> Policy {
    let text = format!("format = \"contactguard-policy/1\"\n{rules}");
    Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn ask(json: &str) -> Ask {
    let base: serde_json::Value = serde_json::json!({
        "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection", "autodialed": false
    });
    let mut v = base;
    let over: serde_json::Value = serde_json::from_str(json).unwrap();
    for (k, val) in over.as_object().unwrap() {
        v[k] = val.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn attempt(at: &str, channel: &str, result: &str) -> Event {
    serde_json::from_value(serde_json::json!({
        "type": "attempt", "at": at, "channel": channel, "to": "c1", "role": "debtor", "debt": "d1", "result": result
    }))
    .unwrap()
}

fn event(json: serde_json::Value) -> Event {
    serde_json::from_value(json).unwrap()
}

fn run(p: &Policy, events: Vec<Event>, a: &str) -> Decision {
    decide(p, &ask(a), &History::from_events(events))
}

fn retry(d: &Decision) -> String {
    d.retry_at
        .map(|t| t.to_string())
        .unwrap_or_else(|| "none".into())
}

const REG_F_WINDOW: &str = r#"
[[rules]]
id = "w"
title = "hours"
cite = "test"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]
"#;

#[test]
fn window_closed_endpoints_and_one_second_past() {
    let p = policy(REG_F_WINDOW);
    assert!(run(&p, vec![], r#"{"at": "2026-10-14T08:00:00-04:00"}"#).allow);
    assert!(run(&p, vec![], r#"{"at": "2026-10-14T21:00:00-04:00"}"#).allow);
    let late = run(&p, vec![], r#"{"at": "2026-10-14T21:00:01-04:00"}"#);
    assert!(!late.allow);
    assert_eq!(retry(&late), "2026-10-15T12:00:00Z");
    let early = run(&p, vec![], r#"{"at": "2026-10-14T07:59:59-04:00"}"#);
    assert!(!early.allow);
    assert_eq!(retry(&early), "2026-10-14T12:00:00Z");
    assert!(
        early.denials[0].message.contains("07:59:59"),
        "{}",
        early.denials[0].message
    );
}

#[test]
fn window_half_open_and_open_bounds() {
    let p = policy(
        r#"
[[rules]]
id = "cn-night"
title = "night"
cite = "t"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "22:00", bounds = "half_open" }]
"#,
    );
    let a = |t: &str| format!(r#"{{"at": "{t}", "timezones": ["Asia/Shanghai"]}}"#);
    assert!(!run(&p, vec![], &a("2026-03-02T22:00:00+08:00")).allow);
    assert!(run(&p, vec![], &a("2026-03-02T21:59:59+08:00")).allow);
    assert!(run(&p, vec![], &a("2026-03-03T08:00:00+08:00")).allow);
    let strict = policy(
        r#"
[[rules]]
id = "strict"
title = "strict"
cite = "t"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00", bounds = "open" }]
"#,
    );
    let d = run(&strict, vec![], r#"{"at": "2026-10-14T08:00:00-04:00"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-10-14T12:00:00.000000001Z");
    assert!(!run(&strict, vec![], r#"{"at": "2026-10-14T21:00:00-04:00"}"#).allow);
}

#[test]
fn window_every_candidate_zone_must_permit() {
    let p = policy(REG_F_WINDOW);
    // 08:30 in New York is 06:30 in Denver.
    let d = run(
        &p,
        vec![],
        r#"{"at": "2026-10-14T08:30:00-04:00", "timezones": ["America/New_York", "America/Denver"]}"#,
    );
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-10-14T14:00:00Z", "08:00 in Denver");
    // 20:30 in New York is fine there and in Los Angeles.
    assert!(run(&p, vec![], r#"{"at": "2026-10-14T20:30:00-04:00", "timezones": ["America/New_York", "America/Los_Angeles"]}"#).allow);
}

#[test]
fn window_uses_dst_correct_local_time() {
    let p = policy(REG_F_WINDOW);
    // After fall-back, 12:45Z is 07:45 EST; before it, the same UTC time was 08:45 EDT.
    assert!(!run(&p, vec![], r#"{"at": "2026-11-02T12:45:00Z"}"#).allow);
    assert!(run(&p, vec![], r#"{"at": "2026-10-30T12:45:00Z"}"#).allow);
    // Spring forward: 2026-03-08 08:00 EDT = 12:00Z.
    let d = run(&p, vec![], r#"{"at": "2026-03-08T11:30:00Z"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-03-08T12:00:00Z");
}

#[test]
fn unknown_zone_and_missing_zone_fail_closed() {
    let p = policy(REG_F_WINDOW);
    let d = run(
        &p,
        vec![],
        r#"{"at": "2026-10-14T10:00:00-04:00", "timezones": ["Mars/Olympus"]}"#,
    );
    assert!(!d.allow);
    assert_eq!(d.denials[0].id, "contactguard.zone");
    assert_eq!(d.retry_at, None);
    let d = run(
        &p,
        vec![],
        r#"{"at": "2026-10-14T10:00:00-04:00", "timezones": []}"#,
    );
    assert!(!d.allow);
}

#[test]
fn holiday_calendar_and_make_up_workday() {
    let p = policy(
        r#"
[calendars.x]
covers = [2026]
holidays = ["2026-10-01"]
workdays = ["2026-10-10"]

[[rules]]
id = "w"
title = "days"
cite = "t"
status = "convention"
kind = "window"
calendar = "x"
windows = [
  { days = ["holiday"], closed = true },
  { days = ["workday"], start = "09:00", end = "18:00" },
]
"#,
    );
    let a = |t: &str| format!(r#"{{"at": "{t}", "timezones": ["Asia/Shanghai"]}}"#);
    // Thursday holiday: closed; Saturday make-up day: open; ordinary Sunday: closed.
    assert!(!run(&p, vec![], &a("2026-10-01T10:00:00+08:00")).allow);
    assert!(run(&p, vec![], &a("2026-10-10T10:00:00+08:00")).allow);
    let sunday = run(&p, vec![], &a("2026-10-11T10:00:00+08:00"));
    assert!(!sunday.allow);
    assert_eq!(retry(&sunday), "2026-10-12T01:00:00Z", "Monday 09:00");
    // Outside the calendar's years: deny, naming the year.
    let d = run(&p, vec![], &a("2027-01-05T10:00:00+08:00"));
    assert!(!d.allow);
    assert!(
        d.denials[0].message.contains("2027"),
        "{}",
        d.denials[0].message
    );
}

const SEVEN_IN_SEVEN: &str = r#"
[[rules]]
id = "cap"
title = "7 in 7"
cite = "t"
status = "convention"
kind = "cap"
limit = 7
scope = "recipient_debt"
dates = 7
count = { channels = ["call", "voicemail_drop"], results = ["no_answer", "voicemail", "conversation", "delivered", "failed"] }
exclude_prior_consent = true
"#;

#[test]
fn cap_over_consecutive_dates_n_and_n_plus_one() {
    let p = policy(SEVEN_IN_SEVEN);
    let days: Vec<Event> = (2..=8)
        .map(|d| attempt(&format!("2026-04-0{d}T10:00:00-04:00"), "call", "no_answer"))
        .collect();
    // Six in the window: the seventh is allowed.
    let d = run(
        &p,
        days[..6].to_vec(),
        r#"{"at": "2026-04-08T09:00:00-04:00"}"#,
    );
    assert!(d.allow);
    // Seven in the window: the eighth is denied until Apr 2 leaves it.
    let d = run(&p, days.clone(), r#"{"at": "2026-04-08T18:00:00-04:00"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-04-09T04:00:00Z");
    assert!(
        d.denials[0].message.contains("7 counted attempts"),
        "{}",
        d.denials[0].message
    );
    assert!(run(&p, days.clone(), r#"{"at": "2026-04-09T00:00:00-04:00"}"#).allow);
    // Not-connected calls and texts never count.
    let mut other = days[..6].to_vec();
    other.push(attempt(
        "2026-04-08T11:00:00-04:00",
        "call",
        "not_connected",
    ));
    other.push(attempt("2026-04-08T11:30:00-04:00", "sms", "delivered"));
    assert!(run(&p, other, r#"{"at": "2026-04-08T18:00:00-04:00"}"#).allow);
}

#[test]
fn prior_consent_window_excludes_calls_until_a_later_conversation() {
    let p = policy(SEVEN_IN_SEVEN);
    let mut h: Vec<Event> = (1..=3)
        .flat_map(|d| {
            vec![
                attempt(&format!("2026-06-0{d}T10:00:00-04:00"), "call", "no_answer"),
                attempt(&format!("2026-06-0{d}T15:00:00-04:00"), "call", "no_answer"),
            ]
        })
        .collect();
    h.push(attempt("2026-06-04T08:00:00-04:00", "call", "no_answer"));
    h.push(event(serde_json::json!({"type": "prior_consent_to_contact", "at": "2026-06-04T09:15:00-04:00", "to": "c1", "debt": "d1"})));
    assert!(run(&p, h.clone(), r#"{"at": "2026-06-05T10:00:00-04:00"}"#).allow);
    // A later conversation ends the window: the 7 earlier calls count again.
    h.push(attempt("2026-06-04T12:00:00-04:00", "call", "conversation"));
    assert!(!run(&p, h, r#"{"at": "2026-06-05T10:00:00-04:00"}"#).allow);
}

#[test]
fn rolling_cap_boundary_is_exclusive_at_exactly_d() {
    let p = policy(
        r#"
[[rules]]
id = "r"
title = "2 per hour"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
rolling = "1h"
"#,
    );
    let h = vec![
        attempt("2026-05-05T10:00:00Z", "sms", "delivered"),
        attempt("2026-05-05T10:30:00Z", "sms", "delivered"),
    ];
    let d = run(&p, h.clone(), r#"{"at": "2026-05-05T10:59:59Z"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-05-05T11:00:00Z");
    assert!(run(&p, h, r#"{"at": "2026-05-05T11:00:00Z"}"#).allow);
}

#[test]
fn calendar_day_week_month_reset_at_local_midnight() {
    let mk = |period: &str| {
        policy(&format!(
            r#"
[[rules]]
id = "c"
title = "1 per {period}"
cite = "t"
status = "convention"
kind = "cap"
limit = 1
scope = "recipient"
period = "{period}"
"#
        ))
    };
    let h = vec![attempt("2026-09-09T23:30:00-04:00", "call", "conversation")]; // a Wednesday
    let day = mk("day");
    let d = run(&day, h.clone(), r#"{"at": "2026-09-09T23:45:00-04:00"}"#);
    assert_eq!(retry(&d), "2026-09-10T04:00:00Z");
    assert!(run(&day, h.clone(), r#"{"at": "2026-09-10T00:00:00-04:00"}"#).allow);
    let week = mk("week");
    let d = run(&week, h.clone(), r#"{"at": "2026-09-13T12:00:00-04:00"}"#);
    assert!(!d.allow, "Sunday is in the same Monday-Sunday week");
    assert_eq!(retry(&d), "2026-09-14T04:00:00Z");
    let month = mk("month");
    let d = run(&month, h, r#"{"at": "2026-09-30T12:00:00-04:00"}"#);
    assert_eq!(retry(&d), "2026-10-01T04:00:00Z");
}

#[test]
fn a_cooldown_names_the_same_trigger_whatever_the_order_of_same_instant_events() {
    // Two triggers at one instant: the denial's wording must not depend on
    // which was given first (found by the event-order property).
    for pause in ["rolling = \"24h\"", "dates = 2"] {
        let p = policy(&format!(
            r#"
[[rules]]
id = "cool"
title = "pause after a failed attempt"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "debt"
{pause}
after = {{ channels = ["call", "sms"], results = ["not_connected"] }}
"#
        ));
        let sms = attempt("2026-03-30T23:39:00-06:00", "sms", "not_connected");
        let call = attempt("2026-03-30T23:39:00-06:00", "call", "not_connected");
        let a = ask(r#"{"at": "2026-03-31T10:00:00-06:00", "timezones": ["America/Denver"]}"#);
        let first = decide(
            &p,
            &a,
            &History::from_events(vec![sms.clone(), call.clone()]),
        );
        let second = decide(&p, &a, &History::from_events(vec![call, sms]));
        assert!(!first.allow, "{pause}");
        assert_eq!(first, second, "{pause}");
        assert!(
            first.denials[0]
                .message
                .starts_with("a not_connected call attempt"),
            "{pause}: {}",
            first.denials[0].message
        );
    }
}

#[test]
fn cooldown_after_conversation_counts_the_trigger_date_as_day_one() {
    let p = policy(
        r#"
[[rules]]
id = "cool"
title = "after conversation"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "recipient_debt"
dates = 7
after = { channels = ["call"], results = ["conversation"] }
"#,
    );
    let h = vec![attempt("2026-08-14T10:00:00-04:00", "call", "conversation")];
    let d = run(&p, h.clone(), r#"{"at": "2026-08-20T20:30:00-04:00"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-08-21T04:00:00Z");
    assert!(run(&p, h, r#"{"at": "2026-08-21T08:00:00-04:00"}"#).allow);
}

#[test]
fn opt_out_cease_attorney_hold() {
    let p = policy(
        r#"
[[rules]]
id = "o"
title = "opt-out"
cite = "t"
status = "law"
kind = "opt_out"

[[rules]]
id = "c"
title = "cease"
cite = "t"
status = "law"
kind = "cease"
unless = { purposes = ["notice"] }

[[rules]]
id = "h"
title = "hold"
cite = "t"
status = "law"
kind = "hold"
reasons = ["dispute"]
when = { purposes = ["collection"] }
"#,
    );
    let opt = event(
        serde_json::json!({"type": "opt_out", "at": "2026-10-05T10:00:00-04:00", "to": "c1", "channel": "call"}),
    );
    let d = run(
        &p,
        vec![opt.clone()],
        r#"{"at": "2026-10-14T11:00:00-04:00"}"#,
    );
    assert!(!d.allow);
    assert_eq!(d.retry_at, None);
    assert!(
        run(
            &p,
            vec![opt],
            r#"{"at": "2026-10-14T11:00:00-04:00", "channel": "email"}"#
        )
        .allow
    );

    let cease = event(
        serde_json::json!({"type": "cease", "at": "2026-10-05T10:00:00-04:00", "to": "c1", "debt": "d1"}),
    );
    assert!(
        !run(
            &p,
            vec![cease.clone()],
            r#"{"at": "2026-10-14T11:00:00-04:00"}"#
        )
        .allow
    );
    assert!(
        run(
            &p,
            vec![cease.clone()],
            r#"{"at": "2026-10-14T11:00:00-04:00", "purpose": "notice"}"#
        )
        .allow
    );
    // An ask without a purpose does not meet the `notice` exception.
    let no_purpose: Ask = {
        let mut a = ask(r#"{"at": "2026-10-14T11:00:00-04:00"}"#);
        a.purpose = None;
        a
    };
    assert!(!decide(&p, &no_purpose, &History::from_events(vec![cease])).allow);

    let hold = event(
        serde_json::json!({"type": "hold", "at": "2026-10-02T12:00:00-04:00", "debt": "d1", "reason": "dispute", "until": "2026-10-20T00:00:00-04:00"}),
    );
    let d = run(
        &p,
        vec![hold.clone()],
        r#"{"at": "2026-10-14T11:00:00-04:00"}"#,
    );
    assert_eq!(retry(&d), "2026-10-20T04:00:00Z");
    assert!(run(&p, vec![hold], r#"{"at": "2026-10-20T00:00:00-04:00"}"#).allow);
}

#[test]
fn events_after_the_ask_are_ignored() {
    let p = policy(SEVEN_IN_SEVEN);
    let h: Vec<Event> = (2..=8)
        .map(|d| attempt(&format!("2026-04-0{d}T10:00:00-04:00"), "call", "no_answer"))
        .collect();
    assert!(run(&p, h, r#"{"at": "2026-04-08T09:00:00-04:00"}"#).allow);
}

#[test]
fn absent_fields_are_stricter() {
    let p = policy(
        r#"
[[rules]]
id = "tcpa"
title = "consent for autodialed mobile"
cite = "t"
status = "law"
kind = "deny"
when = { channels = ["call", "sms"], autodialed = true, places = ["mobile"] }
unless = { consent = "tcpa" }

[[rules]]
id = "night"
title = "night unless 15 dpd"
cite = "t"
status = "law"
kind = "window"
windows = [{ days = ["any"], start = "06:00", end = "22:00" }]
unless = { days_past_due = { gt = 15 } }
"#,
    );
    let mut a = ask(r#"{"at": "2026-10-14T11:00:00-04:00"}"#);
    a.autodialed = None;
    let d = decide(&p, &a, &History::new());
    assert!(!d.allow, "absent autodialed counts as autodialed");
    let consent = event(
        serde_json::json!({"type": "consent", "at": "2026-01-01T00:00:00Z", "to": "c1", "channel": "call", "granted": true}),
    );
    assert!(decide(&p, &a, &History::from_events(vec![consent])).allow);

    let mut night = ask(r#"{"at": "2026-10-14T05:00:00-04:00"}"#);
    night.days_past_due = None;
    assert!(
        !decide(&p, &night, &History::new()).allow,
        "absent dpd meets no exception"
    );
    night.days_past_due = Some(16);
    assert!(decide(&p, &night, &History::new()).allow);
    night.days_past_due = Some(15);
    assert!(!decide(&p, &night, &History::new()).allow);
}

/// An inconvenient-time rule for every place.
const INCONVENIENT: &str = r#"
[[rules]]
id = "i"
title = "designated times"
cite = "t"
status = "law"
kind = "inconvenient"
"#;

#[test]
fn inconvenient_statements() {
    let p = policy(INCONVENIENT);
    let noon = event(
        serde_json::json!({"type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1", "end": "12:00"}),
    );
    let d = run(
        &p,
        vec![noon.clone()],
        r#"{"at": "2026-10-14T11:00:00-04:00"}"#,
    );
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-10-14T16:00:00Z");
    assert!(run(&p, vec![noon], r#"{"at": "2026-10-14T12:00:00-04:00"}"#).allow);
    let sundays = event(
        serde_json::json!({"type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1", "weekdays": ["sun"]}),
    );
    let d = run(&p, vec![sundays], r#"{"at": "2026-10-18T11:00:00-04:00"}"#);
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-10-19T04:00:00Z");
}

/// A statement naming more weekdays than a denial's record keeps inline (21)
/// is written at once, in the same words as one that fits.
#[test]
fn inconvenient_message_with_many_weekdays() {
    let p = policy(INCONVENIENT);
    for n in [1, 21, 22, 30] {
        let e = event(serde_json::json!({
            "type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1",
            "weekdays": vec!["sun"; n],
        }));
        let d = run(&p, vec![e], r#"{"at": "2026-10-18T11:00:00-04:00"}"#);
        assert!(!d.allow, "{n} weekdays");
        let days = vec!["Sunday"; n].join("/");
        assert_eq!(
            d.denials[0].message.as_str(),
            format!("c1 said on 2026-10-01 10:00:00 -04:00 that {days} is inconvenient"),
            "{n} weekdays"
        );
    }
}

#[test]
fn debtor_out_of_contact_condition() {
    let p = policy(
        r#"
[[rules]]
id = "contacts"
title = "contacts only when the debtor is lost"
cite = "t"
status = "self-reg"
kind = "deny"
when = { roles = ["third_parties"] }
unless = { purposes = ["location"], debtor_unreachable = true }
"#,
    );
    let failed = |d: u32| attempt(&format!("2026-02-{d:02}T10:00:00+08:00"), "call", "failed");
    let a = r#"{"at": "2026-03-02T10:00:00+08:00", "to": "t1", "role": "emergency_contact", "purpose": "location", "timezones": ["Asia/Shanghai"]}"#;
    // Two failures: not yet out of contact.
    assert!(!run(&p, vec![failed(26), failed(27)], a).allow);
    // Three failures within 7 dates: out of contact.
    assert!(run(&p, vec![failed(25), failed(26), failed(27)], a).allow);
    // A conversation in the window: reachable.
    let mut h = vec![failed(25), failed(26), failed(27)];
    h.push(attempt("2026-02-28T10:00:00+08:00", "call", "conversation"));
    assert!(!run(&p, h, a).allow);
}

#[test]
fn inconvenient_wire_aliases() {
    let p = policy(INCONVENIENT);
    // `from`/`until` as local times, `days` as one name: Wednesdays before noon.
    let e = event(
        serde_json::json!({"type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1", "from": "00:00", "until": "12:00", "days": "wed"}),
    );
    let d = run(
        &p,
        vec![e.clone()],
        r#"{"at": "2026-10-14T11:00:00-04:00"}"#,
    );
    assert!(!d.allow);
    assert_eq!(retry(&d), "2026-10-14T16:00:00Z");
    // Thursday is not covered.
    assert!(run(&p, vec![e], r#"{"at": "2026-10-15T11:00:00-04:00"}"#).allow);
    // `until` as an instant ends the statement.
    let e = event(
        serde_json::json!({"type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1", "until": "2026-10-10T00:00:00-04:00"}),
    );
    assert!(
        !run(
            &p,
            vec![e.clone()],
            r#"{"at": "2026-10-09T11:00:00-04:00"}"#
        )
        .allow
    );
    assert!(run(&p, vec![e], r#"{"at": "2026-10-10T11:00:00-04:00"}"#).allow);
    // Anything else in `until` is a clear error.
    let bad: Result<Event, _> = serde_json::from_value(
        serde_json::json!({"type": "inconvenient", "at": "2026-10-01T10:00:00-04:00", "to": "c1", "until": "soon"}),
    );
    assert!(bad.unwrap_err().to_string().contains("invalid `until`"));
}

#[test]
fn zoneless_day_caps_deny_only_when_some_zone_could_reach_the_limit() {
    let p = policy(SEVEN_IN_SEVEN);
    let calls = |day0: u32| -> Vec<Event> {
        (0..7)
            .map(|i| {
                attempt(
                    &format!("2026-04-{:02}T10:00:00-04:00", day0 + i),
                    "call",
                    "no_answer",
                )
            })
            .collect()
    };
    let zoneless = |at: &str| {
        let mut a = ask(&format!(r#"{{"at": "{at}"}}"#));
        a.timezones.clear();
        a
    };
    // Seven calls that ended weeks ago: no zone could place them in the
    // 7 dates ending on the ask's date.
    let old = decide(
        &p,
        &zoneless("2026-04-30T12:00:00Z"),
        &History::from_events(calls(1)),
    );
    assert!(old.allow, "{old:?}");
    // Seven recent calls: the cap could be reached, and without a zone the
    // engine cannot tell, so it denies under contactguard.zone.
    let recent = decide(
        &p,
        &zoneless("2026-04-08T20:00:00Z"),
        &History::from_events(calls(2)),
    );
    assert!(!recent.allow);
    assert_eq!(recent.denials[0].id, "contactguard.zone");
}

#[test]
fn zoneless_caps_read_back_exactly_the_look_back_the_ledger_keeps() {
    // 7 dates plus one day for zone offsets: how far back the cap reads
    // without a zone, and how long a ledger keeps attempts for it.
    let p = policy(SEVEN_IN_SEVEN);
    assert_eq!(p.lookback_seconds(), Some(8 * 86_400));
    let mut zoneless = ask(r#"{"at": "2026-04-20T12:00:00Z"}"#);
    zoneless.timezones.clear();
    // Seven calls, one a minute, the last `before` minutes before the ask.
    let calls = |before: i64| -> Vec<Event> {
        let end = zoneless.at - jiff::SignedDuration::from_mins(before);
        (0..7)
            .map(|i| {
                let at = end - jiff::SignedDuration::from_mins(i);
                attempt(&at.to_string(), "call", "no_answer")
            })
            .collect()
    };
    let over_ledger = |events: &[Event]| {
        let ledger = Ledger::new(p.clone());
        for e in events {
            ledger.record(e).unwrap();
        }
        ledger.check(&zoneless)
    };
    // Just past the look-back: no zone could count them; allowed, as by a
    // ledger that has let them go. (The engine read two days back here
    // before, denied `contactguard.zone` where the ledger allowed.)
    let past = calls(8 * 1_440 + 1);
    let d = decide(&p, &zoneless, &History::from_events(past.clone()));
    assert!(d.allow, "{d:?}");
    assert_eq!(over_ledger(&past), d);
    // Just inside it: the cap might be reached in some zone, so without
    // a zone it fails closed, over the history and over the ledger alike.
    let inside = calls(8 * 1_440 - 8);
    let d = decide(&p, &zoneless, &History::from_events(inside.clone()));
    assert!(!d.allow);
    assert_eq!(d.denials[0].id, "contactguard.zone");
    assert_eq!(over_ledger(&inside), d);
}

#[test]
fn a_deny_rule_names_the_ask_and_every_exception_it_did_not_meet() {
    let p = policy(
        r#"
[[rules]]
id = "third"
title = "third parties"
cite = "t"
status = "law"
kind = "deny"
when = { roles = ["spouse"] }
unless = { purposes = ["location", "notice"], places = ["home", "work"], consent = "third", requested_contact = true, debtor_unreachable = true, days_past_due = { gt = 90 } }
"#,
    );
    let base = r#""role": "spouse", "to": "s1", "debt": "d9", "at": "2026-10-14T11:00:00-04:00""#;
    let d = run(&p, vec![], &format!(r#"{{{base}, "days_past_due": 30}}"#));
    assert_eq!(d.denials.len(), 1);
    assert_eq!(
        d.denials[0].message,
        "third parties: call to s1 (spouse, for collection, at mobile): \
         only location/notice is allowed; only at home/work; \
         no granted `third` consent for call on record; \
         s1 has not asked to be contacted again; \
         the debtor on d9 is not out of contact; \
         days past due (30) meets no exception"
    );
    // No purpose, no place, no days past due: said as such.
    let d = run(
        &p,
        vec![],
        &format!(r#"{{{base}, "purpose": null, "place": null, "days_past_due": null}}"#),
    );
    assert_eq!(
        d.denials[0].message,
        "third parties: call to s1 (spouse, no purpose given): \
         only location/notice is allowed; only at home/work; \
         no granted `third` consent for call on record; \
         s1 has not asked to be contacted again; \
         the debtor on d9 is not out of contact; \
         days past due (not given) meets no exception"
    );
    // A rule without exceptions says only what the ask is.
    let plain = policy(
        r#"
[[rules]]
id = "no-work"
title = "no calls at work"
cite = "t"
status = "law"
kind = "deny"
when = { places = ["work"] }
"#,
    );
    let d = run(
        &plain,
        vec![],
        r#"{"place": "work", "purpose": "notice", "at": "2026-10-14T11:00:00-04:00"}"#,
    );
    assert_eq!(
        d.denials[0].message,
        "no calls at work: call to c1 (debtor, for notice, at work)"
    );
}
