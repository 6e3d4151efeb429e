//! Differential property tests: the engine against a deliberately simple
//! reference evaluator, on random policies, histories and asks.
//!
//! The reference reads the generated rule shapes directly (not the compiled
//! policy), counts by brute force, and finds `retry_at` by evaluating every
//! candidate instant at which any rule's outcome can change (window starts,
//! local midnights, events leaving rolling periods, hold ends) in time
//! order. All generated times are whole minutes, so those candidates are
//! exhaustive.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{decide, Ask, Channel, Event, History, Policy, Role};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;
use std::fmt::Write;

const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/London",
    "Asia/Shanghai",
    "America/Denver",
];
const CHANNELS: &[&str] = &["call", "sms", "email", "voicemail_drop"];
const RESULTS: &[&str] = &[
    "not_connected",
    "no_answer",
    "voicemail",
    "conversation",
    "delivered",
    "failed",
];
/// Results of history attempts: a policy's filters name real outcomes,
/// and a history may also hold `pending` attempts (admitted, outcome not
/// reported yet), which match every result filter.
const EVENT_RESULTS: &[&str] = &[
    "not_connected",
    "no_answer",
    "voicemail",
    "conversation",
    "delivered",
    "failed",
    "pending",
];
const ROLES: &[&str] = &["debtor", "spouse", "third_party"];
const REASONS: &[&str] = &["dispute", "repayment_plan", "complaint"];
/// Around the US and UK DST changes of 2026, and an ordinary month.
const BASES: &[&str] = &[
    "2026-03-05T00:00:00Z",
    "2026-03-26T00:00:00Z",
    "2026-10-28T00:00:00Z",
    "2026-06-10T00:00:00Z",
];

#[derive(Clone, Debug)]
enum Period {
    Rolling(i64), // minutes
    Dates(u32),
    Day,
    Week,
    Month,
    Lifetime,
}

#[derive(Clone, Debug)]
enum Shape {
    Window {
        days: &'static str, // any | weekday | weekend
        start: u32,         // minutes
        end: u32,
        half_open: bool,
    },
    Cap {
        limit: u32,
        scope: &'static str,
        period: Period,
        channels: Vec<&'static str>,
        results: Vec<&'static str>,
    },
    Cooldown {
        scope: &'static str,
        period: Period, // Rolling or Dates
        channels: Vec<&'static str>,
        results: Vec<&'static str>,
    },
    OptOut {
        any_channel: bool,
    },
    Hold {
        reasons: Vec<&'static str>,
    },
    Deny {
        roles: Vec<&'static str>,
    },
}

#[derive(Clone, Debug)]
struct RuleGen {
    channels: Option<Vec<&'static str>>,
    shape: Shape,
}

fn list(v: &[&str]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", items.join(", "))
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn to_toml(rules: &[RuleGen]) -> String {
    let mut s = String::from("format = \"contactguard-policy/1\"\n");
    for (i, r) in rules.iter().enumerate() {
        let kind = match &r.shape {
            Shape::Window { .. } => "window",
            Shape::Cap { .. } => "cap",
            Shape::Cooldown { .. } => "cooldown",
            Shape::OptOut { .. } => "opt_out",
            Shape::Hold { .. } => "hold",
            Shape::Deny { .. } => "deny",
        };
        write!(s, "\n[[rules]]\nid = \"r{i}\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"convention\"\nkind = \"{kind}\"\n").unwrap();
        let mut when = Vec::new();
        if let Some(ch) = &r.channels {
            when.push(format!("channels = {}", list(ch)));
        }
        if let Shape::Deny { roles } = &r.shape {
            when.push(format!("roles = {}", list(roles)));
        }
        if !when.is_empty() {
            writeln!(s, "when = {{ {} }}", when.join(", ")).unwrap();
        }
        let period = |s: &mut String, p: &Period| match p {
            Period::Rolling(m) => writeln!(s, "rolling = \"{m}m\"").unwrap(),
            Period::Dates(n) => writeln!(s, "dates = {n}").unwrap(),
            Period::Day => writeln!(s, "period = \"day\"").unwrap(),
            Period::Week => writeln!(s, "period = \"week\"").unwrap(),
            Period::Month => writeln!(s, "period = \"month\"").unwrap(),
            Period::Lifetime => writeln!(s, "lifetime = true").unwrap(),
        };
        match &r.shape {
            Shape::Window {
                days,
                start,
                end,
                half_open,
            } => {
                let b = if *half_open { "half_open" } else { "closed" };
                writeln!(
                    s,
                    "windows = [{{ days = [\"{days}\"], start = \"{}\", end = \"{}\", bounds = \"{b}\" }}]",
                    hhmm(*start),
                    hhmm(*end)
                )
                .unwrap();
            }
            Shape::Cap {
                limit,
                scope,
                period: p,
                channels,
                results,
            } => {
                writeln!(s, "limit = {limit}\nscope = \"{scope}\"").unwrap();
                period(&mut s, p);
                writeln!(
                    s,
                    "count = {{ channels = {}, results = {} }}",
                    list(channels),
                    list(results)
                )
                .unwrap();
            }
            Shape::Cooldown {
                scope,
                period: p,
                channels,
                results,
            } => {
                writeln!(s, "scope = \"{scope}\"").unwrap();
                period(&mut s, p);
                writeln!(
                    s,
                    "after = {{ channels = {}, results = {} }}",
                    list(channels),
                    list(results)
                )
                .unwrap();
            }
            Shape::OptOut { any_channel } => writeln!(s, "any_channel = {any_channel}").unwrap(),
            Shape::Hold { reasons } => writeln!(s, "reasons = {}", list(reasons)).unwrap(),
            Shape::Deny { .. } => {}
        }
    }
    s
}

// ---------------------------------------------------------------------------
// The reference evaluator

struct RefAsk {
    at: Timestamp,
    channel: &'static str,
    to: &'static str,
    role: &'static str,
    debt: &'static str,
    zones: Vec<TimeZone>,
}

#[derive(Clone, Debug)]
enum Ev {
    Attempt {
        at: Timestamp,
        channel: &'static str,
        to: &'static str,
        role: &'static str,
        debt: &'static str,
        result: &'static str,
    },
    OptOut {
        at: Timestamp,
        to: &'static str,
        channel: &'static str,
    },
    Hold {
        at: Timestamp,
        debt: &'static str,
        reason: &'static str,
        until: Option<Timestamp>,
    },
}

impl Ev {
    fn at(&self) -> Timestamp {
        match self {
            Ev::Attempt { at, .. } | Ev::OptOut { at, .. } | Ev::Hold { at, .. } => *at,
        }
    }

    fn to_event(&self) -> Event {
        let v = match self {
            Ev::Attempt {
                at,
                channel,
                to,
                role,
                debt,
                result,
            } => serde_json::json!({
                "type": "attempt", "at": at.to_string(), "channel": channel, "to": to,
                "role": role, "debt": debt, "result": result
            }),
            Ev::OptOut { at, to, channel } => serde_json::json!({
                "type": "opt_out", "at": at.to_string(), "to": to, "channel": channel
            }),
            Ev::Hold {
                at,
                debt,
                reason,
                until,
            } => serde_json::json!({
                "type": "hold", "at": at.to_string(), "debt": debt, "reason": reason,
                "until": until.map(|u| u.to_string())
            }),
        };
        serde_json::from_value(v).unwrap()
    }
}

fn local_date(z: &TimeZone, t: Timestamp) -> Date {
    z.to_datetime(t).date()
}

fn monday_of(d: Date) -> Date {
    let mut m = d;
    while m.weekday() != jiff::civil::Weekday::Monday {
        m = m.yesterday().unwrap();
    }
    m
}

fn in_scope(scope: &str, ask: &RefAsk, to: &str, debt: &str) -> bool {
    match scope {
        "recipient" => to == ask.to,
        "recipient_debt" => to == ask.to && debt == ask.debt,
        _ => debt == ask.debt,
    }
}

/// A pending attempt may still turn out to be any result: it matches every
/// (non-empty) result filter.
fn result_matches(results: &[&str], result: &str) -> bool {
    result == "pending" || results.contains(&result)
}

/// Whether one rule denies the ask at instant `t`, reading `events`
/// (already limited to those at or before the ask).
fn ref_denies(rule: &RuleGen, ask: &RefAsk, events: &[Ev], t: Timestamp) -> bool {
    if let Some(ch) = &rule.channels {
        if !ch.contains(&ask.channel) {
            return false;
        }
    }
    match &rule.shape {
        Shape::Window { days, start, end, half_open } => ask.zones.iter().any(|z| {
            let dt = z.to_datetime(t);
            let weekend = matches!(dt.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday);
            let applies = match *days {
                "weekday" => !weekend,
                "weekend" => weekend,
                _ => true,
            };
            if !applies {
                return true;
            }
            let secs = i64::from(dt.hour()) * 3600 + i64::from(dt.minute()) * 60 + i64::from(dt.second());
            let x = secs as i128 * 1_000_000_000 + i128::from(dt.subsec_nanosecond());
            let s = i128::from(*start) * 60_000_000_000;
            let e = i128::from(*end) * 60_000_000_000;
            let ok = if *half_open { s <= x && x < e } else { s <= x && x <= e };
            !ok
        }),
        Shape::Cap { limit, scope, period, channels, results } => {
            let counted: Vec<Timestamp> = events
                .iter()
                .filter_map(|e| match e {
                    Ev::Attempt { at, channel, to, debt, result, .. }
                        if in_scope(scope, ask, to, debt) && channels.contains(channel) && result_matches(results, result) =>
                    {
                        Some(*at)
                    }
                    _ => None,
                })
                .collect();
            let limit = *limit as usize;
            match period {
                Period::Lifetime => counted.len() >= limit,
                Period::Rolling(m) => {
                    let from = t - SignedDuration::from_mins(*m);
                    counted.iter().filter(|at| **at > from).count() >= limit
                }
                _ => ask.zones.iter().any(|z| {
                    let today = local_date(z, t);
                    let n = counted
                        .iter()
                        .filter(|at| {
                            let d = local_date(z, **at);
                            match period {
                                Period::Dates(n) => d <= today && today.since(d).unwrap().get_days() < *n as i32,
                                Period::Day => d == today,
                                Period::Week => monday_of(d) == monday_of(today),
                                Period::Month => d.year() == today.year() && d.month() == today.month(),
                                _ => unreachable!(),
                            }
                        })
                        .count();
                    n >= limit
                }),
            }
        }
        Shape::Cooldown { scope, period, channels, results } => events.iter().any(|e| match e {
            Ev::Attempt { at, channel, to, debt, result, .. }
                if in_scope(scope, ask, to, debt) && channels.contains(channel) && result_matches(results, result) =>
            {
                match period {
                    Period::Rolling(m) => t < *at + SignedDuration::from_mins(*m),
                    Period::Dates(n) => ask.zones.iter().any(|z| {
                        let c = local_date(z, *at);
                        let today = local_date(z, t);
                        today.since(c).unwrap().get_days() < *n as i32
                    }),
                    _ => unreachable!(),
                }
            }
            _ => false,
        }),
        Shape::OptOut { any_channel } => events.iter().any(|e| {
            matches!(e, Ev::OptOut { to, channel, .. } if *to == ask.to && (*any_channel || *channel == ask.channel))
        }),
        Shape::Hold { reasons } => events.iter().any(|e| {
            matches!(e, Ev::Hold { debt, reason, until, .. }
                if *debt == ask.debt && reasons.contains(reason) && until.is_none_or(|u| t < u))
        }),
        Shape::Deny { roles } => roles.contains(&ask.role),
    }
}

fn ref_allows(rules: &[RuleGen], ask: &RefAsk, events: &[Ev], t: Timestamp) -> bool {
    !rules.iter().any(|r| ref_denies(r, ask, events, t))
}

/// Every instant at which some rule's outcome can change, from the ask on.
fn candidates(rules: &[RuleGen], ask: &RefAsk, events: &[Ev]) -> Vec<Timestamp> {
    let mut c = vec![ask.at];
    for z in &ask.zones {
        let first = local_date(z, ask.at).yesterday().unwrap();
        for i in 0..45 {
            let d = first.checked_add(i.days()).unwrap();
            let midnight = z
                .to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .compatible()
                .unwrap();
            c.push(midnight);
            for r in rules {
                if let Shape::Window { start, .. } = &r.shape {
                    let dt = d.at((*start / 60) as i8, (*start % 60) as i8, 0, 0);
                    c.push(z.to_ambiguous_timestamp(dt).compatible().unwrap());
                }
            }
        }
    }
    for e in events {
        for r in rules {
            if let Shape::Cap {
                period: Period::Rolling(m),
                ..
            }
            | Shape::Cooldown {
                period: Period::Rolling(m),
                ..
            } = &r.shape
            {
                c.push(e.at() + SignedDuration::from_mins(*m));
            }
        }
        if let Ev::Hold { until: Some(u), .. } = e {
            c.push(*u);
        }
    }
    let horizon = ask.at + SignedDuration::from_hours(24 * 40);
    c.retain(|t| *t >= ask.at && *t <= horizon);
    c.sort();
    c.dedup();
    c
}

fn ref_retry(rules: &[RuleGen], ask: &RefAsk, events: &[Ev]) -> Option<Timestamp> {
    candidates(rules, ask, events)
        .into_iter()
        .find(|t| ref_allows(rules, ask, events, *t))
}

// ---------------------------------------------------------------------------
// Generators

fn subset(all: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(all, 1..=all.len())
}

fn period(allow_calendar: bool) -> impl Strategy<Value = Period> {
    let rolling = (1i64..=48).prop_map(|h| Period::Rolling(h * 30));
    let dates = (1u32..=7).prop_map(Period::Dates);
    if allow_calendar {
        prop_oneof![
            rolling,
            dates,
            Just(Period::Day),
            Just(Period::Week),
            Just(Period::Month),
            Just(Period::Lifetime)
        ]
        .boxed()
    } else {
        prop_oneof![rolling, dates].boxed()
    }
}

fn scope() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["recipient", "recipient_debt", "debt"])
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (
            proptest::sample::select(vec!["any", "weekday", "weekend"]),
            0u32..=20,
            1u32..=24,
            any::<bool>()
        )
            .prop_map(|(days, s, len, half_open)| {
                let start = s * 60;
                let end = (start + len * 30).min(24 * 60);
                Shape::Window {
                    days,
                    start,
                    end,
                    half_open,
                }
            }),
        (
            1u32..=4,
            scope(),
            period(true),
            subset(CHANNELS),
            subset(RESULTS)
        )
            .prop_map(|(limit, scope, period, channels, results)| Shape::Cap {
                limit,
                scope,
                period,
                channels,
                results
            }),
        (scope(), period(false), subset(CHANNELS), subset(RESULTS)).prop_map(
            |(scope, period, channels, results)| Shape::Cooldown {
                scope,
                period,
                channels,
                results
            }
        ),
        any::<bool>().prop_map(|any_channel| Shape::OptOut { any_channel }),
        subset(REASONS).prop_map(|reasons| Shape::Hold { reasons }),
        subset(ROLES).prop_map(|roles| Shape::Deny { roles }),
    ]
}

fn rules() -> impl Strategy<Value = Vec<RuleGen>> {
    proptest::collection::vec(
        (proptest::option::weighted(0.3, subset(CHANNELS)), shape())
            .prop_map(|(channels, shape)| RuleGen { channels, shape }),
        1..=4,
    )
}

fn base() -> impl Strategy<Value = Timestamp> {
    proptest::sample::select(BASES.to_vec()).prop_map(|s| s.parse::<Timestamp>().unwrap())
}

/// An event `0..=12` days (whole minutes) before the ask.
fn event(ask_at: Timestamp) -> impl Strategy<Value = Ev> {
    let minutes_before = 0i64..=(12 * 24 * 60);
    prop_oneof![
        8 => (
            minutes_before.clone(),
            proptest::sample::select(CHANNELS),
            proptest::sample::select(vec!["c1", "c2"]),
            proptest::sample::select(ROLES),
            proptest::sample::select(vec!["d1", "d2"]),
            proptest::sample::select(EVENT_RESULTS)
        )
            .prop_map(move |(m, channel, to, role, debt, result)| Ev::Attempt {
                at: ask_at - SignedDuration::from_mins(m),
                channel,
                to,
                role,
                debt,
                result
            }),
        1 => (minutes_before.clone(), proptest::sample::select(vec!["c1", "c2"]), proptest::sample::select(CHANNELS))
            .prop_map(move |(m, to, channel)| Ev::OptOut { at: ask_at - SignedDuration::from_mins(m), to, channel }),
        1 => (
            minutes_before,
            proptest::sample::select(vec!["d1", "d2"]),
            proptest::sample::select(REASONS),
            proptest::option::of(-(3i64 * 24 * 60)..=(5 * 24 * 60))
        )
            .prop_map(move |(m, debt, reason, until)| Ev::Hold {
                at: ask_at - SignedDuration::from_mins(m),
                debt,
                reason,
                until: until.map(|u| ask_at + SignedDuration::from_mins(u)),
            }),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    rules: Vec<RuleGen>,
    ask_at: Timestamp,
    channel: &'static str,
    role: &'static str,
    zones: Vec<&'static str>,
    events: Vec<Ev>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        rules(),
        base(),
        0i64..(10 * 24 * 60),
        proptest::sample::select(CHANNELS),
        proptest::sample::select(ROLES),
        proptest::sample::subsequence(ZONES, 1..=2),
    )
        .prop_flat_map(|(rules, base, offset, channel, role, zones)| {
            let ask_at = base + SignedDuration::from_mins(offset);
            proptest::collection::vec(event(ask_at), 0..=20).prop_map(move |events| Case {
                rules: rules.clone(),
                ask_at,
                channel,
                role,
                zones: zones.clone(),
                events,
            })
        })
}

impl Case {
    fn ref_ask(&self) -> RefAsk {
        RefAsk {
            at: self.ask_at,
            channel: self.channel,
            to: "c1",
            role: self.role,
            debt: "d1",
            zones: self
                .zones
                .iter()
                .map(|z| TimeZone::get(z).unwrap())
                .collect(),
        }
    }

    fn ask_at(&self, at: Timestamp) -> Ask {
        Ask {
            at,
            channel: Channel::from_wire(self.channel).unwrap(),
            to: "c1".into(),
            role: Role::from_wire(self.role).unwrap(),
            debt: "d1".into(),
            timezones: self.zones.iter().map(|z| z.to_string()).collect(),
            place: None,
            autodialed: None,
            purpose: None,
            days_past_due: None,
        }
    }

    fn policy(&self) -> Policy {
        let text = to_toml(&self.rules);
        Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn history(&self) -> History {
        History::from_events(self.events.iter().map(Ev::to_event).collect())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_reference(c in case()) {
        let policy = c.policy();
        let got = decide(&policy, &c.ask_at(c.ask_at), &c.history());
        let ask = c.ref_ask();
        let expect_allow = ref_allows(&c.rules, &ask, &c.events, c.ask_at);
        prop_assert_eq!(got.allow, expect_allow, "allow differs: {:?}\n{}", got, to_toml(&c.rules));
        if !expect_allow {
            let expect_retry = ref_retry(&c.rules, &ask, &c.events);
            let horizon = c.ask_at + SignedDuration::from_hours(24 * 40);
            let got_retry = got.retry_at.filter(|r| *r <= horizon);
            prop_assert_eq!(got_retry, expect_retry, "retry_at differs: {:?}\n{}", got, to_toml(&c.rules));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn retry_at_is_allowed_and_one_second_earlier_is_not(c in case()) {
        let policy = c.policy();
        let history = c.history();
        let got = decide(&policy, &c.ask_at(c.ask_at), &history);
        if let Some(r) = got.retry_at {
            prop_assert!(r > c.ask_at);
            let at_r = decide(&policy, &c.ask_at(r), &history);
            prop_assert!(at_r.allow, "not allowed at retry_at {r}: {:?}", at_r);
            let before = (r - SignedDuration::from_secs(1)).max(c.ask_at);
            prop_assert!(!decide(&policy, &c.ask_at(before), &history).allow, "already allowed at {before}");
        }
    }

    #[test]
    fn event_order_never_changes_a_decision(c in case(), seed in any::<u64>()) {
        let policy = c.policy();
        let ask = c.ask_at(c.ask_at);
        let mut shuffled: Vec<Event> = c.events.iter().map(Ev::to_event).collect();
        // A deterministic Fisher-Yates shuffle driven by the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let mut pushed = History::new();
        for e in shuffled.clone() {
            pushed.push(e);
        }
        let a = decide(&policy, &ask, &c.history());
        prop_assert_eq!(&a, &decide(&policy, &ask, &History::from_events(shuffled)));
        prop_assert_eq!(&a, &decide(&policy, &ask, &pushed));
    }

    #[test]
    fn events_older_than_the_horizon_never_change_a_decision(c in case(), extra in proptest::collection::vec((0i64..1000, 0usize..4, 0usize..7), 1..10)) {
        let policy = c.policy();
        let Some(lookback) = policy.lookback_seconds() else { return Ok(()) };
        let ask = c.ask_at(c.ask_at);
        let mut events: Vec<Event> = c.events.iter().map(Ev::to_event).collect();
        let before = decide(&policy, &ask, &History::from_events(events.clone()));
        for (minutes, ch, res) in extra {
            let at = c.ask_at - SignedDuration::from_secs(lookback) - SignedDuration::from_mins(minutes + 1);
            events.push(Ev::Attempt { at, channel: CHANNELS[ch], to: "c1", role: "debtor", debt: "d1", result: EVENT_RESULTS[res] }.to_event());
        }
        prop_assert_eq!(before, decide(&policy, &ask, &History::from_events(events)));
    }
}
