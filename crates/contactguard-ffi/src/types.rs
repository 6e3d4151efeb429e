//! Plain C structs for asks and events, named enum constants, and their
//! conversion into contactguard's model.

use crate::boundary::{slice_arg, text_arg, value_guard};
use crate::error::{cg_error, cg_result};
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

/// The medium of a contact (`cg_ask.channel`, `cg_event.channel`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_channel {
    /// `call`
    Call = 0,
    /// `sms`
    Sms = 1,
    /// `email`
    Email = 2,
    /// `letter`
    Letter = 3,
    /// `visit`
    Visit = 4,
    /// `push`
    Push = 5,
    /// `voicemail_drop`
    VoicemailDrop = 6,
}

/// The role of the person contacted, relative to the debt.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_role {
    /// `debtor`
    Debtor = 0,
    /// `co_debtor`
    CoDebtor = 1,
    /// `guarantor`
    Guarantor = 2,
    /// `spouse`
    Spouse = 3,
    /// `estate_representative`
    EstateRepresentative = 4,
    /// `attorney` (the debtor's)
    Attorney = 5,
    /// `emergency_contact`
    EmergencyContact = 6,
    /// `reference`
    Reference = 7,
    /// `third_party` (anyone else)
    ThirdParty = 8,
    /// `employer`
    Employer = 9,
}

/// Why a contact is made.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_purpose {
    /// `collection`
    Collection = 0,
    /// `location`
    Location = 1,
    /// `notice`
    Notice = 2,
}

/// The place reached.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_place {
    /// `home`
    Home = 0,
    /// `mobile`
    Mobile = 1,
    /// `work`
    Work = 2,
    /// `unknown`
    Unknown = 3,
}

/// The outcome of a contact attempt.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_attempt_result {
    /// `not_connected`
    NotConnected = 0,
    /// `no_answer`
    NoAnswer = 1,
    /// `voicemail`
    Voicemail = 2,
    /// `conversation`
    Conversation = 3,
    /// `delivered`
    Delivered = 4,
    /// `failed`
    Failed = 5,
    /// `pending`: admitted, outcome not reported yet (counts under every
    /// cap and cool-down it could fall under; not a value for
    /// `cg_ledger_complete`).
    Pending = 6,
}

/// Why collection on a debt is held.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_hold_reason {
    /// `dispute`
    Dispute = 0,
    /// `promise_to_pay`
    PromiseToPay = 1,
    /// `repayment_plan`
    RepaymentPlan = 2,
    /// `complaint`
    Complaint = 3,
    /// `bankruptcy`
    Bankruptcy = 4,
    /// `deceased`
    Deceased = 5,
}

/// The type of a history event (`cg_event.type`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cg_event_type {
    /// `attempt`: `channel`, `to`, `role`, `debt`, `result`; optional `place`.
    Attempt = 0,
    /// `consent`: `to`, `channel`, `granted`; optional `kind`.
    Consent = 1,
    /// `opt_out`: `to`, `channel`; optional `place`.
    OptOut = 2,
    /// `cease`: `to`, `debt`.
    Cease = 3,
    /// `attorney`: `to`, `debt`.
    Attorney = 4,
    /// `hold`: `debt`, `reason`; optional `until`.
    Hold = 5,
    /// `prior_consent_to_contact`: `to`, `debt`, `granted`; optional `until`.
    PriorConsentToContact = 6,
    /// `request_contact`: `to`; optional `debt`.
    RequestContact = 7,
    /// `inconvenient`: `to`; optional `start`, `end`, `weekdays`, `place`,
    /// `channel`, `until`.
    Inconvenient = 8,
    /// `unreachable`: `to`, `debt`.
    Unreachable = 9,
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
        _ => 0,
    })
}

/// Maps each core enum to its C constant (exhaustive, so the compiler proves
/// every core value has one) and back (derived from the same table).
macro_rules! enum_map {
    ($ffi:ident, $core:ident, $to:ident, $from:ident, { $($c:ident => $f:ident),+ $(,)? }) => {
        pub(crate) fn $to(v: $core) -> $ffi {
            match v { $($core::$c => $ffi::$f,)+ }
        }

        pub(crate) fn $from(v: u32, name: &str) -> Result<$core, cg_error> {
            $core::ALL.iter().copied().find(|c| $to(*c) as u32 == v).ok_or_else(|| {
                cg_error::new(
                    cg_result::InvalidEnum,
                    format!("`{name}` is {v}, not one of the {} constants", stringify!($ffi)),
                )
                .with_field(name)
            })
        }
    };
}

enum_map!(cg_channel, Channel, channel_to_ffi, channel_from, {
    Call => Call, Sms => Sms, Email => Email, Letter => Letter, Visit => Visit, Push => Push,
    VoicemailDrop => VoicemailDrop,
});
enum_map!(cg_role, Role, role_to_ffi, role_from, {
    Debtor => Debtor, CoDebtor => CoDebtor, Guarantor => Guarantor, Spouse => Spouse,
    EstateRepresentative => EstateRepresentative, Attorney => Attorney,
    EmergencyContact => EmergencyContact, Reference => Reference, ThirdParty => ThirdParty,
    Employer => Employer,
});
enum_map!(cg_purpose, Purpose, purpose_to_ffi, purpose_from, {
    Collection => Collection, Location => Location, Notice => Notice,
});
enum_map!(cg_place, Place, place_to_ffi, place_from, {
    Home => Home, Mobile => Mobile, Work => Work, Unknown => Unknown,
});
enum_map!(cg_attempt_result, AttemptResult, result_to_ffi, result_from, {
    NotConnected => NotConnected, NoAnswer => NoAnswer, Voicemail => Voicemail,
    Conversation => Conversation, Delivered => Delivered, Failed => Failed, Pending => Pending,
});
enum_map!(cg_hold_reason, HoldReason, reason_to_ffi, reason_from, {
    Dispute => Dispute, PromiseToPay => PromiseToPay, RepaymentPlan => RepaymentPlan,
    Complaint => Complaint, Bankruptcy => Bankruptcy, Deceased => Deceased,
});

/// "May we contact this person, on this channel, right now?"
///
/// Zero-initialise it (`cg_ask ask = {0};`), then set the required fields
/// (`at`, `channel`, `to`, `role`, `debt`) and any optional ones with their
/// `has_` flag. An optional field left out makes every rule that needs it
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
    /// One of `CG_CHANNEL_*`.
    pub channel: u32,
    /// One of `CG_ROLE_*`.
    pub role: u32,
    /// One of `CG_PLACE_*` (read when `has_place`).
    pub place: u32,
    /// One of `CG_PURPOSE_*` (read when `has_purpose`).
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

impl cg_ask {
    /// Fills `ask` from this struct, reusing its strings' storage.
    ///
    /// # Safety
    ///
    /// Every pointer in the struct is NULL or valid as documented.
    pub(crate) unsafe fn fill(&self, ask: &mut Ask) -> Result<(), cg_error> {
        ask.at = self.at.to_core("at")?;
        ask.channel = channel_from(self.channel, "channel")?;
        ask.role = role_from(self.role, "role")?;
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
        ask.place = opt(self.has_place, || place_from(self.place, "place"))?;
        ask.purpose = opt(self.has_purpose, || purpose_from(self.purpose, "purpose"))?;
        ask.autodialed = opt(self.has_autodialed, || Ok(self.autodialed != 0))?;
        ask.days_past_due = opt(self.has_days_past_due, || Ok(self.days_past_due))?;
        Ok(())
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
    /// One of `CG_EVENT_TYPE_*`.
    pub r#type: u32,
    /// One of `CG_CHANNEL_*`: required for attempt, consent and opt-out;
    /// optional for inconvenient (`has_channel`).
    pub channel: u32,
    /// When it happened.
    pub at: cg_timestamp,
    /// The person (every type but hold).
    pub to: cg_str,
    /// The debt (attempt, cease, attorney, hold, prior consent, unreachable;
    /// optional for request-contact with `has_debt`).
    pub debt: cg_str,
    /// One of `CG_ROLE_*` (attempt).
    pub role: u32,
    /// One of `CG_ATTEMPT_RESULT_*` (attempt).
    pub result: u32,
    /// One of `CG_PLACE_*` (attempt, opt-out, inconvenient; with
    /// `has_place`).
    pub place: u32,
    /// One of `CG_HOLD_REASON_*` (hold).
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
        let place = || opt(self.has_place, || place_from(self.place, "place"));
        let until = || opt(self.has_until, || self.until.to_core("until"));
        let channel = || channel_from(self.channel, "channel");
        let t = self.r#type;
        let event = if t == cg_event_type::Attempt as u32 {
            Event::Attempt(Attempt {
                at,
                channel: channel()?,
                to: to()?,
                role: role_from(self.role, "role")?,
                debt: debt()?,
                result: result_from(self.result, "result")?,
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
                reason: reason_from(self.reason, "reason")?,
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
                channel: opt(self.has_channel, channel)?,
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
                    $from($core::ALL.len() as u32, "x").map_err(|e| e.result),
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
