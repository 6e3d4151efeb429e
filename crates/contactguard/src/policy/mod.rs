//! Policies: loading (TOML, JSON, presets), validation with located errors,
//! composition, and the compiled form the engine evaluates.

mod calendar;
mod compile;
mod error;
pub mod format;
mod lint;
mod locate;
mod presets;

pub use calendar::{Calendar, CalendarCoverage, YearCoverage};
pub(crate) use compile::{
    bit, unreachable_lookback, Body, Cond, Filter, Mask, Pause, Period, Rule, Win, ALL,
};
pub use error::PolicyError;
pub use format::{PolicyFile, RuleSpec};
pub use presets::{preset_names, preset_source};

use std::collections::BTreeMap;
use std::sync::Arc;

/// A compiled, immutable policy: the union of its rules and those of every
/// policy it extends. Cheap to clone and safe to share between threads.
#[derive(Clone, Debug)]
pub struct Policy {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) name: String,
    pub(crate) rules: Vec<Rule>,
    pub(crate) specs: Vec<RuleSpec>,
    pub(crate) calendars: BTreeMap<String, Arc<Calendar>>,
    pub(crate) unreachable: format::UnreachableSpec,
    /// How far back (seconds) any rule looks at attempts; `None` when a
    /// lifetime cap makes it unbounded.
    pub(crate) lookback: Option<i64>,
    /// Which rules can apply to an ask, by its channel and role.
    pub(crate) plan: crate::engine::Plan,
}

/// The text of a policy and what kind it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl Policy {
    /// Loads presets by name, joined by `+`: `"us-reg-f+us-ma"`, `"cn+conduct"`.
    ///
    /// # Errors
    ///
    /// `policy.unknown_preset` for a name that is not a preset.
    ///
    /// # Examples
    ///
    /// ```
    /// let policy = contactguard::Policy::preset("us-reg-f+us-ma").unwrap();
    /// assert!(policy.rules().iter().any(|r| r.id == "us-reg-f.10"));
    /// ```
    pub fn preset(names: &str) -> Result<Policy, PolicyError> {
        let mut files = Vec::new();
        let mut seen = Vec::new();
        for name in names.split('+').map(str::trim) {
            presets::collect(name, &mut seen, &mut files, 0)?;
        }
        compile::compile(names, files)
    }

    /// Parses and compiles a policy written in TOML. `extends` may name
    /// presets.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] naming the line, column and field of the problem.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Syntax::Toml, None)
    }

    /// Parses and compiles a policy written in JSON.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] naming the line, column and field of the problem.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Syntax::Json, None)
    }

    /// Parses and compiles a policy, naming `source_name` (a file name) in
    /// errors.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] naming the line, column and field of the problem.
    pub fn parse(
        text: &str,
        syntax: Syntax,
        source_name: Option<&str>,
    ) -> Result<Policy, PolicyError> {
        let name = source_name.unwrap_or("policy");
        let file = presets::parse_file(text, syntax, name)?;
        let mut files = Vec::new();
        let mut seen = Vec::new();
        for parent in &file.extends {
            presets::collect(parent, &mut seen, &mut files, 1).map_err(|mut e| {
                if e.line.is_none() {
                    e.field = Some("extends".into());
                    e.source_name = Some(name.into());
                }
                e
            })?;
        }
        let own_name = file.name.clone().unwrap_or_else(|| name.to_owned());
        files.push(presets::Loaded {
            // Errors point into the source (the file), not at the policy's
            // `name`, which names no file.
            name: name.to_owned(),
            file,
            text: text.to_owned(),
            syntax,
        });
        compile::compile(&own_name, files)
    }

    /// The union of several compiled policies.
    ///
    /// # Errors
    ///
    /// `policy.duplicate_id` when two of them define the same rule id with
    /// different content, `policy.calendar_conflict` for two different
    /// calendars of one name.
    pub fn compose(parts: &[&Policy]) -> Result<Policy, PolicyError> {
        compile::compose(parts)
    }

    /// The policy's name (the preset expression or the file's `name`).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Every rule, as written.
    pub fn rules(&self) -> &[RuleSpec] {
        &self.inner.specs
    }

    /// Each holiday calendar: the years it lists with their status and
    /// source, the statutory rule that computes any year, and the rules that
    /// read it, so operators can see when the data runs out.
    pub fn calendar_coverage(&self) -> Vec<CalendarCoverage> {
        self.inner
            .calendars
            .iter()
            .map(|(name, c)| {
                let mut cov = c.coverage(name);
                cov.used_by = self
                    .inner
                    .specs
                    .iter()
                    .filter(|r| r.calendar.as_deref() == Some(name.as_str()))
                    .map(|r| r.id.clone())
                    .collect();
                cov
            })
            .collect()
    }

    /// How far back any rule looks at attempts, in seconds; `None` when a
    /// lifetime cap makes it unbounded. Attempts older than this never
    /// change a decision.
    pub fn lookback_seconds(&self) -> Option<i64> {
        self.inner.lookback
    }

    /// Warnings about rules that load but cannot work as written, for
    /// `contactguard lint`: today, window entries that can never be used
    /// because an earlier entry of the same rule governs every day they
    /// name.
    ///
    /// # Examples
    ///
    /// ```
    /// let policy = contactguard::Policy::from_toml(r#"
    /// format = "contactguard-policy/1"
    /// [[rules]]
    /// id = "no-midday"
    /// title = "No calls 12:00-14:00"
    /// cite = "example"
    /// status = "convention"
    /// kind = "window"
    /// windows = [
    ///   { days = ["any"], start = "00:00", end = "12:00", bounds = "half_open" },
    ///   { days = ["any"], start = "14:00", end = "24:00" },
    /// ]
    /// "#).unwrap();
    /// assert_eq!(policy.warnings().len(), 1);
    /// assert!(policy.warnings()[0].contains("`windows[1]` is never used"));
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        lint::warnings(&self.inner)
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    pub(crate) fn from_inner(inner: Inner) -> Policy {
        Policy {
            inner: Arc::new(inner),
        }
    }
}
