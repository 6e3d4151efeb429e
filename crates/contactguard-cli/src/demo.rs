//! `contactguard demo`: decide a handful of realistic asks against bundled
//! presets (`us-reg-f+us-ma` in Boston, `cn` in Shanghai) and explain each
//! decision: the rules that denied, their citations, and when to retry.

use crate::common::{counted, parse_json, CliError};
use contactguard::{decide, Ask, Decision, Event, History, Policy};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;
use std::io::Write;
use std::process::ExitCode;

/// The scenarios, as data.
const SCENARIOS: &str = include_str!("demo.json");

#[derive(Debug, clap::Args)]
pub struct Args {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    title: String,
    policy: String,
    ask: Ask,
    history: Vec<Event>,
}

pub fn run(_args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let scenarios: Vec<Scenario> = parse_json(SCENARIOS, "demo.json")?;
    let total = scenarios.len();
    let (mut allowed, mut denied) = (0usize, 0usize);
    for (n, s) in scenarios.into_iter().enumerate() {
        let policy = Policy::preset(&s.policy)?;
        let history = History::from_events(s.history);
        let decision = decide(&policy, &s.ask, &history);
        if decision.allow {
            allowed += 1;
        } else {
            denied += 1;
        }
        writeln!(out, "[{}/{total}] {}", n + 1, s.title)?;
        writeln!(out, "  policy:  {}", s.policy)?;
        writeln!(out, "  ask:     {}", describe_ask(&s.ask))?;
        writeln!(
            out,
            "  history: {}",
            counted(history.len(), "earlier event")
        )?;
        print_decision(out, &s.ask, &decision)?;
        writeln!(out)?;
    }
    writeln!(out, "{total} asks: {allowed} allowed, {denied} denied")?;
    Ok(ExitCode::SUCCESS)
}

fn describe_ask(ask: &Ask) -> String {
    let purpose = ask.purpose.map(|p| format!(" for {p}")).unwrap_or_default();
    format!(
        "{} to {} `{}` about `{}`{purpose}, {}",
        ask.channel,
        ask.role,
        ask.to,
        ask.debt,
        local(ask, ask.at)
    )
}

/// An instant in the ask's first candidate zone, with the UTC instant when
/// no zone is given.
fn local(ask: &Ask, at: Timestamp) -> String {
    match ask.timezones.first().and_then(|tz| TimeZone::get(tz).ok()) {
        Some(tz) => at
            .to_zoned_datetime(tz)
            .strftime("%a %Y-%m-%d %H:%M %Z")
            .to_string(),
        None => at.to_string(),
    }
}

fn print_decision(out: &mut dyn Write, ask: &Ask, decision: &Decision) -> Result<(), CliError> {
    if decision.allow {
        writeln!(out, "  => ALLOWED")?;
    } else {
        writeln!(out, "  => DENIED")?;
    }
    for denial in &decision.denials {
        writeln!(out, "     - {}: {}", denial.id, denial.message)?;
        writeln!(out, "       ({})", denial.cite)?;
    }
    if !decision.obligations.is_empty() {
        writeln!(out, "     obligations: {}", decision.obligations.join(", "))?;
    }
    if !decision.allow {
        match decision.retry_at {
            Some(at) => writeln!(out, "     retry at: {} ({at})", local(ask, at))?,
            None => writeln!(
                out,
                "     retry at: never (no later time helps with this history)"
            )?,
        }
    }
    Ok(())
}
