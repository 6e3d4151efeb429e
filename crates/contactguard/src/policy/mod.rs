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

use crate::model::{Event, EventType, HoldReason};
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
    /// Which rules can apply to an ask, by the ask's fields.
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

impl Syntax {
    /// The syntax a policy file's name says (`.toml` or `.json`, any ASCII
    /// case).
    ///
    /// # Errors
    ///
    /// `policy.file_type`, naming the file, for any other name.
    pub fn of_file_name(path: &str) -> Result<Syntax, PolicyError> {
        let ext = std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str());
        match ext {
            Some(e) if e.eq_ignore_ascii_case("toml") => Ok(Syntax::Toml),
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Syntax::Json),
            _ => Err(PolicyError::new(
                crate::ErrorCode::PolicyFileType,
                "cannot tell the policy syntax from the file name (expected `.toml` or `.json`)",
            )
            .with_help("name the file `*.toml` or `*.json`")
            .in_file(path)),
        }
    }
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

    /// Loads a policy file: TOML or JSON by its name ([`Syntax::of_file_name`]),
    /// its bytes from `read` (pass [`std::fs::read`]), every error naming the
    /// file. The crate reads no files itself: the caller's `read` does, so
    /// the command line, the C ABI and the bindings share one set of rules
    /// and messages for a policy file while the core stays free of I/O.
    ///
    /// # Errors
    ///
    /// A [`PolicyError`] whose `source_name` is the path:
    /// `policy.file_type` when the name ends in neither `.toml` nor `.json`
    /// (`read` is not called); `policy.io` when `read` fails, with the
    /// reason in words (`no such file`, `permission denied`, ...);
    /// `policy.encoding` when the bytes are not UTF-8, with the offset of
    /// the first bad byte; else what [`Policy::parse`] reports (the line,
    /// column and field of the mistake).
    ///
    /// # Examples
    ///
    /// ```
    /// use contactguard::{ErrorCode, Policy};
    /// use std::path::Path;
    ///
    /// let read = |_| Ok(b"format = \"contactguard-policy/1\"\nextends = [\"cn\"]\n".to_vec());
    /// let policy = Policy::load(Path::new("ops/acme.toml"), read).unwrap();
    /// assert!(policy.rules().iter().any(|r| r.id.starts_with("cn.")));
    ///
    /// let e = Policy::load(Path::new("ops/missing.toml"), std::fs::read).unwrap_err();
    /// assert_eq!(e.error_code(), ErrorCode::PolicyIo);
    /// assert_eq!(e.source_name.as_deref(), Some("ops/missing.toml"));
    /// ```
    pub fn load<P: AsRef<std::path::Path>>(
        path: P,
        read: impl FnOnce(P) -> std::io::Result<Vec<u8>>,
    ) -> Result<Policy, PolicyError> {
        let name = path.as_ref().display().to_string();
        let syntax = Syntax::of_file_name(&name)?;
        let bytes = read(path).map_err(|e| PolicyError::unreadable(&e).in_file(&name))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| PolicyError::not_utf8(e.utf8_error().valid_up_to()).in_file(&name))?;
        Policy::parse(&text, syntax, Some(&name))
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

    /// Whether any rule of the policy reads events of this type, so that
    /// recording them can change a decision. Attempts are always read.
    /// Read from the compiled rules: a `hold` rule reads holds, `cease`
    /// cease, `opt_out` opt-outs, `attorney` attorney notices,
    /// `inconvenient` inconvenient times; a `consent` condition reads
    /// consents (and opt-outs, which withdraw consent); a cap or cool-down
    /// with `exclude_prior_consent` reads prior consent to contact; a
    /// `requested_contact` condition reads contact requests; a
    /// `debtor_unreachable` condition reads unreachable marks (and holds,
    /// since a deceased debtor is out of contact).
    ///
    /// # Examples
    ///
    /// ```
    /// use contactguard::{EventType, Policy};
    /// # fn main() -> Result<(), contactguard::PolicyError> {
    /// let cn = Policy::preset("cn")?;
    /// assert!(cn.reads_event(EventType::Attempt));
    /// // Only the `conduct` overlay has a hold rule.
    /// assert!(Policy::preset("cn+conduct")?.reads_event(EventType::Hold));
    /// # Ok(())
    /// # }
    /// ```
    pub fn reads_event(&self, event: EventType) -> bool {
        let any_cond = |f: &dyn Fn(&Cond) -> bool| {
            self.inner
                .rules
                .iter()
                .any(|r| f(&r.when) || r.unless.as_ref().is_some_and(f))
        };
        let any_body = |f: &dyn Fn(&Body) -> bool| self.inner.rules.iter().any(|r| f(&r.body));
        match event {
            EventType::Attempt => true,
            EventType::Consent => any_cond(&|c| c.consent.is_some()),
            EventType::OptOut => {
                any_body(&|b| matches!(b, Body::OptOut { .. }))
                    || any_cond(&|c| c.consent.is_some())
            }
            EventType::Cease => any_body(&|b| matches!(b, Body::Cease { .. })),
            EventType::Attorney => any_body(&|b| matches!(b, Body::Attorney { .. })),
            EventType::Hold => {
                any_body(&|b| matches!(b, Body::Hold { .. }))
                    || any_cond(&|c| c.debtor_unreachable.is_some())
            }
            EventType::PriorConsentToContact => any_body(&|b| {
                matches!(
                    b,
                    Body::Cap {
                        exclude_prior_consent: true,
                        ..
                    } | Body::Cooldown {
                        exclude_prior_consent: true,
                        ..
                    }
                )
            }),
            EventType::RequestContact => any_cond(&|c| c.requested_contact.is_some()),
            EventType::Inconvenient => any_body(&|b| matches!(b, Body::Inconvenient { .. })),
            EventType::Unreachable => any_cond(&|c| c.debtor_unreachable.is_some()),
        }
    }

    /// Whether any rule of the policy reads holds with this reason: a
    /// `hold` rule that lists it, or, for `deceased`, a
    /// `debtor_unreachable` condition (a deceased debtor is out of
    /// contact). [`Policy::reads_event`] is true for holds when some
    /// reason is read.
    pub fn reads_hold(&self, reason: HoldReason) -> bool {
        self.inner.rules.iter().any(|r| match &r.body {
            Body::Hold { reasons } => reasons.contains(&reason),
            _ => {
                reason == HoldReason::Deceased
                    && (r.when.debtor_unreachable.is_some()
                        || r.unless
                            .as_ref()
                            .is_some_and(|u| u.debtor_unreachable.is_some()))
            }
        })
    }

    /// Whether recording this event can change a decision of the policy:
    /// [`Policy::reads_event`] of its type, and for a hold
    /// [`Policy::reads_hold`] of its reason.
    pub fn reads(&self, event: &Event) -> bool {
        match event {
            Event::Hold(h) => self.reads_hold(h.reason),
            e => self.reads_event(e.event_type()),
        }
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

#[cfg(test)]
mod reads_event_tests {
    use super::Policy;
    use crate::model::{Event, EventType, HoldReason};

    fn read(names: &str) -> Vec<&'static str> {
        let policy = Policy::preset(names).unwrap();
        EventType::ALL
            .into_iter()
            .filter(|&t| policy.reads_event(t))
            .map(EventType::as_str)
            .collect()
    }

    #[test]
    fn event_types_read_by_presets() {
        // cn: cn.6a honours opt-outs, cn.6b cease; cn.5a's out-of-contact
        // condition reads unreachable marks and deceased holds.
        assert_eq!(
            read("cn"),
            ["attempt", "opt_out", "cease", "hold", "unreachable"]
        );
        // conduct: conduct.7 is a hold rule, conduct.6 honours cease.
        assert_eq!(read("conduct"), ["attempt", "cease", "hold"]);
        // us-tcpa.1 is lifted by a `tcpa` consent, which an opt-out withdraws.
        assert_eq!(read("us-tcpa"), ["attempt", "consent", "opt_out"]);
        assert_eq!(
            read("us-reg-f"),
            [
                "attempt",
                "opt_out",
                "cease",
                "attorney",
                "hold",
                "prior_consent_to_contact",
                "request_contact",
                "inconvenient"
            ]
        );
    }

    #[test]
    fn hold_reasons_read_by_presets() {
        let cn = Policy::preset("cn").unwrap();
        assert!(cn.reads_hold(HoldReason::Deceased));
        assert!(!cn.reads_hold(HoldReason::RepaymentPlan));
        let conduct = Policy::preset("cn+conduct").unwrap();
        assert!(conduct.reads_hold(HoldReason::RepaymentPlan));
        let hold = |reason| {
            Event::Hold(crate::model::Hold {
                at: "2026-03-02T02:00:00Z".parse().unwrap(),
                debt: "L1".to_owned(),
                reason,
                until: None,
            })
        };
        assert!(!cn.reads(&hold(HoldReason::PromiseToPay)));
        assert!(cn.reads(&hold(HoldReason::Deceased)));
        assert!(conduct.reads(&hold(HoldReason::PromiseToPay)));
    }
}
