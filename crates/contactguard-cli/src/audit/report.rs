//! Aggregating a replay into the audit report: totals, violations by rule,
//! channel, role, hour and day, the worst recipients with their timelines,
//! and sample violations. The terminal, JSON and HTML outputs all render
//! this one struct.

use super::log::BadRow;
use contactguard::audit::{is_unevaluable, Item, Row};
use contactguard::bytes::same_bytes;
use contactguard::local::{date_of, Clock};
use contactguard::model::SharedStr;
use contactguard::{Ask, Channel, Decision, Denial, Event, EventType, HoldReason, Policy, Role};
use foldhash::HashMap;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::hash::BuildHasher;

/// Format tag of the JSON report.
pub const FORMAT: &str = "contactguard-audit/1";
/// How many sample violations the report shows.
const SAMPLES: usize = 10;
/// How many samples are kept per rule while replaying.
const SAMPLES_PER_RULE: usize = 3;
/// How many worst recipients are listed.
const WORST: usize = 10;
/// How many of them get a timeline.
const TIMELINES: usize = 5;
/// Points kept per recipient timeline.
const MAX_POINTS: usize = 2_000;
/// Bad rows listed in the report (all are counted).
const BAD_LISTED: usize = 100;
/// Attempts that could not be evaluated listed in the report.
const UNEVALUATED_LISTED: usize = 10;

/// The audit report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// The log's name.
    pub log: String,
    /// The policy's name.
    pub policy: String,
    /// Counts.
    pub totals: Totals,
    /// First and last instant in the log, in the first row's zone.
    pub span: Option<Span>,
    /// Where local hours and dates come from.
    pub local_time: String,
    /// Violations per rule, most frequent first.
    pub by_rule: Vec<RuleCount>,
    /// Allowed attempts that carried each obligation (`no_debt_disclosure`,
    /// `opt_out_notice`, ...), most frequent first.
    pub obligations: Vec<ObligationCount>,
    /// Event rows of a type that no rule of the policy reads: they change
    /// no verdict, which usually means a preset is missing.
    pub unread_events: Vec<UnreadEvents>,
    /// Attempts and denials per channel (channels seen only).
    pub by_channel: Vec<KeyCount>,
    /// Attempts and denials per role (roles seen only).
    pub by_role: Vec<KeyCount>,
    /// Attempts by local hour of day, 0 to 23.
    pub by_hour: Vec<HourCount>,
    /// Attempts and denials by local date.
    pub by_day: Vec<DayCount>,
    /// Recipients with the most violations.
    pub worst_recipients: Vec<Recipient>,
    /// The most text messages (`sms`, `push`) one recipient got in one local day.
    pub most_texts_in_a_day: Vec<TextDay>,
    /// A spread of violations with their reasons: the first of each rule,
    /// then the second...
    pub samples: Vec<Sample>,
    /// Timelines of the worst recipients.
    pub timelines: Vec<Timeline>,
    /// The first rows that could not be used.
    pub bad_rows: Vec<BadRowOut>,
    /// Attempts denied only because the engine could not evaluate them (a
    /// zone or a holiday calendar year is missing): not violations.
    pub could_not_evaluate: Unevaluated,
    /// The first recorded rows with a cell that could not be used (an
    /// unknown zone, place, purpose...), read the stricter way.
    pub flawed_rows: Vec<BadRowOut>,
}

/// How many allowed attempts carried one obligation.
#[derive(Clone, Debug, Serialize)]
pub struct ObligationCount {
    /// The obligation's name, as in a decision's `obligations`.
    pub obligation: String,
    /// Allowed attempts that carried it.
    pub count: u64,
}

/// Rows of one event type that no rule of the policy reads.
#[derive(Clone, Debug, Serialize)]
pub struct UnreadEvents {
    /// The event type (`hold`, `opt_out`, ...).
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// How many rows of that type no rule reads.
    pub rows: u64,
    /// For holds, the reasons of those rows (a policy may read some hold
    /// reasons and not others).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<&'static str>,
    /// The warning, e.g. "3 hold rows, but no rule of cn reads `hold`
    /// events; add `conduct`".
    pub message: String,
}

/// Attempts that could not be evaluated.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Unevaluated {
    /// How many.
    pub count: u64,
    /// Why, most frequent first, each with how to fix it.
    pub reasons: Vec<UnevaluatedReason>,
    /// The first of them, in replay order.
    pub first_rows: Vec<UnevaluatedRow>,
}

/// One reason attempts could not be evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct UnevaluatedReason {
    /// What is missing.
    pub reason: String,
    /// Attempts it affected.
    pub count: u64,
    /// How to fix it.
    pub help: String,
}

/// An attempt that could not be evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct UnevaluatedRow {
    /// The row's line in the log.
    pub line: u64,
    /// When (UTC offset as given by the first known zone).
    pub at: String,
    /// The channel.
    pub channel: &'static str,
    /// The recipient key.
    pub to: String,
    /// The debt.
    pub debt: String,
    /// The engine's reason.
    pub message: String,
    #[serde(skip)]
    order: (Timestamp, u64),
}

/// Counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Usable rows.
    pub rows: u64,
    /// Attempts replayed as asks.
    pub attempts: u64,
    /// Other events.
    pub events: u64,
    /// Attempts the policy allows.
    pub allowed: u64,
    /// Attempts the policy would have denied.
    pub denied: u64,
    /// Denials that are violations (one attempt may break several rules;
    /// a zone or calendar year missing is not counted here).
    pub violations: u64,
    /// Rows that could not be used.
    pub bad_rows: u64,
    /// Recorded rows with a cell that could not be used.
    pub flawed_rows: u64,
    /// Denied attempts that could not be evaluated (a subset of `denied`).
    pub could_not_evaluate: u64,
    /// Recipients seen in attempts.
    pub recipients: u64,
    /// Recipients with at least one denied attempt.
    pub recipients_with_violations: u64,
}

/// First and last instant.
#[derive(Clone, Debug, Serialize)]
pub struct Span {
    /// The first row's instant.
    pub first: String,
    /// The last row's instant.
    pub last: String,
}

/// Violations of one rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleCount {
    /// The rule's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its citation.
    pub cite: String,
    /// Denied attempts it denied.
    pub count: u64,
}

/// Attempts and denials for one channel or role.
#[derive(Clone, Debug, Serialize)]
pub struct KeyCount {
    /// The channel or role.
    pub key: &'static str,
    /// Attempts.
    pub attempts: u64,
    /// Denied attempts.
    pub denied: u64,
}

/// Attempts in one local hour of the day.
#[derive(Clone, Debug, Serialize)]
pub struct HourCount {
    /// 0 to 23.
    pub hour: u8,
    /// Allowed attempts.
    pub allowed: u64,
    /// Denied attempts.
    pub denied: u64,
}

/// Attempts on one local date.
#[derive(Clone, Debug, Serialize)]
pub struct DayCount {
    /// The local date.
    pub date: String,
    /// Attempts.
    pub attempts: u64,
    /// Denied attempts.
    pub denied: u64,
    /// Denials.
    pub violations: u64,
}

/// One recipient's record.
#[derive(Clone, Debug, Serialize)]
pub struct Recipient {
    /// The recipient key.
    pub to: String,
    /// Roles they were contacted in.
    pub roles: Vec<&'static str>,
    /// Attempts.
    pub attempts: u64,
    /// Denied attempts.
    pub denied: u64,
    /// Denials.
    pub violations: u64,
    /// Most texts in one local day, and that day.
    pub max_texts_in_a_day: u64,
    /// The day of `max_texts_in_a_day`.
    pub max_texts_date: Option<String>,
    /// Rules broken, with counts, most frequent first.
    pub rules: Vec<(String, u64)>,
}

/// Texts to one recipient in one local day.
#[derive(Clone, Debug, Serialize)]
pub struct TextDay {
    /// The recipient key.
    pub to: String,
    /// The local date.
    pub date: String,
    /// Texts that day.
    pub texts: u64,
}

/// One denied attempt and why.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// The row's line in the log.
    pub line: u64,
    /// When, in the recipient's (first) zone.
    pub at: String,
    /// The channel.
    pub channel: &'static str,
    /// The recipient key.
    pub to: String,
    /// Their role.
    pub role: &'static str,
    /// The debt.
    pub debt: String,
    /// The ask's purpose, if the log gave one.
    pub purpose: Option<&'static str>,
    /// Every rule that denied it.
    pub denials: Vec<contactguard::Denial>,
    /// Replay order: time, then line.
    #[serde(skip)]
    order: (Timestamp, u64),
}

/// A recipient's attempts on the time axis.
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// The recipient key.
    pub to: String,
    /// Attempts, in time order (at most [`MAX_POINTS`]).
    pub points: Vec<Point>,
    /// Attempts not drawn.
    pub omitted: u64,
    /// State events that can explain a denial (holds, opt-outs, cease,
    /// attorney notices, inconvenient times, unreachable marks) for the
    /// recipient, or, for holds and unreachable marks, for a debt they
    /// were contacted about; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TimelineEvent>,
}

/// A state event on a timeline.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineEvent {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// Local time, in the zone of the recipient's first attempt.
    pub local: String,
    /// The event type (`hold`, `opt_out`, ...).
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// For a hold, its reason (`complaint`, `repayment_plan`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The debt it is about, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debt: Option<String>,
}

/// One attempt on a timeline.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// Local time, for the label.
    pub local: String,
    /// The channel.
    pub channel: &'static str,
    /// The first rule that denied it, if any.
    pub rule: Option<String>,
    /// The other rules that denied it, after `rule` (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// A bad row in the report.
#[derive(Clone, Debug, Serialize)]
pub struct BadRowOut {
    /// 1-based line.
    pub line: u64,
    /// Why.
    pub message: String,
}

/// One recipient's counters, in 64 bytes: a long log has hundreds of
/// thousands of recipients.
#[derive(Default)]
struct RecAgg {
    attempts: u64,
    denied: u64,
    violations: u64,
    /// Rules broken (index, count): few per recipient, exactly sized.
    rules: Box<[(u16, u64)]>,
    /// The local day (a day number, see [`date_of`]) of the last text,
    /// when `texts_today` is not 0, and the day of `max_texts`, when that
    /// is not 0.
    text_day: i32,
    max_texts_date: i32,
    /// Texts on `text_day` and the most on one day (saturating: four
    /// billion texts to one person in one day is past any real log).
    texts_today: u32,
    max_texts: u32,
    /// A bit per role (`role_bit`), and [`DEBTS_DIFFER`].
    roles: u32,
}

/// A bit of [`RecAgg::roles`] past every role's: a row about the
/// recipient named a debt other than their first attempt's (tracked only
/// without points, see [`FirstDebts`]).
const DEBTS_DIFFER: u32 = 1 << 31;
const _: () = assert!(Role::ALL.len() < 31);

const _: () = assert!(std::mem::size_of::<RecAgg>() <= 64);

/// The recipients' counters by recipient. The keys are interned: their
/// texts end to end in one string, a table of ids hashed by text
/// (foldhash, randomly seeded), the counters in a vector by id. About 80
/// bytes a recipient instead of the 200 of a map of `String`s.
#[derive(Default)]
struct Recipients {
    index: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
    /// Every key's text, end to end, and where each one ends.
    text: String,
    ends: Vec<usize>,
    /// The counters by id, in chunks of [`CHUNK`]: no vector doubling
    /// (and no slack of up to half) over hundreds of thousands of them.
    recs: Vec<Vec<RecAgg>>,
    len: usize,
}

/// Counters per chunk of [`Recipients::recs`] (256 KiB).
const CHUNK: usize = 4096;

/// Key `id` of an interner's text and ends.
fn interned<'a>(text: &'a str, ends: &[usize], id: usize) -> &'a str {
    let start = id
        .checked_sub(1)
        .and_then(|prev| ends.get(prev).copied())
        .unwrap_or(0);
    let end = ends.get(id).copied().unwrap_or(start);
    text.get(start..end).unwrap_or("")
}

impl Recipients {
    fn len(&self) -> usize {
        self.len
    }

    fn key(&self, id: usize) -> &str {
        interned(&self.text, &self.ends, id)
    }

    fn find(&self, to: &str) -> Option<usize> {
        self.find_hashed(self.hasher.hash_one(to), to)
    }

    /// [`find`](Recipients::find) with the key's hash.
    #[inline]
    fn find_hashed(&self, hash: u64, to: &str) -> Option<usize> {
        let (text, ends, to) = (self.text.as_bytes(), &self.ends[..], to.as_bytes());
        // Compared as bytes: no check of UTF-8 boundaries per probe.
        self.index
            .find(hash, |&id| {
                let start = match id.checked_sub(1) {
                    Some(prev) => ends.get(prev).copied().unwrap_or(0),
                    None => 0,
                };
                ends.get(id)
                    .and_then(|&end| text.get(start..end))
                    .is_some_and(|key| same_bytes(key, to))
            })
            .copied()
    }

    fn contains(&self, to: &str) -> bool {
        self.find(to).is_some()
    }

    /// The id of `to`, added with zero counters if it was not seen yet.
    #[inline]
    fn id(&mut self, to: &str) -> usize {
        let hash = self.hasher.hash_one(to);
        match self.find_hashed(hash, to) {
            Some(id) => id,
            None => self.add(hash, to),
        }
    }

    /// Adds `to`, whose hash is `hash`, with zero counters: its id.
    #[inline(never)]
    fn add(&mut self, hash: u64, to: &str) -> usize {
        let id = self.len;
        self.text.push_str(to);
        self.ends.push(self.text.len());
        match self.recs.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(RecAgg::default()),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(RecAgg::default());
                self.recs.push(chunk);
            }
        }
        self.len += 1;
        let Recipients {
            index,
            hasher,
            text,
            ends,
            ..
        } = self;
        index.insert_unique(hash, id, |&k| hasher.hash_one(interned(text, ends, k)));
        id
    }

    /// The counters of `to`, new ones if it was not seen yet.
    fn entry(&mut self, to: &str) -> Option<&mut RecAgg> {
        let id = self.id(to);
        self.get_mut(id)
    }

    fn get_mut(&mut self, id: usize) -> Option<&mut RecAgg> {
        self.recs.get_mut(id / CHUNK)?.get_mut(id % CHUNK)
    }

    fn get(&self, id: usize) -> Option<&RecAgg> {
        self.recs.get(id / CHUNK)?.get(id % CHUNK)
    }

    fn counters(&self) -> impl Iterator<Item = &RecAgg> {
        self.recs.iter().flatten()
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &RecAgg)> {
        self.counters().enumerate().map(|(id, r)| (self.key(id), r))
    }
}

/// What the first timeline pass of a streamed replay would learn, kept
/// while observing: the debts the rows about each recipient name. Most
/// recipients' rows name one debt, their first attempt's, which is kept
/// (interned like the keys, by recipient id); a recipient whose rows name
/// another is marked ([`DEBTS_DIFFER`]) and their debts are then
/// unknown. Debts named by events about recipients with no attempt yet
/// are kept apart, up to [`LOOSE_DEBTS`].
#[derive(Default)]
struct FirstDebts {
    text: String,
    ends: Vec<usize>,
    /// (recipient, debt) of events before the recipient's first attempt.
    loose: Vec<(String, String)>,
    /// More than [`LOOSE_DEBTS`] of them: every recipient's debts unknown.
    overflow: bool,
}

/// Events about recipients without an attempt yet whose debts are kept.
const LOOSE_DEBTS: usize = 4096;

impl FirstDebts {
    /// Notes that a row about recipient `id` names `debt` (their first
    /// attempt's when `id` is new here).
    #[inline]
    fn note(&mut self, id: usize, debt: &str, rec: &mut RecAgg) {
        let start = match id.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied(),
            None => Some(0),
        };
        let first = match (start, self.ends.get(id)) {
            (Some(start), Some(&end)) => self.text.as_bytes().get(start..end),
            _ => None,
        };
        match first {
            Some(first) if same_bytes(first, debt.as_bytes()) => {}
            Some(_) => rec.roles |= DEBTS_DIFFER,
            None if id == self.ends.len() => {
                self.text.push_str(debt);
                self.ends.push(self.text.len());
            }
            None => rec.roles |= DEBTS_DIFFER,
        }
    }
}

/// A recipient's timeline: kept apart from [`RecAgg`] so that a streamed
/// replay, which keeps none, pays nothing per recipient for it.
#[derive(Default)]
struct Line {
    points: Vec<Pt>,
    omitted: u64,
    /// Further rules that denied a point (its index, the rule), for the
    /// few attempts that more than one rule denied.
    also: Vec<(u32, u16)>,
    /// The debts of its attempts (few per recipient).
    debts: Vec<String>,
}

/// The timelines a streamed replay keeps while it observes, as long as
/// they fit in [`PROVISIONAL_BYTES`]: every attempt's point (with its
/// recipient's id, in replay order) and every state event. When they fit
/// (and the worst recipients' attempts each name one debt, which
/// [`FirstDebts`] knows), the report's timelines need no pass over the
/// log; past the budget they are dropped, and the timeline passes fill in
/// the worst recipients' alone.
#[derive(Default)]
struct Provisional {
    points: Vec<(u32, Pt)>,
    /// Further rules that denied a point (its index in `points`, the rule).
    also: Vec<(usize, u16)>,
    states: Vec<StateRow>,
    /// The heap text the states' events hold, about.
    text_bytes: usize,
    /// The most memory they may hold.
    budget: usize,
}

impl Provisional {
    /// Whether the vectors (by capacity) and the events' text hold more
    /// than the budget.
    fn over_budget(&self) -> bool {
        use std::mem::size_of;
        let held = self.points.capacity() * size_of::<(u32, Pt)>()
            + self.also.capacity() * size_of::<(usize, u16)>()
            + self.states.capacity() * size_of::<StateRow>()
            + self.text_bytes;
        held > self.budget
    }
}

/// The most memory a streamed replay spends on [`Provisional`] timelines
/// (checked as their vectors grow: the growth that passes it, up to twice
/// as much, is dropped at once).
pub const PROVISIONAL_BYTES: usize = 16 << 20;

/// A state event kept for the timelines: attached to its recipient, or
/// (holds and unreachable marks) to its debt.
struct StateRow {
    event: Event,
    by_debt: bool,
}

/// Whether an event can explain a denial on a timeline, and whether it is
/// attached by debt rather than recipient.
fn timeline_state(e: &Event) -> Option<bool> {
    match e.event_type() {
        EventType::Hold | EventType::Unreachable => Some(true),
        EventType::OptOut | EventType::Cease | EventType::Attorney | EventType::Inconvenient => {
            Some(false)
        }
        _ => None,
    }
}

/// One attempt on a recipient's timeline, in 16 bytes: a long log has
/// millions of them.
#[derive(Clone, Copy)]
struct Pt {
    at: i64,
    /// Index in the aggregator's zone table plus one; 0 for UTC.
    zone: u16,
    /// The first evaluable rule that denied it; `u16::MAX` for none.
    rule: u16,
    channel: Channel,
}

/// The first `k` of `items` in the order `before` (total: no two items
/// are equal), as sorting them all would list them, kept while scanning
/// them: an item behind the last kept one once `k` are is passed over.
fn first_k<T: Copy>(
    items: impl Iterator<Item = T>,
    k: usize,
    before: impl Fn(T, T) -> std::cmp::Ordering,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(k + 1);
    for x in items {
        if kept.len() >= k && kept.last().is_none_or(|&last| before(last, x).is_le()) {
            continue;
        }
        let at = kept.partition_point(|&w| before(w, x).is_lt());
        kept.insert(at, x);
        kept.truncate(k);
    }
    kept
}

/// A local day number as its date.
fn date_string(day: i64) -> String {
    date_of(day).map_or_else(|| day.to_string(), |d| d.to_string())
}

/// The local day number and hour of `at` on `clock`.
#[inline]
fn day_hour(clock: &Clock, at: Timestamp) -> (i64, u8) {
    const NANOS_PER_HOUR: u64 = 3_600 * 1_000_000_000;
    let (day, nanos) = clock.local(at);
    (day, u8::try_from(nanos / NANOS_PER_HOUR).unwrap_or(0))
}

/// The same pointer and length: the same shared text.
fn same_text(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b)
}

#[derive(Default)]
struct RuleAgg {
    id: String,
    cite: String,
    count: u64,
    samples: Vec<Sample>,
}

/// Collects the replayed rows and their decisions into a [`Report`].
#[derive(Default)]
pub struct Aggregator {
    totals: Totals,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    rules: Vec<RuleAgg>,
    rule_index: HashMap<String, u16>,
    /// Attempts and denials per channel, in `Channel::ALL` order (the
    /// order of the report; a channel is seen when it has an attempt).
    channels: [(u64, u64); Channel::ALL.len()],
    /// The same per role, in `Role::ALL` order.
    roles: [(u64, u64); Role::ALL.len()],
    hours: [(u64, u64); 24],
    /// By local day number (see [`date_of`]).
    days: BTreeMap<i64, (u64, u64, u64)>,
    /// The counters of the day of the last attempt, not yet in `days`
    /// (rows come mostly in time order: one map lookup per day, not per
    /// attempt); see [`Aggregator::settle_day`].
    day_now: Option<(i64, (u64, u64, u64))>,
    recipients: Recipients,
    lines: HashMap<String, Line>,
    zoned_attempts: u64,
    /// The zone of the first attempt that has one (time, line, zone): the
    /// span is shown in it.
    display: Option<(Timestamp, u64, Clock)>,
    /// Known zones by name (`None` for a name that is not a zone).
    zone_cache: HashMap<String, Option<TimeZone>>,
    /// The last first zone name that is a zone, and its id.
    last_zone: Option<(String, u16)>,
    /// UTC's clock (zone id 0), once needed.
    utc: Option<Clock>,
    /// Rule ids as the decisions share them (with the policy), and their
    /// index in `rules`: a rule's index by pointer, without hashing its id.
    rule_ptrs: Vec<(SharedStr, u16)>,
    /// Obligations counted by their shared text, not yet in `obligations`
    /// (see [`Aggregator::settle_obligations`]).
    obligations_now: Vec<(SharedStr, u64)>,
    /// The zones timeline points refer to (id = index + 1), each with the
    /// offset around the last instant read in it: most rows need no zone
    /// lookup for their local time.
    zones: Vec<Clock>,
    /// Keep no timeline points while observing.
    no_points: bool,
    /// The debts of each recipient's rows, as far as known (without
    /// points only).
    first_debts: Option<FirstDebts>,
    /// Every recipient's timeline while it fits (without points only).
    provisional: Option<Provisional>,
    unevaluated: u64,
    unevaluated_reasons: HashMap<String, u64>,
    unevaluated_rows: Vec<UnevaluatedRow>,
    /// Allowed attempts per obligation they carried.
    obligations: BTreeMap<String, u64>,
    /// Other event rows by type (and reason, for holds).
    event_types: BTreeMap<(EventType, Option<HoldReason>), u64>,
    /// State events for the timelines, in replay order (all of them while
    /// observing with points; only those about the worst recipients and
    /// their debts in a streamed replay's timeline pass).
    states: Vec<StateRow>,
}

/// The local time of `at` with its offset, in `zone` (UTC without one).
fn local_string(zone: Option<&Clock>, at: Timestamp) -> String {
    let mut out = String::with_capacity(25);
    match zone {
        Some(clock) => clock.push_local(&mut out, at),
        None => Clock::of(&TimeZone::UTC, at).push_local(&mut out, at),
    }
    out
}

/// A denied attempt as a sample (a few per rule).
#[cold]
#[inline(never)]
fn sample(line: u64, ask: &Ask, zone: Option<&Clock>, decision: &Decision) -> Sample {
    Sample {
        line,
        at: local_string(zone, ask.at),
        channel: ask.channel.as_str(),
        to: ask.to.clone(),
        role: ask.role.as_str(),
        debt: ask.debt.clone(),
        purpose: ask.purpose.map(|p| p.as_str()),
        denials: decision.denials.clone(),
        order: (ask.at, line),
    }
}

/// The counters of `v`, in counters kept in the order of `all` (every
/// value of its type).
#[cfg(test)]
fn slot<'a, T: PartialEq>(
    counts: &'a mut [(u64, u64)],
    all: &[T],
    v: &T,
) -> Option<&'a mut (u64, u64)> {
    counts.get_mut(all.iter().position(|x| x == v)?)
}

fn is_text(c: Channel) -> bool {
    matches!(c, Channel::Sms | Channel::Push)
}

fn role_bit(r: Role) -> u32 {
    1 << role_index(r)
}

/// The index of `c` in `Channel::ALL`: its discriminant, which `ALL`
/// follows (checked, else searched).
fn channel_index(c: Channel) -> usize {
    let i = c as usize;
    if Channel::ALL.get(i) == Some(&c) {
        i
    } else {
        Channel::ALL.iter().position(|x| *x == c).unwrap_or(0)
    }
}

/// The index of `r` in `Role::ALL`, as [`channel_index`].
fn role_index(r: Role) -> usize {
    let i = r as usize;
    if Role::ALL.get(i) == Some(&r) {
        i
    } else {
        Role::ALL.iter().position(|x| *x == r).unwrap_or(0)
    }
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Aggregator {
        Aggregator::default()
    }

    /// An aggregator that keeps no timeline points: a streamed replay
    /// fills in the timelines of the worst recipients afterwards
    /// ([`timeline_recipients`](Aggregator::timeline_recipients),
    /// [`point`](Aggregator::point)), so that its memory does not grow
    /// with every attempt. Every recipient's points are kept all the same
    /// while they hold at most `budget` bytes ([`PROVISIONAL_BYTES`] for
    /// the CLI; tests force the passes with a small one), so that most
    /// streamed replays need no pass
    /// ([`keep_timelines`](Aggregator::keep_timelines)): the report is the
    /// same with any budget.
    pub fn without_points(budget: usize) -> Aggregator {
        Aggregator {
            no_points: true,
            first_debts: Some(FirstDebts::default()),
            provisional: Some(Provisional {
                budget,
                ..Provisional::default()
            }),
            ..Aggregator::default()
        }
    }

    /// Whether this aggregator, made
    /// [`without_points`](Aggregator::without_points), dropped the
    /// timelines it kept while observing because they outgrew its budget
    /// (before [`keep_timelines`](Aggregator::keep_timelines) takes them).
    pub fn over_budget(&self) -> bool {
        self.no_points && self.provisional.is_none()
    }

    /// Whether the report's timelines are complete without a pass over
    /// the log: made [`without_points`](Aggregator::without_points), this
    /// aggregator kept every timeline within its memory budget. If so, it
    /// keeps those of the worst recipients, as [`point`](Aggregator::point)
    /// and [`state`](Aggregator::state) would have filled them in.
    pub fn keep_timelines(&mut self) -> bool {
        let (Some(p), Some(fd)) = (self.provisional.take(), self.first_debts.as_ref()) else {
            return false;
        };
        // The worst recipients' ids and lines, each with its one debt.
        let mut worst: Vec<(u32, String, Line)> = Vec::new();
        for to in self.timeline_recipients() {
            let Some(id) = self.recipients.find(&to) else {
                return false;
            };
            let one_debt = self
                .recipients
                .get(id)
                .is_some_and(|r| r.roles & DEBTS_DIFFER == 0);
            let (Ok(id32), true, true) = (u32::try_from(id), one_debt, id < fd.ends.len()) else {
                return false;
            };
            let line = Line {
                debts: vec![interned(&fd.text, &fd.ends, id).to_owned()],
                ..Line::default()
            };
            worst.push((id32, to, line));
        }
        // Per recipient id, its place among the worst plus one (0: not one
        // of them): a point's line is found with one read.
        let mut place = vec![0u8; self.recipients.len()];
        for (k, (id, _, _)) in worst.iter().enumerate() {
            if let (Some(x), Ok(k)) = (place.get_mut(*id as usize), u8::try_from(k + 1)) {
                *x = k;
            }
        }
        // `also` is in point order: searched from the last point's run on.
        let mut also_from = 0;
        for (i, (id, pt)) in p.points.iter().enumerate() {
            let k = place.get(*id as usize).copied().unwrap_or(0);
            let Some((_, _, line)) = usize::from(k).checked_sub(1).and_then(|k| worst.get_mut(k))
            else {
                continue;
            };
            let rest = p.also.get(also_from..).unwrap_or(&[]);
            let start = rest.partition_point(|(at, _)| *at < i);
            let run = rest.get(start..).unwrap_or(&[]);
            let len = run.partition_point(|(at, _)| *at == i);
            also_from += start + len;
            if line.points.len() < MAX_POINTS {
                let index = u32::try_from(line.points.len()).unwrap_or(u32::MAX);
                let run = run.get(..len).unwrap_or(&[]);
                line.also.extend(run.iter().map(|(_, r)| (index, *r)));
                line.points.push(*pt);
            } else {
                line.omitted += 1;
            }
        }
        for (_, to, line) in worst {
            self.lines.insert(to, line);
        }
        self.states = p.states;
        true
    }

    /// The debts named by the rows about `worst` (recipients seen in
    /// attempts), all of them, when this aggregator knows them (made
    /// [`without_points`](Aggregator::without_points), and no recipient of
    /// `worst` had rows naming more than one): the debts a pass over the
    /// log collecting them would find.
    pub fn timeline_debts(&self, worst: &[String]) -> Option<Vec<String>> {
        let fd = self.first_debts.as_ref().filter(|fd| !fd.overflow)?;
        let mut debts = Vec::new();
        for to in worst {
            let id = self.recipients.find(to)?;
            if self.recipients.get(id)?.roles & DEBTS_DIFFER != 0 || id >= fd.ends.len() {
                return None;
            }
            debts.push(interned(&fd.text, &fd.ends, id).to_owned());
        }
        debts.extend(
            fd.loose
                .iter()
                .filter(|(to, _)| worst.contains(to))
                .map(|(_, debt)| debt.clone()),
        );
        Some(debts)
    }

    /// The recipients whose timelines the report shows, in order.
    pub fn timeline_recipients(&self) -> Vec<String> {
        self.worst()
            .into_iter()
            .take(TIMELINES)
            .map(|(to, _)| to.to_owned())
            .collect()
    }

    /// The [`WORST`] recipients with violations, most violations first,
    /// then most attempts, then by key.
    fn worst(&self) -> Vec<(&str, &RecAgg)> {
        first_k(
            self.recipients.iter().filter(|(_, r)| r.violations > 0),
            WORST,
            |a, b| {
                b.1.violations
                    .cmp(&a.1.violations)
                    .then_with(|| b.1.attempts.cmp(&a.1.attempts))
                    .then_with(|| a.0.cmp(b.0))
            },
        )
    }

    /// Adds an attempt to its recipient's timeline (after a replay made
    /// [`without_points`](Aggregator::without_points)): the same point
    /// [`observe`](Aggregator::observe) would have kept.
    pub fn point(&mut self, ask: &Ask, decision: &Decision) {
        let (_, zone) = self.zone(ask);
        let rules: Vec<u16> = decision
            .denials
            .iter()
            .filter(|d| !is_unevaluable(d))
            .filter_map(|d| self.rule_index.get(d.id.as_str()).copied())
            .collect();
        if self.recipients.contains(&ask.to) {
            self.push_point(ask, zone, &rules);
        }
    }

    /// Keeps a state event for the timelines (after a replay made
    /// [`without_points`](Aggregator::without_points), for the rows about
    /// the worst recipients and their debts).
    pub fn state(&mut self, event: &Event) {
        if let Some(by_debt) = timeline_state(event) {
            self.states.push(StateRow {
                event: event.clone(),
                by_debt,
            });
        }
    }

    /// Adds a point denied by `rules` (the first drawn; none: allowed).
    fn push_point(&mut self, ask: &Ask, zone: u16, rules: &[u16]) {
        let (rule, more) = rules
            .split_first()
            .map_or((u16::MAX, &[][..]), |(r, m)| (*r, m));
        let line = match self.lines.get_mut(ask.to.as_str()) {
            Some(l) => l,
            None => self.lines.entry(ask.to.clone()).or_default(),
        };
        line.push(ask, zone, rule, more);
    }
}

impl Line {
    /// Adds a point denied by `rule` then `more` (`u16::MAX`: allowed).
    fn push(&mut self, ask: &Ask, zone: u16, rule: u16, more: &[u16]) {
        let line = self;
        if !line.debts.contains(&ask.debt) {
            line.debts.push(ask.debt.clone());
        }
        if line.points.len() < MAX_POINTS {
            let index = u32::try_from(line.points.len()).unwrap_or(u32::MAX);
            line.also.extend(more.iter().map(|&r| (index, r)));
            line.points.push(Pt {
                at: ask.at.as_second(),
                zone,
                rule,
                channel: ask.channel,
            });
        } else {
            line.omitted += 1;
        }
    }
}

impl Aggregator {
    /// Takes one row of the replay and, for an attempt, its decision.
    pub fn observe(&mut self, row: &Row, decision: Option<&Decision>) {
        self.totals.rows += 1;
        match (&row.item, decision) {
            (Item::Attempt { ask, .. }, Some(decision)) => self.attempt(row.pos, ask, decision),
            (item, _) => {
                self.totals.events += 1;
                self.span(item.at());
                if let Item::Event(e) = item {
                    let reason = match e {
                        contactguard::Event::Hold(h) => Some(h.reason),
                        _ => None,
                    };
                    *self
                        .event_types
                        .entry((e.event_type(), reason))
                        .or_default() += 1;
                    if !self.no_points {
                        self.state(e);
                    } else if let Some(p) = &mut self.provisional {
                        if let Some(by_debt) = timeline_state(e) {
                            p.text_bytes +=
                                e.recipient().map_or(0, str::len) + e.debt().map_or(0, str::len);
                            p.states.push(StateRow {
                                event: e.clone(),
                                by_debt,
                            });
                            if p.over_budget() {
                                self.provisional = None;
                            }
                        }
                    }
                    if let (Some(fd), (Some(to), Some(debt))) = (&mut self.first_debts, item.keys())
                    {
                        match self.recipients.find(to) {
                            Some(id) => {
                                if let Some(rec) = self.recipients.get_mut(id) {
                                    fd.note(id, debt, rec);
                                }
                            }
                            None if fd.loose.len() < LOOSE_DEBTS => {
                                fd.loose.push((to.to_owned(), debt.to_owned()));
                            }
                            None => fd.overflow = true,
                        }
                    }
                }
            }
        }
    }

    fn span(&mut self, at: Timestamp) {
        if self.first.is_none_or(|f| at < f) {
            self.first = Some(at);
        }
        if self.last.is_none_or(|l| at >= l) {
            self.last = Some(at);
        }
    }

    /// The ask's first candidate zone that is a zone: whether there is
    /// one, and its id in [`zones`](Aggregator::zones) (0 for none).
    #[inline]
    fn zone(&mut self, ask: &Ask) -> (bool, u16) {
        // Most logs name one zone over and over.
        let Some(first) = ask.timezones.first() else {
            return (false, 0);
        };
        if let Some((last, id)) = &self.last_zone {
            if same_bytes(last.as_bytes(), first.as_bytes()) {
                return (true, *id);
            }
        }
        self.zone_slow(ask, first)
    }

    /// [`zone`](Aggregator::zone) for a first zone name other than the
    /// last one.
    #[inline(never)]
    fn zone_slow(&mut self, ask: &Ask, first: &String) -> (bool, u16) {
        let tz = self.zone_lookup(ask);
        let id = tz
            .as_ref()
            .map_or(0, |tz| self.zone_id(tz, || Clock::of(tz, ask.at)));
        if let Some(Some(_)) = self.zone_cache.get(first) {
            self.last_zone = Some((first.clone(), id));
        }
        (tz.is_some(), id)
    }

    /// The local date (a day number, see [`date_of`]) and hour of `at` in
    /// zone `id` (0: UTC), from the zone's [`Clock`], made again when its
    /// offset no longer holds.
    fn local_day_hour(&mut self, id: u16, at: Timestamp) -> (i64, u8) {
        let clock = match usize::from(id).checked_sub(1) {
            None => self
                .utc
                .get_or_insert_with(|| Clock::of(&TimeZone::UTC, at)),
            Some(i) => match self.zones.get_mut(i) {
                Some(c) => c,
                None => return day_hour(&Clock::of(&TimeZone::UTC, at), at),
            },
        };
        if !clock.covers(at) {
            *clock = Clock::of(clock, at);
        }
        day_hour(clock, at)
    }

    /// The index of a denial's rule in `rules`, added if it is new.
    #[inline]
    fn rule_of(&mut self, denial: &Denial) -> u16 {
        let id = denial.id.as_str();
        if let Some((_, i)) = self.rule_ptrs.iter().find(|(p, _)| same_text(p, id)) {
            return *i;
        }
        self.rule_slow(denial)
    }

    /// [`rule_of`](Aggregator::rule_of) for a rule id not seen as shared.
    #[cold]
    #[inline(never)]
    fn rule_slow(&mut self, denial: &Denial) -> u16 {
        let id = denial.id.as_str();
        let idx = match self.rule_index.get(id) {
            Some(&i) => i,
            None => {
                let i = u16::try_from(self.rules.len()).unwrap_or(u16::MAX);
                self.rule_index.insert(id.to_owned(), i);
                self.rules.push(RuleAgg {
                    id: id.to_owned(),
                    cite: denial.cite.to_string(),
                    ..RuleAgg::default()
                });
                i
            }
        };
        // Held, so that its text stays where it is; a policy has few rules
        // (decisions that do not share their ids fall back on the map).
        if self.rule_ptrs.len() < 256 {
            self.rule_ptrs.push((denial.id.clone(), idx));
        }
        idx
    }

    /// Counts an allowed attempt's obligation.
    fn obligation(&mut self, o: &SharedStr) {
        if let Some((_, n)) = self
            .obligations_now
            .iter_mut()
            .find(|(p, _)| same_text(p, o))
        {
            *n += 1;
            return;
        }
        if self.obligations_now.len() >= 64 {
            // Not shared with a policy: counted by name.
            *self.obligations.entry(o.to_string()).or_default() += 1;
            return;
        }
        self.obligations_now.push((o.clone(), 1));
    }

    /// Adds the obligations counted by shared text to `obligations`.
    fn settle_obligations(&mut self) {
        for (o, n) in std::mem::take(&mut self.obligations_now) {
            *self.obligations.entry(o.to_string()).or_default() += n;
        }
    }

    /// The id of a zone in this aggregator's table (0 when it is full),
    /// added with the clock `new` makes when it is not there.
    fn zone_id(&mut self, tz: &TimeZone, new: impl FnOnce() -> Clock) -> u16 {
        let pos = self
            .zones
            .iter()
            .position(|z| z.iana_name() == tz.iana_name())
            .unwrap_or_else(|| {
                self.zones.push(new());
                self.zones.len() - 1
            });
        u16::try_from(pos + 1).unwrap_or(0)
    }

    fn zone_of(&self, id: u16) -> Option<&Clock> {
        self.zones.get(usize::from(id).checked_sub(1)?)
    }

    fn zone_lookup(&mut self, ask: &Ask) -> Option<TimeZone> {
        for name in &ask.timezones {
            let tz = match self.zone_cache.get(name) {
                Some(tz) => tz.clone(),
                None => {
                    let tz = TimeZone::get(name).ok();
                    self.zone_cache.insert(name.clone(), tz.clone());
                    tz
                }
            };
            if tz.is_some() {
                return tz;
            }
        }
        None
    }

    fn attempt(&mut self, line: u64, ask: &Ask, decision: &Decision) {
        let (zoned, zone_id) = self.zone(ask);
        self.span(ask.at);
        if zoned
            && self
                .display
                .as_ref()
                .is_none_or(|(t, l, _)| (ask.at, line) < (*t, *l))
        {
            if let Some(tz) = self.zone_of(zone_id) {
                self.display = Some((ask.at, line, tz.clone()));
            }
        }
        // The evaluable denials' rules, most often none, one or two: in
        // `few`, or all of them in `all` past its room.
        let mut few = [0u16; 4];
        let mut all: Vec<u16> = Vec::new();
        let mut count = 0usize;
        for denial in &decision.denials {
            if is_unevaluable(denial) {
                continue;
            }
            let idx = self.rule_of(denial);
            match few.get_mut(count) {
                Some(r) => *r = idx,
                None => {
                    if all.is_empty() {
                        all.extend_from_slice(&few);
                    }
                    all.push(idx);
                }
            }
            count += 1;
        }
        let listed: &[u16] = if all.is_empty() {
            few.get(..count).unwrap_or(&[])
        } else {
            &all
        };
        let violations = u64::try_from(count).unwrap_or(u64::MAX);
        let t = &mut self.totals;
        t.attempts += 1;
        let denied = !decision.allow;
        if denied {
            t.denied += 1;
            t.violations += violations;
        } else {
            t.allowed += 1;
            for o in &decision.obligations {
                self.obligation(o);
            }
        }
        // `could_not_evaluate`: denied, and every denial unevaluable.
        if denied && !decision.denials.is_empty() && violations == 0 {
            self.totals.could_not_evaluate += 1;
            let zone = if zoned {
                self.zone_of(zone_id).cloned()
            } else {
                None
            };
            self.unevaluated(line, ask, zone.as_ref(), decision);
        }
        if zoned {
            self.zoned_attempts += 1;
        }
        let (date, hour) = if zoned && zone_id == 0 {
            // A zone the table had no room for: looked up again.
            let tz = self.zone_lookup(ask).unwrap_or(TimeZone::UTC);
            day_hour(&Clock::of(&tz, ask.at), ask.at)
        } else {
            self.local_day_hour(zone_id, ask.at)
        };
        let d = u64::from(denied);
        if let Some(ch) = self.channels.get_mut(channel_index(ask.channel)) {
            ch.0 += 1;
            ch.1 += d;
        }
        if let Some(ro) = self.roles.get_mut(role_index(ask.role)) {
            ro.0 += 1;
            ro.1 += d;
        }
        if let Some(h) = self.hours.get_mut(usize::from(hour)) {
            if denied {
                h.1 += 1;
            } else {
                h.0 += 1;
            }
        }
        if self.day_now.as_ref().is_none_or(|(d, _)| *d != date) {
            self.settle_day();
        }
        let (_, day) = self.day_now.get_or_insert((date, (0, 0, 0)));
        day.0 += 1;
        day.1 += d;
        day.2 += if denied { violations } else { 0 };

        // Rules, with a few samples each.
        for &idx in listed {
            let Some(rule) = self.rules.get_mut(usize::from(idx)) else {
                continue;
            };
            rule.count += 1;
            if rule.samples.len() < SAMPLES_PER_RULE {
                let zone = if zoned {
                    self.zones.get(usize::from(zone_id).wrapping_sub(1))
                } else {
                    None
                };
                rule.samples.push(sample(line, ask, zone, decision));
            }
        }

        // The recipient.
        let id = self.recipients.id(&ask.to);
        if let Some(rec) = self.recipients.get_mut(id) {
            if let Some(fd) = &mut self.first_debts {
                fd.note(id, &ask.debt, rec);
            }
            rec.roles |= role_bit(ask.role);
            rec.attempts += 1;
            if denied {
                rec.denied += 1;
                rec.violations += violations;
                for &i in listed {
                    match rec.rules.iter_mut().find(|(r, _)| *r == i) {
                        Some((_, n)) => *n += 1,
                        None => {
                            let mut rules = std::mem::take(&mut rec.rules).into_vec();
                            rules.push((i, 1));
                            rec.rules = rules.into_boxed_slice();
                        }
                    }
                }
            }
            if is_text(ask.channel) {
                // A day number of jiff's range of dates fits.
                let day = i32::try_from(date).unwrap_or(i32::MIN);
                if rec.texts_today > 0 && rec.text_day == day {
                    rec.texts_today = rec.texts_today.saturating_add(1);
                } else {
                    rec.text_day = day;
                    rec.texts_today = 1;
                }
                if rec.texts_today > rec.max_texts {
                    rec.max_texts = rec.texts_today;
                    rec.max_texts_date = day;
                }
            }
        }
        if !self.no_points {
            self.push_point(ask, zone_id, listed);
        } else if let Some(p) = &mut self.provisional {
            let (rule, rest) = listed
                .split_first()
                .map_or((u16::MAX, &[][..]), |(r, m)| (*r, m));
            let index = p.points.len();
            // The budget is checked when a vector is about to grow.
            let grows =
                index == p.points.capacity() || p.also.capacity() - p.also.len() < rest.len();
            if !rest.is_empty() {
                p.also.extend(rest.iter().map(|&r| (index, r)));
            }
            p.points.push((
                u32::try_from(id).unwrap_or(u32::MAX),
                Pt {
                    at: ask.at.as_second(),
                    zone: zone_id,
                    rule,
                    channel: ask.channel,
                },
            ));
            if (grows && p.over_budget()) || id >= u32::MAX as usize {
                self.provisional = None;
            }
        }
    }

    fn unevaluated(&mut self, line: u64, ask: &Ask, zone: Option<&Clock>, decision: &Decision) {
        self.unevaluated += 1;
        let first = decision.denials.first();
        for denial in &decision.denials {
            *self
                .unevaluated_reasons
                .entry(reason_of(denial))
                .or_default() += 1;
        }
        let order = (ask.at, line);
        if self.unevaluated_rows.len() < UNEVALUATED_LISTED
            || self
                .unevaluated_rows
                .last()
                .is_some_and(|r| order < r.order)
        {
            self.unevaluated_rows.push(UnevaluatedRow {
                line,
                at: local_string(zone, ask.at),
                channel: ask.channel.as_str(),
                to: ask.to.clone(),
                debt: ask.debt.clone(),
                message: first.map(|d| d.message.to_string()).unwrap_or_default(),
                order,
            });
            self.unevaluated_rows.sort_by_key(|r| r.order);
            self.unevaluated_rows.truncate(UNEVALUATED_LISTED);
        }
    }

    /// Adds what another aggregator saw, over rows disjoint from this
    /// one's (another partition of the same log). The report is the same
    /// as if one aggregator had seen every row in replay order.
    /// Adds the counters of the current day to `days`.
    fn settle_day(&mut self) {
        if let Some((date, (a, d, v))) = self.day_now.take() {
            let e = self.days.entry(date).or_default();
            e.0 += a;
            e.1 += d;
            e.2 += v;
        }
    }

    pub fn merge(&mut self, other: Aggregator) {
        let mut other = other;
        self.settle_day();
        other.settle_day();
        self.settle_obligations();
        other.settle_obligations();
        let t = &mut self.totals;
        let o = &other.totals;
        t.rows += o.rows;
        t.attempts += o.attempts;
        t.events += o.events;
        t.allowed += o.allowed;
        t.denied += o.denied;
        t.violations += o.violations;
        t.could_not_evaluate += o.could_not_evaluate;
        if let Some(at) = other.first {
            self.span(at);
        }
        if let Some(at) = other.last {
            self.span(at);
        }
        if let Some((t, l, zi)) = other.display {
            if self
                .display
                .as_ref()
                .is_none_or(|(st, sl, _)| (t, l) < (*st, *sl))
            {
                self.display = Some((t, l, zi));
            }
        }
        self.unevaluated += other.unevaluated;
        // Partitions keep recipients and debts whole, so each one's events
        // come from one partition, in its replay order.
        self.states.extend(other.states);
        for (k, n) in other.event_types {
            *self.event_types.entry(k).or_default() += n;
        }
        for (k, n) in other.obligations {
            *self.obligations.entry(k).or_default() += n;
        }
        for (k, n) in other.unevaluated_reasons {
            *self.unevaluated_reasons.entry(k).or_default() += n;
        }
        self.unevaluated_rows.extend(other.unevaluated_rows);
        self.unevaluated_rows.sort_by_key(|r| r.order);
        self.unevaluated_rows.truncate(UNEVALUATED_LISTED);
        // Rule indexes of `other` in this aggregator.
        let mut remap: Vec<u16> = Vec::with_capacity(other.rules.len());
        for rule in other.rules {
            let idx = match self.rule_index.get(&rule.id) {
                Some(&i) => i,
                None => {
                    let i = u16::try_from(self.rules.len()).unwrap_or(u16::MAX);
                    self.rule_index.insert(rule.id.clone(), i);
                    self.rules.push(RuleAgg {
                        id: rule.id.clone(),
                        cite: rule.cite.clone(),
                        ..RuleAgg::default()
                    });
                    i
                }
            };
            remap.push(idx);
            if let Some(mine) = self.rules.get_mut(usize::from(idx)) {
                mine.count += rule.count;
                mine.samples.extend(rule.samples);
                mine.samples.sort_by_key(|s| s.order);
                mine.samples.truncate(SAMPLES_PER_RULE);
            }
        }
        let map = |i: u16| remap.get(usize::from(i)).copied().unwrap_or(i);
        for (mine, (a, d)) in self.channels.iter_mut().zip(other.channels) {
            mine.0 += a;
            mine.1 += d;
        }
        for (mine, (a, d)) in self.roles.iter_mut().zip(other.roles) {
            mine.0 += a;
            mine.1 += d;
        }
        for (mine, (a, d)) in self.hours.iter_mut().zip(other.hours) {
            mine.0 += a;
            mine.1 += d;
        }
        for (k, (a, d, v)) in other.days {
            let e = self.days.entry(k).or_default();
            e.0 += a;
            e.1 += d;
            e.2 += v;
        }
        self.zoned_attempts += other.zoned_attempts;
        let zone_map: Vec<u16> = other
            .zones
            .iter()
            .map(|c| self.zone_id(c, || c.clone()))
            .collect();
        for (to, mut line) in other.lines {
            for p in &mut line.points {
                if p.rule != u16::MAX {
                    p.rule = map(p.rule);
                }
                p.zone = usize::from(p.zone)
                    .checked_sub(1)
                    .and_then(|i| zone_map.get(i).copied())
                    .unwrap_or(0);
            }
            for (_, r) in &mut line.also {
                *r = map(*r);
            }
            self.lines.insert(to, line);
        }
        let Recipients {
            text, ends, recs, ..
        } = other.recipients;
        for (id, mut rec) in recs.into_iter().flatten().enumerate() {
            rec.rules = rec.rules.iter().map(|&(i, n)| (map(i), n)).collect();
            // Partitions keep each recipient whole, so keys do not collide;
            // if they did, the later partition's record would win.
            if let Some(mine) = self.recipients.entry(interned(&text, &ends, id)) {
                *mine = rec;
            }
        }
    }

    /// The report.
    pub fn finish(
        mut self,
        log_name: &str,
        policy: &Policy,
        bad: &Listed,
        flawed: &Listed,
    ) -> Report {
        self.settle_day();
        self.settle_obligations();
        self.totals.bad_rows = bad.count;
        self.totals.flawed_rows = flawed.count;
        self.totals.recipients = u64::try_from(self.recipients.len()).unwrap_or(u64::MAX);
        self.totals.recipients_with_violations =
            u64::try_from(self.recipients.counters().filter(|r| r.denied > 0).count())
                .unwrap_or(u64::MAX);
        let title_of = |id: &str| {
            policy.rules().iter().find(|r| r.id == id).map_or_else(
                || {
                    if id == "contactguard.zone" {
                        "The recipient's local time could not be evaluated".to_owned()
                    } else {
                        String::new()
                    }
                },
                |r| r.title.clone(),
            )
        };
        let rule_ids: Vec<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        let mut by_rule: Vec<RuleCount> = self
            .rules
            .iter()
            .map(|r| RuleCount {
                id: r.id.clone(),
                title: title_of(&r.id),
                cite: r.cite.clone(),
                count: r.count,
            })
            .collect();
        by_rule.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));

        // Samples: round-robin over rules, most frequent rule first.
        let mut order: Vec<&mut RuleAgg> = self.rules.iter_mut().collect();
        order.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        let mut samples: Vec<Sample> = Vec::new();
        'outer: for round in 0..SAMPLES_PER_RULE {
            for rule in &mut order {
                if samples.len() >= SAMPLES {
                    break 'outer;
                }
                if let Some(s) = rule.samples.get(round) {
                    if !samples.iter().any(|x| x.line == s.line) {
                        samples.push(s.clone());
                    }
                }
            }
        }
        samples.sort_by_key(|s| s.order);

        let worst = self.worst();
        let worst_recipients = worst
            .iter()
            .map(|(to, r)| {
                let mut rules: Vec<(String, u64)> = r
                    .rules
                    .iter()
                    .map(|(i, n)| {
                        (
                            rule_ids.get(usize::from(*i)).cloned().unwrap_or_default(),
                            *n,
                        )
                    })
                    .collect();
                rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Recipient {
                    to: (*to).to_owned(),
                    roles: Role::ALL
                        .iter()
                        .filter(|x| r.roles & role_bit(**x) != 0)
                        .map(|x| x.as_str())
                        .collect(),
                    attempts: r.attempts,
                    denied: r.denied,
                    violations: r.violations,
                    max_texts_in_a_day: u64::from(r.max_texts),
                    max_texts_date: (r.max_texts > 0)
                        .then(|| date_string(i64::from(r.max_texts_date))),
                    rules,
                }
            })
            .collect();
        let timelines = worst
            .iter()
            .take(TIMELINES)
            .map(|(to, _)| (to, self.lines.get(*to)))
            .map(|(to, line)| Timeline {
                to: (*to).to_owned(),
                points: line
                    .map_or(&[][..], |l| l.points.as_slice())
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Point {
                        at: p.at,
                        local: Timestamp::from_second(p.at).map_or_else(
                            |_| p.at.to_string(),
                            |t| local_string(self.zone_of(p.zone), t),
                        ),
                        channel: p.channel.as_str(),
                        rule: (p.rule != u16::MAX)
                            .then(|| rule_ids.get(usize::from(p.rule)).cloned())
                            .flatten(),
                        also: {
                            // `also` is in point order: the run of point `i`.
                            let also = line.map_or(&[][..], |l| l.also.as_slice());
                            let from = also.partition_point(|(at, _)| {
                                usize::try_from(*at).is_ok_and(|at| at < i)
                            });
                            also.get(from..)
                                .unwrap_or(&[])
                                .iter()
                                .take_while(|(at, _)| usize::try_from(*at).is_ok_and(|at| at == i))
                                .filter_map(|(_, r)| rule_ids.get(usize::from(*r)).cloned())
                                .collect()
                        },
                    })
                    .collect(),
                omitted: line.map_or(0, |l| l.omitted),
                events: self.timeline_events(to, line),
            })
            .collect();

        let texts = first_k(
            self.recipients.iter().filter(|(_, r)| r.max_texts > 0),
            WORST,
            |a, b| b.1.max_texts.cmp(&a.1.max_texts).then_with(|| a.0.cmp(b.0)),
        );
        let most_texts_in_a_day = texts
            .iter()
            .map(|(to, r)| TextDay {
                to: (*to).to_owned(),
                date: date_string(i64::from(r.max_texts_date)),
                texts: u64::from(r.max_texts),
            })
            .collect();

        let shown = self.display.as_ref().map(|(_, _, tz)| tz.clone());
        let span_of = |p: Option<Timestamp>| p.map(|t| local_string(shown.as_ref(), t));
        let span = match (span_of(self.first), span_of(self.last)) {
            (Some(first), Some(last)) => Some(Span { first, last }),
            _ => None,
        };
        let local_time = if self.totals.attempts == 0 || self.zoned_attempts == self.totals.attempts
        {
            "each recipient's first candidate zone".to_owned()
        } else if self.zoned_attempts == 0 {
            "UTC (the log gives no time zones)".to_owned()
        } else {
            "each recipient's first candidate zone (UTC for rows without one)".to_owned()
        };

        Report {
            format: FORMAT,
            log: log_name.to_owned(),
            policy: policy.name().to_owned(),
            totals: self.totals,
            span,
            local_time,
            by_rule,
            unread_events: unread_events(&self.event_types, policy),
            obligations: {
                let mut v: Vec<ObligationCount> = self
                    .obligations
                    .into_iter()
                    .map(|(obligation, count)| ObligationCount { obligation, count })
                    .collect();
                // Stable: names stay in order within a count.
                v.sort_by_key(|o| std::cmp::Reverse(o.count));
                v
            },
            by_channel: Channel::ALL
                .iter()
                .zip(&self.channels)
                .filter(|(_, (a, _))| *a > 0)
                .map(|(c, (a, d))| KeyCount {
                    key: c.as_str(),
                    attempts: *a,
                    denied: *d,
                })
                .collect(),
            by_role: Role::ALL
                .iter()
                .zip(&self.roles)
                .filter(|(_, (a, _))| *a > 0)
                .map(|(r, (a, d))| KeyCount {
                    key: r.as_str(),
                    attempts: *a,
                    denied: *d,
                })
                .collect(),
            by_hour: (0u8..24)
                .zip(self.hours.iter())
                .map(|(hour, (allowed, denied))| HourCount {
                    hour,
                    allowed: *allowed,
                    denied: *denied,
                })
                .collect(),
            by_day: self
                .days
                .iter()
                .map(|(date, (a, d, v))| DayCount {
                    date: date_string(*date),
                    attempts: *a,
                    denied: *d,
                    violations: *v,
                })
                .collect(),
            worst_recipients,
            most_texts_in_a_day,
            samples,
            timelines,
            bad_rows: bad.listed(),
            could_not_evaluate: {
                let mut reasons: Vec<UnevaluatedReason> = self
                    .unevaluated_reasons
                    .into_iter()
                    .map(|(reason, count)| UnevaluatedReason {
                        help: help_for(&reason),
                        reason,
                        count,
                    })
                    .collect();
                reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
                Unevaluated {
                    count: self.unevaluated,
                    reasons,
                    first_rows: self.unevaluated_rows,
                }
            },
            flawed_rows: flawed.listed(),
        }
    }
}

impl Aggregator {
    /// The state events shown on a recipient's timeline, in time order (at
    /// most [`MAX_POINTS`]).
    fn timeline_events(&self, to: &str, line: Option<&Line>) -> Vec<TimelineEvent> {
        let zone = line
            .and_then(|l| l.points.first())
            .and_then(|p| self.zone_of(p.zone));
        let debts = line.map_or(&[][..], |l| l.debts.as_slice());
        let mut events: Vec<&Event> = self
            .states
            .iter()
            .filter(|s| {
                if s.by_debt {
                    s.event.debt().is_some_and(|d| debts.iter().any(|x| x == d))
                } else {
                    s.event.recipient() == Some(to)
                }
            })
            .map(|s| &s.event)
            .collect();
        events.sort_by_key(|e| e.at());
        events
            .into_iter()
            .take(MAX_POINTS)
            .map(|e| TimelineEvent {
                at: e.at().as_second(),
                local: local_string(zone, e.at()),
                event_type: e.event_type().as_str(),
                reason: match e {
                    Event::Hold(h) => Some(h.reason.as_str()),
                    _ => None,
                },
                debt: e.debt().map(str::to_owned),
            })
            .collect()
    }
}

/// The event rows no rule of `policy` reads, by type, with the core's
/// warning ([`contactguard::audit::unread_events`], which the Python
/// module's audit gives too).
fn unread_events(
    seen: &BTreeMap<(EventType, Option<HoldReason>), u64>,
    policy: &Policy,
) -> Vec<UnreadEvents> {
    contactguard::audit::unread_events(seen, policy)
        .into_iter()
        .map(|u| UnreadEvents {
            event_type: u.event_type.as_str(),
            rows: u.rows,
            reasons: u.reasons.iter().map(|r| r.as_str()).collect(),
            message: u.message,
        })
        .collect()
}

/// Rows of one kind (bad, or flawed): all counted, the first listed.
#[derive(Debug, Default)]
pub struct Listed {
    /// How many.
    pub count: u64,
    /// The first [`BAD_LISTED`].
    pub first: Vec<BadRow>,
}

impl Listed {
    /// Counts a row, keeping it when the list is not full.
    pub fn push(&mut self, row: BadRow) {
        self.count += 1;
        if self.first.len() < BAD_LISTED {
            self.first.push(row);
        }
    }

    fn listed(&self) -> Vec<BadRowOut> {
        self.first
            .iter()
            .map(|b| BadRowOut {
                line: b.line,
                message: b.message.clone(),
            })
            .collect()
    }
}

/// What is missing, from an unevaluable denial's message: the message up
/// to its first colon (`unknown time zone `X``, `holiday calendar `id` has
/// no data for 2027`), or that no zone was given.
fn reason_of(denial: &Denial) -> String {
    let m = denial.message.as_str();
    if m.starts_with("the ask has no `timezones`") {
        return "no time zone given".to_owned();
    }
    m.split_once(": ").map_or(m, |(head, _)| head).to_owned()
}

/// How to fix a reason of [`reason_of`].
fn help_for(reason: &str) -> String {
    if reason.starts_with("no time zone") {
        "add a `timezone` column (IANA names such as Asia/Shanghai) or pass --tz".to_owned()
    } else if reason.starts_with("unknown time zone") {
        "correct the zone in the log: an IANA name such as Asia/Shanghai or America/New_York"
            .to_owned()
    } else if reason.starts_with("holiday calendar") {
        "add that year's holidays in a policy file that extends the preset ([calendars.NAME], docs/policy-format.md), or use a release that has them".to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::{Aggregator, Recipients, PROVISIONAL_BYTES};
    use contactguard::audit::{Item, Row};
    use contactguard::{Ask, AttemptResult, Channel, Decision, Role};

    fn attempt(pos: u64, at: &str, zone: &str) -> Row {
        Row {
            pos,
            item: Item::Attempt {
                ask: Ask {
                    at: at.parse().unwrap(),
                    channel: Channel::Call,
                    to: format!("c{pos}"),
                    role: Role::Debtor,
                    debt: format!("L{pos}"),
                    timezones: vec![zone.to_owned()],
                    place: None,
                    autodialed: None,
                    purpose: None,
                    days_past_due: None,
                },
                result: AttemptResult::Failed,
            },
        }
    }

    /// Channels and roles are listed in `ALL` order, which is their `Ord`
    /// order (the report's order when they were kept in a sorted map), and
    /// only those with an attempt.
    #[test]
    fn channel_and_role_indexes_are_their_places_in_all() {
        for (i, c) in Channel::ALL.iter().enumerate() {
            assert_eq!(super::channel_index(*c), i);
        }
        for (i, r) in Role::ALL.iter().enumerate() {
            assert_eq!(super::role_index(*r), i);
            assert_eq!(super::role_bit(*r), 1 << i);
        }
    }

    #[test]
    fn channels_and_roles_are_listed_in_order_when_seen() {
        assert!(Channel::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(Role::ALL.windows(2).all(|w| w[0] < w[1]));
        let mut counts = [(0, 0); Channel::ALL.len()];
        for (c, n) in [(Channel::Sms, 2), (Channel::Call, 1), (Channel::Push, 3)] {
            for _ in 0..n {
                if let Some(x) = super::slot(&mut counts, Channel::ALL, &c) {
                    x.0 += 1;
                }
            }
        }
        let seen: Vec<(Channel, u64)> = Channel::ALL
            .iter()
            .zip(&counts)
            .filter(|(_, (a, _))| *a > 0)
            .map(|(c, (a, _))| (*c, *a))
            .collect();
        let mut want = vec![(Channel::Sms, 2), (Channel::Call, 1), (Channel::Push, 3)];
        want.sort();
        assert_eq!(seen, want);
    }

    /// A streamed replay's aggregator keeps every timeline while it fits
    /// its budget: the worst recipients' lines (points, further rules,
    /// points past the most drawn, debts) and the state events are those
    /// an aggregator keeping points has. Past the budget, or when a worst
    /// recipient's attempts name two debts, it says the passes are needed.
    #[test]
    fn kept_timelines_are_those_observed_with_points() {
        let denial = |id: &str| contactguard::Denial {
            id: contactguard::model::SharedStr::from(id),
            cite: contactguard::model::SharedStr::from("cite"),
            message: contactguard::model::Message::from("over"),
        };
        let allowed = Decision {
            allow: true,
            denials: Vec::new(),
            retry_at: None,
            obligations: Vec::new(),
        };
        let one = Decision {
            allow: false,
            denials: vec![denial("r.a")],
            ..allowed.clone()
        };
        let two = Decision {
            allow: false,
            denials: vec![denial("r.b"), denial("r.a")],
            ..allowed.clone()
        };
        let at = |i: u64| format!("2026-03-01T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
        let mut rows: Vec<(Row, Option<Decision>)> = Vec::new();
        for i in 0..(4 * super::MAX_POINTS as u64 + 40) {
            let to = ["w1", "w2", "w3", "ok"][usize::try_from(i % 4).unwrap()];
            let mut row = attempt(i, &at(i / 40), "Asia/Shanghai");
            if let Item::Attempt { ask, .. } = &mut row.item {
                ask.to = to.to_owned();
                ask.debt = format!("D-{to}");
            }
            let d = match (to, i % 3) {
                ("ok", _) => allowed.clone(),
                (_, 0) => two.clone(),
                (_, 1) => one.clone(),
                _ => allowed.clone(),
            };
            rows.push((row, Some(d)));
            if i % 97 == 0 {
                let e = contactguard::Event::Cease(contactguard::model::Cease {
                    at: at(i / 40).parse().unwrap(),
                    to: to.to_owned(),
                    debt: format!("D-{to}"),
                });
                rows.push((
                    Row {
                        pos: i,
                        item: Item::Event(e),
                    },
                    None,
                ));
            }
        }
        let mut kept = Aggregator::new();
        let mut streamed = Aggregator::without_points(PROVISIONAL_BYTES);
        for (row, d) in &rows {
            kept.observe(row, d.as_ref());
            streamed.observe(row, d.as_ref());
        }
        assert!(!streamed.over_budget());
        assert!(streamed.keep_timelines());
        let worst = kept.timeline_recipients();
        assert_eq!(worst, ["w1", "w2", "w3"]);
        assert_eq!(streamed.timeline_recipients(), worst);
        let shown = |a: &Aggregator, to: &str| {
            let l = a.lines.get(to).unwrap();
            let points: Vec<(i64, u16, u16, Channel)> = l
                .points
                .iter()
                .map(|p| (p.at, p.zone, p.rule, p.channel))
                .collect();
            (points, l.also.clone(), l.omitted, l.debts.clone())
        };
        for to in &worst {
            let (points, also, omitted, debts) = shown(&kept, to);
            assert!(omitted > 0 && !also.is_empty());
            assert_eq!(shown(&streamed, to), (points, also, omitted, debts));
        }
        let states = |a: &Aggregator| -> Vec<(contactguard::Event, bool)> {
            a.states
                .iter()
                .map(|s| (s.event.clone(), s.by_debt))
                .collect()
        };
        assert_eq!(states(&streamed), states(&kept));
        assert!(!Aggregator::new().over_budget());

        // Past the budget: dropped.
        let mut small = Aggregator::without_points(1_000);
        for (row, d) in &rows {
            small.observe(row, d.as_ref());
        }
        assert!(small.provisional.is_none());
        assert!(small.over_budget());
        assert!(!small.keep_timelines());
        // A worst recipient's attempts name a second debt.
        let mut other = Aggregator::without_points(PROVISIONAL_BYTES);
        for (row, d) in &rows {
            other.observe(row, d.as_ref());
        }
        let mut row = attempt(9_999, "2026-03-02T00:00:00Z", "UTC");
        if let Item::Attempt { ask, .. } = &mut row.item {
            ask.to = "w1".to_owned();
            ask.debt = "D-other".to_owned();
        }
        other.observe(&row, Some(&allowed));
        assert!(!other.keep_timelines());
    }

    /// The debts a streamed replay remembers for the timelines are those
    /// the rows about the recipients name: one debt each, plus those of
    /// events before a first attempt; unknown once a recipient's rows
    /// name a second debt, or without tracking (points kept).
    #[test]
    fn timeline_debts_are_known_while_each_recipient_has_one() {
        let allowed = Decision {
            allow: true,
            denials: Vec::new(),
            retry_at: None,
            obligations: Vec::new(),
        };
        let cease = |pos: u64, to: &str, debt: &str| Row {
            pos,
            item: Item::Event(contactguard::Event::Cease(contactguard::model::Cease {
                at: "2026-03-01T00:00:00Z".parse().unwrap(),
                to: to.to_owned(),
                debt: debt.to_owned(),
            })),
        };
        let with = |pos: u64, to: &str, debt: &str| {
            let mut row = attempt(pos, "2026-03-01T01:00:00Z", "UTC");
            if let Item::Attempt { ask, .. } = &mut row.item {
                ask.to = to.to_owned();
                ask.debt = debt.to_owned();
            }
            row
        };
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut a = Aggregator::without_points(PROVISIONAL_BYTES);
        a.observe(&cease(1, "a", "D0"), None);
        a.observe(&with(2, "a", "D1"), Some(&allowed));
        a.observe(&with(3, "b", "D2"), Some(&allowed));
        a.observe(&with(4, "a", "D1"), Some(&allowed));
        a.observe(&cease(5, "b", "D2"), None);
        a.observe(&with(6, "c", "D3"), Some(&allowed));
        let mut got = a.timeline_debts(&names(&["a", "b"])).unwrap();
        got.sort();
        assert_eq!(got, names(&["D0", "D1", "D2"]));
        // `c`'s rows name a second debt, by an event then an attempt.
        a.observe(&cease(7, "c", "D4"), None);
        assert_eq!(a.timeline_debts(&names(&["a", "c"])), None);
        assert_eq!(a.timeline_debts(&names(&["b"])), Some(names(&["D2"])));
        let mut b = Aggregator::without_points(PROVISIONAL_BYTES);
        b.observe(&with(1, "d", "D5"), Some(&allowed));
        b.observe(&with(2, "d", "D6"), Some(&allowed));
        assert_eq!(b.timeline_debts(&names(&["d"])), None);
        // A recipient never seen in an attempt: unknown.
        assert_eq!(b.timeline_debts(&names(&["x"])), None);
        let mut c = Aggregator::new();
        c.observe(&with(1, "e", "D7"), Some(&allowed));
        assert_eq!(c.timeline_debts(&names(&["e"])), None);
    }

    /// A sample's local time is the zone clock's (`Clock::push_local`,
    /// tested against jiff in the core), whichever instant the clock was
    /// made at, and UTC's with `+00:00` when the ask named no zone.
    #[test]
    fn local_strings_are_the_zone_clocks() {
        let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
        let far: jiff::Timestamp = "2026-07-01T00:00:00Z".parse().unwrap();
        for (at, want) in [
            ("2026-03-08T06:59:59Z", "2026-03-08T01:59:59-05:00"),
            ("2026-03-08T07:00:00Z", "2026-03-08T03:00:00-04:00"),
        ] {
            let at: jiff::Timestamp = at.parse().unwrap();
            for made in [at, far] {
                let clock = contactguard::local::Clock::of(&tz, made);
                assert_eq!(super::local_string(Some(&clock), at), want, "{at}");
            }
        }
        let at: jiff::Timestamp = "1969-12-31T23:59:59.5Z".parse().unwrap();
        assert_eq!(super::local_string(None, at), "1969-12-31T23:59:59+00:00");
    }

    /// The local date and hour kept per zone while its offset holds are
    /// jiff's, across daylight-saving transitions both ways, zones taking
    /// turns, a zone without one, rows going back in time and instants
    /// before the epoch.
    #[test]
    fn local_dates_and_hours_are_the_zones_own_across_transitions() {
        let mut a = Aggregator::without_points(PROVISIONAL_BYTES);
        let mut rows: Vec<(&str, &str)> = Vec::new();
        // Around New York's transitions of 2026 (03-08 07:00Z, 11-01 06:00Z),
        // every 20 minutes, with Shanghai and UTC between.
        let instants: Vec<jiff::Timestamp> = ["2026-03-08T04:00:00Z", "2026-11-01T03:00:00Z"]
            .iter()
            .flat_map(|start| {
                let start: jiff::Timestamp = start.parse().unwrap();
                (0..24).map(move |i| start + jiff::SignedDuration::from_secs(i * 1_200))
            })
            .collect();
        let texts: Vec<String> = instants.iter().map(ToString::to_string).collect();
        for t in &texts {
            rows.push((t, "America/New_York"));
            rows.push((t, "Asia/Shanghai"));
            rows.push((t, "UTC"));
        }
        // Back in time, and before the epoch with a fraction of a second.
        rows.push(("2026-03-08T06:59:59Z", "America/New_York"));
        rows.push(("1969-12-31T23:59:59.5Z", "America/New_York"));
        rows.push(("1969-12-31T23:59:59.5Z", "UTC"));
        for (i, (at, zone)) in rows.iter().enumerate() {
            let row = attempt(u64::try_from(i).unwrap(), at, zone);
            let Item::Attempt { ask, .. } = &row.item else {
                unreachable!()
            };
            let (_, id) = a.zone(ask);
            let got = a.local_day_hour(id, ask.at);
            let want = jiff::tz::TimeZone::get(zone).unwrap().to_datetime(ask.at);
            let got = (
                contactguard::local::date_of(got.0),
                i8::try_from(got.1).ok(),
            );
            assert_eq!(
                got,
                (Some(want.date()), Some(want.hour())),
                "{at} in {zone}"
            );
        }
    }

    /// Days counted one at a time come out as a count per local day,
    /// whatever the order of the days (zones apart make a later instant an
    /// earlier local day) and across a merge with counts not yet settled.
    #[test]
    fn attempts_are_counted_per_local_day_in_any_order() {
        let allowed = Decision {
            allow: true,
            denials: Vec::new(),
            retry_at: None,
            obligations: Vec::new(),
        };
        let denied = Decision {
            allow: false,
            ..allowed.clone()
        };
        let mut a = Aggregator::without_points(PROVISIONAL_BYTES);
        // 2026-03-02 in Shanghai, 2026-03-01 in New York, then Shanghai.
        a.observe(
            &attempt(1, "2026-03-01T20:00:00Z", "Asia/Shanghai"),
            Some(&allowed),
        );
        a.observe(
            &attempt(2, "2026-03-01T21:00:00Z", "America/New_York"),
            Some(&denied),
        );
        a.observe(
            &attempt(3, "2026-03-01T22:00:00Z", "Asia/Shanghai"),
            Some(&denied),
        );
        let mut b = Aggregator::without_points(PROVISIONAL_BYTES);
        b.observe(
            &attempt(4, "2026-03-01T23:00:00Z", "America/New_York"),
            Some(&allowed),
        );
        b.observe(
            &attempt(5, "2026-03-03T01:00:00Z", "Asia/Shanghai"),
            Some(&denied),
        );
        a.merge(b);
        a.settle_day();
        let days: Vec<(String, u64, u64)> = a
            .days
            .iter()
            .map(|(d, (n, den, _))| (super::date_string(*d), *n, *den))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-03-01".to_owned(), 2, 1),
                ("2026-03-02".to_owned(), 2, 1),
                ("2026-03-03".to_owned(), 1, 1),
            ]
        );
    }

    /// The first `k` kept while scanning are the first `k` of a full sort,
    /// for every `k` from none to past the number of items, in any order
    /// of the items.
    #[test]
    fn first_k_is_a_sorts_prefix() {
        let items: Vec<u32> = (0..200u32).map(|i| (i * 7919) % 200).collect();
        let order = |a: u32, b: u32| (b % 10).cmp(&(a % 10)).then(a.cmp(&b));
        let mut sorted = items.clone();
        sorted.sort_by(|a, b| order(*a, *b));
        for k in [0, 1, 2, 10, 199, 200, 300] {
            let got = super::first_k(items.iter().copied(), k, order);
            assert_eq!(got, sorted.get(..k.min(200)).unwrap(), "k = {k}");
        }
    }

    /// The worst recipients are the first of all those with violations
    /// sorted by violations, then attempts (both descending), then key:
    /// with ties on both counts at the cut, fewer than [`super::WORST`]
    /// recipients, and keys seen in any order.
    #[test]
    fn worst_recipients_are_the_first_of_the_full_order() {
        for n in [0usize, 3, 10, 11, 40, 300] {
            let mut a = Aggregator::new();
            // Keys in a scrambled order; counts with many ties.
            let keys: Vec<String> = (0..n).map(|i| format!("k{:03}", (i * 37) % 1000)).collect();
            for (i, k) in keys.iter().enumerate() {
                if let Some(rec) = a.recipients.entry(k) {
                    rec.violations = (i % 4) as u64;
                    rec.attempts = (i % 3) as u64 + rec.violations;
                }
            }
            let mut all: Vec<(String, u64, u64)> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), (i % 4) as u64, (i % 3 + i % 4) as u64))
                .filter(|(_, v, _)| *v > 0)
                .collect();
            all.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
            all.truncate(super::WORST);
            let got: Vec<(String, u64, u64)> = a
                .worst()
                .into_iter()
                .map(|(k, r)| (k.to_owned(), r.violations, r.attempts))
                .collect();
            assert_eq!(got, all, "{n} recipients");
        }
    }

    #[test]
    fn recipients_are_interned_once_each_with_their_own_counters() {
        let mut r = Recipients::default();
        // Keys that are prefixes of one another, empty, and non-ASCII.
        // More than two chunks of counters.
        let keys: Vec<String> = (0..(2 * super::CHUNK + 17))
            .map(|i| format!("+86{}-{i}", "1".repeat(i % 7)))
            .chain([
                "".to_owned(),
                "张三".to_owned(),
                "a".to_owned(),
                "ab".to_owned(),
            ])
            .collect();
        for (n, k) in keys.iter().enumerate() {
            for _ in 0..=(n % 3) {
                if let Some(rec) = r.entry(k) {
                    rec.attempts += 1;
                }
            }
        }
        assert_eq!(r.len(), keys.len());
        for (n, k) in keys.iter().enumerate() {
            let id = r.find(k).unwrap_or(usize::MAX);
            assert_eq!(r.key(id), k.as_str());
            assert_eq!(r.get(id).map(|x| x.attempts), Some(n as u64 % 3 + 1));
        }
        assert!(!r.contains("+86999999"));
        assert!(!r.contains("ab "));
        let seen: Vec<&str> = r.iter().map(|(k, _)| k).collect();
        assert_eq!(seen, keys.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
