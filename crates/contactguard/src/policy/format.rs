//! The policy file format (`contactguard-policy/1`), as read from TOML or
//! JSON. Every struct rejects unknown keys. `docs/policy-format.md` is the
//! user-facing description of these types.

use crate::model::{AttemptResult, Channel, HoldReason, Place, Purpose, Role};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The format tag every policy file carries.
pub const FORMAT: &str = "contactguard-policy/1";

/// A policy file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Must be `contactguard-policy/1`.
    pub format: String,
    /// Short name (for presets, the name used to load it).
    #[serde(default)]
    pub name: Option<String>,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// Free text: scope, sources, who it binds.
    #[serde(default)]
    pub description: Option<String>,
    /// Other policies (preset names) whose rules this one includes.
    #[serde(default)]
    pub extends: Vec<String>,
    /// Parameters of the "debtor out of contact" condition.
    #[serde(default)]
    pub unreachable: Option<UnreachableSpec>,
    /// Holiday calendars by name.
    #[serde(default)]
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// The rules. Every rule can only deny (or attach obligations).
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// When is a debtor out of contact on a debt: within the `dates` local
/// calendar dates ending on the ask's date, no attempt to the debtor about
/// the debt reached them (`conversation`/`delivered`) and at least
/// `min_failed` attempts did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnreachableSpec {
    /// Consecutive local dates looked back over.
    pub dates: u32,
    /// Attempts that must have failed.
    pub min_failed: u32,
}

impl Default for UnreachableSpec {
    fn default() -> Self {
        UnreachableSpec {
            dates: 7,
            min_failed: 3,
        }
    }
}

/// A holiday calendar: days off and make-up working days, either listed per
/// year (`covers`, `holidays`, `workdays`) or computed for any year by a
/// statutory `rule`, or both. Every year says where its data comes from and
/// how sure it is (`status`, `years.YYYY`).
///
/// A policy that extends another may define a calendar of the same name:
/// its years are added to the extended calendar's; a year both define must
/// list the same days, except that an `official` list replaces a `computed`
/// or `partial` year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Where the dates come from (for every listed year without its own
    /// `years.YYYY.source`).
    #[serde(default)]
    pub source: Option<String>,
    /// Years for which the listed dates are the whole calendar.
    #[serde(default)]
    pub covers: Vec<i16>,
    /// Holidays (`YYYY-MM-DD`).
    #[serde(default)]
    pub holidays: Vec<Date>,
    /// Make-up working days (`YYYY-MM-DD`), e.g. China's 调休 weekends.
    #[serde(default)]
    pub workdays: Vec<Date>,
    /// How the listed years were obtained (default `official`), unless a
    /// year says otherwise under `years`.
    #[serde(default)]
    pub status: Option<CalendarStatus>,
    /// A statutory rule that computes the calendar for any year it applies
    /// to (years listed in `covers` must agree with it).
    #[serde(default)]
    pub rule: Option<CalendarRule>,
    /// What is known to be missing or uncertain.
    #[serde(default)]
    pub note: Option<String>,
    /// Per-year `status`, `source` and `note`, keyed by the year
    /// (`[calendars.th.years.2027]`); each key must be a covered year.
    #[serde(default)]
    pub years: BTreeMap<String, CalendarYearSpec>,
}

/// What is known about one listed year of a calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYearSpec {
    /// How the year's dates were obtained.
    #[serde(default)]
    pub status: Option<CalendarStatus>,
    /// Where they come from.
    #[serde(default)]
    pub source: Option<String>,
    /// What is known to be missing or uncertain.
    #[serde(default)]
    pub note: Option<String>,
}

/// How a calendar year's dates were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CalendarStatus {
    /// The government's published list for that year.
    Official,
    /// Worked out from the usual rules before (or without) an official list;
    /// it may differ from what is eventually published.
    Computed,
    /// Fixed by statute for every year and computed from that rule.
    StatutoryRule,
    /// Some of the year's days only: the listed days are holidays, others
    /// may be missing.
    Partial,
}

impl CalendarStatus {
    /// The wire name: `official`, `computed`, `statutory-rule`, `partial`.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarStatus::Official => "official",
            CalendarStatus::Computed => "computed",
            CalendarStatus::StatutoryRule => "statutory-rule",
            CalendarStatus::Partial => "partial",
        }
    }
}

impl fmt::Display for CalendarStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statutory holiday rule the crate can compute for any year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CalendarRule {
    /// Ireland's public holidays under the Organisation of Working Time Act
    /// 1997, Schedule 2, as amended for St Brigid's Day (from 2023): 1
    /// January; the first Monday in February, or 1 February when that is a
    /// Friday; 17 March; Easter Monday; the first Monday in May, June and
    /// August; the last Monday in October; 25 and 26 December. No
    /// substitute weekday for a holiday on a weekend.
    #[serde(rename = "ie-owta-1997")]
    IeOwta1997,
}

impl CalendarRule {
    /// The wire name, e.g. `ie-owta-1997`.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarRule::IeOwta1997 => "ie-owta-1997",
        }
    }

    /// The first year the rule describes (earlier years had other days).
    pub fn first_year(self) -> i16 {
        match self {
            CalendarRule::IeOwta1997 => 2023,
        }
    }

    /// Whether the rule describes `year` (from [`CalendarRule::first_year`]).
    pub fn applies_to(self, year: i16) -> bool {
        year >= self.first_year()
    }

    /// The rule's citation.
    pub fn cite(self) -> &'static str {
        match self {
            CalendarRule::IeOwta1997 => {
                "Organisation of Working Time Act 1997, Schedule 2 (as amended 2022 for St Brigid's Day)"
            }
        }
    }
}

/// One rule. Which of the optional parameters a rule takes depends on its
/// `kind`; the compiler rejects parameters that do not belong to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique id, e.g. `us-reg-f.10`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Legal citation.
    pub cite: String,
    /// `law`, `guidance`, `self-reg`, `secondary`, combinations such as
    /// `law; secondary`, or `convention`.
    pub status: String,
    /// What the rule does: `deny`, `oblige`, `opt_out`, `cease`,
    /// `attorney`, `hold`, `inconvenient`, `window`, `cap`, `cooldown`.
    pub kind: RuleKind,
    /// For preset conventions: the reading chosen and why.
    #[serde(default)]
    pub convention: Option<String>,
    /// Free notes.
    #[serde(default)]
    pub note: Option<String>,
    /// The rule applies only to asks matching this condition.
    #[serde(default)]
    pub when: Option<ConditionSpec>,
    /// The rule is lifted when this condition holds.
    #[serde(default)]
    pub unless: Option<ConditionSpec>,
    /// Optional sentence used in the denial instead of the default one
    /// (not when the engine could not evaluate the rule, e.g. a date past
    /// its holiday calendar: that denial keeps the engine's wording).
    #[serde(default)]
    pub message: Option<String>,

    /// `oblige`: obligation names, e.g. `no_debt_disclosure`.
    #[serde(default)]
    pub obligations: Option<Vec<String>>,
    /// `opt_out`: any opt-out blocks every medium.
    #[serde(default)]
    pub any_channel: Option<bool>,
    /// `cease`, `attorney`, `cap`, `cooldown`: whose events count:
    /// `recipient`, `recipient_debt` or `debt` (everyone about the debt).
    #[serde(default)]
    pub scope: Option<Scope>,
    /// `hold`: hold reasons honoured.
    #[serde(default)]
    pub reasons: Option<Vec<HoldReason>>,
    /// `inconvenient`: honour statements naming one of these places; when
    /// absent, honour statements that name no place.
    #[serde(default)]
    pub places: Option<Vec<Place>>,
    /// `window`: holiday calendar used to classify dates.
    #[serde(default)]
    pub calendar: Option<String>,
    /// `window`: entries tried in order; the first whose `days` match a date
    /// governs it. A date that no entry matches is closed all day.
    #[serde(default)]
    pub windows: Option<Vec<WindowSpec>>,
    /// `cap`: the largest number of counted earlier attempts allowed.
    #[serde(default)]
    pub limit: Option<u32>,
    /// `cap`, `cooldown`: a rolling duration such as `5m`, `24h`, `7d`.
    #[serde(default)]
    pub rolling: Option<Duration>,
    /// `cap`, `cooldown`: N consecutive local calendar dates (for a cap the
    /// ask's date is the last; for a cool-down the trigger's date is the
    /// first).
    #[serde(default)]
    pub dates: Option<u32>,
    /// `cap`: the local calendar `day`, `week` (Monday to Sunday) or
    /// `month`.
    #[serde(default)]
    pub period: Option<CalendarPeriod>,
    /// `cap`: count over all time.
    #[serde(default)]
    pub lifetime: Option<bool>,
    /// `cap`: which attempts count.
    #[serde(default)]
    pub count: Option<FilterSpec>,
    /// `cooldown`: which attempts start it.
    #[serde(default)]
    pub after: Option<FilterSpec>,
    /// `cap`, `cooldown`: Reg F prior consent. Attempts inside a live
    /// prior-consent window do not count, and an ask inside one passes.
    #[serde(default)]
    pub exclude_prior_consent: Option<bool>,
}

/// A condition on the ask (and, in `unless`, on the history).
///
/// In `when`, an ask field that is absent satisfies the condition (the rule
/// applies: the stricter reading); in `unless`, it does not (the exception
/// is not met).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// Channels (wire names).
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    /// Roles (wire names or the groups `obligors`, `consumers`,
    /// `third_parties`, `non_obligors`).
    #[serde(default)]
    pub roles: Option<Vec<RoleSel>>,
    /// Purposes.
    #[serde(default)]
    pub purposes: Option<Vec<Purpose>>,
    /// Places.
    #[serde(default)]
    pub places: Option<Vec<Place>>,
    /// Autodialed or not.
    #[serde(default)]
    pub autodialed: Option<bool>,
    /// Bounds on days past due.
    #[serde(default)]
    pub days_past_due: Option<RangeSpec>,
    /// `unless` only: the recipient's latest `consent` of this kind (or
    /// without a kind) for the ask's channel is granted.
    #[serde(default)]
    pub consent: Option<String>,
    /// `unless` only: the recipient asked to be contacted again
    /// (`request_contact`).
    #[serde(default)]
    pub requested_contact: Option<bool>,
    /// The debtor on the ask's debt is out of contact (or deceased).
    #[serde(default)]
    pub debtor_unreachable: Option<bool>,
}

/// Integer bounds; every given bound must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// Strictly greater than.
    #[serde(default)]
    pub gt: Option<i64>,
    /// Greater than or equal.
    #[serde(default)]
    pub gte: Option<i64>,
    /// Strictly less than.
    #[serde(default)]
    pub lt: Option<i64>,
    /// Less than or equal.
    #[serde(default)]
    pub lte: Option<i64>,
}

/// Which attempts a cap counts or a cool-down reacts to. Absent lists
/// match everything; an attempt without a place matches any `places`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// Channels.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    /// Results.
    #[serde(default)]
    pub results: Option<Vec<AttemptResult>>,
    /// Roles (names or groups).
    #[serde(default)]
    pub roles: Option<Vec<RoleSel>>,
    /// Places.
    #[serde(default)]
    pub places: Option<Vec<Place>>,
    /// Only attempts on the ask's own channel.
    #[serde(default)]
    pub same_channel: bool,
}

/// One entry of a window rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Day selectors: `mon`...`sun`, `weekday`, `weekend`, `workday`,
    /// `holiday`, `any`.
    pub days: Vec<DaySel>,
    /// Permitted from (local `HH:MM[:SS]`).
    #[serde(default)]
    pub start: Option<LocalTime>,
    /// Permitted until (local `HH:MM[:SS]`, `24:00` for end of day).
    #[serde(default)]
    pub end: Option<LocalTime>,
    /// `closed` (both ends permitted, the default), `half_open` (start
    /// permitted, end not) or `open` (neither end permitted).
    #[serde(default)]
    pub bounds: Option<Bounds>,
    /// No contact at all on these days.
    #[serde(default)]
    pub closed: bool,
    /// Several permitted spans on these days (their union), instead of
    /// `start`/`end`: a lunch break, a split shift, a midday ban.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<IntervalSpec>>,
}

/// One permitted span of a window entry with several `intervals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalSpec {
    /// Permitted from (local `HH:MM[:SS]`).
    pub start: LocalTime,
    /// Permitted until (local `HH:MM[:SS]`, `24:00` for end of day).
    pub end: LocalTime,
    /// Which ends are permitted; `closed` (both) by default.
    #[serde(default)]
    pub bounds: Option<Bounds>,
}

/// Whose events a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The same recipient, any debt.
    Recipient,
    /// The same recipient and the same debt.
    RecipientDebt,
    /// Anyone contacted about the same debt.
    Debt,
}

impl Scope {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Recipient => "recipient",
            Scope::RecipientDebt => "recipient_debt",
            Scope::Debt => "debt",
        }
    }
}

/// A local calendar period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarPeriod {
    /// The local calendar day.
    Day,
    /// Monday to Sunday.
    Week,
    /// The calendar month.
    Month,
}

/// What a rule does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Deny every ask the conditions select.
    #[default]
    Deny,
    /// Attach obligations; never denies.
    Oblige,
    /// Honour opt-outs.
    OptOut,
    /// Honour cease requests.
    Cease,
    /// Honour attorney representation.
    Attorney,
    /// Deny while a hold on the debt is active.
    Hold,
    /// Honour recipient-stated inconvenient times, days and places.
    Inconvenient,
    /// Local-time windows.
    Window,
    /// At most N counted attempts in a period.
    Cap,
    /// No contact for a period after a matching attempt.
    Cooldown,
}

impl RuleKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Deny => "deny",
            RuleKind::Oblige => "oblige",
            RuleKind::OptOut => "opt_out",
            RuleKind::Cease => "cease",
            RuleKind::Attorney => "attorney",
            RuleKind::Hold => "hold",
            RuleKind::Inconvenient => "inconvenient",
            RuleKind::Window => "window",
            RuleKind::Cap => "cap",
            RuleKind::Cooldown => "cooldown",
        }
    }
}

/// A role or a named group of roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleSel {
    /// One role.
    Role(Role),
    /// A group.
    Group(RoleGroup),
}

impl<'de> Deserialize<'de> for RoleSel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let group = match s.as_str() {
            "obligors" => Some(RoleGroup::Obligors),
            "non_obligors" => Some(RoleGroup::NonObligors),
            "consumers" => Some(RoleGroup::Consumers),
            "third_parties" => Some(RoleGroup::ThirdParties),
            "anyone" => Some(RoleGroup::Anyone),
            _ => None,
        };
        if let Some(g) = group {
            return Ok(RoleSel::Group(g));
        }
        Role::from_wire(&s).map(RoleSel::Role).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            serde::de::Error::custom(format!(
                "unknown role `{s}`, expected one of {} or a group: obligors, non_obligors, consumers, third_parties, anyone",
                roles.join(", ")
            ))
        })
    }
}

impl Serialize for RoleSel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Named groups of roles (regulations.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleGroup {
    /// `debtor`, `co_debtor`, `guarantor`.
    Obligors,
    /// Everyone but the obligors.
    NonObligors,
    /// Reg F consumers: obligors, `spouse`, `estate_representative`.
    Consumers,
    /// `emergency_contact`, `reference`, `third_party`, `employer`.
    ThirdParties,
    /// Every role.
    Anyone,
}

impl RoleSel {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleSel::Role(r) => r.as_str(),
            RoleSel::Group(RoleGroup::Obligors) => "obligors",
            RoleSel::Group(RoleGroup::NonObligors) => "non_obligors",
            RoleSel::Group(RoleGroup::Consumers) => "consumers",
            RoleSel::Group(RoleGroup::ThirdParties) => "third_parties",
            RoleSel::Group(RoleGroup::Anyone) => "anyone",
        }
    }

    /// Whether `role` is selected.
    pub fn matches(self, role: Role) -> bool {
        match self {
            RoleSel::Role(r) => r == role,
            RoleSel::Group(RoleGroup::Obligors) => role.is_obligor(),
            RoleSel::Group(RoleGroup::NonObligors) => !role.is_obligor(),
            RoleSel::Group(RoleGroup::Consumers) => {
                role.is_obligor() || matches!(role, Role::Spouse | Role::EstateRepresentative)
            }
            RoleSel::Group(RoleGroup::ThirdParties) => role.is_third_party(),
            RoleSel::Group(RoleGroup::Anyone) => true,
        }
    }
}

/// A selector of local dates in a window rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySel {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
    /// Monday to Friday.
    Weekday,
    /// Saturday and Sunday that are neither holidays nor make-up workdays.
    Weekend,
    /// Working days: Monday to Friday that are not holidays, and make-up
    /// working days.
    Workday,
    /// Holidays of the rule's calendar.
    Holiday,
    /// Every date.
    Any,
}

/// Which ends of a window are permitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounds {
    /// `[start, end]`: both ends permitted.
    #[default]
    Closed,
    /// `[start, end)`: the start permitted, the end not.
    HalfOpen,
    /// `(start, end)`: neither end permitted ("strict endpoints").
    Open,
}

/// A duration written as a number and a unit: `30s`, `5m`, `24h`, `7d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    /// Length in seconds.
    pub seconds: i64,
}

impl Duration {
    /// Parses `30s`, `5m`, `24h`, `7d` or `2w`.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: i64 = digits.parse().map_err(|_| {
            format!("invalid duration `{s}`: expected a number and a unit, such as `5m` or `7d`")
        })?;
        let mult = match unit.trim() {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            other => {
                return Err(format!(
                    "invalid duration `{s}`: unknown unit `{other}`, expected one of `s`, `m`, `h`, `d`, `w`"
                ))
            }
        };
        if n <= 0 {
            return Err(format!("invalid duration `{s}`: must be positive"));
        }
        n.checked_mul(mult)
            .filter(|v| *v <= 100 * 366 * 86_400)
            .map(|seconds| Duration { seconds })
            .ok_or_else(|| format!("invalid duration `{s}`: longer than 100 years"))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        if s % 604_800 == 0 {
            write!(f, "{}w", s / 604_800)
        } else if s % 86_400 == 0 {
            write!(f, "{}d", s / 86_400)
        } else if s % 3600 == 0 {
            write!(f, "{}h", s / 3600)
        } else if s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Duration::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A local wall-clock time `HH:MM` or `HH:MM:SS`; `24:00` means the end of
/// the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    /// Seconds since local midnight, 0..=86400.
    pub seconds: u32,
}

impl LocalTime {
    /// Parses `HH:MM` or `HH:MM:SS` (00:00 to 24:00).
    pub fn parse(s: &str) -> Result<LocalTime, String> {
        let bad = || {
            format!(
                "invalid local time `{s}`: expected `HH:MM` or `HH:MM:SS` between 00:00 and 24:00"
            )
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let num = |i: usize| {
            parts
                .get(i)
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let (h, m, sec) = (num(0), num(1), num(2));
        if h > 24 || m > 59 || sec > 59 || (h == 24 && (m, sec) != (0, 0)) {
            return Err(bad());
        }
        Ok(LocalTime {
            seconds: h * 3600 + m * 60 + sec,
        })
    }

    /// As a civil time; `24:00` has none.
    pub fn to_time(self) -> Option<Time> {
        let s = self.seconds;
        if s >= 86_400 {
            return None;
        }
        Time::new((s / 3600) as i8, ((s / 60) % 60) as i8, (s % 60) as i8, 0).ok()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        write!(f, "{:02}:{:02}", s / 3600, (s / 60) % 60)?;
        if s % 60 != 0 {
            write!(f, ":{:02}", s % 60)?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LocalTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
