//! The ledger: thread-safe recent contact history with atomic
//! check-and-record, bounded memory, keyed hashing of keys, and
//! snapshot/restore.
//!
//! A dialer with many worker threads keeps one [`Ledger`] over a compiled
//! [`Policy`]. Before each contact a worker calls
//! [`check_and_record`](Ledger::check_and_record): the ledger decides the
//! ask against everything it remembers and, if the ask is allowed, records
//! the attempt in the same critical section, so that with a cap of N and any
//! number of threads racing for one recipient exactly N are admitted. When
//! the call ends the worker reports the outcome with
//! [`complete`](Ledger::complete). Other events (consents, opt-outs, holds,
//! attempts made elsewhere) go in with [`record`](Ledger::record).
//!
//! # What a decision sees
//!
//! [`check`](Ledger::check) returns exactly what [`decide`](crate::decide)
//! returns over a [`History`](crate::History) of every recorded event, in
//! the order recorded, for any ask at or after the ledger's *pruning
//! horizon* (below). Events recorded after the ask's time are ignored, as
//! `decide` ignores them.
//!
//! **Pending attempts.** An attempt admitted by `check_and_record` is stored
//! with result [`AttemptResult::Pending`] until [`complete`](Ledger::complete)
//! gives its result (an attempt never completed stays pending until pruning
//! drops it). The engine reads a pending attempt as whichever outcome is
//! stricter for each rule, since it may still become any of them: it counts
//! under every cap and starts every cool-down whatever their result filters
//! (a cap of unanswered calls and a cap of conversations both count it), it
//! ends a prior-consent window as a conversation would, and for the
//! out-of-contact condition it reads as reached where that keeps an
//! exception closed and as not reached where that makes a rule apply. So
//! with N calls in flight and any outcomes, no cap ends the day past its
//! limit; the price is capacity held by outcomes not reported yet, which
//! completing promptly gives back. `decide` over a
//! [`History`](crate::History) with `pending` attempts reads them the same
//! way, so every backend and binding agrees.
//!
//! # Bounded memory
//!
//! Attempts older than the policy's look-back
//! ([`Policy::lookback_seconds`], or for a policy with lifetime caps the
//! look-back of its other rules) cannot change a decision, and are dropped
//! by [`prune`](Ledger::prune) and, opportunistically, whenever a list is
//! about to grow. A few old attempts are kept because a rule still reads
//! them:
//!
//! - for each **lifetime cap**, per counting partition (the recipient, or
//!   the recipient and debt, or the debt; per channel for `same_channel`),
//!   the newest `limit` matching attempts: enough to say the cap is reached,
//!   which is all a lifetime cap asks. (The denial's message then reports
//!   at most `limit` attempts.) Policies whose lifetime cap uses
//!   `exclude_prior_consent` are never pruned;
//! - the first attempt that reached the debtor after the last `unreachable`
//!   mark on a debt, since it ends that mark;
//! - every attempt since a Reg F `prior_consent_to_contact` whose window may
//!   still matter, since the first conversation after it ends the window.
//!
//! State events (consent, opt-out, cease, attorney, hold, prior consent,
//! request to be contacted, inconvenient times, unreachable marks) are rare
//! and kept.
//!
//! The **pruning horizon** is the latest `now` given to `prune`, and for
//! opportunistic pruning the time of the event being recorded less one hour
//! (a margin for clocks that differ between workers). Asks at or after it
//! are decided exactly as `decide` would over the full history.
//!
//! Each retained attempt costs 24 bytes of entries (12 in its recipient's
//! list, 12 in its debt's), plus the lists' growth slack and the per-key
//! tables amortised over the attempts per key; `BENCHMARKS.md` gives the
//! measured figure. A recipient's list of 32 entries or more also keeps
//! the engine's index of its attempts by class (channel and result, as a
//! [`History`](crate::History) keeps per key), 4 more bytes per attempt
//! in it and about 32 per class, so that the caps of the common scopes
//! (`recipient`, `recipient_debt`) count long look-backs without visiting
//! each entry; a debt's list is scanned.
//!
//! # Keys
//!
//! Recipient and debt keys are stored only as 128-bit keyed hashes
//! (SipHash-2-4). With [`Ledger::with_key`] and a secret the ledger and its
//! snapshots hold no phone number, name or account number that someone
//! without the secret could recover by guessing. [`Ledger::new`] uses a
//! public default key: the keys are still not stored, but a guessable key
//! (a phone number) can be confirmed by hashing it.
//!
//! # Locking
//!
//! The state is split into 64 shards by key hash, each behind a
//! `parking_lot` read-write lock. `check` read-locks the recipient's shard
//! and the debt's shard; `check_and_record`, `record` and `complete`
//! write-lock them, always in shard order (one lock when they coincide), so
//! there is no global lock on the hot path and no deadlock.
//! [`snapshot`](Ledger::snapshot) read-locks every shard for a consistent
//! cut (checks continue, writes wait); [`restore`](Ledger::restore) builds
//! the new state aside and swaps it in under every shard's write lock.
//!
//! # Backends: one contract
//!
//! What is admitted and as what, time order within [`MAX_SKEW`], the
//! [`Admission`] and [`Ticket`], what [`complete`] accepts and the
//! retention ([`GRACE`], [`trim_before`]) are this module's functions
//! ([`check_and_record`], [`complete`], [`record`], [`check`]), written
//! once. A backend implements [`Storage`]: read a recipient's and a debt's
//! entries, append a pending attempt to both atomically with that read,
//! complete it, record an event. [`MemoryStore`] (the default of
//! [`Ledger`]) is one; `contactguard-redis` is another, and
//! [`Ledger::over`] runs the contract over any.
//!
//! # Examples
//!
//! ```
//! use contactguard::{Ask, AttemptResult, Policy};
//! use contactguard::ledger::Ledger;
//!
//! let policy = Policy::from_toml(r#"
//! format = "contactguard-policy/1"
//! [[rules]]
//! id = "acme.calls"
//! title = "At most two calls a day"
//! cite = "ACME policy 1"
//! status = "convention"
//! kind = "cap"
//! limit = 2
//! scope = "recipient"
//! period = "day"
//! count = { channels = ["call"] }
//! when = { channels = ["call"] }
//! "#).unwrap();
//! let ledger = Ledger::with_key(policy, b"a secret from the operator's vault");
//! let ask: Ask = serde_json::from_str(r#"{"at": "2026-03-02T10:00:00+08:00",
//!     "channel": "call", "to": "+8613800000000", "role": "debtor",
//!     "debt": "loan-1", "timezones": ["Asia/Shanghai"]}"#).unwrap();
//!
//! let first = ledger.check_and_record(&ask);
//! assert!(first.decision.allow);
//! ledger.complete(&first.ticket.unwrap(), AttemptResult::NoAnswer).unwrap();
//! assert!(ledger.check_and_record(&ask).decision.allow);
//! assert!(!ledger.check_and_record(&ask).decision.allow);
//!
//! let mut saved = Vec::new();
//! ledger.snapshot(&mut saved).unwrap();
//! let restarted = Ledger::with_key(ledger.policy().clone(), b"a secret from the operator's vault");
//! restarted.restore(saved.as_slice()).unwrap();
//! assert!(!restarted.check(&ask).allow);
//! ```

mod contract;
mod crc;
mod error;
mod hash;
mod journal;
mod snapshot;
mod store;

pub use contract::{
    check, check_and_record, complete, expire_after, ledger_denial, record, trim_before, Admission,
    AdmitStep, Entries, KeyHash, Storage, Ticket, GRACE, LEDGER_RULE_ID, MAX_SKEW,
};
pub use error::LedgerError;
pub use journal::{Fsync, Journaled, Replayed};

use crate::engine::view;
use crate::engine::{decide_sides, decide_sides_into};
use crate::model::{Ask, AttemptResult, Decision, Event, Inconvenient};
use crate::Policy;
use hash::{KeyHasher, Kh};
use jiff::Timestamp;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::fmt;
use store::{clamp_ns, idx, place_byte, Entry, Retention, Shard, Side, State};

/// The keyed hash the ledger stores recipient and debt keys under, for
/// other ledger backends (such as `contactguard-redis`) that must hash keys
/// the same way. Two hashers made from the same secret give the same
/// 128-bit hashes as a [`Ledger::with_key`] with that secret.
#[derive(Clone)]
pub struct KeyedHash(KeyHasher);

impl fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyedHash { .. }")
    }
}

impl KeyedHash {
    /// The hasher for `secret` (see [`Ledger::with_key`]).
    pub fn new(secret: &[u8]) -> KeyedHash {
        KeyedHash(KeyHasher::from_secret(secret))
    }

    /// The 128-bit keyed hash of a recipient key, little-endian.
    pub fn recipient(&self, to: &str) -> KeyHash {
        kh_bytes(self.0.recipient(to))
    }

    /// The 128-bit keyed hash of a debt key, little-endian.
    pub fn debt(&self, debt: &str) -> KeyHash {
        kh_bytes(self.0.debt(debt))
    }
}

fn kh_bytes(k: Kh) -> KeyHash {
    let mut out = [0u8; 16];
    for (o, b) in out
        .iter_mut()
        .zip(k.0.to_le_bytes().into_iter().chain(k.1.to_le_bytes()))
    {
        *o = b;
    }
    out
}

fn kh(b: &KeyHash) -> Kh {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.iter_mut()
        .chain(hi.iter_mut())
        .zip(b)
        .for_each(|(o, i)| *o = *i);
    Kh(u64::from_le_bytes(lo), u64::from_le_bytes(hi))
}

/// The keyed hashes of the recipient and debt keys a replay met lately,
/// so that a log that names the same people row after row hashes each key
/// once rather than on every row (a table look-up costs a fraction of the
/// hash). It lives beside the ledger, in the replay that already holds the
/// rows' keys in the clear, never in the ledger's tables or snapshots,
/// which still hold only the hashes; it forgets everything once either
/// table reaches [`MEMO_KEYS`] keys, so its memory is bounded whatever the
/// log.
#[derive(Default)]
pub(crate) struct KeyMemo {
    recipients: foldhash::HashMap<Box<str>, Kh>,
    debts: foldhash::HashMap<Box<str>, Kh>,
}

/// The most keys a [`KeyMemo`] table holds before it starts again.
pub(crate) const MEMO_KEYS: usize = 1 << 15;

impl fmt::Debug for KeyMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys are in the clear: only their numbers are shown.
        f.debug_struct("KeyMemo")
            .field("recipients", &self.recipients.len())
            .field("debts", &self.debts.len())
            .finish()
    }
}

impl KeyMemo {
    /// `key`'s hash from `table`, or `hash(key)`, remembered.
    #[inline]
    fn hash(
        table: &mut foldhash::HashMap<Box<str>, Kh>,
        key: &str,
        hash: impl FnOnce(&str) -> Kh,
    ) -> Kh {
        if let Some(k) = table.get(key) {
            return *k;
        }
        if table.len() >= MEMO_KEYS {
            table.clear();
        }
        let k = hash(key);
        table.insert(Box::from(key), k);
        k
    }
}

/// Number of shards (a power of two).
pub(crate) const SHARDS: usize = 64;

/// A shard on its own cache line, so that workers on different shards do
/// not contend for one.
#[repr(align(64))]
#[derive(Debug, Default)]
pub(crate) struct Padded(pub(crate) RwLock<Shard>);

/// Thread-safe contact history over a compiled policy, with atomic
/// check-and-record, over a [`Storage`] backend: the in-memory
/// [`MemoryStore`] by default. See the [module documentation](self).
pub struct Ledger<S = MemoryStore> {
    policy: Policy,
    keys: KeyedHash,
    store: S,
}

/// The in-memory backend: 64 shards of compact per-key lists behind
/// `parking_lot` locks, pruned by the policy's retention (see the [module
/// documentation](self#bounded-memory)).
pub struct MemoryStore {
    retention: Retention,
    shards: Box<[Padded]>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// Counts describing what a ledger holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LedgerStats {
    /// Recipients with any retained event.
    pub recipients: usize,
    /// Debts with any retained event.
    pub debts: usize,
    /// Retained attempts (each counted once).
    pub attempts: usize,
    /// Retained attempts still pending.
    pub pending: usize,
    /// Retained state events (counted once per list they are in).
    pub state_events: usize,
    /// Heap bytes the ledger's tables and lists have reserved, computed
    /// from their capacities and element sizes (an estimate of what the
    /// allocator holds; `benches/memory.rs` measures the real figure).
    pub reserved_bytes: usize,
}

impl<S> fmt::Debug for Ledger<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("policy", &self.policy.name())
            .finish_non_exhaustive()
    }
}

/// Both shards an operation touches, locked in shard order.
struct Pair<G> {
    first: G,
    second: Option<G>,
    rec_first: bool,
}

impl<'a> Pair<RwLockReadGuard<'a, Shard>> {
    fn rec(&self) -> &Shard {
        match &self.second {
            Some(s) if !self.rec_first => s,
            _ => &self.first,
        }
    }

    fn debt(&self) -> &Shard {
        match &self.second {
            Some(s) if self.rec_first => s,
            _ => &self.first,
        }
    }
}

impl<'a> Pair<RwLockWriteGuard<'a, Shard>> {
    fn rec(&self) -> &Shard {
        match &self.second {
            Some(s) if !self.rec_first => s,
            _ => &self.first,
        }
    }

    fn debt(&self) -> &Shard {
        match &self.second {
            Some(s) if self.rec_first => s,
            _ => &self.first,
        }
    }

    fn rec_mut(&mut self) -> &mut Shard {
        match &mut self.second {
            Some(s) if !self.rec_first => s,
            _ => &mut self.first,
        }
    }

    fn debt_mut(&mut self) -> &mut Shard {
        match &mut self.second {
            Some(s) if self.rec_first => s,
            _ => &mut self.first,
        }
    }

    /// The recipients' table of the recipient's shard and the debts' table
    /// of the debt's shard, both writable.
    fn maps_mut(&mut self) -> (&mut hash::KhMap<store::Slot>, &mut hash::KhMap<store::Slot>) {
        let first: &mut Shard = &mut self.first;
        match self.second.as_deref_mut() {
            None => (&mut first.recipients, &mut first.debts),
            Some(second) if self.rec_first => (&mut first.recipients, &mut second.debts),
            Some(second) => (&mut second.recipients, &mut first.debts),
        }
    }
}

impl Ledger<MemoryStore> {
    /// An empty in-memory ledger over `policy`, hashing keys with a public
    /// default key (see the [module documentation](self#keys)).
    pub fn new(policy: Policy) -> Ledger {
        Ledger::with_key(policy, b"")
    }

    /// An empty in-memory ledger over `policy` that stores recipient and
    /// debt keys hashed with a key derived from `secret`. Use at least 16
    /// random bytes, kept outside the snapshots; a snapshot restores only
    /// into a ledger with the same secret.
    pub fn with_key(policy: Policy, secret: &[u8]) -> Ledger {
        let store = MemoryStore::new(&policy);
        Ledger::over(policy, secret, store)
    }

    /// Drops attempts that can no longer change a decision for an ask at or
    /// after `now`, and forgets recipients and debts left with no events.
    /// Returns the number of attempts dropped. Call it periodically (say
    /// every few minutes) with the current time; it takes each shard's
    /// write lock in turn, never all at once.
    pub fn prune(&self, now: Timestamp) -> usize {
        self.store.prune(now)
    }

    /// As [`prune`](Ledger::prune), except for a policy with a lifetime
    /// cap, which it leaves as it is: a lifetime cap's denial counts the
    /// attempts the ledger holds (at least `limit`), so pruning at other
    /// moments than the lists' own could change the message. Returns the
    /// number of recipients and debts the ledger holds.
    pub(crate) fn sweep(&self, now: Timestamp) -> usize {
        self.store.sweep(now, false).1
    }

    /// Decides `ask` as [`check`](Ledger::check) does, then records the
    /// attempt it made with `result` whatever the verdict, as
    /// [`record`](Ledger::record) would: the replay of a log. Hashes each
    /// key once, and takes no lock: the caller holds the ledger alone.
    /// Without `retry` a denial's `retry_at` is `None`, not searched for
    /// (for a caller that does not read it). The decision is written to
    /// `out`, reusing its lists' allocations.
    ///
    /// # Errors
    ///
    /// As [`record`](Ledger::record); nothing is recorded, and `out` holds
    /// no decision to read.
    pub(crate) fn check_then_record(
        &mut self,
        ask: &Ask,
        result: AttemptResult,
        retry: bool,
        memo: &mut KeyMemo,
        out: &mut Decision,
    ) -> Result<(), LedgerError> {
        // (Errors built only when returned: building one on every row and
        // dropping it cost as much as a table look-up.)
        let Some(at) = contract::to_ns(ask.at) else {
            return Err(LedgerError::TimeOutOfRange(ask.at));
        };
        let to = KeyMemo::hash(&mut memo.recipients, &ask.to, |k| self.keys.0.recipient(k));
        let debt = KeyMemo::hash(&mut memo.debts, &ask.debt, |k| self.keys.0.debt(k));
        // Each slot is looked up once, for the decision and the insert (a
        // slot made here for a new key is empty, which decides as none).
        let (recipients, debts) = maps_mut(&mut self.store.shards, to, debt);
        let rec = recipients.entry(to).or_default();
        room_for(rec, debt)?;
        let debt_slot = debts.entry(debt).or_default();
        // The ask's instant in nanoseconds, as `clamp_ns` gives it.
        let cut = at;
        decide_sides_into(
            self.policy.inner(),
            ask,
            rec.side(Side::Recipient, cut, to, debt),
            debt_slot.side(Side::Debt, cut, to, debt),
            retry,
            out,
        );
        let entry = Entry::attempt(
            at,
            idx(ask.channel),
            idx(ask.role),
            result,
            place_byte(ask.place),
        );
        self.store.retention.insert(rec, debt_slot, debt, entry)
    }

    /// What the ledger holds.
    pub fn stats(&self) -> LedgerStats {
        self.store.stats()
    }

    /// Writes the whole ledger to `w` as a versioned, checksummed binary
    /// stream, incrementally (no copy of the ledger is built in memory).
    /// Every shard is read-locked for the duration, so the snapshot is one
    /// consistent cut: checks continue, writes wait. Pass a fast sink (a
    /// buffered file, a `Vec`), not a slow network stream.
    ///
    /// The stream holds hashed keys only. Returns the number of bytes
    /// written.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Io`] when writing fails.
    pub fn snapshot<W: std::io::Write>(&self, w: W) -> Result<u64, LedgerError> {
        self.store.snapshot(self.keys.0.fingerprint(), w)
    }

    /// Replaces the ledger's contents with a snapshot read from `r`.
    ///
    /// The new state is built aside and swapped in only once the whole
    /// stream has been read and verified; on any error the ledger is left
    /// exactly as it was.
    ///
    /// # Errors
    ///
    /// [`LedgerError::NotASnapshot`], [`LedgerError::UnsupportedVersion`],
    /// [`LedgerError::KeyMismatch`] (written under another secret),
    /// [`LedgerError::Truncated`], [`LedgerError::ChecksumMismatch`],
    /// [`LedgerError::Corrupt`], or [`LedgerError::Io`].
    pub fn restore<R: std::io::Read>(&self, r: R) -> Result<(), LedgerError> {
        self.store.restore(self.keys.0.fingerprint(), r)
    }
}

impl Ledger<Journaled<MemoryStore>> {
    /// An in-memory ledger whose every write is journaled to `journal`
    /// before it is acknowledged (see [`Journaled`]): restored from
    /// `snapshot` (the last [`checkpoint`](Ledger::checkpoint), if any),
    /// then from the journal written since, whose torn tail, if any, is
    /// truncated. Returns what the replay found. The ledger does no other
    /// I/O than on the readers and files it is given.
    ///
    /// # Errors
    ///
    /// The errors of [`restore`](Ledger::restore) for the snapshot, and
    /// for the journal: [`LedgerError::Io`], [`LedgerError::NotASnapshot`]
    /// (not a journal), [`LedgerError::KeyMismatch`],
    /// [`LedgerError::Corrupt`] (damaged before its end).
    pub fn with_journal<R: std::io::Read>(
        policy: Policy,
        secret: &[u8],
        snapshot: Option<R>,
        journal: std::fs::File,
        fsync: Fsync,
    ) -> Result<(Self, Replayed), LedgerError> {
        let keys = KeyedHash::new(secret);
        let fingerprint = keys.0.fingerprint();
        let store = MemoryStore::new(&policy);
        if let Some(r) = snapshot {
            store.restore(fingerprint, r)?;
        }
        let (store, replayed) = Journaled::open(store, journal, fsync, fingerprint)?;
        Ok((
            Ledger {
                policy,
                keys,
                store,
            },
            replayed,
        ))
    }

    /// Writes a snapshot to `w`, calls `durable` (make the snapshot
    /// durable and current: sync it, rename it over the previous one), and
    /// only when that succeeds empties the journal. Writes wait meanwhile;
    /// checks continue. Returns the snapshot's size.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Io`] when writing, `durable` or emptying the journal
    /// fails; the journal is then kept.
    pub fn checkpoint<W: std::io::Write>(
        &self,
        w: W,
        durable: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<u64, LedgerError> {
        let fingerprint = self.keys.0.fingerprint();
        self.store.checkpoint(|s| {
            let n = s.snapshot(fingerprint, w)?;
            durable()?;
            Ok(n)
        })
    }

    /// What the ledger holds.
    pub fn stats(&self) -> LedgerStats {
        self.store.inner().stats()
    }

    /// As [`Ledger::snapshot`]; the journal is kept (see
    /// [`checkpoint`](Ledger::checkpoint) to empty it).
    ///
    /// # Errors
    ///
    /// [`LedgerError::Io`] when writing fails.
    pub fn snapshot<W: std::io::Write>(&self, w: W) -> Result<u64, LedgerError> {
        self.store.inner().snapshot(self.keys.0.fingerprint(), w)
    }

    /// As [`Ledger::prune`] (pruning is not journaled: it drops only what
    /// no decision reads, and a replay prunes again).
    pub fn prune(&self, now: Timestamp) -> usize {
        self.store.inner().prune(now)
    }
}

/// The in-memory ledger, journaled or not: one type for bindings that
/// offer both (the C ABI's `cg_ledger`, Python's `Ledger`).
#[derive(Debug)]
pub enum LocalLedger {
    /// [`Ledger::new`] or [`Ledger::with_key`].
    Memory(Ledger),
    /// [`Ledger::with_journal`].
    Journaled(Ledger<Journaled<MemoryStore>>),
}

impl LocalLedger {
    /// The policy the ledger decides with.
    pub fn policy(&self) -> &Policy {
        match self {
            LocalLedger::Memory(l) => l.policy(),
            LocalLedger::Journaled(l) => l.policy(),
        }
    }

    /// [`Ledger::check`].
    pub fn check(&self, ask: &Ask) -> Decision {
        match self {
            LocalLedger::Memory(l) => l.check(ask),
            LocalLedger::Journaled(l) => l.check(ask),
        }
    }

    /// [`Ledger::check_and_record`].
    pub fn check_and_record(&self, ask: &Ask) -> Admission {
        match self {
            LocalLedger::Memory(l) => l.check_and_record(ask),
            LocalLedger::Journaled(l) => l.check_and_record(ask),
        }
    }

    /// [`Ledger::complete`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::complete`].
    pub fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), LedgerError> {
        match self {
            LocalLedger::Memory(l) => l.complete(ticket, result),
            LocalLedger::Journaled(l) => l.complete(ticket, result),
        }
    }

    /// [`Ledger::record`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::record`].
    pub fn record(&self, event: &Event) -> Result<(), LedgerError> {
        match self {
            LocalLedger::Memory(l) => l.record(event),
            LocalLedger::Journaled(l) => l.record(event),
        }
    }

    /// [`Ledger::prune`].
    pub fn prune(&self, now: Timestamp) -> usize {
        match self {
            LocalLedger::Memory(l) => l.prune(now),
            LocalLedger::Journaled(l) => l.prune(now),
        }
    }

    /// [`Ledger::stats`].
    pub fn stats(&self) -> LedgerStats {
        match self {
            LocalLedger::Memory(l) => l.stats(),
            LocalLedger::Journaled(l) => l.stats(),
        }
    }

    /// [`Ledger::snapshot`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::snapshot`].
    pub fn snapshot<W: std::io::Write>(&self, w: W) -> Result<u64, LedgerError> {
        match self {
            LocalLedger::Memory(l) => l.snapshot(w),
            LocalLedger::Journaled(l) => l.snapshot(w),
        }
    }

    /// [`Ledger::restore`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::restore`]; [`LedgerError::Journaled`] for a journaled
    /// ledger.
    pub fn restore<R: std::io::Read>(&self, r: R) -> Result<(), LedgerError> {
        match self {
            LocalLedger::Memory(l) => l.restore(r),
            LocalLedger::Journaled(_) => Err(LedgerError::Journaled),
        }
    }

    /// [`Ledger::checkpoint`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::checkpoint`]; [`LedgerError::NotJournaled`] for a
    /// ledger without a journal.
    pub fn checkpoint<W: std::io::Write>(
        &self,
        w: W,
        durable: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<u64, LedgerError> {
        match self {
            LocalLedger::Memory(_) => Err(LedgerError::NotJournaled),
            LocalLedger::Journaled(l) => l.checkpoint(w, durable),
        }
    }
}

impl<S: Storage> Ledger<S> {
    /// A ledger over `policy` on any backend, hashing keys with a key
    /// derived from `secret` (as [`Ledger::with_key`]).
    pub fn over(policy: Policy, secret: &[u8], store: S) -> Ledger<S> {
        Ledger {
            policy,
            keys: KeyedHash::new(secret),
            store,
        }
    }

    /// The policy the ledger decides with.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The backend.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Decides `ask` against the recorded history, without recording it.
    ///
    /// Never fails: like [`decide`](crate::decide), anything that cannot be
    /// evaluated (the backend failing included) is a denial with a reason.
    pub fn check(&self, ask: &Ask) -> Decision {
        check(&self.store, &self.policy, &self.keys, ask).unwrap_or_else(|e| store_denial(&e))
    }

    /// Decides `ask` and, if it is allowed, records the attempt as pending,
    /// in one atomic step: no other operation on the recipient or the debt
    /// runs in between. Report the outcome with [`complete`](Ledger::complete).
    ///
    /// **Pending.** Until completed, the attempt is
    /// [`AttemptResult::Pending`] and counts under every cap and cool-down
    /// it could fall under once its result is known (see the [module
    /// documentation](self)): with a cap of N unanswered calls, N - 1
    /// recorded and several asks racing, one is admitted, and the day ends
    /// with at most N whatever the outcomes.
    ///
    /// **Time order.** Admission is exact when attempts are admitted in
    /// time order: an ask never sees attempts recorded after its own time,
    /// so a worker whose clock is behind could otherwise slip past a cap
    /// another worker just filled. An ask up to [`MAX_SKEW`] older than the
    /// latest attempt recorded for its recipient or debt is therefore
    /// decided and recorded as of that attempt's time ([`Admission::at`]);
    /// an ask older than that is denied with rule id [`LEDGER_RULE_ID`]
    /// (fail closed: a clock is wrong, or the attempt belongs in
    /// [`record`](Ledger::record)).
    ///
    /// An ask whose time the ledger cannot store (before 1677 or after
    /// 2262), or that the backend cannot record (a full table), is denied
    /// with rule id [`LEDGER_RULE_ID`]. The contract is the module's
    /// function [`check_and_record`], shared by every backend.
    pub fn check_and_record(&self, ask: &Ask) -> Admission {
        check_and_record(&self.store, &self.policy, &self.keys, ask).unwrap_or_else(|e| Admission {
            decision: store_denial(&e),
            at: ask.at,
            ticket: None,
        })
    }

    /// Sets the result of a pending attempt admitted by
    /// [`check_and_record`](Ledger::check_and_record).
    ///
    /// # Errors
    ///
    /// [`LedgerError::UnknownTicket`] when no pending attempt matches: it
    /// was already completed or pruned. [`LedgerError::PendingOutcome`]
    /// when `result` is [`AttemptResult::Pending`].
    pub fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<(), S::Error> {
        complete(&self.store, ticket, result)
    }

    /// Records an event: an attempt made (for instance through another
    /// system; `pending` when its outcome is not known yet), or a consent,
    /// opt-out, cease, hold, … Events may arrive in any order; same-instant
    /// events keep the order recorded.
    ///
    /// # Errors
    ///
    /// [`LedgerError::TimeOutOfRange`] for an event before 1677-09-21 or
    /// after 2262-04-11, which the ledger cannot store;
    /// [`LedgerError::Capacity`] when the in-memory store is full. Nothing
    /// is recorded.
    pub fn record(&self, event: &Event) -> Result<(), S::Error> {
        record(&self.store, &self.keys, event)
    }
}

fn store_denial(e: &impl fmt::Display) -> Decision {
    ledger_denial(format!("{e} (fail closed)"))
}

/// One decision's view of the in-memory store: the locked shards of the
/// recipient and the debt.
struct MemEntries<'a> {
    rec: &'a Shard,
    debt_shard: &'a Shard,
    to: Kh,
    debt: Kh,
}

impl Entries for MemEntries<'_> {
    fn latest_attempt(&self) -> Option<Timestamp> {
        [
            self.rec
                .recipients
                .get(&self.to)
                .and_then(store::Slot::latest_attempt),
            self.debt_shard
                .debts
                .get(&self.debt)
                .and_then(store::Slot::latest_attempt),
        ]
        .into_iter()
        .flatten()
        .max()
        .map(store::from_ns)
    }

    fn decide(&self, policy: &Policy, ask: &Ask) -> Decision {
        decide_in(
            policy,
            ask,
            self.rec,
            self.debt_shard,
            self.to,
            self.debt,
            true,
        )
    }
}

fn attempt_entry(t: &Ticket) -> Option<Entry> {
    Some(Entry::attempt(
        contract::to_ns(t.at())?,
        idx(t.channel()),
        idx(t.role()),
        AttemptResult::Pending,
        place_byte(t.place()),
    ))
}

impl MemoryStore {
    /// An empty store keeping what `policy`'s rules can read.
    pub fn new(policy: &Policy) -> MemoryStore {
        MemoryStore {
            retention: Retention::of(policy.inner()),
            shards: (0..SHARDS).map(|_| Padded::default()).collect(),
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "the index is masked to the number of shards"
    )]
    fn shard(&self, i: usize) -> &RwLock<Shard> {
        &self.shards[i & (SHARDS - 1)].0
    }

    fn read_pair(&self, to: Kh, debt: Kh) -> Pair<RwLockReadGuard<'_, Shard>> {
        let (r, d) = (to.shard(SHARDS), debt.shard(SHARDS));
        if r == d {
            return Pair {
                first: self.shard(r).read(),
                second: None,
                rec_first: true,
            };
        }
        let (lo, hi) = (r.min(d), r.max(d));
        let first = self.shard(lo).read();
        let second = self.shard(hi).read();
        Pair {
            first,
            second: Some(second),
            rec_first: r == lo,
        }
    }

    fn write_pair(&self, to: Kh, debt: Kh) -> Pair<RwLockWriteGuard<'_, Shard>> {
        let (r, d) = (to.shard(SHARDS), debt.shard(SHARDS));
        if r == d {
            return Pair {
                first: self.shard(r).write(),
                second: None,
                rec_first: true,
            };
        }
        let (lo, hi) = (r.min(d), r.max(d));
        let first = self.shard(lo).write();
        let second = self.shard(hi).write();
        Pair {
            first,
            second: Some(second),
            rec_first: r == lo,
        }
    }

    fn insert_attempt(
        &self,
        g: &mut Pair<RwLockWriteGuard<'_, Shard>>,
        to: Kh,
        debt: Kh,
        entry: Entry,
    ) -> Result<(), LedgerError> {
        let (recipients, debts) = g.maps_mut();
        let rec = recipients.entry(to).or_default();
        room_for(rec, debt)?;
        self.retention
            .insert(rec, debts.entry(debt).or_default(), debt, entry)
    }

    fn insert_state(
        &self,
        to: Option<Kh>,
        debt: Option<Kh>,
        at: i64,
        state: State,
    ) -> Result<(), LedgerError> {
        const FULL: LedgerError =
            LedgerError::Capacity("65,536 state events for one recipient or debt");
        let full = |m: &hash::KhMap<store::Slot>, k: Kh| {
            m.get(&k).is_some_and(|s| !s.has_room_for_state())
        };
        match (to, debt) {
            (Some(to), Some(debt)) => {
                let mut g = self.write_pair(to, debt);
                if full(&g.rec().recipients, to) || full(&g.debt().debts, debt) {
                    return Err(FULL);
                }
                g.rec_mut()
                    .recipients
                    .entry(to)
                    .or_default()
                    .insert_state(at, state.clone());
                g.debt_mut()
                    .debts
                    .entry(debt)
                    .or_default()
                    .insert_state(at, state);
            }
            (Some(to), None) => {
                let mut g = self.shard(to.shard(SHARDS)).write();
                if full(&g.recipients, to) {
                    return Err(FULL);
                }
                g.recipients.entry(to).or_default().insert_state(at, state);
            }
            (None, Some(debt)) => {
                let mut g = self.shard(debt.shard(SHARDS)).write();
                if full(&g.debts, debt) {
                    return Err(FULL);
                }
                g.debts.entry(debt).or_default().insert_state(at, state);
            }
            (None, None) => {}
        }
        Ok(())
    }

    fn prune(&self, now: Timestamp) -> usize {
        self.sweep(now, true).0
    }

    /// [`prune`](Ledger::prune), also counting the recipients and debts
    /// left: `(attempts dropped, keys left)`. Without `lifetime`, a policy
    /// with a lifetime cap is not pruned (see [`Ledger::sweep`]).
    fn sweep(&self, now: Timestamp, lifetime: bool) -> (usize, usize) {
        let cutoff = if lifetime || self.retention.lifetime.is_empty() {
            self.retention.cutoff(clamp_ns(now))
        } else {
            None
        };
        let Some(cutoff) = cutoff else {
            let keys = self.shards.iter().map(|p| {
                let g = p.0.read();
                g.recipients.len() + g.debts.len()
            });
            return (0, keys.sum());
        };
        let mut removed = 0;
        let mut keys = 0;
        for p in self.shards.iter() {
            let mut g = p.0.write();
            for slot in g.recipients.values_mut() {
                removed += slot.prune(cutoff, &self.retention, Side::Recipient);
            }
            g.recipients.retain(|_, s| !s.is_empty());
            for slot in g.debts.values_mut() {
                slot.prune(cutoff, &self.retention, Side::Debt);
            }
            g.debts.retain(|_, s| !s.is_empty());
            let (r, d) = (g.recipients.len(), g.debts.len());
            if g.recipients.capacity() > 4 * r + 64 {
                g.recipients.shrink_to(2 * r);
            }
            if g.debts.capacity() > 4 * d + 64 {
                g.debts.shrink_to(2 * d);
            }
            keys += r + d;
        }
        (removed, keys)
    }

    fn stats(&self) -> LedgerStats {
        let mut s = LedgerStats::default();
        for p in self.shards.iter() {
            let g = p.0.read();
            s.recipients += g.recipients.len();
            s.debts += g.debts.len();
            s.reserved_bytes += store::table_bytes(&g.recipients) + store::table_bytes(&g.debts);
            for slot in g.recipients.values() {
                s.attempts += slot.attempts();
                s.pending += slot
                    .entries
                    .iter()
                    .filter(|e| !e.is_state() && e.is_pending())
                    .count();
                s.state_events += slot.states().len();
                s.reserved_bytes += slot.reserved_bytes();
            }
            for slot in g.debts.values() {
                s.state_events += slot.states().len();
                s.reserved_bytes += slot.reserved_bytes();
            }
        }
        s
    }

    fn snapshot<W: std::io::Write>(&self, fingerprint: u64, w: W) -> Result<u64, LedgerError> {
        let guards: Vec<RwLockReadGuard<'_, Shard>> =
            self.shards.iter().map(|p| p.0.read()).collect();
        let shards: Vec<&Shard> = guards.iter().map(|g| &**g).collect();
        snapshot::write(&shards, fingerprint, w)
    }

    fn restore<R: std::io::Read>(&self, fingerprint: u64, r: R) -> Result<(), LedgerError> {
        let mut fresh = snapshot::read(r, fingerprint)?;
        let mut guards: Vec<RwLockWriteGuard<'_, Shard>> =
            self.shards.iter().map(|p| p.0.write()).collect();
        for (g, new) in guards.iter_mut().zip(fresh.iter_mut()) {
            std::mem::swap(&mut **g, new);
        }
        drop(guards);
        // The old state is freed here, outside the locks.
        drop(fresh);
        Ok(())
    }
}

impl Storage for MemoryStore {
    type Error = LedgerError;

    fn read<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        f: &mut dyn FnMut(&dyn Entries) -> T,
    ) -> Result<T, LedgerError> {
        let (to, debt) = (kh(to), kh(debt));
        let g = self.read_pair(to, debt);
        Ok(f(&MemEntries {
            rec: g.rec(),
            debt_shard: g.debt(),
            to,
            debt,
        }))
    }

    fn admit<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        step: &mut AdmitStep<'_, T>,
    ) -> Result<T, LedgerError> {
        let (to, debt) = (kh(to), kh(debt));
        let mut g = self.write_pair(to, debt);
        let (out, ticket) = step(&MemEntries {
            rec: g.rec(),
            debt_shard: g.debt(),
            to,
            debt,
        });
        if let Some(t) = ticket {
            let entry = attempt_entry(&t).ok_or(LedgerError::TimeOutOfRange(t.at()))?;
            self.insert_attempt(&mut g, to, debt, entry)?;
        }
        Ok(out)
    }

    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<bool, LedgerError> {
        let Some(want) = attempt_entry(ticket) else {
            return Ok(false);
        };
        let (to, debt) = (kh(ticket.recipient()), kh(ticket.debt()));
        let mut g = self.write_pair(to, debt);
        let a = g
            .rec_mut()
            .recipients
            .get_mut(&to)
            .is_some_and(|s| s.complete(&want, Some(debt), result));
        let b = g
            .debt_mut()
            .debts
            .get_mut(&debt)
            .is_some_and(|s| s.complete(&want, None, result));
        Ok(a || b)
    }

    fn record(
        &self,
        event: &Event,
        to: Option<&KeyHash>,
        debt: Option<&KeyHash>,
    ) -> Result<(), LedgerError> {
        let at = contract::to_ns(event.at()).ok_or(LedgerError::TimeOutOfRange(event.at()))?;
        let (to, debt) = (to.map(kh), debt.map(kh));
        let state = match event {
            Event::Attempt(a) => {
                let (Some(to), Some(debt)) = (to, debt) else {
                    return Ok(());
                };
                let entry = Entry::attempt(
                    at,
                    idx(a.channel),
                    idx(a.role),
                    a.result,
                    place_byte(a.place),
                );
                let mut g = self.write_pair(to, debt);
                return self.insert_attempt(&mut g, to, debt, entry);
            }
            Event::Consent(c) => State::Consent {
                channel: c.channel,
                granted: c.granted,
                kind: c.kind.as_deref().map(Box::from),
            },
            Event::OptOut(o) => State::OptOut {
                channel: o.channel,
                place: o.place,
            },
            Event::Cease(_) => match debt {
                Some(debt) => State::Cease { debt },
                None => return Ok(()),
            },
            Event::Attorney(_) => match (to, debt) {
                (Some(to), Some(debt)) => State::Attorney { to, debt },
                _ => return Ok(()),
            },
            Event::Hold(h) => State::Hold {
                reason: h.reason,
                until: h.until,
            },
            Event::PriorConsentToContact(p) => match debt {
                Some(debt) => State::PriorConsent {
                    debt,
                    until: p.until,
                    granted: p.granted,
                },
                None => return Ok(()),
            },
            Event::RequestContact(_) => State::RequestContact { debt },
            Event::Inconvenient(i) => State::Inconvenient(
                Box::new(Inconvenient {
                    to: String::new(),
                    ..i.clone()
                }),
                crate::engine::view::Read::of(i),
            ),
            Event::Unreachable(_) => State::Unreachable,
        };
        self.insert_state(to, debt, at, state)
    }
}

/// The recipients' table of `to`'s shard of `shards` and the debts'
/// table of `debt`'s shard, both writable, without locking: the caller holds
/// the store alone.
#[expect(
    clippy::indexing_slicing,
    reason = "shard indexes are masked to the number of shards"
)]
fn maps_mut(
    shards: &mut [Padded],
    to: Kh,
    debt: Kh,
) -> (&mut hash::KhMap<store::Slot>, &mut hash::KhMap<store::Slot>) {
    let (r, d) = (to.shard(SHARDS), debt.shard(SHARDS));
    if r == d {
        let s = shards[r].0.get_mut();
        return (&mut s.recipients, &mut s.debts);
    }
    let (lo, hi) = (r.min(d), r.max(d));
    let (below, above) = shards.split_at_mut(hi);
    let (low, high) = (below[lo].0.get_mut(), above[0].0.get_mut());
    if r == lo {
        (&mut low.recipients, &mut high.debts)
    } else {
        (&mut high.recipients, &mut low.debts)
    }
}

const FULL_DEBTS: LedgerError =
    LedgerError::Capacity("65,536 debts with retained attempts for one recipient");

/// Whether the recipient slot `rec` can take an attempt about `debt`.
///
/// # Errors
///
/// [`LedgerError::Capacity`] when it cannot.
fn room_for(rec: &store::Slot, debt: Kh) -> Result<(), LedgerError> {
    if rec.has_room_for_debt(debt) {
        Ok(())
    } else {
        Err(FULL_DEBTS)
    }
}

impl Retention {
    /// Inserts an attempt about `debt` into its recipient's slot `rec` and
    /// its debt's slot `debt_slot`, each list pruned first when full.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Capacity`] when the recipient already has 65,536
    /// debts with retained attempts (see [`room_for`], which callers ask
    /// first, before making the debt's slot); nothing is inserted.
    fn insert(
        &self,
        rec: &mut store::Slot,
        debt_slot: &mut store::Slot,
        debt: Kh,
        entry: Entry,
    ) -> Result<(), LedgerError> {
        let grace = GRACE.as_secs() * 1_000_000_000;
        let cutoff = self.cutoff(entry.at().saturating_sub(grace));
        if rec
            .insert_attempt(entry, debt, cutoff.map(|c| (c, self)))
            .is_none()
        {
            return Err(FULL_DEBTS);
        }
        debt_slot.insert(entry, cutoff.map(|c| (c, self, Side::Debt)));
        Ok(())
    }
}

fn decide_in(
    policy: &Policy,
    ask: &Ask,
    rec: &Shard,
    debt_shard: &Shard,
    to: Kh,
    debt: Kh,
    retry: bool,
) -> Decision {
    let cut = clamp_ns(ask.at);
    // Both sides read the stored entries in place.
    let rec_side = match rec.recipients.get(&to) {
        Some(s) => s.side(Side::Recipient, cut, to, debt),
        None => view::Side::empty(u32::MAX),
    };
    let debt_side = match debt_shard.debts.get(&debt) {
        Some(s) => s.side(Side::Debt, cut, to, debt),
        None => view::Side::empty(0),
    };
    decide_sides(policy.inner(), ask, rec_side, debt_side, retry)
}

#[cfg(test)]
mod tests {
    use super::store::{Slot, INDEX_FROM};
    use super::*;
    use crate::engine::view::{Stored, NO_PLACE};
    use crate::model::{Attempt, Channel, Hold, HoldReason, OptOut, Place, Purpose, Role};
    use crate::policy::bit;
    use std::collections::BTreeMap;

    /// Checks a slot's index against its entries, by the index's
    /// definition: kept exactly for recipients' lists of at least
    /// [`INDEX_FROM`] entries (see `Slot::indexes`); per class
    /// (channel × result), the positions of its attempts, no class empty;
    /// and `covers` true exactly when every attempt passes the role and
    /// place masks and (when one is required) is about the debt.
    fn index_agrees(slot: &Slot, recipient: bool) -> Result<(), String> {
        let entries = &slot.entries;
        // Kept by recipients' lists (with debts) only.
        let keeps = recipient && entries.len() >= INDEX_FROM && !slot.debts().is_empty();
        let Some(ix) = slot.index() else {
            return if keeps {
                Err(format!("{} entries and no index", entries.len()))
            } else {
                Ok(())
            };
        };
        if !keeps {
            return Err(format!("an index for {} entries", entries.len()));
        }
        let atts: Vec<(u32, &Entry)> = (0u32..)
            .zip(entries.iter())
            .filter(|(_, e)| e.is_attempt())
            .collect();
        let mut want: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
        for (p, e) in &atts {
            want.entry((bit(e.channel()), bit(Stored::result(*e))))
                .or_default()
                .push(*p);
        }
        let mut got: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
        for c in &ix.classes.lists {
            if c.pos.is_empty() || got.insert((c.chan, c.res), c.pos.clone()).is_some() {
                return Err(format!("class {:b}/{:b} empty or twice", c.chan, c.res));
            }
        }
        if got != want {
            return Err(format!("classes {got:?}, want {want:?}"));
        }
        let roles = [u32::MAX, 0, bit(Role::Debtor), !bit(Role::Debtor)];
        let places = [u32::MAX, NO_PLACE, bit(Place::Mobile) | NO_PLACE, !NO_PLACE];
        for role in roles {
            for place in places {
                for debt in [None, Some(0), Some(1), Some(2)] {
                    let want = atts.iter().all(|(_, e)| {
                        role & bit(Stored::role(*e)) != 0
                            && place & Stored::place(*e).map_or(NO_PLACE, bit) != 0
                            && debt.is_none_or(|d| e.debt() == d)
                    });
                    if ix.classes.covers(role, place, debt) != want {
                        return Err(format!("covers({role:b}, {place:b}, {debt:?}) != {want}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every slot of an in-memory ledger; how many keep an index.
    fn all_agree(ledger: &Ledger) -> usize {
        let mut indexed = 0;
        for p in ledger.store.shards.iter() {
            let g = p.0.read();
            for (what, map) in [("recipient", &g.recipients), ("debt", &g.debts)] {
                for slot in map.values() {
                    if let Err(e) = index_agrees(slot, what == "recipient") {
                        panic!("a {what}'s index: {e}");
                    }
                    // The state entries' positions, as the entries have them.
                    let want: Vec<usize> = (0..)
                        .zip(&slot.entries)
                        .filter(|(_, e)| e.is_state())
                        .map(|(p, _)| p)
                        .collect();
                    assert_eq!(slot.state_positions(), want, "a {what}'s state positions");
                    indexed += usize::from(slot.index().is_some());
                }
            }
        }
        indexed
    }

    /// A small deterministic generator (xorshift).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
            xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    /// The ledger's per-key index agrees with its entries after attempts
    /// recorded in and out of time order, state events, admissions and
    /// completions (a pending attempt changing class), opportunistic and
    /// explicit pruning (which renumbers a recipient's debts), and a
    /// snapshot restored (the index is not in the stream: it is rebuilt);
    /// and the restored ledger decides as the original.
    #[test]
    fn the_index_agrees_with_the_entries() {
        let policy = Policy::preset("cn+conduct").expect("preset");
        let ledger = Ledger::new(policy.clone());
        let start: Timestamp = "2026-03-02T00:00:00Z".parse().expect("time");
        let tos = ["ann", "bob", "cy"];
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut latest = start;
        let mut asks = Vec::new();
        for i in 0..1500i64 {
            // Twenty days of attempts; one in six up to two hours early.
            let mut at = start + jiff::SignedDuration::from_secs(i * 1150);
            if g.next() % 6 == 0 {
                at -= jiff::SignedDuration::from_secs((g.next() % 7200) as i64);
            }
            latest = latest.max(at);
            let to = g.pick(&tos).to_owned();
            // A debt only in the first days, so that pruning renumbers.
            let debt = if i < 200 && g.next() % 3 == 0 {
                "early".to_owned()
            } else {
                g.pick(&["d1", "d2"]).to_owned()
            };
            let event = match g.next() % 12 {
                0 => Event::OptOut(OptOut {
                    at,
                    to,
                    channel: g.pick(Channel::ALL),
                    place: None,
                }),
                1 => Event::Hold(Hold {
                    at,
                    debt,
                    reason: HoldReason::Dispute,
                    until: Some(at + jiff::SignedDuration::from_hours(1)),
                }),
                2 | 3 => {
                    // Admitted now, completed (or left pending) at once.
                    let ask = Ask {
                        at: latest,
                        channel: g.pick(Channel::ALL),
                        to,
                        role: g.pick(Role::ALL),
                        debt,
                        timezones: vec!["Asia/Shanghai".to_owned()],
                        place: g.pick(&[None, Some(Place::Mobile), Some(Place::Home)]),
                        autodialed: Some(false),
                        purpose: Some(Purpose::Collection),
                        days_past_due: Some(30),
                    };
                    let admitted = ledger.check_and_record(&ask);
                    if let Some(t) = admitted.ticket {
                        let r = g.pick(AttemptResult::ALL);
                        if r != AttemptResult::Pending {
                            ledger.complete(&t, r).expect("complete");
                        }
                    }
                    asks.push(ask);
                    continue;
                }
                _ => Event::Attempt(Attempt {
                    at,
                    channel: g.pick(Channel::ALL),
                    to,
                    role: g.pick(Role::ALL),
                    debt,
                    result: g.pick(AttemptResult::ALL),
                    place: g.pick(&[None, Some(Place::Mobile), Some(Place::Work)]),
                }),
            };
            ledger.record(&event).expect("record");
            if i % 100 == 99 {
                all_agree(&ledger);
            }
        }
        assert!(all_agree(&ledger) > 0, "no list long enough to index");
        let before = ledger.stats().attempts;
        assert!(ledger.prune(latest) > 0 && ledger.stats().attempts < before);
        assert!(all_agree(&ledger) > 0);
        let mut bytes = Vec::new();
        ledger.snapshot(&mut bytes).expect("snapshot");
        let restored = Ledger::new(policy);
        restored.restore(bytes.as_slice()).expect("restore");
        assert!(all_agree(&restored) > 0);
        for mut a in asks.into_iter().rev().take(40) {
            a.at = latest;
            assert_eq!(restored.check(&a), ledger.check(&a));
        }
    }

    #[test]
    fn key_memo_gives_the_keyed_hash_and_stays_bounded() {
        let keys = KeyHasher::from_secret(b"memo");
        let mut memo = KeyMemo::default();
        let calls = std::cell::Cell::new(0);
        let hash = |m: &mut KeyMemo, k: &str| {
            KeyMemo::hash(&mut m.recipients, k, |k| {
                calls.set(calls.get() + 1);
                keys.recipient(k)
            })
        };
        // The same hash as the ledger's, and a key met again is not hashed
        // again.
        for k in ["+8613800000000", "+8613800000000", "+8613800000001"] {
            assert_eq!(hash(&mut memo, k), keys.recipient(k));
        }
        assert_eq!(calls.get(), 2);
        // Never more than MEMO_KEYS keys: the table starts again when full,
        // and still answers right.
        for i in 0..MEMO_KEYS + 10 {
            let k = format!("key-{i}");
            assert_eq!(
                KeyMemo::hash(&mut memo.recipients, &k, |k| keys.recipient(k)),
                keys.recipient(&k)
            );
            assert!(memo.recipients.len() <= MEMO_KEYS);
        }
        // Two keys, then MEMO_KEYS - 2 fill it; the next starts it again
        // and 11 follow.
        assert_eq!(memo.recipients.len(), 12);
        // Its debug form shows no key.
        assert!(!format!("{memo:?}").contains("key-"));
    }
}
