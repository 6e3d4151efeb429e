//! The `contactguard` command: run conformance vectors, check an ask, lint
//! policy files, list the presets and show a demo.
//!
//! Each subcommand lives in its own module with an `Args` struct (clap
//! derive) and a `run` function; adding one is a variant in [`Command`] and
//! an arm in [`Command::run`].

mod audit;
mod calendars;
mod check;
mod common;
mod demo;
mod errors;
mod lint;
mod presets;
mod sample;
mod vectors;

use clap::{Parser, Subcommand};
use common::CliError;
use std::io::Write;
use std::process::ExitCode;

/// May we contact this person, on this channel, right now?
#[derive(Debug, Parser)]
#[command(name = "contactguard", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run contact-vectors/1 files (and those named in CONTACTGUARD_VECTORS)
    Vectors(vectors::Args),
    /// Decide one ask against a policy and print the decision as JSON
    Check(check::Args),
    /// Decide one ask and show every rule's outcome and the retry time in each zone
    Explain(check::ExplainArgs),
    /// Validate policy files (TOML or JSON) and warn about stale calendars
    Lint(lint::Args),
    /// List a policy's holiday calendars: coverage, status, source, when each runs out
    Calendars(calendars::Args),
    /// List the bundled presets, show one, or print their reference page
    Presets(presets::Args),
    /// Decide a few realistic asks against bundled presets and explain them
    Demo(demo::Args),
    /// Replay a contact log (CSV or JSON Lines) through a policy and report every violation
    Audit(audit::AuditArgs),
    /// Generate a seeded synthetic collection log (China) with injected abuses
    Sample(sample::SampleArgs),
    /// List the error codes, or print their reference page (docs/errors.md)
    Errors(errors::Args),
}

impl Command {
    fn run(self, out: &mut dyn Write) -> Result<ExitCode, CliError> {
        match self {
            Command::Vectors(args) => vectors::run(args, out),
            Command::Check(args) => check::run(args, out),
            Command::Explain(args) => check::run_explain(args, out),
            Command::Lint(args) => lint::run(args, out),
            Command::Calendars(args) => calendars::run(args, out),
            Command::Presets(args) => presets::run(args, out),
            Command::Demo(args) => demo::run(args, out),
            Command::Audit(args) => audit::run(args, out),
            Command::Sample(args) => sample::run(args, out),
            Command::Errors(args) => errors::run(args, out),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = cli.command.run(&mut out).and_then(|code| {
        out.flush().map_err(CliError::from)?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(CliError::BrokenPipe) => ExitCode::FAILURE,
        Err(e) => {
            common::report(format_args!("error: {e}"));
            ExitCode::from(2)
        }
    }
}
