//! Windows: permitted local times per day, holiday calendars, and the next
//! permitted instant.

use super::cause::Cause;
use super::local::start_of_day;
use super::view::Stored;
use super::{deny, deny_unevaluable, local, no_zone, Ctx, Verdict, RETRY_HORIZON_DAYS};

/// How a denial for a date outside its holiday calendar's years begins and
/// what follows the calendar's name: written by the cause
/// ([`super::Cause`]'s `CalendarGap`), read by [`is_calendar_gap`] (the audit reports such denials as "could not
/// evaluate", not as breaches).
pub(super) const CALENDAR_GAP: &str = "holiday calendar";
pub(super) const CALENDAR_GAP_YEAR: &str = " has no data for ";

/// Whether a denial's message says its rule's holiday calendar has no data
/// for the local date's year (the engine keeps this message even for a
/// rule with a `message` of its own).
pub(crate) fn is_calendar_gap(message: &str) -> bool {
    message.starts_with(CALENDAR_GAP) && message.contains(CALENDAR_GAP_YEAR)
}
use crate::policy::format::{Bounds, DaySel};
use crate::policy::Win;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// Whether a day selector matches a local date of weekday `wd` (0 is
/// Monday), given whether it is a holiday and whether it is a make-up
/// workday (asked only when the selector needs to know).
pub(crate) fn sel_matches(
    sel: DaySel,
    wd: i64,
    holiday: impl Fn() -> bool,
    makeup: impl Fn() -> bool,
) -> bool {
    let weekend_day = wd >= 5;
    match sel {
        DaySel::Mon => wd == 0,
        DaySel::Tue => wd == 1,
        DaySel::Wed => wd == 2,
        DaySel::Thu => wd == 3,
        DaySel::Fri => wd == 4,
        DaySel::Sat => wd == 5,
        DaySel::Sun => wd == 6,
        DaySel::Weekday => !weekend_day,
        DaySel::Weekend => weekend_day && !holiday() && !makeup(),
        DaySel::Workday => !holiday() && (!weekend_day || makeup()),
        DaySel::Holiday => holiday(),
        DaySel::Any => true,
    }
}

/// Whether a day selector matches local day number `day`.
#[inline]
fn day_matches(sel: DaySel, day: i64, cal: Option<&crate::policy::Calendar>) -> bool {
    if sel == DaySel::Any {
        return true;
    }
    let date = || local::date_of(day);
    sel_matches(
        sel,
        local::monday_offset(day),
        || cal.is_some_and(|c| date().is_some_and(|d| c.is_holiday(d))),
        || cal.is_some_and(|c| date().is_some_and(|d| c.is_makeup_workday(d))),
    )
}

/// The entry that governs local day number `day`: the first whose days
/// match it.
#[inline(always)]
fn governing<'w>(
    windows: &'w [Win],
    day: i64,
    cal: Option<&crate::policy::Calendar>,
) -> Option<&'w Win> {
    // A first entry for every day (the usual window) governs them all.
    match windows.first() {
        Some(w) if w.days.first() == Some(&DaySel::Any) => Some(w),
        _ => governing_search(windows, day, cal),
    }
}

/// [`governing`], entry by entry.
#[inline(never)]
fn governing_search<'w>(
    windows: &'w [Win],
    day: i64,
    cal: Option<&crate::policy::Calendar>,
) -> Option<&'w Win> {
    for w in windows {
        for &d in w.days.iter() {
            if day_matches(d, day, cal) {
                return Some(w);
            }
        }
    }
    None
}

const NS: u64 = 1_000_000_000;

#[inline]
fn span_contains(span: (u32, u32, Bounds), ns: u64) -> bool {
    let (s, e, b) = span;
    let (s, e) = (u64::from(s) * NS, u64::from(e) * NS);
    match b {
        Bounds::Closed => s <= ns && ns <= e,
        Bounds::HalfOpen => s <= ns && ns < e,
        Bounds::Open => s < ns && ns < e,
    }
}

enum WinCheck {
    Permitted,
    Outside,
    NoCoverage(i16),
}

type NamedCalendar = (
    crate::model::SharedStr,
    std::sync::Arc<crate::policy::Calendar>,
);

#[inline]
fn window_at(
    z: &local::Clock,
    cal: Option<&NamedCalendar>,
    windows: &[Win],
    t: Timestamp,
) -> (WinCheck, (i64, u64)) {
    let (day, ns) = z.local(t);
    let cal = cal.map(|(_, c)| &**c);
    if let Some(c) = cal {
        let year = local::date_of(day).map_or(i16::MIN, |d| d.year());
        if !c.covers_year(year) {
            return (WinCheck::NoCoverage(year), (day, ns));
        }
    }
    // The permitted time is the union of the governing entry's spans.
    let check = match governing(windows, day, cal) {
        Some(w) if w.spans.iter().any(|sp| span_contains(*sp, ns)) => WinCheck::Permitted,
        _ => WinCheck::Outside,
    };
    (check, (day, ns))
}

/// The first instant `>= t` at which the window permits contact in zone `z`.
///
/// Each step reads the local day and time once: when the instant is outside
/// the governing entry's spans, it moves straight to the earliest span start
/// still ahead that day, or to the next local midnight (a day without
/// spans, or with all of them past, is skipped whole). `at_t`, when
/// given, is `z.local(t)`.
fn next_permitted(
    z: &local::Clock,
    cal: Option<&NamedCalendar>,
    windows: &[Win],
    t: Timestamp,
    mut at_t: Option<(i64, u64)>,
) -> Option<Timestamp> {
    let calendar = cal.map(|(_, k)| &**k);
    let mut c = t;
    let steps = RETRY_HORIZON_DAYS + 2;
    for step in 0..steps {
        let (day, now_ns) = at_t.take().unwrap_or_else(|| z.local(c));
        if let Some(k) = calendar {
            let year = local::date_of(day).map_or(i16::MIN, |d| d.year());
            if !k.covers_year(year) {
                // Before the calendar's data starts, skip to the first
                // covered year; after it ends, nothing can be classified.
                let next_year = k.next_covered_year(year)?;
                let jan1 = Date::new(next_year, 1, 1).ok()?;
                c = start_of_day(z, jan1)?.max(c);
                continue;
            }
        }
        let entry = governing(windows, day, calendar);
        // The permitted time is the union of the governing entry's spans.
        if entry.is_some_and(|w| w.spans.iter().any(|sp| span_contains(*sp, now_ns))) {
            return Some(c);
        }
        // The earliest of today's span starts still ahead, if any, with
        // its local time when known without a look-up.
        let mut ahead: Option<(Timestamp, Option<u64>)> = None;
        if let Some(w) = entry {
            for &(s, _, b) in w.spans.iter() {
                let start_ns = u64::from(s) * NS;
                if now_ns < start_ns || (b == Bounds::Open && now_ns == start_ns) {
                    if let Some((ts, known)) = z.instant_at_day_known(day, s) {
                        let candidate = if b == Bounds::Open {
                            ts.checked_add(SignedDuration::from_nanos(1)).ok()?
                        } else {
                            ts
                        };
                        if candidate > c && ahead.is_none_or(|(a, _)| candidate < a) {
                            let known = known && b != Bounds::Open;
                            ahead = Some((candidate, known.then_some(start_ns)));
                        }
                    }
                }
            }
        }
        c = match ahead {
            Some((a, known)) => {
                // Still on `day` (no offset change moved it), the same
                // entry governs: the span start is permitted exactly when
                // its local time lies in one of the entry's spans, as the
                // next step would find (when there is one).
                if let Some(w) = entry.filter(|_| step + 1 < steps) {
                    let (d, ns) = known.map_or_else(|| z.local(a), |ns| (day, ns));
                    if d == day && w.spans.iter().any(|sp| span_contains(*sp, ns)) {
                        return Some(a);
                    }
                }
                a
            }
            None => z.start_of_day_n(day.checked_add(1)?)?,
        };
    }
    None
}

/// Whether two window rules' bodies permit exactly the same instants: the
/// same entries (days and spans, in order) and the same holiday calendar
/// (the same compiled data), or none.
pub(super) fn same_window(
    a: (Option<&NamedCalendar>, &[Win]),
    b: (Option<&NamedCalendar>, &[Win]),
) -> bool {
    let same_cal = match (a.0, b.0) {
        (None, None) => true,
        (Some((_, x)), Some((_, y))) => std::sync::Arc::ptr_eq(x, y),
        _ => false,
    };
    same_cal
        && a.1.len() == b.1.len()
        && a.1
            .iter()
            .zip(b.1)
            .all(|(x, y)| x.days == y.days && x.spans == y.spans)
}

/// [`window`] in the `retry_at` search, which reads only a denial's
/// earliest instant (whether the engine could not evaluate it does not
/// matter there, nor its message): with one zone, the next permitted
/// instant from `t` is `t` itself exactly when `t` is permitted (a date
/// its calendar covers, inside the governing entry's spans), and
/// otherwise the earliest instant the rule offers, so one search answers
/// both.
pub(super) fn window_retry<S: Stored>(
    ctx: &Ctx<'_, S>,
    cal: Option<&NamedCalendar>,
    windows: &[Win],
    t: Timestamp,
) -> Verdict {
    let mut zones = ctx.zones.iter();
    if let (Some(z), None) = (zones.next(), zones.next()) {
        return match next_permitted(z, cal, windows, t, None) {
            Some(n) if n == t => Verdict::Pass,
            earliest => deny(ctx, earliest, || Cause::Static("")),
        };
    }
    window(ctx, cal, windows, t)
}

pub(super) fn window<S: Stored>(
    ctx: &Ctx<'_, S>,
    cal: Option<&NamedCalendar>,
    windows: &[Win],
    t: Timestamp,
) -> Verdict {
    if ctx.zones.is_empty() {
        return no_zone(ctx);
    }
    let mut failing = None;
    let mut uncovered = None;
    // The local time at `t` in the first zone.
    let mut at_t = None;
    for z in ctx.zones.iter() {
        let (check, local_t) = window_at(z, cal, windows, t);
        at_t.get_or_insert(local_t);
        match check {
            WinCheck::Permitted => {}
            WinCheck::NoCoverage(year) => {
                uncovered.get_or_insert((z, year));
            }
            WinCheck::Outside => {
                failing.get_or_insert(z);
            }
        }
    }
    let Some(z) = uncovered.map(|(z, _)| z).or(failing) else {
        return Verdict::Pass;
    };
    // Earliest instant permitted in every zone at once (searched only when
    // wanted). With one zone that is the zone's own next permitted instant
    // (a further pass would only confirm it: at a permitted instant
    // `next_permitted` returns it).
    let mut c = t;
    let mut earliest = None;
    let single = ctx.zones.iter().nth(1).is_none();
    let rounds = if ctx.want_earliest {
        2 * RETRY_HORIZON_DAYS
    } else {
        0
    };
    'search: for _ in 0..rounds {
        if single {
            earliest = ctx
                .zones
                .iter()
                .next()
                .and_then(|zone| next_permitted(zone, cal, windows, c, at_t));
            break;
        }
        let mut moved = false;
        for zone in ctx.zones.iter() {
            match next_permitted(zone, cal, windows, c, None) {
                None => break 'search,
                Some(n) if n > c => {
                    c = n;
                    moved = true;
                }
                Some(_) => {}
            }
        }
        if !moved {
            earliest = Some(c);
            break;
        }
    }
    if let Some((z, year)) = uncovered {
        return deny_unevaluable(ctx, earliest, || Cause::CalendarGap {
            name: cal.map(|(n, _)| n.clone()),
            year,
            zone: z.zone(),
        });
    }
    deny(ctx, earliest, || {
        let calendar = cal.map(|(_, k)| &**k);
        let spans = governing(windows, z.day(t), calendar).map(|w| w.spans.clone());
        Cause::Window {
            t,
            zone: z.zone(),
            spans,
        }
    })
}
