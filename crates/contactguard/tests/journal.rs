//! The journaled ledger: every admission, completion and event is in the
//! journal before the call returns; restore = snapshot + journal replay;
//! a torn tail is truncated, damage before the end refused. The crash test
//! runs a real child process (this test binary, re-executed) under load and
//! kills it with SIGKILL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::ledger::{Fsync, Journaled, Ledger, LedgerError, MemoryStore};
use contactguard::model::{AttemptResult, Channel, Role};
use contactguard::{Ask, Event, Policy};
use jiff::{SignedDuration, Timestamp};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SECRET: &[u8] = b"journal test secret";
const CAP: u32 = 5;
const RECIPIENTS: usize = 40;

fn policy() -> Policy {
    Policy::from_toml(&format!(
        r#"
format = "contactguard-policy/1"
[[rules]]
id = "calls.day"
title = "At most {CAP} calls a day"
cite = "test"
status = "convention"
kind = "cap"
limit = {CAP}
scope = "recipient"
period = "day"
count = {{ channels = ["call"] }}
"#
    ))
    .unwrap()
}

fn base() -> Timestamp {
    "2026-03-03T00:00:00Z".parse().unwrap()
}

fn call(r: usize, at: Timestamp) -> Ask {
    Ask {
        at,
        channel: Channel::Call,
        to: format!("+86138000{r:05}"),
        role: Role::Debtor,
        debt: format!("loan-{r}"),
        timezones: vec!["UTC".into()],
        place: None,
        autodialed: None,
        purpose: None,
        days_past_due: None,
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "contactguard-journal-{name}-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn journal_file(dir: &Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("journal"))
        .unwrap()
}

fn open(
    dir: &Path,
) -> (
    Ledger<Journaled<MemoryStore>>,
    contactguard::ledger::Replayed,
) {
    let snapshot = File::open(dir.join("snapshot")).ok();
    Ledger::with_journal(policy(), SECRET, snapshot, journal_file(dir), Fsync::Always).unwrap()
}

fn checkpoint(ledger: &Ledger<Journaled<MemoryStore>>, dir: &Path) {
    let tmp = File::create(dir.join("snapshot.tmp")).unwrap();
    ledger
        .checkpoint(&tmp, || {
            tmp.sync_all()?;
            std::fs::rename(dir.join("snapshot.tmp"), dir.join("snapshot"))
        })
        .unwrap();
}

#[test]
fn a_restart_replays_admissions_completions_and_events() {
    let dir = scratch("replay");
    let (ledger, replayed) = open(&dir);
    assert_eq!(replayed.records, 0);
    let t0 = base() + SignedDuration::from_hours(9);
    let mut tickets = Vec::new();
    for i in 0..3 {
        let a = ledger.check_and_record(&call(1, t0 + SignedDuration::from_mins(i)));
        tickets.push(a.ticket.unwrap());
    }
    ledger
        .complete(&tickets[0], AttemptResult::NoAnswer)
        .unwrap();
    // Calls made elsewhere, and a consent (a state event).
    let made = |i: i64| {
        Event::attempt_from(
            &call(2, t0 + SignedDuration::from_mins(i)),
            AttemptResult::Voicemail,
        )
    };
    for i in 0..3 {
        ledger.record(&made(i)).unwrap();
    }
    ledger
        .record(&Event::Consent(contactguard::Consent {
            at: t0,
            to: call(2, t0).to,
            channel: Channel::Sms,
            granted: true,
            kind: None,
        }))
        .unwrap();
    // Half of it in a snapshot, the rest in the journal only.
    checkpoint(&ledger, &dir);
    for i in 3..5 {
        ledger.record(&made(i)).unwrap();
    }
    ledger
        .complete(&tickets[1], AttemptResult::Conversation)
        .unwrap();
    let fourth = ledger
        .check_and_record(&call(1, t0 + SignedDuration::from_mins(5)))
        .ticket
        .unwrap();
    let before = ledger.stats();
    drop(ledger);

    let (again, replayed) = open(&dir);
    assert_eq!(replayed.records, 4);
    assert_eq!(replayed.truncated, 0);
    assert_eq!(again.stats(), before);
    assert_eq!(again.stats().pending, 2);
    assert!(
        !again
            .check(&call(2, t0 + SignedDuration::from_hours(1)))
            .allow
    );
    // Tickets from before the restart complete.
    again.complete(&fourth, AttemptResult::NoAnswer).unwrap();
    again
        .complete(&tickets[2], AttemptResult::NoAnswer)
        .unwrap();
    // The journal holds hashed keys only.
    let bytes = std::fs::read(dir.join("journal")).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("+86138000"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_torn_tail_is_truncated_and_damage_before_the_end_refused() {
    let dir = scratch("torn");
    let (ledger, _) = open(&dir);
    let t0 = base() + SignedDuration::from_hours(9);
    for i in 0..3 {
        assert!(
            ledger
                .check_and_record(&call(1, t0 + SignedDuration::from_mins(i)))
                .decision
                .allow
        );
    }
    drop(ledger);
    let good = std::fs::read(dir.join("journal")).unwrap();
    // A record cut short by the crash: its header promises more bytes.
    let mut torn = good.clone();
    torn.extend_from_slice(&[60, 0, 0, 0, 1, 2, 3, 4, 1, 9, 9]);
    std::fs::write(dir.join("journal"), &torn).unwrap();
    let (ledger, replayed) = open(&dir);
    assert_eq!(replayed.records, 3);
    assert_eq!(replayed.truncated, 11);
    assert_eq!(ledger.stats().pending, 3);
    drop(ledger);
    assert_eq!(std::fs::read(dir.join("journal")).unwrap(), good);

    // A record whose checksum is wrong with records after it: not a torn
    // write, so the journal is refused rather than cut.
    let mut damaged = good.clone();
    damaged[20 + 8 + 3] ^= 0x40;
    std::fs::write(dir.join("journal"), &damaged).unwrap();
    let err = Ledger::with_journal(
        policy(),
        SECRET,
        None::<File>,
        journal_file(&dir),
        Fsync::Never,
    )
    .unwrap_err();
    assert!(matches!(err, LedgerError::Corrupt(_)), "{err}");
    // Under another key: refused.
    std::fs::write(dir.join("journal"), &good).unwrap();
    let err = Ledger::with_journal(
        policy(),
        b"other",
        None::<File>,
        journal_file(&dir),
        Fsync::Never,
    )
    .unwrap_err();
    assert!(matches!(err, LedgerError::KeyMismatch), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The child half of the crash test: admits calls as fast as it can,
/// printing `A <recipient>` after each acknowledged admission, completing
/// every other one and checkpointing now and then, until it is killed.
#[test]
fn journal_crash_child() {
    let Some(dir) = std::env::var_os("CONTACTGUARD_JOURNAL_CHILD") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let (ledger, _) = open(&dir);
    let out = std::io::stdout();
    let mut admitted = 0u64;
    for i in 0..20_000i64 {
        let r = (i as usize * 7) % RECIPIENTS;
        let a = ledger.check_and_record(&call(r, base() + SignedDuration::from_secs(i)));
        if let Some(t) = a.ticket {
            let mut o = out.lock();
            writeln!(o, "A {r}").unwrap();
            o.flush().unwrap();
            admitted += 1;
            if admitted % 2 == 0 {
                ledger.complete(&t, AttemptResult::NoAnswer).unwrap();
            }
            if admitted % 40 == 0 {
                checkpoint(&ledger, &dir);
            }
        }
    }
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn kill_9_mid_load_loses_no_acknowledged_attempt_and_exceeds_no_cap() {
    for (round, kill_after) in [37usize, 81, 140].into_iter().enumerate() {
        let dir = scratch(&format!("kill-{round}"));
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "journal_crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CONTACTGUARD_JOURNAL_CHILD", &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked = [0u32; RECIPIENTS];
        let mut seen = 0;
        while seen < kill_after {
            let Some(line) = lines.next() else {
                panic!("the child stopped after {seen} admissions")
            };
            if let Some(r) = line.unwrap().strip_prefix("A ") {
                acked[r.parse::<usize>().unwrap()] += 1;
                seen += 1;
            }
        }
        // SIGKILL, mid-load: no chance to flush or clean up.
        child.kill().unwrap();
        child.wait().unwrap();
        // Acknowledgements already in the pipe count too.
        for line in lines {
            if let Some(r) = line.unwrap().strip_prefix("A ") {
                acked[r.parse::<usize>().unwrap()] += 1;
            }
        }

        let (ledger, _) = open(&dir);
        let total: u32 = acked.iter().sum();
        assert!(ledger.stats().attempts >= total as usize, "round {round}");
        // Fill every recipient's day: acknowledged before the crash plus
        // admitted now never exceed the cap, and a lost acknowledged
        // attempt would show as one admission too many.
        let later = base() + SignedDuration::from_hours(7);
        for (r, &before) in acked.iter().enumerate() {
            let mut now = 0;
            while ledger
                .check_and_record(&call(r, later + SignedDuration::from_secs(now.into())))
                .ticket
                .is_some()
            {
                now += 1;
                assert!(before + now <= CAP, "round {round}, recipient {r}: {before} acknowledged before the crash, {now} more admitted");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
