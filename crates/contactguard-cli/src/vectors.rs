//! `contactguard vectors FILE...`: run contact-vectors/1 files, plus every
//! file named in `CONTACTGUARD_VECTORS`, and end with `N passed, M failed`.

use crate::common::{read_file, report, CliError};
use contactguard::vectors::{run_file, CaseResult, Expect};
use contactguard::{Decision, ErrorCode};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Environment variable naming extra vectors files or directories,
/// separated by `:`.
pub const ENV: &str = "CONTACTGUARD_VECTORS";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Vectors files, or directories whose *.json files (recursively) are run
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print the id of every passing case too
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    unreadable: usize,
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut roots = args.files;
    roots.extend(env_paths()?);
    if roots.is_empty() {
        return Err(CliError::new(
            ErrorCode::InputMissing,
            format!("no vectors files: pass FILE... or set {ENV} (paths separated by `:`)"),
        ));
    }
    let mut tally = Tally::default();
    let mut files: Vec<PathBuf> = Vec::new();
    for root in &roots {
        match expand(root) {
            Ok(found) => {
                if found.is_empty() {
                    report(format_args!(
                        "warning: `{}` holds no *.json files",
                        root.display()
                    ));
                }
                for f in found {
                    if !files.contains(&f) {
                        files.push(f);
                    }
                }
            }
            Err(e) => {
                report(format_args!("error: {e}"));
                tally.unreadable += 1;
            }
        }
    }
    for file in &files {
        run_one(file, args.verbose, &mut tally, out)?;
    }
    if tally.unreadable > 0 {
        report(format_args!(
            "error: {} vectors file(s) could not be run",
            tally.unreadable
        ));
    }
    writeln!(out, "{} passed, {} failed", tally.passed, tally.failed)?;
    Ok(if tally.failed == 0 && tally.unreadable == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The paths in `CONTACTGUARD_VECTORS`; empty entries are skipped.
fn env_paths() -> Result<Vec<PathBuf>, CliError> {
    match std::env::var(ENV) {
        Ok(list) => Ok(list
            .split(':')
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from)
            .collect()),
        Err(std::env::VarError::NotPresent) => Ok(Vec::new()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::invalid(format!("{ENV} is not valid UTF-8")))
        }
    }
}

/// A file as itself; a directory as its *.json files, recursively, sorted.
fn expand(root: &Path) -> Result<Vec<PathBuf>, String> {
    let meta =
        std::fs::metadata(root).map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn run_one(
    file: &Path,
    verbose: bool,
    tally: &mut Tally,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let shown = file.display();
    let text = match read_file(file) {
        Ok(text) => text,
        Err(e) => {
            report(format_args!("error: {e}"));
            tally.unreadable += 1;
            return Ok(());
        }
    };
    let results = match run_file(&text) {
        Ok(results) => results,
        Err(e) => {
            report(format_args!("error: `{shown}`: {e}"));
            tally.unreadable += 1;
            return Ok(());
        }
    };
    // Only a failing case needs its expectation again, to print it.
    let mut cases: Option<Value> = None;
    for (index, result) in results.iter().enumerate() {
        if result.passed() {
            tally.passed += 1;
            if verbose {
                writeln!(out, "ok   {shown}: {}", result.id)?;
            }
            continue;
        }
        tally.failed += 1;
        let parsed =
            cases.get_or_insert_with(|| serde_json::from_str(&text).unwrap_or(Value::Null));
        let expect = parsed
            .get("cases")
            .and_then(|c| c.get(index))
            .and_then(|c| c.get("expect"))
            .and_then(|e| serde_json::from_value::<Expect>(e.clone()).ok());
        print_failure(out, file, result, expect.as_ref())?;
    }
    Ok(())
}

fn print_failure(
    out: &mut dyn Write,
    file: &Path,
    result: &CaseResult,
    expect: Option<&Expect>,
) -> Result<(), CliError> {
    writeln!(out, "FAIL {}: {}", file.display(), result.id)?;
    if let Some(expect) = expect {
        writeln!(out, "    expected: {}", show_expect(expect))?;
    }
    if let Some(decision) = &result.decision {
        writeln!(out, "    got:      {}", show_decision(decision))?;
        for denial in &decision.denials {
            writeln!(out, "    denied by {}: {}", denial.id, denial.message)?;
        }
    }
    if let Some(problem) = &result.failure {
        writeln!(out, "    problem:  {problem}")?;
    }
    Ok(())
}

fn show_expect(expect: &Expect) -> String {
    let mut parts = vec![format!("allow={}", expect.allow)];
    if let Some(retry) = &expect.retry_at {
        parts.push(format!("retry_at={}", show_instant(retry.as_ref())));
    }
    if let Some(ids) = &expect.denied_by {
        parts.push(format!("denied_by=[{}]", ids.join(", ")));
    }
    if let Some(obligations) = &expect.obligations {
        parts.push(format!("obligations=[{}]", obligations.join(", ")));
    }
    parts.join(", ")
}

fn show_decision(decision: &Decision) -> String {
    let mut parts = vec![
        format!("allow={}", decision.allow),
        format!("retry_at={}", show_instant(decision.retry_at.as_ref())),
    ];
    if !decision.obligations.is_empty() {
        parts.push(format!("obligations=[{}]", decision.obligations.join(", ")));
    }
    parts.join(", ")
}

fn show_instant(t: Option<&jiff::Timestamp>) -> String {
    t.map_or_else(|| "null".to_owned(), ToString::to_string)
}
