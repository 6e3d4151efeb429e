//! The same contact decision made three ways, timed in one run:
//!
//! - **contactguard** does the whole work: it reads the `cn` preset, the
//!   ask and a 50-event history, converts times to the recipient's local
//!   time, counts the day's calls and evaluates every rule;
//! - **Cedar** and **regorus** (Rego) evaluate the same rules written in
//!   their languages over inputs the caller has already computed: the local
//!   time of day, the day's counts, whether the debtor is out of contact,
//!   whether the person opted out or asked to stop. They cannot compute
//!   those themselves, so the comparison flatters them.
//!
//! Each engine's timed loop includes building its request from those
//! precomputed values (Cedar's `Context`, regorus's input `Value`), as a
//! caller would per decision. Prints the median ns per decision over 21
//! batches and the ratios. Run with
//! `cargo run --release -p contactguard-peers`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicySet, Request, RestrictedExpression,
};
use contactguard::model::{Attempt, AttemptResult, Channel, Place, Role};
use contactguard::{decide, Ask, Event, History, Ledger, Policy, Purpose};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The `cn` preset's rules (cn.1–cn.6b, less the `oblige` rule), in Cedar.
const CEDAR: &str = r#"
permit(principal, action, resource);
// cn.1 night ban: permitted [08:00, 22:00)
forbid(principal, action, resource) when { context.local_seconds < 28800 || context.local_seconds >= 79200 };
// cn.2 three connected calls a day
forbid(principal, action, resource) when { context.channel == "call" && context.obligor && context.conversations_today >= 3 };
// cn.3 six unanswered calls a day
forbid(principal, action, resource) when { context.channel == "call" && context.obligor && context.unanswered_today >= 6 };
// cn.4 collect only from liable persons
forbid(principal, action, resource) when { !context.obligor && context.purpose == "collection" };
// cn.5a contacts only for location while the debtor is out of contact
forbid(principal, action, resource) when { context.contact && !(context.purpose == "location" && context.debtor_unreachable) };
// cn.6a / cn.6b a contact's opt-out or cease covers everything
forbid(principal, action, resource) when { context.contact && context.opted_out_any };
forbid(principal, action, resource) when { context.contact && context.ceased };
"#;

/// The same rules in Rego.
const REGO: &str = r#"
package cn
import rego.v1

default allow := false

deny contains "cn.1" if input.local_seconds < 28800
deny contains "cn.1" if input.local_seconds >= 79200
deny contains "cn.2" if {
    input.channel == "call"
    input.obligor
    input.conversations_today >= 3
}
deny contains "cn.3" if {
    input.channel == "call"
    input.obligor
    input.unanswered_today >= 6
}
deny contains "cn.4" if {
    not input.obligor
    input.purpose == "collection"
}
deny contains "cn.5a" if {
    input.contact
    not location_while_unreachable
}
location_while_unreachable if {
    input.purpose == "location"
    input.debtor_unreachable
}
deny contains "cn.6a" if {
    input.contact
    input.opted_out_any
}
deny contains "cn.6b" if {
    input.contact
    input.ceased
}

allow if count(deny) == 0
"#;

/// What the caller precomputes for Cedar and Rego.
#[derive(Clone, Debug)]
struct Facts {
    channel: &'static str,
    purpose: &'static str,
    obligor: bool,
    contact: bool,
    local_seconds: i64,
    conversations_today: i64,
    unanswered_today: i64,
    debtor_unreachable: bool,
    opted_out_any: bool,
    ceased: bool,
}

fn ask(at: Timestamp) -> Ask {
    Ask {
        at,
        channel: Channel::Call,
        to: "+8613800000001".into(),
        role: Role::Debtor,
        debt: "loan-1".into(),
        timezones: vec!["Asia/Shanghai".into()],
        place: Some(Place::Mobile),
        autodialed: Some(true),
        purpose: Some(Purpose::Collection),
        days_past_due: Some(45),
    }
}

/// 50 attempts over the 30 days before the ask, every one of which `cn`
/// allowed when it was made (kept only if `decide` allows it).
fn history(policy: &Policy, a: &Ask) -> History {
    let results = [
        AttemptResult::NoAnswer,
        AttemptResult::Conversation,
        AttemptResult::Voicemail,
        AttemptResult::NoAnswer,
        AttemptResult::Delivered,
    ];
    let mut h = History::new();
    let mut i = 0i64;
    while h.len() < 50 {
        let at = a.at - SignedDuration::from_hours(24 * 30) + SignedDuration::from_mins(97 * i);
        let channel = if i % 3 == 1 {
            Channel::Sms
        } else {
            Channel::Call
        };
        let mut c = a.clone();
        c.at = at;
        c.channel = channel;
        if decide(policy, &c, &h).allow {
            h.push(Event::Attempt(Attempt {
                at,
                channel,
                to: a.to.clone(),
                role: Role::Debtor,
                debt: a.debt.clone(),
                result: if channel == Channel::Sms {
                    AttemptResult::Delivered
                } else {
                    results[(i % 5) as usize]
                },
                place: Some(Place::Mobile),
            }));
        }
        i += 1;
    }
    h
}

/// The facts for `a`, computed the way a caller of Cedar or Rego would.
fn facts(a: &Ask, h: &History) -> Facts {
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let local = tz.to_datetime(a.at);
    let today = local.date();
    let mut conversations = 0;
    let mut unanswered = 0;
    for e in h.for_recipient(&a.to) {
        if let Event::Attempt(x) = e {
            if x.channel == Channel::Call && tz.to_datetime(x.at).date() == today && x.at <= a.at {
                if x.result == AttemptResult::Conversation {
                    conversations += 1;
                } else {
                    unanswered += 1;
                }
            }
        }
    }
    Facts {
        channel: "call",
        purpose: "collection",
        obligor: true,
        contact: false,
        local_seconds: i64::from(local.hour()) * 3600
            + i64::from(local.minute()) * 60
            + i64::from(local.second()),
        conversations_today: conversations,
        unanswered_today: unanswered,
        debtor_unreachable: false,
        opted_out_any: false,
        ceased: false,
    }
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
        let context = Context::from_pairs([
            (
                "channel".to_owned(),
                RestrictedExpression::new_string(f.channel.to_owned()),
            ),
            (
                "purpose".to_owned(),
                RestrictedExpression::new_string(f.purpose.to_owned()),
            ),
            (
                "obligor".to_owned(),
                RestrictedExpression::new_bool(f.obligor),
            ),
            (
                "contact".to_owned(),
                RestrictedExpression::new_bool(f.contact),
            ),
            (
                "local_seconds".to_owned(),
                RestrictedExpression::new_long(f.local_seconds),
            ),
            (
                "conversations_today".to_owned(),
                RestrictedExpression::new_long(f.conversations_today),
            ),
            (
                "unanswered_today".to_owned(),
                RestrictedExpression::new_long(f.unanswered_today),
            ),
            (
                "debtor_unreachable".to_owned(),
                RestrictedExpression::new_bool(f.debtor_unreachable),
            ),
            (
                "opted_out_any".to_owned(),
                RestrictedExpression::new_bool(f.opted_out_any),
            ),
            (
                "ceased".to_owned(),
                RestrictedExpression::new_bool(f.ceased),
            ),
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
        response.decision() == cedar_policy::Decision::Allow
    }
}

struct Rego {
    engine: regorus::Engine,
}

impl Rego {
    fn new() -> Rego {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("cn.rego".to_owned(), REGO.to_owned())
            .expect("Rego policy parses");
        Rego { engine }
    }

    fn allow(&mut self, f: &Facts) -> bool {
        let mut input = regorus::Value::new_object();
        {
            let m = input.as_object_mut().unwrap();
            m.insert("channel".into(), f.channel.into());
            m.insert("purpose".into(), f.purpose.into());
            m.insert("obligor".into(), f.obligor.into());
            m.insert("contact".into(), f.contact.into());
            m.insert("local_seconds".into(), f.local_seconds.into());
            m.insert("conversations_today".into(), f.conversations_today.into());
            m.insert("unanswered_today".into(), f.unanswered_today.into());
            m.insert("debtor_unreachable".into(), f.debtor_unreachable.into());
            m.insert("opted_out_any".into(), f.opted_out_any.into());
            m.insert("ceased".into(), f.ceased.into());
        }
        self.engine.set_input(input);
        self.engine.eval_rule("data.cn.allow".to_owned()).unwrap() == regorus::Value::from(true)
    }
}

/// Median ns per call over 21 batches sized to take about 20 ms each.
fn time(mut f: impl FnMut() -> bool) -> f64 {
    let warm = Instant::now();
    let mut n = 0u64;
    while warm.elapsed() < Duration::from_millis(300) {
        black_box(f());
        n += 1;
    }
    let per_batch = (n * 20 / 300).max(1);
    let mut samples: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let policy = Policy::preset("cn").expect("the cn preset loads");
    let a = ask("2026-03-16T10:30:00+08:00".parse().unwrap());
    let h = history(&policy, &a);
    let f = facts(&a, &h);
    let cedar = Cedar::new();
    let mut rego = Rego::new();

    let mine = decide(&policy, &a, &h).allow;
    assert_eq!(cedar.allow(&f), mine, "Cedar disagrees: {f:?}");
    assert_eq!(rego.allow(&f), mine, "regorus disagrees: {f:?}");
    // A denial too: four more connected calls today.
    let denied = Facts {
        conversations_today: 3,
        ..f.clone()
    };
    assert!(!cedar.allow(&denied) && !rego.allow(&denied));

    let ledger = Ledger::new(policy.clone());
    for e in h.events() {
        ledger.record(e).unwrap();
    }
    assert_eq!(ledger.check(&a).allow, mine);

    let cg = time(|| decide(black_box(&policy), black_box(&a), black_box(&h)).allow);
    let cg_ledger = time(|| ledger.check(black_box(&a)).allow);
    let cedar_ns = time(|| cedar.allow(black_box(&f)));
    let rego_ns = time(|| rego.allow(black_box(&f)));

    println!("one decision: `cn`, a collection call at 10:30 Asia/Shanghai, 50 events of history (allow = {mine})");
    println!("{:<58} {:>12}", "engine", "ns/decision");
    println!(
        "{:<58} {:>12.0}",
        "contactguard decide (does the whole work)", cg
    );
    println!(
        "{:<58} {:>12.0}",
        "contactguard Ledger::check (keys hashed, same events)", cg_ledger
    );
    println!(
        "{:<58} {:>12.0}",
        "cedar-policy is_authorized (facts precomputed)", cedar_ns
    );
    println!(
        "{:<58} {:>12.0}",
        "regorus eval_rule (facts precomputed)", rego_ns
    );
    println!(
        "ratios (decide): Cedar / contactguard = {:.1}x, regorus / contactguard = {:.1}x",
        cedar_ns / cg,
        rego_ns / cg
    );
    println!(
        "ratios (Ledger::check): Cedar / contactguard = {:.1}x, regorus / contactguard = {:.1}x",
        cedar_ns / cg_ledger,
        rego_ns / cg_ledger
    );
}
