//! Holiday calendars: listed years, statutory rules for any year, merging
//! an operator's years into a preset's, and the coverage report.

use super::format::{CalendarRule, CalendarSpec, CalendarStatus};
use jiff::civil::{Date, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// One listed year of a calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Year {
    pub(crate) holidays: BTreeSet<Date>,
    pub(crate) workdays: BTreeSet<Date>,
    pub(crate) status: CalendarStatus,
    pub(crate) source: Option<String>,
    pub(crate) note: Option<String>,
}

impl Year {
    /// Whether the two lists give the same days.
    fn same_days(&self, other: &Year) -> bool {
        self.holidays == other.holidays && self.workdays == other.workdays
    }
}

/// A holiday calendar, compiled: the listed years, and optionally a
/// statutory rule that classifies every other year from its first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub(crate) years: BTreeMap<i16, Year>,
    pub(crate) rule: Option<CalendarRule>,
    pub(crate) source: Option<String>,
    pub(crate) note: Option<String>,
}

/// Why two definitions of one calendar cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// Both list this year with different days.
    Year(i16),
    /// Both name a different statutory rule.
    Rule,
}

impl Conflict {
    pub(crate) fn message(&self, name: &str) -> String {
        match self {
            Conflict::Year(y) => format!(
                "calendar `{name}` already lists {y} with different days in an extended policy; a year both define must agree"
            ),
            Conflict::Rule => {
                format!("calendar `{name}` already follows a different statutory rule in an extended policy")
            }
        }
    }
}

impl Calendar {
    /// Compiles a calendar's spec; `Err` carries the field at fault and the
    /// message.
    pub(crate) fn from_spec(spec: &CalendarSpec) -> Result<Calendar, (String, String)> {
        if spec.covers.is_empty() && spec.rule.is_none() {
            return Err((
                "covers".into(),
                "a calendar must say which years it `covers` (or follow a statutory `rule`)".into(),
            ));
        }
        let mut years: BTreeMap<i16, Year> = BTreeMap::new();
        for &y in &spec.covers {
            if Date::new(y, 1, 1).is_err() {
                return Err(("covers".into(), format!("`{y}` is not a year")));
            }
            years.insert(
                y,
                Year {
                    holidays: BTreeSet::new(),
                    workdays: BTreeSet::new(),
                    status: spec.status.unwrap_or(CalendarStatus::Official),
                    source: spec.source.clone(),
                    note: None,
                },
            );
        }
        for (key, info) in &spec.years {
            let year = key.parse::<i16>().ok().and_then(|y| years.get_mut(&y));
            let Some(year) = year else {
                return Err((
                    format!("years.{key}"),
                    format!("`{key}` is not one of the calendar's `covers` years"),
                ));
            };
            if let Some(s) = info.status {
                year.status = s;
            }
            if info.source.is_some() {
                year.source.clone_from(&info.source);
            }
            year.note.clone_from(&info.note);
        }
        for (list, what) in [(&spec.holidays, "holidays"), (&spec.workdays, "workdays")] {
            for (i, d) in list.iter().enumerate() {
                let Some(year) = years.get_mut(&d.year()) else {
                    return Err((
                        format!("{what}[{i}]"),
                        format!("date `{d}` lies outside the calendar's `covers` years"),
                    ));
                };
                if what == "holidays" {
                    year.holidays.insert(*d);
                } else {
                    year.workdays.insert(*d);
                }
            }
        }
        let cal = Calendar {
            years,
            rule: spec.rule,
            source: spec.source.clone(),
            note: spec.note.clone(),
        };
        if let Some(rule) = cal.rule {
            if let Some(y) = first_disagreeing_year(&cal.years, rule) {
                return Err((
                    "covers".into(),
                    format!(
                        "the listed days of {y} differ from the statutory rule `{}`",
                        rule.as_str()
                    ),
                ));
            }
        }
        Ok(cal)
    }

    /// Adds `other`'s years (and rule) to this calendar. A year both list
    /// must give the same days, except that an `official` list replaces a
    /// `computed` or `partial` year (the published list supersedes the
    /// guess).
    pub(crate) fn merge(&mut self, other: &Calendar) -> Result<(), Conflict> {
        match (self.rule, other.rule) {
            (Some(a), Some(b)) if a != b => return Err(Conflict::Rule),
            (None, Some(b)) => {
                if let Some(y) = first_disagreeing_year(&self.years, b) {
                    return Err(Conflict::Year(y));
                }
                self.rule = Some(b);
            }
            _ => {}
        }
        for (y, theirs) in &other.years {
            let ruled = self
                .rule
                .filter(|r| r.applies_to(*y))
                .map(|r| rule_year(r, *y));
            match self.years.get(y).or(ruled.as_ref()) {
                None => {
                    self.years.insert(*y, theirs.clone());
                }
                Some(ours) if ours.same_days(theirs) => {}
                Some(ours)
                    if matches!(
                        ours.status,
                        CalendarStatus::Partial | CalendarStatus::Computed
                    ) && theirs.status == CalendarStatus::Official =>
                {
                    self.years.insert(*y, theirs.clone());
                }
                Some(_) => return Err(Conflict::Year(*y)),
            }
        }
        Ok(())
    }

    /// Whether the calendar can classify dates of `year`.
    pub fn covers_year(&self, year: i16) -> bool {
        self.years.contains_key(&year) || self.rule.is_some_and(|r| r.applies_to(year))
    }

    /// The first covered year after `year`, if any.
    pub fn next_covered_year(&self, year: i16) -> Option<i16> {
        let listed = self
            .years
            .range(year.checked_add(1)?..)
            .next()
            .map(|(y, _)| *y);
        let ruled = self.rule.map(|r| r.first_year().max(year + 1));
        match (listed, ruled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b).filter(|y| Date::new(*y, 1, 1).is_ok()),
        }
    }

    /// Whether `date` is a holiday (meaningful only for covered years).
    pub fn is_holiday(&self, date: Date) -> bool {
        match self.years.get(&date.year()) {
            Some(year) => year.holidays.contains(&date),
            None => self.rule.is_some_and(|r| rule_holiday(r, date)),
        }
    }

    /// Whether `date` is a make-up working day on a weekend (meaningful
    /// only for covered years).
    pub fn is_makeup_workday(&self, date: Date) -> bool {
        self.years
            .get(&date.year())
            .is_some_and(|year| year.workdays.contains(&date))
    }

    /// The calendar's coverage, as reported to operators.
    pub(crate) fn coverage(&self, name: &str) -> CalendarCoverage {
        CalendarCoverage {
            name: name.to_owned(),
            years: self.years.keys().copied().collect(),
            listed: self
                .years
                .iter()
                .map(|(y, year)| YearCoverage {
                    year: *y,
                    status: year.status,
                    source: year.source.clone(),
                    note: year.note.clone(),
                    holidays: year.holidays.len(),
                })
                .collect(),
            rule: self.rule,
            source: self.source.clone(),
            note: self.note.clone(),
            used_by: Vec::new(),
        }
    }
}

/// A calendar's name, what it covers and how sure each year is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarCoverage {
    /// The calendar's name.
    pub name: String,
    /// The listed years (a statutory `rule` covers more: see
    /// [`CalendarCoverage::covers`]).
    pub years: Vec<i16>,
    /// Each listed year with its status and source.
    pub listed: Vec<YearCoverage>,
    /// The statutory rule that computes every year from its first, if any.
    pub rule: Option<CalendarRule>,
    /// Where the calendar's data comes from.
    pub source: Option<String>,
    /// What is known to be missing or uncertain.
    pub note: Option<String>,
    /// Ids of the rules that read the calendar.
    pub used_by: Vec<String>,
}

/// One listed year of a calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearCoverage {
    /// The year.
    pub year: i16,
    /// How its days were obtained.
    pub status: CalendarStatus,
    /// Where they come from.
    pub source: Option<String>,
    /// What is known to be missing or uncertain.
    pub note: Option<String>,
    /// How many holidays it lists.
    pub holidays: usize,
}

impl CalendarCoverage {
    /// Whether dates of `year` can be classified.
    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year) || self.rule.is_some_and(|r| r.applies_to(year))
    }

    /// The years in one phrase: `2026 official, 2027 computed`, then the
    /// statutory rule if any (`every year from 2023 by statutory rule
    /// \`ie-owta-1997\``).
    pub fn years_summary(&self) -> String {
        let mut parts: Vec<String> = self
            .listed
            .iter()
            .map(|y| format!("{} {}", y.year, y.status))
            .collect();
        if let Some(rule) = self.rule {
            parts.push(format!(
                "every year from {} by statutory rule `{}`",
                rule.first_year(),
                rule.as_str()
            ));
        }
        parts.join(", ")
    }

    /// The status of `year`, if covered.
    pub fn status(&self, year: i16) -> Option<CalendarStatus> {
        match self.listed.iter().find(|l| l.year == year) {
            Some(l) => Some(l.status),
            None => self
                .rule
                .filter(|r| r.applies_to(year))
                .map(|_| CalendarStatus::StatutoryRule),
        }
    }

    /// The first date on or after `from` that the calendar cannot classify
    /// (rules using it deny there, fail closed); `None` when it never runs
    /// out.
    pub fn first_unclassifiable(&self, from: Date) -> Option<Date> {
        let mut year = from.year();
        loop {
            if !self.covers(year) {
                return if year == from.year() {
                    Some(from)
                } else {
                    Date::new(year, 1, 1).ok()
                };
            }
            if self.rule.is_some_and(|r| r.applies_to(year)) {
                return None;
            }
            year = year.checked_add(1)?;
        }
    }
}

/// The first listed year the rule also covers whose days differ from the
/// rule's: a calendar that follows a rule must agree with it.
fn first_disagreeing_year(years: &BTreeMap<i16, Year>, rule: CalendarRule) -> Option<i16> {
    years
        .iter()
        .find(|(y, year)| rule.applies_to(**y) && !year.same_days(&rule_year(rule, **y)))
        .map(|(y, _)| *y)
}

/// The days a rule gives for `year`, as a listed year.
fn rule_year(rule: CalendarRule, year: i16) -> Year {
    let mut holidays = BTreeSet::new();
    if let Ok(jan1) = Date::new(year, 1, 1) {
        let mut d = jan1;
        while d.year() == year {
            if rule_holiday(rule, d) {
                holidays.insert(d);
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
    }
    Year {
        holidays,
        workdays: BTreeSet::new(),
        status: CalendarStatus::StatutoryRule,
        source: Some(rule.cite().to_owned()),
        note: None,
    }
}

fn rule_holiday(rule: CalendarRule, date: Date) -> bool {
    match rule {
        CalendarRule::IeOwta1997 => ie_holiday(date),
    }
}

/// Ireland, Organisation of Working Time Act 1997, Schedule 2.
fn ie_holiday(date: Date) -> bool {
    let (month, day, wd) = (date.month(), date.day(), date.weekday());
    let monday = wd == Weekday::Monday;
    let first_monday = monday && day <= 7;
    match month {
        1 => day == 1,
        // St Brigid's Day: 1 February when that is a Friday, otherwise the
        // first Monday in February.
        2 => {
            let feb1_friday =
                Date::new(date.year(), 2, 1).is_ok_and(|d| d.weekday() == Weekday::Friday);
            if feb1_friday {
                day == 1
            } else {
                first_monday
            }
        }
        3 | 4 => {
            (month == 3 && day == 17)
                || easter_sunday(date.year()).and_then(|e| e.tomorrow().ok()) == Some(date)
        }
        5 | 6 | 8 => first_monday,
        10 => monday && day >= 25,
        12 => day == 25 || day == 26,
        _ => false,
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian
/// algorithm, as published by Meeus).
fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ie_year(year: i16) -> Vec<Date> {
        rule_year(CalendarRule::IeOwta1997, year)
            .holidays
            .into_iter()
            .collect()
    }

    #[test]
    fn easter_matches_known_dates() {
        for (y, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "{y}");
        }
    }

    #[test]
    fn irish_rule_gives_the_2026_and_2027_lists() {
        // regulations.md section 3 (2027) and the ie preset's former 2026 list.
        let want27 = [
            (1, 1),
            (2, 1),
            (3, 17),
            (3, 29),
            (5, 3),
            (6, 7),
            (8, 2),
            (10, 25),
            (12, 25),
            (12, 26),
        ];
        assert_eq!(
            ie_year(2027),
            want27.map(|(m, d)| date(2027, m, d)).to_vec()
        );
        let want26 = [
            (1, 1),
            (2, 2),
            (3, 17),
            (4, 6),
            (5, 4),
            (6, 1),
            (8, 3),
            (10, 26),
            (12, 25),
            (12, 26),
        ];
        assert_eq!(
            ie_year(2026),
            want26.map(|(m, d)| date(2026, m, d)).to_vec()
        );
    }

    #[test]
    fn st_brigids_day_is_the_first_of_february_when_that_is_a_friday() {
        // 2030-02-01 is a Friday; the first Monday (4 Feb) is then a working day.
        assert!(ie_holiday(date(2030, 2, 1)));
        assert!(!ie_holiday(date(2030, 2, 4)));
        // 2031-02-01 is a Saturday: the first Monday, 3 Feb.
        assert!(!ie_holiday(date(2031, 2, 1)));
        assert!(ie_holiday(date(2031, 2, 3)));
    }

    #[test]
    fn no_substitute_for_a_weekend_holiday() {
        // 2027-12-25 is a Saturday and 26 a Sunday: 27 and 28 are working days.
        assert!(ie_holiday(date(2027, 12, 25)));
        assert!(!ie_holiday(date(2027, 12, 27)));
        assert!(!ie_holiday(date(2027, 12, 28)));
    }

    fn listed(covers: &[i16], holidays: &[Date], status: Option<CalendarStatus>) -> Calendar {
        Calendar::from_spec(&CalendarSpec {
            covers: covers.to_vec(),
            holidays: holidays.to_vec(),
            status,
            ..CalendarSpec::default()
        })
        .expect("valid calendar")
    }

    #[test]
    fn merging_adds_new_years_and_refuses_a_disagreeing_one() {
        let mut preset = listed(&[2027], &[date(2027, 1, 1)], None);
        let operator = listed(&[2028], &[date(2028, 1, 3)], None);
        preset.merge(&operator).expect("new year merges");
        assert!(preset.covers_year(2027) && preset.covers_year(2028));
        assert!(preset.is_holiday(date(2028, 1, 3)));
        assert!(!preset.is_holiday(date(2028, 1, 4)));
        assert_eq!(preset.next_covered_year(2027), Some(2028));
        assert_eq!(preset.next_covered_year(2028), None);

        let same = listed(&[2027], &[date(2027, 1, 1)], Some(CalendarStatus::Computed));
        preset.merge(&same).expect("the same days agree");
        let other = listed(&[2027], &[date(2027, 1, 2)], None);
        assert_eq!(preset.merge(&other), Err(Conflict::Year(2027)));
    }

    #[test]
    fn an_official_list_replaces_a_computed_or_partial_year() {
        for status in [CalendarStatus::Partial, CalendarStatus::Computed] {
            let mut preset = listed(&[2027], &[date(2027, 4, 13)], Some(status));
            let guess = listed(&[2027], &[date(2027, 1, 1)], Some(CalendarStatus::Computed));
            assert_eq!(preset.clone().merge(&guess), Err(Conflict::Year(2027)));
            let official = listed(&[2027], &[date(2027, 1, 1), date(2027, 4, 14)], None);
            preset
                .merge(&official)
                .expect("the official list supersedes");
            assert!(preset.is_holiday(date(2027, 1, 1)) && preset.is_holiday(date(2027, 4, 14)));
            assert!(!preset.is_holiday(date(2027, 4, 13)));
            assert_eq!(
                preset.coverage("th").status(2027),
                Some(CalendarStatus::Official)
            );
        }
        // An official year is not replaced.
        let mut official = listed(&[2027], &[date(2027, 1, 1)], None);
        let other = listed(&[2027], &[date(2027, 1, 2)], None);
        assert_eq!(official.merge(&other), Err(Conflict::Year(2027)));
    }

    #[test]
    fn a_rule_calendar_never_runs_out_but_starts_in_its_first_year() {
        let cal = Calendar::from_spec(&CalendarSpec {
            rule: Some(CalendarRule::IeOwta1997),
            ..CalendarSpec::default()
        })
        .expect("valid");
        assert!(cal.covers_year(2031) && !cal.covers_year(2022));
        assert!(cal.is_holiday(date(2031, 8, 4)));
        let cov = cal.coverage("ie");
        assert_eq!(cov.first_unclassifiable(date(2026, 12, 7)), None);
        assert_eq!(
            cov.first_unclassifiable(date(2020, 5, 1)),
            Some(date(2020, 5, 1))
        );
        assert_eq!(cov.status(2040), Some(CalendarStatus::StatutoryRule));
        // A listed year must agree with the rule.
        let wrong = listed(&[2027], &[date(2027, 3, 18)], None);
        let mut c = cal.clone();
        assert_eq!(c.merge(&wrong), Err(Conflict::Year(2027)));
    }

    #[test]
    fn first_unclassifiable_is_the_first_day_after_the_last_listed_year() {
        let cov = listed(&[2026, 2027], &[], None).coverage("id");
        assert_eq!(
            cov.first_unclassifiable(date(2026, 12, 7)),
            Some(date(2028, 1, 1))
        );
        let gap = listed(&[2026, 2028], &[], None).coverage("x");
        assert_eq!(
            gap.first_unclassifiable(date(2026, 6, 1)),
            Some(date(2027, 1, 1))
        );
    }
}
