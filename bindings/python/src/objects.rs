//! The compiled objects Python sees: `Policy`, `Rule`, `Decision`,
//! `Denial`, `Ask`, `Attempt` and `History`. All are immutable
//! (`#[pyclass(frozen)]`) and safe to share between threads.

use crate::convert::{
    ask_from_dict, event_from_dict, names, timestamp_from_py, timestamp_to_py, zones_from_py,
};
use crate::errors::{guard, policy_error, InputProblem};
use contactguard::{AttemptResult, Event, Syntax};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;

/// Above this many events, building a history runs without the GIL.
const DETACH_EVENTS: usize = 1024;

/// A compiled, immutable policy.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Policy {
    pub(crate) inner: contactguard::Policy,
}

#[pymethods]
impl Policy {
    /// Presets by name, joined by `+`: `"cn+conduct"`.
    #[staticmethod]
    fn preset(py: Python<'_>, names: &str) -> PyResult<Policy> {
        guard(py, || {
            contactguard::Policy::preset(names)
                .map(|inner| Policy { inner })
                .map_err(|e| policy_error(py, e))
        })
    }

    /// A policy written in TOML.
    #[staticmethod]
    #[pyo3(signature = (text, source_name = None))]
    fn from_toml(py: Python<'_>, text: &str, source_name: Option<&str>) -> PyResult<Policy> {
        parse(py, text, Syntax::Toml, source_name)
    }

    /// A policy written in JSON.
    #[staticmethod]
    #[pyo3(signature = (text, source_name = None))]
    fn from_json(py: Python<'_>, text: &str, source_name: Option<&str>) -> PyResult<Policy> {
        parse(py, text, Syntax::Json, source_name)
    }

    /// A policy file: `.toml` or `.json`, by extension; errors name the
    /// file (`policy.file_type`, `policy.io`, `policy.encoding`, or the
    /// mistake's line, column and field).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        guard(py, || {
            contactguard::Policy::load(&path, std::fs::read)
                .map(|inner| Policy { inner })
                .map_err(|e| policy_error(py, e))
        })
    }

    /// The union of several policies (the strictest rule wins).
    #[staticmethod]
    fn compose(py: Python<'_>, parts: Vec<PyRef<'_, Policy>>) -> PyResult<Policy> {
        guard(py, || {
            let refs: Vec<&contactguard::Policy> = parts.iter().map(|p| &p.inner).collect();
            contactguard::Policy::compose(&refs)
                .map(|inner| Policy { inner })
                .map_err(|e| policy_error(py, e))
        })
    }

    /// The preset expression or the file's `name`.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Every rule, in policy order.
    #[getter]
    fn rules(&self) -> Vec<Rule> {
        self.inner
            .rules()
            .iter()
            .map(|r| Rule {
                id: r.id.clone(),
                title: r.title.clone(),
                cite: r.cite.clone(),
                status: r.status.clone(),
                kind: r.kind.as_str().to_owned(),
                convention: r.convention.clone(),
                note: r.note.clone(),
            })
            .collect()
    }

    /// How far back (seconds) any rule looks at attempts; `None` when a
    /// lifetime cap makes it unbounded.
    #[getter]
    fn lookback_seconds(&self) -> Option<i64> {
        self.inner.lookback_seconds()
    }

    /// Each holiday calendar: its listed years with status and source, the
    /// statutory rule that computes any year, the rules that read it, and
    /// `runs_out`, the first date on or after `as_of` (ISO text or a
    /// `datetime.date`; today by default) it cannot classify (`None` when it
    /// never runs out).
    #[pyo3(signature = (as_of = None))]
    fn calendar_coverage<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let as_of: jiff::civil::Date = match as_of {
            None => jiff::ZonedDateTime::now().date(),
            Some(obj) => {
                let text = obj.str()?.to_string();
                text.parse().map_err(|_| {
                    InputProblem::new("input.invalid", format!("`{text}` is not a date"))
                        .field("as_of")
                        .help("give a `datetime.date` or ISO text, YYYY-MM-DD")
                        .into_py(py)
                })?
            }
        };
        let out = PyList::empty(py);
        for cal in self.inner.calendar_coverage() {
            let d = PyDict::new(py);
            d.set_item("name", &cal.name)?;
            d.set_item("source", &cal.source)?;
            d.set_item("note", &cal.note)?;
            d.set_item("rule", cal.rule.map(|r| r.as_str()))?;
            d.set_item("rule_from", cal.rule.map(|r| r.first_year()))?;
            d.set_item("used_by", &cal.used_by)?;
            let years = PyList::empty(py);
            for y in &cal.listed {
                let yd = PyDict::new(py);
                yd.set_item("year", y.year)?;
                yd.set_item("status", y.status.as_str())?;
                yd.set_item("source", &y.source)?;
                yd.set_item("note", &y.note)?;
                yd.set_item("holidays", y.holidays)?;
                years.append(yd)?;
            }
            d.set_item("years", years)?;
            d.set_item(
                "runs_out",
                cal.first_unclassifiable(as_of).map(|d| d.to_string()),
            )?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// Decides whether `ask` may go ahead given `history`.
    #[pyo3(signature = (ask, history = None))]
    fn decide(
        &self,
        py: Python<'_>,
        ask: &Bound<'_, PyAny>,
        history: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        guard(py, || {
            let ask = ask_ref(ask).map_err(|p| p.under("ask").into_py(py))?;
            let ask = &*ask;
            let inner = match history {
                None => contactguard::decide(&self.inner, ask, &contactguard::History::new()),
                Some(h) => match h.cast::<History>() {
                    Ok(h) => contactguard::decide(&self.inner, ask, &h.get().inner),
                    Err(_) => {
                        let history = history_arg(py, h)?;
                        contactguard::decide(&self.inner, ask, &history)
                    }
                },
            };
            Ok(Decision { inner })
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy({:?}, {} rules)",
            self.inner.name(),
            self.inner.rules().len()
        )
    }
}

fn parse(
    py: Python<'_>,
    text: &str,
    syntax: Syntax,
    source_name: Option<&str>,
) -> PyResult<Policy> {
    guard(py, || {
        contactguard::Policy::parse(text, syntax, source_name)
            .map(|inner| Policy { inner })
            .map_err(|e| policy_error(py, e))
    })
}

/// An ask argument: a dict in the wire format or an `Ask`.
pub(crate) fn ask_arg(obj: &Bound<'_, PyAny>) -> Result<contactguard::Ask, InputProblem> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return ask_from_dict(d);
    }
    if let Ok(a) = obj.cast::<Ask>() {
        return Ok(a.get().inner.clone());
    }
    Err(InputProblem::new(
        "input.invalid",
        format!(
            "an ask is a dict or a contactguard.Ask, not `{}`",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ),
    ))
}

/// An ask argument as [`ask_arg`] reads it, but a typed `Ask` is borrowed
/// rather than copied (its strings and zone list), for `Policy.decide`.
fn ask_ref<'a>(
    obj: &'a Bound<'_, PyAny>,
) -> Result<std::borrow::Cow<'a, contactguard::Ask>, InputProblem> {
    match obj.cast::<Ask>() {
        Ok(a) => Ok(std::borrow::Cow::Borrowed(&a.get().inner)),
        Err(_) => ask_arg(obj).map(std::borrow::Cow::Owned),
    }
}

/// An event argument: a dict in the wire format or an `Attempt`.
pub(crate) fn event_arg(obj: &Bound<'_, PyAny>) -> Result<Event, InputProblem> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return event_from_dict(d);
    }
    if let Ok(a) = obj.cast::<Attempt>() {
        return Ok(Event::Attempt(a.get().inner.clone()));
    }
    Err(InputProblem::new(
        "input.invalid",
        format!(
            "an event is a dict or a contactguard.Attempt, not `{}`",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ),
    ))
}

/// Every event of an iterable, with `history[i]` in error paths.
pub(crate) fn events_arg(
    py: Python<'_>,
    seq: &Bound<'_, PyAny>,
    label: &str,
) -> PyResult<Vec<Event>> {
    let iter = seq.try_iter().map_err(|_| {
        InputProblem::new(
            "input.invalid",
            format!("{label} must be an iterable of events or a contactguard.History"),
        )
        .field(label)
        .into_py(py)
    })?;
    let mut events = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        events.push(event_arg(&item).map_err(|p| p.under(&format!("{label}[{i}]")).into_py(py))?);
    }
    Ok(events)
}

fn history_arg(py: Python<'_>, seq: &Bound<'_, PyAny>) -> PyResult<contactguard::History> {
    let events = events_arg(py, seq, "history")?;
    Ok(build_history(py, events))
}

pub(crate) fn build_history(py: Python<'_>, events: Vec<Event>) -> contactguard::History {
    if events.len() > DETACH_EVENTS {
        py.detach(|| contactguard::History::from_events(events))
    } else {
        contactguard::History::from_events(events)
    }
}

/// One rule of a policy, as written.
#[pyclass(frozen, eq, module = "contactguard")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    title: String,
    #[pyo3(get)]
    cite: String,
    #[pyo3(get)]
    status: String,
    #[pyo3(get)]
    kind: String,
    #[pyo3(get)]
    convention: Option<String>,
    #[pyo3(get)]
    note: Option<String>,
}

#[pymethods]
impl Rule {
    fn __repr__(&self) -> String {
        format!(
            "Rule(id={:?}, status={:?}, cite={:?})",
            self.id, self.status, self.cite
        )
    }
}

/// One rule that denied an ask.
#[pyclass(frozen, eq, module = "contactguard")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Denial {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    cite: String,
    /// Written when first read (see `contactguard::model::Message`).
    message: contactguard::model::Message,
}

#[pymethods]
impl Denial {
    /// What was exceeded, with the figures.
    #[getter]
    fn message(&self) -> &str {
        self.message.as_str()
    }

    fn __repr__(&self) -> String {
        format!("Denial(id={:?}, message={:?})", self.id, self.message)
    }
}

/// The answer to an ask.
#[pyclass(frozen, eq, module = "contactguard")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) inner: contactguard::Decision,
}

#[pymethods]
impl Decision {
    /// Whether the contact may go ahead.
    #[getter]
    fn allow(&self) -> bool {
        self.inner.allow
    }

    /// Every rule that denied it.
    #[getter]
    fn denials(&self) -> Vec<Denial> {
        self.inner
            .denials
            .iter()
            .map(|d| Denial {
                id: d.id.to_string(),
                cite: d.cite.to_string(),
                message: d.message.clone(),
            })
            .collect()
    }

    /// What the contact must honour if it goes ahead.
    #[getter]
    fn obligations(&self) -> Vec<&str> {
        self.inner.obligations.iter().map(|o| o.as_str()).collect()
    }

    /// The earliest instant (UTC) at which the same ask would pass, or
    /// `None` when no future time helps.
    #[getter]
    fn retry_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .retry_at
            .map(|t| timestamp_to_py(py, t))
            .transpose()
    }

    /// The decision in the wire shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("allow", self.inner.allow)?;
        let denials = PyList::empty(py);
        for x in &self.inner.denials {
            let e = PyDict::new(py);
            e.set_item("id", x.id.as_str())?;
            e.set_item("cite", x.cite.as_str())?;
            e.set_item("message", x.message.as_str())?;
            denials.append(e)?;
        }
        d.set_item("denials", denials)?;
        d.set_item("retry_at", self.retry_at(py)?)?;
        d.set_item("obligations", self.obligations())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let ids: Vec<&str> = self.inner.denials.iter().map(|d| d.id.as_str()).collect();
        let retry = self
            .inner
            .retry_at
            .map_or("None".to_owned(), |t| format!("{:?}", t.to_string()));
        format!(
            "Decision(allow={}, denials={:?}, retry_at={retry}, obligations={:?})",
            if self.inner.allow { "True" } else { "False" },
            ids,
            self.inner.obligations
        )
    }
}

/// A typed ask; `Policy.decide` also takes the same fields as a dict.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Ask {
    pub(crate) inner: contactguard::Ask,
}

fn opt_str<T>(
    v: Option<&str>,
    parse: impl FnOnce(&str, &str) -> Result<T, InputProblem>,
    field: &str,
) -> Result<Option<T>, InputProblem> {
    v.map(|s| parse(s, field)).transpose()
}

#[pymethods]
impl Ask {
    #[new]
    #[pyo3(signature = (at, channel, to, role, debt, *, timezones = None, place = None, autodialed = None, purpose = None, days_past_due = None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the wire fields as keyword arguments"
    )]
    fn new(
        py: Python<'_>,
        at: &Bound<'_, PyAny>,
        channel: &str,
        to: String,
        role: &str,
        debt: String,
        timezones: Option<&Bound<'_, PyAny>>,
        place: Option<&str>,
        autodialed: Option<bool>,
        purpose: Option<&str>,
        days_past_due: Option<i64>,
    ) -> PyResult<Ask> {
        let build = || -> Result<contactguard::Ask, InputProblem> {
            Ok(contactguard::Ask {
                at: timestamp_from_py(at).map_err(|p| p.field("at"))?,
                channel: crate::convert::channel(channel, "channel")?,
                to,
                role: crate::convert::role(role, "role")?,
                debt,
                timezones: match timezones {
                    None => Vec::new(),
                    Some(t) if t.is_none() => Vec::new(),
                    Some(t) => zones_from_py(t, "timezones")?,
                },
                place: opt_str(place, crate::convert::place, "place")?,
                autodialed,
                purpose: opt_str(purpose, crate::convert::purpose, "purpose")?,
                days_past_due,
            })
        };
        guard(py, || {
            build()
                .map(|inner| Ask { inner })
                .map_err(|p| p.into_py(py))
        })
    }

    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at)
    }
    #[getter]
    fn channel(&self) -> &'static str {
        self.inner.channel.as_str()
    }
    #[getter]
    fn to(&self) -> &str {
        &self.inner.to
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.inner.role.as_str()
    }
    #[getter]
    fn debt(&self) -> &str {
        &self.inner.debt
    }
    #[getter]
    fn timezones(&self) -> Vec<String> {
        self.inner.timezones.clone()
    }
    #[getter]
    fn place(&self) -> Option<&'static str> {
        self.inner.place.map(|p| p.as_str())
    }
    #[getter]
    fn autodialed(&self) -> Option<bool> {
        self.inner.autodialed
    }
    #[getter]
    fn purpose(&self) -> Option<&'static str> {
        self.inner.purpose.map(|p| p.as_str())
    }
    #[getter]
    fn days_past_due(&self) -> Option<i64> {
        self.inner.days_past_due
    }

    /// The ask in the wire shape (`at` as a UTC datetime).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("at", self.at(py)?)?;
        d.set_item("channel", self.channel())?;
        d.set_item("to", &self.inner.to)?;
        d.set_item("role", self.role())?;
        d.set_item("debt", &self.inner.debt)?;
        d.set_item("timezones", &self.inner.timezones)?;
        d.set_item("place", self.place())?;
        d.set_item("autodialed", self.inner.autodialed)?;
        d.set_item("purpose", self.purpose())?;
        d.set_item("days_past_due", self.inner.days_past_due)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Ask(at={:?}, channel={:?}, to={:?}, role={:?}, debt={:?})",
            self.inner.at.to_string(),
            self.channel(),
            self.inner.to,
            self.role(),
            self.inner.debt
        )
    }
}

/// A typed contact attempt for a history; dicts with `"type": "attempt"`
/// work the same.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Attempt {
    pub(crate) inner: contactguard::Attempt,
}

pub(crate) fn result(s: &str, field: &str) -> Result<AttemptResult, InputProblem> {
    AttemptResult::from_wire(s).ok_or_else(|| {
        InputProblem::new("input.invalid", format!("unknown result `{s}`"))
            .field(field)
            .help(format!("one of {}", names(AttemptResult::ALL)))
    })
}

#[pymethods]
impl Attempt {
    #[new]
    #[pyo3(signature = (at, channel, to, role, debt, result, *, place = None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the wire fields as keyword arguments"
    )]
    fn new(
        py: Python<'_>,
        at: &Bound<'_, PyAny>,
        channel: &str,
        to: String,
        role: &str,
        debt: String,
        result: &str,
        place: Option<&str>,
    ) -> PyResult<Attempt> {
        let build = || -> Result<contactguard::Attempt, InputProblem> {
            Ok(contactguard::Attempt {
                at: timestamp_from_py(at).map_err(|p| p.field("at"))?,
                channel: crate::convert::channel(channel, "channel")?,
                to,
                role: crate::convert::role(role, "role")?,
                debt,
                result: crate::objects::result(result, "result")?,
                place: opt_str(place, crate::convert::place, "place")?,
            })
        };
        guard(py, || {
            build()
                .map(|inner| Attempt { inner })
                .map_err(|p| p.into_py(py))
        })
    }

    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at)
    }
    #[getter]
    fn channel(&self) -> &'static str {
        self.inner.channel.as_str()
    }
    #[getter]
    fn to(&self) -> &str {
        &self.inner.to
    }
    #[getter]
    fn role(&self) -> &'static str {
        self.inner.role.as_str()
    }
    #[getter]
    fn debt(&self) -> &str {
        &self.inner.debt
    }
    #[getter]
    fn result(&self) -> &'static str {
        self.inner.result.as_str()
    }
    #[getter]
    fn place(&self) -> Option<&'static str> {
        self.inner.place.map(|p| p.as_str())
    }

    /// The attempt in the wire shape, with `"type": "attempt"`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("type", "attempt")?;
        d.set_item("at", self.at(py)?)?;
        d.set_item("channel", self.channel())?;
        d.set_item("to", &self.inner.to)?;
        d.set_item("role", self.role())?;
        d.set_item("debt", &self.inner.debt)?;
        d.set_item("result", self.result())?;
        d.set_item("place", self.place())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Attempt(at={:?}, channel={:?}, to={:?}, role={:?}, debt={:?}, result={:?})",
            self.inner.at.to_string(),
            self.channel(),
            self.inner.to,
            self.role(),
            self.inner.debt,
            self.result()
        )
    }
}

/// A history built once and reused across decisions (converting the same
/// events on every call is the slow part of deciding from Python).
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct History {
    pub(crate) inner: contactguard::History,
}

#[pymethods]
impl History {
    #[new]
    #[pyo3(signature = (events = None))]
    fn new(py: Python<'_>, events: Option<&Bound<'_, PyAny>>) -> PyResult<History> {
        guard(py, || {
            let events = match events {
                None => Vec::new(),
                Some(e) => events_arg(py, e, "events")?,
            };
            Ok(History {
                inner: build_history(py, events),
            })
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("History({} events)", self.inner.len())
    }
}

/// The preset names, in the crate's order.
#[pyfunction]
pub(crate) fn presets() -> Vec<&'static str> {
    contactguard::preset_names().collect()
}

/// The TOML source of a preset, or `None`.
#[pyfunction]
pub(crate) fn preset_source(name: &str) -> Option<&'static str> {
    contactguard::preset_source(name)
}
