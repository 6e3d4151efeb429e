//! The append-only journal decorator ([`Journaled`]).

use super::contract::{AdmitStep, Entries, KeyHash, Storage, Ticket};
use super::LedgerError;
use crate::model::{AttemptResult, Channel, Event, Place, Role};
use parking_lot::Mutex;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

const MAGIC: &[u8; 8] = b"CGJOURNL";
const VERSION: u32 = 1;
const HEADER: u64 = 20;
const ADMISSION: u8 = 1;
const COMPLETION: u8 = 2;
const EVENT: u8 = 3;
const NO_PLACE: u8 = 255;
/// The longest record a journal may hold (an event's JSON is small).
const MAX_RECORD: u32 = 1 << 20;

/// When a journal write is made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fsync {
    /// `sync_data` after every record, before the call returns: survives
    /// a crash of the machine.
    Always,
    /// Written to the operating system before the call returns, never
    /// synced by the ledger: survives a crash of the process, not of the
    /// machine.
    Never,
}

/// What [`Ledger::with_journal`](super::Ledger::with_journal) found in the
/// journal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replayed {
    /// Records replayed.
    pub records: u64,
    /// Bytes of a torn tail that were truncated (0 when the journal ended
    /// cleanly).
    pub truncated: u64,
}

struct Journal {
    file: File,
    fsync: Fsync,
}

/// An append-only journal as a storage decorator: [`Journaled`] wraps a
/// [`Storage`] backend and appends every admission, completion and
/// recorded event to a caller-supplied file before the call returns, so a
/// crash loses no acknowledged write.
///
/// # File format
///
/// ```text
/// header  magic "CGJOURNL" (8 bytes) · version u32 = 1 · key fingerprint u64
/// record  payload length u32 · CRC-32 (IEEE) u32 of the payload · payload
/// payload 1 admission: ticket
///         2 completion: ticket · result u8
///         3 event: recipient flag u8 [· hash 16] · debt flag u8 [· hash 16]
///                  · the event's JSON with its keys blanked
/// ticket  recipient hash 16 · debt hash 16 · at i64 ns · channel u8
///         · role u8 · place u8 (255 for none)
/// ```
///
/// All integers little-endian; enums are indexes into the model's `ALL`
/// lists. The journal holds hashed keys only, like the snapshots.
///
/// # Durability
///
/// Every write takes the journal's lock, is applied to the backend, then
/// appended to the file in one `write` and, with [`Fsync::Always`], made
/// durable with `sync_data` before the call returns: an acknowledged
/// admission survives a crash of the process and of the machine. With
/// [`Fsync::Never`] the record is in the operating system's cache when the
/// call returns: it survives `kill -9` of the process but not a power loss.
/// A write that fails to reach the journal is reported as an error (the
/// ask is denied), never acknowledged. Writes are serialised by the
/// journal (checks stay concurrent).
///
/// # Recovery
///
/// Restore the last snapshot, then replay the journal written since: an
/// admission comes back as a pending attempt whatever its decision would
/// now be (it was acknowledged), a completion completes it, an event is
/// recorded. A torn tail (a record cut short, or the last record's checksum
/// wrong: a write the crash interrupted, never acknowledged) is truncated;
/// a damaged record followed by more records is refused as corrupt.
///
/// Open one with [`Ledger::with_journal`](super::Ledger::with_journal).
pub struct Journaled<S> {
    inner: S,
    journal: Mutex<Journal>,
}

impl<S> std::fmt::Debug for Journaled<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journaled").finish_non_exhaustive()
    }
}

fn corrupt(what: &str) -> LedgerError {
    LedgerError::Corrupt(format!("journal: {what}"))
}

impl<S: Storage> Journaled<S> {
    /// Journals the writes of `inner` (already restored from the last
    /// snapshot) to `file`, after replaying into `inner` whatever `file`
    /// already holds. An empty file gets a header. `fingerprint` ties the
    /// journal to the ledger's key (the ledger passes it).
    ///
    /// # Errors
    ///
    /// [`LedgerError::Io`] when the file cannot be read, truncated or
    /// written; [`LedgerError::NotASnapshot`] for a file that is not a
    /// journal, [`LedgerError::KeyMismatch`] for one written under another
    /// key, [`LedgerError::Corrupt`] for damage before its end; the
    /// backend's errors while replaying.
    pub(crate) fn open(
        inner: S,
        mut file: File,
        fsync: Fsync,
        fingerprint: u64,
    ) -> Result<(Journaled<S>, Replayed), S::Error> {
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(LedgerError::Io)?;
        file.read_to_end(&mut bytes).map_err(LedgerError::Io)?;
        let mut replayed = Replayed::default();
        if bytes.is_empty() {
            let mut header = Vec::with_capacity(HEADER as usize);
            header.extend_from_slice(MAGIC);
            header.extend_from_slice(&VERSION.to_le_bytes());
            header.extend_from_slice(&fingerprint.to_le_bytes());
            file.write_all(&header).map_err(LedgerError::Io)?;
            file.sync_data().map_err(LedgerError::Io)?;
        } else {
            let end = replay(&inner, &bytes, fingerprint, &mut replayed)?;
            let len = bytes.len() as u64;
            if end < len {
                file.set_len(end).map_err(LedgerError::Io)?;
                file.sync_data().map_err(LedgerError::Io)?;
                replayed.truncated = len - end;
            }
        }
        file.seek(SeekFrom::End(0)).map_err(LedgerError::Io)?;
        Ok((
            Journaled {
                inner,
                journal: Mutex::new(Journal { file, fsync }),
            },
            replayed,
        ))
    }

    /// The decorated backend.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Runs `f` with every write held back, then empties the journal when
    /// `f` succeeds: `f` writes (and makes durable) a snapshot of the
    /// backend, which then holds everything the journal did.
    pub(crate) fn checkpoint<T>(
        &self,
        f: impl FnOnce(&S) -> Result<T, S::Error>,
    ) -> Result<T, S::Error> {
        let mut j = self.journal.lock();
        let out = f(&self.inner)?;
        j.file.set_len(HEADER).map_err(LedgerError::Io)?;
        j.file.seek(SeekFrom::End(0)).map_err(LedgerError::Io)?;
        j.file.sync_data().map_err(LedgerError::Io)?;
        Ok(out)
    }
}

impl Journal {
    fn append(&mut self, payload: &[u8]) -> Result<(), LedgerError> {
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|l| *l <= MAX_RECORD)
            .ok_or_else(|| corrupt("a record too long to journal"))?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(payload);
        let mut rec = Vec::with_capacity(payload.len() + 8);
        rec.extend_from_slice(&len.to_le_bytes());
        rec.extend_from_slice(&crc.finalize().to_le_bytes());
        rec.extend_from_slice(payload);
        self.file.write_all(&rec)?;
        if self.fsync == Fsync::Always {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

fn put_ticket(out: &mut Vec<u8>, t: &Ticket) {
    out.extend_from_slice(t.recipient());
    out.extend_from_slice(t.debt());
    let ns = i64::try_from(t.at().as_nanosecond()).unwrap_or(i64::MAX);
    out.extend_from_slice(&ns.to_le_bytes());
    out.push(super::store::idx(t.channel()));
    out.push(super::store::idx(t.role()));
    out.push(t.place().map_or(NO_PLACE, super::store::idx));
}

/// Reads from a record's payload.
struct Cur<'a>(&'a [u8]);

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LedgerError> {
        if self.0.len() < n {
            return Err(corrupt("a record shorter than its fields"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, LedgerError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or_else(|| corrupt("empty"))
    }
    fn hash(&mut self) -> Result<KeyHash, LedgerError> {
        self.take(16)?
            .try_into()
            .map_err(|_| corrupt("a short hash"))
    }
    fn ticket(&mut self) -> Result<Ticket, LedgerError> {
        let to = self.hash()?;
        let debt = self.hash()?;
        let ns: [u8; 8] = self
            .take(8)?
            .try_into()
            .map_err(|_| corrupt("a short time"))?;
        let at = jiff::Timestamp::from_nanosecond(i128::from(i64::from_le_bytes(ns)))
            .map_err(|_| corrupt("a time out of range"))?;
        let channel = *Channel::ALL
            .get(usize::from(self.u8()?))
            .ok_or_else(|| corrupt("an unknown channel"))?;
        let role = *Role::ALL
            .get(usize::from(self.u8()?))
            .ok_or_else(|| corrupt("an unknown role"))?;
        let place = match self.u8()? {
            NO_PLACE => None,
            p => Some(
                *Place::ALL
                    .get(usize::from(p))
                    .ok_or_else(|| corrupt("an unknown place"))?,
            ),
        };
        Ok(Ticket::new(to, debt, at, channel, role, place))
    }
    fn opt_hash(&mut self) -> Result<Option<KeyHash>, LedgerError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.hash().map(Some),
            _ => Err(corrupt("a bad flag")),
        }
    }
}

/// Replays the records of `bytes` into `store`; returns the length of the
/// journal's intact part.
fn replay<S: Storage>(
    store: &S,
    bytes: &[u8],
    fingerprint: u64,
    replayed: &mut Replayed,
) -> Result<u64, S::Error> {
    let header = bytes.get(..HEADER as usize).ok_or(LedgerError::Truncated)?;
    if header.get(..8) != Some(MAGIC.as_slice()) {
        return Err(LedgerError::NotASnapshot.into());
    }
    let version = le32(header.get(8..12));
    if version != VERSION {
        return Err(LedgerError::UnsupportedVersion { found: version }.into());
    }
    let fp = header
        .get(12..20)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes);
    if fp != Some(fingerprint) {
        return Err(LedgerError::KeyMismatch.into());
    }
    let mut at = HEADER as usize;
    loop {
        let Some(head) = bytes.get(at..at + 8) else {
            // Nothing, or a record header cut short: the end.
            return Ok(at as u64);
        };
        let len = le32(head.get(..4));
        let crc = le32(head.get(4..));
        let end = at + 8 + len as usize;
        let Some(payload) = bytes.get(at + 8..end).filter(|_| len <= MAX_RECORD) else {
            // Cut short (or a length no writer wrote, at the tail): torn.
            return Ok(at as u64);
        };
        let mut h = crc32fast::Hasher::new();
        h.update(payload);
        if h.finalize() != crc {
            if end >= bytes.len() {
                return Ok(at as u64);
            }
            return Err(corrupt("a damaged record before the journal's end").into());
        }
        apply(store, payload)?;
        replayed.records += 1;
        at = end;
    }
}

fn le32(b: Option<&[u8]>) -> u32 {
    b.and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(u32::MAX, u32::from_le_bytes)
}

fn apply<S: Storage>(store: &S, payload: &[u8]) -> Result<(), S::Error> {
    let mut c = Cur(payload);
    match c.u8()? {
        ADMISSION => {
            let t = c.ticket()?;
            // Acknowledged: it comes back whatever it would be decided now.
            store.admit(t.recipient(), t.debt(), &mut |_| ((), Some(t.clone())))
        }
        COMPLETION => {
            let t = c.ticket()?;
            let r = *AttemptResult::ALL
                .get(usize::from(c.u8()?))
                .ok_or_else(|| corrupt("an unknown result"))?;
            // Already complete in the snapshot, or never admitted: nothing
            // to do.
            store.complete(&t, r).map(|_| ())
        }
        EVENT => {
            let to = c.opt_hash()?;
            let debt = c.opt_hash()?;
            let event: Event =
                serde_json::from_slice(c.0).map_err(|_| corrupt("an event that does not parse"))?;
            store.record(&event, to.as_ref(), debt.as_ref())
        }
        _ => Err(corrupt("an unknown record").into()),
    }
}

/// The event with its recipient and debt keys blanked (the journal holds
/// their hashes).
fn blanked(event: &Event) -> Event {
    let mut e = event.clone();
    match &mut e {
        Event::Attempt(a) => {
            a.to.clear();
            a.debt.clear();
        }
        Event::Consent(x) => x.to.clear(),
        Event::OptOut(x) => x.to.clear(),
        Event::Cease(x) => {
            x.to.clear();
            x.debt.clear();
        }
        Event::Attorney(x) => {
            x.to.clear();
            x.debt.clear();
        }
        Event::Hold(x) => x.debt.clear(),
        Event::PriorConsentToContact(x) => {
            x.to.clear();
            x.debt.clear();
        }
        Event::RequestContact(x) => {
            x.to.clear();
            if let Some(d) = &mut x.debt {
                d.clear();
            }
        }
        Event::Inconvenient(x) => x.to.clear(),
        Event::Unreachable(x) => {
            x.to.clear();
            x.debt.clear();
        }
    }
    e
}

impl<S: Storage> Storage for Journaled<S> {
    type Error = S::Error;

    fn read<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        f: &mut dyn FnMut(&dyn Entries) -> T,
    ) -> Result<T, S::Error> {
        self.inner.read(to, debt, f)
    }

    fn admit<T>(
        &self,
        to: &KeyHash,
        debt: &KeyHash,
        step: &mut AdmitStep<'_, T>,
    ) -> Result<T, S::Error> {
        let mut j = self.journal.lock();
        let mut appended = None;
        let out = self.inner.admit(to, debt, &mut |e| {
            let (out, t) = step(e);
            appended.clone_from(&t);
            (out, t)
        })?;
        if let Some(t) = appended {
            let mut p = vec![ADMISSION];
            put_ticket(&mut p, &t);
            j.append(&p)?;
        }
        Ok(out)
    }

    fn complete(&self, ticket: &Ticket, result: AttemptResult) -> Result<bool, S::Error> {
        let mut j = self.journal.lock();
        let done = self.inner.complete(ticket, result)?;
        if done {
            let mut p = vec![COMPLETION];
            put_ticket(&mut p, ticket);
            p.push(super::store::idx(result));
            j.append(&p)?;
        }
        Ok(done)
    }

    fn record(
        &self,
        event: &Event,
        to: Option<&KeyHash>,
        debt: Option<&KeyHash>,
    ) -> Result<(), S::Error> {
        let mut p = vec![EVENT];
        for h in [to, debt] {
            match h {
                Some(h) => {
                    p.push(1);
                    p.extend_from_slice(h);
                }
                None => p.push(0),
            }
        }
        serde_json::to_writer(&mut p, &blanked(event))
            .map_err(|e| corrupt(&format!("an event that does not serialise: {e}")))?;
        let mut j = self.journal.lock();
        self.inner.record(event, to, debt)?;
        j.append(&p)?;
        Ok(())
    }
}
