//! What the subcommands share: the error type, reading files and standard
//! input, loading policy files, and parsing wire names on the command line.

use contactguard::{Diagnostic, ErrorCode, Policy, PolicyError};
use serde::de::DeserializeOwned;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;

/// Why a command could not do its job: a [`Diagnostic`] (code, message,
/// help, file, line, column, field, row), printed as `error: ...` (and a
/// `help:` line) with exit status 2.
#[derive(Debug)]
pub enum CliError {
    /// What went wrong, in the shape every front end shares.
    Failed(Box<Diagnostic>),
    /// Standard output was closed (`contactguard ... | head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CliError {
        CliError::Failed(Box::new(Diagnostic::new(code, message)))
    }

    /// A value given on the command line or in the input cannot be used.
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(ErrorCode::InputInvalid, message)
    }

    /// A file cannot be read.
    pub fn read(path: &Path, e: &io::Error) -> CliError {
        CliError::new(ErrorCode::IoRead, format!("cannot read the file: {e}")).in_file(path)
    }

    /// A file cannot be created or written.
    pub fn write(path: &Path, e: &io::Error) -> CliError {
        CliError::new(ErrorCode::IoWrite, format!("cannot write the file: {e}")).in_file(path)
    }

    /// Names the file the error is about (unless it names one already).
    #[must_use]
    pub fn in_file(mut self, path: &Path) -> CliError {
        if let CliError::Failed(d) = &mut self {
            if d.file.is_none() {
                d.file = Some(path.display().to_string());
            }
        }
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Failed(d) => write!(f, "{d}"),
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl From<Diagnostic> for CliError {
    fn from(d: Diagnostic) -> CliError {
        CliError::Failed(Box::new(d))
    }
}

impl From<io::Error> for CliError {
    /// Only for writing to standard output; reading files names the file.
    fn from(e: io::Error) -> CliError {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::new(
                ErrorCode::IoWrite,
                format!("cannot write to standard output: {e}"),
            )
        }
    }
}

impl From<PolicyError> for CliError {
    fn from(e: PolicyError) -> CliError {
        CliError::from(e.diagnostic())
    }
}

/// `1 rule`, `2 rules`: a count and its noun, plural when not one.
pub fn counted<N: fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    let s = if n == N::from(1) { "" } else { "s" };
    format!("{n} {noun}{s}")
}

/// Writes one line to standard error, ignoring a closed stream.
pub fn report(line: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The text of a file, or an error naming it.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::read(path, &e))
}

/// The text of standard input.
pub fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    io::stdin().read_to_string(&mut text).map_err(|e| {
        CliError::new(
            ErrorCode::IoRead,
            format!("cannot read standard input: {e}"),
        )
    })?;
    Ok(text)
}

/// Loads a policy file (TOML or JSON by extension); errors name the file,
/// line, column and field.
pub fn load_policy_file(path: &Path) -> Result<Policy, CliError> {
    Ok(Policy::load(path, std::fs::read)?)
}

/// Whether a `--policy` value names a policy file (`*.toml`, `*.json`)
/// rather than preset names joined by `+`.
pub fn names_a_policy_file(spec: &str) -> bool {
    Path::new(spec)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("json"))
}

/// Loads a `--policy` value, the same in every command: a policy file when
/// it ends in `.toml` or `.json` (errors name the file, line, column and
/// field), else preset names joined by `+`.
pub fn load_policy(spec: &str) -> Result<Policy, CliError> {
    if names_a_policy_file(spec) {
        load_policy_file(Path::new(spec))
    } else {
        Ok(Policy::preset(spec)?)
    }
}

/// Creates the directories an output file goes in, so that `--out
/// reports/today.html` works in a fresh tree; an error names the file.
pub fn create_parent_dir(path: &Path) -> Result<(), CliError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            CliError::new(
                ErrorCode::IoWrite,
                format!("cannot create the file's directory: {e}"),
            )
            .in_file(path)
        }),
        _ => Ok(()),
    }
}

/// Parses a command-line value the way the wire format spells it (channel,
/// role, instant, date...), so flags accept exactly what JSON accepts.
pub fn wire<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
}

/// A serde_json error without its trailing " at line L column C".
pub fn bare_json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// Deserializes JSON text; an error names `source`, line, column and the
/// path of the field (`ask.channel`).
pub fn parse_json<T: DeserializeOwned>(text: &str, source: &str) -> Result<T, CliError> {
    let located = |e: &serde_json::Error, path: Option<String>| {
        let code = if e.is_syntax() || e.is_eof() {
            ErrorCode::JsonSyntax
        } else {
            ErrorCode::JsonInvalid
        };
        let mut d = Diagnostic::new(code, bare_json_message(e)).with_file(source);
        // serde_json counts the position before a line's first character
        // as column 0; columns here are 1-based.
        d.line = u32::try_from(e.line()).ok();
        d.column = u32::try_from(e.column().max(1)).ok();
        d.field = path;
        CliError::from(d)
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        // `.` is the document and `?` a place serde could not name (the end
        // of the input): neither is a field.
        located(e.inner(), (path != "." && path != "?").then_some(path))
    })?;
    de.end().map_err(|e| located(&e, None))?;
    Ok(value)
}
