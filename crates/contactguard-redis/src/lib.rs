//! A contactguard ledger kept in Redis, shared by every process and
//! machine that dials: [`RedisLedger::check_and_record`] decides an ask
//! with the pure core ([`contactguard::decide`]) over the recipient's and
//! the debt's history read from Redis, and records the admitted attempt
//! with an optimistic transaction (`WATCH` / `MULTI` / `EXEC`), so that a
//! cap of N holds across the whole fleet.
//!
//! Redis only stores and orders entries: [`RedisStore`] implements the
//! core's [`Storage`] trait, and what is admitted, as what (a pending
//! attempt counts under every cap it could fall under), in which order
//! (within [`MAX_SKEW`]), the [`Admission`] and [`Ticket`], and how long
//! attempts are kept ([`contactguard::ledger::trim_before`]) are the core's
//! one ledger contract, the same as [`contactguard::Ledger`]'s. Keys are
//! stored as the same 128-bit keyed hashes
//! ([`contactguard::ledger::KeyedHash`]).
//!
//! Failure is closed: when Redis cannot be reached, answers too slowly,
//! keeps conflicting, or fails while the transaction is committed, the ask
//! is denied with rule id [`REDIS_RULE_ID`] and a message saying why. An
//! ask is admitted only when `EXEC` has returned the transaction's replies,
//! that is after Redis recorded the attempt. See `README.md` in this crate
//! for the design and its failure modes.
//!
//! ```no_run
//! use contactguard::{Ask, Policy};
//! use contactguard_redis::{Config, RedisLedger};
//!
//! let policy = Policy::preset("cn+conduct").unwrap();
//! let ledger = RedisLedger::new(policy, b"a secret from the vault", Config::new("redis://127.0.0.1:6390/")).unwrap();
//! let ask: Ask = serde_json::from_str(r#"{"at": "2026-03-02T10:00:00+08:00",
//!     "channel": "call", "to": "+8613800000000", "role": "debtor",
//!     "debt": "loan-1", "timezones": ["Asia/Shanghai"]}"#).unwrap();
//! let admission = ledger.check_and_record(&ask);
//! if admission.decision.allow {
//!     // dial, then report the outcome
//!     let ticket = admission.ticket.unwrap();
//!     ledger.complete(&ticket, contactguard::AttemptResult::NoAnswer).unwrap();
//! }
//! ```

mod codec;

use codec::ATTEMPT_TAG;
pub use contactguard::ledger::{Admission, Ticket, MAX_SKEW};
use contactguard::ledger::{AdmitStep, Entries, KeyHash, KeyedHash, LedgerError, Storage, GRACE};
use contactguard::{Ask, AttemptResult, Decision, Denial, Event, History, Policy};
use redis::{Client, Connection, RedisError, Value};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Id of the denial given when the Redis ledger cannot decide safely
/// (Redis unreachable, too slow, conflicting, or failing mid-commit).
pub const REDIS_RULE_ID: &str = "contactguard.redis";

/// Kept beyond the policy's look-back before attempts are trimmed and keys
/// expire: the core's [`GRACE`], in seconds.
pub const GRACE_SECONDS: i64 = GRACE.as_secs();

/// How to reach Redis and how long to try.
#[derive(Clone, Debug)]
pub struct Config {
    /// A `redis://host:port/db` URL.
    pub url: String,
    /// Prefix of every key the ledger writes (default `cg:`).
    pub prefix: String,
    /// Timeout for opening a connection.
    pub connect_timeout: Duration,
    /// Timeout for each read from and write to the socket.
    pub io_timeout: Duration,
    /// How many times an optimistic transaction is tried before the ask is
    /// denied (each try after another client changed the same keys).
    pub max_attempts: u32,
    /// Total time one call may spend, reconnecting and retrying, before it
    /// gives up (fail closed). A call can overrun it by one `io_timeout`.
    pub deadline: Duration,
}

impl Config {
    /// Defaults: prefix `cg:`, 200 ms connect and I/O timeouts, 64 tries,
    /// 1 s per call.
    pub fn new(url: &str) -> Config {
        Config {
            url: url.to_owned(),
            prefix: "cg:".to_owned(),
            connect_timeout: Duration::from_millis(200),
            io_timeout: Duration::from_millis(200),
            max_attempts: 64,
            deadline: Duration::from_secs(1),
        }
    }
}

/// Errors of [`RedisLedger::record`], [`RedisLedger::complete`] and
/// [`RedisLedger::new`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Redis failed, was unreachable or too slow.
    Redis(RedisError),
    /// The transaction kept conflicting with other clients until the
    /// deadline or the number of tries ran out.
    Contention,
    /// The outcome of a commit is unknown: `EXEC` failed or its reply was
    /// lost. The change may or may not have been applied.
    Unknown(RedisError),
    /// No pending attempt matches the ticket.
    UnknownTicket,
    /// An event the ledger cannot store (a time outside 1677–2262, or data
    /// in Redis this version cannot read).
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Redis(e) => write!(f, "Redis failed: {e}"),
            Error::Contention => f.write_str(
                "the recipient's or debt's history kept changing under concurrent writers",
            ),
            Error::Unknown(e) => write!(
                f,
                "the commit failed or its reply was lost, so whether it was applied is unknown: {e}"
            ),
            Error::UnknownTicket => f.write_str("no pending attempt matches the ticket"),
            Error::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<RedisError> for Error {
    fn from(e: RedisError) -> Error {
        Error::Redis(e)
    }
}

impl From<LedgerError> for Error {
    fn from(e: LedgerError) -> Error {
        match e {
            LedgerError::UnknownTicket => Error::UnknownTicket,
            e => Error::Invalid(e.to_string()),
        }
    }
}

/// A ledger in Redis over a compiled policy. One value holds one
/// connection; calls from several threads on one value take turns, so give
/// each busy worker thread its own `RedisLedger`.
pub struct RedisLedger {
    policy: Policy,
    keys: KeyedHash,
    store: RedisStore,
}

/// The Redis backend of the ledger contract: each recipient's and each
/// debt's entries in one Redis list, read and appended in optimistic
/// transactions (`WATCH` / `MULTI` / `EXEC`). One value holds one
/// connection.
pub struct RedisStore {
    policy: Policy,
    client: Client,
    config: Config,
    conn: Mutex<Option<Connection>>,
}

impl fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLedger")
            .field("policy", &self.policy.name())
            .field("url", &self.store.config.url)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

/// What one optimistic try produced.
enum Try<T> {
    Done(T),
    /// `EXEC` returned nil: another client changed a watched key.
    Conflict,
}

impl RedisLedger {
    /// A ledger over `policy` in the Redis at `config.url`, hashing keys
    /// with `secret` (as [`contactguard::Ledger::with_key`]). Does not
    /// connect yet.
    ///
    /// # Errors
    ///
    /// [`Error::Redis`] when the URL is malformed.
    pub fn new(policy: Policy, secret: &[u8], config: Config) -> Result<RedisLedger, Error> {
        Ok(RedisLedger {
            keys: KeyedHash::new(secret),
            store: RedisStore::new(policy.clone(), config)?,
            policy,
        })
    }

    /// The policy the ledger decides with.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decides `ask` against the history in Redis without recording it;
    /// denied with id [`REDIS_RULE_ID`] when Redis cannot be read.
    pub fn check(&self, ask: &Ask) -> Decision {
        contactguard::ledger::check(&self.store, &self.policy, &self.keys, ask)
            .unwrap_or_else(|e| redis_denial(&e))
    }

    /// Decides `ask` and, if allowed, records the attempt as pending in
    /// one optimistic transaction on the recipient's and the debt's keys:
    /// the core's contract ([`contactguard::ledger::check_and_record`]:
    /// pending attempts, time order within [`MAX_SKEW`]) across every
    /// process using the same Redis. Denied with id [`REDIS_RULE_ID`] when
    /// Redis fails; then nothing was recorded, or (when the connection
    /// failed during `EXEC`) possibly a pending attempt that was never
    /// admitted, which can only make later asks stricter.
    pub fn check_and_record(&self, ask: &Ask) -> Admission {
        contactguard::ledger::check_and_record(&self.store, &self.policy, &self.keys, ask)
            .unwrap_or_else(|e| Admission {
                decision: redis_denial(&e),
                at: ask.at,
                ticket: None,
            })
    }

    /// Sets the result of a pending attempt admitted by
    /// [`check_and_record`](RedisLedger::check_and_record).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTicket`] when no pending attempt matches (already
    /// completed or trimmed); [`Error::Invalid`] for `pending`, which is
    /// not an outcome; [`Error::Redis`], [`Error::Contention`] or
    /// [`Error::Unknown`] when Redis fails. Until it succeeds the attempt
    /// stays pending, which counts it at its strictest.
    pub fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), Error> {
        contactguard::ledger::complete(&self.store, ticket, result)
    }

    /// Records an event: an attempt made elsewhere, a consent, an opt-out,
    /// a hold, … (as [`contactguard::Ledger::record`]). State events make
    /// the keys they are stored under persistent (they never expire).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a time the ledger cannot store; the Redis
    /// errors of [`complete`](RedisLedger::complete).
    pub fn record(&self, event: &Event) -> Result<(), Error> {
        contactguard::ledger::record(&self.store, &self.keys, event)
    }
}

/// A recipient's and a debt's lists as read from Redis.
struct Lists<'a> {
    to: &'a KeyHash,
    debt: &'a KeyHash,
    rec: &'a [Vec<u8>],
    deb: &'a [Vec<u8>],
}

impl Entries for Lists<'_> {
    fn latest_attempt(&self) -> Option<jiff::Timestamp> {
        self.rec
            .iter()
            .chain(self.deb)
            .filter_map(|e| codec::attempt_time(e))
            .max()
            .map(codec::from_ns)
    }

    fn decide(&self, policy: &Policy, ask: &Ask) -> Decision {
        let mut events = Vec::with_capacity(self.rec.len() + self.deb.len());
        let names = codec::Names {
            to: self.to,
            debt: self.debt,
            ask_to: &ask.to,
            ask_debt: &ask.debt,
        };
        for e in self.rec {
            match codec::decode(e, &names) {
                Ok(d) => events.push(d.event),
                Err(e) => return redis_denial(&e),
            }
        }
        for e in self.deb {
            match codec::decode(e, &names) {
                // Events naming this recipient are in the recipient's list too.
                Ok(d) if d.same_recipient => {}
                Ok(d) => events.push(d.event),
                Err(e) => return redis_denial(&e),
            }
        }
        contactguard::decide(policy, ask, &History::from_events(events))
    }
}

impl RedisStore {
    /// A store in the Redis at `config.url`, trimming and expiring lists by
    /// `policy`'s look-back (the core's retention). Does not connect yet.
    ///
    /// # Errors
    ///
    /// [`Error::Redis`] when the URL is malformed.
    pub fn new(policy: Policy, config: Config) -> Result<RedisStore, Error> {
        Ok(RedisStore {
            policy,
            client: Client::open(config.url.as_str())?,
            config,
            conn: Mutex::new(None),
        })
    }

    fn rec_key(&self, h: &[u8; 16]) -> Vec<u8> {
        key(&self.config.prefix, b'r', h)
    }

    fn debt_key(&self, h: &[u8; 16]) -> Vec<u8> {
        key(&self.config.prefix, b'd', h)
    }

    /// Runs `f` on a live connection, reconnecting after failures, until it
    /// finishes or the deadline passes. `f` must be safe to repeat after an
    /// error it reports as retryable (nothing was committed).
    fn run<T>(
        &self,
        mut f: impl FnMut(&mut Connection) -> Result<Try<T>, Error>,
    ) -> Result<T, Error> {
        let start = Instant::now();
        let mut guard = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut tries = 0u32;
        let mut backoff = Duration::from_millis(1);
        loop {
            tries += 1;
            let result = match guard.as_mut() {
                Some(c) => f(c),
                None => match self.connect() {
                    Ok(c) => f(guard.insert(c)),
                    Err(e) => Err(Error::Redis(e)),
                },
            };
            let out_of_time = start.elapsed() >= self.config.deadline;
            match result {
                Ok(Try::Done(v)) => return Ok(v),
                Ok(Try::Conflict) => {
                    if tries >= self.config.max_attempts || out_of_time {
                        return Err(Error::Contention);
                    }
                    continue;
                }
                Err(Error::Redis(e)) => {
                    // A connection that failed may hold half a reply or a
                    // WATCH: start again on a new one.
                    *guard = None;
                    if out_of_time || tries >= self.config.max_attempts {
                        return Err(Error::Redis(e));
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(50));
                }
                Err(e) => {
                    if matches!(e, Error::Unknown(_)) {
                        *guard = None;
                    }
                    // A watch left by an answer without a commit is
                    // released by the UNWATCH that starts every call.
                    return Err(e);
                }
            }
        }
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let c = self
            .client
            .get_connection_with_timeout(self.config.connect_timeout)?;
        c.set_read_timeout(Some(self.config.io_timeout))?;
        c.set_write_timeout(Some(self.config.io_timeout))?;
        Ok(c)
    }
}

impl Storage for RedisStore {
    type Error = Error;

    fn read<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        f: &mut dyn FnMut(&dyn Entries) -> T,
    ) -> Result<T, Error> {
        let (rk, dk) = (self.rec_key(to), self.debt_key(debt));
        let (rec, deb) = self.run(|c| {
            let (rec, deb): (Entries_, Entries_) = redis::pipe()
                .cmd("LRANGE")
                .arg(&rk)
                .arg(0)
                .arg(-1)
                .cmd("LRANGE")
                .arg(&dk)
                .arg(0)
                .arg(-1)
                .query(c)?;
            Ok(Try::Done((rec, deb)))
        })?;
        Ok(f(&Lists {
            to,
            debt,
            rec: &rec,
            deb: &deb,
        }))
    }

    fn admit<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        step: &mut AdmitStep<'_, T>,
    ) -> Result<T, Error> {
        let (rk, dk) = (self.rec_key(to), self.debt_key(debt));
        let expire = contactguard::ledger::expire_after(&self.policy);
        self.run(|c| {
            let (rec, deb) = watch_and_read(c, &rk, &dk)?;
            let (out, ticket) = step(&Lists {
                to,
                debt,
                rec: &rec,
                deb: &deb,
            });
            let Some(ticket) = ticket else {
                return Ok(Try::Done(out));
            };
            let entry = codec::encode_pending(&ticket)?;
            let cutoff =
                contactguard::ledger::trim_before(&self.policy, ticket.at()).and_then(codec::to_ns);
            let mut p = redis::pipe();
            p.atomic();
            for (k, list) in [(&rk, &rec), (&dk, &deb)] {
                append(&mut p, k, list, &entry, cutoff, expire);
            }
            Ok(commit(&p, c)?.map_or(Try::Conflict, |()| Try::Done(out)))
        })
    }

    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<bool, Error> {
        let (rk, dk) = (
            self.rec_key(ticket.recipient()),
            self.debt_key(ticket.debt()),
        );
        let pending = codec::encode_pending(ticket)?;
        let done = codec::completed(&pending, result)
            .ok_or_else(|| Error::Invalid("not an attempt ticket".to_owned()))?;
        self.run(|c| {
            let (rec, deb) = watch_and_read(c, &rk, &dk)?;
            let ri = rec.iter().position(|e| *e == pending);
            let di = deb.iter().position(|e| *e == pending);
            if ri.is_none() && di.is_none() {
                return Ok(Try::Done(false));
            }
            let mut p = redis::pipe();
            p.atomic();
            for (k, i) in [(&rk, ri), (&dk, di)] {
                if let Some(i) = i {
                    p.cmd("LSET").arg(k).arg(i).arg(&done).ignore();
                }
            }
            Ok(commit(&p, c)?.map_or(Try::Conflict, |()| Try::Done(true)))
        })
    }

    fn record(
        &self,
        event: &Event,
        to: Option<&KeyHash>,
        debt: Option<&KeyHash>,
    ) -> Result<(), Error> {
        let entry = codec::encode_event(event, to, debt)?;
        let expire = contactguard::ledger::expire_after(&self.policy);
        let cutoff =
            contactguard::ledger::trim_before(&self.policy, event.at()).and_then(codec::to_ns);
        let keys: Vec<Vec<u8>> = to
            .iter()
            .map(|h| self.rec_key(h))
            .chain(debt.iter().map(|h| self.debt_key(h)))
            .collect();
        self.run(|c| {
            let mut read = redis::pipe();
            read.cmd("UNWATCH").ignore();
            read.cmd("WATCH").arg(&keys).ignore();
            for k in &keys {
                read.cmd("LRANGE").arg(k).arg(0).arg(-1);
            }
            let lists: Vec<Vec<Vec<u8>>> = read.query(c)?;
            let mut p = redis::pipe();
            p.atomic();
            for (k, list) in keys.iter().zip(&lists) {
                append(&mut p, k, list, &entry, cutoff, expire);
            }
            Ok(commit(&p, c)?.map_or(Try::Conflict, Try::Done))
        })
    }
}

/// Adds to `p` the commands appending `entry` to the list at `k` whose
/// current contents are `list`: attempts older than `cutoff` are dropped
/// (the list is rewritten) when the list holds no state event, and such a
/// list expires `expire` (the policy's look-back and [`GRACE`]) after its
/// last write; a list
/// with a state event never expires.
fn append(
    p: &mut redis::Pipeline,
    k: &[u8],
    list: &[Vec<u8>],
    entry: &[u8],
    cutoff: Option<i64>,
    expire: Option<jiff::SignedDuration>,
) {
    let only_attempts = list
        .iter()
        .map(Vec::as_slice)
        .chain([entry])
        .all(|e| e.first() == Some(&ATTEMPT_TAG));
    let stale = |e: &Vec<u8>| {
        cutoff.is_some_and(|c| codec::attempt_time(e.as_slice()).is_some_and(|t| t < c))
    };
    if only_attempts && list.iter().any(stale) {
        p.cmd("DEL").arg(k).ignore();
        let kept: Vec<&Vec<u8>> = list.iter().filter(|e| !stale(e)).collect();
        if !kept.is_empty() {
            p.cmd("RPUSH").arg(k).arg(kept).ignore();
        }
    }
    p.cmd("RPUSH").arg(k).arg(entry).ignore();
    match expire {
        Some(e) if only_attempts => {
            p.cmd("EXPIRE").arg(k).arg(e.as_secs()).ignore();
        }
        _ => {
            p.cmd("PERSIST").arg(k).ignore();
        }
    }
}

/// Sends a `MULTI`…`EXEC` pipeline. `Ok(None)` when a watched key changed
/// (nothing applied, safe to retry). Any error is [`Error::Unknown`] and
/// never retried: the reply may have been lost after Redis applied the
/// transaction, and a command failing inside `EXEC` does not undo the
/// others.
fn commit(p: &redis::Pipeline, c: &mut Connection) -> Result<Option<()>, Error> {
    match p.query::<Option<Value>>(c) {
        Ok(Some(_)) => Ok(Some(())),
        Ok(None) => Ok(None),
        Err(e) => Err(Error::Unknown(e)),
    }
}

fn key(prefix: &str, side: u8, h: &[u8; 16]) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + 18);
    k.extend_from_slice(prefix.as_bytes());
    k.push(side);
    k.push(b':');
    k.extend_from_slice(h);
    k
}

fn redis_denial(e: &Error) -> Decision {
    Decision {
        allow: false,
        denials: vec![Denial {
            id: REDIS_RULE_ID.to_owned(),
            cite: "contactguard Redis ledger: no decision without a consistent read and a recorded write; fail closed".to_owned(),
            message: format!("the shared ledger could not be used, so the ask is denied (fail closed): {e}"),
        }],
        retry_at: None,
        obligations: Vec::new(),
    }
}

/// A Redis list's entries.
type Entries_ = Vec<Vec<u8>>;

/// In one round trip: drops any earlier WATCH, watches the recipient's and
/// the debt's lists, and reads both, so a later EXEC fails if either changed.
fn watch_and_read(
    c: &mut Connection,
    rk: &[u8],
    dk: &[u8],
) -> Result<(Entries_, Entries_), RedisError> {
    let (_, _, rec, deb): (Value, Value, Entries_, Entries_) = redis::pipe()
        .cmd("UNWATCH")
        .cmd("WATCH")
        .arg(rk)
        .arg(dk)
        .cmd("LRANGE")
        .arg(rk)
        .arg(0)
        .arg(-1)
        .cmd("LRANGE")
        .arg(dk)
        .arg(0)
        .arg(-1)
        .query(c)?;
    Ok((rec, deb))
}
