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
/// time order and at or before the ask.
#[derive(Clone, Debug, Default)]
pub(crate) struct View<'a> {
    pub(crate) rec: Vec<Ev<'a>>,
    pub(crate) debt: Vec<Ev<'a>>,
}
