//! The ledger against `decide`: random histories, contention, pending
//! attempts, pruning, keyed hashing and snapshots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::model::{
    Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Hold, HoldReason,
    Inconvenient, OptOut, Place, PriorConsentToContact, Purpose, RequestContact, Role, Unreachable,
};
use contactguard::{decide, Ask, Decision, Event, History, Ledger, LedgerError, Policy};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

// ---------------------------------------------------------------------------
// Policies

/// A library of rules, one per family that reads history (and a window),
/// from which the property tests draw policies.
const RULES: &[&str] = &[
    r#"
id = "window"
title = "hours"
cite = "t"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]
"#,
    r#"
id = "calls-day"
title = "three conversations a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { channels = ["call"], results = ["conversation"] }
when = { channels = ["call"] }
"#,
    r#"
id = "calls-7"
title = "seven in seven"
cite = "t"
status = "convention"
kind = "cap"
limit = 4
scope = "recipient_debt"
dates = 7
count = { channels = ["call", "voicemail_drop"], results = ["no_answer", "voicemail", "conversation", "delivered", "failed"] }
exclude_prior_consent = true
when = { channels = ["call", "voicemail_drop"] }
"#,
    r#"
id = "debt-24h"
title = "five about a debt a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 5
scope = "debt"
rolling = "24h"
"#,
    r#"
id = "third-once"
title = "a third party once"
cite = "t"
status = "convention"
kind = "cap"
limit = 1
scope = "recipient"
lifetime = true
count = { results = ["conversation", "delivered"], roles = ["third_parties"] }
when = { roles = ["third_parties"] }
unless = { requested_contact = true }
"#,
    r#"
id = "after-conversation"
title = "a week after a conversation"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "recipient_debt"
dates = 7
after = { channels = ["call"], results = ["conversation"] }
exclude_prior_consent = true
when = { channels = ["call"] }
"#,
    r#"
id = "five-minutes"
title = "five minutes after no answer"
cite = "t"
status = "convention"
kind = "cooldown"
scope = "recipient"
rolling = "5m"
after = { results = ["no_answer"] }
"#,
    r#"
id = "opt-out"
title = "opt-out"
cite = "t"
status = "convention"
kind = "opt_out"
"#,
    r#"
id = "cease"
title = "cease"
cite = "t"
status = "convention"
kind = "cease"
"#,
    r#"
id = "cease-any"
title = "a non-obligor's cease covers every debt"
cite = "t"
status = "convention"
kind = "cease"
scope = "recipient"
when = { roles = ["non_obligors"] }
"#,
    r#"
id = "attorney"
title = "attorney"
cite = "t"
status = "convention"
kind = "attorney"
"#,
    r#"
id = "attorney-debt"
title = "attorney on the debt, for third parties"
cite = "t"
status = "convention"
kind = "attorney"
scope = "debt"
when = { roles = ["third_parties"] }
"#,
    r#"
id = "hold"
title = "hold"
cite = "t"
status = "convention"
kind = "hold"
reasons = ["dispute", "repayment_plan", "deceased"]
when = { purposes = ["collection"] }
"#,
    r#"
id = "inconvenient"
title = "inconvenient"
cite = "t"
status = "convention"
kind = "inconvenient"
"#,
    r#"
id = "inconvenient-work"
title = "inconvenient at work"
cite = "t"
status = "convention"
kind = "inconvenient"
places = ["work"]
"#,
    r#"
id = "contacts-unreachable"
title = "contacts only while the debtor is out of contact"
cite = "t"
status = "convention"
kind = "deny"
when = { roles = ["third_parties", "spouse"] }
unless = { purposes = ["location"], debtor_unreachable = true }
"#,
    r#"
id = "sms-consent"
title = "texts need consent"
cite = "t"
status = "convention"
kind = "deny"
when = { channels = ["sms"] }
unless = { consent = "tcpa" }
"#,
    r#"
id = "sms-week"
title = "six texts a week"
cite = "t"
status = "convention"
kind = "cap"
limit = 6
scope = "recipient"
period = "week"
count = { same_channel = true }
when = { channels = ["sms", "email"] }
"#,
    r#"
id = "debt-month"
title = "twenty about a debt a month"
cite = "t"
status = "convention"
kind = "cap"
limit = 20
scope = "debt"
period = "month"
"#,
    r#"
id = "email-lifetime"
title = "two emails per debt, ever"
cite = "t"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient_debt"
lifetime = true
count = { channels = ["email"], same_channel = true }
when = { channels = ["email"] }
"#,
    r#"
id = "debt-lifetime"
title = "twelve visits about a debt, ever"
cite = "t"
status = "convention"
kind = "cap"
limit = 12
scope = "debt"
lifetime = true
count = { channels = ["visit", "call"], results = ["conversation"] }
when = { channels = ["visit"] }
"#,
];

fn policy_of(rules: &[usize]) -> Policy {
    let mut text = String::from("format = \"contactguard-policy/1\"\n");
    for &i in rules {
        text.push_str("[[rules]]");
        text.push_str(RULES[i]);
    }
    Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn policy(rules: &str) -> Policy {
    let text = format!("format = \"contactguard-policy/1\"\n{rules}");
    Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------
// Random histories

const TOS: &[&str] = &["+15550000001", "ann", "bob@example.com"];
const DEBTS: &[&str] = &["ACCT-1", "ACCT-2"];
/// Mostly one zone; sometimes two; rarely none (which any local-time rule
/// denies).
const ZONES: &[&[&str]] = &[
    &["America/New_York"],
    &["America/New_York"],
    &["America/New_York"],
    &["Asia/Shanghai"],
    &["Asia/Shanghai"],
    &["America/New_York", "Europe/London"],
    &["America/New_York", "Europe/London"],
    &[],
];

fn base() -> Timestamp {
    "2026-03-05T00:00:00Z".parse().unwrap()
}

/// An instant `slot` steps of 37 minutes after the base, sometimes half a
/// microsecond later (to check that nanoseconds are kept).
fn time(slot: u32, jitter: bool) -> Timestamp {
    base()
        + SignedDuration::from_mins(37 * i64::from(slot))
        + SignedDuration::from_nanos(if jitter { 500 } else { 0 })
}

fn pick<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    (0..all.len()).prop_map(move |i| all[i].clone())
}

fn roles() -> impl Strategy<Value = Role> {
    pick(&[
        Role::Debtor,
        Role::Debtor,
        Role::CoDebtor,
        Role::Spouse,
        Role::ThirdParty,
        Role::Reference,
        Role::Attorney,
    ])
}

fn opt_place() -> impl Strategy<Value = Option<Place>> {
    prop_oneof![Just(None), pick(Place::ALL).prop_map(Some)]
}

fn at(slots: std::ops::Range<u32>) -> impl Strategy<Value = Timestamp> {
    (slots, any::<bool>()).prop_map(|(s, j)| time(s, j))
}

fn to() -> impl Strategy<Value = String> {
    pick(TOS).prop_map(String::from)
}

fn debt() -> impl Strategy<Value = String> {
    pick(DEBTS).prop_map(String::from)
}

fn event(slots: std::ops::Range<u32>) -> impl Strategy<Value = Event> {
    let attempt = (
        at(slots.clone()),
        pick(Channel::ALL),
        to(),
        roles(),
        debt(),
        pick(AttemptResult::ALL),
        opt_place(),
    )
        .prop_map(|(at, channel, to, role, debt, result, place)| {
            Event::Attempt(Attempt {
                at,
                channel,
                to,
                role,
                debt,
                result,
                place,
            })
        });
    let state = prop_oneof![
        (
            at(slots.clone()),
            to(),
            pick(Channel::ALL),
            any::<bool>(),
            prop_oneof![
                Just(None),
                Just(Some("tcpa".to_owned())),
                Just(Some("other".to_owned()))
            ]
        )
            .prop_map(|(at, to, channel, granted, kind)| Event::Consent(Consent {
                at,
                to,
                channel,
                granted,
                kind
            })),
        (at(slots.clone()), to(), pick(Channel::ALL), opt_place()).prop_map(
            |(at, to, channel, place)| Event::OptOut(OptOut {
                at,
                to,
                channel,
                place
            })
        ),
        (at(slots.clone()), to(), debt()).prop_map(|(at, to, debt)| Event::Cease(Cease {
            at,
            to,
            debt
        })),
        (at(slots.clone()), to(), debt())
            .prop_map(|(at, to, debt)| Event::Attorney(AttorneyNotice { at, to, debt })),
        (
            at(slots.clone()),
            debt(),
            pick(HoldReason::ALL),
            prop_oneof![Just(None), at(slots.start..slots.end + 40).prop_map(Some)]
        )
            .prop_map(|(at, debt, reason, until)| Event::Hold(Hold {
                at,
                debt,
                reason,
                until
            })),
        (
            at(slots.clone()),
            to(),
            debt(),
            prop_oneof![Just(None), at(slots.clone()).prop_map(Some)],
            any::<bool>()
        )
            .prop_map(|(at, to, debt, until, granted)| {
                Event::PriorConsentToContact(PriorConsentToContact {
                    at,
                    to,
                    debt,
                    until,
                    granted,
                })
            }),
        (
            at(slots.clone()),
            to(),
            prop_oneof![Just(None), debt().prop_map(Some)]
        )
            .prop_map(|(at, to, debt)| Event::RequestContact(RequestContact {
                at,
                to,
                debt
            })),
        (
            at(slots.clone()),
            to(),
            prop_oneof![
                Just((None, None)),
                Just((Some("12:00".to_owned()), Some("14:00".to_owned()))),
                Just((Some("20:00".to_owned()), Some("09:00".to_owned())))
            ],
            any::<bool>(),
            prop_oneof![Just(None), Just(Some(Place::Work))],
            prop_oneof![Just(None), Just(Some(Channel::Call))]
        )
            .prop_map(|(at, to, (start, end), sundays, place, channel)| {
                Event::Inconvenient(Inconvenient {
                    at,
                    to,
                    start,
                    end,
                    weekdays: if sundays {
                        vec!["sun".to_owned()]
                    } else {
                        Vec::new()
                    },
                    place,
                    channel,
                    until: None,
                })
            }),
        (at(slots.clone()), to(), debt())
            .prop_map(|(at, to, debt)| Event::Unreachable(Unreachable { at, to, debt })),
    ];
    prop_oneof![4 => attempt, 1 => state]
}

fn ask(slots: std::ops::Range<u32>) -> impl Strategy<Value = Ask> {
    (
        slots,
        0..37i64,
        pick(Channel::ALL),
        pick(TOS),
        roles(),
        pick(DEBTS),
        pick(ZONES),
        opt_place(),
        prop_oneof![Just(None), pick(Purpose::ALL).prop_map(Some)],
    )
        .prop_map(
            |(slot, min, channel, to, role, debt, zones, place, purpose)| Ask {
                at: time(slot, false) + SignedDuration::from_mins(min),
                channel,
                to: to.to_owned(),
                role,
                debt: debt.to_owned(),
                timezones: zones.iter().map(|z| (*z).to_owned()).collect(),
                place,
                autodialed: None,
                purpose,
                days_past_due: None,
            },
        )
}

fn rule_set() -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..RULES.len()).collect::<Vec<_>>(), 1..=RULES.len())
}

fn ledger_of(policy: &Policy, events: &[Event]) -> Ledger {
    let ledger = Ledger::with_key(policy.clone(), b"test secret");
    for e in events {
        ledger.record(e).unwrap();
    }
    ledger
}

/// What pruning may change: nothing but the count in a lifetime cap's
/// message.
fn essence(d: &Decision) -> (bool, Vec<String>, Option<Timestamp>, Vec<String>) {
    (
        d.allow,
        d.denials.iter().map(|x| x.id.to_string()).collect(),
        d.retry_at,
        d.obligations.iter().map(|o| o.to_string()).collect(),
    )
}

fn agree(rules: &[usize], events: &[Event], asks: &[Ask]) -> Result<(), TestCaseError> {
    let policy = policy_of(rules);
    let ledger = ledger_of(&policy, events);
    let history = History::from_events(events.to_vec());
    for a in asks {
        prop_assert_eq!(ledger.check(a), decide(&policy, a, &history), "ask {:?}", a);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Within the look-back (all events within 7.7 days, so nothing is
    /// pruned) the ledger decides exactly as `decide` over a History of the
    /// same events, whatever the order they were recorded in.
    #[test]
    fn check_agrees_with_decide(
        rules in rule_set(),
        events in proptest::collection::vec(event(0..300), 0..40),
        asks in proptest::collection::vec(ask(0..320), 1..6),
    ) {
        agree(&rules, &events, &asks)?;
    }

    /// The same with dense histories: up to 80 events within 37 hours, so
    /// that caps, cool-downs and objections deny often.
    #[test]
    fn check_agrees_with_decide_on_dense_histories(
        rules in rule_set(),
        events in proptest::collection::vec(event(0..60), 0..80),
        asks in proptest::collection::vec(ask(0..64), 1..6),
    ) {
        agree(&rules, &events, &asks)?;
    }

    /// The same with long histories: 150 to 300 events within 37 hours, so
    /// that recipients' and debts' lists are long enough for the ledger
    /// to index them by channel and class (and the engine to cut and count
    /// from that index), recorded in any order.
    #[test]
    fn check_agrees_with_decide_on_long_histories(
        rules in rule_set(),
        events in proptest::collection::vec(event(0..60), 150..300),
        asks in proptest::collection::vec(ask(0..64), 1..6),
    ) {
        agree(&rules, &events, &asks)?;
    }

    /// Events recorded in time order over 30 days, with opportunistic
    /// pruning and then `prune(now)`: every ask at or after `now` gets the
    /// same decision as `decide` over the full history (the count in a
    /// lifetime cap's message aside).
    #[test]
    fn pruning_keeps_decisions_within_the_horizon(
        rules in rule_set(),
        old in proptest::collection::vec(event(0..1170), 0..120),
        recent in proptest::collection::vec(event(1100..1170), 0..60),
        asks in proptest::collection::vec(ask(0..120), 1..6),
    ) {
        let mut events = old;
        events.extend(recent);
        events.sort_by_key(Event::at);
        let policy = policy_of(&rules);
        let ledger = ledger_of(&policy, &events);
        let now = events.last().map_or(base(), Event::at);
        ledger.prune(now);
        let history = History::from_events(events.clone());
        for mut a in asks {
            // Asks from `now` on.
            a.at = now + (a.at.duration_since(base()));
            // Without a zone the engine fails closed on a day-based cap or
            // cool-down when enough attempts exist at any age, even older
            // than any local period can reach; pruning forgets those, so
            // zone-less asks are left out here.
            if a.timezones.is_empty() {
                continue;
            }
            let got = ledger.check(&a);
            let want = decide(&policy, &a, &history);
            prop_assert_eq!(essence(&got), essence(&want), "ask {:?}\n{:?}\n{:?}", a, got, want);
        }
    }

    /// A snapshot restores to a ledger that decides the same and writes the
    /// same bytes.
    #[test]
    fn snapshot_round_trips(
        rules in rule_set(),
        events in proptest::collection::vec(event(0..300), 0..40),
        admitted in proptest::collection::vec(ask(0..320), 0..8),
        asks in proptest::collection::vec(ask(0..320), 1..6),
    ) {
        let policy = policy_of(&rules);
        let ledger = ledger_of(&policy, &events);
        for a in &admitted {
            let _ = ledger.check_and_record(a);
        }
        let mut bytes = Vec::new();
        let n = ledger.snapshot(&mut bytes).unwrap();
        prop_assert_eq!(n, bytes.len() as u64);
        let restored = Ledger::with_key(policy.clone(), b"test secret");
        restored.restore(bytes.as_slice()).unwrap();
        let mut again = Vec::new();
        restored.snapshot(&mut again).unwrap();
        prop_assert_eq!(&bytes, &again);
        let counts = |l: &Ledger| {
            let s = l.stats();
            (s.recipients, s.debts, s.attempts, s.pending, s.state_events)
        };
        prop_assert_eq!(counts(&ledger), counts(&restored));
        for a in &asks {
            prop_assert_eq!(ledger.check(a), restored.check(a));
        }
    }
}

// ---------------------------------------------------------------------------
// Contention

fn call_ask(to: &str, debt: &str) -> Ask {
    Ask {
        at: "2026-03-02T10:00:00+08:00".parse().unwrap(),
        channel: Channel::Call,
        to: to.to_owned(),
        role: Role::Debtor,
        debt: debt.to_owned(),
        timezones: vec!["Asia/Shanghai".to_owned()],
        place: Some(Place::Mobile),
        autodialed: Some(false),
        purpose: Some(Purpose::Collection),
        days_past_due: Some(30),
    }
}

const CN_RULE_2_STYLE: &str = r#"
[[rules]]
id = "calls"
title = "At most three connected calls a day"
cite = "cn rule 2 style"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { channels = ["call"], results = ["conversation"] }
when = { channels = ["call"], roles = ["obligors"] }
"#;

/// Runs `threads` × `per_thread` check_and_record calls, all released at
/// once; `ask_for(thread, i)` gives each ask. Returns how many were
/// admitted.
fn race(
    ledger: &Ledger,
    threads: usize,
    per_thread: usize,
    ask_for: impl Fn(usize, usize) -> Ask + Sync,
) -> usize {
    let admitted = AtomicUsize::new(0);
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (admitted, barrier, ask_for) = (&admitted, &barrier, &ask_for);
            s.spawn(move || {
                let asks: Vec<Ask> = (0..per_thread).map(|i| ask_for(t, i)).collect();
                barrier.wait();
                for a in &asks {
                    if ledger.check_and_record(a).decision.allow {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    admitted.into_inner()
}

#[test]
fn exactly_n_admitted_for_one_recipient() {
    let ledger = Ledger::new(policy(CN_RULE_2_STYLE));
    let admitted = race(&ledger, 8, 50, |_, _| call_ask("+8613800000000", "loan-1"));
    assert_eq!(admitted, 3);
    assert_eq!(ledger.stats().attempts, 3);
    assert_eq!(ledger.stats().pending, 3);
}

#[test]
fn exactly_n_admitted_for_one_debt_across_recipients() {
    let p = policy(
        r#"
[[rules]]
id = "debt"
title = "five calls about a debt a day, whoever is called"
cite = "t"
status = "convention"
kind = "cap"
limit = 5
scope = "debt"
rolling = "24h"
count = { channels = ["call"] }
"#,
    );
    let ledger = Ledger::new(p);
    // 400 different recipients (spread over every shard, locked in both
    // orders relative to the debt's shard), one debt.
    let admitted = race(&ledger, 8, 50, |t, i| {
        call_ask(&format!("contact-{t}-{i}"), "loan-1")
    });
    assert_eq!(admitted, 5);
    assert_eq!(ledger.stats().attempts, 5);
}

#[test]
fn exactly_n_with_both_caps_and_many_keys() {
    // Per recipient 3 a day and per debt 5 a day; threads race over 6
    // recipients and 3 debts, touching shard pairs in every order.
    let p = policy(&format!(
        "{CN_RULE_2_STYLE}{}",
        r#"
[[rules]]
id = "debt"
title = "five calls about a debt a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 5
scope = "debt"
period = "day"
count = { channels = ["call"] }
"#
    ));
    let ledger = Ledger::new(p.clone());
    let recipients: Vec<String> = (0..6).map(|i| format!("r{i}")).collect();
    let debts = ["d0", "d1", "d2"];
    let admitted = race(&ledger, 4, 200, |t, i| {
        call_ask(&recipients[(t * 7 + i) % 6], debts[(t + i * 5) % 3])
    });
    // Each debt admits 5 (15 in all), within 6 recipients × 3 = 18.
    assert_eq!(admitted, 15);
    for r in &recipients {
        for d in debts {
            // Nothing more fits: every debt is full.
            assert!(!ledger.check(&call_ask(r, d)).allow);
        }
    }
}

#[test]
fn a_worker_behind_by_seconds_cannot_slip_past_a_filled_cap() {
    let p = policy(
        r#"
[[rules]]
id = "one"
title = "one call a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 1
scope = "recipient"
period = "day"
"#,
    );
    let ledger = Ledger::new(p);
    let first = call_ask("c1", "d1");
    let a = ledger.check_and_record(&first);
    assert!(a.decision.allow);
    assert_eq!(a.at, first.at);

    // 30 seconds behind: decided as of the recorded attempt, so denied.
    let mut behind = first.clone();
    behind.at = first.at - SignedDuration::from_secs(30);
    let b = ledger.check_and_record(&behind);
    assert!(!b.decision.allow);
    assert_eq!(b.at, first.at);
    assert_eq!(b.decision.denials[0].id, "one");

    // Two minutes behind: a clock is wrong; fail closed.
    behind.at = first.at - SignedDuration::from_mins(2);
    let c = ledger.check_and_record(&behind);
    assert!(!c.decision.allow);
    assert_eq!(
        c.decision.denials[0].id,
        contactguard::ledger::LEDGER_RULE_ID
    );
    assert_eq!(ledger.stats().attempts, 1);

    // Another recipient of the same debt, behind by 10 seconds: moved to the
    // debt's latest attempt and admitted there.
    let mut other = call_ask("c2", "d1");
    other.at = first.at - SignedDuration::from_secs(10);
    let d = ledger.check_and_record(&other);
    assert!(d.decision.allow);
    assert_eq!(d.at, first.at);
    assert_eq!(d.ticket.unwrap().at(), first.at);
}

// ---------------------------------------------------------------------------
// Pending attempts

#[test]
fn pending_counts_under_every_result_filter_until_completed() {
    let p = policy(
        r#"
[[rules]]
id = "one-conversation"
title = "one conversation a day"
cite = "t"
status = "convention"
kind = "cap"
limit = 1
scope = "recipient"
period = "day"
count = { results = ["conversation", "delivered"] }
"#,
    );
    let ledger = Ledger::with_key(p.clone(), b"k");
    let a = call_ask("c1", "d1");
    let first = ledger.check_and_record(&a);
    assert!(first.decision.allow);
    let ticket = first.ticket.unwrap();
    assert_eq!(ticket.at(), a.at);

    // While pending the call counts under a cap of conversations, as
    // `decide` counts a `pending` attempt.
    let later = Ask {
        at: a.at + SignedDuration::from_mins(10),
        ..a.clone()
    };
    let pending = History::from_events(vec![Event::attempt_from(&a, AttemptResult::Pending)]);
    assert!(!ledger.check(&later).allow);
    assert_eq!(ledger.check(&later), decide(&p, &later, &pending));
    assert!(ledger.check_and_record(&later).ticket.is_none());

    // Completed as unanswered, it no longer counts.
    ledger.complete(&ticket, AttemptResult::NoAnswer).unwrap();
    let done = History::from_events(vec![Event::attempt_from(&a, AttemptResult::NoAnswer)]);
    assert!(ledger.check(&later).allow);
    assert_eq!(ledger.check(&later), decide(&p, &later, &done));
    assert_eq!(ledger.stats().pending, 0);

    // A ticket completes once.
    let err = ledger
        .complete(&ticket, AttemptResult::Conversation)
        .unwrap_err();
    assert!(matches!(err, LedgerError::UnknownTicket));
    assert_eq!(err.code(), "ledger.unknown_ticket");
    // `pending` is not an outcome.
    let again = ledger.check_and_record(&later_of(&later));
    let t = again.ticket.unwrap();
    let err = ledger.complete(&t, AttemptResult::Pending).unwrap_err();
    assert_eq!(err.code(), "ledger.pending_outcome");
    assert_eq!(ledger.stats().pending, 1);
    ledger.complete(&t, AttemptResult::NoAnswer).unwrap();

    // A pending text counts too.
    let sms = Ask {
        channel: Channel::Sms,
        at: a.at + SignedDuration::from_mins(20),
        ..a.clone()
    };
    let ledger = Ledger::new(p);
    let t = ledger.check_and_record(&sms).ticket.unwrap();
    assert!(!ledger.check(&later_of(&sms)).allow);
    ledger.complete(&t, AttemptResult::Failed).unwrap();
    assert!(ledger.check(&later_of(&sms)).allow);
}

#[test]
fn a_ticket_completes_on_a_restored_ledger() {
    let p = policy(CN_RULE_2_STYLE);
    let ledger = Ledger::with_key(p.clone(), b"k");
    let a = call_ask("c1", "d1");
    let ticket = ledger.check_and_record(&a).ticket.unwrap();
    let restarted = Ledger::with_key(p, b"k");
    restarted.restore(snapshot_of(&ledger).as_slice()).unwrap();
    assert_eq!(restarted.stats().pending, 1);
    restarted
        .complete(&ticket, AttemptResult::NoAnswer)
        .unwrap();
    assert_eq!(restarted.stats().pending, 0);
}

fn later_of(a: &Ask) -> Ask {
    Ask {
        at: a.at + SignedDuration::from_mins(1),
        ..a.clone()
    }
}

#[test]
fn ask_outside_the_storable_range_is_denied() {
    let ledger = Ledger::new(policy(CN_RULE_2_STYLE));
    let mut a = call_ask("c1", "d1");
    a.at = "2300-01-01T00:00:00Z".parse().unwrap();
    let adm = ledger.check_and_record(&a);
    assert!(!adm.decision.allow);
    assert_eq!(
        adm.decision.denials[0].id,
        contactguard::ledger::LEDGER_RULE_ID
    );
    assert!(adm.ticket.is_none());
    let e = Event::attempt_from(&a, AttemptResult::NoAnswer);
    let err = ledger.record(&e).unwrap_err();
    assert_eq!(err.code(), "ledger.time_out_of_range");
    assert!(err
        .to_string()
        .starts_with("time `2300-01-01T00:00:00Z` is outside"));
}

// ---------------------------------------------------------------------------
// Keys

fn sensitive_events() -> Vec<Event> {
    let at: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let to = "+15551234567".to_owned();
    let debt = "ACCT-998877".to_owned();
    vec![
        Event::Attempt(Attempt {
            at,
            channel: Channel::Call,
            to: to.clone(),
            role: Role::Debtor,
            debt: debt.clone(),
            result: AttemptResult::NoAnswer,
            place: Some(Place::Mobile),
        }),
        Event::Cease(Cease {
            at,
            to: to.clone(),
            debt: debt.clone(),
        }),
        Event::Attorney(AttorneyNotice {
            at,
            to: to.clone(),
            debt: debt.clone(),
        }),
        Event::Inconvenient(Inconvenient {
            at,
            to: to.clone(),
            start: Some("12:00".into()),
            end: Some("13:00".into()),
            weekdays: vec![],
            place: None,
            channel: None,
            until: None,
        }),
        Event::RequestContact(RequestContact {
            at,
            to: to.clone(),
            debt: Some(debt.clone()),
        }),
        Event::PriorConsentToContact(PriorConsentToContact {
            at,
            to,
            debt,
            until: None,
            granted: true,
        }),
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn snapshots_hold_no_raw_keys() {
    let p = policy_of(&[1, 8]);
    for ledger in [
        Ledger::with_key(p.clone(), b"0123456789abcdef"),
        Ledger::new(p.clone()),
    ] {
        for e in sensitive_events() {
            ledger.record(&e).unwrap();
        }
        let _ = ledger.check_and_record(&call_ask("+15551234567", "ACCT-998877"));
        let mut bytes = Vec::new();
        ledger.snapshot(&mut bytes).unwrap();
        for needle in ["+15551234567", "5551234567", "ACCT-998877", "998877"] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} in snapshot");
        }
        assert!(format!("{ledger:?}").find("5551234567").is_none());
    }
}

#[test]
fn restore_under_another_key_is_refused() {
    let p = policy_of(&[1]);
    let a = Ledger::with_key(p.clone(), b"one secret");
    for e in sensitive_events() {
        a.record(&e).unwrap();
    }
    let mut bytes = Vec::new();
    a.snapshot(&mut bytes).unwrap();

    let b = Ledger::with_key(p.clone(), b"another secret");
    b.record(&sensitive_events()[0]).unwrap();
    let before = snapshot_of(&b);
    let err = b.restore(bytes.as_slice()).unwrap_err();
    assert!(matches!(err, LedgerError::KeyMismatch), "{err}");
    assert_eq!(snapshot_of(&b), before);

    let c = Ledger::with_key(p, b"one secret");
    c.restore(bytes.as_slice()).unwrap();
    assert_eq!(snapshot_of(&c), bytes);
}

// ---------------------------------------------------------------------------
// Snapshots refused

fn snapshot_of(l: &Ledger) -> Vec<u8> {
    let mut v = Vec::new();
    l.snapshot(&mut v).unwrap();
    v
}

fn busy_ledger() -> Ledger {
    let p = policy_of(&(0..RULES.len()).collect::<Vec<_>>());
    let ledger = Ledger::with_key(p, b"k");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let events = proptest::collection::vec(event(0..300), 40)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    for e in &events {
        ledger.record(e).unwrap();
    }
    let _ = ledger.check_and_record(&call_ask("c9", "d9"));
    ledger
}

/// A target ledger with its own content, to show a refused restore leaves
/// it untouched.
fn target() -> (Ledger, Vec<u8>) {
    let p = policy_of(&[1]);
    let t = Ledger::with_key(p, b"k");
    t.record(&sensitive_events()[0]).unwrap();
    let before = snapshot_of(&t);
    (t, before)
}

#[test]
fn every_corrupted_byte_is_refused_and_the_ledger_untouched() {
    let bytes = snapshot_of(&busy_ledger());
    assert!(bytes.len() > 200, "{}", bytes.len());
    let (t, before) = target();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            let err = t
                .restore(bad.as_slice())
                .expect_err("a corrupted snapshot was accepted");
            let msg = err.to_string();
            assert!(
                msg.chars().next().unwrap().is_lowercase() && !msg.ends_with('.'),
                "{msg}"
            );
        }
    }
    assert_eq!(snapshot_of(&t), before);
}

#[test]
fn every_truncation_is_refused_and_the_ledger_untouched() {
    let bytes = snapshot_of(&busy_ledger());
    let (t, before) = target();
    for len in 0..bytes.len() {
        let err = t
            .restore(&bytes[..len])
            .expect_err("a truncated snapshot was accepted");
        assert!(
            matches!(err, LedgerError::Truncated),
            "at {len}: {err} ({})",
            err.code()
        );
    }
    assert_eq!(snapshot_of(&t), before);
    t.restore(bytes.as_slice()).unwrap();
    assert_eq!(snapshot_of(&t), bytes);
}

#[test]
fn wrong_version_and_foreign_input_are_refused() {
    let bytes = snapshot_of(&busy_ledger());
    let (t, before) = target();
    let mut v2 = bytes.clone();
    v2[8..12].copy_from_slice(&2u32.to_le_bytes());
    let err = t.restore(v2.as_slice()).unwrap_err();
    assert!(matches!(err, LedgerError::UnsupportedVersion { found: 2 }));
    assert_eq!(
        err.to_string(),
        "unsupported snapshot version 2 (this build reads version 1)"
    );
    let err = t.restore(&b"{\"not\": \"a snapshot\"}"[..]).unwrap_err();
    assert!(matches!(err, LedgerError::NotASnapshot), "{err}");
    assert_eq!(err.code(), "ledger.not_a_snapshot");
    assert_eq!(snapshot_of(&t), before);
}

// ---------------------------------------------------------------------------
// Pruning and memory

#[test]
fn prune_drops_old_attempts_and_keeps_what_rules_read() {
    let p = policy_of(&[1, 4]); // 3 conversations a day; a third party once, ever
    assert_eq!(p.lookback_seconds(), None);
    let ledger = Ledger::new(p.clone());
    let mut events = Vec::new();
    let start: Timestamp = "2026-01-05T15:00:00Z".parse().unwrap();
    for day in 0..60 {
        for k in 0..3 {
            let at = start + SignedDuration::from_hours(24 * day + k);
            events.push(Event::Attempt(Attempt {
                at,
                channel: Channel::Call,
                to: "debtor".into(),
                role: Role::Debtor,
                debt: "d".into(),
                result: AttemptResult::Conversation,
                place: None,
            }));
        }
    }
    // One old conversation with a third party: the lifetime cap must keep it.
    events.insert(
        1,
        Event::Attempt(Attempt {
            at: start + SignedDuration::from_mins(30),
            channel: Channel::Call,
            to: "neighbour".into(),
            role: Role::ThirdParty,
            debt: "d".into(),
            result: AttemptResult::Conversation,
            place: None,
        }),
    );
    for e in &events {
        ledger.record(e).unwrap();
    }
    let now = start + SignedDuration::from_hours(24 * 60);
    ledger.prune(now);
    let stats = ledger.stats();
    // The day cap looks back at most 2 days (8 with the out-of-contact
    // condition's default look-back, and an hour of grace): far fewer than
    // the 181 recorded attempts remain.
    assert!(stats.attempts < 40, "{stats:?}");
    let history = History::from_events(events);
    let mut third = call_ask("neighbour", "d");
    third.role = Role::ThirdParty;
    third.at = now;
    third.timezones = vec!["America/New_York".into()];
    let d = ledger.check(&third);
    assert!(!d.allow);
    assert_eq!(d, decide(&p, &third, &history));
    let mut debtor = third.clone();
    debtor.to = "debtor".into();
    debtor.role = Role::Debtor;
    assert_eq!(ledger.check(&debtor), decide(&p, &debtor, &history));
    // Pruning far in the future forgets the debtor but not the third party's
    // one conversation.
    ledger.prune(now + SignedDuration::from_hours(24 * 365));
    let s = ledger.stats();
    assert_eq!((s.recipients, s.attempts), (1, 1), "{s:?}");
}

#[test]
fn prune_keeps_the_conversation_that_ends_a_prior_consent_window() {
    // Reg F style: calls inside a live prior-consent window are not
    // counted, and the first conversation after the consent ends the
    // window. That conversation is older than the look-back, but forgetting
    // it would reopen the window over later calls.
    let p = policy_of(&[2]); // 4 calls in 7 dates, exclude_prior_consent
    let now: Timestamp = "2026-03-20T16:00:00Z".parse().unwrap();
    let days = |d: i64| now - SignedDuration::from_hours(24 * d);
    let call = |at: Timestamp, result: AttemptResult| {
        Event::Attempt(Attempt {
            at,
            channel: Channel::Call,
            to: "c1".into(),
            role: Role::Debtor,
            debt: "d1".into(),
            result,
            place: None,
        })
    };
    let mut events = vec![
        Event::PriorConsentToContact(PriorConsentToContact {
            at: days(10),
            to: "c1".into(),
            debt: "d1".into(),
            until: None,
            granted: true,
        }),
        call(days(9), AttemptResult::Conversation),
    ];
    for d in 3..=6 {
        events.push(call(days(d), AttemptResult::NoAnswer));
    }
    let ledger = ledger_of(&p, &events);
    ledger.prune(now);
    let mut a = call_ask("c1", "d1");
    a.at = now;
    a.timezones = vec!["America/New_York".into()];
    let want = decide(&p, &a, &History::from_events(events));
    assert!(!want.allow);
    assert_eq!(ledger.check(&a), want);
}

#[test]
fn footprint_per_attempt_from_structure_sizes() {
    // 2,000 debtors, one debt each, 20 calls each within the look-back.
    let ledger = Ledger::new(policy_of(&[2]));
    let start: Timestamp = "2026-03-02T14:00:00Z".parse().unwrap();
    for k in 0..20i64 {
        for i in 0..2000 {
            let at = start + SignedDuration::from_mins(17 * k);
            ledger
                .record(&Event::Attempt(Attempt {
                    at,
                    channel: Channel::Call,
                    to: format!("debtor-{i}"),
                    role: Role::Debtor,
                    debt: format!("loan-{i}"),
                    result: AttemptResult::NoAnswer,
                    place: Some(Place::Mobile),
                }))
                .unwrap();
        }
    }
    let s = ledger.stats();
    assert_eq!(s.attempts, 40_000);
    let per = s.reserved_bytes as f64 / s.attempts as f64;
    println!("reserved bytes per retained attempt: {per:.1}");
    assert!(per <= 48.0, "{per:.1} bytes per attempt ({s:?})");
}

#[test]
fn footprint_per_attempt_of_long_indexed_lists() {
    // 500 debtors, one debt each, 100 attempts each within the look-back,
    // calls and texts with every result: recipients' lists long enough to
    // keep the index by class (twelve classes each), as `benches/memory`'s
    // 100-per-debtor workload.
    let ledger = Ledger::new(policy_of(&[2]));
    let start: Timestamp = "2026-03-02T01:00:00Z".parse().unwrap();
    for k in 0..100i64 {
        for i in 0..500usize {
            let at = start + SignedDuration::from_mins(7 * k);
            ledger
                .record(&Event::Attempt(Attempt {
                    at,
                    channel: if k % 3 == 1 {
                        Channel::Sms
                    } else {
                        Channel::Call
                    },
                    to: format!("debtor-{i}"),
                    role: Role::Debtor,
                    debt: format!("loan-{i}"),
                    result: AttemptResult::ALL[(k as usize + i) % 6],
                    place: Some(Place::Mobile),
                }))
                .unwrap();
        }
    }
    let s = ledger.stats();
    assert_eq!(s.attempts, 50_000);
    let per = s.reserved_bytes as f64 / s.attempts as f64;
    println!("reserved bytes per retained attempt: {per:.1}");
    assert!(per <= 48.0, "{per:.1} bytes per attempt ({s:?})");
}

// ---------------------------------------------------------------------------
// A real preset

#[test]
fn reg_f_seven_in_seven_through_the_ledger() {
    let Ok(p) = Policy::preset("us-reg-f") else {
        return;
    };
    let ledger = Ledger::with_key(p.clone(), b"k");
    let mut events = Vec::new();
    let mut admitted = 0;
    for day in 0..7 {
        let a = Ask {
            at: "2026-04-06T10:00:00-04:00".parse::<Timestamp>().unwrap()
                + SignedDuration::from_hours(24 * day),
            channel: Channel::Call,
            to: "+16175550100".into(),
            role: Role::Debtor,
            debt: "card-1".into(),
            timezones: vec!["America/New_York".into()],
            place: Some(Place::Mobile),
            autodialed: Some(false),
            purpose: Some(Purpose::Collection),
            days_past_due: Some(60),
        };
        for _ in 0..3 {
            let history = History::from_events(events.clone());
            let want = decide(&p, &a, &history);
            let got = ledger.check_and_record(&a);
            assert_eq!(got.decision, want);
            if let Some(t) = got.ticket {
                admitted += 1;
                ledger.complete(&t, AttemptResult::NoAnswer).unwrap();
                events.push(Event::attempt_from(&a, AttemptResult::NoAnswer));
            }
        }
    }
    // Reg F: seven calls within seven days (1006.14(b)(2)(i)(A)).
    assert_eq!(admitted, 7);
}

/// Repeated inconvenient-time statements (the same weekday said again,
/// some limited in time, to a channel or with a span) decide alike in a
/// History, which skips a statement an earlier one covers, and in the
/// ledger, which reads them all: verdicts, messages (naming the first
/// covering statement's date) and retry instants, hour by hour over two
/// weeks, for calls and texts.
#[test]
fn repeated_inconvenient_statements_decide_alike() {
    let policy = Policy::preset("us-reg-f+us-ma").unwrap();
    let day = |d: i64, h: i64| {
        "2026-04-01T00:00:00-04:00".parse::<Timestamp>().unwrap()
            + SignedDuration::from_hours(24 * d + h)
    };
    let statement = |at, start: Option<&str>, end: Option<&str>, channel, until| {
        Event::Inconvenient(Inconvenient {
            at,
            to: "c1".into(),
            start: start.map(Into::into),
            end: end.map(Into::into),
            weekdays: vec!["sun".into(), "Wednesday".into()],
            place: None,
            channel,
            until,
        })
    };
    let events = vec![
        statement(day(0, 9), None, None, None, Some(day(6, 0))),
        statement(day(1, 9), None, None, Some(Channel::Sms), None),
        statement(day(2, 9), None, None, None, None),
        statement(day(3, 9), None, None, None, None),
        statement(day(3, 9), Some("12:00"), Some("13:00"), None, None),
        statement(day(4, 9), None, None, Some(Channel::Sms), None),
        statement(day(5, 9), None, None, None, Some(day(9, 0))),
        statement(day(8, 9), None, None, None, None),
    ];
    let history = History::from_events(events.clone());
    let ledger = Ledger::new(policy.clone());
    for e in &events {
        ledger.record(e).unwrap();
    }
    let mut denied = 0;
    for h in 0..(24 * 14) {
        for channel in [Channel::Call, Channel::Sms] {
            let mut a = call_ask("c1", "d1");
            a.timezones = vec!["America/New_York".to_owned()];
            a.channel = channel;
            a.at = day(0, 0) + SignedDuration::from_hours(h) + SignedDuration::from_mins(17);
            let d = decide(&policy, &a, &history);
            assert_eq!(d, ledger.check(&a), "{a:?}");
            denied += usize::from(!d.allow);
        }
    }
    assert!(denied > 0);
}
