//! Caps and cool-downs: counts over a period, pauses after a trigger, and
//! when each clears.

use super::cause::{CapOver, Cause, Keys};
use super::conditions::conversation;
use super::local::start_of_day;
use super::view::{below, kind, Ev, Side, Stored, NO_PLACE, SHORT};
use super::{deny, local, no_zone, Ctx, Verdict};
use crate::model::{Ask, AttemptResult};
use crate::policy::format::{CalendarPeriod, Scope};
use crate::policy::{Filter, Pause, Period};
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::cell::Cell;

/// The start of `period`'s look-back from `t` ([`Period::lookback_seconds`]:
/// the one definition of how far back a rule reads, which the ledger's
/// retention keeps too, so a decision over the ledger and one over the
/// full history read the same attempts). Local period starts lie after it
/// in every zone. `None` (no cut) for a lifetime or out of range.
pub(super) fn lookback_start(t: Timestamp, period: Period) -> Option<Timestamp> {
    seconds_before(t, period.lookback_seconds()?)
}

/// The instant `secs` seconds before `t`; `None` (no cut) when that is out
/// of range.
#[inline]
pub(super) fn seconds_before(t: Timestamp, secs: i64) -> Option<Timestamp> {
    // Whole seconds off a positive instant: plain arithmetic, the same
    // instant as jiff's subtraction.
    let (whole, nanos) = (t.as_second(), t.subsec_nanosecond());
    if let Some(s) = whole.checked_sub(secs) {
        if s > 0 && nanos >= 0 {
            if let Ok(ts) = Timestamp::new(s, nanos) {
                return Some(ts);
            }
        }
    }
    t.checked_sub(SignedDuration::from_secs(secs)).ok()
}

/// The channels (a mask) that `f` can match for `ask`: a side that indexes
/// attempts by channel then stops after the last of those (the filter
/// is still applied to each attempt).
fn channels(f: &Filter, ask: &Ask) -> u32 {
    if f.same_channel {
        f.channels & crate::policy::bit(ask.channel)
    } else {
        f.channels
    }
}

/// The attempts of `scope`'s side after `from` (all of them for `None`),
/// in time order; cut after the last attempt on `chan`'s channels (see
/// `Side::span_end`). Callers filter them with [`Test::matches`], which
/// holds the scope's debt test.
fn scoped<'a, S: Stored>(
    ctx: &'a Ctx<'a, S>,
    scope: Scope,
    from: Option<Timestamp>,
    chan: u32,
) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
    // The scope's debt test is [`Test::matches`]'s, which every caller
    // applies.
    side_of(ctx, scope).after_in(from, chan)
}

/// A filter and scope as bit masks, tested on each stored record with
/// few branches: a dense history's look-back holds many records, and
/// [`count_back`] visits each one.
#[derive(Clone, Copy)]
struct Test {
    /// The channels [`channels`] gives (`same_channel` applied).
    chan: u32,
    /// The results, with `pending` set when any result is (see
    /// `result_matches`).
    res: u32,
    role: u32,
    /// The places, with [`NO_PLACE`] set: an attempt without a place
    /// matches every filter.
    place: u32,
    /// The debt key an attempt must have (`recipient_debt` scope).
    debt: Option<u32>,
}

impl Test {
    fn new<S: Stored>(ctx: &Ctx<'_, S>, f: &Filter, scope: Scope) -> Test {
        let pending = crate::policy::bit(AttemptResult::Pending);
        Test {
            chan: channels(f, ctx.ask),
            res: if f.results == 0 {
                0
            } else {
                (f.results & !pending) | pending
            },
            role: f.roles,
            place: f.places | NO_PLACE,
            debt: (scope == Scope::RecipientDebt).then_some(ctx.rec.ask_debt),
        }
    }

    /// Whether `a` is an attempt in scope that the filter matches (its
    /// channels with `same_channel` applied, results as `result_matches`
    /// reads them, roles, places, and the scope's debt): the one test of a
    /// filter, for counts, triggers and the class index alike.
    #[inline]
    fn matches<S: Stored>(&self, a: &S) -> bool {
        use crate::policy::bit;
        a.is_attempt()
            && self.chan & bit(a.channel()) != 0
            && (self.res & bit(a.result()) != 0)
                & (self.role & bit(a.role()) != 0)
                & (self.place & a.place().map_or(NO_PLACE, bit) != 0)
                & self.debt.is_none_or(|d| a.debt() == d)
    }

    /// [`Test::matches`], testing the result first and stopping at the
    /// first part that fails: for finding a rare trigger (most records
    /// fail on their result).
    #[inline]
    fn triggers<S: Stored>(&self, a: &S) -> bool {
        use crate::policy::bit;
        a.is_attempt()
            && self.res & bit(a.result()) != 0
            && self.chan & bit(a.channel()) != 0
            && self.role & bit(a.role()) != 0
            && self.place & a.place().map_or(NO_PLACE, bit) != 0
            && self.debt.is_none_or(|d| a.debt() == d)
    }
}

/// Among `recs` (time order), the attempts `test` matches outside the
/// `consent` windows, counted from the newest: how many (all of them when
/// `all`, else up to the `limit`-th), and the `limit`-th newest (`None`
/// when fewer are counted, or for a limit of 0).
fn count_back<'a, S: Stored>(
    recs: &'a [S],
    test: &Test,
    consent: &[(Timestamp, Timestamp)],
    limit: usize,
    all: bool,
) -> (usize, Option<&'a S>) {
    if !consent.is_empty() {
        let counts = |a: &&S| test.matches(*a) && !in_windows(consent, a.at());
        return count_back_by(recs, counts, limit, all);
    }
    count_back_by(recs, |a: &&S| test.matches(*a), limit, all)
}

/// The class lists [`indexed_back`] merges without allocating (more are
/// copied to the heap).
const MERGE: usize = 16;

/// The position lists of the classes `test` selects on `side`, when the
/// side indexes its attempts by class and `test`'s role, place and debt
/// parts pass every attempt it holds (then an attempt matches exactly when
/// its class is selected); `None` otherwise.
fn class_lists<'a, S: Stored>(
    side: &Side<'a, S>,
    test: &Test,
) -> Option<impl Iterator<Item = &'a [u32]> + Clone + 'a> {
    let classes = side.classes?;
    if !classes.covers(test.role, test.place, test.debt) {
        return None;
    }
    let (chan, res) = (test.chan, test.res);
    Some(
        classes
            .lists
            .iter()
            .filter(move |c| c.chan & chan != 0 && c.res & res != 0)
            .map(|c| c.pos.as_slice()),
    )
}

/// [`count_back`] over the side's records from index `k` on, answered
/// from the side's class index: the count by binary searches, the
/// `limit`-th newest by merging the selected lists from their ends (only
/// when `locate`: otherwise `None`, and the count alone says whether the
/// limit is reached). `None` when the index does not answer (no index, a
/// test it does not cover, consent windows to skip, a short look-back);
/// the count is the full count even when not `all`.
fn indexed_back<'a, S: Stored>(
    side: &Side<'a, S>,
    k: usize,
    test: &Test,
    consent: &[(Timestamp, Timestamp)],
    limit: usize,
    locate: bool,
) -> Option<(usize, Option<&'a S>)> {
    if !consent.is_empty() {
        return None;
    }
    let n = side.atts.len();
    // A short look-back is scanned faster than searched.
    if n.saturating_sub(k) <= SHORT {
        return None;
    }
    let lists = class_lists(side, test)?;
    let mut heads: [(&[u32], usize); MERGE] = [(&[], 0); MERGE];
    let mut m = 0usize;
    let mut count = 0usize;
    for list in lists.clone() {
        let end = below(list, n);
        // None of the list's attempts from `k` on (the usual case for a
        // channel only in the oldest part).
        if end
            .checked_sub(1)
            .and_then(|e| list.get(e))
            .is_none_or(|&p| (p as usize) < k)
        {
            continue;
        }
        let start = if list.first().is_none_or(|&p| p as usize >= k) {
            0
        } else {
            list.partition_point(|&p| (p as usize) < k)
        };
        count += end - start;
        match heads.get_mut(m) {
            Some(h) => *h = (list, end),
            // A broad filter over many classes: merged on the heap.
            None => return Some(indexed_back_many(side, k, lists, limit, locate)),
        }
        m += 1;
    }
    if limit == 0 || count < limit || !locate {
        return Some((count, None));
    }
    // The limit-th newest: take the newest remaining head `limit` times
    // (all are at or after `k`, and there are at least `limit` of them).
    let heads = heads.get_mut(..m)?;
    let pos = newest_kth(heads, limit)?;
    let kth = side.atts.get(pos as usize)?;
    Some((count, Some(kth)))
}

/// [`indexed_back`] for more than [`MERGE`] selected lists, with their
/// heads on the heap.
#[cold]
#[inline(never)]
fn indexed_back_many<'a, S: Stored>(
    side: &Side<'a, S>,
    k: usize,
    lists: impl Iterator<Item = &'a [u32]>,
    limit: usize,
    locate: bool,
) -> (usize, Option<&'a S>) {
    let n = side.atts.len();
    let mut heads: Vec<(&[u32], usize)> = Vec::new();
    let mut count = 0usize;
    for list in lists {
        let (start, end) = (below(list, k), below(list, n));
        if end > start {
            count += end - start;
            heads.push((list, end));
        }
    }
    if limit == 0 || count < limit || !locate {
        return (count, None);
    }
    let kth = newest_kth(&mut heads, limit).and_then(|p| side.atts.get(p as usize));
    (count, kth)
}

/// The `limit`-th newest position among the lists' heads (each list's
/// positions before its head's end, all at or after the look-back start,
/// at least `limit` of them in all): the newest remaining head, taken
/// `limit` times.
fn newest_kth(heads: &mut [(&[u32], usize)], limit: usize) -> Option<u32> {
    let mut pos = None;
    for _ in 0..limit {
        let mut best: Option<(usize, u32)> = None;
        for (i, &(list, end)) in heads.iter().enumerate() {
            if let Some(&p) = end.checked_sub(1).and_then(|e| list.get(e)) {
                if best.is_none_or(|b| p > b.1) {
                    best = Some((i, p));
                }
            }
        }
        let (i, p) = best?;
        if let Some(h) = heads.get_mut(i) {
            h.1 -= 1;
        }
        pos = Some(p);
    }
    pos
}

/// The newest attempt `test` matches among the side's records from index
/// `k` on, from the side's class index (the latest of the selected lists'
/// last positions); `None` when the index does not answer, `Some(None)`
/// when no attempt matches.
fn indexed_last<'a, S: Stored>(side: &Side<'a, S>, k: usize, test: &Test) -> Option<Option<&'a S>> {
    let n = side.atts.len();
    // A short look-back is scanned faster than searched.
    if n.saturating_sub(k) <= SHORT {
        return None;
    }
    let lists = class_lists(side, test)?;
    let last = lists
        .filter_map(|list| {
            let end = below(list, n);
            end.checked_sub(1).and_then(|e| list.get(e)).copied()
        })
        .filter(|&p| p as usize >= k)
        .max();
    Some(last.and_then(|p| side.atts.get(p as usize)))
}

/// [`count_back`] over the side's records from index `k` on: from the
/// side's class index where it answers and the records to visit (cut at
/// the last attempt on the test's channels, `Side::span_end`) are more
/// than [`SHORT`]; else by the scan (a short span is scanned faster).
///
/// Without `locate` the `limit`-th newest may be left `None` even when
/// the limit is reached: the count then says so (for a limit of one or
/// more it is below the limit exactly when fewer are counted, as
/// [`count_back`] counts at least up to the limit).
fn count_from<'a, S: Stored>(
    side: &Side<'a, S>,
    k: usize,
    test: &Test,
    consent: &[(Timestamp, Timestamp)],
    limit: usize,
    all: bool,
    locate: bool,
) -> (usize, Option<&'a S>) {
    let end = side.span_end(k, test.chan);
    if end.saturating_sub(k) > SHORT {
        if let Some(r) = indexed_back(side, k, test, consent, limit, locate) {
            return r;
        }
    }
    count_back(side.slice(k, end), test, consent, limit, all)
}

/// [`count_back`] with the test on each record given.
fn count_back_by<'a, S: Stored>(
    recs: &'a [S],
    counts: impl Fn(&&'a S) -> bool,
    limit: usize,
    all: bool,
) -> (usize, Option<&'a S>) {
    if limit == 0 {
        let n = if all {
            recs.iter().filter(&counts).count()
        } else {
            0
        };
        return (n, None);
    }
    let mut newest = recs.iter().rev();
    let mut n = 0usize;
    // Up to the limit-th, then (for the message) the count of the rest.
    for a in newest.by_ref() {
        if counts(&a) {
            n += 1;
            if n == limit {
                let rest = if all {
                    newest.filter(&counts).count()
                } else {
                    0
                };
                return (n + rest, Some(a));
            }
        }
    }
    (n, None)
}

/// What dated caps work out from the instant tried alone, remembered for
/// the next cap of the same decision: the last start [`start_since`]
/// searched, and (with one candidate zone) the last period placed
/// ([`placed`]). Two caps over the same local dates (Reg F's and a
/// state's 7 dates, a day's two caps on calls) place them once.
#[derive(Default)]
pub(super) struct Since {
    /// Whether on the debt's side, the instant, and the record index.
    start: Cell<(bool, Option<Timestamp>, usize)>,
    /// The ask's local date in the one zone, at an instant.
    today: Cell<Option<(Timestamp, i64)>>,
    placed: Cell<Option<Placed>>,
}

/// A dated period placed in the one candidate zone at instant `t`, for
/// the debt's side or the recipient's (`on_debt`).
#[derive(Clone, Copy)]
struct Placed {
    on_debt: bool,
    period: Period,
    t: Timestamp,
    /// The local date of `t`.
    today: i64,
    /// Where the zone's offset holds from the period's look-back to `t`
    /// (see [`local::Clock::steady_day_start`]): the period's first date,
    /// its first instant, and the index of the side's first record at or
    /// after it. `None` otherwise (or for a first date out of range).
    steady: Option<(i64, Timestamp, usize)>,
}

/// [`Side::start_since`] on `scope`'s side, remembered for the last
/// instant asked in this decision (two caps over the same local dates
/// search the same start).
pub(super) fn start_since<S: Stored>(ctx: &Ctx<'_, S>, scope: Scope, since: Timestamp) -> usize {
    let on_debt = scope == Scope::Debt;
    let (debt, at, k) = ctx.since.start.get();
    if debt == on_debt && at == Some(since) {
        return k;
    }
    let k = side_of(ctx, scope).start_since(since);
    ctx.since.start.set((on_debt, Some(since), k));
    k
}

/// `period` placed at `t` in `z`, the only candidate zone, on `scope`'s
/// side: as the dated branch of [`cap`] places it in each zone, remembered
/// for the next cap at the same instant.
fn placed<S: Stored>(
    ctx: &Ctx<'_, S>,
    z: &local::Clock,
    scope: Scope,
    period: Period,
    t: Timestamp,
) -> Placed {
    let on_debt = scope == Scope::Debt;
    if let Some(p) = ctx.since.placed.get() {
        if p.t == t && p.on_debt == on_debt && p.period == period {
            return p;
        }
    }
    let today = match ctx.since.today.get() {
        Some((at, day)) if at == t => day,
        _ => {
            let day = z.day(t);
            ctx.since.today.set(Some((t, day)));
            day
        }
    };
    let steady = period_start(period, today).and_then(|first| {
        let since = z.steady_day_start(first, lookback_start(t, period), t)?;
        Some((first, since, start_since(ctx, scope, since)))
    });
    let p = Placed {
        on_debt,
        period,
        t,
        today,
        steady,
    };
    ctx.since.placed.set(Some(p));
    p
}

/// The side a scope reads.
fn side_of<'c, 'a, S: Stored>(ctx: &'c Ctx<'a, S>, scope: Scope) -> &'c Side<'a, S> {
    if scope == Scope::Debt {
        ctx.debt
    } else {
        ctx.rec
    }
}

/// Live Reg F prior-consent windows for the recipient and debt, as
/// `[start, end)` instants; computed once per ask.
pub(super) fn consent_windows<'c, S: Stored>(ctx: &'c Ctx<'_, S>) -> &'c [(Timestamp, Timestamp)] {
    ctx.consent.get_or_init(|| find_consent_windows(ctx))
}

fn find_consent_windows<S: Stored>(ctx: &Ctx<'_, S>) -> Vec<(Timestamp, Timestamp)> {
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (_, e) in ctx.rec.states.of(kind::PRIOR_CONSENT) {
        let Ev::PriorConsent {
            at: p_at,
            same_debt,
            until: p_until,
            granted,
        } = e
        else {
            continue;
        };
        if !same_debt {
            continue;
        }
        if !granted {
            // A revocation ends every window open at that moment.
            for w in &mut out {
                if w.0 <= p_at && p_at < w.1 {
                    w.1 = p_at;
                }
            }
            continue;
        }
        // Local date K is day 1; the window ends at the start of K+7 (the
        // earliest such midnight among the candidate zones).
        let mut end = None::<Timestamp>;
        for z in ctx.zones.iter() {
            let k = local::date(z, p_at);
            if let Some(e) = k
                .checked_add(7.days())
                .ok()
                .and_then(|d| start_of_day(z, d))
            {
                end = Some(end.map_or(e, |x| x.min(e)));
            }
        }
        let Some(mut end) = end else { continue };
        if let Some(u) = p_until {
            end = end.min(u);
        }
        // A later conversation with the person about the debt ends it.
        if let Some(conv) = ctx
            .rec
            .after(Some(p_at))
            .find(|a| ctx.rec.same_debt(a) && conversation(a.result()))
            .map(|a| a.at())
        {
            end = end.min(conv);
        }
        if p_at < end {
            out.push((p_at, end));
        }
    }
    out
}

fn in_windows(windows: &[(Timestamp, Timestamp)], t: Timestamp) -> bool {
    windows.iter().any(|(s, e)| *s <= t && t < *e)
}

#[cfg(test)]
fn plural(n: usize, one: &str) -> String {
    let mut m = String::new();
    push_count(&mut m, n, one);
    m
}

/// Appends `n one(s)` (`1 counted attempt`, `3 counted attempts`).
pub(super) fn push_count(m: &mut String, n: usize, one: &str) {
    push_digits(m, n as u64, 1);
    m.push(' ');
    m.push_str(one);
    if n != 1 {
        m.push('s');
    }
}

pub(super) fn push_display(m: &mut String, args: std::fmt::Arguments<'_>) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = m.write_fmt(args);
}

/// Appends `v` in decimal, zero-padded to at least `width` digits, as
/// `format!("{v:0width$}")` writes it, without the formatting machinery
/// (a denial's message is on the decision's path).
#[inline]
pub(super) fn push_digits(m: &mut String, mut v: u64, width: usize) {
    // One digit (most counts and limits): no buffer.
    if v < 10 && width <= 1 {
        // `v` is below 10.
        m.push(char::from(b'0' + v as u8));
        return;
    }
    let mut buf = [b'0'; 20];
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        if v == 0 && buf_len(start) >= width.max(1) {
            break;
        }
        // `v % 10` is below 10.
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
        start -= 1;
    }
    for &b in buf.get(start..).unwrap_or(&[]) {
        m.push(char::from(b));
    }
}

/// How many digits [`push_digits`] has written when its buffer starts at
/// `start`.
fn buf_len(start: usize) -> usize {
    20 - start
}

/// Appends a local day number as its date, `YYYY-MM-DD` as jiff prints
/// it (jiff itself for years outside 1..=9999).
pub(super) fn push_day(m: &mut String, day: i64) {
    match civil_u32(day) {
        // Years 1..=9999 are inside jiff's range of dates, and each part
        // fits its width.
        Some((y, mo, dd)) if (1..=9999).contains(&y) => push_ymd(m, y, mo, dd),
        _ => match local::date_of(day) {
            Some(d) => push_display(m, format_args!("{d}")),
            None => push_display(m, format_args!("{day}")),
        },
    }
}

/// Appends `first..last` (local day numbers), as [`push_day`] writes each:
/// when both fall in one month of a year 1..=9999, from one calendar
/// computation (the days of a period of a few dates mostly do).
pub(super) fn push_day_range(m: &mut String, first: i64, last: i64) {
    if let Some((y, mo, dd)) = civil_u32(last) {
        let back = last.checked_sub(first).and_then(|b| u32::try_from(b).ok());
        if let Some(back) = back.filter(|&b| b < dd && (1..=9999).contains(&y)) {
            push_ymd(m, y, mo, dd - back);
            m.push_str("..");
            push_ymd(m, y, mo, dd);
            return;
        }
    }
    push_day(m, first);
    m.push_str("..");
    push_day(m, last);
}

/// Appends a date of a year 1..=9999 as `YYYY-MM-DD`.
#[inline(always)]
fn push_ymd(m: &mut String, y: u32, mo: u32, dd: u32) {
    push_two(m, y / 100);
    push_two(m, y % 100);
    m.push('-');
    push_two(m, mo);
    m.push('-');
    push_two(m, dd);
}

/// Appends `v` (below 100) as two digits.
#[inline(always)]
fn push_two(m: &mut String, v: u32) {
    // Both digits are below 10.
    m.push(char::from(b'0' + (v / 10 % 10) as u8));
    m.push(char::from(b'0' + (v % 10) as u8));
}

/// [`local::civil_of`] for day numbers from 0000-03-01 on, in unsigned
/// 32-bit arithmetic (cheaper divisions; a test checks the two agree);
/// `None` outside that range.
fn civil_u32(day: i64) -> Option<(u32, u32, u32)> {
    let z = u32::try_from(day.checked_add(719_468)?).ok()?;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe.checked_add(era.checked_mul(400)?)? + u32::from(m <= 2);
    Some((y, m, d))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn cap<S: Stored>(
    ctx: &Ctx<'_, S>,
    limit: u32,
    scope: Scope,
    period: Period,
    filter: &Filter,
    exclude_prior_consent: bool,
    t: Timestamp,
) -> Verdict {
    // A dated period in one zone whose offset holds over the look-back
    // (the usual case): placed once for the caps over the same dates.
    if let Period::Dates(_) | Period::Calendar(_) = period {
        let mut zones = ctx.zones.iter();
        if let (Some(z), None) = (zones.next(), zones.next()) {
            // No attempt on the filter's channels in the second before the
            // look-back or later: nothing in the period counts, and a
            // limit of one or more is not reached (as below, without
            // placing the period).
            let chan = channels(filter, ctx.ask);
            let from_second = period
                .lookback_seconds()
                .and_then(|l| t.as_second().checked_sub(l)?.checked_sub(1));
            if limit > 0
                && from_second.is_some_and(|s| side_of(ctx, scope).quiet_from_second(chan, s))
            {
                return Verdict::Pass;
            }
            let p = placed(ctx, z, scope, period, t);
            if let Some(steady) = p.steady {
                let rule = CapRule {
                    chan,
                    limit,
                    scope,
                    period,
                    filter,
                    exclude_prior_consent,
                };
                return cap_steady(ctx, z, &rule, p.today, steady, t);
            }
        }
    }
    // The instant from which the period can count an attempt (`None`:
    // the whole side); for a rolling period, the end of its look-back.
    let lookback = match period {
        Period::Lifetime => None,
        Period::Rolling(secs) => match seconds_before(t, secs) {
            Some(from) => Some(from),
            None => return Verdict::Pass,
        },
        Period::Dates(_) | Period::Calendar(_) => lookback_start(t, period),
    };
    // No attempt on the filter's channels since then: nothing counts,
    // and a limit of one or more is not reached.
    let chan = channels(filter, ctx.ask);
    if limit > 0 && side_of(ctx, scope).quiet_since(chan, lookback) {
        return Verdict::Pass;
    }
    let consent: &[(Timestamp, Timestamp)] = if exclude_prior_consent {
        consent_windows(ctx)
    } else {
        &[]
    };
    if exclude_prior_consent && in_windows(consent, t) {
        return Verdict::Pass;
    }
    // Only the attempts after `from` can be in the period: each period
    // binary-searches to its own look-back.
    let test = Test::new(ctx, filter, scope);
    let counts = |a: &&S| test.matches(*a) && !in_windows(consent, a.at());
    let counted = |from: Option<Timestamp>| scoped(ctx, scope, from, chan).filter(counts);
    let limit_n = limit as usize;
    match period {
        Period::Lifetime => {
            // Every counted attempt of the side (from its class index when
            // it answers).
            let total = count_from(side_of(ctx, scope), 0, &test, consent, 0, true, false).0;
            if total < limit_n {
                return Verdict::Pass;
            }
            deny(ctx, None, || Cause::Cap {
                n: total,
                keys: Keys::of(ctx.ask),
                scope,
                limit,
                over: CapOver::Lifetime,
            })
        }
        Period::Rolling(secs) => {
            let d = SignedDuration::from_secs(secs);
            let Some(from) = seconds_before(t, secs) else {
                return Verdict::Pass;
            };
            // Events are in time order: the (n - limit + 1)-th oldest in the
            // window, which is the limit-th newest, leaving it brings the
            // count under the limit. Counting back from the newest stops
            // after `limit` counted attempts, so the count itself is only
            // taken for the message. The limit-th newest is only located
            // when the earliest instant is wanted (the count says whether
            // the limit is reached).
            let side = side_of(ctx, scope);
            let k = side.start_after(Some(from));
            let (n, kth) = count_from(
                side,
                k,
                &test,
                consent,
                limit_n,
                ctx.want_messages,
                ctx.want_earliest,
            );
            if n < limit_n {
                return Verdict::Pass;
            }
            let earliest = kth.and_then(|a| a.at().checked_add(d).ok());
            deny(ctx, earliest, || Cause::Cap {
                n,
                keys: Keys::of(ctx.ask),
                scope,
                limit,
                over: CapOver::Rolling {
                    secs,
                    t,
                    zone: ctx.first_zone(),
                },
            })
        }
        Period::Dates(_) | Period::Calendar(_) => {
            // Attempts older than the rule's look-back fall before the
            // period in every zone (the same look-back the ledger keeps).
            let from = lookback;
            if ctx.zones.is_empty() {
                // Without a zone the period cannot be placed; deny only if
                // it could be reached in some zone, so that attempts too
                // old for any period never matter.
                let recent = counted(from).count();
                return if recent < limit_n {
                    Verdict::Pass
                } else {
                    no_zone(ctx)
                };
            }
            let mut worst: Option<(usize, &local::Clock, i64, i64)> = None;
            // `None` from the start when not wanted.
            let mut earliest: Option<Timestamp> = ctx.want_earliest.then_some(t);
            for z in ctx.zones.iter() {
                let today = z.day(t);
                let Some(first) = period_start(period, today) else {
                    continue;
                };
                // Where the zone's offset holds from the look-back to `t`,
                // local dates run forward with time: the period is the
                // attempts since its first midnight, found by binary search,
                // and its k-th oldest counted date is the k-th counted
                // attempt's, with no date conversion per attempt.
                let (n, kth_day) = match z.steady_day_start(first, from, t) {
                    Some(since) => {
                        // The count itself only matters for the message
                        // (which zone to name); without one, at least the
                        // limit is enough.
                        let side = side_of(ctx, scope);
                        let k = start_since(ctx, scope, since);
                        let (n, kth) = count_from(
                            side,
                            k,
                            &test,
                            consent,
                            limit_n,
                            ctx.want_messages,
                            ctx.want_earliest,
                        );
                        if n < limit_n {
                            continue;
                        }
                        let n = if ctx.want_messages { n } else { limit_n };
                        (n, kth.map(|a| z.day(a.at())))
                    }
                    None => {
                        let in_period = |a: &&S| (first..=today).contains(&z.day(a.at()));
                        let n = counted(from).filter(in_period).count();
                        let kth = if n < limit_n
                            || !matches!(period, Period::Dates(_))
                            || !ctx.want_earliest
                        {
                            None
                        } else {
                            let mut dates: Vec<i64> = counted(from)
                                .filter(in_period)
                                .map(|a| z.day(a.at()))
                                .collect();
                            dates.sort_unstable();
                            dates.get(n - limit_n).copied()
                        };
                        (n, kth)
                    }
                };
                if n < limit_n {
                    continue;
                }
                // The instant the (n - limit + 1)-th oldest counted date
                // leaves the period (when wanted).
                if ctx.want_earliest {
                    let leave_day = match period {
                        Period::Dates(days) => kth_day.map(|d| d + i64::from(days)),
                        _ => period_end(period, today),
                    };
                    let leave = leave_day.and_then(|d| z.start_of_day_n(d));
                    earliest = match (earliest, leave) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                if worst.is_none_or(|w| n > w.0) {
                    worst = Some((n, z, first, today));
                }
            }
            let Some((n, z, first, today)) = worst else {
                return Verdict::Pass;
            };
            deny(ctx, earliest, || Cause::Cap {
                n,
                keys: Keys::of(ctx.ask),
                scope,
                limit,
                over: CapOver::Dated {
                    period,
                    first,
                    today,
                    zone: z.zone(),
                },
            })
        }
    }
}

/// A cap rule's body.
struct CapRule<'f> {
    /// The channels [`channels`] gives for the ask.
    chan: u32,
    limit: u32,
    scope: Scope,
    period: Period,
    filter: &'f Filter,
    exclude_prior_consent: bool,
}

/// [`cap`] for a dated period in `z`, the only candidate zone, whose
/// offset holds from the period's look-back to `t`: the period is the
/// side's records from index `k` on (those at or after `since`, the first
/// instant of local date `first`), and its counted dates run forward with
/// time, as the dated branch of [`cap`] reads them in such a zone.
fn cap_steady<S: Stored>(
    ctx: &Ctx<'_, S>,
    z: &local::Clock,
    rule: &CapRule<'_>,
    today: i64,
    (first, since, k): (i64, Timestamp, usize),
    t: Timestamp,
) -> Verdict {
    let CapRule {
        chan,
        limit,
        scope,
        period,
        filter,
        exclude_prior_consent,
    } = *rule;
    let side = side_of(ctx, scope);
    // No attempt on the filter's channels in the period: nothing counts.
    if limit > 0 && side.quiet_since(chan, Some(since)) {
        return Verdict::Pass;
    }
    let consent: &[(Timestamp, Timestamp)] = if exclude_prior_consent {
        consent_windows(ctx)
    } else {
        &[]
    };
    if exclude_prior_consent && in_windows(consent, t) {
        return Verdict::Pass;
    }
    // Nothing in the period: nothing counts.
    if limit > 0 && k >= side.atts.len() {
        return Verdict::Pass;
    }
    let test = Test::new(ctx, filter, scope);
    let limit_n = limit as usize;
    // The count itself only matters for the message; without one, at
    // least the limit is enough. The limit-th newest only matters for the
    // earliest instant.
    let (n, kth) = count_from(
        side,
        k,
        &test,
        consent,
        limit_n,
        ctx.want_messages,
        ctx.want_earliest,
    );
    if n < limit_n {
        return Verdict::Pass;
    }
    let n = if ctx.want_messages { n } else { limit_n };
    // The instant the limit-th newest counted date leaves the period.
    let earliest = if ctx.want_earliest {
        let leave_day = match period {
            Period::Dates(days) => kth.map(|a| z.day(a.at()) + i64::from(days)),
            _ => period_end(period, today),
        };
        leave_day
            .and_then(|d| z.start_of_day_n(d))
            .map(|b| t.max(b))
    } else {
        None
    };
    deny(ctx, earliest, || Cause::Cap {
        n,
        keys: Keys::of(ctx.ask),
        scope,
        limit,
        over: CapOver::Dated {
            period,
            first,
            today,
            zone: z.zone(),
        },
    })
}

/// First local day number of the period that contains day `today`.
fn period_start(period: Period, today: i64) -> Option<i64> {
    match period {
        Period::Dates(n) => Some(today - (i64::from(n) - 1)),
        Period::Calendar(CalendarPeriod::Day) => Some(today),
        Period::Calendar(CalendarPeriod::Week) => Some(today - local::monday_offset(today)),
        Period::Calendar(CalendarPeriod::Month) => {
            Some(local::day_number(local::date_of(today)?.first_of_month()))
        }
        Period::Rolling(_) | Period::Lifetime => None,
    }
}

/// First local day number after the calendar period that contains `today`.
fn period_end(period: Period, today: i64) -> Option<i64> {
    let start = period_start(period, today)?;
    match period {
        Period::Calendar(CalendarPeriod::Day) => Some(start + 1),
        Period::Calendar(CalendarPeriod::Week) => Some(start + 7),
        Period::Calendar(CalendarPeriod::Month) => {
            let next = local::date_of(start)?.checked_add(1.month()).ok()?;
            Some(local::day_number(next))
        }
        _ => None,
    }
}

pub(super) fn cooldown<S: Stored>(
    ctx: &Ctx<'_, S>,
    scope: Scope,
    period: Pause,
    filter: &Filter,
    exclude_prior_consent: bool,
    t: Timestamp,
) -> Verdict {
    if exclude_prior_consent && in_windows(consent_windows(ctx), t) {
        return Verdict::Pass;
    }
    // Only a trigger after `from` can still hold the pause (and the latest
    // trigger, when there is one after it, is the latest of all).
    let from = match period {
        Pause::Rolling(secs) => seconds_before(t, secs),
        Pause::Dates(n) => lookback_start(t, Period::Dates(n)),
    };
    let chan = channels(filter, ctx.ask);
    let side = side_of(ctx, scope);
    // No attempt on the filter's channels after `from`: no trigger.
    if side.quiet_since(chan, from) {
        return Verdict::Pass;
    }
    let test = Test::new(ctx, filter, scope);
    let triggers = || scoped(ctx, scope, from, chan).filter(|a| test.matches(*a));
    let k = side.start_after(from);
    // As in `count_from`: a short span is scanned.
    let end = side.span_end(k, chan);
    let indexed = if end.saturating_sub(k) > SHORT {
        indexed_last(side, k, &test)
    } else {
        None
    };
    let last = match indexed {
        Some(last) => last,
        None => {
            let recs = side.slice(k, end);
            recs.iter().rev().find(|a| test.triggers(*a))
        }
    };
    let Some(last) = last else {
        return Verdict::Pass;
    };
    // The trigger a denial names: of those at the latest trigger's instant,
    // the first by channel and result, so that the order in which
    // same-instant events were given never changes the wording.
    let named = || {
        triggers()
            .rev()
            .take_while(|a| a.at() == last.at())
            .min_by_key(|a| (a.channel(), a.result()))
            .unwrap_or(last)
    };
    match period {
        Pause::Rolling(secs) => {
            let d = SignedDuration::from_secs(secs);
            let Some(end) = last.at().checked_add(d).ok() else {
                return deny(ctx, None, || Cause::Static("cool-down end overflows"));
            };
            if t >= end {
                return Verdict::Pass;
            }
            deny(ctx, Some(end), || {
                let last = named();
                Cause::PauseRolling {
                    result: last.result(),
                    channel: last.channel(),
                    keys: Keys::of(ctx.ask),
                    scope,
                    last: last.at(),
                    secs,
                    end,
                    zone: ctx.first_zone(),
                }
            })
        }
        Pause::Dates(n) => {
            if ctx.zones.is_empty() {
                // As for caps: only a trigger recent enough for some zone.
                return no_zone(ctx);
            }
            // `None` from the start when not wanted.
            let mut earliest: Option<Timestamp> = ctx.want_earliest.then_some(t);
            let mut hit: Option<(&local::Clock, i64, i64)> = None;
            for z in ctx.zones.iter() {
                let today = z.day(t);
                // The latest trigger date in this zone: the latest
                // trigger's, where the offset holds over all of them (local
                // dates then run forward with time); else the greatest.
                let c = if from.is_some_and(|f| z.steady_over(f, last.at())) {
                    z.day(last.at())
                } else {
                    let Some(c) = triggers().map(|a| z.day(a.at())).max() else {
                        continue;
                    };
                    c
                };
                let end = c + i64::from(n);
                if today >= end {
                    continue;
                }
                // The pause's end in this zone (when wanted).
                if ctx.want_earliest {
                    let leave = z.start_of_day_n(end);
                    earliest = match (earliest, leave) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                hit.get_or_insert((z, c, today));
            }
            let Some((z, c, today)) = hit else {
                return Verdict::Pass;
            };
            deny(ctx, earliest, || {
                let last = named();
                Cause::PauseDated {
                    result: last.result(),
                    channel: last.channel(),
                    keys: Keys::of(ctx.ask),
                    scope,
                    n,
                    from: c,
                    today,
                    zone: z.zone(),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_before_equals_jiff_subtraction() {
        for (s, n) in [
            (1_792_074_600, 0),
            (1_792_074_600, 999_999_999),
            (86_400 * 9, 1),
            (86_400 * 9 - 1, 5),
            (-86_400 * 3, -7),
            (0, 0),
        ] {
            let t = Timestamp::new(s, n).expect("instant");
            for days in [0, 1, 7, 9, 33, 400] {
                assert_eq!(
                    seconds_before(t, days * 86_400),
                    t.checked_sub(SignedDuration::from_hours(24 * days)).ok(),
                    "{t} - {days} days"
                );
            }
        }
        assert_eq!(seconds_before(Timestamp::MIN, 86_400), None);
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;

    #[test]
    fn push_day_prints_as_jiff() {
        for day in [
            i64::MIN,
            -4_000_000,
            -719_163,
            -719_162,
            -1,
            0,
            1,
            10_957,
            20_000,
            2_932_896,
            2_932_897,
            i64::MAX,
        ]
        .into_iter()
        .chain((-719_200..2_933_000).step_by(997))
        .chain(20_000..21_000)
        {
            let mut m = String::new();
            push_day(&mut m, day);
            let expected = local::date_of(day).map_or_else(|| day.to_string(), |d| d.to_string());
            assert_eq!(m, expected, "day {day}");
        }
    }

    /// A range prints as its two ends do, within a month or across months,
    /// years and the ends of the fast dates' range, and backwards.
    #[test]
    fn push_day_range_prints_both_ends_as_push_day() {
        let ends = [
            i64::MIN,
            -719_469,
            -719_468,
            -1,
            0,
            2_932_896,
            2_932_897,
            i64::MAX,
        ];
        let mut lasts: Vec<i64> = (20_000..20_800).collect();
        lasts.extend((-719_470..-719_460).chain(2_932_890..2_932_900));
        lasts.extend(ends);
        for last in lasts {
            for back in [0i64, 1, 5, 6, 27, 29, 30, 31, 40, 400, -1, -7] {
                for first in [last.saturating_sub(back)].into_iter().chain(ends) {
                    let mut m = String::new();
                    push_day_range(&mut m, first, last);
                    let (mut a, mut b) = (String::new(), String::new());
                    push_day(&mut a, first);
                    push_day(&mut b, last);
                    assert_eq!(m, format!("{a}..{b}"), "{first}..{last}");
                }
            }
        }
    }

    #[test]
    fn civil_u32_equals_civil_of() {
        let mut days: Vec<i64> = (-719_468 - 800..-719_468 + 800).collect();
        days.extend((-719_468..3_000_000).step_by(7));
        days.extend(-1_000..25_000);
        days.extend([
            i64::MIN,
            i64::MAX,
            i64::from(u32::MAX) - 719_468,
            4_294_247_827,
        ]);
        for day in days {
            let fast = civil_u32(day).map(|(y, m, d)| (i64::from(y), i64::from(m), i64::from(d)));
            match fast {
                Some(f) => assert_eq!(Some(f), local::civil_of(day), "day {day}"),
                // Only days before 0000-03-01 or past u32 have no fast date.
                None => assert!(
                    day < -719_468 || day > i64::from(u32::MAX) - 719_468,
                    "day {day}"
                ),
            }
        }
    }

    #[test]
    fn digits_print_as_format() {
        let values = [0, 1, 7, 9, 10, 99, 100, 1_000, 9_999, 10_000, 123_456_789];
        for v in values
            .into_iter()
            .chain([u64::from(u32::MAX), u64::MAX - 1, u64::MAX])
        {
            for width in [0usize, 1, 2, 4, 20] {
                let mut m = String::from("x");
                push_digits(&mut m, v, width);
                assert_eq!(m, format!("x{v:0width$}"), "{v} width {width}");
            }
        }
    }

    #[test]
    fn counts_are_plural() {
        assert_eq!(plural(0, "counted attempt"), "0 counted attempts");
        assert_eq!(plural(1, "counted attempt"), "1 counted attempt");
        assert_eq!(plural(11, "counted attempt"), "11 counted attempts");
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::engine::states::States;
    use crate::engine::view::{Classes, Rec};
    use crate::model::{Channel, Place, Role};

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<T: Copy>(&mut self, all: &[T]) -> T {
            all[self.below(all.len())]
        }
        /// A random mask over `n` bits, or every bit one time in four.
        fn mask(&mut self, n: usize) -> u32 {
            if self.below(4) == 0 {
                u32::MAX
            } else {
                (self.next() as u32) & ((1u32 << n) - 1)
            }
        }
    }

    // The class index's count, limit-th newest and last trigger equal the
    // scan's, over random histories (classes, roles, places, debts mixed or
    // not, same-instant records), cuts, look-back starts, filters and
    // limits; and the index declines what it does not cover.
    #[test]
    fn class_index_equals_the_scan() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut answered, mut kth_found, mut last_found) = (0, 0, 0);
        let mut spilled = 0;
        for round in 0..1_000 {
            let len = rng.below(if round % 3 == 0 { 40 } else { 300 });
            // Few classes or many, one debt or several.
            // One round in four with many classes: more than [`MERGE`]
            // lists to merge.
            let many = round % 4 == 1;
            let chans: Vec<Channel> = (0..if many { 6 } else { 1 + rng.below(3) })
                .map(|_| rng.pick(Channel::ALL))
                .collect();
            let results: Vec<AttemptResult> = (0..if many { 9 } else { 1 + rng.below(4) })
                .map(|_| rng.pick(AttemptResult::ALL))
                .collect();
            let debts = 1 + rng.below(2) as u32;
            let with_places = rng.below(2) == 0;
            let mut t = 1_700_000_000i64;
            let full: Vec<Rec> = (0..len)
                .map(|_| {
                    t += rng.below(3) as i64 * 3_600;
                    Rec {
                        at: Timestamp::from_second(t).expect("time"),
                        debt: rng.below(debts as usize) as u32,
                        channel: rng.pick(&chans),
                        role: if rng.below(8) == 0 {
                            rng.pick(Role::ALL)
                        } else {
                            Role::Debtor
                        },
                        result: rng.pick(&results),
                        place: if with_places && rng.below(2) == 0 {
                            Some(rng.pick(Place::ALL))
                        } else {
                            None
                        },
                    }
                })
                .collect();
            let mut classes = Classes::default();
            for (p, a) in full.iter().enumerate() {
                classes.push(a, p as u32);
            }
            let n = if rng.below(2) == 0 {
                len
            } else {
                rng.below(len + 1)
            };
            let side = Side {
                atts: &full[..n],
                ask_debt: 0,
                states: States::new(),
                by_chan: &[],
                classes: Some(&classes),
            };
            for _ in 0..20 {
                let pending = crate::policy::bit(AttemptResult::Pending);
                let res = rng.mask(AttemptResult::ALL.len());
                let test = Test {
                    chan: rng.mask(Channel::ALL.len()),
                    res: if res == 0 { 0 } else { res | pending },
                    role: rng.mask(Role::ALL.len()),
                    place: rng.mask(Place::ALL.len()) | NO_PLACE,
                    debt: match rng.below(3) {
                        0 => Some(rng.below(2) as u32),
                        _ => None,
                    },
                };
                // Mostly a long look-back (a short one is left to the scan).
                let k = if rng.below(4) == 0 {
                    rng.below(n + 1)
                } else {
                    rng.below(n / 3 + 1)
                };
                let limit = rng.below(9);
                let recs = &full[k..n];
                let scanned = count_back(recs, &test, &[], limit, true);
                let scanned_last = recs.iter().rev().find(|a| test.triggers(*a));
                let indexed = indexed_back(&side, k, &test, &[], limit, true);
                let unlocated = indexed_back(&side, k, &test, &[], limit, false);
                let last = indexed_last(&side, k, &test);
                // Both answer, or neither (the same conditions).
                assert_eq!(indexed.is_some(), last.is_some());
                let covered = classes.covers(test.role, test.place, test.debt);
                if n - k <= SHORT || !covered {
                    assert!(indexed.is_none(), "round {round}: not covered");
                    continue;
                }
                let (count, kth) = indexed.expect("answered");
                // Without locating it: the same count, no limit-th newest.
                let (count_only, none) = unlocated.expect("answered");
                assert_eq!(count_only, count, "round {round}");
                assert!(none.is_none(), "round {round}");
                // What callers read instead: the count reaches a limit of
                // one or more exactly when there is a limit-th newest.
                assert_eq!(limit > 0 && count >= limit, kth.is_some(), "round {round}");
                answered += 1;
                let selected = class_lists(&side, &test).map_or(0, |l| {
                    l.filter(|list| list.iter().any(|&p| (k..n).contains(&(p as usize))))
                        .count()
                });
                if selected > MERGE && kth.is_some() {
                    spilled += 1;
                }
                assert_eq!(count, scanned.0, "round {round} k {k} n {n}");
                assert_eq!(kth.is_some(), scanned.1.is_some(), "round {round}");
                if let (Some(a), Some(b)) = (kth, scanned.1) {
                    assert!(std::ptr::eq(a, b), "round {round}: another k-th");
                    kth_found += 1;
                }
                let last = last.expect("answered");
                assert_eq!(last.is_some(), scanned_last.is_some(), "round {round}");
                if let (Some(a), Some(b)) = (last, scanned_last) {
                    assert!(std::ptr::eq(a, b), "round {round}: another trigger");
                    last_found += 1;
                }
                // Consent windows to skip: the index does not answer.
                let window = [(full[k].at, full[n - 1].at)];
                assert!(indexed_back(&side, k, &test, &window, limit, true).is_none());
            }
        }
        // The index answered often, and found something often.
        assert!(answered > 800, "answered {answered}");
        assert!(kth_found > 300, "k-th found {kth_found}");
        assert!(last_found > 400, "last found {last_found}");
        assert!(spilled > 20, "more than MERGE lists merged {spilled}");
        // Without a class index (the ledger), nothing is answered.
        let plain: Side<'_, Rec> = Side::empty(0);
        let test = Test {
            chan: u32::MAX,
            res: u32::MAX,
            role: u32::MAX,
            place: u32::MAX,
            debt: None,
        };
        assert!(indexed_back(&plain, 0, &test, &[], 1, true).is_none());
        assert!(indexed_last(&plain, 0, &test).is_none());
    }
}
