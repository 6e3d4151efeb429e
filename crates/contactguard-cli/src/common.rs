//! What the subcommands share: the error type, reading files and standard
//! input, loading policy files, and parsing wire names on the command line.

use contactguard::{Policy, PolicyError, Syntax};
use serde::de::DeserializeOwned;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;

/// Why a command could not do its job. Printed as one `error: ...` line
/// (a policy error adds its help line) and exit status 2.
#[derive(Debug)]
pub enum CliError {
    /// A message for the user.
    Message(String),
    /// A policy that does not load; its `Display` names file, line, column
    /// and field.
    Policy(Box<PolicyError>),
    /// Standard output was closed (`contactguard ... | head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError::Message(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message(m) => f.write_str(m),
            CliError::Policy(e) => write!(f, "{e}"),
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl From<io::Error> for CliError {
    /// Only for writing to standard output; reading files names the file.
    fn from(e: io::Error) -> CliError {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::new(format!("cannot write to standard output: {e}"))
        }
    }
}

impl From<PolicyError> for CliError {
    fn from(e: PolicyError) -> CliError {
        CliError::Policy(Box::new(e))
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
    std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))
}

/// The text of standard input.
pub fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
    Ok(text)
}

/// The policy syntax a file's extension names.
pub fn syntax_of(path: &Path) -> Result<Syntax, CliError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Ok(Syntax::Toml),
        Some(ext) if ext.eq_ignore_ascii_case("json") => Ok(Syntax::Json),
        _ => Err(CliError::new(format!(
            "`{}`: cannot tell the policy syntax from the file name (expected `.toml` or `.json`)",
            path.display()
        ))),
    }
}

/// Loads a policy file (TOML or JSON by extension); errors name the file,
/// line, column and field.
pub fn load_policy_file(path: &Path) -> Result<Policy, CliError> {
    let syntax = syntax_of(path)?;
    let text = read_file(path)?;
    let name = path.display().to_string();
    Ok(Policy::parse(&text, syntax, Some(&name))?)
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
            CliError::new(format!(
                "cannot create the directory of `{}`: {e}",
                path.display()
            ))
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
        let field = path.map_or_else(String::new, |p| format!("`{p}`: "));
        // serde_json counts the position before a line's first character
        // as column 0; columns here are 1-based.
        CliError::new(format!(
            "{source}:{}:{}: {field}{}",
            e.line(),
            e.column().max(1),
            bare_json_message(e)
        ))
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
