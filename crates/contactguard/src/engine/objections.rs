//! Consent and objections: opt-outs, cease, attorney representation, holds.

use super::cause::{Cause, Keys};
use super::view::{kind, Ev, Stored};
use super::{deny, Ctx, Verdict};
use crate::model::HoldReason;
use crate::policy::format::Scope;
use jiff::Timestamp;

pub(super) fn opt_out<S: Stored>(ctx: &Ctx<'_, S>, any_channel: bool) -> Verdict {
    let ask = ctx.ask;
    // The latest matching opt-out, ties broken by content (the ask's own
    // channel first), so that the order of same-instant events never
    // changes the message.
    let found = ctx
        .rec
        .states
        .of(kind::OPT_OUT)
        .filter_map(|(_, e)| match e {
            Ev::OptOut { at, channel, place }
                if (any_channel || channel == ask.channel)
                    && place.is_none_or(|p| ask.place.is_none_or(|a| a == p)) =>
            {
                Some((at, channel, place))
            }
            _ => None,
        })
        .max_by_key(|&(at, channel, place)| (at, channel == ask.channel, channel, place));
    match found {
        None => Verdict::Pass,
        Some((at, channel, place)) => deny(ctx, None, || Cause::OptOut {
            keys: Keys::of(ask),
            at,
            zone: ctx.first_zone(),
            channel,
            place,
        }),
    }
}

pub(super) fn cease<S: Stored>(ctx: &Ctx<'_, S>, scope: Scope) -> Verdict {
    let ask = ctx.ask;
    // The earliest matching cease, one about the ask's debt first.
    let found = ctx
        .rec
        .states
        .of(kind::CEASE)
        .filter_map(|(_, e)| match e {
            Ev::Cease { at, same_debt } if scope == Scope::Recipient || same_debt => {
                Some((at, same_debt))
            }
            _ => None,
        })
        .min_by_key(|&(at, same_debt)| (!same_debt, at));
    match found {
        None => Verdict::Pass,
        Some((at, same_debt)) => deny(ctx, None, || Cause::Cease {
            keys: Keys::of(ask),
            at,
            zone: ctx.first_zone(),
            same_debt,
        }),
    }
}

pub(super) fn attorney<S: Stored>(ctx: &Ctx<'_, S>, scope: Scope) -> Verdict {
    let ask = ctx.ask;
    let side = if scope == Scope::Debt {
        &ctx.debt
    } else {
        &ctx.rec
    };
    // The earliest notice, one for the ask's recipient first.
    let found = side
        .states
        .of(kind::ATTORNEY)
        .filter_map(|(_, e)| match e {
            Ev::Attorney {
                at,
                same_to,
                same_debt,
            } if same_debt && (scope == Scope::Debt || same_to) => Some((at, same_to)),
            _ => None,
        })
        .min_by_key(|&(at, same_to)| (!same_to, at));
    match found {
        None => Verdict::Pass,
        Some((at, same_to)) => deny(ctx, None, || Cause::Attorney {
            keys: Keys::of(ask),
            at,
            zone: ctx.first_zone(),
            same_to,
        }),
    }
}

pub(super) fn hold<S: Stored>(ctx: &Ctx<'_, S>, reasons: &[HoldReason], t: Timestamp) -> Verdict {
    let active = |at: Timestamp| {
        ctx.debt.states.holds().filter(move |&(_, reason, until)| {
            reasons.contains(&reason) && until.is_none_or(|u| at < u)
        })
    };
    // The earliest active hold, ties broken by content so that the order of
    // same-instant events never changes the message.
    let Some(first) =
        active(t).min_by_key(|&(start, reason, until)| (start, reason, until.is_none(), until))
    else {
        return Verdict::Pass;
    };
    // The first instant no listed hold is active (when wanted).
    let earliest = if ctx.want_earliest {
        hold_ends(t, active)
    } else {
        None
    };
    let (start, reason, until) = first;
    deny(ctx, earliest, || Cause::Hold {
        keys: Keys::of(ctx.ask),
        reason,
        start,
        until,
        zone: ctx.first_zone(),
    })
}

/// The first instant from `t` at which `active` lists no hold, following
/// each hold to its end (`None` when one is open-ended, or past 64 steps).
fn hold_ends<I>(t: Timestamp, active: impl Fn(Timestamp) -> I) -> Option<Timestamp>
where
    I: Iterator<Item = (Timestamp, HoldReason, Option<Timestamp>)>,
{
    let mut c = t;
    for _ in 0..64 {
        let mut any = false;
        for (_, _, until) in active(c) {
            any = true;
            match until {
                Some(u) => c = c.max(u),
                None => return None,
            }
        }
        if !any {
            return Some(c);
        }
    }
    None
}
