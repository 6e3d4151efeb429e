//! The snapshot stream, version 1. All integers little-endian.
//!
//! ```text
//! header   magic "CGLEDGER" (8 bytes) · version u32 = 1 · key fingerprint u64
//!          · record count u64
//! record   tag u8 (1 recipient, 2 debt) · key hash 16 bytes
//!          · [recipient] debt count u32, debt key hashes (16 bytes each)
//!          · state count u32, states · entry count u32, entries (12 bytes each:
//!            at i64 ns, reference u16, packed channel/role/result/pending/place u16)
//! trailer  CRC-32 (IEEE) u32 of every byte before it
//! ```
//!
//! A state is a tag byte and its fields; optional values are a presence
//! byte followed by the value; times are seconds i64 and nanoseconds i32;
//! strings are a length u32 and UTF-8 bytes. Records come shard by shard,
//! recipients then debts, each sorted by key hash, so that equal ledgers
//! give equal bytes.

use super::crc::{CrcReader, CrcWriter};
use super::error::LedgerError;
use super::hash::Kh;
use super::store::{channel_of, idx, place_of, Entry, Shard, Slot, State};
use super::SHARDS;
use crate::model::{HoldReason, Inconvenient};
use jiff::Timestamp;
use std::io::{BufReader, BufWriter, Read, Write};

pub(crate) const MAGIC: &[u8; 8] = b"CGLEDGER";
pub(crate) const VERSION: u32 = 1;

const TAG_RECIPIENT: u8 = 1;
const TAG_DEBT: u8 = 2;
/// The byte for an absent place or channel in a state event.
const NONE: u8 = 0xFF;
/// Longest string a snapshot may hold (a consent kind, a time of day).
const MAX_STR: u32 = 1 << 20;

// ---------------------------------------------------------------------------
// Writing

struct Out<W: Write> {
    w: CrcWriter<BufWriter<W>>,
}

impl<W: Write> Out<W> {
    fn bytes(&mut self, b: &[u8]) -> Result<(), LedgerError> {
        self.w.write_all(b).map_err(LedgerError::Io)
    }
    fn u8(&mut self, v: u8) -> Result<(), LedgerError> {
        self.bytes(&[v])
    }
    fn u32(&mut self, v: u32) -> Result<(), LedgerError> {
        self.bytes(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) -> Result<(), LedgerError> {
        self.bytes(&v.to_le_bytes())
    }
    fn len(&mut self, n: usize) -> Result<(), LedgerError> {
        let n = u32::try_from(n).map_err(|_| {
            LedgerError::Corrupt(format!("a list of {n} items is too long to write"))
        })?;
        self.u32(n)
    }
    fn kh(&mut self, k: Kh) -> Result<(), LedgerError> {
        self.u64(k.0)?;
        self.u64(k.1)
    }
    fn ts(&mut self, t: Timestamp) -> Result<(), LedgerError> {
        self.bytes(&t.as_second().to_le_bytes())?;
        self.bytes(&t.subsec_nanosecond().to_le_bytes())
    }
    fn opt_ts(&mut self, t: Option<Timestamp>) -> Result<(), LedgerError> {
        match t {
            None => self.u8(0),
            Some(t) => {
                self.u8(1)?;
                self.ts(t)
            }
        }
    }
    fn str(&mut self, s: &str) -> Result<(), LedgerError> {
        self.len(s.len())?;
        self.bytes(s.as_bytes())
    }
    fn opt_str(&mut self, s: Option<&str>) -> Result<(), LedgerError> {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1)?;
                self.str(s)
            }
        }
    }

    fn state(&mut self, s: &State) -> Result<(), LedgerError> {
        match s {
            State::Consent {
                channel,
                granted,
                kind,
            } => {
                self.u8(0)?;
                self.u8(idx(*channel))?;
                self.u8(u8::from(*granted))?;
                self.opt_str(kind.as_deref())
            }
            State::OptOut { channel, place } => {
                self.u8(1)?;
                self.u8(idx(*channel))?;
                self.u8(place.map_or(NONE, idx))
            }
            State::Cease { debt } => {
                self.u8(2)?;
                self.kh(*debt)
            }
            State::Attorney { to, debt } => {
                self.u8(3)?;
                self.kh(*to)?;
                self.kh(*debt)
            }
            State::Hold { reason, until } => {
                self.u8(4)?;
                self.u8(hold_byte(*reason))?;
                self.opt_ts(*until)
            }
            State::PriorConsent {
                debt,
                until,
                granted,
            } => {
                self.u8(5)?;
                self.kh(*debt)?;
                self.opt_ts(*until)?;
                self.u8(u8::from(*granted))
            }
            State::RequestContact { debt } => {
                self.u8(6)?;
                match debt {
                    None => self.u8(0),
                    Some(d) => {
                        self.u8(1)?;
                        self.kh(*d)
                    }
                }
            }
            State::Inconvenient(i, _) => {
                self.u8(7)?;
                self.ts(i.at)?;
                self.opt_str(i.start.as_deref())?;
                self.opt_str(i.end.as_deref())?;
                self.len(i.weekdays.len())?;
                for w in &i.weekdays {
                    self.str(w)?;
                }
                self.u8(i.place.map_or(NONE, idx))?;
                self.u8(i.channel.map_or(NONE, idx))?;
                self.opt_ts(i.until)
            }
            State::Unreachable => self.u8(8),
        }
    }

    fn slot(&mut self, tag: u8, key: Kh, s: &Slot) -> Result<(), LedgerError> {
        self.u8(tag)?;
        self.kh(key)?;
        if tag == TAG_RECIPIENT {
            self.len(s.debts().len())?;
            for d in s.debts() {
                self.kh(*d)?;
            }
        }
        self.len(s.states().len())?;
        for st in s.states() {
            self.state(st)?;
        }
        self.len(s.entries.len())?;
        for e in &s.entries {
            let mut b = [0u8; 12];
            let (at, rest) = b.split_at_mut(8);
            at.copy_from_slice(&e.at().to_le_bytes());
            let (other, bits) = rest.split_at_mut(2);
            other.copy_from_slice(&e.other.to_le_bytes());
            bits.copy_from_slice(&e.bits().to_le_bytes());
            self.bytes(&b)?;
        }
        Ok(())
    }
}

fn hold_byte(r: HoldReason) -> u8 {
    HoldReason::ALL.iter().position(|x| *x == r).unwrap_or(0) as u8
}

/// Writes `shards` (already locked) to `w`; returns the bytes written.
pub(crate) fn write<W: Write>(
    shards: &[&Shard],
    fingerprint: u64,
    w: W,
) -> Result<u64, LedgerError> {
    let mut out = Out {
        w: CrcWriter::new(BufWriter::with_capacity(64 * 1024, w)),
    };
    let count: usize = shards
        .iter()
        .map(|s| s.recipients.len() + s.debts.len())
        .sum();
    out.bytes(MAGIC)?;
    out.u32(VERSION)?;
    out.u64(fingerprint)?;
    out.u64(count as u64)?;
    for s in shards {
        for (tag, map) in [(TAG_RECIPIENT, &s.recipients), (TAG_DEBT, &s.debts)] {
            let mut keys: Vec<(&Kh, &Slot)> = map.iter().collect();
            keys.sort_unstable_by_key(|(k, _)| **k);
            for (k, slot) in keys {
                out.slot(tag, *k, slot)?;
            }
        }
    }
    let crc = out.w.crc.value();
    let mut inner = out.w.inner;
    inner
        .write_all(&crc.to_le_bytes())
        .map_err(LedgerError::Io)?;
    inner.flush().map_err(LedgerError::Io)?;
    Ok(out.w.written + 4)
}

// ---------------------------------------------------------------------------
// Reading

struct In<R: Read> {
    r: CrcReader<BufReader<R>>,
}

fn corrupt(what: impl Into<String>) -> LedgerError {
    LedgerError::Corrupt(what.into())
}

impl<R: Read> In<R> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], LedgerError> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b)?;
        Ok(b)
    }
    fn u8(&mut self) -> Result<u8, LedgerError> {
        Ok(u8::from_le_bytes(self.bytes::<1>()?))
    }
    fn u32(&mut self) -> Result<u32, LedgerError> {
        Ok(u32::from_le_bytes(self.bytes::<4>()?))
    }
    fn u64(&mut self) -> Result<u64, LedgerError> {
        Ok(u64::from_le_bytes(self.bytes::<8>()?))
    }
    fn bool(&mut self) -> Result<bool, LedgerError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(corrupt(format!("invalid flag byte {b}"))),
        }
    }
    fn kh(&mut self) -> Result<Kh, LedgerError> {
        Ok(Kh(self.u64()?, self.u64()?))
    }
    fn ts(&mut self) -> Result<Timestamp, LedgerError> {
        let s = i64::from_le_bytes(self.bytes::<8>()?);
        let n = i32::from_le_bytes(self.bytes::<4>()?);
        Timestamp::new(s, n).map_err(|_| corrupt(format!("invalid time {s}s {n}ns")))
    }
    fn opt_ts(&mut self) -> Result<Option<Timestamp>, LedgerError> {
        Ok(if self.bool()? { Some(self.ts()?) } else { None })
    }
    fn str(&mut self) -> Result<String, LedgerError> {
        let n = self.u32()?;
        if n > MAX_STR {
            return Err(corrupt(format!("a string of {n} bytes")));
        }
        let mut v = vec![0u8; n as usize];
        self.r.read_exact(&mut v)?;
        String::from_utf8(v).map_err(|_| corrupt("a string is not valid UTF-8"))
    }
    fn opt_str(&mut self) -> Result<Option<String>, LedgerError> {
        Ok(if self.bool()? {
            Some(self.str()?)
        } else {
            None
        })
    }
    fn channel(&mut self) -> Result<crate::model::Channel, LedgerError> {
        let b = self.u8()?;
        channel_of(b).ok_or_else(|| corrupt(format!("invalid channel {b}")))
    }
    fn place(&mut self) -> Result<Option<crate::model::Place>, LedgerError> {
        match self.u8()? {
            NONE => Ok(None),
            b => place_of(b)
                .map(Some)
                .ok_or_else(|| corrupt(format!("invalid place {b}"))),
        }
    }

    fn state(&mut self) -> Result<State, LedgerError> {
        Ok(match self.u8()? {
            0 => State::Consent {
                channel: self.channel()?,
                granted: self.bool()?,
                kind: self.opt_str()?.map(String::into_boxed_str),
            },
            1 => State::OptOut {
                channel: self.channel()?,
                place: self.place()?,
            },
            2 => State::Cease { debt: self.kh()? },
            3 => State::Attorney {
                to: self.kh()?,
                debt: self.kh()?,
            },
            4 => {
                let b = self.u8()?;
                let reason = HoldReason::ALL
                    .get(usize::from(b))
                    .copied()
                    .ok_or_else(|| corrupt(format!("invalid hold reason {b}")))?;
                State::Hold {
                    reason,
                    until: self.opt_ts()?,
                }
            }
            5 => State::PriorConsent {
                debt: self.kh()?,
                until: self.opt_ts()?,
                granted: self.bool()?,
            },
            6 => State::RequestContact {
                debt: if self.bool()? { Some(self.kh()?) } else { None },
            },
            7 => {
                let at = self.ts()?;
                let start = self.opt_str()?;
                let end = self.opt_str()?;
                let n = self.u32()?;
                let mut weekdays = Vec::with_capacity((n as usize).min(16));
                for _ in 0..n {
                    weekdays.push(self.str()?);
                }
                let place = self.place()?;
                let channel = match self.u8()? {
                    NONE => None,
                    b => {
                        Some(channel_of(b).ok_or_else(|| corrupt(format!("invalid channel {b}")))?)
                    }
                };
                let i = Inconvenient {
                    at,
                    to: String::new(),
                    start,
                    end,
                    weekdays,
                    place,
                    channel,
                    until: self.opt_ts()?,
                };
                // Read again from the statement, as when it was recorded.
                let read = crate::engine::view::Read::of(&i);
                State::Inconvenient(Box::new(i), read)
            }
            8 => State::Unreachable,
            t => return Err(corrupt(format!("unknown state event tag {t}"))),
        })
    }

    fn slot(&mut self, recipient: bool) -> Result<Slot, LedgerError> {
        let mut slot = Slot::default();
        if recipient {
            let n = self.u32()?;
            let mut debts = Vec::with_capacity((n as usize).min(1024));
            for _ in 0..n {
                debts.push(self.kh()?);
            }
            slot.set_debts(debts);
        }
        let n = self.u32()?;
        for _ in 0..n {
            let s = self.state()?;
            slot.push_state(s);
        }
        let n = self.u32()?;
        slot.entries.reserve((n as usize).min(64 * 1024));
        let mut prev = i64::MIN;
        for _ in 0..n {
            let [a0, a1, a2, a3, a4, a5, a6, a7, o0, o1, b0, b1] = self.bytes::<12>()?;
            let e = Entry::raw(
                i64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
                u16::from_le_bytes([o0, o1]),
                u16::from_le_bytes([b0, b1]),
            );
            if e.at() < prev {
                return Err(corrupt("events out of time order"));
            }
            prev = e.at();
            validate(&e, &slot, recipient)?;
            slot.entries.push(e);
        }
        // The index is not in the stream: rebuilt from the entries.
        slot.reindex();
        Ok(slot)
    }
}

fn validate(e: &Entry, slot: &Slot, recipient: bool) -> Result<(), LedgerError> {
    let refers = usize::from(e.other);
    let ok = e.is_valid()
        && if e.is_state() {
            refers < slot.states().len()
        } else if recipient {
            refers < slot.debts().len()
        } else {
            e.other == 0
        };
    if ok {
        Ok(())
    } else {
        Err(corrupt(format!(
            "invalid event record (bits {:#06x}, reference {})",
            e.bits(),
            e.other
        )))
    }
}

/// Reads a whole snapshot into fresh shards, verifying it.
pub(crate) fn read<R: Read>(r: R, fingerprint: u64) -> Result<Vec<Shard>, LedgerError> {
    let mut inp = In {
        r: CrcReader::new(BufReader::with_capacity(64 * 1024, r)),
    };
    let magic = inp.bytes::<8>()?;
    if &magic != MAGIC {
        return Err(LedgerError::NotASnapshot);
    }
    let version = inp.u32()?;
    if version != VERSION {
        return Err(LedgerError::UnsupportedVersion { found: version });
    }
    let stored_fp = inp.u64()?;
    let count = inp.u64()?;
    let mut shards: Vec<Shard> = (0..SHARDS).map(|_| Shard::default()).collect();
    for _ in 0..count {
        let tag = inp.u8()?;
        let recipient = match tag {
            TAG_RECIPIENT => true,
            TAG_DEBT => false,
            t => return Err(corrupt(format!("unknown record tag {t}"))),
        };
        let key = inp.kh()?;
        let slot = inp.slot(recipient)?;
        let Some(shard) = shards.get_mut(key.shard(SHARDS)) else {
            return Err(corrupt("shard index out of range"));
        };
        let map = if recipient {
            &mut shard.recipients
        } else {
            &mut shard.debts
        };
        if map.insert(key, slot).is_some() {
            return Err(corrupt("a key appears twice"));
        }
    }
    let computed = inp.r.crc.value();
    let mut trailer = [0u8; 4];
    inp.r.inner.read_exact(&mut trailer)?;
    let stored = u32::from_le_bytes(trailer);
    if stored != computed {
        return Err(LedgerError::ChecksumMismatch { stored, computed });
    }
    // Checked after the checksum, so a damaged fingerprint reads as damage.
    if stored_fp != fingerprint {
        return Err(LedgerError::KeyMismatch);
    }
    Ok(shards)
}
