//! The one ledger contract, whatever stores the entries.
//!
//! A ledger backend (the in-memory [`MemoryStore`](super::MemoryStore),
//! `contactguard-redis`) implements [`Storage`]: read a recipient's and a debt's entries,
//! append an attempt to both atomically with that read, complete a pending
//! attempt, record an event. Everything else is here, once:
//!
//! - what is admitted and as what: [`check_and_record`] decides the ask
//!   over the entries and appends it as [`AttemptResult::Pending`], which
//!   the engine counts under every cap and cool-down it could fall under
//!   (see the [module documentation](super#what-a-decision-sees));
//! - time order: an ask up to [`MAX_SKEW`] older than the latest attempt
//!   for its recipient or debt is decided as of that attempt, an older one
//!   is denied ([`LEDGER_RULE_ID`]);
//! - the [`Admission`] and the [`Ticket`] that completes it, and what
//!   [`complete`] accepts;
//! - retention: attempts older than the policy's look-back plus [`GRACE`]
//!   before the newest write may be dropped ([`trim_before`]).

use super::KeyedHash;
use super::LedgerError;
use crate::model::{Ask, AttemptResult, Channel, Decision, Denial, Event, Place, Role};
use crate::Policy;
use jiff::{SignedDuration, Timestamp};

/// A recipient's or a debt's 128-bit keyed hash, little-endian (see
/// [`KeyedHash`]); the only form in which a backend sees keys.
pub type KeyHash = [u8; 16];

/// How much older than the latest attempt recorded for its recipient or
/// debt an ask to `check_and_record` may be and still be decided as of that
/// attempt's time (one minute).
pub const MAX_SKEW: SignedDuration = SignedDuration::from_secs(60);

/// How much longer than the policy's look-back a backend keeps attempts
/// (one hour), for workers whose clocks differ slightly.
pub const GRACE: SignedDuration = SignedDuration::from_secs(3_600);

/// Id of the denial given when the ledger cannot record an ask (a time it
/// cannot store, an ask too far behind the latest attempt, a full table).
pub const LEDGER_RULE_ID: &str = "contactguard.ledger";

/// The outcome of `check_and_record`: the decision and, when the ask was
/// allowed and recorded, the ticket that completes the attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an admitted attempt is pending until its ticket is completed"]
pub struct Admission {
    /// The decision, as `check` would have returned it for the ask at
    /// [`at`](Admission::at).
    pub decision: Decision,
    /// The time the ask was decided at (and, when admitted, recorded at):
    /// the ask's own time, or up to [`MAX_SKEW`] later when another worker
    /// already recorded a later attempt for the recipient or debt.
    pub at: Timestamp,
    /// Present when the attempt was admitted and recorded as pending.
    pub ticket: Option<Ticket>,
}

/// Identifies a pending attempt recorded by `check_and_record`, to report
/// its result with `complete`. Holds hashed keys only, and is the whole
/// description of the pending attempt a backend appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    to: KeyHash,
    debt: KeyHash,
    at: Timestamp,
    channel: Channel,
    role: Role,
    place: Option<Place>,
}

impl Ticket {
    /// When the attempt was admitted ([`Admission::at`]).
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The recipient's keyed hash.
    pub fn recipient(&self) -> &KeyHash {
        &self.to
    }

    /// The debt's keyed hash.
    pub fn debt(&self) -> &KeyHash {
        &self.debt
    }

    /// The attempt's channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The role of the person contacted.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The place reached, if the ask named one.
    pub fn place(&self) -> Option<Place> {
        self.place
    }

    /// The ticket of a pending attempt with these fields (for a backend
    /// replaying its own log, or a test).
    pub fn new(
        to: KeyHash,
        debt: KeyHash,
        at: Timestamp,
        channel: Channel,
        role: Role,
        place: Option<Place>,
    ) -> Ticket {
        Ticket {
            to,
            debt,
            at,
            channel,
            role,
            place,
        }
    }
}

/// A recipient's and a debt's entries, as a backend read them for one
/// decision.
pub trait Entries {
    /// The time of the latest attempt recorded for the recipient or the
    /// debt, if any.
    fn latest_attempt(&self) -> Option<Timestamp>;

    /// What [`decide`](crate::decide) returns for `ask` over every event
    /// in the entries at or before `ask.at`, in the order recorded. A
    /// backend that cannot read its entries returns a denial saying why
    /// (fail closed).
    fn decide(&self, policy: &Policy, ask: &Ask) -> Decision;
}

/// One try of an admission (see [`Storage::admit`]): reads the entries,
/// returns its output and the pending attempt to append, if any.
pub type AdmitStep<'a, T> = dyn FnMut(&dyn Entries) -> (T, Option<Ticket>) + 'a;

/// What a ledger backend does: store and order entries, under the keyed
/// hashes of recipients and debts. The contract (what is admitted, as
/// what, in which order) is this module's functions, which call it.
pub trait Storage {
    /// Why the backend failed. It must carry the contract's own errors
    /// ([`LedgerError::UnknownTicket`], [`LedgerError::PendingOutcome`],
    /// [`LedgerError::TimeOutOfRange`]).
    type Error: From<LedgerError> + std::fmt::Display;

    /// Calls `f` with the recipient's and the debt's entries.
    ///
    /// # Errors
    ///
    /// When the entries cannot be read.
    fn read<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        f: &mut dyn FnMut(&dyn Entries) -> T,
    ) -> Result<T, Self::Error>;

    /// Calls `step` with the recipient's and the debt's entries and, when
    /// it returns a ticket, appends that pending attempt to both lists,
    /// atomically with the read: no other write to either list comes in
    /// between (a lock; or an optimistic transaction that calls `step`
    /// again after a conflict). Returns the output of the `step` whose
    /// ticket was appended, or of the last one.
    ///
    /// # Errors
    ///
    /// When the read or the append fails; then nothing was appended, or
    /// (for a backend that cannot tell) possibly the pending attempt, which
    /// only makes later asks stricter.
    fn admit<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        step: &mut AdmitStep<'_, T>,
    ) -> Result<T, Self::Error>;

    /// Replaces the pending attempt `ticket` names with one whose result is
    /// `result` (never `pending`). `Ok(false)` when no pending attempt
    /// matches.
    ///
    /// # Errors
    ///
    /// When the backend fails.
    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<bool, Self::Error>;

    /// Appends `event` (already checked to be storable) to the recipient's
    /// list (`to`) and the debt's (`debt`), each when present: the hashes
    /// of [`Event::recipient`] and [`Event::debt`].
    ///
    /// # Errors
    ///
    /// When the backend fails or is full.
    fn record(
        &self,
        event: &Event,
        to: Option<&KeyHash>,
        debt: Option<&KeyHash>,
    ) -> Result<(), Self::Error>;
}

/// Decides `ask` over the stored entries, without recording it.
///
/// # Errors
///
/// When the backend cannot be read.
pub fn check<S: Storage + ?Sized>(
    store: &S,
    policy: &Policy,
    keys: &KeyedHash,
    ask: &Ask,
) -> Result<Decision, S::Error> {
    let to = keys.recipient(&ask.to);
    let debt = keys.debt(&ask.debt);
    store.read(&to, &debt, &mut |e| e.decide(policy, ask))
}

/// Decides `ask` and, if it is allowed, appends it as a pending attempt, in
/// one atomic step of `store` (see [`Storage::admit`]). The contract of
/// every ledger's `check_and_record`: time order within [`MAX_SKEW`] (an
/// ask older than the latest attempt for its recipient or debt is decided
/// and recorded as of that attempt, one more than [`MAX_SKEW`] older is
/// denied with [`LEDGER_RULE_ID`]), and an ask whose time the ledger cannot
/// store (before 1677 or after 2262) is denied.
///
/// # Errors
///
/// When the backend fails; the caller turns that into a denial.
pub fn check_and_record<S: Storage + ?Sized>(
    store: &S,
    policy: &Policy,
    keys: &KeyedHash,
    ask: &Ask,
) -> Result<Admission, S::Error> {
    if to_ns(ask.at).is_none() {
        return Ok(Admission {
            decision: out_of_range(ask.at),
            at: ask.at,
            ticket: None,
        });
    }
    let to = keys.recipient(&ask.to);
    let debt = keys.debt(&ask.debt);
    store.admit(&to, &debt, &mut |entries| {
        let at = match entries.latest_attempt() {
            Some(l) if l > ask.at => {
                if l.duration_since(ask.at) > MAX_SKEW {
                    let decision = ledger_denial(format!(
                        "an attempt for this recipient or debt is already recorded at {l}, more than a minute after this ask; check_and_record admits in time order (fail closed)",
                    ));
                    let at = ask.at;
                    return (
                        Admission {
                            decision,
                            at,
                            ticket: None,
                        },
                        None,
                    );
                }
                l
            }
            _ => ask.at,
        };
        let moved;
        let ask = if at == ask.at {
            ask
        } else {
            moved = Ask { at, ..ask.clone() };
            &moved
        };
        let decision = entries.decide(policy, ask);
        let ticket = decision.allow.then_some(Ticket {
            to,
            debt,
            at,
            channel: ask.channel,
            role: ask.role,
            place: ask.place,
        });
        (
            Admission {
                decision,
                at,
                ticket: ticket.clone(),
            },
            ticket,
        )
    })
}

/// Sets the result of the pending attempt `ticket` names.
///
/// # Errors
///
/// [`LedgerError::PendingOutcome`] for `pending`,
/// [`LedgerError::UnknownTicket`] when no pending attempt matches (already
/// completed, or dropped), or the backend's error.
pub fn complete<S: Storage + ?Sized>(
    store: &S,
    ticket: &Ticket,
    result: AttemptResult,
) -> Result<(), S::Error> {
    if result == AttemptResult::Pending {
        return Err(LedgerError::PendingOutcome.into());
    }
    if store.complete(ticket, result)? {
        Ok(())
    } else {
        Err(LedgerError::UnknownTicket.into())
    }
}

/// Records an event: an attempt made elsewhere (its outcome known, or
/// `pending`), a consent, an opt-out, a hold, …
///
/// # Errors
///
/// [`LedgerError::TimeOutOfRange`] for a time the ledger cannot store, or
/// the backend's error; nothing is recorded.
pub fn record<S: Storage + ?Sized>(
    store: &S,
    keys: &KeyedHash,
    event: &Event,
) -> Result<(), S::Error> {
    if to_ns(event.at()).is_none() {
        return Err(LedgerError::TimeOutOfRange(event.at()).into());
    }
    let to = event.recipient().map(|t| keys.recipient(t));
    let debt = event.debt().map(|d| keys.debt(d));
    store.record(event, to.as_ref(), debt.as_ref())
}

/// The retention every backend honours: after a write at `at`, attempts
/// before the returned instant (the policy's look-back plus [`GRACE`]
/// earlier) can no longer change a decision and may be dropped, except
/// those a lifetime cap or an out-of-contact mark still reads. `None`
/// when the policy looks back without bound (a lifetime cap): a backend
/// that does not keep the in-memory store's per-rule pins then drops
/// nothing.
pub fn trim_before(policy: &Policy, at: Timestamp) -> Option<Timestamp> {
    let l = policy.lookback_seconds()?;
    at.checked_sub(SignedDuration::from_secs(l).checked_add(GRACE)?)
        .ok()
}

/// How long after its last write a backend may expire a list holding only
/// attempts: the policy's look-back plus [`GRACE`]. `None` for a policy
/// without bound.
pub fn expire_after(policy: &Policy) -> Option<SignedDuration> {
    SignedDuration::from_secs(policy.lookback_seconds()?).checked_add(GRACE)
}

/// Nanoseconds since the epoch, when the instant fits in an `i64`
/// (1677-09-21 to 2262-04-11): the range a ledger stores.
pub(crate) fn to_ns(t: Timestamp) -> Option<i64> {
    i64::try_from(t.as_nanosecond()).ok()
}

pub(crate) fn out_of_range(at: Timestamp) -> Decision {
    ledger_denial(format!(
        "the ask's time `{at}` is outside the range the ledger can record, 1677-09-21 to 2262-04-11 (fail closed)"
    ))
}

/// A denial with id [`LEDGER_RULE_ID`].
pub fn ledger_denial(message: String) -> Decision {
    Decision {
        allow: false,
        denials: vec![Denial {
            id: LEDGER_RULE_ID.into(),
            cite: "contactguard ledger: what it can record; fail closed".into(),
            message: message.into(),
        }],
        retry_at: None,
        obligations: Vec::new(),
    }
}
