//! Presets shipped inside the crate, and the parsing of policy text.

use super::error::{line_col, PolicyError};
use super::format::{PolicyFile, FORMAT};
use super::locate;
use super::Syntax;
use crate::diagnostic::ErrorCode;

macro_rules! presets {
    ($($name:literal),+ $(,)?) => {
        const PRESETS: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../presets/", $name, ".toml")))),+
        ];
    };
}

presets!(
    "us-reg-f",
    "us-tcpa",
    "us-ma",
    "us-wa",
    "us-nyc",
    "us-co",
    "cn",
    "in-rbi",
    "in-rbi-mfi",
    "ph",
    "id-ojk",
    "th",
    "vn",
    "uk",
    "ie",
    "ke",
    "conduct",
);

/// Names of every preset shipped in the crate.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _)| *n)
}

/// The TOML source of a preset.
pub fn preset_source(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// A parsed policy file with what is needed to locate errors in it.
pub(crate) struct Loaded {
    pub(crate) name: String,
    pub(crate) file: PolicyFile,
    pub(crate) text: String,
    pub(crate) syntax: Syntax,
}

impl Loaded {
    /// Attaches the source name and, when the field can be found in the
    /// text, its line and column.
    pub(crate) fn locate(&self, mut e: PolicyError) -> PolicyError {
        e.source_name = Some(self.name.clone());
        if e.line.is_none() {
            if let Some(field) = &e.field {
                let pos = match self.syntax {
                    Syntax::Toml => locate::toml_path(&self.text, field),
                    Syntax::Json => locate::json_path(&self.text, field),
                };
                e = e.at(pos.map(|off| line_col(&self.text, off)));
            }
        }
        e
    }
}

const MAX_DEPTH: usize = 16;

/// Adds preset `name` and, before it, every preset it extends (each once).
pub(crate) fn collect(
    name: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<Loaded>,
    depth: usize,
) -> Result<(), PolicyError> {
    if seen.iter().any(|s| s == name) {
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Err(PolicyError::new(
            ErrorCode::PolicyExtendsCycle,
            format!("`extends` nests deeper than {MAX_DEPTH} levels at `{name}`"),
        ));
    }
    let Some(text) = preset_source(name) else {
        let names: Vec<&str> = preset_names().collect();
        return Err(PolicyError::new(
            ErrorCode::PolicyUnknownPreset,
            format!("unknown preset `{name}`"),
        )
        .with_help(format!("presets: {}", names.join(", "))));
    };
    seen.push(name.to_owned());
    let source = format!("preset:{name}");
    let file = parse_file(text, Syntax::Toml, &source)?;
    for parent in &file.extends {
        collect(parent, seen, out, depth + 1)?;
    }
    out.push(Loaded {
        name: source,
        file,
        text: text.to_owned(),
        syntax: Syntax::Toml,
    });
    Ok(())
}

/// Parses policy text, with located errors.
pub(crate) fn parse_file(
    text: &str,
    syntax: Syntax,
    source_name: &str,
) -> Result<PolicyFile, PolicyError> {
    let file = match syntax {
        Syntax::Toml => parse_toml(text),
        Syntax::Json => parse_json(text),
    }
    .map_err(|mut e| {
        e.source_name = Some(source_name.to_owned());
        e
    })?;
    if file.format != FORMAT {
        let e = PolicyError::new(
            ErrorCode::PolicyFormat,
            format!("unsupported format `{}`", file.format),
        )
        .with_field("format")
        .with_help(format!("write `format = \"{FORMAT}\"`"));
        let loaded = Loaded {
            name: source_name.to_owned(),
            file,
            text: text.to_owned(),
            syntax,
        };
        return Err(loaded.locate(e));
    }
    Ok(file)
}

fn parse_toml(text: &str) -> Result<PolicyFile, PolicyError> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| toml_error(text, &e, None))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        toml_error(text, e.inner(), Some(path))
    })
}

fn toml_error(text: &str, e: &toml::de::Error, path: Option<String>) -> PolicyError {
    let code = if path.is_some() {
        ErrorCode::PolicyInvalid
    } else {
        ErrorCode::PolicySyntax
    };
    let mut err = PolicyError::new(code, clean_message(e.message()));
    if let Some(p) = path.filter(|p| p != ".") {
        err = err.with_field(p.clone());
        if e.span().is_none() {
            err = err.at(locate::toml_path(text, &p).map(|off| line_col(text, off)));
        }
    }
    err.at(e.span().map(|s| line_col(text, s.start)))
}

fn parse_json(text: &str) -> Result<PolicyFile, PolicyError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file: PolicyFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let code = if inner.is_syntax() || inner.is_eof() {
            ErrorCode::PolicySyntax
        } else {
            ErrorCode::PolicyInvalid
        };
        let mut err = PolicyError::new(
            code,
            clean_message(&strip_json_position(&inner.to_string())),
        );
        // `.` is the document itself and `?` a place serde could not name
        // (the end of the input): neither is a field.
        if path != "." && path != "?" {
            err = err.with_field(path);
        }
        // serde_json reports column 0 for an error before a line's first
        // character (an empty document); columns here are 1-based.
        let (l, c) = (inner.line(), inner.column().max(1));
        err.at((l > 0).then(|| {
            (
                u32::try_from(l).unwrap_or(u32::MAX),
                u32::try_from(c).unwrap_or(u32::MAX),
            )
        }))
    })?;
    de.end().map_err(|e| {
        PolicyError::new(ErrorCode::PolicySyntax, strip_json_position(&e.to_string())).at(Some((
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            u32::try_from(e.column().max(1)).unwrap_or(u32::MAX),
        )))
    })?;
    Ok(file)
}

fn strip_json_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s.get(..i).unwrap_or(s).to_owned(),
        None => s.to_owned(),
    }
}

/// Serde's messages, lowercased at the start and without a trailing period.
/// A leading acronym (`EOF while parsing`) keeps its case.
fn clean_message(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(first) if !c.clone().next().is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(c).collect()
        }
        Some(_) => s.to_owned(),
        None => String::new(),
    }
}
