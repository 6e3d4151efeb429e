//! The same contact decision made by contactguard, Cedar and regorus (its
//! RVM and its interpreter), timed in one run.
//!
//! - **contactguard** reads the composed preset `us-reg-f+us-ma`, the ask
//!   and a 50-event history, converts times to the recipient's local time,
//!   counts what each rule counts and evaluates every rule (`decide`; and
//!   `Ledger::check` over the same events).
//! - **Cedar** and **regorus** evaluate the same rules written in their
//!   languages (the `CEDAR` and `REGO` texts below). Neither language can
//!   read a time zone or count over an event list by local date, so a
//!   caller computes those facts in host code ([`facts`]): the local time
//!   of day, the calls and communications in the last 7 and 30 local dates,
//!   whether a conversation was within the last 7 local dates, the live
//!   objections (opt-out, cease, attorney, dispute hold, inconvenient
//!   times and places). That computation, and building the engine's request
//!   (Cedar's `Context`, regorus's input `Value`), is inside every peer's
//!   timed closure: the figures are what a caller pays per decision.
//!
//! Before timing, every engine decides two grids of asks and the program
//! aborts if any disagrees with `decide`: the benchmark's history over ten
//! days of times (calls, texts and emails to mobile, home and work
//! numbers, both ends of the calling window), and a history holding every
//! event kind the rules read over every role, channel, place and purpose
//! (every rule that can deny does). Each engine is then timed on one
//! allowed and one denied call: [`CALLS`] calls, each timed alone, the
//! engines taking turns [`BLOCK`] calls at a time so that load on the
//! machine falls on all of them alike. It prints the median and the 99th
//! percentile per decision and the ratios to `decide` from the same run
//! (and the timer's own cost, an empty call). Run with `make bench-peers`.
//!
//! What the facts code leaves out, which makes it cheaper than what
//! contactguard does: Reg F's prior-consent windows (the histories hold no
//! `prior_consent_to_contact` event), more than one candidate time zone,
//! and asks without a place or a purpose (the grids always give both).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicySet, Request, RestrictedExpression,
};
use contactguard::model::{
    Attempt, AttemptResult, Channel, Consent, Hold, HoldReason, Inconvenient, Place, Role,
};
use contactguard::{decide, Ask, Event, History, Ledger, Policy, Purpose};
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

/// The composed preset whose decision is compared.
const PRESET: &str = "us-reg-f+us-ma";

/// `us-reg-f+us-ma` in Cedar: every rule that can deny (the two `oblige`
/// rules, 7b and 13, only attach obligations and are left out). The context
/// carries the ask's fields and the facts the caller computed.
const CEDAR: &str = r#"
permit(principal, action, resource);
// us-reg-f.1, us-ma.3a: consumers only 08:00-21:00 local, both ends permitted
@id("us-reg-f.1")
forbid(principal, action, resource) when {
  context.consumer && (context.local_ns < 28800000000000 || context.local_ns > 75600000000000)
};
// us-reg-f.2: a time the consumer said is inconvenient
@id("us-reg-f.2")
forbid(principal, action, resource) when { context.consumer && context.inconvenient_time };
// us-reg-f.3, us-reg-f.4: a place the consumer designated inconvenient
@id("us-reg-f.3")
forbid(principal, action, resource) when { context.consumer && context.inconvenient_place };
// us-reg-f.5: represented about this debt
@id("us-reg-f.5")
forbid(principal, action, resource) when { context.consumer && context.represented };
// us-reg-f.6: cease, except notices
@id("us-reg-f.6")
forbid(principal, action, resource) when {
  context.consumer && context.ceased && context.purpose != "notice"
};
// us-reg-f.7a: third parties only for location
@id("us-reg-f.7a")
forbid(principal, action, resource) when { context.third_party && context.purpose != "location" };
// us-reg-f.8: one communication with a third party unless they asked again
@id("us-reg-f.8")
forbid(principal, action, resource) when {
  context.third_party && !context.requested_contact && context.third_party_communications >= 1
};
// us-reg-f.9: no third parties once the consumer is represented on the debt
@id("us-reg-f.9")
forbid(principal, action, resource) when { context.third_party && context.debt_represented };
// us-reg-f.10: seven calls in seven local dates, per person and debt
@id("us-reg-f.10")
forbid(principal, action, resource) when {
  ["call", "voicemail_drop"].contains(context.channel)
  && (context.consumer || context.third_party)
  && context.calls_7_dates >= 7
};
// us-reg-f.11: no call within seven local dates of a conversation
@id("us-reg-f.11")
forbid(principal, action, resource) when {
  ["call", "voicemail_drop"].contains(context.channel)
  && (context.consumer || context.third_party)
  && context.conversation_7_dates
};
// us-reg-f.12: the medium was opted out of
@id("us-reg-f.12")
forbid(principal, action, resource) when { context.opted_out };
// us-reg-f.14: no email to an employer-provided address
@id("us-reg-f.14")
forbid(principal, action, resource) when {
  context.channel == "email" && context.consumer && context.place == "work"
};
// us-reg-f.15: no collection while a dispute is unresolved
@id("us-reg-f.15")
forbid(principal, action, resource) when {
  context.consumer && context.purpose == "collection" && context.dispute_hold
};
// us-ma.1: two telephone communications in seven local dates, personal numbers
@id("us-ma.1")
forbid(principal, action, resource) when {
  ["call", "sms", "voicemail_drop"].contains(context.channel)
  && context.role == "debtor"
  && ["home", "mobile", "unknown"].contains(context.place)
  && context.ma_personal_7_dates >= 2
};
// us-ma.2: two in thirty local dates, other numbers
@id("us-ma.2")
forbid(principal, action, resource) when {
  ["call", "sms", "voicemail_drop"].contains(context.channel)
  && context.role == "debtor"
  && ["work", "unknown"].contains(context.place)
  && context.ma_other_30_dates >= 2
};
// us-ma.3b: household members at home only 08:00-21:00
@id("us-ma.3b")
forbid(principal, action, resource) when {
  context.third_party && context.place == "home"
  && (context.local_ns < 28800000000000 || context.local_ns > 75600000000000)
};
// us-ma.4: no calls at work once designated inconvenient
@id("us-ma.4")
forbid(principal, action, resource) when {
  context.channel == "call" && context.consumer && context.place == "work" && context.inconvenient_place
};
// us-ma.5: one household visit in thirty local dates per debt
@id("us-ma.5")
forbid(principal, action, resource) when {
  context.channel == "visit" && ["home", "unknown"].contains(context.place)
  && context.visits_30_dates >= 1
};
"#;

/// The same rules in Rego.
const REGO: &str = r#"
package cg
import rego.v1

default allow := false

consumers := {"debtor", "co_debtor", "guarantor", "spouse", "estate_representative"}
third_parties := {"emergency_contact", "reference", "third_party", "employer"}
calls := {"call", "voicemail_drop"}
telephone := {"call", "sms", "voicemail_drop"}

consumer if input.role in consumers
third_party if input.role in third_parties

in_hours if {
    input.local_ns >= 28800000000000
    input.local_ns <= 75600000000000
}

deny contains "us-reg-f.1" if {
    consumer
    not in_hours
}
deny contains "us-reg-f.2" if {
    consumer
    input.inconvenient_time
}
deny contains "us-reg-f.3" if {
    consumer
    input.inconvenient_place
}
deny contains "us-reg-f.5" if {
    consumer
    input.represented
}
deny contains "us-reg-f.6" if {
    consumer
    input.ceased
    input.purpose != "notice"
}
deny contains "us-reg-f.7a" if {
    third_party
    input.purpose != "location"
}
deny contains "us-reg-f.8" if {
    third_party
    not input.requested_contact
    input.third_party_communications >= 1
}
deny contains "us-reg-f.9" if {
    third_party
    input.debt_represented
}
deny contains "us-reg-f.10" if {
    input.channel in calls
    counted_role
    input.calls_7_dates >= 7
}
deny contains "us-reg-f.11" if {
    input.channel in calls
    counted_role
    input.conversation_7_dates
}
counted_role if consumer
counted_role if third_party
deny contains "us-reg-f.12" if input.opted_out
deny contains "us-reg-f.14" if {
    input.channel == "email"
    consumer
    input.place == "work"
}
deny contains "us-reg-f.15" if {
    consumer
    input.purpose == "collection"
    input.dispute_hold
}
deny contains "us-ma.1" if {
    input.channel in telephone
    input.role == "debtor"
    input.place in {"home", "mobile", "unknown"}
    input.ma_personal_7_dates >= 2
}
deny contains "us-ma.2" if {
    input.channel in telephone
    input.role == "debtor"
    input.place in {"work", "unknown"}
    input.ma_other_30_dates >= 2
}
deny contains "us-ma.3b" if {
    third_party
    input.place == "home"
    not in_hours
}
deny contains "us-ma.4" if {
    input.channel == "call"
    consumer
    input.place == "work"
    input.inconvenient_place
}
deny contains "us-ma.5" if {
    input.channel == "visit"
    input.place in {"home", "unknown"}
    input.visits_30_dates >= 1
}

allow if count(deny) == 0
"#;

/// What a caller computes for Cedar and Rego from the ask and the history.
#[derive(Clone, Debug, Default)]
struct Facts {
    channel: &'static str,
    role: &'static str,
    place: &'static str,
    purpose: &'static str,
    consumer: bool,
    third_party: bool,
    /// Nanoseconds since local midnight.
    local_ns: i64,
    inconvenient_time: bool,
    inconvenient_place: bool,
    represented: bool,
    debt_represented: bool,
    ceased: bool,
    opted_out: bool,
    dispute_hold: bool,
    requested_contact: bool,
    third_party_communications: i64,
    calls_7_dates: i64,
    conversation_7_dates: bool,
    ma_personal_7_dates: i64,
    ma_other_30_dates: i64,
    visits_30_dates: i64,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.get(..3)?.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// Seconds since midnight of `HH:MM[:SS]`.
fn clock(s: &str) -> Option<i64> {
    let mut parts = s.split(':').map(|p| p.parse::<i64>().ok());
    let h = parts.next()??;
    let m = parts.next()??;
    let sec = parts.next().unwrap_or(Some(0))?;
    (parts.next().is_none()
        && (0..=24).contains(&h)
        && (0..60).contains(&m)
        && (0..60).contains(&sec))
    .then_some(h * 3600 + m * 60 + sec)
}

/// Whether a statement covers the local date-time `dt` (`ns` past
/// midnight). An unreadable span or weekday covers the whole day.
fn covers(i: &Inconvenient, dt: DateTime, ns: i64) -> bool {
    let mut days = Vec::with_capacity(i.weekdays.len());
    for w in &i.weekdays {
        match weekday(w) {
            Some(d) => days.push(d),
            None => {
                days.clear();
                break;
            }
        }
    }
    let day_ok = |d: Date| days.is_empty() || days.contains(&d.weekday());
    if i.start.is_none() && i.end.is_none() {
        return day_ok(dt.date());
    }
    let s = i.start.as_deref().map_or(Some(0), clock);
    let e = i.end.as_deref().map_or(Some(86_400), clock);
    let (s, e) = match (s, e) {
        (Some(s), Some(e)) => (s * 1_000_000_000, e * 1_000_000_000),
        _ => (0, 86_400 * 1_000_000_000),
    };
    if s < e {
        day_ok(dt.date()) && ns >= s && ns < e
    } else {
        (ns >= s && day_ok(dt.date())) || (ns < e && dt.date().yesterday().is_ok_and(day_ok))
    }
}

fn place_name(p: Option<Place>) -> &'static str {
    match p {
        Some(Place::Home) => "home",
        Some(Place::Mobile) => "mobile",
        Some(Place::Work) => "work",
        Some(Place::Unknown) | None => "unknown",
    }
}

/// The facts for `a` over `h`, as a caller of Cedar or Rego computes them:
/// the history's events for the recipient and for the debt at or before
/// the ask, local dates in the ask's zone. Periods of local dates become
/// instants (the first instant of the period's first date), so each
/// attempt is compared, not converted.
fn facts(a: &Ask, h: &History) -> Facts {
    let tz = TimeZone::get(&a.timezones[0]).expect("a known zone");
    let t = a.at;
    let local = tz.to_datetime(t);
    let today = local.date();
    let since = |dates: i64| {
        let d = today.checked_sub(dates.days()).expect("a date in range");
        tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .earlier()
            .expect("an instant in range")
    };
    let (since_7, since_30) = (since(6), since(29));
    let ns = local.time().hour() as i64 * 3_600_000_000_000
        + local.time().minute() as i64 * 60_000_000_000
        + local.time().second() as i64 * 1_000_000_000
        + local.time().subsec_nanosecond() as i64;
    let counted = |r: AttemptResult| r != AttemptResult::NotConnected;
    let mut f = Facts {
        channel: a.channel.as_str(),
        role: a.role.as_str(),
        place: place_name(a.place),
        purpose: a.purpose.map_or("none", |p| p.as_str()),
        consumer: a.role.is_obligor()
            || matches!(a.role, Role::Spouse | Role::EstateRepresentative),
        third_party: a.role.is_third_party(),
        local_ns: ns,
        ..Facts::default()
    };
    for e in h.for_recipient(&a.to) {
        match e {
            Event::Attempt(x) if x.at <= t => {
                let same_debt = x.debt == a.debt;
                let call = matches!(x.channel, Channel::Call | Channel::VoicemailDrop);
                if x.role.is_third_party()
                    && matches!(
                        x.result,
                        AttemptResult::Conversation
                            | AttemptResult::Delivered
                            | AttemptResult::Pending
                    )
                {
                    f.third_party_communications += 1;
                }
                if !same_debt {
                    continue;
                }
                if call && x.at >= since_7 {
                    if counted(x.result) && x.role != Role::Attorney {
                        f.calls_7_dates += 1;
                    }
                    if matches!(
                        x.result,
                        AttemptResult::Conversation | AttemptResult::Pending
                    ) {
                        f.conversation_7_dates = true;
                    }
                }
                let telephone = call || x.channel == Channel::Sms;
                if telephone && counted(x.result) {
                    if x.at >= since_7
                        && matches!(
                            x.place,
                            None | Some(Place::Home | Place::Mobile | Place::Unknown)
                        )
                    {
                        f.ma_personal_7_dates += 1;
                    }
                    if x.at >= since_30
                        && matches!(x.place, None | Some(Place::Work | Place::Unknown))
                    {
                        f.ma_other_30_dates += 1;
                    }
                }
            }
            Event::OptOut(o)
                if o.at <= t
                    && o.channel == a.channel
                    && o.place.is_none_or(|p| a.place.is_none_or(|q| p == q)) =>
            {
                f.opted_out = true;
            }
            Event::Cease(c) if c.at <= t => f.ceased |= c.debt == a.debt,
            Event::Attorney(x) if x.at <= t => f.represented |= x.debt == a.debt,
            Event::RequestContact(r) if r.at <= t => {
                f.requested_contact |= r.debt.as_ref().is_none_or(|d| *d == a.debt);
            }
            Event::Inconvenient(i)
                if i.at <= t
                    && i.until.is_none_or(|u| t < u)
                    && i.channel.is_none_or(|c| c == a.channel) =>
            {
                match i.place {
                    None => f.inconvenient_time |= covers(i, local, ns),
                    Some(p) => {
                        f.inconvenient_place |=
                            a.place.is_none_or(|q| q == p) && covers(i, local, ns);
                    }
                }
            }
            _ => {}
        }
    }
    for e in h.for_debt(&a.debt) {
        match e {
            Event::Hold(x) if x.at <= t => {
                f.dispute_hold |= x.reason == HoldReason::Dispute && x.until.is_none_or(|u| t < u);
            }
            Event::Attorney(x) if x.at <= t => f.debt_represented = true,
            Event::Attempt(x)
                if x.at <= t
                    && x.at >= since_30
                    && x.channel == Channel::Visit
                    && matches!(x.place, None | Some(Place::Home | Place::Unknown))
                    && matches!(
                        x.result,
                        AttemptResult::Conversation
                            | AttemptResult::Delivered
                            | AttemptResult::Pending
                    ) =>
            {
                f.visits_30_dates += 1;
            }
            _ => {}
        }
    }
    f
}

struct Cedar {
    policies: PolicySet,
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
    action: EntityUid,
    resource: EntityUid,
}

impl Cedar {
    fn new() -> Cedar {
        Cedar {
            policies: CEDAR.parse().expect("Cedar policies parse"),
            authorizer: Authorizer::new(),
            entities: Entities::empty(),
            principal: r#"Collector::"dialer-1""#.parse().unwrap(),
            action: r#"Action::"contact""#.parse().unwrap(),
            resource: r#"Person::"p1""#.parse().unwrap(),
        }
    }

    fn allow(&self, f: &Facts) -> bool {
        let s = |k: &str, v: &str| (k.to_owned(), RestrictedExpression::new_string(v.to_owned()));
        let b = |k: &str, v: bool| (k.to_owned(), RestrictedExpression::new_bool(v));
        let n = |k: &str, v: i64| (k.to_owned(), RestrictedExpression::new_long(v));
        let context = Context::from_pairs([
            s("channel", f.channel),
            s("role", f.role),
            s("place", f.place),
            s("purpose", f.purpose),
            b("consumer", f.consumer),
            b("third_party", f.third_party),
            n("local_ns", f.local_ns),
            b("inconvenient_time", f.inconvenient_time),
            b("inconvenient_place", f.inconvenient_place),
            b("represented", f.represented),
            b("debt_represented", f.debt_represented),
            b("ceased", f.ceased),
            b("opted_out", f.opted_out),
            b("dispute_hold", f.dispute_hold),
            b("requested_contact", f.requested_contact),
            n("third_party_communications", f.third_party_communications),
            n("calls_7_dates", f.calls_7_dates),
            b("conversation_7_dates", f.conversation_7_dates),
            n("ma_personal_7_dates", f.ma_personal_7_dates),
            n("ma_other_30_dates", f.ma_other_30_dates),
            n("visits_30_dates", f.visits_30_dates),
        ])
        .unwrap();
        let request = Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .unwrap();
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        assert!(
            response.diagnostics().errors().next().is_none(),
            "Cedar evaluation errors for {f:?}"
        );
        response.decision() == cedar_policy::Decision::Allow
    }
}

/// The facts as regorus's input document.
fn rego_input(f: &Facts) -> regorus::Value {
    let mut input = regorus::Value::new_object();
    let m = input.as_object_mut().unwrap();
    let mut s = |k: &str, v: regorus::Value| {
        m.insert(k.into(), v);
    };
    s("channel", f.channel.into());
    s("role", f.role.into());
    s("place", f.place.into());
    s("purpose", f.purpose.into());
    s("local_ns", f.local_ns.into());
    s("inconvenient_time", f.inconvenient_time.into());
    s("inconvenient_place", f.inconvenient_place.into());
    s("represented", f.represented.into());
    s("debt_represented", f.debt_represented.into());
    s("ceased", f.ceased.into());
    s("opted_out", f.opted_out.into());
    s("dispute_hold", f.dispute_hold.into());
    s("requested_contact", f.requested_contact.into());
    s(
        "third_party_communications",
        f.third_party_communications.into(),
    );
    s("calls_7_dates", f.calls_7_dates.into());
    s("conversation_7_dates", f.conversation_7_dates.into());
    s("ma_personal_7_dates", f.ma_personal_7_dates.into());
    s("ma_other_30_dates", f.ma_other_30_dates.into());
    s("visits_30_dates", f.visits_30_dates.into());
    input
}

fn rego_bool(v: &regorus::Value) -> bool {
    match v {
        regorus::Value::Bool(b) => *b,
        other => panic!("regorus returned {other:?}, not a boolean"),
    }
}

/// regorus's tree-walking interpreter (`Engine::eval_rule`).
struct RegoInterp {
    engine: regorus::Engine,
}

impl RegoInterp {
    fn new() -> RegoInterp {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("cg.rego".to_owned(), REGO.to_owned())
            .expect("Rego policy parses");
        RegoInterp { engine }
    }

    fn allow(&mut self, f: &Facts) -> bool {
        self.engine.set_input(rego_input(f));
        rego_bool(&self.engine.eval_rule("data.cg.allow".to_owned()).unwrap())
    }
}

/// regorus's RVM: the policy compiled once to a program, executed per ask.
struct RegoVm {
    vm: RegoVM,
}

impl RegoVm {
    fn new() -> RegoVm {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("cg.rego".to_owned(), REGO.to_owned())
            .expect("Rego policy parses");
        let entry: regorus::Rc<str> = "data.cg.allow".into();
        let compiled = engine
            .compile_with_entrypoint(&entry)
            .expect("Rego policy compiles");
        let program: Arc<Program> =
            regorus::languages::rego::compiler::Compiler::compile_from_policy(
                &compiled,
                &["data.cg.allow"],
            )
            .expect("RVM program compiles");
        let mut vm = RegoVM::new();
        vm.load_program(program);
        RegoVm { vm }
    }

    fn allow(&mut self, f: &Facts) -> bool {
        self.vm.set_input(rego_input(f));
        rego_bool(&self.vm.execute().unwrap())
    }
}

const ZONE: &str = "America/New_York";

fn ask(at: Timestamp, channel: Channel, place: Place) -> Ask {
    Ask {
        at,
        channel,
        to: "+16175550100".into(),
        role: Role::Debtor,
        debt: "card-1".into(),
        timezones: vec![ZONE.into()],
        place: Some(place),
        autodialed: Some(false),
        purpose: Some(Purpose::Collection),
        days_past_due: Some(60),
    }
}

/// Candidate events before `a.at`, `step` apart going back: attempts to
/// the debtor about the debt on mixed channels, results and places, some
/// to the spouse and a reference, some about another debt, and state
/// events (a consent, a Sunday-inconvenient statement, a promise to pay).
fn candidates(a: &Ask, n: usize, step: SignedDuration) -> Vec<Event> {
    const CHANNELS: [Channel; 6] = [
        Channel::Call,
        Channel::Sms,
        Channel::Email,
        Channel::Call,
        Channel::VoicemailDrop,
        Channel::Letter,
    ];
    const RESULTS: [AttemptResult; 6] = [
        AttemptResult::NoAnswer,
        AttemptResult::Voicemail,
        AttemptResult::NotConnected,
        AttemptResult::Conversation,
        AttemptResult::Failed,
        AttemptResult::NoAnswer,
    ];
    const PLACES: [Place; 3] = [Place::Mobile, Place::Home, Place::Work];
    (0..n)
        .map(|i| {
            let at = a.at - step * i32::try_from(i + 1).unwrap();
            let channel = CHANNELS[i % CHANNELS.len()];
            let result = if matches!(channel, Channel::Call | Channel::VoicemailDrop) {
                RESULTS[(i / 2) % RESULTS.len()]
            } else {
                AttemptResult::Delivered
            };
            let (to, role, debt) = match i % 17 {
                4 => ("+16175550199", Role::Spouse, a.debt.as_str()),
                9 => ("ref-7", Role::Reference, a.debt.as_str()),
                13 => (a.to.as_str(), Role::Debtor, "loan-2"),
                _ => (a.to.as_str(), Role::Debtor, a.debt.as_str()),
            };
            match i % 23 {
                5 => Event::Consent(Consent {
                    at,
                    to: a.to.clone(),
                    channel: Channel::Sms,
                    granted: true,
                    kind: Some("tcpa".into()),
                }),
                11 => Event::Inconvenient(Inconvenient {
                    at,
                    to: a.to.clone(),
                    start: None,
                    end: None,
                    weekdays: vec!["sun".into()],
                    place: None,
                    channel: None,
                    until: None,
                }),
                17 => Event::Hold(Hold {
                    at,
                    debt: a.debt.clone(),
                    reason: HoldReason::PromiseToPay,
                    until: Some(at + SignedDuration::from_hours(48)),
                }),
                _ => Event::Attempt(Attempt {
                    at,
                    channel,
                    to: to.into(),
                    role,
                    debt: debt.into(),
                    result,
                    place: Some(PLACES[(i / 5) % PLACES.len()]),
                }),
            }
        })
        .rev()
        .collect()
}

/// 50 events in the 30 days before `a.at` that the policy would have
/// allowed when each was made (state events always kept).
fn history(policy: &Policy, a: &Ask) -> History {
    let span = SignedDuration::from_hours(24 * 30);
    for per in [4usize, 8, 16, 32] {
        let n = 50 * per;
        let step = span / i32::try_from(n).unwrap();
        let mut h = History::new();
        for e in candidates(a, n, step) {
            if h.len() == 50 {
                break;
            }
            let keep = match &e {
                Event::Attempt(x) => {
                    let mut c = a.clone();
                    c.at = x.at;
                    c.channel = x.channel;
                    c.to = x.to.clone();
                    c.role = x.role;
                    c.debt = x.debt.clone();
                    c.place = x.place;
                    c.purpose = Some(if x.role.is_third_party() {
                        Purpose::Location
                    } else {
                        Purpose::Collection
                    });
                    decide(policy, &c, &h).allow
                }
                _ => true,
            };
            if keep {
                h.push(e);
            }
        }
        if h.len() == 50 {
            return h;
        }
    }
    panic!("could not build a 50-event compliant history");
}

/// Asks over the last ten days of the history and two days after it: every
/// 97 minutes (so the time of day drifts), with 07:59:59, 08:00, 21:00,
/// 21:00:00.5 and 21:01 local each day, on three channels and three places.
fn grid(last: Timestamp) -> Vec<Ask> {
    let tz = TimeZone::get(ZONE).unwrap();
    let first = last - SignedDuration::from_hours(24 * 10);
    let mut times = Vec::new();
    let mut t = first;
    while t < last + SignedDuration::from_hours(48) {
        times.push(t);
        t += SignedDuration::from_mins(97);
    }
    let mut d = tz.to_datetime(first).date();
    while d <= tz.to_datetime(last).date().checked_add(2.days()).unwrap() {
        for (h, m, s, ns) in [
            (7, 59, 59, 0),
            (8, 0, 0, 0),
            (21, 0, 0, 0),
            (21, 0, 0, 500_000_000),
            (21, 1, 0, 0),
        ] {
            let dt = d.at(h, m, s, ns);
            times.push(tz.to_ambiguous_timestamp(dt).earlier().unwrap());
        }
        d = d.tomorrow().unwrap();
    }
    let mut out = Vec::new();
    for &t in &times {
        for channel in [Channel::Call, Channel::Sms, Channel::Email] {
            for place in [Place::Mobile, Place::Home, Place::Work] {
                out.push(ask(t, channel, place));
            }
        }
    }
    out
}

/// A history no policy filtered, with one of every event the rules read:
/// dense calls (seven and more in a week, conversations) to mobile, home
/// and work numbers, visits, third-party communications, and opt-outs,
/// cease, attorney, dispute hold, requests for contact and inconvenient
/// statements (by weekday, by span, wrapping midnight, by place, limited
/// in time and to a channel), so that every rule's facts are exercised.
fn stress_history(base: Timestamp) -> History {
    const DEBTOR: &str = "+16175550100";
    const SPOUSE: &str = "+16175550199";
    const REFERENCE: &str = "ref-7";
    let day = |d: i64, h: i64| {
        base - SignedDuration::from_hours(24 * d) + SignedDuration::from_mins(h * 60 + 7)
    };
    let mut ev = Vec::new();
    let results = [
        AttemptResult::NoAnswer,
        AttemptResult::NotConnected,
        AttemptResult::Voicemail,
        AttemptResult::Failed,
        AttemptResult::Conversation,
        AttemptResult::Delivered,
    ];
    let places = [Place::Mobile, Place::Home, Place::Work, Place::Unknown];
    let channels = [
        Channel::Call,
        Channel::Call,
        Channel::Sms,
        Channel::VoicemailDrop,
        Channel::Call,
        Channel::Visit,
        Channel::Email,
    ];
    // Attempts: several a day for 20 days, mostly to the debtor about
    // card-1, some about loan-2, to the spouse, the reference, the attorney.
    for i in 0..90i64 {
        let at = day(20 - i * 2 / 9, (i * 5) % 13 - 2);
        let k = usize::try_from(i).unwrap();
        let channel = channels[k % channels.len()];
        let (to, role, debt) = match i % 11 {
            3 => (SPOUSE, Role::Spouse, "card-1"),
            6 => (REFERENCE, Role::Reference, "card-1"),
            8 => (DEBTOR, Role::Debtor, "loan-2"),
            10 => ("atty-1", Role::Attorney, "card-1"),
            _ => (DEBTOR, Role::Debtor, "card-1"),
        };
        ev.push(Event::Attempt(Attempt {
            at,
            channel,
            to: to.into(),
            role,
            debt: debt.into(),
            result: results[(k * 7 / 3) % results.len()],
            place: if i % 13 == 12 {
                None
            } else {
                Some(places[(k / 2) % places.len()])
            },
        }));
    }
    let inconvenient = |at,
                        to: &str,
                        start: Option<&str>,
                        end: Option<&str>,
                        days: &[&str],
                        place,
                        channel,
                        until| {
        Event::Inconvenient(Inconvenient {
            at,
            to: to.into(),
            start: start.map(Into::into),
            end: end.map(Into::into),
            weekdays: days.iter().map(|d| (*d).to_owned()).collect(),
            place,
            channel,
            until,
        })
    };
    ev.extend([
        inconvenient(day(18, 0), DEBTOR, None, None, &["sun"], None, None, None),
        inconvenient(
            day(15, 0),
            DEBTOR,
            Some("12:00"),
            Some("13:30"),
            &["mon", "wed"],
            None,
            None,
            None,
        ),
        inconvenient(
            day(12, 0),
            DEBTOR,
            Some("20:30"),
            Some("08:30"),
            &[],
            None,
            Some(Channel::Call),
            None,
        ),
        inconvenient(
            day(9, 0),
            DEBTOR,
            None,
            None,
            &[],
            Some(Place::Work),
            None,
            None,
        ),
        inconvenient(
            day(6, 0),
            SPOUSE,
            Some("09:00"),
            Some("11:00"),
            &[],
            None,
            None,
            Some(day(2, 0)),
        ),
        inconvenient(
            day(5, 0),
            DEBTOR,
            None,
            None,
            &["thu"],
            Some(Place::Home),
            Some(Channel::Sms),
            None,
        ),
        Event::OptOut(contactguard::model::OptOut {
            at: day(14, 3),
            to: DEBTOR.into(),
            channel: Channel::Email,
            place: None,
        }),
        Event::OptOut(contactguard::model::OptOut {
            at: day(7, 3),
            to: DEBTOR.into(),
            channel: Channel::Sms,
            place: Some(Place::Work),
        }),
        Event::Cease(contactguard::model::Cease {
            at: day(11, 4),
            to: DEBTOR.into(),
            debt: "loan-2".into(),
        }),
        Event::Cease(contactguard::model::Cease {
            at: day(3, 4),
            to: SPOUSE.into(),
            debt: "card-1".into(),
        }),
        Event::Attorney(contactguard::model::AttorneyNotice {
            at: day(4, 5),
            to: DEBTOR.into(),
            debt: "card-1".into(),
        }),
        Event::Hold(Hold {
            at: day(10, 6),
            debt: "card-1".into(),
            reason: HoldReason::Dispute,
            until: Some(day(8, 6)),
        }),
        Event::Hold(Hold {
            at: day(16, 6),
            debt: "card-1".into(),
            reason: HoldReason::PromiseToPay,
            until: None,
        }),
        Event::RequestContact(contactguard::model::RequestContact {
            at: day(6, 2),
            to: REFERENCE.into(),
            debt: Some("card-1".into()),
        }),
    ]);
    ev.sort_by_key(Event::at);
    History::from_events(ev)
}

/// Asks every 5 h 07 min over the stress history's span, from every role,
/// on every channel, to every place, for every purpose.
fn stress_grid(base: Timestamp) -> Vec<Ask> {
    let mut out = Vec::new();
    let mut t = base - SignedDuration::from_hours(24 * 21);
    while t < base + SignedDuration::from_hours(24) {
        for (to, role) in [
            ("+16175550100", Role::Debtor),
            ("+16175550199", Role::Spouse),
            ("ref-7", Role::Reference),
            ("atty-1", Role::Attorney),
        ] {
            for channel in [
                Channel::Call,
                Channel::Sms,
                Channel::Email,
                Channel::Visit,
                Channel::VoicemailDrop,
            ] {
                for place in [Place::Mobile, Place::Home, Place::Work, Place::Unknown] {
                    for purpose in [Purpose::Collection, Purpose::Location, Purpose::Notice] {
                        let mut a = ask(t, channel, place);
                        a.to = to.into();
                        a.role = role;
                        a.purpose = Some(purpose);
                        out.push(a);
                    }
                }
            }
        }
        t += SignedDuration::from_mins(307);
    }
    out
}

/// Decides every ask with every engine; exits if any disagrees with
/// `decide`. Returns how many were allowed and denied, and the rules that
/// denied.
fn agree(
    policy: &Policy,
    h: &History,
    asks: &[Ask],
    cedar: &Cedar,
    interp: &mut RegoInterp,
    rvm: &mut RegoVm,
) -> (usize, usize, std::collections::BTreeSet<String>) {
    let (mut allowed, mut denied) = (0, 0);
    let mut rules = std::collections::BTreeSet::new();
    for a in asks {
        let d = decide(policy, a, h);
        let f = facts(a, h);
        let (c, i, v) = (cedar.allow(&f), interp.allow(&f), rvm.allow(&f));
        if (c, i, v) != (d.allow, d.allow, d.allow) {
            eprintln!(
                "DISAGREEMENT: {a:?}\ncontactguard {} ({:?}), Cedar {c}, regorus interpreter {i}, RVM {v}\nfacts: {f:?}",
                d.allow,
                d.denials.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()
            );
            std::process::exit(1);
        }
        if d.allow {
            allowed += 1;
        } else {
            denied += 1;
            rules.extend(d.denials.iter().map(|x| x.id.to_string()));
        }
    }
    (allowed, denied, rules)
}

/// Calls each engine makes in a row, each timed on its own, before the
/// next engine's turn.
const BLOCK: usize = 64;
/// Timed calls per engine and ask.
const CALLS: usize = 32_000;

/// The nanoseconds of each of [`CALLS`] calls per engine, the engines
/// taking turns in blocks of [`BLOCK`] calls (warm caches within a block,
/// and the machine's load spread over all of them).
/// A timed engine: its label and one decision.
type Timed<'a> = (&'static str, Box<dyn FnMut() -> bool + 'a>);

fn time_all(engines: &mut [Timed<'_>]) -> Vec<Vec<f64>> {
    for (_, f) in engines.iter_mut() {
        for _ in 0..(BLOCK * 20) {
            black_box(f());
        }
    }
    let mut samples = vec![Vec::with_capacity(CALLS); engines.len()];
    for _ in 0..CALLS / BLOCK {
        for (i, (_, f)) in engines.iter_mut().enumerate() {
            for _ in 0..BLOCK {
                let t = Instant::now();
                black_box(f());
                samples[i].push(t.elapsed().as_nanos() as f64);
            }
        }
    }
    samples
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let k = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

/// `count allowed|denied N`: only `decide` on that timed ask, N times (no
/// agreement check, no timing), for an instruction count under callgrind
/// (the difference between N and 0 calls, divided by N).
fn count_args() -> Option<(bool, usize)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["count", which @ ("allowed" | "denied"), n] => Some((
            *which == "allowed",
            n.parse().expect("count allowed|denied N: N a number"),
        )),
        [] => None,
        _ => {
            eprintln!("usage: contactguard-peers [count allowed|denied N]");
            std::process::exit(2);
        }
    }
}

fn main() {
    let count = count_args();
    let policy = Policy::preset(PRESET).expect("the composed preset loads");
    let base: Timestamp = "2026-04-15T10:30:00-04:00".parse().unwrap();
    let h = history(&policy, &ask(base, Channel::Call, Place::Mobile));
    assert_eq!(h.len(), 50);
    let last = h.events().iter().map(Event::at).max().unwrap();

    let cedar = Cedar::new();
    let mut interp = RegoInterp::new();
    let mut rvm = RegoVm::new();
    if count.is_none() {
        // Agreement before any timing: on the benchmark's history over a grid
        // of times, and on a history with every event kind over every role,
        // channel, place and purpose.
        let asks = grid(last);
        let (allowed, denied, rules) = agree(&policy, &h, &asks, &cedar, &mut interp, &mut rvm);
        println!(
            "agreement (benchmark history): {} asks, {allowed} allowed and {denied} denied alike by all engines; rules that denied: {}",
            asks.len(),
            rules.into_iter().collect::<Vec<_>>().join(", ")
        );
        assert!(allowed > 0 && denied > 0);
        let stress = stress_history(base);
        let stress_asks = stress_grid(base);
        let (allowed, denied, rules) = agree(
            &policy,
            &stress,
            &stress_asks,
            &cedar,
            &mut interp,
            &mut rvm,
        );
        println!(
            "agreement (every event kind): {} asks, {allowed} allowed and {denied} denied alike by all engines; rules that denied: {}",
            stress_asks.len(),
            rules.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        assert!(allowed > 0 && denied > 0);
    }

    // The timed asks, both after every event of the history, so that all
    // 50 are read: calls at 10:30 local on the days after it, to the
    // mobile, home and work numbers; the first allowed and the first
    // denied by a rule that counts or reads history (not the cheap
    // time-of-day window).
    let window_ids = ["us-reg-f.1", "us-ma.3a"];
    let tz = TimeZone::get(ZONE).unwrap();
    let timed: Vec<Ask> = (1..15)
        .flat_map(|d| {
            let day = tz.to_datetime(last).date().checked_add(d.days()).unwrap();
            let at = tz
                .to_ambiguous_timestamp(day.at(10, 30, 0, 0))
                .earlier()
                .unwrap();
            [Place::Mobile, Place::Home, Place::Work].map(|p| ask(at, Channel::Call, p))
        })
        .collect();
    let allowed_ask = timed
        .iter()
        .find(|a| decide(&policy, a, &h).allow)
        .expect("an allowed call")
        .clone();
    let denied_ask = timed
        .iter()
        .find(|a| {
            let d = decide(&policy, a, &h);
            !d.allow
                && d.denials
                    .iter()
                    .all(|x| !window_ids.contains(&x.id.as_str()))
        })
        .expect("a call denied by a count rule")
        .clone();

    if let Some((allowed, n)) = count {
        let a = if allowed { &allowed_ask } else { &denied_ask };
        for _ in 0..n {
            black_box(decide(black_box(&policy), black_box(a), black_box(&h)));
        }
        return;
    }

    let ledger = Ledger::new(policy.clone());
    for e in h.events() {
        ledger.record(e).unwrap();
    }

    println!(
        "preset {PRESET}, {} events of history ({} for the recipient), zone {ZONE}",
        h.len(),
        h.for_recipient(&allowed_ask.to).count()
    );
    println!(
        "median and p99 of ns per decision: {CALLS} calls per engine, each timed alone, engines taking turns {BLOCK} calls at a time"
    );
    for (label, a) in [("allowed", &allowed_ask), ("denied", &denied_ask)] {
        let d = decide(&policy, a, &h);
        assert_eq!(ledger.check(a).allow, d.allow);
        let f = facts(a, &h);
        assert_eq!(cedar.allow(&f), d.allow);
        assert_eq!(interp.allow(&f), d.allow);
        assert_eq!(rvm.allow(&f), d.allow);
        println!(
            "\n{label}: a call to the {} number at {} ({})",
            place_name(a.place),
            tz.to_datetime(a.at),
            if d.allow {
                "allowed".to_owned()
            } else {
                format!(
                    "denied by {}",
                    d.denials
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        let samples = {
            let (p, hh, l) = (&policy, &h, &ledger);
            let (c, i, v) = (&cedar, &mut interp, &mut rvm);
            let mut engines: Vec<Timed<'_>> = vec![
                ("timer alone (an empty call)", Box::new(|| black_box(true))),
                (
                    "contactguard decide",
                    Box::new(move || decide(black_box(p), black_box(a), black_box(hh)).allow),
                ),
                (
                    "contactguard Ledger::check",
                    Box::new(move || l.check(black_box(a)).allow),
                ),
                (
                    "facts alone (host code, in every peer row)",
                    Box::new(move || black_box(facts(black_box(a), black_box(hh))).opted_out),
                ),
                (
                    "Cedar is_authorized + facts",
                    Box::new(move || c.allow(&facts(black_box(a), black_box(hh)))),
                ),
                (
                    "regorus RVM execute + facts",
                    Box::new(move || v.allow(&facts(black_box(a), black_box(hh)))),
                ),
                (
                    "regorus interpreter eval_rule + facts",
                    Box::new(move || i.allow(&facts(black_box(a), black_box(hh)))),
                ),
            ];
            let s = time_all(&mut engines);
            engines.iter().map(|(n, _)| *n).zip(s).collect::<Vec<_>>()
        };
        let stats: Vec<(&str, f64, f64)> = samples
            .into_iter()
            .map(|(n, mut s)| {
                s.sort_by(f64::total_cmp);
                (n, quantile(&s, 0.5), quantile(&s, 0.99))
            })
            .collect();
        let (cg_med, cg_p99) = (stats[1].1, stats[1].2);
        println!(
            "{:<46} {:>10} {:>10} {:>9} {:>9}",
            "engine", "median ns", "p99 ns", "÷ median", "÷ p99"
        );
        for (n, med, p99) in &stats {
            println!(
                "{n:<46} {med:>10.0} {p99:>10.0} {:>8.1}x {:>8.1}x",
                med / cg_med,
                p99 / cg_p99
            );
        }
    }
    println!("\n(÷: the engine's time over contactguard decide's, same run)");
}
