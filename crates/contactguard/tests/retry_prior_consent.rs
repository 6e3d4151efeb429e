//! `retry_at` with caps that exclude prior-consent windows: the search may
//! skip such a cap only when no prior-consent window is live; a window that
//! closes after the ask must still be able to make the cap deny later.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use contactguard::{decide, Ask, Event, History, Policy};

fn policy(exclude: bool) -> Policy {
    Policy::from_toml(&format!(
        r#"
format = "contactguard-policy/1"
name = "retry-consent"
title = "retry_at and prior consent"

[[rules]]
id = "hours"
title = "08:00-21:00 local"
cite = "test"
status = "law"
kind = "window"
windows = [{{ days = ["any"], start = "08:00", end = "21:00" }}]

[[rules]]
id = "calls"
title = "Two calls per 7 local dates"
cite = "test"
status = "law"
kind = "cap"
limit = 2
scope = "recipient_debt"
dates = 7
count = {{ channels = ["call"] }}
exclude_prior_consent = {exclude}
"#
    ))
    .expect("policy")
}

fn events(v: serde_json::Value) -> History {
    History::from_events(serde_json::from_value::<Vec<Event>>(v).expect("events"))
}

fn call(at: &str) -> serde_json::Value {
    serde_json::json!({"type": "attempt", "at": at, "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "result": "no_answer"})
}

// 22:00 on Thursday 2026-10-15 in New York: outside the window, which
// next opens at 08:00 on the 16th (12:00Z).
fn ask() -> Ask {
    serde_json::from_value(serde_json::json!({
        "at": "2026-10-15T22:00:00-04:00", "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "timezones": ["America/New_York"]}))
    .expect("ask")
}

fn ids(d: &contactguard::Decision) -> Vec<&str> {
    d.denials.iter().map(|x| x.id.as_str()).collect()
}

#[test]
fn without_a_prior_consent_the_option_changes_nothing() {
    // One call: the cap passes now and can only keep passing.
    let h = events(serde_json::json!([call("2026-10-14T10:00:00-04:00")]));
    for exclude in [true, false] {
        let d = decide(&policy(exclude), &ask(), &h);
        assert_eq!(ids(&d), ["hours"], "exclude={exclude}");
        assert_eq!(
            d.retry_at.map(|t| t.to_string()).as_deref(),
            Some("2026-10-16T12:00:00Z"),
            "exclude={exclude}"
        );
    }
}

#[test]
fn a_closing_prior_consent_window_still_counts_later() {
    // Two calls on the 14th reach the limit; a prior consent given at
    // 21:30 on the 15th, until 23:00, covers the ask, so the cap passes
    // now. At 08:00 on the 16th the window has closed and both calls count
    // again, until they leave the 7 local dates at midnight starting the
    // 21st; the window then opens at 08:00 (12:00Z).
    let h = events(serde_json::json!([
        call("2026-10-14T10:00:00-04:00"),
        call("2026-10-14T11:00:00-04:00"),
        {"type": "prior_consent_to_contact", "at": "2026-10-15T21:30:00-04:00",
         "to": "c1", "debt": "d1", "until": "2026-10-15T23:00:00-04:00"}
    ]));
    let p = policy(true);
    let d = decide(&p, &ask(), &h);
    assert_eq!(ids(&d), ["hours"]);
    let retry = d.retry_at.expect("retry_at");
    assert_eq!(retry.to_string(), "2026-10-21T12:00:00Z");

    let at = |t: &str| {
        let mut a = ask();
        a.at = t.parse().expect("instant");
        decide(&p, &a, &h)
    };
    // What the search skipped over: the cap denies at the window's first
    // opening after the consent closed…
    assert_eq!(ids(&at("2026-10-16T12:00:00Z")), ["calls"]);
    // …and at retry_at everything passes.
    assert!(at("2026-10-21T12:00:00Z").allow);

    // Without the option the cap denies at the ask already, with the same
    // retry_at.
    let d = decide(&policy(false), &ask(), &h);
    assert_eq!(ids(&d), ["hours", "calls"]);
    assert_eq!(d.retry_at, Some(retry));
}
