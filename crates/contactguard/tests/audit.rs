//! The audit's one replay: rows read from cells, replayed over the ledger,
//! agree with `decide` over the full history, row by row.
// `allow`, not `expect`: clippy.toml may already allow these in tests.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failing test should fail loudly"
)]

use contactguard::audit::{
    self, could_not_evaluate, Cells, Column, Item, Problem, Replayer, Row, RowReader,
};
use contactguard::{decide, Decision, History, Policy};
use proptest::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

/// Cells from (column name, text) pairs, as a CSV row would give them.
struct Text(HashMap<Column, String>);

impl Text {
    fn of(pairs: &[(&str, &str)]) -> Text {
        Text(
            pairs
                .iter()
                .map(|(k, v)| (Column::from_name(k).unwrap(), (*v).to_owned()))
                .collect(),
        )
    }
}

impl Cells for Text {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        self.0.get(&column).map(|s| Cow::Borrowed(s.as_str()))
    }
}

fn text(to: &str, at: &str, zone: &str) -> Text {
    Text::of(&[
        ("at", at),
        ("channel", "sms"),
        ("to", to),
        ("role", "debtor"),
        ("debt", "L1"),
        ("result", "delivered"),
        ("timezone", zone),
        ("purpose", "collection"),
    ])
}

/// The reference: `decide` for each attempt over a history of every
/// earlier row (time order, ties in log order).
fn reference(policy: &Policy, rows: &[Row]) -> Vec<(u64, Decision)> {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| r.at());
    let mut history = History::new();
    let mut out = Vec::new();
    for row in sorted {
        if let Item::Attempt { ask, .. } = &row.item {
            out.push((row.pos, decide(policy, ask, &history)));
        }
        history.push(row.item.to_event());
    }
    out.sort_by_key(|(p, _)| *p);
    out
}

fn replayed(policy: &Policy, rows: &[Row], parts: usize) -> Vec<(u64, Decision)> {
    let states = audit::replay_all(policy, rows.to_vec(), parts, Vec::new, |seen, row, d| {
        if let Some(d) = d {
            seen.push((row.pos, d.clone()));
        }
    })
    .unwrap();
    let mut all: Vec<(u64, Decision)> = states.into_iter().flatten().collect();
    all.sort_by_key(|(p, _)| *p);
    all
}

/// One replay in time order whose ledger is swept after every `every`
/// rows; without `retry_at` searched for unless `retry`.
fn swept(policy: &Policy, rows: &[Row], every: u64, retry: bool) -> Vec<(u64, Decision)> {
    let mut sorted = rows.to_vec();
    audit::sort_rows(&mut sorted);
    let mut replayer = Replayer::new(policy).sweep_every(every);
    if !retry {
        replayer = replayer.without_retry_at();
    }
    let mut all = Vec::new();
    for row in &sorted {
        if let Some(d) = replayer.step(row.pos, &row.item).unwrap() {
            all.push((row.pos, d));
        }
    }
    all.sort_by_key(|(p, _)| *p);
    all
}

/// One replay in time order through [`Replayer::step_into`], one decision
/// filled in row after row, starting as `leftover`: checks that an event
/// leaves the decision as it was, and returns each attempt's decision.
fn reused(policy: &Policy, rows: &[Row], leftover: Decision) -> Vec<(u64, Decision)> {
    let mut sorted = rows.to_vec();
    audit::sort_rows(&mut sorted);
    let mut replayer = Replayer::new(policy);
    let mut decision = leftover;
    let mut all = Vec::new();
    for row in &sorted {
        let before = decision.clone();
        let attempt = replayer
            .step_into(row.pos, &row.item, &mut decision)
            .unwrap();
        assert_eq!(attempt, matches!(row.item, Item::Attempt { .. }));
        if attempt {
            all.push((row.pos, decision.clone()));
        } else {
            assert_eq!(decision, before, "an event changed the decision");
        }
    }
    all.sort_by_key(|(p, _)| *p);
    all
}

#[test]
fn a_misspelled_zone_is_recorded_and_counted() {
    // Four texts to one debtor on one day under cn+conduct; the first with
    // the zone misspelled. It is a contact that happened: it is denied by
    // `contactguard.zone` and still counts, so the fourth breaks conduct.1.
    let policy = Policy::preset("cn+conduct").unwrap();
    let mut reader = RowReader::default();
    let rows: Vec<Row> = [
        ("2026-03-02T10:00:00+08:00", "Asia/Shangai"),
        ("2026-03-02T11:00:00+08:00", "Asia/Shanghai"),
        ("2026-03-02T12:00:00+08:00", "Asia/Shanghai"),
        ("2026-03-02T13:00:00+08:00", "Asia/Shanghai"),
    ]
    .iter()
    .zip(2u64..)
    .map(|((at, zone), pos)| {
        let parsed = reader.read(&text("c1", at, zone)).unwrap();
        if *zone == "Asia/Shangai" {
            assert_eq!(parsed.flaws.len(), 1);
            assert_eq!(parsed.flaws[0].column, Some(Column::Timezones));
            assert!(parsed.flaws[0].to_string().contains("`Asia/Shangai`"));
        } else {
            assert!(parsed.flaws.is_empty());
        }
        Row {
            pos,
            item: parsed.item,
        }
    })
    .collect();
    let got = replayed(&policy, &rows, 1);
    let ids: Vec<Vec<&str>> = got
        .iter()
        .map(|(_, d)| d.denials.iter().map(|x| x.id.as_str()).collect())
        .collect();
    assert_eq!(
        ids,
        [vec!["contactguard.zone"], vec![], vec![], vec!["conduct.1"]]
    );
    assert!(could_not_evaluate(&got[0].1));
    assert!(!could_not_evaluate(&got[3].1));
    assert_eq!(got, reference(&policy, &rows));
}

#[test]
fn one_set_of_rules_for_spellings() {
    let mut reader = RowReader::new(vec!["Asia/Shanghai".to_owned()]);
    let row = Text::of(&[
        ("AT", " 2026-03-02T10:00:00+08:00 "),
        ("Type", "Attempt"),
        ("channel", "SMS"),
        ("to", "c1"),
        ("role", "Debtor"),
        ("debt", "L1"),
        ("result", "Delivered"),
        ("autodialed", "Yes"),
    ]);
    let parsed = reader.read(&row).unwrap();
    assert!(parsed.flaws.is_empty(), "{:?}", parsed.flaws);
    let Item::Attempt { ask, .. } = parsed.item else {
        panic!("an attempt")
    };
    assert_eq!(ask.timezones, ["Asia/Shanghai"]);
    assert_eq!(ask.autodialed, Some(true));
    assert_eq!(Column::from_name(" TimeZones "), Some(Column::Timezones));

    let inconvenient = Text::of(&[
        ("at", "2026-03-02T10:00:00+08:00"),
        ("type", "inconvenient"),
        ("to", "c1"),
        ("weekdays", "Sunday|SAT"),
    ]);
    let Item::Event(contactguard::Event::Inconvenient(i)) =
        reader.read(&inconvenient).unwrap().item
    else {
        panic!("an inconvenient")
    };
    assert_eq!(i.weekdays, ["sun", "sat"]);
}

#[test]
fn only_rows_that_cannot_be_events_are_bad() {
    let mut reader = RowReader::default();
    let base = [
        ("at", "2026-03-02T10:00:00+08:00"),
        ("channel", "call"),
        ("to", "c1"),
        ("role", "debtor"),
        ("debt", "L1"),
        ("result", "no_answer"),
    ];
    let with = |k: &str, v: &str| {
        let mut pairs: Vec<(&str, &str)> = base.iter().filter(|(n, _)| *n != k).copied().collect();
        pairs.push((k, v));
        reader_read(&mut RowReader::default(), &pairs)
    };
    // Bad: no instant, unknown channel, no recipient.
    assert_eq!(with("at", "").unwrap_err().problem, Problem::Missing);
    assert_eq!(
        with("channel", "fax").unwrap_err().to_string(),
        "`channel`: unknown value `fax` (expected call, sms, email, letter, visit, push, voicemail_drop)"
    );
    assert_eq!(
        with("to", " ").unwrap_err().to_string(),
        "missing `to` for an attempt"
    );
    // Recorded with a flaw: an unknown result, place or purpose.
    for (k, v) in [
        ("result", "rang"),
        ("place", "car"),
        ("purpose", "chat"),
        ("autodialed", "maybe"),
    ] {
        let parsed = with(k, v).unwrap();
        assert_eq!(parsed.flaws.len(), 1, "{k}");
        assert_eq!(parsed.flaws[0].column.map(Column::name), Some(k));
    }
    let Item::Attempt { result, .. } = with("result", "").unwrap().item else {
        panic!()
    };
    assert_eq!(result, contactguard::AttemptResult::Conversation);
    drop(reader.read(&Text::of(&base)).unwrap());
}

fn reader_read(
    reader: &mut RowReader,
    pairs: &[(&str, &str)],
) -> Result<audit::Parsed, audit::RowError> {
    reader.read(&Text::of(pairs))
}

#[test]
fn a_missing_calendar_year_could_not_be_evaluated() {
    let d = contactguard::Decision {
        allow: false,
        denials: vec![contactguard::Denial {
            id: "id-ojk.1".into(),
            cite: "".into(),
            message: "holiday calendar `id` has no data for 2099: the local date in Asia/Jakarta cannot be classified (fail closed)".into(),
        }],
        retry_at: None,
        obligations: Vec::new(),
    };
    assert!(could_not_evaluate(&d));
    // The engine's own message, for a year past every calendar.
    let policy = Policy::preset("id-ojk").unwrap();
    let ask: contactguard::Ask = serde_json::from_value(serde_json::json!({
        "at": "2099-01-05T10:00:00+07:00", "channel": "call", "to": "d1",
        "role": "debtor", "debt": "L1", "timezones": ["Asia/Jakarta"],
        "place": "mobile", "purpose": "collection"
    }))
    .unwrap();
    let d = decide(&policy, &ask, &History::new());
    assert!(!d.allow);
    assert!(could_not_evaluate(&d), "{:?}", d.denials);
}

#[test]
fn a_missing_calendar_year_is_not_a_breach_under_a_rule_with_its_own_message() {
    // A policy whose window rule words its own denial: that wording says
    // the contact broke the rule, so a date the calendar cannot classify
    // keeps the engine's wording, and the audit still tells it apart.
    let policy = Policy::from_toml(
        r#"
format = "contactguard-policy/1"
[calendars.x]
covers = [2026]
holidays = ["2026-10-01"]

[[rules]]
id = "w"
title = "days"
cite = "t"
status = "convention"
kind = "window"
calendar = "x"
message = "called outside the agreed hours"
windows = [
  { days = ["holiday"], closed = true },
  { days = ["mon", "tue", "wed", "thu", "fri"], start = "09:00", end = "18:00" },
]
"#,
    )
    .unwrap();
    let ask = |at: &str| -> contactguard::Ask {
        serde_json::from_value(serde_json::json!({
            "at": at, "channel": "call", "to": "c1", "role": "debtor", "debt": "L1",
            "timezones": ["Asia/Shanghai"], "place": "mobile", "purpose": "collection"
        }))
        .unwrap()
    };
    // A breach: the rule's own message, counted as one.
    let night = decide(&policy, &ask("2026-10-13T22:00:00+08:00"), &History::new());
    assert_eq!(night.denials[0].message, "called outside the agreed hours");
    assert!(!could_not_evaluate(&night));
    // A year the calendar does not cover: the engine's message.
    let d = decide(&policy, &ask("2027-01-05T10:00:00+08:00"), &History::new());
    assert!(!d.allow);
    assert_eq!(d.denials[0].id, "w");
    assert!(
        d.denials[0].message.contains("has no data for 2027"),
        "{}",
        d.denials[0].message
    );
    assert!(could_not_evaluate(&d), "{:?}", d.denials);
}

// ---------------------------------------------------------------------------
// The property: random logs with components of more than 300 events and
// misspelled zones replay to exactly `decide` over the full history.

const PEOPLE: &[(&str, &str, &str)] = &[
    ("p1", "debtor", "d1"),
    ("p2", "emergency_contact", "d1"),
    ("p3", "debtor", "d2"),
    ("p1", "debtor", "d2"),
    ("p2", "emergency_contact", "d2"),
    ("p6", "guarantor", "d1"),
    ("p1", "debtor", "d1"),
    ("p4", "third_party", "d3"),
    ("p5", "debtor", "d4"),
];
const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Shangai",
    "America/New_York",
    "",
    "Asia/Manila",
];
const KINDS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "consent",
    "opt_out",
    "cease",
    "hold",
    "request_contact",
    "unreachable",
    "prior_consent_to_contact",
];

/// The people of `PEOPLE` before this index are joined into one component.
const JOINED: usize = 7;

fn cells_strategy() -> impl Strategy<Value = Vec<Vec<(String, String)>>> {
    let row = |people: std::ops::Range<usize>| {
        (
            people,
            0i64..(40 * 24 * 60),
            0..KINDS.len(),
            0..ZONES.len(),
            (0usize..4, 0usize..6, 0usize..4, 0usize..3, any::<bool>()),
        )
    };
    // Over 300 rows in one component, and a few other components.
    (
        prop::collection::vec(row(0..JOINED), 310..380),
        prop::collection::vec(row(JOINED..PEOPLE.len()), 0..60),
    )
        .prop_map(|(joined, apart)| {
            joined
                .into_iter()
                .chain(apart)
                .map(|(p, minutes, k, z, (ch, res, purpose, reason, flag))| {
                    let (to, role, debt) = PEOPLE[p];
                    let at = jiff::Timestamp::from_second(1_772_323_200 + minutes * 60)
                        .unwrap()
                        .to_string();
                    let kind = KINDS[k];
                    let channel = ["call", "sms", "email", "call"][ch];
                    let mut cells = vec![
                        ("at".to_owned(), at),
                        ("type".to_owned(), kind.to_owned()),
                        ("to".to_owned(), to.to_owned()),
                        ("debt".to_owned(), debt.to_owned()),
                        ("channel".to_owned(), channel.to_owned()),
                        ("granted".to_owned(), flag.to_string()),
                    ];
                    match kind {
                        "" => cells.extend([
                            ("role".to_owned(), role.to_owned()),
                            (
                                "result".to_owned(),
                                [
                                    "no_answer",
                                    "voicemail",
                                    "conversation",
                                    "delivered",
                                    "failed",
                                    "not_connected",
                                ][res]
                                    .to_owned(),
                            ),
                            ("timezone".to_owned(), ZONES[z].to_owned()),
                            (
                                "purpose".to_owned(),
                                ["", "collection", "location", "notice"][purpose].to_owned(),
                            ),
                            ("autodialed".to_owned(), flag.to_string()),
                        ]),
                        "hold" => cells.push((
                            "reason".to_owned(),
                            ["dispute", "repayment_plan", "promise_to_pay"][reason].to_owned(),
                        )),
                        _ => {}
                    }
                    cells
                })
                .collect()
        })
}

/// What a row's verdict is: allowed or not, by which rules, when it could
/// be retried, what it must honour. (The wording of a lifetime cap's denial
/// can differ: the ledger keeps only the newest `limit` attempts a lifetime
/// cap counts, so it may report fewer attempts than the full history holds;
/// see `contactguard::ledger`.) An ask without a zone is denied
/// `contactguard.zone` alike by both: a rule reads back exactly its
/// look-back, which the ledger keeps.
type Verdict<'a> = (
    u64,
    bool,
    Vec<&'a str>,
    Option<jiff::Timestamp>,
    &'a [contactguard::SharedStr],
);

fn verdict((pos, d): &(u64, Decision)) -> Verdict<'_> {
    (
        *pos,
        d.allow,
        d.denials.iter().map(|x| x.id.as_str()).collect(),
        d.retry_at,
        &d.obligations,
    )
}

struct Owned(HashMap<Column, String>);

impl Cells for Owned {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        self.0.get(&column).map(|s| Cow::Borrowed(s.as_str()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn replay_equals_decide_over_the_full_history(
        log in cells_strategy(),
        policy in prop::sample::select(vec!["cn+conduct", "us-reg-f+us-ma+conduct", "ph", "us-reg-f+us-tcpa"]),
    ) {
        let policy = Policy::preset(policy).unwrap();
        let mut reader = RowReader::default();
        let rows: Vec<Row> = log
            .iter()
            .zip(0u64..)
            .filter_map(|(cells, pos)| {
                let cells = Owned(
                    cells
                        .iter()
                        .map(|(k, v)| (Column::from_name(k).unwrap(), v.clone()))
                        .collect(),
                );
                reader.read(&cells).ok().map(|p| Row { pos, item: p.item })
            })
            .collect();
        let (component, _) = audit::components(rows.iter().map(|r| r.item.keys()));
        let largest = component.iter().fold(HashMap::new(), |mut m, c| {
            *m.entry(*c).or_insert(0usize) += 1;
            m
        });
        prop_assert!(largest.values().any(|n| *n > 300));
        let want = reference(&policy, &rows);
        for parts in [1, 3] {
            let got = replayed(&policy, &rows, parts);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(verdict(g), verdict(w), "{} part(s), policy {}", parts, policy.name());
            }
        }
        // Sweeping the ledger after every row (or every seventh) as of the
        // row just replayed changes no verdict.
        let unswept = replayed(&policy, &rows, 1);
        for every in [1, 7] {
            let got = swept(&policy, &rows, every, true);
            prop_assert_eq!(got.len(), want.len());
            for ((g, w), u) in got.iter().zip(&want).zip(&unswept) {
                prop_assert_eq!(verdict(g), verdict(w), "swept every {} rows, policy {}", every, policy.name());
                prop_assert_eq!(g, u, "swept every {} rows, policy {}", every, policy.name());
            }
        }
        // Without the `retry_at` search every decision is the same but for
        // its `retry_at`, which is then always `None`.
        let bare = swept(&policy, &rows, 7, false);
        prop_assert_eq!(bare.len(), unswept.len());
        for ((pb, b), (pu, u)) in bare.iter().zip(&unswept) {
            prop_assert_eq!(pb, pu);
            prop_assert_eq!(b.retry_at, None);
            let mut u = u.clone();
            u.retry_at = None;
            prop_assert_eq!(b, &u, "without retry_at, policy {}", policy.name());
        }
        // One decision reused row after row, starting with leftovers of
        // every kind (denials, a `retry_at`, an obligation), gives each
        // attempt what `step` gives it.
        let mut leftover = want
            .iter()
            .find(|(_, d)| !d.allow)
            .map_or_else(|| want[0].1.clone(), |(_, d)| d.clone());
        leftover.allow = true;
        leftover.retry_at = Some(jiff::Timestamp::UNIX_EPOCH);
        leftover.obligations.push("left.over".into());
        let got = reused(&policy, &rows, leftover);
        prop_assert_eq!(got.len(), unswept.len());
        for (g, u) in got.iter().zip(&unswept) {
            prop_assert_eq!(g, u, "one decision reused, policy {}", policy.name());
        }
    }
}
