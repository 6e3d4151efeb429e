//! Shared pieces of the fuzz targets: structured inputs built with
//! `arbitrary` (events, asks, small policies rendered to TOML and JSON) and
//! the invariants every decision must keep.
//!
//! The generators stay close to the wire model on purpose: a few
//! recipients and debts so that histories collide, times mostly within a
//! few weeks of one instant (so caps, windows and cool-downs bite) and
//! sometimes at the edges of what `jiff` can represent, and time zones that
//! include names no database knows.

use arbitrary::{Arbitrary, Unstructured};
use contactguard::model::{
    Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Hold, HoldReason,
    Inconvenient, OptOut, Place, PriorConsentToContact, Purpose, RequestContact, Role, Unreachable,
};
use contactguard::policy::format::{
    Bounds, CalendarPeriod, CalendarRule, CalendarSpec, ConditionSpec, DaySel, Duration,
    FilterSpec, LocalTime, PolicyFile, RangeSpec, RoleSel, RuleKind, RuleSpec, Scope,
    UnreachableSpec, WindowSpec,
};
use contactguard::{Ask, Decision, Event};
use jiff::Timestamp;

/// Candidate zones, including names that resolve to nothing.
pub const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "America/New_York",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Los_Angeles",
    "UTC",
    "Asia/Kolkata",
    "Mars/Base",
    "",
    "UTC+8",
    "asia/shanghai",
];

const RECIPIENTS: &[&str] = &["r1", "r2", "r3", "", "+8613800000000"];
const DEBTS: &[&str] = &["d1", "d2", "d3", ""];
const KINDS: &[&str] = &["tcpa", "nyc_written", "emergency_contact", "", "x"];
const SPANS: &[&str] = &[
    "08:00", "12:00", "21:00", "24:00", "00:00", "7:00", "25:61", "noon",
];
const DAYS: &[&str] = &["mon", "Sunday", "sat", "fri", "xyz", ""];

/// A fixed instant near which most generated times fall (a Monday).
pub fn base() -> Timestamp {
    Timestamp::new(1_772_409_600, 0).unwrap_or(Timestamp::UNIX_EPOCH) // 2026-03-02T00:00:00Z
}

fn pick<T: Copy>(all: &[T], i: u8) -> T {
    // `all` is never empty in this crate.
    all[usize::from(i) % all.len()]
}

/// A time: mostly within ±32 days of [`base`], sometimes anywhere jiff
/// allows, sometimes at its limits.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum TimeShape {
    /// Seconds from the base, folded into ±32 days.
    Near(i32),
    /// Seconds from the base, folded into ±32 days, plus nanoseconds.
    NearNanos(i32, u32),
    /// Any second jiff can represent.
    Far(i64),
    /// The earliest instant.
    Min,
    /// The latest instant.
    Max,
}

impl TimeShape {
    /// The instant.
    pub fn at(self) -> Timestamp {
        const SPAN: i64 = 32 * 86_400;
        let near = |s: i32| i64::from(s) % SPAN;
        let t = match self {
            TimeShape::Near(s) => base().as_second().checked_add(near(s)),
            TimeShape::NearNanos(s, n) => {
                let secs = base().as_second() + near(s);
                return Timestamp::new(secs, (n % 1_000_000_000) as i32).unwrap_or(base());
            }
            TimeShape::Far(s) => {
                let (lo, hi) = (Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
                Some(lo + (s.rem_euclid(hi - lo)))
            }
            TimeShape::Min => return Timestamp::MIN,
            TimeShape::Max => return Timestamp::MAX,
        };
        t.and_then(|s| Timestamp::new(s, 0).ok()).unwrap_or(base())
    }
}

/// An event of any type over a few recipients and debts.
#[derive(Arbitrary, Debug, Clone)]
pub struct EventShape {
    kind: u8,
    at: TimeShape,
    to: u8,
    debt: u8,
    channel: u8,
    role: u8,
    result: u8,
    place: Option<u8>,
    granted: bool,
    consent_kind: Option<u8>,
    reason: u8,
    until: Option<TimeShape>,
    start: Option<u8>,
    end: Option<u8>,
    weekdays: Vec<u8>,
    has_debt: bool,
    has_channel: bool,
}

impl EventShape {
    /// The event.
    pub fn event(&self) -> Event {
        let at = self.at.at();
        let to = pick(RECIPIENTS, self.to).to_owned();
        let debt = pick(DEBTS, self.debt).to_owned();
        let channel = pick(Channel::ALL, self.channel);
        let place = self.place.map(|p| pick(Place::ALL, p));
        let until = self.until.map(TimeShape::at);
        // Attempts dominate real histories; give them half the space.
        match self.kind % 20 {
            0..=9 => Event::Attempt(Attempt {
                at,
                channel,
                to,
                role: pick(Role::ALL, self.role),
                debt,
                result: pick(AttemptResult::ALL, self.result),
                place,
            }),
            10 => Event::Consent(Consent {
                at,
                to,
                channel,
                granted: self.granted,
                kind: self.consent_kind.map(|k| pick(KINDS, k).to_owned()),
            }),
            11 => Event::OptOut(OptOut {
                at,
                to,
                channel,
                place,
            }),
            12 => Event::Cease(Cease { at, to, debt }),
            13 => Event::Attorney(AttorneyNotice { at, to, debt }),
            14 => Event::Hold(Hold {
                at,
                debt,
                reason: pick(HoldReason::ALL, self.reason),
                until,
            }),
            15 => Event::PriorConsentToContact(PriorConsentToContact {
                at,
                to,
                debt,
                until,
                granted: self.granted,
            }),
            16 => Event::RequestContact(RequestContact {
                at,
                to,
                debt: self.has_debt.then_some(debt),
            }),
            17 | 18 => Event::Inconvenient(Inconvenient {
                at,
                to,
                start: self.start.map(|s| pick(SPANS, s).to_owned()),
                end: self.end.map(|s| pick(SPANS, s).to_owned()),
                weekdays: self
                    .weekdays
                    .iter()
                    .take(3)
                    .map(|d| pick(DAYS, *d).to_owned())
                    .collect(),
                place,
                channel: self.has_channel.then_some(channel),
                until,
            }),
            _ => Event::Unreachable(Unreachable { at, to, debt }),
        }
    }
}

/// An ask over the same recipients and debts.
#[derive(Arbitrary, Debug, Clone)]
pub struct AskShape {
    at: TimeShape,
    channel: u8,
    to: u8,
    role: u8,
    debt: u8,
    zones: Vec<u8>,
    place: Option<u8>,
    autodialed: Option<bool>,
    purpose: Option<u8>,
    days_past_due: Option<i64>,
}

impl AskShape {
    /// The ask.
    pub fn ask(&self) -> Ask {
        Ask {
            at: self.at.at(),
            channel: pick(Channel::ALL, self.channel),
            to: pick(RECIPIENTS, self.to).to_owned(),
            role: pick(Role::ALL, self.role),
            debt: pick(DEBTS, self.debt).to_owned(),
            timezones: self
                .zones
                .iter()
                .take(3)
                .map(|z| pick(ZONES, *z).to_owned())
                .collect(),
            place: self.place.map(|p| pick(Place::ALL, p)),
            autodialed: self.autodialed,
            purpose: self.purpose.map(|p| pick(Purpose::ALL, p)),
            days_past_due: self.days_past_due,
        }
    }
}

// ---------------------------------------------------------------------------
// Policies

/// Every outcome a dialer reports: `AttemptResult::ALL` without `pending`.
const REPORTED_RESULTS: &[AttemptResult] = &[
    AttemptResult::NotConnected,
    AttemptResult::NoAnswer,
    AttemptResult::Voicemail,
    AttemptResult::Conversation,
    AttemptResult::Delivered,
    AttemptResult::Failed,
];

fn mask<T: Copy>(all: &[T], bits: u16) -> Option<Vec<T>> {
    let v: Vec<T> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << (i % 16)) != 0)
        .map(|(_, v)| *v)
        .collect();
    // An empty list is a policy error ("matches nothing"): leave it out.
    (!v.is_empty()).then_some(v)
}

const ROLE_SELS: &[&str] = &[
    "debtor",
    "co_debtor",
    "guarantor",
    "spouse",
    "estate_representative",
    "attorney",
    "emergency_contact",
    "reference",
    "third_party",
    "employer",
    "obligors",
    "non_obligors",
    "consumers",
    "third_parties",
    "anyone",
];

fn role_sels(bits: u16) -> Option<Vec<RoleSel>> {
    let names = mask(ROLE_SELS, bits)?;
    // RoleSel has no public constructor from a name other than serde.
    serde_json::from_value(serde_json::json!(names)).ok()
}

/// A `when` or `unless` condition.
#[derive(Arbitrary, Debug, Clone)]
pub struct CondShape {
    channels: u8,
    roles: u16,
    purposes: u8,
    places: u8,
    autodialed: Option<bool>,
    dpd: Option<(Option<i16>, Option<i16>)>,
    consent: Option<u8>,
    requested_contact: Option<bool>,
    debtor_unreachable: Option<bool>,
}

impl CondShape {
    fn spec(&self, unless: bool) -> ConditionSpec {
        ConditionSpec {
            channels: mask(Channel::ALL, u16::from(self.channels)),
            roles: role_sels(self.roles),
            purposes: mask(Purpose::ALL, u16::from(self.purposes)),
            places: mask(Place::ALL, u16::from(self.places)),
            autodialed: self.autodialed,
            days_past_due: self.dpd.and_then(|(lo, hi)| {
                (lo.is_some() || hi.is_some()).then(|| RangeSpec {
                    gte: lo.map(i64::from),
                    lt: hi.map(i64::from),
                    ..RangeSpec::default()
                })
            }),
            consent: if unless {
                self.consent.map(|k| pick(KINDS, k).to_owned())
            } else {
                None
            },
            requested_contact: if unless { self.requested_contact } else { None },
            debtor_unreachable: self.debtor_unreachable,
        }
    }
}

/// Which attempts a cap counts or a cool-down reacts to.
#[derive(Arbitrary, Debug, Clone)]
pub struct FilterShape {
    channels: u8,
    results: u8,
    roles: u16,
    places: u8,
    same_channel: bool,
}

impl FilterShape {
    fn spec(&self) -> FilterSpec {
        FilterSpec {
            channels: mask(Channel::ALL, u16::from(self.channels)),
            // `pending` is refused in a filter (it already matches every
            // result), so filters draw from the reported outcomes only.
            results: mask(REPORTED_RESULTS, u16::from(self.results)),
            roles: role_sels(self.roles),
            places: mask(Place::ALL, u16::from(self.places)),
            same_channel: self.same_channel,
        }
    }
}

/// The period of a cap or cool-down.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum PeriodShape {
    /// A rolling duration in minutes (folded into 1 minute to 60 days).
    Rolling(u32),
    /// N local dates (1..=31).
    Dates(u8),
    /// A local calendar day, week or month.
    Calendar(u8),
    /// All time.
    Lifetime,
}

/// One window entry.
#[derive(Arbitrary, Debug, Clone)]
pub struct WinShape {
    days: u16,
    span: Option<(u32, u32)>,
    bounds: Option<u8>,
    closed: bool,
}

const DAY_SELS: &[DaySel] = &[
    DaySel::Mon,
    DaySel::Tue,
    DaySel::Wed,
    DaySel::Thu,
    DaySel::Fri,
    DaySel::Sat,
    DaySel::Sun,
    DaySel::Weekday,
    DaySel::Weekend,
    DaySel::Workday,
    DaySel::Holiday,
    DaySel::Any,
];

impl WinShape {
    fn spec(&self, calendar: bool) -> WindowSpec {
        let time = |s: u32| LocalTime {
            seconds: (s % 86_401) / 60 * 60,
        };
        let mut days = mask(DAY_SELS, self.days).unwrap_or_else(|| vec![DaySel::Any]);
        if !calendar {
            // `holiday` needs a holiday calendar.
            days.retain(|d| *d != DaySel::Holiday);
            if days.is_empty() {
                days.push(DaySel::Weekend);
            }
        }
        let (start, end, bounds) = match (self.closed, self.span) {
            (false, Some((a, b))) => (
                Some(time(a)),
                Some(time(b)),
                self.bounds
                    .map(|b| pick(&[Bounds::Closed, Bounds::HalfOpen, Bounds::Open], b)),
            ),
            _ => (None, None, None),
        };
        WindowSpec {
            days,
            start,
            end,
            bounds,
            closed: self.closed || self.span.is_none(),
            intervals: None,
        }
    }
}

/// A rule of any kind, with parameters that fit the kind (so most compile).
#[derive(Arbitrary, Debug, Clone)]
pub enum RuleShape {
    /// `deny`.
    Deny,
    /// `oblige`.
    Oblige(u8),
    /// `opt_out`.
    OptOut(bool),
    /// `cease`.
    Cease(u8),
    /// `attorney`.
    Attorney(u8),
    /// `hold`.
    Hold(u8),
    /// `inconvenient`.
    Inconvenient(u8),
    /// `window`.
    Window(bool, Vec<WinShape>),
    /// `cap`.
    Cap(u8, u8, PeriodShape, FilterShape, bool),
    /// `cooldown`.
    Cooldown(u8, PeriodShape, FilterShape, bool),
}

/// A rule with its conditions.
#[derive(Arbitrary, Debug, Clone)]
pub struct RuleWithConds {
    shape: RuleShape,
    when: Option<CondShape>,
    unless: Option<CondShape>,
}

const SCOPES: &[Scope] = &[Scope::Recipient, Scope::RecipientDebt, Scope::Debt];

fn set_period(r: &mut RuleSpec, p: PeriodShape, cap: bool) {
    match p {
        PeriodShape::Rolling(m) => {
            r.rolling = Some(Duration {
                seconds: 60 * (1 + i64::from(m % (60 * 24 * 60))),
            })
        }
        PeriodShape::Dates(n) => r.dates = Some(1 + u32::from(n % 31)),
        PeriodShape::Calendar(c) if cap => {
            r.period = Some(pick(
                &[
                    CalendarPeriod::Day,
                    CalendarPeriod::Week,
                    CalendarPeriod::Month,
                ],
                c,
            ))
        }
        PeriodShape::Lifetime if cap => r.lifetime = Some(true),
        // Cool-downs take a rolling duration or dates only.
        PeriodShape::Calendar(c) => r.dates = Some(1 + u32::from(c % 7)),
        PeriodShape::Lifetime => r.rolling = Some(Duration { seconds: 300 }),
    }
}

impl RuleWithConds {
    fn spec(&self, i: usize) -> RuleSpec {
        let mut r = RuleSpec {
            id: format!("fuzz.{i}"),
            title: format!("rule {i}"),
            cite: "fuzz".to_owned(),
            status: "convention".to_owned(),
            when: self.when.as_ref().map(|c| c.spec(false)),
            // An empty `unless` is a policy error: leave it out.
            unless: self
                .unless
                .as_ref()
                .map(|c| c.spec(true))
                .filter(|c| *c != ConditionSpec::default()),
            ..RuleSpec::default()
        };
        match &self.shape {
            RuleShape::Deny => r.kind = RuleKind::Deny,
            RuleShape::Oblige(o) => {
                r.kind = RuleKind::Oblige;
                r.obligations = Some(vec![pick(
                    &["no_debt_disclosure", "opt_out_notice", "x"],
                    *o,
                )
                .to_owned()]);
            }
            RuleShape::OptOut(any) => {
                r.kind = RuleKind::OptOut;
                r.any_channel = Some(*any);
            }
            RuleShape::Cease(s) => {
                r.kind = RuleKind::Cease;
                r.scope = Some(pick(&[Scope::Recipient, Scope::RecipientDebt], *s));
            }
            RuleShape::Attorney(s) => {
                r.kind = RuleKind::Attorney;
                // Representation is per debt.
                r.scope = Some(pick(&[Scope::RecipientDebt, Scope::Debt], *s));
            }
            RuleShape::Hold(bits) => {
                r.kind = RuleKind::Hold;
                r.reasons = mask(HoldReason::ALL, u16::from(*bits))
                    .or_else(|| Some(vec![HoldReason::Dispute]));
            }
            RuleShape::Inconvenient(bits) => {
                r.kind = RuleKind::Inconvenient;
                r.places = mask(Place::ALL, u16::from(*bits));
            }
            RuleShape::Window(cal, wins) => {
                r.kind = RuleKind::Window;
                r.calendar = cal.then(|| "c".to_owned());
                let mut w: Vec<WindowSpec> = wins.iter().take(3).map(|x| x.spec(*cal)).collect();
                if w.is_empty() {
                    w.push(
                        WinShape {
                            days: 0,
                            span: Some((8 * 3600, 21 * 3600)),
                            bounds: None,
                            closed: false,
                        }
                        .spec(*cal),
                    );
                }
                r.windows = Some(w);
            }
            RuleShape::Cap(limit, s, p, f, epc) => {
                r.kind = RuleKind::Cap;
                r.limit = Some(u32::from(*limit % 8));
                r.scope = Some(pick(SCOPES, *s));
                set_period(&mut r, *p, true);
                r.count = Some(f.spec());
                r.exclude_prior_consent = epc.then_some(true);
            }
            RuleShape::Cooldown(s, p, f, epc) => {
                r.kind = RuleKind::Cooldown;
                r.scope = Some(pick(SCOPES, *s));
                set_period(&mut r, *p, false);
                r.after = Some(f.spec());
                r.exclude_prior_consent = epc.then_some(true);
            }
        }
        r
    }
}

/// A small policy: up to six rules, an optional holiday calendar `c`
/// covering 2026, and optional out-of-contact parameters.
#[derive(Arbitrary, Debug, Clone)]
pub struct PolicyShape {
    rules: Vec<RuleWithConds>,
    holidays: Vec<u16>,
    unreachable: Option<(u8, u8)>,
    extends: Option<u8>,
}

const PRESETS: &[&str] = &["conduct", "cn", "us-reg-f", "uk", "nosuch"];

impl PolicyShape {
    /// The policy file.
    pub fn file(&self) -> PolicyFile {
        let mut file = PolicyFile {
            format: contactguard::policy::format::FORMAT.to_owned(),
            name: Some("fuzz".to_owned()),
            rules: self
                .rules
                .iter()
                .take(6)
                .enumerate()
                .map(|(i, r)| r.spec(i))
                .collect(),
            // An extended preset may define the condition already.
            unreachable: self
                .unreachable
                .filter(|_| self.extends.is_none())
                .map(|(d, m)| UnreachableSpec {
                    dates: 1 + u32::from(d % 14),
                    min_failed: 1 + u32::from(m % 5),
                }),
            extends: self
                .extends
                .map(|e| vec![pick(PRESETS, e).to_owned()])
                .unwrap_or_default(),
            ..PolicyFile::default()
        };
        let mut holidays = Vec::new();
        let mut workdays = Vec::new();
        for h in self.holidays.iter().take(12) {
            let day = jiff::civil::date(2026, 1, 1)
                .checked_add(jiff::Span::new().days(i64::from(h % 365)));
            if let Ok(d) = day {
                if h & 0x8000 != 0 {
                    workdays.push(d);
                } else {
                    holidays.push(d);
                }
            }
        }
        file.calendars.insert(
            "c".to_owned(),
            CalendarSpec {
                covers: vec![2026],
                holidays,
                workdays,
                // Some inputs also follow the Irish statutory rule, so the
                // rule's 2026 days must agree with the listed ones or the
                // policy is refused with an error.
                rule: (self.holidays.len() % 3 == 2).then_some(CalendarRule::IeOwta1997),
                ..CalendarSpec::default()
            },
        );
        file
    }
}

/// A policy, a history and some asks.
#[derive(Arbitrary, Debug, Clone)]
pub struct Scenario {
    /// The policy.
    pub policy: PolicyShape,
    /// The history, in any order.
    pub events: Vec<EventShape>,
    /// The asks.
    pub asks: Vec<AskShape>,
}

impl Scenario {
    /// Reads a scenario: up to six rules, 48 events and four asks, with
    /// the counts read first so that short inputs still make full policies.
    pub fn read(u: &mut Unstructured<'_>) -> arbitrary::Result<Scenario> {
        let rules = u.int_in_range(0..=6)?;
        let events = u.int_in_range(0..=48)?;
        let asks = u.int_in_range(1..=4)?;
        let holidays = u.int_in_range(0..=8)?;
        let mut policy = PolicyShape {
            rules: Vec::new(),
            holidays: (0..holidays)
                .map(|_| u16::arbitrary(u))
                .collect::<arbitrary::Result<_>>()?,
            unreachable: Option::arbitrary(u)?,
            extends: Option::arbitrary(u)?,
        };
        for _ in 0..rules {
            policy.rules.push(RuleWithConds::arbitrary(u)?);
        }
        let mut s = Scenario {
            policy,
            events: Vec::new(),
            asks: Vec::new(),
        };
        for _ in 0..events {
            s.events.push(EventShape::arbitrary(u)?);
        }
        for _ in 0..asks {
            s.asks.push(AskShape::arbitrary(u)?);
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------
// Invariants

/// What two decisions must agree on: everything but the wording.
pub fn essence(d: &Decision) -> (bool, Vec<String>, Option<Timestamp>, Vec<String>) {
    let mut ids: Vec<String> = d.denials.iter().map(|x| x.id.to_string()).collect();
    ids.sort();
    let mut obs: Vec<String> = d.obligations.iter().map(|o| o.to_string()).collect();
    obs.sort();
    (d.allow, ids, d.retry_at, obs)
}

/// The invariants of any decision for `ask`: allowed exactly when nothing
/// denied, every denial names a rule and says why, and a `retry_at` lies
/// after the ask.
pub fn check_decision(ask: &Ask, d: &Decision) {
    assert_eq!(
        d.allow,
        d.denials.is_empty(),
        "allow disagrees with denials: {d:?}"
    );
    for denial in &d.denials {
        assert!(!denial.id.is_empty(), "a denial without a rule id: {d:?}");
        assert!(
            !denial.message.is_empty(),
            "a denial without a reason: {d:?}"
        );
    }
    if d.allow {
        assert!(
            d.retry_at.is_none(),
            "an allowed ask with a retry_at: {d:?}"
        );
    }
    if let Some(r) = d.retry_at {
        assert!(
            r > ask.at,
            "retry_at {r} is not after the ask at {}: {d:?}",
            ask.at
        );
    }
}

/// Fixed asks that every loaded policy must decide: a call to a debtor in
/// one zone, a text to a third party in two, an ask with no zone and one
/// with an unknown zone.
pub fn fixed_asks() -> Vec<Ask> {
    let json = [
        r#"{"at":"2026-03-03T10:00:00+08:00","channel":"call","to":"r1","role":"debtor","debt":"d1","timezones":["Asia/Shanghai"],"purpose":"collection"}"#,
        r#"{"at":"2026-03-07T21:59:59-05:00","channel":"sms","to":"r2","role":"third_party","debt":"d1","timezones":["America/New_York","America/Los_Angeles"]}"#,
        r#"{"at":"2026-03-03T10:00:00Z","channel":"email","to":"r1","role":"guarantor","debt":"d2"}"#,
        r#"{"at":"2026-03-03T10:00:00Z","channel":"visit","to":"r3","role":"spouse","debt":"d2","timezones":["Mars/Base"]}"#,
    ];
    json.iter()
        .filter_map(|j| serde_json::from_str(j).ok())
        .collect()
}

/// Decides the fixed asks under `policy` with an empty history and with a
/// small one, and runs a ledger over it: every decision keeps the
/// invariants, and an unknown zone is never allowed.
pub fn exercise_policy(policy: &contactguard::Policy) {
    let _ = (
        policy.rules().len(),
        policy.calendar_coverage(),
        policy.lookback_seconds(),
    );
    let asks = fixed_asks();
    let history: contactguard::History = asks
        .iter()
        .map(|a| Event::attempt_from(a, AttemptResult::Conversation))
        .collect();
    let ledger = contactguard::Ledger::new(policy.clone());
    for ask in &asks {
        for h in [&contactguard::History::new(), &history] {
            let d = contactguard::decide(policy, ask, h);
            check_decision(ask, &d);
            assert_eq!(contactguard::explain(policy, ask, h).decision, d);
            if ask.timezones.iter().any(|z| z == "Mars/Base") {
                assert!(!d.allow, "an unknown zone was allowed: {d:?}");
            }
        }
        let admission = ledger.check_and_record(ask);
        check_decision(ask, &admission.decision);
    }
}

/// A policy error has a code, a message, and a plausible position.
pub fn check_policy_error(e: &contactguard::PolicyError) {
    assert!(e.code.starts_with("policy."), "unexpected code {}", e.code);
    assert!(!e.message.is_empty(), "an empty message for {}", e.code);
    if let Some(l) = e.line {
        assert!(l >= 1, "line 0: {e:?}");
    }
    if let Some(c) = e.column {
        assert!(c >= 1, "column 0: {e:?}");
    }
    let _ = e.to_string();
}

/// CRC-32 (IEEE, reflected, polynomial 0xEDB88320): the snapshot trailer,
/// recomputed by the restore target so that mutated snapshots get past the
/// checksum and reach the structural checks.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}
