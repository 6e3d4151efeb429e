//! The engine's view of history: small `Copy` records relative to one ask,
//! so that any storage (a [`History`](crate::History), the ledger's compact
//! shards) can feed the engine without building `Event`s.

use crate::model::{AttemptResult, Channel, Event, HoldReason, Inconvenient, Place, Role};
use jiff::Timestamp;

/// An attempt as the engine reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Att {
    pub(crate) at: Timestamp,
    pub(crate) channel: Channel,
    pub(crate) role: Role,
    pub(crate) result: AttemptResult,
    pub(crate) place: Option<Place>,
    /// The attempt is about the ask's debt.
    pub(crate) same_debt: bool,
}

/// One event, relative to the ask being decided.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev<'a> {
    Attempt(Att),
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
    /// The view of a wire event whose recipient and debt were already
    /// compared with the ask's.
    pub(crate) fn with_keys(e: &'a Event, same_to: bool, same_debt: bool) -> Ev<'a> {
        match e {
            Event::Attempt(a) => Ev::Attempt(Att {
                at: a.at,
                channel: a.channel,
                role: a.role,
                result: a.result,
                place: a.place,
                same_debt,
            }),
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
        }
    }
}

/// The events one decision reads: the recipient's and the debt's, each in
/// time order and at or before the ask (the ledger's interface; the engine
/// splits it into [`Side`]s).
#[derive(Clone, Debug, Default)]
pub(crate) struct View<'a> {
    pub(crate) rec: Vec<Ev<'a>>,
    pub(crate) debt: Vec<Ev<'a>>,
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

/// One side (the recipient's or the debt's events) of what a decision
/// reads, without copying the attempts: attempts in time order, at or
/// before the ask, so that a rule binary-searches to its own look-back;
/// state events (consent, opt-out, cease, holds…) apart, each with the
/// number of attempts that precede it in time order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Side<'a> {
    pub(crate) atts: std::borrow::Cow<'a, [Rec]>,
    /// The key id an attempt's `debt` has when it is about the ask's debt.
    pub(crate) ask_debt: u32,
    pub(crate) states: Vec<(usize, Ev<'a>)>,
}

impl<'a> Side<'a> {
    /// Splits a list of events relative to the ask (the ledger's view).
    pub(crate) fn from_events(events: Vec<Ev<'a>>) -> Side<'a> {
        let mut atts = Vec::with_capacity(events.len());
        let mut states = Vec::new();
        for e in events {
            match e {
                Ev::Attempt(a) => atts.push(Rec {
                    at: a.at,
                    debt: u32::from(a.same_debt),
                    channel: a.channel,
                    role: a.role,
                    result: a.result,
                    place: a.place,
                }),
                other => states.push((atts.len(), other)),
            }
        }
        Side {
            atts: std::borrow::Cow::Owned(atts),
            ask_debt: 1,
            states,
        }
    }

    /// Whether an attempt is about the ask's debt.
    pub(crate) fn same_debt(&self, a: &Rec) -> bool {
        a.debt == self.ask_debt
    }

    /// The attempts after `from` (all of them when `from` is `None`).
    pub(crate) fn after(&self, from: Option<Timestamp>) -> &[Rec] {
        let atts: &[Rec] = &self.atts;
        match from {
            None => atts,
            Some(f) => atts
                .get(atts.partition_point(|a| a.at <= f)..)
                .unwrap_or(&[]),
        }
    }
}
