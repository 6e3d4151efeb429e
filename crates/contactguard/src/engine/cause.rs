//! Why a rule denied, as a small record of the figures its message names
//! ([`Cause`]): `decide` keeps the record, and the message's text is
//! written from it only when someone reads it ([`Message`]).
//!
//! Each variant's text is the one the engine wrote eagerly before; the
//! pieces the record keeps are those the text prints: numbers and
//! instants by value, the ask's recipient and debt keys copied (inline
//! when short), the zone (a shared handle), and the rule's strings
//! shared with the compiled policy.
//!
//! [`Message`]: crate::model::Message

use super::limits::{push_count, push_day, push_day_range, push_digits, push_display};
use super::local;
use super::local::ZoneRef;
use crate::model::{Ask, AttemptResult, Channel, HoldReason, Place, Purpose, Role, SharedStr};
use crate::policy::format::{Bounds, CalendarPeriod, Duration, LocalTime, Scope};
use crate::policy::Period;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::num::NonZeroU8;
use std::sync::Arc;

/// The ask's recipient and debt keys, copied for a message: inline when
/// both fit (recipient keys and account numbers mostly do), else one
/// heap string holding both.
#[derive(Clone)]
pub(crate) enum Keys {
    Inline {
        buf: [u8; Keys::INLINE],
        /// The recipient key's length plus one: never zero, so `Heap`'s
        /// tag lives in that niche and `Keys` is 40 bytes, not 48.
        to: NonZeroU8,
        debt: u8,
    },
    Heap {
        both: Box<str>,
        to: usize,
    },
}

impl Keys {
    const INLINE: usize = 38;

    pub(crate) fn of(ask: &Ask) -> Keys {
        let (to, debt) = (ask.to.as_bytes(), ask.debt.as_bytes());
        if to.len() <= Keys::INLINE && debt.len() <= Keys::INLINE - to.len() {
            let mut buf = [0u8; Keys::INLINE];
            put(&mut buf, to);
            put(buf.get_mut(to.len()..).unwrap_or(&mut []), debt);
            // Both lengths are at most INLINE (38), so `to + 1` is a
            // non-zero byte.
            return Keys::Inline {
                buf,
                to: NonZeroU8::MIN.saturating_add(to.len() as u8),
                debt: debt.len() as u8,
            };
        }
        let mut both = String::with_capacity(to.len().saturating_add(debt.len()));
        both.push_str(&ask.to);
        both.push_str(&ask.debt);
        Keys::Heap {
            both: both.into_boxed_str(),
            to: to.len(),
        }
    }

    /// The recipient key.
    fn to(&self) -> &str {
        match self {
            Keys::Inline { buf, to, .. } => {
                // The bytes of a `str`, copied whole.
                let to = usize::from(to.get() - 1);
                std::str::from_utf8(buf.get(..to).unwrap_or(&[])).unwrap_or("")
            }
            Keys::Heap { both, to } => both.get(..*to).unwrap_or(""),
        }
    }

    /// The debt key.
    fn debt(&self) -> &str {
        match self {
            Keys::Inline { buf, to, debt } => {
                let a = usize::from(to.get() - 1);
                let b = a + usize::from(*debt);
                std::str::from_utf8(buf.get(a..b).unwrap_or(&[])).unwrap_or("")
            }
            Keys::Heap { both, to } => both.get(*to..).unwrap_or(""),
        }
    }
}

/// Copies `src` to the start of `dst` (when it fits) with at most two
/// fixed-size moves (its first and last `W` bytes, overlapping), not a
/// call to `memcpy`: a key is a few bytes, and the call costs more than
/// the copy.
#[inline(always)]
fn put(dst: &mut [u8], src: &[u8]) {
    let Some(dst) = dst.get_mut(..src.len()) else {
        return;
    };
    match src.len() {
        0 => {}
        1 => ends::<1>(dst, src),
        2..=3 => ends::<2>(dst, src),
        4..=7 => ends::<4>(dst, src),
        8..=15 => ends::<8>(dst, src),
        16..=31 => ends::<16>(dst, src),
        32..=63 => ends::<32>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// Copies `src` (of `W..=2 * W` bytes) to `dst` (as long) as its first and
/// its last `W` bytes.
#[inline(always)]
fn ends<const W: usize>(dst: &mut [u8], src: &[u8]) {
    if let (Some(d), Some(s)) = (dst.first_chunk_mut::<W>(), src.first_chunk::<W>()) {
        *d = *s;
    }
    if let (Some(d), Some(s)) = (dst.last_chunk_mut::<W>(), src.last_chunk::<W>()) {
        *d = *s;
    }
}

/// The weekdays a statement names, in its order (repeats kept): up to
/// [`Days::MAX`], three bits each.
#[derive(Clone, Copy, Default)]
pub(crate) struct Days {
    codes: u64,
    len: u8,
}

impl Days {
    pub(crate) const MAX: usize = 21;

    /// `None` past [`Days::MAX`] days.
    pub(crate) fn of(days: impl Iterator<Item = jiff::civil::Weekday>) -> Option<Days> {
        let mut d = Days::default();
        for w in days {
            if usize::from(d.len) >= Days::MAX {
                return None;
            }
            let code = u64::from(w.to_monday_zero_offset().unsigned_abs());
            d.codes |= code << (3 * u32::from(d.len));
            d.len += 1;
        }
        Some(d)
    }

    fn iter(self) -> impl Iterator<Item = jiff::civil::Weekday> {
        (0..u32::from(self.len)).filter_map(move |i| {
            let code = (self.codes >> (3 * i)) & 7;
            jiff::civil::Weekday::from_monday_zero_offset(code as i8).ok()
        })
    }
}

/// What a cap counted over.
#[derive(Clone)]
pub(crate) enum CapOver {
    Lifetime,
    /// A rolling period of `secs` before `t` (shown in the first zone).
    Rolling {
        secs: i64,
        t: Timestamp,
        zone: Option<ZoneRef>,
    },
    /// Local dates `first..=today` in `zone`.
    Dated {
        period: Period,
        first: i64,
        today: i64,
        zone: ZoneRef,
    },
}

/// The exceptions of a `deny` rule's `unless` that the ask did not meet,
/// with what the message names of each: packed (masks and flags side by
/// side, the ask's days past due kept only when that exception is unmet),
/// so that a [`Cause`] stays within 128 bytes and moves without a call.
#[derive(Clone, Default)]
pub(crate) struct Unmet {
    /// The purposes the exception allows (when `PURPOSES` is set).
    purposes: u32,
    /// The places the exception allows (when `PLACES` is set).
    places: u32,
    /// The ask's days past due (when `DPD_GIVEN` is set).
    days_past_due: i64,
    /// The consent kind not granted.
    consent: Option<SharedStr>,
    /// Which exceptions were unmet ([`Unmet::PURPOSES`] ...).
    flags: u8,
}

impl Unmet {
    const PURPOSES: u8 = 1;
    const PLACES: u8 = 1 << 1;
    const REQUESTED_CONTACT: u8 = 1 << 2;
    const DEBTOR_UNREACHABLE: u8 = 1 << 3;
    const DPD: u8 = 1 << 4;
    const DPD_GIVEN: u8 = 1 << 5;

    /// The unmet exceptions: the purposes and places the exception allows
    /// (`None`: met), the consent kind not granted, whether "requested
    /// contact" and "debtor out of contact" were unmet, and whether the
    /// days past due range was, with the ask's days past due.
    pub(crate) fn new(
        purposes: Option<u32>,
        places: Option<u32>,
        consent: Option<SharedStr>,
        requested_contact: bool,
        debtor_unreachable: bool,
        dpd: bool,
        days_past_due: Option<i64>,
    ) -> Unmet {
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        let given = dpd.then_some(days_past_due).flatten();
        Unmet {
            purposes: purposes.unwrap_or(0),
            places: places.unwrap_or(0),
            days_past_due: given.unwrap_or(0),
            consent,
            flags: bit(purposes.is_some(), Unmet::PURPOSES)
                | bit(places.is_some(), Unmet::PLACES)
                | bit(requested_contact, Unmet::REQUESTED_CONTACT)
                | bit(debtor_unreachable, Unmet::DEBTOR_UNREACHABLE)
                | bit(dpd, Unmet::DPD)
                | bit(given.is_some(), Unmet::DPD_GIVEN),
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Why a rule denied: the figures its message names.
#[derive(Clone)]
pub(crate) enum Cause {
    /// A given text: a rule's own `message`, one read back from JSON, a
    /// ledger's.
    Text(SharedStr),
    /// A fixed text.
    Static(&'static str),
    /// The ask names no zone and the rule needs local time.
    NoZone { rule: SharedStr },
    /// `n` counted attempts in `scope` against `limit`.
    Cap {
        n: usize,
        keys: Keys,
        scope: Scope,
        limit: u32,
        over: CapOver,
    },
    /// A rolling cool-down: the trigger at `last` pauses for `secs`
    /// until `end`.
    PauseRolling {
        result: AttemptResult,
        channel: Channel,
        keys: Keys,
        scope: Scope,
        last: Timestamp,
        secs: i64,
        end: Timestamp,
        zone: Option<ZoneRef>,
    },
    /// A cool-down over `n` local dates from day `from`; `today` in `zone`.
    PauseDated {
        result: AttemptResult,
        channel: Channel,
        keys: Keys,
        scope: Scope,
        n: u32,
        from: i64,
        today: i64,
        zone: ZoneRef,
    },
    OptOut {
        keys: Keys,
        at: Timestamp,
        zone: Option<ZoneRef>,
        channel: Channel,
        place: Option<Place>,
    },
    Cease {
        keys: Keys,
        at: Timestamp,
        zone: Option<ZoneRef>,
        same_debt: bool,
    },
    Attorney {
        keys: Keys,
        at: Timestamp,
        zone: Option<ZoneRef>,
        same_to: bool,
    },
    Hold {
        keys: Keys,
        reason: HoldReason,
        start: Timestamp,
        until: Option<Timestamp>,
        zone: Option<ZoneRef>,
    },
    Inconvenient {
        keys: Keys,
        at: Timestamp,
        zone: Option<ZoneRef>,
        place: Option<Place>,
        span: Option<(u32, u32)>,
        days: Option<Days>,
    },
    /// Local time `t` in `zone` is outside the governing entry's `spans`
    /// (`None`: no entry governs the day).
    Window {
        t: Timestamp,
        zone: ZoneRef,
        spans: Option<Arc<[(u32, u32, Bounds)]>>,
    },
    /// The holiday calendar `name` has no data for the local year in
    /// `zone`.
    CalendarGap {
        name: Option<SharedStr>,
        year: i16,
        zone: ZoneRef,
    },
    /// A `deny` rule selected the ask.
    Deny {
        title: SharedStr,
        keys: Keys,
        channel: Channel,
        role: Role,
        purpose: Option<Purpose>,
        place: Option<Place>,
        unmet: Unmet,
    },
}

// A cause is moved several times on a denial's way into its `Decision`
// (left in the context, taken, wrapped in a `Message`): within 128 bytes
// (with the `Option` the context keeps it in) the compiler copies it
// inline rather than calling `memcpy`.
const _: () = assert!(std::mem::size_of::<Option<Cause>>() <= 128);
const _: () = assert!(std::mem::size_of::<Keys>() <= 40);

impl Cause {
    /// The text, for a cause that is one.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Cause::Text(s) => Some(s),
            Cause::Static(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the denial says its rule's holiday calendar has no data for
    /// the local date's year (see [`super::is_calendar_gap`]).
    pub(crate) fn is_calendar_gap(&self) -> bool {
        match self {
            Cause::CalendarGap { .. } => true,
            _ => self.as_text().is_some_and(super::is_calendar_gap),
        }
    }

    /// Writes the message.
    pub(crate) fn write(&self) -> String {
        let mut m = String::with_capacity(128);
        self.write_to(&mut m);
        m
    }

    fn write_to(&self, m: &mut String) {
        match self {
            Cause::Text(s) => m.push_str(s),
            Cause::Static(s) => m.push_str(s),
            Cause::NoZone { rule } => {
                m.push_str("the ask has no `timezones` and rule `");
                m.push_str(rule);
                m.push_str("` needs the local time (fail closed)");
            }
            Cause::Cap {
                n,
                keys,
                scope,
                limit,
                over,
            } => write_cap(m, *n, keys, *scope, *limit, over),
            Cause::PauseRolling {
                result,
                channel,
                keys,
                scope,
                last,
                secs,
                end,
                zone,
            } => {
                push_trigger(m, *result, *channel, keys, *scope);
                m.push_str(" at ");
                push_local(m, zone.as_deref(), *last);
                push_display(
                    m,
                    format_args!(" starts a {} pause, until ", Duration { seconds: *secs }),
                );
                push_local(m, zone.as_deref(), *end);
            }
            Cause::PauseDated {
                result,
                channel,
                keys,
                scope,
                n,
                from,
                today,
                zone,
            } => {
                push_trigger(m, *result, *channel, keys, *scope);
                m.push_str(" on ");
                push_day(m, *from);
                push_display(m, format_args!(" starts {n} local dates without contact; "));
                push_day(m, *today);
                push_display(
                    m,
                    format_args!(" is day {} in ", today.wrapping_sub(*from).wrapping_add(1)),
                );
                m.push_str(local::zone_name(zone));
            }
            Cause::OptOut {
                keys,
                at,
                zone,
                channel,
                place,
            } => {
                m.push_str(keys.to());
                m.push_str(" asked on ");
                push_local(m, zone.as_deref(), *at);
                m.push_str(" not to be contacted by ");
                m.push_str(channel.as_str());
                if let Some(p) = place {
                    m.push_str(" at ");
                    m.push_str(p.as_str());
                }
            }
            Cause::Cease {
                keys,
                at,
                zone,
                same_debt,
            } => {
                m.push_str(keys.to());
                m.push_str(" asked on ");
                push_local(m, zone.as_deref(), *at);
                m.push_str(" that contact about ");
                m.push_str(if *same_debt {
                    keys.debt()
                } else {
                    "another debt"
                });
                m.push_str(" cease");
            }
            Cause::Attorney {
                keys,
                at,
                zone,
                same_to,
            } => {
                m.push_str(if *same_to { keys.to() } else { "the consumer" });
                m.push_str(" is represented by an attorney on ");
                m.push_str(keys.debt());
                m.push_str(" (notice of ");
                push_local(m, zone.as_deref(), *at);
                m.push_str("): contact the attorney");
            }
            Cause::Hold {
                keys,
                reason,
                start,
                until,
                zone,
            } => {
                m.push_str("collection on ");
                m.push_str(keys.debt());
                m.push_str(" is held (");
                m.push_str(reason.as_str());
                match until {
                    Some(u) => {
                        m.push_str(") from ");
                        push_local(m, zone.as_deref(), *start);
                        m.push_str(" until ");
                        push_local(m, zone.as_deref(), *u);
                    }
                    None => {
                        m.push_str(") since ");
                        push_local(m, zone.as_deref(), *start);
                        m.push_str(", open-ended");
                    }
                }
            }
            Cause::Inconvenient {
                keys,
                at,
                zone,
                place,
                span,
                days,
            } => push_inconvenient(
                m,
                keys.to(),
                zone.as_deref(),
                *at,
                *place,
                *span,
                days.map(Days::iter),
            ),
            Cause::Window { t, zone, spans } => {
                let dt = local::datetime(zone, *t);
                push_display(
                    m,
                    format_args!(
                        "local time {} {:?} {} in ",
                        dt.time().strftime("%H:%M:%S"),
                        dt.date().weekday(),
                        dt.date()
                    ),
                );
                m.push_str(local::zone_name(zone));
                m.push_str(" is outside ");
                match spans.as_deref().unwrap_or(&[]) {
                    [] => m.push_str("the permitted days (no contact that day)"),
                    [one] => {
                        m.push_str("the permitted window ");
                        push_span(m, *one);
                    }
                    many => {
                        m.push_str("the permitted windows ");
                        for (i, s) in many.iter().enumerate() {
                            if i > 0 {
                                m.push_str(", ");
                            }
                            push_span(m, *s);
                        }
                    }
                }
            }
            Cause::CalendarGap { name, year, zone } => {
                m.push_str(super::window::CALENDAR_GAP);
                m.push_str(" `");
                m.push_str(name.as_deref().unwrap_or("?"));
                m.push('`');
                m.push_str(super::window::CALENDAR_GAP_YEAR);
                push_display(m, format_args!("{year}"));
                m.push_str(": the local date in ");
                m.push_str(local::zone_name(zone));
                m.push_str(" cannot be classified (fail closed)");
            }
            Cause::Deny {
                title,
                keys,
                channel,
                role,
                purpose,
                place,
                unmet,
            } => {
                m.push_str(title);
                m.push_str(": ");
                m.push_str(channel.as_str());
                m.push_str(" to ");
                m.push_str(keys.to());
                m.push_str(" (");
                m.push_str(role.as_str());
                m.push_str(", ");
                match purpose {
                    Some(p) => {
                        m.push_str("for ");
                        m.push_str(p.as_str());
                    }
                    None => m.push_str("no purpose given"),
                }
                if let Some(p) = place {
                    m.push_str(", at ");
                    m.push_str(p.as_str());
                }
                m.push(')');
                write_unmet(m, unmet, keys, *channel);
            }
        }
    }
}

/// The unmet exceptions of a `deny` rule, each introduced by ": " (the
/// first) or "; ".
fn write_unmet(m: &mut String, u: &Unmet, keys: &Keys, channel: Channel) {
    let mut sep = ": ";
    let mut unmet = |m: &mut String| {
        m.push_str(sep);
        sep = "; ";
    };
    if u.has(Unmet::PURPOSES) {
        let mask = u.purposes;
        unmet(m);
        m.push_str("only ");
        push_names(m, Purpose::ALL, mask, Purpose::as_str);
        m.push_str(" is allowed");
    }
    if u.has(Unmet::PLACES) {
        let mask = u.places;
        unmet(m);
        m.push_str("only at ");
        push_names(m, Place::ALL, mask, Place::as_str);
    }
    if let Some(kind) = &u.consent {
        unmet(m);
        m.push_str("no granted `");
        m.push_str(kind);
        m.push_str("` consent for ");
        m.push_str(channel.as_str());
        m.push_str(" on record");
    }
    if u.has(Unmet::REQUESTED_CONTACT) {
        unmet(m);
        m.push_str(keys.to());
        m.push_str(" has not asked to be contacted again");
    }
    if u.has(Unmet::DEBTOR_UNREACHABLE) {
        unmet(m);
        m.push_str("the debtor on ");
        m.push_str(keys.debt());
        m.push_str(" is not out of contact");
    }
    if u.has(Unmet::DPD) {
        unmet(m);
        m.push_str("days past due (");
        if u.has(Unmet::DPD_GIVEN) {
            push_display(m, format_args!("{}", u.days_past_due));
        } else {
            m.push_str("not given");
        }
        m.push_str(") meets no exception");
    }
}

/// The wire names of the values in `mask`, joined by `/`.
fn push_names<T: Copy + Into<u32>>(
    m: &mut String,
    all: &[T],
    mask: u32,
    name: fn(T) -> &'static str,
) {
    let mut first = true;
    for x in all.iter().filter(|x| mask & crate::policy::bit(**x) != 0) {
        if !first {
            m.push('/');
        }
        first = false;
        m.push_str(name(*x));
    }
}

/// The message of a cap: `n` counted attempts in `scope` over `over`,
/// against `limit`. One buffer, no intermediate strings.
fn write_cap(m: &mut String, n: usize, keys: &Keys, scope: Scope, limit: u32, over: &CapOver) {
    push_count(m, n, "counted attempt");
    m.push(' ');
    push_scope(m, keys, scope);
    match over {
        CapOver::Lifetime => {
            m.push_str(" already (lifetime limit ");
            push_digits(m, u64::from(limit), 1);
            m.push(')');
            return;
        }
        CapOver::Rolling { secs, t, zone } => {
            push_display(
                m,
                format_args!(" in the {} before ", Duration { seconds: *secs }),
            );
            push_local(m, zone.as_deref(), *t);
        }
        CapOver::Dated {
            period,
            first,
            today,
            zone,
        } => {
            match period {
                Period::Dates(days) => {
                    m.push_str(" on the ");
                    push_digits(m, u64::from(*days), 1);
                    m.push_str(" local dates ");
                    push_day_range(m, *first, *today);
                }
                Period::Calendar(CalendarPeriod::Day) => {
                    m.push_str(" on the local day ");
                    push_day(m, *today);
                }
                Period::Calendar(CalendarPeriod::Week) => {
                    m.push_str(" in the local week ");
                    push_day_range(m, *first, *today);
                }
                _ => {
                    m.push_str(" in the local month of ");
                    push_day(m, *today);
                }
            }
            m.push_str(" in ");
            m.push_str(local::zone_name(zone));
        }
    }
    m.push_str(" (limit ");
    push_digits(m, u64::from(limit), 1);
    m.push(')');
}

/// Appends the attempt that starts a cool-down: `a {result} {channel}
/// attempt {scope}`.
fn push_trigger(
    m: &mut String,
    result: AttemptResult,
    channel: Channel,
    keys: &Keys,
    scope: Scope,
) {
    m.push_str("a ");
    m.push_str(result.as_str());
    m.push(' ');
    m.push_str(channel.as_str());
    m.push_str(" attempt ");
    push_scope(m, keys, scope);
}

/// Appends the scope: `to R`, `to R about D` or `about D (anyone)`.
fn push_scope(m: &mut String, keys: &Keys, scope: Scope) {
    match scope {
        Scope::Recipient => {
            m.push_str("to ");
            m.push_str(keys.to());
        }
        Scope::RecipientDebt => {
            m.push_str("to ");
            m.push_str(keys.to());
            m.push_str(" about ");
            m.push_str(keys.debt());
        }
        Scope::Debt => {
            m.push_str("about ");
            m.push_str(keys.debt());
            m.push_str(" (anyone)");
        }
    }
}

/// Appends what an inconvenient-time statement said: `{to} said on {local
/// time} that {the P place} on {hh:mm-hh:mm} on {Mon/Tue} is inconvenient`
/// (`contact` when it named none of them).
pub(super) fn push_inconvenient(
    m: &mut String,
    to: &str,
    zone: Option<&TimeZone>,
    at: Timestamp,
    place: Option<Place>,
    span: Option<(u32, u32)>,
    days: Option<impl Iterator<Item = jiff::civil::Weekday>>,
) {
    m.push_str(to);
    m.push_str(" said on ");
    push_local(m, zone, at);
    m.push_str(" that ");
    let mut any = false;
    let mut part = |m: &mut String| {
        if any {
            m.push_str(" on ");
        }
        any = true;
    };
    if let Some(p) = place {
        part(m);
        m.push_str("the ");
        m.push_str(p.as_str());
        m.push_str(" place");
    }
    if let Some((a, b)) = span {
        part(m);
        push_display(
            m,
            format_args!("{}-{}", LocalTime { seconds: a }, LocalTime { seconds: b }),
        );
    }
    if let Some(days) = days {
        part(m);
        for (i, d) in days.enumerate() {
            if i > 0 {
                m.push('/');
            }
            push_display(m, format_args!("{d:?}"));
        }
    }
    if !any {
        m.push_str("contact");
    }
    m.push_str(" is inconvenient");
}

/// Appends an instant as local time in `zone` (the ask's first candidate
/// zone), or as UTC without one.
pub(super) fn push_local(m: &mut String, zone: Option<&TimeZone>, t: Timestamp) {
    match zone {
        Some(z) => push_display(
            m,
            format_args!(
                "{}",
                t.to_zoned_datetime(z.clone())
                    .strftime("%Y-%m-%d %H:%M:%S %:z")
            ),
        ),
        None => push_display(m, format_args!("{t}")),
    }
}

/// Appends a window's span: `[08:00–21:00]`, with its bounds.
fn push_span(m: &mut String, (s, e, b): (u32, u32, Bounds)) {
    push_display(
        m,
        format_args!(
            "{}{}–{}{}",
            if b == Bounds::Open { "(" } else { "[" },
            LocalTime { seconds: s },
            LocalTime { seconds: e },
            if b == Bounds::Closed { "]" } else { ")" }
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(to: &str, debt: &str) -> Ask {
        Ask {
            at: Timestamp::UNIX_EPOCH,
            channel: Channel::Call,
            to: to.to_owned(),
            role: Role::Debtor,
            debt: debt.to_owned(),
            timezones: Vec::new(),
            place: None,
            autodialed: None,
            purpose: None,
            days_past_due: None,
        }
    }

    /// The keys read back as given: short ones inline, long ones (and
    /// multi-byte ones) on the heap, empty ones too, at the boundary.
    #[test]
    fn keys_read_back_as_given() {
        let long = "k".repeat(Keys::INLINE);
        let cases = [
            ("", ""),
            ("c1", "d1"),
            ("+15551234567", "ACCT-000123"),
            ("é🙂", "ü"),
            (long.as_str(), ""),
            ("", long.as_str()),
            (long.as_str(), "x"),
            (&long[1..], "x"),
            ("a".repeat(200).leak(), "b".repeat(300).leak()),
        ];
        for (to, debt) in cases {
            let k = Keys::of(&ask(to, debt));
            assert_eq!((k.to(), k.debt()), (to, debt));
            let inline = matches!(k, Keys::Inline { .. });
            assert_eq!(inline, to.len() + debt.len() <= Keys::INLINE, "{to} {debt}");
            let c = k.clone();
            assert_eq!((c.to(), c.debt()), (to, debt));
        }
        // Every split of every inline length (the copy moves a key's
        // first and last bytes by size class), with distinct bytes.
        let text: String = (0..=Keys::INLINE + 1)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for n in 0..=Keys::INLINE + 1 {
            for split in 0..=n {
                let (to, debt) = (&text[..split], &text[split..n]);
                let k = Keys::of(&ask(to, debt));
                assert_eq!((k.to(), k.debt()), (to, debt), "{n} {split}");
                assert_eq!(matches!(k, Keys::Inline { .. }), n <= Keys::INLINE);
            }
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    fn ny() -> ZoneRef {
        TimeZone::get("America/New_York").expect("zone").into()
    }

    /// Each cause writes the text the engine wrote before messages were
    /// lazy (the expected texts are written out by hand from those format
    /// strings): scopes, plurals, local times with and without a zone,
    /// dated periods, pauses, objections, holds, statements, windows,
    /// calendar gaps and `deny` rules with every unmet exception.
    #[test]
    fn causes_write_the_engine_texts() {
        use jiff::civil::Weekday::*;
        let keys = || Keys::of(&ask("c1", "d1"));
        let day = |d: &str| local::day_number(d.parse().expect("date"));
        let t = at("2026-10-15T14:30:00Z");
        let cases: Vec<(Cause, &str)> = vec![
            (Cause::Static("cool-down end overflows"), "cool-down end overflows"),
            (Cause::Text("own words".into()), "own words"),
            (
                Cause::NoZone { rule: "us-reg-f.1".into() },
                "the ask has no `timezones` and rule `us-reg-f.1` needs the local time (fail closed)",
            ),
            (
                Cause::Cap { n: 1, keys: keys(), scope: Scope::Recipient, limit: 1, over: CapOver::Lifetime },
                "1 counted attempt to c1 already (lifetime limit 1)",
            ),
            (
                Cause::Cap {
                    n: 12,
                    keys: keys(),
                    scope: Scope::RecipientDebt,
                    limit: 7,
                    over: CapOver::Rolling { secs: 7 * 86_400, t, zone: Some(ny()) },
                },
                "12 counted attempts to c1 about d1 in the 1w before 2026-10-15 10:30:00 -04:00 (limit 7)",
            ),
            (
                Cause::Cap {
                    n: 3,
                    keys: keys(),
                    scope: Scope::Debt,
                    limit: 3,
                    over: CapOver::Rolling { secs: 36 * 3600, t, zone: None },
                },
                "3 counted attempts about d1 (anyone) in the 36h before 2026-10-15T14:30:00Z (limit 3)",
            ),
            (
                Cause::Cap {
                    n: 3,
                    keys: keys(),
                    scope: Scope::Recipient,
                    limit: 2,
                    over: CapOver::Dated {
                        period: Period::Dates(7),
                        first: day("2026-10-09"),
                        today: day("2026-10-15"),
                        zone: ny(),
                    },
                },
                "3 counted attempts to c1 on the 7 local dates 2026-10-09..2026-10-15 in America/New_York (limit 2)",
            ),
            (
                Cause::Cap {
                    n: 2,
                    keys: keys(),
                    scope: Scope::Recipient,
                    limit: 2,
                    over: CapOver::Dated {
                        period: Period::Calendar(CalendarPeriod::Day),
                        first: day("2026-10-15"),
                        today: day("2026-10-15"),
                        zone: ny(),
                    },
                },
                "2 counted attempts to c1 on the local day 2026-10-15 in America/New_York (limit 2)",
            ),
            (
                Cause::Cap {
                    n: 10,
                    keys: keys(),
                    scope: Scope::Recipient,
                    limit: 10,
                    over: CapOver::Dated {
                        period: Period::Calendar(CalendarPeriod::Week),
                        first: day("2026-09-28"),
                        today: day("2026-10-01"),
                        zone: ny(),
                    },
                },
                "10 counted attempts to c1 in the local week 2026-09-28..2026-10-01 in America/New_York (limit 10)",
            ),
            (
                Cause::Cap {
                    n: 0,
                    keys: keys(),
                    scope: Scope::Recipient,
                    limit: 0,
                    over: CapOver::Dated {
                        period: Period::Calendar(CalendarPeriod::Month),
                        first: day("2026-10-01"),
                        today: day("2026-10-15"),
                        zone: ny(),
                    },
                },
                "0 counted attempts to c1 in the local month of 2026-10-15 in America/New_York (limit 0)",
            ),
            (
                Cause::PauseRolling {
                    result: AttemptResult::Conversation,
                    channel: Channel::Call,
                    keys: keys(),
                    scope: Scope::RecipientDebt,
                    last: at("2026-10-15T13:00:00Z"),
                    secs: 90 * 60,
                    end: at("2026-10-15T14:30:00Z"),
                    zone: Some(ny()),
                },
                "a conversation call attempt to c1 about d1 at 2026-10-15 09:00:00 -04:00 starts a 90m pause, until 2026-10-15 10:30:00 -04:00",
            ),
            (
                Cause::PauseDated {
                    result: AttemptResult::Voicemail,
                    channel: Channel::Call,
                    keys: keys(),
                    scope: Scope::Recipient,
                    n: 7,
                    from: day("2026-10-13"),
                    today: day("2026-10-15"),
                    zone: ny(),
                },
                "a voicemail call attempt to c1 on 2026-10-13 starts 7 local dates without contact; 2026-10-15 is day 3 in America/New_York",
            ),
            (
                Cause::OptOut {
                    keys: keys(),
                    at: at("2026-06-01T16:00:00Z"),
                    zone: Some(ny()),
                    channel: Channel::Sms,
                    place: Some(Place::Work),
                },
                "c1 asked on 2026-06-01 12:00:00 -04:00 not to be contacted by sms at work",
            ),
            (
                Cause::OptOut {
                    keys: keys(),
                    at: at("2026-06-01T16:00:00Z"),
                    zone: None,
                    channel: Channel::Call,
                    place: None,
                },
                "c1 asked on 2026-06-01T16:00:00Z not to be contacted by call",
            ),
            (
                Cause::Cease { keys: keys(), at: at("2026-06-01T16:00:00Z"), zone: Some(ny()), same_debt: true },
                "c1 asked on 2026-06-01 12:00:00 -04:00 that contact about d1 cease",
            ),
            (
                Cause::Cease { keys: keys(), at: at("2026-06-01T16:00:00Z"), zone: Some(ny()), same_debt: false },
                "c1 asked on 2026-06-01 12:00:00 -04:00 that contact about another debt cease",
            ),
            (
                Cause::Attorney { keys: keys(), at: at("2026-06-01T16:00:00Z"), zone: Some(ny()), same_to: true },
                "c1 is represented by an attorney on d1 (notice of 2026-06-01 12:00:00 -04:00): contact the attorney",
            ),
            (
                Cause::Attorney { keys: keys(), at: at("2026-06-01T16:00:00Z"), zone: Some(ny()), same_to: false },
                "the consumer is represented by an attorney on d1 (notice of 2026-06-01 12:00:00 -04:00): contact the attorney",
            ),
            (
                Cause::Hold {
                    keys: keys(),
                    reason: HoldReason::PromiseToPay,
                    start: at("2026-06-01T16:00:00Z"),
                    until: Some(at("2026-06-08T04:00:00Z")),
                    zone: Some(ny()),
                },
                "collection on d1 is held (promise_to_pay) from 2026-06-01 12:00:00 -04:00 until 2026-06-08 00:00:00 -04:00",
            ),
            (
                Cause::Hold {
                    keys: keys(),
                    reason: HoldReason::Dispute,
                    start: at("2026-06-01T16:00:00Z"),
                    until: None,
                    zone: Some(ny()),
                },
                "collection on d1 is held (dispute) since 2026-06-01 12:00:00 -04:00, open-ended",
            ),
            (
                Cause::Inconvenient {
                    keys: keys(),
                    at: at("2026-06-01T16:00:00Z"),
                    zone: Some(ny()),
                    place: None,
                    span: None,
                    days: None,
                },
                "c1 said on 2026-06-01 12:00:00 -04:00 that contact is inconvenient",
            ),
            (
                Cause::Inconvenient {
                    keys: keys(),
                    at: at("2026-06-01T16:00:00Z"),
                    zone: Some(ny()),
                    place: Some(Place::Work),
                    span: Some((9 * 3600, 17 * 3600 + 30 * 60 + 15)),
                    days: Days::of([Monday, Friday, Monday].into_iter()),
                },
                "c1 said on 2026-06-01 12:00:00 -04:00 that the work place on 09:00-17:30:15 on Monday/Friday/Monday is inconvenient",
            ),
            (
                Cause::Window { t, zone: ny(), spans: None },
                "local time 10:30:00 Thursday 2026-10-15 in America/New_York is outside the permitted days (no contact that day)",
            ),
            (
                Cause::Window { t, zone: ny(), spans: Some(Arc::new([(8 * 3600, 21 * 3600, Bounds::Closed)])) },
                "local time 10:30:00 Thursday 2026-10-15 in America/New_York is outside the permitted window [08:00–21:00]",
            ),
            (
                Cause::Window {
                    t,
                    zone: ny(),
                    spans: Some(Arc::new([
                        (8 * 3600, 9 * 3600, Bounds::HalfOpen),
                        (12 * 3600, 13 * 3600 + 30, Bounds::Open),
                    ])),
                },
                "local time 10:30:00 Thursday 2026-10-15 in America/New_York is outside the permitted windows [08:00–09:00), (12:00–13:00:30)",
            ),
            (
                Cause::CalendarGap { name: Some("id".into()), year: 2099, zone: TimeZone::get("Asia/Jakarta").expect("zone").into() },
                "holiday calendar `id` has no data for 2099: the local date in Asia/Jakarta cannot be classified (fail closed)",
            ),
            (
                Cause::Deny {
                    title: "No calls to third parties".into(),
                    keys: keys(),
                    channel: Channel::Call,
                    role: Role::ThirdParty,
                    purpose: None,
                    place: None,
                    unmet: Unmet::default(),
                },
                "No calls to third parties: call to c1 (third_party, no purpose given)",
            ),
            (
                Cause::Deny {
                    title: "T".into(),
                    keys: keys(),
                    channel: Channel::Sms,
                    role: Role::Debtor,
                    purpose: Some(Purpose::Collection),
                    place: Some(Place::Work),
                    unmet: Unmet::new(
                        Some(crate::policy::bit(Purpose::Location) | crate::policy::bit(Purpose::Notice)),
                        Some(crate::policy::bit(Place::Home)),
                        Some("tcpa".into()),
                        true,
                        true,
                        true,
                        Some(12),
                    ),
                },
                "T: sms to c1 (debtor, for collection, at work): only location/notice is allowed; only at home; no granted `tcpa` consent for sms on record; c1 has not asked to be contacted again; the debtor on d1 is not out of contact; days past due (12) meets no exception",
            ),
            (
                // Days past due unmet without the ask giving them; an
                // empty place mask is still named.
                Cause::Deny {
                    title: "T".into(),
                    keys: keys(),
                    channel: Channel::Email,
                    role: Role::Debtor,
                    purpose: None,
                    place: None,
                    unmet: Unmet::new(None, Some(0), None, false, false, true, None),
                },
                "T: email to c1 (debtor, no purpose given): only at ; days past due (not given) meets no exception",
            ),
            (
                // The ask's days past due are named only when their
                // exception is unmet.
                Cause::Deny {
                    title: "T".into(),
                    keys: keys(),
                    channel: Channel::Call,
                    role: Role::Debtor,
                    purpose: None,
                    place: None,
                    unmet: Unmet::new(None, None, None, false, true, false, Some(-3)),
                },
                "T: call to c1 (debtor, no purpose given): the debtor on d1 is not out of contact",
            ),
        ];
        for (cause, text) in cases {
            assert_eq!(cause.write(), text);
            let m = crate::model::Message::of(cause);
            assert_eq!(m, text);
            assert_eq!(serde_json::to_value(&m).expect("json"), text);
        }
    }

    /// Weekdays read back in their order, repeats kept, up to the most
    /// kept.
    #[test]
    fn days_read_back_in_order() {
        use jiff::civil::Weekday::*;
        let list = [Sunday, Monday, Monday, Saturday, Wednesday];
        let d = Days::of(list.into_iter()).expect("fits");
        assert_eq!(d.iter().collect::<Vec<_>>(), list);
        let full: Vec<_> = (0..Days::MAX).map(|i| list[i % list.len()]).collect();
        let d = Days::of(full.iter().copied()).expect("fits");
        assert_eq!(d.iter().collect::<Vec<_>>(), full);
        assert!(Days::of((0..=Days::MAX).map(|_| Friday)).is_none());
        assert_eq!(
            Days::of(std::iter::empty()).map(|d| d.iter().count()),
            Some(0)
        );
    }
}
