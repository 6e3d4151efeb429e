//! Conditions: a rule's `when` and `unless`, consent, the out-of-contact
//! condition, and why a `deny` rule selected an ask.

use super::cause::{Cause, Keys, Unmet};
use super::limits::seconds_before;
use super::view::{kind, Ev, Stored};
use super::Ctx;
use crate::model::{AttemptResult, HoldReason, Role};
use crate::policy::{unreachable_lookback, Cond, Rule};
use jiff::Timestamp;

/// Why a `deny` rule selected this ask: what the ask is, and which
/// exceptions it did not meet (decided now; the message is written from
/// the record when read).
pub(super) fn deny_cause<S: Stored>(ctx: &Ctx<'_, S>, rule: &Rule, t: Timestamp) -> Cause {
    let ask = ctx.ask;
    let unmet = rule.unless.as_ref().map_or_else(Unmet::default, |u| {
        let full = crate::policy::ALL;
        Unmet::new(
            (u.purposes != full && !ask.purpose.is_some_and(|p| in_mask(u.purposes, p)))
                .then_some(u.purposes),
            (u.places != full && !ask.place.is_some_and(|p| in_mask(u.places, p)))
                .then_some(u.places),
            u.consent
                .as_ref()
                .filter(|kind| !consent_granted(ctx, kind))
                .cloned(),
            u.requested_contact == Some(true) && !requested_contact(ctx),
            u.debtor_unreachable == Some(true) && !debtor_unreachable(ctx, t, true),
            u.dpd
                .as_ref()
                .is_some_and(|r| !ask.days_past_due.is_some_and(|d| in_range(r, d))),
            ask.days_past_due,
        )
    });
    Cause::Deny {
        title: rule.title.clone(),
        keys: Keys::of(ask),
        channel: ask.channel,
        role: ask.role,
        purpose: ask.purpose,
        place: ask.place,
        unmet,
    }
}

// ---------------------------------------------------------------------------
// Conditions

pub(super) fn in_mask<T: Copy + Into<u32>>(mask: u32, v: T) -> bool {
    mask & crate::policy::bit(v) != 0
}

/// `when`: an absent ask field satisfies the condition (the rule applies).
pub(super) fn cond_when<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond, t: Timestamp) -> bool {
    fixed_when(ctx, c) && when_at(ctx, c, t)
}

/// The part of `when` that changes with time. The rule applies when some
/// outcome of a pending attempt makes the condition hold.
pub(super) fn when_at<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond, t: Timestamp) -> bool {
    c.debtor_unreachable
        .is_none_or(|want| debtor_unreachable(ctx, t, !want) == want)
}

/// The part of `unless` that changes with time. The exception is met only
/// when every outcome of a pending attempt meets it.
pub(super) fn unless_at<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond, t: Timestamp) -> bool {
    c.debtor_unreachable
        .is_none_or(|want| debtor_unreachable(ctx, t, want) == want)
}

/// The part of `when` that depends on the ask and the history only.
pub(super) fn fixed_when<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond) -> bool {
    let ask = ctx.ask;
    in_mask(c.channels, ask.channel)
        && in_mask(c.roles, ask.role)
        && ask.purpose.is_none_or(|p| in_mask(c.purposes, p))
        && ask.place.is_none_or(|p| in_mask(c.places, p))
        && c.autodialed
            .is_none_or(|want| ask.autodialed.is_none_or(|a| a == want))
        && c.dpd
            .as_ref()
            .is_none_or(|r| ask.days_past_due.is_none_or(|d| in_range(r, d)))
}

/// `unless`: an absent ask field does not satisfy the condition (the
/// exception is not met).
pub(super) fn cond_unless<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond, t: Timestamp) -> bool {
    fixed_unless(ctx, c) && unless_at(ctx, c, t)
}

/// The part of `unless` that depends on the ask and the history only.
pub(super) fn fixed_unless<S: Stored>(ctx: &Ctx<'_, S>, c: &Cond) -> bool {
    let ask = ctx.ask;
    let full = crate::policy::ALL;
    in_mask(c.channels, ask.channel)
        && in_mask(c.roles, ask.role)
        && (c.purposes == full || ask.purpose.is_some_and(|p| in_mask(c.purposes, p)))
        && (c.places == full || ask.place.is_some_and(|p| in_mask(c.places, p)))
        && c.autodialed.is_none_or(|want| ask.autodialed == Some(want))
        && c.dpd
            .as_ref()
            .is_none_or(|r| ask.days_past_due.is_some_and(|d| in_range(r, d)))
        && c.consent
            .as_deref()
            .is_none_or(|kind| consent_granted(ctx, kind))
        && c.requested_contact
            .is_none_or(|want| requested_contact(ctx) == want)
}

pub(super) fn in_range(r: &crate::policy::format::RangeSpec, d: i64) -> bool {
    r.gt.is_none_or(|g| d > g)
        && r.gte.is_none_or(|g| d >= g)
        && r.lt.is_none_or(|l| d < l)
        && r.lte.is_none_or(|l| d <= l)
}

/// The recipient's latest consent of `kind` (or without a kind) for the
/// ask's channel is granted. An opt-out on the channel counts as a
/// withdrawal.
fn consent_granted<S: Stored>(ctx: &Ctx<'_, S>, kind: &str) -> bool {
    let ch = ctx.ask.channel;
    for (_, e) in ctx.rec.states.of(kind::CONSENT | kind::OPT_OUT).rev() {
        match e {
            Ev::Consent {
                channel,
                granted,
                kind: k,
                ..
            } if channel == ch && k.is_none_or(|k| k == kind) => return granted,
            Ev::OptOut { channel, place, .. }
                if channel == ch && place.is_none_or(|p| ctx.ask.place.is_none_or(|a| a == p)) =>
            {
                return false
            }
            _ => {}
        }
    }
    false
}

fn requested_contact<S: Stored>(ctx: &Ctx<'_, S>) -> bool {
    ctx.rec
        .states
        .of(kind::REQUEST_CONTACT)
        .any(|(_, e)| matches!(e, Ev::RequestContact { applies: true, .. }))
}

/// Whether an attempt's result is one of `mask`'s. The one place the
/// engine matches results: counting filters, triggers, "reached" and
/// "conversation" all ask here, so the reading of a `pending` attempt
/// (admitted by a ledger, outcome not reported yet) is decided here: it may
/// still turn out to be any result, so it matches every filter that admits
/// some result — it is counted by caps and triggers cool-downs, and a
/// pending attempt ends a prior-consent window (fewer attempts excluded
/// from caps). "Reached" for the out-of-contact condition takes whichever
/// answer is stricter for the rule asking ([`debtor_unreachable`]).
pub(super) fn result_matches(mask: crate::policy::Mask, r: AttemptResult) -> bool {
    if r == AttemptResult::Pending {
        mask != 0
    } else {
        in_mask(mask, r)
    }
}

/// Whether the attempt reached the person (for the out-of-contact
/// condition); `if_pending` for one whose outcome is not known yet.
fn reached(r: AttemptResult, if_pending: bool) -> bool {
    if r == AttemptResult::Pending {
        return if_pending;
    }
    result_matches(
        crate::policy::bit(AttemptResult::Conversation)
            | crate::policy::bit(AttemptResult::Delivered),
        r,
    )
}

/// Whether the attempt was (or, pending, may become) a conversation: it
/// ends prior-consent windows.
pub(super) fn conversation(r: AttemptResult) -> bool {
    result_matches(crate::policy::bit(AttemptResult::Conversation), r)
}

/// Whether the debtor on the ask's debt is out of contact at `t`: in every
/// candidate zone (the conservative reading, since the condition lifts
/// restrictions). A pending attempt reads as having reached the debtor
/// when `pending_reached`; the answer is monotone in it (reading more
/// attempts as reached can only clear the condition), so a caller that
/// needs the condition false where unknown passes `true`, and one that
/// needs it true passes `false`.
pub(super) fn debtor_unreachable<S: Stored>(
    ctx: &Ctx<'_, S>,
    t: Timestamp,
    pending_reached: bool,
) -> bool {
    // Marked out of contact by the latest `unreachable`, unless the debtor
    // was reached after it.
    let mut mark: Option<usize> = None;
    for (before, e) in ctx.debt.states.of(kind::HOLD | kind::UNREACHABLE) {
        match e {
            Ev::Hold {
                reason: HoldReason::Deceased,
                until,
                ..
            } if until.is_none_or(|u| t < u) => return true,
            Ev::Unreachable => mark = Some(before),
            _ => {}
        }
    }
    if let Some(k) = mark {
        if !ctx
            .debt
            .starting_at(k)
            .any(|a| a.role() == Role::Debtor && reached(a.result(), pending_reached))
        {
            return true;
        }
    }
    let spec = &ctx.policy.unreachable;
    if ctx.zones.is_empty() {
        return false;
    }
    // Attempts older than the condition's look-back (the one the ledger
    // keeps) lie before its dates in every zone.
    let recent = ctx
        .debt
        .after(seconds_before(t, unreachable_lookback(spec)));
    ctx.zones.iter().all(|z| {
        let today = z.day(t);
        let first = today - (i64::from(spec.dates) - 1);
        let mut failed = 0u32;
        for a in recent.clone() {
            if a.role() != Role::Debtor {
                continue;
            }
            let d = z.day(a.at());
            if d < first || d > today {
                continue;
            }
            if reached(a.result(), pending_reached) {
                return false;
            }
            failed += 1;
        }
        failed >= spec.min_failed
    })
}
