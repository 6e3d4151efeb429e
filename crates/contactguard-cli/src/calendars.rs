//! `contactguard calendars --policy P`: every holiday calendar of a policy,
//! the years it covers with their status and source, the rules that read
//! it, and the first date it cannot classify (where those rules start
//! denying, fail closed).

use crate::common::{load_policy, wire, CliError};
use contactguard::policy::CalendarCoverage;
use jiff::civil::Date;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Preset names joined by `+` (`id-ojk+conduct`), or a policy file
    #[arg(long, value_name = "POLICY")]
    policy: String,
    /// Report as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE", value_parser = wire::<Date>)]
    today: Option<Date>,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let today = args
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let policy = load_policy(&args.policy)?;
    let calendars = policy.calendar_coverage();
    if calendars.is_empty() {
        writeln!(out, "{}: no holiday calendars", policy.name())?;
        return Ok(ExitCode::SUCCESS);
    }
    for (i, cal) in calendars.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_calendar(out, cal, today)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_calendar(out: &mut dyn Write, cal: &CalendarCoverage, today: Date) -> std::io::Result<()> {
    writeln!(out, "calendar `{}`", cal.name)?;
    if let Some(source) = &cal.source {
        writeln!(out, "  source:    {source}")?;
    }
    let used = if cal.used_by.is_empty() {
        "no rule (it never causes a denial)".to_owned()
    } else {
        cal.used_by.join(", ")
    };
    writeln!(out, "  used by:   {used}")?;
    if let Some(rule) = cal.rule {
        writeln!(
            out,
            "  every year from {}: statutory-rule `{}` ({})",
            rule.first_year(),
            rule.as_str(),
            rule.cite()
        )?;
    }
    for year in &cal.listed {
        write!(
            out,
            "  {}: {:<14} {:>3} holidays",
            year.year,
            year.status.as_str(),
            year.holidays
        )?;
        if let Some(source) = &year.source {
            write!(out, "  {source}")?;
        }
        writeln!(out)?;
        if let Some(note) = &year.note {
            writeln!(out, "        note: {note}")?;
        }
    }
    if let Some(note) = &cal.note {
        writeln!(out, "  note:      {note}")?;
    }
    match cal.first_unclassifiable(today) {
        None => writeln!(
            out,
            "  runs out:  never (computed by rule for every later year)"
        ),
        Some(d) if d == today => writeln!(
            out,
            "  runs out:  already: {today} cannot be classified; rules using it deny (fail closed)"
        ),
        Some(d) => writeln!(
            out,
            "  runs out:  {d} is the first date it cannot classify ({} days from {today})",
            today.until(d).map(|s| s.get_days()).unwrap_or(0)
        ),
    }
}
