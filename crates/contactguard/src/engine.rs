//! Evaluation of compiled rules: `decide`, `explain` and the `retry_at`
//! fixed point.
//!
//! Every rule is evaluated at an instant `t` (the ask's own time, or a later
//! candidate while searching for `retry_at`) against the events at or before
//! the ask's time. A denying rule also reports the earliest instant `>= t` at
//! which it would pass, or `None` when no future instant helps.

use crate::model::{Ask, AttemptResult, Decision, Denial, HoldReason, Place, Role};
use crate::policy::format::{Bounds, CalendarPeriod, DaySel, LocalTime, Scope};
use crate::policy::{Body, Cond, Filter, Inner, Period, Rule, Win};
use crate::{History, Policy};
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

mod local;
pub(crate) mod view;

use local::{next_day_start, start_of_day, Zones};
use view::{Att, Ev, View};

/// Id of the denial given when the ask's time zones cannot be resolved.
pub const ZONE_RULE_ID: &str = "contactguard.zone";
const ZONE_CITE: &str = "regulations.md §1.4: local time at the recipient's location; fail closed";

/// How far ahead `retry_at` is searched.
const RETRY_HORIZON_DAYS: i64 = 400;
const MAX_ITERATIONS: usize = 256;

/// One rule's outcome in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleOutcome {
    /// The rule's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its citation.
    pub cite: String,
    /// `not_applicable` (its `when` does not match), `lifted` (its `unless`
    /// holds), `pass`, `deny` or `oblige`.
    pub outcome: &'static str,
    /// Why it denied, or what it obliges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a denial: the earliest instant at which this rule alone would pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest: Option<Timestamp>,
}

/// Every rule evaluated for an ask, and the decision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The decision, as [`decide`] returns it.
    pub decision: Decision,
    /// Each rule's outcome, in policy order.
    pub rules: Vec<RuleOutcome>,
}

/// Decides whether `ask` may go ahead under `policy` given `history`.
///
/// Never fails: anything the engine cannot evaluate (an unknown time zone, a
/// date outside a holiday calendar) is a denial with a reason.
///
/// # Examples
///
/// ```
/// use contactguard::{decide, Ask, History, Policy};
/// let policy = Policy::preset("us-reg-f").unwrap();
/// let ask: Ask = serde_json::from_str(r#"{"at": "2026-10-14T07:59:00-04:00",
///     "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
///     "timezones": ["America/New_York"], "purpose": "collection"}"#).unwrap();
/// let d = decide(&policy, &ask, &History::new());
/// assert!(!d.allow);
/// assert_eq!(d.retry_at.unwrap().to_string(), "2026-10-14T12:00:00Z");
/// ```
pub fn decide(policy: &Policy, ask: &Ask, history: &History) -> Decision {
    run(policy.inner(), ask, history_view(history, ask), false).decision
}

fn history_view<'a>(history: &'a History, ask: &Ask) -> View<'a> {
    history.view(ask)
}

/// Decides over a prepared view (the ledger's entry point).
pub(crate) fn decide_view(policy: &Inner, ask: &Ask, view: View<'_>) -> Decision {
    run(policy, ask, view, false).decision
}

/// Like [`decide`], and also reports every rule's outcome.
pub fn explain(policy: &Policy, ask: &Ask, history: &History) -> Explanation {
    run(policy.inner(), ask, history_view(history, ask), true)
}

/// What one rule says at one instant.
enum Verdict {
    NotApplicable,
    Lifted,
    Pass,
    Oblige(Vec<String>),
    Deny {
        earliest: Option<Timestamp>,
        message: Option<String>,
    },
    /// The rule needs local time and the ask names no zone.
    NoZone,
}

pub(crate) struct Ctx<'a> {
    policy: &'a Inner,
    ask: &'a Ask,
    zones: Zones,
    /// The recipient's events at or before the ask, in time order.
    rec: Vec<Ev<'a>>,
    /// The debt's events at or before the ask, in time order.
    debt: Vec<Ev<'a>>,
    want_messages: bool,
}

impl Ctx<'_> {
    /// An instant as local time in the first candidate zone, for messages.
    fn local(&self, t: Timestamp) -> String {
        match self.zones.iter().next() {
            Some(z) => t
                .to_zoned_datetime((**z).clone())
                .strftime("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
            None => t.to_string(),
        }
    }
}

fn names<T: Copy + Into<u32> + std::fmt::Display>(all: &[T], mask: u32) -> String {
    let v: Vec<String> = all
        .iter()
        .filter(|x| in_mask(mask, **x))
        .map(|x| x.to_string())
        .collect();
    v.join("/")
}

/// Why a `deny` rule selected this ask: what the ask is, and which
/// exception it did not meet.
fn deny_message(ctx: &Ctx<'_>, rule: &Rule, t: Timestamp) -> String {
    let ask = ctx.ask;
    let purpose = ask
        .purpose
        .map_or("no purpose given".to_owned(), |p| format!("for {p}"));
    let mut s = format!(
        "{}: {} to {} ({}, {purpose}",
        rule.title, ask.channel, ask.to, ask.role
    );
    if let Some(p) = ask.place {
        s.push_str(&format!(", at {p}"));
    }
    s.push(')');
    let Some(u) = &rule.unless else { return s };
    let mut unmet = Vec::new();
    let full = crate::policy::ALL;
    if u.purposes != full && !ask.purpose.is_some_and(|p| in_mask(u.purposes, p)) {
        unmet.push(format!(
            "only {} is allowed",
            names(crate::model::Purpose::ALL, u.purposes)
        ));
    }
    if u.places != full && !ask.place.is_some_and(|p| in_mask(u.places, p)) {
        unmet.push(format!(
            "only at {}",
            names(crate::model::Place::ALL, u.places)
        ));
    }
    if let Some(kind) = &u.consent {
        if !consent_granted(ctx, kind) {
            unmet.push(format!(
                "no granted `{kind}` consent for {} on record",
                ask.channel
            ));
        }
    }
    if u.requested_contact == Some(true) && !requested_contact(ctx) {
        unmet.push(format!("{} has not asked to be contacted again", ask.to));
    }
    if u.debtor_unreachable == Some(true) && !debtor_unreachable(ctx, t, true) {
        unmet.push(format!("the debtor on {} is not out of contact", ask.debt));
    }
    if let Some(r) = &u.dpd {
        if !ask.days_past_due.is_some_and(|d| in_range(r, d)) {
            let dpd = ask
                .days_past_due
                .map_or("not given".to_owned(), |d| d.to_string());
            unmet.push(format!("days past due ({dpd}) meets no exception"));
        }
    }
    if !unmet.is_empty() {
        s.push_str(": ");
        s.push_str(&unmet.join("; "));
    }
    s
}

fn run<'a>(policy: &'a Inner, ask: &'a Ask, view: View<'a>, explain_all: bool) -> Explanation {
    let zones = match Zones::resolve(&ask.timezones, ask.at) {
        Ok(z) => z,
        Err(bad) => {
            let decision = Decision {
                allow: false,
                denials: vec![Denial {
                    id: ZONE_RULE_ID.to_owned(),
                    cite: ZONE_CITE.to_owned(),
                    message: format!(
                        "unknown time zone `{bad}`: local time cannot be evaluated (fail closed)"
                    ),
                }],
                retry_at: None,
                obligations: Vec::new(),
            };
            return Explanation {
                decision,
                rules: Vec::new(),
            };
        }
    };
    let at = ask.at;
    let ctx = Ctx {
        policy,
        ask,
        zones,
        rec: view.rec,
        debt: view.debt,
        want_messages: true,
    };

    let mut denials = Vec::new();
    let mut obligations: Vec<String> = Vec::new();
    let mut outcomes = Vec::new();
    let mut next: Option<Timestamp> = Some(at);
    for rule in &policy.rules {
        let verdict = evaluate(&ctx, rule, at);
        let (outcome, message, earliest) = match verdict {
            Verdict::NoZone => {
                next = None;
                if !denials.iter().any(|d: &Denial| d.id == ZONE_RULE_ID) {
                    denials.push(Denial {
                        id: ZONE_RULE_ID.to_owned(),
                        cite: ZONE_CITE.to_owned(),
                        message: format!(
                            "the ask has no `timezones` and rule `{}` needs the local time (fail closed)",
                            rule.id
                        ),
                    });
                }
                (
                    "deny",
                    Some("no time zone: local time unknown".to_owned()),
                    None,
                )
            }
            Verdict::NotApplicable => ("not_applicable", None, None),
            Verdict::Lifted => ("lifted", None, None),
            Verdict::Pass => ("pass", None, None),
            Verdict::Oblige(obs) => {
                let msg = obs.join(", ");
                for o in obs {
                    if !obligations.contains(&o) {
                        obligations.push(o);
                    }
                }
                ("oblige", Some(msg), None)
            }
            Verdict::Deny { earliest, message } => {
                let message = message.unwrap_or_else(|| rule.title.clone());
                next = match (next, earliest) {
                    (Some(n), Some(e)) => Some(n.max(e)),
                    _ => None,
                };
                denials.push(Denial {
                    id: rule.id.clone(),
                    cite: rule.cite.clone(),
                    message: rule.message.clone().unwrap_or_else(|| message.clone()),
                });
                ("deny", Some(message), earliest)
            }
        };
        if explain_all {
            outcomes.push(RuleOutcome {
                id: rule.id.clone(),
                title: rule.title.clone(),
                cite: rule.cite.clone(),
                outcome,
                message,
                earliest,
            });
        }
    }
    let allow = denials.is_empty();
    let retry_at = if allow {
        None
    } else {
        let ctx = Ctx {
            want_messages: false,
            ..ctx
        };
        next.and_then(|n| retry(&ctx, n))
    };
    Explanation {
        decision: Decision {
            allow,
            denials,
            retry_at,
            obligations,
        },
        rules: outcomes,
    }
}

/// The fixed point: from `t`, move to the latest earliest-passing instant of
/// the rules that deny, until every rule passes.
fn retry(ctx: &Ctx<'_>, mut t: Timestamp) -> Option<Timestamp> {
    let limit = ctx
        .ask
        .at
        .checked_add(SignedDuration::from_hours(24 * RETRY_HORIZON_DAYS))
        .ok()?;
    for _ in 0..MAX_ITERATIONS {
        if t > limit {
            return None;
        }
        let mut next = t;
        let mut denied = false;
        for rule in &ctx.policy.rules {
            match evaluate(ctx, rule, t) {
                Verdict::Deny { earliest, .. } => {
                    denied = true;
                    next = next.max(earliest?);
                }
                Verdict::NoZone => return None,
                _ => {}
            }
        }
        if !denied {
            return Some(t);
        }
        if next <= t {
            // A rule denied without offering a later instant: no progress.
            return None;
        }
        t = next;
    }
    None
}

fn evaluate(ctx: &Ctx<'_>, rule: &Rule, t: Timestamp) -> Verdict {
    if !cond_when(ctx, &rule.when, t) {
        return Verdict::NotApplicable;
    }
    if let Some(u) = &rule.unless {
        if cond_unless(ctx, u, t) {
            return Verdict::Lifted;
        }
    }
    let verdict = match &rule.body {
        Body::Deny => deny(ctx, None, || deny_message(ctx, rule, t)),
        Body::Oblige(obs) => return Verdict::Oblige(obs.clone()),
        Body::OptOut { any_channel } => opt_out(ctx, *any_channel),
        Body::Cease { scope } => cease(ctx, *scope),
        Body::Attorney { scope } => attorney(ctx, *scope),
        Body::Hold { reasons } => hold(ctx, reasons, t),
        Body::Inconvenient { places } => inconvenient(ctx, places.as_deref(), t),
        Body::Window { calendar, windows } => window(ctx, calendar.as_ref(), windows, t),
        Body::Cap {
            limit,
            scope,
            period,
            filter,
            exclude_prior_consent,
        } => cap(
            ctx,
            *limit,
            *scope,
            *period,
            filter,
            *exclude_prior_consent,
            t,
        ),
        Body::Cooldown {
            scope,
            period,
            filter,
            exclude_prior_consent,
        } => cooldown(ctx, *scope, *period, filter, *exclude_prior_consent, t),
    };
    // A rule whose conditions change with time (the out-of-contact
    // condition) may pass at a later local midnight even when its body
    // offers no earlier instant.
    match verdict {
        Verdict::Deny {
            earliest: None,
            message,
        } if depends_on_time(rule) => Verdict::Deny {
            earliest: condition_change(ctx, rule, t),
            message,
        },
        v => v,
    }
}

fn depends_on_time(rule: &Rule) -> bool {
    rule.when.debtor_unreachable.is_some()
        || rule
            .unless
            .as_ref()
            .is_some_and(|u| u.debtor_unreachable.is_some())
}

/// The first local midnight (in any zone) within the out-of-contact look-back
/// at which the rule's conditions no longer select a denial.
fn condition_change(ctx: &Ctx<'_>, rule: &Rule, t: Timestamp) -> Option<Timestamp> {
    let days = ctx.policy.unreachable.dates + 1;
    let mut candidates: Vec<Timestamp> = Vec::new();
    for z in ctx.zones.iter() {
        let mut c = t;
        for _ in 0..days {
            c = next_day_start(z, c)?;
            candidates.push(c);
        }
    }
    candidates.sort();
    candidates.into_iter().find(|&c| {
        !cond_when(ctx, &rule.when, c)
            || rule.unless.as_ref().is_some_and(|u| cond_unless(ctx, u, c))
    })
}

// ---------------------------------------------------------------------------
// Conditions

fn in_mask<T: Copy + Into<u32>>(mask: u32, v: T) -> bool {
    mask & crate::policy::bit(v) != 0
}

/// `when`: an absent ask field satisfies the condition (the rule applies).
fn cond_when(ctx: &Ctx<'_>, c: &Cond, t: Timestamp) -> bool {
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
        // The rule applies when some outcome of a pending attempt makes
        // the condition hold.
        && c.debtor_unreachable
            .is_none_or(|want| debtor_unreachable(ctx, t, !want) == want)
}

/// `unless`: an absent ask field does not satisfy the condition (the
/// exception is not met).
fn cond_unless(ctx: &Ctx<'_>, c: &Cond, t: Timestamp) -> bool {
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
        // The exception is met only when every outcome of a pending
        // attempt meets it.
        && c.debtor_unreachable
            .is_none_or(|want| debtor_unreachable(ctx, t, want) == want)
}

fn in_range(r: &crate::policy::format::RangeSpec, d: i64) -> bool {
    r.gt.is_none_or(|g| d > g)
        && r.gte.is_none_or(|g| d >= g)
        && r.lt.is_none_or(|l| d < l)
        && r.lte.is_none_or(|l| d <= l)
}

/// The recipient's latest consent of `kind` (or without a kind) for the
/// ask's channel is granted. An opt-out on the channel counts as a
/// withdrawal.
fn consent_granted(ctx: &Ctx<'_>, kind: &str) -> bool {
    let ch = ctx.ask.channel;
    for e in ctx.rec.iter().rev() {
        match *e {
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

fn requested_contact(ctx: &Ctx<'_>) -> bool {
    ctx.rec
        .iter()
        .any(|e| matches!(e, Ev::RequestContact { applies: true, .. }))
}

/// Whether an attempt's result is one of `mask`'s. A `pending` attempt
/// (admitted by a ledger, outcome not reported yet) may still turn out to
/// be any result, so it answers `if_pending`: the caller passes whichever
/// answer is stricter for the rule asking. This is the only place the
/// engine reads a result, so the pending reading is decided here:
///
/// - result filters of caps and cool-downs: a pending attempt matches any
///   filter that admits some result (counted, and a trigger);
/// - "a conversation ends a prior-consent window": it ends it (fewer
///   attempts excluded from caps);
/// - "the debtor was reached" for the out-of-contact condition: reached or
///   not, whichever keeps the condition's rule applying or its exception
///   unmet (see [`debtor_unreachable`]).
fn result_in(r: AttemptResult, mask: u32, if_pending: bool) -> bool {
    if r == AttemptResult::Pending {
        if_pending
    } else {
        in_mask(mask, r)
    }
}

/// Whether the attempt reached the person; `if_pending` for one whose
/// outcome is not known yet.
fn reached(r: AttemptResult, if_pending: bool) -> bool {
    use crate::policy::bit;
    let mask = bit(AttemptResult::Conversation) | bit(AttemptResult::Delivered);
    result_in(r, mask, if_pending)
}

/// Whether the debtor on the ask's debt is out of contact at `t`: in every
/// candidate zone (the conservative reading, since the condition lifts
/// restrictions). A pending attempt reads as having reached the debtor
/// when `pending_reached`; the answer is monotone in it (reading more
/// attempts as reached can only clear the condition), so a caller that
/// needs the condition false where unknown passes `true`, and one that
/// needs it true passes `false`.
fn debtor_unreachable(ctx: &Ctx<'_>, t: Timestamp, pending_reached: bool) -> bool {
    let mut marked = false;
    for e in &ctx.debt {
        match *e {
            Ev::Hold {
                reason: HoldReason::Deceased,
                until,
                ..
            } if until.is_none_or(|u| t < u) => return true,
            Ev::Unreachable => marked = true,
            Ev::Attempt(a) if a.role == Role::Debtor && reached(a.result, pending_reached) => {
                marked = false
            }
            _ => {}
        }
    }
    if marked {
        return true;
    }
    let spec = &ctx.policy.unreachable;
    if ctx.zones.is_empty() {
        return false;
    }
    ctx.zones.iter().all(|z| {
        let today = z.day(t);
        let first = today - (i64::from(spec.dates) - 1);
        let mut failed = 0u32;
        for e in &ctx.debt {
            if let Ev::Attempt(a) = e {
                if a.role != Role::Debtor {
                    continue;
                }
                let d = z.day(a.at);
                if d < first || d > today {
                    continue;
                }
                if reached(a.result, pending_reached) {
                    return false;
                }
                failed += 1;
            }
        }
        failed >= spec.min_failed
    })
}

// ---------------------------------------------------------------------------
// Consent and objections

fn deny(ctx: &Ctx<'_>, earliest: Option<Timestamp>, message: impl FnOnce() -> String) -> Verdict {
    Verdict::Deny {
        earliest,
        message: ctx.want_messages.then(message),
    }
}

fn opt_out(ctx: &Ctx<'_>, any_channel: bool) -> Verdict {
    let ask = ctx.ask;
    // The latest matching opt-out, ties broken by content (the ask's own
    // channel first), so that the order of same-instant events never
    // changes the message.
    let found = ctx
        .rec
        .iter()
        .filter_map(|e| match *e {
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
        Some((at, channel, place)) => deny(ctx, None, || {
            let place = place.map(|p| format!(" at {p}")).unwrap_or_default();
            format!(
                "{} asked on {} not to be contacted by {channel}{place}",
                ask.to,
                ctx.local(at)
            )
        }),
    }
}

fn cease(ctx: &Ctx<'_>, scope: Scope) -> Verdict {
    let ask = ctx.ask;
    // The earliest matching cease, one about the ask's debt first.
    let found = ctx
        .rec
        .iter()
        .filter_map(|e| match *e {
            Ev::Cease { at, same_debt } if scope == Scope::Recipient || same_debt => {
                Some((at, same_debt))
            }
            _ => None,
        })
        .min_by_key(|&(at, same_debt)| (!same_debt, at));
    match found {
        None => Verdict::Pass,
        Some((at, same_debt)) => deny(ctx, None, || {
            let what = if same_debt {
                format!("about {}", ask.debt)
            } else {
                "about another debt".to_owned()
            };
            format!(
                "{} asked on {} that contact {what} cease",
                ask.to,
                ctx.local(at)
            )
        }),
    }
}

fn attorney(ctx: &Ctx<'_>, scope: Scope) -> Verdict {
    let ask = ctx.ask;
    let events: &[Ev<'_>] = if scope == Scope::Debt {
        &ctx.debt
    } else {
        &ctx.rec
    };
    // The earliest notice, one for the ask's recipient first.
    let found = events
        .iter()
        .filter_map(|e| match *e {
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
        Some((at, same_to)) => deny(ctx, None, || {
            let who = if same_to {
                ask.to.as_str()
            } else {
                "the consumer"
            };
            format!(
                "{who} is represented by an attorney on {} (notice of {}): contact the attorney",
                ask.debt,
                ctx.local(at)
            )
        }),
    }
}

fn hold(ctx: &Ctx<'_>, reasons: &[HoldReason], t: Timestamp) -> Verdict {
    let active = |at: Timestamp| {
        ctx.debt.iter().filter_map(move |e| match *e {
            Ev::Hold {
                at: start,
                reason,
                until,
            } if reasons.contains(&reason) && until.is_none_or(|u| at < u) => {
                Some((start, reason, until))
            }
            _ => None,
        })
    };
    // The earliest active hold, ties broken by content so that the order of
    // same-instant events never changes the message.
    let Some(first) =
        active(t).min_by_key(|&(start, reason, until)| (start, reason, until.is_none(), until))
    else {
        return Verdict::Pass;
    };
    // The first instant no listed hold is active.
    let mut c = t;
    let mut earliest = None;
    for _ in 0..64 {
        let mut any = false;
        let mut open = false;
        for (_, _, until) in active(c) {
            any = true;
            match until {
                Some(u) => c = c.max(u),
                None => open = true,
            }
        }
        if open {
            break;
        }
        if !any {
            earliest = Some(c);
            break;
        }
    }
    let (start, reason, until) = first;
    deny(ctx, earliest, || match until {
        Some(u) => format!(
            "collection on {} is held ({reason}) from {} until {}",
            ctx.ask.debt,
            ctx.local(start),
            ctx.local(u)
        ),
        None => format!(
            "collection on {} is held ({reason}) since {}, open-ended",
            ctx.ask.debt,
            ctx.local(start)
        ),
    })
}

// ---------------------------------------------------------------------------
// Recipient-stated inconvenient times

fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    Some(match s.get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A statement, parsed. Unparseable spans or weekdays make the statement
/// cover the whole day (fail closed).
struct Stated {
    span: Option<(u32, u32)>,
    weekdays: Vec<Weekday>,
    until: Option<Timestamp>,
    at: Timestamp,
}

impl Stated {
    fn parse(i: &crate::model::Inconvenient) -> Stated {
        let span = match (&i.start, &i.end) {
            (None, None) => None,
            (s, e) => {
                let s = s
                    .as_deref()
                    .map_or(Ok(LocalTime { seconds: 0 }), LocalTime::parse);
                let e = e
                    .as_deref()
                    .map_or(Ok(LocalTime { seconds: 86_400 }), LocalTime::parse);
                match (s, e) {
                    (Ok(s), Ok(e)) => Some((s.seconds, e.seconds)),
                    _ => Some((0, 86_400)),
                }
            }
        };
        let mut weekdays = Vec::new();
        for w in &i.weekdays {
            match parse_weekday(w) {
                Some(d) => weekdays.push(d),
                None => {
                    weekdays.clear();
                    break;
                }
            }
        }
        Stated {
            span,
            weekdays,
            until: i.until,
            at: i.at,
        }
    }

    /// Whether the local date-time falls inside the statement.
    fn covers(&self, dt: DateTime) -> bool {
        let secs = local::secs_of_day(dt);
        let day_ok = |d: Date| self.weekdays.is_empty() || self.weekdays.contains(&d.weekday());
        match self.span {
            None => day_ok(dt.date()),
            Some((s, e)) if s < e => {
                day_ok(dt.date())
                    && secs >= u64::from(s) * 1_000_000_000
                    && secs < u64::from(e) * 1_000_000_000
            }
            Some((s, e)) => {
                // Wraps past midnight: the evening part belongs to the stated
                // day, the morning part to the day before.
                let evening = secs >= u64::from(s) * 1_000_000_000;
                let morning = secs < u64::from(e) * 1_000_000_000;
                (evening && day_ok(dt.date()))
                    || (morning && dt.date().yesterday().is_ok_and(day_ok))
            }
        }
    }

    /// Whether the statement can ever stop covering a moment.
    fn is_permanent(&self) -> bool {
        self.until.is_none() && self.span.is_none() && self.weekdays.is_empty()
    }
}

/// The first boundary after `c` (a span end or a local midnight, over the
/// next week) at which the statement no longer covers local time in `z`.
fn exit_of(z: &TimeZone, c: Timestamp, s: &Stated) -> Option<Timestamp> {
    let d0 = local::date(z, c);
    for i in 0..9 {
        let d = d0.checked_add(i64::from(i).days()).ok()?;
        let mut candidates = Vec::with_capacity(2);
        if let Some((_, e)) = s.span {
            candidates.extend(local::instant_at(z, d, e));
        }
        candidates.extend(d.tomorrow().ok().and_then(|n| start_of_day(z, n)));
        candidates.sort();
        if let Some(x) = candidates
            .into_iter()
            .find(|&x| x > c && !s.covers(local::datetime(z, x)))
        {
            return Some(x);
        }
    }
    None
}

fn inconvenient(ctx: &Ctx<'_>, places: Option<&[Place]>, t: Timestamp) -> Verdict {
    let ask = ctx.ask;
    let stated: Vec<(Stated, Option<Place>)> = ctx
        .rec
        .iter()
        .filter_map(|e| match e {
            Ev::Inconvenient(i) => Some(*i),
            _ => None,
        })
        .filter(|i| i.channel.is_none_or(|c| c == ask.channel))
        .filter(|i| match (places, i.place) {
            (None, p) => p.is_none(),
            (Some(_), None) => false,
            (Some(list), Some(p)) => list.contains(&p) && ask.place.is_none_or(|a| a == p),
        })
        .map(|i| (Stated::parse(i), i.place))
        .collect();
    if stated.is_empty() {
        return Verdict::Pass;
    }
    let covering = |c: Timestamp| -> Option<usize> {
        stated.iter().position(|(s, _)| {
            s.at <= c
                && s.until.is_none_or(|u| c < u)
                && (s.span.is_none() && s.weekdays.is_empty()
                    || ctx.zones.iter().any(|z| s.covers(local::datetime(z, c))))
        })
    };
    // Statements without a zone to read them in cannot be evaluated.
    let needs_zone = stated
        .iter()
        .any(|(s, _)| s.span.is_some() || !s.weekdays.is_empty());
    if needs_zone && ctx.zones.is_empty() {
        return no_zone(ctx);
    }
    let Some(first) = covering(t) else {
        return Verdict::Pass;
    };
    // Step forward minute by minute boundaries: the next instant no
    // statement covers. Spans end on whole seconds of local time, and
    // weekday-only statements at local midnight.
    let mut c = t;
    let mut earliest = None;
    for _ in 0..4096 {
        let Some(i) = covering(c) else {
            earliest = Some(c);
            break;
        };
        let Some((s, _)) = stated.get(i) else { break };
        if s.is_permanent() {
            break;
        }
        let mut exit = s.until;
        for z in ctx.zones.iter() {
            if let Some(x) = exit_of(z, c, s) {
                exit = Some(exit.map_or(x, |e: Timestamp| e.min(x)));
            }
        }
        match exit {
            Some(x) if x > c => c = x,
            _ => break,
        }
    }
    let (s, place) = match stated.get(first) {
        Some(x) => x,
        None => return Verdict::Pass,
    };
    deny(ctx, earliest, || {
        let mut what = Vec::new();
        if let Some(p) = place {
            what.push(format!("the {p} place"));
        }
        if let Some((a, b)) = s.span {
            what.push(format!(
                "{}-{}",
                LocalTime { seconds: a },
                LocalTime { seconds: b }
            ));
        }
        if !s.weekdays.is_empty() {
            let days: Vec<String> = s.weekdays.iter().map(|d| format!("{d:?}")).collect();
            what.push(days.join("/"));
        }
        format!(
            "{} said on {} that {} is inconvenient",
            ask.to,
            ctx.local(s.at),
            if what.is_empty() {
                "contact".to_owned()
            } else {
                what.join(" on ")
            }
        )
    })
}

fn no_zone(_ctx: &Ctx<'_>) -> Verdict {
    Verdict::NoZone
}

// ---------------------------------------------------------------------------
// Windows

fn day_matches(sel: DaySel, date: Date, cal: Option<&crate::policy::Calendar>) -> bool {
    let wd = date.weekday();
    let holiday = cal.is_some_and(|c| c.is_holiday(date));
    let makeup = cal.is_some_and(|c| c.is_makeup_workday(date));
    let weekend_day = matches!(wd, Weekday::Saturday | Weekday::Sunday);
    match sel {
        DaySel::Mon => wd == Weekday::Monday,
        DaySel::Tue => wd == Weekday::Tuesday,
        DaySel::Wed => wd == Weekday::Wednesday,
        DaySel::Thu => wd == Weekday::Thursday,
        DaySel::Fri => wd == Weekday::Friday,
        DaySel::Sat => wd == Weekday::Saturday,
        DaySel::Sun => wd == Weekday::Sunday,
        DaySel::Weekday => !weekend_day,
        DaySel::Weekend => weekend_day && !holiday && !makeup,
        DaySel::Workday => !holiday && (!weekend_day || makeup),
        DaySel::Holiday => holiday,
        DaySel::Any => true,
    }
}

fn governing<'w>(
    windows: &'w [Win],
    date: Date,
    cal: Option<&crate::policy::Calendar>,
) -> Option<&'w Win> {
    windows
        .iter()
        .find(|w| w.days.iter().any(|d| day_matches(*d, date, cal)))
}

const NS: u64 = 1_000_000_000;

fn span_contains(span: (u32, u32, Bounds), ns: u64) -> bool {
    let (s, e, b) = span;
    let (s, e) = (u64::from(s) * NS, u64::from(e) * NS);
    match b {
        Bounds::Closed => s <= ns && ns <= e,
        Bounds::HalfOpen => s <= ns && ns < e,
        Bounds::Open => s < ns && ns < e,
    }
}

enum WinCheck {
    Permitted,
    Outside,
    NoCoverage(i16),
}

fn window_at(
    z: &TimeZone,
    cal: Option<&(String, std::sync::Arc<crate::policy::Calendar>)>,
    windows: &[Win],
    t: Timestamp,
) -> WinCheck {
    let dt = local::datetime(z, t);
    let date = dt.date();
    let cal = cal.map(|(_, c)| &**c);
    if let Some(c) = cal {
        if !c.covers_year(date.year()) {
            return WinCheck::NoCoverage(date.year());
        }
    }
    match governing(windows, date, cal).and_then(|w| w.span) {
        Some(span) if span_contains(span, local::secs_of_day(dt)) => WinCheck::Permitted,
        _ => WinCheck::Outside,
    }
}

/// The first instant `>= t` at which the window permits contact in zone `z`.
fn next_permitted(
    z: &TimeZone,
    cal: Option<&(String, std::sync::Arc<crate::policy::Calendar>)>,
    windows: &[Win],
    t: Timestamp,
) -> Option<Timestamp> {
    let mut c = t;
    for _ in 0..(RETRY_HORIZON_DAYS + 2) {
        match window_at(z, cal, windows, c) {
            WinCheck::Permitted => return Some(c),
            WinCheck::NoCoverage(year) => {
                // Before the calendar's data starts, skip to the first
                // covered year; after it ends, nothing can be classified.
                let next_year = cal.and_then(|(_, k)| k.next_covered_year(year))?;
                let jan1 = Date::new(next_year, 1, 1).ok()?;
                c = start_of_day(z, jan1)?.max(c);
                continue;
            }
            WinCheck::Outside => {}
        }
        let dt = local::datetime(z, c);
        let date = dt.date();
        let calendar = cal.map(|(_, k)| &**k);
        let now_ns = local::secs_of_day(dt);
        // Try today's window start if it is still ahead.
        if let Some((s, _, b)) = governing(windows, date, calendar).and_then(|w| w.span) {
            let start_ns = u64::from(s) * NS;
            if now_ns < start_ns || (b == Bounds::Open && now_ns == start_ns) {
                if let Some(ts) = local::instant_at(z, date, s) {
                    let candidate = if b == Bounds::Open {
                        ts.checked_add(SignedDuration::from_nanos(1)).ok()?
                    } else {
                        ts
                    };
                    if candidate > c {
                        c = candidate;
                        continue;
                    }
                }
            }
        }
        c = next_day_start(z, c)?;
    }
    None
}

fn window(
    ctx: &Ctx<'_>,
    cal: Option<&(String, std::sync::Arc<crate::policy::Calendar>)>,
    windows: &[Win],
    t: Timestamp,
) -> Verdict {
    if ctx.zones.is_empty() {
        return no_zone(ctx);
    }
    let mut failing = None;
    let mut uncovered = None;
    for z in ctx.zones.iter() {
        match window_at(z, cal, windows, t) {
            WinCheck::Permitted => {}
            WinCheck::NoCoverage(year) => {
                uncovered.get_or_insert((z, year));
            }
            WinCheck::Outside => {
                failing.get_or_insert(z);
            }
        }
    }
    let Some(z) = uncovered.map(|(z, _)| z).or(failing) else {
        return Verdict::Pass;
    };
    // Earliest instant permitted in every zone at once.
    let mut c = t;
    let mut earliest = None;
    'search: for _ in 0..(2 * RETRY_HORIZON_DAYS) {
        let mut moved = false;
        for zone in ctx.zones.iter() {
            match next_permitted(zone, cal, windows, c) {
                None => break 'search,
                Some(n) if n > c => {
                    c = n;
                    moved = true;
                }
                Some(_) => {}
            }
        }
        if !moved {
            earliest = Some(c);
            break;
        }
    }
    if let Some((z, year)) = uncovered {
        return deny(ctx, earliest, || {
            let name = cal.map_or("?", |(n, _)| n.as_str());
            format!(
                "holiday calendar `{name}` has no data for {year}: the local date in {} cannot be classified (fail closed)",
                local::zone_name(z)
            )
        });
    }
    deny(ctx, earliest, || {
        let dt = local::datetime(z, t);
        let calendar = cal.map(|(_, k)| &**k);
        let allowed = match governing(windows, dt.date(), calendar).and_then(|w| w.span) {
            Some((s, e, b)) => format!(
                "the permitted window {}{}–{}{}",
                if b == Bounds::Open { "(" } else { "[" },
                LocalTime { seconds: s },
                LocalTime { seconds: e },
                if b == Bounds::Closed { "]" } else { ")" }
            ),
            None => "the permitted days (no contact that day)".to_owned(),
        };
        format!(
            "local time {} {:?} {} in {} is outside {allowed}",
            dt.time().strftime("%H:%M:%S"),
            dt.date().weekday(),
            dt.date(),
            local::zone_name(z),
        )
    })
}

// ---------------------------------------------------------------------------
// Caps and cool-downs

fn scoped<'a>(ctx: &'a Ctx<'a>, scope: Scope) -> impl Iterator<Item = Att> + 'a {
    let events: &[Ev<'_>] = if scope == Scope::Debt {
        &ctx.debt
    } else {
        &ctx.rec
    };
    events.iter().filter_map(move |e| match e {
        Ev::Attempt(a) if scope != Scope::RecipientDebt || a.same_debt => Some(*a),
        _ => None,
    })
}

fn filter_matches(f: &Filter, ask: &Ask, a: &Att) -> bool {
    in_mask(f.channels, a.channel)
        && result_in(a.result, f.results, f.results != 0)
        && in_mask(f.roles, a.role)
        && a.place.is_none_or(|p| in_mask(f.places, p))
        && (!f.same_channel || a.channel == ask.channel)
}

/// Live Reg F prior-consent windows for the recipient and debt, as
/// `[start, end)` instants.
fn consent_windows(ctx: &Ctx<'_>) -> Vec<(Timestamp, Timestamp)> {
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::new();
    for e in &ctx.rec {
        let Ev::PriorConsent {
            at: p_at,
            same_debt,
            until: p_until,
            granted,
        } = *e
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
        if let Some(conv) = ctx.rec.iter().find_map(|e| match e {
            Ev::Attempt(a)
                if a.same_debt
                    && result_in(
                        a.result,
                        crate::policy::bit(AttemptResult::Conversation),
                        true,
                    )
                    && a.at > p_at =>
            {
                Some(a.at)
            }
            _ => None,
        }) {
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

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn describe_scope(ctx: &Ctx<'_>, scope: Scope) -> String {
    match scope {
        Scope::Recipient => format!("to {}", ctx.ask.to),
        Scope::RecipientDebt => format!("to {} about {}", ctx.ask.to, ctx.ask.debt),
        Scope::Debt => format!("about {} (anyone)", ctx.ask.debt),
    }
}

#[allow(clippy::too_many_arguments)]
fn cap(
    ctx: &Ctx<'_>,
    limit: u32,
    scope: Scope,
    period: Period,
    filter: &Filter,
    exclude_prior_consent: bool,
    t: Timestamp,
) -> Verdict {
    let consent = if exclude_prior_consent {
        consent_windows(ctx)
    } else {
        Vec::new()
    };
    if exclude_prior_consent && in_windows(&consent, t) {
        return Verdict::Pass;
    }
    let counts = |a: &Att| filter_matches(filter, ctx.ask, a) && !in_windows(&consent, a.at);
    let counted = || scoped(ctx, scope).filter(counts);
    let limit_n = limit as usize;
    // Most asks stay under the cap: count without allocating first.
    let total = counted().count();
    if total < limit_n {
        return Verdict::Pass;
    }
    let what = if ctx.want_messages {
        describe_scope(ctx, scope)
    } else {
        String::new()
    };
    match period {
        Period::Lifetime => deny(ctx, None, || {
            format!(
                "{} {what} already (lifetime limit {limit})",
                plural(total, "counted attempt")
            )
        }),
        Period::Rolling(secs) => {
            let d = SignedDuration::from_secs(secs);
            let Some(from) = t.checked_sub(d).ok() else {
                return Verdict::Pass;
            };
            let n = counted().filter(|a| a.at > from).count();
            if n < limit_n {
                return Verdict::Pass;
            }
            // Events are in time order: the (n - limit + 1)-th oldest in the
            // window leaving it brings the count under the limit.
            let earliest = counted()
                .map(|a| a.at)
                .filter(|&at| at > from)
                .nth(n - limit_n)
                .and_then(|at| at.checked_add(d).ok());
            deny(ctx, earliest, || {
                format!(
                    "{} {what} in the {} before {} (limit {limit})",
                    plural(n, "counted attempt"),
                    crate::policy::format::Duration { seconds: secs },
                    ctx.local(t)
                )
            })
        }
        Period::Dates(_) | Period::Calendar(_) => {
            if ctx.zones.is_empty() {
                // Without a zone the period cannot be placed; deny only if
                // it could be reached in some zone (local offsets lie within
                // a day of UTC), so that attempts too old for any period
                // never matter.
                let from = t
                    .checked_sub(SignedDuration::from_hours(24 * (widest_days(period) + 2)))
                    .ok();
                let recent = counted().filter(|a| from.is_none_or(|f| a.at > f)).count();
                return if recent < limit_n {
                    Verdict::Pass
                } else {
                    no_zone(ctx)
                };
            }
            let mut worst: Option<(usize, &local::Clock, i64, i64)> = None;
            let mut earliest: Option<Timestamp> = Some(t);
            for z in ctx.zones.iter() {
                let today = z.day(t);
                let Some(first) = period_start(period, today) else {
                    continue;
                };
                let in_period = |a: &Att| (first..=today).contains(&z.day(a.at));
                let n = counted().filter(in_period).count();
                if n < limit_n {
                    continue;
                }
                // The instant the (n - limit + 1)-th oldest counted date
                // leaves the period.
                let leave_day = match period {
                    Period::Dates(days) => {
                        let mut dates: Vec<i64> =
                            counted().filter(in_period).map(|a| z.day(a.at)).collect();
                        dates.sort_unstable();
                        dates.get(n - limit_n).map(|d| d + i64::from(days))
                    }
                    _ => period_end(period, today),
                };
                let leave = leave_day
                    .and_then(local::date_of)
                    .and_then(|d| start_of_day(z, d));
                earliest = match (earliest, leave) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                if worst.is_none_or(|w| n > w.0) {
                    worst = Some((n, z, first, today));
                }
            }
            let Some((n, z, first, today)) = worst else {
                return Verdict::Pass;
            };
            deny(ctx, earliest, || {
                let show =
                    |d: i64| local::date_of(d).map_or_else(|| d.to_string(), |d| d.to_string());
                let (first, today) = (show(first), show(today));
                let span = match period {
                    Period::Dates(days) => format!("on the {days} local dates {first}..{today}"),
                    Period::Calendar(CalendarPeriod::Day) => format!("on the local day {today}"),
                    Period::Calendar(CalendarPeriod::Week) => {
                        format!("in the local week {first}..{today}")
                    }
                    _ => format!("in the local month of {today}"),
                };
                format!(
                    "{} {what} {span} in {} (limit {limit})",
                    plural(n, "counted attempt"),
                    local::zone_name(z)
                )
            })
        }
    }
}

/// The most local dates a day-based period can span.
fn widest_days(period: Period) -> i64 {
    match period {
        Period::Dates(n) => i64::from(n),
        Period::Calendar(CalendarPeriod::Day) => 1,
        Period::Calendar(CalendarPeriod::Week) => 7,
        Period::Calendar(CalendarPeriod::Month) => 31,
        Period::Rolling(_) | Period::Lifetime => 0,
    }
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

fn cooldown(
    ctx: &Ctx<'_>,
    scope: Scope,
    period: Period,
    filter: &Filter,
    exclude_prior_consent: bool,
    t: Timestamp,
) -> Verdict {
    if exclude_prior_consent && in_windows(&consent_windows(ctx), t) {
        return Verdict::Pass;
    }
    let triggers = || scoped(ctx, scope).filter(|a| filter_matches(filter, ctx.ask, a));
    let Some(last) = triggers().last() else {
        return Verdict::Pass;
    };
    let what = if ctx.want_messages {
        describe_scope(ctx, scope)
    } else {
        String::new()
    };
    match period {
        Period::Rolling(secs) => {
            let d = SignedDuration::from_secs(secs);
            let Some(end) = last.at.checked_add(d).ok() else {
                return deny(ctx, None, || "cool-down end overflows".to_owned());
            };
            if t >= end {
                return Verdict::Pass;
            }
            deny(ctx, Some(end), || {
                format!(
                    "a {} {} attempt {what} at {} starts a {} pause, until {}",
                    last.result,
                    last.channel,
                    ctx.local(last.at),
                    crate::policy::format::Duration { seconds: secs },
                    ctx.local(end)
                )
            })
        }
        Period::Dates(n) => {
            if ctx.zones.is_empty() {
                // As for caps: only a trigger recent enough for some zone.
                let from = t
                    .checked_sub(SignedDuration::from_hours(24 * (i64::from(n) + 2)))
                    .ok();
                return if triggers().any(|a| from.is_none_or(|f| a.at > f)) {
                    no_zone(ctx)
                } else {
                    Verdict::Pass
                };
            }
            let mut earliest: Option<Timestamp> = Some(t);
            let mut hit: Option<(&local::Clock, i64, i64)> = None;
            for z in ctx.zones.iter() {
                let today = z.day(t);
                // The latest trigger date in this zone.
                let Some(c) = triggers().map(|a| z.day(a.at)).max() else {
                    continue;
                };
                let end = c + i64::from(n);
                if today >= end {
                    continue;
                }
                let leave = local::date_of(end).and_then(|d| start_of_day(z, d));
                earliest = match (earliest, leave) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                hit.get_or_insert((z, c, today));
            }
            let Some((z, c, today)) = hit else {
                return Verdict::Pass;
            };
            deny(ctx, earliest, || {
                let day = today - c + 1;
                let show =
                    |d: i64| local::date_of(d).map_or_else(|| d.to_string(), |d| d.to_string());
                format!(
                    "a {} {} attempt {what} on {} starts {n} local dates without contact; {} is day {day} in {}",
                    last.result,
                    last.channel,
                    show(c),
                    show(today),
                    local::zone_name(z)
                )
            })
        }
        Period::Calendar(_) | Period::Lifetime => Verdict::Pass,
    }
}
