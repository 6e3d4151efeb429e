//! Fail closed, everywhere: whatever the engine cannot evaluate is a
//! denial with a reason or a clear error — never an allow by accident,
//! never a panic (DESIGN.md, "Reliability and safety").
//!
//! Each section is one kind of bad input, through `decide`, `explain` and
//! the ledger: unknown and malformed zones; times far in the past and
//! future (asks, events, a hold's `until`); asks with missing, unknown or
//! contradictory fields; events about other debts and people; policies
//! naming unknown presets or calendars, or outliving their calendars;
//! histories out of order and duplicated. `SECURITY.md` lists what each
//! binding does with the same inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::model::{
    Attempt, AttemptResult, Cease, Channel, Hold, HoldReason, Place, PriorConsentToContact,
    RequestContact, Unreachable,
};
use contactguard::{
    decide, explain, Ask, Decision, Event, History, Ledger, LedgerError, Policy, Ticket,
};
use jiff::{SignedDuration, Timestamp};

const ZONE_RULE: &str = "contactguard.zone";
const LEDGER_RULE: &str = "contactguard.ledger";

/// Policies every case runs under: realistic compositions, a window-only
/// policy, and one with no rule that needs local time.
fn policies() -> Vec<Policy> {
    let mut v: Vec<Policy> = ["cn+conduct", "us-reg-f+us-tcpa+us-ma", "uk", "in-rbi", "ie"]
        .iter()
        .map(|n| Policy::preset(n).unwrap())
        .collect();
    v.push(window_policy());
    v.push(cap_policy());
    v
}

fn window_policy() -> Policy {
    Policy::from_toml(
        r#"
format = "contactguard-policy/1"
name = "window"
[[rules]]
id = "w"
title = "08:00 to 21:00"
cite = "t"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]
"#,
    )
    .unwrap()
}

/// Caps only: nothing needs local time except the per-day cap.
fn cap_policy() -> Policy {
    Policy::from_toml(
        r#"
format = "contactguard-policy/1"
name = "caps"
[[rules]]
id = "rolling"
title = "two a day, rolling"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
rolling = "24h"

[[rules]]
id = "cool"
title = "a pause after an unanswered call"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "recipient"
rolling = "5m"
after = { channels = ["call"], results = ["no_answer"] }
"#,
    )
    .unwrap()
}

fn ask_json(json: &str) -> Ask {
    serde_json::from_str(json).unwrap()
}

/// A call to a debtor, Tuesday 10:00 in Shanghai (permitted everywhere
/// the presets allow calls in the morning), with the given zones.
fn ask_with_zones(zones: &[&str]) -> Ask {
    let mut a = ask_json(
        r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1",
            "role": "debtor", "debt": "d1", "purpose": "collection"}"#,
    );
    a.timezones = zones.iter().map(|z| (*z).to_owned()).collect();
    a
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The invariants of every decision.
fn sane(ask: &Ask, d: &Decision) {
    assert_eq!(d.allow, d.denials.is_empty(), "{d:?}");
    for x in &d.denials {
        assert!(!x.id.is_empty() && !x.message.is_empty(), "{d:?}");
    }
    if let Some(r) = d.retry_at {
        assert!(r > ask.at, "retry_at before the ask: {d:?}");
    }
}

/// Decides through every entry point (decide, explain, a ledger's check and
/// check_and_record) and returns decide's decision; they must agree.
fn everywhere(policy: &Policy, ask: &Ask, history: &History) -> Decision {
    let d = decide(policy, ask, history);
    sane(ask, &d);
    assert_eq!(explain(policy, ask, history).decision, d);
    let ledger = Ledger::new(policy.clone());
    let mut all_recorded = true;
    for e in history.events() {
        all_recorded &= ledger.record(e).is_ok();
    }
    let checked = ledger.check(ask);
    sane(ask, &checked);
    if all_recorded {
        assert_eq!(checked.allow, d.allow, "ledger check and decide disagree");
    }
    let admission = ledger.check_and_record(ask);
    sane(ask, &admission.decision);
    if admission.decision.allow {
        assert!(
            d.allow || !all_recorded,
            "the ledger admitted what decide denies"
        );
    }
    d
}

fn denied_by(d: &Decision, id: &str) -> bool {
    !d.allow && d.denials.iter().any(|x| x.id == id)
}

// ---------------------------------------------------------------------------
// Zones

const BAD_ZONES: &[&str] = &[
    "",
    " ",
    "Mars/Base",
    "UTC+8",
    "GMT+08:00",
    "+08:00",
    "asia/shanghai ",
    "Asia/Shanghai\0",
    "../../../etc/passwd",
    "/usr/share/zoneinfo/Asia/Shanghai",
    "Asia/Shanghai/Extra",
    "\u{202e}iahgnahS/aisA",
];

#[test]
fn unknown_and_malformed_zones_are_denied_with_the_zone_named() {
    let long = "Asia/".repeat(20_000);
    let mut zones: Vec<&str> = BAD_ZONES.to_vec();
    zones.push(&long);
    for policy in policies() {
        for bad in &zones {
            for candidates in [vec![*bad], vec!["Asia/Shanghai", *bad], vec![*bad, "UTC"]] {
                let ask = ask_with_zones(&candidates);
                let d = everywhere(&policy, &ask, &History::new());
                assert!(
                    denied_by(&d, ZONE_RULE),
                    "{bad:?} under {}: {d:?}",
                    policy.name()
                );
                assert_eq!(d.denials.len(), 1, "the zone denial stands alone: {d:?}");
                assert!(d.retry_at.is_none(), "no time helps an unknown zone: {d:?}");
                let msg = &d.denials[0].message;
                assert!(msg.contains("unknown time zone"), "{msg}");
            }
        }
    }
}

#[test]
fn an_unknown_zone_is_denied_even_by_a_policy_with_no_rules() {
    let empty = Policy::from_toml("format = \"contactguard-policy/1\"").unwrap();
    let d = everywhere(&empty, &ask_with_zones(&["Mars/Base"]), &History::new());
    assert!(denied_by(&d, ZONE_RULE), "{d:?}");
    // With a known zone the same empty policy allows: nothing denies.
    assert!(everywhere(&empty, &ask_with_zones(&["Asia/Shanghai"]), &History::new()).allow);
}

#[test]
fn no_zone_is_denied_by_every_rule_that_needs_local_time() {
    let ask = ask_with_zones(&[]);
    for policy in [window_policy(), Policy::preset("cn").unwrap()] {
        let d = everywhere(&policy, &ask, &History::new());
        assert!(denied_by(&d, ZONE_RULE), "{d:?}");
        assert!(d.denials[0].message.contains("no `timezones`"), "{d:?}");
        assert!(d.retry_at.is_none());
    }
    // A rolling cap needs no local time: with no zone it still decides.
    assert!(everywhere(&cap_policy(), &ask, &History::new()).allow);
    // A per-day cap does, once it has something to count.
    let per_day = Policy::preset("conduct").unwrap();
    let text = ask_json(
        r#"{"at": "2026-03-03T10:00:00Z", "channel": "sms", "to": "c1",
            "role": "debtor", "debt": "d1"}"#,
    );
    let sent: History = (0..3)
        .map(|i| {
            attempt(
                &text,
                at("2026-03-03T08:00:00Z") + SignedDuration::from_mins(i),
                AttemptResult::Delivered,
            )
        })
        .collect();
    let d = everywhere(&per_day, &text, &sent);
    assert!(denied_by(&d, ZONE_RULE), "{d:?}");
}

#[test]
fn zone_names_are_matched_without_case_but_never_trimmed_or_guessed() {
    // jiff looks IANA names up without regard to case (as the tz database
    // on case-insensitive file systems does): `asia/shanghai` is the same
    // zone, decided the same. Anything else that is not a name is unknown.
    let cn = Policy::preset("cn").unwrap();
    let want = decide(&cn, &ask_with_zones(&["Asia/Shanghai"]), &History::new());
    assert!(want.allow, "{want:?}");
    for same in ["asia/shanghai", "ASIA/SHANGHAI"] {
        let d = everywhere(&cn, &ask_with_zones(&[same]), &History::new());
        assert_eq!(d, want, "{same:?}");
    }
    for near in [
        "Asia/Shanghai ",
        " Asia/Shanghai",
        "Asia/Shanghai\n",
        "Asia/Shang hai",
    ] {
        let d = everywhere(&cn, &ask_with_zones(&[near]), &History::new());
        assert!(denied_by(&d, ZONE_RULE), "{near:?}: {d:?}");
    }
}

// ---------------------------------------------------------------------------
// Times far in the past and the future

fn attempt(like: &Ask, when: Timestamp, result: AttemptResult) -> Event {
    Event::Attempt(Attempt {
        at: when,
        channel: like.channel,
        to: like.to.clone(),
        role: like.role,
        debt: like.debt.clone(),
        result,
        place: None,
    })
}

/// Instants at and near the ends of what `jiff` represents, and the years
/// that RFC 3339 text can reach.
fn extreme_times() -> Vec<Timestamp> {
    vec![
        Timestamp::MIN,
        Timestamp::MIN + SignedDuration::from_secs(1),
        at("-009999-01-03T00:00:00Z"),
        at("0000-01-01T00:00:00Z"),
        at("1677-09-21T00:12:43Z"),
        at("1677-09-21T00:12:44Z"),
        at("1970-01-01T00:00:00Z"),
        at("2262-04-11T23:47:16Z"),
        at("2262-04-11T23:47:17Z"),
        at("9999-12-30T21:59:59Z"),
        Timestamp::MAX - SignedDuration::from_secs(1),
        Timestamp::MAX,
    ]
}

#[test]
fn asks_at_extreme_times_decide_without_panicking() {
    for policy in policies() {
        for t in extreme_times() {
            let mut ask = ask_with_zones(&["Asia/Shanghai", "America/New_York"]);
            ask.at = t;
            let history: History = [
                attempt(&ask, t, AttemptResult::NoAnswer),
                attempt(&ask, Timestamp::MIN, AttemptResult::Conversation),
            ]
            .into_iter()
            .collect();
            everywhere(&policy, &ask, &History::new());
            everywhere(&policy, &ask, &history);
        }
    }
}

#[test]
fn the_ledger_refuses_times_it_cannot_store() {
    let policy = cap_policy();
    let ledger = Ledger::new(policy.clone());
    for t in extreme_times() {
        let mut ask = ask_with_zones(&["UTC"]);
        ask.at = t;
        let storable = t >= at("1677-09-21T00:12:44Z") && t <= at("2262-04-11T23:47:16Z");
        let admission = ledger.check_and_record(&ask);
        if storable {
            assert!(admission.decision.allow, "{t}: {:?}", admission.decision);
            ledger
                .complete(&admission.ticket.unwrap(), AttemptResult::Failed)
                .unwrap();
        } else {
            assert!(denied_by(&admission.decision, LEDGER_RULE), "{t}");
            assert!(admission.ticket.is_none());
            assert!(admission.decision.denials[0]
                .message
                .contains("outside the range"));
            let e = ledger
                .record(&attempt(&ask, t, AttemptResult::NoAnswer))
                .unwrap_err();
            assert!(matches!(e, LedgerError::TimeOutOfRange(_)), "{e}");
            assert_eq!(e.code(), "ledger.time_out_of_range");
        }
    }
}

#[test]
fn a_hold_until_the_end_of_time_holds_and_one_that_ended_does_not() {
    let policy = Policy::preset("conduct").unwrap();
    let ask = ask_with_zones(&["Asia/Shanghai"]);
    let hold = |until: Option<Timestamp>, start: Timestamp| {
        Event::Hold(Hold {
            at: start,
            debt: "d1".to_owned(),
            reason: HoldReason::RepaymentPlan,
            until,
        })
    };
    for until in [Some(Timestamp::MAX), Some(at("9999-12-30T00:00:00Z")), None] {
        for start in [Timestamp::MIN, at("2026-03-01T00:00:00Z")] {
            let h: History = [hold(until, start)].into_iter().collect();
            let d = everywhere(&policy, &ask, &h);
            assert!(denied_by(&d, "conduct.7"), "until {until:?}: {d:?}");
            // Nothing within the search horizon lifts it.
            assert!(d.retry_at.is_none(), "{d:?}");
        }
    }
    // Ended long ago, or before it began: not active.
    for until in [Timestamp::MIN, at("2026-03-01T00:00:00Z")] {
        let h: History = [hold(Some(until), at("2026-03-01T00:00:00Z"))]
            .into_iter()
            .collect();
        let d = everywhere(&policy, &ask, &h);
        assert!(!denied_by(&d, "conduct.7"), "until {until}: {d:?}");
    }
    // A hold that starts after the ask is not yet known to it.
    let h: History = [hold(None, Timestamp::MAX)].into_iter().collect();
    assert!(!denied_by(&everywhere(&policy, &ask, &h), "conduct.7"));
}

#[test]
fn a_cool_down_that_would_end_past_the_end_of_time_denies() {
    let policy = cap_policy();
    let mut ask = ask_with_zones(&["UTC"]);
    ask.at = Timestamp::MAX;
    let h: History = [attempt(
        &ask,
        Timestamp::MAX - SignedDuration::from_secs(10),
        AttemptResult::NoAnswer,
    )]
    .into_iter()
    .collect();
    let d = everywhere(&policy, &ask, &h);
    assert!(denied_by(&d, "cool"), "{d:?}");
    assert!(d.retry_at.is_none(), "{d:?}");
}

#[test]
fn a_window_at_the_edges_of_time_is_denied_not_wrapped() {
    // 21:30 local on the last representable day (jiff ends at
    // 9999-12-30T22:00:00Z): outside 08:00-21:00, and there is no next
    // morning to retry at.
    let policy = window_policy();
    let mut ask = ask_with_zones(&["UTC"]);
    ask.at = at("9999-12-30T21:30:00Z");
    let d = everywhere(&policy, &ask, &History::new());
    assert!(denied_by(&d, "w"), "{d:?}");
    assert!(d.retry_at.is_none(), "{d:?}");
}

// ---------------------------------------------------------------------------
// Asks with missing, unknown or contradictory fields

#[test]
fn an_ask_missing_a_required_field_is_an_error_naming_it() {
    let full = serde_json::json!({
        "at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "timezones": ["Asia/Shanghai"]
    });
    for field in ["at", "channel", "to", "role", "debt"] {
        let mut v = full.clone();
        v.as_object_mut().unwrap().remove(field);
        let e = serde_json::from_value::<Ask>(v).unwrap_err().to_string();
        assert!(e.contains(&format!("missing field `{field}`")), "{e}");
    }
}

#[test]
fn malformed_values_are_errors_naming_what_is_wrong() {
    let cases = [
        (r#""channel": "fax""#, "unknown variant `fax`"),
        (r#""role": "DEBTOR""#, "unknown variant `DEBTOR`"),
        (r#""at": "2026-03-03 10:00""#, ""),
        (r#""at": "2026-03-03T10:00:00""#, ""),
        (r#""at": "+10000-01-01T00:00:00Z""#, ""),
        (r#""at": "9999-12-31T23:59:59Z""#, "required range"),
        (r#""at": "-009999-01-01T00:00:00Z""#, "required range"),
        (r#""at": 1772503200"#, ""),
        (r#""purpose": "collect""#, "unknown variant `collect`"),
        (r#""days_past_due": 1.5"#, ""),
        (r#""days_past_due": 99999999999999999999"#, ""),
        (r#""timezones": [1]"#, ""),
        (r#""to": null"#, ""),
    ];
    for (field, want) in cases {
        let key = field.split(':').next().unwrap();
        let base = r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1", "role": "debtor", "debt": "d1", "purpose": "notice", "days_past_due": 3, "timezones": ["Asia/Shanghai"]}"#;
        // Replace the field's value.
        let mut v: serde_json::Value = serde_json::from_str(base).unwrap();
        let patch: serde_json::Value = serde_json::from_str(&format!("{{{field}}}")).unwrap();
        let k = key.trim().trim_matches('"');
        v[k] = patch[k].clone();
        let e = serde_json::from_value::<Ask>(v);
        let e = e.expect_err(field).to_string();
        assert!(e.contains(want), "{field}: {e}");
    }
    // A duplicated field is an error, not "the last one wins".
    let dup = r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "role": "third_party"}"#;
    let e = serde_json::from_str::<Ask>(dup).unwrap_err().to_string();
    assert!(e.contains("duplicate field `role`"), "{e}");
}

#[test]
fn a_misspelled_optional_field_reads_as_absent_which_is_the_stricter_value() {
    // Unknown fields of an ask are ignored; the optional field they were
    // meant to be is then absent, and every rule assumes the stricter
    // value. So a typo can deny what the intended field would allow, never
    // the reverse.
    for policy in policies() {
        let meant = ask_json(
            r#"{"at": "2026-03-03T15:00:00Z", "channel": "call", "to": "t1",
                "role": "third_party", "debt": "d1", "timezones": ["Europe/London"],
                "purpose": "location", "autodialed": false, "place": "mobile",
                "days_past_due": 3}"#,
        );
        let typo = ask_json(
            r#"{"at": "2026-03-03T15:00:00Z", "channel": "call", "to": "t1",
                "role": "third_party", "debt": "d1", "timezones": ["Europe/London"],
                "purpse": "location", "autodialled": false, "plaec": "mobile",
                "days_past_do": 3}"#,
        );
        assert_eq!(typo.purpose, None);
        let d_meant = decide(&policy, &meant, &History::new());
        let d_typo = everywhere(&policy, &typo, &History::new());
        if d_typo.allow {
            assert!(d_meant.allow, "{}: the typo allowed more", policy.name());
        }
    }
}

#[test]
fn contradictory_asks_are_decided_by_the_stricter_rule() {
    // A collection call to a third party, a notice to an address-book
    // contact, an autodialed letter, negative days past due: each is
    // decided, and no preset treats the contradiction as permission.
    let cases = [
        // cn.4: no collection contact with non-obligors.
        (
            "cn",
            r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "t1", "role": "third_party", "debt": "d1", "timezones": ["Asia/Shanghai"], "purpose": "collection"}"#,
            Some("cn.4"),
        ),
        // A "notice" to a third party does not escape the third-party
        // rules of cn (cn.5a: only to ask where the debtor is, and only once
        // they are out of contact).
        (
            "cn",
            r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "t1", "role": "third_party", "debt": "d1", "timezones": ["Asia/Shanghai"], "purpose": "notice"}"#,
            Some("cn.5a"),
        ),
        (
            "cn",
            r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "sms", "to": "t1", "role": "employer", "debt": "d1", "timezones": ["Asia/Shanghai"], "purpose": "notice", "place": "work"}"#,
            Some("cn.5a"),
        ),
        // No purpose given: the stricter reading is collection.
        (
            "cn",
            r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "t1", "role": "reference", "debt": "d1", "timezones": ["Asia/Shanghai"]}"#,
            Some("cn.4"),
        ),
        (
            "us-reg-f",
            r#"{"at": "2026-03-03T10:00:00-05:00", "channel": "letter", "to": "c1", "role": "debtor", "debt": "d1", "timezones": ["America/New_York"], "autodialed": true, "days_past_due": -5, "purpose": "collection"}"#,
            None,
        ),
    ];
    for (preset, json, rule) in cases {
        let policy = Policy::preset(preset).unwrap();
        let ask = ask_json(json);
        let d = everywhere(&policy, &ask, &History::new());
        if let Some(rule) = rule {
            assert!(denied_by(&d, rule), "{preset} {json}: {d:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Events about other debts and other people lift nothing

fn cease(to: &str, debt: &str, when: &str) -> Event {
    Event::Cease(Cease {
        at: at(when),
        to: to.to_owned(),
        debt: debt.to_owned(),
    })
}

#[test]
fn events_for_unknown_debts_never_lift_a_restriction() {
    let ask = ask_with_zones(&["America/New_York"]);
    let ask = Ask {
        at: at("2026-03-03T15:00:00Z"),
        ..ask
    };
    // Reg F: seven calls in seven days about a debt, then the person asked
    // to be called about *another* debt: the cap still holds for d1.
    let policy = Policy::preset("us-reg-f").unwrap();
    let mut events: Vec<Event> = (0..7)
        .map(|i| {
            attempt(
                &ask,
                at("2026-02-25T15:00:00Z") + SignedDuration::from_hours(24 * i),
                AttemptResult::NoAnswer,
            )
        })
        .collect();
    let capped = everywhere(&policy, &ask, &events.iter().cloned().collect());
    assert!(!capped.allow, "{capped:?}");
    events.push(Event::PriorConsentToContact(PriorConsentToContact {
        at: at("2026-03-03T14:00:00Z"),
        to: "c1".to_owned(),
        debt: "unknown-debt".to_owned(),
        until: None,
        granted: true,
    }));
    let d = everywhere(&policy, &ask, &events.iter().cloned().collect());
    assert_eq!(
        d.allow, capped.allow,
        "consent about another debt lifted the cap"
    );

    // cn: a third party may be asked where the debtor is once the debtor
    // is out of contact; an `unreachable` mark on another debt does not
    // open that door, and neither does a request to be contacted about
    // another debt.
    let cn = Policy::preset("cn").unwrap();
    let third = ask_json(
        r#"{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "t1",
            "role": "third_party", "debt": "d1", "timezones": ["Asia/Shanghai"],
            "purpose": "location"}"#,
    );
    let elsewhere: History = [
        Event::Unreachable(Unreachable {
            at: at("2026-03-02T10:00:00+08:00"),
            to: "c1".to_owned(),
            debt: "unknown-debt".to_owned(),
        }),
        Event::RequestContact(RequestContact {
            at: at("2026-03-02T10:00:00+08:00"),
            to: "t1".to_owned(),
            debt: Some("unknown-debt".to_owned()),
        }),
    ]
    .into_iter()
    .collect();
    let d = everywhere(&cn, &third, &elsewhere);
    assert!(denied_by(&d, "cn.5a"), "{d:?}");

    // A cease about another debt still stops contact where the rule's
    // scope is the person (conduct.6, for non-obligors).
    let conduct = Policy::preset("conduct").unwrap();
    let h: History = [cease("t1", "unknown-debt", "2026-03-01T00:00:00Z")]
        .into_iter()
        .collect();
    let d = everywhere(&conduct, &third, &h);
    assert!(denied_by(&d, "conduct.6"), "{d:?}");
    // And a hold on an unknown debt neither denies nor errors.
    let h: History = [Event::Hold(Hold {
        at: at("2026-03-01T00:00:00Z"),
        debt: "unknown-debt".to_owned(),
        reason: HoldReason::Dispute,
        until: None,
    })]
    .into_iter()
    .collect();
    let d = everywhere(&conduct, &ask_with_zones(&["Asia/Shanghai"]), &h);
    assert!(!denied_by(&d, "conduct.7"), "{d:?}");
}

#[test]
fn a_ticket_from_another_ledger_is_refused() {
    let a = Ledger::new(cap_policy());
    let b = Ledger::new(cap_policy());
    let ask = ask_with_zones(&["UTC"]);
    let ticket: Ticket = a.check_and_record(&ask).ticket.unwrap();
    let e = b
        .complete(&ticket, AttemptResult::Conversation)
        .unwrap_err();
    assert_eq!(e.code(), "ledger.unknown_ticket");
    a.complete(&ticket, AttemptResult::Conversation).unwrap();
    // Completing twice is refused too.
    let e = a.complete(&ticket, AttemptResult::NoAnswer).unwrap_err();
    assert_eq!(e.code(), "ledger.unknown_ticket");
}

// ---------------------------------------------------------------------------
// Policies that name unknown presets or calendars

#[test]
fn unknown_presets_are_errors_naming_them() {
    for names in [
        "nosuch",
        "cn+nosuch",
        "",
        "+",
        "cn+",
        "CN",
        "cn conduct",
        "../cn",
    ] {
        let e = Policy::preset(names).unwrap_err();
        assert_eq!(e.code, "policy.unknown_preset", "{names:?}: {e}");
    }
    let e = Policy::from_toml("format = \"contactguard-policy/1\"\nextends = [\"cn\", \"mars\"]\n")
        .unwrap_err();
    assert_eq!(e.code, "policy.unknown_preset", "{e}");
    assert_eq!(e.field.as_deref(), Some("extends"), "{e:?}");
    assert!(e.message.contains("mars"), "{e}");
    let e = Policy::from_json(r#"{"format": "contactguard-policy/1", "extends": ["mars"]}"#)
        .unwrap_err();
    assert_eq!(e.code, "policy.unknown_preset", "{e}");
}

#[test]
fn unknown_calendars_are_errors_naming_the_rule() {
    let e = Policy::from_toml(
        r#"
format = "contactguard-policy/1"
[[rules]]
id = "w"
title = "t"
cite = "t"
status = "convention"
kind = "window"
calendar = "atlantis"
windows = [{ days = ["workday"], start = "08:00", end = "21:00" }]
"#,
    )
    .unwrap_err();
    assert!(e.message.contains("atlantis"), "{e}");
    assert!(
        e.field.as_deref().is_some_and(|f| f.contains("calendar")),
        "{e:?}"
    );
    assert!(e.line.is_some(), "{e:?}");
}

#[test]
fn a_date_outside_the_calendar_data_is_denied_not_guessed() {
    // The cn calendar covers 2026 only. A workday window over it must deny
    // in years it cannot classify, and name the calendar.
    let policy = Policy::from_toml(
        r#"
format = "contactguard-policy/1"
extends = ["cn"]
[[rules]]
id = "workdays"
title = "workdays only"
cite = "t"
status = "convention"
kind = "window"
calendar = "cn"
windows = [{ days = ["workday"], start = "09:00", end = "18:00" }]
"#,
    )
    .unwrap();
    for year in ["2025", "2027", "9999"] {
        let mut ask = ask_with_zones(&["Asia/Shanghai"]);
        ask.at = at(&format!("{year}-03-03T10:00:00+08:00"));
        let d = everywhere(&policy, &ask, &History::new());
        assert!(denied_by(&d, "workdays"), "{year}: {d:?}");
        let msg = &d
            .denials
            .iter()
            .find(|x| x.id == "workdays")
            .unwrap()
            .message;
        assert!(msg.contains("no data for"), "{msg}");
    }
    // 2025 is before the data: the retry moves to the first covered year.
    let mut ask = ask_with_zones(&["Asia/Shanghai"]);
    ask.at = at("2025-12-31T10:00:00+08:00");
    let d = decide(&policy, &ask, &History::new());
    if let Some(r) = d.retry_at {
        assert!(r >= at("2026-01-01T00:00:00+08:00"), "{d:?}");
    }
}

// ---------------------------------------------------------------------------
// Histories out of order and duplicated

fn sample_history(ask: &Ask) -> Vec<Event> {
    let mut v: Vec<Event> = (0..6)
        .map(|i| {
            attempt(
                ask,
                ask.at - SignedDuration::from_mins(37 * (i + 1)),
                if i % 2 == 0 {
                    AttemptResult::NoAnswer
                } else {
                    AttemptResult::Conversation
                },
            )
        })
        .collect();
    v.push(Event::OptOut(contactguard::model::OptOut {
        at: ask.at - SignedDuration::from_hours(30),
        to: "c2".to_owned(),
        channel: Channel::Sms,
        place: Some(Place::Mobile),
    }));
    v
}

#[test]
fn event_order_does_not_matter() {
    let ask = ask_with_zones(&["Asia/Shanghai"]);
    let sorted = sample_history(&ask);
    for policy in policies() {
        let want = decide(&policy, &ask, &sorted.iter().cloned().collect());
        let mut reversed = sorted.clone();
        reversed.reverse();
        let mut rotated = sorted.clone();
        rotated.rotate_left(3);
        for order in [reversed, rotated] {
            let d = everywhere(&policy, &ask, &order.iter().cloned().collect());
            assert_eq!(d, want, "{}: order changed the decision", policy.name());
            // Pushed one by one, out of order, too.
            let mut h = History::new();
            for e in &order {
                h.push(e.clone());
            }
            assert_eq!(decide(&policy, &ask, &h), want);
        }
    }
}

#[test]
fn duplicated_events_never_make_a_decision_more_permissive() {
    let ask = ask_with_zones(&["Asia/Shanghai"]);
    for policy in policies() {
        let once = sample_history(&ask);
        let mut twice = once.clone();
        twice.extend(once.iter().cloned());
        let d_once = decide(&policy, &ask, &once.iter().cloned().collect());
        let d_twice = everywhere(&policy, &ask, &twice.iter().cloned().collect());
        if d_twice.allow {
            assert!(d_once.allow, "{}: duplicates allowed more", policy.name());
        }
        // A duplicated attempt counts twice (the log cannot tell a retry
        // from a second call): with a cap of two, one attempt recorded
        // twice fills it.
        let one = attempt(
            &ask,
            ask.at - SignedDuration::from_mins(1),
            AttemptResult::Failed,
        );
        let h: History = [one.clone(), one].into_iter().collect();
        let d = decide(&cap_policy(), &ask, &h);
        assert!(denied_by(&d, "rolling"), "{d:?}");
    }
}

#[test]
fn the_ledger_takes_events_out_of_order_but_admits_in_time_order() {
    let policy = Policy::preset("cn+conduct").unwrap();
    let ask = ask_with_zones(&["Asia/Shanghai"]);
    let events = sample_history(&ask);
    let ledger = Ledger::new(policy.clone());
    for e in events.iter().rev() {
        ledger.record(e).unwrap();
    }
    let want = decide(&policy, &ask, &events.iter().cloned().collect());
    assert_eq!(ledger.check(&ask), want);
    // An ask more than a minute behind an attempt already admitted for the
    // same person is refused: admitting it would let a slow clock slip past
    // a cap another worker just filled.
    let later = Ask {
        at: ask.at + SignedDuration::from_hours(24),
        ..ask.clone()
    };
    let first = ledger.check_and_record(&later);
    assert!(first.decision.allow, "{:?}", first.decision);
    let behind = ledger.check_and_record(&ask);
    assert!(
        denied_by(&behind.decision, LEDGER_RULE),
        "{:?}",
        behind.decision
    );
    assert!(behind.ticket.is_none());
}
