//! One error shape for every front end: an [`ErrorCode`] from one list and
//! a [`Diagnostic`] (code, message, help, file, line, column, field, row).
//!
//! Every error type of the crate ([`PolicyError`](crate::PolicyError),
//! [`LedgerError`](crate::LedgerError), [`RowError`](crate::audit::RowError),
//! [`ReplayError`](crate::audit::ReplayError)) gives its [`Diagnostic`]
//! with one method, `diagnostic()`; the command line, the C ABI (and C++
//! and Java through it) and the Python module map from that shape. The
//! list of codes in `docs/errors.md` is rendered from [`ErrorCode::ALL`]
//! by [`errors_markdown`] (`contactguard errors --markdown`), so it
//! cannot drift from this file.

use std::fmt;
use std::str::FromStr;

/// A front end that can raise a code, for the reference page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrontEnd {
    /// The Rust crates.
    Rust,
    /// The `contactguard` command.
    Cli,
    /// The C ABI and the C++ header over it.
    C,
    /// The Java binding (JNA and JNI over the C ABI).
    Java,
    /// The Python module.
    Python,
}

impl FrontEnd {
    /// Its name on the reference page.
    pub fn as_str(self) -> &'static str {
        match self {
            FrontEnd::Rust => "Rust",
            FrontEnd::Cli => "CLI",
            FrontEnd::C => "C/C++",
            FrontEnd::Java => "Java",
            FrontEnd::Python => "Python",
        }
    }
}

use FrontEnd::{Cli, Java, Python, Rust, C};

/// Every front end that loads policies.
const ALL_FRONTS: &[FrontEnd] = &[Rust, Cli, C, Java, Python];
/// The library calls every binding makes (not the command line).
const LIBRARY: &[FrontEnd] = &[Rust, C, Java, Python];
/// The C ABI and the bindings over it.
const ABI: &[FrontEnd] = &[C, Java];

macro_rules! codes {
    ($(
        $variant:ident = $code:literal, $fronts:expr,
        meaning: $meaning:literal,
        cause: $cause:literal,
        action: $action:literal;
    )+) => {
        /// A stable, machine-readable error code: one list for every front
        /// end. [`ErrorCode::as_str`] gives its dotted spelling
        /// (`policy.syntax`), which never changes once released; new codes
        /// may be added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $code, "`: ", $meaning, " Typically: ", $cause, " What to do: ", $action)]
                $variant,
            )+
        }

        impl ErrorCode {
            /// Every code, in the order of the reference page.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The dotted spelling, e.g. `policy.syntax`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// What the code means.
            pub fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => $meaning),+ }
            }

            /// Its typical cause.
            pub fn cause(self) -> &'static str {
                match self { $(ErrorCode::$variant => $cause),+ }
            }

            /// What to do about it.
            pub fn action(self) -> &'static str {
                match self { $(ErrorCode::$variant => $action),+ }
            }

            /// The front ends that can raise it.
            pub fn front_ends(self) -> &'static [FrontEnd] {
                match self { $(ErrorCode::$variant => $fronts),+ }
            }
        }
    };
}

codes! {
    PolicySyntax = "policy.syntax", ALL_FRONTS,
        meaning: "The policy text is not well-formed TOML or JSON.",
        cause: "a missing quote, bracket or comma; an unclosed string or table.",
        action: "fix the text at the file, line and column given.";
    PolicyInvalid = "policy.invalid", ALL_FRONTS,
        meaning: "The policy is well-formed but a rule or setting is not valid.",
        cause: "an unknown or misspelt key, a string where a number belongs, an unknown channel or result, a limit of 0, a window that ends before it starts.",
        action: "fix the field named (e.g. `rules[3].limit`) as the help says.";
    PolicyFormat = "policy.format", ALL_FRONTS,
        meaning: "The policy declares a `format` this build does not read.",
        cause: "a policy written for another version of contactguard, or a typo in `format`.",
        action: "write the format the help names, or upgrade contactguard.";
    PolicyUnknownPreset = "policy.unknown_preset", ALL_FRONTS,
        meaning: "A preset name (in `--policy`, a preset call or `extends`) is not a bundled preset.",
        cause: "a typo, or a preset from a newer version.",
        action: "use one of the presets the help lists (`contactguard presets`).";
    PolicyExtendsCycle = "policy.extends_cycle", ALL_FRONTS,
        meaning: "`extends` nests deeper than the loader allows.",
        cause: "presets or policies that extend each other in a loop.",
        action: "break the loop in `extends`.";
    PolicyDuplicateId = "policy.duplicate_id", ALL_FRONTS,
        meaning: "Two rules of the composed policy have the same id.",
        cause: "a rule id copied from an extended preset, or the same policy composed twice.",
        action: "give the rule a unique id.";
    PolicyCalendarConflict = "policy.calendar_conflict", ALL_FRONTS,
        meaning: "Two definitions of one holiday calendar disagree, or a listed year disagrees with the statutory rule.",
        cause: "a policy redefining a preset's calendar year with other dates.",
        action: "keep one definition of the calendar, or correct the year's dates.";
    PolicyIo = "policy.io", ALL_FRONTS,
        meaning: "A policy file cannot be read.",
        cause: "the file does not exist, or permissions.",
        action: "check the path given as the file; relative paths start from the current directory.";
    PolicyEncoding = "policy.encoding", ALL_FRONTS,
        meaning: "A policy file is not UTF-8 text.",
        cause: "a file saved in another encoding, or a binary file.",
        action: "save the policy as UTF-8.";
    PolicyFileType = "policy.file_type", ALL_FRONTS,
        meaning: "The policy syntax cannot be told from the file name.",
        cause: "a policy file whose name does not end in `.toml` or `.json`.",
        action: "name the file `*.toml` or `*.json`, or pass its text to the TOML or JSON loader.";
    InputInvalid = "input.invalid", &[Rust, Cli, Python],
        meaning: "A value passed in (an ask, an event, a cell of an audited log, a command-line value) cannot be used.",
        cause: "an unknown channel or role, an unparseable instant or zone, a negative count.",
        action: "fix the value in the field (and row) given; the message lists the accepted values.";
    InputMissing = "input.missing", &[Rust, Cli, Python],
        meaning: "A value that is required is absent.",
        cause: "an ask or log row without `at`, `to`, `channel` or `role`; an event without `type`.",
        action: "supply the field named.";
    InputNaiveDatetime = "input.naive_datetime", &[Python],
        meaning: "A `datetime` has no time zone, so it names no instant.",
        cause: "`datetime.now()` or a naive column instead of an aware one.",
        action: "pass an aware datetime (`datetime.now(timezone.utc)`).";
    InputArrow = "input.arrow", &[Python],
        meaning: "A table passed to the audit cannot be read as Arrow data.",
        cause: "an object that is not a pandas or Arrow table, or an unsupported column type.",
        action: "pass a pandas DataFrame or a pyarrow Table.";
    InputColumnType = "input.column_type", &[Python],
        meaning: "A column of an audited table has a type the audit cannot read.",
        cause: "a numeric column where strings are expected, or a timestamp column without a zone.",
        action: "convert the column named (e.g. to strings or an aware timestamp).";
    AuditOutOfOrder = "audit.out_of_order", &[Rust],
        meaning: "A row of a log replayed in order is earlier than the row before it.",
        cause: "an unsorted log given to a replayer that needs time order.",
        action: "sort the log, or use the replay that sorts (`replay_all`, the CLI and Python audits do).";
    IoRead = "io.read", &[Cli, Python],
        meaning: "A file or standard input cannot be read.",
        cause: "a path that does not exist, permissions, or bytes that are not text in the encoding given.",
        action: "check the file named; for a log, pass `--encoding`.";
    IoWrite = "io.write", &[Cli],
        meaning: "A file or standard output cannot be written.",
        cause: "a full disk, permissions, or a directory in the way.",
        action: "check the path named.";
    JsonSyntax = "json.syntax", &[Cli, C, Java, Python],
        meaning: "JSON input is not well-formed.",
        cause: "a missing comma or quote, truncated input.",
        action: "fix the JSON at the line and column given.";
    JsonInvalid = "json.invalid", &[Cli, C, Java],
        meaning: "JSON input is well-formed but has the wrong shape.",
        cause: "an unknown field or enum value, a string where a number belongs.",
        action: "fix the field named (e.g. `ask.channel`).";
    LedgerIo = "ledger.io", LIBRARY,
        meaning: "Reading or writing a snapshot or journal failed.",
        cause: "a full disk, permissions, a closed stream.",
        action: "fix the storage; nothing was half-written to the ledger.";
    LedgerNotASnapshot = "ledger.not_a_snapshot", LIBRARY,
        meaning: "The bytes given to restore are not a ledger snapshot.",
        cause: "the wrong file, or a file overwritten by something else.",
        action: "restore from a snapshot written by `Ledger::snapshot`.";
    LedgerUnsupportedVersion = "ledger.unsupported_version", LIBRARY,
        meaning: "The snapshot was written in a format version this build cannot read.",
        cause: "a snapshot from a newer contactguard.",
        action: "restore it with the version that wrote it, or a newer one.";
    LedgerKeyMismatch = "ledger.key_mismatch", LIBRARY,
        meaning: "The snapshot was written by a ledger with another hashing key.",
        cause: "a different secret configured in this process.",
        action: "restore with the secret that wrote the snapshot.";
    LedgerTruncated = "ledger.truncated", LIBRARY,
        meaning: "The snapshot ends early.",
        cause: "an interrupted copy or write.",
        action: "restore from an intact snapshot.";
    LedgerChecksum = "ledger.checksum", LIBRARY,
        meaning: "The snapshot's checksum does not match its contents.",
        cause: "a corrupted file or transfer.",
        action: "restore from an intact snapshot.";
    LedgerCorrupt = "ledger.corrupt", LIBRARY,
        meaning: "The snapshot is structurally invalid.",
        cause: "corruption the checksum did not catch, or a hand-made file.",
        action: "restore from an intact snapshot; report it if the file came from contactguard.";
    LedgerTimeOutOfRange = "ledger.time_out_of_range", LIBRARY,
        meaning: "A time the ledger cannot store (outside 1677-09-21 to 2262-04-11).",
        cause: "a default or sentinel date (year 1 or 9999) in the data.",
        action: "pass the real time; nothing was recorded.";
    LedgerCapacity = "ledger.capacity", LIBRARY,
        meaning: "A fixed limit of the ledger would be exceeded; nothing is recorded.",
        cause: "65,536 debts with retained attempts for one recipient, or as many state events for one recipient or debt.",
        action: "check the data for a runaway loop; the ask is denied.";
    LedgerUnknownTicket = "ledger.unknown_ticket", LIBRARY,
        meaning: "No pending attempt matches the ticket.",
        cause: "a ticket completed twice, pruned, or not in a restored snapshot.",
        action: "complete each ticket once; record the attempt as an event if it was lost.";
    LedgerPendingOutcome = "ledger.pending_outcome", LIBRARY,
        meaning: "An attempt was completed with `pending`, which is not an outcome.",
        cause: "passing the placeholder result instead of what happened.",
        action: "complete it with what happened (`no_answer`, `conversation`, ...).";
    LedgerJournaled = "ledger.journaled", LIBRARY,
        meaning: "A journaled ledger was asked to restore a snapshot after it was opened.",
        cause: "calling restore on a ledger opened with a journal.",
        action: "open the ledger from its snapshot and journal instead.";
    LedgerNotJournaled = "ledger.not_journaled", LIBRARY,
        meaning: "A checkpoint was asked of a ledger without a journal.",
        cause: "calling checkpoint on an in-memory ledger.",
        action: "open the ledger with a journal, or write a snapshot.";
    LedgerUnsupported = "ledger.unsupported", LIBRARY,
        meaning: "The ledger has no such operation: a Redis ledger has no snapshot, restore, checkpoint or local statistics, and a library built without Redis support opens no Redis ledger.",
        cause: "calling snapshot, restore or checkpoint on a Redis ledger; a C library built without the `redis` feature.",
        action: "back a Redis ledger up with Redis' own persistence and replication; build with the `redis` feature.";
    LedgerClosed = "ledger.closed", &[Python],
        meaning: "A Redis ledger was used after it was closed.",
        cause: "a call after `close()` or after its `with` block ended.",
        action: "open a new ledger, or keep the call inside the `with` block.";
    RedisUnavailable = "redis.unavailable", LIBRARY,
        meaning: "The Redis ledger could not reach Redis, or Redis failed or was too slow.",
        cause: "a server down or unreachable, a timeout, an authentication failure.",
        action: "check the server and the URL; the ask is denied (fail closed); retry later.";
    RedisContention = "redis.contention", LIBRARY,
        meaning: "The Redis ledger's transaction kept conflicting with other writers until its tries ran out.",
        cause: "many concurrent writers on one recipient or debt.",
        action: "retry; raise the ledger's tries or deadline if it persists.";
    RedisUnknownOutcome = "redis.unknown_outcome", LIBRARY,
        meaning: "A Redis commit failed or its reply was lost: whether it was applied is unknown.",
        cause: "a connection dropped during `EXEC`.",
        action: "treat the attempt as possibly recorded; do not make it without checking again.";
    RedisInvalid = "redis.invalid", LIBRARY,
        meaning: "The Redis ledger cannot store an event, or finds data in Redis it cannot read.",
        cause: "a time outside 1677-2262, or keys written by another version.",
        action: "pass the real time; check which version wrote the keys.";
    RedisConfig = "redis.config", LIBRARY,
        meaning: "The Redis ledger's configuration cannot be used.",
        cause: "a malformed URL, an unreadable or malformed CA or client certificate, TLS files with a `redis://` URL.",
        action: "fix the configuration named in the message.";
    RedisUnsupported = "redis.unsupported", LIBRARY,
        meaning: "The server is not a standalone Redis primary the ledger can use.",
        cause: "a Redis Cluster node or a Sentinel.",
        action: "point the ledger at a standalone primary (see the Redis crate's README).";
    RedisNotReplicated = "redis.not_replicated", LIBRARY,
        meaning: "A write reached the primary but fewer replicas than asked acknowledged it in time.",
        cause: "a replica down or lagging.",
        action: "the ask is denied; check the replicas, or lower the number of acknowledgements asked for.";
    FfiNullArgument = "ffi.null_argument", ABI,
        meaning: "A required pointer argument was NULL.",
        cause: "an uninitialised pointer, or a string slice with a NULL pointer and a length.",
        action: "pass the argument named in the field.";
    FfiInvalidUtf8 = "ffi.invalid_utf8", ABI,
        meaning: "A string passed in is not valid UTF-8.",
        cause: "a string in another encoding.",
        action: "convert the string named to UTF-8.";
    FfiInvalidEnum = "ffi.invalid_enum", ABI,
        meaning: "An enum integer is not one of its named constants.",
        cause: "a value from a newer header, or an uninitialised field.",
        action: "use the header's constants for the field named.";
    FfiInvalidTime = "ffi.invalid_time", ABI,
        meaning: "A time is out of range.",
        cause: "nanoseconds outside 0..1000000000, or an instant outside the supported years.",
        action: "fix the time in the field named.";
    FfiInvalidArgument = "ffi.invalid_argument", ABI,
        meaning: "Another argument is invalid.",
        cause: "an unknown event type, a length that is too large.",
        action: "fix the argument named.";
    FfiIndexOutOfRange = "ffi.index_out_of_range", ABI,
        meaning: "An index is past the end.",
        cause: "a denial or obligation index not below its count.",
        action: "read the count first.";
    FfiBufferTooSmall = "ffi.buffer_too_small", ABI,
        meaning: "The caller's buffer is too small; the size needed was reported.",
        cause: "a first call with a guessed size.",
        action: "call again with a buffer of the reported size.";
    FfiMissingField = "ffi.missing_field", ABI,
        meaning: "A required field was left at 0, its enum's UNSET.",
        cause: "a zero-initialised `cg_ask` or `cg_event` without its `type`, `channel`, `role`, (attempts) `result` or (holds) `reason`.",
        action: "set the field named (e.g. `ask.channel`, `event.type`, `event.result`).";
    FfiJni = "ffi.jni", &[Java],
        meaning: "A JNI call failed in the Java binding.",
        cause: "a JVM out of memory, or a library that does not match the jar.",
        action: "check the JVM and the library version; report it otherwise.";
    InternalPanic = "internal.panic", &[C, Java, Python],
        meaning: "A bug in contactguard was caught at the boundary; the call had no effect that can be relied on.",
        cause: "a defect in contactguard, never in the input.",
        action: "report it with the message; treat the contact as denied.";
    InternalArrow = "internal.arrow", &[Python],
        meaning: "The Python audit could not build its Arrow result.",
        cause: "a defect, or memory exhausted.",
        action: "report it with the message.";
    InternalThreads = "internal.threads", &[Cli, Python],
        meaning: "The audit could not start its worker threads.",
        cause: "a process or memory limit.",
        action: "raise the limit, or audit with fewer threads.";
}

impl ErrorCode {
    /// The code whose dotted spelling is `s`.
    pub fn from_code(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not the spelling of any [`ErrorCode`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown error code `{}`", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl FromStr for ErrorCode {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<ErrorCode, UnknownCode> {
        ErrorCode::from_code(s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// One error, in the shape every front end shows: what (code, message),
/// how to fix it (help) and where (file, line, column, field, row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// A hint on how to fix it.
    pub help: Option<String>,
    /// The file (or `preset:NAME`) the mistake is in, when it came from
    /// one.
    pub file: Option<String>,
    /// 1-based line in that file, when known.
    pub line: Option<u32>,
    /// 1-based column in that line, when known.
    pub column: Option<u32>,
    /// Path of the field at fault, e.g. `rules[3].limit` or `event.result`.
    pub field: Option<String>,
    /// 0-based row of an audited log or table.
    pub row: Option<u64>,
}

impl Diagnostic {
    /// A diagnostic with a code and a message and nothing else.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            help: None,
            file: None,
            line: None,
            column: None,
            field: None,
            row: None,
        }
    }

    /// With a hint.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// With the file it is about.
    #[must_use]
    pub fn with_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    /// With the field at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Diagnostic {
        self.field = Some(field.into());
        self
    }

    /// With the 0-based row.
    #[must_use]
    pub fn with_row(mut self, row: u64) -> Diagnostic {
        self.row = Some(row);
        self
    }

    /// `file:line:col`, `file:line`, `file`, or `None`: where to look.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_deref();
        match (file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => Some(format!("{f}:{l}:{c}")),
            (Some(f), Some(l), None) => Some(format!("{f}:{l}")),
            (Some(f), None, _) => Some(f.to_owned()),
            (None, Some(l), Some(c)) => Some(format!("line {l}, column {c}")),
            (None, Some(l), None) => Some(format!("line {l}")),
            (None, None, _) => None,
        }
    }
}

/// `location: [row N: ][`field`: ]message [code]`, then `  help: ...` on
/// a line of its own when there is help.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = self.location() {
            write!(f, "{loc}: ")?;
        }
        if let Some(row) = self.row {
            write!(f, "row {row}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The reference page of the error codes (`docs/errors.md`): every code
/// with its meaning, typical cause, what to do and the front ends that
/// raise it.
pub fn errors_markdown() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    s.push_str("# Error codes\n\n");
    s.push_str(
        "<!-- Generated by `contactguard errors --markdown` (make docs) from\n\
         crates/contactguard/src/diagnostic.rs; make docs-check fails when it\n\
         is stale. Do not edit by hand. -->\n\n",
    );
    s.push_str(
        "Every front end reports an error in one shape: a stable **code**\n\
         from the list below, a **message**, and when known a **help** hint,\n\
         the **file**, **line** and **column** of the mistake, the **field**\n\
         at fault (`rules[3].limit`, `event.result`) and the 0-based **row**\n\
         of an audited log. In Rust it is `contactguard::Diagnostic` (each\n\
         error type's `diagnostic()`), on the command line the `error:`\n\
         line, in C `cg_error` (`cg_error_code`, `cg_error_message`,\n\
         `cg_error_help`, `cg_error_file`, `cg_error_line`,\n\
         `cg_error_column`, `cg_error_field`, `cg_error_row`), in C++\n\
         `contactguard::Error`, in Java `ContactGuardException`, in Python\n\
         the exception's attributes. Codes are never renamed once released;\n\
         new ones may be added.\n\n",
    );
    let mut family = "";
    for code in ErrorCode::ALL {
        let fam = code.as_str().split('.').next().unwrap_or("");
        if fam != family {
            family = fam;
            let _ = write!(s, "## `{fam}.*`\n\n");
        }
        let fronts: Vec<&str> = code.front_ends().iter().map(|f| f.as_str()).collect();
        let _ = write!(
            s,
            "### `{}`\n\n{}\n\n- Typical cause: {}\n- What to do: {}\n- Raised by: {}\n\n",
            code.as_str(),
            code.meaning(),
            code.cause(),
            code.action(),
            fronts.join(", ")
        );
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_dotted_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} listed twice");
            let (family, name) = s.split_once('.').unwrap_or(("", ""));
            assert!(!family.is_empty() && !name.is_empty(), "{s}");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase()
                    || b == b'.'
                    || b == b'_'
                    || b.is_ascii_digit()),
                "{s}"
            );
            assert_eq!(s.parse::<ErrorCode>(), Ok(code));
            assert!(!code.front_ends().is_empty(), "{s}");
            for text in [code.meaning(), code.cause(), code.action()] {
                assert!(!text.trim().is_empty(), "{s}");
            }
        }
        assert_eq!(
            "ffi.panic".parse::<ErrorCode>(),
            Err(UnknownCode("ffi.panic".into()))
        );
        assert!("".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn display_shows_location_row_field_code_and_help() {
        let mut d = Diagnostic::new(ErrorCode::PolicyInvalid, "limit must be at least 1")
            .with_file("p.toml")
            .with_field("rules[0].limit")
            .with_help("write a positive limit");
        d.line = Some(7);
        d.column = Some(9);
        assert_eq!(
            d.to_string(),
            "p.toml:7:9: `rules[0].limit`: limit must be at least 1 [policy.invalid]\n  help: write a positive limit"
        );
        let r = Diagnostic::new(ErrorCode::InputMissing, "missing `to`").with_row(4);
        assert_eq!(r.to_string(), "row 4: missing `to` [input.missing]");
        assert_eq!(r.location(), None);
    }

    #[test]
    fn the_page_lists_every_code_once() {
        let page = errors_markdown();
        for code in ErrorCode::ALL {
            let heading = format!("### `{}`\n", code.as_str());
            assert_eq!(page.matches(&heading).count(), 1, "{code}");
        }
        assert!(page.ends_with('\n') && !page.ends_with("\n\n"));
    }
}
