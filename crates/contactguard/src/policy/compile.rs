//! From policy files to the compiled rules the engine evaluates.

use super::error::PolicyError;
use super::format::{
    Bounds, CalendarPeriod, ConditionSpec, DaySel, FilterSpec, LocalTime, RangeSpec, RuleKind,
    RuleSpec, Scope, UnreachableSpec, WindowSpec,
};
use super::presets::Loaded;
use super::{Inner, Policy};
use crate::diagnostic::ErrorCode;
use crate::model::{AttemptResult, Channel, HoldReason, Place, Purpose, Role, SharedStr};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) use super::calendar::Calendar;

/// A set of enum values as a bitmask; `ALL` when a list was not given.
pub(crate) type Mask = u32;
pub(crate) const ALL: Mask = u32::MAX;

pub(crate) fn bit<T: Copy + Into<u32>>(v: T) -> Mask {
    1u32 << v.into()
}

// A value's index in its type's `ALL` list: the declaration order, which
// is the discriminant of these field-less enums (a test checks the two
// agree), so a mask test is one shift rather than a search of `ALL`.
macro_rules! index_of {
    ($t:ty) => {
        impl From<$t> for u32 {
            fn from(v: $t) -> u32 {
                v as u32
            }
        }
    };
}
index_of!(Channel);
index_of!(Role);
index_of!(Purpose);
index_of!(Place);
index_of!(AttemptResult);

fn mask<T: Copy + Into<u32>>(list: &Option<Vec<T>>) -> Mask {
    match list {
        None => ALL,
        Some(v) => v.iter().fold(0, |m, x| m | bit(*x)),
    }
}

fn role_mask(list: &Option<Vec<super::format::RoleSel>>) -> Mask {
    match list {
        None => ALL,
        Some(sels) => Role::ALL
            .iter()
            .filter(|r| sels.iter().any(|s| s.matches(**r)))
            .fold(0, |m, r| m | bit(*r)),
    }
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    pub(crate) channels: Mask,
    pub(crate) roles: Mask,
    pub(crate) purposes: Mask,
    pub(crate) places: Mask,
    pub(crate) autodialed: Option<bool>,
    pub(crate) dpd: Option<RangeSpec>,
    pub(crate) consent: Option<SharedStr>,
    pub(crate) requested_contact: Option<bool>,
    pub(crate) debtor_unreachable: Option<bool>,
    /// Whether any field was given (an empty `unless` lifts nothing).
    pub(crate) empty: bool,
}

/// Which attempts a cap counts.
#[derive(Clone, Debug)]
pub(crate) struct Filter {
    pub(crate) channels: Mask,
    pub(crate) results: Mask,
    pub(crate) roles: Mask,
    pub(crate) places: Mask,
    pub(crate) same_channel: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Period {
    Rolling(i64),
    Dates(u32),
    Calendar(CalendarPeriod),
    Lifetime,
}

/// How long a cool-down lasts: only a rolling duration or a number of
/// local dates (a calendar period or a lifetime is not a pause, and cannot
/// be written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pause {
    Rolling(i64),
    Dates(u32),
}

impl Pause {
    pub(crate) fn period(self) -> Period {
        match self {
            Pause::Rolling(s) => Period::Rolling(s),
            Pause::Dates(n) => Period::Dates(n),
        }
    }
}

/// One entry of a window rule.
#[derive(Clone, Debug)]
pub(crate) struct Win {
    pub(crate) days: Vec<DaySel>,
    /// The permitted spans (their union); none when the entry closes
    /// those days.
    /// Shared with the denials that name them.
    pub(crate) spans: Arc<[(u32, u32, Bounds)]>,
}

#[derive(Clone, Debug)]
pub(crate) enum Body {
    Deny,
    /// Shared with the decisions that carry them.
    Oblige(Vec<SharedStr>),
    OptOut {
        any_channel: bool,
    },
    Cease {
        scope: Scope,
    },
    Attorney {
        scope: Scope,
    },
    Hold {
        reasons: Vec<HoldReason>,
    },
    Inconvenient {
        places: Option<Vec<Place>>,
    },
    Window {
        calendar: Option<(SharedStr, Arc<Calendar>)>,
        windows: Vec<Win>,
    },
    Cap {
        limit: u32,
        scope: Scope,
        period: Period,
        filter: Filter,
        exclude_prior_consent: bool,
    },
    Cooldown {
        scope: Scope,
        period: Pause,
        filter: Filter,
        exclude_prior_consent: bool,
    },
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    /// Shared with every denial that names the rule.
    pub(crate) id: SharedStr,
    /// Shared likewise.
    pub(crate) cite: SharedStr,
    /// Shared likewise (a `deny` rule's message starts with it).
    pub(crate) title: SharedStr,
    pub(crate) when: Cond,
    pub(crate) unless: Option<Cond>,
    /// The rule's own message, shared likewise.
    pub(crate) message: Option<SharedStr>,
    pub(crate) body: Body,
}

fn cond(spec: &Option<ConditionSpec>) -> Cond {
    let d = ConditionSpec::default();
    let c = spec.as_ref().unwrap_or(&d);
    Cond {
        channels: mask(&c.channels),
        roles: role_mask(&c.roles),
        purposes: mask(&c.purposes),
        places: mask(&c.places),
        autodialed: c.autodialed,
        dpd: c.days_past_due.clone(),
        consent: c.consent.as_deref().map(SharedStr::from),
        requested_contact: c.requested_contact,
        debtor_unreachable: c.debtor_unreachable,
        empty: *c == d,
    }
}

/// Compiles a `count` or `after` filter. `pending` is not an outcome a
/// policy can name: a pending attempt already matches every result filter
/// (it may still become any result), so a filter of pending attempts only
/// would count calls in flight and forget them once they end.
fn filter(ctx: &Ctx<'_>, field: &str, spec: &Option<FilterSpec>) -> Result<Filter, PolicyError> {
    let d = FilterSpec::default();
    let f = spec.as_ref().unwrap_or(&d);
    if let Some(i) = f
        .results
        .iter()
        .flatten()
        .position(|r| *r == AttemptResult::Pending)
    {
        return Err(ctx
            .err(
                &format!("{field}.results[{i}]"),
                "`pending` is not an outcome a rule can count",
            )
            .with_help(
                "an attempt whose outcome is not known yet already counts under every result filter",
            ));
    }
    Ok(Filter {
        channels: mask(&f.channels),
        results: mask(&f.results),
        roles: role_mask(&f.roles),
        places: mask(&f.places),
        same_channel: f.same_channel,
    })
}

struct Ctx<'a> {
    loaded: &'a Loaded,
    index: usize,
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> PolicyError {
        let path = if field.is_empty() {
            format!("rules[{}]", self.index)
        } else {
            format!("rules[{}].{field}", self.index)
        };
        self.loaded
            .locate(PolicyError::new(ErrorCode::PolicyInvalid, message).with_field(path))
    }
}

/// The parameters each kind accepts (besides the common ones).
fn allowed_params(kind: RuleKind) -> &'static [&'static str] {
    match kind {
        RuleKind::Deny => &[],
        RuleKind::Oblige => &["obligations"],
        RuleKind::OptOut => &["any_channel"],
        RuleKind::Cease | RuleKind::Attorney => &["scope"],
        RuleKind::Hold => &["reasons"],
        RuleKind::Inconvenient => &["places"],
        RuleKind::Window => &["calendar", "windows"],
        RuleKind::Cap => &[
            "limit",
            "scope",
            "rolling",
            "dates",
            "period",
            "lifetime",
            "count",
            "exclude_prior_consent",
        ],
        RuleKind::Cooldown => &[
            "scope",
            "rolling",
            "dates",
            "after",
            "exclude_prior_consent",
        ],
    }
}

fn present_params(r: &RuleSpec) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut add = |name: &'static str, present: bool| {
        if present {
            v.push(name);
        }
    };
    add("obligations", r.obligations.is_some());
    add("any_channel", r.any_channel.is_some());
    add("scope", r.scope.is_some());
    add("reasons", r.reasons.is_some());
    add("places", r.places.is_some());
    add("calendar", r.calendar.is_some());
    add("windows", r.windows.is_some());
    add("limit", r.limit.is_some());
    add("rolling", r.rolling.is_some());
    add("dates", r.dates.is_some());
    add("period", r.period.is_some());
    add("lifetime", r.lifetime.is_some());
    add("count", r.count.is_some());
    add("after", r.after.is_some());
    add("exclude_prior_consent", r.exclude_prior_consent.is_some());
    v
}

fn compile_calendar(
    loaded: &Loaded,
    name: &str,
    spec: &super::format::CalendarSpec,
) -> Result<Calendar, PolicyError> {
    Calendar::from_spec(spec).map_err(|(field, message)| {
        loaded.locate(
            PolicyError::new(ErrorCode::PolicyInvalid, message)
                .with_field(format!("calendars.{name}.{field}")),
        )
    })
}

fn check_cond(
    ctx: &Ctx<'_>,
    c: &Option<ConditionSpec>,
    field: &str,
    is_unless: bool,
) -> Result<(), PolicyError> {
    let Some(c) = c else { return Ok(()) };
    if !is_unless && (c.consent.is_some() || c.requested_contact.is_some()) {
        return Err(ctx.err(
            field,
            "`consent` and `requested_contact` lift a rule: write them under `unless`",
        ));
    }
    for (list, name) in [
        (c.channels.as_ref().map(Vec::len), "channels"),
        (c.roles.as_ref().map(Vec::len), "roles"),
        (c.purposes.as_ref().map(Vec::len), "purposes"),
        (c.places.as_ref().map(Vec::len), "places"),
    ] {
        if list == Some(0) {
            return Err(ctx.err(
                &format!("{field}.{name}"),
                format!("empty `{name}` list matches nothing"),
            ));
        }
    }
    if let Some(r) = &c.days_past_due {
        if r.gt.is_none() && r.gte.is_none() && r.lt.is_none() && r.lte.is_none() {
            return Err(ctx.err(
                &format!("{field}.days_past_due"),
                "give at least one of `gt`, `gte`, `lt`, `lte`",
            ));
        }
    }
    Ok(())
}

fn period(ctx: &Ctx<'_>, r: &RuleSpec, allow_calendar: bool) -> Result<Period, PolicyError> {
    let mut found = Vec::new();
    if let Some(d) = r.rolling {
        found.push(Period::Rolling(d.seconds));
    }
    if let Some(n) = r.dates {
        if n == 0 {
            return Err(ctx.err("dates", "`dates` must be at least 1"));
        }
        found.push(Period::Dates(n));
    }
    if let Some(p) = r.period {
        if !allow_calendar {
            return Err(ctx.err(
                "period",
                "a cool-down runs for `rolling` or `dates`, not a calendar period",
            ));
        }
        found.push(Period::Calendar(p));
    }
    match r.lifetime {
        Some(true) if allow_calendar => found.push(Period::Lifetime),
        Some(true) => {
            return Err(ctx.err(
                "lifetime",
                "a cool-down cannot last a lifetime: use `cease` or `deny`",
            ))
        }
        Some(false) => {
            return Err(ctx.err("lifetime", "`lifetime = false` means nothing: leave it out"))
        }
        None => {}
    }
    match found.as_slice() {
        [p] => Ok(*p),
        [] => Err(ctx
            .err("", format!("{} rule needs a period", kind_article(r.kind.as_str())))
            .with_help("give one of `rolling = \"5m\"`, `dates = 7`, `period = \"day\"`, `lifetime = true`")),
        _ => Err(ctx.err("", "give only one of `rolling`, `dates`, `period`, `lifetime`")),
    }
}

/// `a `cap`` or `an `oblige``: the kind in backticks with its article.
fn kind_article(kind: &str) -> String {
    let an = kind
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} `{kind}`", if an { "an" } else { "a" })
}

fn compile_rule(
    ctx: &Ctx<'_>,
    r: &RuleSpec,
    calendars: &BTreeMap<String, Arc<Calendar>>,
) -> Result<Rule, PolicyError> {
    for (value, name) in [
        (&r.id, "id"),
        (&r.title, "title"),
        (&r.cite, "cite"),
        (&r.status, "status"),
    ] {
        if value.trim().is_empty() {
            return Err(ctx.err(name, format!("`{name}` must not be empty")));
        }
    }
    let allowed = allowed_params(r.kind);
    for p in present_params(r) {
        if !allowed.contains(&p) {
            return Err(ctx
                .err(
                    p,
                    format!(
                        "`{p}` does not apply to {} rule",
                        kind_article(r.kind.as_str())
                    ),
                )
                .with_help(if allowed.is_empty() {
                    format!(
                        "{} rule takes only `when`, `unless` and `message`",
                        kind_article(r.kind.as_str())
                    )
                } else {
                    format!(
                        "{} rule takes: {}",
                        kind_article(r.kind.as_str()),
                        allowed.join(", ")
                    )
                }));
        }
    }
    check_cond(ctx, &r.when, "when", false)?;
    check_cond(ctx, &r.unless, "unless", true)?;
    let body = match r.kind {
        RuleKind::Deny => Body::Deny,
        RuleKind::Oblige => match &r.obligations {
            Some(o) if !o.is_empty() => {
                Body::Oblige(o.iter().map(|s| SharedStr::from(s.as_str())).collect())
            }
            _ => {
                return Err(ctx.err(
                    "obligations",
                    "an `oblige` rule needs a non-empty `obligations` list",
                ))
            }
        },
        RuleKind::OptOut => Body::OptOut {
            any_channel: r.any_channel.unwrap_or(false),
        },
        RuleKind::Cease | RuleKind::Attorney => {
            let scope = r.scope.unwrap_or(Scope::RecipientDebt);
            if r.kind == RuleKind::Cease {
                if scope == Scope::Debt {
                    return Err(ctx.err(
                        "scope",
                        "a cease binds the person who asked: use `recipient` or `recipient_debt`",
                    ));
                }
                Body::Cease { scope }
            } else {
                if scope == Scope::Recipient {
                    return Err(ctx.err(
                        "scope",
                        "representation is per debt: use `recipient_debt` or `debt`",
                    ));
                }
                Body::Attorney { scope }
            }
        }
        RuleKind::Hold => match &r.reasons {
            Some(v) if !v.is_empty() => Body::Hold { reasons: v.clone() },
            _ => return Err(ctx.err("reasons", "a `hold` rule needs a non-empty `reasons` list")),
        },
        RuleKind::Inconvenient => Body::Inconvenient {
            places: r.places.clone(),
        },
        RuleKind::Window => {
            let calendar = match &r.calendar {
                None => None,
                Some(name) => match calendars.get(name) {
                    Some(c) => Some((SharedStr::from(name.as_str()), Arc::clone(c))),
                    None => {
                        return Err(ctx
                            .err("calendar", format!("unknown calendar `{name}`"))
                            .with_help(
                            "define it under `[calendars.NAME]` in this policy or one it extends",
                        ))
                    }
                },
            };
            let Some(specs) = r.windows.as_ref().filter(|w| !w.is_empty()) else {
                return Err(ctx.err(
                    "windows",
                    "a `window` rule needs at least one entry in `windows`",
                ));
            };
            let mut windows = Vec::new();
            for (i, w) in specs.iter().enumerate() {
                windows.push(window(ctx, i, w, calendar.is_some())?);
            }
            Body::Window { calendar, windows }
        }
        RuleKind::Cap => {
            let Some(limit) = r.limit else {
                return Err(ctx.err("limit", "a `cap` rule needs a `limit`"));
            };
            Body::Cap {
                limit,
                scope: r.scope.ok_or_else(|| {
                    ctx.err("scope", "a `cap` rule needs a `scope`")
                        .with_help("one of `recipient`, `recipient_debt`, `debt`")
                })?,
                period: period(ctx, r, true)?,
                filter: filter(ctx, "count", &r.count)?,
                exclude_prior_consent: r.exclude_prior_consent.unwrap_or(false),
            }
        }
        RuleKind::Cooldown => Body::Cooldown {
            scope: r.scope.ok_or_else(|| {
                ctx.err("scope", "a `cooldown` rule needs a `scope`")
                    .with_help("one of `recipient`, `recipient_debt`, `debt`")
            })?,
            period: match period(ctx, r, false)? {
                Period::Rolling(s) => Pause::Rolling(s),
                Period::Dates(n) => Pause::Dates(n),
                Period::Calendar(_) | Period::Lifetime => {
                    return Err(ctx.err("", "a cool-down runs for `rolling` or `dates`"))
                }
            },
            filter: filter(ctx, "after", &r.after)?,
            exclude_prior_consent: r.exclude_prior_consent.unwrap_or(false),
        },
    };
    let unless = r.unless.as_ref().map(|_| cond(&r.unless));
    if unless.as_ref().is_some_and(|u| u.empty) {
        return Err(ctx.err("unless", "an empty `unless` lifts nothing: leave it out"));
    }
    Ok(Rule {
        // Kept for the process (within a budget): a denial copies a
        // reference to them instead of counting one more owner.
        id: SharedStr::interned(&r.id),
        cite: SharedStr::interned(&r.cite),
        title: SharedStr::interned(&r.title),
        when: cond(&r.when),
        unless,
        message: r.message.as_deref().map(SharedStr::interned),
        body,
    })
}

fn window(ctx: &Ctx<'_>, i: usize, w: &WindowSpec, has_calendar: bool) -> Result<Win, PolicyError> {
    let f = |name: &str| format!("windows[{i}].{name}");
    if w.days.is_empty() {
        return Err(ctx.err(&f("days"), "`days` must name at least one day"));
    }
    if !has_calendar && w.days.iter().any(|d| matches!(d, DaySel::Holiday)) {
        return Err(ctx
            .err(&f("days"), "`holiday` needs a holiday calendar")
            .with_help("set `calendar = \"NAME\"` on the rule"));
    }
    if w.closed {
        if w.start.is_some() || w.end.is_some() || w.bounds.is_some() || w.intervals.is_some() {
            return Err(ctx.err(
                &f("closed"),
                "a closed entry takes no `start`, `end`, `bounds` or `intervals`",
            ));
        }
        return Ok(Win {
            days: w.days.clone(),
            spans: Arc::new([]),
        });
    }
    if let Some(list) = &w.intervals {
        if w.start.is_some() || w.end.is_some() || w.bounds.is_some() {
            return Err(ctx
                .err(
                    &f("intervals"),
                    "an entry with `intervals` takes no `start`, `end` or `bounds` of its own",
                )
                .with_help("give each interval its own `start`, `end` and `bounds`"));
        }
        if list.is_empty() {
            return Err(ctx
                .err(&f("intervals"), "`intervals` must list at least one span")
                .with_help("or `closed = true` for no contact on those days"));
        }
        let mut spans = Vec::with_capacity(list.len());
        for (k, iv) in list.iter().enumerate() {
            let field = f(&format!("intervals[{k}].end"));
            spans.push(span(
                ctx,
                &field,
                iv.start,
                iv.end,
                iv.bounds.unwrap_or_default(),
            )?);
        }
        return Ok(Win {
            days: w.days.clone(),
            spans: spans.into(),
        });
    }
    let (Some(start), Some(end)) = (w.start, w.end) else {
        return Err(ctx
            .err(
                &f(if w.start.is_none() { "start" } else { "end" }),
                "an entry needs both `start` and `end`",
            )
            .with_help(
                "or `closed = true` for no contact on those days, or `intervals` for several spans",
            ));
    };
    let span = span(ctx, &f("end"), start, end, w.bounds.unwrap_or_default())?;
    Ok(Win {
        days: w.days.clone(),
        spans: Arc::new([span]),
    })
}

fn span(
    ctx: &Ctx<'_>,
    field: &str,
    start: LocalTime,
    end: LocalTime,
    bounds: Bounds,
) -> Result<(u32, u32, Bounds), PolicyError> {
    let empty = match bounds {
        Bounds::Closed => start.seconds > end.seconds,
        Bounds::HalfOpen | Bounds::Open => start.seconds >= end.seconds,
    };
    if empty || start.seconds >= 86_400 {
        return Err(ctx
            .err(field, format!("empty window: `{start}` to `{end}` permits nothing"))
            .with_help("windows run forward within one local day; write a ban such as 22:00-08:00 as the permitted span 08:00-22:00, and a midday ban such as 12:00-14:00 as two `intervals`"));
    }
    Ok((start.seconds, end.seconds, bounds))
}

const DAY: i64 = 86_400;

impl Period {
    /// How far back (seconds) a rule with this period reads attempts; one
    /// extra day covers the widest offset between candidate zones. `None`
    /// for a lifetime.
    pub(crate) fn lookback_seconds(self) -> Option<i64> {
        Some(match self {
            Period::Rolling(s) => s,
            Period::Dates(n) => i64::from(n) * DAY + DAY,
            Period::Calendar(CalendarPeriod::Day) => 2 * DAY,
            Period::Calendar(CalendarPeriod::Week) => 8 * DAY,
            Period::Calendar(CalendarPeriod::Month) => 32 * DAY,
            Period::Lifetime => return None,
        })
    }
}

/// The look-back of the out-of-contact condition, in seconds.
pub(crate) fn unreachable_lookback(unreachable: &UnreachableSpec) -> i64 {
    i64::from(unreachable.dates) * DAY + DAY
}

fn lookback(rules: &[Rule], unreachable: &UnreachableSpec) -> Option<i64> {
    let mut max = unreachable_lookback(unreachable);
    for r in rules {
        let p = match &r.body {
            Body::Cap { period, .. } => *period,
            Body::Cooldown { period, .. } => period.period(),
            _ => continue,
        };
        max = max.max(p.lookback_seconds()?);
    }
    Some(max)
}

/// Points every window rule at the final, merged calendar of its name: a
/// file that extends a preset may add years to the preset's calendar after
/// the preset's rules were compiled.
fn use_merged_calendars(rules: &mut [Rule], calendars: &BTreeMap<String, Arc<Calendar>>) {
    for rule in rules {
        if let Body::Window {
            calendar: Some((name, cal)),
            ..
        } = &mut rule.body
        {
            if let Some(merged) = calendars.get(name.as_str()) {
                *cal = Arc::clone(merged);
            }
        }
    }
}

pub(crate) fn compile(name: &str, files: Vec<Loaded>) -> Result<Policy, PolicyError> {
    let mut calendars: BTreeMap<String, Arc<Calendar>> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut specs: Vec<RuleSpec> = Vec::new();
    let mut unreachable: Option<UnreachableSpec> = None;
    for loaded in &files {
        let file = &loaded.file;
        for (cname, spec) in &file.calendars {
            let cal = compile_calendar(loaded, cname, spec)?;
            let merged = match calendars.get(cname) {
                None => cal,
                Some(existing) => {
                    let mut merged = Calendar::clone(existing);
                    merged.merge(&cal).map_err(|conflict| {
                        loaded.locate(
                            PolicyError::new(ErrorCode::PolicyCalendarConflict, conflict.message(cname))
                                .with_field(format!("calendars.{cname}"))
                                .with_help(
                                    "add only years the extended calendar lacks, or list the same days for a year it has",
                                ),
                        )
                    })?;
                    merged
                }
            };
            calendars.insert(cname.clone(), Arc::new(merged));
        }
        if let Some(u) = &file.unreachable {
            if u.dates == 0 || u.min_failed == 0 {
                return Err(loaded.locate(
                    PolicyError::new(
                        ErrorCode::PolicyInvalid,
                        "`dates` and `min_failed` must be at least 1",
                    )
                    .with_field("unreachable"),
                ));
            }
            if unreachable.as_ref().is_some_and(|prev| prev != u) {
                return Err(loaded.locate(
                    PolicyError::new(
                        ErrorCode::PolicyInvalid,
                        "the out-of-contact condition is already defined differently by an extended policy",
                    )
                    .with_field("unreachable"),
                ));
            }
            unreachable = Some(u.clone());
        }
        for (index, spec) in file.rules.iter().enumerate() {
            let ctx = Ctx { loaded, index };
            if specs.iter().any(|s| s.id == spec.id) {
                return Err(ctx.err("id", format!("duplicate rule id `{}`", spec.id)));
            }
            rules.push(compile_rule(&ctx, spec, &calendars)?);
            specs.push(spec.clone());
        }
    }
    use_merged_calendars(&mut rules, &calendars);
    let unreachable = unreachable.unwrap_or_default();
    let lookback = lookback(&rules, &unreachable);
    let plan = crate::engine::Plan::new(&rules);
    Ok(Policy::from_inner(Inner {
        name: name.to_owned(),
        rules,
        specs,
        calendars,
        unreachable,
        lookback,
        plan,
    }))
}

pub(crate) fn compose(parts: &[&Policy]) -> Result<Policy, PolicyError> {
    let mut rules = Vec::new();
    let mut specs: Vec<RuleSpec> = Vec::new();
    let mut calendars: BTreeMap<String, Arc<Calendar>> = BTreeMap::new();
    let mut unreachable: Option<UnreachableSpec> = None;
    let mut names = Vec::new();
    for p in parts {
        let inner = p.inner();
        names.push(inner.name.clone());
        for (rule, spec) in inner.rules.iter().zip(&inner.specs) {
            match specs.iter().find(|s| s.id == spec.id) {
                Some(existing) if existing == spec => continue,
                Some(_) => {
                    return Err(PolicyError::new(
                        ErrorCode::PolicyDuplicateId,
                        format!(
                            "rule id `{}` is defined differently in two composed policies",
                            spec.id
                        ),
                    ))
                }
                None => {
                    rules.push(rule.clone());
                    specs.push(spec.clone());
                }
            }
        }
        for (name, cal) in &inner.calendars {
            let merged = match calendars.get(name) {
                None => Arc::clone(cal),
                Some(existing) if existing == cal => continue,
                Some(existing) => {
                    let mut merged = Calendar::clone(existing);
                    merged.merge(cal).map_err(|conflict| {
                        PolicyError::new(ErrorCode::PolicyCalendarConflict, conflict.message(name))
                    })?;
                    Arc::new(merged)
                }
            };
            calendars.insert(name.clone(), merged);
        }
        if p.inner().unreachable != UnreachableSpec::default() || unreachable.is_none() {
            if unreachable
                .as_ref()
                .is_some_and(|u| *u != UnreachableSpec::default() && *u != inner.unreachable)
            {
                return Err(PolicyError::new(
                    ErrorCode::PolicyInvalid,
                    "two composed policies define the out-of-contact condition differently",
                ));
            }
            unreachable = Some(inner.unreachable.clone());
        }
    }
    use_merged_calendars(&mut rules, &calendars);
    let unreachable = unreachable.unwrap_or_default();
    let lookback = lookback(&rules, &unreachable);
    let plan = crate::engine::Plan::new(&rules);
    Ok(Policy::from_inner(Inner {
        name: names.join("+"),
        rules,
        specs,
        calendars,
        unreachable,
        lookback,
        plan,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `bit` relies on each enum's discriminant being its index in `ALL`.
    #[test]
    fn discriminants_are_positions_in_all() {
        fn check<T: Copy + PartialEq + Into<u32>>(all: &[T]) {
            for (i, v) in all.iter().enumerate() {
                assert_eq!(u32::try_from(i).ok(), Some((*v).into()));
            }
        }
        check(Channel::ALL);
        check(Role::ALL);
        check(Purpose::ALL);
        check(Place::ALL);
        check(AttemptResult::ALL);
    }
}
