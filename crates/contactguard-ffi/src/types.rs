//! Plain C structs for asks and events, named enum constants, and their
//! conversion into contactguard's model.

use crate::boundary::{slice_arg, text_arg, value_guard};
use crate::error::{cg_error, cg_result};
use contactguard::bytes::same_bytes;
use contactguard::{
    Ask, Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Event, Hold, HoldReason,
    Inconvenient, OptOut, Place, PriorConsentToContact, Purpose, RequestContact, Role, Unreachable,
};
use jiff::Timestamp;
use std::os::raw::c_char;

/// A UTF-8 string slice: a pointer and a length in bytes, not
/// NUL-terminated. `ptr` may be NULL only when `len` is 0.
///
/// Strings passed in are read during the call only; strings returned are
/// borrowed from the handle that returned them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cg_str {
    /// The first byte, or NULL for the empty string.
    pub ptr: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

impl cg_str {
    pub(crate) const EMPTY: cg_str = cg_str {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// Borrows a Rust string.
    pub(crate) fn of(s: &str) -> cg_str {
        cg_str {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// Reads it as UTF-8.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or valid for reads of `len` bytes for `'a`.
    pub(crate) unsafe fn read<'a>(&self, name: &str) -> Result<&'a str, cg_error> {
        // SAFETY: forwarded from the caller.
        unsafe { text_arg(self.ptr, self.len, name) }
    }
}

/// An instant: seconds since the Unix epoch (1970-01-01T00:00:00Z, negative
/// before it) plus nanoseconds in `0..1000000000`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct cg_timestamp {
    /// Whole seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds within the second, `0..1000000000`.
    pub nanos: i32,
}

impl cg_timestamp {
    pub(crate) fn to_core(self, name: &str) -> Result<Timestamp, cg_error> {
        if !(0..1_000_000_000).contains(&self.nanos) {
            return Err(cg_error::new(
                cg_result::InvalidTime,
                format!("`{name}` nanos {} is outside 0..1000000000", self.nanos),
            )
            .with_field(name));
        }
        Timestamp::new(self.seconds, self.nanos).map_err(|e| {
            cg_error::new(
                cg_result::InvalidTime,
                format!("`{name}` is out of range: {e}"),
            )
            .with_field(name)
        })
    }

    pub(crate) fn of(t: Timestamp) -> cg_timestamp {
        // A timestamp's nanosecond part has the sign of its seconds; C sees
        // a non-negative part.
        let (mut seconds, mut nanos) = (t.as_second(), t.subsec_nanosecond());
        if nanos < 0 {
            seconds -= 1;
            nanos += 1_000_000_000;
        }
        cg_timestamp { seconds, nanos }
    }
}

/// The medium of a contact (`cg_ask.channel`, `cg_event.channel`). 0 is
/// `CG_CHANNEL_UNSET`: a field left zero is "not given", never a call.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_channel {
    /// Not given: a zero-initialised field. Where a channel is required
    /// (`cg_ask`, attempts, consents, opt-outs) it is
    /// `CG_RESULT_MISSING_FIELD`; for an inconvenient event, no channel.
    Unset = 0,
    /// `call`
    Call = 1,
    /// `sms`
    Sms = 2,
    /// `email`
    Email = 3,
    /// `letter`
    Letter = 4,
    /// `visit`
    Visit = 5,
    /// `push`
    Push = 6,
    /// `voicemail_drop`
    VoicemailDrop = 7,
}

/// The role of the person contacted, relative to the debt. 0 is
/// `CG_ROLE_UNSET`: a field left zero is an error, never the debtor.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_role {
    /// Not given: a zero-initialised field. Required (`cg_ask`, attempts):
    /// `CG_RESULT_MISSING_FIELD`, never read as the debtor.
    Unset = 0,
    /// `debtor`
    Debtor = 1,
    /// `co_debtor`
    CoDebtor = 2,
    /// `guarantor`
    Guarantor = 3,
    /// `spouse`
    Spouse = 4,
    /// `estate_representative`
    EstateRepresentative = 5,
    /// `attorney` (the debtor's)
    Attorney = 6,
    /// `emergency_contact`
    EmergencyContact = 7,
    /// `reference`
    Reference = 8,
    /// `third_party` (anyone else)
    ThirdParty = 9,
    /// `employer`
    Employer = 10,
}

/// Why a contact is made. 0 is `CG_PURPOSE_UNSET` (not given: stricter).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_purpose {
    /// Not given: rules that need a purpose assume the stricter one, as when `has_purpose` is 0.
    Unset = 0,
    /// `collection`
    Collection = 1,
    /// `location`
    Location = 2,
    /// `notice`
    Notice = 3,
}

/// The place reached. 0 is `CG_PLACE_UNSET` (not given: stricter).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_place {
    /// Not given: rules that need a place assume the stricter one, as when `has_place` is 0.
    Unset = 0,
    /// `home`
    Home = 1,
    /// `mobile`
    Mobile = 2,
    /// `work`
    Work = 3,
    /// `unknown`
    Unknown = 4,
}

/// The outcome of a contact attempt. 0 is `CG_ATTEMPT_RESULT_UNSET`, as
/// for every enum of the ABI: an attempt event or a completion whose result
/// is left at 0 is `CG_RESULT_MISSING_FIELD` (code `ffi.missing_field`),
/// never read as an outcome.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_attempt_result {
    /// Not set: refused where a result is required.
    Unset = 0,
    /// `not_connected`
    NotConnected = 1,
    /// `no_answer`
    NoAnswer = 2,
    /// `voicemail`
    Voicemail = 3,
    /// `conversation`
    Conversation = 4,
    /// `delivered`
    Delivered = 5,
    /// `failed`
    Failed = 6,
    /// `pending`: admitted, outcome not reported yet (counts under every
    /// cap and cool-down it could fall under; not a value for
    /// `cg_ledger_complete`).
    Pending = 7,
}

/// Why collection on a debt is held (`cg_event.reason`). 0 is
/// `CG_HOLD_REASON_UNSET`: a hold event whose reason is left at 0 is
/// `CG_RESULT_MISSING_FIELD` (field `event.reason`), never read as a
/// dispute.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_hold_reason {
    /// Not given: a zero-initialised field. Required for a hold:
    /// `CG_RESULT_MISSING_FIELD`.
    Unset = 0,
    /// `dispute`
    Dispute = 1,
    /// `promise_to_pay`
    PromiseToPay = 2,
    /// `repayment_plan`
    RepaymentPlan = 3,
    /// `complaint`
    Complaint = 4,
    /// `bankruptcy`
    Bankruptcy = 5,
    /// `deceased`
    Deceased = 6,
}

/// The type of a history event (`cg_event.type`). 0 is
/// `CG_EVENT_TYPE_UNSET`: an event whose type is left at 0 is
/// `CG_RESULT_MISSING_FIELD` (field `event.type`), never read as an
/// attempt.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_event_type {
    /// Not given: a zero-initialised event. Always
    /// `CG_RESULT_MISSING_FIELD`.
    Unset = 0,
    /// `attempt`: `channel`, `to`, `role`, `debt`, `result`; optional `place`.
    Attempt = 1,
    /// `consent`: `to`, `channel`, `granted`; optional `kind`.
    Consent = 2,
    /// `opt_out`: `to`, `channel`; optional `place`.
    OptOut = 3,
    /// `cease`: `to`, `debt`.
    Cease = 4,
    /// `attorney`: `to`, `debt`.
    Attorney = 5,
    /// `hold`: `debt`, `reason`; optional `until`.
    Hold = 6,
    /// `prior_consent_to_contact`: `to`, `debt`, `granted`; optional `until`.
    PriorConsentToContact = 7,
    /// `request_contact`: `to`; optional `debt`.
    RequestContact = 8,
    /// `inconvenient`: `to`; optional `start`, `end`, `weekdays`, `place`,
    /// `channel`, `until`.
    Inconvenient = 9,
    /// `unreachable`: `to`, `debt`.
    Unreachable = 10,
}

/// Which struct `cg_abi_sizeof` measures.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_abi_struct {
    /// `cg_str`
    Str = 0,
    /// `cg_timestamp`
    Timestamp = 1,
    /// `cg_ask`
    Ask = 2,
    /// `cg_event`
    Event = 3,
    /// `cg_verdict`
    Verdict = 4,
    /// `cg_denial`
    Denial = 5,
    /// `cg_redis_options`
    RedisOptions = 6,
}

/// The size in bytes of one of the ABI's structs as this library was built,
/// or 0 for an unknown value. Bindings that lay structs out themselves (JNA,
/// ctypes) check their layout against it once at load time.
#[no_mangle]
pub extern "C" fn cg_abi_sizeof(which: u32) -> usize {
    value_guard(0, || match which {
        x if x == cg_abi_struct::Str as u32 => size_of::<cg_str>(),
        x if x == cg_abi_struct::Timestamp as u32 => size_of::<cg_timestamp>(),
        x if x == cg_abi_struct::Ask as u32 => size_of::<cg_ask>(),
        x if x == cg_abi_struct::Event as u32 => size_of::<cg_event>(),
        x if x == cg_abi_struct::Verdict as u32 => size_of::<crate::decide::cg_verdict>(),
        x if x == cg_abi_struct::Denial as u32 => size_of::<crate::decide::cg_denial>(),
        x if x == cg_abi_struct::RedisOptions as u32 => size_of::<crate::redis::cg_redis_options>(),
        _ => 0,
    })
}

/// Maps each core enum to its C constant (exhaustive, so the compiler proves
/// every core value has one) and back (from the same table, as a chain of
/// comparisons the compiler turns into a range check and a table load).
macro_rules! enum_map {
    ($ffi:ident, $core:ident, $to:ident, $from:ident, $fast:ident, { $($c:ident => $f:ident),+ $(,)? }) => {
        pub(crate) fn $to(v: $core) -> $ffi {
            match v { $($core::$c => $ffi::$f,)+ }
        }

        // The exhaustive match above is what proves the table complete;
        // naming it here keeps it compiled when nothing else calls it.
        const _: fn($core) -> $ffi = $to;

        pub(crate) fn $from(v: u32, name: &str) -> Result<$core, cg_error> {
            $fast(v).ok_or_else(|| invalid_enum(v, name, stringify!($ffi)))
        }

        /// The core value of a C constant, `None` for 0 (`UNSET`) and
        /// for an unknown value alike: the fast path's lookup, which a
        /// match compiles to a range check and a table load.
        #[inline]
        fn $fast(v: u32) -> Option<$core> {
            $(
                if v == $ffi::$f as u32 {
                    return Some($core::$c);
                }
            )+
            None
        }
    };
}

/// The error for an enum field holding no constant of its type.
#[cold]
#[inline(never)]
fn invalid_enum(v: u32, name: &str, ty: &str) -> cg_error {
    cg_error::new(
        cg_result::InvalidEnum,
        format!("`{name}` is {v}, not one of the {ty} constants"),
    )
    .with_field(name)
}

/// The value of an enum field whose 0 is `UNSET`: `None` for 0, the
/// constant's value otherwise (`CG_RESULT_INVALID_ENUM` for an unknown one).
fn given<T>(
    v: u32,
    name: &str,
    from: fn(u32, &str) -> Result<T, cg_error>,
) -> Result<Option<T>, cg_error> {
    if v == 0 {
        Ok(None)
    } else {
        from(v, name).map(Some)
    }
}

/// The error for required fields left at 0 (`UNSET`): the field is the
/// first of `names`, the message names them all.
fn missing(names: &[&str]) -> cg_error {
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let verb = if names.len() > 1 { "are" } else { "is" };
    let mut e = cg_error::new(
        cg_result::MissingField,
        format!("{list} {verb} not set (0 is UNSET)"),
    );
    e.help = "set every required field: a forgotten one is never read as a default".to_owned();
    match names.first() {
        Some(first) => e.with_field(*first),
        None => e,
    }
}

/// A required channel and role: `CG_RESULT_MISSING_FIELD` naming each one
/// left at 0, the role first (a forgotten role must never read as the
/// debtor).
fn channel_and_role(channel: u32, role: u32) -> Result<(Channel, Role), cg_error> {
    let role_v = given(role, "role", role_from)?;
    let channel_v = given(channel, "channel", channel_from)?;
    match (channel_v, role_v) {
        (Some(c), Some(r)) => Ok((c, r)),
        (c, r) => {
            let mut names = Vec::new();
            if r.is_none() {
                names.push("role");
            }
            if c.is_none() {
                names.push("channel");
            }
            Err(missing(&names))
        }
    }
}

/// A required attempt result: `CG_RESULT_MISSING_FIELD` naming `name`
/// when it is left at 0 (`CG_ATTEMPT_RESULT_UNSET`).
pub(crate) fn required_result(v: u32, name: &str) -> Result<AttemptResult, cg_error> {
    given(v, name, result_from)?.ok_or_else(|| missing(&[name]))
}

/// A required channel (consent, opt-out).
fn required_channel(channel: u32) -> Result<Channel, cg_error> {
    given(channel, "channel", channel_from)?.ok_or_else(|| missing(&["channel"]))
}

enum_map!(cg_channel, Channel, channel_to_ffi, channel_from, channel_fast, {
    Call => Call, Sms => Sms, Email => Email, Letter => Letter, Visit => Visit, Push => Push,
    VoicemailDrop => VoicemailDrop,
});
enum_map!(cg_role, Role, role_to_ffi, role_from, role_fast, {
    Debtor => Debtor, CoDebtor => CoDebtor, Guarantor => Guarantor, Spouse => Spouse,
    EstateRepresentative => EstateRepresentative, Attorney => Attorney,
    EmergencyContact => EmergencyContact, Reference => Reference, ThirdParty => ThirdParty,
    Employer => Employer,
});
enum_map!(cg_purpose, Purpose, purpose_to_ffi, purpose_from, purpose_fast, {
    Collection => Collection, Location => Location, Notice => Notice,
});
enum_map!(cg_place, Place, place_to_ffi, place_from, place_fast, {
    Home => Home, Mobile => Mobile, Work => Work, Unknown => Unknown,
});
enum_map!(cg_attempt_result, AttemptResult, result_to_ffi, result_from, result_fast, {
    NotConnected => NotConnected, NoAnswer => NoAnswer, Voicemail => Voicemail,
    Conversation => Conversation, Delivered => Delivered, Failed => Failed, Pending => Pending,
});
enum_map!(cg_hold_reason, HoldReason, reason_to_ffi, reason_from, reason_fast, {
    Dispute => Dispute, PromiseToPay => PromiseToPay, RepaymentPlan => RepaymentPlan,
    Complaint => Complaint, Bankruptcy => Bankruptcy, Deceased => Deceased,
});

/// "May we contact this person, on this channel, right now?"
///
/// Zero-initialise it (`cg_ask ask = {0};`), then set the required fields
/// (`at`, `channel`, `to`, `role`, `debt`) and any optional ones with their
/// `has_` flag. Every enum's 0 is its `UNSET` constant: a required `channel`
/// or `role` left at 0 is `CG_RESULT_MISSING_FIELD` (code
/// `ffi.missing_field`, the field naming it), never a call to the debtor;
/// an optional field left out (or `UNSET`) makes every rule that needs it
/// assume the stricter value. Flags are 0 or 1 (any non-zero is 1).
/// Read during the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cg_ask {
    /// When the contact would be made.
    pub at: cg_timestamp,
    /// Recipient key (a phone number, a customer id, a keyed hash...).
    pub to: cg_str,
    /// Account key of the debt.
    pub debt: cg_str,
    /// Candidate IANA time zones of the recipient (`timezones_len` of them;
    /// NULL when 0): the contact must be permitted in every one.
    pub timezones: *const cg_str,
    /// How many time zones.
    pub timezones_len: usize,
    /// Days past due (read when `has_days_past_due`).
    pub days_past_due: i64,
    /// One of `CG_CHANNEL_*`; required (`CG_CHANNEL_UNSET` is an error).
    pub channel: u32,
    /// One of `CG_ROLE_*`; required (`CG_ROLE_UNSET` is an error).
    pub role: u32,
    /// One of `CG_PLACE_*` (read when `has_place`; `CG_PLACE_UNSET` is not
    /// given).
    pub place: u32,
    /// One of `CG_PURPOSE_*` (read when `has_purpose`; `CG_PURPOSE_UNSET`
    /// is not given).
    pub purpose: u32,
    /// Whether `place` is given.
    pub has_place: u8,
    /// Whether `purpose` is given.
    pub has_purpose: u8,
    /// Whether `autodialed` is given.
    pub has_autodialed: u8,
    /// Whether the call or text is autodialed or prerecorded.
    pub autodialed: u8,
    /// Whether `days_past_due` is given.
    pub has_days_past_due: u8,
}

fn opt<T>(has: u8, f: impl FnOnce() -> Result<T, cg_error>) -> Result<Option<T>, cg_error> {
    if has != 0 {
        f().map(Some)
    } else {
        Ok(None)
    }
}

fn replace(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

/// The bytes of a string slice when it can be read without an error: not
/// NULL (unless empty) and of a length a slice can have; `None` otherwise.
///
/// # Safety
///
/// `s.ptr` is NULL or valid for reads of `s.len` bytes for `'a`.
#[inline]
unsafe fn plain_bytes<'a>(s: &cg_str) -> Option<&'a [u8]> {
    if s.len == 0 {
        Some(&[])
    } else if s.ptr.is_null() || s.len > isize::MAX as usize {
        None
    } else {
        // SAFETY: not NULL, length bounded, validity forwarded from the caller.
        Some(unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) })
    }
}

/// Makes `dst` hold the text of `s` on the fast path: nothing to do when
/// it already holds those bytes (they were checked when they were copied
/// in), else a copy when they are ASCII. False, `dst` untouched, for
/// anything else (NULL with a length, a non-ASCII byte): the checked path
/// then reads it, or reports the error.
///
/// # Safety
///
/// `s.ptr` is NULL or valid for reads of `s.len` bytes.
#[inline(always)]
unsafe fn refill_plain(dst: &mut String, s: &cg_str) -> bool {
    // SAFETY: forwarded from the caller.
    let Some(bytes) = (unsafe { plain_bytes(s) }) else {
        return false;
    };
    if same_bytes(dst.as_bytes(), bytes) {
        return true;
    }
    if !bytes.is_ascii() {
        return false;
    }
    dst.clear();
    // SAFETY: ASCII bytes are valid UTF-8.
    dst.push_str(unsafe { std::str::from_utf8_unchecked(bytes) });
    true
}

/// An optional enum field on the fast path: `Some(None)` when not given
/// (its flag or its value 0), `Some(Some(v))` for a known constant, `None`
/// for an unknown one (the checked path reports it).
#[inline]
fn optional<T>(has: u8, v: u32, fast: fn(u32) -> Option<T>) -> Option<Option<T>> {
    if has == 0 || v == 0 {
        Some(None)
    } else {
        fast(v).map(Some)
    }
}

impl cg_ask {
    /// Fills `ask` from this struct, reusing its strings' storage.
    ///
    /// Two paths that accept the same asks and fill the same values: the
    /// fast one handles the common ask (every enum a known constant, a time
    /// in range, text that is ASCII or unchanged since the last ask filled
    /// into `ask`, any number of zones) without
    /// building errors or checking UTF-8 twice; anything else goes through
    /// the checked path, which fills the ask again or reports the error.
    ///
    /// # Safety
    ///
    /// Every pointer in the struct is NULL or valid as documented.
    pub(crate) unsafe fn fill(&self, ask: &mut Ask) -> Result<(), cg_error> {
        // SAFETY (both): forwarded from the caller.
        if unsafe { self.fill_fast(ask) } {
            Ok(())
        } else {
            unsafe { self.fill_checked(ask) }
        }
    }

    /// The fast path of [`cg_ask::fill`]: true when it filled `ask`; false,
    /// with `ask` partly filled, when the checked path must run.
    ///
    /// # Safety
    ///
    /// Every pointer in the struct is NULL or valid as documented.
    #[inline(always)]
    unsafe fn fill_fast(&self, ask: &mut Ask) -> bool {
        // Each field is stored as soon as it is known good, so that nothing
        // is held across the text comparisons; when a later one is not,
        // the checked path fills every field again.
        match (channel_fast(self.channel), role_fast(self.role)) {
            (Some(channel), Some(role)) => (ask.channel, ask.role) = (channel, role),
            _ => return false,
        }
        match (
            optional(self.has_place, self.place, place_fast),
            optional(self.has_purpose, self.purpose, purpose_fast),
        ) {
            (Some(place), Some(purpose)) => (ask.place, ask.purpose) = (place, purpose),
            _ => return false,
        }
        if !(0..1_000_000_000).contains(&self.at.nanos) {
            return false;
        }
        match Timestamp::new(self.at.seconds, self.at.nanos) {
            Ok(at) => ask.at = at,
            Err(_) => return false,
        }
        ask.autodialed = (self.has_autodialed != 0).then_some(self.autodialed != 0);
        ask.days_past_due = (self.has_days_past_due != 0).then_some(self.days_past_due);
        // SAFETY (this and the reads below): the caller's pointers are valid.
        let Some(zones) = (unsafe { plain_zones(self.timezones, self.timezones_len) }) else {
            return false;
        };
        if !(unsafe { refill_plain(&mut ask.to, &self.to) }
            && unsafe { refill_plain(&mut ask.debt, &self.debt) })
        {
            return false;
        }
        // As many slots as zones: each refilled in place.
        if ask.timezones.len() != zones.len() {
            ask.timezones.resize_with(zones.len(), String::new);
        }
        ask.timezones
            .iter_mut()
            .zip(zones)
            .all(|(slot, z)| unsafe { refill_plain(slot, z) })
    }

    /// The checked path of [`cg_ask::fill`]: fills every field or reports
    /// the first one at fault.
    ///
    /// # Safety
    ///
    /// Every pointer in the struct is NULL or valid as documented.
    #[cold]
    #[inline(never)]
    unsafe fn fill_checked(&self, ask: &mut Ask) -> Result<(), cg_error> {
        ask.at = self.at.to_core("at")?;
        (ask.channel, ask.role) = channel_and_role(self.channel, self.role)?;
        // SAFETY (this and the reads below): the caller's pointers are valid.
        replace(&mut ask.to, unsafe { self.to.read("to") }?);
        replace(&mut ask.debt, unsafe { self.debt.read("debt") }?);
        let zones = unsafe { slice_arg(self.timezones, self.timezones_len, "timezones") }?;
        ask.timezones.truncate(zones.len());
        for (i, z) in zones.iter().enumerate() {
            let z = unsafe { z.read("timezones") }
                .map_err(|e| e.with_field(format!("timezones[{i}]")))?;
            match ask.timezones.get_mut(i) {
                Some(slot) => replace(slot, z),
                None => ask.timezones.push(z.to_owned()),
            }
        }
        ask.place = opt(self.has_place, || given(self.place, "place", place_from))?.flatten();
        ask.purpose = opt(self.has_purpose, || {
            given(self.purpose, "purpose", purpose_from)
        })?
        .flatten();
        ask.autodialed = opt(self.has_autodialed, || Ok(self.autodialed != 0))?;
        ask.days_past_due = opt(self.has_days_past_due, || Ok(self.days_past_due))?;
        Ok(())
    }
}

/// The zones array on the fast path: `None` when it is NULL with a length
/// (or too long), for the checked path to report.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `len` elements.
#[inline]
unsafe fn plain_zones<'a>(ptr: *const cg_str, len: usize) -> Option<&'a [cg_str]> {
    if len == 0 {
        Some(&[])
    } else if ptr.is_null() || len > isize::MAX as usize / size_of::<cg_str>() {
        None
    } else {
        // SAFETY: not NULL, length bounded, validity forwarded from the caller.
        Some(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}

/// An empty ask to fill.
pub(crate) fn blank_ask() -> Ask {
    Ask {
        at: Timestamp::UNIX_EPOCH,
        channel: Channel::Call,
        to: String::new(),
        role: Role::Debtor,
        debt: String::new(),
        timezones: Vec::new(),
        place: None,
        autodialed: None,
        purpose: None,
        days_past_due: None,
    }
}

/// One history event: `type` says which, and which fields are read (see
/// `cg_event_type`); other fields are ignored. Zero-initialise it, set
/// `type`, `at` and that type's fields. Read during the call only; the
/// history copies what it keeps.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cg_event {
    /// One of `CG_EVENT_TYPE_*`; required (`CG_EVENT_TYPE_UNSET` is
    /// `CG_RESULT_MISSING_FIELD`).
    pub r#type: u32,
    /// One of `CG_CHANNEL_*`: required for attempt, consent and opt-out
    /// (`CG_CHANNEL_UNSET` is `CG_RESULT_MISSING_FIELD`); optional for
    /// inconvenient (`has_channel`; `CG_CHANNEL_UNSET` is not given).
    pub channel: u32,
    /// When it happened.
    pub at: cg_timestamp,
    /// The person (every type but hold).
    pub to: cg_str,
    /// The debt (attempt, cease, attorney, hold, prior consent, unreachable;
    /// optional for request-contact with `has_debt`).
    pub debt: cg_str,
    /// One of `CG_ROLE_*` (attempt; `CG_ROLE_UNSET` is
    /// `CG_RESULT_MISSING_FIELD`).
    pub role: u32,
    /// One of `CG_ATTEMPT_RESULT_*` (attempt; `CG_ATTEMPT_RESULT_UNSET` is
    /// `CG_RESULT_MISSING_FIELD`).
    pub result: u32,
    /// One of `CG_PLACE_*` (attempt, opt-out, inconvenient; with
    /// `has_place`).
    pub place: u32,
    /// One of `CG_HOLD_REASON_*` (hold; `CG_HOLD_REASON_UNSET` is
    /// `CG_RESULT_MISSING_FIELD`).
    pub reason: u32,
    /// When it ends (hold, prior consent, inconvenient; with `has_until`);
    /// a hold without it is open-ended.
    pub until: cg_timestamp,
    /// Which consent (consent, with `has_kind`), e.g. `tcpa`.
    pub kind: cg_str,
    /// Start of the inconvenient local-time span, `HH:MM[:SS]`
    /// (inconvenient, with `has_start`).
    pub start: cg_str,
    /// End of the span, exclusive (inconvenient, with `has_end`).
    pub end: cg_str,
    /// Inconvenient weekdays, `mon`...`sun` (`weekdays_len` of them; NULL
    /// when 0).
    pub weekdays: *const cg_str,
    /// How many weekdays.
    pub weekdays_len: usize,
    /// Whether `channel` is given (inconvenient only; the others require it).
    pub has_channel: u8,
    /// Whether `place` is given.
    pub has_place: u8,
    /// Whether `debt` is given (request-contact only; the others require it).
    pub has_debt: u8,
    /// Whether `until` is given.
    pub has_until: u8,
    /// Whether `kind` is given.
    pub has_kind: u8,
    /// Whether `start` is given.
    pub has_start: u8,
    /// Whether `end` is given.
    pub has_end: u8,
    /// Consent and prior consent: 1 grants, 0 withdraws. Set it explicitly.
    pub granted: u8,
}

impl cg_event {
    /// The event as contactguard's model.
    ///
    /// # Safety
    ///
    /// Every pointer in the struct is NULL or valid as documented.
    pub(crate) unsafe fn read(&self) -> Result<Event, cg_error> {
        let at = self.at.to_core("at")?;
        // SAFETY (every read below): the caller's pointers are valid.
        let to = || unsafe { self.to.read("to") }.map(str::to_owned);
        let debt = || unsafe { self.debt.read("debt") }.map(str::to_owned);
        let text = |s: &cg_str, has: u8, name: &str| {
            opt(has, || unsafe { s.read(name) }.map(str::to_owned))
        };
        let place =
            || opt(self.has_place, || given(self.place, "place", place_from)).map(Option::flatten);
        let until = || opt(self.has_until, || self.until.to_core("until"));
        let channel = || required_channel(self.channel);
        let t = self.r#type;
        let event = if t == cg_event_type::Unset as u32 {
            return Err(missing(&["type"]));
        } else if t == cg_event_type::Attempt as u32 {
            let (channel, role) = channel_and_role(self.channel, self.role)?;
            Event::Attempt(Attempt {
                at,
                channel,
                to: to()?,
                role,
                debt: debt()?,
                result: required_result(self.result, "result")?,
                place: place()?,
            })
        } else if t == cg_event_type::Consent as u32 {
            Event::Consent(Consent {
                at,
                to: to()?,
                channel: channel()?,
                granted: self.granted != 0,
                kind: text(&self.kind, self.has_kind, "kind")?,
            })
        } else if t == cg_event_type::OptOut as u32 {
            Event::OptOut(OptOut {
                at,
                to: to()?,
                channel: channel()?,
                place: place()?,
            })
        } else if t == cg_event_type::Cease as u32 {
            Event::Cease(Cease {
                at,
                to: to()?,
                debt: debt()?,
            })
        } else if t == cg_event_type::Attorney as u32 {
            Event::Attorney(AttorneyNotice {
                at,
                to: to()?,
                debt: debt()?,
            })
        } else if t == cg_event_type::Hold as u32 {
            Event::Hold(Hold {
                at,
                debt: debt()?,
                reason: given(self.reason, "reason", reason_from)?
                    .ok_or_else(|| missing(&["reason"]))?,
                until: until()?,
            })
        } else if t == cg_event_type::PriorConsentToContact as u32 {
            Event::PriorConsentToContact(PriorConsentToContact {
                at,
                to: to()?,
                debt: debt()?,
                until: until()?,
                granted: self.granted != 0,
            })
        } else if t == cg_event_type::RequestContact as u32 {
            Event::RequestContact(RequestContact {
                at,
                to: to()?,
                debt: text(&self.debt, self.has_debt, "debt")?,
            })
        } else if t == cg_event_type::Inconvenient as u32 {
            // SAFETY: the caller's pointer is valid for `weekdays_len`.
            let days = unsafe { slice_arg(self.weekdays, self.weekdays_len, "weekdays") }?;
            let mut weekdays = Vec::with_capacity(days.len());
            for (i, d) in days.iter().enumerate() {
                // SAFETY: as above.
                let d = unsafe { d.read("weekdays") }
                    .map_err(|e| e.with_field(format!("weekdays[{i}]")))?;
                weekdays.push(d.to_owned());
            }
            Event::Inconvenient(Inconvenient {
                at,
                to: to()?,
                start: text(&self.start, self.has_start, "start")?,
                end: text(&self.end, self.has_end, "end")?,
                weekdays,
                place: place()?,
                channel: opt(self.has_channel, || {
                    given(self.channel, "channel", channel_from)
                })?
                .flatten(),
                until: until()?,
            })
        } else if t == cg_event_type::Unreachable as u32 {
            Event::Unreachable(Unreachable {
                at,
                to: to()?,
                debt: debt()?,
            })
        } else {
            return Err(cg_error::new(
                cg_result::InvalidEnum,
                format!("`type` is {t}, not one of the cg_event_type constants"),
            )
            .with_field("type"));
        };
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snake(debug: &str) -> String {
        let mut out = String::new();
        for (i, ch) in debug.chars().enumerate() {
            if ch.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        }
        out
    }

    /// Every C constant is named after the wire name of the core value it
    /// stands for (`CG_CHANNEL_VOICEMAIL_DROP` is `voicemail_drop`), and
    /// the mapping round-trips.
    #[test]
    fn constants_match_wire_names() {
        macro_rules! check {
            ($core:ident, $to:ident, $from:ident) => {
                for &v in $core::ALL {
                    let ffi = $to(v);
                    assert_eq!(snake(&format!("{ffi:?}")), v.as_str());
                    assert_eq!($from(ffi as u32, "x"), Ok(v));
                }
                assert_eq!(
                    $from(1000, "x").map_err(|e| e.result),
                    Err(cg_result::InvalidEnum)
                );
            };
        }
        check!(Channel, channel_to_ffi, channel_from);
        check!(Role, role_to_ffi, role_from);
        check!(Purpose, purpose_to_ffi, purpose_from);
        check!(Place, place_to_ffi, place_from);
        check!(AttemptResult, result_to_ffi, result_from);
        check!(HoldReason, reason_to_ffi, reason_from);
    }

    /// 0 is UNSET in the ask's enums: no core value maps to it, a required
    /// channel or role left at 0 is a missing field (the role named first),
    /// and an optional place or purpose left at 0 is not given.
    #[test]
    fn zero_is_unset() {
        for &c in Channel::ALL {
            assert_ne!(channel_to_ffi(c) as u32, 0);
        }
        for &r in Role::ALL {
            assert_ne!(role_to_ffi(r) as u32, 0);
        }
        for &p in Place::ALL {
            assert_ne!(place_to_ffi(p) as u32, 0);
        }
        for &p in Purpose::ALL {
            assert_ne!(purpose_to_ffi(p) as u32, 0);
        }
        for &r in AttemptResult::ALL {
            assert_ne!(result_to_ffi(r) as u32, 0);
        }
        for &r in HoldReason::ALL {
            assert_ne!(reason_to_ffi(r) as u32, 0);
        }
        assert_eq!(cg_event_type::Unset as u32, 0);
        let e = channel_and_role(0, 0).err();
        assert_eq!(e.as_ref().map(|e| e.result), Some(cg_result::MissingField));
        assert_eq!(
            e.as_ref().map(|e| e.code.as_str()),
            Some("ffi.missing_field")
        );
        assert_eq!(e.as_ref().map(|e| e.field.as_str()), Some("role"));
        assert!(e.is_some_and(|e| e.message.contains("`role` and `channel`")));
        let e = channel_and_role(cg_channel::Sms as u32, 0).err();
        assert_eq!(e.map(|e| e.field), Some("role".to_owned()));
        let e = channel_and_role(0, cg_role::Debtor as u32).err();
        assert_eq!(e.map(|e| e.field), Some("channel".to_owned()));
        assert_eq!(
            channel_and_role(cg_channel::Call as u32, cg_role::ThirdParty as u32),
            Ok((Channel::Call, Role::ThirdParty))
        );
        assert_eq!(
            channel_and_role(99, cg_role::Debtor as u32).map_err(|e| e.result),
            Err(cg_result::InvalidEnum)
        );
        assert_eq!(given(0, "place", place_from), Ok(None));
        assert_eq!(
            given(cg_place::Work as u32, "place", place_from),
            Ok(Some(Place::Work))
        );
    }

    #[test]
    fn timestamps_round_trip() {
        for (s, n) in [(0, 0), (1_700_000_000, 5), (-1, 999_999_999), (-86_400, 1)] {
            let t = cg_timestamp {
                seconds: s,
                nanos: n,
            };
            assert_eq!(
                cg_timestamp::of(t.to_core("at").unwrap_or(Timestamp::MAX)),
                t
            );
        }
        let bad = cg_timestamp {
            seconds: 0,
            nanos: -1,
        };
        assert_eq!(
            bad.to_core("at").map_err(|e| e.result),
            Err(cg_result::InvalidTime)
        );
        let far = cg_timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        assert_eq!(
            far.to_core("at").map_err(|e| e.result),
            Err(cg_result::InvalidTime)
        );
    }
}

/// The fast path of `cg_ask::fill` against the checked one.
#[cfg(test)]
mod fast_fill {
    use super::*;

    const NULL: *const c_char = std::ptr::null();

    /// Strings the asks draw from: ASCII under a word, of whole words and
    /// longer, valid non-ASCII UTF-8, invalid UTF-8, and NULL with a
    /// length.
    fn texts() -> Vec<cg_str> {
        // Pairs of the same length that differ, under a word, of two
        // words and over two (the ways `same_bytes` compares them).
        let bytes: [&'static [u8]; 16] = [
            b"",
            b"c1",
            b"c2",
            b"d1",
            b"America/New_York",
            b"Europe/Paris",
            b"a key longer than sixteen bytes",
            "caf\u{e9}".as_bytes(),
            "\u{1f600} emoji key".as_bytes(),
            b"\xff\xfe",
            b"key-01",
            b"key-02",
            b"Europe/Berlin",
            b"Europe/London",
            b"a key longer than sixteen bytez",
            "caf\u{e8}".as_bytes(),
        ];
        let mut v: Vec<cg_str> = bytes
            .iter()
            .map(|b| cg_str {
                ptr: b.as_ptr().cast(),
                len: b.len(),
            })
            .collect();
        v.push(cg_str { ptr: NULL, len: 2 });
        v
    }

    /// A small deterministic generator (no dependency): xorshift64.
    struct Rng(u64);
    impl Rng {
        fn pick<T: Copy>(&mut self, from: &[T]) -> T {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let i = (self.0 % from.len() as u64) as usize;
            from.get(i).copied().unwrap_or_else(|| unreachable!())
        }
    }

    /// On 50,000 asks drawn from ordinary and faulty values, filled one
    /// after another into the same scratch ask (so that unchanged text
    /// takes the fast path's shortcut): whenever the fast path fills, the
    /// checked path accepts the ask and fills the same values; whenever
    /// the checked path refuses, the fast path declines. Both paths are
    /// exercised, not only one.
    #[test]
    fn agrees_with_checked() {
        let texts = texts();
        let zone_lists: Vec<Vec<cg_str>> = {
            let t = |i: usize| texts.get(i).copied().unwrap_or(cg_str::EMPTY);
            vec![
                vec![],
                vec![t(4)],
                vec![t(4)],
                vec![t(4), t(5)],
                vec![t(5), t(4), t(6)],
                vec![t(7)],
                vec![t(9)],
                vec![t(16)],
                vec![t(12)],
                vec![t(13)],
                vec![t(4), t(13)],
            ]
        };
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut scratch = blank_ask();
        let (mut fast, mut checked_only, mut refused) = (0, 0, 0);
        for _ in 0..50_000 {
            let zones = rng.pick(&[0usize, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
            let (timezones, timezones_len) = match zone_lists.get(zones) {
                Some(z) => (z.as_ptr(), z.len()),
                // A NULL array with a length.
                None => (std::ptr::null(), 1),
            };
            let ask = cg_ask {
                at: cg_timestamp {
                    seconds: rng.pick(&[0, 1_792_072_800, -86_400, i64::MAX, 253_402_207_200]),
                    nanos: rng.pick(&[0, 0, 5, 999_999_999, -1, 1_000_000_000]),
                },
                to: rng.pick(&texts),
                debt: rng.pick(&texts),
                timezones,
                timezones_len,
                days_past_due: rng.pick(&[0, 30, -1]),
                channel: rng.pick(&[1, 2, 7, 0, 8, 99]),
                role: rng.pick(&[1, 3, 10, 0, 11]),
                place: rng.pick(&[0, 1, 4, 5]),
                purpose: rng.pick(&[0, 1, 3, 4]),
                has_place: rng.pick(&[0, 1]),
                has_purpose: rng.pick(&[0, 1]),
                has_autodialed: rng.pick(&[0, 1]),
                autodialed: rng.pick(&[0, 1, 2]),
                has_days_past_due: rng.pick(&[0, 1]),
            };
            let mut by_fast = scratch.clone();
            // SAFETY: every pointer is NULL (with a length, refused) or
            // points into `texts` / `zone_lists`, alive for the loop.
            let fast_filled = unsafe { ask.fill_fast(&mut by_fast) };
            let mut by_checked = scratch.clone();
            // SAFETY: as above.
            let result = unsafe { ask.fill_checked(&mut by_checked) };
            assert!(
                !fast_filled || result.is_ok(),
                "the fast path filled an ask the checked path refuses ({result:?}): {ask:?}"
            );
            if fast_filled {
                assert_eq!(by_fast, by_checked, "{ask:?}");
                fast += 1;
            } else if result.is_ok() {
                checked_only += 1;
            } else {
                refused += 1;
            }
            // `fill` itself: the same outcome, into the scratch ask the next
            // ask reuses.
            // SAFETY: as above.
            let filled = unsafe { ask.fill(&mut scratch) };
            assert_eq!(filled.is_ok(), result.is_ok());
            if filled.is_ok() {
                assert_eq!(scratch, by_checked);
            }
        }
        assert!(
            fast > 1_000 && checked_only > 100 && refused > 10_000,
            "{fast} {checked_only} {refused}"
        );
    }
}
