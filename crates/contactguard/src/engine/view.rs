//! The engine's view of history: stored attempt records read in place
//! (a [`History`](crate::History) index's or the ledger's compact entries,
//! through [`Stored`]) and small `Copy` state events relative to one ask.

pub(crate) use super::inconvenient::{shadows, Read, Stated};
use super::states::States;
use crate::model::{AttemptResult, Channel, Event, HoldReason, Place, Role};
use jiff::Timestamp;

/// One event, relative to the ask being decided.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev<'a> {
    Consent {
        channel: Channel,
        granted: bool,
        kind: Option<&'a str>,
    },
    OptOut {
        at: Timestamp,
        channel: Channel,
        place: Option<Place>,
    },
    /// A cease; `same_debt` when it names the ask's debt.
    Cease {
        at: Timestamp,
        same_debt: bool,
    },
    /// Representation; `same_to`/`same_debt` relative to the ask.
    Attorney {
        at: Timestamp,
        same_to: bool,
        same_debt: bool,
    },
    Hold {
        at: Timestamp,
        reason: HoldReason,
        until: Option<Timestamp>,
    },
    PriorConsent {
        at: Timestamp,
        same_debt: bool,
        until: Option<Timestamp>,
        granted: bool,
    },
    /// `applies` when it names no debt or the ask's debt.
    RequestContact {
        applies: bool,
    },
    /// A statement with its times as read when it was stored.
    Inconvenient(Stated<'a>),
    Unreachable,
}

/// Kinds of state event, one bit each (as [`Ev::kind`] and [`kind_of`]
/// give them), so that a rule reads only the kinds it looks at and a side
/// tells which kinds it holds without reading any.
pub(crate) mod kind {
    pub(crate) const CONSENT: u16 = 1 << 0;
    pub(crate) const OPT_OUT: u16 = 1 << 1;
    pub(crate) const CEASE: u16 = 1 << 2;
    pub(crate) const ATTORNEY: u16 = 1 << 3;
    pub(crate) const HOLD: u16 = 1 << 4;
    pub(crate) const PRIOR_CONSENT: u16 = 1 << 5;
    pub(crate) const REQUEST_CONTACT: u16 = 1 << 6;
    pub(crate) const INCONVENIENT: u16 = 1 << 7;
    pub(crate) const UNREACHABLE: u16 = 1 << 8;
}

/// The [`kind`] bit of a wire event's view (0 for an attempt, which has
/// none): that of [`Ev::with_keys`]'s answer.
pub(crate) fn kind_of(e: &Event) -> u16 {
    match e {
        Event::Attempt(_) => 0,
        Event::Consent(_) => kind::CONSENT,
        Event::OptOut(_) => kind::OPT_OUT,
        Event::Cease(_) => kind::CEASE,
        Event::Attorney(_) => kind::ATTORNEY,
        Event::Hold(_) => kind::HOLD,
        Event::PriorConsentToContact(_) => kind::PRIOR_CONSENT,
        Event::RequestContact(_) => kind::REQUEST_CONTACT,
        Event::Inconvenient(_) => kind::INCONVENIENT,
        Event::Unreachable(_) => kind::UNREACHABLE,
    }
}

impl<'a> Ev<'a> {
    /// The event's [`kind`] bit.
    #[inline]
    pub(crate) fn kind(&self) -> u16 {
        match self {
            Ev::Consent { .. } => kind::CONSENT,
            Ev::OptOut { .. } => kind::OPT_OUT,
            Ev::Cease { .. } => kind::CEASE,
            Ev::Attorney { .. } => kind::ATTORNEY,
            Ev::Hold { .. } => kind::HOLD,
            Ev::PriorConsent { .. } => kind::PRIOR_CONSENT,
            Ev::RequestContact { .. } => kind::REQUEST_CONTACT,
            Ev::Inconvenient(_) => kind::INCONVENIENT,
            Ev::Unreachable => kind::UNREACHABLE,
        }
    }

    /// The view of a wire state event whose recipient and debt were
    /// already compared with the ask's; `None` for an attempt.
    pub(crate) fn with_keys(e: &'a Event, same_to: bool, same_debt: bool) -> Option<Ev<'a>> {
        Some(match e {
            Event::Attempt(_) => return None,
            Event::Consent(c) => Ev::Consent {
                channel: c.channel,
                granted: c.granted,
                kind: c.kind.as_deref(),
            },
            Event::OptOut(o) => Ev::OptOut {
                at: o.at,
                channel: o.channel,
                place: o.place,
            },
            Event::Cease(c) => Ev::Cease {
                at: c.at,
                same_debt,
            },
            Event::Attorney(a) => Ev::Attorney {
                at: a.at,
                same_to,
                same_debt,
            },
            Event::Hold(h) => Ev::Hold {
                at: h.at,
                reason: h.reason,
                until: h.until,
            },
            Event::PriorConsentToContact(p) => Ev::PriorConsent {
                at: p.at,
                same_debt,
                until: p.until,
                granted: p.granted,
            },
            Event::RequestContact(r) => Ev::RequestContact {
                applies: r.debt.is_none() || same_debt,
            },
            Event::Inconvenient(i) => Ev::Inconvenient(Stated::new(i, Read::of(i))),
            Event::Unreachable(_) => Ev::Unreachable,
        })
    }
}

/// An attempt as stored in an index: `debt` is a key id that the engine
/// compares with the ask's (see [`Side::ask_debt`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub(crate) at: Timestamp,
    pub(crate) debt: u32,
    pub(crate) channel: Channel,
    pub(crate) role: Role,
    pub(crate) result: AttemptResult,
    pub(crate) place: Option<Place>,
}

/// A stored record the engine reads in place: a [`History`](crate::History)
/// index's [`Rec`], or one of the ledger's compact entries (where state
/// events are interleaved with attempts: not attempts, never read further).
/// Fields are read one by one, so a compact entry decodes only what a rule
/// looks at.
pub(crate) trait Stored: Copy {
    /// Whether the record is an attempt (the other accessors are only read
    /// for attempts).
    fn is_attempt(&self) -> bool;
    /// The record's time (lists are in time order).
    fn at(&self) -> Timestamp;
    /// The record's time in the store's own terms, for binary searches
    /// to compare with [`Stored::key_of_second`] without building the
    /// instant.
    type Key: Ord + Copy;
    fn key(&self) -> Self::Key;
    /// For a second `s > 0`: the least key of a record whose time is at
    /// or after second `s` (so a record's key is less exactly when
    /// [`Timestamp::as_second`] of its time is less than `s`); `None` when
    /// no record's time can be that late.
    fn key_of_second(s: i64) -> Option<Self::Key>;
    /// The attempt's debt key id, compared with [`Side::ask_debt`].
    fn debt(&self) -> u32;
    fn channel(&self) -> Channel;
    fn role(&self) -> Role;
    fn result(&self) -> AttemptResult;
    fn place(&self) -> Option<Place>;
}

impl Stored for Rec {
    #[inline]
    fn is_attempt(&self) -> bool {
        true
    }
    #[inline]
    fn at(&self) -> Timestamp {
        self.at
    }
    type Key = i64;
    #[inline]
    fn key(&self) -> i64 {
        self.at.as_second()
    }
    #[inline]
    fn key_of_second(s: i64) -> Option<i64> {
        Some(s)
    }
    #[inline]
    fn debt(&self) -> u32 {
        self.debt
    }
    #[inline]
    fn channel(&self) -> Channel {
        self.channel
    }
    #[inline]
    fn role(&self) -> Role {
        self.role
    }
    #[inline]
    fn result(&self) -> AttemptResult {
        self.result
    }
    #[inline]
    fn place(&self) -> Option<Place> {
        self.place
    }
}

/// A bit no place uses, standing for an attempt without one (in place
/// masks).
pub(crate) const NO_PLACE: u32 = 1 << 31;

/// A key's attempts by class (channel × result): for each class present,
/// the positions of its attempts among the key's records, in order; and
/// what a filter's other tests need to know to be left out (every role and
/// place present, whether every attempt is about one debt). A cap counts
/// the attempts of the classes its filter selects with two binary searches
/// per class instead of visiting each record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Classes {
    pub(crate) lists: Vec<Class>,
    /// The roles present (a mask).
    roles: u32,
    /// The places present (a mask; [`NO_PLACE`] for an attempt without).
    places: u32,
    /// The debt key id of the first attempt, and whether some other
    /// attempt has another.
    debt: u32,
    mixed: bool,
}

/// One class of [`Classes`]: its channel's and result's bits, and the
/// positions of its attempts.
#[derive(Clone, Debug)]
pub(crate) struct Class {
    pub(crate) chan: u32,
    pub(crate) res: u32,
    pub(crate) pos: Vec<u32>,
}

impl Classes {
    /// Adds the attempt at position `pos` (after every one added so far).
    pub(crate) fn push(&mut self, a: &Rec, pos: u32) {
        use crate::policy::bit;
        if self.lists.is_empty() {
            self.debt = a.debt;
        } else if a.debt != self.debt {
            self.mixed = true;
        }
        self.roles |= bit(a.role);
        self.places |= a.place.map_or(NO_PLACE, bit);
        let (chan, res) = (bit(a.channel), bit(a.result));
        match self
            .lists
            .iter_mut()
            .find(|c| c.chan == chan && c.res == res)
        {
            Some(c) => c.pos.push(pos),
            None => self.lists.push(Class {
                chan,
                res,
                pos: vec![pos],
            }),
        }
    }

    /// Whether a filter whose roles are `role`, places `place` (with
    /// [`NO_PLACE`] when it admits an attempt without one) and required
    /// debt `debt` matches exactly the attempts of the classes it selects
    /// by channel and result: every role and place present passes, and
    /// every attempt (if any) is about that debt.
    pub(crate) fn covers(&self, role: u32, place: u32, debt: Option<u32>) -> bool {
        self.roles & !role == 0
            && self.places & !place == 0
            && debt.is_none_or(|d| self.lists.is_empty() || (!self.mixed && self.debt == d))
    }
}

/// How many of `list`'s positions are below `n`.
#[inline]
pub(crate) fn below(list: &[u32], n: usize) -> usize {
    match list.last() {
        Some(&p) if (p as usize) >= n => list.partition_point(|&p| (p as usize) < n),
        _ => list.len(),
    }
}

/// Records from a look-back's start to the side's end that
/// [`Side::span_end`] leaves uncut: fewer are scanned faster than cut
/// (or than counted from a class index).
pub(crate) const SHORT: usize = 32;

/// One side (the recipient's or the debt's events) of what a decision
/// reads, without copying the attempts: the stored records in time order,
/// at or before the ask, so that a rule binary-searches to its own
/// look-back; state events (consent, opt-out, cease, holds…) apart, each
/// with the index in `atts` of the first record after it in time order.
#[derive(Clone, Debug)]
pub(crate) struct Side<'a, S> {
    pub(crate) atts: &'a [S],
    /// The key id an attempt's `debt` has when it is about the ask's debt.
    pub(crate) ask_debt: u32,
    pub(crate) states: States<'a>,
    /// Per channel (by its index), the positions in `atts` of its
    /// attempts, in order; empty where the store keeps no such index (the
    /// ledger), and then rules scan every record.
    pub(crate) by_chan: &'a [Vec<u32>],
    /// The attempts by class, where the store keeps such an index (not
    /// the ledger).
    pub(crate) classes: Option<&'a Classes>,
}

impl<'a, S: Stored> Side<'a, S> {
    /// A side with no events.
    pub(crate) fn empty(ask_debt: u32) -> Side<'a, S> {
        Side {
            atts: &[],
            ask_debt,
            states: States::new(),
            by_chan: &[],
            classes: None,
        }
    }

    /// Whether an attempt is about the ask's debt.
    pub(crate) fn same_debt(&self, a: &S) -> bool {
        a.debt() == self.ask_debt
    }

    /// The attempts from record `k` on.
    pub(crate) fn starting_at(
        &self,
        k: usize,
    ) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
        let atts: &'a [S] = self.atts;
        atts.get(k..)
            .unwrap_or(&[])
            .iter()
            .filter(|a| a.is_attempt())
    }

    /// The attempts after `from` (all of them when `from` is `None`).
    pub(crate) fn after(
        &self,
        from: Option<Timestamp>,
    ) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
        self.starting_at(self.start_after(from))
    }

    /// The attempts among records `k..end` (time order).
    fn between(&self, k: usize, end: usize) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
        let atts: &'a [S] = self.atts;
        atts.get(k..end.min(atts.len()))
            .unwrap_or(&[])
            .iter()
            .filter(|a| a.is_attempt())
    }

    /// The end of the records `k..` cut just after the last attempt on a
    /// channel in `chans` (a channel mask), where the side indexes its
    /// attempts by channel (`k` when there is none); else the end of the
    /// side. Records up to it are all still visited (callers filter by
    /// channel anyway); what is cut holds no attempt on those channels.
    pub(crate) fn span_end(&self, k: usize, chans: u32) -> usize {
        let n = self.atts.len();
        // A short look-back is scanned faster than it is cut.
        if self.by_chan.is_empty() || n.saturating_sub(k) <= SHORT {
            return n;
        }
        let mut hi = k;
        let mut m = chans;
        while m != 0 {
            let c = m.trailing_zeros();
            m &= m - 1;
            if let Some(p) = self.last_on(c) {
                hi = hi.max(p as usize + 1);
            }
        }
        hi
    }

    /// The position of the last attempt on channel `c` before the side's
    /// end, from the per-channel index: usually its list's last (an ask
    /// after all its events). `None` when the channel has none there or
    /// the side keeps no index.
    #[inline(always)]
    fn last_on(&self, c: u32) -> Option<u32> {
        let list = self.by_chan.get(c as usize)?;
        let n = self.atts.len();
        match list.last() {
            Some(&p) if (p as usize) < n => Some(p),
            Some(_) => {
                let b = list.partition_point(|&p| (p as usize) < n);
                b.checked_sub(1).and_then(|b| list.get(b)).copied()
            }
            None => None,
        }
    }

    /// Whether the side indexes its attempts by channel and holds none on
    /// a channel in `chans` (a channel mask) at or after `since` (none at
    /// all for `None`): then no rule reading only those channels from
    /// `since` on finds anything to count or to start a pause. `false`
    /// where the side keeps no such index (the ledger).
    #[inline(always)]
    pub(crate) fn quiet_since(&self, chans: u32, since: Option<Timestamp>) -> bool {
        if self.by_chan.is_empty() {
            return false;
        }
        // Before every instant, for none: then only a channel without
        // attempts is quiet.
        let since = since.unwrap_or(Timestamp::MIN);
        let mut m = chans;
        while m != 0 {
            let c = m.trailing_zeros();
            m &= m - 1;
            if let Some(last) = self.last_on(c) {
                if self.atts.get(last as usize).is_none_or(|a| a.at() >= since) {
                    return false;
                }
            }
        }
        true
    }

    /// Whether the side indexes its attempts by channel and holds none on
    /// a channel in `chans` whose second ([`Timestamp::as_second`]) is
    /// `s` or later, for `s > 0`: then it holds none at or after any
    /// instant from second `s` on ([`Side::quiet_since`] of it holds),
    /// found without building that instant. `false` where the side keeps
    /// no such index, or for `s <= 0`.
    #[inline(always)]
    pub(crate) fn quiet_from_second(&self, chans: u32, s: i64) -> bool {
        if self.by_chan.is_empty() || s <= 0 {
            return false;
        }
        let Some(b) = S::key_of_second(s) else {
            // No record is that late.
            return true;
        };
        let mut m = chans;
        while m != 0 {
            let c = m.trailing_zeros();
            m &= m - 1;
            if let Some(last) = self.last_on(c) {
                if self.atts.get(last as usize).is_none_or(|a| a.key() >= b) {
                    return false;
                }
            }
        }
        true
    }

    /// As [`Side::after`], cut at [`Side::span_end`] for `chans`.
    pub(crate) fn after_in(
        &self,
        from: Option<Timestamp>,
        chans: u32,
    ) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
        let k = self.start_after(from);
        self.between(k, self.span_end(k, chans))
    }

    /// The index in `atts` of the first record after `from` (0 for
    /// `None`).
    pub(crate) fn start_after(&self, from: Option<Timestamp>) -> usize {
        match from {
            None => 0,
            Some(f) => {
                let s = f.as_second();
                if s > 0 && f.subsec_nanosecond() == 0 {
                    // A whole second after the epoch: the records up to
                    // it are those whose second is at most `s` but for
                    // any in that very second with nanoseconds, which
                    // sort last among them (found by comparing seconds
                    // only, then stepping back over those few).
                    let mut i = match s.checked_add(1).and_then(S::key_of_second) {
                        Some(b) => self.keys_below(b),
                        None => self.atts.len(),
                    };
                    // One in an earlier second is before it.
                    let earlier = S::key_of_second(s);
                    while let Some(a) = i.checked_sub(1).and_then(|j| self.atts.get(j)) {
                        if earlier.is_some_and(|e| a.key() < e) || a.at() <= f {
                            break;
                        }
                        i -= 1;
                    }
                    return i;
                }
                self.atts.partition_point(|a| a.at() <= f)
            }
        }
    }

    /// The index in `atts` of the first record at or after `since`.
    pub(crate) fn start_since(&self, since: Timestamp) -> usize {
        let s = since.as_second();
        if s > 0 && since.subsec_nanosecond() == 0 {
            // A whole second after the epoch (a local midnight, mostly):
            // an instant is before it exactly when its second is (one at
            // or after it has a second at least `s` and nanoseconds not
            // below 0), so the search compares seconds only.
            return match S::key_of_second(s) {
                Some(b) => self.keys_below(b),
                None => self.atts.len(),
            };
        }
        self.atts.partition_point(|a| a.at() < since)
    }

    /// How many records (a prefix: they are in time order) have a key
    /// below `b`: all of them, without a search, when the last one has
    /// (a look-back with nothing in it, the usual case for a short one).
    #[inline]
    fn keys_below(&self, b: S::Key) -> usize {
        match self.atts.last() {
            Some(last) if last.key() >= b => self.atts.partition_point(|a| a.key() < b),
            _ => self.atts.len(),
        }
    }

    /// The records `k..end` (none past the side's end).
    pub(crate) fn slice(&self, k: usize, end: usize) -> &'a [S] {
        let atts: &'a [S] = self.atts;
        atts.get(k..end.min(atts.len())).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The starts found by comparing seconds only (for a whole second
    /// after the epoch) are those of comparing whole instants: over
    /// records before and after the epoch, several in one second with and
    /// without nanoseconds, for every instant around them (whole seconds
    /// and not, before, inside and after the records, and none).
    #[test]
    fn starts_by_seconds_equal_the_full_comparison() {
        let mut ats: Vec<Timestamp> = Vec::new();
        for s in [-3i64, -1, 0, 1, 2, 5, 6, 9] {
            for ns in [0i32, 1, 500_000_000, 999_999_999] {
                let ns = if s < 0 { -ns } else { ns };
                ats.push(Timestamp::new(s, ns).expect("time"));
            }
        }
        ats.sort();
        let recs: Vec<Rec> = ats
            .iter()
            .map(|&at| Rec {
                at,
                debt: 0,
                channel: Channel::Call,
                role: Role::Debtor,
                result: AttemptResult::Delivered,
                place: None,
            })
            .collect();
        for n in [0, 1, 5, recs.len()] {
            for k in 0..=n {
                let side: Side<'_, Rec> = Side {
                    atts: &recs[k..n],
                    ..Side::empty(0)
                };
                let atts = side.atts;
                assert_eq!(side.start_after(None), 0);
                for s in -5i64..12 {
                    for ns in [0i32, 1, 999_999_999] {
                        let ns = if s < 0 { -ns } else { ns };
                        let t = Timestamp::new(s, ns).expect("time");
                        assert_eq!(
                            side.start_since(t),
                            atts.partition_point(|a| a.at < t),
                            "since {t} over {k}..{n}"
                        );
                        assert_eq!(
                            side.start_after(Some(t)),
                            atts.partition_point(|a| a.at <= t),
                            "after {t} over {k}..{n}"
                        );
                    }
                }
            }
        }
    }

    // A side of 60 attempts whose channels follow a fixed pattern (calls
    // only in the oldest part), indexed by channel as `History` does, cut
    // at `n` records as a side is for an ask inside the history.
    #[test]
    fn span_end_keeps_every_attempt_on_the_channels() {
        let chans = [
            Channel::Email,
            Channel::Letter,
            Channel::Sms,
            Channel::Email,
        ];
        let full: Vec<Rec> = (0..60i64)
            .map(|i| Rec {
                at: Timestamp::from_second(1_000_000 + i * 60).expect("time"),
                debt: 0,
                channel: if i < 20 && i % 3 == 0 {
                    Channel::Call
                } else {
                    chans[(i % 4) as usize]
                },
                role: Role::Debtor,
                result: AttemptResult::Delivered,
                place: None,
            })
            .collect();
        let mut by_chan: Vec<Vec<u32>> = vec![Vec::new(); 7];
        for (p, a) in full.iter().enumerate() {
            by_chan[u32::from(a.channel) as usize].push(p as u32);
        }
        for n in [0, 10, 33, 45, 59, 60] {
            let side = Side {
                atts: &full[..n],
                ask_debt: 0,
                states: States::new(),
                by_chan: &by_chan,
                classes: None,
            };
            for mask in [0u32, 1, 0b10, 0b11, 0b1100, 0b100_0001, u32::MAX] {
                for k in 0..=n {
                    let end = side.span_end(k, mask);
                    assert!(k.max(if n - k <= SHORT { n } else { k }) <= end && end <= n);
                    // Nothing cut is an attempt on one of the channels.
                    for a in &full[end..n] {
                        assert_eq!(mask & crate::policy::bit(a.channel), 0, "n {n} k {k}");
                    }
                    if n - k <= SHORT {
                        assert_eq!(end, n);
                    } else if end > k {
                        // The cut is right after such an attempt.
                        assert_ne!(mask & crate::policy::bit(full[end - 1].channel), 0);
                    }
                }
            }
            // Quiet exactly when no attempt on the channels lies at or
            // after the instant (before every one for `None`), by the
            // definition.
            let times = [
                None,
                Some(0),
                Some(10),
                Some(19),
                Some(20),
                Some(21),
                Some(59),
                Some(99),
            ];
            for mask in [
                0u32,
                1,
                0b10,
                0b11,
                0b1100,
                0b100_0001,
                0b100_0000,
                u32::MAX,
            ] {
                for since in times {
                    let since = since
                        .map(|i: i64| Timestamp::from_second(1_000_000 + i * 60).expect("time"));
                    let expected = !full[..n].iter().any(|a| {
                        mask & crate::policy::bit(a.channel) != 0 && since.is_none_or(|s| a.at >= s)
                    });
                    assert_eq!(
                        side.quiet_since(mask, since),
                        expected,
                        "n {n} mask {mask:b} since {since:?}"
                    );
                }
                // From a whole second (on an attempt's, or one past it):
                // quiet exactly when no attempt on the channels has that
                // second or a later one.
                for s in [
                    1, 1_000_000, 1_001_140, 1_001_141, 1_001_200, 1_003_540, 1_004_000,
                ] {
                    let expected = !full[..n].iter().any(|a| {
                        mask & crate::policy::bit(a.channel) != 0 && a.at.as_second() >= s
                    });
                    assert_eq!(
                        side.quiet_from_second(mask, s),
                        expected,
                        "n {n} second {s}"
                    );
                }
                assert!(!side.quiet_from_second(mask, 0));
                // Nothing is that late.
                assert!(side.quiet_from_second(mask, i64::MAX));
            }
            // Without an index nothing is cut.
            let plain = Side {
                by_chan: &[],
                ..side.clone()
            };
            assert_eq!(plain.span_end(0, 1), n);
            // Nor is a side without an index ever quiet.
            assert!(!plain.quiet_since(0, None));
            assert!(!plain.quiet_from_second(0, 1));
        }
    }
}
