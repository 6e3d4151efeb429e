//! Concurrency: many threads race `Ledger::check_and_record` on shared
//! recipients and debts, under several policies, and the outcome is checked
//! against the caps themselves and against a sequential replay.
//!
//! Each scenario runs in rounds. A round is a moment of the simulated day
//! (09:00, 10:30, …); every thread takes its share of the round's asks, all
//! within a second of each other and all on a few recipients and debts,
//! and the threads are released together. Admitted attempts are completed
//! either at once by the admitting thread (racing the other threads'
//! admissions) or by all threads together at the end of the round.
//!
//! After the race:
//!
//! - **caps hold window by window**: for every cap of the policy that the
//!   asks exercise, every window (local day, N consecutive local dates,
//!   rolling duration) of every key (recipient, recipient and debt, debt)
//!   holds at most the cap's limit of admitted attempts, and some window
//!   reaches the limit, so the check could have failed;
//! - **the admitted attempts replay**: taken in time order, each admitted
//!   ask is allowed by `decide` over the attempts admitted before it (read
//!   as the ledger read them: pending ones as `pending`);
//! - **the final ledger equals the replay**: `check` on probe asks gives
//!   what `decide` gives over a `History` of every admitted attempt with its
//!   final result, and the ledger holds no pending attempt.
//!
//! Runtime is bounded (a few thousand asks per scenario); `make tsan` runs
//! this file under ThreadSanitizer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::model::{Attempt, AttemptResult, Channel, Role};
use contactguard::{decide, Ask, Decision, Event, History, Ledger, Policy};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};

const THREADS: usize = 8;
/// Each scenario runs this many times, with different asks.
const REPEAT: u64 = 4;

/// When admitted attempts get their result.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Completion {
    /// By the admitting thread, right after admission, while the other
    /// threads keep admitting.
    Immediate,
    /// By all threads together once the round's admissions are done.
    EndOfRound,
}

/// One admitted attempt, as the test saw it.
#[derive(Clone, Debug)]
struct Admitted {
    ask: Ask,
    result: AttemptResult,
    round: usize,
    /// Order in which admissions returned (breaks ties of equal times).
    seq: usize,
}

fn attempt(ask: &Ask, result: AttemptResult) -> Event {
    Event::Attempt(Attempt {
        at: ask.at,
        channel: ask.channel,
        to: ask.to.clone(),
        role: ask.role,
        debt: ask.debt.clone(),
        result,
        place: ask.place,
    })
}

/// A small deterministic generator (SplitMix64), so every run races the
/// same asks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Scenario {
    name: &'static str,
    policy: Policy,
    zone: &'static str,
    /// Local dates the rounds fall on.
    days: Vec<Date>,
    /// Local times of the rounds on each day, seconds after midnight.
    slots: Vec<i64>,
    /// Asks per thread per round.
    per_thread: usize,
    /// Makes the `n`-th ask of a round (its time is set by the harness).
    ask: fn(&mut Rng) -> Ask,
    /// The result an admitted attempt gets.
    result: fn(&Ask, &mut Rng) -> AttemptResult,
    completion: Completion,
    /// Whether the replay check applies: the pending reading and the final
    /// result agree, or completions wait for the end of the round.
    replay: bool,
    caps: Vec<Cap>,
}

#[derive(Clone, Copy, Debug)]
enum Period {
    /// The local calendar day.
    Day,
    /// N consecutive local dates ending on each date.
    Dates(i64),
    /// A rolling duration: every window `(t - d, t]` ending on an attempt.
    Rolling(SignedDuration),
}

#[derive(Clone, Copy, Debug)]
enum Key {
    Recipient,
    RecipientDebt,
    Debt,
}

struct Cap {
    /// The rule it mirrors.
    rule: &'static str,
    key: Key,
    period: Period,
    limit: usize,
    /// Which admitted attempts it counts (by their final result).
    counts: fn(&Admitted) -> bool,
    /// Whether some window must reach the limit exactly (the scenario is
    /// built to fill it).
    must_fill: bool,
}

fn key_of(k: Key, a: &Admitted) -> String {
    match k {
        Key::Recipient => a.ask.to.clone(),
        Key::RecipientDebt => format!("{}/{}", a.ask.to, a.ask.debt),
        Key::Debt => a.ask.debt.clone(),
    }
}

/// The largest number of counted attempts in any window of `cap`.
fn fullest_window(cap: &Cap, zone: &TimeZone, admitted: &[Admitted]) -> (usize, String) {
    let mut by_key: BTreeMap<String, Vec<&Admitted>> = BTreeMap::new();
    for a in admitted.iter().filter(|a| (cap.counts)(a)) {
        by_key.entry(key_of(cap.key, a)).or_default().push(a);
    }
    let mut worst = (0, String::new());
    for (key, list) in &by_key {
        let local = |a: &Admitted| zone.to_datetime(a.ask.at).date();
        match cap.period {
            Period::Day | Period::Dates(_) => {
                let n = match cap.period {
                    Period::Dates(n) => n,
                    _ => 1,
                };
                let mut dates: Vec<Date> = list.iter().map(|a| local(a)).collect();
                dates.sort();
                for &end in &dates {
                    let start = end.checked_sub((n - 1).days()).unwrap();
                    let c = dates.iter().filter(|d| **d >= start && **d <= end).count();
                    if c > worst.0 {
                        worst = (c, format!("{key} on {start}..={end}"));
                    }
                }
            }
            Period::Rolling(d) => {
                for a in list {
                    let end = a.ask.at;
                    let start = end.checked_sub(d).unwrap();
                    let c = list
                        .iter()
                        .filter(|b| b.ask.at > start && b.ask.at <= end)
                        .count();
                    if c > worst.0 {
                        worst = (c, format!("{key} in ({start}, {end}]"));
                    }
                }
            }
        }
    }
    worst
}

fn essence(d: &Decision) -> (bool, Vec<String>, Option<Timestamp>, Vec<String>) {
    let mut ids: Vec<String> = d.denials.iter().map(|x| x.id.to_string()).collect();
    ids.sort();
    let mut obs: Vec<String> = d.obligations.iter().map(|o| o.to_string()).collect();
    obs.sort();
    (d.allow, ids, d.retry_at, obs)
}

/// Runs the race and returns the admitted attempts and the ledger.
fn race(s: &Scenario, seed: u64) -> (Vec<Admitted>, Ledger, Vec<Ask>) {
    let zone = TimeZone::get(s.zone).unwrap();
    let ledger = Ledger::with_key(s.policy.clone(), b"stress test secret, 32 bytes....");
    let mut rng = Rng(0xC0FF_EE00 ^ (seed << 32) ^ s.name.len() as u64);
    let mut admitted: Vec<Admitted> = Vec::new();
    let mut every_ask = Vec::new();
    let seq = AtomicUsize::new(0);
    let mut round = 0;
    for day in &s.days {
        for &slot in &s.slots {
            let start = zone
                .to_ambiguous_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                .compatible()
                .unwrap()
                .checked_add(SignedDuration::from_secs(slot))
                .unwrap();
            // Thread t's i-th ask is at start + (i * THREADS + t) * 7 ms:
            // distinct, ordered, all within a second or two.
            let asks: Vec<Vec<(Ask, AttemptResult)>> = (0..THREADS)
                .map(|t| {
                    (0..s.per_thread)
                        .map(|i| {
                            let mut a = (s.ask)(&mut rng);
                            let offset = ((i * THREADS + t) * 7) as i64;
                            a.at = start
                                .checked_add(SignedDuration::from_millis(offset))
                                .unwrap();
                            a.timezones = vec![s.zone.to_owned()];
                            let r = (s.result)(&a, &mut rng);
                            (a, r)
                        })
                        .collect()
                })
                .collect();
            every_ask.extend(asks.iter().flatten().map(|(a, _)| a.clone()));
            let barrier = Barrier::new(THREADS);
            let out: Mutex<Vec<(Admitted, Option<contactguard::Ticket>)>> = Mutex::new(Vec::new());
            std::thread::scope(|scope| {
                for mine in &asks {
                    let (ledger, barrier, out, seq) = (&ledger, &barrier, &out, &seq);
                    scope.spawn(move || {
                        let mut local = Vec::new();
                        barrier.wait();
                        for (ask, result) in mine {
                            let adm = ledger.check_and_record(ask);
                            let n = seq.fetch_add(1, Ordering::SeqCst);
                            assert_eq!(adm.decision.allow, adm.ticket.is_some());
                            let Some(ticket) = adm.ticket else { continue };
                            let moved = Ask {
                                at: adm.at,
                                ..ask.clone()
                            };
                            let keep = if s.completion == Completion::Immediate {
                                ledger.complete(&ticket, *result).unwrap();
                                None
                            } else {
                                Some(ticket)
                            };
                            local.push((
                                Admitted {
                                    ask: moved,
                                    result: *result,
                                    round,
                                    seq: n,
                                },
                                keep,
                            ));
                        }
                        out.lock().unwrap().extend(local);
                    });
                }
            });
            let done = out.into_inner().unwrap();
            // End-of-round completions, raced by every thread at once.
            if s.completion == Completion::EndOfRound {
                let barrier = Barrier::new(THREADS);
                std::thread::scope(|scope| {
                    for part in done.chunks(done.len().div_ceil(THREADS).max(1)) {
                        let (ledger, barrier) = (&ledger, &barrier);
                        scope.spawn(move || {
                            barrier.wait();
                            for (a, t) in part {
                                ledger.complete(t.as_ref().unwrap(), a.result).unwrap();
                            }
                        });
                    }
                    // Chunks may be fewer than THREADS: release the rest.
                    for _ in done.chunks(done.len().div_ceil(THREADS).max(1)).len()..THREADS {
                        let barrier = &barrier;
                        scope.spawn(move || {
                            barrier.wait();
                        });
                    }
                });
            }
            admitted.extend(done.into_iter().map(|(a, _)| a));
            round += 1;
        }
    }
    admitted.sort_by_key(|a| (a.ask.at, a.seq));
    (admitted, ledger, every_ask)
}

fn check_scenario(s: &Scenario) {
    for seed in 0..REPEAT {
        check_once(s, seed);
    }
}

fn check_once(s: &Scenario, seed: u64) {
    let zone = TimeZone::get(s.zone).unwrap();
    let (admitted, ledger, asks) = race(s, seed);
    assert!(
        admitted.len() < asks.len(),
        "{}: every ask was admitted; the caps never bit",
        s.name
    );

    // 1. Caps hold window by window, and are reached.
    for cap in &s.caps {
        let (most, where_) = fullest_window(cap, &zone, &admitted);
        assert!(
            most <= cap.limit,
            "{}: {} admitted {most} in {where_}, more than its limit {}",
            s.name,
            cap.rule,
            cap.limit
        );
        if cap.must_fill {
            assert_eq!(
                most, cap.limit,
                "{}: {} never reached its limit: the race did not test it",
                s.name, cap.rule
            );
        }
    }

    // 2. Replayed in time order, each admitted ask is allowed over the
    // attempts admitted before it, read as the ledger read them: with their
    // final result once completed, as `pending` while its round's
    // completions had not yet run.
    if s.replay {
        for (i, a) in admitted.iter().enumerate() {
            let history: History = admitted[..i]
                .iter()
                .map(|b| {
                    let pending = s.completion == Completion::EndOfRound && b.round == a.round;
                    let r = if pending {
                        AttemptResult::Pending
                    } else {
                        b.result
                    };
                    attempt(&b.ask, r)
                })
                .collect();
            let d = decide(&s.policy, &a.ask, &history);
            assert!(
                d.allow,
                "{}: admitted at {} but the replay denies it: {:?}",
                s.name, a.ask.at, d.denials
            );
        }
    }

    // 3. The final ledger decides as decide does over every admitted
    // attempt with its final result.
    let stats = ledger.stats();
    assert_eq!(stats.pending, 0, "{}: attempts left pending", s.name);
    assert!(stats.attempts <= admitted.len());
    let span = admitted
        .last()
        .unwrap()
        .ask
        .at
        .duration_since(admitted.first().unwrap().ask.at);
    if s.policy
        .lookback_seconds()
        .is_none_or(|l| span.as_secs() + 7_200 < l)
    {
        assert_eq!(stats.attempts, admitted.len(), "{}: attempts lost", s.name);
    }
    let full: History = admitted.iter().map(|a| attempt(&a.ask, a.result)).collect();
    let last = admitted.last().unwrap().ask.at;
    let mut probes = 0;
    for ask in asks.iter().rev().take(64) {
        for later in [0, 1, 3_600, 86_400] {
            let probe = Ask {
                at: last.checked_add(SignedDuration::from_secs(later)).unwrap(),
                ..ask.clone()
            };
            assert_eq!(
                essence(&ledger.check(&probe)),
                essence(&decide(&s.policy, &probe, &full)),
                "{}: the final ledger and the replayed history disagree on {probe:?}",
                s.name
            );
            probes += 1;
        }
    }
    assert!(probes > 0);
}

// ---------------------------------------------------------------------------
// Scenarios

fn weekdays(from: Date, n: usize) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = from;
    while out.len() < n {
        if !matches!(
            d.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            out.push(d);
        }
        d = d.tomorrow().unwrap();
    }
    out
}

fn ask(channel: Channel, to: String, role: Role, debt: String) -> Ask {
    Ask {
        at: Timestamp::UNIX_EPOCH,
        channel,
        to,
        role,
        debt,
        timezones: Vec::new(),
        place: None,
        autodialed: None,
        purpose: Some(contactguard::model::Purpose::Collection),
        days_past_due: Some(30),
    }
}

fn hours(h: &[f64]) -> Vec<i64> {
    h.iter().map(|h| (h * 3600.0) as i64).collect()
}

fn is_call(a: &Admitted) -> bool {
    a.ask.channel == Channel::Call
}

/// `cn`: at most three connected calls a day (cn.2), at most six
/// unanswered ones (cn.3). Four debtors, two debts each.
fn cn_calls(ask_debtor: fn(&mut Rng) -> Ask, completion: Completion) -> Scenario {
    Scenario {
        name: if completion == Completion::Immediate {
            "cn, completions racing admissions"
        } else {
            "cn, completions at the end of each round"
        },
        policy: Policy::preset("cn").unwrap(),
        zone: "Asia/Shanghai",
        days: weekdays(jiff::civil::date(2026, 3, 2), 3),
        slots: hours(&[9.0, 10.5, 12.0, 14.0, 16.5, 19.0, 21.5]),
        per_thread: 6,
        ask: ask_debtor,
        result: |_, rng| match rng.below(3) {
            0 => AttemptResult::Conversation,
            1 => AttemptResult::NoAnswer,
            _ => AttemptResult::NotConnected,
        },
        completion,
        // With racing completions an attempt one thread still holds pending
        // is read as pending by another: the replay, which sees final
        // results, is exact only when completions wait for the round's end.
        replay: completion == Completion::EndOfRound,
        caps: vec![
            Cap {
                rule: "cn.2 (connected calls a day)",
                key: Key::Recipient,
                period: Period::Day,
                limit: 3,
                counts: |a| is_call(a) && a.result == AttemptResult::Conversation,
                must_fill: true,
            },
            // cn.3 counts unanswered calls; a pending attempt counts under
            // it as well as under cn.2 (it may end either way), so the limit
            // holds exactly whatever the outcomes.
            Cap {
                rule: "cn.3 (unanswered calls a day)",
                key: Key::Recipient,
                period: Period::Day,
                limit: 6,
                counts: |a| is_call(a) && a.result != AttemptResult::Conversation,
                must_fill: false,
            },
        ],
    }
}

fn cn_debtor(rng: &mut Rng) -> Ask {
    let r = rng.below(4);
    ask(
        Channel::Call,
        format!("+86138000000{r:02}"),
        Role::Debtor,
        format!("loan-{r}-{}", rng.below(2)),
    )
}

#[test]
fn cn_connected_call_cap_with_racing_completions() {
    check_scenario(&cn_calls(cn_debtor, Completion::Immediate));
}

#[test]
fn cn_connected_call_cap_with_completions_per_round() {
    check_scenario(&cn_calls(cn_debtor, Completion::EndOfRound));
}

fn is_text(a: &Admitted) -> bool {
    matches!(a.ask.channel, Channel::Sms | Channel::Push)
}

/// `conduct`: at most three texts a day (conduct.1) and ten over seven
/// local dates (conduct.2) to a person, one contact a day with a
/// non-obligor (conduct.5). Ten weekdays, so the seven-date cap binds.
#[test]
fn conduct_text_caps() {
    let s = Scenario {
        name: "conduct texts",
        policy: Policy::preset("conduct").unwrap(),
        zone: "America/New_York",
        days: {
            let mut d = Vec::new();
            let mut day = jiff::civil::date(2026, 3, 2);
            for _ in 0..10 {
                d.push(day);
                day = day.tomorrow().unwrap();
            }
            d
        },
        slots: hours(&[9.0, 13.0, 17.5]),
        per_thread: 4,
        ask: |rng| {
            let r = rng.below(6);
            // Recipients 4 and 5 are references (non-obligors).
            let role = if r >= 4 {
                Role::Reference
            } else {
                Role::Debtor
            };
            let channel = if rng.below(4) == 0 {
                Channel::Push
            } else {
                Channel::Sms
            };
            ask(
                channel,
                format!("+1617555{r:04}"),
                role,
                format!("acct-{}", rng.below(3)),
            )
        },
        // The pending reading of a text is `delivered`: the final result.
        result: |_, _| AttemptResult::Delivered,
        completion: Completion::Immediate,
        replay: true,
        caps: vec![
            Cap {
                rule: "conduct.1 (texts a day)",
                key: Key::Recipient,
                period: Period::Day,
                limit: 3,
                counts: is_text,
                must_fill: true,
            },
            Cap {
                rule: "conduct.2 (texts over seven local dates)",
                key: Key::Recipient,
                period: Period::Dates(7),
                limit: 10,
                counts: is_text,
                must_fill: true,
            },
            Cap {
                rule: "conduct.5 (a non-obligor once a day)",
                key: Key::Recipient,
                period: Period::Day,
                limit: 1,
                counts: |a| !a.ask.role.is_obligor(),
                must_fill: true,
            },
        ],
    };
    check_scenario(&s);
}

/// An inline policy with a debt-scope cap: at most five contacts about a
/// debt in any 24 hours, whoever is contacted, and two a local day to one
/// person about one debt. Four people (obligors and a spouse) on three debts.
#[test]
fn debt_scope_inline_caps() {
    let policy = Policy::from_toml(
        r#"
format = "contactguard-policy/1"
name = "stress-debt"

[[rules]]
id = "debt.24h"
title = "At most five contacts about a debt in 24 hours"
cite = "stress test"
status = "convention"
kind = "cap"
limit = 5
scope = "debt"
rolling = "24h"

[[rules]]
id = "person-debt.day"
title = "At most two contacts a day to one person about one debt"
cite = "stress test"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient_debt"
period = "day"
"#,
    )
    .unwrap();
    let s = Scenario {
        name: "debt-scope inline caps",
        policy,
        zone: "Europe/Dublin",
        // Four consecutive days across the change to summer time (29 March
        // 2026), with uneven slots so that rolling windows straddle days.
        days: {
            let mut d = vec![jiff::civil::date(2026, 3, 27)];
            for _ in 0..3 {
                d.push(d.last().unwrap().tomorrow().unwrap());
            }
            d
        },
        slots: hours(&[8.0, 11.25, 15.5, 20.75]),
        per_thread: 1,
        ask: |rng| {
            let r = rng.below(4);
            let role = [Role::Debtor, Role::CoDebtor, Role::Guarantor, Role::Spouse][r];
            let channel = [Channel::Call, Channel::Sms, Channel::Email][rng.below(3)];
            ask(
                channel,
                format!("person-{r}"),
                role,
                format!("debt-{}", rng.below(3)),
            )
        },
        // Reached: conversation for calls, delivered otherwise (these caps
        // count every result, so a pending attempt counts as its outcome
        // will, and the replay is exact with racing completions).
        result: |a, _| match a.channel {
            Channel::Call => AttemptResult::Conversation,
            _ => AttemptResult::Delivered,
        },
        completion: Completion::Immediate,
        replay: true,
        caps: vec![
            Cap {
                rule: "debt.24h",
                key: Key::Debt,
                period: Period::Rolling(SignedDuration::from_hours(24)),
                limit: 5,
                counts: |_| true,
                must_fill: true,
            },
            Cap {
                rule: "person-debt.day",
                key: Key::RecipientDebt,
                period: Period::Day,
                limit: 2,
                counts: |_| true,
                must_fill: false,
            },
        ],
    };
    check_scenario(&s);
}
