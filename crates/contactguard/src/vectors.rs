//! Conformance vectors (`contact-vectors/1`): shared JSON test cases that
//! every binding runs.

use crate::model::{Ask, Decision, Event};
use crate::{decide, History, Policy};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// The format tag of a vectors file.
pub const FORMAT: &str = "contact-vectors/1";

/// What a case expects.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Expect {
    /// Whether the ask is allowed.
    pub allow: bool,
    /// Why, in words (not checked).
    #[serde(default)]
    pub why: Option<String>,
    /// When present, the expected `retry_at` (`null` for none).
    #[serde(default, deserialize_with = "some_option")]
    pub retry_at: Option<Option<Timestamp>>,
    /// When present, rule ids that must be among the denials.
    #[serde(default)]
    pub denied_by: Option<Vec<String>>,
    /// When present, obligations that must be in the decision.
    #[serde(default)]
    pub obligations: Option<Vec<String>>,
}

fn some_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Timestamp>>, D::Error> {
    Option::<Timestamp>::deserialize(d).map(Some)
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case's id.
    pub id: String,
    /// `None` when the case passed, else what disagreed.
    pub failure: Option<String>,
    /// The engine's decision, when the case could be evaluated.
    pub decision: Option<Decision>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Why a vectors file could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorsError(pub String);

impl std::fmt::Display for VectorsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VectorsError {}

/// Resolves a case's `policy`: preset names joined by `+`, or an inline
/// policy object (which may `extends` presets).
///
/// # Errors
///
/// The policy's own error.
pub fn case_policy(policy: &Value) -> Result<Policy, crate::PolicyError> {
    match policy {
        Value::String(names) => Policy::preset(names),
        other => Policy::from_json(&other.to_string()),
    }
}

/// Runs one case given as JSON. Never panics; a malformed case fails.
pub fn run_case(case: &Value) -> CaseResult {
    let id = case
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(case without id)")
        .to_owned();
    match evaluate(case) {
        Ok((expect, decision)) => CaseResult {
            failure: compare(&expect, &decision),
            decision: Some(decision),
            id,
        },
        Err(e) => CaseResult {
            id,
            failure: Some(e),
            decision: None,
        },
    }
}

fn evaluate(case: &Value) -> Result<(Expect, Decision), String> {
    let field = |name: &str| {
        case.get(name)
            .ok_or_else(|| format!("case has no `{name}`"))
    };
    let policy = case_policy(field("policy")?).map_err(|e| format!("policy: {e}"))?;
    let events: Vec<Event> = match case.get("history") {
        None | Some(Value::Null) => Vec::new(),
        Some(h) => serde_json::from_value(h.clone()).map_err(|e| format!("history: {e}"))?,
    };
    let ask: Ask =
        serde_json::from_value(field("ask")?.clone()).map_err(|e| format!("ask: {e}"))?;
    let expect: Expect =
        serde_json::from_value(field("expect")?.clone()).map_err(|e| format!("expect: {e}"))?;
    let history = History::from_events(events);
    Ok((expect, decide(&policy, &ask, &history)))
}

/// What disagrees between an expectation and a decision, if anything.
pub fn compare(expect: &Expect, got: &Decision) -> Option<String> {
    let mut problems = Vec::new();
    if expect.allow != got.allow {
        problems.push(format!(
            "expected allow={}, got allow={}",
            expect.allow, got.allow
        ));
    }
    if let Some(retry) = &expect.retry_at {
        if *retry != got.retry_at {
            let show = |t: &Option<Timestamp>| t.map_or("null".to_owned(), |t| t.to_string());
            problems.push(format!(
                "expected retry_at={}, got {}",
                show(retry),
                show(&got.retry_at)
            ));
        }
    }
    if let Some(ids) = &expect.denied_by {
        for id in ids {
            if !got.denials.iter().any(|d| &d.id == id) {
                problems.push(format!("expected a denial by `{id}`"));
            }
        }
    }
    if let Some(obs) = &expect.obligations {
        for o in obs {
            if !got.obligations.iter().any(|g| g == o) {
                problems.push(format!("expected obligation `{o}`"));
            }
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Runs every case of a vectors file.
///
/// # Errors
///
/// When the text is not a `contact-vectors/1` file.
pub fn run_file(text: &str) -> Result<Vec<CaseResult>, VectorsError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| VectorsError(format!("not JSON: {e}")))?;
    match v.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        other => {
            return Err(VectorsError(format!(
                "expected `\"format\": \"{FORMAT}\"`, found {}",
                other.map_or("none".to_owned(), |s| format!("`{s}`"))
            )))
        }
    }
    let cases = v
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| VectorsError("no `cases` array".to_owned()))?;
    Ok(cases.iter().map(run_case).collect())
}
