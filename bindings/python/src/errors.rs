//! Errors raised into Python, and the panic boundary.
//!
//! The exception classes are plain Python classes in
//! `contactguard/_errors.py` (abi3 extensions cannot subclass `ValueError`
//! natively), all under `contactguard.ContactguardError`; this module
//! builds every instance of them, with one diagnostic shape: code, message,
//! help, file, line, column, field and row, the codes being the Rust
//! errors' own (`PolicyError::code`, `LedgerError::code()`,
//! `Problem::code()`, and `internal.panic` for a caught panic).

use contactguard::{LedgerError, PolicyError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use std::panic::{catch_unwind, AssertUnwindSafe};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// What went wrong with a value passed in from Python (an ask, an event, a
/// row of an audited table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InputProblem {
    /// Stable code, e.g. `input.invalid`, `input.missing`,
    /// `input.naive_datetime`.
    pub(crate) code: &'static str,
    /// What is wrong, lowercase, user input in backticks.
    pub(crate) message: String,
    /// Path of the field, e.g. `history[2].result` or `channel`.
    pub(crate) field: Option<String>,
    /// 0-based row of an audited table.
    pub(crate) row: Option<usize>,
    /// A hint on how to fix it.
    pub(crate) help: Option<String>,
}

impl InputProblem {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> InputProblem {
        InputProblem {
            code,
            message: message.into(),
            field: None,
            row: None,
            help: None,
        }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> InputProblem {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn row(mut self, row: usize) -> InputProblem {
        self.row = Some(row);
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> InputProblem {
        self.help = Some(help.into());
        self
    }

    /// Prefixes the field path: `at` under `history[3]` is `history[3].at`.
    pub(crate) fn under(mut self, prefix: &str) -> InputProblem {
        self.field = Some(match self.field.take() {
            None => prefix.to_owned(),
            Some(f) if f.starts_with('[') => format!("{prefix}{f}"),
            Some(f) => format!("{prefix}.{f}"),
        });
        self
    }

    pub(crate) fn into_py(self, py: Python<'_>) -> PyErr {
        raise(py, "InputError", &self.message, |kw| {
            kw.set_item("code", self.code)?;
            kw.set_item("field", self.field)?;
            kw.set_item("row", self.row)?;
            kw.set_item("help", self.help)
        })
    }
}

/// Builds `contactguard.PolicyError` from the Rust error.
pub(crate) fn policy_error(py: Python<'_>, e: PolicyError) -> PyErr {
    raise(py, "PolicyError", &e.message, |kw| {
        kw.set_item("code", e.code)?;
        kw.set_item("line", e.line)?;
        kw.set_item("column", e.column)?;
        kw.set_item("field", e.field)?;
        kw.set_item("help", e.help)?;
        kw.set_item("file", e.source_name)
    })
}

/// Builds `contactguard.LedgerError` from the Rust error; `field` names
/// what was refused (`events[3]` of a `record_many`), when known.
pub(crate) fn ledger_error(py: Python<'_>, e: &LedgerError, field: Option<String>) -> PyErr {
    raise(py, "LedgerError", &e.to_string(), |kw| {
        kw.set_item("code", e.code())?;
        kw.set_item("field", field)
    })
}

/// Builds `contactguard.LedgerError` from a code and message of this
/// binding's own (a Redis ledger's `redis.*` codes, `ledger.closed`).
pub(crate) fn coded_ledger_error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    raise(py, "LedgerError", message, |kw| kw.set_item("code", code))
}

/// Builds `contactguard.ContactguardError` (the base class) with a code:
/// for what is no caller's fault (`internal.panic`, `internal.arrow`) or
/// not about one input (`input.arrow`).
pub(crate) fn general_error(py: Python<'_>, code: &'static str, message: &str) -> PyErr {
    raise(py, "ContactguardError", message, |kw| {
        kw.set_item("code", code)
    })
}

fn raise<'py>(
    py: Python<'py>,
    class: &str,
    message: &str,
    fill: impl FnOnce(&Bound<'py, PyDict>) -> PyResult<()>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module =
            ERRORS.get_or_try_init(py, || py.import("contactguard._errors").map(Bound::unbind))?;
        let cls = module.bind(py).getattr(class)?;
        let kw = PyDict::new(py);
        fill(&kw)?;
        let instance = cls.call((message,), Some(&kw))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// The code of a caught panic, the same as the C ABI's.
pub(crate) const PANIC_CODE: &str = "internal.panic";

/// Runs `f`, turning a Rust panic into `ContactguardError` (code
/// [`PANIC_CODE`]) so that no panic reaches Python as `PanicException`.
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(general_error(
                py,
                PANIC_CODE,
                &format!("internal error in contactguard (a bug; please report it): {what}"),
            ))
        }
    }
}

/// Every error code, in the order of `docs/errors.md`: the one list the
/// core keeps (`contactguard::ErrorCode`), which every exception's `code`
/// comes from.
#[pyfunction]
pub(crate) fn error_codes() -> Vec<&'static str> {
    contactguard::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect()
}

/// For the test suite only: panics with `message` inside [`guard`], so
/// that the tests can see what a panic becomes in Python.
#[pyfunction]
#[expect(
    clippy::panic,
    reason = "the test suite's only way to prove the panic boundary"
)]
pub(crate) fn _panic_for_tests(py: Python<'_>, message: &str) -> PyResult<()> {
    guard(py, || panic!("{message}"))
}
