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
    let s = s.trim().to_ascii_lowercase();
    Some(match s.get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A statement, parsed. Unparseable spans or weekdays make the statement
/// cover the whole day (fail closed).
struct Stated {
    span: Option<(u32, u32)>,
    weekdays: Vec<Weekday>,
    until: Option<Timestamp>,
    at: Timestamp,
}

impl Stated {
    fn parse(i: &crate::model::Inconvenient) -> Stated {
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
        let mut weekdays = Vec::new();
        for w in &i.weekdays {
            match parse_weekday(w) {
                Some(d) => weekdays.push(d),
                None => {
                    weekdays.clear();
                    break;
                }
            }
        }
        Stated {
            span,
            weekdays,
            until: i.until,
            at: i.at,
        }
    }

    /// Whether the local date-time falls inside the statement.
    fn covers(&self, dt: DateTime) -> bool {
        let secs = local::secs_of_day(dt);
        let day_ok = |d: Date| self.weekdays.is_empty() || self.weekdays.contains(&d.weekday());
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
        self.until.is_none() && self.span.is_none() && self.weekdays.is_empty()
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
                && (s.span.is_none() && s.weekdays.is_empty()
                    || ctx.zones.iter().any(|z| s.covers(local::datetime(z, c))))
        })
    };
    // Statements without a zone to read them in cannot be evaluated.
    let needs_zone = stated
        .iter()
        .any(|(s, _)| s.span.is_some() || !s.weekdays.is_empty());
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
        if !s.weekdays.is_empty() {
            let days: Vec<String> = s.weekdays.iter().map(|d| format!("{d:?}")).collect();
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
