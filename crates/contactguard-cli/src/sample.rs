//! `contactguard sample`: a seeded, deterministic generator of a synthetic
//! collection log for China (Asia/Shanghai), with the abuses borrowers
//! complain about mixed into ordinary collection work.
//!
//! Every debtor has its own random stream (splitmix64 seeded from the seed
//! and the debtor's number), and the log is written day by day, each day's
//! rows sorted by time with ties in debtor order. The same arguments give
//! the same bytes.
//!
//! What a debtor's month looks like: collectors call on some days (most
//! calls unanswered), send a text now and then, an email, a letter or a
//! visit; conversations lead to promises to pay, repayment plans, payment
//! or an opt-out from texts. Some debtors never answer, and then their
//! emergency contacts are asked where they are (`location`). The injected
//! abuse: a few debtors get dozens of texts a day for days (SMS bombing),
//! calls at night, immediate redials and more than six unanswered calls a
//! day, address-book contacts and relatives called about the debt
//! (`collection` to third parties), and contact that goes on after a
//! repayment plan, a complaint or a contact's refusal.

use crate::common::CliError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::ToSpan;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const ZONE: &str = "Asia/Shanghai";

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Seed of the generator: the same seed and sizes give the same bytes
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Number of debtors (each with one debt and a few contacts)
    #[arg(long, default_value_t = 2000)]
    debtors: u32,
    /// Number of days
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Output format
    #[arg(long, default_value = "csv", value_parser = ["csv", "jsonl"])]
    format: String,
    /// First local date (Asia/Shanghai)
    #[arg(long, default_value = "2026-03-01", value_parser = parse_date)]
    start: Date,
    /// Write to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|e| format!("`{s}` is not a date YYYY-MM-DD: {e}"))
}

/// Output syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// CSV with a header row.
    Csv,
    /// JSON Lines.
    Jsonl,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Seed.
    pub seed: u64,
    /// Debtors.
    pub debtors: u32,
    /// Days.
    pub days: u32,
    /// First local date.
    pub start: Date,
    /// Syntax.
    pub syntax: Syntax,
}

pub fn run(args: SampleArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let spec = Spec {
        seed: args.seed,
        debtors: args.debtors,
        days: args.days,
        start: args.start,
        syntax: if args.format == "jsonl" {
            Syntax::Jsonl
        } else {
            Syntax::Csv
        },
    };
    match &args.output {
        None => generate(&spec, out)?,
        Some(path) => {
            crate::common::create_parent_dir(path)?;
            let file = std::fs::File::create(path).map_err(|e| CliError::write(path, &e))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            generate(&spec, &mut w)
                .and_then(|()| w.flush().map_err(CliError::from))
                .map_err(|e| match e {
                    CliError::BrokenPipe => e,
                    CliError::Failed(mut d) => {
                        d.file = Some(path.display().to_string());
                        CliError::Failed(d)
                    }
                })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------
// Randomness

/// splitmix64 (Steele, Lea and Flood 2014): small, fast, and good enough
/// for synthetic data.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        let wide = u128::from(self.next()) * u128::from(n);
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        #[expect(clippy::cast_precision_loss, reason = "53 random bits to a unit float")]
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        u < p
    }

    fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> Option<T> {
        let total: u64 = weighted.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (v, w) in weighted {
            if x < u64::from(*w) {
                return Some(*v);
            }
            x -= u64::from(*w);
        }
        None
    }
}

// ---------------------------------------------------------------------------
// The population

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Debtor,
    Guarantor,
    Spouse,
    Emergency,
    AddressBook,
}

impl Role {
    fn wire(self) -> &'static str {
        match self {
            Role::Debtor => "debtor",
            Role::Guarantor => "guarantor",
            Role::Spouse => "spouse",
            Role::Emergency => "emergency_contact",
            Role::AddressBook => "third_party",
        }
    }
}

#[derive(Clone, Debug)]
struct Contact {
    role: Role,
    /// Key suffix: the debtor's key plus this.
    suffix: String,
    /// Asked not to be contacted again.
    refused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HoldKind {
    Promise,
    Plan,
    Complaint,
}

#[derive(Clone, Copy, Debug)]
struct HoldState {
    kind: HoldKind,
    /// First day the hold no longer applies; `None` is open-ended.
    until_day: Option<u32>,
}

#[derive(Clone, Debug)]
struct Debtor {
    rng: Rng,
    dpd0: i64,
    contacts: Vec<Contact>,
    /// Never answers: the debtor is out of contact.
    unreachable: bool,
    /// Chance a call is answered.
    reach: f64,
    paid_on: Option<u32>,
    hold: Option<HoldState>,
    sms_opted_out: bool,
    /// Attempts to the debtor in the last days: (day, reached them).
    recent: Vec<(u32, bool)>,
    // The abuses this debtor's collectors commit.
    bomb: Option<(u32, u32)>,
    night: bool,
    redial: bool,
    heavy_dialer: bool,
    third_party_abuse: bool,
    ignores_holds: bool,
    ignores_refusals: bool,
    ignores_opt_out: bool,
}

impl Debtor {
    fn new(seed: u64, n: u32, days: u32) -> Debtor {
        let mut rng = Rng::new(seed, u64::from(n) + 1);
        let dpd0 = i64::try_from(rng.range(3, 150)).unwrap_or(30);
        let mut contacts = Vec::new();
        for k in 1..=rng.range(1, 2) {
            contacts.push(Contact {
                role: Role::Emergency,
                suffix: format!("-e{k}"),
                refused: false,
            });
        }
        for k in 1..=rng.range(0, 6) {
            contacts.push(Contact {
                role: Role::AddressBook,
                suffix: format!("-b{k}"),
                refused: false,
            });
        }
        if rng.chance(0.10) {
            contacts.push(Contact {
                role: Role::Guarantor,
                suffix: "-g".to_owned(),
                refused: false,
            });
        }
        if rng.chance(0.25) {
            contacts.push(Contact {
                role: Role::Spouse,
                suffix: "-s".to_owned(),
                refused: false,
            });
        }
        let unreachable = rng.chance(0.12);
        #[expect(clippy::cast_precision_loss, reason = "a probability")]
        let reach = 0.20 + rng.below(30) as f64 / 100.0;
        let bomb = rng.chance(0.025).then(|| {
            let len = u32::try_from(rng.range(2, 6)).unwrap_or(3).min(days.max(1));
            let start =
                u32::try_from(rng.below(u64::from(days.saturating_sub(len) + 1))).unwrap_or(0);
            (start, len)
        });
        Debtor {
            dpd0,
            contacts,
            unreachable,
            reach,
            paid_on: None,
            hold: None,
            sms_opted_out: false,
            recent: Vec::new(),
            bomb,
            night: rng.chance(0.04),
            redial: rng.chance(0.08),
            heavy_dialer: rng.chance(0.02),
            third_party_abuse: rng.chance(0.05),
            ignores_holds: rng.chance(0.30),
            ignores_refusals: rng.chance(0.40),
            ignores_opt_out: rng.chance(0.20),
            rng,
        }
    }

    fn hold_active(&self, day: u32) -> Option<HoldKind> {
        self.hold
            .filter(|h| h.until_day.is_none_or(|u| day < u))
            .map(|h| h.kind)
    }
}

// ---------------------------------------------------------------------------
// Rows

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ch {
    Call,
    Sms,
    Email,
    Letter,
    Visit,
}

impl Ch {
    fn wire(self) -> &'static str {
        match self {
            Ch::Call => "call",
            Ch::Sms => "sms",
            Ch::Email => "email",
            Ch::Letter => "letter",
            Ch::Visit => "visit",
        }
    }

    fn place(self) -> Option<&'static str> {
        match self {
            Ch::Call | Ch::Sms => Some("mobile"),
            Ch::Letter | Ch::Visit => Some("home"),
            Ch::Email => None,
        }
    }
}

/// Who a row is about: the debtor, or contact `k` of the debtor.
#[derive(Clone, Copy, Debug)]
enum Who {
    Debtor,
    Contact(usize),
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Attempt {
        ch: Ch,
        result: &'static str,
        purpose: &'static str,
        autodialed: bool,
    },
    Hold {
        reason: &'static str,
        until_day: Option<u32>,
    },
    OptOut {
        ch: Ch,
    },
    Cease,
}

#[derive(Clone, Copy, Debug)]
struct Ev {
    /// Seconds after local midnight.
    secs: u32,
    debtor: u32,
    who: Who,
    kind: Kind,
}

const H: u32 = 3600;

fn daytime(rng: &mut Rng) -> u32 {
    // 08:30 to 20:30, busiest late morning and early evening.
    let base = u32::try_from(rng.range(u64::from(8 * H + 1800), u64::from(20 * H + 1800)))
        .unwrap_or(10 * H);
    if rng.chance(0.3) {
        u32::try_from(rng.range(u64::from(10 * H), u64::from(12 * H))).unwrap_or(base)
    } else {
        base
    }
}

fn night(rng: &mut Rng) -> u32 {
    if rng.chance(0.6) {
        u32::try_from(rng.range(u64::from(22 * H), u64::from(23 * H + 3540))).unwrap_or(22 * H)
    } else {
        u32::try_from(rng.range(u64::from(6 * H), u64::from(7 * H + 3300))).unwrap_or(7 * H)
    }
}

fn call_result(rng: &mut Rng, d: &Debtor, who: Who) -> &'static str {
    let answered = match who {
        Who::Debtor if d.unreachable => false,
        Who::Debtor => rng.chance(d.reach),
        Who::Contact(_) => rng.chance(0.45),
    };
    if answered {
        return "conversation";
    }
    let reachable = !matches!(who, Who::Debtor) || !d.unreachable;
    if reachable {
        rng.pick(&[
            ("no_answer", 70),
            ("voicemail", 15),
            ("not_connected", 10),
            ("failed", 5),
        ])
    } else {
        rng.pick(&[("no_answer", 50), ("not_connected", 35), ("failed", 15)])
    }
    .unwrap_or("no_answer")
}

/// A text, email or letter: to a dead number or address it mostly fails.
fn msg_result(rng: &mut Rng, dead: bool) -> &'static str {
    if rng.chance(if dead { 0.05 } else { 0.96 }) {
        "delivered"
    } else {
        "failed"
    }
}

/// One debtor's rows for one day.
#[expect(
    clippy::too_many_lines,
    reason = "one day of a debtor's story, read top to bottom"
)]
fn debtor_day(d: &mut Debtor, n: u32, day: u32, weekend: bool, out: &mut Vec<Ev>) {
    // The stream is taken out so that `d` can be borrowed beside it.
    let mut rng_own = d.rng.clone();
    let rng = &mut rng_own;
    let mut evs: Vec<Ev> = Vec::new();
    let push = |evs: &mut Vec<Ev>, secs: u32, who: Who, kind: Kind| {
        evs.push(Ev {
            secs: secs.min(86_399),
            debtor: n,
            who,
            kind,
        });
    };
    let attempt =
        |ch: Ch, result: &'static str, purpose: &'static str, autodialed: bool| Kind::Attempt {
            ch,
            result,
            purpose,
            autodialed,
        };
    let paid = d.paid_on.is_some_and(|p| day >= p);
    let hold = d.hold_active(day);
    // Collection work goes on unless paid, or held by a compliant collector.
    let collecting = !paid && (hold.is_none() || d.ignores_holds);

    // SMS bombing: dozens of texts a day for a few days.
    if let Some((start, len)) = d.bomb {
        if !paid && day >= start && day < start + len {
            let count = rng.range(12, 50);
            let mut t =
                u32::try_from(rng.range(u64::from(7 * H), u64::from(9 * H))).unwrap_or(8 * H);
            for _ in 0..count {
                t += u32::try_from(rng.range(60, 1500)).unwrap_or(600);
                if t >= 24 * H {
                    break;
                }
                let r = msg_result(rng, d.unreachable);
                push(
                    &mut evs,
                    t,
                    Who::Debtor,
                    attempt(Ch::Sms, r, "collection", true),
                );
            }
            // A bombed borrower complains on the second day, and sometimes
            // to an address-book contact too.
            if day == start + 1 && rng.chance(0.5) && d.hold.is_none() {
                d.hold = Some(HoldState {
                    kind: HoldKind::Complaint,
                    until_day: Some(day + 15),
                });
                push(
                    &mut evs,
                    15 * H + 600,
                    Who::Debtor,
                    Kind::Hold {
                        reason: "complaint",
                        until_day: Some(day + 15),
                    },
                );
            }
        }
    }

    if collecting {
        let active = rng.chance(match (d.unreachable, weekend) {
            (true, _) => 0.42,
            (false, true) => 0.15,
            (false, false) => 0.23,
        });
        if active {
            // Calls to the debtor.
            let calls = if d.heavy_dialer && rng.chance(0.4) {
                rng.range(7, 12)
            } else {
                rng.range(1, 2)
            };
            let mut t = daytime(rng);
            for i in 0..calls {
                if i > 0 {
                    t += u32::try_from(rng.range(600, 5400)).unwrap_or(1800);
                }
                if t >= 22 * H {
                    break;
                }
                let result = call_result(rng, d, Who::Debtor);
                push(
                    &mut evs,
                    t,
                    Who::Debtor,
                    attempt(Ch::Call, result, "collection", rng.chance(0.8)),
                );
                if matches!(result, "no_answer" | "voicemail") && d.redial && rng.chance(0.6) {
                    t += u32::try_from(rng.range(40, 240)).unwrap_or(120);
                    let again = call_result(rng, d, Who::Debtor);
                    push(
                        &mut evs,
                        t,
                        Who::Debtor,
                        attempt(Ch::Call, again, "collection", true),
                    );
                }
                if result == "conversation" {
                    conversation_outcome(d, rng, day, t, &mut evs);
                }
            }
            if d.night && rng.chance(0.35) {
                let result = call_result(rng, d, Who::Debtor);
                push(
                    &mut evs,
                    night(rng),
                    Who::Debtor,
                    attempt(Ch::Call, result, "collection", true),
                );
            }
        }
        // Texts and email, on their own schedule.
        if (!d.sms_opted_out || d.ignores_opt_out) && rng.chance(0.13) {
            let r = msg_result(rng, d.unreachable);
            push(
                &mut evs,
                daytime(rng),
                Who::Debtor,
                attempt(Ch::Sms, r, "collection", true),
            );
        }
        if rng.chance(0.05) {
            let r = msg_result(rng, d.unreachable);
            push(
                &mut evs,
                daytime(rng),
                Who::Debtor,
                attempt(Ch::Email, r, "collection", true),
            );
        }
        if rng.chance(0.008) {
            let r = if d.unreachable { "failed" } else { "delivered" };
            push(
                &mut evs,
                10 * H,
                Who::Debtor,
                attempt(Ch::Letter, r, "notice", false),
            );
        }
        if d.dpd0 + i64::from(day) > 90 && !weekend && rng.chance(0.006) {
            let result = if rng.chance(0.4) {
                "conversation"
            } else {
                "no_answer"
            };
            let t =
                u32::try_from(rng.range(u64::from(10 * H), u64::from(17 * H))).unwrap_or(14 * H);
            push(
                &mut evs,
                t,
                Who::Debtor,
                attempt(Ch::Visit, result, "collection", false),
            );
        }
        // A guarantor is collected from too, now and then.
        if let Some(g) = d.contacts.iter().position(|c| c.role == Role::Guarantor) {
            if rng.chance(0.04) {
                let result = call_result(rng, d, Who::Contact(g));
                push(
                    &mut evs,
                    daytime(rng),
                    Who::Contact(g),
                    attempt(Ch::Call, result, "collection", true),
                );
            }
        }
    } else if hold == Some(HoldKind::Plan) && !paid && rng.chance(0.04) {
        // A compliant installment reminder.
        push(
            &mut evs,
            10 * H,
            Who::Debtor,
            attempt(Ch::Sms, msg_result(rng, d.unreachable), "notice", true),
        );
    }

    // Contacts.
    if !paid {
        // Asking an emergency contact where the debtor is, once the last
        // days show them out of contact (at least 3 failed attempts in the
        // previous 6 days and none that reached them).
        let failed = d.recent.iter().filter(|(_, reached)| !reached).count();
        let out_of_contact = failed >= 3 && d.recent.iter().all(|(_, reached)| !reached);
        if out_of_contact && hold.is_none() && rng.chance(0.3) {
            let candidates: Vec<usize> = d
                .contacts
                .iter()
                .enumerate()
                .filter(|(_, c)| c.role == Role::Emergency && !c.refused)
                .map(|(i, _)| i)
                .collect();
            if let Some(&k) =
                candidates.get(usize::try_from(rng.below(candidates.len() as u64)).unwrap_or(0))
            {
                let t = daytime(rng);
                let result = call_result(rng, d, Who::Contact(k));
                push(
                    &mut evs,
                    t,
                    Who::Contact(k),
                    attempt(Ch::Call, result, "location", false),
                );
                if result == "conversation" && rng.chance(0.15) {
                    refuse(d, rng, k, t, &mut evs);
                }
            }
        }
        // Calling relatives and address-book contacts about the debt.
        if d.third_party_abuse && collecting && rng.chance(0.35) && !d.contacts.is_empty() {
            let people = rng.range(1, 3);
            for _ in 0..people {
                let k = usize::try_from(rng.below(d.contacts.len() as u64)).unwrap_or(0);
                let Some(c) = d.contacts.get(k) else { continue };
                if c.role == Role::Guarantor || (c.refused && !d.ignores_refusals) {
                    continue;
                }
                let mut t = daytime(rng);
                for _ in 0..rng.range(1, 3) {
                    let ch = if rng.chance(0.7) { Ch::Call } else { Ch::Sms };
                    let result = if ch == Ch::Call {
                        call_result(rng, d, Who::Contact(k))
                    } else {
                        msg_result(rng, false)
                    };
                    push(
                        &mut evs,
                        t,
                        Who::Contact(k),
                        attempt(ch, result, "collection", true),
                    );
                    if result == "conversation" && rng.chance(0.25) {
                        refuse(d, rng, k, t, &mut evs);
                    }
                    t += u32::try_from(rng.range(300, 7200)).unwrap_or(1800);
                }
            }
        }
    }
    d.rng = rng_own;
    d.recent.retain(|(k, _)| k + 6 > day);
    for e in &evs {
        if let (Who::Debtor, Kind::Attempt { result, .. }) = (e.who, e.kind) {
            d.recent
                .push((day, matches!(result, "conversation" | "delivered")));
        }
    }
    evs.sort_by_key(|e| e.secs);
    out.extend(evs);
}

/// What a conversation with the debtor leads to.
fn conversation_outcome(d: &mut Debtor, rng: &mut Rng, day: u32, t: u32, evs: &mut Vec<Ev>) {
    let after = t + u32::try_from(rng.range(120, 900)).unwrap_or(300);
    let ev = |kind| Ev {
        secs: after.min(86_399),
        debtor: 0,
        who: Who::Debtor,
        kind,
    };
    if d.hold.is_some() {
        return;
    }
    match rng.pick(&[(0u8, 80), (1, 10), (2, 5), (3, 2), (4, 3)]) {
        Some(1) => {
            let until_day = day + u32::try_from(rng.range(3, 7)).unwrap_or(5);
            d.hold = Some(HoldState {
                kind: HoldKind::Promise,
                until_day: Some(until_day),
            });
            evs.push(ev(Kind::Hold {
                reason: "promise_to_pay",
                until_day: Some(until_day),
            }));
        }
        Some(2) => {
            let until_day = rng.chance(0.5).then(|| day + 90);
            d.hold = Some(HoldState {
                kind: HoldKind::Plan,
                until_day,
            });
            evs.push(ev(Kind::Hold {
                reason: "repayment_plan",
                until_day,
            }));
        }
        Some(3) => d.paid_on = Some(day + 1),
        Some(4) if !d.sms_opted_out => {
            d.sms_opted_out = true;
            evs.push(ev(Kind::OptOut { ch: Ch::Sms }));
        }
        _ => {}
    }
}

/// Contact `k` asks not to be contacted again: a cease, or an opt-out of
/// calls.
fn refuse(d: &mut Debtor, rng: &mut Rng, k: usize, t: u32, evs: &mut Vec<Ev>) {
    let Some(c) = d.contacts.get_mut(k) else {
        return;
    };
    if c.refused {
        return;
    }
    c.refused = true;
    let kind = if rng.chance(0.5) {
        Kind::Cease
    } else {
        Kind::OptOut { ch: Ch::Call }
    };
    evs.push(Ev {
        secs: (t + 60).min(86_399),
        debtor: 0,
        who: Who::Contact(k),
        kind,
    });
}

// ---------------------------------------------------------------------------
// Writing

const CSV_HEADER: &str =
    "at,type,channel,to,role,debt,result,timezone,place,purpose,days_past_due,autodialed,reason,until\n";

/// Generates the log.
///
/// # Errors
///
/// Writing fails.
pub fn generate(spec: &Spec, out: &mut dyn Write) -> Result<(), CliError> {
    let tz =
        TimeZone::get(ZONE).map_err(|e| CliError::invalid(format!("time zone `{ZONE}`: {e}")))?;
    let width = spec.debtors.to_string().len().max(5);
    let mut debtors: Vec<Debtor> = (0..spec.debtors)
        .map(|n| Debtor::new(spec.seed, n, spec.days))
        .collect();
    if spec.syntax == Syntax::Csv {
        out.write_all(CSV_HEADER.as_bytes())?;
    }
    let mut buf = String::with_capacity(1 << 20);
    let mut evs: Vec<Ev> = Vec::new();
    for day in 0..spec.days {
        let date = spec
            .start
            .checked_add(i64::from(day).days())
            .map_err(|e| CliError::invalid(format!("date out of range: {e}")))?;
        let weekend = matches!(
            date.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        );
        evs.clear();
        for (n, d) in debtors.iter_mut().enumerate() {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let start = evs.len();
            debtor_day(d, n, day, weekend, &mut evs);
            for e in evs.get_mut(start..).into_iter().flatten() {
                e.debtor = n;
            }
        }
        // Stable: same-second rows keep debtor order.
        evs.sort_by_key(|e| e.secs);
        let noon = tz
            .to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::constant(12, 0, 0, 0)))
            .compatible()
            .map_err(|e| CliError::invalid(format!("{date}: {e}")))?;
        let secs = tz.to_offset(noon).seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        let offset = format!(
            "{sign}{:02}:{:02}",
            secs.abs() / 3600,
            secs.abs() % 3600 / 60
        );
        for e in &evs {
            let Some(d) = debtors.get(e.debtor as usize) else {
                continue;
            };
            write_row(&mut buf, spec, e, d, date, &offset, width);
            if buf.len() > (1 << 20) - 4096 {
                out.write_all(buf.as_bytes())?;
                buf.clear();
            }
        }
    }
    out.write_all(buf.as_bytes())?;
    Ok(())
}

/// The columns of one row (docs/log-format.md).
#[derive(Default)]
struct Cols {
    kind: &'static str,
    channel: Option<&'static str>,
    to: Option<String>,
    role: Option<&'static str>,
    debt: Option<String>,
    result: Option<&'static str>,
    timezone: Option<&'static str>,
    place: Option<&'static str>,
    purpose: Option<&'static str>,
    days_past_due: Option<i64>,
    autodialed: Option<bool>,
    reason: Option<&'static str>,
    until: Option<String>,
}

fn write_row(
    buf: &mut String,
    spec: &Spec,
    e: &Ev,
    d: &Debtor,
    date: Date,
    offset: &str,
    width: usize,
) {
    let (hh, mm, ss) = (e.secs / H, e.secs % H / 60, e.secs % 60);
    let at = format!("{date}T{hh:02}:{mm:02}:{ss:02}{offset}");
    let n = e.debtor;
    let (to, role) = match e.who {
        Who::Debtor => (format!("c{n:0width$}"), Role::Debtor),
        Who::Contact(k) => match d.contacts.get(k) {
            Some(c) => (format!("c{n:0width$}{}", c.suffix), c.role),
            None => (format!("c{n:0width$}"), Role::Debtor),
        },
    };
    let debt = format!("L{n:0width$}");
    let c = match e.kind {
        Kind::Attempt {
            ch,
            result,
            purpose,
            autodialed,
        } => {
            let day = date
                .since(spec.start)
                .map_or(0, |s| i64::from(s.get_days()));
            Cols {
                kind: "attempt",
                channel: Some(ch.wire()),
                to: Some(to),
                role: Some(role.wire()),
                debt: Some(debt),
                result: Some(result),
                timezone: Some(ZONE),
                place: ch.place(),
                purpose: Some(purpose),
                days_past_due: Some(d.dpd0 + day),
                autodialed: Some(autodialed),
                ..Cols::default()
            }
        }
        Kind::Hold { reason, until_day } => Cols {
            kind: "hold",
            debt: Some(debt),
            reason: Some(reason),
            until: until_day
                .and_then(|u| spec.start.checked_add(i64::from(u).days()).ok())
                .map(|day| format!("{day}T00:00:00{offset}")),
            ..Cols::default()
        },
        Kind::OptOut { ch } => Cols {
            kind: "opt_out",
            channel: Some(ch.wire()),
            to: Some(to),
            role: Some(role.wire()),
            debt: Some(debt),
            ..Cols::default()
        },
        Kind::Cease => Cols {
            kind: "cease",
            to: Some(to),
            role: Some(role.wire()),
            debt: Some(debt),
            ..Cols::default()
        },
    };
    let dpd = c.days_past_due.map(|v| v.to_string());
    let auto = c.autodialed.map(|v| v.to_string());
    // (CSV column, JSON key, value, whether JSON writes it unquoted)
    let fields: [(&str, Option<&str>, bool); 14] = [
        ("at", Some(at.as_str()), false),
        ("type", Some(c.kind), false),
        ("channel", c.channel, false),
        ("to", c.to.as_deref(), false),
        ("role", c.role, false),
        ("debt", c.debt.as_deref(), false),
        ("result", c.result, false),
        ("timezones", c.timezone, false),
        ("place", c.place, false),
        ("purpose", c.purpose, false),
        ("days_past_due", dpd.as_deref(), true),
        ("autodialed", auto.as_deref(), true),
        ("reason", c.reason, false),
        ("until", c.until.as_deref(), false),
    ];
    match spec.syntax {
        Syntax::Csv => {
            for (i, (_, v, _)) in fields.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                buf.push_str(v.unwrap_or(""));
            }
            buf.push('\n');
        }
        Syntax::Jsonl => {
            buf.push('{');
            let mut first = true;
            for (name, v, bare) in fields {
                let v = match v {
                    Some(v) => v,
                    // A hold without an end is open-ended: say so.
                    None if name == "until" && c.kind == "hold" => "null",
                    None => continue,
                };
                if !first {
                    buf.push(',');
                }
                first = false;
                if bare || (name == "until" && v == "null") {
                    let _ = write!(buf, "\"{name}\":{v}");
                } else {
                    // Keys and values are plain ASCII without quotes or
                    // backslashes: no escaping needed.
                    let _ = write!(buf, "\"{name}\":\"{v}\"");
                }
            }
            buf.push_str("}\n");
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly; `allow` because clippy.toml may already allow these in tests"
)]
mod tests {
    use super::*;

    fn bytes(seed: u64, syntax: Syntax) -> Vec<u8> {
        let spec = Spec {
            seed,
            debtors: 150,
            days: 14,
            start: jiff::civil::date(2026, 3, 1),
            syntax,
        };
        let mut out = Vec::new();
        generate(&spec, &mut out).unwrap();
        out
    }

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(bytes(1, Syntax::Csv), bytes(1, Syntax::Csv));
        assert_eq!(bytes(1, Syntax::Jsonl), bytes(1, Syntax::Jsonl));
        assert_ne!(bytes(1, Syntax::Csv), bytes(2, Syntax::Csv));
    }

    #[test]
    fn rows_are_in_time_order_and_mix_kinds() {
        let text = String::from_utf8(bytes(3, Syntax::Csv)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER.trim_end()));
        let mut last = String::new();
        let mut kinds = std::collections::BTreeSet::new();
        for line in lines {
            let at = line.split(',').next().unwrap().to_owned();
            assert!(at >= last, "{at} after {last}");
            last = at;
            let fields: Vec<&str> = line.split(',').collect();
            kinds.insert(format!(
                "{}:{}",
                fields.get(1).unwrap(),
                fields.get(2).unwrap()
            ));
        }
        for k in ["attempt:call", "attempt:sms", "attempt:email", "hold:"] {
            assert!(kinds.contains(k), "no {k} in {kinds:?}");
        }
    }

    #[test]
    fn splitmix_is_uniform_enough() {
        let mut rng = Rng::new(42, 0);
        let mut buckets = [0u32; 10];
        for _ in 0..100_000 {
            let b = usize::try_from(rng.below(10)).unwrap();
            if let Some(x) = buckets.get_mut(b) {
                *x += 1;
            }
        }
        assert!(
            buckets.iter().all(|&n| (9_000..11_000).contains(&n)),
            "{buckets:?}"
        );
    }
}
