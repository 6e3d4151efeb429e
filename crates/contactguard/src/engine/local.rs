//! Local civil time in the recipient's candidate zones.

use super::limits::{push_day, push_digits, push_display};
use crate::bytes::same_bytes;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::rc::Rc;

/// A zone's clock: the zone, with the UTC offset that holds over the
/// stretch of time around an instant (from the zone's transition before it
/// to the next one), so that local dates and times of instants in that
/// stretch are plain arithmetic. Outside it a clock still answers, from the
/// zone's rules (slower); [`Clock::covers`] says when to make a new one.
///
/// The engine keeps one per candidate zone of an ask; the CLI's audit
/// report keeps one per zone it has seen (the crate's root re-exports it
/// as `contactguard::local::Clock`, which is not part of the stable API).
#[derive(Clone, Debug)]
pub struct Clock {
    /// The zone: for a bundled zone, the process's kept copy (so that a
    /// clock is copied and dropped without touching a count).
    kept: ZoneRef,
    /// `[lo, hi)` in Unix seconds: the offset `off` holds throughout.
    lo: i64,
    hi: i64,
    off: i64,
}

impl std::ops::Deref for Clock {
    type Target = TimeZone;
    fn deref(&self) -> &TimeZone {
        &self.kept
    }
}

impl Clock {
    /// The zone, as a cause keeps it (see [`ZoneRef`]).
    pub(crate) fn zone(&self) -> ZoneRef {
        self.kept.clone()
    }
}

/// A zone as a denial's cause keeps it: the process's one copy of a zone
/// of the bundled database ([`kept_zone`]), read through a plain
/// reference, or a shared handle (whose clone and drop each update a
/// count: an atomic operation, which costs more on a decision's path than
/// the rest of recording a cause).
#[derive(Clone, Debug)]
pub(crate) enum ZoneRef {
    Kept(&'static TimeZone),
    Shared(TimeZone),
}

impl std::ops::Deref for ZoneRef {
    type Target = TimeZone;
    fn deref(&self) -> &TimeZone {
        match self {
            ZoneRef::Kept(z) => z,
            ZoneRef::Shared(z) => z,
        }
    }
}

impl From<TimeZone> for ZoneRef {
    fn from(z: TimeZone) -> ZoneRef {
        ZoneRef::Shared(z)
    }
}

/// The zones [`kept_zone`] has kept, by the name they were asked by (that
/// name is kept too: see [`kept_name`]).
type KeptMap = std::collections::HashMap<&'static str, &'static TimeZone>;
static KEPT: std::sync::Mutex<Option<KeptMap>> = std::sync::Mutex::new(None);

/// The most zones [`kept_zone`] keeps for the life of the process (the
/// bundled database names about 600; a name asked in another case is
/// kept apart).
const KEPT_MAX: usize = 2048;

/// The zone named `name` in the bundled database (`None` when it names
/// none), kept once for the life of the process while fewer than
/// [`KEPT_MAX`] are (the database does not change while the process
/// runs, so the kept copy is the zone `TimeZone::get` gives); past that,
/// a shared handle.
fn kept_zone(name: &str) -> Option<ZoneRef> {
    if let Ok(mut kept) = KEPT.lock() {
        let kept = kept.get_or_insert_with(Default::default);
        if let Some(&z) = kept.get(name) {
            return Some(ZoneRef::Kept(z));
        }
        let tz = TimeZone::get(name).ok()?;
        if kept.len() < KEPT_MAX {
            let z: &'static TimeZone = Box::leak(Box::new(tz));
            let key: &'static str = Box::leak(Box::<str>::from(name));
            kept.insert(key, z);
            return Some(ZoneRef::Kept(z));
        }
        return Some(ZoneRef::Shared(tz));
    }
    TimeZone::get(name).ok().map(ZoneRef::Shared)
}

/// The process's kept copy of `name` (see [`kept_zone`]), when a zone was
/// kept by that name.
fn kept_name(name: &str) -> Option<&'static str> {
    let kept = KEPT.lock().ok()?;
    kept.as_ref()?.get_key_value(name).map(|(k, _)| *k)
}

const SECS_PER_DAY: i64 = 86_400;

/// The day numbers of 0001-01-01 and 9999-12-31: the dates whose year
/// `push_day` and `strftime`'s `%Y` both write as four digits (a test
/// checks both).
const FIRST_FOUR_DIGIT_DAY: i64 = -719_162;
const LAST_FOUR_DIGIT_DAY: i64 = 2_932_896;

impl Clock {
    fn new(kept: ZoneRef, at: Timestamp) -> Clock {
        let tz: &TimeZone = &kept;
        let off = i64::from(tz.to_offset(at).seconds());
        let lo = tz
            .preceding(at)
            .next()
            .map_or(i64::MIN, |t| t.timestamp().as_second());
        let hi = tz
            .following(at)
            .next()
            .map_or(i64::MAX, |t| t.timestamp().as_second());
        let holds = |s: i64| {
            Timestamp::from_second(s)
                .map_or(true, |ts| i64::from(tz.to_offset(ts).seconds()) == off)
        };
        // Guard against an edge reading of the transition iterators: the
        // fast path is only used where the offset was checked to hold.
        let (lo, hi) = if holds(lo.max(-377_705_023_201))
            && holds(hi.saturating_sub(1).min(253_402_207_199))
        {
            (lo, hi)
        } else {
            (at.as_second(), at.as_second().saturating_add(1))
        };
        Clock { kept, lo, hi, off }
    }

    /// The clock of `zone` around `at`.
    pub fn of(zone: &TimeZone, at: Timestamp) -> Clock {
        Clock::new(ZoneRef::Shared(zone.clone()), at)
    }

    /// Whether this clock's offset holds at the second of `at`: a clock
    /// made again at `at` would be this one.
    #[inline]
    pub fn covers(&self, at: Timestamp) -> bool {
        (self.lo..self.hi).contains(&at.as_second())
    }

    /// The UTC offset at `t`, in seconds, as the zone gives it.
    #[inline]
    pub fn offset_seconds(&self, t: Timestamp) -> i32 {
        if self.covers(t) && t.subsec_nanosecond() >= 0 {
            if let Ok(off) = i32::try_from(self.off) {
                return off;
            }
        }
        self.kept.to_offset(t).seconds()
    }

    /// Appends the local time of `t` with its offset,
    /// `YYYY-MM-DDTHH:MM:SS+HH:MM`: what jiff's
    /// `strftime("%Y-%m-%dT%H:%M:%S")` writes, then the offset's sign,
    /// hours and minutes (the seconds of an old local mean time offset
    /// are not written).
    pub fn push_local(&self, out: &mut String, t: Timestamp) {
        let (day, nanos) = self.local(t);
        if (FIRST_FOUR_DIGIT_DAY..=LAST_FOUR_DIGIT_DAY).contains(&day) {
            push_day(out, day);
            let secs = nanos / 1_000_000_000;
            for (v, sep) in [(secs / 3_600, 'T'), (secs / 60 % 60, ':'), (secs % 60, ':')] {
                out.push(sep);
                push_digits(out, v, 2);
            }
        } else {
            let dt = self.kept.to_datetime(t);
            push_display(out, format_args!("{}", dt.strftime("%Y-%m-%dT%H:%M:%S")));
        }
        let off = self.offset_seconds(t);
        out.push(if off < 0 { '-' } else { '+' });
        let abs = u64::from(off.unsigned_abs());
        push_digits(out, abs / 3_600, 2);
        out.push(':');
        push_digits(out, abs % 3_600 / 60, 2);
    }

    /// The instant local day number `day` starts, when every instant from
    /// `from` to `t` lies where the offset holds: then [`Clock::day`] of an
    /// instant in that range is at least `day` exactly when the instant is
    /// at or after it. `None` otherwise (and for instants before 1970,
    /// where whole seconds round differently).
    pub(crate) fn steady_day_start(
        &self,
        day: i64,
        from: Option<Timestamp>,
        t: Timestamp,
    ) -> Option<Timestamp> {
        let from = from?.as_second();
        if from < self.lo || from <= 0 || t.as_second() >= self.hi {
            return None;
        }
        let s = day.checked_mul(SECS_PER_DAY)?.checked_sub(self.off)?;
        if s <= 0 || s < from {
            return None;
        }
        Timestamp::from_second(s).ok()
    }

    /// Whether every instant from `from` to `to` lies where the offset
    /// holds, so that [`Clock::day`] never decreases from one of them to a
    /// later one.
    pub(crate) fn steady_over(&self, from: Timestamp, to: Timestamp) -> bool {
        self.lo <= from.as_second() && to.as_second() < self.hi
    }

    /// The local date of `t` as a day number (days since 1970-01-01).
    pub(crate) fn day(&self, t: Timestamp) -> i64 {
        let s = t.as_second();
        if (self.lo..self.hi).contains(&s) {
            return (s + self.off).div_euclid(SECS_PER_DAY);
        }
        day_number(self.kept.to_datetime(t).date())
    }
}

impl Clock {
    /// Whether `s` (Unix seconds) lies at least a day inside the interval
    /// where the offset is constant, so that local times around it map to
    /// instants by plain arithmetic: no transition's gap or fold (each
    /// shorter than a day) can reach it.
    fn inside(&self, s: i64) -> bool {
        self.lo.checked_add(SECS_PER_DAY).is_some_and(|lo| s >= lo) && s < self.hi
    }

    /// The local date of `t` as a day number (days since 1970-01-01, see
    /// [`date_of`]), and nanoseconds since local midnight: jiff's civil
    /// date and time of `t` in the zone.
    #[inline]
    pub fn local(&self, t: Timestamp) -> (i64, u64) {
        let s = t.as_second();
        let nanos = t.subsec_nanosecond();
        if (self.lo..self.hi).contains(&s) && nanos >= 0 {
            if let Some(l) = s.checked_add(self.off) {
                let secs = u64::try_from(l.rem_euclid(SECS_PER_DAY)).unwrap_or(0);
                let ns = secs * 1_000_000_000 + u64::try_from(nanos).unwrap_or(0);
                return (l.div_euclid(SECS_PER_DAY), ns);
            }
        }
        let dt = self.kept.to_datetime(t);
        (day_number(dt.date()), secs_of_day(dt))
    }

    /// The instant at `secs` seconds past local midnight of day number
    /// `day`, as [`instant_at`] computes it.
    #[cfg(test)]
    pub(crate) fn instant_at_day(&self, day: i64, secs: u32) -> Option<Timestamp> {
        self.instant_at_day_known(day, secs).map(|(t, _)| t)
    }

    /// The instant at `secs` seconds past local midnight of day number
    /// `day`, as [`instant_at`] computes it, and whether it lies where the
    /// offset holds and at `secs` past midnight of `day` exactly: then
    /// [`Clock::local`] of it is `(day, secs` in nanoseconds`)`.
    pub(crate) fn instant_at_day_known(&self, day: i64, secs: u32) -> Option<(Timestamp, bool)> {
        let fast = day
            .checked_mul(SECS_PER_DAY)
            .and_then(|m| m.checked_add(i64::from(secs)))
            .and_then(|l| l.checked_sub(self.off));
        // Midnight of `day` must be inside too: `instant_at` never returns
        // an instant before the start of the day.
        let midnight = day
            .checked_mul(SECS_PER_DAY)
            .and_then(|m| m.checked_sub(self.off));
        if let (Some(s), Some(m)) = (fast, midnight) {
            if secs < 86_400 && self.inside(s) && self.inside(m) {
                return Timestamp::from_second(s).ok().map(|t| (t, true));
            }
        }
        instant_at(&self.kept, date_of(day)?, secs).map(|t| (t, false))
    }

    /// The first instant of day number `day`, as [`start_of_day`] computes
    /// it.
    pub(crate) fn start_of_day_n(&self, day: i64) -> Option<Timestamp> {
        let fast = day
            .checked_mul(SECS_PER_DAY)
            .and_then(|m| m.checked_sub(self.off));
        if let Some(s) = fast {
            if self.inside(s) {
                return Timestamp::from_second(s).ok();
            }
        }
        start_of_day(&self.kept, date_of(day)?)
    }
}

/// Days since 1970-01-01 of a civil date (the proleptic Gregorian
/// calendar's day count, as jiff counts it; a test checks the two agree).
pub(crate) fn day_number(d: Date) -> i64 {
    let (y, m, dd) = (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (days since 1970-01-01); `None`
/// outside jiff's range of dates.
pub fn date_of(day: i64) -> Option<Date> {
    let (y, m, d) = civil_of(day)?;
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// The proleptic Gregorian (year, month, day) of a day number, unchecked
/// against jiff's range of dates (see [`date_of`]); `None` on overflow.
pub(crate) fn civil_of(day: i64) -> Option<(i64, i64, i64)> {
    let z = day.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe.checked_add(era.checked_mul(400)?)? + i64::from(m <= 2);
    Some((y, m, d))
}

/// Monday-zero weekday offset of a day number (1970-01-01 was a Thursday).
pub(crate) fn monday_offset(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

thread_local! {
    /// Recently used zones with the offset interval around their last use.
    /// A cache only: it never changes a result, and it saves the tz
    /// database lookup and the transition search on every decision.
    static RECENT: std::cell::RefCell<Vec<(Box<str>, Clock)>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The last list of names resolved, and its clocks: most asks in a row
    /// name the same zones, which are then shared rather than copied (a
    /// cache only, like `RECENT`).
    static LAST: std::cell::RefCell<Option<Rc<Resolved>>> = const { std::cell::RefCell::new(None) };
    /// The last single name resolved to a kept zone, and its clock: most
    /// asks name one zone, the same as the ask before. Plain copies of
    /// references (no count to update, nothing to drop), so reading it
    /// costs a comparison of the name's bytes (a cache only, like
    /// `RECENT`).
    static LAST_ONE: std::cell::Cell<Option<One>> = const { std::cell::Cell::new(None) };
}

/// One name resolved to a kept zone (see `LAST_ONE`): the name as kept
/// by [`kept_zone`], the zone, and its clock's offset interval.
#[derive(Clone, Copy)]
struct One {
    name: &'static str,
    tz: &'static TimeZone,
    lo: i64,
    hi: i64,
    off: i64,
}

impl One {
    /// Whether this is `name`'s clock for instant `s` (Unix seconds).
    #[inline]
    fn answers(&self, name: &str, s: i64) -> bool {
        self.lo <= s && s < self.hi && same_bytes(self.name.as_bytes(), name.as_bytes())
    }

    fn clock(&self) -> Clock {
        Clock {
            kept: ZoneRef::Kept(self.tz),
            lo: self.lo,
            hi: self.hi,
            off: self.off,
        }
    }
}

const RECENT_MAX: usize = 16;

/// A list of zone names, resolved: the clocks in the list's order, and
/// the instants (Unix seconds, `[lo, hi)`) every one of them covers.
struct Resolved {
    names: Box<[Box<str>]>,
    clocks: Box<[Clock]>,
    lo: i64,
    hi: i64,
}

impl Resolved {
    /// Whether these are `names`' clocks for instant `s` (Unix seconds).
    #[inline]
    fn answers(&self, names: &[String], s: i64) -> bool {
        self.lo <= s
            && s < self.hi
            && self.names.len() == names.len()
            && self
                .names
                .iter()
                .zip(names)
                .all(|(a, b)| a.len() == b.len() && **a == **b)
    }
}

/// The ask's candidate zones, resolved (shared with the thread's cache of
/// the last list resolved: nothing is copied per decision).
pub(crate) struct Zones {
    clocks: Held,
}

/// How [`Zones`] holds its clocks.
enum Held {
    /// The ask names no zone.
    None,
    /// One zone (for a kept zone, a copy of references: no count).
    One(Clock),
    /// Several, shared with the thread's cache.
    Many(Rc<Resolved>),
}

impl Zones {
    /// Resolves IANA names; the first unknown name is the error.
    #[inline]
    pub(crate) fn resolve(names: &[String], at: Timestamp) -> Result<Zones, String> {
        if let [name] = names {
            if let Some(one) = LAST_ONE.get() {
                if one.answers(name, at.as_second()) {
                    return Ok(Zones {
                        clocks: Held::One(one.clock()),
                    });
                }
            }
            return Self::resolve_one(name, at);
        }
        Self::resolve_list(names, at)
    }

    /// [`Zones::resolve`] for no name or several.
    #[inline(never)]
    fn resolve_list(names: &[String], at: Timestamp) -> Result<Zones, String> {
        if names.is_empty() {
            return Ok(Zones { clocks: Held::None });
        }
        let s = at.as_second();
        let cached = LAST.with(|l| {
            l.try_borrow()
                .ok()
                .and_then(|l| l.as_ref().filter(|r| r.answers(names, s)).cloned())
        });
        if let Some(r) = cached {
            return Ok(Zones {
                clocks: Held::Many(r),
            });
        }
        let clocks = names
            .iter()
            .map(|n| clock(n, at).ok_or_else(|| n.clone()))
            .collect::<Result<Box<[Clock]>, String>>()?;
        let lo = clocks.iter().map(|c| c.lo).max().unwrap_or(i64::MIN);
        let hi = clocks.iter().map(|c| c.hi).min().unwrap_or(i64::MAX);
        let r = Rc::new(Resolved {
            names: names.iter().map(|n| n.as_str().into()).collect(),
            clocks,
            lo,
            hi,
        });
        LAST.with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                *l = Some(Rc::clone(&r));
            }
        });
        Ok(Zones {
            clocks: Held::Many(r),
        })
    }

    /// One name, not answered by `LAST_ONE`: resolved, and remembered
    /// there when it names a kept zone.
    #[inline(never)]
    fn resolve_one(name: &str, at: Timestamp) -> Result<Zones, String> {
        let c = clock(name, at).ok_or_else(|| name.to_owned())?;
        if let ZoneRef::Kept(tz) = c.kept {
            if let Some(name) = kept_name(name) {
                LAST_ONE.set(Some(One {
                    name,
                    tz,
                    lo: c.lo,
                    hi: c.hi,
                    off: c.off,
                }));
            }
        }
        Ok(Zones {
            clocks: Held::One(c),
        })
    }

    /// The zones, in the ask's order, as a decision reads them.
    pub(crate) fn list(&self) -> ZoneList<'_> {
        ZoneList(match &self.clocks {
            Held::None => &[],
            Held::One(c) => std::slice::from_ref(c),
            Held::Many(r) => &r.clocks,
        })
    }

    #[cfg(test)]
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Clock> {
        self.list().iter()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.list().is_empty()
    }

    #[cfg(test)]
    pub(crate) fn steady_until(&self) -> Option<i64> {
        self.list().steady_until()
    }
}

/// The ask's candidate zones (borrowed from [`Zones`]: reading them is
/// reading a slice).
#[derive(Clone, Copy)]
pub(crate) struct ZoneList<'a>(&'a [Clock]);

impl<'a> ZoneList<'a> {
    /// No zone.
    #[cfg(test)]
    pub(crate) const NONE: ZoneList<'static> = ZoneList(&[]);

    /// The zones, in the ask's order.
    #[inline]
    pub(crate) fn iter(self) -> std::slice::Iter<'a, Clock> {
        self.0.iter()
    }

    #[inline]
    pub(crate) fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// The first instant (Unix seconds) after the ask at which the offset
    /// of some candidate zone changes; `None` without zones. Before it,
    /// every zone's local time runs forward with the instant.
    pub(crate) fn steady_until(self) -> Option<i64> {
        self.iter().map(|c| c.hi).min()
    }
}

fn clock(name: &str, at: Timestamp) -> Option<Clock> {
    let cached = RECENT.with(|r| {
        let r = r.borrow();
        r.iter()
            .find(|(n, c)| &**n == name && c.covers(at))
            .map(|(_, c)| c.clone())
    });
    if cached.is_some() {
        return cached;
    }
    let tz = kept_zone(name)?;
    let c = Clock::new(tz, at);
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        r.retain(|(n, _)| &**n != name);
        if r.len() >= RECENT_MAX {
            r.remove(0);
        }
        r.push((name.into(), c.clone()));
    });
    Some(c)
}

pub(crate) fn zone_name(z: &TimeZone) -> &str {
    z.iana_name().unwrap_or("the recipient's zone")
}

pub(crate) fn datetime(z: &TimeZone, t: Timestamp) -> DateTime {
    z.to_datetime(t)
}

pub(crate) fn date(z: &TimeZone, t: Timestamp) -> Date {
    z.to_datetime(t).date()
}

/// Nanoseconds since local midnight.
pub(crate) fn secs_of_day(dt: DateTime) -> u64 {
    let t = dt.time();
    let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    u64::try_from(secs).unwrap_or(0) * 1_000_000_000
        + u64::try_from(t.subsec_nanosecond()).unwrap_or(0)
}

/// The first instant of local date `d` in zone `z` (after a gap when
/// midnight does not exist).
pub(crate) fn start_of_day(z: &TimeZone, d: Date) -> Option<Timestamp> {
    z.to_ambiguous_timestamp(d.to_datetime(Time::midnight()))
        .compatible()
        .ok()
}

/// The start of the local day after the one containing `t`.
pub(crate) fn next_day_start(z: &TimeZone, t: Timestamp) -> Option<Timestamp> {
    let d = date(z, t).checked_add(1.day()).ok()?;
    start_of_day(z, d)
}

/// The instant at `secs` seconds past local midnight of `d` (for a time in
/// a DST gap, the instant just after the gap; in a fold, the earlier one).
pub(crate) fn instant_at(z: &TimeZone, d: Date, secs: u32) -> Option<Timestamp> {
    if secs >= 86_400 {
        return start_of_day(z, d.checked_add(1.day()).ok()?);
    }
    let base = start_of_day(z, d)?;
    let dt = d
        .to_datetime(Time::midnight())
        .checked_add(SignedDuration::from_secs(i64::from(secs)))
        .ok()?;
    let ts = z.to_ambiguous_timestamp(dt).compatible().ok()?;
    Some(ts.max(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zone a cause keeps is the database's zone of that name, kept
    /// once (the same copy for every request and every clock of it);
    /// an unknown name has none.
    #[test]
    fn kept_zones_are_the_database_zones() {
        for name in ["America/New_York", "Asia/Jakarta", "UTC"] {
            let Some(ZoneRef::Kept(a)) = kept_zone(name) else {
                panic!("{name} not kept");
            };
            let Some(ZoneRef::Kept(b)) = kept_zone(name) else {
                panic!("{name} not kept again");
            };
            assert!(std::ptr::eq(a, b), "{name}");
            let db = TimeZone::get(name).expect("zone");
            assert_eq!(*a, db, "{name}");
            assert_eq!(a.iana_name(), db.iana_name());
            let at = Timestamp::from_second(1_792_074_600).expect("time");
            let clock = clock(name, at).expect("clock");
            assert!(matches!(clock.zone(), ZoneRef::Kept(z) if std::ptr::eq(z, a)));
            assert_eq!(*clock.zone(), db);
        }
        assert!(kept_zone("Not/A_Zone").is_none());
        assert!(clock("Not/A_Zone", Timestamp::UNIX_EPOCH).is_none());
    }

    /// Resolving reuses the last list's clocks only for the same names and
    /// an instant every clock covers: across a DST change, for another
    /// list, or in another order, the clocks are those of a fresh
    /// resolution; an unknown name is the error whatever was cached.
    #[test]
    fn resolved_zones_are_shared_only_where_they_hold() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
        let days = |z: &Zones, t: Timestamp| z.iter().map(|c| c.day(t)).collect::<Vec<i64>>();
        let ny_paris = names(&["America/New_York", "Europe/Paris"]);
        let paris_ny = names(&["Europe/Paris", "America/New_York"]);
        // Before and after New York's fall-back (2026-11-01 06:00Z), at an
        // instant whose local date differs with the offset.
        let before: Timestamp = "2026-10-31T03:30:00Z".parse().expect("instant");
        let after: Timestamp = "2026-11-08T04:30:00Z".parse().expect("instant");
        for t in [before, after, before] {
            let z = Zones::resolve(&ny_paris, t).expect("zones");
            let expected: Vec<i64> = ["America/New_York", "Europe/Paris"]
                .iter()
                .map(|n| day_number(TimeZone::get(n).expect("zone").to_datetime(t).date()))
                .collect();
            assert_eq!(days(&z, t), expected, "{t}");
            let z2 = Zones::resolve(&paris_ny, t).expect("zones");
            let names2: Vec<&str> = z2.iter().map(|c| zone_name(c)).collect();
            assert_eq!(names2, ["Europe/Paris", "America/New_York"]);
            assert_eq!(z2.steady_until(), z.steady_until());
        }
        let one = Zones::resolve(&names(&["America/New_York"]), after).expect("zones");
        assert_eq!(one.iter().count(), 1);
        let none = Zones::resolve(&[], after).expect("zones");
        assert!(none.is_empty() && none.steady_until().is_none());
        let bad = names(&["America/New_York", "Mars/Olympus"]);
        assert_eq!(
            Zones::resolve(&bad, after).err().as_deref(),
            Some("Mars/Olympus")
        );
        // A prefix of the cached list is another list.
        let _ = Zones::resolve(&ny_paris, after).expect("zones");
        assert_eq!(
            Zones::resolve(&names(&["America/New_York"]), after)
                .expect("zones")
                .iter()
                .count(),
            1
        );
    }

    /// A single name resolves as the database resolves it, whatever the
    /// thread resolved before (the same name, another case of it, a name
    /// it is a prefix of, an unknown one), and across a DST change: the
    /// last name's clock is reused only for that name's bytes and an
    /// instant it covers, and an unknown name is always the error.
    #[test]
    fn one_name_resolves_as_the_database_does() {
        let before: Timestamp = "2026-10-31T03:30:00Z".parse().expect("instant");
        let after: Timestamp = "2026-11-08T04:30:00Z".parse().expect("instant");
        let names = [
            "America/New_York",
            "america/new_york",
            "AMERICA/NEW_YORK",
            "America/New_Yor",
            "America/New_York ",
            "America/New_YorK",
            "America/Chicago",
            "UTC",
            "utc",
            "Etc/GMT+5",
            "Mars/Olympus",
            "",
            "Europe/Paris",
        ];
        for round in 0..2 {
            for t in [before, after, before] {
                for name in names.iter().chain(names.iter().rev()) {
                    let got = Zones::resolve(&[(*name).to_owned()], t);
                    match TimeZone::get(name) {
                        Err(_) => {
                            assert_eq!(got.err().as_deref(), Some(*name), "{name} {t}");
                        }
                        Ok(db) => {
                            let z = got.expect("zone");
                            let clocks: Vec<&Clock> = z.iter().collect();
                            assert_eq!(clocks.len(), 1, "{name}");
                            let c = clocks[0];
                            assert_eq!(**c, db, "{name} {t} round {round}");
                            assert_eq!(*c.zone(), db, "{name}");
                            assert_eq!(
                                c.day(t),
                                day_number(db.to_datetime(t).date()),
                                "{name} {t}"
                            );
                            assert_eq!(z.steady_until(), Some(c.hi));
                            // Resolved again at once (from the thread's
                            // last name): the same.
                            let again = Zones::resolve(&[(*name).to_owned()], t).expect("zone");
                            let c2 = again.iter().next().expect("clock");
                            assert_eq!(**c2, db, "{name}");
                            assert_eq!((c2.lo, c2.hi, c2.off), (c.lo, c.hi, c.off), "{name}");
                        }
                    }
                }
            }
        }
    }

    /// A clock writes local times as jiff's `strftime` writes them, then
    /// the offset, in every year (four digits or not, before the epoch
    /// with a fraction of a second) and zone, whether the clock was made
    /// around the instant or far from it (across a transition).
    #[test]
    fn local_strings_are_strftimes() {
        for (day, date) in [
            (FIRST_FOUR_DIGIT_DAY, Date::constant(1, 1, 1)),
            (LAST_FOUR_DIGIT_DAY, Date::constant(9999, 12, 31)),
        ] {
            assert_eq!(day_number(date), day);
        }
        let instants = [
            "2026-03-08T06:59:59Z",
            "2026-03-08T07:00:00Z",
            "2026-11-01T05:59:59.999999999Z",
            "1969-12-31T23:59:59.5Z",
            "1883-11-18T16:59:59Z",
            "0999-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "0000-12-31T23:59:59Z",
            "9999-12-30T12:00:00Z",
            "-000044-03-15T12:00:00Z",
        ];
        for at in instants {
            let at: Timestamp = at.parse().expect("instant");
            for zone in [
                "America/New_York",
                "Asia/Kolkata",
                "UTC",
                "Australia/Eucla",
                "Asia/Shanghai",
            ] {
                let tz = TimeZone::get(zone).expect("zone");
                let secs = tz.to_offset(at).seconds();
                let want = format!(
                    "{}{}{:02}:{:02}",
                    tz.to_datetime(at).strftime("%Y-%m-%dT%H:%M:%S"),
                    if secs < 0 { '-' } else { '+' },
                    secs.abs() / 3600,
                    secs.abs() % 3600 / 60
                );
                for made in [at, "2026-07-01T00:00:00Z".parse().expect("instant")] {
                    let clock = Clock::of(&tz, made);
                    assert_eq!(clock.offset_seconds(at), secs, "{at} in {zone}");
                    let mut got = String::from("x");
                    clock.push_local(&mut got, at);
                    assert_eq!(got, format!("x{want}"), "{at} in {zone}, clock at {made}");
                }
            }
        }
    }

    /// Day numbers and dates agree with jiff's own arithmetic over its
    /// whole range of dates, and outside it there is no date.
    #[test]
    fn day_numbers_equal_jiff() {
        let epoch = Date::constant(1970, 1, 1);
        let jiff_date_of = |day: i64| {
            jiff::Span::new()
                .try_days(day)
                .ok()
                .and_then(|s| epoch.checked_add(s).ok())
        };
        let min = day_number(Date::MIN);
        let max = day_number(Date::MAX);
        assert_eq!(jiff_date_of(min), Some(Date::MIN));
        assert_eq!(jiff_date_of(max), Some(Date::MAX));
        let mut days: Vec<i64> = (min..=max).step_by(13).collect();
        days.extend(min - 3..min + 800);
        days.extend(max - 800..=max + 3);
        days.extend(-800..800);
        days.extend([i64::MIN, i64::MAX, min - 400_000, max + 400_000]);
        for day in days {
            let expected = jiff_date_of(day);
            assert_eq!(date_of(day), expected, "day {day}");
            if let Some(d) = expected {
                let since = d.since(epoch).ok().map(|s| i64::from(s.get_days()));
                assert_eq!(Some(day_number(d)), since, "{d}");
            }
        }
    }

    /// The constant-offset fast paths give exactly what jiff gives, around
    /// ordinary DST changes, 30-minute ones, transitions at local midnight
    /// (a gap at 00:00 and a fold across midnight in São Paulo) and a
    /// skipped day (Apia, 2011-12-30).
    #[test]
    fn fast_local_time_equals_jiff() {
        let cases = [
            ("America/New_York", "2026-03-08T06:00:00Z"),
            ("America/New_York", "2026-11-01T06:00:00Z"),
            ("Europe/London", "2026-03-29T01:00:00Z"),
            ("Australia/Lord_Howe", "2026-04-05T15:00:00Z"),
            ("America/Sao_Paulo", "2018-11-04T03:00:00Z"),
            ("America/Sao_Paulo", "2019-02-17T02:00:00Z"),
            ("Pacific/Apia", "2011-12-30T10:00:00Z"),
            ("Asia/Shanghai", "2026-06-10T00:00:00Z"),
        ];
        for (name, around) in cases {
            let tz = TimeZone::get(name).expect("zone");
            let around: Timestamp = around.parse().expect("instant");
            // Clocks built at several instants around the transition, so
            // that the fast interval starts or ends near it.
            for h in (-80..=80).step_by(7) {
                let at = around + SignedDuration::from_hours(h);
                let clock = Clock::new(tz.clone().into(), at);
                for m in (-4 * 24 * 60..=4 * 24 * 60).step_by(17) {
                    let t = at + SignedDuration::from_mins(m);
                    let dt = tz.to_datetime(t);
                    assert_eq!(
                        clock.local(t),
                        (day_number(dt.date()), secs_of_day(dt)),
                        "{name} local({t}) clock at {at}"
                    );
                }
                let d0 = clock.day(at);
                for day in d0 - 4..=d0 + 4 {
                    let date = date_of(day).expect("date");
                    assert_eq!(
                        clock.start_of_day_n(day),
                        start_of_day(&tz, date),
                        "{name} start of {date} clock at {at}"
                    );
                    for secs in [0, 1, 1_800, 3_600, 5_400, 7_200, 43_200, 86_399, 86_400] {
                        assert_eq!(
                            clock.instant_at_day(day, secs),
                            instant_at(&tz, date, secs),
                            "{name} {date} +{secs}s clock at {at}"
                        );
                        if let Some((t, true)) = clock.instant_at_day_known(day, secs) {
                            assert_eq!(
                                clock.local(t),
                                (day, u64::from(secs) * 1_000_000_000),
                                "{name} {date} +{secs}s known, clock at {at}"
                            );
                        }
                    }
                }
            }
        }
    }
}
