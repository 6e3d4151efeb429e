//! `contactguard check`: decide one ask and print the decision as JSON.
//!
//! The input is `{"ask": {...}, "history": [...], "policy": ...}` from a
//! file or standard input (`policy` optional: preset names joined by `+`, or
//! a policy object), or the ask given as flags.

use crate::common::{
    load_policy, load_policy_file, parse_json, read_file, read_stdin, wire, CliError,
};
use contactguard::{
    decide, Ask, Channel, Diagnostic, ErrorCode, Event, History, Place, Policy, Purpose, Role,
};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Preset names joined by `+` (e.g. `us-reg-f+us-ma`), or a policy file
    /// (`.toml` or `.json`), as in every command
    #[arg(long, value_name = "NAMES|FILE", conflicts_with = "policy_file")]
    policy: Option<String>,
    /// A policy file (`.toml` or `.json`); `--policy FILE` does the same
    #[arg(long, value_name = "PATH")]
    policy_file: Option<PathBuf>,
    /// JSON input `{"ask": {...}, "history": [...]}`; `-` reads standard input
    /// (the default when no ask flags are given)
    #[arg(value_name = "FILE", conflicts_with = "ask_flags")]
    input: Option<PathBuf>,
    #[command(flatten)]
    ask: AskFlags,
    /// Print the decision on one line
    #[arg(long)]
    compact: bool,
}

/// The ask as flags, for when no JSON input is given.
#[derive(Debug, clap::Args)]
#[group(id = "ask_flags", multiple = true)]
struct AskFlags {
    /// When the contact would be made (RFC 3339 with offset)
    #[arg(long, value_name = "INSTANT", value_parser = wire::<Timestamp>)]
    at: Option<Timestamp>,
    /// call, sms, email, letter, visit, push or voicemail_drop
    #[arg(long, value_parser = wire::<Channel>)]
    channel: Option<Channel>,
    /// Recipient key
    #[arg(long, value_name = "KEY")]
    to: Option<String>,
    /// The recipient's role (debtor, third_party, ...)
    #[arg(long, value_parser = wire::<Role>)]
    role: Option<Role>,
    /// Account key of the debt
    #[arg(long, value_name = "KEY")]
    debt: Option<String>,
    /// A candidate IANA time zone of the recipient (repeatable)
    #[arg(long = "tz", value_name = "ZONE")]
    timezones: Vec<String>,
    /// home, mobile, work or unknown
    #[arg(long, value_parser = wire::<Place>)]
    place: Option<Place>,
    /// collection, location or notice
    #[arg(long, value_parser = wire::<Purpose>)]
    purpose: Option<Purpose>,
    /// Autodialed or prerecorded (`--autodialed` or `--autodialed=false`)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    autodialed: Option<bool>,
    /// Days past due
    #[arg(long, value_name = "DAYS")]
    days_past_due: Option<i64>,
    /// A JSON file holding the history: an array of events
    #[arg(long, value_name = "PATH")]
    history: Option<PathBuf>,
}

/// The JSON input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    ask: Ask,
    #[serde(default)]
    history: Vec<Event>,
    #[serde(default)]
    policy: Option<Value>,
}

const NO_ASK: &str =
    "no ask: give a JSON FILE, `-` for standard input, or --at, --channel, --to, --role and --debt";

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let compact = args.compact;
    let (policy, input) = load(args)?;
    let decision = decide(&policy, &input.ask, &History::from_events(input.history));
    let json = if compact {
        serde_json::to_string(&decision)
    } else {
        serde_json::to_string_pretty(&decision)
    }
    .map_err(|e| {
        CliError::new(
            ErrorCode::IoWrite,
            format!("cannot print the decision: {e}"),
        )
    })?;
    writeln!(out, "{json}")?;
    Ok(ExitCode::SUCCESS)
}

/// `contactguard explain`: the same input as `check`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    check: Args,
    /// Print the explanation as JSON
    #[arg(long)]
    json: bool,
}

/// Decides the ask and prints every rule's outcome, and the retry time in
/// each candidate zone.
pub fn run_explain(args: ExplainArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let (json, compact) = (args.json, args.check.compact);
    let (policy, input) = load(args.check)?;
    let ask = input.ask;
    let explanation = contactguard::explain(&policy, &ask, &History::from_events(input.history));
    if json {
        let text = if compact {
            serde_json::to_string(&explanation)
        } else {
            serde_json::to_string_pretty(&explanation)
        }
        .map_err(|e| {
            CliError::new(
                ErrorCode::IoWrite,
                format!("cannot print the explanation: {e}"),
            )
        })?;
        writeln!(out, "{text}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let d = &explanation.decision;
    writeln!(
        out,
        "{} {} to {} ({}) about {} at {} under {}",
        if d.allow { "ALLOW" } else { "DENY" },
        ask.channel,
        ask.to,
        ask.role,
        ask.debt,
        ask.at,
        policy.name()
    )?;
    for zone in &ask.timezones {
        if let Ok(tz) = jiff::tz::TimeZone::get(zone) {
            writeln!(
                out,
                "  local time in {zone}: {}",
                ask.at
                    .to_zoned_datetime(tz)
                    .strftime("%a %Y-%m-%d %H:%M:%S %:z")
            )?;
        }
    }
    writeln!(out)?;
    let width = explanation
        .rules
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    for r in &explanation.rules {
        let mark = match r.outcome {
            "deny" => "DENY  ",
            "pass" => "pass  ",
            "oblige" => "oblige",
            "lifted" => "lifted",
            _ => "n/a   ",
        };
        writeln!(out, "  {mark} {:width$}  {}", r.id, r.title)?;
        if let Some(m) = &r.message {
            writeln!(out, "         {:width$}  {m}", "")?;
        }
        if r.outcome == "deny" {
            writeln!(out, "         {:width$}  cite: {}", "", r.cite)?;
        }
    }
    writeln!(out)?;
    if !d.obligations.is_empty() {
        writeln!(out, "obligations: {}", d.obligations.join(", "))?;
    }
    match d.retry_at {
        None if d.allow => {}
        None => writeln!(
            out,
            "retry: no later time helps (within the policy's horizon)"
        )?,
        Some(t) => {
            writeln!(out, "retry at {t}")?;
            for zone in &ask.timezones {
                if let Ok(tz) = jiff::tz::TimeZone::get(zone) {
                    writeln!(
                        out,
                        "  in {zone}: {}",
                        t.to_zoned_datetime(tz).strftime("%a %Y-%m-%d %H:%M:%S %:z")
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the input and resolves the policy.
fn load(args: Args) -> Result<(Policy, Input), CliError> {
    let (input, source) = match (&args.input, args.ask.any()) {
        (Some(path), _) if path.as_os_str() != "-" => {
            let source = path.display().to_string();
            (parse_json(&read_file(path)?, &source)?, source)
        }
        (None, true) => (input_from_flags(args.ask)?, "flags".to_owned()),
        (None, false) if std::io::stdin().is_terminal() => {
            return Err(CliError::new(ErrorCode::InputMissing, NO_ASK))
        }
        _ => {
            let text = read_stdin()?;
            if text.trim().is_empty() {
                return Err(CliError::new(
                    ErrorCode::InputMissing,
                    format!("standard input is empty; {NO_ASK}"),
                ));
            }
            (parse_json(&text, "<stdin>")?, "<stdin>".to_owned())
        }
    };
    let policy = resolve_policy(
        args.policy.as_deref(),
        args.policy_file.as_deref(),
        input.policy.as_ref(),
        &source,
    )?;
    Ok((policy, input))
}

impl AskFlags {
    /// Whether any ask flag was given.
    fn any(&self) -> bool {
        self.at.is_some()
            || self.channel.is_some()
            || self.to.is_some()
            || self.role.is_some()
            || self.debt.is_some()
            || !self.timezones.is_empty()
            || self.place.is_some()
            || self.purpose.is_some()
            || self.autodialed.is_some()
            || self.days_past_due.is_some()
            || self.history.is_some()
    }
}

fn input_from_flags(flags: AskFlags) -> Result<Input, CliError> {
    fn required<T>(value: Option<T>, flag: &str) -> Result<T, CliError> {
        value.ok_or_else(|| {
            CliError::from(
                Diagnostic::new(ErrorCode::InputMissing, "required flag not given")
                    .with_field(flag)
                    .with_help("an ask needs --at, --channel, --to, --role and --debt"),
            )
        })
    }
    let ask = Ask {
        at: required(flags.at, "--at")?,
        channel: required(flags.channel, "--channel")?,
        to: required(flags.to, "--to")?,
        role: required(flags.role, "--role")?,
        debt: required(flags.debt, "--debt")?,
        timezones: flags.timezones,
        place: flags.place,
        autodialed: flags.autodialed,
        purpose: flags.purpose,
        days_past_due: flags.days_past_due,
    };
    let history = match &flags.history {
        None => Vec::new(),
        Some(path) => parse_json(&read_file(path)?, &path.display().to_string())?,
    };
    Ok(Input {
        ask,
        history,
        policy: None,
    })
}

/// The policy from `--policy`, `--policy-file` or the input's `policy`:
/// exactly one of them.
fn resolve_policy(
    names: Option<&str>,
    file: Option<&Path>,
    inline: Option<&Value>,
    source: &str,
) -> Result<Policy, CliError> {
    if inline.is_some() && (names.is_some() || file.is_some()) {
        return Err(CliError::invalid(
            "the policy is given twice: by a flag and by `policy` in the input; drop one",
        ));
    }
    if let Some(spec) = names {
        load_policy(spec)
    } else if let Some(path) = file {
        load_policy_file(path)
    } else if let Some(value) = inline {
        contactguard::vectors::case_policy(value).map_err(|mut e| {
            // Positions would point into the re-serialized object, not the
            // input; the field path still finds the mistake.
            e.source_name = Some(format!("{source} (`policy`)"));
            e.line = None;
            e.column = None;
            e.into()
        })
    } else {
        Err(CliError::new(
            ErrorCode::InputMissing,
            "no policy: pass --policy NAMES or --policy FILE, or put `policy` in the input",
        ))
    }
}
