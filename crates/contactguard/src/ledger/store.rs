//! The ledger's compact storage: per-key lists of 16-byte entries in time
//! order, rare state events stored whole, pruning, and the engine's view.
//!
//! Every attempt is one [`Entry`] in its recipient's list and one in its
//! debt's list (32 bytes). A state event (consent, opt-out, cease, hold, …)
//! is an entry whose `other` field points into the slot's `states`, so the
//! relative order of attempts and state events at the same instant is kept
//! exactly as recorded, as [`History`](crate::History) keeps it.

use super::hash::{Kh, KhMap};
use crate::engine::states::States;
use crate::engine::view::{self, Classes, Ev, Read, Stated, Stored};
use crate::model::{AttemptResult, Channel, HoldReason, Inconvenient, Place, Role};
use crate::policy::bit;
use crate::policy::format::Scope;
use crate::policy::{Body, Inner};
use jiff::Timestamp;

/// `Entry::kind` of a state event.
pub(crate) const STATE: u8 = 7;
/// `Entry::place` when the attempt names no place.
pub(crate) const NO_PLACE: u8 = 7;

const NS: i64 = 1_000_000_000;

const PENDING_BIT: u16 = 1 << 10;

/// One attempt, or a reference to a state event, in 12 bytes: the time in
/// nanoseconds as two 32-bit halves (so the entry needs only 4-byte
/// alignment), a 16-bit reference, and the attempt's enums packed in 16
/// bits: channel (3 bits, [`STATE`] for a state event), role (4), result
/// (3), pending (1), place (3, [`NO_PLACE`] for none).
///
/// A pending attempt ([`AttemptResult::Pending`]) is the pending bit with
/// result bits 0; the result bits of a pending entry are never read (the
/// snapshots of earlier versions stored `conversation` or `delivered`
/// there, and restore unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    lo: u32,
    hi: i32,
    /// Attempts in a recipient's list: index into the slot's `debts`.
    /// State entries: index into the slot's `states`. Attempts in a debt's
    /// list: 0.
    pub(crate) other: u16,
    bits: u16,
}

impl Entry {
    /// An attempt. `channel`, `role` and `place` are indexes into the
    /// enums' `ALL` lists (`place` [`NO_PLACE`] for none).
    pub(crate) fn attempt(
        at: i64,
        channel: u8,
        role: u8,
        result: AttemptResult,
        place: u8,
    ) -> Entry {
        let result = match result {
            AttemptResult::Pending => PENDING_BIT,
            r => u16::from(idx(r) & 7) << 7,
        };
        let bits = u16::from(channel & 7)
            | (u16::from(role & 15) << 3)
            | result
            | (u16::from(place & 7) << 11);
        Entry::raw(at, 0, bits)
    }

    /// A reference to state event `index` of the slot.
    pub(crate) fn state(at: i64, index: u16) -> Entry {
        Entry::raw(at, index, u16::from(STATE))
    }

    pub(crate) fn raw(at: i64, other: u16, bits: u16) -> Entry {
        Entry {
            lo: at as u32,
            hi: (at >> 32) as i32,
            other,
            bits,
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub(crate) fn at(&self) -> i64 {
        (i64::from(self.hi) << 32) | i64::from(self.lo)
    }

    pub(crate) fn bits(&self) -> u16 {
        self.bits
    }

    pub(crate) fn kind(&self) -> u8 {
        (self.bits & 7) as u8
    }

    pub(crate) fn role(&self) -> u8 {
        ((self.bits >> 3) & 15) as u8
    }

    /// The attempt's result: [`AttemptResult::Pending`] until completed.
    pub(crate) fn result(&self) -> Option<AttemptResult> {
        if self.is_pending() {
            Some(AttemptResult::Pending)
        } else {
            result_of(((self.bits >> 7) & 7) as u8)
        }
    }

    pub(crate) fn place(&self) -> u8 {
        ((self.bits >> 11) & 7) as u8
    }

    pub(crate) fn is_state(&self) -> bool {
        self.kind() == STATE
    }

    pub(crate) fn is_pending(&self) -> bool {
        self.bits & PENDING_BIT != 0
    }

    /// Sets the result (not `pending`) and clears the pending mark.
    fn set_result(&mut self, result: AttemptResult) {
        self.bits = (self.bits & !(PENDING_BIT | (7 << 7))) | (u16::from(idx(result) & 7) << 7);
    }

    /// Whether the bits describe a valid entry.
    pub(crate) fn is_valid(&self) -> bool {
        if self.bits >> 14 != 0 {
            return false;
        }
        if self.is_state() {
            return self.bits == u16::from(STATE);
        }
        channel_of(self.kind()).is_some()
            && role_of(self.role()).is_some()
            && (self.is_pending()
                || result_of(((self.bits >> 7) & 7) as u8)
                    .is_some_and(|r| r != AttemptResult::Pending))
            && (self.place() == NO_PLACE || place_of(self.place()).is_some())
    }
}

/// The engine reads entries in place: a state entry is not an attempt;
/// `debt` is the index into the recipient slot's debts (0 in a debt's
/// list). Every stored entry is valid ([`Entry::is_valid`]: built from the
/// enums, checked on restore), so the fallbacks below are never taken.
impl Stored for Entry {
    #[inline]
    fn is_attempt(&self) -> bool {
        !self.is_state()
    }
    #[inline]
    fn at(&self) -> Timestamp {
        from_ns(Entry::at(self))
    }
    type Key = i64;
    #[inline]
    fn key(&self) -> i64 {
        Entry::at(self)
    }
    #[inline]
    fn key_of_second(s: i64) -> Option<i64> {
        s.checked_mul(NS)
    }
    #[inline]
    fn debt(&self) -> u32 {
        u32::from(self.other)
    }
    #[inline]
    fn channel(&self) -> Channel {
        channel_of(self.kind()).unwrap_or(Channel::Call)
    }
    #[inline]
    fn role(&self) -> Role {
        role_of(Entry::role(self)).unwrap_or(Role::Debtor)
    }
    #[inline]
    fn result(&self) -> AttemptResult {
        Entry::result(self).unwrap_or(AttemptResult::Pending)
    }
    #[inline]
    fn place(&self) -> Option<Place> {
        place_of(Entry::place(self))
    }
}

impl Entry {
    /// The attempt as the engine's [`view::Rec`] (for indexing it).
    fn rec(&self) -> view::Rec {
        view::Rec {
            at: Stored::at(self),
            debt: Stored::debt(self),
            channel: Stored::channel(self),
            role: Stored::role(self),
            result: Stored::result(self),
            place: Stored::place(self),
        }
    }
}

/// A state event, stored whole, with keys hashed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    Consent {
        channel: Channel,
        granted: bool,
        kind: Option<Box<str>>,
    },
    OptOut {
        channel: Channel,
        place: Option<Place>,
    },
    Cease {
        debt: Kh,
    },
    Attorney {
        to: Kh,
        debt: Kh,
    },
    Hold {
        reason: HoldReason,
        until: Option<Timestamp>,
    },
    PriorConsent {
        debt: Kh,
        until: Option<Timestamp>,
        granted: bool,
    },
    RequestContact {
        debt: Option<Kh>,
    },
    /// Stored with `to` blank: the engine reads only the statement; with
    /// its times as read once, when stored (`Read::of` the statement).
    Inconvenient(Box<Inconvenient>, Read),
    Unreachable,
}

/// The history of one recipient or one debt, in 48 bytes plus its lists.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slot {
    /// Attempts and state events, in time order (ties in recording order).
    pub(crate) entries: Vec<Entry>,
    /// Recipient slots: the debts their attempts are about (exactly sized;
    /// a recipient rarely has more than a few).
    debts: Box<[Kh]>,
    /// State events and the index, which most slots lack: a thin pointer
    /// keeps the slot small.
    rare: Option<Box<Rare>>,
}

/// What few slots hold: state events referenced by entries, where their
/// entries are, and for a recipient's list of at least [`INDEX_FROM`]
/// entries (see [`Slot::indexes`]) the engine's index of its attempts by
/// class (grown on an insert at the end, rebuilt from the entries whenever
/// they move: an insert before the end, pruning, a restore).
#[derive(Clone, Debug, Default)]
struct Rare {
    states: Vec<State>,
    /// The positions in the slot's entries of its state entries, in
    /// order, so that a side finds its state events without reading every
    /// entry: moved on every insert before them, rebuilt with the index
    /// (see [`Slot::reindex`]).
    spos: Vec<usize>,
    ix: Option<Index>,
}

/// Slots compare by what they hold; the index is derived from it.
impl PartialEq for Slot {
    fn eq(&self, other: &Slot) -> bool {
        self.entries == other.entries
            && self.debts == other.debts
            && self.states() == other.states()
    }
}

/// The fewest entries for which a slot keeps an [`Index`]: below it the
/// engine's class counts do not apply (they count look-backs longer than
/// [`view::SHORT`] records) and the lists are scanned, as they are read
/// anyway; the index costs 4 bytes per attempt, and about 32 per class.
pub(crate) const INDEX_FROM: usize = view::SHORT;

/// Part of the index of attempts a [`History`](crate::History) keeps per
/// key, over a slot's entries (positions count state entries too, as the
/// engine's side reads the entries in place): the attempts by class
/// (channel × result), which the engine's caps count by binary searches.
/// Not the per-channel lists a `History` also keeps: the engine cuts a
/// look-back at a channel's last attempt with them, which measured no
/// faster on the ledger (audit `cn+conduct`, 11,676 instructions per row
/// with them, 11,660 without) for 4 more bytes per attempt.
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub(crate) classes: Classes,
}

impl Index {
    /// Adds the entry at `pos` (after every one added so far); a state
    /// entry is not indexed.
    fn push(&mut self, e: &Entry, pos: u32) {
        if e.is_state() {
            return;
        }
        let rec = e.rec();
        let (chan, res) = (bit(rec.channel), bit(rec.result));
        if let Some(class) = self
            .classes
            .lists
            .iter_mut()
            .find(|k| k.chan == chan && k.res == res)
        {
            grow(&mut class.pos);
        }
        self.classes.push(&rec, pos);
    }

    /// Moves the attempt at position `pos` from its class as `was` to its
    /// class as `now`: the same attempt with another result (a pending
    /// attempt completed). Its channel, role, place and debt are
    /// unchanged, so nothing else in the index is.
    fn reclassify(&mut self, pos: u32, was: &Entry, now: &Entry) {
        let chan = bit(Stored::channel(was));
        let (from, to) = (bit(Stored::result(was)), bit(Stored::result(now)));
        if from == to {
            return;
        }
        let lists = &mut self.classes.lists;
        if let Some(i) = lists.iter().position(|c| c.chan == chan && c.res == from) {
            if let Some(c) = lists.get_mut(i) {
                if let Ok(j) = c.pos.binary_search(&pos) {
                    c.pos.remove(j);
                }
                if c.pos.is_empty() {
                    lists.remove(i);
                }
            }
        }
        match lists.iter_mut().find(|c| c.chan == chan && c.res == to) {
            Some(c) => {
                let j = c.pos.partition_point(|&p| p < pos);
                grow(&mut c.pos);
                c.pos.insert(j, pos);
            }
            None => lists.push(view::Class {
                chan,
                res: to,
                pos: vec![pos],
            }),
        }
    }

    /// The index of `entries`, when their positions fit in a `u32`, its
    /// lists exactly sized.
    fn of(entries: &[Entry]) -> Option<Index> {
        u32::try_from(entries.len()).ok()?;
        let mut ix = Index::default();
        for (p, e) in (0u32..).zip(entries) {
            ix.push(e, p);
        }
        for c in &mut ix.classes.lists {
            c.pos.shrink_to_fit();
        }
        ix.classes.lists.shrink_to_fit();
        Some(ix)
    }

    /// Heap bytes its lists have reserved.
    fn reserved_bytes(&self) -> usize {
        let lists = self.classes.lists.iter().map(|c| c.pos.capacity());
        lists.sum::<usize>() * std::mem::size_of::<u32>()
            + self.classes.lists.capacity() * std::mem::size_of::<view::Class>()
    }
}

/// Makes room for one more position in a full list: half as many again
/// (at least 4), as a slot's entries grow.
fn grow(list: &mut Vec<u32>) {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 2).max(4));
    }
}

/// One shard: the recipients and debts whose hashes fall in it.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    pub(crate) recipients: KhMap<Slot>,
    pub(crate) debts: KhMap<Slot>,
}

// ---------------------------------------------------------------------------
// Encoding of enums and times

pub(crate) fn idx<T: Copy + Into<u32>>(v: T) -> u8 {
    v.into() as u8
}

pub(crate) fn channel_of(b: u8) -> Option<Channel> {
    Channel::ALL.get(usize::from(b)).copied()
}

pub(crate) fn role_of(b: u8) -> Option<Role> {
    Role::ALL.get(usize::from(b)).copied()
}

pub(crate) fn result_of(b: u8) -> Option<AttemptResult> {
    AttemptResult::ALL.get(usize::from(b)).copied()
}

pub(crate) fn place_of(b: u8) -> Option<Place> {
    Place::ALL.get(usize::from(b)).copied()
}

pub(crate) fn place_byte(p: Option<Place>) -> u8 {
    p.map_or(NO_PLACE, idx)
}

/// Nanoseconds since the epoch, when the instant fits in an `i64`
/// (1677-09-21 to 2262-04-11).
pub(crate) fn to_ns(t: Timestamp) -> Option<i64> {
    t.as_second()
        .checked_mul(NS)?
        .checked_add(i64::from(t.subsec_nanosecond()))
}

/// Like [`to_ns`], saturating: exact for comparing with stored times.
pub(crate) fn clamp_ns(t: Timestamp) -> i64 {
    to_ns(t).unwrap_or(if t < Timestamp::UNIX_EPOCH {
        i64::MIN
    } else {
        i64::MAX
    })
}

pub(crate) fn from_ns(ns: i64) -> Timestamp {
    let nanos = ns.rem_euclid(NS) as i32;
    Timestamp::new(ns.div_euclid(NS), nanos).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl State {
    fn ev(&self, at: Timestamp, to: Kh, debt: Kh) -> Ev<'_> {
        match self {
            State::Consent {
                channel,
                granted,
                kind,
            } => Ev::Consent {
                channel: *channel,
                granted: *granted,
                kind: kind.as_deref(),
            },
            State::OptOut { channel, place } => Ev::OptOut {
                at,
                channel: *channel,
                place: *place,
            },
            State::Cease { debt: d } => Ev::Cease {
                at,
                same_debt: *d == debt,
            },
            State::Attorney { to: t, debt: d } => Ev::Attorney {
                at,
                same_to: *t == to,
                same_debt: *d == debt,
            },
            State::Hold { reason, until } => Ev::Hold {
                at,
                reason: *reason,
                until: *until,
            },
            State::PriorConsent {
                debt: d,
                until,
                granted,
            } => Ev::PriorConsent {
                at,
                same_debt: *d == debt,
                until: *until,
                granted: *granted,
            },
            State::RequestContact { debt: d } => Ev::RequestContact {
                applies: d.is_none_or(|d| d == debt),
            },
            State::Inconvenient(i, r) => Ev::Inconvenient(Stated::new(i, *r)),
            State::Unreachable => Ev::Unreachable,
        }
    }
}

// ---------------------------------------------------------------------------
// Slots

impl Slot {
    /// Where an entry at `at` goes: after every entry at or before it.
    fn position(&self, at: i64) -> usize {
        match self.entries.last() {
            Some(last) if last.at() > at => self.entries.partition_point(|e| e.at() <= at),
            _ => self.entries.len(),
        }
    }

    /// Inserts in time order. When the list is full it is pruned first
    /// (with `prune`'s cutoff), and grows by half unless pruning freed a
    /// quarter of it.
    pub(crate) fn insert(&mut self, e: Entry, prune: Option<(i64, &Retention, Side)>) {
        self.make_room(prune);
        let pos = self.position(e.at());
        self.entries.insert(pos, e);
        if let Some(r) = self.rare.as_deref_mut() {
            // State entries at or after `pos` moved one on; a state entry
            // takes its place among them.
            let from = r.spos.partition_point(|&p| p < pos);
            if let Some(later) = r.spos.get_mut(from..) {
                later.iter_mut().for_each(|p| *p += 1);
            }
            if e.is_state() {
                r.spos.insert(from, pos);
            }
        }
        let at_end = pos + 1 == self.entries.len();
        if let (true, Some(ix), Ok(p)) = (at_end, self.ix_mut(), u32::try_from(pos)) {
            // At the end (time order): the index grows by the entry.
            ix.push(&e, p);
        } else if self.index().is_some() || self.indexes() {
            // Before the end, later entries moved (or the list is now long
            // enough to index).
            self.reindex();
        }
    }

    /// Whether the slot keeps an index: a recipient's list (one with
    /// debts: a debt's list has none) of at least [`INDEX_FROM`] entries.
    /// A recipient's list is what caps count in the `recipient` and
    /// `recipient_debt` scopes, the common ones (every cap of `cn` and
    /// `conduct`); a debt's list, read by `debt`-scope caps only, is
    /// scanned, which keeps the index to one list of two.
    fn indexes(&self) -> bool {
        self.entries.len() >= INDEX_FROM && !self.debts.is_empty()
    }

    /// Rebuilds the index and the state entries' positions from the
    /// entries (drops the index for a list that keeps none, see
    /// [`Slot::indexes`]).
    pub(crate) fn reindex(&mut self) {
        let ix = if self.indexes() {
            Index::of(&self.entries)
        } else {
            None
        };
        match (ix, &mut self.rare) {
            (Some(ix), _) => self.rare.get_or_insert_with(Box::default).ix = Some(ix),
            (None, Some(r)) if r.states.is_empty() => self.rare = None,
            (None, Some(r)) => r.ix = None,
            (None, None) => {}
        }
        if let Some(r) = self.rare.as_deref_mut() {
            r.spos.clear();
            let states = self
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.is_state());
            r.spos.extend(states.map(|(p, _)| p));
        }
    }

    /// The positions of the state entries (a test's check).
    #[cfg(test)]
    pub(crate) fn state_positions(&self) -> &[usize] {
        self.rare.as_deref().map_or(&[], |r| r.spos.as_slice())
    }

    /// The slot's index, if it keeps one.
    pub(crate) fn index(&self) -> Option<&Index> {
        self.rare.as_deref().and_then(|r| r.ix.as_ref())
    }

    fn ix_mut(&mut self) -> Option<&mut Index> {
        self.rare.as_deref_mut().and_then(|r| r.ix.as_mut())
    }

    fn make_room(&mut self, prune: Option<(i64, &Retention, Side)>) {
        let cap = self.entries.capacity();
        if self.entries.len() < cap {
            return;
        }
        if let Some((c, r, side)) = prune {
            // Not shrunk: the list was full at this capacity and is about
            // to grow again.
            self.drop_old(c, r, side);
        }
        // Grow unless pruning freed a quarter of the list, so that the next
        // prune is at least a quarter of the list away (amortised O(1) per
        // insert): to 4 entries, then 8, then by half (one reallocation
        // fewer than growing by half from 4, for no more memory from 7
        // entries on).
        let len = self.entries.len();
        if len + cap / 4 >= cap {
            let more = match len {
                0..4 => 4 - len,
                4..8 => 8 - len,
                _ => len / 2,
            };
            self.entries.reserve_exact(more);
        }
    }

    /// Inserts an attempt into a recipient's list, numbering its debt after
    /// any pruning the insert does. `None` when the recipient already has
    /// 65,536 debts with retained attempts.
    pub(crate) fn insert_attempt(
        &mut self,
        mut e: Entry,
        debt: Kh,
        prune: Option<(i64, &Retention)>,
    ) -> Option<()> {
        self.make_room(prune.map(|(c, r)| (c, r, Side::Recipient)));
        e.other = self.debt_index(debt)?;
        self.insert(e, None);
        Some(())
    }

    /// The index of `debt` in this recipient slot's debt table, added if new.
    fn debt_index(&mut self, debt: Kh) -> Option<u16> {
        match self.debts.iter().position(|d| *d == debt) {
            Some(i) => u16::try_from(i).ok(),
            None => {
                let i = u16::try_from(self.debts.len()).ok()?;
                self.push_debt(debt);
                Some(i)
            }
        }
    }

    /// The debts a recipient slot's attempts refer to.
    pub(crate) fn debts(&self) -> &[Kh] {
        &self.debts
    }

    pub(crate) fn set_debts(&mut self, debts: Vec<Kh>) {
        self.debts = debts.into_boxed_slice();
    }

    fn push_debt(&mut self, debt: Kh) {
        // One allocation of the exact size (a `Vec` pushed to would
        // reserve four and then shrink).
        let mut v = Vec::with_capacity(self.debts.len() + 1);
        v.extend_from_slice(&self.debts);
        v.push(debt);
        self.debts = v.into_boxed_slice();
    }

    /// The slot's state events.
    pub(crate) fn states(&self) -> &[State] {
        self.rare.as_deref().map_or(&[], |r| r.states.as_slice())
    }

    pub(crate) fn push_state(&mut self, s: State) {
        let states = &mut self.rare.get_or_insert_with(Box::default).states;
        // Most slots hold one or two state events: grow one at a time while
        // they are few (a first push would otherwise reserve four).
        if states.len() < 8 {
            states.reserve_exact(1);
        }
        states.push(s);
    }

    /// Whether a recipient slot can take an attempt about `debt`.
    pub(crate) fn has_room_for_debt(&self, debt: Kh) -> bool {
        self.debts.len() < usize::from(u16::MAX) || self.debts.contains(&debt)
    }

    /// Whether another state event fits.
    pub(crate) fn has_room_for_state(&self) -> bool {
        self.states().len() < usize::from(u16::MAX)
    }

    /// Records a state event at `at`. `None` when the slot already holds
    /// 65,536 state events.
    pub(crate) fn insert_state(&mut self, at: i64, s: State) -> Option<()> {
        let i = u16::try_from(self.states().len()).ok()?;
        self.push_state(s);
        self.insert(Entry::state(at, i), None);
        Some(())
    }

    /// The engine's side of this slot for an ask: its entries at or
    /// before `cut` (nanoseconds), read in place, and its state events
    /// relative to the ask. `side` says which list this is; `to`/`debt` are
    /// the ask's keys.
    pub(crate) fn side<'a>(
        &'a self,
        side: Side,
        cut: i64,
        to: Kh,
        debt: Kh,
    ) -> view::Side<'a, Entry> {
        // The entry `other` of an attempt about the ask's debt: its index in
        // a recipient's debts (none matches when it has none), 0 in a
        // debt's list.
        let ask_debt = match side {
            Side::Recipient => self
                .debts
                .iter()
                .position(|d| *d == debt)
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(u32::MAX),
            Side::Debt => 0,
        };
        let end = if self.entries.last().is_none_or(|l| l.at() <= cut) {
            self.entries.len()
        } else {
            self.entries.partition_point(|e| e.at() <= cut)
        };
        let entries = self.entries.get(..end).unwrap_or(&[]);
        // The state entries up to the cut, found by their positions:
        // inline for a few; at most one allocation, no growth, for more.
        let mut states = States::new();
        if let Some(r) = self.rare.as_deref() {
            let spos = r.spos.get(..r.spos.partition_point(|&p| p < end));
            let spos = spos.unwrap_or(&[]);
            if !spos.is_empty() {
                states = States::with_capacity(spos.len());
                for &i in spos {
                    let Some(e) = entries.get(i) else { continue };
                    if let Some(s) = r.states.get(usize::from(e.other)) {
                        states.push((i, s.ev(from_ns(e.at()), to, debt)));
                    }
                }
            }
        }
        view::Side {
            atts: entries,
            ask_debt,
            states,
            by_chan: &[],
            classes: self.index().map(|ix| &ix.classes),
        }
    }

    /// The time of the latest attempt, if any.
    pub(crate) fn latest_attempt(&self) -> Option<i64> {
        self.entries
            .iter()
            .rev()
            .find(|e| !e.is_state())
            .map(Entry::at)
    }

    /// Number of attempts (entries that are not state events).
    pub(crate) fn attempts(&self) -> usize {
        self.entries.iter().filter(|e| !e.is_state()).count()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops attempts older than `cutoff` (nanoseconds) that no rule can
    /// read any more; returns how many were dropped. State events stay.
    /// A list left less than half full is shrunk.
    pub(crate) fn prune(&mut self, cutoff: i64, ret: &Retention, side: Side) -> usize {
        let removed = self.drop_old(cutoff, ret, side);
        if removed > 0 {
            let len = self.entries.len();
            if self.entries.capacity() > 2 * len + 4 {
                self.entries.shrink_to(len + len / 2 + 1);
            }
        }
        removed
    }

    /// [`prune`](Slot::prune) without shrinking the list.
    fn drop_old(&mut self, cutoff: i64, ret: &Retention, side: Side) -> usize {
        let Some(first) = self.entries.first() else {
            return 0;
        };
        if ret.horizon_ns.is_none() || first.at() >= cutoff {
            return 0;
        }
        let cutoff = match side {
            Side::Recipient => self.consent_cutoff(cutoff),
            Side::Debt => cutoff,
        };
        // Which old attempts a rule still reads: none unless the policy has
        // a lifetime cap counting on this side, or this is a debt with an
        // unreachable mark (most sweeps, so skip the bitmap then).
        let pins = ret.lifetime.iter().any(|c| c.counts_on(side))
            || (side == Side::Debt
                && self
                    .states()
                    .iter()
                    .any(|s| matches!(s, State::Unreachable)));
        let mut keep = Vec::new();
        if pins {
            keep = vec![false; self.entries.len()];
            if side == Side::Debt {
                self.pin_reached_after_unreachable(&mut keep);
            }
            self.pin_lifetime(ret, side, cutoff, &mut keep);
        }
        let mut removed = 0;
        // The entries before the cutoff, in time order, are the list's
        // first ones: with nothing pinned and no state event among them,
        // they go in one move.
        let old = self.entries.partition_point(|e| e.at() < cutoff);
        let head = self.entries.get(..old).unwrap_or(&[]);
        if !pins && !head.iter().any(Entry::is_state) {
            self.entries.drain(..old);
            removed = old;
        } else {
            let mut i = 0;
            self.entries.retain(|e| {
                let k = e.is_state()
                    || e.at() >= cutoff
                    || (pins && keep.get(i).copied().unwrap_or(true));
                i += 1;
                if !k {
                    removed += 1;
                }
                k
            });
        }
        if removed > 0 {
            if side == Side::Recipient {
                self.compact_debts();
            }
            self.reindex();
        }
        removed
    }

    /// A Reg F prior-consent window lasts at most eight days from the
    /// consent, and the first conversation after the consent ends it: keep
    /// every attempt since a consent whose window may still reach past
    /// `cutoff`.
    fn consent_cutoff(&self, cutoff: i64) -> i64 {
        const REACH: i64 = 9 * 86_400 * NS;
        let mut c = cutoff;
        // Most lists hold no prior consent: no need to look for its entry.
        if !self
            .states()
            .iter()
            .any(|s| matches!(s, State::PriorConsent { .. }))
        {
            return c;
        }
        for e in &self.entries {
            if e.is_state()
                && matches!(
                    self.states().get(usize::from(e.other)),
                    Some(State::PriorConsent { .. })
                )
                && e.at().saturating_add(REACH) > cutoff
            {
                c = c.min(e.at());
            }
        }
        c
    }

    /// The out-of-contact condition reads "an `unreachable` mark with no
    /// later attempt that reached the debtor": keep the first such attempt
    /// after the last mark (and any pending ones before it, whose outcome
    /// may still turn out not to have reached them).
    fn pin_reached_after_unreachable(&self, keep: &mut [bool]) {
        let last_mark = self.entries.iter().rposition(|e| {
            e.is_state()
                && matches!(
                    self.states().get(usize::from(e.other)),
                    Some(State::Unreachable)
                )
        });
        let Some(m) = last_mark else { return };
        for (i, e) in self.entries.iter().enumerate().skip(m + 1) {
            if e.is_state() || role_of(e.role()) != Some(Role::Debtor) {
                continue;
            }
            if e.is_pending() {
                if let Some(k) = keep.get_mut(i) {
                    *k = true;
                }
                continue;
            }
            if e.result().is_some_and(reached) {
                if let Some(k) = keep.get_mut(i) {
                    *k = true;
                }
                return;
            }
        }
    }

    /// Lifetime caps count all time: keep, per cap and per partition the cap
    /// counts in, the newest `limit` matching attempts (pending ones are kept
    /// without counting towards the limit, since their outcome may not
    /// match). Older matching attempts cannot change whether the cap denies.
    fn pin_lifetime(&self, ret: &Retention, side: Side, cutoff: i64, keep: &mut [bool]) {
        let caps: Vec<(usize, &LifetimeCap)> = ret
            .lifetime
            .iter()
            .enumerate()
            .filter(|(_, c)| c.counts_on(side))
            .collect();
        if caps.is_empty() {
            return;
        }
        // (cap, debt partition, channel partition) -> matching attempts seen.
        let mut counts: Vec<((usize, u16, u8), u32)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate().rev() {
            if e.is_state() {
                continue;
            }
            for &(ci, cap) in &caps {
                if !cap.matches(e) {
                    continue;
                }
                if e.is_pending() {
                    if e.at() < cutoff {
                        if let Some(k) = keep.get_mut(i) {
                            *k = true;
                        }
                    }
                    continue;
                }
                let part = (
                    ci,
                    if cap.scope == Scope::RecipientDebt {
                        e.other
                    } else {
                        0
                    },
                    if cap.same_channel { e.kind() } else { 0 },
                );
                let seen = match counts.iter().position(|(p, _)| *p == part) {
                    Some(j) => counts.get_mut(j).map(|(_, n)| {
                        *n += 1;
                        *n
                    }),
                    None => {
                        counts.push((part, 1));
                        Some(1)
                    }
                };
                if seen.is_some_and(|n| n <= cap.limit) {
                    if let Some(k) = keep.get_mut(i) {
                        *k = true;
                    }
                }
            }
        }
    }

    /// Drops debts no attempt refers to any more and renumbers the rest.
    fn compact_debts(&mut self) {
        // A recipient's only debt (the usual case) stays while any attempt
        // remains, without a table of the debts in use.
        if self.debts.len() == 1 {
            if !self.entries.iter().any(|e| !e.is_state()) {
                self.debts = Box::default();
            }
            return;
        }
        let mut used = vec![false; self.debts.len()];
        for e in &self.entries {
            if !e.is_state() {
                if let Some(u) = used.get_mut(usize::from(e.other)) {
                    *u = true;
                }
            }
        }
        if used.iter().all(|u| *u) {
            return;
        }
        let mut map = vec![0u16; self.debts.len()];
        let mut kept = Vec::new();
        for (i, d) in self.debts.iter().enumerate() {
            if used.get(i).copied().unwrap_or(false) {
                if let Some(m) = map.get_mut(i) {
                    *m = kept.len() as u16;
                }
                kept.push(*d);
            }
        }
        for e in &mut self.entries {
            if !e.is_state() {
                e.other = map.get(usize::from(e.other)).copied().unwrap_or(0);
            }
        }
        self.debts = kept.into_boxed_slice();
    }

    /// Sets the outcome of the first pending attempt at the same instant
    /// with the same channel, role and place as `want` (and, when `debt` is
    /// given, about that debt). Returns whether one was found.
    pub(crate) fn complete(
        &mut self,
        want: &Entry,
        debt: Option<Kh>,
        result: AttemptResult,
    ) -> bool {
        let other = match debt {
            Some(d) => match self.debts.iter().position(|x| *x == d) {
                Some(i) => Some(i),
                None => return false,
            },
            None => None,
        };
        let at = want.at();
        let from = self.entries.partition_point(|e| e.at() < at);
        for (i, e) in self.entries.iter_mut().skip(from).enumerate() {
            if e.at() != at {
                break;
            }
            if e.is_pending()
                && e.kind() == want.kind()
                && e.role() == want.role()
                && e.place() == want.place()
                && other.is_none_or(|o| usize::from(e.other) == o)
            {
                let was = *e;
                e.set_result(result);
                let now = *e;
                let pos = from + i;
                if let (Some(ix), Ok(pos)) = (self.ix_mut(), u32::try_from(pos)) {
                    ix.reclassify(pos, &was, &now);
                }
                return true;
            }
        }
        false
    }
}

fn reached(r: AttemptResult) -> bool {
    matches!(r, AttemptResult::Conversation | AttemptResult::Delivered)
}

/// Which list a slot is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Recipient,
    Debt,
}

// ---------------------------------------------------------------------------
// Retention: what the policy needs kept

/// A lifetime cap's counting filter.
#[derive(Clone, Debug)]
pub(crate) struct LifetimeCap {
    limit: u32,
    scope: Scope,
    channels: u32,
    results: u32,
    roles: u32,
    places: u32,
    same_channel: bool,
}

impl LifetimeCap {
    /// Whether the cap counts the attempts of a list on `side`.
    fn counts_on(&self, side: Side) -> bool {
        match side {
            Side::Recipient => self.scope != Scope::Debt,
            Side::Debt => self.scope == Scope::Debt,
        }
    }

    fn matches(&self, e: &Entry) -> bool {
        let bit = |mask: u32, i: u8| mask & (1u32 << u32::from(i & 31)) != 0;
        // A pending attempt matches as the engine reads it: any filter that
        // admits some result.
        bit(self.channels, e.kind())
            && e.result().is_some_and(|r| {
                if r == AttemptResult::Pending {
                    self.results != 0
                } else {
                    bit(self.results, idx(r))
                }
            })
            && bit(self.roles, e.role())
            && (e.place() == NO_PLACE || bit(self.places, e.place()))
    }
}

/// How long attempts matter to a policy.
#[derive(Clone, Debug)]
pub(crate) struct Retention {
    /// Attempts older than this (nanoseconds) no longer change a decision,
    /// apart from those lifetime caps and the out-of-contact mark keep.
    /// `None`: never prune (a lifetime cap with `exclude_prior_consent`).
    pub(crate) horizon_ns: Option<i64>,
    pub(crate) lifetime: Vec<LifetimeCap>,
}

impl Retention {
    pub(crate) fn of(policy: &Inner) -> Retention {
        let mut lifetime = Vec::new();
        let mut never = false;
        // The look-back of every rule but lifetime caps, as the policy
        // compiler computes it (one extra day covers zone offsets).
        let mut secs = crate::policy::unreachable_lookback(&policy.unreachable);
        for rule in &policy.rules {
            let (period, filter, limit, scope, excl) = match &rule.body {
                Body::Cap {
                    limit,
                    scope,
                    period,
                    filter,
                    exclude_prior_consent,
                } => (
                    *period,
                    Some(filter),
                    *limit,
                    *scope,
                    *exclude_prior_consent,
                ),
                Body::Cooldown { period, .. } => {
                    (period.period(), None, 0, Scope::Recipient, false)
                }
                _ => continue,
            };
            let s = match period.lookback_seconds() {
                Some(s) => s,
                None => {
                    if let Some(f) = filter {
                        if excl {
                            never = true;
                        }
                        lifetime.push(LifetimeCap {
                            limit,
                            scope,
                            channels: f.channels,
                            results: f.results,
                            roles: f.roles,
                            places: f.places,
                            same_channel: f.same_channel,
                        });
                    }
                    continue;
                }
            };
            secs = secs.max(s);
        }
        if let Some(l) = policy.lookback {
            secs = secs.max(l);
        }
        Retention {
            horizon_ns: (!never).then(|| secs.saturating_mul(NS)),
            lifetime,
        }
    }

    /// The cutoff for pruning at `now` (nanoseconds).
    pub(crate) fn cutoff(&self, now: i64) -> Option<i64> {
        self.horizon_ns.map(|h| now.saturating_sub(h))
    }
}

// ---------------------------------------------------------------------------
// Footprint estimates

/// Bytes a hash table of slots has reserved: buckets of `(key, slot)` plus
/// one control byte each and a group of trailing control bytes.
pub(crate) fn table_bytes(m: &KhMap<Slot>) -> usize {
    let cap = m.capacity();
    if cap == 0 {
        return 0;
    }
    let buckets = if cap < 8 { cap + 1 } else { cap / 7 * 8 };
    buckets * (std::mem::size_of::<(Kh, Slot)>() + 1) + 16
}

impl Slot {
    /// Heap bytes this slot's lists have reserved (state events' own heap
    /// parts, such as an inconvenient statement's strings, not included).
    pub(crate) fn reserved_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + std::mem::size_of_val::<[Kh]>(&self.debts)
            + self.rare.as_ref().map_or(0, |r| {
                std::mem::size_of::<Rare>()
                    + r.states.capacity() * std::mem::size_of::<State>()
                    + r.spos.capacity() * std::mem::size_of::<usize>()
                    + r.ix.as_ref().map_or(0, Index::reserved_bytes)
            })
    }
}
const _: () = assert!(std::mem::size_of::<Entry>() == 12 && std::mem::align_of::<Entry>() == 4);
const _: () = assert!(std::mem::size_of::<Slot>() == 48);

#[cfg(test)]
mod key_tests {
    use super::*;

    /// An entry's key compares with [`Stored::key_of_second`] as its time's
    /// whole seconds compare with the second: for times before and after
    /// the epoch, with and without nanoseconds, at the ends of the range.
    #[test]
    fn keys_order_as_whole_seconds() {
        let mut times: Vec<i64> = vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
        for s in [-3i64, -1, 0, 1, 2, 9, 1_792_074_600, 9_223_372_035] {
            for n in [-999_999_999i64, -1, 0, 1, 500_000_000, 999_999_999] {
                if let Some(t) = s.checked_mul(NS).and_then(|t| t.checked_add(n)) {
                    times.push(t);
                }
            }
        }
        let mut seconds: Vec<i64> = vec![1, 2, 3, 10, 1_792_074_600, 1_792_074_601];
        seconds.extend([9_223_372_035, 9_223_372_036, 9_223_372_037, i64::MAX]);
        for &ns in &times {
            let e = Entry::attempt(ns, 0, 0, AttemptResult::Delivered, NO_PLACE);
            for &s in &seconds {
                let before = Stored::at(&e).as_second() < s;
                let by_key = <Entry as Stored>::key_of_second(s).is_none_or(|b| e.key() < b);
                assert_eq!(by_key, before, "{ns} ns against second {s}");
            }
        }
    }
}
