//! Recipient-stated inconvenient times.

use super::cause::{push_inconvenient, Cause, Days, Keys};
use super::local::{self, Clock};
use super::view::Stored;
use super::{deny, no_zone, Ctx, Verdict};
use crate::model::{Ask, Inconvenient, Place};
use crate::policy::format::LocalTime;
use jiff::civil::Weekday;
use jiff::Timestamp;

fn parse_weekday(s: &str) -> Option<Weekday> {
    // The first three characters, in any case (ASCII case only changes
    // letters, never a length or a character boundary): no allocation.
    let &[a, b, c] = s.trim().get(..3)?.as_bytes() else {
        return None;
    };
    Some(
        match [
            a.to_ascii_lowercase(),
            b.to_ascii_lowercase(),
            c.to_ascii_lowercase(),
        ] {
            [b'm', b'o', b'n'] => Weekday::Monday,
            [b't', b'u', b'e'] => Weekday::Tuesday,
            [b'w', b'e', b'd'] => Weekday::Wednesday,
            [b't', b'h', b'u'] => Weekday::Thursday,
            [b'f', b'r', b'i'] => Weekday::Friday,
            [b's', b'a', b't'] => Weekday::Saturday,
            [b's', b'u', b'n'] => Weekday::Sunday,
            _ => return None,
        },
    )
}

/// A weekday's bit in [`Read::weekdays`].
fn day_bit(d: Weekday) -> u8 {
    1 << d.to_monday_one_offset()
}

/// The bit in [`Read::weekdays`] of the weekday of day number `day`.
fn day_number_bit(day: i64) -> u8 {
    // `monday_offset` is in 0..7: Monday is bit 1, as in `day_bit`.
    1 << (local::monday_offset(day) + 1)
}

/// Whether day number `day` has a day before it in jiff's range of dates
/// (what `Date::yesterday` succeeds on).
fn has_yesterday(day: i64) -> bool {
    // Every day after this one is well inside the range (which starts in
    // the year -9999, about 4.37 million days before 1970).
    day > -4_000_000 || local::date_of(day - 1).is_some()
}

/// Whether day number `day` is in jiff's range of dates.
fn in_range(day: i64) -> bool {
    (-4_000_000..2_900_000).contains(&day) || local::date_of(day).is_some()
}

/// A statement's span and weekdays as read from its text, once, when its
/// event is stored (by [`History`](crate::History) and the ledger) rather
/// than at every ask. Unparseable spans or weekdays make the statement
/// cover the whole day (fail closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Read {
    span: Option<(u32, u32)>,
    /// The stated weekdays, one bit each (Monday = bit 1 ... Sunday =
    /// bit 7); 0 when none (or one could not be read): every day.
    weekdays: u8,
}

impl Read {
    /// Reads a statement's span and weekdays.
    pub(crate) fn of(i: &Inconvenient) -> Read {
        let span = match (&i.start, &i.end) {
            (None, None) => None,
            (s, e) => {
                let s = s
                    .as_deref()
                    .map_or(Ok(LocalTime { seconds: 0 }), LocalTime::parse);
                let e = e
                    .as_deref()
                    .map_or(Ok(LocalTime { seconds: 86_400 }), LocalTime::parse);
                match (s, e) {
                    (Ok(s), Ok(e)) => Some((s.seconds, e.seconds)),
                    _ => Some((0, 86_400)),
                }
            }
        };
        let mut weekdays = 0u8;
        for w in &i.weekdays {
            match parse_weekday(w) {
                Some(d) => weekdays |= day_bit(d),
                None => {
                    weekdays = 0;
                    break;
                }
            }
        }
        Read { span, weekdays }
    }
}

/// A local time as statements read it: nanoseconds since local midnight,
/// and the weekday bits (as in [`Read::weekdays`]) of the local date and of
/// the day before (0 when the date is the first jiff knows).
struct Local {
    ns: u64,
    today: u8,
    yesterday: u8,
}

impl Local {
    /// The local time of `t` in zone `z`.
    #[inline]
    fn at(z: &Clock, t: Timestamp) -> Local {
        let (day, ns) = z.local(t);
        Local {
            ns,
            today: day_number_bit(day),
            yesterday: if has_yesterday(day) {
                day_number_bit(day - 1)
            } else {
                0
            },
        }
    }
}

/// A stored statement with its [`Read`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stated<'a> {
    i: &'a Inconvenient,
    r: Read,
    /// An earlier statement of the same side [`shadows`] this one: it can
    /// never be the first statement covering an instant.
    shadowed: bool,
}

/// Whether statement `a` (with reading `ra`), stored before `b` (with
/// `rb`) about the same recipient, covers every instant `b` covers, so
/// that `b` is never the first statement covering an instant and the rule
/// need not look at it: `a` is not later, never ends, applies to the same
/// channel and place, and reads the same span and weekdays. (Whenever `b`
/// is among an ask's events, so is `a`.)
pub(crate) fn shadows(a: &Inconvenient, ra: Read, b: &Inconvenient, rb: Read) -> bool {
    a.at <= b.at && a.until.is_none() && a.channel == b.channel && a.place == b.place && ra == rb
}

impl<'a> Stated<'a> {
    /// A statement and its reading (which must be `Read::of(i)`).
    pub(crate) fn new(i: &'a Inconvenient, r: Read) -> Stated<'a> {
        Stated {
            i,
            r,
            shadowed: false,
        }
    }

    /// A statement and its reading, and whether an earlier statement
    /// [`shadows`] it.
    pub(crate) fn with_shadowed(i: &'a Inconvenient, r: Read, shadowed: bool) -> Stated<'a> {
        Stated { i, r, shadowed }
    }

    /// Whether a local time falls inside the statement.
    #[inline]
    fn covers(&self, l: &Local) -> bool {
        let weekdays = self.r.weekdays;
        let day_ok = |bit: u8| weekdays == 0 || weekdays & bit != 0;
        match self.r.span {
            None => day_ok(l.today),
            Some((s, e)) if s < e => {
                day_ok(l.today)
                    && l.ns >= u64::from(s) * 1_000_000_000
                    && l.ns < u64::from(e) * 1_000_000_000
            }
            Some((s, e)) => {
                // Wraps past midnight: the evening part belongs to the stated
                // day, the morning part to the day before (when there is one).
                let evening = l.ns >= u64::from(s) * 1_000_000_000;
                let morning = l.ns < u64::from(e) * 1_000_000_000;
                (evening && day_ok(l.today)) || (morning && l.yesterday != 0 && day_ok(l.yesterday))
            }
        }
    }

    /// Whether the statement reads local time (a span or weekdays).
    fn needs_zone(&self) -> bool {
        self.r.span.is_some() || self.r.weekdays != 0
    }

    /// Whether the statement can ever stop covering a moment.
    fn is_permanent(&self) -> bool {
        self.i.until.is_none() && !self.needs_zone()
    }
}

/// The first boundary after `c` (a span end or a local midnight, over the
/// next week) at which the statement no longer covers local time in `z`.
fn exit_of(z: &Clock, c: Timestamp, s: &Stated) -> Option<Timestamp> {
    let (d0, _) = z.local(c);
    for i in 0..9 {
        let d = d0 + i;
        if !in_range(d) {
            return None;
        }
        let end =
            s.r.span
                .and_then(|(_, e)| z.instant_at_day_known(d, e).map(|(x, _)| x));
        let next = z.start_of_day_n(d + 1);
        // The two candidates in order.
        let (a, b) = match (end, next) {
            (Some(x), Some(y)) => (Some(x.min(y)), Some(x.max(y))),
            (x, y) => (x.or(y), None),
        };
        if let Some(x) = [a, b]
            .into_iter()
            .flatten()
            .find(|&x| x > c && !s.covers(&Local::at(z, x)))
        {
            return Some(x);
        }
    }
    None
}

/// A statement's place as a bit, for the ask: bit 0 for a statement
/// naming no place, bit `1 + u32::from(p)` for one naming place `p` when
/// the ask's place is unknown or `p`, none for another place. A rule
/// reads a statement when this meets its [`rule_places`].
fn place_bit(i: &Inconvenient, ask: &Ask) -> u64 {
    match i.place {
        None => 1,
        Some(p) if ask.place.is_none_or(|a| a == p) => {
            1u64.checked_shl(1 + u32::from(p)).unwrap_or(u64::MAX)
        }
        Some(_) => 0,
    }
}

/// The statements' place bits (as in [`place_bit`]) a rule about `places`
/// reads: a rule about places reads statements naming one of them, a rule
/// about no place those naming none.
fn rule_places(places: Option<&[Place]>) -> u64 {
    match places {
        None => 1,
        Some(list) => list.iter().fold(0, |m, &p| {
            m | 1u64.checked_shl(1 + u32::from(p)).unwrap_or(u64::MAX)
        }),
    }
}

/// The recipient's statements that apply to the ask under a rule reading
/// the place bits `wanted` ([`rule_places`]), in order (read in place: no
/// list is built), but for those a history knows to be shadowed (see
/// `States::statements`: leaving them out changes no answer read from
/// them here). The place is tested first.
fn applicable<'c, 'a: 'c, S: Stored>(
    ctx: &'c Ctx<'a, S>,
    wanted: u64,
) -> impl Iterator<Item = Stated<'a>> + 'c {
    let ask = ctx.ask;
    let applies = move |i: &Inconvenient| {
        place_bit(i, ask) & wanted != 0 && i.channel.is_none_or(|c| c == ask.channel)
    };
    ctx.rec.states.statements().filter(move |s| applies(s.i))
}

/// The place bits ([`place_bit`]) of the recipient's statements still in
/// force at the ask's time (each not ended by it) that apply to the ask's
/// channel, for [`never_denies`]. A statement that needs a zone the ask
/// lacks counts as in force (its rule would not be evaluated). A shadowed
/// statement left out has the bits of the one shadowing it, which is in
/// force.
pub(super) fn live_places<S: Stored>(ctx: &Ctx<'_, S>) -> u64 {
    let ask = ctx.ask;
    let no_zone = ctx.zones.is_empty();
    let mut bits = 0u64;
    for s in ctx.rec.states.statements() {
        if s.i.channel.is_none_or(|c| c == ask.channel)
            && (s.i.until.is_none_or(|u| ask.at < u) || (no_zone && s.needs_zone()))
        {
            bits |= place_bit(s.i, ask);
        }
    }
    bits
}

/// Whether the rule about `places` (or about no place) passes at every
/// instant from the ask's on, given [`live_places`]: no statement still in
/// force applies to the ask under it.
pub(super) fn never_denies(live: u64, places: Option<&[Place]>) -> bool {
    live & rule_places(places) == 0
}

pub(super) fn inconvenient<S: Stored>(
    ctx: &Ctx<'_, S>,
    places: Option<&[Place]>,
    t: Timestamp,
) -> Verdict {
    let ask = ctx.ask;
    let wanted = rule_places(places);
    let stated = || applicable(ctx, wanted);
    // Statements without a zone to read them in cannot be evaluated.
    if ctx.zones.is_empty() && stated().any(|s| s.needs_zone()) {
        return no_zone(ctx);
    }
    // The first statement covering `c`. Most asks name one zone: the local
    // time in the first is computed once for all statements (when one
    // needs it), in the others per statement.
    let first_zone = ctx.zones.iter().next();
    let more_zones = ctx.zones.iter().nth(1).is_some();
    let covering = |c: Timestamp| -> Option<Stated<'_>> {
        let mut first_local: Option<Local> = None;
        stated().find(|s| {
            !s.shadowed
                && s.i.at <= c
                && s.i.until.is_none_or(|u| c < u)
                && (!s.needs_zone()
                    || first_zone.is_some_and(|z| {
                        s.covers(first_local.get_or_insert_with(|| Local::at(z, c)))
                    })
                    || (more_zones && ctx.zones.iter().skip(1).any(|z| s.covers(&Local::at(z, c)))))
        })
    };
    let Some(first) = covering(t) else {
        return Verdict::Pass;
    };
    // Step forward minute by minute boundaries: the next instant no
    // statement covers (searched only when wanted). Spans end on whole
    // seconds of local time, and weekday-only statements at local
    // midnight.
    let mut c = t;
    let mut earliest = None;
    let steps = if ctx.want_earliest { 4096 } else { 0 };
    for _ in 0..steps {
        let Some(s) = covering(c) else {
            earliest = Some(c);
            break;
        };
        if s.is_permanent() {
            break;
        }
        let mut exit = s.i.until;
        for z in ctx.zones.iter() {
            if let Some(x) = exit_of(z, c, &s) {
                exit = Some(exit.map_or(x, |e: Timestamp| e.min(x)));
            }
        }
        match exit {
            Some(x) if x > c => c = x,
            _ => break,
        }
    }
    let s = first;
    deny(ctx, earliest, || {
        let days = if s.r.weekdays != 0 {
            let days = Days::of(s.i.weekdays.iter().filter_map(|w| parse_weekday(w)));
            match days {
                Some(d) => Some(d),
                // More weekdays than a record keeps: written now.
                None => return Cause::Text(inconvenient_message(ctx, &s).into()),
            }
        } else {
            None
        };
        Cause::Inconvenient {
            keys: Keys::of(ask),
            at: s.i.at,
            zone: ctx.first_zone(),
            place: s.i.place,
            span: s.r.span,
            days,
        }
    })
}

/// The message of an inconvenient-time denial, written at once (for a
/// statement naming more weekdays than a [`Days`] keeps).
#[cold]
fn inconvenient_message<S: Stored>(ctx: &Ctx<'_, S>, s: &Stated<'_>) -> String {
    let mut m = String::new();
    let days = (s.r.weekdays != 0).then(|| s.i.weekdays.iter().filter_map(|w| parse_weekday(w)));
    push_inconvenient(
        &mut m,
        &ctx.ask.to,
        ctx.first_zone().as_deref(),
        s.i.at,
        s.i.place,
        s.r.span,
        days,
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;
    use jiff::civil::Date;
    use jiff::tz::TimeZone;

    /// Whether a statement covers `t` in `tz`, by definition: the civil
    /// date-time from jiff, its weekday and the day before (what the rule
    /// computed before it read local time through a `Clock`).
    fn covers_by_definition(r: Read, tz: &TimeZone, t: Timestamp) -> bool {
        let dt = tz.to_datetime(t);
        let secs = local::secs_of_day(dt);
        let day_ok = |d: Date| r.weekdays == 0 || r.weekdays & day_bit(d.weekday()) != 0;
        match r.span {
            None => day_ok(dt.date()),
            Some((s, e)) if s < e => {
                day_ok(dt.date())
                    && secs >= u64::from(s) * 1_000_000_000
                    && secs < u64::from(e) * 1_000_000_000
            }
            Some((s, e)) => {
                (secs >= u64::from(s) * 1_000_000_000 && day_ok(dt.date()))
                    || (secs < u64::from(e) * 1_000_000_000
                        && dt.date().yesterday().is_ok_and(day_ok))
            }
        }
    }

    fn statement(start: Option<&str>, end: Option<&str>, days: &[&str]) -> Inconvenient {
        Inconvenient {
            at: Timestamp::UNIX_EPOCH,
            to: "c1".into(),
            start: start.map(Into::into),
            end: end.map(Into::into),
            weekdays: days.iter().map(|d| (*d).to_owned()).collect(),
            place: None,
            channel: Some(Channel::Call),
            until: None,
        }
    }

    /// Reading local time through a zone's clock (day numbers, both on its
    /// fast path near the instant it was made for and on jiff's elsewhere)
    /// covers exactly the instants the civil date-time does, over DST
    /// changes, for spans inside a day, wrapping midnight, open-ended,
    /// malformed (whole day), and weekday sets.
    #[test]
    fn clock_reading_covers_as_defined() {
        let statements = [
            statement(None, None, &["sun"]),
            statement(None, None, &["mon", "Sat"]),
            statement(Some("12:00"), Some("13:30"), &["mon", "wed"]),
            statement(Some("20:30"), Some("08:30"), &[]),
            statement(Some("21:00"), Some("02:00"), &["sun", "fri"]),
            statement(Some("01:30"), None, &["sun"]),
            statement(None, Some("03:00"), &[]),
            statement(Some("25:00"), Some("08:00"), &["tue"]),
            statement(Some("09:00"), Some("10:00"), &["someday"]),
            statement(Some("02:15"), Some("02:45"), &[]),
        ];
        for zone in ["America/New_York", "Europe/London", "Australia/Lord_Howe"] {
            let tz = TimeZone::get(zone).unwrap();
            let made: Timestamp = "2026-03-08T12:00:00Z".parse().unwrap();
            let zones = super::super::local::Zones::resolve(&[zone.to_owned()], made).unwrap();
            let clock = zones.iter().next().unwrap();
            for start in ["2026-03-05T00:00:00Z", "2026-10-23T00:00:00Z"] {
                let mut t: Timestamp = start.parse().unwrap();
                for _ in 0..(24 * 4 * 12) {
                    for i in &statements {
                        let r = Read::of(i);
                        let s = Stated::new(i, r);
                        assert_eq!(
                            s.covers(&Local::at(clock, t)),
                            covers_by_definition(r, &tz, t),
                            "{zone} {t} {i:?}"
                        );
                    }
                    t = t
                        + jiff::SignedDuration::from_mins(15)
                        + jiff::SignedDuration::from_nanos(7);
                }
            }
        }
    }

    /// The reading of a stated weekday: the first three characters of the
    /// trimmed text, lower-cased (the definition `parse_weekday` keeps
    /// without allocating).
    fn by_definition(s: &str) -> Option<Weekday> {
        let all = [
            ("mon", Weekday::Monday),
            ("tue", Weekday::Tuesday),
            ("wed", Weekday::Wednesday),
            ("thu", Weekday::Thursday),
            ("fri", Weekday::Friday),
            ("sat", Weekday::Saturday),
            ("sun", Weekday::Sunday),
        ];
        let lower = s.trim().to_ascii_lowercase();
        let head = lower.get(..3)?;
        all.iter().find(|(n, _)| *n == head).map(|(_, d)| *d)
    }

    #[test]
    fn weekdays_read_as_defined() {
        let texts = [
            "mon",
            "Monday",
            " SUNDAY ",
            "sUn",
            "tues",
            "Thu",
            "thursday",
            "fr",
            "",
            "  ",
            "xyz",
            "S\u{e1}b",
            "s\u{e1}",
            "\u{fc}mon",
            "sat\u{e9}",
            "wednesday",
            "FRI.",
            "\tsat\n",
            "mo n",
            "sunn",
        ];
        for t in texts {
            assert_eq!(parse_weekday(t), by_definition(t), "{t:?}");
        }
        let bits: Vec<u8> = Weekday::Monday
            .cycle_forward()
            .take(7)
            .map(day_bit)
            .collect();
        assert_eq!(bits.iter().fold(0u8, |m, b| m | b), 0b1111_1110);
    }
}
