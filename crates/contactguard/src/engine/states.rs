//! The state events of one side of a decision. A store that builds them
//! per ask (the ledger) keeps them inline when there are few: most
//! recipients and debts have none or a couple (a consent, an opt-out), and
//! a heap allocation per side per decision cost more than reading them. A
//! [`History`](crate::History) index lends its stored entries instead
//! ([`Held`]: what does not depend on the ask, worked out once), each read
//! relative to the ask only when a rule asks for its kind.

use super::view::{kind, Ev, Read, Stated};
use crate::model::{Event, HoldReason};
use jiff::Timestamp;

const INLINE: usize = 2;

/// A key id that names nothing (an absent or unknown key): never the same
/// as another.
pub(crate) const NONE: u32 = u32::MAX;

/// A state event as a [`History`](crate::History) index stores it: what
/// does not depend on the ask, worked out once, when it is stored.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held {
    /// The event's time.
    pub(crate) at: Timestamp,
    /// Its interned (recipient, debt) keys ([`NONE`] when absent),
    /// compared with an ask's when read.
    pub(crate) keys: (u32, u32),
    /// How many of the key's attempts come before it in time order.
    pub(crate) before: u32,
    /// The index of the event in the history.
    pub(crate) idx: u32,
    /// Its [`kind`] bit.
    pub(crate) kind: u16,
    /// Its view with the flags relative to an ask unset, for a kind whose
    /// view borrows nothing from the event (see [`template`]).
    pub(crate) ev: Ev<'static>,
    /// The kinds of this entry and of every earlier one of the list.
    pub(crate) kinds: u16,
    /// For an inconvenient-time statement, its times as read when stored,
    /// and whether an earlier statement of the same key
    /// [`shadows`](super::view::shadows) it.
    pub(crate) read: Option<(Read, bool)>,
}

/// A side's state events in time order, each with the index of the first
/// record after it.
#[derive(Clone, Debug)]
pub(crate) struct States<'a> {
    /// The [`kind`] bits of the events held.
    kinds: u16,
    repr: Repr<'a>,
}

#[derive(Clone, Debug)]
enum Repr<'a> {
    /// The first `len` entries are the events (the rest are fillers).
    Few {
        len: usize,
        items: [(usize, Ev<'a>); INLINE],
    },
    Many(Vec<(usize, Ev<'a>)>),
    /// A history index's entries (those at or before the ask), read
    /// relative to an ask whose recipient and debt have key ids `to` and
    /// `debt` only as a rule asks for them.
    Held {
        held: &'a [Held],
        /// Those of `held` that are inconvenient-time statements no
        /// earlier one shadows.
        stated: &'a [Held],
        events: &'a [Event],
        to: u32,
        debt: u32,
    },
}

impl<'a> States<'a> {
    /// How many state events a side keeps without allocating.
    pub(crate) const INLINE: usize = INLINE;

    /// No state events.
    pub(crate) const fn new() -> States<'a> {
        States {
            kinds: 0,
            repr: Repr::Few {
                len: 0,
                items: [(0, Ev::Unreachable); INLINE],
            },
        }
    }

    /// Room for `n` events: inline for a few, else one allocation.
    pub(crate) fn with_capacity(n: usize) -> States<'a> {
        if n > Self::INLINE {
            States {
                kinds: 0,
                repr: Repr::Many(Vec::with_capacity(n)),
            }
        } else {
            States::new()
        }
    }

    /// A history index's entries `held` (in time order, each at or before
    /// the ask) about the events of `events`, for an ask whose recipient
    /// and debt have key ids `to` and `debt` ([`NONE`] for an unknown
    /// key); `stated`, those of them that are inconvenient-time statements
    /// no earlier one shadows. Nothing is read until a rule asks, and then
    /// only the entries of the kinds it asks for.
    #[inline]
    pub(crate) fn held(
        held: &'a [Held],
        stated: &'a [Held],
        events: &'a [Event],
        to: u32,
        debt: u32,
    ) -> States<'a> {
        States {
            kinds: held.last().map_or(0, |h| h.kinds),
            repr: Repr::Held {
                held,
                stated,
                events,
                to,
                debt,
            },
        }
    }

    /// Appends an event (to states built per ask, not to a history's).
    #[inline]
    pub(crate) fn push(&mut self, x: (usize, Ev<'a>)) {
        self.kinds |= x.1.kind();
        match &mut self.repr {
            Repr::Few { len, items } => {
                if let Some(slot) = items.get_mut(*len) {
                    *slot = x;
                    *len += 1;
                } else {
                    let mut v = Vec::with_capacity(Self::INLINE * 2);
                    v.extend_from_slice(items);
                    v.push(x);
                    self.repr = Repr::Many(v);
                }
            }
            Repr::Many(v) => v.push(x),
            Repr::Held { .. } => debug_assert!(false, "a history's states are not appended to"),
        }
    }

    /// The [`kind`] bits of the events held (a rule reading one kind
    /// passes over a side without it unread).
    #[inline]
    pub(crate) fn kinds(&self) -> u16 {
        self.kinds
    }

    /// Whether the side holds an event of a kind in `mask`.
    #[inline]
    pub(crate) fn has(&self, mask: u16) -> bool {
        self.kinds & mask != 0
    }

    /// What `P` picks of the events whose kind is in `mask`, in order;
    /// of a history's, only those of `stated` when `unshadowed` (and
    /// `mask` is that of statements).
    #[inline]
    fn select<P: Pick<'a>>(&self, mask: u16, unshadowed: bool) -> Select<'_, 'a, P> {
        // A kind the side does not hold reads nothing.
        let mask = mask & self.kinds;
        let inner = match &self.repr {
            _ if mask == 0 => Inner::Slice([].iter()),
            Repr::Few { len, items } => Inner::Slice(items.get(..*len).unwrap_or(&[]).iter()),
            Repr::Many(v) => Inner::Slice(v.iter()),
            Repr::Held {
                held,
                stated,
                events,
                to,
                debt,
            } => Inner::Held {
                held: if unshadowed { stated } else { held }.iter(),
                events,
                to: *to,
                debt: *debt,
            },
        };
        Select {
            mask,
            inner,
            pick: std::marker::PhantomData,
        }
    }

    /// The events whose [`kind`] is in `mask`, in time order, each with
    /// the index of the first record after it.
    #[inline]
    pub(crate) fn of(&self, mask: u16) -> Select<'_, 'a, Whole> {
        self.select(mask, false)
    }

    /// Every event, in time order.
    pub(crate) fn iter(&self) -> Select<'_, 'a, Whole> {
        self.of(u16::MAX)
    }

    /// The inconvenient-time statements, in time order, but for those an
    /// earlier one [`shadows`](super::view::shadows) where the store knows
    /// it (a history): such a statement is never the first to cover an
    /// instant, and the one shadowing it, which is among the side's events
    /// whenever it is, applies wherever it does and is as long in force.
    #[inline]
    pub(crate) fn statements(&self) -> Select<'_, 'a, Statement> {
        self.select(kind::INCONVENIENT, true)
    }

    /// The holds (start, reason, end), in time order.
    #[inline]
    pub(crate) fn holds(&self) -> Select<'_, 'a, HoldOf> {
        self.select(kind::HOLD, false)
    }
}

impl Default for States<'_> {
    fn default() -> Self {
        States::new()
    }
}

/// What a [`Select`] yields of each event of its kinds: from a view, or
/// from a history's entry (for an ask whose keys are `to` and `debt`).
pub(crate) trait Pick<'a> {
    type Out;
    fn ev(x: &(usize, Ev<'a>)) -> Option<Self::Out>;
    fn held(h: &Held, events: &'a [Event], to: u32, debt: u32) -> Option<Self::Out>;
}

/// The view, with the index of the first record after the event.
#[derive(Debug)]
pub(crate) enum Whole {}

impl<'a> Pick<'a> for Whole {
    type Out = (usize, Ev<'a>);
    #[inline]
    fn ev(x: &(usize, Ev<'a>)) -> Option<Self::Out> {
        Some(*x)
    }
    #[inline]
    fn held(h: &Held, events: &'a [Event], to: u32, debt: u32) -> Option<Self::Out> {
        read(h, events, to, debt)
    }
}

/// An inconvenient-time statement that no earlier one is known to shadow.
#[derive(Debug)]
pub(crate) enum Statement {}

impl<'a> Pick<'a> for Statement {
    type Out = Stated<'a>;
    #[inline]
    fn ev(x: &(usize, Ev<'a>)) -> Option<Self::Out> {
        match x.1 {
            Ev::Inconvenient(s) => Some(s),
            _ => None,
        }
    }
    #[inline]
    fn held(h: &Held, events: &'a [Event], _: u32, _: u32) -> Option<Self::Out> {
        match h.read {
            Some((r, false)) => match events.get(h.idx as usize)? {
                Event::Inconvenient(s) => Some(Stated::with_shadowed(s, r, false)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A hold: its start, reason and end.
#[derive(Debug)]
pub(crate) enum HoldOf {}

impl<'a> Pick<'a> for HoldOf {
    type Out = (Timestamp, HoldReason, Option<Timestamp>);
    #[inline]
    fn ev(x: &(usize, Ev<'a>)) -> Option<Self::Out> {
        match x.1 {
            Ev::Hold { at, reason, until } => Some((at, reason, until)),
            _ => None,
        }
    }
    #[inline]
    fn held(h: &Held, _: &'a [Event], _: u32, _: u32) -> Option<Self::Out> {
        match h.ev {
            Ev::Hold { at, reason, until } => Some((at, reason, until)),
            _ => None,
        }
    }
}

/// What `P` picks of a side's events of some kinds, in order (see
/// [`States::of`], [`States::statements`], [`States::holds`]).
#[derive(Debug)]
pub(crate) struct Select<'s, 'a, P> {
    mask: u16,
    inner: Inner<'s, 'a>,
    pick: std::marker::PhantomData<P>,
}

impl<P> Clone for Select<'_, '_, P> {
    fn clone(&self) -> Self {
        Select {
            mask: self.mask,
            inner: self.inner.clone(),
            pick: std::marker::PhantomData,
        }
    }
}

#[derive(Clone, Debug)]
enum Inner<'s, 'a> {
    Slice(std::slice::Iter<'s, (usize, Ev<'a>)>),
    Held {
        held: std::slice::Iter<'a, Held>,
        events: &'a [Event],
        to: u32,
        debt: u32,
    },
}

impl<'a, P: Pick<'a>> Select<'_, 'a, P> {
    /// The next pick from the front, or with `back` from the back (a
    /// constant at each call, so each inlined copy keeps one direction).
    #[inline(always)]
    fn step(&mut self, back: bool) -> Option<P::Out> {
        let mask = self.mask;
        match &mut self.inner {
            Inner::Slice(it) => find_map(it, back, |x| {
                if x.1.kind() & mask != 0 {
                    P::ev(x)
                } else {
                    None
                }
            }),
            Inner::Held {
                held,
                events,
                to,
                debt,
            } => find_map(held, back, |h| {
                if h.kind & mask != 0 {
                    P::held(h, events, *to, *debt)
                } else {
                    None
                }
            }),
        }
    }
}

/// `find_map` from the front, or with `back` from the back.
#[inline(always)]
fn find_map<I: DoubleEndedIterator, T>(
    it: &mut I,
    back: bool,
    f: impl FnMut(I::Item) -> Option<T>,
) -> Option<T> {
    if back {
        it.rev().find_map(f)
    } else {
        it.find_map(f)
    }
}

impl<'a, P: Pick<'a>> Iterator for Select<'_, 'a, P> {
    type Item = P::Out;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        self.step(false)
    }
}

impl<'a, P: Pick<'a>> DoubleEndedIterator for Select<'_, 'a, P> {
    #[inline(always)]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.step(true)
    }
}

/// What [`Held::ev`] keeps of a state event: its view for an ask about
/// another recipient and another debt, where that view borrows nothing from
/// the event; for a consent and an inconvenient-time statement (whose views
/// do) a filler, never read ([`BORROWS`]).
pub(crate) fn template(e: &Event) -> Ev<'static> {
    match e {
        Event::Attempt(_) | Event::Consent(_) | Event::Inconvenient(_) => Ev::Unreachable,
        _ => match Ev::with_keys(e, false, false) {
            Some(Ev::Consent { .. } | Ev::Inconvenient(_)) | None => Ev::Unreachable,
            Some(Ev::OptOut { at, channel, place }) => Ev::OptOut { at, channel, place },
            Some(Ev::Cease { at, same_debt }) => Ev::Cease { at, same_debt },
            Some(Ev::Attorney {
                at,
                same_to,
                same_debt,
            }) => Ev::Attorney {
                at,
                same_to,
                same_debt,
            },
            Some(Ev::Hold { at, reason, until }) => Ev::Hold { at, reason, until },
            Some(Ev::PriorConsent {
                at,
                same_debt,
                until,
                granted,
            }) => Ev::PriorConsent {
                at,
                same_debt,
                until,
                granted,
            },
            Some(Ev::RequestContact { applies }) => Ev::RequestContact { applies },
            Some(Ev::Unreachable) => Ev::Unreachable,
        },
    }
}

/// The kinds whose view borrows from the event: read from it.
const BORROWS: u16 = kind::CONSENT | kind::INCONVENIENT;

/// The view of a history's entry for an ask whose recipient and debt have
/// key ids `to` and `debt`.
#[inline]
fn read<'a>(h: &Held, events: &'a [Event], to: u32, debt: u32) -> Option<(usize, Ev<'a>)> {
    let (e_to, e_debt) = h.keys;
    let same_debt = e_debt == debt && debt != NONE;
    let ev = if h.kind & BORROWS != 0 {
        match (events.get(h.idx as usize)?, h.read) {
            (Event::Inconvenient(s), Some((r, shadowed))) => {
                Ev::Inconvenient(Stated::with_shadowed(s, r, shadowed))
            }
            (e, _) => Ev::with_keys(e, e_to == to && to != NONE, same_debt)?,
        }
    } else {
        match h.ev {
            Ev::Cease { at, .. } => Ev::Cease { at, same_debt },
            Ev::Attorney { at, .. } => Ev::Attorney {
                at,
                same_to: e_to == to && to != NONE,
                same_debt,
            },
            Ev::PriorConsent {
                at, until, granted, ..
            } => Ev::PriorConsent {
                at,
                same_debt,
                until,
                granted,
            },
            Ev::RequestContact { applies } => Ev::RequestContact {
                applies: applies || same_debt,
            },
            ev => ev,
        }
    };
    Some((h.before as usize, ev))
}

impl<'s, 'a> IntoIterator for &'s States<'a> {
    type Item = (usize, Ev<'a>);
    type IntoIter = Select<'s, 'a, Whole>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn ev(i: usize) -> (usize, Ev<'static>) {
        (
            i,
            Ev::Consent {
                channel: Channel::Sms,
                granted: i % 20 == 0,
                kind: None,
            },
        )
    }

    fn positions(s: &States<'_>) -> Vec<usize> {
        s.iter().map(|(i, _)| i).collect()
    }

    /// Pushes read back in order whether inline or spilled.
    #[test]
    fn reads_back_what_was_pushed_across_the_inline_limit() {
        for n in 0..7 {
            let mut s = States::new();
            for i in 0..n {
                s.push(ev(i * 10));
            }
            let want: Vec<usize> = (0..n).map(|i| i * 10).collect();
            assert_eq!(positions(&s), want);
            assert_eq!(matches!(s.repr, Repr::Many(_)), n > States::INLINE, "{n}");
            assert_eq!(s.iter().count(), n);
            assert_eq!(s.kinds(), if n == 0 { 0 } else { kind::CONSENT });
            let granted: Vec<bool> = s
                .iter()
                .map(|(_, e)| matches!(e, Ev::Consent { granted: true, .. }))
                .collect();
            assert_eq!(granted, (0..n).map(|i| i % 2 == 0).collect::<Vec<_>>());
            let back: Vec<usize> = s.of(u16::MAX).rev().map(|(i, _)| i).collect();
            assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
        }
    }

    /// `of` yields exactly the events of the kinds asked for, in order
    /// from either end, and `kinds` is the union of the kinds pushed.
    #[test]
    fn of_selects_kinds_in_order() {
        let t = |s: i64| Timestamp::from_second(1_000_000 + s).expect("time");
        let evs = [
            ev(0),
            (
                1,
                Ev::Hold {
                    at: t(1),
                    reason: crate::model::HoldReason::Dispute,
                    until: None,
                },
            ),
            (2, Ev::Unreachable),
            ev(3),
            (
                4,
                Ev::Cease {
                    at: t(4),
                    same_debt: true,
                },
            ),
        ];
        let mut s = States::new();
        for x in evs {
            s.push(x);
        }
        assert_eq!(
            s.kinds(),
            kind::CONSENT | kind::HOLD | kind::UNREACHABLE | kind::CEASE
        );
        for mask in 0..(1u16 << 10) {
            let want: Vec<usize> = evs
                .iter()
                .filter(|(_, e)| e.kind() & mask != 0)
                .map(|(i, _)| *i)
                .collect();
            let got: Vec<usize> = s.of(mask).map(|(i, _)| i).collect();
            assert_eq!(got, want, "{mask:b}");
            let back: Vec<usize> = s.of(mask).rev().map(|(i, _)| i).collect();
            assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(s.has(mask), !want.is_empty());
        }
    }

    /// A history's entries read as the views the events have for every
    /// ask (each recipient and debt key, known or not, and every kind
    /// selection): the flags set from the keys, the kinds held, and
    /// `statements` and `holds` picking what the views hold, but for a
    /// shadowed statement.
    #[test]
    fn history_entries_read_as_the_events_views() {
        let events: Vec<Event> = serde_json::from_str(
            r#"[
  {"type": "consent", "at": "2026-04-01T10:00:00Z", "to": "c1", "channel": "sms", "granted": true, "kind": "tcpa"},
  {"type": "opt_out", "at": "2026-04-01T10:01:00Z", "to": "c1", "channel": "email", "place": "work"},
  {"type": "cease", "at": "2026-04-01T10:02:00Z", "to": "c1", "debt": "d1"},
  {"type": "attorney", "at": "2026-04-01T10:03:00Z", "to": "c2", "debt": "d1"},
  {"type": "hold", "at": "2026-04-01T10:04:00Z", "debt": "d2", "reason": "dispute", "until": "2026-04-09T00:00:00Z"},
  {"type": "prior_consent_to_contact", "at": "2026-04-01T10:05:00Z", "to": "c1", "debt": "d2", "until": "2026-04-05T00:00:00Z", "granted": true},
  {"type": "request_contact", "at": "2026-04-01T10:06:00Z", "to": "c1", "debt": "d1"},
  {"type": "request_contact", "at": "2026-04-01T10:07:00Z", "to": "c1"},
  {"type": "inconvenient", "at": "2026-04-01T10:08:00Z", "to": "c1", "start": "12:00", "end": "14:00", "weekdays": ["sun"]},
  {"type": "inconvenient", "at": "2026-04-01T10:09:00Z", "to": "c1", "start": "12:00", "end": "14:00", "weekdays": ["sun"]},
  {"type": "unreachable", "at": "2026-04-01T10:10:00Z", "to": "c1", "debt": "d1"}
]"#,
        )
        .expect("events");
        let id = |k: Option<&str>| match k {
            Some("c1") => 0,
            Some("c2") => 1,
            Some("d1") => 2,
            Some("d2") => 3,
            _ => NONE,
        };
        let mut held = Vec::new();
        let mut kinds = 0;
        for (i, e) in events.iter().enumerate() {
            let k = crate::engine::view::kind_of(e);
            kinds |= k;
            let i = u32::try_from(i).expect("index");
            held.push(Held {
                at: e.at(),
                keys: (id(e.recipient()), id(e.debt())),
                before: i * 2,
                idx: i,
                kind: k,
                ev: template(e),
                kinds,
                // The second statement repeats the first: shadowed.
                read: match e {
                    Event::Inconvenient(s) => Some((Read::of(s), i == 9)),
                    _ => None,
                },
            });
        }
        assert_eq!(kinds.count_ones(), 9);
        for to in [0, 1, NONE] {
            for debt in [2, 3, NONE] {
                let stated: Vec<Held> = held
                    .iter()
                    .filter(|h| matches!(h.read, Some((_, false))))
                    .copied()
                    .collect();
                let s = States::held(&held, &stated, &events, to, debt);
                assert_eq!(s.kinds(), kinds);
                let views: Vec<(usize, Ev<'_>)> = events
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| {
                        let same_to = id(e.recipient()) == to && to != NONE;
                        let same_debt = id(e.debt()) == debt && debt != NONE;
                        let v = match e {
                            // As stored: the second statement shadowed.
                            Event::Inconvenient(x) => Some(Ev::Inconvenient(
                                Stated::with_shadowed(x, Read::of(x), i == 9),
                            )),
                            _ => Ev::with_keys(e, same_to, same_debt),
                        };
                        v.map(|v| (i * 2, v))
                    })
                    .collect();
                assert_eq!(views.len(), events.len());
                for mask in (0..9).map(|k| 1u16 << k).chain([
                    kind::CONSENT | kind::OPT_OUT,
                    kind::HOLD | kind::UNREACHABLE,
                    u16::MAX,
                ]) {
                    let want: Vec<String> = views
                        .iter()
                        .filter(|(_, e)| e.kind() & mask != 0)
                        .map(|x| format!("{x:?}"))
                        .collect();
                    let got: Vec<String> = s.of(mask).map(|x| format!("{x:?}")).collect();
                    assert_eq!(got, want, "to {to} debt {debt} mask {mask:b}");
                    let mut back: Vec<String> =
                        s.of(mask).rev().map(|x| format!("{x:?}")).collect();
                    back.reverse();
                    assert_eq!(back, want);
                }
                // Every statement but the shadowed one, as its view.
                let statements: Vec<String> = s.statements().map(|x| format!("{x:?}")).collect();
                let want: Vec<String> = views
                    .iter()
                    .filter_map(|(i, e)| match e {
                        Ev::Inconvenient(x) if *i != 18 => Some(format!("{x:?}")),
                        _ => None,
                    })
                    .collect();
                assert_eq!(statements.len(), 1);
                assert_eq!(statements, want);
                let holds: Vec<_> = s.holds().collect();
                let want: Vec<_> = views
                    .iter()
                    .filter_map(|(_, e)| match *e {
                        Ev::Hold { at, reason, until } => Some((at, reason, until)),
                        _ => None,
                    })
                    .collect();
                assert_eq!(holds.len(), 1);
                assert_eq!(holds, want);
            }
        }
    }
}
