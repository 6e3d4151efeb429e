//! Recipient-stated inconvenient times.

use super::local::start_of_day;
use super::view::{Ev, Stored};
use super::{deny, local, no_zone, Ctx, Verdict};
use crate::model::Place;
use crate::policy::format::LocalTime;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

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

/// A weekday's bit in [`Stated::weekdays`].
fn day_bit(d: Weekday) -> u8 {
    1 << d.to_monday_one_offset()
}

/// A statement, parsed. Unparseable spans or weekdays make the statement
/// cover the whole day (fail closed).
struct Stated<'a> {
    span: Option<(u32, u32)>,
    /// The stated weekdays, one bit each (Monday = bit 1 ... Sunday =
    /// bit 7); 0 when none (or one could not be read): every day.
    weekdays: u8,
    /// The weekdays as stated, for the denial's message (in their order).
    stated_days: &'a [String],
    until: Option<Timestamp>,
    at: Timestamp,
}

impl<'a> Stated<'a> {
    fn parse(i: &'a crate::model::Inconvenient) -> Stated<'a> {
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
        Stated {
            span,
            weekdays,
            stated_days: &i.weekdays,
            until: i.until,
            at: i.at,
        }
    }

    /// Whether the local date-time falls inside the statement.
    fn covers(&self, dt: DateTime) -> bool {
        let secs = local::secs_of_day(dt);
        let day_ok = |d: Date| self.weekdays == 0 || self.weekdays & day_bit(d.weekday()) != 0;
        match self.span {
            None => day_ok(dt.date()),
            Some((s, e)) if s < e => {
                day_ok(dt.date())
                    && secs >= u64::from(s) * 1_000_000_000
                    && secs < u64::from(e) * 1_000_000_000
            }
            Some((s, e)) => {
                // Wraps past midnight: the evening part belongs to the stated
                // day, the morning part to the day before.
                let evening = secs >= u64::from(s) * 1_000_000_000;
                let morning = secs < u64::from(e) * 1_000_000_000;
                (evening && day_ok(dt.date()))
                    || (morning && dt.date().yesterday().is_ok_and(day_ok))
            }
        }
    }

    /// Whether the statement can ever stop covering a moment.
    fn is_permanent(&self) -> bool {
        self.until.is_none() && self.span.is_none() && self.weekdays == 0
    }
}

/// The first boundary after `c` (a span end or a local midnight, over the
/// next week) at which the statement no longer covers local time in `z`.
fn exit_of(z: &TimeZone, c: Timestamp, s: &Stated) -> Option<Timestamp> {
    let d0 = local::date(z, c);
    for i in 0..9 {
        let d = d0.checked_add(i64::from(i).days()).ok()?;
        let mut candidates = Vec::with_capacity(2);
        if let Some((_, e)) = s.span {
            candidates.extend(local::instant_at(z, d, e));
        }
        candidates.extend(d.tomorrow().ok().and_then(|n| start_of_day(z, n)));
        candidates.sort();
        if let Some(x) = candidates
            .into_iter()
            .find(|&x| x > c && !s.covers(local::datetime(z, x)))
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
    let stated: Vec<(Stated, Option<Place>)> = ctx
        .rec
        .states
        .iter()
        .filter_map(|(_, e)| match e {
            Ev::Inconvenient(i) => Some(*i),
            _ => None,
        })
        .filter(|i| i.channel.is_none_or(|c| c == ask.channel))
        .filter(|i| match (places, i.place) {
            (None, p) => p.is_none(),
            (Some(_), None) => false,
            (Some(list), Some(p)) => list.contains(&p) && ask.place.is_none_or(|a| a == p),
        })
        .map(|i| (Stated::parse(i), i.place))
        .collect();
    if stated.is_empty() {
        return Verdict::Pass;
    }
    let covering = |c: Timestamp| -> Option<usize> {
        stated.iter().position(|(s, _)| {
            s.at <= c
                && s.until.is_none_or(|u| c < u)
                && (s.span.is_none() && (s.weekdays == 0)
                    || ctx.zones.iter().any(|z| s.covers(local::datetime(z, c))))
        })
    };
    // Statements without a zone to read them in cannot be evaluated.
    let needs_zone = stated
        .iter()
        .any(|(s, _)| s.span.is_some() || s.weekdays != 0);
    if needs_zone && ctx.zones.is_empty() {
        return no_zone(ctx);
    }
    let Some(first) = covering(t) else {
        return Verdict::Pass;
    };
    // Step forward minute by minute boundaries: the next instant no
    // statement covers. Spans end on whole seconds of local time, and
    // weekday-only statements at local midnight.
    let mut c = t;
    let mut earliest = None;
    for _ in 0..4096 {
        let Some(i) = covering(c) else {
            earliest = Some(c);
            break;
        };
        let Some((s, _)) = stated.get(i) else { break };
        if s.is_permanent() {
            break;
        }
        let mut exit = s.until;
        for z in ctx.zones.iter() {
            if let Some(x) = exit_of(z, c, s) {
                exit = Some(exit.map_or(x, |e: Timestamp| e.min(x)));
            }
        }
        match exit {
            Some(x) if x > c => c = x,
            _ => break,
        }
    }
    let (s, place) = match stated.get(first) {
        Some(x) => x,
        None => return Verdict::Pass,
    };
    deny(ctx, earliest, || {
        let mut what = Vec::new();
        if let Some(p) = place {
            what.push(format!("the {p} place"));
        }
        if let Some((a, b)) = s.span {
            what.push(format!(
                "{}-{}",
                LocalTime { seconds: a },
                LocalTime { seconds: b }
            ));
        }
        if s.weekdays != 0 {
            let days: Vec<String> = s
                .stated_days
                .iter()
                .filter_map(|w| parse_weekday(w))
                .map(|d| format!("{d:?}"))
                .collect();
            what.push(days.join("/"));
        }
        format!(
            "{} said on {} that {} is inconvenient",
            ask.to,
            ctx.local(s.at),
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
