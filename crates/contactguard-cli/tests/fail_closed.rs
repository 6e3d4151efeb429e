//! What `contactguard check` does with the bad inputs of SECURITY.md's CLI
//! table: an ask it cannot evaluate is a printed denial (exit status 0, so
//! scripts must read `allow`), input it cannot read is an error naming the
//! source, line, column and field (exit status 2), never a decision.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn check(policy: &str, stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contactguard"))
        .args(["check", "--policy", policy, "--compact", "-"])
        .env_remove("CONTACTGUARD_VECTORS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ask(zones: &str) -> String {
    format!(
        r#"{{"ask": {{"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1",
            "role": "debtor", "debt": "d1", "purpose": "collection"{zones}}}}}"#
    )
}

#[test]
fn zones_it_cannot_evaluate_are_printed_denials() {
    for zones in [
        r#", "timezones": ["Mars/Base"]"#,
        r#", "timezones": ["Asia/Shanghai", "UTC+8"]"#,
        "",
    ] {
        let run = check("cn", &ask(zones));
        assert_eq!(run.code, Some(0), "{zones}: {}", run.stderr);
        let d: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(d["allow"], false, "{zones}: {d}");
        assert_eq!(d["denials"][0]["id"], "contactguard.zone", "{d}");
    }
    let run = check("cn", &ask(r#", "timezones": ["Asia/Shanghai"]"#));
    let d: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(d["allow"], true, "the control case: {d}");
}

#[test]
fn input_it_cannot_read_is_a_located_error_and_no_decision() {
    let cases = [
        // (input, what the message must contain)
        (
            r#"{"ask": {"at": "2026-03-03T10:00:00+08:00", "channel": "call", "to": "c1", "role": "debtor"}}"#,
            "`ask`: missing field `debt`",
        ),
        (
            r#"{"ask": {"at": "9999-12-31T23:59:59Z", "channel": "call", "to": "c1", "role": "debtor", "debt": "d1"}}"#,
            "`ask.at`",
        ),
        (
            r#"{"ask": {"at": "2026-03-03T10:00:00+08:00", "channel": "fax", "to": "c1", "role": "debtor", "debt": "d1"}}"#,
            "`ask.channel`: unknown variant `fax`",
        ),
        ("{\n", "<stdin>:2:1: EOF while parsing an object"),
        (
            "{\"ask\":\n",
            "<stdin>:2:1: `ask`: EOF while parsing a value",
        ),
    ];
    for (input, want) in cases {
        let run = check("cn", input);
        assert_eq!(run.code, Some(2), "{input}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "a decision was printed: {}",
            run.stdout
        );
        assert!(run.stderr.contains(want), "{input}: {}", run.stderr);
        // Positions are 1-based; `?` is not a field.
        assert!(!run.stderr.contains(":0:"), "{}", run.stderr);
        assert!(!run.stderr.contains("`?`"), "{}", run.stderr);
    }
}

#[test]
fn unknown_presets_are_errors() {
    let run = check("cn+nosuch", &ask(r#", "timezones": ["Asia/Shanghai"]"#));
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("unknown preset `nosuch`"),
        "{}",
        run.stderr
    );
}
