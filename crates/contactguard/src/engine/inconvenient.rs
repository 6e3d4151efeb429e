//! Recipient-stated inconvenient times.

use super::local::{self, Clock};
use super::view::{Ev, Stored};
use super::{deny, no_zone, Ctx, Verdict};
use crate::model::{Inconvenient, Place};
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

/// A stored statement with its [`Read`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stated<'a> {
    i: &'a Inconvenient,
    r: Read,
}

impl<'a> Stated<'a> {
    /// A statement and its reading (which must be `Read::of(i)`).
    pub(crate) fn new(i: &'a Inconvenient, r: Read) -> Stated<'a> {
        Stated { i, r }
    }

    /// Whether a local time, as a day number and nanoseconds since local
    /// midnight, falls inside the statement.
    fn covers(&self, (day, ns): (i64, u64)) -> bool {
        let weekdays = self.r.weekdays;
        let day_ok = |d: i64| weekdays == 0 || weekdays & day_number_bit(d) != 0;
        match self.r.span {
            None => day_ok(day),
            Some((s, e)) if s < e => {
                day_ok(day)
                    && ns >= u64::from(s) * 1_000_000_000
                    && ns < u64::from(e) * 1_000_000_000
            }
            Some((s, e)) => {
                // Wraps past midnight: the evening part belongs to the stated
                // day, the morning part to the day before.
                let evening = ns >= u64::from(s) * 1_000_000_000;
                let morning = ns < u64::from(e) * 1_000_000_000;
                (evening && day_ok(day)) || (morning && has_yesterday(day) && day_ok(day - 1))
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
            .find(|&x| x > c && !s.covers(z.local(x)))
        {
            return Some(x);
        }
    }
    None
}

pub(super) fn inconvenient<S: Stored>(
    ctx: &Ctx<'_, S>,
    places: Option<&[Place]>,
    t: Timestamp,
) -> Verdict {
    let ask = ctx.ask;
    // The statements that apply to the ask, in order (read in place: no
    // list is built).
    let stated = || {
        ctx.rec
            .states
            .iter()
            .filter_map(|(_, e)| match e {
                Ev::Inconvenient(s) => Some(*s),
                _ => None,
            })
            .filter(|s| s.i.channel.is_none_or(|c| c == ask.channel))
            .filter(|s| match (places, s.i.place) {
                (None, p) => p.is_none(),
                (Some(_), None) => false,
                (Some(list), Some(p)) => list.contains(&p) && ask.place.is_none_or(|a| a == p),
            })
    };
    let (mut any, mut needs_zone) = (false, false);
    for s in stated() {
        any = true;
        needs_zone |= s.needs_zone();
    }
    if !any {
        return Verdict::Pass;
    }
    // Statements without a zone to read them in cannot be evaluated.
    if needs_zone && ctx.zones.is_empty() {
        return no_zone(ctx);
    }
    // The first statement covering `c`; the local time in the first zone
    // is computed once for all of them.
    let covering = |c: Timestamp| -> Option<Stated<'_>> {
        let mut first_zone: Option<(i64, u64)> = None;
        stated().find(|s| {
            s.i.at <= c
                && s.i.until.is_none_or(|u| c < u)
                && (!s.needs_zone()
                    || ctx.zones.iter().enumerate().any(|(k, z)| {
                        let l = if k == 0 {
                            *first_zone.get_or_insert_with(|| z.local(c))
                        } else {
                            z.local(c)
                        };
                        s.covers(l)
                    }))
        })
    };
    let Some(first) = covering(t) else {
        return Verdict::Pass;
    };
    // Step forward minute by minute boundaries: the next instant no
    // statement covers. Spans end on whole seconds of local time, and
    // weekday-only statements at local midnight.
    let mut c = t;
    let mut earliest = None;
    for _ in 0..4096 {
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
        let mut what = Vec::new();
        if let Some(p) = s.i.place {
            what.push(format!("the {p} place"));
        }
        if let Some((a, b)) = s.r.span {
            what.push(format!(
                "{}-{}",
                LocalTime { seconds: a },
                LocalTime { seconds: b }
            ));
        }
        if s.r.weekdays != 0 {
            let days: Vec<String> =
                s.i.weekdays
                    .iter()
                    .filter_map(|w| parse_weekday(w))
                    .map(|d| format!("{d:?}"))
                    .collect();
            what.push(days.join("/"));
        }
        format!(
            "{} said on {} that {} is inconvenient",
            ask.to,
            ctx.local(s.i.at),
            if what.is_empty() {
                "contact".to_owned()
            } else {
                what.join(" on ")
            }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
