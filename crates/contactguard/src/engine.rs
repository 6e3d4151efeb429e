//! Evaluation of compiled rules: `decide`, `explain` and the `retry_at`
//! fixed point.
//!
//! Every rule is evaluated at an instant `t` (the ask's own time, or a later
//! candidate while searching for `retry_at`) against the events at or before
//! the ask's time. A denying rule also reports the earliest instant `>= t` at
//! which it would pass, or `None` when no future instant helps.

use crate::model::{Ask, Channel, Decision, Denial, Message, Role};
use crate::policy::{Body, Inner, Rule};
use crate::{History, Policy};
use jiff::Timestamp;

mod cause;
mod conditions;
mod inconvenient;
mod limits;
pub(crate) mod local;
mod objections;
pub(crate) mod states;
pub(crate) mod view;
mod window;

use conditions::{
    cond_unless, cond_when, deny_cause, fixed_unless, fixed_when, in_range, unless_at, when_at,
};
use inconvenient::inconvenient;
use limits::{cap, cooldown};
use objections::{attorney, cease, hold, opt_out};
use window::window;

pub(crate) use cause::Cause;
pub(crate) use window::{is_calendar_gap, sel_matches};

use crate::policy::format::Scope;
use local::{next_day_start, Zones};
use view::{kind, Side, Stored};

/// Id of the denial given when the ask's time zones cannot be resolved.
pub const ZONE_RULE_ID: &str = "contactguard.zone";
const ZONE_CITE: &str = "regulations.md §1.4: local time at the recipient's location; fail closed";

/// How far ahead `retry_at` is searched.
const RETRY_HORIZON_DAYS: i64 = 400;
const MAX_ITERATIONS: usize = 256;

/// What a compiled policy knows before any ask: for each value of each
/// ask field a rule's `when` can name (channel, role, purpose, place,
/// autodialed), which of its first 64 rules admit it. A rule outside an
/// ask's set is not applicable and is never evaluated; for a rule inside
/// it, the time-independent part of `when` holds (the plan decides it
/// whole, with `days_past_due` checked per ask for the rules naming it).
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    by_channel: Vec<u64>,
    by_role: Vec<u64>,
    by_purpose: Vec<u64>,
    by_place: Vec<u64>,
    /// The rules an ask with `autodialed = false`, and `= true`, admits.
    by_autodialed: [u64; 2],
    /// The rules whose `when` names `days_past_due`.
    dpd: u64,
    /// For each of the first 64 rules that is a window, the index of the
    /// first earlier window rule with the same body
    /// ([`window::same_window`]): at the same instant both say the same.
    window_twin: Vec<Option<u8>>,
    /// Of the first 64 rules, those whose body reads only state events of
    /// one kind on one side and passes when that side holds none: indexed
    /// by [`StateKinds`] bit (see [`Plan::passing`]).
    by_state: [u64; StateKinds::COUNT],
    /// Of the first 64 rules, those [`Monotone::Always`], those
    /// [`Monotone::WithoutConsentWindow`] and those
    /// [`Monotone::WithoutInconvenientTime`].
    monotone: [u64; 3],
    /// Of the first 64 rules, the [`exact`] ones.
    exact: u64,
    /// Of the first 64 rules, those with an `unless` (the others are
    /// never lifted: [`Ctx::fix_conditions`] need not look at them).
    with_unless: u64,
    /// Of the first 64 rules, the windows whose conditions do not change
    /// with time (those [`twins`] pairs).
    steady_windows: u64,
}

/// Which kinds of state event the two sides of an ask hold, one bit each:
/// the kinds a body checks before reading anything else.
#[derive(Clone, Copy)]
struct StateKinds(u8);

impl StateKinds {
    const OPT_OUT: usize = 0;
    const CEASE: usize = 1;
    const ATTORNEY_REC: usize = 2;
    const ATTORNEY_DEBT: usize = 3;
    const HOLD: usize = 4;
    const INCONVENIENT: usize = 5;
    const COUNT: usize = 6;

    /// The kind of state event a rule's body reads first, when it passes
    /// without any (as `evaluate` checks).
    fn of(body: &Body) -> Option<usize> {
        match body {
            Body::OptOut { .. } => Some(Self::OPT_OUT),
            Body::Cease { .. } => Some(Self::CEASE),
            Body::Attorney { scope } if *scope == Scope::Debt => Some(Self::ATTORNEY_DEBT),
            Body::Attorney { .. } => Some(Self::ATTORNEY_REC),
            Body::Hold { .. } => Some(Self::HOLD),
            Body::Inconvenient { .. } => Some(Self::INCONVENIENT),
            _ => None,
        }
    }

    /// The kinds held by the recipient's side `rec` and the debt's `debt`.
    fn held<S>(rec: &Side<'_, S>, debt: &Side<'_, S>) -> StateKinds {
        let (r, d) = (rec.states.kinds(), debt.states.kinds());
        let bit = |held: bool, k: usize| u8::from(held) << k;
        StateKinds(
            bit(r & kind::OPT_OUT != 0, Self::OPT_OUT)
                | bit(r & kind::CEASE != 0, Self::CEASE)
                | bit(r & kind::ATTORNEY != 0, Self::ATTORNEY_REC)
                | bit(r & kind::INCONVENIENT != 0, Self::INCONVENIENT)
                | bit(d & kind::ATTORNEY != 0, Self::ATTORNEY_DEBT)
                | bit(d & kind::HOLD != 0, Self::HOLD),
        )
    }
}

impl Plan {
    pub(crate) fn new(rules: &[Rule]) -> Plan {
        let first = || rules.iter().take(64).enumerate();
        let sets = |all: &[u32], mask: fn(&Rule) -> crate::policy::Mask| -> Vec<u64> {
            all.iter()
                .map(|&v| {
                    first()
                        .filter(|(_, r)| mask(r) & (1u32 << v) != 0)
                        .fold(0u64, |m, (i, _)| m | 1 << i)
                })
                .collect()
        };
        let which = |f: &dyn Fn(&Rule) -> bool| -> u64 {
            first()
                .filter(|(_, r)| f(r))
                .fold(0u64, |m, (i, _)| m | 1 << i)
        };
        let ids = |v: &mut dyn Iterator<Item = u32>| -> Vec<u32> { v.collect() };
        use crate::model::{Place, Purpose};
        Plan {
            by_channel: sets(&ids(&mut Channel::ALL.iter().map(|&c| c.into())), |r| {
                r.when.channels
            }),
            by_role: sets(&ids(&mut Role::ALL.iter().map(|&c| c.into())), |r| {
                r.when.roles
            }),
            by_purpose: sets(&ids(&mut Purpose::ALL.iter().map(|&c| c.into())), |r| {
                r.when.purposes
            }),
            by_place: sets(&ids(&mut Place::ALL.iter().map(|&c| c.into())), |r| {
                r.when.places
            }),
            by_autodialed: [false, true]
                .map(|a| which(&|r| r.when.autodialed.is_none_or(|want| want == a))),
            dpd: which(&|r| r.when.dpd.is_some()),
            window_twin: rules
                .iter()
                .take(64)
                .enumerate()
                .map(|(i, r)| {
                    let Body::Window { calendar, windows } = &r.body else {
                        return None;
                    };
                    let here = (calendar.as_ref(), windows.as_slice());
                    rules.iter().take(i).position(|e| {
                        matches!(&e.body, Body::Window { calendar: c, windows: w }
                            if window::same_window(here, (c.as_ref(), w)))
                    })
                })
                .map(|j| j.and_then(|j| u8::try_from(j).ok()))
                .collect(),
            by_state: std::array::from_fn(|k| which(&|r| StateKinds::of(&r.body) == Some(k))),
            monotone: [
                Monotone::Always,
                Monotone::WithoutConsentWindow,
                Monotone::WithoutInconvenientTime,
            ]
            .map(|m| which(&|r| monotone_kind(r) == m)),
            exact: which(&|r| exact(r)),
            with_unless: which(&|r| r.unless.is_some()),
            steady_windows: which(&|r| {
                matches!(r.body, Body::Window { .. }) && !depends_on_time(r)
            }),
        }
    }

    /// Of the first 64 rules, those whose body passes because the sides
    /// hold no state event of the kind it reads (`evaluate` would find so
    /// after checking its conditions; any outcome but a denial or an
    /// obligation is the same to a decision).
    fn passing(&self, held: StateKinds) -> u64 {
        // Each such rule reads one kind: all of them but those reading a
        // kind held.
        let mut m = self.by_state.iter().fold(0, |m, r| m | r);
        if held.0 != 0 {
            for (k, rules) in self.by_state.iter().enumerate() {
                if held.0 >> k & 1 == 1 {
                    m &= !rules;
                }
            }
        }
        m
    }

    /// The first 64 rules that can apply to `ask`: those whose `when`
    /// holds but for its part that changes with time (all of them where
    /// the plan does not know a value).
    fn visit(&self, rules: &[Rule], ask: &Ask) -> u64 {
        let get = |sets: &[u64], v: u32| sets.get(v as usize).copied().unwrap_or(u64::MAX);
        let mut m = get(&self.by_channel, u32::from(ask.channel))
            & get(&self.by_role, u32::from(ask.role))
            & ask
                .purpose
                .map_or(u64::MAX, |p| get(&self.by_purpose, p.into()))
            & ask
                .place
                .map_or(u64::MAX, |p| get(&self.by_place, p.into()))
            & ask.autodialed.map_or(u64::MAX, |a| {
                let [no, yes] = self.by_autodialed;
                if a {
                    yes
                } else {
                    no
                }
            });
        if let Some(d) = ask.days_past_due {
            for i in indices(m & self.dpd, rules.len().min(64)) {
                let holds = rules
                    .get(i)
                    .and_then(|r| r.when.dpd.as_ref())
                    .is_none_or(|r| in_range(r, d));
                if !holds {
                    m &= !(1 << i);
                }
            }
        }
        m
    }
}

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
    let (mut rec, mut debt) = (Side::empty(0), Side::empty(0));
    history.sides(ask, &mut rec, &mut debt);
    run(
        policy.inner(),
        ask,
        &rec,
        &debt,
        false,
        true,
        Spare::default(),
    )
    .decision
}

/// Decides over the recipient's and the debt's stored records, read in
/// place (the ledger's entry point). Without `retry`, a denial's
/// `retry_at` is left `None` and not searched for: for callers that do
/// not read it (an audit that writes no verdicts).
pub(crate) fn decide_sides<S: Stored>(
    policy: &Inner,
    ask: &Ask,
    rec: Side<'_, S>,
    debt: Side<'_, S>,
    retry: bool,
) -> Decision {
    run(policy, ask, &rec, &debt, false, retry, Spare::default()).decision
}

/// As [`decide_sides`], into `out`, whose lists' allocations the new
/// decision reuses (a replay decides row after row: allocating and
/// freeing them on every row cost more than the decision's other work
/// outside the rules).
pub(crate) fn decide_sides_into<S: Stored>(
    policy: &Inner,
    ask: &Ask,
    rec: Side<'_, S>,
    debt: Side<'_, S>,
    retry: bool,
    out: &mut Decision,
) {
    let spare = Spare {
        denials: std::mem::take(&mut out.denials),
        obligations: std::mem::take(&mut out.obligations),
    };
    *out = run(policy, ask, &rec, &debt, false, retry, spare).decision;
}

/// Lists a decision may reuse (emptied first): their allocations only.
#[derive(Default)]
struct Spare {
    denials: Vec<Denial>,
    obligations: Vec<crate::model::SharedStr>,
}

/// Like [`decide`], and also reports every rule's outcome.
pub fn explain(policy: &Policy, ask: &Ask, history: &History) -> Explanation {
    let (mut rec, mut debt) = (Side::empty(0), Side::empty(0));
    history.sides(ask, &mut rec, &mut debt);
    run(
        policy.inner(),
        ask,
        &rec,
        &debt,
        true,
        true,
        Spare::default(),
    )
}

/// What one rule says at one instant.
enum Verdict {
    NotApplicable,
    Lifted,
    Pass,
    /// The rule's obligations (its `Body::Oblige` list) apply.
    Oblige,
    Deny {
        earliest: Option<Timestamp>,
        /// The engine could not evaluate the rule (fail closed): the denial
        /// keeps the engine's message, which says so, even when the rule
        /// has a `message` of its own (that one describes a breach).
        unevaluable: bool,
    },
    /// The rule needs local time and the ask names no zone.
    NoZone,
}

pub(crate) struct Ctx<'a, S> {
    policy: &'a Inner,
    ask: &'a Ask,
    zones: local::ZoneList<'a>,
    /// The recipient's events at or before the ask (borrowed: a side is
    /// large, and moving it costs more than reading through a pointer).
    rec: &'a Side<'a, S>,
    /// The debt's events at or before the ask.
    debt: &'a Side<'a, S>,
    want_messages: bool,
    /// Whether a denial's earliest passing instant is read (for the
    /// `retry_at` search or an explanation): without it a rule may leave
    /// `earliest` `None` rather than compute it (the verdict, and its
    /// message, are the same either way).
    want_earliest: bool,
    /// Why the rule last evaluated denied, when `want_messages`: left
    /// here by the rule rather than returned in its [`Verdict`] (which
    /// every rule returns, most often a pass, and stays small).
    cause: std::cell::Cell<Option<Cause>>,
    /// The plan's set for the ask ([`Plan::visit`]): of the first 64
    /// rules, those whose `when` holds but for its part that changes with
    /// time.
    visit: u64,
    /// For the first 64 rules, once `fixed_ready`: whether the parts of
    /// `unless` that do not change with time hold, decided once for the
    /// `retry_at` search rather than at every instant it tries.
    fixed_ready: bool,
    fixed_unless: u64,
    /// For the first 64 rules: the rule passed at the ask's time and can
    /// only keep passing later (see [`monotone`]), so the `retry_at`
    /// search need not evaluate it again while local dates run forward.
    settled: u64,
    /// The live prior-consent windows, computed the first time a rule with
    /// `exclude_prior_consent` asks (they do not change with the instant
    /// tried).
    consent: std::cell::OnceCell<Vec<(Timestamp, Timestamp)>>,
    /// An instant, and of the first 64 rules, the window rules whose body
    /// permitted it: a later rule with the same body ([`Plan`]'s
    /// `window_twin`) passes at that instant without a second look.
    window_passed: std::cell::Cell<(Timestamp, u64)>,
    /// What the last dated caps worked out (see [`limits::Since`]): caps
    /// over the same local dates share it.
    since: limits::Since,
}

impl<S: Stored> Ctx<'_, S> {
    /// Decides the time-independent conditions of those of the first 64
    /// rules in `visit` (the only ones the `retry_at` search evaluates).
    fn fix_conditions(&mut self, visit: u64) {
        let mut u = 0u64;
        // A rule without an `unless` has none to hold.
        for i in indices(
            visit & self.policy.plan.with_unless,
            self.policy.rules.len().min(64),
        ) {
            let Some(rule) = self.policy.rules.get(i) else {
                break;
            };
            let (_, unless) = self.fixed(i, rule);
            u |= u64::from(unless) << i;
        }
        self.fixed_unless = u;
        self.fixed_ready = true;
    }

    /// Whether rule `i`'s time-independent `when` and `unless` parts hold
    /// (`unless` is only decided when `when` holds).
    #[inline]
    fn fixed(&self, i: usize, rule: &Rule) -> (bool, bool) {
        let when = if i < 64 {
            self.visit >> i & 1 == 1
        } else {
            fixed_when(self, &rule.when)
        };
        let unless = if self.fixed_ready && i < 64 {
            self.fixed_unless >> i & 1 == 1
        } else {
            when && rule.unless.as_ref().is_some_and(|c| fixed_unless(self, c))
        };
        (when, unless)
    }

    /// The first candidate zone, which messages show instants in.
    fn first_zone(&self) -> Option<local::ZoneRef> {
        self.zones.iter().next().map(local::Clock::zone)
    }
}

/// The decision (and with `explain_all` every rule's outcome), searching for
/// a denial's `retry_at` only with `want_retry`; its lists reuse `spare`'s.
fn run<'a, S: Stored>(
    policy: &'a Inner,
    ask: &'a Ask,
    rec: &'a Side<'a, S>,
    debt: &'a Side<'a, S>,
    explain_all: bool,
    want_retry: bool,
    spare: Spare,
) -> Explanation {
    let held = match Zones::resolve(&ask.timezones, ask.at) {
        Ok(z) => z,
        Err(bad) => {
            let decision = Decision {
                allow: false,
                denials: vec![Denial {
                    id: ZONE_RULE_ID.into(),
                    cite: ZONE_CITE.into(),
                    message: Message::from(format!(
                        "unknown time zone `{bad}`: local time cannot be evaluated (fail closed)"
                    )),
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
    let visit = policy.plan.visit(&policy.rules, ask);
    let mut ctx = Ctx {
        policy,
        ask,
        zones: held.list(),
        rec,
        debt,
        want_messages: true,
        want_earliest: explain_all || want_retry,
        cause: std::cell::Cell::new(None),
        visit,
        fixed_ready: false,
        fixed_unless: 0,
        settled: 0,
        // Without a prior-consent event there is no window: known now,
        // without a scan by each rule that asks.
        consent: if any_state(rec, kind::PRIOR_CONSENT) {
            std::cell::OnceCell::new()
        } else {
            std::cell::OnceCell::from(Vec::new())
        },
        window_passed: std::cell::Cell::new((at, 0)),
        since: limits::Since::default(),
    };

    let Spare {
        mut denials,
        mut obligations,
    } = spare;
    denials.clear();
    obligations.clear();
    let mut outcomes = Vec::new();
    let mut next: Option<Timestamp> = Some(at);
    // The first 64 rules that did not deny at the ask's time (those
    // outside the plan do not apply).
    let mut passed = !visit;
    // Without an explanation, only the rules the plan can apply are
    // visited, in policy order, but for those whose body passes for want
    // of a state event to read.
    let order = if explain_all {
        u64::MAX
    } else {
        let trivial = visit & policy.plan.passing(StateKinds::held(rec, debt));
        passed |= trivial;
        visit & !trivial
    };
    for i in indices(order, policy.rules.len()) {
        let Some(rule) = policy.rules.get(i) else {
            break;
        };
        let verdict = if i < 64 && visit >> i & 1 == 0 {
            Verdict::NotApplicable
        } else {
            evaluate(&ctx, i, rule, at, false)
        };
        if matches!(
            verdict,
            Verdict::NotApplicable | Verdict::Lifted | Verdict::Pass | Verdict::Oblige
        ) {
            if i < 64 {
                passed |= 1 << i;
            }
            // Nothing to record of a rule that passes, for a decision.
            if !explain_all && !matches!(verdict, Verdict::Oblige) {
                continue;
            }
        }
        let (outcome, message, earliest) = match verdict {
            Verdict::NoZone => {
                next = None;
                if !denials.iter().any(|d: &Denial| d.id == ZONE_RULE_ID) {
                    denials.push(Denial {
                        id: ZONE_RULE_ID.into(),
                        cite: ZONE_CITE.into(),
                        message: Message::of(Cause::NoZone {
                            rule: rule.id.clone(),
                        }),
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
            Verdict::Oblige => {
                let obs = match &rule.body {
                    Body::Oblige(obs) => obs.as_slice(),
                    _ => &[],
                };
                for o in obs {
                    if !obligations.contains(o) {
                        obligations.push(o.clone());
                    }
                }
                ("oblige", explain_all.then(|| obs.join(", ")), None)
            }
            Verdict::Deny {
                earliest,
                unevaluable,
            } => {
                // The rule left why in `ctx.cause` (messages are wanted
                // here).
                let cause = ctx
                    .cause
                    .take()
                    .unwrap_or_else(|| Cause::Text(rule.title.clone()));
                next = match (next, earliest) {
                    (Some(n), Some(e)) => Some(n.max(e)),
                    _ => None,
                };
                // The explanation shows the engine's own text, written now;
                // the decision's is written when read.
                let for_outcome = explain_all.then(|| cause.write());
                push_denial(&mut denials, rule, cause, unevaluable);
                ("deny", for_outcome, earliest)
            }
        };
        if explain_all {
            outcomes.push(RuleOutcome {
                id: rule.id.as_str().to_owned(),
                title: rule.title.to_string(),
                cite: rule.cite.as_str().to_owned(),
                outcome,
                message,
                earliest,
            });
        }
    }
    let allow = denials.is_empty();
    let retry_at = if allow || !want_retry {
        None
    } else {
        // The search reads only verdicts and instants.
        ctx.want_messages = false;
        ctx.settled = settle(&ctx, visit, passed);
        // The search evaluates settled rules only once local dates may run
        // backwards, and decides their conditions then.
        ctx.fix_conditions(visit & !ctx.settled);
        let twins = twins(&ctx, visit & !ctx.settled);
        next.and_then(|n| retry(&mut ctx, n, twins))
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

/// The indexes of the rules to visit, in policy order: of the first 64, those
/// whose bit is set in `mask`; then every rule from the 65th on (a plan
/// covers only the first 64).
fn indices(mask: u64, len: usize) -> impl Iterator<Item = usize> {
    let below = if len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    };
    let mut m = mask & below;
    std::iter::from_fn(move || {
        if m == 0 {
            return None;
        }
        let i = m.trailing_zeros() as usize;
        m &= m - 1;
        Some(i)
    })
    .chain(64..len.max(64))
}

/// The rules among the first 64 in `visit` that the `retry_at` search need
/// not evaluate while local dates run forward (see [`local::ZoneList::steady_until`]):
/// the [`Monotone`] ones (here) that passed at the ask's time (in `passed`),
/// and those that denied with an [`exact`] earliest instant. The search
/// only starts once every denial offered an instant, from the latest of
/// them, so it never tries an instant before such a rule's own: the rule
/// passes there, and keeps passing.
fn settle<S: Stored>(ctx: &Ctx<'_, S>, visit: u64, passed: u64) -> u64 {
    let plan = &ctx.policy.plan;
    let [always, no_consent, no_inconvenient] = plan.monotone;
    let mut monotone = always;
    if visit & no_consent != 0 && limits::consent_windows(ctx).is_empty() {
        monotone |= no_consent;
    }
    if visit & no_inconvenient != 0 {
        if !any_state(ctx.rec, kind::INCONVENIENT) {
            monotone |= no_inconvenient;
        } else {
            // A rule no statement in force applies to passes throughout.
            let live = inconvenient::live_places(ctx);
            for i in indices(visit & no_inconvenient, ctx.policy.rules.len().min(64)) {
                if let Some(Rule {
                    body: Body::Inconvenient { places },
                    ..
                }) = ctx.policy.rules.get(i)
                {
                    if inconvenient::never_denies(live, places.as_deref()) {
                        monotone |= 1 << i;
                    }
                }
            }
        }
    }
    visit & monotone & (passed | plan.exact)
}

/// Of the first 64 rules in `visit` (whose time-independent conditions are
/// decided), the window rules that apply throughout the `retry_at` search
/// with the same body as an earlier such rule: at every instant each
/// denies exactly when the earlier one does, with the same earliest
/// instant, so the search need not evaluate them.
fn twins<S: Stored>(ctx: &Ctx<'_, S>, visit: u64) -> u64 {
    let mut out = 0u64;
    // The first rule of each set of window rules with the same body (the
    // plan's `window_twin`: same_window holds within a set and not across)
    // of which one such rule was met.
    let mut seen = 0u64;
    // Only the windows whose conditions do not change with time (the
    // plan's `steady_windows`) can be twins.
    for i in indices(
        visit & ctx.policy.plan.steady_windows,
        ctx.policy.rules.len().min(64),
    ) {
        let Some(rule) = ctx.policy.rules.get(i) else {
            break;
        };
        if ctx.fixed(i, rule) != (true, false) {
            continue;
        }
        let first = ctx
            .policy
            .plan
            .window_twin
            .get(i)
            .copied()
            .flatten()
            .map_or(i, usize::from);
        if seen >> first & 1 == 1 {
            out |= 1 << i;
        } else {
            seen |= 1 << first;
        }
    }
    out
}

/// The fixed point: from `t`, move to the latest earliest-passing instant of
/// the rules that deny, until every rule passes.
///
/// A rule whose denial in one pass offered exactly the instant the next
/// pass tries, and whose earliest instant is [`exact`], passes there: that
/// pass does not evaluate it again; nor are the `twins` (see [`twins`])
/// ever evaluated.
fn retry<S: Stored>(ctx: &mut Ctx<'_, S>, mut t: Timestamp, twins: u64) -> Option<Timestamp> {
    let visit = ctx.visit;
    // The ask's time plus the horizon, in nanoseconds (cheaper than adding
    // a duration to a timestamp); none past the last instant there is.
    let limit =
        ctx.ask.at.as_nanosecond() + i128::from(RETRY_HORIZON_DAYS * 86_400) * 1_000_000_000;
    if limit > Timestamp::MAX.as_nanosecond() {
        return None;
    }
    // Of the first 64 rules, those whose last denial offered exactly `t`
    // as an exact earliest instant.
    let mut pass_at_t = 0u64;
    // Whether the time-independent conditions of the settled rules are
    // decided too (see `run`).
    let mut all_fixed = ctx.settled == 0;
    for _ in 0..MAX_ITERATIONS {
        if t.as_nanosecond() > limit {
            return None;
        }
        let mut next = t;
        let mut pass_at_next = 0u64;
        let mut denied = false;
        // Until the first offset change in a candidate zone, local dates
        // only run forward, and a settled rule still passes.
        let steady = ctx.zones.steady_until().is_none_or(|hi| t.as_second() < hi);
        if !steady && !all_fixed {
            ctx.fix_conditions(visit);
            all_fixed = true;
        }
        let ctx = &*ctx;
        let skip = if steady { ctx.settled } else { 0 } | pass_at_t | twins;
        for i in indices(visit & !skip, ctx.policy.rules.len()) {
            let Some(rule) = ctx.policy.rules.get(i) else {
                break;
            };
            match evaluate(ctx, i, rule, t, true) {
                Verdict::Deny { earliest, .. } => {
                    denied = true;
                    let e = earliest?;
                    if e > next {
                        next = e;
                        pass_at_next = 0;
                    }
                    if e == next && i < 64 && ctx.policy.plan.exact >> i & 1 == 1 {
                        pass_at_next |= 1 << i;
                    }
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
        pass_at_t = pass_at_next;
    }
    None
}

/// `in_retry`: called by the `retry_at` search (a constant at each call
/// site, so each inlined copy keeps only its own way of evaluating a
/// window).
#[inline(always)]
fn evaluate<S: Stored>(
    ctx: &Ctx<'_, S>,
    i: usize,
    rule: &Rule,
    t: Timestamp,
    in_retry: bool,
) -> Verdict {
    // Of the first 64 rules, only those in the plan's set are evaluated.
    let when = if i < 64 {
        ctx.visit >> i & 1 == 1
    } else {
        fixed_when(ctx, &rule.when)
    };
    if !(when && when_at(ctx, &rule.when, t)) {
        return Verdict::NotApplicable;
    }
    if let Some(u) = &rule.unless {
        let fixed = if ctx.fixed_ready && i < 64 {
            ctx.fixed_unless >> i & 1 == 1
        } else {
            fixed_unless(ctx, u)
        };
        if fixed && unless_at(ctx, u, t) {
            return Verdict::Lifted;
        }
    }
    let mut verdict = match &rule.body {
        Body::Deny => deny(ctx, None, || deny_cause(ctx, rule, t)),
        Body::Oblige(_) => return Verdict::Oblige,
        // These bodies read only state events of one kind, and pass when
        // there is none (most sides hold none or a consent): checked here
        // first, without a call.
        Body::OptOut { any_channel } => {
            if !any_state(ctx.rec, kind::OPT_OUT) {
                return Verdict::Pass;
            }
            opt_out(ctx, *any_channel)
        }
        Body::Cease { scope } => {
            if !any_state(ctx.rec, kind::CEASE) {
                return Verdict::Pass;
            }
            cease(ctx, *scope)
        }
        Body::Attorney { scope } => {
            let side = if *scope == Scope::Debt {
                ctx.debt
            } else {
                ctx.rec
            };
            if !any_state(side, kind::ATTORNEY) {
                return Verdict::Pass;
            }
            attorney(ctx, *scope)
        }
        Body::Hold { reasons } => {
            if !any_state(ctx.debt, kind::HOLD) {
                return Verdict::Pass;
            }
            hold(ctx, reasons, t)
        }
        Body::Inconvenient { places } => {
            if !any_state(ctx.rec, kind::INCONVENIENT) {
                return Verdict::Pass;
            }
            inconvenient(ctx, places.as_deref(), t)
        }
        Body::Window { calendar, windows } => {
            let (when_passed, passed) = ctx.window_passed.get();
            if when_passed == t {
                let twin = ctx.policy.plan.window_twin.get(i).copied().flatten();
                if twin.is_some_and(|j| passed >> j & 1 == 1) {
                    return Verdict::Pass;
                }
            }
            let v = if in_retry {
                window::window_retry(ctx, calendar.as_ref(), windows, t)
            } else {
                window(ctx, calendar.as_ref(), windows, t)
            };
            if i < 64 && matches!(v, Verdict::Pass) {
                let before = if when_passed == t { passed } else { 0 };
                ctx.window_passed.set((t, before | 1 << i));
            }
            v
        }
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
    if let Verdict::Deny {
        earliest: earliest @ None,
        ..
    } = &mut verdict
    {
        if ctx.want_earliest && depends_on_time(rule) {
            *earliest = condition_change(ctx, rule, t);
        }
    }
    verdict
}

/// Whether a side holds a state event of a kind in `kinds`.
#[inline(always)]
fn any_state<S>(side: &Side<'_, S>, kinds: u16) -> bool {
    side.states.has(kinds)
}

/// Whether a rule that passes at the ask's time passes at every later
/// instant, as long as local dates run forward: its conditions do not change
/// with time, and its body only relaxes as time passes over a fixed history
/// (a count over a period that moves forward, a pause that ends, a hold that
/// expires, an objection that stays absent). Windows and inconvenient times
/// come and go; `exclude_prior_consent` windows close.
fn monotone(rule: &Rule) -> bool {
    !depends_on_time(rule)
        && match &rule.body {
            Body::Deny
            | Body::Oblige(_)
            | Body::OptOut { .. }
            | Body::Cease { .. }
            | Body::Attorney { .. }
            | Body::Hold { .. } => true,
            Body::Cap {
                exclude_prior_consent,
                ..
            }
            | Body::Cooldown {
                exclude_prior_consent,
                ..
            } => !exclude_prior_consent,
            Body::Inconvenient { .. } | Body::Window { .. } => false,
        }
}

/// When a rule that passes at the ask's time passes at every later
/// instant while local dates run forward: always when [`monotone`]; a cap
/// or cool-down with `exclude_prior_consent` when the ask has no live
/// prior-consent window (with none to close, it counts exactly as without
/// the option, and only relaxes as time passes); an inconvenient-time rule
/// when the recipient stated no inconvenient time, or none still in force
/// at the ask's time that applies to the ask under the rule's places (it
/// then passes at every instant).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Monotone {
    Always,
    WithoutConsentWindow,
    WithoutInconvenientTime,
    Never,
}

fn monotone_kind(rule: &Rule) -> Monotone {
    if monotone(rule) {
        return Monotone::Always;
    }
    if depends_on_time(rule) {
        return Monotone::Never;
    }
    match rule.body {
        Body::Cap {
            exclude_prior_consent: true,
            ..
        }
        | Body::Cooldown {
            exclude_prior_consent: true,
            ..
        } => Monotone::WithoutConsentWindow,
        Body::Inconvenient { .. } => Monotone::WithoutInconvenientTime,
        _ => Monotone::Never,
    }
}

/// Whether the earliest instant a denial of this rule offers is one at
/// which the rule passes (rather than a bound the search must try and may
/// move past): its conditions do not change with time, and its body
/// offers the instant its check first passes — a window's permitted
/// instant, the instant no statement or hold covers, the instant a
/// cool-down ends, or the instant a cap's count falls under a limit of at
/// least one (with a limit of 0 the next period denies as well).
fn exact(rule: &Rule) -> bool {
    !depends_on_time(rule)
        && match &rule.body {
            Body::Window { .. }
            | Body::Inconvenient { .. }
            | Body::Hold { .. }
            | Body::Cooldown { .. } => true,
            Body::Cap { limit, .. } => *limit > 0,
            // These never offer an instant.
            Body::Deny
            | Body::Oblige(_)
            | Body::OptOut { .. }
            | Body::Cease { .. }
            | Body::Attorney { .. } => false,
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
fn condition_change<S: Stored>(ctx: &Ctx<'_, S>, rule: &Rule, t: Timestamp) -> Option<Timestamp> {
    let days = ctx.policy.unreachable.dates + 1;
    let passes = |c: Timestamp| {
        !cond_when(ctx, &rule.when, c)
            || rule.unless.as_ref().is_some_and(|u| cond_unless(ctx, u, c))
    };
    // One zone, with every candidate midnight well before the last date
    // there is (so that none fails to exist, which gives `None`): the
    // midnights come in order, and the first at which the rule passes is
    // the earliest, found without working out those after it.
    let mut zones = ctx.zones.iter();
    if let (Some(z), None) = (zones.next(), zones.next()) {
        let end = Timestamp::MAX.as_second() - (i64::from(days) + 3) * 86_400;
        if t.as_second() < end {
            let mut c = t;
            for _ in 0..days {
                c = next_day_start(z, c)?;
                if passes(c) {
                    return Some(c);
                }
            }
            return None;
        }
    }
    let mut candidates: Vec<Timestamp> = Vec::new();
    for z in ctx.zones.iter() {
        let mut c = t;
        for _ in 0..days {
            c = next_day_start(z, c)?;
            candidates.push(c);
        }
    }
    candidates.sort();
    candidates.into_iter().find(|&c| passes(c))
}

/// Records `rule`'s denial, with its own `message` (unless the engine
/// could not evaluate it) or else `cause`. Out of `run`'s loop, which
/// most rules pass through without denying.
#[inline(never)]
fn push_denial(denials: &mut Vec<Denial>, rule: &Rule, cause: Cause, unevaluable: bool) {
    if denials.capacity() == 0 {
        // Sized at once for a few: cheaper than growing from nothing (an
        // allowed decision allocates none; a reused one keeps its own).
        *denials = Vec::with_capacity(4);
    }
    // The message is built in place in the denial (not first on its own
    // and then moved, 152 bytes, with a call).
    denials.push(Denial {
        id: rule.id.clone(),
        cite: rule.cite.clone(),
        message: match &rule.message {
            Some(own) if !unevaluable => Message::of(Cause::Text(own.clone())),
            _ => Message::of(cause),
        },
    });
}

#[inline(always)]
fn deny<S: Stored>(
    ctx: &Ctx<'_, S>,
    earliest: Option<Timestamp>,
    message: impl FnOnce() -> Cause,
) -> Verdict {
    denial(ctx, earliest, false, message)
}

/// A denial because the engine could not evaluate the rule (fail closed);
/// see [`Verdict::Deny`]'s `unevaluable`.
#[inline(always)]
fn deny_unevaluable<S: Stored>(
    ctx: &Ctx<'_, S>,
    earliest: Option<Timestamp>,
    message: impl FnOnce() -> Cause,
) -> Verdict {
    denial(ctx, earliest, true, message)
}

#[inline(always)]
fn denial<S: Stored>(
    ctx: &Ctx<'_, S>,
    earliest: Option<Timestamp>,
    unevaluable: bool,
    message: impl FnOnce() -> Cause,
) -> Verdict {
    if ctx.want_messages {
        ctx.cause.set(Some(message()));
    }
    Verdict::Deny {
        earliest,
        unevaluable,
    }
}

fn no_zone<S: Stored>(_ctx: &Ctx<'_, S>) -> Verdict {
    Verdict::NoZone
}

#[cfg(test)]
mod tests {
    use super::{fixed_when, indices, Ctx, Side};
    use crate::engine::view::Rec;
    use crate::model::{Ask, Channel, Place, Purpose, Role};
    use crate::policy::Policy;

    /// The plan's set for an ask is exactly the rules whose `when` holds
    /// but for its part that changes with time, as `fixed_when` decides it
    /// rule by rule: for every preset and a policy naming `autodialed` and
    /// `days_past_due`, over every combination of the ask's fields (each
    /// optional one also absent).
    #[test]
    fn plan_selects_the_rules_whose_when_holds() {
        let own = Policy::from_toml(
            r#"
format = "contactguard-policy/1"
name = "plan-test"
[[rules]]
id = "a"
title = "a"
cite = "c"
status = "s"
kind = "deny"
when = { autodialed = true, days_past_due = { gt = 15, lte = 30 } }
[[rules]]
id = "b"
title = "b"
cite = "c"
status = "s"
kind = "deny"
when = { autodialed = false, channels = ["sms"], purposes = ["notice"], places = ["work"] }
[[rules]]
id = "c"
title = "c"
cite = "c"
status = "s"
kind = "deny"
when = { days_past_due = { gte = 5 }, roles = ["third_parties"] }
"#,
        )
        .expect("policy");
        let mut policies = vec![own];
        for name in crate::preset_names() {
            policies.push(Policy::preset(name).expect("preset"));
        }
        let at = jiff::Timestamp::from_second(1_792_074_600).expect("time");
        let mut checked = 0usize;
        for policy in &policies {
            let inner = policy.inner();
            for &channel in Channel::ALL {
                for &role in Role::ALL {
                    for purpose in
                        std::iter::once(None).chain(Purpose::ALL.iter().map(|&p| Some(p)))
                    {
                        for place in
                            std::iter::once(None).chain(Place::ALL.iter().map(|&p| Some(p)))
                        {
                            for autodialed in [None, Some(false), Some(true)] {
                                for dpd in [None, Some(0), Some(5), Some(16), Some(30), Some(31)] {
                                    let ask = Ask {
                                        at,
                                        channel,
                                        to: "c1".to_owned(),
                                        role,
                                        debt: "d1".to_owned(),
                                        timezones: Vec::new(),
                                        place,
                                        autodialed,
                                        purpose,
                                        days_past_due: dpd,
                                    };
                                    let visit = inner.plan.visit(&inner.rules, &ask);
                                    let ctx: Ctx<'_, Rec> = Ctx {
                                        policy: inner,
                                        ask: &ask,
                                        zones: super::local::ZoneList::NONE,
                                        rec: &Side::empty(0),
                                        debt: &Side::empty(0),
                                        want_messages: false,
                                        want_earliest: false,
                                        cause: std::cell::Cell::new(None),
                                        visit,
                                        fixed_ready: false,
                                        fixed_unless: 0,
                                        settled: 0,
                                        consent: std::cell::OnceCell::new(),
                                        window_passed: std::cell::Cell::new((at, 0)),
                                        since: super::limits::Since::default(),
                                    };
                                    for (i, rule) in inner.rules.iter().enumerate().take(64) {
                                        assert_eq!(
                                            visit >> i & 1 == 1,
                                            fixed_when(&ctx, &rule.when),
                                            "{} rule {} ask {ask:?}",
                                            inner.name,
                                            rule.id
                                        );
                                        checked += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// The plan pairs each window rule with the first earlier rule of the
    /// same body, and files the state-reading rules by the kind of state
    /// event they read: in `us-reg-f+us-ma` the two 08:00–21:00 windows
    /// are twins (us-ma.3b too) and the other rules are none's twin.
    #[test]
    fn plan_twins_windows_and_files_state_rules() {
        let policy = Policy::preset("us-reg-f+us-ma").expect("preset");
        let inner = policy.inner();
        let index = |id: &str| {
            inner
                .rules
                .iter()
                .position(|r| r.id == id)
                .unwrap_or_else(|| panic!("rule {id}"))
        };
        let plan = &inner.plan;
        let first = index("us-reg-f.1");
        let twin = |id: &str| plan.window_twin.get(index(id)).copied().flatten();
        assert_eq!(twin("us-reg-f.1"), None);
        assert_eq!(twin("us-ma.3a").map(usize::from), Some(first));
        assert_eq!(twin("us-ma.3b").map(usize::from), Some(first));
        for (i, r) in inner.rules.iter().enumerate() {
            if !matches!(r.body, crate::policy::Body::Window { .. }) {
                assert_eq!(plan.window_twin.get(i).copied().flatten(), None, "{}", r.id);
            }
        }
        // Holding nothing, every state-reading rule passes; holding every
        // kind, none does; holding only an opt-out, all but the opt-out rule.
        let readers = inner
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| super::StateKinds::of(&r.body).is_some())
            .fold(0u64, |m, (i, _)| m | 1 << i);
        assert_eq!(plan.passing(super::StateKinds(0)), readers);
        assert_eq!(plan.passing(super::StateKinds(0b11_1111)), 0);
        let opt_out = 1u64 << index("us-reg-f.12");
        assert_eq!(
            plan.passing(super::StateKinds(1 << super::StateKinds::OPT_OUT)),
            readers & !opt_out
        );
        assert!(readers & 1 << index("us-reg-f.5") != 0);
        assert!(readers & 1 << index("us-reg-f.10") == 0);
    }

    /// The first local midnight at which a rule's out-of-contact
    /// condition changes, found in one zone without working out the later
    /// midnights, is the one the sorted list of every candidate gives:
    /// under `cn`, for a third party's ask about location at each hour
    /// over 12 days of a debtor's failed and answered calls (the condition
    /// comes and goes).
    #[test]
    fn condition_change_in_one_zone_is_the_earliest_candidate() {
        use super::{cond_unless, cond_when, condition_change, depends_on_time, local};
        use crate::model::Event;
        let policy = Policy::preset("cn").expect("preset");
        let inner = policy.inner();
        let day = 86_400;
        let start = 1_772_000_000;
        let events: Vec<Event> = (0..40)
            .map(|i| {
                let result = if i % 7 == 3 { "conversation" } else { "no_answer" };
                let at = jiff::Timestamp::from_second(start + i * day / 3 + 3_600).expect("time");
                serde_json::from_value(serde_json::json!({"type": "attempt", "at": at.to_string(),
                    "channel": "call", "to": "c1", "role": "debtor", "debt": "d1", "result": result}))
                .expect("event")
            })
            .collect();
        let history = crate::History::from_events(events);
        let rules: Vec<_> = inner.rules.iter().filter(|r| depends_on_time(r)).collect();
        assert!(!rules.is_empty());
        let (mut found, mut none) = (0, 0);
        for h in 0..12 * 24 {
            let at = jiff::Timestamp::from_second(start + h * 3_600).expect("time");
            let ask = Ask {
                at,
                channel: Channel::Call,
                to: "p1".to_owned(),
                role: Role::ThirdParty,
                debt: "d1".to_owned(),
                timezones: vec!["Asia/Shanghai".to_owned()],
                place: None,
                autodialed: None,
                purpose: Some(Purpose::Location),
                days_past_due: None,
            };
            let (mut rec, mut debt) = (Side::empty(0), Side::empty(0));
            history.sides(&ask, &mut rec, &mut debt);
            let zones = local::Zones::resolve(&ask.timezones, at).expect("zone");
            let ctx: Ctx<'_, _> = Ctx {
                policy: inner,
                ask: &ask,
                zones: zones.list(),
                rec: &rec,
                debt: &debt,
                want_messages: false,
                want_earliest: true,
                cause: std::cell::Cell::new(None),
                visit: inner.plan.visit(&inner.rules, &ask),
                fixed_ready: false,
                fixed_unless: 0,
                settled: 0,
                consent: std::cell::OnceCell::new(),
                window_passed: std::cell::Cell::new((at, 0)),
                since: super::limits::Since::default(),
            };
            for rule in &rules {
                // Every candidate midnight, sorted, and the first at which
                // the rule's conditions no longer select a denial.
                let mut candidates = Vec::new();
                for z in ctx.zones.iter() {
                    let mut c = at;
                    for _ in 0..=inner.unreachable.dates {
                        c = local::next_day_start(z, c).expect("midnight");
                        candidates.push(c);
                    }
                }
                candidates.sort();
                let want = candidates.into_iter().find(|&c| {
                    !cond_when(&ctx, &rule.when, c)
                        || rule
                            .unless
                            .as_ref()
                            .is_some_and(|u| cond_unless(&ctx, u, c))
                });
                let got = condition_change(&ctx, rule, at);
                assert_eq!(got, want, "{} at {at}", rule.id);
                if want.is_some() {
                    found += 1;
                } else {
                    none += 1;
                }
            }
        }
        assert!(found > 0 && none > 0, "{found} {none}");
    }

    #[test]
    fn indices_visit_set_bits_then_the_rules_past_64() {
        let all: Vec<usize> = indices(u64::MAX, 3).collect();
        assert_eq!(all, vec![0, 1, 2]);
        let some: Vec<usize> = indices(0b1010_0101, 6).collect();
        assert_eq!(some, vec![0, 2, 5]);
        assert_eq!(indices(0, 10).count(), 0);
        assert_eq!(indices(u64::MAX, 0).count(), 0);
        let long: Vec<usize> = indices(1 << 63 | 1, 67).collect();
        assert_eq!(long, vec![0, 63, 64, 65, 66]);
        assert_eq!(indices(u64::MAX, 64).count(), 64);
    }
}
