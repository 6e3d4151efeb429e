//! Python values to the domain model and back.
//!
//! Asks are read key by key (the hot path of `Policy.decide`); events are
//! read through a small serde deserializer over Python objects, so every
//! event kind accepts exactly what the JSON wire format accepts. Instants
//! are RFC 3339 strings with an offset or timezone-aware `datetime`s; a
//! naive `datetime` is refused.

use crate::errors::InputProblem;
use contactguard::{Ask, Channel, Event, Place, Purpose, Role};
use jiff::Timestamp;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The event kinds, by wire name.
pub(crate) const EVENT_TYPES: &str = "attempt, consent, opt_out, cease, attorney, hold, \
     prior_consent_to_contact, request_contact, inconvenient, unreachable";

const INSTANT_HELP: &str =
    "pass an RFC 3339 string with an offset such as `2026-04-02T10:00:00-04:00`, \
     or a timezone-aware datetime";

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

fn py_problem(e: &PyErr, py: Python<'_>) -> InputProblem {
    InputProblem::new("input.invalid", e.value(py).to_string())
}

fn is_datetime(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let cls = DATETIME.import(obj.py(), "datetime", "datetime")?;
    obj.is_instance(cls)
}

/// An aware `datetime` as an RFC 3339 string; a naive one is an error.
fn datetime_text(obj: &Bound<'_, PyAny>) -> Result<String, InputProblem> {
    let py = obj.py();
    let offset = obj
        .call_method0(intern!(py, "utcoffset"))
        .map_err(|e| py_problem(&e, py))?;
    let iso = obj
        .call_method0(intern!(py, "isoformat"))
        .and_then(|s| s.extract::<String>())
        .map_err(|e| py_problem(&e, py))?;
    if offset.is_none() {
        return Err(InputProblem::new(
            "input.naive_datetime",
            format!("naive datetime `{iso}` has no time zone, so it names no instant"),
        )
        .help("attach a zone, e.g. `dt.replace(tzinfo=datetime.timezone.utc)` or `ZoneInfo(\"America/New_York\")`"));
    }
    Ok(iso)
}

/// The instant of an aware `datetime.datetime` (the class itself, not a
/// subclass such as `pandas.Timestamp`, which carries nanoseconds) whose
/// UTC offset is whole minutes, read from its fields: the same instant as
/// parsing its `isoformat()`, without formatting and parsing text.
/// `None` for anything else (naive, subclass, an offset with seconds, out
/// of range, or any Python error): the caller then takes the text path,
/// which gives the same answer or the same error as before.
fn plain_datetime_instant(obj: &Bound<'_, PyAny>) -> Option<Timestamp> {
    let py = obj.py();
    let cls = DATETIME.import(py, "datetime", "datetime").ok()?;
    if !obj.get_type().is(cls) {
        return None;
    }
    let offset = obj.call_method0(intern!(py, "utcoffset")).ok()?;
    if offset.is_none() {
        return None;
    }
    let int = |o: &Bound<'_, PyAny>, name: &Bound<'_, PyString>| -> Option<i64> {
        o.getattr(name).ok()?.extract::<i64>().ok()
    };
    if int(&offset, intern!(py, "microseconds"))? != 0 {
        return None;
    }
    let offset_seconds =
        int(&offset, intern!(py, "days"))? * 86_400 + int(&offset, intern!(py, "seconds"))?;
    if offset_seconds % 60 != 0 {
        return None;
    }
    let field = |name: &Bound<'_, PyString>| -> Option<i8> { i8::try_from(int(obj, name)?).ok() };
    let civil = jiff::civil::DateTime::new(
        i16::try_from(int(obj, intern!(py, "year"))?).ok()?,
        field(intern!(py, "month"))?,
        field(intern!(py, "day"))?,
        field(intern!(py, "hour"))?,
        field(intern!(py, "minute"))?,
        field(intern!(py, "second"))?,
        i32::try_from(int(obj, intern!(py, "microsecond"))?).ok()? * 1000,
    )
    .ok()?;
    let offset = jiff::tz::Offset::from_seconds(i32::try_from(offset_seconds).ok()?).ok()?;
    offset.to_timestamp(civil).ok()
}

fn parse_instant(text: &str) -> Result<Timestamp, InputProblem> {
    text.parse::<Timestamp>().map_err(|e| {
        InputProblem::new("input.invalid", format!("`{text}` is not an instant: {e}"))
            .help(INSTANT_HELP)
    })
}

/// An instant from a string or an aware `datetime`.
pub(crate) fn timestamp_from_py(obj: &Bound<'_, PyAny>) -> Result<Timestamp, InputProblem> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow().map_err(|e| py_problem(&e, py))?;
        return parse_instant(&text);
    }
    if is_datetime(obj).map_err(|e| py_problem(&e, py))? {
        if let Some(ts) = plain_datetime_instant(obj) {
            return Ok(ts);
        }
        return parse_instant(&datetime_text(obj)?);
    }
    Err(InputProblem::new(
        "input.invalid",
        format!("expected an instant, found `{}`", type_name(obj)),
    )
    .help(INSTANT_HELP))
}

/// A UTC `datetime` for an instant (microsecond precision, as Python's).
pub(crate) fn timestamp_to_py<'py>(py: Python<'py>, ts: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let cls = DATETIME.import(py, "datetime", "datetime")?;
    let utc = UTC.get_or_try_init(py, || {
        py.import("datetime")
            .and_then(|m| m.getattr("timezone"))
            .and_then(|tz| tz.getattr("utc"))
            .map(Bound::unbind)
    })?;
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    cls.call1((
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1000,
        utc.bind(py),
    ))
}

fn text<'a>(obj: &'a Bound<'_, PyAny>, field: &str) -> Result<Cow<'a, str>, InputProblem> {
    match obj.cast::<PyString>() {
        Ok(s) => s
            .to_cow()
            .map_err(|e| py_problem(&e, obj.py()).field(field)),
        Err(_) => Err(not_text(obj, field)),
    }
}

fn not_text(obj: &Bound<'_, PyAny>, field: impl Into<String>) -> InputProblem {
    InputProblem::new(
        "input.invalid",
        format!("expected a string, found `{}`", type_name(obj)),
    )
    .field(field)
}

fn wire<T: Copy + fmt::Display>(
    s: &str,
    field: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<T, InputProblem> {
    parse(s).ok_or_else(|| {
        InputProblem::new("input.invalid", format!("unknown {what} `{s}`"))
            .field(field)
            .help(format!("one of {}", names(all)))
    })
}

/// The comma-separated wire names of an enum.
pub(crate) fn names<T: Copy + fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn channel(s: &str, field: &str) -> Result<Channel, InputProblem> {
    wire(s, field, "channel", Channel::from_wire, Channel::ALL)
}

pub(crate) fn role(s: &str, field: &str) -> Result<Role, InputProblem> {
    wire(s, field, "role", Role::from_wire, Role::ALL)
}

pub(crate) fn place(s: &str, field: &str) -> Result<Place, InputProblem> {
    wire(s, field, "place", Place::from_wire, Place::ALL)
}

pub(crate) fn purpose(s: &str, field: &str) -> Result<Purpose, InputProblem> {
    wire(s, field, "purpose", Purpose::from_wire, Purpose::ALL)
}

type InternTable<T> = PyOnceLock<Vec<(Py<PyString>, T)>>;

static CHANNELS: InternTable<Channel> = PyOnceLock::new();
static ROLES: InternTable<Role> = PyOnceLock::new();
static PLACES: InternTable<Place> = PyOnceLock::new();
static PURPOSES: InternTable<Purpose> = PyOnceLock::new();

/// An enum value from a Python `str`. String literals in Python code are
/// interned, so the value is usually found by identity against interned
/// wire names without decoding the string; other strings are decoded and
/// parsed.
fn py_enum<T: Copy + fmt::Display + Send + Sync + 'static>(
    v: &Bound<'_, PyAny>,
    field: &str,
    table: &'static InternTable<T>,
    all: &'static [T],
    parse: fn(&str, &str) -> Result<T, InputProblem>,
) -> Result<T, InputProblem> {
    let py = v.py();
    let interned = table.get_or_init(py, || {
        all.iter()
            .map(|&x| (PyString::intern(py, &x.to_string()).unbind(), x))
            .collect()
    });
    if let Some((_, x)) = interned.iter().find(|(p, _)| p.as_ptr() == v.as_ptr()) {
        return Ok(*x);
    }
    parse(&text(v, field)?, field)
}

/// Reads an ask from a dict in the wire format.
pub(crate) fn ask_from_dict<'py>(d: &Bound<'py, PyDict>) -> Result<Ask, InputProblem> {
    let py = d.py();
    let get = |key: &Bound<'py, PyString>| -> Result<Option<Bound<'py, PyAny>>, InputProblem> {
        match d.get_item(key) {
            Ok(Some(v)) if v.is_none() => Ok(None),
            Ok(v) => Ok(v),
            Err(e) => Err(py_problem(&e, py)),
        }
    };
    let required =
        |key: &Bound<'py, PyString>, name: &str| -> Result<Bound<'py, PyAny>, InputProblem> {
            get(key)?.ok_or_else(|| {
                InputProblem::new("input.missing", format!("an ask needs `{name}`")).field(name)
            })
        };
    let at = timestamp_from_py(&required(intern!(py, "at"), "at")?).map_err(|p| p.field("at"))?;
    let channel_v = required(intern!(py, "channel"), "channel")?;
    let channel = py_enum(&channel_v, "channel", &CHANNELS, Channel::ALL, channel)?;
    let to = text(&required(intern!(py, "to"), "to")?, "to")?.into_owned();
    let role_v = required(intern!(py, "role"), "role")?;
    let role = py_enum(&role_v, "role", &ROLES, Role::ALL, role)?;
    let debt = text(&required(intern!(py, "debt"), "debt")?, "debt")?.into_owned();

    let (tz_key, tz_v) = match get(intern!(py, "timezones"))? {
        Some(v) => ("timezones", Some(v)),
        None => ("timezone", get(intern!(py, "timezone"))?),
    };
    let timezones = match tz_v {
        None => Vec::new(),
        Some(v) => zones_from_py(&v, tz_key)?,
    };
    let place = match get(intern!(py, "place"))? {
        None => None,
        Some(v) => Some(py_enum(&v, "place", &PLACES, Place::ALL, place)?),
    };
    let purpose = match get(intern!(py, "purpose"))? {
        None => None,
        Some(v) => Some(py_enum(&v, "purpose", &PURPOSES, Purpose::ALL, purpose)?),
    };
    let autodialed = match get(intern!(py, "autodialed"))? {
        None => None,
        Some(v) => Some(
            v.cast::<PyBool>()
                .map_err(|_| {
                    InputProblem::new(
                        "input.invalid",
                        format!("expected a bool, found `{}`", type_name(&v)),
                    )
                    .field("autodialed")
                })?
                .is_true(),
        ),
    };
    let days_past_due = match get(intern!(py, "days_past_due"))? {
        None => None,
        Some(v) if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() => Some(
            v.extract::<i64>()
                .map_err(|e| py_problem(&e, py).field("days_past_due"))?,
        ),
        Some(v) => {
            return Err(InputProblem::new(
                "input.invalid",
                format!("expected an integer, found `{}`", type_name(&v)),
            )
            .field("days_past_due"))
        }
    };
    Ok(Ask {
        at,
        channel,
        to,
        role,
        debt,
        timezones,
        place,
        autodialed,
        purpose,
        days_past_due,
    })
}

/// One zone name or a list of them.
pub(crate) fn zones_from_py(
    v: &Bound<'_, PyAny>,
    field: &str,
) -> Result<Vec<String>, InputProblem> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(vec![s
            .to_cow()
            .map_err(|e| py_problem(&e, v.py()).field(field))?
            .into_owned()]);
    }
    // The item's field path (`timezones[1]`) is only formatted when the
    // item is refused: this runs on every ask.
    let item_text = |i: usize, item: &Bound<'_, PyAny>| -> Result<String, InputProblem> {
        match item.cast::<PyString>() {
            Ok(s) => s
                .to_cow()
                .map(Cow::into_owned)
                .map_err(|e| py_problem(&e, v.py()).field(format!("{field}[{i}]"))),
            Err(_) => Err(not_text(item, format!("{field}[{i}]"))),
        }
    };
    // A plain list is read by index; a list subclass or a tuple through
    // its iterator, as before.
    if let Ok(list) = v.cast_exact::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            out.push(item_text(i, &item)?);
        }
        return Ok(out);
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        let items = v
            .try_iter()
            .map_err(|e| py_problem(&e, v.py()).field(field))?;
        for (i, item) in items.enumerate() {
            let item = item.map_err(|e| py_problem(&e, v.py()).field(field))?;
            out.push(item_text(i, &item)?);
        }
        return Ok(out);
    }
    Err(InputProblem::new(
        "input.invalid",
        format!(
            "expected a zone name or a list of them, found `{}`",
            type_name(v)
        ),
    )
    .field(field))
}

/// Reads one history event from a dict in the wire format (`type` names
/// the kind).
pub(crate) fn event_from_dict(d: &Bound<'_, PyDict>) -> Result<Event, InputProblem> {
    let py = d.py();
    let ty = match d.get_item(intern!(py, "type")) {
        Ok(Some(v)) if !v.is_none() => text(&v, "type")?.into_owned(),
        Ok(_) => {
            return Err(InputProblem::new("input.missing", "an event needs `type`")
                .field("type")
                .help(format!("one of {EVENT_TYPES}")))
        }
        Err(e) => return Err(py_problem(&e, py)),
    };
    let any = d.as_any();
    Ok(match ty.as_str() {
        "attempt" => Event::Attempt(from_py(any)?),
        "consent" => Event::Consent(from_py(any)?),
        "opt_out" => Event::OptOut(from_py(any)?),
        "cease" => Event::Cease(from_py(any)?),
        "attorney" => Event::Attorney(from_py(any)?),
        "hold" => Event::Hold(from_py(any)?),
        "prior_consent_to_contact" => Event::PriorConsentToContact(from_py(any)?),
        "request_contact" => Event::RequestContact(from_py(any)?),
        "inconvenient" => Event::Inconvenient(from_py(any)?),
        "unreachable" => Event::Unreachable(from_py(any)?),
        other => {
            return Err(
                InputProblem::new("input.invalid", format!("unknown event type `{other}`"))
                    .field("type")
                    .help(format!("one of {EVENT_TYPES}")),
            )
        }
    })
}

/// Deserializes any wire type from a Python value, naming the failing field.
pub(crate) fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>) -> Result<T, InputProblem> {
    serde_path_to_error::deserialize(De(obj)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut p = InputProblem::new(inner.code, inner.message);
        p.help = inner.help;
        if path != "." && !path.is_empty() {
            p = p.field(path);
        }
        p
    })
}

/// A serde error carrying one of our codes.
#[derive(Debug)]
pub(crate) struct DeError {
    code: &'static str,
    message: String,
    help: Option<String>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        DeError {
            code: "input.invalid",
            message: msg.to_string(),
            help: None,
        }
    }
}

impl From<InputProblem> for DeError {
    fn from(p: InputProblem) -> Self {
        DeError {
            code: p.code,
            message: p.message,
            help: p.help,
        }
    }
}

fn py_de_error(e: &PyErr, py: Python<'_>) -> DeError {
    DeError::from(py_problem(e, py))
}

/// A serde deserializer reading a Python value: `dict` as a map, `list` and
/// `tuple` as sequences, `str`, `int`, `float`, `bool`, `None`, and an aware
/// `datetime` as its RFC 3339 text.
struct De<'a, 'py>(&'a Bound<'py, PyAny>);

impl<'de> de::Deserializer<'de> for De<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let obj = self.0;
        let py = obj.py();
        if let Ok(s) = obj.cast::<PyString>() {
            return v.visit_str(&s.to_cow().map_err(|e| py_de_error(&e, py))?);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = d.iter().collect();
            return v.visit_map(MapAccess {
                items: items.into_iter(),
                value: None,
            });
        }
        if obj.is_none() {
            return v.visit_unit();
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return v.visit_bool(b.is_true());
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(i) = obj.extract::<i64>() {
                return v.visit_i64(i);
            }
            return v.visit_u64(obj.extract::<u64>().map_err(|e| py_de_error(&e, py))?);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return v.visit_f64(f.value());
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let items: Vec<Bound<'_, PyAny>> = obj
                .try_iter()
                .and_then(|it| it.collect::<PyResult<Vec<_>>>())
                .map_err(|e| py_de_error(&e, py))?;
            return v.visit_seq(SeqAccess {
                items: items.into_iter(),
            });
        }
        if is_datetime(obj).map_err(|e| py_de_error(&e, py))? {
            return v.visit_string(datetime_text(obj)?);
        }
        Err(DeError::from(
            InputProblem::new(
                "input.invalid",
                format!("unsupported value of type `{}`", type_name(obj)),
            )
            .help("use str, int, float, bool, None, list, dict or a timezone-aware datetime"),
        ))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if self.0.is_none() {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.0.cast::<PyString>() {
            Ok(s) => {
                let owned = s
                    .to_cow()
                    .map_err(|e| py_de_error(&e, s.py()))?
                    .into_owned();
                v.visit_enum(owned.into_deserializer())
            }
            Err(_) => self.deserialize_any(v),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct MapAccess<'py> {
    items: std::vec::IntoIter<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    value: Option<Bound<'py, PyAny>>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(De(&k)).map(Some)
            }
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(De(&v)),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
}

struct SeqAccess<'py> {
    items: std::vec::IntoIter<Bound<'py, PyAny>>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some(v) => seed.deserialize(De(&v)).map(Some),
        }
    }
}
