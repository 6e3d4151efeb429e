//! `contactguard.Ledger`: the thread-safe contact history with atomic
//! check-and-record, keyed hashing and snapshots, over the Rust ledger;
//! or (`Ledger.redis`) the same contract over the Redis ledger of
//! `contactguard-redis`, shared by every process of a dialer fleet.

use crate::convert::{timestamp_from_py, timestamp_to_py};
use crate::errors::{coded_ledger_error as coded_error, guard, ledger_error, InputProblem};
use crate::objects::{ask_arg, event_arg, events_arg, Decision, Policy};
use contactguard::ledger::{Fsync, LedgerError, LocalLedger};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

/// Above this many events, `record_many` runs without the GIL.
const DETACH_EVENTS: usize = 256;

/// A Redis ledger's error as `contactguard.LedgerError`, with its code
/// from the one list (`redis.*`, `ledger.unknown_ticket`) and the crate's
/// message, which shows no password (`contactguard_redis::Error`'s
/// `Display`, tested there).
fn redis_error(py: Python<'_>, e: &contactguard_redis::Error) -> PyErr {
    coded_error(py, e.error_code().as_str(), &e.to_string())
}

/// A Redis ledger, `None` once closed.
struct RedisBackend {
    ledger: RwLock<Option<contactguard_redis::RedisLedger>>,
    policy: contactguard::Policy,
}

enum Backend {
    Local(LocalLedger),
    Redis(Box<RedisBackend>),
}

impl RedisBackend {
    /// Runs `f` on the open ledger without the GIL.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&contactguard_redis::RedisLedger) -> T + Send,
    ) -> PyResult<T> {
        let done = py.detach(|| {
            let guard = self.ledger.read().unwrap_or_else(PoisonError::into_inner);
            guard.as_ref().map(f)
        });
        done.ok_or_else(|| {
            coded_error(
                py,
                "ledger.closed",
                "the Redis ledger was closed (`close()` or the end of its `with` block)",
            )
        })
    }
}

/// The error of an operation only an in-process ledger has.
fn not_for_redis(py: Python<'_>, what: &str, why: &str) -> PyErr {
    coded_error(
        py,
        "ledger.unsupported",
        &format!("a Redis ledger has no `{what}`: {why}"),
    )
}

const SHARED: &str = "its history is shared in Redis by the whole fleet and kept there (back it up with Redis' own persistence and replication)";

/// Seconds as a `Duration`, for a keyword argument.
fn seconds(py: Python<'_>, value: Option<f64>, name: &str) -> PyResult<Option<Duration>> {
    let Some(v) = value else { return Ok(None) };
    if !v.is_finite() || v <= 0.0 {
        return Err(InputProblem::new(
            "input.invalid",
            format!("`{name}` is {v}, not a positive number of seconds"),
        )
        .field(name)
        .into_py(py));
    }
    Duration::try_from_secs_f64(v).map(Some).map_err(|e| {
        InputProblem::new("input.invalid", format!("`{name}`: {e}"))
            .field(name)
            .into_py(py)
    })
}

/// Thread-safe contact history over a policy.
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct Ledger {
    inner: Backend,
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
                inner: Backend::Local(LocalLedger::Memory(match secret {
                    None => contactguard::ledger::Ledger::new(policy),
                    Some(s) => contactguard::ledger::Ledger::with_key(policy, &s),
                })),
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
                inner: Backend::Local(inner),
                dir: Some(directory.clone()),
            })
        })
    }

    /// A ledger kept in Redis at `url` (`redis://[user:password@]host:port/db`
    /// or `rediss://…` for TLS), shared by every process and machine that
    /// uses the same Redis, `key_prefix` and `secret` (bytes or str, the
    /// keyed-hash secret). Connects at once: a wrong password, an
    /// unreachable server or a bad certificate is a `LedgerError` here.
    /// Afterwards a call that cannot reach Redis is denied with rule
    /// `contactguard.redis` (never allowed). Timeouts are in seconds;
    /// `wait_replicas` > 0 admits an ask only once that many replicas have
    /// it (`WAIT`); `sentinel_master` with `sentinel_urls` finds the
    /// primary through Redis Sentinel (the URL then gives only the scheme,
    /// user, password and database).
    #[staticmethod]
    #[pyo3(signature = (policy, url, secret, *, ca_file = None, client_cert = None,
        client_key = None, connect_timeout = None, io_timeout = None, key_prefix = None,
        wait_replicas = 0, wait_timeout = None, sentinel_master = None, sentinel_urls = None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the Redis ledger's configuration as keyword arguments"
    )]
    fn redis(
        py: Python<'_>,
        policy: &Policy,
        url: String,
        secret: &Bound<'_, PyAny>,
        ca_file: Option<PathBuf>,
        client_cert: Option<PathBuf>,
        client_key: Option<PathBuf>,
        connect_timeout: Option<f64>,
        io_timeout: Option<f64>,
        key_prefix: Option<String>,
        wait_replicas: u32,
        wait_timeout: Option<f64>,
        sentinel_master: Option<String>,
        sentinel_urls: Option<Vec<String>>,
    ) -> PyResult<Ledger> {
        let policy = policy.inner.clone();
        let Some(key) = self::secret(Some(secret))? else {
            return Err(InputProblem::new(
                "input.missing",
                "a Redis ledger needs a secret (bytes or str)",
            )
            .field("secret")
            .into_py(py));
        };
        let bad = |field: &str, message: &str| {
            InputProblem::new("input.invalid", message)
                .field(field)
                .into_py(py)
        };
        let mut config = contactguard_redis::Config::new(&url);
        if let Some(ca) = ca_file {
            config = config.with_ca_file(ca);
        }
        match (client_cert, client_key) {
            (Some(c), Some(k)) => config = config.with_client_cert(c, k),
            (None, None) => {}
            (Some(_), None) => {
                return Err(bad("client_key", "`client_cert` needs `client_key`"));
            }
            (None, Some(_)) => {
                return Err(bad("client_cert", "`client_key` needs `client_cert`"));
            }
        }
        if let Some(t) = seconds(py, connect_timeout, "connect_timeout")? {
            config.connect_timeout = t;
        }
        if let Some(t) = seconds(py, io_timeout, "io_timeout")? {
            config.io_timeout = t;
        }
        if let Some(p) = key_prefix {
            config = config.with_prefix(&p);
        }
        let wait_timeout = seconds(py, wait_timeout, "wait_timeout")?;
        match (wait_replicas, wait_timeout) {
            (0, None) => {}
            (0, Some(_)) => {
                return Err(bad(
                    "wait_timeout",
                    "`wait_timeout` needs `wait_replicas` > 0",
                ));
            }
            (n, t) => config = config.with_wait(n, t.unwrap_or(Duration::from_secs(1))),
        }
        match (sentinel_master, sentinel_urls) {
            (Some(m), Some(urls)) if !urls.is_empty() => {
                let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                config = config.with_sentinel(&m, &refs);
            }
            (None, None) => {}
            (Some(_), _) => {
                return Err(bad(
                    "sentinel_urls",
                    "`sentinel_master` needs `sentinel_urls` (a non-empty list)",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "sentinel_master",
                    "`sentinel_urls` needs `sentinel_master`",
                ));
            }
        }
        guard(py, || {
            let opened = py.detach(|| {
                let ledger = contactguard_redis::RedisLedger::new(policy.clone(), &key, config)?;
                ledger.connect()?;
                Ok::<_, contactguard_redis::Error>(ledger)
            });
            let ledger = opened.map_err(|e| redis_error(py, &e))?;
            Ok(Ledger {
                inner: Backend::Redis(Box::new(RedisBackend {
                    ledger: RwLock::new(Some(ledger)),
                    policy,
                })),
                dir: None,
            })
        })
    }

    /// Closes a Redis ledger's connection (later calls raise
    /// `LedgerError` `ledger.closed`); nothing to do for an in-process
    /// ledger. Also the end of a `with` block.
    fn close(&self, py: Python<'_>) {
        if let Backend::Redis(r) = &self.inner {
            let old = py.detach(|| {
                r.ledger
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
            });
            drop(old);
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    /// Writes a journaled ledger's snapshot to its directory (a synced
    /// temporary file renamed over the last one) and empties its journal.
    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let local = self.local(py, "checkpoint")?;
            let Some(dir) = &self.dir else {
                return Err(ledger_error(py, &LedgerError::NotJournaled, None));
            };
            let run = || -> Result<u64, LedgerError> {
                let tmp = dir.join("snapshot.tmp");
                let file = std::fs::File::create(&tmp)?;
                local.checkpoint(&file, || {
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
            inner: match &self.inner {
                Backend::Local(l) => l.policy().clone(),
                Backend::Redis(r) => r.policy.clone(),
            },
        }
    }

    /// Whether the ledger is kept in Redis (`Ledger.redis`).
    #[getter]
    fn is_redis(&self) -> bool {
        matches!(self.inner, Backend::Redis(_))
    }

    /// Decides `ask` against the recorded history, without recording it.
    fn check(&self, py: Python<'_>, ask: &Bound<'_, PyAny>) -> PyResult<Decision> {
        guard(py, || {
            let ask = ask_arg(ask).map_err(|p| p.under("ask").into_py(py))?;
            let inner = match &self.inner {
                Backend::Local(l) => l.check(&ask),
                Backend::Redis(r) => r.with(py, |l| l.check(&ask))?,
            };
            Ok(Decision { inner })
        })
    }

    /// Decides `ask` and, if allowed, records it as a pending attempt in
    /// the same atomic step.
    fn check_and_record(&self, py: Python<'_>, ask: &Bound<'_, PyAny>) -> PyResult<Admission> {
        guard(py, || {
            let ask = ask_arg(ask).map_err(|p| p.under("ask").into_py(py))?;
            let admission = match &self.inner {
                Backend::Local(l) => l.check_and_record(&ask),
                Backend::Redis(r) => r.with(py, |l| l.check_and_record(&ask))?,
            };
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
            match &self.inner {
                Backend::Local(l) => l
                    .complete(&ticket.inner, r)
                    .map_err(|e| ledger_error(py, &e, None)),
                Backend::Redis(b) => b
                    .with(py, |l| l.complete(&ticket.inner, r))?
                    .map_err(|e| redis_error(py, &e)),
            }
        })
    }

    /// Records one event (a dict in the wire format or an `Attempt`).
    fn record(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let event = event_arg(event).map_err(|p| p.under("event").into_py(py))?;
            match &self.inner {
                Backend::Local(l) => l.record(&event).map_err(|e| ledger_error(py, &e, None)),
                Backend::Redis(b) => b
                    .with(py, |l| l.record(&event))?
                    .map_err(|e| redis_error(py, &e)),
            }
        })
    }

    /// Records many events; returns how many. Stops at the first event that
    /// cannot be recorded (those before it stay recorded).
    fn record_many(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(py, || {
            let events = events_arg(py, events, "events")?;
            let failed = match &self.inner {
                Backend::Local(l) => {
                    let record_all = || -> Result<usize, (usize, LedgerError)> {
                        for (i, e) in events.iter().enumerate() {
                            l.record(e).map_err(|err| (i, err))?;
                        }
                        Ok(events.len())
                    };
                    let done = if events.len() > DETACH_EVENTS {
                        py.detach(record_all)
                    } else {
                        record_all()
                    };
                    done.map_err(|(i, e)| (i, ledger_error(py, &e, None)))
                }
                Backend::Redis(b) => b
                    .with(py, |l| {
                        for (i, e) in events.iter().enumerate() {
                            l.record(e).map_err(|err| (i, err))?;
                        }
                        Ok(events.len())
                    })?
                    .map_err(|(i, e)| (i, redis_error(py, &e))),
            };
            failed.map_err(|(i, err)| {
                // The error is raised either way; the field only adds where.
                let _ = err.value(py).setattr("field", format!("events[{i}]"));
                err
            })
        })
    }

    /// Drops what can no longer change a decision at or after `now`;
    /// returns how many entries were dropped.
    fn prune(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<usize> {
        guard(py, || {
            let local = self.local(py, "prune")?;
            let now = timestamp_from_py(now).map_err(|p| p.field("now").into_py(py))?;
            Ok(py.detach(|| local.prune(now)))
        })
    }

    /// Counts of what the ledger holds.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.local(py, "stats")?.stats();
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
            let local = self.local(py, "snapshot")?;
            let mut buf = Vec::new();
            py.detach(|| local.snapshot(&mut buf))
                .map_err(|e| ledger_error(py, &e, None))?;
            Ok(PyBytes::new(py, &buf))
        })
    }

    /// Replaces the ledger's contents with a snapshot; a corrupt or foreign
    /// snapshot is refused and the ledger is left as it was.
    fn restore(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        guard(py, || {
            let local = self.local(py, "restore")?;
            py.detach(|| local.restore(data))
                .map_err(|e| ledger_error(py, &e, None))
        })
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            Backend::Local(l) => {
                let s = l.stats();
                format!(
                    "Ledger({:?}, {} attempts, {} recipients)",
                    l.policy().name(),
                    s.attempts,
                    s.recipients
                )
            }
            // The URL is not shown: it may carry a password.
            Backend::Redis(r) => format!("Ledger({:?}, in Redis)", r.policy.name()),
        }
    }
}

impl Ledger {
    /// The in-process ledger, or the error saying a Redis ledger has no
    /// `what`.
    fn local(&self, py: Python<'_>, what: &str) -> PyResult<&LocalLedger> {
        match &self.inner {
            Backend::Local(l) => Ok(l),
            Backend::Redis(_) => Err(not_for_redis(
                py,
                what,
                match what {
                    "prune" => "Redis trims each list and expires its keys by the policy's look-back itself",
                    "stats" => "count its keys in Redis (`SCAN` over the key prefix)",
                    _ => SHARED,
                },
            )),
        }
    }
}
