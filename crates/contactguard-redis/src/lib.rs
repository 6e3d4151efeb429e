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
//! For a bank's shared Redis, [`Config`] takes an ACL user and password in
//! the URL, TLS (`rediss://`) with a CA file and a client certificate,
//! Redis Sentinel to find the primary and follow a failover, and a `WAIT`
//! for replicas before an ask is admitted; a Redis Cluster is refused at
//! connect. The crate's README says what each guarantees.
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
use contactguard::{
    Ask, AttemptResult, Decision, Denial, Diagnostic, ErrorCode, Event, History, Policy,
};
use redis::{Client, Connection, ConnectionInfo, RedisError, Value};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Id of the denial given when the Redis ledger cannot decide safely
/// (Redis unreachable, too slow, conflicting, or failing mid-commit).
pub const REDIS_RULE_ID: &str = "contactguard.redis";

/// Kept beyond the policy's look-back before attempts are trimmed and keys
/// expire: the core's [`GRACE`], in seconds.
pub const GRACE_SECONDS: i64 = GRACE.as_secs();

/// How to reach Redis and how long to try.
///
/// The URL carries the ACL user and password (`redis://user:password@host:port/db`,
/// percent-encoded) and the scheme chooses TLS (`rediss://`). [`Config`]'s
/// `Debug` and every [`Error`] show the URL with the password replaced by
/// `***`; the password is sent only in Redis' `AUTH`.
///
/// ```
/// use contactguard_redis::Config;
/// use std::time::Duration;
///
/// let config = Config::new("rediss://dialer:s3cret@redis.bank.internal:6380/")
///     .with_ca_file("/etc/contactguard/redis-ca.pem")
///     .with_client_cert("/etc/contactguard/dialer.pem", "/etc/contactguard/dialer.key")
///     .with_timeouts(Duration::from_millis(300), Duration::from_millis(200));
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct Config {
    /// A `redis://[user:password@]host:port/db` or
    /// `rediss://[user:password@]host:port/db` URL. The `#insecure`
    /// fragment (no certificate check) is refused.
    pub url: String,
    /// Prefix of every key the ledger writes (default `cg:`). A restricted
    /// ACL user needs `~{prefix}*` (see the crate's README).
    pub prefix: String,
    /// Timeout for opening a connection (TCP and, with `rediss://`, the
    /// TLS handshake).
    pub connect_timeout: Duration,
    /// Timeout for each read from and write to the socket.
    pub io_timeout: Duration,
    /// How many times an optimistic transaction is tried before the ask is
    /// denied (each try after another client changed the same keys).
    pub max_attempts: u32,
    /// Total time one call may spend, reconnecting and retrying, before it
    /// gives up (fail closed). A call can overrun it by one `io_timeout`
    /// (and, with [`Config::wait`], by the wait's timeout).
    pub deadline: Duration,
    /// With `rediss://`: a PEM file of the certificate authorities trusted
    /// for the server's certificate, instead of the bundled Mozilla roots
    /// (`webpki-roots`). The server's certificate must name the URL's host.
    pub ca_file: Option<PathBuf>,
    /// With `rediss://`: a PEM client certificate (chain) and its PEM
    /// private key, for servers that require client certificates
    /// (`tls-auth-clients yes`).
    pub client_cert: Option<ClientCert>,
    /// After each admission and each recorded event, wait for this many
    /// replicas to acknowledge the write (`WAIT`); an ask is admitted only
    /// if they do. `None` (the default): the primary's acknowledgement is
    /// enough. See the crate's README for what this does and does not
    /// guarantee on a failover.
    pub wait: Option<Wait>,
    /// Find the primary through Redis Sentinel instead of the URL's host
    /// and port (the URL still gives the scheme, user, password and
    /// database of the primary).
    pub sentinel: Option<Sentinel>,
}

/// Redis Sentinel: where the Sentinels are and the name of the primary
/// they watch. On each new connection (the first, and after any failure)
/// the ledger asks them in turn `SENTINEL get-master-addr-by-name` and
/// connects to the address the first one that answers gives, checking that
/// it is a primary.
#[derive(Clone)]
pub struct Sentinel {
    /// The name the Sentinels know the primary by (`sentinel monitor NAME …`).
    pub master: String,
    /// `redis://[user:password@]host:port` or `rediss://…` URL of each
    /// Sentinel (with `rediss://`, the same CA file and client certificate
    /// as the primary).
    pub urls: Vec<String>,
}

impl fmt::Debug for Sentinel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls: Vec<String> = self.urls.iter().map(|u| redacted(u)).collect();
        f.debug_struct("Sentinel")
            .field("master", &self.master)
            .field("urls", &urls)
            .finish()
    }
}

/// `WAIT numreplicas timeout` after each write: see [`Config::wait`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// How many replicas must acknowledge the write (at least 1).
    pub replicas: u32,
    /// How long to wait for them (at least 1 ms; Redis' `WAIT … 0` would
    /// block for ever, so 0 is taken as 1 ms).
    pub timeout: Duration,
}

/// A client certificate for mutual TLS: two PEM files, read when the
/// ledger is created.
#[derive(Clone, Debug)]
pub struct ClientCert {
    /// The certificate, then any intermediates.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

impl Config {
    /// Defaults: prefix `cg:`, 200 ms connect and I/O timeouts, 64 tries,
    /// 1 s per call, no CA file (Mozilla's roots) and no client certificate.
    pub fn new(url: &str) -> Config {
        Config {
            url: url.to_owned(),
            prefix: "cg:".to_owned(),
            connect_timeout: Duration::from_millis(200),
            io_timeout: Duration::from_millis(200),
            max_attempts: 64,
            deadline: Duration::from_secs(1),
            ca_file: None,
            client_cert: None,
            wait: None,
            sentinel: None,
        }
    }

    /// Trusts the certificate authorities in the PEM file `path` (and only
    /// them) for the server's certificate. Needs a `rediss://` URL.
    #[must_use]
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Config {
        self.ca_file = Some(path.into());
        self
    }

    /// Presents the PEM certificate in `cert_file` with the PEM private key
    /// in `key_file` to the server. Needs a `rediss://` URL.
    #[must_use]
    pub fn with_client_cert(
        mut self,
        cert_file: impl Into<PathBuf>,
        key_file: impl Into<PathBuf>,
    ) -> Config {
        self.client_cert = Some(ClientCert {
            cert_file: cert_file.into(),
            key_file: key_file.into(),
        });
        self
    }

    /// Sets the connect timeout and the timeout of each socket read and
    /// write.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, io: Duration) -> Config {
        self.connect_timeout = connect;
        self.io_timeout = io;
        self
    }

    /// Sets the prefix of every key the ledger writes.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Config {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// Admits an ask only after `replicas` replicas acknowledged its
    /// pending attempt within `timeout` (`WAIT`); the same for recorded
    /// events. The ACL user then needs `+wait`.
    #[must_use]
    pub fn with_wait(mut self, replicas: u32, timeout: Duration) -> Config {
        self.wait = Some(Wait { replicas, timeout });
        self
    }

    /// Finds the primary named `master` through the Sentinels at `urls`
    /// (see [`Sentinel`]).
    #[must_use]
    pub fn with_sentinel(mut self, master: &str, urls: &[&str]) -> Config {
        self.sentinel = Some(Sentinel {
            master: master.to_owned(),
            urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        });
        self
    }

    /// Sets the time one call may spend before it gives up (fail closed).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Config {
        self.deadline = deadline;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("url", &redacted(&self.url))
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("deadline", &self.deadline)
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .field("wait", &self.wait)
            .field("sentinel", &self.sentinel)
            .finish()
    }
}

/// `url` with any password replaced by `***`, for messages and `Debug`:
/// everything between the first `:` after the scheme and the last `@` of
/// the URL is hidden (so a password with an unencoded `/` or `@` is hidden
/// too).
fn redacted(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}{user}:***@{host}"),
            None => format!("{scheme}{userinfo}@{host}"),
        },
        None => url.to_owned(),
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
    /// The [`Config`] cannot be used: a malformed URL, an unreadable or
    /// malformed CA or client certificate file, TLS files with a
    /// `redis://` URL, or `#insecure`. The message names files and the
    /// URL without its password, never their contents.
    Config(String),
    /// The server is not a standalone Redis primary this ledger can use:
    /// a Redis Cluster node or a Sentinel (see the crate's README for
    /// why Cluster is refused). Never retried.
    Unsupported(String),
    /// The write was applied on the primary, but fewer replicas than
    /// [`Config::wait`] asks for acknowledged it in time: a failover now
    /// could lose it. An ask is then denied (its pending attempt stays
    /// recorded on the primary, which can only make later asks stricter).
    NotReplicated {
        /// Replicas that acknowledged the write.
        acknowledged: u32,
        /// Replicas [`Config::wait`] asks for.
        wanted: u32,
        /// How long the ledger waited.
        timeout: Duration,
    },
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
            Error::Invalid(m) | Error::Config(m) | Error::Unsupported(m) => f.write_str(m),
            Error::NotReplicated {
                acknowledged,
                wanted,
                timeout,
            } => write!(
                f,
                "the write is on the primary but only {acknowledged} of {wanted} replicas \
                 acknowledged it within {timeout:?}, so a failover could lose it"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The code in the one list every front end shares
    /// (`docs/errors.md`).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::Redis(_) => ErrorCode::RedisUnavailable,
            Error::Contention => ErrorCode::RedisContention,
            Error::Unknown(_) => ErrorCode::RedisUnknownOutcome,
            Error::UnknownTicket => ErrorCode::LedgerUnknownTicket,
            Error::Invalid(_) => ErrorCode::RedisInvalid,
            Error::Config(_) => ErrorCode::RedisConfig,
            Error::Unsupported(_) => ErrorCode::RedisUnsupported,
            Error::NotReplicated { .. } => ErrorCode::RedisNotReplicated,
        }
    }

    /// The error in the shape every front end shows (code and message).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::new(self.error_code(), self.to_string())
    }
}

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
    /// The primary's client; with Sentinel, a template whose address is
    /// replaced by the one discovered.
    client: Client,
    /// With Sentinel: the primary's URL parsed, the Sentinels' clients.
    primary: ConnectionInfo,
    sentinels: Vec<Client>,
    certs: Option<redis::TlsCertificates>,
    config: Config,
    conn: Mutex<Option<Connection>>,
}

impl fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLedger")
            .field("policy", &self.policy.name())
            .field("url", &redacted(&self.store.config.url))
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &redacted(&self.config.url))
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
    /// [`Error::Config`] when the URL is malformed, a CA or client
    /// certificate file cannot be read or parsed, TLS files are given with
    /// a `redis://` URL, or the URL asks for `#insecure`.
    pub fn new(policy: Policy, secret: &[u8], config: Config) -> Result<RedisLedger, Error> {
        Ok(RedisLedger {
            keys: KeyedHash::new(secret),
            store: RedisStore::new(policy.clone(), config)?,
            policy,
        })
    }

    /// Connects now (TCP, TLS handshake, `AUTH`, the standalone check)
    /// instead of at the first call, to report a bad configuration at
    /// start-up. Retries like any call until [`Config::deadline`]; a
    /// server that is a Cluster node or a Sentinel is refused at once.
    ///
    /// # Errors
    ///
    /// [`Error::Redis`] when Redis cannot be reached or refuses the
    /// credentials or the certificate (the message names the cause, never
    /// the password); [`Error::Unsupported`] for Redis Cluster or Sentinel.
    pub fn connect(&self) -> Result<(), Error> {
        self.store.ensure_connected()
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
    /// [`Error::Config`] when the URL is malformed, a CA or client
    /// certificate file cannot be read or parsed, TLS files are given with
    /// a `redis://` URL, or the URL asks for `#insecure`.
    pub fn new(policy: Policy, config: Config) -> Result<RedisStore, Error> {
        let certs = tls_certs(&config)?;
        let primary = connection_info(&config.url)?;
        let client = build(primary.clone(), certs.as_ref(), &redacted(&config.url))?;
        let sentinels = match &config.sentinel {
            Some(s) if s.urls.is_empty() => {
                return Err(Error::Config("no Sentinel URL is given".to_owned()));
            }
            Some(s) => s
                .urls
                .iter()
                .map(|u| build(connection_info(u)?, certs.as_ref(), &redacted(u)))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(RedisStore {
            policy,
            client,
            primary,
            sentinels,
            certs,
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
                    Err(e) => Err(e),
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
                    if out_of_time || tries >= self.config.max_attempts || refused(&e) {
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

    /// Opens a connection (TCP, TLS, `AUTH`), sets its timeouts and checks
    /// that the server is a standalone Redis ([`standalone`]).
    fn connect(&self) -> Result<Connection, Error> {
        let (client, shown) = match &self.config.sentinel {
            Some(s) => self.discover(s)?,
            None => (self.client.clone(), self.config.url.clone()),
        };
        let mut c = self.open(&client)?;
        standalone(&mut c, &shown)?;
        Ok(c)
    }

    /// A connection with the configured timeouts.
    fn open(&self, client: &Client) -> Result<Connection, RedisError> {
        let c = client.get_connection_with_timeout(self.config.connect_timeout)?;
        c.set_read_timeout(Some(self.config.io_timeout))?;
        c.set_write_timeout(Some(self.config.io_timeout))?;
        Ok(c)
    }

    /// Asks the Sentinels in turn for the primary's address; a client for
    /// it and its name for messages (`host:port`).
    fn discover(&self, sentinel: &Sentinel) -> Result<(Client, String), Error> {
        let mut why = Vec::new();
        for (url, client) in sentinel.urls.iter().zip(&self.sentinels) {
            let addr = self.open(client).and_then(|mut c| {
                redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&sentinel.master)
                    .query::<Option<(String, u16)>>(&mut c)
            });
            match addr {
                Ok(Some((host, port))) => {
                    let shown = format!("{host}:{port} (primary `{}`)", sentinel.master);
                    let addr = match self.primary.addr() {
                        redis::ConnectionAddr::TcpTls { .. } => redis::ConnectionAddr::TcpTls {
                            host,
                            port,
                            insecure: false,
                            tls_params: None,
                        },
                        _ => redis::ConnectionAddr::Tcp(host, port),
                    };
                    let info = self.primary.clone().set_addr(addr);
                    return Ok((build(info, self.certs.as_ref(), &shown)?, shown));
                }
                Ok(None) => why.push(format!(
                    "`{}` knows no primary named `{}`",
                    redacted(url),
                    sentinel.master
                )),
                Err(e) => why.push(format!("`{}`: {e}", redacted(url))),
            }
        }
        Err(Error::Redis(transient(format!(
            "no Sentinel gave the address of the primary: {}",
            why.join("; ")
        ))))
    }

    /// With [`Config::wait`], waits for the replicas to acknowledge the
    /// write just committed on `c`. Completions do not wait: losing one
    /// leaves the attempt pending, which counts it at its strictest.
    fn replicated(&self, c: &mut Connection) -> Result<(), Error> {
        let Some(w) = self.config.wait else {
            return Ok(());
        };
        let timeout = w.timeout.max(Duration::from_millis(1));
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        // The reply comes after up to `timeout`: read with that much more.
        let waited = c
            .set_read_timeout(Some(self.config.io_timeout.saturating_add(timeout)))
            .and_then(|()| redis::cmd("WAIT").arg(w.replicas).arg(ms).query::<u64>(c))
            .and_then(|n| c.set_read_timeout(Some(self.config.io_timeout)).map(|()| n));
        match waited {
            Ok(n) if n >= u64::from(w.replicas) => Ok(()),
            Ok(n) => Err(Error::NotReplicated {
                acknowledged: u32::try_from(n).unwrap_or(u32::MAX),
                wanted: w.replicas,
                timeout,
            }),
            // Applied on the primary; whether replicas have it is unknown.
            Err(e) => Err(Error::Unknown(e)),
        }
    }

    /// Connects now if not connected, within the deadline (see
    /// [`RedisLedger::connect`]).
    ///
    /// # Errors
    ///
    /// As [`RedisLedger::connect`].
    pub fn ensure_connected(&self) -> Result<(), Error> {
        self.run(|_| Ok(Try::Done(())))
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
            if commit(&p, c)?.is_none() {
                return Ok(Try::Conflict);
            }
            self.replicated(c)?;
            Ok(Try::Done(out))
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
            if commit(&p, c)?.is_none() {
                return Ok(Try::Conflict);
            }
            self.replicated(c)?;
            Ok(Try::Done(()))
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
            id: REDIS_RULE_ID.into(),
            cite: "contactguard Redis ledger: no decision without a consistent read and a recorded write; fail closed".into(),
            message: format!("the shared ledger could not be used, so the ask is denied (fail closed): {e}").into(),
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

/// Whether `e` is a refusal that trying again cannot change: wrong
/// credentials, a configuration the client cannot use, or an ACL that does
/// not allow a command or key.
fn refused(e: &RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    matches!(
        e.kind(),
        ErrorKind::AuthenticationFailed
            | ErrorKind::InvalidClientConfig
            | ErrorKind::Server(ServerErrorKind::NoPerm)
    )
}

/// The TLS material of `config` (read from its files), or `None` when
/// none is set. Checks that no TLS file comes with a `redis://` URL (the
/// primary's or a Sentinel's) and that no URL asks for `#insecure`.
fn tls_certs(config: &Config) -> Result<Option<redis::TlsCertificates>, Error> {
    let urls = std::iter::once(&config.url).chain(config.sentinel.iter().flat_map(|s| &s.urls));
    for url in urls {
        if url.contains('#') {
            return Err(Error::Config(format!(
                "the Redis URL `{}` has a fragment; `#insecure` (no certificate check) is not \
                 supported",
                redacted(url)
            )));
        }
        if !url.starts_with("rediss://")
            && (config.ca_file.is_some() || config.client_cert.is_some())
        {
            return Err(Error::Config(format!(
                "a CA file or a client certificate is set but the Redis URL `{}` is not \
                 `rediss://`: refusing to connect without TLS",
                redacted(url)
            )));
        }
    }
    if config.ca_file.is_none() && config.client_cert.is_none() {
        return Ok(None);
    }
    let read = |what: &str, path: &std::path::Path| {
        std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read the {what} `{}`: {e}", path.display())))
    };
    let root_cert = match &config.ca_file {
        Some(p) => Some(read("CA file", p)?),
        None => None,
    };
    let client_tls = match &config.client_cert {
        Some(c) => Some(redis::ClientTlsConfig {
            client_cert: read("client certificate file", &c.cert_file)?,
            client_key: read("client key file", &c.key_file)?,
        }),
        None => None,
    };
    Ok(Some(redis::TlsCertificates {
        client_tls,
        root_cert,
    }))
}

/// Parses `url` (named in errors without its password).
fn connection_info(url: &str) -> Result<ConnectionInfo, Error> {
    redis::IntoConnectionInfo::into_connection_info(url)
        .map_err(|e| Error::Config(format!("invalid Redis URL `{}`: {e}", redacted(url))))
}

/// A client for `info`: plain TCP, or TLS through rustls (the ring
/// provider) with `certs` when given.
fn build(
    info: ConnectionInfo,
    certs: Option<&redis::TlsCertificates>,
    shown: &str,
) -> Result<Client, Error> {
    let tls = matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. });
    if tls {
        // rustls needs a process-wide crypto provider; install ring's unless
        // the application installed one (then that one is used).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            #[expect(
                deprecated,
                reason = "ring has no post-quantum key exchange; an application that wants it \
                          installs aws-lc-rs first (README), ring keeps this crate free of a C \
                          build"
            )]
            let ring = rustls::crypto::ring::default_provider();
            // Err only when another thread installed one first: fine.
            let _ = ring.install_default();
        }
    }
    let client = match certs {
        Some(certs) if tls => Client::build_with_tls(info, certs.clone()),
        _ => Client::open(info),
    };
    client.map_err(|e| Error::Config(format!("cannot set up a client for `{shown}`: {e}")))
}

/// An I/O-kind error (retried within the deadline) with `message`.
fn transient(message: String) -> RedisError {
    RedisError::from(std::io::Error::other(message))
}

/// Refuses a server that is not a standalone Redis: `HELLO` (Redis 6.2 and
/// later) reports `mode` `standalone`, `cluster` or `sentinel`. A server
/// without it (Redis 5, or 6.0, which needs a protocol version) is accepted: on a cluster node its keys would
/// fail with `MOVED` or `CROSSSLOT`, which denies (fail closed).
///
/// A server whose `role` is not `master` (a replica: after a failover, or
/// while one is under way) is a transient error, retried within the
/// deadline (with Sentinel, on the primary it names then).
fn standalone(c: &mut Connection, url: &str) -> Result<(), Error> {
    // Without a protocol version, HELLO (Redis 6.2 and later) reports
    // without switching the connection's protocol.
    let hello: Result<HashMap<String, Value>, RedisError> = redis::cmd("HELLO").query(c);
    let field = |fields: &HashMap<String, Value>, name: &str| match fields.get(name) {
        Some(Value::BulkString(m)) => String::from_utf8_lossy(m).into_owned(),
        Some(Value::SimpleString(m)) => m.clone(),
        _ => String::new(),
    };
    let (mode, role) = match hello {
        Ok(fields) => (field(&fields, "mode"), field(&fields, "role")),
        Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError) => {
            return Ok(());
        }
        Err(e) => return Err(Error::Redis(e)),
    };
    match mode.as_str() {
        "standalone" if role == "master" || role.is_empty() => Ok(()),
        "standalone" => Err(Error::Redis(transient(format!(
            "`{}` is a {role}, not the primary: writes would be refused",
            redacted(url)
        )))),
        "cluster" => Err(Error::Unsupported(format!(
            "`{}` is a Redis Cluster node, which this ledger refuses: one decision reads a \
             recipient's and a debt's keys in one transaction, and Cluster keeps keys in \
             different slots on different nodes (see the contactguard-redis README); use a \
             standalone primary",
            redacted(url)
        ))),
        other => Err(Error::Unsupported(format!(
            "`{}` is a Redis in `{other}` mode, not a standalone primary; give the primary's \
             address, or the Sentinels' with `Config::with_sentinel`",
            redacted(url)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn redacted_hides_the_password_and_only_it() {
        for (url, want) in [
            ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/"),
            ("rediss://u:pw@h:6380/0", "rediss://u:***@h:6380/0"),
            ("rediss://:pw@h/", "rediss://:***@h/"),
            ("redis://user@h/", "redis://user@h/"),
            // Unencoded `/` and `@` in the password: hidden all the same.
            ("redis://u:p/w@x@h:1/", "redis://u:***@h:1/"),
            ("u:pw@h:1", "u:***@h:1"),
        ] {
            assert_eq!(redacted(url), want, "{url}");
        }
    }

    #[test]
    fn config_debug_hides_every_password() {
        let config = super::Config::new("rediss://dialer:pw-one@h:6380/")
            .with_sentinel(
                "m",
                &["rediss://sentinel:pw-two@s1:26379", "redis://s2:26379"],
            )
            .with_wait(1, std::time::Duration::from_millis(100));
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("pw-one") && !shown.contains("pw-two"),
            "{shown}"
        );
        assert!(shown.contains("rediss://sentinel:***@s1:26379"), "{shown}");
        assert!(shown.contains("redis://s2:26379"), "{shown}");
    }
}
