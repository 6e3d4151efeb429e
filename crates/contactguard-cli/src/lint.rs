//! `contactguard lint POLICY_FILE...`: load each policy file, print its
//! errors as `path:line:column: `field`: message` with a help line, or its
//! rule count, its holiday calendars' coverage and warnings: calendars that
//! run out soon (an error with `--strict`, for a deployment's CI), window
//! entries that can never be used.

use crate::common::{counted, load_policy_file, report, wire, CliError};
use contactguard::policy::CalendarCoverage;
use jiff::civil::Date;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Warn when a calendar's data ends within this many days, by default.
const WARN_DAYS: i32 = 60;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files: `.toml` or `.json`
    #[arg(value_name = "POLICY_FILE", required = true)]
    files: Vec<PathBuf>,
    /// Check calendar coverage as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE", value_parser = wire::<Date>)]
    today: Option<Date>,
    /// Warn when a calendar a rule uses runs out within this many days
    #[arg(long, value_name = "DAYS", default_value_t = WARN_DAYS)]
    within: i32,
    /// Fail (exit 1) when a calendar a rule uses runs out within `--within` days
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let today = args
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let mut errors = 0usize;
    for path in &args.files {
        let policy = match load_policy_file(path) {
            Ok(policy) => policy,
            Err(CliError::BrokenPipe) => return Err(CliError::BrokenPipe),
            Err(CliError::Failed(d)) if d.file.is_some() => {
                // `path:line:column: `field`: message [code]` and help, as
                // compilers print it, for editors to jump to.
                report(format_args!("{d}"));
                errors += 1;
                continue;
            }
            Err(e) => {
                report(format_args!("error: {e}"));
                errors += 1;
                continue;
            }
        };
        let rules = counted(policy.rules().len(), "rule");
        writeln!(out, "{}: ok, {rules}", path.display())?;
        for warning in policy.warnings() {
            writeln!(out, "{}: warning: {warning}", path.display())?;
        }
        for calendar in policy.calendar_coverage() {
            writeln!(
                out,
                "{}: {}",
                path.display(),
                coverage_line(&calendar, today)
            )?;
            if let Some(warning) = coverage_warning(&calendar, today, args.within) {
                let level = if args.strict { "error" } else { "warning" };
                writeln!(out, "{}: {level}: {warning}", path.display())?;
                if args.strict {
                    errors += 1;
                }
            }
        }
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One line on what a calendar covers: each listed year with its status,
/// the statutory rule, and the first date it cannot classify.
fn coverage_line(calendar: &CalendarCoverage, today: Date) -> String {
    let ends = match calendar.first_unclassifiable(today) {
        Some(d) => format!("cannot classify from {d}"),
        None => "never runs out".to_owned(),
    };
    format!(
        "calendar `{}`: {}; {ends}",
        calendar.name,
        calendar.years_summary()
    )
}

/// A warning when a calendar that a rule uses cannot classify a date within
/// `within` days of `today`: windows using it deny from that date on.
fn coverage_warning(calendar: &CalendarCoverage, today: Date, within: i32) -> Option<String> {
    if calendar.used_by.is_empty() {
        return None;
    }
    let name = &calendar.name;
    let first = calendar.first_unclassifiable(today)?;
    let rules = calendar.used_by.join(", ");
    if first == today {
        let last = calendar
            .years
            .iter()
            .copied()
            .filter(|y| *y < today.year())
            .max();
        return Some(match last.and_then(|y| Date::new(y, 12, 31).ok()) {
            Some(ended) => format!(
                "calendar `{name}` ran out on {ended}: {rules} deny every later date; add {} data",
                today.year()
            ),
            None => format!(
                "calendar `{name}` has no data for {}: {rules} deny every date it cannot classify",
                today.year()
            ),
        });
    }
    let ends = first.yesterday().ok()?;
    let days_left = today.until(ends).ok()?.get_days();
    (days_left <= within).then(|| {
        format!(
            "calendar `{name}` runs out on {ends}, in {}: {rules} deny from {first}; add {} data",
            counted(days_left, "day"),
            first.year()
        )
    })
}
