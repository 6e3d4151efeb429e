//! The engine's view of history: stored attempt records read in place
//! (a [`History`](crate::History) index's or the ledger's compact entries,
//! through [`Stored`]) and small `Copy` state events relative to one ask.

use crate::model::{AttemptResult, Channel, Event, HoldReason, Inconvenient, Place, Role};
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
    Inconvenient(&'a Inconvenient),
    Unreachable,
}

impl<'a> Ev<'a> {
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
            Event::Inconvenient(i) => Ev::Inconvenient(i),
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
    pub(crate) states: Vec<(usize, Ev<'a>)>,
}

impl<'a, S: Stored> Side<'a, S> {
    /// A side with no events.
    pub(crate) fn empty(ask_debt: u32) -> Side<'a, S> {
        Side {
            atts: &[],
            ask_debt,
            states: Vec::new(),
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
        let k = match from {
            None => 0,
            Some(f) => self.atts.partition_point(|a| a.at() <= f),
        };
        self.starting_at(k)
    }

    /// The attempts at or after `since`.
    pub(crate) fn since(
        &self,
        since: Timestamp,
    ) -> impl DoubleEndedIterator<Item = &'a S> + Clone + 'a {
        self.starting_at(self.atts.partition_point(|a| a.at() < since))
    }
}
