//! The audit's replay: rows to events, independent groups, and each group
//! decided in time order.
//!
//! A decision reads only the events of the ask's recipient and of the ask's
//! debt, so the log splits into groups joined by shared recipients or debts
//! (the connected components of the recipient–debt graph). Groups are
//! independent: each runs on one thread, in time order, with its own
//! history. Every attempt row is decided against the group's earlier rows
//! and then recorded, whether or not it was allowed: a violation still
//! counts towards later caps.

use super::columns::{Flags, Instants, Ints, Layout, Names, Text};
use crate::errors::InputProblem;
use contactguard::{
    decide, Ask, Attempt, AttemptResult, AttorneyNotice, Cease, Consent, Event, History, Hold,
    HoldReason, Inconvenient, OptOut, Policy, PriorConsentToContact, RequestContact, Unreachable,
};
use jiff::{SignedDuration, Timestamp};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The readers of one record batch.
pub(crate) struct Cols<'a> {
    at: Instants<'a>,
    ty: Option<Text<'a>>,
    channel: Option<Text<'a>>,
    to: Option<Text<'a>>,
    role: Option<Text<'a>>,
    debt: Option<Text<'a>>,
    result: Option<Text<'a>>,
    place: Option<Text<'a>>,
    purpose: Option<Text<'a>>,
    timezones: Option<(Names<'a>, &'static str)>,
    days_past_due: Option<Ints<'a>>,
    autodialed: Option<Flags<'a>>,
    granted: Option<Flags<'a>>,
    kind: Option<Text<'a>>,
    reason: Option<Text<'a>>,
    until: Option<Instants<'a>>,
    start: Option<Text<'a>>,
    end: Option<Text<'a>>,
    weekdays: Option<Names<'a>>,
    len: usize,
}

impl<'a> Cols<'a> {
    pub(crate) fn of(
        batch: &'a arrow_array::RecordBatch,
        layout: &Layout,
    ) -> Result<Cols<'a>, InputProblem> {
        let col = |i: usize| {
            batch.columns().get(i).ok_or_else(|| {
                InputProblem::new(
                    "input.invalid",
                    "a record batch is missing a column of its schema",
                )
            })
        };
        let text = |i: Option<usize>, name: &str| -> Result<Option<Text<'a>>, InputProblem> {
            i.map(|i| col(i).and_then(|c| Text::of(c, name)))
                .transpose()
        };
        let text_named =
            |i: Option<(usize, &'static str)>| -> Result<Option<Text<'a>>, InputProblem> {
                i.map(|(i, name)| col(i).and_then(|c| Text::of(c, name)))
                    .transpose()
            };
        let flags = |i: Option<usize>, name: &str| -> Result<Option<Flags<'a>>, InputProblem> {
            i.map(|i| col(i).and_then(|c| Flags::of(c, name)))
                .transpose()
        };
        Ok(Cols {
            at: Instants::of(col(layout.at)?, "at")?,
            ty: text(layout.ty, "type")?,
            channel: text(layout.channel, "channel")?,
            to: text(layout.to, "to")?,
            role: text(layout.role, "role")?,
            debt: text(layout.debt, "debt")?,
            result: text(layout.result, "result")?,
            place: text(layout.place, "place")?,
            purpose: text(layout.purpose, "purpose")?,
            timezones: layout
                .timezones
                .map(|(i, name)| col(i).and_then(|c| Names::of(c, name)).map(|n| (n, name)))
                .transpose()?,
            days_past_due: layout
                .days_past_due
                .map(|i| col(i).and_then(|c| Ints::of(c, "days_past_due")))
                .transpose()?,
            autodialed: flags(layout.autodialed, "autodialed")?,
            granted: flags(layout.granted, "granted")?,
            kind: text(layout.kind, "kind")?,
            reason: text(layout.reason, "reason")?,
            until: layout
                .until
                .map(|i| col(i).and_then(|c| Instants::of(c, "until")))
                .transpose()?,
            start: text_named(layout.start)?,
            end: text_named(layout.end)?,
            weekdays: layout
                .weekdays
                .map(|(i, name)| col(i).and_then(|c| Names::of(c, name)))
                .transpose()?,
            len: batch.num_rows(),
        })
    }
}

/// One row, read.
pub(crate) enum Item {
    /// An attempt: the ask it made and what happened.
    Attempt { ask: Ask, result: AttemptResult },
    /// Any other event, recorded only.
    Event(Event),
}

/// A row with its instant and its position in the table.
pub(crate) struct Parsed {
    pub(crate) at: Timestamp,
    pub(crate) row: usize,
    pub(crate) item: Item,
}

impl Parsed {
    fn keys(&self) -> (Option<&str>, Option<&str>) {
        match &self.item {
            Item::Attempt { ask, .. } => (Some(ask.to.as_str()), Some(ask.debt.as_str())),
            Item::Event(e) => (e.recipient(), e.debt()),
        }
    }
}

/// What the audit says about one attempt row.
pub(crate) struct Outcome {
    pub(crate) allow: bool,
    pub(crate) rules: Vec<String>,
    pub(crate) retry_at: Option<Timestamp>,
}

struct RowReader<'a> {
    _cols: std::marker::PhantomData<&'a ()>,
    i: usize,
    row: usize,
    ty: &'static str,
}

impl<'a> RowReader<'a> {
    fn problem(&self, code: &'static str, field: &str, message: String) -> InputProblem {
        InputProblem::new(code, format!("row {}: {message}", self.row))
            .field(field)
            .row(self.row)
    }

    fn opt_text(&self, col: &Option<Text<'a>>) -> Option<Cow<'a, str>> {
        col.as_ref()
            .and_then(|c| c.get(self.i))
            .filter(|s| !s.trim().is_empty())
    }

    fn text(&self, col: &Option<Text<'a>>, name: &str) -> Result<Cow<'a, str>, InputProblem> {
        self.opt_text(col).ok_or_else(|| {
            self.problem(
                "input.missing",
                name,
                format!("a `{}` row needs `{name}`", self.ty),
            )
        })
    }

    fn wire<T>(
        &self,
        s: &str,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Result<T, InputProblem>
    where
        T: Copy + std::fmt::Display,
    {
        parse(s.trim()).ok_or_else(|| {
            self.problem("input.invalid", name, format!("unknown {name} `{s}`"))
                .help(format!("one of {}", crate::convert::names(all)))
        })
    }

    fn req_wire<T>(
        &self,
        col: &Option<Text<'a>>,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Result<T, InputProblem>
    where
        T: Copy + std::fmt::Display,
    {
        let s = self.text(col, name)?;
        self.wire(&s, name, parse, all)
    }

    fn opt_wire<T>(
        &self,
        col: &Option<Text<'a>>,
        name: &str,
        parse: fn(&str) -> Option<T>,
        all: &[T],
    ) -> Result<Option<T>, InputProblem>
    where
        T: Copy + std::fmt::Display,
    {
        self.opt_text(col)
            .map(|s| self.wire(&s, name, parse, all))
            .transpose()
    }

    fn flag(&self, col: &Option<Flags<'a>>, name: &str) -> Result<Option<bool>, InputProblem> {
        match col {
            None => Ok(None),
            Some(c) => c
                .get(self.i)
                .map_err(|m| self.problem("input.invalid", name, m)),
        }
    }

    fn instant(&self, col: &Instants<'a>, name: &str) -> Result<Option<Timestamp>, InputProblem> {
        col.get(self.i)
            .map_err(|m| self.problem("input.invalid", name, m))
    }

    fn names(&self, col: &Option<Names<'a>>) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = col {
            c.fill(self.i, &mut out);
        }
        out
    }

    fn owned(&self, col: &Option<Text<'a>>, name: &str) -> Result<String, InputProblem> {
        self.text(col, name).map(|s| s.trim().to_owned())
    }
}

/// Reads row `i` of a batch; `row` is its position in the whole table.
pub(crate) fn parse_row(cols: &Cols<'_>, i: usize, row: usize) -> Result<Parsed, InputProblem> {
    use contactguard::{Channel, Place, Purpose, Role};
    let mut r = RowReader {
        _cols: std::marker::PhantomData,
        i,
        row,
        ty: "attempt",
    };
    let ty: Cow<'_, str> = r.opt_text(&cols.ty).unwrap_or(Cow::Borrowed("attempt"));
    r.ty = match ty.trim() {
        "attempt" => "attempt",
        "consent" => "consent",
        "opt_out" => "opt_out",
        "cease" => "cease",
        "attorney" => "attorney",
        "hold" => "hold",
        "prior_consent_to_contact" => "prior_consent_to_contact",
        "request_contact" => "request_contact",
        "inconvenient" => "inconvenient",
        "unreachable" => "unreachable",
        other => {
            return Err(r
                .problem(
                    "input.invalid",
                    "type",
                    format!("unknown event type `{other}`"),
                )
                .help(format!("one of {}", crate::convert::EVENT_TYPES)))
        }
    };
    let at = r
        .instant(&cols.at, "at")?
        .ok_or_else(|| r.problem("input.missing", "at", "every row needs `at`".to_owned()))?;
    let until = match &cols.until {
        Some(c) => r.instant(c, "until")?,
        None => None,
    };
    let item = match r.ty {
        "attempt" => {
            let days_past_due = match &cols.days_past_due {
                Some(c) if c.is_bad(i) => {
                    return Err(r.problem(
                        "input.invalid",
                        "days_past_due",
                        "`days_past_due` is not a whole number".to_owned(),
                    ))
                }
                Some(c) => c.get(i),
                None => None,
            };
            let mut timezones = Vec::new();
            if let Some((c, _)) = &cols.timezones {
                c.fill(i, &mut timezones);
            }
            let ask = Ask {
                at,
                channel: r.req_wire(&cols.channel, "channel", Channel::from_wire, Channel::ALL)?,
                to: r.owned(&cols.to, "to")?,
                role: r.req_wire(&cols.role, "role", Role::from_wire, Role::ALL)?,
                debt: r.owned(&cols.debt, "debt")?,
                timezones,
                place: r.opt_wire(&cols.place, "place", Place::from_wire, Place::ALL)?,
                autodialed: r.flag(&cols.autodialed, "autodialed")?,
                purpose: r.opt_wire(&cols.purpose, "purpose", Purpose::from_wire, Purpose::ALL)?,
                days_past_due,
            };
            let result = r.req_wire(
                &cols.result,
                "result",
                AttemptResult::from_wire,
                AttemptResult::ALL,
            )?;
            Item::Attempt { ask, result }
        }
        "consent" => Item::Event(Event::Consent(Consent {
            at,
            to: r.owned(&cols.to, "to")?,
            channel: r.req_wire(&cols.channel, "channel", Channel::from_wire, Channel::ALL)?,
            granted: r.flag(&cols.granted, "granted")?.ok_or_else(|| {
                r.problem(
                    "input.missing",
                    "granted",
                    "a `consent` row needs `granted`".to_owned(),
                )
            })?,
            kind: r.opt_text(&cols.kind).map(|s| s.trim().to_owned()),
        })),
        "opt_out" => Item::Event(Event::OptOut(OptOut {
            at,
            to: r.owned(&cols.to, "to")?,
            channel: r.req_wire(&cols.channel, "channel", Channel::from_wire, Channel::ALL)?,
            place: r.opt_wire(&cols.place, "place", Place::from_wire, Place::ALL)?,
        })),
        "cease" => Item::Event(Event::Cease(Cease {
            at,
            to: r.owned(&cols.to, "to")?,
            debt: r.owned(&cols.debt, "debt")?,
        })),
        "attorney" => Item::Event(Event::Attorney(AttorneyNotice {
            at,
            to: r.owned(&cols.to, "to")?,
            debt: r.owned(&cols.debt, "debt")?,
        })),
        "hold" => Item::Event(Event::Hold(Hold {
            at,
            debt: r.owned(&cols.debt, "debt")?,
            reason: r.req_wire(
                &cols.reason,
                "reason",
                HoldReason::from_wire,
                HoldReason::ALL,
            )?,
            until,
        })),
        "prior_consent_to_contact" => {
            Item::Event(Event::PriorConsentToContact(PriorConsentToContact {
                at,
                to: r.owned(&cols.to, "to")?,
                debt: r.owned(&cols.debt, "debt")?,
                until,
                granted: r.flag(&cols.granted, "granted")?.unwrap_or(true),
            }))
        }
        "request_contact" => Item::Event(Event::RequestContact(RequestContact {
            at,
            to: r.owned(&cols.to, "to")?,
            debt: r.opt_text(&cols.debt).map(|s| s.trim().to_owned()),
        })),
        "inconvenient" => Item::Event(Event::Inconvenient(Inconvenient {
            at,
            to: r.owned(&cols.to, "to")?,
            start: r.opt_text(&cols.start).map(|s| s.trim().to_owned()),
            end: r.opt_text(&cols.end).map(|s| s.trim().to_owned()),
            weekdays: r.names(&cols.weekdays),
            place: r.opt_wire(&cols.place, "place", Place::from_wire, Place::ALL)?,
            channel: r.opt_wire(&cols.channel, "channel", Channel::from_wire, Channel::ALL)?,
            until,
        })),
        _ => Item::Event(Event::Unreachable(Unreachable {
            at,
            to: r.owned(&cols.to, "to")?,
            debt: r.owned(&cols.debt, "debt")?,
        })),
    };
    Ok(Parsed { at, row, item })
}

/// Runs `f` over `0..n` split into `threads` contiguous chunks, on scoped
/// threads when there is more than one; results in chunk order.
fn chunked<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Result<Vec<T>, InputProblem> {
    let threads = threads.clamp(1, n.max(1));
    let size = n.div_ceil(threads).max(1);
    let ranges: Vec<std::ops::Range<usize>> = (0..threads)
        .map(|t| (t * size).min(n)..((t + 1) * size).min(n))
        .collect();
    if threads == 1 {
        return Ok(ranges.into_iter().map(&f).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = ranges.into_iter().map(|r| s.spawn(|| f(r))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|_| {
                    InputProblem::new("internal.panic", "an audit worker thread panicked")
                })
            })
            .collect()
    })
}

/// Reads every row of every batch, on up to `threads` threads.
pub(crate) fn parse_all(batches: &[Cols<'_>], threads: usize) -> Result<Vec<Parsed>, InputProblem> {
    let mut starts = Vec::with_capacity(batches.len());
    let mut n = 0usize;
    for b in batches {
        starts.push(n);
        n += b.len;
    }
    let chunks = chunked(n, threads, |range| -> Result<Vec<Parsed>, InputProblem> {
        let mut out = Vec::with_capacity(range.len());
        for (cols, &start) in batches.iter().zip(&starts) {
            let lo = range.start.max(start);
            let hi = range.end.min(start + cols.len);
            for row in lo..hi {
                out.push(parse_row(cols, row - start, row)?);
            }
        }
        Ok(out)
    })?;
    let mut all = Vec::with_capacity(n);
    for c in chunks {
        all.extend(c?);
    }
    Ok(all)
}

/// A small fast hasher for the grouping maps (keys are short strings from
/// the log, hashed once per row; no untrusted-input concern here: a
/// collision only slows the grouping).
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// Union-find over recipients and debts.
struct Groups {
    parent: Vec<u32>,
}

impl Groups {
    fn add(&mut self) -> u32 {
        let id = u32::try_from(self.parent.len()).unwrap_or(u32::MAX);
        self.parent.push(id);
        id
    }

    fn find(&mut self, mut x: u32) -> u32 {
        loop {
            let p = self.parent.get(x as usize).copied().unwrap_or(x);
            if p == x {
                return x;
            }
            let gp = self.parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x as usize) {
                *slot = gp;
            }
            x = gp;
        }
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            if let Some(slot) = self.parent.get_mut(hi as usize) {
                *slot = lo;
            }
        }
    }
}

/// The group of each row: rows sharing a recipient or a debt, directly or
/// through other rows, share a group. Returns dense group ids.
pub(crate) fn group_rows(rows: &[Parsed]) -> (Vec<u32>, usize) {
    let mut groups = Groups { parent: Vec::new() };
    let mut recipients: FastMap<&str, u32> = FastMap::default();
    let mut debts: FastMap<&str, u32> = FastMap::default();
    let mut node_of = Vec::with_capacity(rows.len());
    for p in rows {
        let (to, debt) = p.keys();
        let a = to.map(|k| *recipients.entry(k).or_insert_with(|| groups.add()));
        let b = debt.map(|k| *debts.entry(k).or_insert_with(|| groups.add()));
        let node = match (a, b) {
            (Some(a), Some(b)) => {
                groups.union(a, b);
                a
            }
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => groups.add(),
        };
        node_of.push(node);
    }
    let mut dense: FastMap<u32, u32> = FastMap::default();
    let ids = node_of
        .into_iter()
        .map(|n| {
            let root = groups.find(n);
            let next = u32::try_from(dense.len()).unwrap_or(u32::MAX);
            *dense.entry(root).or_insert(next)
        })
        .collect();
    (ids, dense.len())
}

/// Replays rows already sorted by (group, at, row): each attempt decided
/// against its group's earlier rows, then recorded.
fn replay_sorted(
    policy: &Policy,
    rows: impl Iterator<Item = (u32, Parsed)>,
) -> Vec<(usize, Outcome)> {
    let keep = policy
        .lookback_seconds()
        .map(|s| SignedDuration::from_secs(s.saturating_add(86_400)));
    let mut out = Vec::new();
    let mut history = History::new();
    let mut current = u32::MAX;
    let mut prune_at = PRUNE_MIN;
    for (group, p) in rows {
        if group != current {
            current = group;
            history = History::new();
            prune_at = PRUNE_MIN;
        }
        match p.item {
            Item::Attempt { ask, result } => {
                let d = decide(policy, &ask, &history);
                out.push((
                    p.row,
                    Outcome {
                        allow: d.allow,
                        rules: d.denials.into_iter().map(|x| x.id).collect(),
                        retry_at: d.retry_at,
                    },
                ));
                history.push(Event::Attempt(Attempt {
                    at: ask.at,
                    channel: ask.channel,
                    to: ask.to,
                    role: ask.role,
                    debt: ask.debt,
                    result,
                    place: ask.place,
                }));
            }
            Item::Event(e) => history.push(e),
        }
        if history.len() >= prune_at {
            if let Some(keep) = keep {
                history = pruned(&history, p.at, keep);
                prune_at = (history.len() * 2).max(PRUNE_MIN);
            }
        }
    }
    out
}

/// A history is pruned once it holds this many events (and again each time
/// it doubles).
const PRUNE_MIN: usize = 256;

/// The events that can still change a decision at or after `now`: every
/// event that is not an attempt, the attempts within the policy's lookback
/// (plus a day), and for each recipient and debt the latest attempt that
/// reached them (it ends an older `unreachable` mark).
fn pruned(history: &History, now: Timestamp, keep: SignedDuration) -> History {
    let cutoff = now.checked_sub(keep).unwrap_or(Timestamp::MIN);
    let mut reached: HashSet<(&str, &str)> = HashSet::new();
    let mut kept: Vec<Event> = Vec::with_capacity(history.len());
    for e in history.events().iter().rev() {
        let keep_it = match e {
            Event::Attempt(a) if a.at < cutoff => {
                matches!(
                    a.result,
                    AttemptResult::Conversation | AttemptResult::Delivered
                ) && reached.insert((a.to.as_str(), a.debt.as_str()))
            }
            Event::Attempt(a) => {
                if matches!(
                    a.result,
                    AttemptResult::Conversation | AttemptResult::Delivered
                ) {
                    reached.insert((a.to.as_str(), a.debt.as_str()));
                }
                true
            }
            _ => true,
        };
        if keep_it {
            kept.push(e.clone());
        }
    }
    kept.reverse();
    History::from_events(kept)
}

/// Replays every row: groups spread over up to `threads` threads, largest
/// first onto the least-loaded thread. Returns each attempt row's outcome,
/// by row.
pub(crate) fn replay(
    policy: &Policy,
    rows: Vec<Parsed>,
    threads: usize,
) -> Result<Vec<Option<Outcome>>, InputProblem> {
    let n = rows.len();
    let (group_of, n_groups) = group_rows(&rows);
    let threads = threads.clamp(1, n_groups.max(1));

    let mut sizes = vec![0usize; n_groups];
    for &g in &group_of {
        if let Some(s) = sizes.get_mut(g as usize) {
            *s += 1;
        }
    }
    let mut order: Vec<usize> = (0..n_groups).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(sizes.get(g).copied().unwrap_or(0)));
    let mut load = vec![0usize; threads];
    let mut worker_of = vec![0usize; n_groups];
    for g in order {
        let (w, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| **l)
            .unwrap_or((0, &0));
        if let (Some(l), Some(slot)) = (load.get_mut(w), worker_of.get_mut(g)) {
            *l += sizes.get(g).copied().unwrap_or(0);
            *slot = w;
        }
    }

    let mut work: Vec<Vec<(u32, Parsed)>> = (0..threads)
        .map(|w| Vec::with_capacity(load.get(w).copied().unwrap_or(0)))
        .collect();
    for (p, g) in rows.into_iter().zip(group_of) {
        let w = worker_of.get(g as usize).copied().unwrap_or(0);
        if let Some(v) = work.get_mut(w) {
            v.push((g, p));
        }
    }

    let run = |rows: Vec<(u32, Parsed)>| {
        // Sort small keys, not the rows themselves (an ask is large).
        let mut order: Vec<(u32, i128, usize, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, (g, p))| (*g, p.at.as_nanosecond(), p.row, i))
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<(u32, Parsed)>> = rows.into_iter().map(Some).collect();
        let sorted = order
            .into_iter()
            .filter_map(move |(_, _, _, i)| slots.get_mut(i).and_then(Option::take));
        replay_sorted(policy, sorted)
    };
    let results: Vec<Vec<(usize, Outcome)>> = if threads == 1 {
        work.into_iter().map(run).collect()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = work.into_iter().map(|w| s.spawn(|| run(w))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().map_err(|_| {
                        InputProblem::new("internal.panic", "an audit worker thread panicked")
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })?
    };

    let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    for part in results {
        for (row, o) in part {
            if let Some(slot) = outcomes.get_mut(row) {
                *slot = Some(o);
            }
        }
    }
    Ok(outcomes)
}
