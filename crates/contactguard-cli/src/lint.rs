//! `contactguard lint POLICY_FILE...`: load each policy file, print its
//! errors as `path:line:column: `field`: message` with a help line, or its
//! rule count and warnings: holiday calendars that run out soon, window
//! entries that can never be used.

use crate::common::{counted, load_policy_file, report, wire, CliError};
use contactguard::policy::CalendarCoverage;
use jiff::civil::Date;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Warn when a calendar's data ends within this many days.
const WARN_DAYS: i32 = 60;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy files: `.toml` or `.json`
    #[arg(value_name = "POLICY_FILE", required = true)]
    files: Vec<PathBuf>,
    /// Check calendar coverage as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE", value_parser = wire::<Date>)]
    today: Option<Date>,
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
            Err(e @ CliError::Policy(_)) => {
                // Already `path:line:column: `field`: message` and help.
                report(format_args!("{e}"));
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
            if let Some(warning) = coverage_warning(&calendar, today) {
                writeln!(out, "{}: warning: {warning}", path.display())?;
            }
        }
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A warning when the calendar's data ends within [`WARN_DAYS`] of `today`
/// or has ended: windows using it deny every date past its last year.
fn coverage_warning(calendar: &CalendarCoverage, today: Date) -> Option<String> {
    let name = &calendar.name;
    let Some(&last) = calendar.years.iter().max() else {
        return Some(format!(
            "calendar `{name}` covers no year, so rules using it deny every date"
        ));
    };
    let ends = Date::new(last, 12, 31).ok()?;
    let days_left = today.until(ends).ok()?.get_days();
    if days_left < 0 {
        Some(format!(
            "calendar `{name}` ran out on {ends}: rules using it deny every later date; add {} data",
            today.year()
        ))
    } else if days_left <= WARN_DAYS {
        Some(format!(
            "calendar `{name}` runs out on {ends}, in {}: add {} data",
            counted(days_left, "day"),
            i32::from(last) + 1
        ))
    } else {
        None
    }
}
