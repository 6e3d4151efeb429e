//! The domain model shared by every binding: asks, history events and
//! decisions, with the wire names of DESIGN.md.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// Parses a wire name (exactly).
            pub fn from_wire(s: &str) -> Option<Self> {
                // The length and the first byte leave at most a name or
                // two to compare byte by byte (no call per name).
                let b = s.as_bytes();
                $(
                    if b.len() == $wire.len()
                        && b.first() == $wire.as_bytes().first()
                        && b == $wire.as_bytes()
                    {
                        return Some($name::$variant);
                    }
                )+
                None
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// The medium of a contact.
    Channel {
        /// A telephone call.
        Call = "call",
        /// A text message.
        Sms = "sms",
        /// An email.
        Email = "email",
        /// A letter.
        Letter = "letter",
        /// An in-person visit.
        Visit = "visit",
        /// An app push notification or in-app message.
        Push = "push",
        /// A ringless voicemail.
        VoicemailDrop = "voicemail_drop",
    }
}

wire_enum! {
    /// The role of the person contacted, relative to the debt.
    Role {
        /// The borrower.
        Debtor = "debtor",
        /// A joint borrower.
        CoDebtor = "co_debtor",
        /// A guarantor (co-maker).
        Guarantor = "guarantor",
        /// The debtor's spouse.
        Spouse = "spouse",
        /// An executor or administrator of the debtor's estate.
        EstateRepresentative = "estate_representative",
        /// The debtor's attorney.
        Attorney = "attorney",
        /// A person the debtor named as an emergency contact.
        EmergencyContact = "emergency_contact",
        /// A person the debtor named as a reference.
        Reference = "reference",
        /// Anyone else, for example an address-book contact.
        ThirdParty = "third_party",
        /// The debtor's employer.
        Employer = "employer",
    }
}

impl Role {
    /// Obligors: people liable for the debt.
    pub fn is_obligor(self) -> bool {
        matches!(self, Role::Debtor | Role::CoDebtor | Role::Guarantor)
    }

    /// Third parties in regulations.md §2: emergency contacts, references,
    /// address-book contacts and employers.
    pub fn is_third_party(self) -> bool {
        matches!(
            self,
            Role::EmergencyContact | Role::Reference | Role::ThirdParty | Role::Employer
        )
    }
}

wire_enum! {
    /// Why a contact is made.
    Purpose {
        /// Collecting the debt.
        Collection = "collection",
        /// Only asking where the debtor can be reached.
        Location = "location",
        /// A legally required notice.
        Notice = "notice",
    }
}

wire_enum! {
    /// The place reached.
    Place {
        /// The person's home (landline, address).
        Home = "home",
        /// A mobile number.
        Mobile = "mobile",
        /// The person's workplace.
        Work = "work",
        /// Not known.
        Unknown = "unknown",
    }
}

wire_enum! {
    /// The outcome of a contact attempt.
    AttemptResult {
        /// Busy signal, number not in service: never reached a line.
        NotConnected = "not_connected",
        /// Rang, nobody answered.
        NoAnswer = "no_answer",
        /// Reached voicemail.
        Voicemail = "voicemail",
        /// Talked with the person.
        Conversation = "conversation",
        /// An electronic message or letter was delivered.
        Delivered = "delivered",
        /// Sending or dialling failed.
        Failed = "failed",
        /// Admitted, outcome not reported yet (a ledger's attempt between
        /// `check_and_record` and `complete`). It may still turn out to be
        /// any other result, so every rule reads it as whichever result is
        /// stricter for that rule: it counts under every cap and starts
        /// every cool-down, whatever their result filters (see
        /// `docs/DESIGN.md`, "Why does a pending attempt count everywhere?").
        Pending = "pending",
    }
}

wire_enum! {
    /// Why collection on a debt is held.
    HoldReason {
        /// The debt is disputed.
        Dispute = "dispute",
        /// The debtor promised to pay by a date.
        PromiseToPay = "promise_to_pay",
        /// A repayment plan was agreed.
        RepaymentPlan = "repayment_plan",
        /// A complaint is open.
        Complaint = "complaint",
        /// Bankruptcy proceedings.
        Bankruptcy = "bankruptcy",
        /// The debtor has died.
        Deceased = "deceased",
    }
}

/// "May we contact this person, on this channel, right now?"
///
/// Fields other than `at`, `channel`, `to`, `role` and `debt` are optional;
/// a rule that needs an absent one assumes the stricter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    /// When the contact would be made (sent, for electronic messages).
    pub at: Timestamp,
    /// The medium.
    pub channel: Channel,
    /// Recipient key (a phone number, a customer id, a keyed hash...).
    pub to: String,
    /// The recipient's role relative to the debt.
    pub role: Role,
    /// Account key of the debt the contact is about.
    pub debt: String,
    /// Candidate IANA time zones of the recipient: the contact must be
    /// permitted in every one of them.
    #[serde(default, alias = "timezone", deserialize_with = "one_or_many")]
    pub timezones: Vec<String>,
    /// The place reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Whether the call or text is autodialed or prerecorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autodialed: Option<bool>,
    /// Why the contact is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// How many days the debt is past due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_past_due: Option<i64>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// A contact attempt that was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// When it was made.
    pub at: Timestamp,
    /// The medium.
    pub channel: Channel,
    /// Recipient key.
    pub to: String,
    /// The recipient's role.
    pub role: Role,
    /// The debt it was about.
    pub debt: String,
    /// What happened.
    pub result: AttemptResult,
    /// The place reached, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

/// Consent given or withdrawn for a channel (the latest event wins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    /// When it was received.
    pub at: Timestamp,
    /// Who gave it.
    pub to: String,
    /// The channel it covers.
    pub channel: Channel,
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// Which consent this is (for example `tcpa`, `nyc_written`,
    /// `emergency_contact`). A consent without a kind is read by every rule
    /// that reads consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A request not to be contacted through a medium.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptOut {
    /// When it was received.
    pub at: Timestamp,
    /// Who asked.
    pub to: String,
    /// The medium refused.
    pub channel: Channel,
    /// The place (number or address) refused, when the request named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

/// A request to stop collecting from this person on this debt (effective
/// on receipt).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cease {
    /// When it was received.
    pub at: Timestamp,
    /// Who asked.
    pub to: String,
    /// The debt.
    pub debt: String,
}

/// The person is represented by an attorney on this debt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttorneyNotice {
    /// When the collector learned of it.
    pub at: Timestamp,
    /// The represented person.
    pub to: String,
    /// The debt.
    pub debt: String,
}

/// Collection on a debt is held, until a date or open-ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    /// When the hold began.
    pub at: Timestamp,
    /// The debt.
    pub debt: String,
    /// Why.
    pub reason: HoldReason,
    /// When it ends; `None` is open-ended.
    #[serde(default)]
    pub until: Option<Timestamp>,
}

/// Reg F prior consent: the person asked the collector to call them about
/// this debt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriorConsentToContact {
    /// When it was received.
    pub at: Timestamp,
    /// Who gave it.
    pub to: String,
    /// The debt.
    pub debt: String,
    /// A shorter period the person named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// `false` revokes an earlier consent.
    #[serde(default = "yes")]
    pub granted: bool,
}

fn yes() -> bool {
    true
}

/// A third party asked to be contacted again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestContact {
    /// When it was received.
    pub at: Timestamp,
    /// Who asked.
    pub to: String,
    /// The debt, if the request named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt: Option<String>,
}

/// The person said some times, weekdays or a place are inconvenient.
///
/// `start`/`end` give a local-time span, half-open `[start, end)`, wrapping
/// past midnight when `end <= start`; `weekdays` limit it to those days (all
/// day when no span is given). `place` makes it a place designated
/// inconvenient; `channel` limits it to one medium.
///
/// On the wire, `from`/`after` are accepted for `start`, `before` for `end`,
/// `days` for `weekdays` (a list or one name), and an `until` written as a
/// local time (`"12:00"`) is read as the span's end; an `until` written as
/// an instant ends the statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "InconvenientWire")]
pub struct Inconvenient {
    /// When it was said.
    pub at: Timestamp,
    /// Who said it.
    pub to: String,
    /// Start of the inconvenient local-time span, `HH:MM[:SS]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End of the span, exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Weekdays (`mon`...`sun`) that are inconvenient.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<String>,
    /// A place designated inconvenient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// The medium the statement is limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// When the statement stops applying, if it was limited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

#[derive(Deserialize)]
struct InconvenientWire {
    at: Timestamp,
    to: String,
    #[serde(default, alias = "from", alias = "after")]
    start: Option<String>,
    #[serde(default, alias = "before")]
    end: Option<String>,
    #[serde(default, alias = "days", deserialize_with = "one_or_many")]
    weekdays: Vec<String>,
    #[serde(default)]
    place: Option<Place>,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    until: Option<String>,
}

impl TryFrom<InconvenientWire> for Inconvenient {
    type Error = String;

    fn try_from(w: InconvenientWire) -> Result<Inconvenient, String> {
        let mut end = w.end;
        let until = match w.until {
            None => None,
            Some(u) => match u.parse::<Timestamp>() {
                Ok(t) => Some(t),
                Err(_) if end.is_none() && crate::policy::format::LocalTime::parse(&u).is_ok() => {
                    end = Some(u);
                    None
                }
                Err(_) => {
                    return Err(format!(
                        "invalid `until` `{u}`: expected an instant (RFC 3339) or, without `end`, a local time `HH:MM`"
                    ))
                }
            },
        };
        Ok(Inconvenient {
            at: w.at,
            to: w.to,
            start: w.start,
            end,
            weekdays: w.weekdays,
            place: w.place,
            channel: w.channel,
            until,
        })
    }
}

/// The operator marks the debtor out of contact on a debt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unreachable {
    /// When it was marked.
    pub at: Timestamp,
    /// The debtor.
    pub to: String,
    /// The debt.
    pub debt: String,
}

/// The type of a history event (its wire `type`), without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    /// [`Event::Attempt`].
    Attempt,
    /// [`Event::Consent`].
    Consent,
    /// [`Event::OptOut`].
    OptOut,
    /// [`Event::Cease`].
    Cease,
    /// [`Event::Attorney`].
    Attorney,
    /// [`Event::Hold`].
    Hold,
    /// [`Event::PriorConsentToContact`].
    PriorConsentToContact,
    /// [`Event::RequestContact`].
    RequestContact,
    /// [`Event::Inconvenient`].
    Inconvenient,
    /// [`Event::Unreachable`].
    Unreachable,
}

impl EventType {
    /// Every event type, in wire order.
    pub const ALL: [EventType; 10] = [
        EventType::Attempt,
        EventType::Consent,
        EventType::OptOut,
        EventType::Cease,
        EventType::Attorney,
        EventType::Hold,
        EventType::PriorConsentToContact,
        EventType::RequestContact,
        EventType::Inconvenient,
        EventType::Unreachable,
    ];

    /// Wire name (the `type` of an event).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Attempt => "attempt",
            EventType::Consent => "consent",
            EventType::OptOut => "opt_out",
            EventType::Cease => "cease",
            EventType::Attorney => "attorney",
            EventType::Hold => "hold",
            EventType::PriorConsentToContact => "prior_consent_to_contact",
            EventType::RequestContact => "request_contact",
            EventType::Inconvenient => "inconvenient",
            EventType::Unreachable => "unreachable",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One history event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A contact attempt.
    Attempt(Attempt),
    /// Consent granted or withdrawn.
    Consent(Consent),
    /// A medium refused.
    OptOut(OptOut),
    /// Stop collecting from this person on this debt.
    Cease(Cease),
    /// Represented by an attorney.
    Attorney(AttorneyNotice),
    /// Collection held.
    Hold(Hold),
    /// Reg F prior consent to be called.
    PriorConsentToContact(PriorConsentToContact),
    /// A third party asked to be contacted again.
    RequestContact(RequestContact),
    /// Times, days or a place said to be inconvenient.
    Inconvenient(Inconvenient),
    /// The debtor is out of contact.
    Unreachable(Unreachable),
}

impl Event {
    /// The event's type.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::Attempt(_) => EventType::Attempt,
            Event::Consent(_) => EventType::Consent,
            Event::OptOut(_) => EventType::OptOut,
            Event::Cease(_) => EventType::Cease,
            Event::Attorney(_) => EventType::Attorney,
            Event::Hold(_) => EventType::Hold,
            Event::PriorConsentToContact(_) => EventType::PriorConsentToContact,
            Event::RequestContact(_) => EventType::RequestContact,
            Event::Inconvenient(_) => EventType::Inconvenient,
            Event::Unreachable(_) => EventType::Unreachable,
        }
    }

    /// When the event happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Event::Attempt(e) => e.at,
            Event::Consent(e) => e.at,
            Event::OptOut(e) => e.at,
            Event::Cease(e) => e.at,
            Event::Attorney(e) => e.at,
            Event::Hold(e) => e.at,
            Event::PriorConsentToContact(e) => e.at,
            Event::RequestContact(e) => e.at,
            Event::Inconvenient(e) => e.at,
            Event::Unreachable(e) => e.at,
        }
    }

    /// The person the event is about, if any.
    pub fn recipient(&self) -> Option<&str> {
        match self {
            Event::Attempt(e) => Some(&e.to),
            Event::Consent(e) => Some(&e.to),
            Event::OptOut(e) => Some(&e.to),
            Event::Cease(e) => Some(&e.to),
            Event::Attorney(e) => Some(&e.to),
            Event::Hold(_) => None,
            Event::PriorConsentToContact(e) => Some(&e.to),
            Event::RequestContact(e) => Some(&e.to),
            Event::Inconvenient(e) => Some(&e.to),
            Event::Unreachable(e) => Some(&e.to),
        }
    }

    /// The debt the event is about, if any.
    pub fn debt(&self) -> Option<&str> {
        match self {
            Event::Attempt(e) => Some(&e.debt),
            Event::Cease(e) => Some(&e.debt),
            Event::Attorney(e) => Some(&e.debt),
            Event::Hold(e) => Some(&e.debt),
            Event::PriorConsentToContact(e) => Some(&e.debt),
            Event::RequestContact(e) => e.debt.as_deref(),
            Event::Unreachable(e) => Some(&e.debt),
            Event::Consent(_) | Event::OptOut(_) | Event::Inconvenient(_) => None,
        }
    }

    /// The attempt this ask would record if it goes ahead.
    pub fn attempt_from(ask: &Ask, result: AttemptResult) -> Event {
        Event::Attempt(Attempt {
            at: ask.at,
            channel: ask.channel,
            to: ask.to.clone(),
            role: ask.role,
            debt: ask.debt.clone(),
            result,
            place: ask.place,
        })
    }
}

/// An immutable string shared by reference count: a rule's id and
/// citation, held once by the compiled policy and shared (not copied) by
/// every [`Denial`] that names the rule.
///
/// It reads as a `&str` (`Deref`, `AsRef<str>`, [`SharedStr::as_str`]),
/// compares with `str`, `&str` and `String`, and serializes as a plain
/// JSON string.
///
/// ```
/// use contactguard::model::SharedStr;
/// let id = SharedStr::from("us-reg-f.10");
/// assert_eq!(id, "us-reg-f.10");
/// assert!(id.starts_with("us-reg-f."));
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""us-reg-f.10""#);
/// ```
#[derive(Clone)]
pub struct SharedStr(SharedRepr);

/// Where a [`SharedStr`]'s text lives.
#[derive(Clone)]
enum SharedRepr {
    /// Kept for the life of the process ([`SharedStr::interned`]): a clone
    /// copies the reference, with no count to update.
    Static(&'static str),
    /// Shared by reference count.
    Shared(std::sync::Arc<str>),
}

/// The texts [`SharedStr::interned`] has kept, and their total length.
static INTERNED: std::sync::Mutex<Option<(std::collections::HashSet<&'static str>, usize)>> =
    std::sync::Mutex::new(None);

/// The most bytes of text [`SharedStr::interned`] keeps for the life of
/// the process; past it, texts are shared by reference count.
const INTERN_BUDGET: usize = 1 << 20;

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            SharedRepr::Static(s) => s,
            SharedRepr::Shared(s) => s,
        }
    }

    /// `s`, kept once for the life of the process (each distinct text at
    /// most once, and at most [`INTERN_BUDGET`] bytes in all; past that,
    /// or if the table cannot be read, shared by reference count as
    /// [`SharedStr::from`] does). A compiled rule's id and citation are
    /// made so: every denial naming the rule copies a reference to them
    /// rather than updating a shared count (an atomic operation, which on
    /// a decision's path costs more than the rest of building a denial).
    pub(crate) fn interned(s: &str) -> SharedStr {
        if let Ok(mut table) = INTERNED.lock() {
            let (set, used) = table.get_or_insert_with(Default::default);
            if let Some(&kept) = set.get(s) {
                return SharedStr(SharedRepr::Static(kept));
            }
            if used.saturating_add(s.len()) <= INTERN_BUDGET {
                let kept: &'static str = Box::leak(Box::<str>::from(s));
                *used += s.len();
                set.insert(kept);
                return SharedStr(SharedRepr::Static(kept));
            }
        }
        SharedStr::from(s)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &SharedStr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &SharedStr) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for SharedStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(SharedRepr::Shared(s.into()))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(SharedRepr::Shared(s.into()))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> String {
        s.as_str().to_owned()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
        String::deserialize(d).map(SharedStr::from)
    }
}

/// A denial's message: what was exceeded, with the figures.
///
/// `decide` does not write the text: it keeps the figures the message
/// names (a count, a limit, the instants, the zone, the ask's recipient
/// and debt, pieces shared with the compiled rule) and the text is
/// written the first time it is read, then kept (reading it again, from
/// any thread, returns the same text without writing it again). A
/// caller that only reads `allow`, the ids or `retry_at` never pays for
/// it.
///
/// It reads as a `&str` (`Deref`, `AsRef<str>`, [`Message::as_str`],
/// `Display`), compares (by its text) with another message, `str`,
/// `&str` and `String`, and serializes as a plain JSON string; a message
/// read back from JSON, or made from a text
/// (`Message::from("...")`), holds that text.
///
/// ```
/// use contactguard::model::Message;
/// let m = Message::from("3 counted attempts");
/// assert_eq!(m, "3 counted attempts");
/// assert!(m.starts_with("3 "));
/// assert_eq!(m.to_string(), "3 counted attempts");
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#""3 counted attempts""#);
/// ```
pub struct Message {
    cause: crate::engine::Cause,
    /// The text, once written (never for a cause that is a text).
    text: std::sync::OnceLock<String>,
}

impl Message {
    /// A message written from `cause` when first read.
    pub(crate) fn of(cause: crate::engine::Cause) -> Message {
        Message {
            cause,
            text: std::sync::OnceLock::new(),
        }
    }

    /// What the message was made from.
    pub(crate) fn cause(&self) -> &crate::engine::Cause {
        &self.cause
    }

    /// The text (written now if it was not yet).
    pub fn as_str(&self) -> &str {
        if let Some(text) = self.cause.as_text() {
            return text;
        }
        self.text.get_or_init(|| self.cause.write())
    }
}

impl Clone for Message {
    fn clone(&self) -> Message {
        Message {
            cause: self.cause.clone(),
            text: self.text.clone(),
        }
    }
}

impl std::ops::Deref for Message {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Message {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Message {
        Message::of(crate::engine::Cause::Text(s.into()))
    }
}

impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::of(crate::engine::Cause::Text(s.into()))
    }
}

impl From<SharedStr> for Message {
    fn from(s: SharedStr) -> Message {
        Message::of(crate::engine::Cause::Text(s))
    }
}

impl From<Message> for String {
    fn from(m: Message) -> String {
        match m.text.into_inner() {
            Some(text) => text,
            None => m
                .cause
                .as_text()
                .map_or_else(|| m.cause.write(), str::to_owned),
        }
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Message {}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Message {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Message> for str {
    fn eq(&self, other: &Message) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Message> for &str {
    fn eq(&self, other: &Message) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Message> for String {
    fn eq(&self, other: &Message) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Message, D::Error> {
        String::deserialize(d).map(Message::from)
    }
}

/// One rule that denied an ask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Denial {
    /// The rule's id (shared with the compiled policy, not copied).
    pub id: SharedStr,
    /// The rule's legal citation (shared likewise).
    pub cite: SharedStr,
    /// What was exceeded, with the figures: written when first read (see
    /// [`Message`]).
    pub message: Message,
}

/// The answer to an [`Ask`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the contact may go ahead.
    pub allow: bool,
    /// Every rule that denied it.
    pub denials: Vec<Denial>,
    /// The earliest instant at which the same ask would be allowed given the
    /// same history; `None` when no instant within the policy's horizon helps.
    pub retry_at: Option<Timestamp>,
    /// What the contact must honour if it goes ahead (for example
    /// `no_debt_disclosure`, `opt_out_notice`): shared with the compiled
    /// policy, not copied.
    pub obligations: Vec<SharedStr>,
}

#[cfg(test)]
mod tests {
    use super::{Decision, Denial, SharedStr};

    /// A kept (interned) string is the same value as a shared one of the
    /// same text: equal, ordered and hashed alike, read, printed and
    /// serialized the same; a text is kept once (a second request returns
    /// the same copy), and a clone reads the same text.
    #[test]
    fn interned_strings_equal_shared_ones() {
        use std::hash::{BuildHasher, RandomState};
        let texts = [
            "",
            "us-ma.1",
            "1006.14(b)(2)(i)(A), (ii); cmts 14(b)-1",
            "é…ü",
        ];
        let hasher = RandomState::new();
        for t in texts {
            let (kept, shared) = (SharedStr::interned(t), SharedStr::from(t));
            assert!(matches!(kept.0, super::SharedRepr::Static(_)), "{t}");
            assert!(matches!(shared.0, super::SharedRepr::Shared(_)), "{t}");
            assert_eq!(kept, shared);
            assert_eq!(kept.cmp(&shared), std::cmp::Ordering::Equal);
            assert_eq!(hasher.hash_one(&kept), hasher.hash_one(&shared));
            assert_eq!(hasher.hash_one(&kept), hasher.hash_one(t));
            assert_eq!(kept.as_str(), t);
            assert_eq!(&*kept.clone(), t);
            assert_eq!(format!("{kept} {kept:?}"), format!("{t} {t:?}"));
            assert_eq!(
                serde_json::to_string(&kept).ok(),
                serde_json::to_string(&shared).ok()
            );
            let again = SharedStr::interned(t);
            assert!(std::ptr::eq(again.as_str(), kept.as_str()), "{t}");
        }
        let (a, b) = (SharedStr::interned("a"), SharedStr::from("b"));
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
        assert_eq!(b.partial_cmp(&a), Some(std::cmp::Ordering::Greater));
    }

    /// A shared string reads, compares, prints and serializes as the text
    /// it holds, and a denial made of them serializes exactly as one made
    /// of owned strings did (the JSON every binding and the audit write).
    #[test]
    fn shared_strings_read_and_serialize_as_their_text() {
        let id = SharedStr::from("us-ma.1");
        let copy = id.clone();
        assert_eq!(id.as_str(), "us-ma.1");
        let (text, owned): (&str, String) = ("us-ma.1", "us-ma.1".to_owned());
        assert!(id == text);
        assert!(text == id);
        assert!(id == *text);
        assert!(*text == id);
        assert!(id == owned);
        assert!(owned == id);
        assert!(id != "us-ma.2");
        assert_eq!(copy, id);
        let mut sorted = vec![SharedStr::from("b"), SharedStr::from("a")];
        sorted.sort();
        assert_eq!(sorted, ["a", "b"]);
        assert_eq!(format!("{id}"), "us-ma.1");
        assert_eq!(format!("{id:?}"), format!("{:?}", "us-ma.1"));
        assert_eq!(String::from(copy), "us-ma.1");
        assert_eq!(SharedStr::from(String::from("x\"y")).len(), 3);

        let decision = Decision {
            allow: false,
            denials: vec![Denial {
                id: "us-ma.1".into(),
                cite: "940 CMR 7.04(1)(f); \"quoted\" \u{e9}".into(),
                message: "3 counted attempts".into(),
            }],
            retry_at: None,
            obligations: Vec::new(),
        };
        let json = serde_json::to_string(&decision).expect("serialize");
        let expected = concat!(
            r#"{"allow":false,"denials":[{"id":"us-ma.1","#,
            r#""cite":"940 CMR 7.04(1)(f); \"quoted\" é","#,
            r#""message":"3 counted attempts"}],"retry_at":null,"obligations":[]}"#
        );
        assert_eq!(json, expected);
        let back: Decision = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, decision);
        assert!(serde_json::from_str::<SharedStr>("3").is_err());
    }

    /// A message `decide` left unwritten reads as its text: written once
    /// on first read (the same text, at the same address, on every later
    /// read, from any thread), the same whether cloned before or after,
    /// compared, printed, converted or serialized; a message read back from
    /// JSON holds the text.
    #[test]
    fn a_lazy_message_reads_as_its_text() {
        use crate::{decide, Ask, History, Message, Policy};
        let policy = Policy::preset("us-reg-f").expect("preset");
        let ask: Ask = serde_json::from_str(
            r#"{"at": "2026-10-14T07:59:00-04:00", "channel": "call", "to": "c1",
                "role": "debtor", "debt": "d1", "timezones": ["America/New_York"],
                "purpose": "collection"}"#,
        )
        .expect("ask");
        let d = decide(&policy, &ask, &History::new());
        let text = "local time 07:59:00 Wednesday 2026-10-14 in America/New_York is outside the permitted window [08:00–21:00]";
        let m = &d.denials.first().expect("a denial").message;
        let early = m.clone();
        let first = m.as_str();
        assert_eq!(first, text);
        assert!(std::ptr::eq(first, m.as_str()), "written once");
        let late = m.clone();
        assert_eq!(early, text);
        assert_eq!(late, *m);
        assert_eq!(format!("{m}"), text);
        assert_eq!(format!("{m:?}"), format!("{text:?}"));
        assert_eq!(String::from(early), text);
        assert_eq!(String::from(late), text);
        assert!(m.starts_with("local time ") && m.len() == text.len());
        let json = serde_json::to_string(&d).expect("json");
        assert!(json.contains(&format!(r#""message":"{text}""#)), "{json}");
        let back: Decision = serde_json::from_str(&json).expect("back");
        assert_eq!(back, d);
        assert_eq!(back.denials[0].message, text);

        // Read first from several threads at once: one text, one address.
        let d = decide(&policy, &ask, &History::new());
        let m = &d.denials[0].message;
        let addrs: Vec<usize> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| m.as_str().as_ptr() as usize))
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert!(addrs.iter().all(|&a| a == m.as_str().as_ptr() as usize));
        assert_eq!(*m, text);

        let given = Message::from(String::from("given"));
        assert_eq!(given, Message::from("given"));
        assert_ne!(given, Message::from("other"));
        assert!(serde_json::from_str::<Message>("3").is_err());
    }
}
