//! `contactguard errors`: the error codes every front end reports, or
//! their reference page (`docs/errors.md`).

use crate::common::CliError;
use contactguard::diagnostic::errors_markdown;
use contactguard::ErrorCode;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the reference page in Markdown (docs/errors.md)
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    if args.markdown {
        out.write_all(errors_markdown().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    for code in ErrorCode::ALL {
        writeln!(out, "{:width$}  {}", code.as_str(), code.meaning())?;
    }
    Ok(ExitCode::SUCCESS)
}
