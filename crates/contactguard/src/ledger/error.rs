//! The ledger's error type.

use crate::diagnostic::{Diagnostic, ErrorCode};
use jiff::Timestamp;
use std::fmt;

/// Why a ledger operation failed.
///
/// Messages are lowercase sentences without a trailing period; [`code`]
/// gives a stable identifier for bindings.
///
/// [`code`]: LedgerError::code
#[derive(Debug)]
#[non_exhaustive]
pub enum LedgerError {
    /// Reading or writing the snapshot stream failed.
    Io(std::io::Error),
    /// The stream does not start with the snapshot magic bytes.
    NotASnapshot,
    /// The snapshot was written in a format version this build cannot read.
    UnsupportedVersion {
        /// The version the stream declares.
        found: u32,
    },
    /// The snapshot was written by a ledger with another hashing key.
    KeyMismatch,
    /// The stream ended before the snapshot did.
    Truncated,
    /// The snapshot's checksum does not match its contents.
    ChecksumMismatch {
        /// The checksum stored in the stream.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// The snapshot is structurally invalid (an impossible value or order).
    Corrupt(String),
    /// A time the ledger cannot store: it keeps nanoseconds in 64 bits,
    /// from 1677-09-21 to 2262-04-11.
    TimeOutOfRange(Timestamp),
    /// The ledger's fixed limits would be exceeded (65,536 debts with
    /// retained attempts for one recipient, or 65,536 state events for one
    /// recipient or debt); nothing is recorded.
    Capacity(&'static str),
    /// No pending attempt matches the ticket: it was already completed, or
    /// pruned, or the ledger was restored from a snapshot without it.
    UnknownTicket,
    /// `complete` was given `pending` as the outcome: an attempt is
    /// completed with what happened.
    PendingOutcome,
    /// A journaled ledger is restored from its snapshot and journal when
    /// it is opened, not from a snapshot afterwards.
    Journaled,
    /// A checkpoint was asked of a ledger without a journal.
    NotJournaled,
}

impl LedgerError {
    /// A stable identifier: `ledger.io`, `ledger.not_a_snapshot`,
    /// `ledger.unsupported_version`, `ledger.key_mismatch`,
    /// `ledger.truncated`, `ledger.checksum`, `ledger.corrupt`,
    /// `ledger.time_out_of_range`, `ledger.capacity`,
    /// `ledger.unknown_ticket`, `ledger.pending_outcome`, `ledger.journaled`,
    /// `ledger.not_journaled`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code as an [`ErrorCode`].
    pub fn error_code(&self) -> ErrorCode {
        match self {
            LedgerError::Io(_) => ErrorCode::LedgerIo,
            LedgerError::NotASnapshot => ErrorCode::LedgerNotASnapshot,
            LedgerError::UnsupportedVersion { .. } => ErrorCode::LedgerUnsupportedVersion,
            LedgerError::KeyMismatch => ErrorCode::LedgerKeyMismatch,
            LedgerError::Truncated => ErrorCode::LedgerTruncated,
            LedgerError::ChecksumMismatch { .. } => ErrorCode::LedgerChecksum,
            LedgerError::Corrupt(_) => ErrorCode::LedgerCorrupt,
            LedgerError::TimeOutOfRange(_) => ErrorCode::LedgerTimeOutOfRange,
            LedgerError::Capacity(_) => ErrorCode::LedgerCapacity,
            LedgerError::UnknownTicket => ErrorCode::LedgerUnknownTicket,
            LedgerError::PendingOutcome => ErrorCode::LedgerPendingOutcome,
            LedgerError::Journaled => ErrorCode::LedgerJournaled,
            LedgerError::NotJournaled => ErrorCode::LedgerNotJournaled,
        }
    }

    /// The error in the shape every front end shows (code and message).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::new(self.error_code(), self.to_string())
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Io(e) => write!(f, "snapshot i/o failed: {e}"),
            LedgerError::NotASnapshot => {
                f.write_str("not a contactguard ledger snapshot (bad magic bytes)")
            }
            LedgerError::UnsupportedVersion { found } => write!(
                f,
                "unsupported snapshot version {found} (this build reads version {})",
                super::snapshot::VERSION
            ),
            LedgerError::KeyMismatch => f.write_str(
                "the snapshot was written by a ledger with a different key; restore it with the same secret",
            ),
            LedgerError::Truncated => f.write_str("the snapshot is truncated"),
            LedgerError::ChecksumMismatch { stored, computed } => write!(
                f,
                "the snapshot is corrupt: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            LedgerError::Corrupt(what) => write!(f, "the snapshot is corrupt: {what}"),
            LedgerError::TimeOutOfRange(t) => write!(
                f,
                "time `{t}` is outside the range the ledger stores (1677-09-21 to 2262-04-11)"
            ),
            LedgerError::Capacity(what) => {
                write!(f, "the ledger is full: {what} is the most it stores")
            }
            LedgerError::UnknownTicket => f.write_str(
                "no pending attempt matches this ticket (already completed, pruned, or not in a restored snapshot)",
            ),
            LedgerError::PendingOutcome => f.write_str(
                "`pending` is not an outcome: complete an attempt with what happened (`no_answer`, `conversation`, ...)",
            ),
            LedgerError::Journaled => f.write_str(
                "a journaled ledger is restored from its snapshot and journal when it is opened",
            ),
            LedgerError::NotJournaled => f.write_str("this ledger has no journal to checkpoint"),
        }
    }
}

impl std::error::Error for LedgerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LedgerError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for LedgerError {
    fn from(e: std::io::Error) -> LedgerError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            LedgerError::Truncated
        } else {
            LedgerError::Io(e)
        }
    }
}
