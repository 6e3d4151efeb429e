//! How events are stored in the Redis lists.
//!
//! An attempt is 46 bytes: `A`, its time (i64 nanoseconds since the epoch,
//! little-endian), channel, role and result (indexes into the model's
//! `ALL` arrays), a flag byte (bit 0: pending), the place (index, or 255
//! for none), then the recipient's and the debt's 128-bit keyed hashes.
//! A pending attempt has the flag set and reads as
//! [`AttemptResult::Pending`] whatever its result byte (this version writes
//! `pending`'s index there; earlier ones wrote `conversation` or
//! `delivered`, and their entries read the same).
//! Any other event (rare: consents, opt-outs, holds, …) is `S` followed by
//! the event's JSON with its `to` and `debt` replaced by the hex of their
//! keyed hashes. No key is stored in the clear.

use crate::Error;
use contactguard::ledger::Ticket;
use contactguard::{Attempt, AttemptResult, Channel, Event, Place, Role};
use jiff::Timestamp;
use serde_json::Value;

pub(crate) const ATTEMPT_TAG: u8 = b'A';
const STATE_TAG: u8 = b'S';
const LEN: usize = 46;
const NO_PLACE: u8 = 255;
const PENDING: u8 = 1;

pub(crate) fn to_ns(t: Timestamp) -> Option<i64> {
    i64::try_from(t.as_nanosecond()).ok()
}

pub(crate) fn from_ns(ns: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn index<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter()
        .position(|x| x == v)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

#[allow(clippy::too_many_arguments)]
fn attempt_bytes(
    at: i64,
    channel: Channel,
    role: Role,
    result: AttemptResult,
    place: Option<Place>,
    to: &[u8; 16],
    debt: &[u8; 16],
) -> Vec<u8> {
    let mut v = Vec::with_capacity(LEN);
    v.push(ATTEMPT_TAG);
    v.extend_from_slice(&at.to_le_bytes());
    v.push(index(Channel::ALL, &channel));
    v.push(index(Role::ALL, &role));
    v.push(index(AttemptResult::ALL, &result));
    v.push(if result == AttemptResult::Pending {
        PENDING
    } else {
        0
    });
    v.push(place.map_or(NO_PLACE, |p| index(Place::ALL, &p)));
    v.extend_from_slice(to);
    v.extend_from_slice(debt);
    v
}

/// The stored form of the pending attempt `t` names.
pub(crate) fn encode_pending(t: &Ticket) -> Result<Vec<u8>, Error> {
    let at = to_ns(t.at()).ok_or_else(|| {
        Error::Invalid(format!(
            "the attempt's time `{}` is outside the range the ledger can record",
            t.at()
        ))
    })?;
    Ok(attempt_bytes(
        at,
        t.channel(),
        t.role(),
        AttemptResult::Pending,
        t.place(),
        t.recipient(),
        t.debt(),
    ))
}

/// The stored form of `event`, whose recipient and debt hash to `to` and
/// `debt`.
pub(crate) fn encode_event(
    event: &Event,
    to: Option<&[u8; 16]>,
    debt: Option<&[u8; 16]>,
) -> Result<Vec<u8>, Error> {
    let at = to_ns(event.at()).ok_or_else(|| {
        Error::Invalid(format!(
            "the event's time `{}` is outside the range the ledger can record",
            event.at()
        ))
    })?;
    if let (Event::Attempt(a), Some(to), Some(debt)) = (event, to, debt) {
        return Ok(attempt_bytes(
            at, a.channel, a.role, a.result, a.place, to, debt,
        ));
    }
    let mut v = serde_json::to_value(event).map_err(|e| Error::Invalid(e.to_string()))?;
    if let Value::Object(m) = &mut v {
        if let (Some(h), Some(slot)) = (to, m.get_mut("to")) {
            *slot = Value::String(hex(h));
        }
        if let (Some(h), Some(slot)) = (debt, m.get_mut("debt")) {
            if slot.is_string() {
                *slot = Value::String(hex(h));
            }
        }
    }
    let mut out = vec![STATE_TAG];
    serde_json::to_writer(&mut out, &v).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(out)
}

/// The time of a stored attempt; `None` for other entries.
pub(crate) fn attempt_time(e: &[u8]) -> Option<i64> {
    if e.len() != LEN || e.first() != Some(&ATTEMPT_TAG) {
        return None;
    }
    let b: [u8; 8] = e.get(1..9)?.try_into().ok()?;
    Some(i64::from_le_bytes(b))
}

/// A pending attempt's entry with its result set and the pending flag
/// cleared; `None` when `entry` is not an attempt.
pub(crate) fn completed(entry: &[u8], result: AttemptResult) -> Option<Vec<u8>> {
    attempt_time(entry)?;
    let mut v = entry.to_vec();
    *v.get_mut(11)? = index(AttemptResult::ALL, &result);
    *v.get_mut(12)? = 0;
    Some(v)
}

/// The keys of the ask being decided, to name stored events by: an event
/// whose hash matches gets the ask's own key, any other keeps the hex of
/// its hash (a distinct, stable stand-in).
pub(crate) struct Names<'a> {
    pub(crate) to: &'a [u8; 16],
    pub(crate) debt: &'a [u8; 16],
    pub(crate) ask_to: &'a str,
    pub(crate) ask_debt: &'a str,
}

pub(crate) struct Decoded {
    pub(crate) event: Event,
    /// The event names the ask's recipient.
    pub(crate) same_recipient: bool,
}

fn corrupt() -> Error {
    Error::Invalid("an entry in Redis is not one this version wrote (fail closed)".to_owned())
}

fn hash_at(e: &[u8], off: usize) -> Option<[u8; 16]> {
    e.get(off..off + 16)?.try_into().ok()
}

pub(crate) fn decode(e: &[u8], n: &Names<'_>) -> Result<Decoded, Error> {
    match e.first() {
        Some(&ATTEMPT_TAG) => decode_attempt(e, n).ok_or_else(corrupt),
        Some(&STATE_TAG) => {
            let mut v: Value =
                serde_json::from_slice(e.get(1..).unwrap_or_default()).map_err(|_| corrupt())?;
            let mut same_recipient = false;
            if let Value::Object(m) = &mut v {
                if let Some(Value::String(s)) = m.get_mut("to") {
                    if *s == hex(n.to) {
                        *s = n.ask_to.to_owned();
                        same_recipient = true;
                    }
                }
                if let Some(Value::String(s)) = m.get_mut("debt") {
                    if *s == hex(n.debt) {
                        *s = n.ask_debt.to_owned();
                    }
                }
            }
            let event = serde_json::from_value(v).map_err(|_| corrupt())?;
            Ok(Decoded {
                event,
                same_recipient,
            })
        }
        _ => Err(corrupt()),
    }
}

fn decode_attempt(e: &[u8], n: &Names<'_>) -> Option<Decoded> {
    let at = attempt_time(e)?;
    let channel = *Channel::ALL.get(usize::from(*e.get(9)?))?;
    let role = *Role::ALL.get(usize::from(*e.get(10)?))?;
    let result = match *e.get(12)? {
        PENDING => AttemptResult::Pending,
        0 => *AttemptResult::ALL.get(usize::from(*e.get(11)?))?,
        _ => return None,
    };
    let place = match *e.get(13)? {
        NO_PLACE => None,
        p => Some(*Place::ALL.get(usize::from(p))?),
    };
    let to = hash_at(e, 14)?;
    let debt = hash_at(e, 30)?;
    let same_recipient = to == *n.to;
    Some(Decoded {
        event: Event::Attempt(Attempt {
            at: from_ns(at),
            channel,
            to: if same_recipient {
                n.ask_to.to_owned()
            } else {
                hex(&to)
            },
            role,
            debt: if debt == *n.debt {
                n.ask_debt.to_owned()
            } else {
                hex(&debt)
            },
            result,
            place,
        }),
        same_recipient,
    })
}

fn hex(h: &[u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(33);
    s.push('#');
    for b in h {
        for d in [b >> 4, b & 15] {
            s.push(char::from(*DIGITS.get(usize::from(d)).unwrap_or(&b'0')));
        }
    }
    s
}
