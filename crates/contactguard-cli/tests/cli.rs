//! The `contactguard` binary, run as a user runs it, on the files in
//! `tests/data/`. The assertions are about the command (counting, exit
//! codes, file discovery, error locations, output shape); the vectors cases
//! use an inline policy with one `deny` rule, so they hold for any engine
//! that honours `deny`.
#![expect(
    clippy::expect_used,
    reason = "a test that cannot start the command should fail loudly"
)]

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The command, run in `tests/data/`, without the caller's
/// `CONTACTGUARD_VECTORS` (`make test` may set it).
fn contactguard(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contactguard"));
    cmd.args(args)
        .current_dir(data_dir())
        .env_remove("CONTACTGUARD_VECTORS");
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

fn run_with(cmd: &mut Command, stdin: Option<&str>) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start contactguard");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.unwrap_or("").as_bytes())
            .expect("write standard input");
    }
    let out = child.wait_with_output().expect("wait for contactguard");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(cmd: &mut Command) -> Run {
    run_with(cmd, None)
}

// ---- vectors ----------------------------------------------------------

#[test]
fn vectors_all_passing_exits_zero_with_the_summary_line() {
    let r = run(&mut contactguard(&["vectors", "vectors-pass.json"]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.last_line(), "1 passed, 0 failed");
    assert!(!r.stdout.contains("visit-denied"), "{}", r.stdout);
}

#[test]
fn vectors_failing_case_is_reported_and_counted() {
    let r = run(&mut contactguard(&["vectors", "vectors-mixed.json"]));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.last_line(), "1 passed, 1 failed");
    assert!(
        r.stdout
            .contains("FAIL vectors-mixed.json: mixed-fails-on-purpose"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expected: allow=true"), "{}", r.stdout);
    assert!(r.stdout.contains("got:      allow=false"), "{}", r.stdout);
    assert!(r.stdout.contains("retry_at="), "{}", r.stdout);
    // The passing case is not listed without -v.
    assert!(!r.stdout.contains("mixed-visit-denied"), "{}", r.stdout);
}

#[test]
fn vectors_verbose_lists_passing_ids() {
    let r = run(&mut contactguard(&["vectors", "-v", "vectors-mixed.json"]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout
            .contains("ok   vectors-mixed.json: mixed-visit-denied"),
        "{}",
        r.stdout
    );
    assert_eq!(r.last_line(), "1 passed, 1 failed");
}

#[test]
fn vectors_directory_runs_every_json_file_recursively() {
    let r = run(&mut contactguard(&["vectors", "-v", "vectors-dir"]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("dir-a-visit-denied"), "{}", r.stdout);
    assert!(
        r.stdout.contains("dir-b-visit-denied-again"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("README"), "{}", r.stdout);
    assert_eq!(r.last_line(), "3 passed, 0 failed");
}

#[test]
fn vectors_env_adds_files_and_directories_to_the_arguments() {
    let r = run(contactguard(&["vectors", "vectors-pass.json"])
        .env("CONTACTGUARD_VECTORS", "vectors-dir::vectors-mixed.json"));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("mixed-fails-on-purpose"), "{}", r.stdout);
    assert_eq!(r.last_line(), "5 passed, 1 failed");
}

#[test]
fn vectors_env_alone_is_enough() {
    let r = run(contactguard(&["vectors"]).env("CONTACTGUARD_VECTORS", "vectors-dir"));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.last_line(), "3 passed, 0 failed");
}

#[test]
fn vectors_a_file_named_twice_runs_once() {
    let r = run(contactguard(&["vectors", "vectors-pass.json"])
        .env("CONTACTGUARD_VECTORS", "vectors-pass.json"));
    assert_eq!(r.code, Some(0));
    assert_eq!(r.last_line(), "1 passed, 0 failed");
}

#[test]
fn vectors_missing_path_in_env_fails_and_is_named() {
    let r = run(contactguard(&["vectors", "vectors-pass.json"])
        .env("CONTACTGUARD_VECTORS", "no-such-vectors.json"));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no-such-vectors.json"), "{}", r.stderr);
    assert_eq!(r.last_line(), "1 passed, 0 failed");
}

#[test]
fn vectors_file_of_another_format_fails_and_is_named() {
    let r = run(&mut contactguard(&["vectors", "not-vectors.json"]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("`not-vectors.json`") && r.stderr.contains("contact-vectors/1"),
        "{}",
        r.stderr
    );
    assert_eq!(r.last_line(), "0 passed, 0 failed");
}

#[test]
fn vectors_without_any_input_is_a_usage_error() {
    let r = run(&mut contactguard(&["vectors"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("CONTACTGUARD_VECTORS"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

// ---- lint -------------------------------------------------------------

#[test]
fn lint_broken_toml_names_line_column_and_field() {
    let r = run(&mut contactguard(&["lint", "broken-policy.toml"]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .starts_with("broken-policy.toml:10:9: `rules[0].limit`: "),
        "{}",
        r.stderr
    );
}

#[test]
fn lint_prints_the_whole_diagnostic_of_a_policy_error() {
    let r = run(&mut contactguard(&["lint", "broken-policy.toml"]));
    assert_eq!(r.code, Some(1));
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("broken-policy.toml:10:9: `rules[0].limit`: ")
            && first.ends_with(" [policy.invalid]"),
        "{}",
        r.stderr
    );
    // A file whose name says no syntax, and one that is not UTF-8.
    let dir = std::env::temp_dir().join(format!("cg-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let untyped = dir.join("policy.txt");
    let binary = dir.join("binary.toml");
    std::fs::write(&untyped, "format = 1").expect("write");
    std::fs::write(&binary, b"format = \"\xff\xfe\"").expect("write");
    let r = run(&mut contactguard(&[
        "lint",
        &untyped.display().to_string(),
        &binary.display().to_string(),
    ]));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(r.code, Some(1));
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        r.stderr.ends_with("\n  help: save the policy as UTF-8\n"),
        "{}",
        r.stderr
    );
    assert!(
        lines[0].starts_with(&format!("{}: ", untyped.display()))
            && lines[0].ends_with("[policy.file_type]"),
        "{}",
        r.stderr
    );
    assert!(
        lines[1].starts_with(&format!("{}: ", binary.display()))
            && lines[1].ends_with("[policy.encoding]"),
        "{}",
        r.stderr
    );
}

#[test]
fn errors_lists_every_code_and_prints_the_reference_page() {
    let r = run(&mut contactguard(&["errors"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let codes: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for code in [
        "policy.syntax",
        "policy.invalid",
        "policy.unknown_preset",
        "ledger.unknown_ticket",
        "ffi.missing_field",
        "internal.panic",
        "input.invalid",
    ] {
        assert_eq!(codes.iter().filter(|c| **c == code).count(), 1, "{code}");
    }
    assert!(!codes.contains(&"ffi.panic"));
    let r = run(&mut contactguard(&["errors", "--markdown"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("# Error codes\n"), "{}", r.stdout);
    assert_eq!(
        r.stdout.matches("\n### `").count(),
        codes.len(),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_broken_json_names_line_column_and_field() {
    let r = run(&mut contactguard(&["lint", "broken-policy.json"]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.starts_with("broken-policy.json:11:")
            && r.stderr.contains("`rules[0].when.channels[1]`: ")
            && r.stderr.contains("`fax`"),
        "{}",
        r.stderr
    );
}

#[test]
fn lint_good_policy_prints_rule_count() {
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2026-06-01",
        "good-policy.toml",
    ]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "good-policy.toml: ok, 2 rules\n\
         good-policy.toml: calendar `acme`: 2026 official; cannot classify from 2027-01-01\n"
    );
}

#[test]
fn lint_warns_when_a_calendar_runs_out_within_60_days() {
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2026-11-15",
        "good-policy.toml",
    ]));
    assert_eq!(r.code, Some(0));
    assert!(
        r.stdout
            .contains("warning: calendar `acme` runs out on 2026-12-31, in 46 days"),
        "{}",
        r.stdout
    );
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2027-01-05",
        "good-policy.toml",
    ]));
    assert!(
        r.stdout.contains("calendar `acme` ran out on 2026-12-31"),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_warns_about_a_window_entry_that_is_never_used() {
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2026-06-01",
        "midday-two-entries.toml",
    ]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "midday-two-entries.toml: warning: rule `acme.midday`: `windows[1]` is never used"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("`intervals`"), "{}", r.stdout);
    // The good policy has no such warning.
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2026-06-01",
        "good-policy.toml",
    ]));
    assert!(!r.stdout.contains("never used"), "{}", r.stdout);
}

#[test]
fn lint_keeps_going_after_an_error() {
    let r = run(&mut contactguard(&[
        "lint",
        "--today",
        "2026-06-01",
        "broken-policy.toml",
        "no-such-policy.toml",
        "good-policy.toml",
    ]));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("no-such-policy.toml: cannot read the policy: ")
            && r.stderr.contains("[policy.io]"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("good-policy.toml: ok, 2 rules"),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_strict_fails_when_a_used_calendar_runs_out_within_the_horizon() {
    let lint = |extra: &[&str]| {
        let mut args = vec!["lint", "--today", "2026-11-15"];
        args.extend_from_slice(extra);
        args.push("good-policy.toml");
        run(&mut contactguard(&args))
    };
    // 46 days left: a warning, and with --strict an error.
    let r = lint(&[]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    let r = lint(&["--strict"]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.stdout.contains("error: calendar `acme` runs out on 2026-12-31, in 46 days: acme.hours deny from 2027-01-01"),
        "{}",
        r.stdout
    );
    // A horizon shorter than what is left: clean even with --strict.
    let r = lint(&["--strict", "--within", "45"]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(!r.stdout.contains("error"), "{}", r.stdout);
    let r = lint(&["--strict", "--within", "46"]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
}

#[test]
fn lint_accepts_an_operator_year_added_to_a_preset_calendar() {
    let r = run(&mut contactguard(&[
        "lint",
        "--strict",
        "--today",
        "2026-12-07",
        "id-2028.toml",
    ]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "id-2028.toml: calendar `id`: 2026 official, 2027 official, 2028 official; cannot classify from 2029-01-01"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_names_the_line_of_a_year_that_disagrees_with_the_preset() {
    let r = run(&mut contactguard(&["lint", "id-conflict.toml"]));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        // Line 7 is `[calendars.id]` (the prefix is the file or the policy's name).
        r.stderr.starts_with("id-conflict")
            && r.stderr.contains(":7:")
            && r.stderr.contains("`calendars.id`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("already lists 2027 with different days"),
        "{}",
        r.stderr
    );
}

// ---- calendars --------------------------------------------------------

#[test]
fn calendars_reports_status_and_when_each_runs_out() {
    let r = run(&mut contactguard(&[
        "calendars",
        "--policy",
        "id-ojk+ie+th",
        "--today",
        "2026-12-07",
    ]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let out = &r.stdout;
    assert!(out.contains("calendar `id`\n"), "{out}");
    assert!(out.contains("  2027: official        18 holidays"), "{out}");
    assert!(out.contains("  2027: computed        22 holidays"), "{out}");
    assert!(out.contains("  2026: partial          4 holidays"), "{out}");
    assert!(
        out.contains("every year from 2023: statutory-rule `ie-owta-1997`"),
        "{out}"
    );
    assert!(
        out.contains("runs out:  never (computed by rule for every later year)"),
        "{out}"
    );
    assert!(
        out.contains(
            "runs out:  2028-01-01 is the first date it cannot classify (390 days from 2026-12-07)"
        ),
        "{out}"
    );
}

#[test]
fn calendars_of_an_operator_file_include_its_years() {
    let r = run(&mut contactguard(&[
        "calendars",
        "--policy",
        "id-2028.toml",
        "--today",
        "2026-12-07",
    ]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "  2028: official         1 holidays  SKB on 2028 national holidays (test excerpt)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2029-01-01 is the first date it cannot classify"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_with_an_operator_calendar_file_denies_its_holiday() {
    let ask = |at: &str| {
        run(&mut contactguard(&[
            "check",
            "--policy-file",
            "id-2028.toml",
            "--compact",
            "--at",
            at,
            "--channel",
            "call",
            "--to",
            "d1",
            "--role",
            "debtor",
            "--debt",
            "L1",
            "--tz",
            "Asia/Jakarta",
            "--place",
            "mobile",
            "--purpose",
            "collection",
        ]))
    };
    let holiday = ask("2028-01-03T10:00:00+07:00");
    let holiday = decision_of(&holiday.stdout);
    assert_eq!(holiday["allow"], Value::Bool(false), "{holiday:?}");
    assert_eq!(holiday["denials"][0]["id"], "id-ojk.1", "{holiday:?}");
    assert!(
        !holiday["denials"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("no data"),
        "{holiday:?}"
    );
    let working = decision_of(&ask("2028-01-04T10:00:00+07:00").stdout);
    assert_eq!(working["allow"], Value::Bool(true), "{working:?}");
}

// ---- check ------------------------------------------------------------

fn decision_of(stdout: &str) -> serde_json::Map<String, Value> {
    let v: Value = serde_json::from_str(stdout).expect("check prints JSON");
    v.as_object().cloned().expect("a JSON object")
}

fn assert_denied_by_the_inline_rule(stdout: &str) {
    let d = decision_of(stdout);
    let mut keys: Vec<&str> = d.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["allow", "denials", "obligations", "retry_at"]);
    assert_eq!(d.get("allow"), Some(&Value::Bool(false)));
    let denials = d
        .get("denials")
        .and_then(Value::as_array)
        .expect("denials array");
    assert!(
        denials
            .iter()
            .any(|x| x.get("id") == Some(&Value::from("cli-test.no-visits"))),
        "{stdout}"
    );
    for denial in denials {
        for key in ["id", "cite", "message"] {
            assert!(
                denial.get(key).is_some_and(Value::is_string),
                "{key}: {stdout}"
            );
        }
    }
    assert!(d.get("obligations").is_some_and(Value::is_array));
}

#[test]
fn check_reads_a_file_with_an_inline_policy() {
    let r = run(&mut contactguard(&["check", "check-input.json"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_denied_by_the_inline_rule(&r.stdout);
}

#[test]
fn check_reads_standard_input() {
    let input = std::fs::read_to_string(data_dir().join("check-input.json")).expect("read input");
    for args in [&["check", "-"][..], &["check", "--compact"][..]] {
        let r = run_with(&mut contactguard(args), Some(&input));
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert_denied_by_the_inline_rule(&r.stdout);
    }
}

#[test]
fn check_takes_the_ask_as_flags() {
    let r = run(&mut contactguard(&[
        "check",
        "--policy-file",
        "good-policy.toml",
        "--at",
        "2026-04-08T10:00:00-04:00",
        "--channel",
        "visit",
        "--to",
        "p-1",
        "--role",
        "debtor",
        "--debt",
        "d-1",
        "--tz",
        "America/New_York",
        "--tz",
        "America/Chicago",
        "--place",
        "home",
        "--purpose",
        "collection",
        "--autodialed=false",
        "--days-past-due",
        "30",
    ]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let d = decision_of(&r.stdout);
    assert_eq!(d.get("allow"), Some(&Value::Bool(false)));
}

#[test]
fn check_policy_flag_and_inline_policy_conflict() {
    let r = run(&mut contactguard(&[
        "check",
        "--policy",
        "us-reg-f",
        "check-input.json",
    ]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("policy is given twice"), "{}", r.stderr);
}

#[test]
fn check_without_a_policy_says_how_to_give_one() {
    let r = run(&mut contactguard(&[
        "check",
        "--at",
        "2026-04-08T10:00:00-04:00",
        "--channel",
        "call",
        "--to",
        "p",
        "--role",
        "debtor",
        "--debt",
        "d",
    ]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.starts_with("error: no policy"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn check_names_the_bad_field_of_the_input() {
    let input = r#"{"policy": "us-reg-f",
 "ask": {"at": "2026-04-08T10:00:00-04:00", "channel": "fax", "to": "p", "role": "debtor", "debt": "d"}}"#;
    let r = run_with(&mut contactguard(&["check"]), Some(input));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.starts_with("error: <stdin>:2:") && r.stderr.contains("`ask.channel`"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_names_the_bad_field_of_an_inline_policy() {
    let input = r#"{"policy": {"format": "contactguard-policy/1", "rules": [
  {"id": "x.cap", "title": "t", "cite": "c", "status": "law", "kind": "cap"}]},
 "ask": {"at": "2026-04-08T10:00:00Z", "channel": "call", "to": "p", "role": "debtor", "debt": "d"}}"#;
    let r = run_with(&mut contactguard(&["check", "-"]), Some(input));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .starts_with("error: <stdin> (`policy`): `rules[0].limit`: "),
        "{}",
        r.stderr
    );
}

#[test]
fn check_with_empty_standard_input_says_what_it_needs() {
    let r = run_with(&mut contactguard(&["check"]), Some(""));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("standard input is empty"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn check_flags_need_the_five_required_fields() {
    let r = run(&mut contactguard(&[
        "check",
        "--policy",
        "us-reg-f",
        "--channel",
        "call",
    ]));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .starts_with("error: `--at`: required flag not given [input.missing]\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("help: an ask needs --at, --channel, --to, --role and --debt"),
        "{}",
        r.stderr
    );
}

// ---- presets and demo -------------------------------------------------

#[test]
fn presets_lists_every_preset() {
    let r = run(&mut contactguard(&["presets"]));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    for name in contactguard::preset_names() {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name}: {}",
            r.stdout
        );
    }
}

#[test]
fn presets_show_prints_rules_with_cite_and_status() {
    let r = run(&mut contactguard(&["presets", "show", "us-reg-f"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let policy = contactguard::Policy::preset("us-reg-f").expect("preset loads");
    for rule in policy.rules() {
        assert!(r.stdout.contains(&rule.id), "{}", rule.id);
        assert!(r.stdout.contains(&format!("cite:   {}", rule.cite)));
        assert!(r.stdout.contains(&format!("status: {}", rule.status)));
    }
}

#[test]
fn presets_markdown_prints_the_reference_page() {
    let r = run(&mut contactguard(&["presets", "--markdown"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, contactguard::reference::presets_markdown());
}

#[test]
fn presets_show_unknown_name_is_an_error() {
    let r = run(&mut contactguard(&["presets", "show", "atlantis"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("atlantis"), "{}", r.stderr);
}

#[test]
fn demo_runs() {
    let r = run(&mut contactguard(&["demo"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("[1/"), "{}", r.stdout);
    assert!(r.last_line().ends_with("denied"), "{}", r.stdout);
}

const CONVERSATION_TODAY: &str = r#"{"ask": {"at": "2026-04-08T18:00:00-04:00", "channel": "call",
  "to": "c1", "role": "debtor", "debt": "d1", "place": "mobile", "purpose": "collection",
  "timezones": ["America/New_York", "America/Los_Angeles"]},
 "history": [{"type": "attempt", "at": "2026-04-08T10:00:00-04:00", "channel": "call",
  "to": "c1", "role": "debtor", "debt": "d1", "result": "conversation"}]}"#;

#[test]
fn explain_lists_every_rule_and_the_retry_time_in_each_zone() {
    let r = run_with(
        &mut contactguard(&["explain", "--policy", "us-reg-f"]),
        Some(CONVERSATION_TODAY),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("DENY call to c1"), "{}", r.stdout);
    // Every rule of the preset appears, with its outcome.
    for id in ["us-reg-f.1", "us-reg-f.10", "us-reg-f.14"] {
        assert!(r.stdout.contains(id), "{id} missing:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("DENY   us-reg-f.11"), "{}", r.stdout);
    assert!(
        r.stdout.contains("cite: 1006.14(b)(2)(i)(B)"),
        "{}",
        r.stdout
    );
    // The conversation date is day 1: calls resume on day 8, 2026-04-15, at
    // 08:00 in Los Angeles, the later of the two zones' morning limits.
    assert!(
        r.stdout.contains("retry at 2026-04-15T15:00:00Z"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("in America/New_York: Wed 2026-04-15 11:00:00 -04:00"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("in America/Los_Angeles: Wed 2026-04-15 08:00:00 -07:00"),
        "{}",
        r.stdout
    );
}

#[test]
fn explain_json_has_the_decision_and_one_outcome_per_rule() {
    let r = run_with(
        &mut contactguard(&["explain", "--policy", "us-reg-f", "--json"]),
        Some(CONVERSATION_TODAY),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("explain --json prints JSON");
    assert_eq!(v["decision"]["allow"], Value::Bool(false));
    let rules = v["rules"].as_array().expect("rules array");
    let preset = contactguard::Policy::preset("us-reg-f").expect("preset");
    assert_eq!(rules.len(), preset.rules().len());
    let denied: Vec<&str> = rules
        .iter()
        .filter(|r| r["outcome"] == "deny")
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(denied, ["us-reg-f.11"]);
}

/// `--policy` takes preset names or a policy file in every command that
/// has it (`check`, `explain`, `audit`): the same flag, the same rule.
#[test]
fn policy_flag_takes_a_file_in_check_and_explain() {
    let ask = [
        "--at",
        "2026-04-08T10:00:00-04:00",
        "--channel",
        "visit",
        "--to",
        "p-1",
        "--role",
        "debtor",
        "--debt",
        "d-1",
        "--tz",
        "America/New_York",
    ];
    for command in ["check", "explain"] {
        let mut args = vec![command, "--policy", "good-policy.toml"];
        args.extend(ask);
        let r = run(&mut contactguard(&args));
        assert_eq!(r.code, Some(0), "{command}: {}", r.stderr);
        let mut args = vec![command, "--policy", "us-reg-f+us-ma"];
        args.extend(ask);
        let r = run(&mut contactguard(&args));
        assert_eq!(r.code, Some(0), "{command}: {}", r.stderr);
    }
    // A file that is not there is named as a file, not as an unknown preset.
    let mut args = vec!["check", "--policy", "missing-policy.toml"];
    args.extend(ask);
    let r = run(&mut contactguard(&args));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .starts_with("error: missing-policy.toml: cannot read the policy: ")
            && r.stderr.contains("[policy.io]")
            && !r.stderr.contains("preset"),
        "{}",
        r.stderr
    );
    // A broken file's errors point into it, not at its `name`.
    let mut args = vec!["check", "--policy", "broken-policy.toml"];
    args.extend(ask);
    let r = run(&mut contactguard(&args));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.starts_with("error: broken-policy.toml:"),
        "{}",
        r.stderr
    );
}

/// `sample -o DIR/FILE` creates the directory.
#[test]
fn sample_output_creates_its_directory() {
    let dir = std::env::temp_dir().join(format!("contactguard-sample-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("nested/log.csv");
    let out_arg = out.to_string_lossy().into_owned();
    let r = run(&mut contactguard(&[
        "sample",
        "--debtors",
        "2",
        "--days",
        "1",
        "-o",
        &out_arg,
    ]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.lines().count() > 1, "{text}");
}
