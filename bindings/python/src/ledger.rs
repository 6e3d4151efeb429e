//! `contactguard.Ledger`: the thread-safe contact history with atomic
//! check-and-record, keyed hashing and snapshots, over the Rust ledger.

use crate::convert::{timestamp_from_py, timestamp_to_py};
use crate::errors::{guard, ledger_error, InputProblem};
use crate::objects::{ask_arg, event_arg, events_arg, Decision, Policy};
use contactguard::ledger::{Fsync, LedgerError, LocalLedger};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;

/// Above this many events, `record_many` runs without the GIL.
const DETACH_EVENTS: usize = 256;

/// Thread-safe contact history over a policy.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Ledger {
    inner: LocalLedger,
    /// The directory of a journaled ledger.
    dir: Option<PathBuf>,
}

/// A pending attempt admitted by `check_and_record`, to complete with its
/// result.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Ticket {
    inner: contactguard::ledger::Ticket,
}

#[pymethods]
impl Ticket {
    /// When the attempt was admitted (the ask's `at`), in UTC.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at())
    }

    fn __repr__(&self) -> String {
        format!("Ticket(at={:?})", self.inner.at().to_string())
    }
}

/// The outcome of `check_and_record`: the decision, and the ticket when the
/// attempt was admitted and recorded as pending.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Admission {
    decision: Py<Decision>,
    ticket: Option<Py<Ticket>>,
}

#[pymethods]
impl Admission {
    #[getter]
    fn decision(&self, py: Python<'_>) -> Py<Decision> {
        self.decision.clone_ref(py)
    }

    #[getter]
    fn ticket(&self, py: Python<'_>) -> Option<Py<Ticket>> {
        self.ticket.as_ref().map(|t| t.clone_ref(py))
    }

    /// Whether the attempt was admitted.
    #[getter]
    fn allow(&self) -> bool {
        self.decision.get().inner.allow
    }

    fn __repr__(&self) -> String {
        format!(
            "Admission(allow={}, ticket={})",
            if self.allow() { "True" } else { "False" },
            if self.ticket.is_some() {
                "Ticket(...)"
            } else {
                "None"
            }
        )
    }
}

fn secret(key: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    let Some(key) = key else { return Ok(None) };
    if key.is_none() {
        return Ok(None);
    }
    if let Ok(b) = key.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if let Ok(s) = key.extract::<String>() {
        return Ok(Some(s.into_bytes()));
    }
    Err(
        InputProblem::new("input.invalid", "a ledger key is bytes or str")
            .field("key")
            .into_py(key.py()),
    )
}

#[pymethods]
impl Ledger {
    /// An empty ledger over `policy`. With `key` (bytes or str, at least
    /// 16 random bytes kept outside the snapshots) recipient and debt keys
    /// are stored as keyed hashes, and a snapshot restores only into a
    /// ledger with the same key.
    #[new]
    #[pyo3(signature = (policy, key = None))]
    fn new(py: Python<'_>, policy: &Policy, key: Option<&Bound<'_, PyAny>>) -> PyResult<Ledger> {
        let policy = policy.inner.clone();
        let secret = secret(key)?;
        guard(py, || {
            Ok(Ledger {
                inner: LocalLedger::Memory(match secret {
                    None => contactguard::ledger::Ledger::new(policy),
                    Some(s) => contactguard::ledger::Ledger::with_key(policy, &s),
                }),
                dir: None,
            })
        })
    }

    /// Opens (creating it when missing) a ledger journaled to `directory`:
    /// restored from the snapshot of the last `checkpoint()` and the
    /// journal written since (a torn tail is truncated). Every admission,
    /// completion and event is then in the journal before the call returns;
    /// `sync="always"` syncs it to disk each time (survives a machine
    /// crash), `"never"` leaves it to the operating system (survives a
    /// process crash only). Keys as for `Ledger(policy, key)`. Use one
    /// process per directory.
    #[staticmethod]
    #[pyo3(signature = (policy, directory, key = None, sync = "always"))]
    fn open_journaled(
        py: Python<'_>,
        policy: &Policy,
        directory: PathBuf,
        key: Option<&Bound<'_, PyAny>>,
        sync: &str,
    ) -> PyResult<Ledger> {
        let policy = policy.inner.clone();
        let secret = secret(key)?.unwrap_or_default();
        let fsync = match sync {
            "always" => Fsync::Always,
            "never" => Fsync::Never,
            _ => {
                return Err(InputProblem::new(
                    "input.invalid",
                    format!("`sync` is `{sync}`, not `always` or `never`"),
                )
                .field("sync")
                .into_py(py))
            }
        };
        guard(py, || {
            let open = || -> Result<LocalLedger, LedgerError> {
                std::fs::create_dir_all(&directory)?;
                let snapshot = match std::fs::File::open(directory.join("snapshot")) {
                    Ok(f) => Some(std::io::BufReader::new(f)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(e.into()),
                };
                let journal = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(directory.join("journal"))?;
                contactguard::ledger::Ledger::with_journal(
                    policy, &secret, snapshot, journal, fsync,
                )
                .map(|(l, _)| LocalLedger::Journaled(l))
            };
            let inner = py.detach(open).map_err(|e| ledger_error(py, &e, None))?;
            Ok(Ledger {
                inner,
                dir: Some(directory.clone()),
            })
        })
    }

    /// Writes a journaled ledger's snapshot to its directory (a synced
    /// temporary file renamed over the last one) and empties its journal.
    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let Some(dir) = &self.dir else {
                return Err(ledger_error(py, &LedgerError::NotJournaled, None));
            };
            let run = || -> Result<u64, LedgerError> {
                let tmp = dir.join("snapshot.tmp");
                let file = std::fs::File::create(&tmp)?;
                self.inner.checkpoint(&file, || {
                    file.sync_all()?;
                    std::fs::rename(&tmp, dir.join("snapshot"))?;
                    std::fs::File::open(dir)?.sync_all()
                })
            };
            py.detach(run)
                .map(|_| ())
                .map_err(|e| ledger_error(py, &e, None))
        })
    }

    /// The policy the ledger decides with.
    #[getter]
    fn policy(&self) -> Policy {
        Policy {
            inner: self.inner.policy().clone(),
        }
    }

    /// Decides `ask` against the recorded history, without recording it.
    fn check(&self, py: Python<'_>, ask: &Bound<'_, PyAny>) -> PyResult<Decision> {
        guard(py, || {
            let ask = ask_arg(ask).map_err(|p| p.under("ask").into_py(py))?;
            Ok(Decision {
                inner: self.inner.check(&ask),
            })
        })
    }

    /// Decides `ask` and, if allowed, records it as a pending attempt in
    /// the same atomic step.
    fn check_and_record(&self, py: Python<'_>, ask: &Bound<'_, PyAny>) -> PyResult<Admission> {
        guard(py, || {
            let ask = ask_arg(ask).map_err(|p| p.under("ask").into_py(py))?;
            let admission = self.inner.check_and_record(&ask);
            Ok(Admission {
                decision: Py::new(
                    py,
                    Decision {
                        inner: admission.decision,
                    },
                )?,
                ticket: admission
                    .ticket
                    .map(|t| Py::new(py, Ticket { inner: t }))
                    .transpose()?,
            })
        })
    }

    /// Reports the result of a pending attempt.
    fn complete(&self, py: Python<'_>, ticket: &Ticket, result: &str) -> PyResult<()> {
        guard(py, || {
            let r = crate::objects::result(result, "result").map_err(|p| p.into_py(py))?;
            self.inner
                .complete(&ticket.inner, r)
                .map_err(|e| ledger_error(py, &e, None))
        })
    }

    /// Records one event (a dict in the wire format or an `Attempt`).
    fn record(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let event = event_arg(event).map_err(|p| p.under("event").into_py(py))?;
            self.inner
                .record(&event)
                .map_err(|e| ledger_error(py, &e, None))
        })
    }

    /// Records many events; returns how many. Stops at the first event that
    /// cannot be recorded (those before it stay recorded).
    fn record_many(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(py, || {
            let events = events_arg(py, events, "events")?;
            let record_all = || -> Result<usize, (usize, LedgerError)> {
                for (i, e) in events.iter().enumerate() {
                    self.inner.record(e).map_err(|err| (i, err))?;
                }
                Ok(events.len())
            };
            let done = if events.len() > DETACH_EVENTS {
                py.detach(record_all)
            } else {
                record_all()
            };
            done.map_err(|(i, e)| ledger_error(py, &e, Some(format!("events[{i}]"))))
        })
    }

    /// Drops what can no longer change a decision at or after `now`;
    /// returns how many entries were dropped.
    fn prune(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(py, || {
            let now = timestamp_from_py(now).map_err(|p| p.field("now").into_py(py))?;
            Ok(py.detach(|| self.inner.prune(now)))
        })
    }

    /// Counts of what the ledger holds.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("recipients", s.recipients)?;
        d.set_item("debts", s.debts)?;
        d.set_item("attempts", s.attempts)?;
        d.set_item("pending", s.pending)?;
        d.set_item("state_events", s.state_events)?;
        d.set_item("reserved_bytes", s.reserved_bytes)?;
        Ok(d)
    }

    /// A versioned, checksummed snapshot of everything recorded.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        guard(py, || {
            let mut buf = Vec::new();
            py.detach(|| self.inner.snapshot(&mut buf))
                .map_err(|e| ledger_error(py, &e, None))?;
            Ok(PyBytes::new(py, &buf))
        })
    }

    /// Replaces the ledger's contents with a snapshot; a corrupt or foreign
    /// snapshot is refused and the ledger is left as it was.
    fn restore(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        guard(py, || {
            py.detach(|| self.inner.restore(data))
                .map_err(|e| ledger_error(py, &e, None))
        })
    }

    fn __repr__(&self) -> String {
        let s = self.inner.stats();
        format!(
            "Ledger({:?}, {} attempts, {} recipients)",
            self.inner.policy().name(),
            s.attempts,
            s.recipients
        )
    }
}
