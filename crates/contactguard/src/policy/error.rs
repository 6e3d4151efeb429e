//! Policy errors: one diagnostic shape (code, message, help, span) for every
//! language.

use crate::diagnostic::{Diagnostic, ErrorCode};
use std::fmt;

/// What went wrong while loading or compiling a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// Stable machine-readable code, e.g. `policy.syntax`, `policy.invalid`,
    /// `policy.unknown_preset`: the spelling of an [`ErrorCode`]
    /// ([`PolicyError::error_code`]).
    pub code: &'static str,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// Where the policy came from (the file path given to
    /// [`Policy::parse`](crate::Policy::parse), or `preset:cn`), if known.
    pub source_name: Option<String>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// Path of the field, e.g. `rules[3].limit`.
    pub field: Option<String>,
    /// A hint on how to fix it.
    pub help: Option<String>,
}

impl PolicyError {
    /// An error with a code and a message, located nowhere yet.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> PolicyError {
        PolicyError {
            code: code.as_str(),
            message: message.into(),
            source_name: None,
            line: None,
            column: None,
            field: None,
            help: None,
        }
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> PolicyError {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> PolicyError {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn at(mut self, pos: Option<(u32, u32)>) -> PolicyError {
        if let Some((l, c)) = pos {
            self.line = Some(l);
            self.column = Some(c);
        }
        self
    }
}

impl PolicyError {
    /// The code as an [`ErrorCode`]. A `code` set by hand to a string that
    /// is not in the list reads as `policy.invalid`.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::from_code(self.code).unwrap_or(ErrorCode::PolicyInvalid)
    }

    /// The error in the shape every front end shows; `file` is the
    /// policy's source (its path, or `preset:NAME`).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic {
            code: self.error_code(),
            message: self.message.clone(),
            help: self.help.clone(),
            file: self.source_name.clone(),
            line: self.line,
            column: self.column,
            field: self.field.clone(),
            row: None,
        }
    }

    /// A policy file that could not be read (`policy.io`), with the
    /// reason in words and a help line; [`Policy::load`](crate::Policy::load)
    /// names the file.
    pub(crate) fn unreadable(e: &std::io::Error) -> PolicyError {
        use std::io::ErrorKind;
        let reason = match e.kind() {
            ErrorKind::NotFound => "no such file".to_owned(),
            ErrorKind::PermissionDenied => "permission denied".to_owned(),
            ErrorKind::IsADirectory => "it is a directory".to_owned(),
            _ => e.to_string(),
        };
        PolicyError::new(
            ErrorCode::PolicyIo,
            format!("cannot read the policy: {reason}"),
        )
        .with_help("check the path; relative paths start from the current directory")
    }

    /// A policy file whose bytes are not UTF-8 (`policy.encoding`): `valid`
    /// bytes are, the next one is not.
    pub(crate) fn not_utf8(valid: usize) -> PolicyError {
        PolicyError::new(
            ErrorCode::PolicyEncoding,
            format!("the policy is not UTF-8 text (byte {valid} is not)"),
        )
        .with_help("save the policy as UTF-8")
    }

    /// Names the file the policy came from, unless a location is known
    /// already (an error inside an extended preset keeps `preset:NAME`).
    #[must_use]
    pub fn in_file(mut self, file: impl Into<String>) -> PolicyError {
        if self.source_name.is_none() {
            self.source_name = Some(file.into());
        }
        self
    }
}

impl From<PolicyError> for Diagnostic {
    fn from(e: PolicyError) -> Diagnostic {
        e.diagnostic()
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = self.source_name.as_deref().unwrap_or("policy");
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{src}:{l}:{c}: ")?,
            _ => write!(f, "{src}: ")?,
        }
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// 1-based line and column of a byte offset in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}
