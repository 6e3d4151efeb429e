//! Shared fixtures for the benchmarks: policies and realistic histories.
#![allow(dead_code)]

use contactguard::model::{
    Attempt, AttemptResult, Channel, Consent, Hold, HoldReason, Inconvenient, Place, Role,
};
use contactguard::{decide, Ask, Event, History, Policy, Purpose};
use jiff::{SignedDuration, Timestamp};

/// A small policy used when the presets cannot be loaded: a window, two
/// caps, a cool-down and an opt-out rule.
pub const FALLBACK: &str = r#"
format = "contactguard-policy/1"
[[rules]]
id = "hours"
title = "08:00-21:00"
cite = "bench"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]
[[rules]]
id = "seven"
title = "seven calls in seven days"
cite = "bench"
status = "convention"
kind = "cap"
limit = 7
scope = "recipient_debt"
dates = 7
count = { channels = ["call"] }
when = { channels = ["call"] }
[[rules]]
id = "daily"
title = "three conversations a day"
cite = "bench"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { results = ["conversation"] }
[[rules]]
id = "pause"
title = "a week after a conversation"
cite = "bench"
status = "convention"
kind = "cooldown"
scope = "recipient_debt"
dates = 7
after = { channels = ["call"], results = ["conversation"] }
when = { channels = ["call"] }
[[rules]]
id = "opt-out"
title = "opt-out"
cite = "bench"
status = "convention"
kind = "opt_out"
"#;

/// The named presets, or the fallback policy (and says so on stderr).
pub fn policy(names: &str) -> (Policy, String) {
    match Policy::preset(names) {
        Ok(p) => (p, names.to_owned()),
        Err(e) => {
            eprintln!("preset `{names}` unavailable ({e}); using the inline fallback policy");
            (
                Policy::from_toml(FALLBACK).expect("fallback policy compiles"),
                "fallback".to_owned(),
            )
        }
    }
}

/// A collection call to the debtor at `at` in `zone`.
pub fn call(at: Timestamp, zone: &str, to: &str, debt: &str) -> Ask {
    Ask {
        at,
        channel: Channel::Call,
        to: to.to_owned(),
        role: Role::Debtor,
        debt: debt.to_owned(),
        timezones: vec![zone.to_owned()],
        place: Some(Place::Mobile),
        autodialed: Some(false),
        purpose: Some(Purpose::Collection),
        days_past_due: Some(60),
    }
}

/// `n` events before `ask.at`, spread evenly over the 30 days before it,
/// as a collections system sees them: mostly attempts to the debtor about
/// the debt on mixed channels and results, some to other people about the
/// debt, some to the debtor about another debt, and a few state events
/// (a consent, an inconvenient-time statement, an expired promise to pay).
pub fn history(ask: &Ask, n: usize) -> Vec<Event> {
    const CHANNELS: [Channel; 7] = [
        Channel::Call,
        Channel::Sms,
        Channel::Call,
        Channel::Email,
        Channel::Call,
        Channel::VoicemailDrop,
        Channel::Letter,
    ];
    const RESULTS: [AttemptResult; 6] = [
        AttemptResult::NoAnswer,
        AttemptResult::Voicemail,
        AttemptResult::NotConnected,
        AttemptResult::Delivered,
        AttemptResult::Failed,
        AttemptResult::Conversation,
    ];
    let span = SignedDuration::from_hours(24 * 30);
    let step = span / i32::try_from(n.max(1)).unwrap_or(i32::MAX);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let at = ask.at - step * i32::try_from(i + 1).unwrap_or(i32::MAX);
        let channel = CHANNELS[i % CHANNELS.len()];
        let mut result = RESULTS[(i / 3) % RESULTS.len()];
        if channel != Channel::Call && channel != Channel::VoicemailDrop {
            result = AttemptResult::Delivered;
        }
        let (to, role, debt) = match i % 20 {
            5 | 15 => ("+1-555-0101-spouse", Role::Spouse, ask.debt.as_str()),
            11 => ("ref-7", Role::Reference, ask.debt.as_str()),
            17 => (ask.to.as_str(), Role::Debtor, "other-loan"),
            _ => (ask.to.as_str(), Role::Debtor, ask.debt.as_str()),
        };
        let e = match i % 25 {
            7 => Event::Consent(Consent {
                at,
                to: ask.to.clone(),
                channel: Channel::Sms,
                granted: true,
                kind: Some("tcpa".to_owned()),
            }),
            13 => Event::Inconvenient(Inconvenient {
                at,
                to: ask.to.clone(),
                start: None,
                end: None,
                weekdays: vec!["sun".to_owned()],
                place: None,
                channel: None,
                until: None,
            }),
            19 => Event::Hold(Hold {
                at,
                debt: ask.debt.clone(),
                reason: HoldReason::PromiseToPay,
                until: Some(at + SignedDuration::from_hours(48)),
            }),
            _ => Event::Attempt(Attempt {
                at,
                channel,
                to: to.to_owned(),
                role,
                debt: debt.to_owned(),
                result,
                place: Some(Place::Mobile),
            }),
        };
        out.push(e);
    }
    out.reverse();
    out
}

/// `n` events before `ask.at` that `policy` would have allowed: candidates
/// from [`history`]'s mix, spread over the 30 days before the ask (four per
/// event wanted, then more passes if needed), kept when `decide` allows
/// them given what was kept before. A realistic, compliant history.
pub fn compliant_history(policy: &Policy, ask: &Ask, n: usize) -> Vec<Event> {
    let mut kept = History::new();
    let mut count = 0;
    for pass in 1..=8 {
        let candidates = history(ask, 4 * n * pass);
        for e in candidates {
            if count == n {
                break;
            }
            let allowed = match &e {
                Event::Attempt(a) => {
                    let mut c = ask.clone();
                    c.at = a.at;
                    c.channel = a.channel;
                    c.to = a.to.clone();
                    c.role = a.role;
                    c.debt = a.debt.clone();
                    c.purpose = Some(if a.role.is_obligor() {
                        Purpose::Collection
                    } else {
                        Purpose::Location
                    });
                    decide(policy, &c, &kept).allow
                }
                _ => true,
            };
            if allowed {
                kept.push(e);
                count += 1;
            }
        }
        if count == n {
            break;
        }
    }
    kept.events().to_vec()
}
